/* Every correlation type and condition operator of sigma-semantics.md §6 through the
 * public API, with the window edges exactly at the timespan; vectors 65-68 of §9. */
#include "corr_harness.h"

/* Detection rules every test below references by name. */
#define BASE_RULES                                                                                 \
    "title: failed logon\nname: failed\nid: 11111111-0000-0000-0000-000000000001\n"                \
    "logsource: {product: test}\n"                                                                 \
    "detection: {sel: {EventID: 4625}, condition: sel}\n"                                          \
    "---\ntitle: success logon\nname: success\nlogsource: {product: test}\n"                       \
    "detection: {sel: {EventID: 4624}, condition: sel}\n"                                          \
    "---\ntitle: rule A\nname: rule_a\nlogsource: {product: test}\n"                               \
    "detection: {sel: {Kind: a}, condition: sel}\n"                                                \
    "---\ntitle: rule B\nname: rule_b\nlogsource: {product: test}\n"                               \
    "detection: {sel: {Kind: b}, condition: sel}\n"                                                \
    "---\ntitle: rule C\nname: rule_c\nlogsource: {product: test}\n"                               \
    "detection: {sel: {Kind: c}, condition: sel}\n"                                                \
    "---\ntitle: transfer\nname: transfer\nlogsource: {product: test}\n"                           \
    "detection: {sel: {EventID: 3}, condition: sel}\n"

/* A correlation document over BASE_RULES: `body` is the correlation map's content. */
static char *corr_doc(const char *name, const char *body)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s---\ntitle: corr %s\nname: %s\nlevel: high\ncorrelation:\n%s",
             BASE_RULES, name, name, body);
    return buf;
}

/* Vector 65 and the window edge: t=0,30,59 fires at 59; 0,30,60 fires (span = timespan);
 * 0,30,61 does not. */
static void test_event_count_window(void)
{
    const char *body = "  type: event_count\n  rules: [failed]\n  group-by: [User]\n"
                       "  timespan: 60s\n  condition: {gte: 3}\n";
    harness h;
    if (h_init(&h, corr_doc("ec", body), NULL) != 0)
        return;
    const char *fire59[] = {"t=0 EventID=4625 User=u", "t=30 EventID=4625 User=u", NULL};
    CHECK_EQ_INT(h_events(&h, fire59), 0);
    CHECK_EQ_INT(h_event(&h, "t=59 EventID=4625 User=u"), SIGMA_OK);
    CHECK_EQ_INT(h_count(&h, "ec"), 1); /* fired as soon as true */
    const got *g = h_last(&h, "ec");
    if (g) {
        CHECK_EQ_INT(g->value, 3);
        CHECK_EQ_INT(g->first, 0);
        CHECK_EQ_INT(g->last, 59000);
        CHECK_EQ_STR(g->group, "User=u");
        CHECK_EQ_INT(g->total, 3);
        CHECK_EQ_INT(g->nrefs, 3);
        CHECK_EQ_INT(g->refs[0], 1);
        CHECK_EQ_INT(g->refs[2], 3);
    }
    h_free(&h);

    if (h_init(&h, corr_doc("ec", body), NULL) != 0)
        return;
    const char *edge[] = {"t=100 EventID=4625 User=u", "t=130 EventID=4625 User=u",
                          "t=160 EventID=4625 User=u", NULL};
    CHECK_EQ_INT(h_events(&h, edge), 1);
    h_free(&h);

    if (h_init(&h, corr_doc("ec", body), NULL) != 0)
        return;
    const char *late[] = {"t=0 EventID=4625 User=u", "t=30 EventID=4625 User=u",
                          "t=61 EventID=4625 User=u", NULL};
    CHECK_EQ_INT(h_events(&h, late), 0);
    CHECK_EQ_INT(h_flush(&h), 0);
    /* other users and other events never count */
    const char *mixed[] = {"t=100 EventID=4625 User=u", "t=101 EventID=4625 User=v",
                           "t=102 EventID=4624 User=u", "t=103 EventID=4625 User=v", NULL};
    CHECK_EQ_INT(h_events(&h, mixed), 0);
    /* after firing the group starts over: 3 more are needed */
    const char *again[] = {"t=104 EventID=4625 User=v", "t=105 EventID=4625 User=v",
                           "t=106 EventID=4625 User=v", "t=107 EventID=4625 User=v",
                           "t=108 EventID=4625 User=v", NULL};
    /* v: 101, 103, 104 fire; 105, 106, 107 fire again; 108 starts a third round */
    int n = h_events(&h, again);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(h_event(&h, "t=109 EventID=4625 User=v"), SIGMA_OK);
    CHECK_EQ_INT(h_count(&h, "ec"), 2);
    CHECK_EQ_INT(h_event(&h, "t=110 EventID=4625 User=v"), SIGMA_OK);
    CHECK_EQ_INT(h_count(&h, "ec"), 3);
    h_free(&h);
}

