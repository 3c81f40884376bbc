/* The fast JSON-lines parser of sigma-scan (examples/json_fast.c) against the jansson
 * path it replaces (json_event_load_line + json_event_walk): for every line, either
 * both produce exactly the same fields (names, types, values, order, and the Channel
 * value --stats counts), or the fast parser declines and the line takes the jansson
 * path. Crafted lines say which of the two they expect (malformed lines must be
 * declined, and jansson must reject them).
 *
 *   test_json_fast                  the crafted lines
 *   test_json_fast --corpus ROOT    every *.jsonl line in ROOT/../shared/corpus/events;
 *                                   exit 77 (skip) when the corpus is absent, 1 if CI=true
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_event.h"
#include "json_fast.h"

/* ------------------------------------------------------------- recording sink */

typedef struct rec {
    char *data;
    size_t len, cap;
} rec;

static void rec_add(rec *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        while (cap < r->len + n)
            cap *= 2;
        r->data = realloc(r->data, cap);
        if (!r->data) {
            fputs("out of memory\n", stderr);
            exit(1);
        }
        r->cap = cap;
    }
    memcpy(r->data + r->len, p, n);
    r->len += n;
}

/* Each field: a type letter, the name length and bytes, then the value. */
static void rec_head(rec *r, char type, const char *name, size_t name_len)
{
    rec_add(r, &type, 1);
    rec_add(r, &name_len, sizeof name_len);
    rec_add(r, name, name_len);
}

static int r_str(void *ctx, const char *name, size_t nl, const char *s, size_t n)
{
    rec_head(ctx, 's', name, nl);
    rec_add(ctx, &n, sizeof n);
    rec_add(ctx, s, n);
    return SIGMA_OK;
}

static int r_int(void *ctx, const char *name, size_t nl, int64_t v)
{
    rec_head(ctx, 'i', name, nl);
    rec_add(ctx, &v, sizeof v);
    return SIGMA_OK;
}

static int r_real(void *ctx, const char *name, size_t nl, double v)
{
    rec_head(ctx, 'r', name, nl);
    rec_add(ctx, &v, sizeof v); /* the exact bits */
    return SIGMA_OK;
}

static int r_bool(void *ctx, const char *name, size_t nl, int v)
{
    rec_head(ctx, 'b', name, nl);
    char c = (char)(v != 0);
    rec_add(ctx, &c, 1);
    return SIGMA_OK;
}

static int r_null(void *ctx, const char *name, size_t nl)
{
    rec_head(ctx, 'n', name, nl);
    return SIGMA_OK;
}

static int r_empty(void *ctx, const char *name, size_t nl)
{
    rec_head(ctx, 'e', name, nl);
    return SIGMA_OK;
}

static const json_event_sink recorder = {r_str, r_int, r_real, r_bool, r_null, r_empty};

/* ---------------------------------------------------------------- comparison */

enum outcome { FAST, DECLINED, MISMATCH };

typedef struct stats {
    unsigned long lines, fast, declined, jansson_ok, failures;
} stats;

/* Parses the line both ways. Returns FAST (same fields), DECLINED (the fast parser
 * declined) or MISMATCH (message printed). *jansson_ok says whether jansson read
 * it as an object. */
static enum outcome compare_line(json_fast *p, const char *line, size_t len, unsigned flags,
                                 int *jansson_ok, const char *where)
{
    rec a = {0}, b = {0};
    json_t *root = json_event_load_line(line, len, NULL);
    *jansson_ok = root && json_is_object(root);
    if (*jansson_ok && json_event_walk(root, &recorder, &a) != SIGMA_OK) {
        printf("FAIL %s: json_event_walk failed\n", where);
        json_decref(root);
        free(a.data);
        return MISMATCH;
    }
    int rc = json_fast_parse(p, line, len, flags, &recorder, &b);
    enum outcome out = DECLINED;
    if (rc == SIGMA_OK) {
        out = FAST;
        if (!*jansson_ok) {
            printf("FAIL %s: the fast parser accepted a line jansson rejects\n", where);
            out = MISMATCH;
        } else if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) {
            printf("FAIL %s: different fields (jansson %zu bytes of records, fast %zu)\n", where,
                   a.len, b.len);
            out = MISMATCH;
        } else {
            const char *want = json_string_value(json_object_get(root, "Channel"));
            const char *got = json_fast_channel(p, NULL);
            if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0)) {
                printf("FAIL %s: Channel %s vs %s\n", where, want ? want : "(none)",
                       got ? got : "(none)");
                out = MISMATCH;
            }
        }
    } else if (rc != JSON_FAST_FALLBACK) {
        printf("FAIL %s: json_fast_parse returned %d\n", where, rc);
        out = MISMATCH;
    }
    json_decref(root);
    free(a.data);
    free(b.data);
    return out;
}

