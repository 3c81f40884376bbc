/* Unit tests for filter documents (sg_filter_read / sg_filter_applies) and correlation
 * documents (sg_correlation_read). The spec examples are copied in as strings. */
#include <math.h>
#include <string.h>

#include "model/correlation.h"
#include "model/filter.h"
#include "test.h"
#include "yaml_doc.h"

/* ================================================================== filters */

typedef struct filter_run {
    doc_run t;
    sg_filter f;
    int rc;
} filter_run;

static void read_filter(filter_run *r, const char *yaml)
{
    const sg_node *root = parse_doc(&r->t, yaml);
    r->rc = sg_filter_read(root, &r->t.arena, &r->t.ctx, &r->f);
}

static void filter_done(filter_run *r)
{
    sg_filter_free(&r->f);
    doc_done(&r->t);
}

static void expect_filter_error(const char *yaml, int code, uint32_t line, uint32_t col, int tline)
{
    filter_run r;
    read_filter(&r, yaml);
    CHECK_MSG(r.rc == 1, "line %d: rc %d", tline, r.rc);
    CHECK_MSG(r.t.list.len == 1, "line %d: %zu diagnostics", tline, r.t.list.len);
    if (r.t.list.len != 1)
        dump_diags(&r.t);
    check_diag(&r.t, 0, code, line, col, tline);
    filter_done(&r);
}
#define EXPECT_FILTER_ERROR(yaml, code, line, col)                                                 \
    expect_filter_error((yaml), (code), (line), (col), __LINE__)

/* sigma-filters-specification, example 2 */
static const char spec_filter[] =
    "title: Filter Administrator account\n"
    "description: The valid administrator account start with adm_\n"
    "logsource:\n"
    "    category: process_creation\n"
    "    product: windows\n"
    "filter:\n"
    "    rules:\n"
    "        - 6f3e2987-db24-4c78-a860-b4f4095a7095 # Data Compressed - rar.exe\n"
    "        - df0841c0-9846-4e9f-ad8a-7df91571771b # Login on jump host\n"
    "    selection:\n"
    "        User|startswith: 'adm_'\n"
    "    condition: selection\n";

static void test_filter_spec_example(void)
{
    filter_run r;
    read_filter(&r, spec_filter);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_INT(r.t.list.len, 0);
    CHECK_EQ_STR(r.f.title, "Filter Administrator account");
    CHECK_EQ_STR(r.f.description, "The valid administrator account start with adm_");
    CHECK(r.f.id == NULL && r.f.name == NULL);
    CHECK_EQ_STR(r.f.ls_category, "process_creation");
    CHECK_EQ_STR(r.f.ls_product, "windows");
    CHECK(r.f.ls_service == NULL);
    CHECK_EQ_INT(r.f.any, 0);
    CHECK_EQ_INT(r.f.nrules, 2);
    CHECK(r.f.nrules == 2 && strcmp(r.f.rules[1], "df0841c0-9846-4e9f-ad8a-7df91571771b") == 0);
    CHECK(r.f.ir.root != NULL);
    CHECK_EQ_INT(r.f.ir.npreds, 1);
    CHECK_EQ_INT(r.f.pos.line, 1);
    filter_done(&r);
}

static void test_filter_outlives_tree(void)
{
    filter_run r;
    read_filter(&r, spec_filter);
    sg_yaml_file_free(&r.t.file); /* the filter keeps copies of every string */
    CHECK_EQ_STR(r.f.title, "Filter Administrator account");
    CHECK_EQ_STR(r.f.rules[0], "6f3e2987-db24-4c78-a860-b4f4095a7095");
    CHECK_EQ_STR(r.f.ls_product, "windows");
    CHECK(r.f.ir.npreds == 1 && r.f.ir.preds[0].field &&
          strcmp(r.f.ir.preds[0].field, "User") == 0);
    filter_done(&r);
}

static void test_filter_rules_forms(void)
{
    static const char *const any_forms[] = {"any", "ANY", "Any", "[]"};
    for (size_t i = 0; i < sizeof any_forms / sizeof any_forms[0]; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "title: f\nid: 0e95725d-7320-415d-80f7-004da920fc11\nname: my_filter\n"
                 "logsource: {product: windows}\n"
                 "filter:\n  rules: %s\n  sel: {User: x}\n  condition: not sel\n",
                 any_forms[i]);
        filter_run r;
        read_filter(&r, yaml);
        CHECK_EQ_INT(r.rc, 0);
        CHECK_MSG(r.f.any == 1, "rules: %s", any_forms[i]);
        CHECK_EQ_INT(r.f.nrules, 0);
        CHECK_EQ_STR(r.f.id, "0e95725d-7320-415d-80f7-004da920fc11");
        CHECK_EQ_STR(r.f.name, "my_filter");
        filter_done(&r);
    }
    filter_run r;
    read_filter(&r, "title: f\nlogsource: {product: windows}\n"
                    "filter:\n  rules: some_rule_name\n  sel: {User: x}\n  condition: not sel\n");
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_INT(r.f.any, 0);
    CHECK(r.f.nrules == 1 && strcmp(r.f.rules[0], "some_rule_name") == 0);
    filter_done(&r);
}

