/* Introspection through the public API: the seed rule's metadata, ATT&CK, event
 * coverage, stages, predicates and indicators asserted exactly; corpus counts on a small
 * ruleset; document texts of multi-document files; filters and correlations as stages
 * and relations; technique names. argv[1] = the source root. */
#include <stdlib.h>
#include <string.h>

#include <sigma/sigma.h>

#include "test.h"

static const char *root;
static const char seed_id[] = "043c4b8b-3a54-4780-9682-081cb6b8185c";

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    if (buf) {
        buf[n] = 0;
        *len = (size_t)n;
    }
    return buf;
}

static sigma_ruleset *build_yaml(const char *yaml, int default_mapping)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK(sigma_builder_new(NULL, &b) == SIGMA_OK);
    if (default_mapping)
        CHECK(sigma_builder_add_default_mapping(b) == SIGMA_OK);
    CHECK(sigma_builder_add_yaml(b, "test.yml", SIGMA_NUL_TERMINATED, yaml, SIGMA_NUL_TERMINATED,
                                 NULL) == SIGMA_OK);
    CHECK(sigma_builder_build(b, &rs) == SIGMA_OK);
    sigma_builder_free(b);
    return rs;
}

static uint32_t rule_of(const sigma_ruleset *rs, const char *id)
{
    uint32_t r = UINT32_MAX;
    CHECK_MSG(sigma_ruleset_find_rule(rs, id, SIGMA_NUL_TERMINATED, &r) == SIGMA_OK, "%s", id);
    return r;
}

/* "v1,v2,..." of a predicate's values. */
static const char *pred_values(const sigma_ruleset *rs, uint32_t rule, uint32_t stage,
                               uint32_t pred, uint32_t n)
{
    static char buf[512];
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t v = 0; v < n; v++) {
        size_t len = 0;
        const char *s = sigma_ruleset_rule_predicate_value(rs, rule, stage, pred, v, &len);
        if (!s || at + len + 2 >= sizeof buf)
            return "(error)";
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", v ? "," : "", s);
    }
    return buf;
}

static void check_pred(const sigma_ruleset *rs, uint32_t rule, uint32_t stage, uint32_t pred,
                       const char *field, uint32_t kind, const char *mods, int all,
                       const char *values, int line)
{
    sigma_predicate_info p;
    memset(&p, 0, sizeof p);
    p.size = sizeof p;
    CHECK_MSG(sigma_ruleset_rule_predicate(rs, rule, stage, pred, &p) == SIGMA_OK, "line %d", line);
    CHECK_MSG(field ? p.field && strcmp(p.field, field) == 0 : p.field == NULL, "line %d: %s", line,
              p.field ? p.field : "(null)");
    CHECK_MSG(p.kind == kind, "line %d: kind %s", line, sigma_pred_kind_name(p.kind));
    CHECK_MSG(p.modifiers && strcmp(p.modifiers, mods) == 0, "line %d: %s", line,
              p.modifiers ? p.modifiers : "(null)");
    CHECK_MSG(p.all == all, "line %d", line);
    CHECK_MSG(strcmp(pred_values(rs, rule, stage, pred, p.value_count), values) == 0, "line %d: %s",
              line, pred_values(rs, rule, stage, pred, p.value_count));
}

static void check_stage(const sigma_ruleset *rs, uint32_t rule, uint32_t stage, uint32_t kind,
                        const char *name, const char *text, uint32_t npreds, int line)
{
    sigma_stage_info s;
    memset(&s, 0, sizeof s);
    s.size = sizeof s;
    CHECK_MSG(sigma_ruleset_rule_stage(rs, rule, stage, &s) == SIGMA_OK, "line %d", line);
    CHECK_MSG(s.kind == kind, "line %d: kind %u", line, s.kind);
    CHECK_MSG(s.name && strcmp(s.name, name) == 0, "line %d: %s", line, s.name ? s.name : "-");
    CHECK_MSG(text ? s.text && strcmp(s.text, text) == 0 : s.text == NULL, "line %d: %s", line,
              s.text ? s.text : "(null)");
    CHECK_MSG(s.predicate_count == npreds, "line %d: %u predicates", line, s.predicate_count);
}

static sigma_indicator_info indicator(const sigma_ruleset *rs, uint32_t rule, uint32_t i)
{
    sigma_indicator_info x;
    memset(&x, 0, sizeof x);
    x.size = sizeof x;
    CHECK(sigma_ruleset_rule_indicator(rs, rule, i, &x) == SIGMA_OK);
    return x;
}

