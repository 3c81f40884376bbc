/* SIGMA_PARAM_INTROSPECTION: its bounds and default; a ruleset built with it off keeps
 * the rule basics (id, title, level, logsource, tags ...) but reports every other
 * introspection datum absent and refuses explain with SIGMA_E_UNSUPPORTED; and it
 * matches exactly like a ruleset built with it on: same hits, rule by rule, for the
 * seed events and crafted ones. argv[1] = the source root. */
#include <stdlib.h>
#include <string.h>

#include <sigma/sigma.h>

#include "json_event.h"
#include "test.h"

static const char *root;

static const char *crafted_rules =
    "title: Crafted contains all\n"
    "id: 6c000000-0000-4000-8000-000000000001\n"
    "status: test\n"
    "author: helper 6c\n"
    "references:\n  - https://example.org/a\n"
    "tags:\n  - attack.execution\n  - attack.t1059.001\n"
    "logsource:\n  product: windows\n  category: process_creation\n"
    "detection:\n"
    "  sel:\n    CommandLine|contains|all:\n      - ' -enc '\n      - 'powershell'\n"
    "  filter:\n    User: 'SYSTEM'\n"
    "  condition: sel and not filter\n"
    "level: high\n"
    "---\n"
    "title: Crafted keyword\n"
    "id: 6c000000-0000-4000-8000-000000000002\n"
    "logsource:\n  product: windows\n"
    "detection:\n  kw:\n    - 'mimikatz'\n  condition: kw\n"
    "level: critical\n"
    "---\n"
    "title: Crafted regex and exists\n"
    "id: 6c000000-0000-4000-8000-000000000003\n"
    "logsource:\n  product: windows\n  category: process_creation\n"
    "detection:\n"
    "  sel:\n    Image|re: '(?i)\\\\w3wp\\.exe$'\n    ParentImage|exists: true\n"
    "  condition: sel\n"
    "level: medium\n";

static const char *crafted_events[] = {
    "{\"EventID\": 1, \"Image\": \"C:\\\\x\\\\powershell.exe\", \"CommandLine\": "
    "\"powershell -nop -enc AAAA\", \"User\": \"bob\"}",
    "{\"EventID\": 1, \"CommandLine\": \"powershell -enc AAAA\", \"User\": \"SYSTEM\"}",
    "{\"EventID\": 1, \"CommandLine\": \"run MIMIKATZ now\"}",
    "{\"EventID\": 1, \"Image\": \"C:\\\\inetsrv\\\\W3WP.exe\", \"ParentImage\": \"svchost.exe\"}",
    "{\"EventID\": 1, \"Image\": \"C:\\\\inetsrv\\\\w3wp.exe\"}",
};

static sigma_ruleset *build(int introspection)
{
    char path[4096];
    snprintf(path, sizeof path,
             "%s/examples/rules/proc_creation_win_iis_susp_module_registration.yml", root);
    sigma_compile_options *o = NULL;
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK(sigma_compile_options_new(&o) == SIGMA_OK);
    CHECK(sigma_compile_options_set(o, SIGMA_PARAM_INTROSPECTION, introspection) == SIGMA_OK);
    CHECK(sigma_builder_new(o, &b) == SIGMA_OK);
    sigma_compile_options_free(o);
    CHECK(sigma_builder_add_default_mapping(b) == SIGMA_OK);
    CHECK(sigma_builder_add_file(b, path, SIGMA_NUL_TERMINATED, NULL) == SIGMA_OK);
    CHECK(sigma_builder_add_yaml(b, "crafted", SIGMA_NUL_TERMINATED, crafted_rules,
                                 SIGMA_NUL_TERMINATED, NULL) == SIGMA_OK);
    CHECK(sigma_builder_build(b, &rs) == SIGMA_OK);
    sigma_builder_free(b);
    return rs;
}

