/* Chaining (correlations over correlations), aliases, `generate` (vector 69),
 * reference cycles and the ruleset queries about correlations. */
#include "corr_harness.h"

#define LOGONS                                                                                     \
    "title: failed logon\nname: failed_login\nid: 53ba33fd-3a50-4468-a5ef-c583635cfa92\n"          \
    "logsource: {product: windows, service: security}\n"                                           \
    "detection: {sel: {EventID: [529, 4625]}, condition: sel}\n"                                   \
    "---\ntitle: successful logon\nname: successful_login\n"                                       \
    "logsource: {product: windows, service: security}\n"                                           \
    "detection: {sel: {EventID: [528, 4624]}, condition: sel}\n"

/* The spec's multi-document example (failed logins, then a success) in our words:
 * an event_count correlation chained into a temporal_ordered one. */
static const char *chain_yaml =
    LOGONS "---\ntitle: many failed logons\nname: many_failed\nid: "
           "a8418a5a-5fc4-46b5-b23b-6c73beb19d41\n"
           "correlation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [User]\n"
           "  timespan: 10m\n  condition: {gte: 3}\n"
           "---\ntitle: failed logons then success\nname: brute_success\nlevel: high\n"
           "correlation:\n  type: temporal_ordered\n  rules: [many_failed, successful_login]\n"
           "  group-by: [User]\n  timespan: 10m\n";

static void test_chaining(void)
{
    harness h;
    if (h_init(&h, chain_yaml, NULL) != 0)
        return;
    CHECK_EQ_INT(sigma_ruleset_correlation_count(h.rs), 2);
    CHECK_EQ_STR(sigma_ruleset_correlation_type(h.rs, h_rule(&h, "many_failed")), "event_count");
    CHECK_EQ_STR(sigma_ruleset_correlation_type(h.rs, h_rule(&h, "brute_success")),
                 "temporal_ordered");
    CHECK(sigma_ruleset_correlation_type(h.rs, h_rule(&h, "failed_login")) == NULL);
    CHECK(sigma_ruleset_correlation_type(h.rs, 999) == NULL);
    /* carl: success before the failures (no order); eve: one failure; bob: in order */
    const char *ev[] = {"t=0 EventID=4624 User=carl",
                        "t=10 EventID=4625 User=carl",
                        "t=20 EventID=4625 User=carl",
                        "t=30 EventID=4625 User=carl",
                        "t=40 EventID=4625 User=eve",
                        "t=50 EventID=4624 User=eve",
                        "t=60 EventID=4625 User=bob",
                        "t=70 EventID=4625 User=bob",
                        "t=80 EventID=4625 User=bob",
                        "t=100 EventID=4624 User=bob",
                        NULL};
    int n = h_events(&h, ev);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(h_count(&h, "many_failed"), 2);
    CHECK_EQ_INT(h_count(&h, "brute_success"), 1);
    const got *g = h_last(&h, "brute_success");
    if (g) {
        CHECK_EQ_STR(g->group, "User=bob");
        CHECK_EQ_INT(g->first, 80000); /* the inner match's time: its last event */
        CHECK_EQ_INT(g->last, 100000);
        CHECK_EQ_INT(g->value, 2);
        /* the inner match's three events, then the success */
        CHECK_EQ_INT(g->total, 4);
        CHECK_EQ_INT(g->nrefs, 4);
        CHECK(g->refs[0] == 7 && g->refs[1] == 8 && g->refs[2] == 9 && g->refs[3] == 10);
    }
    /* outside the outer window: the success comes 10 min + 1 s after the inner match */
    const char *late[] = {"t=1000 EventID=4625 User=amy", "t=1001 EventID=4625 User=amy",
                          "t=1002 EventID=4625 User=amy", "t=1603 EventID=4624 User=amy", NULL};
    n = h_events(&h, late);
    CHECK_EQ_INT(n, 1); /* the inner one only */
    CHECK_EQ_INT(h_count(&h, "brute_success"), 1);
    h_free(&h);
}

/* A deferred inner correlation (lt) feeds an outer one when its window closes. */
static void test_chaining_deferred(void)
{
    const char *y = LOGONS "---\ntitle: few failures\nname: few\n"
                           "correlation:\n  type: event_count\n  rules: [failed_login]\n"
                           "  group-by: [User]\n  timespan: 1m\n  condition: {lt: 2}\n"
                           "---\ntitle: repeated few\nname: outer\n"
                           "correlation:\n  type: event_count\n  rules: [few]\n"
                           "  group-by: [User]\n  timespan: 1h\n  condition: {gte: 2}\n";
    harness h;
    if (h_init(&h, y, NULL) != 0)
        return;
    const char *ev[] = {"t=0 EventID=4625 User=u", "t=100 EventID=4625 User=u", NULL};
    CHECK_EQ_INT(h_events(&h, ev), 1); /* the first window closed at 60 s */
    CHECK_EQ_INT(h_flush(&h), 2);      /* the second window, and the outer on top */
    CHECK_EQ_INT(h_count(&h, "outer"), 1);
    h_free(&h);
}

