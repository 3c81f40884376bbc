/* Explain through the public API: for each seed event the rule's result, every stage
 * and predicate, and the event value that satisfied each predicate that held; a Security
 * 4688 event read through the mapping's renames; keywords, exists and neq.
 * argv[1] = the source root. */
#include <stdlib.h>
#include <string.h>

#include <sigma/sigma.h>

#include "json_event.h"
#include "test.h"

static const char *root;

enum { PARENT = 1, CLI_1, CLI_2, CLI_3 }; /* the seed rule's stages */

static sigma_ruleset *build(const char *yaml, const char *path)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK(sigma_builder_new(NULL, &b) == SIGMA_OK);
    CHECK(sigma_builder_add_default_mapping(b) == SIGMA_OK);
    if (path)
        CHECK(sigma_builder_add_file(b, path, SIGMA_NUL_TERMINATED, NULL) == SIGMA_OK);
    if (yaml)
        CHECK(sigma_builder_add_yaml(b, NULL, 0, yaml, SIGMA_NUL_TERMINATED, NULL) == SIGMA_OK);
    CHECK(sigma_builder_build(b, &rs) == SIGMA_OK);
    sigma_builder_free(b);
    return rs;
}

static int fill(sigma_event *ev, const char *json)
{
    sigma_event_clear(ev);
    json_t *j = json_event_load_line(json, strlen(json), NULL);
    int rc = j ? json_event_fill(ev, j) : SIGMA_E_INVALID_ARG;
    json_decref(j);
    return rc;
}

static int matches(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev)
{
    CHECK(sigma_match(rs, s, ev, 0, NULL, NULL) == SIGMA_OK);
    return sigma_scratch_hit_count(s) == 1;
}

static const char *event_value(const sigma_explain *x, uint32_t stage, uint32_t pred)
{
    const char *v = sigma_explain_event_value(x, stage, pred, NULL);
    return v ? v : "(none)";
}

static const char *json_field(const char *line, const char *name)
{
    static char buf[1024];
    json_t *j = json_event_load_line(line, strlen(line), NULL);
    const char *s = json_string_value(json_object_get(j, name));
    snprintf(buf, sizeof buf, "%s", s ? s : "(missing)");
    json_decref(j);
    return buf;
}

