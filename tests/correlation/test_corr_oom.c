/* Out-of-memory robustness of the correlator. The test executable defines malloc,
 * calloc, realloc, free and the aligned allocators itself (forwarding to glibc's
 * __libc_* entry points, as tests/api/test_noalloc.c does); these interpose the C
 * library's for libsigma.so too. While `armed`, the Nth allocation fails.
 *
 * A scenario (every correlation type the correlator treats differently: immediate
 * and deferred windows, a value list, an ordered chain, a chained correlation whose
 * entries own several refs, percentiles, a boolean condition with `not`; groups that
 * outgrow their inline entries, a hash table that grows, max_groups evictions and
 * max_events_per_group drops) is run through sigma_correlator_new / _feed / _advance /
 * _flush once per N, for every N up to the number of allocations the scenario makes,
 * with the Nth allocation failing. Asserted each time: every call returns SIGMA_OK or
 * SIGMA_E_NOMEM (and NOMEM at least once), the counters stay consistent
 * (groups_live = created - evicted - expired - closed, live <= peak bytes), a flush
 * empties the state, the same correlator then runs the scenario again with exactly the
 * matches and byte count of a run that never failed, and after sigma_correlator_free
 * every block it allocated is freed.
 *
 * Under AddressSanitizer the sanitizer owns malloc: the test prints SKIPPED and exits
 * 77 (meson: SKIP); it also skips off glibc. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "libc_alloc.h"

#ifdef LIBC_ALLOC_ACTIVE

#include "corr_harness.h"

static volatile int armed;             /* count (and maybe fail) allocations */
static volatile unsigned long calls;   /* allocations while armed */
static volatile unsigned long fail_at; /* fail the allocation with this number (0: none) */
static volatile unsigned long failed;  /* allocations failed */
static volatile long live;             /* blocks allocated minus freed while armed */

/* 1 when this allocation must fail. */
static int inject(void)
{
    if (!armed)
        return 0;
    if (++calls == fail_at) {
        failed++;
        return 1;
    }
    return 0;
}

void *malloc(size_t size)
{
    if (inject())
        return NULL;
    void *p = __libc_malloc(size);
    if (p && armed)
        live++;
    return p;
}

void *calloc(size_t n, size_t size)
{
    if (inject())
        return NULL;
    void *p = __libc_calloc(n, size);
    if (p && armed)
        live++;
    return p;
}

void *realloc(void *p, size_t size)
{
    if (inject())
        return NULL;
    void *q = __libc_realloc(p, size);
    if (q && !p && armed)
        live++;
    return q;
}

void free(void *p)
{
    if (p && armed)
        live--;
    __libc_free(p);
}

void *memalign(size_t align, size_t size);
void *memalign(size_t align, size_t size)
{
    if (inject())
        return NULL;
    return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
    if (inject())
        return NULL;
    return __libc_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    if (inject())
        return 12; /* ENOMEM */
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return 22; /* EINVAL */
    void *p = __libc_memalign(align, size);
    if (!p)
        return 12;
    *out = p;
    return 0;
}

/* ------------------------------------------------------------------ scenario */

