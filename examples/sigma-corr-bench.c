/* sigma-corr-bench - soak benchmark of libsigma's correlator.
 *
 *   sigma-corr-bench [--events N] [--correlations C] [--groups G] [--no-limits]
 *                    [--max-groups M] [--step-ms S] [--seed X] [--match-only]
 *
 * Generates a ruleset in memory (20 detection rules `EventID: k` and C correlation
 * rules that cycle through all eight types, grouped by User, timespans of 1, 2, 5
 * and 10 minutes) and N synthetic events (no JSON: built with sigma_event_add_*),
 * each with a random EventID 1..20, one of G users, one of 16 targets and a byte
 * count, S ms apart in stream time. Every event goes through sigma_match and then
 * sigma_correlator_feed, on one thread, in time order. Prints one JSON object:
 *   {"events": N, "correlations": C, "groups": G, "limits": true|false,
 *    "max_groups": M|null, "max_events_per_group": E|null, "detection_hits": H,
 *    "matches": M, "seconds": s, "events_per_s": x, "cpu_seconds": s,
 *    "events_per_cpu_s": x, "peak_rss_kb": K,
 *    "groups_created": n, "groups_evicted": n, "events_dropped": n,
 *    "state_peak_bytes": n}
 * Limits on (the default): at most M groups per correlation (default 10000) and
 * 1000 events per group; --no-limits lifts both. --match-only skips the correlator
 * (the same events through sigma_match alone), for a ratio measured in one place. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <sigma/sigma.h>

#define BASE_RULES 20
#define TARGETS 16

static const char *const types[8] = {"event_count",      "value_count", "temporal",
                                     "temporal_ordered", "value_sum",   "value_avg",
                                     "value_percentile", "value_median"};
static const int timespans_min[4] = {1, 2, 5, 10};

typedef struct config {
    uint64_t events;
    uint32_t correlations;
    uint32_t groups;
    uint32_t max_groups;
    int64_t step_ms;
    uint64_t seed;
    int limits;
    int match_only;
} config;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "sigma-corr-bench: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static void usage(void)
{
    fputs("usage: sigma-corr-bench [--events N] [--correlations C] [--groups G] [--no-limits]\n"
          "                        [--max-groups M] [--step-ms S] [--seed X] [--match-only]\n",
          stderr);
    exit(2);
}

static uint64_t parse_u64(const char *s, const char *what, uint64_t min, uint64_t max)
{
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (!s[0] || *end || s[0] == '-' || v < min || v > max)
        die("bad number for", what);
    return v;
}

/* xorshift64*: deterministic, fast, good enough to spread group keys. */
static uint64_t next_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * UINT64_C(2685821657736338717);
}

/* A growable text buffer for the generated YAML. */
typedef struct text {
    char *data;
    size_t len, cap;
} text;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
add(text *t, const char *fmt, ...);

