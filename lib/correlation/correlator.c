/* The streaming correlator (sigma-semantics.md §6.2): feeding hits into groups,
 * deciding windows, firing and chaining. See docs/correlation.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/ruleset.h"
#include "correlation/correlator.h"
#include "event/event.h"
#include "match/number.h"
#include "util/strmap.h"

#define DEFAULT_MAX_GROUPS 100000u
#define DEFAULT_MAX_EVENTS 10000u
#define DEFAULT_MAX_REFS 64u

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

static int is_temporal(const sg_ccorr *cc)
{
    return cc->type == SG_CORR_TEMPORAL || cc->type == SG_CORR_TEMPORAL_ORDERED;
}

/* ---- reading values ------------------------------------------------------------------------ */

/* First value of field `name` as text; 0 when the field is absent, empty or null.
 * Numbers are rendered into `num` (at least 40 bytes). */
static int src_text(const sg_csrc *src, const sg_cfield *name, char *num, const char **s,
                    size_t *len)
{
    if (src->m) {
        const sg_ccorr *in = src->m->cc;
        for (uint32_t g = 0; g < in->ngroup; g++)
            if (strcmp(in->group_names[g], name->name) == 0) {
                *s = src->m->gval[g];
                *len = src->m->glen[g];
                return 1;
            }
        return 0;
    }
    const sigma_event *ev = src->ev;
    uint32_t fi;
    if (!ev || !sg_strmap_get_hashed(&ev->by_name, name->name, name->len, name->hash, &fi))
        return 0;
    const sg_field *f = &ev->fields[fi];
    if (f->head == SG_NONE)
        return 0;
    const sg_value *v = &ev->values[f->head];
    switch (v->type) {
    case SG_VAL_STR:
        *s = v->s ? v->s : "";
        *len = v->len;
        return 1;
    case SG_VAL_INT:
        *len = (size_t)snprintf(num, 40, "%lld", (long long)v->i);
        break;
    case SG_VAL_FLOAT: {
        /* the shortest of %.15g / %.17g that reads back as the same double */
        *len = (size_t)snprintf(num, 40, "%.15g", v->f);
        if (strtod(num, NULL) != v->f)
            *len = (size_t)snprintf(num, 40, "%.17g", v->f);
        break;
    }
    case SG_VAL_BOOL:
        *len = (size_t)snprintf(num, 40, "%s", v->b ? "true" : "false");
        break;
    default:
        return 0;
    }
    *s = num;
    return 1;
}

/* First value of field `name` as a number (numeric strings count); 0 otherwise. */
static int src_num(const sg_csrc *src, const sg_cfield *name, double *out)
{
    if (src->ev && !src->m) {
        uint32_t fi;
        if (!sg_strmap_get_hashed(&src->ev->by_name, name->name, name->len, name->hash, &fi))
            return 0;
        const sg_field *f = &src->ev->fields[fi];
        if (f->head == SG_NONE)
            return 0;
        const sg_value *v = &src->ev->values[f->head];
        if (v->type == SG_VAL_INT) {
            *out = (double)v->i;
            return 1;
        }
        if (v->type == SG_VAL_FLOAT) {
            *out = v->f;
            return 1;
        }
    }
    char num[40];
    const char *s;
    size_t len;
    sg_number n;
    if (!src_text(src, name, num, &s, &len) || !sg_parse_decimal(s, len, &n))
        return 0;
    *out = n.d;
    return 1;
}

/* Appends uint32 length + bytes (one capacity check: this runs for every group-by
 * field of every hit). */
static int put_part(sg_buf *b, const char *s, size_t len)
{
    uint32_t l = (uint32_t)len;
    if (b->cap - b->len <= sizeof l + len && sg_buf_reserve(b, sizeof l + len) != 0)
        return -1;
    memcpy(b->data + b->len, &l, sizeof l);
    if (len)
        memcpy(b->data + b->len + sizeof l, s, len);
    b->len += sizeof l + len;
    return 0;
}

/* Group key for an event of refs[k] into c->key: 1 built, 0 a field is missing,
 * -1 no memory. */
