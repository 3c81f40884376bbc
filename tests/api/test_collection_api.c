/* Public API for rule collections: correlation rules in the ruleset (kind, no
 * matches), filters applied to rules (filter_count, sigma_ruleset_rule_filter),
 * placeholder values (one at a time and from YAML, including malformed files), and
 * correlation references resolved (or reported) by sigma_builder_build.
 * Only <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* ---------------------------------------------------------------- helpers */

static sigma_builder *new_builder(uint32_t flags)
{
    sigma_compile_options *o = NULL;
    sigma_builder *b = NULL;
    if (sigma_compile_options_new(&o) != SIGMA_OK)
        return NULL;
    if (flags)
        sigma_compile_options_set(o, SIGMA_PARAM_FLAGS, flags);
    if (sigma_builder_new(o, &b) != SIGMA_OK)
        b = NULL;
    sigma_compile_options_free(o);
    return b;
}

static int add(sigma_builder *b, const char *name, const char *yaml, uint32_t *added)
{
    return sigma_builder_add_yaml(b, name, SIGMA_NUL_TERMINATED, yaml, SIGMA_NUL_TERMINATED, added);
}

static size_t error_count(const sigma_builder *b)
{
    return sigma_diagnostics_error_count(sigma_builder_diagnostics(b));
}

/* Index of the first diagnostic with `code`, or -1. */
static long find_diag(const sigma_builder *b, int code)
{
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    size_t n = sigma_diagnostics_count(d);
    for (size_t i = 0; i < n; i++) {
        sigma_diagnostic_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        if (sigma_diagnostics_get(d, i, &info) == SIGMA_OK && info.code == code)
            return (long)i;
    }
    return -1;
}

static sigma_diagnostic_info diag_at(const sigma_builder *b, long i)
{
    sigma_diagnostic_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    if (i >= 0)
        sigma_diagnostics_get(sigma_builder_diagnostics(b), (size_t)i, &info);
    return info;
}

static void dump_diags(const sigma_builder *b)
{
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    for (size_t i = 0; i < sigma_diagnostics_count(d); i++) {
        char buf[512];
        if (sigma_diagnostics_format(d, i, buf, sizeof buf) >= 0)
            fprintf(stderr, "    diagnostic: %s\n", buf);
    }
}

static uint32_t rule_index(const sigma_ruleset *rs, const char *id_or_name)
{
    uint32_t r = UINT32_MAX;
    if (sigma_ruleset_find_rule(rs, id_or_name, SIGMA_NUL_TERMINATED, &r) != SIGMA_OK)
        return UINT32_MAX;
    return r;
}

static sigma_rule_info info_of(const sigma_ruleset *rs, uint32_t rule)
{
    sigma_rule_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    CHECK_EQ_INT(sigma_ruleset_rule_info(rs, rule, &info), SIGMA_OK);
    return info;
}

/* Bit i set when rule i matches an event of string fields ("name", "value", ...,
 * NULL). Rules with index >= 32 are not expected here. */
static uint32_t match_bits(const sigma_ruleset *rs, const char *const *fields)
{
    sigma_scratch *scratch = NULL;
    sigma_event *ev = NULL;
    uint32_t bits = 0;
    if (sigma_scratch_reserve(rs, &scratch) != SIGMA_OK || sigma_event_new(&ev) != SIGMA_OK) {
        CHECK(!"scratch/event allocation");
        goto out;
    }
    for (size_t i = 0; fields[i]; i += 2)
        CHECK_EQ_INT(sigma_event_add_str(ev, fields[i], SIGMA_NUL_TERMINATED, fields[i + 1],
                                         SIGMA_NUL_TERMINATED, SIGMA_VALUE_COPY),
                     SIGMA_OK);
    CHECK_EQ_INT(sigma_match(rs, scratch, ev, 0, NULL, NULL), SIGMA_OK);
    for (uint32_t i = 0; i < sigma_scratch_hit_count(scratch); i++) {
        uint32_t r = sigma_scratch_hit_rule(scratch, i);
        CHECK(r < 32);
        if (r < 32)
            bits |= 1u << r;
    }
out:
    sigma_event_free(ev);
    sigma_scratch_free(scratch);
    return bits;
}