static const char *indicator_values(const sigma_ruleset *rs, uint32_t rule, uint32_t i)
{
    static char buf[512];
    sigma_indicator_info x = indicator(rs, rule, i);
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t v = 0; v < x.value_count; v++)
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", v ? "," : "",
                               sigma_ruleset_rule_indicator_value(rs, rule, i, v, NULL));
    return buf;
}

/* ------------------------------------------------------------------ seed rule */

static void test_seed_rule(void)
{
    char path[4096];
    snprintf(path, sizeof path,
             "%s/examples/rules/proc_creation_win_iis_susp_module_registration.yml", root);
    size_t yaml_len = 0;
    char *yaml = read_file(path, &yaml_len);
    CHECK_MSG(yaml != NULL, "cannot read %s", path);
    if (!yaml)
        return;
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK(sigma_builder_new(NULL, &b) == SIGMA_OK);
    CHECK(sigma_builder_add_default_mapping(b) == SIGMA_OK);
    CHECK(sigma_builder_add_file(b, path, SIGMA_NUL_TERMINATED, NULL) == SIGMA_OK);
    CHECK(sigma_builder_build(b, &rs) == SIGMA_OK);
    sigma_builder_free(b);
    uint32_t r = rule_of(rs, seed_id);

    /* metadata */
    struct {
        uint32_t attr;
        const char *want;
    } attrs[] = {
        {SIGMA_ATTR_ID, seed_id},
        {SIGMA_ATTR_TITLE, "Suspicious IIS Module Registration"},
        {SIGMA_ATTR_DESCRIPTION, "Detects a suspicious IIS module registration as described in "
                                 "Microsoft threat report on IIS backdoors"},
        {SIGMA_ATTR_STATUS, "test"},
        {SIGMA_ATTR_LEVEL, "high"},
        {SIGMA_ATTR_AUTHOR, "Florian Roth (Nextron Systems), Microsoft (idea)"},
        {SIGMA_ATTR_DATE, "2022-08-04"},
        {SIGMA_ATTR_MODIFIED, "2023-01-23"},
        {SIGMA_ATTR_LOGSOURCE_PRODUCT, "windows"},
        {SIGMA_ATTR_LOGSOURCE_CATEGORY, "process_creation"},
        {SIGMA_ATTR_SOURCE_NAME, path},
        {SIGMA_ATTR_CONDITION, "selection_parent and 1 of selection_cli_*"},
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        size_t len = 0;
        const char *s = sigma_ruleset_rule_attr(rs, r, attrs[i].attr, &len);
        CHECK_MSG(s && strcmp(s, attrs[i].want) == 0 && len == strlen(attrs[i].want), "attr %u: %s",
                  attrs[i].attr, s ? s : "(null)");
    }
    const uint32_t absent[] = {SIGMA_ATTR_NAME,
                               SIGMA_ATTR_LICENSE,
                               SIGMA_ATTR_TAXONOMY,
                               SIGMA_ATTR_LOGSOURCE_SERVICE,
                               SIGMA_ATTR_LOGSOURCE_DEFINITION,
                               SIGMA_ATTR_CORRELATION_TYPE,
                               0,
                               99};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        CHECK_MSG(sigma_ruleset_rule_attr(rs, r, absent[i], NULL) == NULL, "attr %u", absent[i]);
    size_t ylen = 0;
    const char *ytext = sigma_ruleset_rule_attr(rs, r, SIGMA_ATTR_YAML, &ylen);
    CHECK(ytext && ylen == yaml_len && memcmp(ytext, yaml, yaml_len) == 0);

    CHECK_EQ_INT(sigma_ruleset_rule_list_count(rs, r, SIGMA_LIST_TAGS), 2);
    CHECK_EQ_STR(sigma_ruleset_rule_list_item(rs, r, SIGMA_LIST_TAGS, 0, NULL),
                 "attack.persistence");
    CHECK_EQ_STR(sigma_ruleset_rule_list_item(rs, r, SIGMA_LIST_TAGS, 1, NULL), "attack.t1505.004");
    CHECK(sigma_ruleset_rule_list_item(rs, r, SIGMA_LIST_TAGS, 2, NULL) == NULL);
    CHECK_EQ_INT(sigma_ruleset_rule_list_count(rs, r, SIGMA_LIST_REFERENCES), 1);
    CHECK_EQ_STR(sigma_ruleset_rule_list_item(rs, r, SIGMA_LIST_REFERENCES, 0, NULL),
                 "https://www.microsoft.com/security/blog/2022/07/26/"
                 "malicious-iis-extensions-quietly-open-persistent-backdoors-into-servers/");
    CHECK_EQ_INT(sigma_ruleset_rule_list_count(rs, r, SIGMA_LIST_FALSEPOSITIVES), 1);
    CHECK_EQ_STR(sigma_ruleset_rule_list_item(rs, r, SIGMA_LIST_FALSEPOSITIVES, 0, NULL),
                 "Administrative activity");
    CHECK_EQ_INT(sigma_ruleset_rule_list_count(rs, r, SIGMA_LIST_FIELDS), 0);

    /* ATT&CK */
    uint32_t tac = 99;
    CHECK_EQ_INT(sigma_ruleset_rule_tactic_count(rs, r), 1);
    CHECK(sigma_ruleset_rule_tactic(rs, r, 0, &tac) == SIGMA_OK);
    CHECK_EQ_STR(sigma_attack_tactic_id(tac), "TA0003");
    CHECK_EQ_STR(sigma_attack_tactic_name(tac), "Persistence");
    CHECK_EQ_STR(sigma_attack_tactic_tag(tac), "persistence");
    CHECK(sigma_ruleset_rule_tactic(rs, r, 1, &tac) == SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_ruleset_rule_technique_count(rs, r), 1);
    CHECK_EQ_STR(sigma_ruleset_rule_technique(rs, r, 0, NULL), "T1505.004");
    /* no names file: technique names are unknown, tactic names built in */
    CHECK(sigma_ruleset_attack_name(rs, "T1505.004", SIGMA_NUL_TERMINATED, NULL) == NULL);
    CHECK_EQ_STR(sigma_ruleset_attack_name(rs, "ta0003", SIGMA_NUL_TERMINATED, NULL),
                 "Persistence");

    /* event coverage: Sysmon 1 and Security 4688, in mapping order */
    CHECK_EQ_INT(sigma_ruleset_rule_coverage_count(rs, r), 2);
    sigma_coverage_info c;
    memset(&c, 0, sizeof c);
    c.size = sizeof c;
    CHECK(sigma_ruleset_rule_coverage(rs, r, 0, &c) == SIGMA_OK);
    CHECK_EQ_STR(c.provider, "Microsoft-Windows-Sysmon");
    CHECK_EQ_INT(c.event_id, 1);
    CHECK_EQ_STR(c.title, "Process creation");
    CHECK_EQ_STR(c.channel, "Microsoft-Windows-Sysmon/Operational");
    CHECK_EQ_STR(c.category, "process_creation");
    CHECK(sigma_ruleset_rule_coverage(rs, r, 1, &c) == SIGMA_OK);
    CHECK_EQ_STR(c.provider, "Microsoft-Windows-Security-Auditing");
    CHECK_EQ_INT(c.event_id, 4688);
    CHECK_EQ_STR(c.title, "A new process has been created.");
    CHECK_EQ_STR(c.channel, "Security");
    CHECK(sigma_ruleset_rule_coverage(rs, r, 2, &c) == SIGMA_E_INVALID_ARG);

    /* stages and predicates */
    CHECK_EQ_INT(sigma_ruleset_rule_stage_count(rs, r), 5);
    check_stage(rs, r, 0, SIGMA_STAGE_CONDITION, "condition",
                "selection_parent and 1 of selection_cli_*", 0, __LINE__);
    check_stage(rs, r, 1, SIGMA_STAGE_SELECTION, "selection_parent", NULL, 1, __LINE__);
    check_stage(rs, r, 2, SIGMA_STAGE_SELECTION, "selection_cli_1", NULL, 1, __LINE__);
    check_stage(rs, r, 3, SIGMA_STAGE_SELECTION, "selection_cli_2", NULL, 2, __LINE__);
    check_stage(rs, r, 4, SIGMA_STAGE_SELECTION, "selection_cli_3", NULL, 1, __LINE__);
    check_pred(rs, r, 1, 0, "ParentImage", SIGMA_PRED_ENDSWITH, "|endswith", 0, "\\w3wp.exe",
               __LINE__);
    check_pred(rs, r, 2, 0, "CommandLine", SIGMA_PRED_CONTAINS, "|contains", 0,
               "appcmd.exe add module", __LINE__);
    check_pred(rs, r, 3, 0, "CommandLine", SIGMA_PRED_CONTAINS, "|contains", 0,
               " system.enterpriseservices.internal.publish", __LINE__);
    check_pred(rs, r, 3, 1, "Image", SIGMA_PRED_ENDSWITH, "|endswith", 0, "\\powershell.exe",
               __LINE__);
    check_pred(rs, r, 4, 0, "CommandLine", SIGMA_PRED_CONTAINS, "|contains|all", 1, "gacutil, /I",
               __LINE__);
    sigma_predicate_info p;
    p.size = sizeof p;
    CHECK(sigma_ruleset_rule_predicate(rs, r, 0, 0, &p) == SIGMA_E_INVALID_ARG);
    CHECK(sigma_ruleset_rule_predicate(rs, r, 4, 1, &p) == SIGMA_E_INVALID_ARG);
    CHECK(sigma_ruleset_rule_predicate(rs, r, 5, 0, &p) == SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_ruleset_rule_predicate_value_users(rs, r, 1, 0, 0), 0);

    /* indicators: one row per item, corpus 0 in a one-rule ruleset */
    CHECK_EQ_INT(sigma_ruleset_rule_indicator_count(rs, r), 5);
    const char *rows[][4] = {
        {"ParentImage", "endswith", "|endswith", "\\w3wp.exe"},
        {"CommandLine", "contains", "|contains", "appcmd.exe add module"},
        {"CommandLine", "contains", "|contains", " system.enterpriseservices.internal.publish"},
        {"Image", "endswith", "|endswith", "\\powershell.exe"},
        {"CommandLine", "contains", "|contains|all", "gacutil, /I"}};
    for (uint32_t i = 0; i < 5; i++) {
        sigma_indicator_info x = indicator(rs, r, i);
        CHECK_EQ_STR(x.field, rows[i][0]);
        CHECK_EQ_STR(sigma_pred_kind_name(x.kind), rows[i][1]);
        CHECK_EQ_STR(x.modifiers, rows[i][2]);
        CHECK_EQ_STR(indicator_values(rs, r, i), rows[i][3]);
        CHECK_EQ_INT(x.corpus, 0);
    }
    CHECK_EQ_INT(sigma_ruleset_rule_ref_count(rs, r), 0);
    CHECK_EQ_INT(sigma_ruleset_rule_referrer_count(rs, r), 0);
    sigma_ruleset_unref(rs);
    free(yaml);
}

