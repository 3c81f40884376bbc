/* corpus_introspect - introspection and explain on the real SigmaHQ rule set.
 *
 * Loads ../shared/corpus/sigmahq/rules with the built-in mapping and the sample ATT&CK
 * names, prints the seed rule's indicator rows with their corpus counts (how many other
 * SigmaHQ rules share `ParentImage|endswith: \w3wp.exe`, ...) and checks invariants:
 *   - every detection rule has stage 0 = its condition, selection stages with predicates,
 *     tactics < 14, techniques "T" + 4 digits [+ "." + 3 digits];
 *   - every windows/process_creation rule covers Sysmon 1 and Security 4688;
 *   - corpus counts are below the rule count and equal a brute-force recount through the
 *     public API for the rows of every 25th rule whose values are ASCII;
 *   - for every EVERY-th event of ../shared/corpus/events, each rule sigma_match reports
 *     is explained as a match (result 1, condition stage true), and every predicate that
 *     held on a value reports an event value.
 * Public API plus examples/json_event.c.
 *
 *   usage: corpus_introspect SOURCE_ROOT CORPUS [--every N]
 *
 * Exit status: 0 pass, 1 fail, 2 usage, 77 skipped (no corpus; a failure under CI=true). */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <sigma/sigma.h>

#include "json_event.h"

#define SKIP 77

static unsigned long failures;

#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            if (failures++ < 20) {                                                                 \
                printf("FAIL %s:%d: ", __FILE__, __LINE__);                                        \
                printf(__VA_ARGS__);                                                               \
                putchar('\n');                                                                     \
            }                                                                                      \
        }                                                                                          \
    } while (0)

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

static const char *label(const sigma_ruleset *rs, uint32_t r)
{
    const char *id = sigma_ruleset_rule_attr(rs, r, SIGMA_ATTR_ID, NULL);
    return id ? id : sigma_ruleset_rule_attr(rs, r, SIGMA_ATTR_TITLE, NULL);
}

static sigma_indicator_info indicator(const sigma_ruleset *rs, uint32_t r, uint32_t i)
{
    sigma_indicator_info x;
    memset(&x, 0, sizeof x);
    x.size = sizeof x;
    if (sigma_ruleset_rule_indicator(rs, r, i, &x) != SIGMA_OK)
        memset(&x, 0, sizeof x);
    return x;
}

/* ------------------------------------------------------------- invariants */

static int technique_ok(const char *t)
{
    size_t n = strlen(t);
    if ((n != 5 && n != 9) || t[0] != 'T')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (i == 5 ? t[i] != '.' : !isdigit((unsigned char)t[i]))
            return 0;
    return 1;
}