/* Aliases: the group-by value comes from a different field per rule (spec example). */
static void test_aliases(void)
{
    const char *y =
        "title: internal error\nname: internal_error\nlogsource: {product: test}\n"
        "detection: {sel: {http.response.status_code: 500}, condition: sel}\n"
        "---\ntitle: new connection\nname: new_network_connection\nlogsource: {product: test}\n"
        "detection: {sel: {event.category: network, event.type: connection, event.outcome: "
        "success}, condition: sel}\n"
        "---\ntitle: error then connection\nname: err_conn\n"
        "correlation:\n  type: temporal\n  rules: [internal_error, new_network_connection]\n"
        "  group-by: [internal_ip, remote_ip]\n  timespan: 10s\n"
        "  aliases:\n    internal_ip:\n      internal_error: destination.ip\n"
        "      new_network_connection: source.ip\n"
        "    remote_ip:\n      internal_error: source.ip\n"
        "      new_network_connection: destination.ip\n";
    harness h;
    if (h_init(&h, y, NULL) != 0)
        return;
    const char *ev[] = {
        "t=0 http.response.status_code=500 destination.ip=10.0.0.5 source.ip=203.0.113.9",
        /* reversed roles match; the same roles do not */
        "t=1 event.category=network event.type=connection event.outcome=success "
        "source.ip=203.0.113.9 destination.ip=10.0.0.5",
        NULL};
    CHECK_EQ_INT(h_events(&h, ev), 0);
    CHECK_EQ_INT(h_event(&h, "t=2 event.category=network event.type=connection "
                             "event.outcome=success source.ip=10.0.0.5 "
                             "destination.ip=203.0.113.9"),
                 SIGMA_OK);
    CHECK_EQ_INT(h.n, 1);
    CHECK(h.n == 1 && !strcmp(h.m[0].group, "internal_ip=10.0.0.5,remote_ip=203.0.113.9"));
    /* 10 s window edge: 12 -> 22 fires, 30 -> 40.001 does not */
    const char *edge[] = {
        "t=12 http.response.status_code=500 destination.ip=10.0.0.6 source.ip=1.1.1.1",
        "t=22 event.category=network event.type=connection event.outcome=success "
        "source.ip=10.0.0.6 destination.ip=1.1.1.1",
        "t=30 http.response.status_code=500 destination.ip=10.0.0.7 source.ip=1.1.1.1",
        "t=40.001 event.category=network event.type=connection event.outcome=success "
        "source.ip=10.0.0.7 destination.ip=1.1.1.1",
        NULL};
    CHECK_EQ_INT(h_events(&h, edge), 1);
    h_free(&h);
}

/* Vector 69 and `generate`: sigma_match still reports the referenced rule; the
 * ruleset says it raises no alert of its own unless generate: true. */