/* ------------------------------------------------------------- crafted lines */

typedef struct crafted {
    const char *text;
    size_t len; /* 0: strlen */
    enum outcome want;
    int jansson_ok; /* what jansson must say */
    unsigned flags;
} crafted;

#define L(s) s, sizeof(s) - 1

static const crafted cases[] = {
    /* handled by the fast parser, identical to jansson */
    {L("{\"a\":\"b\"}"), FAST, 1, 0},
    {L("{\"long key 0123456789\":\"0123456789abcdef\\\"q\\\\\x7f~ \xc3\xa9 01234567\"}"), FAST, 1,
     0},
    {L("{\"s\":\"q\\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f\"}"), FAST, 1, 0},
    {L("{\"u\":\"\\u00e9\\u4E2D\\ud83d\\ude00 \\u0041\"}"), FAST, 1, 0},
    {L("{\"z\":\"a\\u0000b\",\"z2\":\"\\u0000\"}"), FAST, 1, 0},
    {L("{\"\xc3\xa9\":\"\xe4\xb8\xad\xf0\x9f\x98\x80\",\"x\":\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"}"),
     FAST, 1, 0},
    {L("{\"a\":{\"b\":{\"c\":1}},\"d\":[1,2,{\"e\":\"x\",\"f\":[3]}],\"f\":[],\"g\":{},"
       "\"h\":[[],[1,[2]],{}]}"),
     FAST, 1, 0},
    {L("{\"i\":0,\"j\":-0,\"k\":123,\"l\":-9223372036854775808,\"m\":9223372036854775807,"
       "\"n\":1.5,\"o\":-1e-5,\"p\":1E+2,\"q\":2.5e-400,\"r\":0.1,\"s\":-0.0,\"t\":1e308,"
       "\"u\":123456789012345678.5}"),
     FAST, 1, 0},
    /* integers beyond int64 become strings of their digits once a positive one came first */
    {L("{\"big\":18446744073709551615,\"neg\":-99999999999999999999,\"l\":[9223372036854775808]}"),
     FAST, 1, 0},
    {L("{\"s\":\"-99999999999999999999\",\"big\":12345678901234567890123}"), FAST, 1, 0},
    {L("{\"x\":true,\"y\":false,\"z\":null,\"w\":[true,null]}"), FAST, 1, 0},
    {L(" \t{ \"a\" : 1 , \"b\" : [ 1 , 2 ] , \"c\" : { } } \r\n"), FAST, 1, 0},
    {L("{\"a.b\":1,\"a\":{\"b\":2},\"\":3,\"o\":{\"\":4}}"), FAST, 1, 0},
    {L("{}"), FAST, 1, 0},
    {L("{\"Channel\":\"Security\",\"EventID\":4688}"), FAST, 1, 0},
    {L("{\"Channel\":\"Micro\\u0073oft\\u0000x\"}"), FAST, 1, 0},
    {L("{\"Channel\":5,\"c\":{\"Channel\":\"inner\"}}"), FAST, 1, 0},
    {L("{\"k\\u00e9y\\n\":1,\"\\\"q\\\"\":2}"), FAST, 1, 0},
    {L("{\"Event\":\"x\",\"b\":{\"Event\":{}}}"), FAST, 1, JSON_FAST_DECLINE_EVENT},
    {L("{\"Event\":{\"System\":{}}}"), FAST, 1, 0},
    {L("{\"a\":[{\"x\":1},{\"x\":2}]}"), FAST, 1, 0}, /* not duplicates: two objects */
    /* strings longer than one 16-byte step: escapes, UTF-8 and quotes past it */
    {L("{\"path\":\"C:\\\\Windows\\\\System32\\\\very\\\\long\\\\directory\\\\cmd.exe\"}"), FAST, 1,
     0},
    {L("{\"s\":\"0123456789abcdef0123456789abcd\\\"quoted\\\" and \\u00e9 then more text\"}"), FAST,
     1, 0},
    {L("{\"u\":\"0123456789abcdefghij\xc3\xa9t\xc3\xa9 0123456789abcdef \xe2\x82\xac\"}"), FAST, 1,
     0},
    {L("{\"0123456789abcdefXY\":1,\"0123456789abcdefXZ\":2}"), FAST, 1, 0},
    /* valid JSON the fast parser leaves to jansson */
    {L("{\"Event\":{\"System\":{}}}"), DECLINED, 1, JSON_FAST_DECLINE_EVENT},
    {L("{\"a\":1,\"a\":2}"), DECLINED, 1, 0},
    {L("{\"o\":{\"x\":1,\"y\":2,\"x\":3}}"), DECLINED, 1, 0},
    {L("{\"0123456789abcdefXY\":1,\"b\":2,\"0123456789abcdefXY\":3}"), DECLINED, 1, 0},
    {L("{\"r\":1.00000000000000000000000000000000000000000000000000000000000000000001}"), DECLINED,
     1, 0},
    /* malformed: declined, and jansson rejects them too */
    {L("{\"a\":1"), DECLINED, 0, 0},
    {L("{\"a\":1,}"), DECLINED, 0, 0},
    {L("{\"a\" 1}"), DECLINED, 0, 0},
    {L("{a:1}"), DECLINED, 0, 0},
    {L("{\"a\":01}"), DECLINED, 0, 0},
    {L("{\"a\":-}"), DECLINED, 0, 0},
    {L("{\"a\":1.}"), DECLINED, 0, 0},
    {L("{\"a\":.5}"), DECLINED, 0, 0},
    {L("{\"a\":1e}"), DECLINED, 0, 0},
    {L("{\"a\":+1}"), DECLINED, 0, 0},
    {L("{\"a\":tru}"), DECLINED, 0, 0},
    {L("{\"a\":truex}"), DECLINED, 0, 0},
    {L("{\"a\":nul}"), DECLINED, 0, 0},
    {L("{\"a\":\"\\x\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"\\u12\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"\\u12g4\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"\\ud800\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"\\udc00\\ud800\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"\\ud800\\u0041\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"x\ty\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"0123456789abc\tdef0123456789\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"0123456789\x7f\x01\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"0123456789abcdefghij\x01\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"0123456789\\\\abcdefghijklmnop\x1f\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"012345678\xff"
       "0123456789\"}"),
     DECLINED, 0, 0},
    {L("{\"a\":\"\xff\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"\xc0\x80\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"\xed\xa0\x80\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"\xe4\xb8\"}"), DECLINED, 0, 0},
    {L("{\"a\":\"\xf4\x90\x80\x80\"}"), DECLINED, 0, 0},
    {L("{\"a\\u0000b\":1}"), DECLINED, 0, 0},
    {L("[1,2]"), DECLINED, 0, 0},
    {L("\"str\""), DECLINED, 0, 0},
    {L("5"), DECLINED, 0, 0},
    {L("{\"a\":1} x"), DECLINED, 0, 0},
    {L("{\"a\":1}{\"b\":2}"), DECLINED, 0, 0},
    {L("{\"a\":-99999999999999999999,\"b\":18446744073709551615}"), DECLINED, 0, 0},
    {L("{\"a\":1e400}"), DECLINED, 0, 0},
    {L("{\"a\":1}\0"), DECLINED, 0, 0},
    {L("\xef\xbb\xbf{\"a\":1}"), DECLINED, 0, 0},
    {L("{\"a\":[1,]}"), DECLINED, 0, 0},
    {L("{\"a\":[1 2]}"), DECLINED, 0, 0},
    {L("{\"a\":\"unterminated}"), DECLINED, 0, 0},
    {L("{\"a\":1,\"b\":2"), DECLINED, 0, 0},
};