/* `rules` is not an identifier of the filter: `them` sees only sel1 and sel2. */
static void test_filter_rules_not_an_identifier(void)
{
    filter_run r;
    read_filter(&r, "title: f\nlogsource: {product: windows}\n"
                    "filter:\n"
                    "  rules: [a]\n"
                    "  sel1: {User: x}\n"
                    "  sel2: {User: y}\n"
                    "  condition: not 1 of them\n");
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_INT(r.f.ir.npreds, 2);
    const sg_expr *e = r.f.ir.root;
    CHECK(e && e->kind == SG_X_NOT && e->kids[0]->kind == SG_X_OR && e->kids[0]->n == 2);
    filter_done(&r);
}

static void test_filter_errors(void)
{
    EXPECT_FILTER_ERROR("title: f\n"
                        "filter:\n"
                        "  rules: any\n"
                        "  sel: {User: x}\n"
                        "  condition: sel\n",
                        SIGMA_DIAG_MISSING_ATTRIBUTE, 1, 1);
    EXPECT_FILTER_ERROR("title: f\n"
                        "logsource: {}\n"
                        "filter:\n"
                        "  rules: any\n"
                        "  sel: {User: x}\n"
                        "  condition: sel\n",
                        SIGMA_DIAG_BAD_LOGSOURCE, 2, 1);
    EXPECT_FILTER_ERROR("title: f\n"
                        "logsource: {product: windows}\n"
                        "filter:\n"
                        "  rules: any\n"
                        "  sel: {User: x}\n",
                        SIGMA_DIAG_BAD_FILTER, 3, 1); /* no condition */
    EXPECT_FILTER_ERROR("title: f\n"
                        "logsource: {product: windows}\n"
                        "filter:\n"
                        "  rules: any\n"
                        "  sel: {User: x}\n"
                        "  condition: [sel, not sel]\n",
                        SIGMA_DIAG_BAD_FILTER, 6, 14); /* one string only */
    EXPECT_FILTER_ERROR("title: f\n"
                        "logsource: {product: windows}\n"
                        "filter:\n"
                        "  sel: {User: x}\n"
                        "  condition: sel\n",
                        SIGMA_DIAG_BAD_FILTER, 3, 1); /* no rules */
    EXPECT_FILTER_ERROR("title: f\n"
                        "logsource: {product: windows}\n"
                        "filter:\n"
                        "  rules: {a: b}\n"
                        "  sel: {User: x}\n"
                        "  condition: sel\n",
                        SIGMA_DIAG_BAD_FILTER, 4, 3);
    EXPECT_FILTER_ERROR("title: f\n"
                        "logsource: {product: windows}\n"
                        "filter:\n"
                        "  rules:\n"
                        "    - good\n"
                        "    - [bad]\n"
                        "  sel: {User: x}\n"
                        "  condition: sel\n",
                        SIGMA_DIAG_BAD_FILTER, 6, 7);
    EXPECT_FILTER_ERROR("title: f\n"
                        "logsource: {product: windows}\n"
                        "filter: [a]\n",
                        SIGMA_DIAG_BAD_FILTER, 3, 1);
    EXPECT_FILTER_ERROR("title: f\n"
                        "logsource: {product: windows}\n"
                        "filter:\n"
                        "  rules: any\n"
                        "  sel: {User: x}\n"
                        "  condition: sel and other\n",
                        SIGMA_DIAG_UNDEFINED_IDENTIFIER, 6, 22);
    EXPECT_FILTER_ERROR("logsource: {product: windows}\n"
                        "filter:\n"
                        "  rules: any\n"
                        "  sel: {User: x}\n"
                        "  condition: sel\n",
                        SIGMA_DIAG_MISSING_ATTRIBUTE, 1, 1); /* no title */
    EXPECT_FILTER_ERROR("title: f\n"
                        "id: not-a-uuid\n"
                        "logsource: {product: windows}\n"
                        "filter:\n"
                        "  rules: any\n"
                        "  sel: {User: x}\n"
                        "  condition: sel\n",
                        SIGMA_DIAG_BAD_ID, 2, 5);
    EXPECT_FILTER_ERROR("- a list\n", SIGMA_DIAG_NOT_A_MAP, 1, 1);
}