/* ---------------------------------------------------------------- corpus counts */

static const char corpus_yaml[] = "title: R0\n"
                                  "id: 00000000-0000-4000-8000-000000000000\n"
                                  "logsource: {product: windows, category: process_creation}\n"
                                  "detection:\n"
                                  "    sel:\n"
                                  "        ParentImage|endswith: '\\w3wp.exe'\n"
                                  "        CommandLine|contains: [a, b]\n"
                                  "    again:\n"
                                  "        ParentImage|endswith: '\\w3wp.exe'\n"
                                  "    condition: sel or again\n"
                                  "---\n"
                                  "title: R1\n"
                                  "id: 11111111-0000-4000-8000-000000000000\n"
                                  "logsource: {product: windows, category: process_creation}\n"
                                  "detection:\n"
                                  "    sel:\n"
                                  "        ParentImage|endswith: '\\W3WP.EXE'\n"
                                  "        CommandLine|contains: [A, b, c]\n"
                                  "    condition: sel\n"
                                  "---\n"
                                  "title: R2\n"
                                  "id: 22222222-0000-4000-8000-000000000000\n"
                                  "logsource: {product: windows, category: process_creation}\n"
                                  "detection:\n"
                                  "    sel:\n"
                                  "        ParentImage|endswith: ['\\w3wp.exe', '\\httpd.exe']\n"
                                  "        CommandLine|contains|all: [a, b]\n"
                                  "    condition: sel\n"
                                  "---\n"
                                  "title: R3\n"
                                  "id: 33333333-0000-4000-8000-000000000000\n"
                                  "logsource: {product: windows, category: process_creation}\n"
                                  "detection:\n"
                                  "    sel:\n"
                                  "        ParentImage|contains: '\\w3wp.exe'\n"
                                  "        Image|endswith: '\\w3wp.exe'\n"
                                  "        CommandLine|contains|cased: a\n"
                                  "        Exists|exists: true\n"
                                  "    condition: sel\n";