#define RULES                                                                                      \
    "title: failed\nname: failed\nlogsource: {product: test}\n"                                    \
    "detection: {sel: {EventID: 4625}, condition: sel}\n"                                          \
    "---\ntitle: success\nname: success\nlogsource: {product: test}\n"                             \
    "detection: {sel: {EventID: 4624}, condition: sel}\n"                                          \
    "---\ntitle: transfer\nname: transfer\nlogsource: {product: test}\n"                           \
    "detection: {sel: {EventID: 3}, condition: sel}\n"                                             \
    "---\ntitle: burst\nname: burst\ncorrelation:\n  type: event_count\n  rules: [failed]\n"       \
    "  group-by: [User]\n  timespan: 60s\n  condition: {gte: 3}\n"                                 \
    "---\ntitle: bursts\nname: bursts\ncorrelation:\n  type: event_count\n  rules: [burst]\n"      \
    "  group-by: [User]\n  timespan: 10m\n  condition: {gte: 2}\n"                                 \
    "---\ntitle: hosts\nname: hosts\ncorrelation:\n  type: value_count\n  rules: [success]\n"      \
    "  group-by: [User]\n  timespan: 60s\n  condition: {gte: 2, field: Host}\n"                    \
    "---\ntitle: rare\nname: rare\ncorrelation:\n  type: event_count\n  rules: [failed]\n"         \
    "  group-by: [User]\n  timespan: 10s\n  condition: {lt: 2}\n"                                  \
    "---\ntitle: seq\nname: seq\ncorrelation:\n  type: temporal_ordered\n"                         \
    "  rules: [failed, success]\n  group-by: [User]\n  timespan: 60s\n"                            \
    "---\ntitle: big\nname: big\ncorrelation:\n  type: value_percentile\n  rules: [transfer]\n"    \
    "  group-by: [User]\n  timespan: 60s\n  condition: {gt: 100, field: Bytes, percentile: 90}\n"  \
    "---\ntitle: quiet\nname: quiet\ncorrelation:\n  type: temporal\n"                             \
    "  rules: [failed, success]\n  group-by: [User]\n  timespan: 20s\n"                            \
    "  condition: failed and not success\n"

enum { NSTEPS = 210 };

typedef struct step {
    int advance; /* 1: sigma_correlator_advance to t, 0: feed the event */
    int64_t t;
    char spec[128];
} step;

typedef struct scenario {
    harness h; /* ruleset, scratch and event; h.c is unused */
    step steps[NSTEPS];
    size_t n;
} scenario;

static void make_steps(scenario *s)
{
    s->n = 0;
    for (int i = 0; i < 200; i++) {
        step *st = &s->steps[s->n++];
        st->advance = 0;
        st->t = (int64_t)i * 500 + (int64_t)(i / 60) * 100000; /* a gap every 60 events */
        /* first 10 users, blocks of 4 events (failed, success, failed, failed; some a
         * transfer instead), then 40 users in blocks of 2 (the hash tables grow) */
        int user = i < 120 ? (i / 4) % 10 : 100 + (i / 2) % 40, host = (i / 3) % 5;
        const char *ev = i % 7 == 6 ? "3" : i % 4 == 1 ? "4624" : "4625";
        snprintf(st->spec, sizeof st->spec, "EventID=%s User=u%d Host=h%d Bytes=%d", ev, user, host,
                 (i * 37) % 400);
        if (i % 60 == 59) {
            st = &s->steps[s->n++];
            st->advance = 1;
            st->t = s->steps[s->n - 2].t + 50000; /* in the gap */
        }
    }
}

/* Builds the event of `spec` and matches it (not armed: only the correlator is
 * under test); returns the hit count written to hits[]. */
static uint32_t prepare(scenario *s, const char *spec, uint32_t *hits)
{
    harness *h = &s->h;
    sigma_event_clear(h->ev);
    char buf[128];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        *eq = 0;
        if (!strcmp(tok, "EventID") || !strcmp(tok, "Bytes"))
            sigma_event_add_int(h->ev, tok, SIGMA_NUL_TERMINATED, strtoll(eq + 1, NULL, 10));
        else
            sigma_event_add_str(h->ev, tok, SIGMA_NUL_TERMINATED, eq + 1, SIGMA_NUL_TERMINATED,
                                SIGMA_VALUE_COPY);
    }
    CHECK_EQ_INT(sigma_match(h->rs, h->scratch, h->ev, 0, NULL, NULL), SIGMA_OK);
    uint32_t n = 0;
    for (uint32_t i = 0; i < sigma_scratch_hit_count(h->scratch) && i < 16; i++)
        hits[n++] = sigma_scratch_hit_rule(h->scratch, i);
    return n;
}