static void test_filter_applies(void)
{
    filter_run r;
    read_filter(&r, spec_filter);
    const sg_filter *f = &r.f;
    const char *id1 = "6f3e2987-db24-4c78-a860-b4f4095a7095";
    CHECK(sg_filter_applies(f, "windows", "process_creation", NULL, id1, NULL));
    CHECK(sg_filter_applies(f, "windows", "process_creation", "sysmon", id1, "n"));
    CHECK(sg_filter_applies(f, "windows", "process_creation", NULL,
                            "6F3E2987-DB24-4C78-A860-B4F4095A7095", NULL)); /* UUID, any case */
    CHECK(!sg_filter_applies(f, "linux", "process_creation", NULL, id1, NULL));
    CHECK(!sg_filter_applies(f, NULL, "process_creation", NULL, id1, NULL));
    CHECK(!sg_filter_applies(f, "Windows", "process_creation", NULL, id1, NULL)); /* exact */
    CHECK(!sg_filter_applies(f, "windows", "file_event", NULL, id1, NULL));
    CHECK(!sg_filter_applies(f, "windows", "process_creation", NULL,
                             "00000000-db24-4c78-a860-b4f4095a7095", NULL));
    CHECK(!sg_filter_applies(f, "windows", "process_creation", NULL, NULL, NULL));
    filter_done(&r);

    read_filter(&r, "title: f\nlogsource: {product: windows}\n"
                    "filter:\n  rules: [by_name]\n  sel: {User: x}\n  condition: not sel\n");
    CHECK(sg_filter_applies(&r.f, "windows", "anything", "any", NULL, "by_name"));
    CHECK(sg_filter_applies(&r.f, "windows", NULL, NULL, "by_name", NULL));
    CHECK(!sg_filter_applies(&r.f, "windows", NULL, NULL, NULL, "By_Name"));
    filter_done(&r);

    read_filter(&r, "title: f\nlogsource: {product: windows, service: security}\n"
                    "filter:\n  rules: any\n  sel: {User: x}\n  condition: not sel\n");
    CHECK(sg_filter_applies(&r.f, "windows", NULL, "security", NULL, NULL));
    CHECK(sg_filter_applies(&r.f, "windows", "x", "security", "id", "name"));
    CHECK(!sg_filter_applies(&r.f, "windows", NULL, "system", NULL, NULL));
    CHECK(!sg_filter_applies(&r.f, "windows", NULL, NULL, NULL, NULL));
    filter_done(&r);
}

/* ============================================================= correlations */

typedef struct corr_run {
    doc_run t;
    sg_correlation c;
    int rc;
} corr_run;

static void read_corr_at(corr_run *r, const char *yaml, size_t index)
{
    const sg_node *root = parse_doc_at(&r->t, yaml, index);
    r->rc = sg_correlation_read(root, &r->t.arena, &r->t.ctx, &r->c);
}

static void read_corr(corr_run *r, const char *yaml)
{
    read_corr_at(r, yaml, 0);
}

static void expect_corr_error(const char *yaml, int code, uint32_t line, uint32_t col, int tline)
{
    corr_run r;
    read_corr(&r, yaml);
    CHECK_MSG(r.rc == 1, "line %d: rc %d", tline, r.rc);
    CHECK_MSG(r.t.list.len == 1, "line %d: %zu diagnostics", tline, r.t.list.len);
    if (r.t.list.len != 1)
        dump_diags(&r.t);
    check_diag(&r.t, 0, code, line, col, tline);
    doc_done(&r.t);
}
#define EXPECT_CORR_ERROR(yaml, code, line, col)                                                   \
    expect_corr_error((yaml), (code), (line), (col), __LINE__)

/* Reads a document expected to be valid (no diagnostics at all). */
static void read_valid(corr_run *r, const char *yaml, int tline)
{
    read_corr(r, yaml);
    CHECK_MSG(r->rc == 0 && r->t.list.len == 0, "line %d: rc %d, %zu diagnostics", tline, r->rc,
              r->t.list.len);
    if (r->t.list.len)
        dump_diags(&r->t);
}
#define READ_VALID(r, yaml) read_valid((r), (yaml), __LINE__)

static int str_list_is(const char *const *items, size_t n, const char *csv)
{
    const char *p = csv;
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(p, ",");
        if (strlen(items[i]) != len || memcmp(items[i], p, len) != 0)
            return 0;
        p += len;
        if (*p == ',')
            p++;
    }
    return *p == '\0';
}

/* --- the correlation examples of sigma-correlation-rules-specification.md --- */

static void test_spec_event_count(void)
{
    corr_run r;
    READ_VALID(&r, "title: Many failed logins\n"
                   "id: 0e95725d-7320-415d-80f7-004da920fc11\n"
                   "correlation:\n"
                   "    type: event_count\n"
                   "    rules:\n"
                   "        - 5638f7c0-ac70-491d-8465-2a65075e0d86\n"
                   "    group-by:\n"
                   "        - ComputerName\n"
                   "    timespan: 1h\n"
                   "    condition:\n"
                   "        gte: 100\n");
    const sg_correlation *c = &r.c;
    CHECK_EQ_STR(c->title, "Many failed logins");
    CHECK_EQ_STR(c->id, "0e95725d-7320-415d-80f7-004da920fc11");
    CHECK_EQ_INT(c->type, SG_CORR_EVENT_COUNT);
    CHECK(str_list_is(c->rules, c->nrules, "5638f7c0-ac70-491d-8465-2a65075e0d86"));
    CHECK(str_list_is(c->group_by, c->ngroup_by, "ComputerName"));
    CHECK_EQ_INT(c->timespan_s, 3600);
    CHECK_EQ_INT(c->ncmp, 1);
    CHECK_EQ_INT(c->cmp[0], SG_CMP_GTE);
    CHECK(c->cmp_value[0] == 100);
    CHECK_EQ_INT(c->nfields, 0);
    CHECK(c->bool_cond == NULL);
    CHECK_EQ_INT(c->generate, 0);
    CHECK_EQ_INT(c->pos.line, 1);
    doc_done(&r.t);
}

