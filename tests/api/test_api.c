/* Public API behaviour: builder and diagnostics, ruleset info, event builder
 * (copy/borrow/clear/multi-values/types), match in callback and collect modes,
 * stopping, scratch misuse, options, sigma_match_batch (the hits of one
 * sigma_match per event). Only <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static const char seed_rule[] =
    "title: Suspicious IIS Module Registration\n"
    "id: 043c4b8b-3a54-4780-9682-081cb6b8185c\n"
    "status: test\n"
    "tags:\n"
    "    - attack.persistence\n"
    "    - attack.t1505.004\n"
    "logsource: {category: process_creation, product: windows}\n"
    "detection:\n"
    "    selection_parent:\n"
    "        ParentImage|endswith: '\\w3wp.exe'\n"
    "    selection_cli_1:\n"
    "        CommandLine|contains: 'appcmd.exe add module'\n"
    "    selection_cli_2:\n"
    "        CommandLine|contains: ' system.enterpriseservices.internal.publish'\n"
    "        Image|endswith: '\\powershell.exe'\n"
    "    selection_cli_3:\n"
    "        CommandLine|contains|all:\n"
    "            - 'gacutil'\n"
    "            - ' /I'\n"
    "    condition: selection_parent and 1 of selection_cli_*\n"
    "level: high\n";

static sigma_ruleset *compile(const char *yaml, sigma_builder **keep)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK)
        return NULL;
    sigma_builder_add_yaml(b, "t.yml", SIGMA_NUL_TERMINATED, yaml, strlen(yaml), NULL);
    if (sigma_builder_build(b, &rs) != SIGMA_OK)
        rs = NULL;
    if (keep)
        *keep = b;
    else
        sigma_builder_free(b);
    return rs;
}

static int count_cb(const sigma_hit *hit, void *user)
{
    (void)hit;
    (*(int *)user)++;
    return 0;
}

static int stop_cb(const sigma_hit *hit, void *user)
{
    (void)hit;
    (*(int *)user)++;
    return 1;
}

static void test_seed(void)
{
    sigma_ruleset *rs = compile(seed_rule, NULL);
    CHECK(rs != NULL);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 1);
    sigma_rule_info info = {.size = sizeof info};
    CHECK_EQ_INT(sigma_ruleset_rule_info(rs, 0, &info), SIGMA_OK);
    CHECK_EQ_STR(info.id, "043c4b8b-3a54-4780-9682-081cb6b8185c");
    CHECK_EQ_STR(info.title, "Suspicious IIS Module Registration");
    CHECK_EQ_STR(info.level, "high");
    CHECK_EQ_STR(info.status, "test");
    CHECK_EQ_STR(info.logsource_category, "process_creation");
    CHECK_EQ_STR(info.logsource_product, "windows");
    CHECK(info.logsource_service == NULL);
    CHECK_EQ_STR(info.source_name, "t.yml");
    CHECK_EQ_INT(info.tag_count, 2);
    CHECK_EQ_INT(info.kind, SIGMA_RULE_DETECTION);
    CHECK_EQ_STR(sigma_ruleset_rule_tag(rs, 0, 1), "attack.t1505.004");
    CHECK(sigma_ruleset_rule_tag(rs, 0, 2) == NULL);
    uint32_t idx = 99;
    CHECK_EQ_INT(sigma_ruleset_find_rule(rs, "043c4b8b-3a54-4780-9682-081cb6b8185c",
                                         SIGMA_NUL_TERMINATED, &idx),
                 SIGMA_OK);
    CHECK_EQ_INT(idx, 0);
    CHECK_EQ_INT(sigma_ruleset_find_rule(rs, "nope", 4, &idx), SIGMA_E_NOT_FOUND);

    /* An old caller whose struct ends after `title` gets only what fits. */
    struct {
        sigma_rule_info head;
        char canary[8];
    } small;
    memset(&small, 0x5a, sizeof small);
    small.head.size = offsetof(sigma_rule_info, level);
    CHECK_EQ_INT(sigma_ruleset_rule_info(rs, 0, &small.head), SIGMA_OK);
    CHECK_EQ_STR(small.head.title, "Suspicious IIS Module Registration");
    CHECK(((unsigned char *)&small.head.level)[0] == 0x5a);

    sigma_scratch *s = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);

    /* Upper case and Unicode variants of the values still match. */
    sigma_event_add_str(ev, "ParentImage", 11, "C:\\WINDOWS\\SYSTEM32\\INETSRV\\W3WP.EXE",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev, "CommandLine", 11, "GACUTIL.EXE /I Ünïcødé.dll", SIGMA_NUL_TERMINATED,
                        0);
    int n = 0;
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, count_cb, &n), SIGMA_OK);
    CHECK_EQ_INT(n, 1);

    /* Collect mode. */
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);
    CHECK_EQ_INT(sigma_scratch_hit_rule(s, 0), 0);
    CHECK_EQ_INT(sigma_scratch_hit_rule(s, 1), UINT32_MAX);

    /* Stop from the callback. */
    n = 0;
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, stop_cb, &n), SIGMA_E_TERMINATED);
    CHECK_EQ_INT(n, 1);

    /* Unknown flags are rejected. */
    CHECK_EQ_INT(sigma_match(rs, s, ev, 1u << 7, NULL, NULL), SIGMA_E_INVALID_ARG);

    /* Clear keeps capacity; the event is reusable and now misses the parent. */
    sigma_event_clear(ev);
    sigma_event_add_str(ev, "CommandLine", 11, "gacutil /i x", SIGMA_NUL_TERMINATED, 0);
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 0);

    /* Multi-valued field: any element. Borrowed bytes are read at match time. */
    char borrowed[] = "c:\\x\\w3wp.exe";
    sigma_event_add_str(ev, "ParentImage", 11, "c:\\explorer.exe", SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev, "ParentImage", 11, borrowed, strlen(borrowed), SIGMA_VALUE_BORROW);
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);
    borrowed[5] = 'Z'; /* w3wp -> Z3wp: the library saw the caller's bytes */
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 0);

    CHECK_EQ_INT(sigma_event_add_str(ev, "f", 1, "x", 1, 1u << 9), SIGMA_E_INVALID_ARG);

    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