/* Vector 68: an event without the group-by field is ignored. */
static void test_missing_group_field(void)
{
    const char *body = "  type: event_count\n  rules: [failed]\n  group-by: [User]\n"
                       "  timespan: 60s\n  condition: {gte: 3}\n";
    harness h;
    if (h_init(&h, corr_doc("ec", body), NULL) != 0)
        return;
    const char *ev[] = {"t=0 EventID=4625 User=u", "t=1 EventID=4625", "t=2 EventID=4625 Other=u",
                        "t=3 EventID=4625 User=u", NULL};
    CHECK_EQ_INT(h_events(&h, ev), 0);
    CHECK_EQ_INT(h_event(&h, "t=4 EventID=4625 User=u"), SIGMA_OK);
    CHECK_EQ_INT(h_count(&h, "ec"), 1);
    h_free(&h);

    /* without group-by every event is in one group */
    const char *global = "  type: event_count\n  rules: [failed]\n"
                         "  timespan: 10s\n  condition: {gte: 2}\n";
    if (h_init(&h, corr_doc("g", global), NULL) != 0)
        return;
    const char *ev2[] = {"t=0 EventID=4625 User=a", "t=5 EventID=4625", NULL};
    CHECK_EQ_INT(h_events(&h, ev2), 1);
    const got *g = h_last(&h, "g");
    CHECK(g && g->group[0] == 0);
    h_free(&h);
}