static void test_spec_value_count(void)
{
    corr_run r;
    READ_VALID(&r, "title: Failed login\n"
                   "id: 0e95725d-7320-415d-80f7-004da920fc12\n"
                   "correlation:\n"
                   "    type: value_count\n"
                   "    rules:\n"
                   "        - 5638f7c0-ac70-491d-8465-2a65075e0d86\n"
                   "    group-by:\n"
                   "        - ComputerName\n"
                   "        - WorkstationName\n"
                   "    timespan: 1d\n"
                   "    condition:\n"
                   "        field: User\n"
                   "        gte: 100\n");
    CHECK_EQ_INT(r.c.type, SG_CORR_VALUE_COUNT);
    CHECK(str_list_is(r.c.group_by, r.c.ngroup_by, "ComputerName,WorkstationName"));
    CHECK_EQ_INT(r.c.timespan_s, 86400);
    CHECK(str_list_is(r.c.fields, r.c.nfields, "User"));
    CHECK(r.c.ncmp == 1 && r.c.cmp[0] == SG_CMP_GTE && r.c.cmp_value[0] == 100);
    doc_done(&r.t);
}

static void test_spec_temporal(void)
{
    corr_run r;
    READ_VALID(&r, "title: Recon\n" /* the SPEC snippet has no title */
                   "correlation:\n"
                   "    type: temporal\n"
                   "    rules:\n"
                   "        - recon_cmd_a\n"
                   "        - recon_cmd_b\n"
                   "        - recon_cmd_c\n"
                   "    group-by:\n"
                   "        - ComputerName\n"
                   "        - User\n"
                   "    timespan: 5m\n");
    CHECK_EQ_INT(r.c.type, SG_CORR_TEMPORAL);
    CHECK(str_list_is(r.c.rules, r.c.nrules, "recon_cmd_a,recon_cmd_b,recon_cmd_c"));
    CHECK_EQ_INT(r.c.timespan_s, 300);
    /* default condition: every rule */
    CHECK(r.c.ncmp == 1 && r.c.cmp[0] == SG_CMP_GTE && r.c.cmp_value[0] == 3);
    doc_done(&r.t);

    READ_VALID(&r, "title: Ordered\n"
                   "correlation:\n"
                   "    type: temporal_ordered\n"
                   "    rules:\n"
                   "        - many_failed_logins\n"
                   "        - successful_login\n"
                   "    group-by:\n"
                   "        - User\n"
                   "    timespan: 1h\n");
    CHECK_EQ_INT(r.c.type, SG_CORR_TEMPORAL_ORDERED);
    CHECK(r.c.ncmp == 1 && r.c.cmp_value[0] == 2);
    doc_done(&r.t);
}

static void test_spec_value_aggregates(void)
{
    corr_run r;
    READ_VALID(&r, "title: Possible Exfiltration to Website\n"
                   "correlation:\n"
                   "    type: value_sum\n"
                   "    rules:\n"
                   "        - website_access\n"
                   "    group-by:\n"
                   "        - SourceIP\n"
                   "        - User\n"
                   "    timespan: 1h\n"
                   "    condition:\n"
                   "        field: bytes_sent\n"
                   "        gt: 1000000\n");
    CHECK_EQ_INT(r.c.type, SG_CORR_VALUE_SUM);
    CHECK(r.c.ncmp == 1 && r.c.cmp[0] == SG_CMP_GT && r.c.cmp_value[0] == 1000000);
    CHECK(str_list_is(r.c.fields, r.c.nfields, "bytes_sent"));
    doc_done(&r.t);

    READ_VALID(&r, "title: Suspicious average network traffic\n"
                   "correlation:\n"
                   "    type: value_avg\n"
                   "    rules: \n"
                   "        - rule_a_id\n"
                   "    group-by:\n"
                   "        - SourceIP\n"
                   "        - User\n"
                   "    timespan: 24h\n"
                   "    condition:\n"
                   "        field: BytesOut\n"
                   "        gt: 500\n");
    CHECK_EQ_INT(r.c.type, SG_CORR_VALUE_AVG);
    CHECK_EQ_INT(r.c.timespan_s, 86400);
    doc_done(&r.t);

    READ_VALID(&r, "title: A computer spawned a processes name in the last 24h than 1% of all "
                   "the processes.\n"
                   "correlation:\n"
                   "    type: value_percentile\n"
                   "    rules: \n"
                   "        - process_creation\n"
                   "    group-by:\n"
                   "        - ComputerName\n"
                   "    timespan: 24h\n"
                   "    condition:\n"
                   "        field: image\n"
                   "        lte: 1\n");
    CHECK_EQ_INT(r.c.type, SG_CORR_VALUE_PERCENTILE);
    CHECK(r.c.percentile == -1); /* not given */
    CHECK(r.c.ncmp == 1 && r.c.cmp[0] == SG_CMP_LTE && r.c.cmp_value[0] == 1);
    doc_done(&r.t);
}

