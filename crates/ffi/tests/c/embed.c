/*
 * A native host embedding Cove through include/cove.h: open the demo as the platform signed
 * it, under the platform's signed policy, with storage encrypted under the host's secret
 * (cove_app_open_signed); collect the view's messages, tap "+1", see the count go from 0 to
 * 1; then tap "Reset", answer the showModal it asks the host for, and see the count back at
 * 0. Then open it again from what is installed (package NULL), verified again.
 *
 * Usage: embed SIGNED_PACKAGE SIGNING_KEYS_JSON POLICY_JSON APP_DIR. Prints what it saw;
 * exits non-zero on any failure.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cove.h"
#include "host_files.h"

/* The callbacks run on the app's thread: everything they share with main is locked. */
struct seen {
    pthread_mutex_t lock;
    char **messages;
    size_t n_messages;
    int launch_logged;
    char *request_api;
    uint64_t request_id;
    int requests;
};

static void fail(const char *what, char *err) {
    fprintf(stderr, "FAIL: %s%s%s\n", what, err ? ": " : "", err ? err : "");
    cove_string_free(err);
    exit(1);
}

static char *copy(const char *s) {
    char *c = strdup(s);
    if (!c) fail("out of memory", NULL);
    return c;
}

static void on_message(void *user, const char *json) {
    struct seen *s = user;
    pthread_mutex_lock(&s->lock);
    char **grown = realloc(s->messages, (s->n_messages + 1) * sizeof *grown);
    if (!grown) fail("out of memory", NULL);
    s->messages = grown;
    s->messages[s->n_messages++] = copy(json);
    pthread_mutex_unlock(&s->lock);
}

static void on_console(void *user, int level, const char *text) {
    struct seen *s = user;
    printf("console[%d]: %s\n", level, text);
    if (level == COVE_LEVEL_LOG && strstr(text, "[cove-demo] launch")) {
        pthread_mutex_lock(&s->lock);
        s->launch_logged = 1;
        pthread_mutex_unlock(&s->lock);
    }
}

/* Answered later, from main, as a host that shows a dialog would. */
static void on_request(void *user, const char *api, const char *args_json, uint64_t reply_id) {
    struct seen *s = user;
    printf("request %llu: %s %s\n", (unsigned long long)reply_id, api, args_json);
    pthread_mutex_lock(&s->lock);
    free(s->request_api);
    s->request_api = copy(api);
    s->request_id = reply_id;
    s->requests++;
    pthread_mutex_unlock(&s->lock);
}