static void test_value_types(void)
{
    const char *yaml = "title: types\n"
                       "logsource: {product: test}\n"
                       "detection:\n"
                       "  i: {n: 5}\n"
                       "  f: {x: 2.5}\n"
                       "  b: {flag: true}\n"
                       "  z: {gone: null}\n"
                       "  condition: i and f and b and z\n";
    sigma_ruleset *rs = compile(yaml, NULL);
    CHECK(rs != NULL);
    sigma_scratch *s = NULL;
    sigma_scratch_reserve(rs, &s);
    sigma_event *ev = NULL;
    sigma_event_new(&ev);
    sigma_event_add_int(ev, "n", 1, 5);
    sigma_event_add_float(ev, "x", 1, 2.5);
    sigma_event_add_bool(ev, "flag", 4, 1);
    sigma_event_add_null(ev, "gone", 4);
    sigma_match(rs, s, ev, 0, NULL, NULL);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);

    sigma_event_clear(ev);
    sigma_event_add_str(ev, "n", 1, "5", 1, 0);
    sigma_event_add_str(ev, "x", 1, "2.50", 4, 0);
    sigma_event_add_str(ev, "flag", 4, "TRUE", 4, 0);
    sigma_event_add_empty(ev, "gone", 4); /* empty list counts as null */
    sigma_match(rs, s, ev, 0, NULL, NULL);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);

    sigma_event_clear(ev);
    sigma_event_add_str(ev, "n", 1, " 5", 2, 0); /* not a clean decimal */
    sigma_event_add_float(ev, "x", 1, 2.5);
    sigma_event_add_bool(ev, "flag", 4, 1);
    sigma_match(rs, s, ev, 0, NULL, NULL);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 0);