static void test_spec_aliases(void)
{
    corr_run r;
    READ_VALID(&r, "title: Internal error followed by a new connection\n"
                   "correlation:\n"
                   "    type: temporal\n"
                   "    rules:\n"
                   "        - internal_error\n"
                   "        - new_network_connection\n"
                   "    group-by:\n"
                   "        - internal_ip\n"
                   "        - remote_ip\n"
                   "    timespan: 10s\n"
                   "    aliases:\n"
                   "        internal_ip:\n"
                   "            internal_error: destination.ip\n"
                   "            new_network_connection: source.ip\n"
                   "        remote_ip:\n"
                   "            internal_error: source.ip\n"
                   "            new_network_connection: destination.ip\n");
    CHECK_EQ_INT(r.c.timespan_s, 10);
    CHECK_EQ_INT(r.c.naliases, 2);
    if (r.c.naliases == 2) {
        const sg_corr_alias *a = &r.c.aliases[1];
        CHECK_EQ_STR(a->alias, "remote_ip");
        CHECK(str_list_is(a->rules, a->n, "internal_error,new_network_connection"));
        CHECK(str_list_is(a->fields, a->n, "source.ip,destination.ip"));
    }
    doc_done(&r.t);
}

static const char spec_bundle[] =
    "title: Correlation - Multiple Failed Logins Followed by Successful Login\n"
    "id: b180ead8-d58f-40b2-ae54-c8940995b9b6\n"
    "status: experimental\n"
    "description: Detects multiple failed logins by a single user followed by a successful "
    "login of that user\n"
    "references:\n"
    "    - https://reference.com\n"
    "author: Florian Roth (Nextron Systems)\n"
    "date: 2023-06-16\n"
    "correlation:\n"
    "    type: temporal_ordered\n"
    "    rules:\n"
    "        - multiple_failed_login\n"
    "        - successful_login\n"
    "    group-by:\n"
    "        - User\n"
    "    timespan: 10m\n"
    "falsepositives:\n"
    "    - Unlikely\n"
    "level: high\n"
    "---\n"
    "title: Multiple failed logons\n"
    "id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41\n"
    "description: Detects multiple failed logins within a certain amount of time\n"
    "name: multiple_failed_login\n"
    "correlation:\n"
    "    type: event_count\n"
    "    rules:\n"
    "        - failed_login\n"
    "    group-by:\n"
    "        - User\n"
    "    timespan: 10m\n"
    "    condition:\n"
    "        gte: 10\n";

static void test_spec_bundle(void)
{
    corr_run r;
    read_corr_at(&r, spec_bundle, 0);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.c.status, "experimental");
    CHECK_EQ_STR(r.c.level, "high");
    CHECK_EQ_STR(r.c.date, "2023-06-16");
    CHECK_EQ_STR(r.c.author, "Florian Roth (Nextron Systems)");
    CHECK_EQ_INT(r.c.type, SG_CORR_TEMPORAL_ORDERED);
    CHECK_EQ_INT(r.c.timespan_s, 600);
    doc_done(&r.t);

    read_corr_at(&r, spec_bundle, 1);
    CHECK_EQ_INT(r.rc, 0);
    CHECK_EQ_STR(r.c.name, "multiple_failed_login");
    CHECK(r.c.ncmp == 1 && r.c.cmp_value[0] == 10);
    doc_done(&r.t);
}

static void test_spec_range(void)
{
    corr_run r;
    READ_VALID(&r, "title: t\n"
                   "correlation:\n"
                   "    type: event_count\n"
                   "    rules: r\n"
                   "    timespan: 1h\n"
                   "    condition:\n"
                   "        gt: 100\n"
                   "        lte: 200\n");
    CHECK_EQ_INT(r.c.ncmp, 2);
    CHECK(r.c.cmp[0] == SG_CMP_GT && r.c.cmp_value[0] == 100);
    CHECK(r.c.cmp[1] == SG_CMP_LTE && r.c.cmp_value[1] == 200);
    CHECK(str_list_is(r.c.rules, r.c.nrules, "r")); /* a single string */
    CHECK_EQ_INT(r.c.ngroup_by, 0);                 /* group-by may be absent */
    doc_done(&r.t);

    /* upper bound first: stored lower bound first */
    READ_VALID(&r, "title: t\ncorrelation:\n  type: event_count\n  rules: [r]\n  timespan: 1h\n"
                   "  condition: {lt: 10, gte: 5}\n");
    CHECK(r.c.ncmp == 2 && r.c.cmp[0] == SG_CMP_GTE && r.c.cmp_value[0] == 5);
    CHECK(r.c.ncmp == 2 && r.c.cmp[1] == SG_CMP_LT && r.c.cmp_value[1] == 10);
    doc_done(&r.t);

    READ_VALID(&r, "title: t\ncorrelation:\n  type: event_count\n  rules: [r]\n  timespan: 1h\n"
                   "  condition: {gte: 5, lte: 5}\n");
    CHECK_EQ_INT(r.c.ncmp, 2);
    doc_done(&r.t);
}

/* --- every type, operators, values --------------------------------------------------------- */