/* Vector 66: distinct values; x,x,y fires; x,x,x does not; x,X fires (exact). */
static void test_value_count(void)
{
    const char *body = "  type: value_count\n  rules: [failed]\n  group-by: [Src]\n"
                       "  timespan: 60s\n  condition: {field: Target, gte: 2}\n";
    harness h;
    if (h_init(&h, corr_doc("vc", body), NULL) != 0)
        return;
    const char *xxy[] = {"t=0 EventID=4625 Src=s Target=x", "t=1 EventID=4625 Src=s Target=x",
                         NULL};
    CHECK_EQ_INT(h_events(&h, xxy), 0);
    CHECK_EQ_INT(h_event(&h, "t=2 EventID=4625 Src=s Target=y"), SIGMA_OK);
    CHECK_EQ_INT(h_count(&h, "vc"), 1);
    const got *g = h_last(&h, "vc");
    CHECK(g && g->value == 2 && g->total == 3);
    const char *xxx[] = {"t=100 EventID=4625 Src=s Target=x", "t=101 EventID=4625 Src=s Target=x",
                         "t=102 EventID=4625 Src=s Target=x",
                         /* without the field: no value */
                         "t=103 EventID=4625 Src=s", NULL};
    CHECK_EQ_INT(h_events(&h, xxx), 0);
    const char *case_[] = {"t=200 EventID=4625 Src=t Target=x", "t=201 EventID=4625 Src=t Target=X",
                           NULL};
    CHECK_EQ_INT(h_events(&h, case_), 1);
    h_free(&h);

    /* a list of fields: distinct tuples; an event lacking one of them adds no value */
    const char *tuple = "  type: value_count\n  rules: [failed]\n  group-by: [Src]\n"
                        "  timespan: 60s\n  condition: {field: [Target, Port], gte: 2}\n";
    if (h_init(&h, corr_doc("tv", tuple), NULL) != 0)
        return;
    const char *tev[] = {"t=0 EventID=4625 Src=s Target=x Port=1",
                         "t=1 EventID=4625 Src=s Target=x Port=1",
                         "t=2 EventID=4625 Src=s Target=y", NULL};
    int nt = h_events(&h, tev);
    CHECK_EQ_INT(nt, 0);
    CHECK_EQ_INT(h_event(&h, "t=3 EventID=4625 Src=s Target=x Port=2"), SIGMA_OK);
    CHECK(h.n == 1 && h.m[0].value == 2 && h.m[0].total == 4);
    h_free(&h);

    /* lt: few distinct values, decided at window close */
    const char *rare = "  type: value_count\n  rules: [failed]\n  group-by: [Src]\n"
                       "  timespan: 10s\n  condition: {field: Target, lt: 2}\n";
    if (h_init(&h, corr_doc("rare", rare), NULL) != 0)
        return;
    const char *ev[] = {"t=0 EventID=4625 Src=a Target=x", "t=5 EventID=4625 Src=a Target=x",
                        "t=1 EventID=4625 Src=b Target=x", "t=2 EventID=4625 Src=b Target=y", NULL};
    CHECK_EQ_INT(h_events(&h, ev), 0);
    CHECK_EQ_INT(h_advance(&h, 10), 0); /* a's window [0,10] still open at 10 */
    CHECK_EQ_INT(h_advance(&h, 10.001), 1);
    g = h_last(&h, "rare");
    CHECK(g && !strcmp(g->group, "Src=a") && g->value == 1);
    CHECK_EQ_INT(h_advance(&h, 20), 0); /* b had 2 distinct values */
    h_free(&h);
}