static int build_key(sigma_correlator *c, const sg_ccorr *cc, const sg_csrc *src, uint32_t k)
{
    sg_buf_clear(&c->key);
    for (uint32_t g = 0; g < cc->ngroup; g++) {
        char num[40];
        const char *s;
        size_t len;
        if (!src_text(src, &cc->gb_keys[g * cc->nrefs + k], num, &s, &len))
            return 0;
        if (put_part(&c->key, s, len) != 0)
            return -1;
    }
    return 1;
}

/* value_count's value (a tuple for several fields) and value_*'s number. */
static int entry_values(sigma_correlator *c, const sg_ccorr *cc, const sg_csrc *src, sg_centry *e)
{
    if (!cc->nfields)
        return 0;
    if (cc->type == SG_CORR_VALUE_COUNT) {
        sg_buf_clear(&c->text);
        for (uint32_t f = 0; f < cc->nfields; f++) {
            char num[40];
            const char *s;
            size_t len;
            if (!src_text(src, &cc->field_keys[f], num, &s, &len))
                return 0;
            if (put_part(&c->text, s, len) != 0)
                return -1;
        }
        e->has_val = 1;
        e->v.vhash = sg_hash_bytes(c->text.data ? c->text.data : "", c->text.len);
    } else {
        e->has_num = (uint8_t)src_num(src, &cc->field_keys[0], &e->v.num);
    }
    return 0;
}

/* ---- windows ----------------------------------------------------------------------------- */

/* First entry index with time >= t (strict = 0) or > t (strict = 1). */
static uint32_t bound(const sg_cgroup *g, int64_t t, int strict)
{
    uint32_t lo = g->head, hi = g->len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->e[mid].t < t || (strict && g->e[mid].t == t))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int64_t group_deadline(const sigma_correlator *c, const sg_ccorr *cc, const sg_cgroup *g)
{
    int64_t d =
        cc->deferred ? sat_add(g->start, cc->span_ms) : sat_add(g->e[g->len - 1].t, cc->span_ms);
    if (c->idle_ms > 0) {
        int64_t idle = sat_add(g->updated, c->idle_ms);
        if (idle < d)
            d = idle;
    }
    return d;
}

static void feed_corr(sigma_correlator *c, uint32_t ci, const sg_csrc *src, int64_t t,
                      const uint32_t *ks, size_t nks, const uint64_t *refs, uint32_t nrefs,
                      uint64_t weight);

