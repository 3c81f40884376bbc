/* sigma-bench - API-level throughput of libsigma.
 *
 *   sigma-bench -r RULES... -e EVENTS.jsonl [-e ...] [--placeholders FILE]
 *               [--mapping FILE] [--default-mapping] [--strict-logsource]
 *               [--repeat N] [--threads T] [--no-index] [--no-simd | --avx2]
 *               [--batch N] [--no-huge-pages] [--no-pack] [--no-bind]
 *
 * Events are parsed and built once before timing, so the figure is the library's
 * own cost per event. Prints one JSON object:
 *   {"rules": N, "events": N, "matches": N, "compile_s": s, "events_per_s": x,
 *    "ns_per_event": x, "candidates_per_event": x, "peak_rss_kb": N, "threads": T,
 *    "cpu_ns_per_event": x, "scan": "avx2" | "scalar", "huge_page_bytes": N}
 * cpu_ns_per_event is the matching threads' CPU time per event: on a shared,
 * oversubscribed machine it stays close to the cost on an idle core while the
 * wall-clock figures follow the load.
 * `matches` counts (event, rule) hits over one pass of the events, so the indexed
 * and --no-index runs must print the same number. With --default-mapping (the
 * built-in logsource mapping) or --mapping FILE, events are routed to the rules of
 * their logsource by Channel/EventID (docs/mapping.md), as an agent would run it.
 * --no-simd compiles with SIGMA_PARAM_SIMD 0 (the scalar index scan), --avx2 with 2
 * (AVX2 at most, on a CPU with AVX-512); "scan" says which scan ran. --batch N
 * matches N events per sigma_match_batch call (which asks for each next event's
 * memory while matching one) instead of one sigma_match call per event; the JSON
 * then has "batch": N. --no-huge-pages compiles with SIGMA_PARAM_HUGE_PAGES 0;
 * huge_page_bytes is sigma_ruleset_huge_page_bytes() of the ruleset, anon_huge_kb
 * how much of the process the kernel backed with huge pages (-1: unknown). Each event
 * is packed (sigma_event_pack) once built, as an application that builds events
 * ahead of matching would; --no-pack leaves them as the builder grew them, and
 * "packed" says which. Each is also bound to the ruleset (sigma_event_bind: its
 * field names resolved to slots once, at build time); --no-bind leaves that to
 * every match call (through the scratch's name memo), and "bound" says which. scanned_per_event /
 * replayed_per_event: text values the index scanned, and those the scratch's scan memo replayed
 * instead (sigma_scratch_stats). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>
#include <sigma/sigma.h>

#include "json_event.h"

typedef struct bench {
    sigma_ruleset *rs;
    sigma_event **events;
    size_t nevents, cap;
    size_t malformed; /* lines skipped: not a JSON object */
    unsigned repeat;
    uint32_t flags;
    size_t batch; /* events per sigma_match_batch call; 0: sigma_match per event */
    int pack;     /* sigma_event_pack each event once built */
    int bind;     /* sigma_event_bind each event to rs once built */
} bench;

typedef struct worker {
    const bench *b;
    size_t first, last; /* events [first, last) */
    uint64_t matches;   /* over the first repetition only */
    uint64_t candidates, calls;
    uint64_t scanned, replayed; /* text values scanned / replayed from the scan memo */
    double cpu_s;               /* this thread's CPU time in the timed loop */
    int failed;
} worker;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "sigma-bench: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static void usage(void)
{
    fputs("usage: sigma-bench -r RULES [-r ...] -e EVENTS.jsonl [-e ...] [--placeholders FILE]\n"
          "                   [--mapping FILE] [--default-mapping] [--strict-logsource]\n"
          "                   [--repeat N] [--threads T] [--no-index] [--no-simd | --avx2]\n"
          "                   [--batch N] [--no-huge-pages] [--no-pack] [--no-bind]\n",
          stderr);
    exit(2);
}

static void load_events(bench *b, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open events file", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        json_t *obj = json_event_load_line(line, (size_t)n, NULL);
        if (!obj || !json_is_object(obj)) {
            json_decref(obj);
            b->malformed++;
            continue; /* malformed lines are skipped, as sigma-scan does */
        }
        sigma_event *ev = NULL;
        if (sigma_event_new(&ev) != SIGMA_OK || json_event_fill(ev, obj) != SIGMA_OK ||
            (b->pack && sigma_event_pack(ev) != SIGMA_OK) ||
            (b->bind && sigma_event_bind(ev, b->rs) != SIGMA_OK))
            die("cannot build event", path);
        json_decref(obj);
        if (b->nevents == b->cap) {
            b->cap = b->cap ? b->cap * 2 : 1024;
            b->events = realloc(b->events, b->cap * sizeof *b->events);
            if (!b->events)
                die("out of memory", NULL);
        }
        b->events[b->nevents++] = ev;
    }
    free(line);
    fclose(f);
}