#define BIT(r) ((r) < 32 ? 1u << (r) : 0u)

/* ------------------------------------------------------- correlation kind */

static const char corr_yaml[] = "title: Correlation over failed logons\n"
                                "id: 2b0f4f1e-8a7c-4f5e-9d3b-6c1a2e3f4d5c\n"
                                "name: many_failed_logons\n"
                                "level: high\n"
                                "status: test\n"
                                "description: more than ten failed logons\n"
                                "correlation:\n"
                                "    type: event_count\n"
                                "    rules: [failed_logon]\n"
                                "    group-by: [User]\n"
                                "    timespan: 10m\n"
                                "    condition: {gt: 10}\n"
                                "    generate: true\n"
                                "---\n"
                                "title: Failed logon\n"
                                "id: 7d6c5b4a-3f2e-4d1c-8b0a-9e8f7a6b5c4d\n"
                                "name: failed_logon\n"
                                "logsource: {product: windows, service: security}\n"
                                "detection:\n"
                                "    s: {EventID: 4625}\n"
                                "    condition: s\n";

static void test_correlation_kind(void)
{
    sigma_builder *b = new_builder(0);
    sigma_ruleset *rs = NULL;
    uint32_t added = 0;
    CHECK(b != NULL);
    CHECK_EQ_INT(add(b, "corr.yml", corr_yaml, &added), SIGMA_OK);
    CHECK_EQ_INT(added, 2);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    CHECK_EQ_INT(error_count(b), 0);
    CHECK_EQ_INT(sigma_builder_failed_count(b), 0);
    if (error_count(b))
        dump_diags(b);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 2);

    uint32_t c = rule_index(rs, "many_failed_logons");
    uint32_t d = rule_index(rs, "failed_logon");
    CHECK(c != UINT32_MAX && d != UINT32_MAX && c != d);
    CHECK_EQ_INT(rule_index(rs, "2b0f4f1e-8a7c-4f5e-9d3b-6c1a2e3f4d5c"), c);
    CHECK_EQ_INT(rule_index(rs, "7d6c5b4a-3f2e-4d1c-8b0a-9e8f7a6b5c4d"), d);
    if (c == UINT32_MAX || d == UINT32_MAX)
        goto out;

    sigma_rule_info ci = info_of(rs, c);
    CHECK_EQ_INT(ci.kind, SIGMA_RULE_CORRELATION);
    CHECK_EQ_STR(ci.title, "Correlation over failed logons");
    CHECK_EQ_STR(ci.id, "2b0f4f1e-8a7c-4f5e-9d3b-6c1a2e3f4d5c");
    CHECK_EQ_STR(ci.name, "many_failed_logons");
    CHECK_EQ_STR(ci.level, "high");
    CHECK_EQ_STR(ci.status, "test");
    CHECK_EQ_STR(ci.description, "more than ten failed logons");
    CHECK_EQ_STR(ci.source_name, "corr.yml");
    CHECK(ci.logsource_product == NULL && ci.logsource_category == NULL &&
          ci.logsource_service == NULL);
    CHECK_EQ_INT(ci.filter_count, 0);

    sigma_rule_info di = info_of(rs, d);
    CHECK_EQ_INT(di.kind, SIGMA_RULE_DETECTION);
    CHECK_EQ_STR(di.name, "failed_logon");
    CHECK_EQ_STR(di.logsource_service, "security");

    /* The correlation never matches an event by itself; the base rule does
     * (generate: true, so its own alerts are wanted). */
    const char *ev_hit[] = {"EventID", "4625", "User", "bob", NULL};
    const char *ev_miss[] = {"EventID", "4624", "User", "bob", NULL};
    CHECK_EQ_INT(match_bits(rs, ev_hit), BIT(d));
    CHECK_EQ_INT(match_bits(rs, ev_miss), 0);
out:
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
}

/* ----------------------------------------------------------------- filters */