static void check_row(const sigma_ruleset *rs, uint32_t rule, uint32_t i, const char *field,
                      const char *mods, const char *values, uint32_t corpus, int line)
{
    sigma_indicator_info x = indicator(rs, rule, i);
    CHECK_MSG(x.field && strcmp(x.field, field) == 0, "line %d: %s", line,
              x.field ? x.field : "(null)");
    CHECK_MSG(x.modifiers && strcmp(x.modifiers, mods) == 0, "line %d: %s", line,
              x.modifiers ? x.modifiers : "(null)");
    CHECK_MSG(strcmp(indicator_values(rs, rule, i), values) == 0, "line %d: %s", line,
              indicator_values(rs, rule, i));
    CHECK_MSG(x.corpus == corpus, "line %d: corpus %u, want %u", line, x.corpus, corpus);
}

static void test_corpus_counts(void)
{
    sigma_ruleset *rs = build_yaml(corpus_yaml, 0);
    if (!rs)
        return;
    uint32_t r0 = rule_of(rs, "00000000-0000-4000-8000-000000000000");
    uint32_t r1 = rule_of(rs, "11111111-0000-4000-8000-000000000000");
    uint32_t r2 = rule_of(rs, "22222222-0000-4000-8000-000000000000");
    uint32_t r3 = rule_of(rs, "33333333-0000-4000-8000-000000000000");
    /* R0: the repeated item is one row; R1 (case-folded) and R2 (superset) share it */
    CHECK_EQ_INT(sigma_ruleset_rule_indicator_count(rs, r0), 2);
    check_row(rs, r0, 0, "ParentImage", "|endswith", "\\w3wp.exe", 2, __LINE__);
    check_row(rs, r0, 1, "CommandLine", "|contains", "a,b", 2, __LINE__);
    CHECK_EQ_INT(sigma_ruleset_rule_indicator_count(rs, r1), 2);
    check_row(rs, r1, 0, "ParentImage", "|endswith", "\\W3WP.EXE", 2, __LINE__);
    check_row(rs, r1, 1, "CommandLine", "|contains", "A,b,c", 0, __LINE__);
    CHECK_EQ_INT(sigma_ruleset_rule_indicator_count(rs, r2), 2);
    check_row(rs, r2, 0, "ParentImage", "|endswith", "\\w3wp.exe,\\httpd.exe", 0, __LINE__);
    check_row(rs, r2, 1, "CommandLine", "|contains|all", "a,b", 2, __LINE__);
    /* R3: other kind, other field, other modifiers; exists is no indicator */
    CHECK_EQ_INT(sigma_ruleset_rule_indicator_count(rs, r3), 3);
    check_row(rs, r3, 0, "ParentImage", "|contains", "\\w3wp.exe", 0, __LINE__);
    check_row(rs, r3, 1, "Image", "|endswith", "\\w3wp.exe", 0, __LINE__);
    check_row(rs, r3, 2, "CommandLine", "|contains|cased", "a", 0, __LINE__);
    /* Per value: other rules using the same interned predicate. R0's \w3wp.exe is
     * used by R1 (folded equal) and R2; R0 uses it in two items but counts once. */
    CHECK_EQ_INT(sigma_ruleset_rule_predicate_value_users(rs, r0, 1, 0, 0), 2);
    CHECK_EQ_INT(sigma_ruleset_rule_predicate_value_users(rs, r0, 2, 0, 0), 2);
    CHECK_EQ_INT(sigma_ruleset_rule_predicate_value_users(rs, r2, 1, 0, 1), 0); /* \httpd.exe */
    CHECK_EQ_INT(sigma_ruleset_rule_predicate_value_users(rs, r2, 1, 0, 0), 2);
    CHECK_EQ_INT(sigma_ruleset_rule_predicate_value_users(rs, r1, 1, 1, 2), 0); /* c */
    CHECK_EQ_INT(sigma_ruleset_rule_predicate_value_users(rs, r3, 1, 2, 0), 0); /* cased a */
    sigma_ruleset_unref(rs);
}