static int run_crafted(json_fast *p)
{
    int failures = 0;
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        const crafted *c = &cases[i];
        char where[64];
        snprintf(where, sizeof where, "crafted line %zu", i + 1);
        int jansson_ok = 0;
        enum outcome got = compare_line(p, c->text, c->len, c->flags, &jansson_ok, where);
        if (got == MISMATCH) {
            failures++;
        } else if (got != c->want) {
            printf("FAIL %s: expected %s, got %s\n", where, c->want == FAST ? "fast" : "declined",
                   got == FAST ? "fast" : "declined");
            failures++;
        } else if (jansson_ok != c->jansson_ok) {
            printf("FAIL %s: jansson %s it\n", where, jansson_ok ? "accepts" : "rejects");
            failures++;
        }
    }

    /* Deep nesting: the fast parser handles JSON_FAST_MAX_DEPTH levels and declines more. */
    for (int depth = JSON_FAST_MAX_DEPTH - 1; depth <= JSON_FAST_MAX_DEPTH + 2; depth++) {
        char line[1024];
        size_t len = 0;
        line[len++] = '{';
        for (int d = 0; d < depth; d++) {
            memcpy(line + len, "\"k\":{", 5);
            len += 5;
        }
        memcpy(line + len, "\"v\":1", 5);
        len += 5;
        for (int d = 0; d <= depth; d++)
            line[len++] = '}';
        int jansson_ok = 0;
        enum outcome got = compare_line(p, line, len, 0, &jansson_ok, "deep nesting");
        enum outcome want = depth <= JSON_FAST_MAX_DEPTH ? FAST : DECLINED;
        if (got != want || !jansson_ok) {
            printf("FAIL deep nesting %d: got %d, want %d\n", depth, (int)got, (int)want);
            failures++;
        }
    }

    /* json_fast_fill_event: the same verdicts through the sigma_event entry point. */
    sigma_event *ev = NULL;
    if (sigma_event_new(&ev) != SIGMA_OK)
        return failures + 1;
    for (size_t i = 0; i < n; i++) {
        json_error_t err;
        int rc = json_fast_fill_event(p, ev, cases[i].text, cases[i].len, &err);
        int want = cases[i].jansson_ok ? SIGMA_OK : JSON_FAST_MALFORMED;
        if (rc != want) {
            printf("FAIL json_fast_fill_event, crafted line %zu: %d, want %d\n", i + 1, rc, want);
            failures++;
        }
    }
    json_error_t err;
    if (json_fast_fill_event(p, ev, L("[1]"), &err) != JSON_FAST_MALFORMED ||
        strcmp(err.text, "expected an object, got array") != 0) {
        printf("FAIL json_fast_fill_event: '[1]' -> '%s'\n", err.text);
        failures++;
    }
    sigma_event_free(ev);
    printf("crafted: %zu lines + 4 nesting depths, %d failures\n", n, failures);
    return failures;
}