static const char filter_yaml[] = "title: Rar on Windows\n"
                                  "id: 11111111-2222-4333-8444-555555555555\n"
                                  "logsource: {category: process_creation, product: windows}\n"
                                  "detection:\n"
                                  "    s: {Image|endswith: '\\rar.exe'}\n"
                                  "    condition: s\n"
                                  "---\n"
                                  "title: Tar on Linux\n"
                                  "name: linux_tar\n"
                                  "logsource: {category: process_creation, product: linux}\n"
                                  "detection:\n"
                                  "    s: {Image|endswith: '/tar'}\n"
                                  "    condition: s\n"
                                  "---\n"
                                  "title: Zip on macOS\n"
                                  "logsource: {product: macos}\n"
                                  "detection:\n"
                                  "    s: {Image|endswith: '/zip'}\n"
                                  "    condition: s\n"
                                  "---\n"
                                  "title: No SYSTEM on Windows\n"
                                  "id: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n"
                                  "logsource: {product: windows}\n"
                                  "filter:\n"
                                  "    rules: any\n"
                                  "    sel: {User: 'SYSTEM'}\n"
                                  "    condition: not sel\n"
                                  "---\n"
                                  "title: No admins for rar\n"
                                  "logsource: {category: process_creation, product: windows}\n"
                                  "filter:\n"
                                  "    rules: [11111111-2222-4333-8444-555555555555]\n"
                                  "    sel: {User|startswith: 'adm_'}\n"
                                  "    condition: not sel\n"
                                  "---\n"
                                  "title: No root for tar\n"
                                  "id: 99999999-8888-4777-8666-555555555555\n"
                                  "logsource: {product: linux}\n"
                                  "filter:\n"
                                  "    rules: linux_tar\n"
                                  "    sel: {User: root}\n"
                                  "    condition: not sel\n"
                                  "---\n"
                                  "title: Filter for a rule that is not loaded\n"
                                  "id: 12121212-3434-4565-8787-909090909090\n"
                                  "logsource: {product: macos}\n"
                                  "filter:\n"
                                  "    rules: [no_such_rule]\n"
                                  "    sel: {User: x}\n"
                                  "    condition: not sel\n"
                                  "---\n"
                                  "title: Correlation over rar\n"
                                  "name: rar_burst\n"
                                  "correlation:\n"
                                  "    type: event_count\n"
                                  "    rules: [11111111-2222-4333-8444-555555555555]\n"
                                  "    timespan: 1m\n"
                                  "    condition: {gte: 5}\n"
                                  "    generate: true\n";

/* 1 if the filter names of `rule` are exactly `want` (any order). */
static int filters_are(const sigma_ruleset *rs, uint32_t rule, const char *const *want, size_t n)
{
    sigma_rule_info info = info_of(rs, rule);
    if (info.filter_count != n)
        return 0;
    int used[8] = {0};
    for (uint32_t i = 0; i < n; i++) {
        const char *name = sigma_ruleset_rule_filter(rs, rule, i);
        int found = 0;
        for (size_t k = 0; name && k < n && !found; k++)
            if (!used[k] && strcmp(name, want[k]) == 0)
                used[k] = found = 1;
        if (!found)
            return 0;
    }
    return sigma_ruleset_rule_filter(rs, rule, (uint32_t)n) == NULL;
}