#if SIZE_MAX > UINT32_MAX
    /* Strings of 4 GiB or more are refused (borrowed: the bytes are never read),
     * by name and by slot, and the event keeps what it had. */
    sigma_event_clear(ev);
    const size_t huge = (size_t)UINT32_MAX + 1;
    CHECK_EQ_INT(sigma_event_add_str(ev, "n", 1, "5", huge, SIGMA_VALUE_BORROW),
                 SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, rs, 0, "5", huge, SIGMA_VALUE_BORROW),
                 SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_str(ev, "n", 1, "5", 1, 0), SIGMA_OK);
    sigma_event_add_float(ev, "x", 1, 2.5);
    sigma_event_add_bool(ev, "flag", 4, 1);
    sigma_event_add_null(ev, "gone", 4);
    sigma_match(rs, s, ev, 0, NULL, NULL);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);
#endif

    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* An event object reused for small events after a large one (its name map keeps
 * the large size): names from before a clear never resolve to old fields, and a
 * name added twice is one field with two values. */
static void test_event_reuse(void)
{
    const char *yaml = "title: reuse\n"
                       "logsource: {product: test}\n"
                       "detection:\n"
                       "  sel: {f100: v, a: x}\n"
                       "  condition: sel\n";
    sigma_ruleset *rs = compile(yaml, NULL);
    CHECK(rs != NULL);
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    if (!rs || !s || !ev)
        return;
    char name[16];
    for (int i = 0; i < 300; i++) { /* the map grows to 512 slots */
        snprintf(name, sizeof name, "f%03d", i);
        CHECK_EQ_INT(sigma_event_add_str(ev, name, SIGMA_NUL_TERMINATED, "v", 1, 0), SIGMA_OK);
    }
    sigma_event_add_str(ev, "a", 1, "x", 1, 0);
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);

    /* Small events in the large map, cleared slot by slot. */
    for (int round = 0; round < 3; round++) {
        sigma_event_clear(ev);
        sigma_event_add_str(ev, "a", 1, "x", 1, 0);
        CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
        CHECK_EQ_INT(sigma_scratch_hit_count(s), 0); /* f100 is gone */
        sigma_event_add_str(ev, "f100", 4, round ? "w" : "v", 1, 0);
        CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
        CHECK_EQ_INT(sigma_scratch_hit_count(s), round ? 0 : 1);
        /* the same name again: a second value of the same field */
        sigma_event_add_str(ev, "f100", 4, "v", 1, 0);
        for (int i = 0; i < 20; i++) { /* names that collide in probe runs */
            snprintf(name, sizeof name, "f%03d", i * 7 + round);
            sigma_event_add_str(ev, name, SIGMA_NUL_TERMINATED, "z", 1, 0);
        }
        CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
        CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);
    }
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

static void test_keywords_and_message(void)
{
    const char *yaml = "title: kw\n"
                       "logsource: {product: test}\n"
                       "detection:\n"
                       "  keywords: ['Trojan*FOUND', 'event::clear']\n"
                       "  condition: keywords\n";
    sigma_ruleset *rs = compile(yaml, NULL);
    sigma_scratch *s = NULL;
    sigma_scratch_reserve(rs, &s);
    sigma_event *ev = NULL;
    sigma_event_new(&ev);
    sigma_event_set_message(ev, "clamav: trojan.X found in /tmp", SIGMA_NUL_TERMINATED, 0);
    sigma_match(rs, s, ev, 0, NULL, NULL);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);
    sigma_event_clear(ev);
    sigma_event_add_int(ev, "pid", 3, 4);
    sigma_event_add_str(ev, "cmd", 3, "mimikatz EVENT::Clear", SIGMA_NUL_TERMINATED, 0);
    sigma_match(rs, s, ev, 0, NULL, NULL);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);
    sigma_event_clear(ev);
    sigma_event_add_str(ev, "event::clear", 12, "field names are not searched", 28, 0);
    sigma_match(rs, s, ev, 0, NULL, NULL);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 0);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* Finds the first diagnostic with `code`; returns 1 and fills info. */
static int find_diag(const sigma_diagnostics *d, int code, sigma_diagnostic_info *info)
{
    for (size_t i = 0; i < sigma_diagnostics_count(d); i++) {
        info->size = sizeof *info;
        if (sigma_diagnostics_get(d, i, info) == SIGMA_OK && info->code == code)
            return 1;
    }
    return 0;
}

