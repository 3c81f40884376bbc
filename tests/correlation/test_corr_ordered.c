/* temporal_ordered with an extended boolean condition (sigma-semantics.md §6.2-6.4):
 * a conjunction of names (with `not name` terms) enforces the order of its positive
 * names (the order of `rules`, or of first appearance in the condition when `rules`
 * is absent); any other shape keeps temporal semantics and is reported at build
 * with the warning SIGMA_DIAG_ORDER_NOT_ENFORCED. Public API only. */
#include "corr_harness.h"

#define BASE_RULES                                                                                 \
    "title: rule A\nname: rule_a\nlogsource: {product: test}\n"                                    \
    "detection: {sel: {Kind: a}, condition: sel}\n"                                                \
    "---\ntitle: rule B\nname: rule_b\nlogsource: {product: test}\n"                               \
    "detection: {sel: {Kind: b}, condition: sel}\n"                                                \
    "---\ntitle: rule C\nname: rule_c\nlogsource: {product: test}\n"                               \
    "detection: {sel: {Kind: c}, condition: sel}\n"

static char *corr_doc(const char *body)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "%s---\ntitle: ordered\nname: ord\ncorrelation:\n  type: temporal_ordered\n"
             "  group-by: [Host]\n  timespan: 60s\n%s",
             BASE_RULES, body);
    return buf;
}

/* Diagnostics of building `yaml`: how many have `code`, and the error count. */
static size_t count_diag(const char *yaml, int code, size_t *errors)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    if (!b)
        return 0;
    sigma_builder_add_yaml(b, "t.yml", SIGMA_NUL_TERMINATED, yaml, SIGMA_NUL_TERMINATED, NULL);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    size_t n = 0;
    for (size_t i = 0; i < sigma_diagnostics_count(d); i++) {
        sigma_diagnostic_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        CHECK_EQ_INT(sigma_diagnostics_get(d, i, &info), SIGMA_OK);
        if (info.code == code) {
            n++;
            CHECK_EQ_INT(info.severity, SIGMA_SEVERITY_WARNING);
            CHECK(strstr(info.message, "not enforced") != NULL);
            CHECK(info.line > 0);
        }
    }
    *errors = sigma_diagnostics_error_count(d);
    /* the correlation is kept */
    uint32_t r = UINT32_MAX;
    CHECK(rs && sigma_ruleset_find_rule(rs, "ord", SIGMA_NUL_TERMINATED, &r) == SIGMA_OK);
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
    return n;
}

/* Feeds `ev` (NULL-terminated) then flushes; the number of matches. */
static int run(const char *body, const char *const *ev)
{
    harness h;
    if (h_init(&h, corr_doc(body), NULL) != 0)
        return -1;
    int n = h_events(&h, ev) + h_flush(&h);
    h_free(&h);
    return n;
}

/* A conjunction with `rules`: the order of `rules` (a, b, c), not of the condition. */
static void test_conjunction_rules_order(void)
{
    const char *body = "  rules: [rule_a, rule_b, rule_c]\n"
                       "  condition: rule_c and rule_a and rule_b\n";
    const char *in_order[] = {"t=0 Kind=a Host=h", "t=1 Kind=b Host=h", "t=2 Kind=c Host=h", NULL};
    const char *cond_order[] = {"t=0 Kind=c Host=h", "t=1 Kind=a Host=h", "t=2 Kind=b Host=h",
                                NULL};
    const char *swapped[] = {"t=0 Kind=b Host=h", "t=1 Kind=a Host=h", "t=2 Kind=c Host=h", NULL};
    CHECK_EQ_INT(run(body, cond_order), 0);
    CHECK_EQ_INT(run(body, swapped), 0);

    /* fires on the event that completes the chain (no `not`: decided at once) */
    harness h;
    if (h_init(&h, corr_doc(body), NULL) != 0)
        return;
    const char *pre[] = {"t=0 Kind=b Host=h", "t=1 Kind=a Host=h", "t=2 Kind=c Host=h",
                         "t=3 Kind=b Host=h", NULL};
    CHECK_EQ_INT(h_events(&h, pre), 0); /* a, b in order; c came before that b */
    CHECK_EQ_INT(h_event(&h, "t=4 Kind=c Host=h"), SIGMA_OK);
    CHECK_EQ_INT(h.n, 1);
    if (h.n == 1) {
        /* the figure is the chain length; the refs are the chain a(2), b(4), c(5) */
        CHECK_EQ_INT(h.m[0].value, 3);
        CHECK(h.m[0].nrefs == 3 && h.m[0].refs[0] == 2 && h.m[0].refs[1] == 4 &&
              h.m[0].refs[2] == 5);
        CHECK(h.m[0].first == 1000 && h.m[0].last == 4000);
    }
    h_free(&h);

    CHECK_EQ_INT(run(body, in_order), 1);
    /* out of the window: a at 0, c at 61 */
    const char *too_far[] = {"t=0 Kind=a Host=h", "t=30 Kind=b Host=h", "t=61 Kind=c Host=h", NULL};
    const char *edge[] = {"t=0 Kind=a Host=h", "t=30 Kind=b Host=h", "t=60 Kind=c Host=h", NULL};
    CHECK_EQ_INT(run(body, too_far), 0);
    CHECK_EQ_INT(run(body, edge), 1);
}