/* Vector 67: temporal fires whatever the order; temporal_ordered only in order. */
static void test_temporal(void)
{
    const char *t = "  type: temporal\n  rules: [rule_a, rule_b]\n  group-by: [Host]\n"
                    "  timespan: 300s\n";
    const char *o = "  type: temporal_ordered\n  rules: [rule_a, rule_b]\n  group-by: [Host]\n"
                    "  timespan: 300s\n";
    harness h;
    const char *ba[] = {"t=0 Kind=b Host=h", "t=60 Kind=a Host=h", NULL};
    const char *ab[] = {"t=0 Kind=a Host=h", "t=60 Kind=b Host=h", NULL};
    const char *other_host[] = {"t=0 Kind=a Host=h", "t=60 Kind=b Host=g", NULL};
    const char *too_far[] = {"t=0 Kind=a Host=h", "t=301 Kind=b Host=h", NULL};
    const char *edge[] = {"t=0 Kind=a Host=h", "t=300 Kind=b Host=h", NULL};
    const char *same[] = {"t=0 Kind=a Host=h", "t=10 Kind=a Host=h", NULL};
    struct {
        const char *body;
        const char *const *ev;
        int want;
    } cases[] = {{t, ba, 1},      {o, ba, 0},      {t, ab, 1},   {o, ab, 1},   {t, other_host, 0},
                 {t, too_far, 0}, {o, too_far, 0}, {t, edge, 1}, {o, edge, 1}, {t, same, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (h_init(&h, corr_doc("tc", cases[i].body), NULL) != 0)
            return;
        int n = h_events(&h, cases[i].ev) + h_flush(&h);
        CHECK_MSG(n == cases[i].want, "case %zu: %d matches, want %d", i, n, cases[i].want);
        if (n == 1)
            CHECK_EQ_INT(h.m[0].value, 2);
        h_free(&h);
    }

    /* the match reports the events of the ordered chain, not the whole window */
    if (h_init(&h, corr_doc("tc", o), NULL) != 0)
        return;
    const char *chain[] = {"t=0 Kind=b Host=h", "t=10 Kind=a Host=h", "t=20 Kind=a Host=h",
                           "t=30 Kind=b Host=h", NULL};
    int nchain = h_events(&h, chain);
    CHECK_EQ_INT(nchain, 1);
    CHECK(h.n == 1 && h.m[0].nrefs == 2 && h.m[0].refs[0] == 2 && h.m[0].refs[1] == 4 &&
          h.m[0].first == 10000 && h.m[0].last == 30000 && h.m[0].total == 2);
    h_free(&h);

    /* ordered with three rules: b, a, b, c has a -> b -> c in order */
    const char *o3 = "  type: temporal_ordered\n  rules: [rule_a, rule_b, rule_c]\n"
                     "  group-by: [Host]\n  timespan: 5m\n";
    if (h_init(&h, corr_doc("o3", o3), NULL) != 0)
        return;
    const char *seq[] = {"t=0 Kind=b Host=h", "t=1 Kind=a Host=h", "t=2 Kind=c Host=h", NULL};
    CHECK_EQ_INT(h_events(&h, seq), 0);
    CHECK_EQ_INT(h_event(&h, "t=3 Kind=b Host=h"), SIGMA_OK);
    CHECK_EQ_INT(h.n, 0); /* a, b seen in order; c came before b */
    CHECK_EQ_INT(h_event(&h, "t=4 Kind=c Host=h"), SIGMA_OK);
    CHECK_EQ_INT(h.n, 1);
    h_free(&h);

    /* gte 2 of 3 rules: any two distinct rules */
    const char *two = "  type: temporal\n  rules: [rule_a, rule_b, rule_c]\n"
                      "  group-by: [Host]\n  timespan: 5m\n  condition: {gte: 2}\n";
    if (h_init(&h, corr_doc("two", two), NULL) != 0)
        return;
    const char *ev2[] = {"t=0 Kind=c Host=h", "t=1 Kind=c Host=h", NULL};
    CHECK_EQ_INT(h_events(&h, ev2), 0);
    CHECK_EQ_INT(h_event(&h, "t=2 Kind=a Host=h"), SIGMA_OK);
    CHECK_EQ_INT(h.n, 1);
    h_free(&h);
}

/* The extended boolean condition (§6.4): `not` atoms are decided at window close. */
static void test_bool_condition(void)
{
    const char *body = "  type: temporal\n  group-by: [Host]\n  timespan: 60s\n"
                       "  condition: rule_a and (rule_b or not rule_c)\n";
    harness h;
    if (h_init(&h, corr_doc("bc", body), NULL) != 0)
        return;
    /* h1: a only -> true at close (no c); h2: a and c -> false; h3: a, c, b -> true */
    const char *ev[] = {"t=0 Kind=a Host=h1",
                        "t=0 Kind=a Host=h2",
                        "t=0 Kind=a Host=h3",
                        "t=1 Kind=c Host=h2",
                        "t=1 Kind=c Host=h3",
                        "t=2 Kind=b Host=h3",
                        NULL};
    CHECK_EQ_INT(h_events(&h, ev), 0); /* nothing before the windows close */
    CHECK_EQ_INT(h_advance(&h, 60), 0);
    CHECK_EQ_INT(h_advance(&h, 61), 2);
    int h1 = 0, h3 = 0;
    for (int i = 0; i < h.n; i++) {
        h1 += !strcmp(h.m[i].group, "Host=h1");
        h3 += !strcmp(h.m[i].group, "Host=h3");
    }
    CHECK(h1 == 1 && h3 == 1);
    h_free(&h);

    /* without `not` the condition fires as soon as it holds */
    const char *pos = "  type: temporal\n  group-by: [Host]\n  timespan: 60s\n"
                      "  condition: rule_a and rule_b\n";
    if (h_init(&h, corr_doc("pos", pos), NULL) != 0)
        return;
    const char *ev2[] = {"t=0 Kind=b Host=h", "t=5 Kind=c Host=h", NULL};
    CHECK_EQ_INT(h_events(&h, ev2), 0);
    CHECK_EQ_INT(h_event(&h, "t=6 Kind=a Host=h"), SIGMA_OK);
    CHECK_EQ_INT(h.n, 1);
    h_free(&h);
}

/* Each operator: gt/gte fire on the event that makes them true; lt/lte/eq/neq and
 * ranges at window close. */
static void test_operators(void)
{
    struct {
        const char *cond;
        int events;    /* events of one group at t=0,1,2... */
        int immediate; /* matches before any window closes */
        int total;     /* after the flush */
    } cases[] = {
        {"{gt: 2}", 2, 0, 0},         {"{gt: 2}", 3, 1, 1},         {"{gte: 2}", 1, 0, 0},
        {"{gte: 2}", 2, 1, 1},        {"{lt: 3}", 2, 0, 1},         {"{lt: 3}", 3, 0, 0},
        {"{lte: 3}", 3, 0, 1},        {"{lte: 3}", 4, 0, 0},        {"{eq: 3}", 3, 0, 1},
        {"{eq: 3}", 2, 0, 0},         {"{eq: 3}", 4, 0, 0},         {"{neq: 3}", 2, 0, 1},
        {"{neq: 3}", 3, 0, 0},        {"{gt: 1, lte: 3}", 1, 0, 0}, {"{gt: 1, lte: 3}", 2, 0, 1},
        {"{gt: 1, lte: 3}", 3, 0, 1}, {"{gt: 1, lte: 3}", 4, 0, 0}, {"{gte: 2, lt: 4}", 3, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "  type: event_count\n  rules: [failed]\n  group-by: [User]\n"
                 "  timespan: 1m\n  condition: %s\n",
                 cases[i].cond);
        harness h;
        if (h_init(&h, corr_doc("op", body), NULL) != 0)
            return;
        for (int e = 0; e < cases[i].events; e++) {
            char ev[64];
            snprintf(ev, sizeof ev, "t=%d EventID=4625 User=u", e);
            CHECK_EQ_INT(h_event(&h, ev), SIGMA_OK);
        }
        int imm = h.n;
        h_flush(&h);
        CHECK_MSG(imm == cases[i].immediate && h.n == cases[i].total,
                  "%s with %d events: %d immediate, %d total; want %d, %d", cases[i].cond,
                  cases[i].events, imm, h.n, cases[i].immediate, cases[i].total);
        if (h.n == 1)
            CHECK_EQ_INT(h.m[0].value, cases[i].events);
        h_free(&h);
    }
}

/* value_sum / value_avg / value_percentile / value_median. */
static void test_value_aggregates(void)
{
    harness h;
    const char *sum = "  type: value_sum\n  rules: [transfer]\n  group-by: [User]\n"
                      "  timespan: 1h\n  condition: {field: Bytes, gt: 1000}\n";
    if (h_init(&h, corr_doc("sum", sum), NULL) != 0)
        return;
    const char *ev[] = {"t=0 EventID=3 User=u Bytes=400", "t=10 EventID=3 User=u Bytes=notanumber",
                        "t=20 EventID=3 User=u Bytes=600", "t=20 EventID=3 User=v Bytes=5000",
                        NULL};
    CHECK_EQ_INT(h_events(&h, ev), 1); /* v: 5000 at once; u: 1000 is not > 1000 */
    CHECK_EQ_INT(h_event(&h, "t=3600 EventID=3 User=u Bytes=1"), SIGMA_OK);
    CHECK_EQ_INT(h.n, 2); /* 400 + 600 + 1 within [0, 3600] */
    const got *g = h_last(&h, "sum");
    CHECK(g && g->value == 1001 && !strcmp(g->group, "User=u"));
    h_free(&h);

    const char *avg = "  type: value_avg\n  rules: [transfer]\n  group-by: [User]\n"
                      "  timespan: 1h\n  condition: {field: Bytes, gt: 500}\n";
    if (h_init(&h, corr_doc("avg", avg), NULL) != 0)
        return;
    const char *ev2[] = {"t=0 EventID=3 User=u Bytes=100", "t=1 EventID=3 User=u Bytes=800", NULL};
    CHECK_EQ_INT(h_events(&h, ev2), 0); /* avg 450 */
    CHECK_EQ_INT(h_event(&h, "t=2 EventID=3 User=u Bytes=900"), SIGMA_OK);
    CHECK_EQ_INT(h.n, 1); /* avg 600 */
    CHECK(h.n == 1 && h.m[0].value == 600);
    h_free(&h);

    const char *pct = "  type: value_percentile\n  rules: [transfer]\n  group-by: [User]\n"
                      "  timespan: 1h\n  condition: {field: Ms, percentile: 90, gte: 91}\n";
    if (h_init(&h, corr_doc("pct", pct), NULL) != 0)
        return;
    for (int i = 1; i <= 10; i++) {
        char e[64];
        snprintf(e, sizeof e, "t=%d EventID=3 User=u Ms=%d", i, i * 10);
        CHECK_EQ_INT(h_event(&h, e), SIGMA_OK);
    }
    /* 90th percentile of 10..100 (linear) = 91 */
    CHECK_EQ_INT(h.n, 1);
    CHECK(h.n == 1 && h.m[0].value > 90.99 && h.m[0].value < 91.01);
    h_free(&h);

    const char *med = "  type: value_median\n  rules: [transfer]\n  group-by: [User]\n"
                      "  timespan: 1h\n  condition: {field: Ms, lte: 20}\n";
    if (h_init(&h, corr_doc("med", med), NULL) != 0)
        return;
    const char *ev3[] = {"t=0 EventID=3 User=u Ms=10",  "t=1 EventID=3 User=u Ms=30",
                         "t=2 EventID=3 User=u Ms=20",  "t=0 EventID=3 User=v Ms=10",
                         "t=1 EventID=3 User=v Ms=300", "t=2 EventID=3 User=v Ms=200",
                         "t=3 EventID=3 User=w",        NULL};
    CHECK_EQ_INT(h_events(&h, ev3), 0);
    CHECK_EQ_INT(h_flush(&h), 1); /* u: median 20; v: 200; w: no values */
    g = h_last(&h, "med");
    CHECK(g && g->value == 20 && !strcmp(g->group, "User=u"));
    h_free(&h);
}

/* Timespan units. */
static void test_units(void)
{
    struct {
        const char *span;
        double edge; /* seconds */
    } cases[] = {{"45s", 45},    {"2m", 120},     {"1h", 3600},    {"1d", 86400},
                 {"1w", 604800}, {"1M", 2629746}, {"1y", 31556952}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "  type: event_count\n  rules: [failed]\n  group-by: [User]\n"
                 "  timespan: %s\n  condition: {gte: 2}\n",
                 cases[i].span);
        harness h;
        if (h_init(&h, corr_doc("u", body), NULL) != 0)
            return;
        char a[64], b[64], c[64];
        snprintf(a, sizeof a, "t=0 EventID=4625 User=in");
        snprintf(b, sizeof b, "t=%.3f EventID=4625 User=in", cases[i].edge);
        CHECK_EQ_INT(h_event(&h, a), SIGMA_OK);
        CHECK_EQ_INT(h_event(&h, b), SIGMA_OK);
        CHECK_MSG(h.n == 1, "%s: at the edge %d matches", cases[i].span, h.n);
        snprintf(a, sizeof a, "t=%.3f EventID=4625 User=out", cases[i].edge * 2);
        snprintf(c, sizeof c, "t=%.3f EventID=4625 User=out", cases[i].edge * 3 + 0.001);
        CHECK_EQ_INT(h_event(&h, a), SIGMA_OK);
        CHECK_EQ_INT(h_event(&h, c), SIGMA_OK);
        CHECK_MSG(h.n == 1, "%s: past the edge %d matches", cases[i].span, h.n);
        h_free(&h);
    }
}