static void test_diagnostics(void)
{
    const char *two = "title: good\n"
                      "logsource: {product: test}\n"
                      "detection:\n"
                      "  sel: {a: 1}\n"
                      "  condition: sel\n"
                      "---\n"
                      "title: bad\n"
                      "id: 6f2a1c8e-0000-4000-8000-00000000000a\n"
                      "logsource: {product: test}\n"
                      "detection:\n"
                      "  sel:\n"
                      "    a|bogus: 1\n"
                      "  condition: sel and sel2\n";
    sigma_builder *b = NULL;
    sigma_ruleset *rs = compile(two, &b);
    CHECK(rs != NULL);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 1);
    CHECK_EQ_INT(sigma_builder_failed_count(b), 1);
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    CHECK_EQ_INT(sigma_diagnostics_error_count(d), 2);
    sigma_diagnostic_info info;
    CHECK(find_diag(d, SIGMA_DIAG_UNKNOWN_MODIFIER, &info));
    CHECK_EQ_INT(info.severity, SIGMA_SEVERITY_ERROR);
    CHECK_EQ_INT(info.line, 12);
    CHECK_EQ_INT(info.column, 5);
    CHECK_EQ_STR(info.source_name, "t.yml");
    CHECK_EQ_STR(info.rule_id, "6f2a1c8e-0000-4000-8000-00000000000a");
    CHECK(strstr(info.message, "bogus") != NULL);
    CHECK(find_diag(d, SIGMA_DIAG_UNDEFINED_IDENTIFIER, &info));
    CHECK_EQ_INT(info.line, 13);
    CHECK_EQ_INT(info.column, 22); /* "  condition: sel and sel2": sel2 starts at column 22 */
    char buf[256];
    size_t i;
    for (i = 0; i < sigma_diagnostics_count(d); i++) {
        sigma_diagnostic_info x = {.size = sizeof x};
        sigma_diagnostics_get(d, i, &x);
        if (x.code == SIGMA_DIAG_UNDEFINED_IDENTIFIER)
            break;
    }
    int need = sigma_diagnostics_format(d, i, buf, sizeof buf);
    CHECK(need > 0 && (size_t)need < sizeof buf);
    CHECK(strncmp(buf, "t.yml:13:22: error: ", 20) == 0);
    CHECK_EQ_INT(sigma_diagnostics_format(d, i, buf, 8), need); /* truncated, length reported */
    CHECK_EQ_INT(strlen(buf), 7);
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);

    /* Strict mode refuses to build. */
    sigma_compile_options *o = NULL;
    CHECK_EQ_INT(sigma_compile_options_new(&o), SIGMA_OK);
    CHECK_EQ_INT(sigma_compile_options_set(o, SIGMA_PARAM_FLAGS, SIGMA_COMPILE_STRICT), SIGMA_OK);
    CHECK_EQ_INT(sigma_compile_options_set(o, 999, 1), SIGMA_E_UNSUPPORTED);
    CHECK_EQ_INT(sigma_compile_options_set(o, SIGMA_PARAM_MAX_YAML_DEPTH, 0), SIGMA_E_INVALID_ARG);
    int64_t v = 0;
    CHECK_EQ_INT(sigma_compile_options_get(o, SIGMA_PARAM_MAX_YAML_DEPTH, &v), SIGMA_OK);
    CHECK_EQ_INT(v, 64);
    CHECK_EQ_INT(sigma_builder_new(o, &b), SIGMA_OK);
    sigma_compile_options_free(o);
    CHECK_EQ_INT(sigma_builder_add_yaml(b, NULL, 0, two, strlen(two), NULL), SIGMA_E_COMPILE);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_E_COMPILE);
    CHECK(rs == NULL);
    sigma_builder_free(b);
}