static void test_every_type(void)
{
    static const struct {
        const char *name;
        sg_corr_type type;
        const char *condition;
    } types[] = {
        {"event_count", SG_CORR_EVENT_COUNT, "{gte: 2}"},
        {"value_count", SG_CORR_VALUE_COUNT, "{gte: 2, field: [a, b]}"},
        {"temporal", SG_CORR_TEMPORAL, "{eq: 1}"},
        {"temporal_ordered", SG_CORR_TEMPORAL_ORDERED, "{neq: 1}"},
        {"value_sum", SG_CORR_VALUE_SUM, "{gt: 2, field: a}"},
        {"value_avg", SG_CORR_VALUE_AVG, "{lt: 2.5, field: a}"},
        {"value_percentile", SG_CORR_VALUE_PERCENTILE, "{lte: 2, field: a, percentile: 95}"},
        {"value_median", SG_CORR_VALUE_MEDIAN, "{gte: 2, field: a}"},
        {"Event_Count", SG_CORR_EVENT_COUNT, "{gte: 2}"}, /* case-insensitive (pySigma) */
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "title: t\ncorrelation:\n  type: %s\n  rules: [a, b]\n  timespan: 2m\n"
                 "  condition: %s\n",
                 types[i].name, types[i].condition);
        corr_run r;
        read_corr(&r, yaml);
        CHECK_MSG(r.rc == 0 && r.t.list.len == 0, "type %s: rc %d", types[i].name, r.rc);
        CHECK_EQ_INT(r.c.type, types[i].type);
        CHECK_EQ_INT(r.c.timespan_s, 120);
        CHECK_EQ_INT(r.c.ncmp, 1);
        doc_done(&r.t);
    }
    CHECK_EQ_STR(sg_corr_type_name(SG_CORR_TEMPORAL_ORDERED), "temporal_ordered");
    CHECK_EQ_STR(sg_corr_type_name(SG_CORR_VALUE_MEDIAN), "value_median");
    CHECK_EQ_STR(sg_corr_type_name((sg_corr_type)0), "unknown");

    corr_run r;
    READ_VALID(&r, "title: t\ncorrelation:\n  type: value_percentile\n  rules: [a]\n"
                   "  timespan: 2m\n  condition: {lte: 2, field: a, percentile: 95}\n");
    CHECK(r.c.percentile == 95);
    doc_done(&r.t);
    READ_VALID(&r, "title: t\ncorrelation:\n  type: value_median\n  rules: [a]\n"
                   "  timespan: 2m\n  condition: {gte: 2.5, field: a}\n");
    CHECK(r.c.percentile == 50);
    CHECK(r.c.cmp_value[0] == 2.5);
    doc_done(&r.t);
    READ_VALID(&r, "title: t\ncorrelation:\n  type: value_count\n  rules: [a]\n"
                   "  timespan: 2m\n  condition: {gte: 2, field: [a, b]}\n");
    CHECK(str_list_is(r.c.fields, r.c.nfields, "a,b"));
    doc_done(&r.t);
    /* every operator */
    static const char *const ops[] = {"gt", "gte", "lt", "lte", "eq", "neq"};
    for (int i = 0; i < 6; i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml,
                 "title: t\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 2m\n"
                 "  condition: {%s: 7}\n",
                 ops[i]);
        read_corr(&r, yaml);
        CHECK_EQ_INT(r.rc, 0);
        CHECK(r.c.ncmp == 1 && r.c.cmp[0] == (sg_cmp)(SG_CMP_GT + i) && r.c.cmp_value[0] == 7);
        doc_done(&r.t);
    }
}

static void test_timespan_units(void)
{
    static const struct {
        const char *text;
        int64_t seconds;
    } cases[] = {
        {"1s", 1},
        {"90m", 5400},
        {"1h", 3600},
        {"2d", 172800},
        {"1w", 604800},
        {"1M", 2629746},
        {"1y", 31556952},
        {"010s", 10},
        {"0s", 0},
        {"-1h", 0},
        {"+1h", 0},
        {" 1h", 0},
        {"1.5h", 0},
        {"h", 0},
        {"1H", 0},
        {"1D", 0},
        {"1h30m", 0},
        {"10", 0},
        {"", 0},
        {"1 h", 0},
        {"9223372036854775807s", INT64_MAX},
        {"9223372036854775808s", 0},
        {"3000000000000y", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t s = sg_parse_timespan(cases[i].text, strlen(cases[i].text));
        CHECK_MSG(s == cases[i].seconds, "'%s': %lld", cases[i].text, (long long)s);
    }
}

/* --- temporal boolean conditions (§6.4) ----------------------------------------------------- */

static void test_bool_condition(void)
{
    corr_run r;
    READ_VALID(&r, "title: t\ncorrelation:\n  type: temporal\n"
                   "  rules: [recon_a, recon_b, recon_c]\n  timespan: 5m\n"
                   "  condition: recon_a and (recon_b or not recon_c)\n");
    CHECK(r.c.bool_cond != NULL);
    CHECK_EQ_INT(r.c.ncmp, 0);
    if (r.c.bool_cond) {
        uint8_t v[3] = {1, 0, 0};
        CHECK_EQ_INT(sg_cond_eval(r.c.bool_cond, v), 1);
        v[2] = 1;
        CHECK_EQ_INT(sg_cond_eval(r.c.bool_cond, v), 0);
    }
    doc_done(&r.t);

    /* without rules: derived from the condition, in order of first appearance */
    READ_VALID(&r, "title: t\ncorrelation:\n  type: temporal_ordered\n  timespan: 5m\n"
                   "  condition: b_rule and not (a_rule or b_rule) or c-rule\n");
    CHECK(str_list_is(r.c.rules, r.c.nrules, "b_rule,a_rule,c-rule"));
    CHECK(r.c.bool_cond != NULL);
    doc_done(&r.t);

    READ_VALID(&r, "title: t\ncorrelation:\n  type: temporal\n  rules: []\n  timespan: 5m\n"
                   "  condition: x or y\n");
    CHECK(str_list_is(r.c.rules, r.c.nrules, "x,y"));
    doc_done(&r.t);

    /* quantifiers work when the rules are listed */
    READ_VALID(&r, "title: t\ncorrelation:\n  type: temporal\n  rules: [x, y]\n  timespan: 5m\n"
                   "  condition: 1 of them\n");
    CHECK(r.c.bool_cond != NULL && r.c.bool_cond->kind == SG_COND_ONE_OF);
    doc_done(&r.t);
}

static void test_bool_condition_errors(void)
{
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a, b]\n"
                      "  timespan: 5m\n"
                      "  condition: a and x\n",
                      SIGMA_DIAG_UNDEFINED_IDENTIFIER, 6, 20);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a, b]\n"
                      "  timespan: 5m\n"
                      "  condition: 'a and'\n",
                      SIGMA_DIAG_CONDITION_SYNTAX, 6, 20); /* at the end of the text */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a, b, c]\n"
                      "  timespan: 5m\n"
                      "  condition: a and b\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 14); /* c unused */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  timespan: 5m\n"
                      "  condition: 1 of a*\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 5, 14);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a, b]\n"
                      "  timespan: 5m\n"
                      "  condition: a and b\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 3);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a, b]\n"
                      "  timespan: 5m\n"
                      "  condition: 5\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 3);
}