static void add(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n =
            vsnprintf(t->data ? t->data + t->len : NULL, t->data ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            die("formatting failed", NULL);
        if (t->data && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *p = realloc(t->data, cap);
        if (!p)
            die("out of memory", NULL);
        t->data = p;
        t->cap = cap;
    }
}

/* The detection rules and C correlations. Thresholds are set so that every type
 * fires now and then with the default figures (many groups see a single event in a
 * window, some see several). */
static void make_rules(text *t, uint32_t ncorr)
{
    for (int k = 1; k <= BASE_RULES; k++)
        add(t,
            "title: Base %d\nname: base_%d\nstatus: test\nlogsource:\n    product: bench\n"
            "detection:\n    selection:\n        EventID: %d\n    condition: selection\n---\n",
            k, k, k);
    for (uint32_t c = 0; c < ncorr; c++) {
        const char *type = types[c % 8];
        int r1 = (int)(c % BASE_RULES) + 1, r2 = (int)((c + 7) % BASE_RULES) + 1;
        add(t,
            "title: Correlation %u (%s)\nname: corr_%u\nstatus: test\nlevel: medium\n"
            "correlation:\n    type: %s\n    rules:\n        - base_%d\n",
            c, type, c, type, r1);
        if (strncmp(type, "temporal", 8) == 0)
            add(t, "        - base_%d\n", r2);
        add(t, "    group-by:\n        - User\n    timespan: %dm\n", timespans_min[(c / 8) % 4]);
        switch (c % 8) {
        case 0:
            add(t, "    condition:\n        gte: 3\n");
            break;
        case 1:
            add(t, "    condition:\n        field: Target\n        gte: 2\n");
            break;
        case 2:
        case 3:
            break; /* default: both rules */
        case 4:
            add(t, "    condition:\n        field: Bytes\n        gte: 15000\n");
            break;
        case 5:
            add(t, "    condition:\n        field: Bytes\n        lt: 500\n");
            break;
        case 6:
            add(t, "    condition:\n        field: Bytes\n        percentile: 95\n"
                   "        gt: 9900\n");
            break;
        default:
            add(t, "    condition:\n        field: Bytes\n        lte: 100\n");
            break;
        }
        add(t, "---\n");
    }
}

static sigma_ruleset *build(const config *cfg)
{
    text t = {NULL, 0, 0};
    make_rules(&t, cfg->correlations);
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK)
        die("cannot create a builder", NULL);
    int rc = sigma_builder_add_yaml(b, "bench.yml", SIGMA_NUL_TERMINATED, t.data, t.len, NULL);
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    for (size_t i = 0; i < sigma_diagnostics_count(d); i++) {
        char msg[512];
        sigma_diagnostics_format(d, i, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
    }
    if (rc != SIGMA_OK || sigma_builder_build(b, &rs) != SIGMA_OK)
        die("the generated rules do not compile", sigma_status_str(rc));
    sigma_builder_free(b);
    free(t.data);
    if (sigma_ruleset_correlation_count(rs) != cfg->correlations)
        die("correlations missing from the ruleset", NULL);
    return rs;
}

static int SIGMA_CALL count_match(const sigma_correlation_match *m, void *user_data)
{
    (void)m;
    (*(uint64_t *)user_data)++;
    return 0;
}

int main(int argc, char **argv)
{
    config cfg = {10000000, 100, 1000000, 10000, 1, 1, 1, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-limits") == 0) {
            cfg.limits = 0;
        } else if (strcmp(a, "--match-only") == 0) {
            cfg.match_only = 1;
        } else if (!v) {
            usage();
        } else if (strcmp(a, "--events") == 0) {
            cfg.events = parse_u64(v, a, 1, UINT64_C(1) << 40);
            i++;
        } else if (strcmp(a, "--correlations") == 0) {
            cfg.correlations = (uint32_t)parse_u64(v, a, 1, 10000);
            i++;
        } else if (strcmp(a, "--groups") == 0) {
            cfg.groups = (uint32_t)parse_u64(v, a, 1, 100000000);
            i++;
        } else if (strcmp(a, "--max-groups") == 0) {
            cfg.max_groups = (uint32_t)parse_u64(v, a, 1, UINT32_MAX - 1);
            i++;
        } else if (strcmp(a, "--step-ms") == 0) {
            cfg.step_ms = (int64_t)parse_u64(v, a, 0, 86400000);
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            cfg.seed = parse_u64(v, a, 1, UINT64_MAX);
            i++;
        } else {
            usage();
        }
    }

    sigma_ruleset *rs = build(&cfg);
    sigma_scratch *scratch = NULL;
    sigma_event *ev = NULL;
    sigma_correlator *corr = NULL;
    sigma_correlator_options opts;
    memset(&opts, 0, sizeof opts);
    opts.size = sizeof opts;
    opts.max_groups = cfg.limits ? cfg.max_groups : SIGMA_CORRELATOR_UNLIMITED;
    opts.max_events_per_group = cfg.limits ? 1000 : SIGMA_CORRELATOR_UNLIMITED;
    if (sigma_scratch_reserve(rs, &scratch) != SIGMA_OK || sigma_event_new(&ev) != SIGMA_OK ||
        sigma_correlator_new(rs, &opts, &corr) != SIGMA_OK)
        die("out of memory", NULL);
    uint32_t eventid_slot;
    if (sigma_ruleset_field_slot(rs, "EventID", 7, &eventid_slot) != SIGMA_OK)
        die("no EventID slot", NULL);

    uint64_t rng = cfg.seed, hits = 0, matches = 0;
    int64_t t = INT64_C(1704067200000); /* 2024-01-01T00:00:00Z */
    uint32_t matched[64];
    char user[16], target[8];
    double start = now();
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);
    double cpu_start = (double)ru0.ru_utime.tv_sec + (double)ru0.ru_utime.tv_usec / 1e6 +
                       (double)ru0.ru_stime.tv_sec + (double)ru0.ru_stime.tv_usec / 1e6;
    for (uint64_t i = 0; i < cfg.events; i++, t += cfg.step_ms) {
        uint64_t r = next_rand(&rng);
        int64_t eventid = (int64_t)(r % BASE_RULES) + 1;
        uint32_t g = (uint32_t)((r >> 8) % cfg.groups);
        int ulen = snprintf(user, sizeof user, "u%07" PRIu32, g);
        int tlen = snprintf(target, sizeof target, "t%u", (unsigned)((r >> 40) % TARGETS));
        int64_t bytes = (int64_t)((r >> 48) % 10000);
        sigma_event_clear(ev);
        if (sigma_event_add_int_slot(ev, rs, eventid_slot, eventid) != SIGMA_OK ||
            sigma_event_add_str(ev, "User", 4, user, (size_t)ulen, SIGMA_VALUE_BORROW) !=
                SIGMA_OK ||
            sigma_event_add_str(ev, "Target", 6, target, (size_t)tlen, SIGMA_VALUE_BORROW) !=
                SIGMA_OK ||
            sigma_event_add_int(ev, "Bytes", 5, bytes) != SIGMA_OK)
            die("cannot build an event", NULL);
        if (sigma_match(rs, scratch, ev, 0, NULL, NULL) != SIGMA_OK)
            die("sigma_match failed", NULL);
        uint32_t n = sigma_scratch_hit_count(scratch);
        if (n > 64)
            n = 64;
        for (uint32_t k = 0; k < n; k++)
            matched[k] = sigma_scratch_hit_rule(scratch, k);
        hits += n;
        if (cfg.match_only)
            continue;
        int rc = sigma_correlator_feed(corr, ev, t, i + 1, matched, n, count_match, &matches);
        if (rc != SIGMA_OK)
            die("sigma_correlator_feed failed", sigma_status_str(rc));
    }
    if (!cfg.match_only && sigma_correlator_flush(corr, count_match, &matches) != SIGMA_OK)
        die("sigma_correlator_flush failed", NULL);
    double secs = now() - start;

    sigma_correlator_stats st;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    sigma_correlator_get_stats(corr, &st);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* CPU time too: on a shared machine it moves far less than wall time. */
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6 - cpu_start;
    char maxg[24] = "null", maxe[24] = "null";
    if (cfg.limits) {
        snprintf(maxg, sizeof maxg, "%" PRIu32, cfg.max_groups);
        snprintf(maxe, sizeof maxe, "%d", 1000);
    }
    printf("{\"events\": %" PRIu64 ", \"correlations\": %" PRIu32 ", \"groups\": %" PRIu32
           ", \"limits\": %s, \"match_only\": %s, \"max_groups\": %s, \"max_events_per_group\": "
           "%s, \"detection_hits\": %" PRIu64 ", \"matches\": %" PRIu64
           ", \"seconds\": %.3f, \"events_per_s\": %.0f, \"cpu_seconds\": %.3f, "
           "\"events_per_cpu_s\": %.0f, \"peak_rss_kb\": %ld, "
           "\"groups_created\": %" PRIu64 ", \"groups_evicted\": %" PRIu64
           ", \"events_dropped\": %" PRIu64 ", \"state_peak_bytes\": %" PRIu64 "}\n",
           cfg.events, cfg.correlations, cfg.groups, cfg.limits ? "true" : "false",
           cfg.match_only ? "true" : "false", maxg, maxe, hits, matches, secs,
           secs > 0 ? (double)cfg.events / secs : 0.0, cpu,
           cpu > 0 ? (double)cfg.events / cpu : 0.0, ru.ru_maxrss, st.groups_created,
           st.groups_evicted, st.events_dropped, st.bytes_peak);

    sigma_correlator_free(corr);
    sigma_event_free(ev);
    sigma_scratch_free(scratch);
    sigma_ruleset_unref(rs);
    return 0;
}