/* Without `rules`, the order is that of first appearance in the condition. */
static void test_conjunction_condition_order(void)
{
    const char *body = "  condition: rule_b and rule_a\n";
    const char *ab[] = {"t=0 Kind=a Host=h", "t=1 Kind=b Host=h", NULL};
    const char *ba[] = {"t=0 Kind=b Host=h", "t=1 Kind=a Host=h", NULL};
    CHECK_EQ_INT(run(body, ab), 0);
    CHECK_EQ_INT(run(body, ba), 1);

    /* `all of them` is a conjunction too (in the order of `rules`) */
    const char *all = "  rules: [rule_b, rule_a]\n  condition: all of them\n";
    CHECK_EQ_INT(run(all, ab), 0);
    CHECK_EQ_INT(run(all, ba), 1);
}

/* `not` terms: order over the positive names, none of the negated ones in the window;
 * decided when the window closes. */
static void test_conjunction_with_not(void)
{
    const char *body = "  rules: [rule_a, rule_b, rule_c]\n"
                       "  condition: rule_a and not rule_c and rule_b\n";
    const char *ab[] = {"t=0 Kind=a Host=h", "t=1 Kind=b Host=h", NULL};
    const char *ba[] = {"t=0 Kind=b Host=h", "t=1 Kind=a Host=h", NULL};
    const char *abc[] = {"t=0 Kind=a Host=h", "t=1 Kind=b Host=h", "t=2 Kind=c Host=h", NULL};
    CHECK_EQ_INT(run(body, ba), 0);
    CHECK_EQ_INT(run(body, abc), 0);

    harness h;
    if (h_init(&h, corr_doc(body), NULL) != 0)
        return;
    CHECK_EQ_INT(h_events(&h, ab), 0);
    CHECK_EQ_INT(h_advance(&h, 60), 0); /* the window [0, 60] is not over yet */
    CHECK_EQ_INT(h_advance(&h, 61), 1);
    if (h.n == 1)
        CHECK(h.m[0].value == 2 && h.m[0].nrefs == 2 && h.m[0].refs[0] == 1 && h.m[0].refs[1] == 2);
    h_free(&h);

    /* the negated rule only counts inside the window */
    const char *c_later[] = {"t=0 Kind=a Host=h", "t=1 Kind=b Host=h", "t=70 Kind=c Host=h", NULL};
    CHECK_EQ_INT(run(body, c_later), 1);
}

/* Other shapes: temporal semantics (order ignored) and a build-time warning. */
static void test_other_shapes_warn(void)
{
    const char *body = "  rules: [rule_a, rule_b, rule_c]\n"
                       "  condition: (rule_a or rule_c) and rule_b\n";
    size_t errors = 99;
    CHECK_EQ_INT(count_diag(corr_doc(body), SIGMA_DIAG_ORDER_NOT_ENFORCED, &errors), 1);
    CHECK_EQ_INT(errors, 0);
    const char *ba[] = {"t=0 Kind=b Host=h", "t=1 Kind=a Host=h", NULL};
    CHECK_EQ_INT(run(body, ba), 1); /* out of order, and it fires */

    const char *not_or = "  rules: [rule_a, rule_b]\n  condition: not (rule_a or rule_b)\n";
    CHECK_EQ_INT(count_diag(corr_doc(not_or), SIGMA_DIAG_ORDER_NOT_ENFORCED, &errors), 1);

    /* no warning for a conjunction, nor for the default condition */
    const char *conj = "  rules: [rule_a, rule_b]\n  condition: rule_a and not rule_b\n";
    CHECK_EQ_INT(count_diag(corr_doc(conj), SIGMA_DIAG_ORDER_NOT_ENFORCED, &errors), 0);
    const char *dflt = "  rules: [rule_a, rule_b]\n";
    CHECK_EQ_INT(count_diag(corr_doc(dflt), SIGMA_DIAG_ORDER_NOT_ENFORCED, &errors), 0);

    /* nor for plain temporal, where there is no order to enforce */
    char doc[4096];
    snprintf(doc, sizeof doc,
             "%s---\ntitle: t\nname: ord\ncorrelation:\n  type: temporal\n"
             "  group-by: [Host]\n  timespan: 60s\n%s",
             BASE_RULES, body);
    CHECK_EQ_INT(count_diag(doc, SIGMA_DIAG_ORDER_NOT_ENFORCED, &errors), 0);
}

int main(void)
{
    test_conjunction_rules_order();
    test_conjunction_condition_order();
    test_conjunction_with_not();
    test_other_shapes_warn();
    return TEST_DONE();
}
