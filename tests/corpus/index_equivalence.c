/* index_equivalence - the corpus-index-equivalence test: the index never changes a
 * verdict on real data.
 *
 * Loads every rule of sigmahq/rules, rules-emerging-threats, rules-threat-hunting,
 * rules-compliance and rules-placeholder (with examples/placeholders.yml), then, for
 * every EVERY-th line of each JSON-lines file in ../shared/corpus/events, matches the
 * event with the index and with SIGMA_MATCH_NO_INDEX (two scratches) and requires the
 * same hit list; once without a mapping (every event meets every rule) and once with
 * the built-in logsource mapping (sigma_builder_add_default_mapping: events routed
 * by Channel/EventID, fields renamed); and once more without a mapping and with
 * SIGMA_PARAM_SIMD 0 and with SIGMA_PARAM_SIMD 2, so that the scalar and the AVX2
 * index scans are checked as well as the one the default picks (AVX-512 where the
 * CPU has it, else AVX2); and twice more, without and with the mapping, with each
 * event packed and bound to the ruleset (sigma_event_pack, sigma_event_bind) for
 * the index and as built for SIGMA_MATCH_NO_INDEX. Prints the number of events, the
 * total hits and the average candidates per event (sigma_scratch_get_stats) of both runs.
 *
 *   usage: index_equivalence SOURCE_ROOT CORPUS [--every N]
 *
 * Public API plus examples/json_event.c (JSON object -> sigma_event), as sigma-scan;
 * integers beyond int64 are read as strings of digits, as sigma-scan reads them, and
 * lines that are not JSON objects are counted as malformed and skipped.
 *
 * Exit status: 0 pass, 1 fail, 2 usage error, 77 skipped (no ../shared/corpus; with
 * CI=true in the environment a missing corpus is a failure instead).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <sigma/sigma.h>

#include "json_event.h"

#define SKIP 77

static const char *const folders[] = {"rules", "rules-emerging-threats", "rules-threat-hunting",
                                      "rules-compliance", "rules-placeholder"};
#define MIN_RULES 3700
#define MAX_REPORTED 20

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int fail(const char *msg, const char *arg)
{
    printf("FAIL: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return 1;
}

static char *slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len_out = len;
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *rule_label(const sigma_ruleset *rs, uint32_t r)
{
    sigma_rule_info info = {.size = sizeof info};
    if (sigma_ruleset_rule_info(rs, r, &info) != SIGMA_OK)
        return "?";
    return info.id ? info.id : info.title ? info.title : "?";
}

typedef struct totals {
    unsigned long events, malformed, mismatches, hits;
} totals;

/* Prints the rules in a but not in b. */
static void print_diff(const sigma_ruleset *rs, const char *what, const uint32_t *a, uint32_t na,
                       const uint32_t *b, uint32_t nb)
{
    for (uint32_t i = 0; i < na; i++) {
        int found = 0;
        for (uint32_t j = 0; j < nb && !found; j++)
            found = a[i] == b[j];
        if (!found)
            printf("    only %s: rule %u %s\n", what, a[i], rule_label(rs, a[i]));
    }
}

/* bind: the event is matched without the index as built, then packed and bound
 * to rs (sigma_event_pack, sigma_event_bind) and matched with the index. */
static int run_file(const sigma_ruleset *rs, sigma_scratch *s_ix, sigma_scratch *s_all,
                    sigma_event *ev, const char *path, const char *name, unsigned every, int bind,
                    uint32_t *hits_ix, totals *t)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0, events = 0, hits = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (lineno++ % every != 0)
            continue;
        json_t *obj = json_event_load_line(line, (size_t)n, NULL);
        if (!obj || !json_is_object(obj)) {
            json_decref(obj);
            t->malformed++;
            continue;
        }
        sigma_event_clear(ev);
        int rc = json_event_fill(ev, obj);
        json_decref(obj);
        if (rc != SIGMA_OK) {
            printf("%s:%lu: cannot build the event: %s\n", name, lineno, sigma_status_str(rc));
            t->mismatches++;
            continue;
        }
        int rc2 = bind ? sigma_match(rs, s_all, ev, SIGMA_MATCH_NO_INDEX, NULL, NULL) : SIGMA_OK;
        if (bind && (sigma_event_pack(ev) != SIGMA_OK || sigma_event_bind(ev, rs) != SIGMA_OK))
            rc2 = SIGMA_E_NOMEM;
        int rc1 = sigma_match(rs, s_ix, ev, 0, NULL, NULL);
        uint32_t n_ix = sigma_scratch_hit_count(s_ix);
        for (uint32_t i = 0; i < n_ix; i++)
            hits_ix[i] = sigma_scratch_hit_rule(s_ix, i);
        if (!bind)
            rc2 = sigma_match(rs, s_all, ev, SIGMA_MATCH_NO_INDEX, NULL, NULL);
        uint32_t n_all = sigma_scratch_hit_count(s_all);
        int same = rc1 == SIGMA_OK && rc2 == SIGMA_OK && n_ix == n_all;
        for (uint32_t i = 0; same && i < n_ix; i++)
            same = hits_ix[i] == sigma_scratch_hit_rule(s_all, i);
        events++;
        hits += n_ix;
        if (same)
            continue;
        if (t->mismatches++ < MAX_REPORTED) {
            printf("%s:%lu: index %u hits (%s), no index %u hits (%s)\n", name, lineno, n_ix,
                   sigma_status_str(rc1), n_all, sigma_status_str(rc2));
            uint32_t *all = malloc((n_all ? n_all : 1) * sizeof *all);
            if (all) {
                for (uint32_t i = 0; i < n_all; i++)
                    all[i] = sigma_scratch_hit_rule(s_all, i);
                print_diff(rs, "with the index", hits_ix, n_ix, all, n_all);
                print_diff(rs, "without the index", all, n_all, hits_ix, n_ix);
                free(all);
            }
        }
    }
    free(line);
    fclose(f);
    printf("%-32s %6lu events sampled (1 in %u), %6lu hits\n", name, events, every, hits);
    t->events += events;
    t->hits += hits;
    return 0;
}