static void test_filters(void)
{
    sigma_builder *b = new_builder(0);
    sigma_ruleset *rs = NULL;
    uint32_t added = 0;
    CHECK(b != NULL);
    CHECK_EQ_INT(add(b, "filters.yml", filter_yaml, &added), SIGMA_OK);
    CHECK_EQ_INT(added, 8); /* documents kept: 3 rules, 4 filters, 1 correlation */
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    CHECK_EQ_INT(error_count(b), 0);
    if (error_count(b))
        dump_diags(b);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 4); /* filters are not rules */

    uint32_t rar = rule_index(rs, "11111111-2222-4333-8444-555555555555");
    uint32_t tar = rule_index(rs, "linux_tar");
    uint32_t burst = rule_index(rs, "rar_burst");
    uint32_t zip = UINT32_MAX;
    for (uint32_t i = 0; i < sigma_ruleset_rule_count(rs); i++) {
        sigma_rule_info info = info_of(rs, i);
        if (info.title && strcmp(info.title, "Zip on macOS") == 0)
            zip = i;
    }
    CHECK(rar != UINT32_MAX && tar != UINT32_MAX && zip != UINT32_MAX && burst != UINT32_MAX);
    CHECK_EQ_INT(rule_index(rs, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"), UINT32_MAX);
    if (rar == UINT32_MAX || tar == UINT32_MAX || zip == UINT32_MAX || burst == UINT32_MAX)
        goto out;

    /* Names: the filter id, or its title when it has no id. */
    const char *rar_filters[] = {"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "No admins for rar"};
    const char *tar_filters[] = {"99999999-8888-4777-8666-555555555555"};
    CHECK(filters_are(rs, rar, rar_filters, 2));
    CHECK(filters_are(rs, tar, tar_filters, 1));
    CHECK(filters_are(rs, zip, NULL, 0));   /* logsource fits, but the rule is not named */
    CHECK(filters_are(rs, burst, NULL, 0)); /* never applied to correlation rules */
    CHECK(sigma_ruleset_rule_filter(rs, rar, UINT32_MAX) == NULL);
    CHECK(sigma_ruleset_rule_filter(rs, 1000, 0) == NULL);
    CHECK(sigma_ruleset_rule_filter(NULL, 0, 0) == NULL);

    /* A caller compiled against the struct before filter_count: not written. */
    sigma_rule_info old;
    memset(&old, 0, sizeof old);
    old.size = offsetof(sigma_rule_info, filter_count);
    old.filter_count = 777;
    CHECK_EQ_INT(sigma_ruleset_rule_info(rs, rar, &old), SIGMA_OK);
    CHECK_EQ_INT(old.filter_count, 777);
    CHECK_EQ_STR(old.title, "Rar on Windows");

    /* The filters are in force: (rule) and (filter 1) and (filter 2). */
    const char *rar_bob[] = {"Image", "C:\\x\\rar.exe", "User", "bob", NULL};
    const char *rar_system[] = {"Image", "C:\\x\\rar.exe", "User", "system", NULL};
    const char *rar_adm[] = {"Image", "C:\\x\\rar.exe", "User", "ADM_x", NULL};
    const char *tar_root[] = {"Image", "/bin/tar", "User", "root", NULL};
    const char *tar_bob[] = {"Image", "/bin/tar", "User", "bob", NULL};
    const char *zip_x[] = {"Image", "/usr/bin/zip", "User", "x", NULL};
    CHECK_EQ_INT(match_bits(rs, rar_bob), BIT(rar));
    CHECK_EQ_INT(match_bits(rs, rar_system), 0);
    CHECK_EQ_INT(match_bits(rs, rar_adm), 0);
    CHECK_EQ_INT(match_bits(rs, tar_root), 0);
    CHECK_EQ_INT(match_bits(rs, tar_bob), BIT(tar));
    CHECK_EQ_INT(match_bits(rs, zip_x), BIT(zip));
out:
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
}

/* ------------------------------------------------------ placeholder files */

static const char expand_rule[] = "title: Admin logon\n"
                                  "logsource: {product: test}\n"
                                  "detection:\n"
                                  "    s:\n"
                                  "        User|expand: '%Administrators%'\n"
                                  "        Host|expand: '%single%'\n"
                                  "    condition: s\n";

static void test_placeholders_yaml_good(void)
{
    sigma_builder *b = new_builder(0);
    sigma_ruleset *rs = NULL;
    uint32_t added = 0;
    CHECK(b != NULL);
    const char ph[] = "# placeholder values\n"
                      "Administrators: ['adm_*', root]\n"
                      "single: dc01\n";
    CHECK_EQ_INT(sigma_builder_add_placeholders_yaml(b, "ph.yml", SIGMA_NUL_TERMINATED, ph,
                                                     SIGMA_NUL_TERMINATED),
                 SIGMA_OK);
    CHECK_EQ_INT(sigma_diagnostics_count(sigma_builder_diagnostics(b)), 0);
    CHECK_EQ_INT(add(b, "r.yml", expand_rule, &added), SIGMA_OK);
    CHECK_EQ_INT(added, 1);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    CHECK_EQ_INT(error_count(b), 0);
    if (error_count(b))
        dump_diags(b);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 1);
    const char *adm[] = {"User", "ADM_bob", "Host", "DC01", NULL};
    const char *root[] = {"User", "root", "Host", "dc01", NULL};
    const char *bob[] = {"User", "bob", "Host", "dc01", NULL};
    const char *other_host[] = {"User", "root", "Host", "dc02", NULL};
    CHECK_EQ_INT(match_bits(rs, adm), 1);
    CHECK_EQ_INT(match_bits(rs, root), 1);
    CHECK_EQ_INT(match_bits(rs, bob), 0);
    CHECK_EQ_INT(match_bits(rs, other_host), 0);
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
}

/* Loads `yaml` as a placeholder file on a fresh builder: SIGMA_E_COMPILE and an error
 * diagnostic `code` at line:col (col 0 = any column), with the source name. */
static void expect_bad_placeholders(const char *yaml, int code, uint32_t line, uint32_t col,
                                    int srcline)
{
    sigma_builder *b = new_builder(0);
    if (!b) {
        CHECK(b != NULL);
        return;
    }
    int rc = sigma_builder_add_placeholders_yaml(b, "bad.yml", SIGMA_NUL_TERMINATED, yaml,
                                                 SIGMA_NUL_TERMINATED);
    long i = find_diag(b, code);
    sigma_diagnostic_info info = diag_at(b, i);
    int ok = rc == SIGMA_E_COMPILE && i >= 0 && info.severity == SIGMA_SEVERITY_ERROR &&
             info.line == line && (col == 0 || info.column == col) && info.source_name &&
             strcmp(info.source_name, "bad.yml") == 0;
    CHECK_MSG(ok, "case at line %d: rc %d, diagnostic %d found: %s, at %u:%u (want %u:%u)", srcline,
              rc, code, i >= 0 ? "yes" : "no", (unsigned)info.line, (unsigned)info.column,
              (unsigned)line, (unsigned)col);
    if (!ok)
        dump_diags(b);
    if (i >= 0) {
        char buf[512], want[64];
        CHECK(sigma_diagnostics_format(sigma_builder_diagnostics(b), (size_t)i, buf, sizeof buf) >
              0);
        snprintf(want, sizeof want, "[SIGMA-%d]", code);
        CHECK_MSG(strstr(buf, want) != NULL && strncmp(buf, "bad.yml:", 8) == 0, "formatted: %s",
                  buf);
    }
    /* A placeholder file is no rule document. */
    CHECK_EQ_INT(sigma_builder_failed_count(b), 0);
    sigma_builder_free(b);
}

static void test_placeholders_yaml_bad(void)
{
    /* a map where a value or a list is expected: reported at the map (3:5) */
    expect_bad_placeholders("adm: [root]\n"
                            "bad:\n"
                            "    nested: map\n",
                            SIGMA_DIAG_BAD_PLACEHOLDERS, 3, 5, __LINE__);
    /* the document is a list, not a map */
    expect_bad_placeholders("- a\n- b\n", SIGMA_DIAG_BAD_PLACEHOLDERS, 1, 1, __LINE__);
    /* a null inside a value list (column 11 is the ~) */
    expect_bad_placeholders("x: [a, b, ~]\n", SIGMA_DIAG_BAD_PLACEHOLDERS, 1, 11, __LINE__);
    /* a nested list inside a value list */
    expect_bad_placeholders("x:\n  - a\n  - [b, c]\n", SIGMA_DIAG_BAD_PLACEHOLDERS, 3, 5, __LINE__);
    /* two documents */
    expect_bad_placeholders("a: [x]\n---\nb: [y]\n", SIGMA_DIAG_BAD_PLACEHOLDERS, 2, 0, __LINE__);
    /* not YAML at all */
    expect_bad_placeholders("a: [x\n", SIGMA_DIAG_YAML_SYNTAX, 2, 0, __LINE__);

    /* Invalid arguments. */
    sigma_builder *b = new_builder(0);
    CHECK(b != NULL);
    CHECK_EQ_INT(sigma_builder_add_placeholders_yaml(NULL, "x", SIGMA_NUL_TERMINATED, "a: b",
                                                     SIGMA_NUL_TERMINATED),
                 SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_builder_add_placeholders_yaml(b, NULL, 0, NULL, 5), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_builder_add_placeholder(NULL, "a", 1, "b", 1), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_builder_add_placeholder(b, "", 0, "b", 1), SIGMA_E_INVALID_ARG);
    sigma_builder_free(b);
}

/* ------------------------------------------------- unresolved references */

static const char unresolved_yaml[] = "title: Base\n"
                                      "name: base_rule\n"
                                      "logsource: {product: test}\n"
                                      "detection:\n"
                                      "    s: {a: 1}\n"
                                      "    condition: s\n"
                                      "---\n"
                                      "title: Dangling correlation\n"
                                      "id: 3c3c3c3c-4d4d-4e4e-8f8f-a0a0a0a0a0a0\n"
                                      "name: dangling\n"
                                      "correlation:\n"
                                      "    type: event_count\n"
                                      "    rules: [base_rule, missing_rule]\n"
                                      "    timespan: 5m\n"
                                      "    condition: {gte: 2}\n";

static void test_unresolved_reference(void)
{
    sigma_builder *b = new_builder(0);
    sigma_ruleset *rs = NULL, *rs2 = NULL;
    uint32_t added = 0;
    CHECK(b != NULL);
    /* Loading cannot know yet: another source may still define missing_rule. */
    CHECK_EQ_INT(add(b, "dangling.yml", unresolved_yaml, &added), SIGMA_OK);
    CHECK_EQ_INT(added, 2);
    CHECK_EQ_INT(error_count(b), 0);
    CHECK_EQ_INT(sigma_builder_failed_count(b), 0);
    CHECK_EQ_INT(find_diag(b, SIGMA_DIAG_UNRESOLVED_REFERENCE), -1);

    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    long i = find_diag(b, SIGMA_DIAG_UNRESOLVED_REFERENCE);
    CHECK(i >= 0);
    sigma_diagnostic_info info = diag_at(b, i);
    CHECK_EQ_INT(info.severity, SIGMA_SEVERITY_ERROR);
    CHECK_EQ_STR(info.source_name, "dangling.yml");
    CHECK_EQ_STR(info.rule_id, "3c3c3c3c-4d4d-4e4e-8f8f-a0a0a0a0a0a0");
    CHECK_MSG(info.line >= 8 && info.line <= 15, "line %u", (unsigned)info.line);
    CHECK_MSG(strstr(info.message, "missing_rule") != NULL, "message: %s", info.message);
    CHECK_EQ_INT(error_count(b), 1);
    CHECK_EQ_INT(sigma_builder_failed_count(b), 1);
    /* The correlation is dropped, the base rule stays. */
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 1);
    uint32_t r = 0;
    CHECK_EQ_INT(sigma_ruleset_find_rule(rs, "dangling", SIGMA_NUL_TERMINATED, &r),
                 SIGMA_E_NOT_FOUND);
    CHECK_EQ_INT(rule_index(rs, "base_rule"), 0);

    /* Building again reports nothing new. */
    size_t ndiags = sigma_diagnostics_count(sigma_builder_diagnostics(b));
    CHECK_EQ_INT(sigma_builder_build(b, &rs2), SIGMA_OK);
    CHECK_EQ_INT(sigma_diagnostics_count(sigma_builder_diagnostics(b)), ndiags);
    CHECK_EQ_INT(sigma_builder_failed_count(b), 1);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs2), 1);
    sigma_ruleset_unref(rs2);
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);

    /* Strict builds fail on it. */
    b = new_builder(SIGMA_COMPILE_STRICT);
    rs = NULL;
    CHECK(b != NULL);
    CHECK_EQ_INT(add(b, "dangling.yml", unresolved_yaml, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_E_COMPILE);
    CHECK(rs == NULL);
    CHECK(find_diag(b, SIGMA_DIAG_UNRESOLVED_REFERENCE) >= 0);
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);

    /* Resolved by a rule from a later source. */
    b = new_builder(SIGMA_COMPILE_STRICT);
    rs = NULL;
    CHECK(b != NULL);
    CHECK_EQ_INT(add(b, "dangling.yml", unresolved_yaml, NULL), SIGMA_OK);
    CHECK_EQ_INT(add(b, "missing.yml",
                     "title: Missing\n"
                     "name: missing_rule\n"
                     "logsource: {product: test}\n"
                     "detection:\n"
                     "    s: {b: 1}\n"
                     "    condition: s\n",
                     NULL),
                 SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    CHECK_EQ_INT(error_count(b), 0);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 3);
    uint32_t dangling = rule_index(rs, "dangling");
    CHECK(dangling != UINT32_MAX);
    if (dangling != UINT32_MAX)
        CHECK_EQ_INT(info_of(rs, dangling).kind, SIGMA_RULE_CORRELATION);
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
}