static int count_match(const sigma_correlation_match *m, void *user)
{
    (void)m;
    (*(unsigned long *)user)++;
    return 0;
}

static void check_stats(sigma_correlator *c, unsigned long n)
{
    sigma_correlator_stats st;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    CHECK_EQ_INT(sigma_correlator_get_stats(c, &st), SIGMA_OK);
    CHECK_MSG(st.groups_live ==
                  st.groups_created - st.groups_evicted - st.groups_expired - st.groups_closed,
              "N=%lu: live %llu, created %llu, evicted %llu, expired %llu, closed %llu", n,
              (unsigned long long)st.groups_live, (unsigned long long)st.groups_created,
              (unsigned long long)st.groups_evicted, (unsigned long long)st.groups_expired,
              (unsigned long long)st.groups_closed);
    CHECK(st.bytes_in_use <= st.bytes_peak);
}

static uint64_t bytes_in_use(sigma_correlator *c)
{
    sigma_correlator_stats st;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    sigma_correlator_get_stats(c, &st);
    return st.bytes_in_use;
}

/* Feeds, advances and flushes the scenario. Statuses other than OK/NOMEM are
 * failures; returns the number of NOMEM statuses. */
static unsigned long run(scenario *s, sigma_correlator *c, unsigned long *matches, unsigned long n)
{
    unsigned long nomem = 0;
    int was = armed;
    for (size_t i = 0; i < s->n; i++) {
        const step *st = &s->steps[i];
        int rc;
        if (st->advance) {
            rc = sigma_correlator_advance(c, st->t, count_match, matches);
        } else {
            uint32_t hits[16];
            armed = 0;
            uint32_t nh = prepare(s, st->spec, hits);
            armed = was;
            rc = sigma_correlator_feed(c, s->h.ev, st->t, i + 1, hits, nh, count_match, matches);
        }
        CHECK_MSG(rc == SIGMA_OK || rc == SIGMA_E_NOMEM, "N=%lu step %zu: status %d", n, i, rc);
        nomem += rc == SIGMA_E_NOMEM;
        armed = 0;
        check_stats(c, n);
        armed = was;
    }
    int rc = sigma_correlator_flush(c, count_match, matches);
    CHECK_MSG(rc == SIGMA_OK || rc == SIGMA_E_NOMEM, "N=%lu flush: status %d", n, rc);
    nomem += rc == SIGMA_E_NOMEM;
    armed = 0;
    check_stats(c, n);
    armed = was;
    return nomem;
}