/* Reports entries e[i0..i1) of g as a match, then feeds chaining correlations. */
static void fire(sigma_correlator *c, const sg_ccorr *cc, const sg_cgroup *g, uint32_t i0,
                 uint32_t i1, double value)
{
    sigma_correlation_match m;
    memset(&m, 0, sizeof m);
    m.rs = c->rs;
    m.cc = cc;
    m.value = value;
    /* the contributing entries: the window's, or for temporal_ordered the chain of
     * rules in order that met the condition (other events of the window did not) */
    uint32_t *idx = malloc((size_t)(i1 - i0) * sizeof *idx);
    const char **gval = calloc(cc->ngroup ? cc->ngroup : 1, sizeof *gval);
    size_t *glen = calloc(cc->ngroup ? cc->ngroup : 1, sizeof *glen);
    uint32_t nidx = 0;
    if (idx && cc->type == SG_CORR_TEMPORAL_ORDERED && (!cc->bool_cond || cc->order_role)) {
        int64_t rc = sg_cor_ordered_chain(cc, g->e, i0, i1, idx);
        if (rc < 0)
            c->oom = 1;
        nidx = rc > 0 ? (uint32_t)rc : 0;
    }
    if (idx && !nidx)
        for (uint32_t i = i0; i < i1; i++)
            idx[nidx++] = i;
    uint64_t total_refs = 0;
    for (uint32_t i = 0; idx && i < nidx; i++) {
        m.total += g->e[idx[i]].weight;
        total_refs += g->e[idx[i]].nrefs;
    }
    size_t cap = (size_t)total_refs;
    if (c->max_refs != SIGMA_CORRELATOR_UNLIMITED && cap > c->max_refs)
        cap = c->max_refs;
    uint64_t *out = malloc((cap ? cap : 1) * sizeof *out);
    if (!idx || !gval || !glen || !out) {
        c->oom = 1;
        free(idx);
        free(gval);
        free(glen);
        free(out);
        return;
    }
    m.first = g->e[idx[0]].t;
    m.last = g->e[idx[nidx - 1]].t;
    size_t pos = 0;
    for (uint32_t g2 = 0; g2 < cc->ngroup; g2++) {
        uint32_t l;
        memcpy(&l, g->key + pos, sizeof l);
        gval[g2] = g->key + pos + sizeof l;
        glen[g2] = l;
        pos += sizeof l + l;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < nidx && n < cap; i++) {
        const sg_centry *e = &g->e[idx[i]];
        if (e->nrefs == 1)
            out[n++] = e->ref;
        for (uint32_t r = 0; e->nrefs > 1 && r < e->nrefs && n < cap; r++)
            out[n++] = e->refs[r];
    }
    m.gval = gval;
    m.glen = glen;
    m.refs = out;
    m.nrefs = n;
    c->stats.matches++;
    if (!c->stop && c->cb && c->cb(&m, c->user) != 0)
        c->stop = 1;
    /* chaining: the match is an event of this correlation rule for outer ones */
    const sg_corr_set *set = c->set;
    sg_csrc src = {NULL, &m};
    for (uint32_t h = set->hook_start[cc->rule]; h < set->hook_start[cc->rule + 1]; h++)
        feed_corr(c, set->hooks[h].corr, &src, m.last, &set->hooks[h].ref, 1, out, n, m.total);
    free(idx);
    free(gval);
    free(glen);
    free(out);
}

/* Immediate correlations: checks the window ending at `end`; 1 when it fired. */
static int try_window(sigma_correlator *c, const sg_ccorr *cc, sg_cgroup *g, int64_t end)
{
    uint32_t i0 = bound(g, sat_add(end, -cc->span_ms), 0), i1 = bound(g, end, 1);
    double v;
    int fires;
    int rc = sg_cor_figure(cc, g->e, i0, i1, &c->text, &v, &fires);
    if (rc < 0)
        c->oom = 1;
    if (rc <= 0 || !fires)
        return 0;
    fire(c, cc, g, i0, i1, v);
    return 1;
}

static void group_updated(sigma_correlator *c, const sg_ccorr *cc, sg_cgroup *g, int64_t t,
                          int was_empty)
{
    sg_cor_group_touch(c, g);
    if (cc->deferred) {
        if (was_empty || t < g->start)
            g->start = t;
    } else {
        int64_t newest = g->e[g->len - 1].t;
        if (try_window(c, cc, g, newest) || (t < newest && try_window(c, cc, g, t))) {
            /* fired: the group starts over empty; it stays allocated (a key that
             * fired tends to come back) and is freed at its deadline if it does not */
            int64_t d = group_deadline(c, cc, g);
            sg_cor_entries_drop_front(c, g, g->len - g->head);
            sg_cor_set_deadline(c, g, d);
            return;
        }
        /* entries no future window can reach (later events are >= the watermark) */
        int64_t wm = sat_add(c->now, -c->ooo_ms);
        uint32_t keep = bound(g, sat_add(wm, -cc->span_ms), 0);
        sg_cor_entries_drop_front(c, g, keep - g->head);
        if (g->len == g->head) {
            sg_cor_group_free(c, g);
            c->stats.groups_closed++;
            return;
        }
    }
    sg_cor_set_deadline(c, g, group_deadline(c, cc, g));
}