/* ------------------------------------------------ placeholder visibility */

static const char p_rule_fmt[] = "title: %s\n"
                                 "logsource: {product: test}\n"
                                 "detection:\n"
                                 "    s: {f|expand: '%%p%%'}\n"
                                 "    condition: s\n";

static int add_p_rule(sigma_builder *b, const char *title)
{
    char yaml[256];
    snprintf(yaml, sizeof yaml, p_rule_fmt, title);
    return add(b, title, yaml, NULL);
}

static void test_placeholder_order(void)
{
    sigma_builder *b = new_builder(0);
    sigma_ruleset *rs = NULL;
    CHECK(b != NULL);
    /* Before any definition: rejected. */
    CHECK_EQ_INT(add_p_rule(b, "early"), SIGMA_E_COMPILE);
    long i = find_diag(b, SIGMA_DIAG_UNDEFINED_PLACEHOLDER);
    CHECK(i >= 0);
    sigma_diagnostic_info info = diag_at(b, i);
    CHECK_EQ_INT(info.severity, SIGMA_SEVERITY_ERROR);
    CHECK_EQ_INT(info.line, 4);
    CHECK_EQ_INT(sigma_builder_failed_count(b), 1);

    /* One value: the next rule sees it. */
    CHECK_EQ_INT(
        sigma_builder_add_placeholder(b, "p", SIGMA_NUL_TERMINATED, "x", SIGMA_NUL_TERMINATED),
        SIGMA_OK);
    CHECK_EQ_INT(add_p_rule(b, "middle"), SIGMA_OK);
    /* A second value (and one from YAML): only rules added afterwards see them. */
    CHECK_EQ_INT(sigma_builder_add_placeholder(b, "p", 1, "y*", 1),
                 SIGMA_OK); /* lengths: "p", "y" */
    CHECK_EQ_INT(sigma_builder_add_placeholders_yaml(b, "more.yml", SIGMA_NUL_TERMINATED,
                                                     "p: [z]\n", SIGMA_NUL_TERMINATED),
                 SIGMA_OK);
    CHECK_EQ_INT(add_p_rule(b, "late"), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 2);
    uint32_t middle = UINT32_MAX, late = UINT32_MAX;
    for (uint32_t r = 0; r < sigma_ruleset_rule_count(rs); r++) {
        sigma_rule_info ri = info_of(rs, r);
        if (ri.title && strcmp(ri.title, "middle") == 0)
            middle = r;
        if (ri.title && strcmp(ri.title, "late") == 0)
            late = r;
    }
    CHECK(middle != UINT32_MAX && late != UINT32_MAX);
    const char *fx[] = {"f", "X", NULL};
    const char *fy[] = {"f", "y", NULL};
    const char *fz[] = {"f", "z", NULL};
    const char *fw[] = {"f", "w", NULL};
    CHECK_EQ_INT(match_bits(rs, fx), BIT(middle) | BIT(late));
    CHECK_EQ_INT(match_bits(rs, fy), BIT(late)); /* "y*" was passed with length 1: "y" */
    CHECK_EQ_INT(match_bits(rs, fz), BIT(late));
    CHECK_EQ_INT(match_bits(rs, fw), 0);
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
}

int main(void)
{
    test_correlation_kind();
    test_filters();
    test_placeholders_yaml_good();
    test_placeholders_yaml_bad();
    test_unresolved_reference();
    test_placeholder_order();
    return TEST_DONE();
}