/* --------------------------------------------------- documents, filters, relations */

static const char multi_yaml[] = "action: global\n"
                                 "logsource: {product: windows}\n"
                                 "detection:\n"
                                 "    condition: sel\n"
                                 "---\n"
                                 "title: First\n"
                                 "name: first_rule\n"
                                 "detection:\n"
                                 "    sel: {EventID: 1}\n"
                                 "---\n"
                                 "title: Second\n"
                                 "name: second_rule\n"
                                 "license: MIT\n"
                                 "fields: [User, Image]\n"
                                 "detection:\n"
                                 "    sel:\n"
                                 "        - {User: admin, Image|endswith|windash: '\\x.exe'}\n"
                                 "        - {User|re: '^svc_'}\n"
                                 "        - [evil, bad]\n"
                                 "---\n"
                                 "title: No SYSTEM\n"
                                 "id: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n"
                                 "logsource: {product: windows}\n"
                                 "filter:\n"
                                 "    rules: [second_rule]\n"
                                 "    sys: {User: SYSTEM}\n"
                                 "    condition: not sys\n"
                                 "---\n"
                                 "title: Both in a row\n"
                                 "name: both\n"
                                 "correlation:\n"
                                 "    type: temporal\n"
                                 "    rules: [first_rule, second_rule]\n"
                                 "    group-by: [User]\n"
                                 "    timespan: 5m\n";