static void test_generate(void)
{
    const char *y = "title: base B\nname: b\nlogsource: {product: test}\n"
                    "detection: {sel: {Kind: b}, condition: sel}\n"
                    "---\ntitle: base G\nname: g\nlogsource: {product: test}\n"
                    "detection: {sel: {Kind: g}, condition: sel}\n"
                    "---\ntitle: unrelated\nname: u\nlogsource: {product: test}\n"
                    "detection: {sel: {Kind: u}, condition: sel}\n"
                    "---\ntitle: over b\nname: over_b\n"
                    "correlation: {type: event_count, rules: [b], timespan: 1m, "
                    "condition: {gte: 5}}\n"
                    "---\ntitle: over g\nname: over_g\ngenerate: true\n"
                    "correlation: {type: event_count, rules: [g], timespan: 1m, "
                    "condition: {gte: 5}}\n"
                    "---\ntitle: over over_b\nname: outer\n"
                    "correlation: {type: event_count, rules: [over_b], timespan: 1h, "
                    "condition: {gte: 2}}\n";
    harness h;
    if (h_init(&h, y, NULL) != 0)
        return;
    CHECK_EQ_INT(sigma_ruleset_rule_alerts(h.rs, h_rule(&h, "b")), 0);
    CHECK_EQ_INT(sigma_ruleset_rule_alerts(h.rs, h_rule(&h, "g")), 1);
    CHECK_EQ_INT(sigma_ruleset_rule_alerts(h.rs, h_rule(&h, "u")), 1);
    CHECK_EQ_INT(sigma_ruleset_rule_alerts(h.rs, h_rule(&h, "over_g")), 1);
    CHECK_EQ_INT(sigma_ruleset_rule_alerts(h.rs, h_rule(&h, "over_b")), 0); /* chained */
    CHECK_EQ_INT(sigma_ruleset_rule_alerts(h.rs, h_rule(&h, "outer")), 1);
    CHECK_EQ_INT(sigma_ruleset_rule_alerts(h.rs, 1000), -1);
    CHECK_EQ_INT(sigma_ruleset_rule_alerts(NULL, 0), -1);
    /* B matching alone: sigma_match reports it, the correlation stays silent */
    CHECK_EQ_INT(h_event(&h, "t=0 Kind=b"), SIGMA_OK);
    CHECK(h.nlast_hits == 1 && h.last_hits[0] == h_rule(&h, "b"));
    CHECK_EQ_INT(h_flush(&h), 0);
    h_free(&h);

    /* without correlations every rule alerts */
    sigma_ruleset *rs = build_rs("title: x\nlogsource: {product: test}\n"
                                 "detection: {sel: {Kind: b}, condition: sel}\n",
                                 0);
    CHECK_EQ_INT(sigma_ruleset_rule_alerts(rs, 0), 1);
    CHECK_EQ_INT(sigma_ruleset_correlation_count(rs), 0);
    sigma_correlator *c = NULL;
    CHECK_EQ_INT(sigma_correlator_new(rs, NULL, &c), SIGMA_OK);
    uint32_t hit = 0;
    CHECK_EQ_INT(sigma_correlator_feed(c, NULL, 0, 1, &hit, 1, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_correlator_flush(c, NULL, NULL), SIGMA_OK);
    sigma_correlator_free(c);
    sigma_ruleset_unref(rs);
}

/* Cycles are rejected with a diagnostic; correlations on top of them too. */
static void test_cycles(void)
{
    const char *y = "title: base\nname: base\nlogsource: {product: test}\n"
                    "detection: {sel: {Kind: b}, condition: sel}\n"
                    "---\ntitle: loop one\nname: one\n"
                    "correlation: {type: event_count, rules: [two], timespan: 1m, "
                    "condition: {gte: 1}}\n"
                    "---\ntitle: loop two\nname: two\n"
                    "correlation: {type: event_count, rules: [one, base], timespan: 1m, "
                    "condition: {gte: 1}}\n"
                    "---\ntitle: self\nname: self\n"
                    "correlation: {type: event_count, rules: [self], timespan: 1m, "
                    "condition: {gte: 1}}\n"
                    "---\ntitle: on top\nname: top\n"
                    "correlation: {type: event_count, rules: [one], timespan: 1m, "
                    "condition: {gte: 1}}\n"
                    "---\ntitle: fine\nname: fine\n"
                    "correlation: {type: event_count, rules: [base], timespan: 1m, "
                    "condition: {gte: 1}}\n";
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    sigma_builder_add_yaml(b, "cycles.yml", SIGMA_NUL_TERMINATED, y, SIGMA_NUL_TERMINATED, NULL);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    CHECK_EQ_INT(sigma_diagnostics_error_count(d), 4);
    int cycle_msgs = 0;
    for (size_t i = 0; i < sigma_diagnostics_count(d); i++) {
        sigma_diagnostic_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        CHECK_EQ_INT(sigma_diagnostics_get(d, i, &info), SIGMA_OK);
        CHECK_EQ_INT(info.code, SIGMA_DIAG_BAD_CORRELATION);
        cycle_msgs += strstr(info.message, "cycle") != NULL;
    }
    CHECK_EQ_INT(cycle_msgs, 3);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 2); /* base and fine */
    CHECK_EQ_INT(sigma_ruleset_correlation_count(rs), 1);
    sigma_ruleset_unref(rs);
    /* strict builds fail */
    sigma_compile_options *o = NULL;
    sigma_compile_options_new(&o);
    sigma_compile_options_set(o, SIGMA_PARAM_FLAGS, SIGMA_COMPILE_STRICT);
    sigma_builder_free(b);
    CHECK_EQ_INT(sigma_builder_new(o, &b), SIGMA_OK);
    sigma_builder_add_yaml(b, "cycles.yml", SIGMA_NUL_TERMINATED, y, SIGMA_NUL_TERMINATED, NULL);
    rs = NULL;
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_E_COMPILE);
    CHECK(rs == NULL);
    sigma_builder_free(b);
    sigma_compile_options_free(o);
}

