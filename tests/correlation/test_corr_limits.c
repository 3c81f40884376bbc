/* Bounded memory and stream handling: group limit with least-recently-updated
 * eviction, events per group, idle expiry, out-of-order tolerance, late events,
 * bounded event refs, stopping from the callback, option and argument checks. */
#include "corr_harness.h"

#define COUNT_RULES(cond, span)                                                                    \
    "title: failed logon\nname: failed\nlogsource: {product: test}\n"                              \
    "detection: {sel: {EventID: 4625}, condition: sel}\n"                                          \
    "---\ntitle: per user\nname: per_user\n"                                                       \
    "correlation:\n  type: event_count\n  rules: [failed]\n  group-by: [User]\n"                   \
    "  timespan: " span "\n  condition: " cond "\n"

/* Feeds `n` events with distinct users straight to the correlator (no sigma_match). */
static void flood(harness *h, uint32_t rule, int64_t t0, int n, const char *prefix)
{
    for (int i = 0; i < n; i++) {
        char user[64];
        snprintf(user, sizeof user, "%s%d", prefix, i);
        sigma_event_clear(h->ev);
        sigma_event_add_str(h->ev, "User", 4, user, SIGMA_NUL_TERMINATED, SIGMA_VALUE_COPY);
        CHECK_EQ_INT(
            sigma_correlator_feed(h->c, h->ev, t0 + i, (uint64_t)i, &rule, 1, h_on_match, h),
            SIGMA_OK);
    }
}

static void test_group_limit(void)
{
    sigma_correlator_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.max_groups = 100;
    harness h;
    if (h_init(&h, COUNT_RULES("{gte: 2}", "1h"), &o) != 0)
        return;
    uint32_t rule = h_rule(&h, "failed");
    flood(&h, rule, 0, 1000, "small");
    sigma_correlator_stats s1 = h_stats(&h);
    CHECK_EQ_INT(s1.groups_live, 100);
    CHECK_EQ_INT(s1.groups_created, 1000);
    CHECK_EQ_INT(s1.groups_evicted, 900);
    uint64_t bytes_small = s1.bytes_peak;
    flood(&h, rule, 1000, 100000, "big");
    sigma_correlator_stats s2 = h_stats(&h);
    CHECK_EQ_INT(s2.groups_live, 100);
    CHECK_EQ_INT(s2.groups_evicted, 100900);
    CHECK_EQ_INT(s2.events, 101000);
    CHECK_EQ_INT(h.n, 0);
    /* 100x the keys, the same memory (keys are a little longer) */
    CHECK_MSG(s2.bytes_peak < bytes_small + bytes_small / 4, "peak %llu vs %llu",
              (unsigned long long)s2.bytes_peak, (unsigned long long)bytes_small);
    CHECK(s2.bytes_in_use <= s2.bytes_peak && s2.bytes_in_use > 0);
    /* the most recent groups survive: the last user fires with one more event */
    sigma_event_clear(h.ev);
    sigma_event_add_str(h.ev, "User", 4, "big99999", SIGMA_NUL_TERMINATED, SIGMA_VALUE_COPY);
    CHECK_EQ_INT(sigma_correlator_feed(h.c, h.ev, 200000, 7, &rule, 1, h_on_match, &h), SIGMA_OK);
    CHECK_EQ_INT(h.n, 1);
    /* an evicted one starts from scratch */
    sigma_event_clear(h.ev);
    sigma_event_add_str(h.ev, "User", 4, "big0", SIGMA_NUL_TERMINATED, SIGMA_VALUE_COPY);
    CHECK_EQ_INT(sigma_correlator_feed(h.c, h.ev, 200001, 8, &rule, 1, h_on_match, &h), SIGMA_OK);
    CHECK_EQ_INT(h.n, 1);
    CHECK_EQ_INT(h_flush(&h), 0);
    sigma_correlator_stats s3 = h_stats(&h);
    CHECK_EQ_INT(s3.groups_live, 0);
    h_free(&h);

    /* unlimited: every group is kept */
    o.max_groups = SIGMA_CORRELATOR_UNLIMITED;
    if (h_init(&h, COUNT_RULES("{gte: 2}", "1h"), &o) != 0)
        return;
    flood(&h, h_rule(&h, "failed"), 0, 5000, "u");
    sigma_correlator_stats s4 = h_stats(&h);
    CHECK_EQ_INT(s4.groups_live, 5000);
    CHECK_EQ_INT(s4.groups_evicted, 0);
    CHECK(s4.bytes_in_use > 10 * bytes_small);
    h_free(&h);
}

