/*
 * What the C test hosts share: the host app's identity and secret, and reading a file.
 */
#ifndef COVE_TEST_HOST_FILES_H
#define COVE_TEST_HOST_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The app and the host app the test's platform signed the policy for. */
#define APP_ID "wxcove0000demo01"
#define SDK_KEY "bank-app-embed"
/* A real host keeps 32 or more random bytes in its keystore. */
static const uint8_t STORAGE_SECRET[] = "an embedded host's secret, 32+ bytes long";

/* The whole file, NUL-terminated (so text files are strings); `len` gets its size. */
static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "FAIL: cannot open %s\n", path);
        exit(1);
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *grown = realloc(buf, cap * 2 + 1);
            if (!grown) free(buf);
            buf = grown;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "FAIL: out of memory reading %s\n", path);
        exit(1);
    }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

#endif