/* The scenario with allocation N failing, for every N; `o` are the limits. */
static void suite(scenario *s, const sigma_correlator_options *o, const char *name)
{
    /* the reference: no failure; how many allocations the scenario makes */
    sigma_correlator *c = NULL;
    unsigned long ref_matches = 0;
    calls = 0;
    fail_at = 0;
    live = 0;
    armed = 1;
    CHECK_EQ_INT(sigma_correlator_new(s->h.rs, o, &c), SIGMA_OK);
    if (!c)
        return;
    CHECK_EQ_INT(run(s, c, &ref_matches, 0), 0);
    unsigned long total = calls;
    armed = 0;
    sigma_correlator_stats rst;
    memset(&rst, 0, sizeof rst);
    rst.size = sizeof rst;
    CHECK_EQ_INT(sigma_correlator_get_stats(c, &rst), SIGMA_OK);
    armed = 1;
    ref_matches = 0;
    CHECK_EQ_INT(run(s, c, &ref_matches, 0), 0); /* again, after a flush */
    armed = 0;
    uint64_t ref_bytes = bytes_in_use(c);
    armed = 1;
    sigma_correlator_free(c);
    armed = 0;
    CHECK_EQ_INT(live, 0);
    CHECK(ref_matches > 50); /* the scenario fires a fair number of times */
    CHECK(total > 500);
    printf("%s: %lu allocations, %lu matches; %llu groups created, %llu evicted, %llu events "
           "dropped\n",
           name, total, ref_matches, (unsigned long long)rst.groups_created,
           (unsigned long long)rst.groups_evicted, (unsigned long long)rst.events_dropped);
    if (o->max_groups && o->max_groups < 40)
        CHECK(rst.groups_evicted > 0);
    if (o->max_events_per_group && o->max_events_per_group < 10)
        CHECK(rst.events_dropped > 0);

    unsigned long nomem_runs = 0, new_failed = 0;
    for (unsigned long n = 1; n <= total; n++) {
        calls = 0;
        failed = 0;
        live = 0;
        fail_at = n;
        armed = 1;
        c = NULL;
        int rc = sigma_correlator_new(s->h.rs, o, &c);
        CHECK(rc == SIGMA_OK || (rc == SIGMA_E_NOMEM && c == NULL));
        if (rc != SIGMA_OK) {
            new_failed++;
            armed = 0;
            CHECK_EQ_INT(live, 0);
            continue;
        }
        unsigned long m = 0;
        unsigned long nomem = run(s, c, &m, n);
        /* the one failed allocation is reported by the call it happened in, and only
         * there */
        CHECK_MSG(nomem == failed, "N=%lu: %lu NOMEM statuses, %lu allocations failed", n, nomem,
                  failed);
        nomem_runs += nomem > 0;
        /* flushed: no state left */
        armed = 0;
        sigma_correlator_stats st;
        memset(&st, 0, sizeof st);
        st.size = sizeof st;
        CHECK_EQ_INT(sigma_correlator_get_stats(c, &st), SIGMA_OK);
        CHECK_MSG(st.groups_live == 0, "N=%lu: %llu groups live after flush", n,
                  (unsigned long long)st.groups_live);
        /* still usable: the scenario again, without failures, gives the reference */
        fail_at = 0;
        armed = 1;
        m = 0;
        CHECK_EQ_INT(run(s, c, &m, n), 0);
        CHECK_MSG(m == ref_matches, "N=%lu: %lu matches after recovery, want %lu", n, m,
                  ref_matches);
        armed = 0;
        CHECK_MSG(bytes_in_use(c) == ref_bytes, "N=%lu: %llu bytes in use, want %llu", n,
                  (unsigned long long)bytes_in_use(c), (unsigned long long)ref_bytes);
        armed = 1;
        sigma_correlator_free(c);
        armed = 0;
        CHECK_MSG(live == 0, "N=%lu: %ld blocks leaked", n, live);
    }
    printf("%s: %lu of %lu runs saw SIGMA_E_NOMEM (%lu in sigma_correlator_new)\n", name,
           nomem_runs + new_failed, total, new_failed);
    CHECK_EQ_INT(nomem_runs + new_failed, total); /* every failure was reported */
}

int main(void)
{
    static scenario s;
    s.h.rs = build_rs(RULES, 0);
    if (!s.h.rs)
        return TEST_DONE();
    CHECK_EQ_INT(sigma_scratch_reserve(s.h.rs, &s.h.scratch), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&s.h.ev), SIGMA_OK);
    make_steps(&s);

    const sigma_correlator_options few_events = {
        .size = sizeof few_events, .max_groups = 100, .max_events_per_group = 4};
    const sigma_correlator_options few_groups = {.size = sizeof few_groups, .max_groups = 6};
    suite(&s, &few_events, "max_events_per_group 4");
    suite(&s, &few_groups, "max_groups 6");

    sigma_event_free(s.h.ev);
    sigma_scratch_free(s.h.scratch);
    sigma_ruleset_unref(s.h.rs);
    return TEST_DONE();
}

#else /* !LIBC_ALLOC_ACTIVE */

int main(void)
{
#ifdef LIBC_ALLOC_SANITIZER
    puts("SKIPPED: AddressSanitizer owns malloc; allocation failures cannot be injected");
#else
    puts("SKIPPED: injecting allocation failures needs glibc (__libc_malloc)");
#endif
    return 77;
}

#endif