static void test_events_per_group(void)
{
    sigma_correlator_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.max_events_per_group = 5;
    o.max_event_refs = 3;
    harness h;
    if (h_init(&h, COUNT_RULES("{lt: 100}", "1h"), &o) != 0)
        return;
    for (int i = 0; i < 20; i++) {
        char e[64];
        snprintf(e, sizeof e, "t=%d EventID=4625 User=u", i);
        CHECK_EQ_INT(h_event(&h, e), SIGMA_OK);
    }
    sigma_correlator_stats s = h_stats(&h);
    CHECK_EQ_INT(s.events_dropped, 15);
    CHECK_EQ_INT(h_flush(&h), 1);
    /* the figures cover the kept events: the last five */
    CHECK(h.n == 1 && h.m[0].value == 5 && h.m[0].first == 15000 && h.m[0].total == 5);
    /* refs: the first three of the window, the total beyond them */
    CHECK(h.n == 1 && h.m[0].nrefs == 3 && h.m[0].refs[0] == 16 && h.m[0].refs[2] == 18);
    h_free(&h);
}

static void test_expiry(void)
{
    /* groups whose window is over are dropped as time moves on */
    harness h;
    if (h_init(&h, COUNT_RULES("{gte: 3}", "10s"), NULL) != 0)
        return;
    const char *ev[] = {"t=0 EventID=4625 User=a", "t=1 EventID=4625 User=b", NULL};
    CHECK_EQ_INT(h_events(&h, ev), 0);
    CHECK_EQ_INT(h_stats(&h).groups_live, 2);
    CHECK_EQ_INT(h_advance(&h, 10.5), 0);
    CHECK_EQ_INT(h_stats(&h).groups_live, 1); /* a: 0 + 10 s < 10.5 */
    CHECK_EQ_INT(h_advance(&h, 12), 0);
    CHECK_EQ_INT(h_stats(&h).groups_live, 0);
    CHECK_EQ_INT(h_stats(&h).groups_closed, 2);
    CHECK_EQ_INT(h_stats(&h).groups_expired, 0);
    h_free(&h);

    /* idle expiry: a day-long window dropped after 1 min without events */
    sigma_correlator_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.idle_expiry_ms = 60000;
    if (h_init(&h, COUNT_RULES("{lt: 5}", "1d"), &o) != 0)
        return;
    const char *ev2[] = {"t=0 EventID=4625 User=a", "t=30 EventID=4625 User=b",
                         "t=70 EventID=4625 User=b", NULL};
    CHECK_EQ_INT(h_events(&h, ev2), 0);
    sigma_correlator_stats s = h_stats(&h);
    CHECK_EQ_INT(s.groups_expired, 1); /* a, idle since 0 */
    CHECK_EQ_INT(s.groups_live, 1);
    CHECK_EQ_INT(h_advance(&h, 131), 0);
    CHECK_EQ_INT(h_stats(&h).groups_expired, 2);
    CHECK_EQ_INT(h_flush(&h), 0); /* expired groups never fire */
    h_free(&h);
}

static void test_out_of_order(void)
{
    /* no tolerance: an older event is late, counted and skipped */
    harness h;
    if (h_init(&h, COUNT_RULES("{gte: 2}", "10s"), NULL) != 0)
        return;
    const char *ev[] = {"t=20 EventID=4625 User=u", "t=15 EventID=4625 User=u", NULL};
    CHECK_EQ_INT(h_events(&h, ev), 0);
    CHECK_EQ_INT(h_stats(&h).events_late, 1);
    CHECK_EQ_INT(h_stats(&h).events, 1);
    h_free(&h);

    /* 10 s tolerance: 15 after 20 is accepted; 9 after 20 is late */
    sigma_correlator_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.out_of_order_ms = 10000;
    if (h_init(&h, COUNT_RULES("{gte: 2}", "10s"), &o) != 0)
        return;
    const char *ev2[] = {"t=20 EventID=4625 User=u", "t=9 EventID=4625 User=u", NULL};
    CHECK_EQ_INT(h_events(&h, ev2), 0);
    CHECK_EQ_INT(h_stats(&h).events_late, 1);
    CHECK_EQ_INT(h_event(&h, "t=15 EventID=4625 User=u"), SIGMA_OK);
    CHECK_EQ_INT(h.n, 1);
    CHECK(h.n == 1 && h.m[0].first == 15000 && h.m[0].last == 20000);
    h_free(&h);

    /* a deferred window closes only when newest time - tolerance passes its end */
    if (h_init(&h, COUNT_RULES("{lt: 3}", "10s"), &o) != 0)
        return;
    const char *ev3[] = {"t=0 EventID=4625 User=u", "t=15 EventID=4625 User=v", NULL};
    CHECK_EQ_INT(h_events(&h, ev3), 0); /* 15 - 10 = 5 < 10: u's window still open */
    CHECK_EQ_INT(h_event(&h, "t=8 EventID=4625 User=u"), SIGMA_OK); /* in time for it */
    CHECK_EQ_INT(h_advance(&h, 20), 0);
    CHECK_EQ_INT(h_advance(&h, 20.001), 1);
    CHECK(h.n == 1 && h.m[0].value == 2 && !strcmp(h.m[0].group, "User=u"));
    h_free(&h);
}