static void test_io_and_scratch(void)
{
    sigma_builder *b = NULL;
    sigma_builder_new(NULL, &b);
    CHECK_EQ_INT(sigma_builder_add_path(b, "/nonexistent/rules", SIGMA_NUL_TERMINATED, NULL),
                 SIGMA_E_IO);
    sigma_diagnostic_info info;
    CHECK(find_diag(sigma_builder_diagnostics(b), SIGMA_DIAG_IO, &info));
    CHECK_EQ_INT(info.line, 0);
    sigma_builder_free(b);

    /* A scratch reserved for a small ruleset is refused for a bigger one. */
    sigma_ruleset *small = compile("title: s\nlogsource: {product: t}\n"
                                   "detection: {a: {f: 1}, condition: a}\n",
                                   NULL);
    sigma_ruleset *big = compile(seed_rule, NULL);
    sigma_scratch *s = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(small, &s), SIGMA_OK);
    sigma_event *ev = NULL;
    sigma_event_new(&ev);
    CHECK_EQ_INT(sigma_match(big, s, ev, 0, NULL, NULL), SIGMA_E_SCRATCH);
    CHECK_EQ_INT(sigma_scratch_reserve(big, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_match(big, s, ev, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_match(small, s, ev, 0, NULL, NULL), SIGMA_OK);
    /* Reference counting: an extra ref keeps the ruleset alive. */
    CHECK(sigma_ruleset_ref(big) == big);
    sigma_ruleset_unref(big);
    CHECK_EQ_INT(sigma_ruleset_rule_count(big), 1);
    sigma_ruleset_unref(big);
    sigma_ruleset_unref(small);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(NULL);
    sigma_scratch_free(NULL);
    sigma_event_free(NULL);
    sigma_builder_free(NULL);
}

/* ------------------------------------------------------------------ batch */

/* Two rules on distinct literals; each event holds one, both or neither. */
static const char batch_rules[] = "title: b_alpha\nlogsource: {product: t}\ndetection:\n"
                                  "  sel: {Cmd|contains: 'alpha'}\n  condition: sel\n"
                                  "---\n"
                                  "title: b_beta\nlogsource: {product: t}\ndetection:\n"
                                  "  sel: {Cmd|contains: 'beta'}\n  condition: sel\n";

enum { BATCH_N = 40 };

typedef struct batch_log {
    uint32_t hits[BATCH_N]; /* per event: bit per rule */
    size_t calls;
    size_t stop_at; /* stop at this call (SIZE_MAX: never) */
    sigma_scratch *scratch;
    const sigma_ruleset *rs;
    int inner_rc;
} batch_log;

static int batch_cb(const sigma_hit *hit, void *user)
{
    batch_log *log = user;
    const size_t e = sigma_hit_event(hit);
    CHECK(e < BATCH_N && sigma_hit_ruleset(hit) == log->rs);
    if (e < BATCH_N)
        log->hits[e] |= 1u << sigma_hit_rule(hit);
    if (log->scratch) /* the batch's own scratch is busy */
        log->inner_rc = sigma_match_batch(log->rs, log->scratch, NULL, 0, 0, NULL, NULL);
    return ++log->calls == log->stop_at;
}

static void test_match_batch(void)
{
    sigma_ruleset *rs = compile(batch_rules, NULL);
    CHECK(rs != NULL);
    if (!rs)
        return;
    sigma_scratch *s = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    sigma_event *evs[BATCH_N] = {NULL};
    static const char *const cmds[] = {"alpha", "beta", "alpha beta", "gamma"};
    for (int i = 0; i < BATCH_N; i++) {
        CHECK_EQ_INT(sigma_event_new(&evs[i]), SIGMA_OK);
        /* events of several sizes, a field they do not share */
        for (int k = 0; k <= i % 5; k++)
            sigma_event_add_int(evs[i], "Pad", 3, k);
        sigma_event_add_str(evs[i], "Cmd", 3, cmds[(i * 7) % 4], SIGMA_NUL_TERMINATED, 0);
    }
    const sigma_event *const *events = (const sigma_event *const *)evs;

    /* the same hits as one sigma_match per event, each with its event index */
    batch_log log = {.stop_at = SIZE_MAX, .rs = rs};
    CHECK_EQ_INT(sigma_match_batch(rs, s, events, BATCH_N, 0, batch_cb, &log), SIGMA_OK);
    size_t total = 0;
    for (int i = 0; i < BATCH_N; i++) {
        uint32_t want = 0;
        CHECK_EQ_INT(sigma_match(rs, s, evs[i], 0, NULL, NULL), SIGMA_OK);
        for (uint32_t k = 0; k < sigma_scratch_hit_count(s); k++)
            want |= 1u << sigma_scratch_hit_rule(s, k);
        CHECK_MSG(log.hits[i] == want, "event %d: batch hits %#x, sigma_match %#x", i, log.hits[i],
                  want);
        total += (size_t)__builtin_popcount(want);
    }
    CHECK_EQ_INT(log.calls, total);
    CHECK(total > BATCH_N / 2);
    /* without the index too */
    batch_log all = {.stop_at = SIZE_MAX, .rs = rs};
    CHECK_EQ_INT(sigma_match_batch(rs, s, events, BATCH_N, SIGMA_MATCH_NO_INDEX, batch_cb, &all),
                 SIGMA_OK);
    CHECK(memcmp(all.hits, log.hits, sizeof log.hits) == 0);

    /* collect mode: the scratch holds the last event's hits */
    CHECK_EQ_INT(sigma_match_batch(rs, s, events, 3, 0, NULL, NULL), SIGMA_OK);
    uint32_t last = 0;
    for (uint32_t k = 0; k < sigma_scratch_hit_count(s); k++)
        last |= 1u << sigma_scratch_hit_rule(s, k);
    CHECK_EQ_INT(last, log.hits[2]);

    /* a non-zero return stops the batch: no event after that one is matched */
    batch_log stop = {.stop_at = 3, .rs = rs};
    CHECK_EQ_INT(sigma_match_batch(rs, s, events, BATCH_N, 0, batch_cb, &stop), SIGMA_E_TERMINATED);
    CHECK_EQ_INT(stop.calls, 3);
    size_t seen = 0, stopped_in = 0;
    for (size_t i = 0; i < BATCH_N && seen < 3; i++) {
        seen += (size_t)__builtin_popcount(log.hits[i]);
        stopped_in = i;
    }
    for (size_t i = stopped_in + 1; i < BATCH_N; i++)
        CHECK_EQ_INT(stop.hits[i], 0);

    /* the scratch is busy inside the callback */
    batch_log inner = {.stop_at = 1, .rs = rs, .scratch = s};
    CHECK_EQ_INT(sigma_match_batch(rs, s, events, BATCH_N, 0, batch_cb, &inner),
                 SIGMA_E_TERMINATED);
    CHECK_EQ_INT(inner.inner_rc, SIGMA_E_SCRATCH);

    /* arguments */
    CHECK_EQ_INT(sigma_match_batch(rs, s, NULL, 0, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_match_batch(rs, s, NULL, 1, 0, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_match_batch(NULL, s, events, 1, 0, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_match_batch(rs, NULL, events, 1, 0, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_match_batch(rs, s, events, 1, 1u << 7, NULL, NULL), SIGMA_E_INVALID_ARG);
    const sigma_event *with_null[3] = {evs[0], NULL, evs[1]};
    CHECK_EQ_INT(sigma_match_batch(rs, s, with_null, 3, 0, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK(sigma_hit_event(NULL) == SIZE_MAX);

    /* sigma_match reports event 0 */
    batch_log one = {.stop_at = SIZE_MAX, .rs = rs};
    CHECK_EQ_INT(sigma_match(rs, s, evs[2], 0, batch_cb, &one), SIGMA_OK);
    CHECK_EQ_INT(one.hits[0], log.hits[2]);

    for (int i = 0; i < BATCH_N; i++)
        sigma_event_free(evs[i]);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

static void test_version(void)
{
    CHECK_EQ_INT(sigma_version_number(), SIGMA_VERSION_NUMBER);
    CHECK_EQ_STR(sigma_version_string(), SIGMA_VERSION_STRING);
    CHECK_EQ_STR(sigma_status_str(SIGMA_E_NOMEM), "out of memory");
    CHECK(sigma_status_str(-12345) != NULL);
}

int main(void)
{
    test_seed();
    test_value_types();
    test_event_reuse();
    test_keywords_and_message();
    test_diagnostics();
    test_io_and_scratch();
    test_match_batch();
    test_version();
    return TEST_DONE();
}