/* --- errors with positions ------------------------------------------------------------------ */

static void test_structure_errors(void)
{
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation: [a]\n",
                      SIGMA_DIAG_BAD_CORRELATION, 2, 1);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: sequence\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition: {gte: 1}\n",
                      SIGMA_DIAG_UNKNOWN_CORRELATION_TYPE, 3, 9);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition: {gte: 1}\n",
                      SIGMA_DIAG_UNKNOWN_CORRELATION_TYPE, 2, 1);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  timespan: 5m\n"
                      "  condition: {gte: 1}\n",
                      SIGMA_DIAG_BAD_CORRELATION, 2, 1); /* no rules */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  timespan: 5m\n",
                      SIGMA_DIAG_BAD_CORRELATION, 2, 1); /* no rules, no condition */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: {a: b}\n"
                      "  timespan: 5m\n"
                      "  condition: {gte: 1}\n",
                      SIGMA_DIAG_BAD_CORRELATION, 4, 3);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules:\n"
                      "    - a\n"
                      "    - b\n"
                      "    - a\n"
                      "  timespan: 5m\n"
                      "  condition: {gte: 1}\n",
                      SIGMA_DIAG_BAD_CORRELATION, 7, 7); /* duplicate */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules:\n"
                      "    - a\n"
                      "    -\n"
                      "  timespan: 5m\n"
                      "  condition: {gte: 1}\n",
                      SIGMA_DIAG_BAD_CORRELATION, 6, 6); /* null item */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  group-by: {a: b}\n"
                      "  timespan: 5m\n"
                      "  condition: {gte: 1}\n",
                      SIGMA_DIAG_BAD_CORRELATION, 5, 3);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  aliases:\n"
                      "    ip: source.ip\n",
                      SIGMA_DIAG_BAD_CORRELATION, 7, 5);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  aliases: [ip]\n",
                      SIGMA_DIAG_BAD_CORRELATION, 6, 3);
}

static void test_timespan_errors(void)
{
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 0m\n",
                      SIGMA_DIAG_BAD_TIMESPAN, 5, 13);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 1h30m\n",
                      SIGMA_DIAG_BAD_TIMESPAN, 5, 13);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 60\n",
                      SIGMA_DIAG_BAD_TIMESPAN, 5, 13);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: [1h]\n",
                      SIGMA_DIAG_BAD_TIMESPAN, 5, 13);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n",
                      SIGMA_DIAG_BAD_TIMESPAN, 2, 1);
}

static void test_condition_errors(void)
{
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 2, 1); /* none, not temporal */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    GT: 5\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 7, 5); /* unknown key */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    gte: '100'\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 7, 10); /* not a number */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    gte: .inf\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 7, 10);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: value_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    field: User\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 3); /* no operator */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: value_sum\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    gt: 5\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 3); /* no field */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    gt: 5\n"
                      "    gte: 6\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 3); /* not a range */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition: {eq: 5, lt: 6}\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 3);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition: {gt: 5, lt: 5}\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 3); /* empty range */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    gt: 5\n"
                      "    lt: 10\n"
                      "    neq: 7\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 9, 5); /* three operators */
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: event_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    gt: 5\n"
                      "    percentile: 50\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 8, 5);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: value_percentile\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    gt: 5\n"
                      "    field: f\n"
                      "    percentile: 101\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 9, 17);
    EXPECT_CORR_ERROR("title: t\n"
                      "correlation:\n"
                      "  type: value_count\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  condition:\n"
                      "    gt: 5\n"
                      "    field: {a: b}\n",
                      SIGMA_DIAG_BAD_CORRELATION_CONDITION, 8, 12);
}