/* A rule listed by id and an event matching two referenced rules. */
static void test_refs_by_id_and_multi_match(void)
{
    const char *y = LOGONS "---\ntitle: by id\nname: by_id\n"
                           "correlation:\n  type: event_count\n"
                           "  rules: [53ba33fd-3a50-4468-a5ef-c583635cfa92]\n"
                           "  group-by: [User]\n  timespan: 1m\n  condition: {gte: 2}\n"
                           "---\ntitle: wide\nname: wide_a\nlogsource: {product: windows}\n"
                           "detection: {sel: {User: x}, condition: sel}\n"
                           "---\ntitle: two rules\nname: two\n"
                           "correlation:\n  type: event_count\n  rules: [failed_login, wide_a]\n"
                           "  group-by: [User]\n  timespan: 1m\n  condition: {gte: 2}\n"
                           "---\ntitle: temporal two\nname: ttwo\n"
                           "correlation:\n  type: temporal\n  rules: [failed_login, wide_a]\n"
                           "  group-by: [User]\n  timespan: 1m\n";
    harness h;
    if (h_init(&h, y, NULL) != 0)
        return;
    /* one event matching both referenced rules: counted once by event_count, but
     * it is both rules for temporal */
    CHECK_EQ_INT(h_event(&h, "t=0 EventID=4625 User=x"), SIGMA_OK);
    CHECK_EQ_INT(h_count(&h, "two"), 0);
    CHECK_EQ_INT(h_count(&h, "ttwo"), 1);
    CHECK_EQ_INT(h_event(&h, "t=1 EventID=4625 User=x"), SIGMA_OK);
    CHECK_EQ_INT(h_count(&h, "two"), 1);
    CHECK_EQ_INT(h_count(&h, "by_id"), 1);
    h_free(&h);
}

/* A chained correlation can only group by the inner correlation's group-by fields
 * (aliases resolved); otherwise it is refused at build. */
static void test_chain_group_subset(void)
{
    const char *y = LOGONS "---\ntitle: per user and host\nname: inner\n"
                           "correlation:\n  type: event_count\n  rules: [failed_login]\n"
                           "  group-by: [User, Host]\n  timespan: 1m\n  condition: {gte: 1}\n"
                           "---\ntitle: by user\nname: ok_user\n"
                           "correlation:\n  type: event_count\n  rules: [inner]\n"
                           "  group-by: [User]\n  timespan: 1h\n  condition: {gte: 2}\n"
                           "---\ntitle: by alias\nname: ok_alias\n"
                           "correlation:\n  type: event_count\n  rules: [inner]\n"
                           "  group-by: [who]\n  aliases: {who: {inner: User}}\n"
                           "  timespan: 1h\n  condition: {gte: 2}\n"
                           "---\ntitle: by ip\nname: bad_ip\n"
                           "correlation:\n  type: event_count\n  rules: [inner]\n"
                           "  group-by: [IpAddress]\n  timespan: 1h\n  condition: {gte: 2}\n"
                           "---\ntitle: on bad\nname: on_bad\n"
                           "correlation:\n  type: event_count\n  rules: [bad_ip]\n"
                           "  timespan: 1h\n  condition: {gte: 1}\n";
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    sigma_builder_add_yaml(b, "chain.yml", SIGMA_NUL_TERMINATED, y, SIGMA_NUL_TERMINATED, NULL);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    CHECK_EQ_INT(sigma_diagnostics_error_count(d), 2);
    int grouped = 0;
    for (size_t i = 0; i < sigma_diagnostics_count(d); i++) {
        sigma_diagnostic_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        sigma_diagnostics_get(d, i, &info);
        grouped += info.code == SIGMA_DIAG_BAD_CORRELATION &&
                   strstr(info.message, "groups by 'IpAddress'") != NULL;
    }
    CHECK_EQ_INT(grouped, 1);
    CHECK_EQ_INT(sigma_ruleset_correlation_count(rs), 3); /* inner, ok_user, ok_alias */
    sigma_builder_free(b);
    harness h;
    memset(&h, 0, sizeof h);
    h.rs = rs;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &h.scratch), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&h.ev), SIGMA_OK);
    CHECK_EQ_INT(sigma_correlator_new(rs, NULL, &h.c), SIGMA_OK);
    const char *ev[] = {"t=0 EventID=4625 User=u Host=a", "t=10 EventID=4625 User=u Host=b", NULL};
    CHECK_EQ_INT(h_events(&h, ev), 4); /* inner twice, then both outer ones */
    CHECK_EQ_INT(h_count(&h, "ok_user"), 1);
    CHECK_EQ_INT(h_count(&h, "ok_alias"), 1);
    const got *g = h_last(&h, "ok_alias");
    CHECK(g && !strcmp(g->group, "who=u"));
    h_free(&h);
}

int main(void)
{
    test_chaining();
    test_chaining_deferred();
    test_aliases();
    test_generate();
    test_cycles();
    test_refs_by_id_and_multi_match();
    test_chain_group_subset();
    return TEST_DONE();
}