static void check_rule(const sigma_ruleset *rs, uint32_t r, uint32_t nrules)
{
    sigma_rule_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    sigma_ruleset_rule_info(rs, r, &info);
    EXPECT(sigma_ruleset_rule_attr(rs, r, SIGMA_ATTR_YAML, NULL) != NULL, "%s: no YAML",
           label(rs, r));
    for (uint32_t i = 0; i < sigma_ruleset_rule_tactic_count(rs, r); i++) {
        uint32_t t = 99;
        EXPECT(sigma_ruleset_rule_tactic(rs, r, i, &t) == SIGMA_OK &&
                   t < sigma_attack_tactic_count(),
               "%s", label(rs, r));
    }
    for (uint32_t i = 0; i < sigma_ruleset_rule_technique_count(rs, r); i++)
        EXPECT(technique_ok(sigma_ruleset_rule_technique(rs, r, i, NULL)), "%s: %s", label(rs, r),
               sigma_ruleset_rule_technique(rs, r, i, NULL));
    if (info.kind != SIGMA_RULE_DETECTION)
        return;
    uint32_t nst = sigma_ruleset_rule_stage_count(rs, r);
    EXPECT(nst >= 2, "%s: %u stages", label(rs, r), nst);
    for (uint32_t s = 0; s < nst; s++) {
        sigma_stage_info st;
        memset(&st, 0, sizeof st);
        st.size = sizeof st;
        EXPECT(sigma_ruleset_rule_stage(rs, r, s, &st) == SIGMA_OK, "%s", label(rs, r));
        if (s == 0)
            EXPECT(st.kind == SIGMA_STAGE_CONDITION && st.text && *st.text, "%s", label(rs, r));
        else if (st.kind == SIGMA_STAGE_SELECTION)
            EXPECT(st.predicate_count >= 1, "%s: stage %s empty", label(rs, r), st.name);
    }
    for (uint32_t i = 0; i < sigma_ruleset_rule_indicator_count(rs, r); i++)
        EXPECT(indicator(rs, r, i).corpus < nrules, "%s", label(rs, r));
    const char *prod = info.logsource_product, *cat = info.logsource_category;
    if (prod && cat && !info.logsource_service && strcmp(prod, "windows") == 0 &&
        strcmp(cat, "process_creation") == 0) {
        int sysmon = 0, security = 0;
        for (uint32_t i = 0; i < sigma_ruleset_rule_coverage_count(rs, r); i++) {
            sigma_coverage_info c;
            memset(&c, 0, sizeof c);
            c.size = sizeof c;
            sigma_ruleset_rule_coverage(rs, r, i, &c);
            sysmon |= c.event_id == 1 && c.provider &&
                      strcmp(c.provider, "Microsoft-Windows-Sysmon") == 0;
            security |= c.event_id == 4688 && c.provider &&
                        strcmp(c.provider, "Microsoft-Windows-Security-Auditing") == 0;
        }
        EXPECT(sysmon && security, "%s: process_creation coverage", label(rs, r));
    }
}

/* ------------------------------------------------------ brute-force corpus */

static int ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