static void test_seed_events(void)
{
    char rule_path[4096], events_path[4096];
    snprintf(rule_path, sizeof rule_path,
             "%s/examples/rules/proc_creation_win_iis_susp_module_registration.yml", root);
    snprintf(events_path, sizeof events_path, "%s/examples/events/seed-events.jsonl", root);
    sigma_ruleset *rs = build(NULL, rule_path);
    FILE *fp = fopen(events_path, "rb");
    CHECK(rs && fp);
    if (!rs || !fp)
        return;
    sigma_scratch *scratch = NULL;
    sigma_event *ev = NULL;
    CHECK(sigma_scratch_reserve(rs, &scratch) == SIGMA_OK);
    CHECK(sigma_event_new(&ev) == SIGMA_OK);
    /* the selection that fires for events 1-6 (README of examples/events) */
    const int fired[7] = {0, CLI_1, CLI_1, CLI_2, CLI_3, CLI_1, CLI_2};
    char line[8192];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        n++;
        CHECK(fill(ev, line) == SIGMA_OK);
        sigma_explain *x = NULL;
        CHECK(sigma_explain_new(rs, 0, ev, 0, &x) == SIGMA_OK);
        if (!x)
            continue;
        int want = n <= 6;
        CHECK_MSG(sigma_explain_result(x) == want, "event %d", n);
        CHECK_MSG(matches(rs, scratch, ev) == want, "event %d", n); /* agrees with sigma_match */
        CHECK_MSG(sigma_explain_stage(x, 0) == want, "event %d", n);
        char parent[1024];
        snprintf(parent, sizeof parent, "%s", json_field(line, "ParentImage"));
        if (want) {
            for (int st = CLI_1; st <= CLI_3; st++)
                CHECK_MSG(sigma_explain_stage(x, (uint32_t)st) == (st == fired[n]),
                          "event %d stage %d", n, st);
            CHECK_MSG(sigma_explain_stage(x, PARENT) == 1, "event %d", n);
            CHECK_EQ_INT(sigma_explain_predicate(x, PARENT, 0), 1);
            CHECK_EQ_INT(sigma_explain_predicate_value(x, PARENT, 0), 0);
            CHECK_EQ_STR(event_value(x, PARENT, 0), parent);
            /* the fired selection's first predicate held on the command line */
            CHECK_EQ_INT(sigma_explain_predicate(x, (uint32_t)fired[n], 0), 1);
            CHECK_EQ_STR(event_value(x, (uint32_t)fired[n], 0), json_field(line, "CommandLine"));
        }
        if (n == 3 || n == 6) { /* selection_cli_2's second item: Image */
            CHECK_EQ_INT(sigma_explain_predicate(x, CLI_2, 1), 1);
            CHECK_EQ_STR(event_value(x, CLI_2, 1), json_field(line, "Image"));
        }
        if (n == 4) { /* contains|all: held, on the first value */
            CHECK_EQ_INT(sigma_explain_predicate_value(x, CLI_3, 0), 0);
        }
        if (n == 7 || n == 8) { /* wrong parent */
            CHECK_EQ_INT(sigma_explain_stage(x, PARENT), 0);
            CHECK_EQ_INT(sigma_explain_predicate(x, PARENT, 0), 0);
            CHECK(sigma_explain_event_value(x, PARENT, 0, NULL) == NULL);
            CHECK_EQ_INT(sigma_explain_predicate_value(x, PARENT, 0), UINT32_MAX);
            CHECK_EQ_INT(sigma_explain_stage(x, CLI_1), 1); /* the command line was right */
        }
        if (n >= 9) {
            CHECK_EQ_INT(sigma_explain_stage(x, PARENT), 1);
            for (int st = CLI_1; st <= CLI_3; st++)
                CHECK_MSG(sigma_explain_stage(x, (uint32_t)st) == 0, "event %d stage %d", n, st);
        }
        if (n == 9 || n == 11) /* gacutil without " /I", " /i" without gacutil */
            CHECK_EQ_INT(sigma_explain_predicate(x, CLI_3, 0), 0);
        if (n == 10) { /* the Publish text, but not PowerShell */
            CHECK_EQ_INT(sigma_explain_predicate(x, CLI_2, 0), 1);
            CHECK_EQ_INT(sigma_explain_predicate(x, CLI_2, 1), 0);
        }
        CHECK(sigma_explain_stage(x, 5) == SIGMA_E_INVALID_ARG);
        CHECK(sigma_explain_predicate(x, PARENT, 1) == SIGMA_E_INVALID_ARG);
        sigma_explain_free(x);
    }
    CHECK_EQ_INT(n, 12);
    fclose(fp);

    /* Security 4688: the rule's fields are read through the mapping's renames */
    CHECK(fill(ev,
               "{\"Channel\": \"Security\", \"EventID\": 4688, "
               "\"NewProcessName\": \"C:\\\\Windows\\\\System32\\\\inetsrv\\\\appcmd.exe\", "
               "\"CommandLine\": \"appcmd.exe add module /name:x\", "
               "\"ParentProcessName\": \"C:\\\\Windows\\\\System32\\\\inetsrv\\\\w3wp.exe\"}") ==
          SIGMA_OK);
    sigma_explain *x = NULL;
    CHECK(sigma_explain_new(rs, 0, ev, 0, &x) == SIGMA_OK);
    CHECK_EQ_INT(sigma_explain_result(x), matches(rs, scratch, ev));
    CHECK_EQ_INT(sigma_explain_result(x), 1);
    CHECK_EQ_STR(event_value(x, PARENT, 0), "C:\\Windows\\System32\\inetsrv\\w3wp.exe");
    sigma_explain_free(x);

    CHECK(sigma_explain_new(rs, 1, ev, 0, &x) == SIGMA_E_INVALID_ARG);
    CHECK(sigma_explain_new(rs, 0, ev, 1, &x) == SIGMA_E_INVALID_ARG);
    CHECK(sigma_explain_new(rs, 0, NULL, 0, &x) == SIGMA_E_INVALID_ARG);
    CHECK(sigma_explain_result(NULL) == SIGMA_E_INVALID_ARG);
    sigma_explain_free(NULL);
    sigma_event_free(ev);
    sigma_scratch_free(scratch);
    sigma_ruleset_unref(rs);
}