static int count_hit(const sigma_hit *hit, void *user_data)
{
    (void)hit;
    ++*(uint64_t *)user_data;
    return 0;
}

static void *run(void *arg)
{
    worker *w = arg;
    const bench *b = w->b;
    sigma_scratch *s = NULL;
    if (sigma_scratch_reserve(b->rs, &s) != SIGMA_OK) {
        w->failed = 1;
        return NULL;
    }
    const double c0 = thread_cpu();
    for (unsigned r = 0; r < b->repeat; r++) {
        if (b->batch) {
            uint64_t hits = 0;
            for (size_t i = w->first; i < w->last; i += b->batch) {
                const size_t n = w->last - i < b->batch ? w->last - i : b->batch;
                if (sigma_match_batch(b->rs, s, (const sigma_event *const *)b->events + i, n,
                                      b->flags, count_hit, &hits) != SIGMA_OK)
                    w->failed = 1;
            }
            if (r == 0)
                w->matches = hits;
            continue;
        }
        for (size_t i = w->first; i < w->last; i++) {
            if (sigma_match(b->rs, s, b->events[i], b->flags, NULL, NULL) != SIGMA_OK)
                w->failed = 1;
            if (r == 0)
                w->matches += sigma_scratch_hit_count(s);
        }
    }
    w->cpu_s = thread_cpu() - c0;
    sigma_scratch_stats st = {.size = sizeof st};
    sigma_scratch_get_stats(s, &st);
    w->candidates = st.candidates;
    w->calls = st.events;
    w->scanned = st.values_scanned;
    w->replayed = st.values_replayed;
    sigma_scratch_free(s);
    return NULL;
}

/* The process's anonymous memory in huge pages, in KB (AnonHugePages of
 * /proc/self/smaps_rollup; -1 where there is no such file): whether the kernel
 * backed the ruleset's huge-page mapping (SIGMA_PARAM_HUGE_PAGES) when asked. */
static long anon_huge_kb(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* Reads a small YAML file (placeholders, mapping) into buf; returns its length. */
static size_t read_small(const char *path, char *buf, size_t cap, const char *what)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(what, path);
    size_t n = fread(buf, 1, cap, f);
    int big = n == cap;
    fclose(f);
    if (big)
        die("file too large", path);
    return n;
}

static sigma_ruleset *compile(char **rules, int nrules, char **ph, int nph, char **maps, int nmaps,
                              int default_mapping, int simd, int huge, double *secs)
{
    double t0 = now();
    sigma_builder *b = NULL;
    sigma_compile_options *o = NULL;
    static char buf[1 << 20];
    if (sigma_compile_options_new(&o) != SIGMA_OK ||
        sigma_compile_options_set(o, SIGMA_PARAM_SIMD, simd) != SIGMA_OK ||
        sigma_compile_options_set(o, SIGMA_PARAM_HUGE_PAGES, huge) != SIGMA_OK ||
        sigma_builder_new(o, &b) != SIGMA_OK)
        die("out of memory", NULL);
    sigma_compile_options_free(o);
    if (default_mapping && sigma_builder_add_default_mapping(b) != SIGMA_OK)
        die("the built-in mapping did not load", NULL);
    for (int i = 0; i < nmaps; i++) {
        size_t n = read_small(maps[i], buf, sizeof buf, "cannot open mapping file");
        if (sigma_builder_add_mapping_yaml(b, maps[i], SIGMA_NUL_TERMINATED, buf, n) != SIGMA_OK)
            die("bad mapping file", maps[i]);
    }
    for (int i = 0; i < nph; i++) {
        size_t n = read_small(ph[i], buf, sizeof buf, "cannot open placeholders file");
        sigma_builder_add_placeholders_yaml(b, ph[i], SIGMA_NUL_TERMINATED, buf, n);
    }
    for (int i = 0; i < nrules; i++)
        sigma_builder_add_path(b, rules[i], SIGMA_NUL_TERMINATED, NULL);
    sigma_ruleset *rs = NULL;
    if (sigma_builder_build(b, &rs) != SIGMA_OK)
        die("cannot build the ruleset", NULL);
    fprintf(stderr, "sigma-bench: %u rules, %u failed to load\n", sigma_ruleset_rule_count(rs),
            sigma_builder_failed_count(b));
    sigma_builder_free(b);
    *secs = now() - t0;
    return rs;
}