static void add_entry(sigma_correlator *c, uint32_t ci, sg_centry *e)
{
    const sg_ccorr *cc = &c->set->corrs[ci];
    sg_cgroup *g = sg_cor_group_get(c, ci, c->key.data ? c->key.data : "", (uint32_t)c->key.len);
    if (!g) {
        c->oom = 1;
        return;
    }
    int was_empty = g->len == g->head;
    if (e->nrefs > 1) {
        const uint64_t *src = e->refs;
        if (!(e->refs = malloc(e->nrefs * sizeof *e->refs))) {
            c->oom = 1;
            if (was_empty)
                sg_cor_group_discard(c, g);
            return;
        }
        memcpy(e->refs, src, e->nrefs * sizeof *e->refs);
        sg_cor_account(c, (int64_t)(e->nrefs * sizeof *e->refs));
    } else {
        e->refs = NULL;
    }
    if (sg_cor_entry_insert(c, g, e) != 0) {
        if (e->refs) {
            sg_cor_account(c, -(int64_t)(e->nrefs * sizeof *e->refs));
            free(e->refs);
        }
        c->oom = 1;
        if (was_empty)
            sg_cor_group_discard(c, g);
        return;
    }
    group_updated(c, cc, g, e->t, was_empty);
}

/* One hit of correlation ci: the event matched refs[ks[0..nks)] of it. */
static void feed_corr(sigma_correlator *c, uint32_t ci, const sg_csrc *src, int64_t t,
                      const uint32_t *ks, size_t nks, const uint64_t *refs, uint32_t nrefs,
                      uint64_t weight)
{
    const sg_ccorr *cc = &c->set->corrs[ci];
    sg_centry e;
    memset(&e, 0, sizeof e);
    e.t = t;
    e.weight = weight;
    e.nrefs = nrefs;
    if (nrefs == 1)
        e.ref = refs[0];
    e.refs = (uint64_t *)(uintptr_t)refs; /* copied by add_entry when nrefs > 1 */
    if (entry_values(c, cc, src, &e) != 0) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < nks; i++) {
        int rc = build_key(c, cc, src, ks[i]);
        if (rc < 0) {
            c->oom = 1;
            return;
        }
        if (rc == 0)
            continue; /* a group-by field is missing: not for this rule */
        sg_centry one = e;
        one.k = (uint16_t)ks[i];
        add_entry(c, ci, &one);
        /* event_count and value_*: an event counts once, whatever it matched */
        if (!is_temporal(cc))
            return;
    }
}

/* Frees the expired groups at the head of an immediate correlation's LRU list. A
 * group whose deadline is out of order (a late or chained event) waits until it is at
 * the head: it holds memory a little longer, its windows are still exact. */
static void expire_immediate(sigma_correlator *c, sg_cstate *s, int64_t wm)
{
    while (*s->head_due < wm) {
        sg_cgroup *g = s->lru_head;
        const sg_ccorr *cc = &c->set->corrs[g->corr];
        int over = g->len == g->head || sat_add(g->e[g->len - 1].t, cc->span_ms) < wm;
        sg_cor_group_free(c, g);
        if (over)
            c->stats.groups_closed++;
        else
            c->stats.groups_expired++;
    }
}

/* Decides and drops whatever the watermark `wm` has passed. */
static void run_until(sigma_correlator *c, int64_t wm)
{
    sg_cgroup *g;
    while ((g = sg_cor_heap_due(c, wm)) != NULL) {
        /* deferred correlations: decide the window that closed */
        const sg_ccorr *cc = &c->set->corrs[g->corr];
        int64_t end = sat_add(g->start, cc->span_ms);
        if (g->len == g->head || end >= wm) {
            /* idle expiry before the window is over */
            sg_cor_group_free(c, g);
            c->stats.groups_expired++;
            continue;
        }
        uint32_t i1 = bound(g, end, 1);
        double v;
        int fires;
        int rc = sg_cor_figure(cc, g->e, g->head, i1, &c->text, &v, &fires);
        if (rc < 0)
            c->oom = 1;
        if (rc > 0 && fires)
            fire(c, cc, g, g->head, i1, v);
        sg_cor_entries_drop_front(c, g, i1 - g->head);
        if (g->len > g->head) {
            /* the next window opens with the first event after this one */
            g->start = g->e[g->head].t;
            sg_cor_set_deadline(c, g, group_deadline(c, cc, g));
            continue;
        }
        sg_cor_group_free(c, g);
        c->stats.groups_closed++;
    }
    /* runs for every event: a plain scan of c->due (INT64_MAX for deferred ones) */
    const int64_t *due = c->due;
    for (uint32_t ci = 0, n = c->set ? c->set->n : 0; ci < n; ci++)
        if (due[ci] < wm)
            expire_immediate(c, &c->st[ci], wm);
}