/* Builds the corpus ruleset (with the built-in logsource mapping when `mapped`,
 * SIGMA_PARAM_SIMD = simd); NULL after printing a failure. */
static sigma_ruleset *build_rules(const char *src, const char *corpus, int mapped, int simd)
{
    double t0 = now();
    char path[4096];
    sigma_builder *b = NULL;
    sigma_compile_options *o = NULL;
    int orc = sigma_compile_options_new(&o);
    if (orc == SIGMA_OK)
        orc = sigma_compile_options_set(o, SIGMA_PARAM_SIMD, simd);
    if (orc != SIGMA_OK || sigma_builder_new(o, &b) != SIGMA_OK) {
        sigma_compile_options_free(o);
        fail("cannot create a builder", NULL);
        return NULL;
    }
    sigma_compile_options_free(o);
    if (mapped && sigma_builder_add_default_mapping(b) != SIGMA_OK) {
        sigma_builder_free(b);
        fail("the built-in mapping does not load", NULL);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/examples/placeholders.yml", src);
    size_t len = 0;
    char *text = slurp(path, &len);
    int rc = text ? sigma_builder_add_placeholders_yaml(b, path, SIGMA_NUL_TERMINATED, text, len)
                  : SIGMA_E_IO;
    free(text);
    if (rc != SIGMA_OK) {
        sigma_builder_free(b);
        fail("cannot read the placeholders", path);
        return NULL;
    }
    for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        snprintf(path, sizeof path, "%s/sigmahq/%s", corpus, folders[i]);
        rc =
            is_dir(path) ? sigma_builder_add_path(b, path, SIGMA_NUL_TERMINATED, NULL) : SIGMA_E_IO;
        if (rc == SIGMA_E_IO || rc == SIGMA_E_NOMEM) {
            sigma_builder_free(b);
            fail("cannot read the rule folder", path);
            return NULL;
        }
    }
    sigma_ruleset *rs = NULL;
    if (sigma_builder_build(b, &rs) != SIGMA_OK) {
        sigma_builder_free(b);
        fail("cannot build the ruleset", NULL);
        return NULL;
    }
    uint32_t failed = sigma_builder_failed_count(b);
    sigma_builder_free(b);
    uint32_t nrules = sigma_ruleset_rule_count(rs);
    printf("rules: %u loaded, %u failed (%.2f s), index scan: %s\n", nrules, failed, now() - t0,
           sigma_ruleset_scan_isa(rs));
    if (nrules < MIN_RULES) {
        sigma_ruleset_unref(rs);
        fail("too few rules loaded", NULL);
        return NULL;
    }
    return rs;
}