static void test_metadata(void)
{
    corr_run r;
    READ_VALID(&r, "title: t\n"
                   "name: corr_name\n"
                   "status: Test\n"
                   "level: HIGH\n"
                   "tags: [attack.t1110]\n"
                   "modified: 2024/1/2\n"
                   "generate: true\n"
                   "correlation:\n"
                   "  type: temporal\n"
                   "  rules: [a, b]\n"
                   "  timespan: 5m\n");
    CHECK_EQ_STR(r.c.name, "corr_name");
    CHECK_EQ_STR(r.c.status, "test");
    CHECK_EQ_STR(r.c.level, "high");
    CHECK_EQ_STR(r.c.modified, "2024-01-02");
    CHECK(r.c.ntags == 1 && strcmp(r.c.tags[0], "attack.t1110") == 0);
    CHECK_EQ_INT(r.c.generate, 1);
    /* every string survives the YAML tree */
    sg_yaml_file_free(&r.t.file);
    CHECK_EQ_STR(r.c.title, "t");
    CHECK_EQ_STR(r.c.rules[1], "b");
    CHECK_EQ_STR(r.c.tags[0], "attack.t1110");
    doc_done(&r.t);

    READ_VALID(&r, "title: t\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n"
                   "  generate: yes\n");
    CHECK_EQ_INT(r.c.generate, 1);
    doc_done(&r.t);
    READ_VALID(&r, "title: t\ngenerate: false\ncorrelation:\n  type: temporal\n  rules: [a]\n"
                   "  timespan: 5m\n  generate: false\n");
    CHECK_EQ_INT(r.c.generate, 0);
    doc_done(&r.t);

    EXPECT_CORR_ERROR("title: t\n"
                      "generate: true\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n"
                      "  generate: false\n",
                      SIGMA_DIAG_BAD_CORRELATION, 7, 13);
    EXPECT_CORR_ERROR("title: t\n"
                      "generate: 'true'\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n",
                      SIGMA_DIAG_BAD_CORRELATION, 2, 11);
    EXPECT_CORR_ERROR("correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n",
                      SIGMA_DIAG_MISSING_ATTRIBUTE, 1, 1);
    EXPECT_CORR_ERROR("title: t\n"
                      "id: 1234\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n",
                      SIGMA_DIAG_BAD_ID, 2, 5);
    EXPECT_CORR_ERROR("title: t\n"
                      "status: done\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n",
                      SIGMA_DIAG_BAD_STATUS, 2, 9);
    EXPECT_CORR_ERROR("title: t\n"
                      "level: severe\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n",
                      SIGMA_DIAG_BAD_LEVEL, 2, 8);
    EXPECT_CORR_ERROR("title: t\n"
                      "tags: [Attack.T1]\n"
                      "correlation:\n"
                      "  type: temporal\n"
                      "  rules: [a]\n"
                      "  timespan: 5m\n",
                      SIGMA_DIAG_BAD_TAG, 2, 8);
    EXPECT_CORR_ERROR("- a\n", SIGMA_DIAG_NOT_A_MAP, 1, 1);
}

static void test_unknown_key_warning(void)
{
    corr_run r;
    read_corr(&r, "title: t\n"
                  "correlation:\n"
                  "  type: temporal\n"
                  "  rules: [a]\n"
                  "  group_by: [User]\n"
                  "  timespan: 5m\n");
    CHECK_EQ_INT(r.rc, 0);
    CHECK_ONE_DIAG(&r.t, SIGMA_DIAG_UNKNOWN_CORRELATION_KEY, 5, 3);
    CHECK(r.t.list.len == 1 && r.t.list.items[0].severity == SIGMA_SEVERITY_WARNING);
    doc_done(&r.t);
}

/* Several problems in one document are all reported. */
static void test_many_errors(void)
{
    corr_run r;
    read_corr(&r, "title: t\n"
                  "correlation:\n"
                  "  type: value_count\n"
                  "  rules: []\n"
                  "  timespan: 5x\n"
                  "  condition: {gte: x}\n");
    CHECK_EQ_INT(r.rc, 1);
    CHECK_EQ_INT(r.t.list.len, 4);
    CHECK_DIAG(&r.t, 0, SIGMA_DIAG_BAD_TIMESPAN, 5, 13);
    CHECK_DIAG(&r.t, 1, SIGMA_DIAG_BAD_CORRELATION, 4, 3); /* rules: [] */
    CHECK_DIAG(&r.t, 2, SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 20);
    CHECK_DIAG(&r.t, 3, SIGMA_DIAG_BAD_CORRELATION_CONDITION, 6, 3);
    doc_done(&r.t);
}

int main(void)
{
    test_filter_spec_example();
    test_filter_outlives_tree();
    test_filter_rules_forms();
    test_filter_rules_not_an_identifier();
    test_filter_errors();
    test_filter_applies();
    test_spec_event_count();
    test_spec_value_count();
    test_spec_temporal();
    test_spec_value_aggregates();
    test_spec_aliases();
    test_spec_bundle();
    test_spec_range();
    test_every_type();
    test_timespan_units();
    test_bool_condition();
    test_bool_condition_errors();
    test_structure_errors();
    test_timespan_errors();
    test_condition_errors();
    test_metadata();
    test_unknown_key_warning();
    test_many_errors();
    return TEST_DONE();
}