/* ------------------------------------------------------------ random strings */

static uint64_t next_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Appends one random piece of a JSON string body: mostly plain ASCII runs (so that
 * the 16- and 8-byte skips and their tails all run), and escapes (valid and not),
 * quotes, control bytes, DEL, valid and invalid UTF-8. */
static size_t random_piece(uint64_t *x, char *out)
{
    static const char *const pieces[] = {"\\\\",
                                         "\\\"",
                                         "\\/",
                                         "\\n",
                                         "\\t",
                                         "\\u00e9",
                                         "\\u20ac",
                                         "\\ud83d\\ude00",
                                         "\\ud83d",
                                         "\\x",
                                         "\\u12",
                                         "\"",
                                         "\x01",
                                         "\x1f",
                                         "\x7f",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\xc3",
                                         "\xa9",
                                         "\xed\xa0\x80",
                                         "\xff",
                                         " ",
                                         ":"};
    const uint64_t r = next_rand(x);
    if (r % 3 != 0) { /* a plain run of 1-40 bytes */
        size_t n = 1 + (size_t)(r >> 8) % 40;
        for (size_t i = 0; i < n; i++)
            out[i] = (char)('a' + (r >> (16 + i % 40)) % 26);
        return n;
    }
    const char *p = pieces[(r >> 8) % (sizeof pieces / sizeof pieces[0])];
    size_t n = strlen(p);
    memcpy(out, p, n);
    return n;
}

/* Random lines of one to three string members (keys random too), each line in a
 * heap block of exactly its length (ASan sees any read past the end): the fast
 * parser must agree with jansson or decline. */