static int same_opt(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The modifiers without "|all". */
static void mods_key(const char *m, char *out, size_t cap)
{
    size_t n = 0;
    while (*m && n + 1 < cap) {
        const char *next = strchr(m + 1, '|');
        size_t len = next ? (size_t)(next - m) : strlen(m);
        if (!(len == 4 && memcmp(m, "|all", 4) == 0) && n + len < cap) {
            memcpy(out + n, m, len);
            n += len;
        }
        m += len;
    }
    out[n] = 0;
}

static int value_in(const sigma_ruleset *rs, uint32_t r, uint32_t i, const char *v, int cased)
{
    sigma_indicator_info x = indicator(rs, r, i);
    for (uint32_t k = 0; k < x.value_count; k++) {
        const char *w = sigma_ruleset_rule_indicator_value(rs, r, i, k, NULL);
        if (cased ? strcmp(v, w) == 0 : strcasecmp(v, w) == 0)
            return 1;
    }
    return 0;
}

/* Recounts row i of rule r over every other rule (ASCII folding). */
static uint32_t recount(const sigma_ruleset *rs, uint32_t r, uint32_t i, uint32_t nrules)
{
    sigma_indicator_info x = indicator(rs, r, i);
    char key[256], other[256];
    mods_key(x.modifiers, key, sizeof key);
    int cased = strstr(x.modifiers, "|cased") || strstr(x.modifiers, "|re");
    uint32_t count = 0;
    for (uint32_t o = 0; o < nrules; o++) {
        if (o == r)
            continue;
        int found = 0;
        for (uint32_t k = 0; k < sigma_ruleset_rule_indicator_count(rs, o) && !found; k++) {
            sigma_indicator_info y = indicator(rs, o, k);
            mods_key(y.modifiers, other, sizeof other);
            if (y.kind != x.kind || !same_opt(x.field, y.field) || strcmp(key, other) != 0)
                continue;
            found = 1;
            for (uint32_t v = 0; v < x.value_count && found; v++)
                found = value_in(rs, o, k, sigma_ruleset_rule_indicator_value(rs, r, i, v, NULL),
                                 cased);
        }
        count += (uint32_t)found;
    }
    return count;
}

static unsigned long brute_force(const sigma_ruleset *rs, uint32_t nrules)
{
    unsigned long rows = 0;
    for (uint32_t r = 0; r < nrules; r += 25)
        for (uint32_t i = 0; i < sigma_ruleset_rule_indicator_count(rs, r); i++) {
            sigma_indicator_info x = indicator(rs, r, i);
            int all_ascii = 1;
            for (uint32_t v = 0; v < x.value_count; v++)
                all_ascii &= ascii(sigma_ruleset_rule_indicator_value(rs, r, i, v, NULL));
            if (!all_ascii)
                continue;
            uint32_t want = recount(rs, r, i, nrules);
            EXPECT(x.corpus == want, "%s row %u (%s%s): corpus %u, recount %u", label(rs, r), i,
                   x.field ? x.field : "keywords", x.modifiers, x.corpus, want);
            rows++;
        }
    return rows;
}

/* -------------------------------------------------------------- explain */

static void explain_hits(const sigma_ruleset *rs, const sigma_event *ev, const sigma_scratch *s,
                         unsigned long *explained)
{
    for (uint32_t h = 0; h < sigma_scratch_hit_count(s); h++) {
        uint32_t r = sigma_scratch_hit_rule(s, h);
        sigma_explain *x = NULL;
        EXPECT(sigma_explain_new(rs, r, ev, 0, &x) == SIGMA_OK, "%s", label(rs, r));
        if (!x)
            continue;
        (*explained)++;
        EXPECT(sigma_explain_result(x) == 1, "%s: matched but explained as no match", label(rs, r));
        EXPECT(sigma_explain_stage(x, 0) == 1, "%s: condition stage false", label(rs, r));
        for (uint32_t st = 0; st < sigma_ruleset_rule_stage_count(rs, r); st++) {
            sigma_stage_info si;
            memset(&si, 0, sizeof si);
            si.size = sizeof si;
            sigma_ruleset_rule_stage(rs, r, st, &si);
            for (uint32_t p = 0; p < si.predicate_count; p++)
                if (sigma_explain_predicate_value(x, st, p) != UINT32_MAX)
                    EXPECT(sigma_explain_predicate(x, st, p) == 1 &&
                               sigma_explain_event_value(x, st, p, NULL) != NULL,
                           "%s: stage %u predicate %u", label(rs, r), st, p);
        }
        sigma_explain_free(x);
    }
}

static int run_events(const sigma_ruleset *rs, const char *dir, unsigned every)
{
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    if (sigma_scratch_reserve(rs, &s) != SIGMA_OK || sigma_event_new(&ev) != SIGMA_OK)
        return -1;
    DIR *d = opendir(dir);
    unsigned long events = 0, hits = 0, explained = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 6, ".jsonl") != 0)
            continue;
        char path[8192];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
            continue;
        FILE *f = fopen(path, "rb");
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        unsigned long lineno = 0;
        while (f && (len = getline(&line, &cap, f)) > 0) {
            if (lineno++ % every != 0)
                continue;
            json_t *obj = json_event_load_line(line, (size_t)len, NULL);
            sigma_event_clear(ev);
            if (!obj || !json_is_object(obj) || json_event_fill(ev, obj) != SIGMA_OK) {
                json_decref(obj);
                continue;
            }
            json_decref(obj);
            events++;
            if (sigma_match(rs, s, ev, 0, NULL, NULL) != SIGMA_OK)
                continue;
            hits += sigma_scratch_hit_count(s);
            explain_hits(rs, ev, s, &explained);
        }
        free(line);
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    printf("explain: %lu events, %lu hits, %lu explained\n", events, hits, explained);
    EXPECT(events > 0 && hits > 0 && explained == hits, "events %lu hits %lu explained %lu", events,
           hits, explained);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    return 0;
}