static void check_param(void)
{
    int64_t lo = -1, hi = -1, v = -1;
    CHECK(sigma_param_bounds(SIGMA_PARAM_INTROSPECTION, &lo, &hi) == SIGMA_OK);
    CHECK_EQ_INT(lo, 0);
    CHECK_EQ_INT(hi, 1);
    sigma_compile_options *o = NULL;
    CHECK(sigma_compile_options_new(&o) == SIGMA_OK);
    CHECK(sigma_compile_options_get(o, SIGMA_PARAM_INTROSPECTION, &v) == SIGMA_OK);
    CHECK_EQ_INT(v, 1);
    CHECK(sigma_compile_options_set(o, SIGMA_PARAM_INTROSPECTION, 2) == SIGMA_E_INVALID_ARG);
    CHECK(sigma_compile_options_set(o, SIGMA_PARAM_INTROSPECTION, -1) == SIGMA_E_INVALID_ARG);
    CHECK(sigma_compile_options_set(o, SIGMA_PARAM_INTROSPECTION, 0) == SIGMA_OK);
    CHECK(sigma_compile_options_get(o, SIGMA_PARAM_INTROSPECTION, &v) == SIGMA_OK);
    CHECK_EQ_INT(v, 0);
    sigma_compile_options_free(o);
}

static uint32_t find_rule(const sigma_ruleset *rs, const char *id)
{
    for (uint32_t i = 0; i < sigma_ruleset_rule_count(rs); i++) {
        const char *s = sigma_ruleset_rule_attr(rs, i, SIGMA_ATTR_ID, NULL);
        if (s && strcmp(s, id) == 0)
            return i;
    }
    return UINT32_MAX;
}

/* What stays and what goes, on the crafted rule 1 and the seed rule. */
static void check_getters(const sigma_ruleset *on, const sigma_ruleset *off)
{
    CHECK_EQ_INT(sigma_ruleset_rule_count(on), sigma_ruleset_rule_count(off));
    const char *ids[] = {"6c000000-0000-4000-8000-000000000001",
                         "043c4b8b-3a54-4780-9682-081cb6b8185c"};
    for (size_t k = 0; k < 2; k++) {
        uint32_t a = find_rule(on, ids[k]), r = find_rule(off, ids[k]);
        CHECK(a != UINT32_MAX && r != UINT32_MAX);
        if (a == UINT32_MAX || r == UINT32_MAX)
            continue;
        /* Kept either way. */
        const uint32_t kept[] = {SIGMA_ATTR_TITLE, SIGMA_ATTR_LEVEL, SIGMA_ATTR_STATUS,
                                 SIGMA_ATTR_LOGSOURCE_PRODUCT, SIGMA_ATTR_LOGSOURCE_CATEGORY};
        for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
            CHECK_EQ_STR(sigma_ruleset_rule_attr(off, r, kept[i], NULL),
                         sigma_ruleset_rule_attr(on, a, kept[i], NULL));
        uint32_t ntags = sigma_ruleset_rule_list_count(on, a, SIGMA_LIST_TAGS);
        CHECK(ntags >= 2);
        CHECK_EQ_INT(sigma_ruleset_rule_list_count(off, r, SIGMA_LIST_TAGS), ntags);
        for (uint32_t i = 0; i < ntags; i++)
            CHECK_EQ_STR(sigma_ruleset_rule_list_item(off, r, SIGMA_LIST_TAGS, i, NULL),
                         sigma_ruleset_rule_list_item(on, a, SIGMA_LIST_TAGS, i, NULL));
        /* Present with it on ... */
        CHECK(sigma_ruleset_rule_attr(on, a, SIGMA_ATTR_YAML, NULL) != NULL);
        CHECK(sigma_ruleset_rule_attr(on, a, SIGMA_ATTR_AUTHOR, NULL) != NULL);
        CHECK(sigma_ruleset_rule_attr(on, a, SIGMA_ATTR_CONDITION, NULL) != NULL);
        CHECK(sigma_ruleset_rule_list_count(on, a, SIGMA_LIST_REFERENCES) >= 1);
        CHECK(sigma_ruleset_rule_stage_count(on, a) >= 2);
        CHECK(sigma_ruleset_rule_indicator_count(on, a) >= 1);
        CHECK(sigma_ruleset_rule_tactic_count(on, a) >= 1);
        CHECK(sigma_ruleset_rule_technique_count(on, a) >= 1);
        CHECK(sigma_ruleset_rule_coverage_count(on, a) >= 1);
        /* ... absent with it off. */
        CHECK(sigma_ruleset_rule_attr(off, r, SIGMA_ATTR_YAML, NULL) == NULL);
        CHECK(sigma_ruleset_rule_attr(off, r, SIGMA_ATTR_AUTHOR, NULL) == NULL);
        CHECK(sigma_ruleset_rule_attr(off, r, SIGMA_ATTR_CONDITION, NULL) == NULL);
        CHECK_EQ_INT(sigma_ruleset_rule_list_count(off, r, SIGMA_LIST_REFERENCES), 0);
        CHECK(sigma_ruleset_rule_list_item(off, r, SIGMA_LIST_REFERENCES, 0, NULL) == NULL);
        CHECK_EQ_INT(sigma_ruleset_rule_stage_count(off, r), 0);
        CHECK_EQ_INT(sigma_ruleset_rule_indicator_count(off, r), 0);
        CHECK_EQ_INT(sigma_ruleset_rule_tactic_count(off, r), 0);
        CHECK_EQ_INT(sigma_ruleset_rule_technique_count(off, r), 0);
        CHECK_EQ_INT(sigma_ruleset_rule_coverage_count(off, r), 0);
        uint32_t tactic = 0;
        CHECK(sigma_ruleset_rule_tactic(off, r, 0, &tactic) == SIGMA_E_INVALID_ARG);
    }
}