static void test_other_kinds(void)
{
    sigma_ruleset *rs = build("title: kinds\n"
                              "logsource: {product: test}\n"
                              "detection:\n"
                              "    kw: [needle, other]\n"
                              "    ex: {User|exists: true, Port|gte: 1000}\n"
                              "    ne: {Status|neq: ok}\n"
                              "    condition: kw and ex and ne\n",
                              NULL);
    sigma_event *ev = NULL;
    CHECK(sigma_event_new(&ev) == SIGMA_OK);
    if (!rs || !ev)
        return;
    CHECK(fill(ev, "{\"User\": \"bob\", \"Port\": 8080, \"Status\": \"failed\", "
                   "\"Msg\": \"a NEEDLE here\"}") == SIGMA_OK);
    sigma_explain *x = NULL;
    CHECK(sigma_explain_new(rs, 0, ev, 0, &x) == SIGMA_OK);
    CHECK_EQ_INT(sigma_explain_result(x), 1);
    /* keyword: found in a field value */
    CHECK_EQ_INT(sigma_explain_predicate(x, 1, 0), 1);
    CHECK_EQ_INT(sigma_explain_predicate_value(x, 1, 0), 0);
    CHECK_EQ_STR(event_value(x, 1, 0), "a NEEDLE here");
    /* exists: held, no value; gte: the number as text */
    CHECK_EQ_INT(sigma_explain_predicate(x, 2, 0), 1);
    CHECK(sigma_explain_event_value(x, 2, 0, NULL) == NULL);
    CHECK_EQ_INT(sigma_explain_predicate(x, 2, 1), 1);
    CHECK_EQ_STR(event_value(x, 2, 1), "8080");
    /* neq: held (after negation), no value */
    CHECK_EQ_INT(sigma_explain_predicate(x, 3, 0), 1);
    CHECK(sigma_explain_event_value(x, 3, 0, NULL) == NULL);
    sigma_explain_free(x);

    /* keyword in the raw message only; a failing neq */
    CHECK(fill(ev, "{\"User\": \"bob\", \"Port\": 80, \"Status\": \"OK\"}") == SIGMA_OK);
    CHECK(sigma_event_set_message(ev, "the other one", SIGMA_NUL_TERMINATED, 0) == SIGMA_OK);
    CHECK(sigma_explain_new(rs, 0, ev, 0, &x) == SIGMA_OK);
    CHECK_EQ_INT(sigma_explain_result(x), 0);
    CHECK_EQ_INT(sigma_explain_predicate(x, 1, 0), 1);
    CHECK_EQ_INT(sigma_explain_predicate_value(x, 1, 0), 1);
    CHECK_EQ_STR(event_value(x, 1, 0), "the other one");
    CHECK_EQ_INT(sigma_explain_stage(x, 2), 0); /* port 80 < 1000 */
    CHECK_EQ_INT(sigma_explain_predicate(x, 2, 1), 0);
    CHECK_EQ_INT(sigma_explain_predicate(x, 3, 0), 0); /* Status is "OK": neq ok fails */
    sigma_explain_free(x);
    sigma_event_free(ev);
    sigma_ruleset_unref(rs);
}

/* fieldref on multi-valued fields: the value reported is the one that held, not
 * the field's first. */