/* Group-by values of every event value type, as text. */
static void test_group_value_text(void)
{
    const char *body = "  type: event_count\n  rules: [failed]\n  group-by: [F, I, B]\n"
                       "  timespan: 1m\n  condition: {gte: 1}\n";
    harness h;
    if (h_init(&h, corr_doc("gv", body), NULL) != 0)
        return;
    sigma_event_clear(h.ev);
    sigma_event_add_int(h.ev, "EventID", 7, 4625);
    sigma_event_add_float(h.ev, "F", 1, 0.1);
    sigma_event_add_int(h.ev, "I", 1, -42);
    sigma_event_add_bool(h.ev, "B", 1, 1);
    sigma_event_add_bool(h.ev, "B", 1, 0); /* multi-valued: the first value counts */
    uint32_t r = h_rule(&h, "failed");
    CHECK_EQ_INT(sigma_correlator_feed(h.c, h.ev, 0, 1, &r, 1, h_on_match, &h), SIGMA_OK);
    CHECK(h.n == 1 && !strcmp(h.m[0].group, "F=0.1,I=-42,B=true"));
    sigma_event_clear(h.ev);
    sigma_event_add_float(h.ev, "F", 1, 1.0 / 3.0);
    sigma_event_add_int(h.ev, "I", 1, 1);
    sigma_event_add_empty(h.ev, "B", 1); /* empty: ignored */
    CHECK_EQ_INT(sigma_correlator_feed(h.c, h.ev, 1, 2, &r, 1, h_on_match, &h), SIGMA_OK);
    CHECK_EQ_INT(h.n, 1);
    sigma_event_clear(h.ev);
    sigma_event_add_float(h.ev, "F", 1, 1.0 / 3.0);
    sigma_event_add_int(h.ev, "I", 1, 1);
    sigma_event_add_str(h.ev, "B", 1, "", 0, 0); /* an empty string is a value */
    CHECK_EQ_INT(sigma_correlator_feed(h.c, h.ev, 2, 3, &r, 1, h_on_match, &h), SIGMA_OK);
    CHECK(h.n == 2 && !strcmp(h.m[1].group, "F=0.33333333333333331,I=1,B="));
    h_free(&h);
}