/* The rules an event hits (a bit per rule; rule numbers are equal in both sets). */
static uint64_t hits(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev)
{
    CHECK(sigma_match(rs, s, ev, 0, NULL, NULL) == SIGMA_OK);
    uint64_t bits = 0;
    for (uint32_t i = 0; i < sigma_scratch_hit_count(s); i++)
        bits |= 1ull << sigma_scratch_hit_rule(s, i);
    return bits;
}

static int fill(sigma_event *ev, const char *json)
{
    sigma_event_clear(ev);
    json_t *j = json_event_load_line(json, strlen(json), NULL);
    int rc = j ? json_event_fill(ev, j) : SIGMA_E_INVALID_ARG;
    json_decref(j);
    return rc;
}

/* Same hits on and off; returns the number of events with at least one hit. */
static int compare(const sigma_ruleset *on, const sigma_ruleset *off, sigma_scratch *s_on,
                   sigma_scratch *s_off, sigma_event *ev, const char *json)
{
    if (fill(ev, json) != SIGMA_OK) {
        CHECK_MSG(0, "bad event %s", json);
        return 0;
    }
    uint64_t a = hits(on, s_on, ev), b = hits(off, s_off, ev);
    CHECK_MSG(a == b, "hits differ (on %llx, off %llx) for %s", (unsigned long long)a,
              (unsigned long long)b, json);
    /* Explain works on the full ruleset only. */
    sigma_explain *x = NULL;
    CHECK(sigma_explain_new(on, 0, ev, 0, &x) == SIGMA_OK);
    sigma_explain_free(x);
    x = (sigma_explain *)1;
    CHECK(sigma_explain_new(off, 0, ev, 0, &x) == SIGMA_E_UNSUPPORTED);
    CHECK(x == NULL);
    return a != 0;
}

int main(int argc, char **argv)
{
    root = argc > 1 ? argv[1] : ".";
    check_param();
    sigma_ruleset *on = build(1), *off = build(0);
    if (!on || !off)
        return TEST_DONE();
    check_getters(on, off);
    sigma_scratch *s_on = NULL, *s_off = NULL;
    sigma_event *ev = NULL;
    CHECK(sigma_scratch_reserve(on, &s_on) == SIGMA_OK);
    CHECK(sigma_scratch_reserve(off, &s_off) == SIGMA_OK);
    CHECK(sigma_event_new(&ev) == SIGMA_OK);
    int with_hits = 0, n = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/events/seed-events.jsonl", root);
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL);
    char line[65536];
    while (fp && fgets(line, sizeof line, fp)) {
        if (line[0] != '{')
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        with_hits += compare(on, off, s_on, s_off, ev, line);
        n++;
    }
    if (fp)
        fclose(fp);
    CHECK(n >= 10);
    CHECK(with_hits >= 1); /* the seed events include matches */
    int crafted = 0;
    for (size_t i = 0; i < sizeof crafted_events / sizeof crafted_events[0]; i++)
        crafted += compare(on, off, s_on, s_off, ev, crafted_events[i]);
    CHECK_EQ_INT(crafted, 3); /* events 0, 2 and 3 hit; 1 is filtered, 4 lacks ParentImage */
    sigma_event_free(ev);
    sigma_scratch_free(s_on);
    sigma_scratch_free(s_off);
    sigma_ruleset_unref(on);
    sigma_ruleset_unref(off);
    return TEST_DONE();
}