/* One pass over the sampled events; 1 when the index never changed a verdict. */
static int run_pass(const sigma_ruleset *rs, const char *corpus, char **names, size_t nfiles,
                    unsigned every, int bind)
{
    uint32_t nrules = sigma_ruleset_rule_count(rs);
    sigma_scratch *s_ix = NULL, *s_all = NULL, *s_empty = NULL;
    sigma_event *ev = NULL;
    uint32_t *hits_ix = malloc(((size_t)nrules + 1) * sizeof *hits_ix);
    if (!hits_ix || sigma_scratch_reserve(rs, &s_ix) != SIGMA_OK ||
        sigma_scratch_reserve(rs, &s_all) != SIGMA_OK ||
        sigma_scratch_reserve(rs, &s_empty) != SIGMA_OK || sigma_event_new(&ev) != SIGMA_OK) {
        fail("out of memory", NULL);
        return 0;
    }
    /* Rules the index evaluates whatever the event: the candidates of an event
     * without fields. */
    sigma_scratch_stats st_empty = {.size = sizeof st_empty};
    if (sigma_match(rs, s_empty, ev, 0, NULL, NULL) == SIGMA_OK &&
        sigma_scratch_get_stats(s_empty, &st_empty) == SIGMA_OK)
        printf("an event without fields: %llu candidates, %u hits\n",
               (unsigned long long)st_empty.candidates, sigma_scratch_hit_count(s_empty));

    totals t = {0, 0, 0, 0};
    double t0 = now();
    int io_error = 0;
    for (size_t i = 0; i < nfiles; i++) {
        char file[4096];
        snprintf(file, sizeof file, "%s/events/%s", corpus, names[i]);
        if (run_file(rs, s_ix, s_all, ev, file, names[i], every, bind, hits_ix, &t) != 0) {
            printf("FAIL: cannot read %s\n", file);
            io_error = 1;
        }
    }
    double secs = now() - t0;

    sigma_scratch_stats st_ix = {.size = sizeof st_ix}, st_all = {.size = sizeof st_all};
    sigma_scratch_get_stats(s_ix, &st_ix);
    sigma_scratch_get_stats(s_all, &st_all);
    printf("total: %lu events (%lu malformed lines skipped), %lu hits, %.2f s\n", t.events,
           t.malformed, t.hits, secs);
    printf("candidates per event: %.2f with the index, %.2f without (of %u rules)\n",
           st_ix.events ? (double)st_ix.candidates / (double)st_ix.events : 0.0,
           st_all.events ? (double)st_all.candidates / (double)st_all.events : 0.0, nrules);
    int ok = !io_error && t.mismatches == 0 && t.events > 0 && st_ix.hits == st_all.hits &&
             st_ix.events == t.events;
    if (t.mismatches)
        printf("FAIL: %lu events with different hits (first %d shown above)\n", t.mismatches,
               MAX_REPORTED);
    if (t.events == 0)
        printf("FAIL: no event was read\n");

    free(hits_ix);
    sigma_event_free(ev);
    sigma_scratch_free(s_ix);
    sigma_scratch_free(s_all);
    sigma_scratch_free(s_empty);
    return ok;
}

int main(int argc, char **argv)
{
    const char *src = NULL, *corpus = NULL;
    unsigned every = 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--every") == 0 && i + 1 < argc)
            every = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!src)
            src = argv[i];
        else if (!corpus)
            corpus = argv[i];
        else
            corpus = NULL, src = NULL, i = argc;
    }
    if (!src || !corpus || every == 0) {
        fputs("usage: index_equivalence SOURCE_ROOT CORPUS [--every N]\n", stderr);
        return 2;
    }
    if (!is_dir(corpus)) {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0) {
            printf("FAIL: ../shared/corpus not found (looked for %s)\n"
                   "CI=true: CI always has the corpus, so its absence is a failure, not a "
                   "skip.\nFAILED\n",
                   corpus);
            return 1;
        }
        printf("SKIPPED: ../shared/corpus not found (a user's own clone)\n(looked for %s)\n",
               corpus);
        return SKIP;
    }

    /* Event files, sorted. */
    char path[4096];
    snprintf(path, sizeof path, "%s/events", corpus);
    DIR *d = opendir(path);
    if (!d)
        return fail("the corpus is there but events/ is missing", path);
    char *names[64];
    size_t nfiles = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nfiles < 64) {
        size_t l = strlen(de->d_name);
        if (l > 6 && strcmp(de->d_name + l - 6, ".jsonl") == 0)
            names[nfiles++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nfiles, sizeof *names, cmp_str);
    if (nfiles == 0)
        return fail("no events/*.jsonl in the corpus", path);

    /* Pass 1: no mapping, every event meets every rule. Pass 2: the built-in
     * logsource mapping routes the events (Channel/EventID) to logsource buckets
     * and renames fields; both modes must still agree. Passes 3 and 4: as pass 1
     * with the scalar scan (SIGMA_PARAM_SIMD 0) and with AVX2 at most (2). Passes
     * 5 and 6: as passes 1 and 2, the index matching each event packed and bound
     * to the ruleset, against the event as built without the index. */
    static const char *const titles[] = {
        "without a mapping",
        "with the built-in logsource mapping",
        "without a mapping, scalar scan (SIGMA_PARAM_SIMD 0)",
        "without a mapping, AVX2 at most (SIGMA_PARAM_SIMD 2)",
        "without a mapping, events packed and bound (sigma_event_pack, sigma_event_bind)",
        "with the built-in logsource mapping, events packed and bound"};
    static const int simd[] = {1, 1, 0, 2, 1, 1};
    int ok = 1;
    for (int pass = 0; pass < 6; pass++) {
        const int mapped = pass == 1 || pass == 5, bind = pass >= 4;
        printf("%s== %s\n", pass ? "\n" : "", titles[pass]);
        sigma_ruleset *rs = build_rules(src, corpus, mapped, simd[pass]);
        if (!rs) {
            ok = 0;
            continue;
        }
        ok &= run_pass(rs, corpus, names, nfiles, every, bind);
        sigma_ruleset_unref(rs);
    }
    for (size_t i = 0; i < nfiles; i++)
        free(names[i]);
    puts(ok ? "PASSED" : "FAILED");
    return ok ? 0 : 1;
}
