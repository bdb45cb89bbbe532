/*
 * A native host is refused, through include/cove.h, what the platform did not sign exactly
 * as it is: an unsigned package, a tampered one, and a signed one under an expired policy.
 * Each is COVE_ERR_REFUSED with a message that starts with its stable code, and no app
 * code runs (no callback is called).
 *
 * Usage: refused UNSIGNED TAMPERED SIGNED SIGNING_KEYS_JSON POLICY_JSON EXPIRED_POLICY_JSON
 * APP_DIR. Prints one line per refusal; exits non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cove.h"
#include "host_files.h"

static int called;

static void on_message(void *user, const char *json) {
    (void)user;
    (void)json;
    called++;
}

static void on_console(void *user, int level, const char *text) {
    (void)user;
    (void)level;
    printf("console: %s\n", text);
    called++;
}

/* Open `package_path` under `policy_path`; it must be refused with `code`. */
static int refused(const CoveTrust *trust, const char *what, const char *package_path,
                   const char *policy_path, const char *app_dir, const char *code) {
    size_t len = 0;
    uint8_t *package = read_file(package_path, &len);
    char *policy = (char *)read_file(policy_path, NULL);
    CoveHostCallbacks callbacks = {on_message, on_console, NULL};
    CoveApp *app = (CoveApp *)1;
    char *err = NULL;
    int rc = cove_app_open_signed(trust, STORAGE_SECRET, sizeof STORAGE_SECRET - 1, APP_ID,
                                  policy, package, len, app_dir, NULL, callbacks, NULL, &app,
                                  &err);
    printf("%s: status %d, %s\n", what, rc, err ? err : "(no message)");
    size_t n = strlen(code);
    int ok = rc == COVE_ERR_REFUSED && app == NULL && err && strncmp(err, code, n) == 0 &&
             err[n] == ':';
    if (app && app != (CoveApp *)1) cove_app_close(app);
    cove_string_free(err);
    free(package);
    free(policy);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr,
                "usage: %s UNSIGNED TAMPERED SIGNED SIGNING_KEYS_JSON POLICY_JSON "
                "EXPIRED_POLICY_JSON APP_DIR\n",
                argv[0]);
        return 2;
    }
    char *signing_keys = (char *)read_file(argv[4], NULL);
    CoveTrust trust = {signing_keys, NULL, SDK_KEY, NULL};
    int ok = 1;
    ok &= refused(&trust, "unsigned", argv[1], argv[5], argv[7], "unsigned");
    ok &= refused(&trust, "tampered", argv[2], argv[5], argv[7], "digest_mismatch");
    ok &= refused(&trust, "expired policy", argv[3], argv[6], argv[7], "policy_expired");
    free(signing_keys);
    if (called) {
        fprintf(stderr, "FAIL: the app's code ran (%d callbacks)\n", called);
        return 1;
    }
    if (!ok) {
        fprintf(stderr, "FAIL: a package or policy was not refused as expected\n");
        return 1;
    }
    printf("OK\n");
    return 0;
}