/* ---- public API -------------------------------------------------------------------------- */

int sigma_correlator_new(const sigma_ruleset *rs, const sigma_correlator_options *opts,
                         sigma_correlator **out)
{
    if (!out)
        return SIGMA_E_INVALID_ARG;
    *out = NULL;
    if (!rs)
        return SIGMA_E_INVALID_ARG;
    sigma_correlator_options o;
    memset(&o, 0, sizeof o);
    if (opts) {
        if (opts->size < offsetof(sigma_correlator_options, reserved0))
            return SIGMA_E_SIZE;
        memcpy(&o, opts, opts->size < sizeof o ? opts->size : sizeof o);
    }
    if (o.idle_expiry_ms < 0 || o.out_of_order_ms < 0)
        return SIGMA_E_INVALID_ARG;
    sigma_correlator *c = calloc(1, sizeof *c);
    if (!c)
        return SIGMA_E_NOMEM;
    c->set = rs->corr;
    c->max_groups = o.max_groups ? o.max_groups : DEFAULT_MAX_GROUPS;
    c->max_events = o.max_events_per_group ? o.max_events_per_group : DEFAULT_MAX_EVENTS;
    c->max_refs = o.max_event_refs ? o.max_event_refs : DEFAULT_MAX_REFS;
    c->idle_ms = o.idle_expiry_ms;
    c->ooo_ms = o.out_of_order_ms;
    if (c->set && (!(c->st = calloc(c->set->n, sizeof *c->st)) ||
                   !(c->due = malloc(c->set->n * sizeof *c->due)))) {
        free(c->st);
        free(c);
        return SIGMA_E_NOMEM;
    }
    for (uint32_t ci = 0; c->set && ci < c->set->n; ci++) {
        c->due[ci] = INT64_MAX;
        c->st[ci].head_due = &c->due[ci];
        c->st[ci].deferred = c->set->corrs[ci].deferred;
    }
    c->rs = sigma_ruleset_ref((sigma_ruleset *)rs);
    sg_cor_account(
        c, (int64_t)(sizeof *c + (c->set ? c->set->n * (sizeof *c->st + sizeof *c->due) : 0)));
    *out = c;
    return SIGMA_OK;
}

void sigma_correlator_free(sigma_correlator *c)
{
    if (!c)
        return;
    sg_cor_free_all(c);
    for (uint32_t ci = 0; c->set && ci < c->set->n; ci++)
        free(c->st[ci].buckets);
    free(c->st);
    free(c->due);
    free(c->heap);
    sg_buf_free(&c->key);
    sg_buf_free(&c->text);
    sigma_ruleset_unref(c->rs);
    free(c);
}

static void begin(sigma_correlator *c, sigma_correlation_fn cb, void *user)
{
    c->cb = cb;
    c->user = user;
    c->stop = 0;
    c->oom = 0;
}

static int finish(sigma_correlator *c)
{
    c->cb = NULL;
    c->user = NULL;
    if (c->oom)
        return SIGMA_E_NOMEM;
    return c->stop ? SIGMA_E_TERMINATED : SIGMA_OK;
}

static int hook_before(sg_corr_hook x, sg_corr_hook y)
{
    return x.corr != y.corr ? x.corr < y.corr : x.ref < y.ref;
}

static int cmp_hook(const void *a, const void *b)
{
    const sg_corr_hook *x = a, *y = b;
    return hook_before(*x, *y) ? -1 : hook_before(*y, *x);
}

/* An event usually feeds a few hooks (each rule's already in order): insertion
 * sort, as qsort's overhead showed in profiles; qsort for long lists. */
