/* Test harness for the correlation tests: builds a ruleset from YAML, turns compact
 * event descriptions ("t=30 EventID=4625 User=alice") into sigma_event values,
 * matches them with sigma_match and feeds the hits to a correlator, collecting
 * every correlation match. Public API only. */
#ifndef CORR_HARNESS_H
#define CORR_HARNESS_H

#include <sigma/sigma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

typedef struct got {
    uint32_t rule;
    double value;
    int64_t first, last;
    uint64_t total;
    char group[256]; /* "User=alice,Host=h1" */
    uint64_t refs[16];
    uint32_t nrefs;
} got;

typedef struct harness {
    sigma_ruleset *rs;
    sigma_scratch *scratch;
    sigma_correlator *c;
    sigma_event *ev;
    got m[512];
    int n;
    uint64_t next_ref; /* event refs: 1, 2, 3... in feeding order */
    int stop_after;    /* callback asks to stop after this many matches (0 = never) */
    uint32_t last_hits[64];
    uint32_t nlast_hits;
} harness;

/* Builds a ruleset; prints the diagnostics when their error count differs. */
static inline sigma_ruleset *build_rs(const char *yaml, size_t expect_errors)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK)
        return NULL;
    sigma_builder_add_yaml(b, "test.yml", SIGMA_NUL_TERMINATED, yaml, SIGMA_NUL_TERMINATED, NULL);
    int rc = sigma_builder_build(b, &rs);
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    if (sigma_diagnostics_error_count(d) != expect_errors || rc != SIGMA_OK) {
        for (size_t i = 0; i < sigma_diagnostics_count(d); i++) {
            char buf[512];
            sigma_diagnostics_format(d, i, buf, sizeof buf);
            fprintf(stderr, "  diag: %s\n", buf);
        }
    }
    CHECK_EQ_INT(sigma_diagnostics_error_count(d), expect_errors);
    sigma_builder_free(b);
    return rs;
}

static inline int h_on_match(const sigma_correlation_match *m, void *user)
{
    harness *h = user;
    if (h->n < (int)(sizeof h->m / sizeof h->m[0])) {
        got *g = &h->m[h->n];
        memset(g, 0, sizeof *g);
        g->rule = sigma_correlation_match_rule(m);
        g->value = sigma_correlation_match_value(m);
        g->first = sigma_correlation_match_first_time(m);
        g->last = sigma_correlation_match_last_time(m);
        g->total = sigma_correlation_match_event_total(m);
        size_t pos = 0;
        for (uint32_t i = 0; i < sigma_correlation_match_group_count(m); i++) {
            size_t len;
            const char *v = sigma_correlation_match_group_value(m, i, &len);
            pos +=
                (size_t)snprintf(g->group + pos, sizeof g->group - pos, "%s%s=%.*s", i ? "," : "",
                                 sigma_correlation_match_group_field(m, i), (int)len, v);
            if (pos >= sizeof g->group)
                pos = sizeof g->group - 1;
        }
        g->nrefs = sigma_correlation_match_event_ref_count(m);
        for (uint32_t i = 0; i < g->nrefs && i < 16; i++)
            g->refs[i] = sigma_correlation_match_event_ref(m, i);
    }
    h->n++;
    return h->stop_after && h->n >= h->stop_after;
}

static inline int h_init(harness *h, const char *yaml, const sigma_correlator_options *o)
{
    memset(h, 0, sizeof *h);
    h->rs = build_rs(yaml, 0);
    if (!h->rs)
        return -1;
    CHECK_EQ_INT(sigma_scratch_reserve(h->rs, &h->scratch), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&h->ev), SIGMA_OK);
    CHECK_EQ_INT(sigma_correlator_new(h->rs, o, &h->c), SIGMA_OK);
    return h->c ? 0 : -1;
}

