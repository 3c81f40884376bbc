/* Route dispatch: an event is tested only against the mapping entries listed under
 * the value of one of their conditions (lib/index/routing.c). This test checks that
 * the result is the same as testing every entry, against an oracle written here:
 * random mappings over a small vocabulary (Channel, EventID, Provider_Name; lists,
 * shared values, case differences), random events (fields missing, repeated, integer
 * or string EventIDs), one rule per entry. A second round adds a condition value too
 * long for a dispatch key, which makes the library test every entry. */
#include <sigma/sigma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

enum { NENTRIES = 24, NEVENTS = 4000, NFIELDS = 3, MAXVALS = 3 };

static const char *const field_names[NFIELDS] = {"Channel", "EventID", "Provider_Name"};
static const char *const vocab[NFIELDS][4] = {
    {"Sec", "Sys", "App", "Ops"}, {"1", "2", "3", "4688"}, {"P", "Q", "R", "S"}};

typedef struct cond {
    int used;
    int nvals;
    int vals[MAXVALS];
} cond;

typedef struct entry {
    cond conds[NFIELDS];
} entry;

static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    while (*len + n + 1 > *cap) {
        *cap = *cap ? *cap * 2 : 4096;
        *buf = realloc(*buf, *cap);
        if (!*buf)
            abort();
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

/* The mapping YAML of the entries; entry i gives logsource {product: t, category: c<i>}.
 * long_value: entry 0 also lists a 300-byte Channel value (no event has it). */
static char *mapping_yaml(const entry *e, int long_value)
{
    char *y = NULL, line[512];
    size_t len = 0, cap = 0;
    append(&y, &len, &cap, "mappings:\n");
    for (int i = 0; i < NENTRIES; i++) {
        snprintf(line, sizeof line, "  - logsource: {product: t, category: c%d}\n    when:\n", i);
        append(&y, &len, &cap, line);
        for (int f = 0; f < NFIELDS; f++) {
            if (!e[i].conds[f].used)
                continue;
            snprintf(line, sizeof line, "      %s: [", field_names[f]);
            append(&y, &len, &cap, line);
            for (int v = 0; v < e[i].conds[f].nvals; v++) {
                /* upper case in the mapping: matching folds both sides */
                char val[16];
                snprintf(val, sizeof val, "%s%s", v ? ", " : "", vocab[f][e[i].conds[f].vals[v]]);
                for (char *p = val; *p; p++)
                    if (*p >= 'a' && *p <= 'z' && rnd(2))
                        *p = (char)(*p - 'a' + 'A');
                append(&y, &len, &cap, val);
            }
            if (long_value && i == 0 && f == 0) {
                append(&y, &len, &cap, ", ");
                for (int k = 0; k < 300; k++)
                    append(&y, &len, &cap, "L");
            }
            append(&y, &len, &cap, "]\n");
        }
    }
    return y;
}

static char *rules_yaml(void)
{
    char *y = NULL, line[256];
    size_t len = 0, cap = 0;
    for (int i = 0; i < NENTRIES; i++) {
        snprintf(line, sizeof line,
                 "%stitle: rule %d\nlogsource: {product: t, category: c%d}\n"
                 "detection: {s: {Marker: 'x'}, condition: s}\n",
                 i ? "---\n" : "", i, i);
        append(&y, &len, &cap, line);
    }
    return y;
}

static void random_entries(entry *e)
{
    memset(e, 0, NENTRIES * sizeof *e);
    for (int i = 0; i < NENTRIES; i++) {
        int any = 0;
        for (int f = 0; f < NFIELDS; f++) {
            if (rnd(3) == 0)
                continue;
            cond *c = &e[i].conds[f];
            c->used = any = 1;
            c->nvals = 1 + (int)rnd(MAXVALS);
            for (int v = 0; v < c->nvals; v++)
                c->vals[v] = (int)rnd(4);
        }
        if (!any) { /* at least one condition */
            e[i].conds[0].used = 1;
            e[i].conds[0].nvals = 1;
            e[i].conds[0].vals[0] = (int)rnd(4);
        }
    }
}

/* Event values per field: -1 = absent; two values when `second` >= 0. */
typedef struct event_spec {
    int first[NFIELDS], second[NFIELDS];
} event_spec;

static int field_has(const event_spec *ev, int f, int v)
{
    return ev->first[f] == v || ev->second[f] == v;
}

/* The oracle: entry i's conditions all hold. */
static int entry_holds(const entry *e, const event_spec *ev)
{
    for (int f = 0; f < NFIELDS; f++) {
        if (!e->conds[f].used)
            continue;
        int ok = 0;
        for (int v = 0; v < e->conds[f].nvals; v++)
            ok |= field_has(ev, f, e->conds[f].vals[v]);
        if (!ok)
            return 0;
    }
    return 1;
}

static void add_value(sigma_event *ev, int f, int v)
{
    if (f == 1 && rnd(2)) { /* EventID as an integer */
        CHECK_EQ_INT(sigma_event_add_int(ev, field_names[f], SIGMA_NUL_TERMINATED,
                                         strtoll(vocab[f][v], NULL, 10)),
                     SIGMA_OK);
        return;
    }
    char val[16];
    snprintf(val, sizeof val, "%s", vocab[f][v]);
    for (char *p = val; *p; p++)
        if (*p >= 'a' && *p <= 'z' && rnd(2))
            *p = (char)(*p - 'a' + 'A');
    CHECK_EQ_INT(
        sigma_event_add_str(ev, field_names[f], SIGMA_NUL_TERMINATED, val, SIGMA_NUL_TERMINATED, 0),
        SIGMA_OK);
}

static void run_round(int long_value)
{
    entry e[NENTRIES];
    random_entries(e);
    char *map = mapping_yaml(e, long_value), *rules = rules_yaml();
    sigma_builder *b = NULL;
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_add_mapping_yaml(b, "m.yml", SIGMA_NUL_TERMINATED, map, strlen(map)),
                 SIGMA_OK);
    CHECK_EQ_INT(
        sigma_builder_add_yaml(b, "r.yml", SIGMA_NUL_TERMINATED, rules, strlen(rules), NULL),
        SIGMA_OK);
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    sigma_builder_free(b);
    if (!rs) {
        free(map);
        free(rules);
        return;
    }
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), NENTRIES);
    sigma_scratch *s = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    int routed = 0, unrouted = 0;
    for (int n = 0; n < NEVENTS; n++) {
        event_spec spec;
        sigma_event *ev = NULL;
        CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
        for (int f = 0; f < NFIELDS; f++) {
            spec.first[f] = rnd(5) == 0 ? -1 : (int)rnd(4);
            spec.second[f] = spec.first[f] >= 0 && rnd(6) == 0 ? (int)rnd(4) : -1;
            if (spec.first[f] >= 0)
                add_value(ev, f, spec.first[f]);
            if (spec.second[f] >= 0)
                add_value(ev, f, spec.second[f]);
        }
        sigma_event_add_str(ev, "Marker", SIGMA_NUL_TERMINATED, "x", 1, 0);
        int expect[NENTRIES], any = 0;
        for (int i = 0; i < NENTRIES; i++)
            any |= expect[i] = entry_holds(&e[i], &spec);
        routed += any;
        unrouted += !any;
        CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
        int got[NENTRIES] = {0};
        for (uint32_t h = 0; h < sigma_scratch_hit_count(s); h++)
            got[sigma_scratch_hit_rule(s, h)] = 1;
        /* An event no entry recognises meets every rule (not strict). */
        for (int i = 0; i < NENTRIES; i++)
            CHECK_MSG(got[i] == (any ? expect[i] : 1), "round %d event %d rule %d: got %d",
                      long_value, n, i, got[i]);
        sigma_event_free(ev);
    }
    /* Both kinds of event occur, so both paths were exercised. */
    CHECK(routed > NEVENTS / 10);
    CHECK(unrouted > 0);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
    free(map);
    free(rules);
}

int main(void)
{
    for (int round = 0; round < 6; round++)
        run_round(round % 2);
    return TEST_DONE();
}