static size_t message_count(struct seen *s) {
    pthread_mutex_lock(&s->lock);
    size_t n = s->n_messages;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* Does an ops message after index `from` set a text node to `text`? */
static int text_op_since(struct seen *s, size_t from, const char *text) {
    char needle[64];
    snprintf(needle, sizeof needle, ",\"%s\"]", text);
    int found = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = from; i < s->n_messages; i++) {
        const char *m = s->messages[i];
        if (!strstr(m, "\"t\":\"ops\"")) continue;
        for (const char *op = strstr(m, "[\"text\","); op; op = strstr(op + 1, "[\"text\",")) {
            const char *end = strchr(op, ']');
            const char *hit = strstr(op, needle);
            if (end && hit && hit + strlen(needle) - 1 == end) found = 1;
        }
        printf("ops after the tap: %s\n", m);
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

/* The top page's `count`, or a failure. */
static long page_count(CoveApp *app) {
    char *data = cove_app_page_data(app);
    if (!data) fail("cove_app_page_data returned NULL", NULL);
    printf("page data: %s\n", data);
    const char *at = strstr(data, "\"count\":");
    if (!at) fail("no count in the page data", data);
    long count = strtol(at + strlen("\"count\":"), NULL, 10);
    cove_string_free(data);
    return count;
}

static void tap(CoveApp *app, const char *selector) {
    int64_t node = cove_app_find(app, selector);
    printf("%s is node %lld\n", selector, (long long)node);
    if (node < 0) fail("cove_app_find found no node", NULL);
    char *err = NULL;
    if (cove_app_event(app, (uint64_t)node, "tap", "{\"x\":1,\"y\":2}", &err) != COVE_OK)
        fail("cove_app_event", err);
    if (cove_app_settle(app, &err) != COVE_OK) fail("cove_app_settle", err);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s SIGNED_PACKAGE SIGNING_KEYS_JSON POLICY_JSON APP_DIR\n", argv[0]);
        return 2;
    }
    printf("cove %s\n", cove_version());

    size_t package_len = 0;
    uint8_t *package = read_file(argv[1], &package_len);
    char *signing_keys = (char *)read_file(argv[2], NULL);
    char *policy = (char *)read_file(argv[3], NULL);
    CoveTrust trust = {signing_keys, NULL, SDK_KEY, NULL};

    struct seen s = {0};
    pthread_mutex_init(&s.lock, NULL);
    CoveHostCallbacks callbacks = {on_message, on_console, on_request};
    char *err = NULL;
    CoveApp *app = NULL;
    int rc = cove_app_open_signed(&trust, STORAGE_SECRET, sizeof STORAGE_SECRET - 1, APP_ID,
                                  policy, package, package_len, argv[4], NULL, callbacks, &s,
                                  &app, &err);
    if (rc != COVE_OK || !app) fail("cove_app_open_signed", err);
    printf("opened signed: %s\n", APP_ID);

    size_t launched = message_count(&s);
    printf("messages at launch: %zu\n", launched);
    pthread_mutex_lock(&s.lock);
    int hello = launched > 0 && strstr(s.messages[0], "\"t\":\"hello\"") != NULL;
    int logged = s.launch_logged;
    pthread_mutex_unlock(&s.lock);
    if (!hello) fail("the first message is not hello", NULL);
    if (!logged) fail("App.onLaunch did not log", NULL);
    if (cove_app_find(app, "#no-such-element") != -1) fail("a missing element was found", NULL);

    long before = page_count(app);
    if (before != 0) fail("count does not start at 0", NULL);

    tap(app, "#increment");
    long after = page_count(app);
    if (after != 1) fail("count is not 1 after the tap", NULL);
    if (!text_op_since(&s, launched, "1")) fail("no text op set \"1\"", NULL);
    printf("count: %ld -> %ld\n", before, after);

    /* Reset asks the host first; confirm it. */
    tap(app, "#reset");
    pthread_mutex_lock(&s.lock);
    int asked = s.requests == 1 && strcmp(s.request_api, "showModal") == 0;
    uint64_t id = s.request_id;
    pthread_mutex_unlock(&s.lock);
    if (!asked) fail("Reset did not ask for showModal", NULL);
    if (page_count(app) != 1) fail("count changed before the dialog was answered", NULL);
    if (cove_app_reply(app, id, 1, "{\"confirm\":true,\"cancel\":false}") != COVE_OK)
        fail("cove_app_reply", NULL);
    if (cove_app_reply(app, id, 1, "{}") != COVE_ERR_ARGUMENT)
        fail("a reply id was answered twice", NULL);
    if (cove_app_settle(app, &err) != COVE_OK) fail("cove_app_settle", err);
    long reset = page_count(app);
    if (reset != 0) fail("count is not 0 after the reset", NULL);
    printf("count after reset: %ld\n", reset);

    /* Errors come back as codes and messages. */
    if (cove_app_event(app, 1, "tap", "{not json", &err) != COVE_ERR_ARGUMENT || !err)
        fail("bad JSON was accepted", err);
    printf("bad detail: %s\n", err);
    cove_string_free(err);

    cove_app_close(app);

    /* Again from what is installed: no bytes, the installed package verified again. */
    app = NULL;
    rc = cove_app_open_signed(&trust, STORAGE_SECRET, sizeof STORAGE_SECRET - 1, APP_ID, policy,
                              NULL, 0, argv[4], NULL, callbacks, &s, &app, &err);
    if (rc != COVE_OK || !app) fail("cove_app_open_signed of the installed package", err);
    printf("reopened installed: count %ld\n", page_count(app));
    cove_app_close(app);
    free(package);
    free(signing_keys);
    free(policy);

    pthread_mutex_lock(&s.lock);
    size_t total = s.n_messages;
    for (size_t i = 0; i < s.n_messages; i++) free(s.messages[i]);
    free(s.messages);
    free(s.request_api);
    pthread_mutex_unlock(&s.lock);
    printf("messages in all: %zu\n", total);
    printf("OK\n");
    return 0;
}