static void sort_hooks(sg_corr_hook *h, size_t n)
{
    if (n > 32) {
        qsort(h, n, sizeof *h, cmp_hook);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        sg_corr_hook x = h[i];
        size_t j = i;
        for (; j > 0 && hook_before(x, h[j - 1]); j--)
            h[j] = h[j - 1];
        h[j] = x;
    }
}

int sigma_correlator_feed(sigma_correlator *c, const sigma_event *ev, int64_t time_ms,
                          uint64_t event_ref, const uint32_t *matched_rules, size_t n,
                          sigma_correlation_fn on_match, void *user_data)
{
    if (!c || (n && !matched_rules))
        return SIGMA_E_INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (matched_rules[i] >= c->rs->nrules)
            return SIGMA_E_INVALID_ARG;
    begin(c, on_match, user_data);
    if (c->started && time_ms < sat_add(c->now, -c->ooo_ms)) {
        c->stats.events_late++;
        return finish(c);
    }
    if (!c->started || time_ms > c->now)
        c->now = time_ms;
    c->started = 1;
    c->stats.events++;
    run_until(c, sat_add(c->now, -c->ooo_ms));
    const sg_corr_set *set = c->set;
    if (!set)
        return finish(c);
    /* (correlation, position) pairs this event feeds, grouped by correlation */
    size_t nh = 0;
    for (size_t i = 0; i < n; i++)
        nh += set->hook_start[matched_rules[i] + 1] - set->hook_start[matched_rules[i]];
    if (!nh)
        return finish(c);
    sg_corr_hook stack[32];
    sg_corr_hook *hs = nh <= 32 ? stack : malloc(nh * sizeof *hs);
    if (!hs) {
        c->oom = 1;
        return finish(c);
    }
    nh = 0;
    for (size_t i = 0; i < n; i++)
        for (uint32_t h = set->hook_start[matched_rules[i]];
             h < set->hook_start[matched_rules[i] + 1]; h++)
            hs[nh++] = set->hooks[h];
    sort_hooks(hs, nh);
    uint32_t ks[64];
    sg_csrc src = {ev, NULL};
    for (size_t i = 0; i < nh;) {
        uint32_t ci = hs[i].corr;
        size_t nk = 0;
        for (; i < nh && hs[i].corr == ci; i++)
            if (nk < 64 && (nk == 0 || ks[nk - 1] != hs[i].ref))
                ks[nk++] = hs[i].ref;
        feed_corr(c, ci, &src, time_ms, ks, nk, &event_ref, 1, 1);
    }
    if (hs != stack)
        free(hs);
    return finish(c);
}

int sigma_correlator_advance(sigma_correlator *c, int64_t time_ms, sigma_correlation_fn on_match,
                             void *user_data)
{
    if (!c)
        return SIGMA_E_INVALID_ARG;
    begin(c, on_match, user_data);
    if (!c->started || time_ms > c->now) {
        c->now = time_ms;
        c->started = 1;
    }
    run_until(c, sat_add(c->now, -c->ooo_ms));
    return finish(c);
}

int sigma_correlator_flush(sigma_correlator *c, sigma_correlation_fn on_match, void *user_data)
{
    if (!c)
        return SIGMA_E_INVALID_ARG;
    begin(c, on_match, user_data);
    run_until(c, INT64_MAX);
    sg_cor_free_all(c); /* groups whose end saturated at INT64_MAX */
    c->started = 0;
    return finish(c);
}

int sigma_correlator_get_stats(const sigma_correlator *c, sigma_correlator_stats *stats)
{
    if (!c || !stats)
        return SIGMA_E_INVALID_ARG;
    if (stats->size < offsetof(sigma_correlator_stats, events_late))
        return SIGMA_E_SIZE;
    size_t n = stats->size < sizeof *stats ? stats->size : sizeof *stats;
    sigma_correlator_stats s = c->stats;
    s.size = stats->size;
    memcpy(stats, &s, n);
    return SIGMA_OK;
}