static void test_stop_and_args(void)
{
    harness h;
    if (h_init(&h, COUNT_RULES("{gte: 1}", "10s"), NULL) != 0)
        return;
    h.stop_after = 1;
    CHECK_EQ_INT(h_event(&h, "t=0 EventID=4625 User=u"), SIGMA_E_TERMINATED);
    CHECK_EQ_INT(h_event(&h, "t=1 EventID=4625 User=u"), SIGMA_E_TERMINATED);
    CHECK_EQ_INT(h.n, 2);
    h.stop_after = 0;
    CHECK_EQ_INT(h_event(&h, "t=2 EventID=4625 User=u"), SIGMA_OK);
    CHECK_EQ_INT(h_stats(&h).matches, 3);
    uint32_t bad = 100000;
    CHECK_EQ_INT(sigma_correlator_feed(h.c, h.ev, 3, 1, &bad, 1, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_correlator_feed(h.c, h.ev, 3, 1, NULL, 1, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_correlator_feed(NULL, h.ev, 3, 1, NULL, 0, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_correlator_advance(NULL, 0, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_correlator_flush(NULL, NULL, NULL), SIGMA_E_INVALID_ARG);
    sigma_correlator_stats st;
    st.size = 4;
    CHECK_EQ_INT(sigma_correlator_get_stats(h.c, &st), SIGMA_E_SIZE);
    /* a stats struct from an older caller: only the fields it knows are written */
    struct {
        sigma_correlator_stats s;
        uint64_t guard;
    } small;
    memset(&small, 0xab, sizeof small);
    small.s.size = offsetof(sigma_correlator_stats, events_late);
    CHECK_EQ_INT(sigma_correlator_get_stats(h.c, &small.s), SIGMA_OK);
    CHECK_EQ_INT(small.s.events, 3);
    CHECK(small.s.events_late == 0xababababababababULL);
    /* options */
    sigma_correlator *c = NULL;
    sigma_correlator_options o;
    memset(&o, 0, sizeof o);
    o.size = 4;
    CHECK_EQ_INT(sigma_correlator_new(h.rs, &o, &c), SIGMA_E_SIZE);
    o.size = sizeof o;
    o.out_of_order_ms = -1;
    CHECK_EQ_INT(sigma_correlator_new(h.rs, &o, &c), SIGMA_E_INVALID_ARG);
    CHECK(c == NULL);
    CHECK_EQ_INT(sigma_correlator_new(NULL, NULL, &c), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_correlator_new(h.rs, NULL, NULL), SIGMA_E_INVALID_ARG);
    sigma_correlator_free(NULL);
    /* getters are safe on NULL */
    CHECK_EQ_INT(sigma_correlation_match_group_count(NULL), 0);
    CHECK(sigma_correlation_match_group_value(NULL, 0, NULL) == NULL);
    CHECK_EQ_INT(sigma_correlation_match_event_ref(NULL, 0), UINT64_MAX);
    /* the correlator keeps the ruleset alive */
    CHECK_EQ_INT(sigma_correlator_new(h.rs, NULL, &c), SIGMA_OK);
    sigma_ruleset *rs = h.rs;
    h.rs = NULL;
    sigma_correlator_free(h.c);
    h.c = NULL;
    sigma_ruleset_unref(rs);
    sigma_event_clear(h.ev);
    sigma_event_add_str(h.ev, "User", 4, "x", 1, 0);
    uint32_t r0 = 0;
    CHECK_EQ_INT(sigma_correlator_feed(c, h.ev, 0, 1, &r0, 1, NULL, NULL), SIGMA_OK);
    sigma_correlator_stats s;
    memset(&s, 0, sizeof s);
    s.size = sizeof s;
    CHECK_EQ_INT(sigma_correlator_get_stats(c, &s), SIGMA_OK);
    CHECK_EQ_INT(s.matches, 1);
    sigma_correlator_free(c);
    h_free(&h);
}

/* Groups that fired (restarted empty) are freed when their window is over. */
static void test_fired_groups_freed(void)
{
    harness h;
    if (h_init(&h, COUNT_RULES("{gte: 1}", "10s"), NULL) != 0)
        return;
    uint32_t rule = h_rule(&h, "failed");
    for (int i = 0; i < 1000; i++) {
        char user[32];
        snprintf(user, sizeof user, "u%d", i);
        sigma_event_clear(h.ev);
        sigma_event_add_str(h.ev, "User", 4, user, SIGMA_NUL_TERMINATED, SIGMA_VALUE_COPY);
        CHECK_EQ_INT(sigma_correlator_feed(h.c, h.ev, (int64_t)i * 1000, (uint64_t)i, &rule, 1,
                                           h_on_match, &h),
                     SIGMA_OK);
    }
    CHECK_EQ_INT(h.n, 1000);
    sigma_correlator_stats s = h_stats(&h);
    /* one event a second, 10 s windows: about 11 groups are still within reach */
    CHECK_MSG(s.groups_live <= 12, "%llu groups live", (unsigned long long)s.groups_live);
    CHECK_EQ_INT(s.groups_closed + s.groups_live, 1000);
    h_free(&h);
}

int main(void)
{
    test_group_limit();
    test_events_per_group();
    test_expiry();
    test_out_of_order();
    test_stop_and_args();
    test_fired_groups_freed();
    return TEST_DONE();
}