static inline void h_free(harness *h)
{
    sigma_correlator_free(h->c);
    sigma_event_free(h->ev);
    sigma_scratch_free(h->scratch);
    sigma_ruleset_unref(h->rs);
    memset(h, 0, sizeof *h);
}

/* "t=<seconds> name=value ...": digits-only values are integers; "ms=<n>" gives
 * the time in milliseconds instead. Returns the feed status. */
static inline int h_event(harness *h, const char *spec)
{
    sigma_event_clear(h->ev);
    int64_t t = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = 0;
        const char *v = eq + 1;
        if (!strcmp(tok, "t")) {
            t = (int64_t)(strtod(v, NULL) * 1000.0);
            continue;
        }
        if (!strcmp(tok, "ms")) {
            t = strtoll(v, NULL, 10);
            continue;
        }
        int digits = *v != 0;
        for (const char *p = *v == '-' ? v + 1 : v; *p; p++)
            if (*p < '0' || *p > '9')
                digits = 0;
        if (digits)
            sigma_event_add_int(h->ev, tok, SIGMA_NUL_TERMINATED, strtoll(v, NULL, 10));
        else
            sigma_event_add_str(h->ev, tok, SIGMA_NUL_TERMINATED, v, SIGMA_NUL_TERMINATED,
                                SIGMA_VALUE_COPY);
    }
    CHECK_EQ_INT(sigma_match(h->rs, h->scratch, h->ev, 0, NULL, NULL), SIGMA_OK);
    h->nlast_hits = 0;
    for (uint32_t i = 0; i < sigma_scratch_hit_count(h->scratch) && i < 64; i++)
        h->last_hits[h->nlast_hits++] = sigma_scratch_hit_rule(h->scratch, i);
    return sigma_correlator_feed(h->c, h->ev, t, ++h->next_ref, h->last_hits, h->nlast_hits,
                                 h_on_match, h);
}

/* Feeds each spec of a NULL-terminated list; returns the matches they produced. */
static inline int h_events(harness *h, const char *const *specs)
{
    int before = h->n;
    for (size_t i = 0; specs[i]; i++)
        CHECK_EQ_INT(h_event(h, specs[i]), SIGMA_OK);
    return h->n - before;
}

static inline int h_advance(harness *h, double seconds)
{
    int before = h->n;
    CHECK_EQ_INT(sigma_correlator_advance(h->c, (int64_t)(seconds * 1000.0), h_on_match, h),
                 SIGMA_OK);
    return h->n - before;
}

static inline int h_flush(harness *h)
{
    int before = h->n;
    CHECK_EQ_INT(sigma_correlator_flush(h->c, h_on_match, h), SIGMA_OK);
    return h->n - before;
}

static inline uint32_t h_rule(const harness *h, const char *id_or_name)
{
    uint32_t r = UINT32_MAX;
    CHECK_EQ_INT(sigma_ruleset_find_rule(h->rs, id_or_name, SIGMA_NUL_TERMINATED, &r), SIGMA_OK);
    return r;
}

/* Matches of correlation `name` collected so far. */
static inline int h_count(const harness *h, const char *name)
{
    uint32_t r = h_rule(h, name);
    int n = 0;
    for (int i = 0; i < h->n && i < (int)(sizeof h->m / sizeof h->m[0]); i++)
        n += h->m[i].rule == r;
    return n;
}

/* The last match of correlation `name`, or NULL. */
static inline const got *h_last(const harness *h, const char *name)
{
    uint32_t r = h_rule(h, name);
    for (int i = (h->n < 512 ? h->n : 512) - 1; i >= 0; i--)
        if (h->m[i].rule == r)
            return &h->m[i];
    return NULL;
}

static inline sigma_correlator_stats h_stats(const harness *h)
{
    sigma_correlator_stats s;
    memset(&s, 0, sizeof s);
    s.size = sizeof s;
    CHECK_EQ_INT(sigma_correlator_get_stats(h->c, &s), SIGMA_OK);
    return s;
}

#endif