static void test_documents_and_relations(void)
{
    sigma_ruleset *rs = build_yaml(multi_yaml, 0);
    if (!rs)
        return;
    uint32_t first = rule_of(rs, "first_rule"), second = rule_of(rs, "second_rule"),
             corr = rule_of(rs, "both");
    /* each rule's text is its own document only (the global template is not in it) */
    CHECK_EQ_STR(sigma_ruleset_rule_attr(rs, first, SIGMA_ATTR_YAML, NULL),
                 "title: First\nname: first_rule\ndetection:\n    sel: {EventID: 1}\n");
    const char *y2 = sigma_ruleset_rule_attr(rs, second, SIGMA_ATTR_YAML, NULL);
    CHECK(y2 && strncmp(y2, "title: Second\n", 14) == 0 && strstr(y2, "- [evil, bad]\n") &&
          !strstr(y2, "---") && !strstr(y2, "No SYSTEM"));
    /* the merged rule has the template's logsource and condition */
    CHECK_EQ_STR(sigma_ruleset_rule_attr(rs, first, SIGMA_ATTR_LOGSOURCE_PRODUCT, NULL), "windows");
    CHECK_EQ_STR(sigma_ruleset_rule_attr(rs, first, SIGMA_ATTR_CONDITION, NULL), "sel");
    CHECK_EQ_STR(sigma_ruleset_rule_attr(rs, second, SIGMA_ATTR_LICENSE, NULL), "MIT");
    CHECK_EQ_INT(sigma_ruleset_rule_list_count(rs, second, SIGMA_LIST_FIELDS), 2);
    CHECK_EQ_STR(sigma_ruleset_rule_list_item(rs, second, SIGMA_LIST_FIELDS, 1, NULL), "Image");

    /* stages of the second rule: condition, sel (a list of maps), then the filter's */
    CHECK_EQ_INT(sigma_ruleset_rule_stage_count(rs, second), 4);
    check_stage(rs, second, 0, SIGMA_STAGE_CONDITION, "condition", "sel", 0, __LINE__);
    check_stage(rs, second, 1, SIGMA_STAGE_SELECTION, "sel", NULL, 4, __LINE__);
    check_stage(rs, second, 2, SIGMA_STAGE_FILTER_CONDITION, "condition", "not sys", 0, __LINE__);
    check_stage(rs, second, 3, SIGMA_STAGE_FILTER_SELECTION, "sys", NULL, 1, __LINE__);
    sigma_stage_info s;
    memset(&s, 0, sizeof s);
    s.size = sizeof s;
    CHECK(sigma_ruleset_rule_stage(rs, second, 3, &s) == SIGMA_OK);
    CHECK_EQ_STR(s.filter, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    check_pred(rs, second, 1, 0, "User", SIGMA_PRED_EQUALS, "", 0, "admin", __LINE__);
    check_pred(rs, second, 1, 1, "Image", SIGMA_PRED_ENDSWITH, "|endswith|windash", 0, "\\x.exe",
               __LINE__);
    check_pred(rs, second, 1, 2, "User", SIGMA_PRED_RE, "|re", 0, "^svc_", __LINE__);
    check_pred(rs, second, 1, 3, NULL, SIGMA_PRED_KEYWORD, "", 0, "evil,bad", __LINE__);
    check_pred(rs, second, 3, 0, "User", SIGMA_PRED_EQUALS, "", 0, "SYSTEM", __LINE__);
    sigma_predicate_info p;
    memset(&p, 0, sizeof p);
    p.size = sizeof p;
    CHECK(sigma_ruleset_rule_predicate(rs, second, 1, 2, &p) == SIGMA_OK);
    CHECK_EQ_INT(p.group, 1);
    CHECK(sigma_ruleset_rule_predicate(rs, second, 1, 3, &p) == SIGMA_OK);
    CHECK_EQ_INT(p.group, 2);
    /* filters are not indicators */
    CHECK_EQ_INT(sigma_ruleset_rule_indicator_count(rs, second), 4);
    /* the filter stage's value is not counted as a user of the rule */
    CHECK_EQ_INT(sigma_ruleset_rule_predicate_value_users(rs, second, 3, 0, 0), 0);

    /* correlation: type, references both ways, no stages */
    CHECK_EQ_STR(sigma_ruleset_rule_attr(rs, corr, SIGMA_ATTR_CORRELATION_TYPE, NULL), "temporal");
    CHECK_EQ_INT(sigma_ruleset_rule_stage_count(rs, corr), 0);
    CHECK_EQ_INT(sigma_ruleset_rule_ref_count(rs, corr), 2);
    CHECK_EQ_INT(sigma_ruleset_rule_ref(rs, corr, 0), first);
    CHECK_EQ_INT(sigma_ruleset_rule_ref(rs, corr, 1), second);
    CHECK_EQ_INT(sigma_ruleset_rule_ref(rs, corr, 2), UINT32_MAX);
    CHECK_EQ_INT(sigma_ruleset_rule_referrer_count(rs, first), 1);
    CHECK_EQ_INT(sigma_ruleset_rule_referrer(rs, first, 0), corr);
    CHECK_EQ_INT(sigma_ruleset_rule_referrer_count(rs, second), 1);
    CHECK_EQ_INT(sigma_ruleset_rule_referrer_count(rs, corr), 0);
    const char *cy = sigma_ruleset_rule_attr(rs, corr, SIGMA_ATTR_YAML, NULL);
    CHECK(cy && strncmp(cy, "title: Both in a row\n", 21) == 0);
    sigma_ruleset_unref(rs);

    /* action: repeat: the repeat document's own text, the merged rule's stages */
    rs = build_yaml("title: Base\nname: base\nlogsource: {product: windows}\n"
                    "detection: {sel: {a: 1}, condition: sel}\n"
                    "---\n"
                    "action: repeat\ntitle: Repeated\nname: repeated\n",
                    0);
    if (!rs)
        return;
    uint32_t rep = rule_of(rs, "repeated");
    CHECK_EQ_STR(sigma_ruleset_rule_attr(rs, rep, SIGMA_ATTR_YAML, NULL),
                 "action: repeat\ntitle: Repeated\nname: repeated\n");
    CHECK_EQ_INT(sigma_ruleset_rule_stage_count(rs, rep), 2);
    check_pred(rs, rep, 1, 0, "a", SIGMA_PRED_EQUALS, "", 0, "1", __LINE__);
    sigma_ruleset_unref(rs);
}

/* ------------------------------------------------------------------ ATT&CK names */

static void test_attack(void)
{
    CHECK_EQ_INT(sigma_attack_tactic_count(), 16);
    CHECK_EQ_STR(sigma_attack_tactic_id(0), "TA0043");
    CHECK_EQ_STR(sigma_attack_tactic_name(15), "Impact");
    CHECK(sigma_attack_tactic_name(16) == NULL);
    CHECK_EQ_STR(sigma_attack_tactic_id(6), "TA0005");
    CHECK_EQ_STR(sigma_attack_tactic_name(7), "Stealth");
    CHECK(sigma_attack_tactic_id(7) == NULL);
    CHECK_EQ_STR(sigma_attack_tactic_tag(8), "defense_impairment");
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK(sigma_builder_new(NULL, &b) == SIGMA_OK);
    const char names[] = "# technique names\n"
                         "T1505\tServer Software Component\n"
                         "t1505.004\t IIS Components \r\n"
                         "\n"
                         "bogus line\n"
                         "T15\tToo short\n";
    CHECK(sigma_builder_add_attack_names(b, "names.tsv", SIGMA_NUL_TERMINATED, names,
                                         SIGMA_NUL_TERMINATED) == SIGMA_E_COMPILE);
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    CHECK_EQ_INT(sigma_diagnostics_count(d), 2);
    sigma_diagnostic_info di;
    memset(&di, 0, sizeof di);
    di.size = sizeof di;
    CHECK(sigma_diagnostics_get(d, 0, &di) == SIGMA_OK);
    CHECK_EQ_INT(di.code, SIGMA_DIAG_BAD_ATTACK_NAMES);
    CHECK_EQ_INT(di.line, 5);
    CHECK(sigma_diagnostics_get(d, 1, &di) == SIGMA_OK);
    CHECK_EQ_INT(di.line, 6);
    CHECK(sigma_builder_add_attack_names_file(b, "/nonexistent/names.tsv", SIGMA_NUL_TERMINATED) ==
          SIGMA_E_IO);
    CHECK(sigma_builder_add_yaml(b, NULL, 0,
                                 "title: T\nlogsource: {product: windows}\n"
                                 "tags: [attack.t1505.004, attack.defense-evasion, attack.t1505,"
                                 " attack.g0001, attack.defense_evasion, attack.s0002]\n"
                                 "detection: {s: {a: 1}, condition: s}\n",
                                 SIGMA_NUL_TERMINATED, NULL) == SIGMA_OK);
    CHECK(sigma_builder_add_yaml(b, NULL, 0,
                                 "title: U\nlogsource: {product: windows}\n"
                                 "tags: [attack.stealth, attack.defense-impairment,"
                                 " attack.defense-evasion]\n"
                                 "detection: {s: {a: 1}, condition: s}\n",
                                 SIGMA_NUL_TERMINATED, NULL) == SIGMA_OK);
    CHECK(sigma_builder_build(b, &rs) == SIGMA_OK);
    sigma_builder_free(b);
    if (!rs)
        return;
    /* the newer tactics of SigmaHQ tags, in tag order */
    uint32_t nt = 0;
    CHECK_EQ_INT(sigma_ruleset_rule_tactic_count(rs, 1), 3);
    CHECK(sigma_ruleset_rule_tactic(rs, 1, 0, &nt) == SIGMA_OK);
    CHECK_EQ_STR(sigma_attack_tactic_name(nt), "Stealth");
    CHECK(sigma_ruleset_rule_tactic(rs, 1, 1, &nt) == SIGMA_OK);
    CHECK_EQ_STR(sigma_attack_tactic_name(nt), "Defense Impairment");
    CHECK(sigma_ruleset_rule_tactic(rs, 1, 2, &nt) == SIGMA_OK);
    CHECK_EQ_STR(sigma_attack_tactic_id(nt), "TA0005");
    CHECK_EQ_STR(sigma_ruleset_attack_name(rs, "stealth", SIGMA_NUL_TERMINATED, NULL), "Stealth");
    size_t len = 0;
    CHECK_EQ_STR(sigma_ruleset_attack_name(rs, "T1505.004", SIGMA_NUL_TERMINATED, &len),
                 "IIS Components");
    CHECK_EQ_INT(len, 14);
    CHECK_EQ_STR(sigma_ruleset_attack_name(rs, "t1505", 5, NULL), "Server Software Component");
    CHECK(sigma_ruleset_attack_name(rs, "T1059", SIGMA_NUL_TERMINATED, NULL) == NULL);
    CHECK_EQ_STR(sigma_ruleset_attack_name(rs, "defense-evasion", SIGMA_NUL_TERMINATED, NULL),
                 "Defense Evasion");
    /* tactics once, techniques in tag order, groups/software ignored */
    uint32_t tac = 0;
    CHECK_EQ_INT(sigma_ruleset_rule_tactic_count(rs, 0), 1);
    CHECK(sigma_ruleset_rule_tactic(rs, 0, 0, &tac) == SIGMA_OK);
    CHECK_EQ_STR(sigma_attack_tactic_id(tac), "TA0005");
    CHECK_EQ_INT(sigma_ruleset_rule_technique_count(rs, 0), 2);
    CHECK_EQ_STR(sigma_ruleset_rule_technique(rs, 0, 0, NULL), "T1505.004");
    CHECK_EQ_STR(sigma_ruleset_rule_technique(rs, 0, 1, NULL), "T1505");
    sigma_ruleset_unref(rs);

    /* the sample names file covers the seed rule's technique */
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/attack_names.tsv", root);
    CHECK(sigma_builder_new(NULL, &b) == SIGMA_OK);
    CHECK(sigma_builder_add_attack_names_file(b, path, SIGMA_NUL_TERMINATED) == SIGMA_OK);
    CHECK(sigma_builder_build(b, &rs) == SIGMA_OK);
    CHECK_EQ_STR(sigma_ruleset_attack_name(rs, "T1505.004", SIGMA_NUL_TERMINATED, NULL),
                 "IIS Components");
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
}

int main(int argc, char **argv)
{
    root = argc > 1 ? argv[1] : ".";
    test_seed_rule();
    test_corpus_counts();
    test_documents_and_relations();
    test_attack();
    return TEST_DONE();
}