static void test_fieldref_value(void)
{
    sigma_ruleset *rs = build("title: fieldref\n"
                              "logsource: {product: test}\n"
                              "detection:\n"
                              "    same: {Target|fieldref: Source}\n"
                              "    ends: {Path|fieldref|endswith: Name}\n"
                              "    condition: same or ends\n",
                              NULL);
    sigma_event *ev = NULL;
    CHECK(sigma_event_new(&ev) == SIGMA_OK);
    if (!rs || !ev)
        return;
    CHECK(fill(ev, "{\"Target\": [\"alpha\", \"beta\", \"gamma\"], \"Source\": [\"x\", \"GAMMA\"], "
                   "\"Path\": [\"c:\\\\a\\\\one.exe\", \"c:\\\\b\\\\two.exe\"], "
                   "\"Name\": \"two.exe\"}") == SIGMA_OK);
    sigma_explain *x = NULL;
    CHECK(sigma_explain_new(rs, 0, ev, 0, &x) == SIGMA_OK);
    if (!x)
        return;
    CHECK_EQ_INT(sigma_explain_result(x), 1);
    CHECK_EQ_INT(sigma_explain_predicate(x, 1, 0), 1);
    CHECK_EQ_STR(event_value(x, 1, 0), "gamma");
    CHECK_EQ_INT(sigma_explain_predicate(x, 2, 0), 1);
    CHECK_EQ_STR(event_value(x, 2, 0), "c:\\b\\two.exe");
    sigma_explain_free(x);
    /* no value holds: nothing reported */
    CHECK(fill(ev, "{\"Target\": [\"alpha\"], \"Source\": \"beta\"}") == SIGMA_OK);
    CHECK(sigma_explain_new(rs, 0, ev, 0, &x) == SIGMA_OK);
    if (x) {
        CHECK_EQ_INT(sigma_explain_predicate(x, 1, 0), 0);
        CHECK(sigma_explain_event_value(x, 1, 0, NULL) == NULL);
        sigma_explain_free(x);
    }
    sigma_event_free(ev);
    sigma_ruleset_unref(rs);
}

static void test_filter_stages(void)
{
    sigma_ruleset *rs = build("title: Rar\n"
                              "id: 11111111-2222-4333-8444-555555555555\n"
                              "logsource: {product: test}\n"
                              "detection: {s: {Image|endswith: '\\rar.exe'}, condition: s}\n"
                              "---\n"
                              "title: No SYSTEM\n"
                              "id: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n"
                              "logsource: {product: test}\n"
                              "filter: {rules: any, sys: {User: SYSTEM}, condition: not sys}\n",
                              NULL);
    sigma_event *ev = NULL;
    CHECK(sigma_event_new(&ev) == SIGMA_OK);
    if (!rs || !ev)
        return;
    CHECK_EQ_INT(sigma_ruleset_rule_stage_count(rs, 0), 4);
    CHECK(fill(ev, "{\"Image\": \"C:\\\\rar.exe\", \"User\": \"system\"}") == SIGMA_OK);
    sigma_explain *x = NULL;
    CHECK(sigma_explain_new(rs, 0, ev, 0, &x) == SIGMA_OK);
    CHECK_EQ_INT(sigma_explain_result(x), 0); /* the filter excludes it */
    CHECK_EQ_INT(sigma_explain_stage(x, 0), 1);
    CHECK_EQ_INT(sigma_explain_stage(x, 1), 1);
    CHECK_EQ_INT(sigma_explain_stage(x, 2), 0); /* filter condition: not sys */
    CHECK_EQ_INT(sigma_explain_stage(x, 3), 1); /* sys */
    CHECK_EQ_STR(event_value(x, 3, 0), "system");
    sigma_explain_free(x);
    CHECK(fill(ev, "{\"Image\": \"C:\\\\rar.exe\", \"User\": \"bob\"}") == SIGMA_OK);
    CHECK(sigma_explain_new(rs, 0, ev, 0, &x) == SIGMA_OK);
    CHECK_EQ_INT(sigma_explain_result(x), 1);
    CHECK_EQ_INT(sigma_explain_stage(x, 2), 1);
    CHECK_EQ_INT(sigma_explain_stage(x, 3), 0);
    sigma_explain_free(x);
    sigma_event_free(ev);
    sigma_ruleset_unref(rs);
}

int main(int argc, char **argv)
{
    root = argc > 1 ? argv[1] : ".";
    test_seed_events();
    test_other_kinds();
    test_fieldref_value();
    test_filter_stages();
    return TEST_DONE();
}