int main(int argc, char **argv)
{
    char **rules = calloc((size_t)argc, sizeof *rules),
         **evfiles = calloc((size_t)argc, sizeof *evfiles);
    char **ph = calloc((size_t)argc, sizeof *ph), **maps = calloc((size_t)argc, sizeof *maps);
    int nrules = 0, nev = 0, nph = 0, nmaps = 0, threads = 1, default_mapping = 0, simd = 1,
        huge = 1;
    bench b = {.repeat = 1, .pack = 1, .bind = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if ((!strcmp(a, "-r") || !strcmp(a, "--rules")) && more)
            rules[nrules++] = argv[++i];
        else if ((!strcmp(a, "-e") || !strcmp(a, "--events")) && more)
            evfiles[nev++] = argv[++i];
        else if (!strcmp(a, "--placeholders") && more)
            ph[nph++] = argv[++i];
        else if (!strcmp(a, "--mapping") && more)
            maps[nmaps++] = argv[++i];
        else if (!strcmp(a, "--default-mapping"))
            default_mapping = 1;
        else if (!strcmp(a, "--strict-logsource"))
            b.flags |= SIGMA_MATCH_STRICT_LOGSOURCE;
        else if (!strcmp(a, "--repeat") && more)
            b.repeat = (unsigned)atoi(argv[++i]);
        else if (!strcmp(a, "--threads") && more)
            threads = atoi(argv[++i]);
        else if (!strcmp(a, "--no-index"))
            b.flags |= SIGMA_MATCH_NO_INDEX;
        else if (!strcmp(a, "--no-simd"))
            simd = 0;
        else if (!strcmp(a, "--avx2"))
            simd = 2;
        else if (!strcmp(a, "--no-pack"))
            b.pack = 0;
        else if (!strcmp(a, "--no-bind"))
            b.bind = 0;
        else if (!strcmp(a, "--no-huge-pages"))
            huge = 0;
        else if (!strcmp(a, "--batch") && more)
            b.batch = (size_t)strtoul(argv[++i], NULL, 10);
        else
            usage();
    }
    if (!nrules || !nev || threads < 1 || b.repeat < 1)
        usage();
    double compile_s;
    b.rs = compile(rules, nrules, ph, nph, maps, nmaps, default_mapping, simd, huge, &compile_s);
    for (int i = 0; i < nev; i++)
        load_events(&b, evfiles[i]);
    fprintf(stderr, "sigma-bench: %zu events from %d files (%zu malformed lines skipped)\n",
            b.nevents, nev, b.malformed);

    worker *w = calloc((size_t)threads, sizeof *w);
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    double t0 = now();
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){.b = &b,
                        .first = b.nevents * (size_t)i / (size_t)threads,
                        .last = b.nevents * (size_t)(i + 1) / (size_t)threads};
        pthread_create(&t[i], NULL, run, &w[i]);
    }
    uint64_t matches = 0, cand = 0, calls = 0, scanned = 0, replayed = 0;
    int failed = 0;
    double cpu_s = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        cpu_s += w[i].cpu_s;
        matches += w[i].matches;
        cand += w[i].candidates;
        scanned += w[i].scanned;
        replayed += w[i].replayed;
        calls += w[i].calls;
        failed |= w[i].failed;
    }
    double secs = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double per_s = secs > 0 ? (double)calls / secs : 0;
    printf("{\"rules\": %u, \"events\": %zu, \"matches\": %llu, \"compile_s\": %.3f, "
           "\"events_per_s\": %.0f, \"ns_per_event\": %.1f, \"candidates_per_event\": %.2f, "
           "\"peak_rss_kb\": %ld, \"threads\": %d, \"cpu_ns_per_event\": %.1f, \"scan\": \"%s\", "
           "\"huge_page_bytes\": %zu, \"anon_huge_kb\": %ld, \"packed\": %d, \"bound\": %d",
           sigma_ruleset_rule_count(b.rs), b.nevents, (unsigned long long)matches, compile_s, per_s,
           calls ? secs * 1e9 / (double)calls : 0, calls ? (double)cand / (double)calls : 0,
           ru.ru_maxrss, threads, calls ? cpu_s * 1e9 / (double)calls : 0,
           sigma_ruleset_scan_isa(b.rs), sigma_ruleset_huge_page_bytes(b.rs), anon_huge_kb(),
           b.pack, b.bind);
    printf(", \"scanned_per_event\": %.2f, \"replayed_per_event\": %.2f",
           calls ? (double)scanned / (double)calls : 0,
           calls ? (double)replayed / (double)calls : 0);
    if (b.batch)
        printf(", \"batch\": %zu", b.batch);
    printf("}\n");
    for (size_t i = 0; i < b.nevents; i++)
        sigma_event_free(b.events[i]);
    free(b.events);
    sigma_ruleset_unref(b.rs);
    free(w);
    free(t);
    free(rules);
    free(evfiles);
    free(ph);
    free(maps);
    return failed ? 1 : 0;
}