static int run_random(json_fast *p, int lines)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int failures = 0, fast = 0;
    char buf[2048];
    for (int i = 0; i < lines && failures < 10; i++) {
        size_t len = 0;
        buf[len++] = '{';
        const int members = 1 + (int)(next_rand(&x) % 3);
        for (int m = 0; m < members; m++) {
            if (m)
                buf[len++] = ',';
            buf[len++] = '"';
            for (int k = (int)(next_rand(&x) % 3); k >= 0; k--)
                len += random_piece(&x, buf + len);
            memcpy(buf + len, "\":\"", 3);
            len += 3;
            for (int k = (int)(next_rand(&x) % 6); k >= 0; k--)
                len += random_piece(&x, buf + len);
            buf[len++] = '"';
        }
        buf[len++] = '}';
        char *line = malloc(len);
        if (!line)
            return failures + 1;
        memcpy(line, buf, len);
        char where[64];
        snprintf(where, sizeof where, "random line %d", i + 1);
        int jansson_ok = 0;
        enum outcome got = compare_line(p, line, len, 0, &jansson_ok, where);
        if (got == MISMATCH) {
            printf("  line: %.*s\n", (int)len, line);
            failures++;
        }
        fast += got == FAST;
        free(line);
    }
    printf("random: %d lines, %d parsed by the fast parser, %d failures\n", lines, fast, failures);
    /* the generator must reach both outcomes, or it tests little */
    if (fast < lines / 10 || fast > lines - lines / 10) {
        printf("FAIL random: %d of %d lines fast: the generator is off\n", fast, lines);
        failures++;
    }
    return failures;
}

/* ---------------------------------------------------------------- the corpus */

static int run_file(json_fast *p, const char *path, stats *st)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("FAIL cannot open %s\n", path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        size_t len = (size_t)n;
        if (line[len - 1] == '\n')
            len--;
        char where[8300];
        snprintf(where, sizeof where, "%s:%lu", path, lineno);
        int jansson_ok = 0;
        enum outcome got = compare_line(p, line, len, 0, &jansson_ok, where);
        st->lines++;
        st->jansson_ok += jansson_ok != 0;
        if (got == FAST)
            st->fast++;
        else if (got == DECLINED)
            st->declined++;
        else
            st->failures++;
    }
    free(line);
    fclose(f);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_corpus(json_fast *p, const char *root)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/../shared/corpus/events", root);
    DIR *d = opendir(dir);
    if (!d) {
        if (getenv("CI") && strcmp(getenv("CI"), "true") == 0) {
            printf("FAIL ../shared/corpus not found; CI=true: CI always has the corpus\n");
            return 1;
        }
        printf("SKIPPED: ../shared/corpus not found\n");
        return 77;
    }
    char *names[256];
    size_t n_names = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n_names < 256) {
        size_t l = strlen(e->d_name);
        if (l > 6 && strcmp(e->d_name + l - 6, ".jsonl") == 0)
            names[n_names++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n_names, sizeof names[0], by_name);
    stats st = {0};
    int failures = 0;
    for (size_t i = 0; i < n_names; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        failures += run_file(p, path, &st);
        free(names[i]);
    }
    printf("corpus: %zu files, %lu lines: %lu fast and identical, %lu declined (jansson path), "
           "%lu read by jansson, %lu mismatches\n",
           n_names, st.lines, st.fast, st.declined, st.jansson_ok, st.failures);
    /* Every corpus line is a well-formed flat event: none may need the jansson path,
     * so the comparison above covers them all. */
    if (n_names == 0 || st.lines == 0) {
        printf("FAIL no corpus events found in %s\n", dir);
        failures++;
    }
    if (st.declined != st.lines - st.jansson_ok) {
        printf("FAIL %lu lines jansson reads were declined\n",
               st.declined - (st.lines - st.jansson_ok));
        failures++;
    }
    return failures > 0 || st.failures > 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    json_fast *p = json_fast_new();
    if (!p)
        return 1;
    int rc;
    if (argc == 3 && strcmp(argv[1], "--corpus") == 0)
        rc = run_corpus(p, argv[2]);
    else
        rc = run_crafted(p) + run_random(p, 20000) ? 1 : 0;
    json_fast_free(p);
    return rc;
}