/* An event feeding many (correlation, rule) pairs: 20 temporal correlations over two
 * rules that both match it (40 pairs) and one event_count over the same two rules
 * (the event counts once). */
static void test_many_hooks(void)
{
    static char yaml[16384];
    size_t pos = (size_t)snprintf(yaml, sizeof yaml,
                                  "title: p\nname: p\nlogsource: {product: test}\n"
                                  "detection: {sel: {EventID: 1}, condition: sel}\n"
                                  "---\ntitle: q\nname: q\nlogsource: {product: test}\n"
                                  "detection: {sel: {EventID: 1}, condition: sel}\n"
                                  "---\ntitle: count\nname: count\ncorrelation:\n"
                                  "  type: event_count\n  rules: [p, q]\n  timespan: 1m\n"
                                  "  condition: {gte: 2}\n");
    for (int i = 0; i < 20; i++)
        pos += (size_t)snprintf(yaml + pos, sizeof yaml - pos,
                                "---\ntitle: t%d\nname: t%d\ncorrelation:\n  type: temporal\n"
                                "  rules: [q, p]\n  group-by: [Host]\n  timespan: 1m\n",
                                i, i);
    harness h;
    if (h_init(&h, yaml, NULL) != 0)
        return;
    CHECK_EQ_INT(h_event(&h, "t=0 EventID=1 Host=h"), SIGMA_OK);
    CHECK_EQ_INT(h.n, 20); /* every temporal one saw both rules */
    CHECK_EQ_INT(h_count(&h, "count"), 0);
    CHECK_EQ_INT(h_event(&h, "t=1 EventID=1 Host=h"), SIGMA_OK);
    CHECK_EQ_INT(h_count(&h, "count"), 1);
    CHECK_EQ_INT(h_count(&h, "t7"), 2);
    h_free(&h);
}

int main(void)
{
    test_event_count_window();
    test_missing_group_field();
    test_value_count();
    test_temporal();
    test_bool_condition();
    test_operators();
    test_value_aggregates();
    test_units();
    test_group_value_text();
    test_many_hooks();
    return TEST_DONE();
}