/* ----------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    const char *src = NULL, *corpus = NULL;
    unsigned every = 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--every") == 0 && i + 1 < argc)
            every = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!src)
            src = argv[i];
        else
            corpus = argv[i];
    }
    if (!src || !corpus || every == 0) {
        fputs("usage: corpus_introspect SOURCE_ROOT CORPUS [--every N]\n", stderr);
        return 2;
    }
    if (!is_dir(corpus)) {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0) {
            printf("FAIL: ../shared/corpus not found (looked for %s)\nCI=true: the corpus "
                   "must be there.\n",
                   corpus);
            return 1;
        }
        printf("SKIPPED: ../shared/corpus not found\n(looked for %s)\n", corpus);
        return SKIP;
    }
    char path[4096];
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK || sigma_builder_add_default_mapping(b) != SIGMA_OK)
        return 1;
    snprintf(path, sizeof path, "%s/examples/attack_names.tsv", src);
    EXPECT(sigma_builder_add_attack_names_file(b, path, SIGMA_NUL_TERMINATED) == SIGMA_OK, "%s",
           path);
    snprintf(path, sizeof path, "%s/sigmahq/rules", corpus);
    double t0 = now();
    sigma_builder_add_path(b, path, SIGMA_NUL_TERMINATED, NULL);
    double t1 = now();
    int rc = sigma_builder_build(b, &rs);
    double t2 = now();
    sigma_builder_free(b);
    if (rc != SIGMA_OK) {
        printf("FAIL: build: %s\n", sigma_status_str(rc));
        return 1;
    }
    uint32_t nrules = sigma_ruleset_rule_count(rs);
    unsigned long rows = 0;
    for (uint32_t r = 0; r < nrules; r++)
        rows += sigma_ruleset_rule_indicator_count(rs, r);
    printf("%u rules, %lu indicator rows; load %.2f s, build %.2f s\n", nrules, rows, t1 - t0,
           t2 - t1);
    EXPECT(nrules >= 3000, "only %u rules", nrules);

    uint32_t seed = 0;
    EXPECT(sigma_ruleset_find_rule(rs, "043c4b8b-3a54-4780-9682-081cb6b8185c", SIGMA_NUL_TERMINATED,
                                   &seed) == SIGMA_OK,
           "seed rule not loaded");
    printf("seed rule: %s\n", sigma_ruleset_rule_attr(rs, seed, SIGMA_ATTR_TITLE, NULL));
    for (uint32_t i = 0; i < sigma_ruleset_rule_indicator_count(rs, seed); i++) {
        sigma_indicator_info x = indicator(rs, seed, i);
        printf("  %s%s:", x.field ? x.field : "(keywords)", x.modifiers);
        for (uint32_t v = 0; v < x.value_count; v++)
            printf(" '%s'", sigma_ruleset_rule_indicator_value(rs, seed, i, v, NULL));
        printf("  -> %u other rules\n", x.corpus);
        if (i == 0) {
            EXPECT(x.field && strcmp(x.field, "ParentImage") == 0, "row 0 is ParentImage");
            EXPECT(x.corpus >= 1, "no other rule looks for \\w3wp.exe parents");
            printf("rules sharing ParentImage|endswith: \\w3wp.exe: %u (with the seed)\n",
                   x.corpus + 1);
        }
    }
    EXPECT(sigma_ruleset_rule_technique_count(rs, seed) == 1, "seed techniques");
    const char *tech = sigma_ruleset_rule_technique(rs, seed, 0, NULL);
    printf("seed technique: %s %s\n", tech ? tech : "?",
           tech ? sigma_ruleset_attack_name(rs, tech, SIGMA_NUL_TERMINATED, NULL) : "?");

    for (uint32_t r = 0; r < nrules; r++)
        check_rule(rs, r, nrules);
    double t3 = now();
    unsigned long checked = brute_force(rs, nrules);
    printf("brute-force corpus recount: %lu rows agree (%.2f s)\n", checked, now() - t3);
    EXPECT(checked > 100, "only %lu rows rechecked", checked);

    snprintf(path, sizeof path, "%s/events", corpus);
    run_events(rs, path, every);
    sigma_ruleset_unref(rs);
    printf("%s\n", failures ? "FAILED" : "PASSED");
    return failures ? 1 : 0;
}
