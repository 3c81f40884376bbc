/* The cross-rule introspection tables, computed once the ruleset is compiled: ATT&CK
 * from tags, correlation references both ways, event coverage from the routing, and
 * indicator rows with their corpus counts. */
#include <stdlib.h>
#include <string.h>

#include "compile/ruleset.h"
#include "introspect/introspect.h"
#include "match/strmatch.h"
#include "util/vec.h"

/* --------------------------------------------------------------- relations */

static long find_rule(const sigma_ruleset *rs, const char *ref)
{
    for (int by_name = 0; by_name < 2; by_name++)
        for (uint32_t i = 0; i < rs->nrules; i++) {
            const char *s = by_name ? rs->rules[i].name : rs->rules[i].id;
            if (s && strcmp(s, ref) == 0)
                return (long)i;
        }
    return -1;
}

static int push_u32(uint32_t **a, uint32_t *n, uint32_t v)
{
    for (uint32_t i = 0; i < *n; i++)
        if ((*a)[i] == v)
            return 0;
    uint32_t *p = realloc(*a, (*n + 1) * sizeof **a);
    if (!p)
        return -1;
    p[(*n)++] = v;
    *a = p;
    return 0;
}

static int relations(sigma_ruleset *rs)
{
    for (uint32_t i = 0; i < rs->nrules; i++) {
        sg_intro_rule *r = rs->rules[i].intro;
        for (uint32_t k = 0; k < r->ncorr_rules; k++) {
            long t = find_rule(rs, r->corr_rules[k]);
            if (t < 0)
                continue;
            if (push_u32(&r->refs, &r->nrefs, (uint32_t)t) != 0 ||
                push_u32(&rs->rules[t].intro->referrers, &rs->rules[t].intro->nreferrers, i) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- coverage */

const char *sg_intro_entry_channel(const sg_map_entry *e)
{
    for (size_t k = 0; k < e->nconds; k++)
        if (strcmp(e->conds[k].field, "Channel") == 0 && e->conds[k].nvalues)
            return e->conds[k].values[0];
    return NULL;
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int same_row(const sg_routing *rt, const uint32_t *a, const uint32_t *b)
{
    const sg_map_entry *ea = rt->routes[a[0]].entry, *eb = rt->routes[b[0]].entry;
    const sg_map_coverage *x = &ea->coverage[a[1]], *y = &eb->coverage[b[1]];
    return x->event_id == y->event_id && same_str(x->provider, y->provider) &&
           same_str(x->title, y->title) &&
           same_str(sg_intro_entry_channel(ea), sg_intro_entry_channel(eb));
}

static int coverage(sigma_ruleset *rs)
{
    const sg_routing *rt = &rs->routing;
    for (size_t r = 0; r < rt->n; r++) {
        const sg_route *route = &rt->routes[r];
        for (uint32_t i = 0; i < rs->nrules; i++) {
            if (!((route->rules[i >> 6] >> (i & 63)) & 1) ||
                rs->rules[i].kind != SIGMA_RULE_DETECTION)
                continue;
            sg_intro_rule *ir = rs->rules[i].intro;
            for (size_t c = 0; c < route->entry->ncoverage; c++) {
                uint32_t row[2] = {(uint32_t)r, (uint32_t)c};
                uint32_t k = 0;
                while (k < ir->ncoverage && !same_row(rt, &ir->coverage[2 * k], row))
                    k++;
                if (k < ir->ncoverage)
                    continue;
                uint32_t *p = realloc(ir->coverage, 2 * (ir->ncoverage + 1) * sizeof *p);
                if (!p)
                    return -1;
                p[2 * ir->ncoverage] = row[0];
                p[2 * ir->ncoverage + 1] = row[1];
                ir->coverage = p;
                ir->ncoverage++;
            }
        }
    }
    return 0;
}

/* -------------------------------------------------------------- indicators */

static const sg_intro_item *ind_item(const sg_intro_rule *r, const sg_indicator *x)
{
    return &r->stages[x->stage].items[x->item];
}

static int same_item(const sg_intro_item *a, const sg_intro_item *b)
{
    if (a->kind != b->kind || !same_str(a->field, b->field) || strcmp(a->mods, b->mods) != 0 ||
        a->nvalues != b->nvalues)
        return 0;
    for (uint32_t v = 0; v < a->nvalues; v++)
        if (a->values[v].len != b->values[v].len ||
            memcmp(a->values[v].text, b->values[v].text, a->values[v].len) != 0)
            return 0;
    return 1;
}

/* Indicator rows of one rule: items of its own selections that test values. */
static int rule_indicators(sg_intro_rule *r)
{
    for (uint32_t s = 0; s < r->nstages; s++) {
        const sg_intro_stage *st = &r->stages[s];
        if (st->kind != SIGMA_STAGE_SELECTION)
            continue;
        for (uint32_t i = 0; i < st->nitems; i++) {
            const sg_intro_item *it = &st->items[i];
            if (it->kind == SIGMA_PRED_EXISTS || it->kind == SIGMA_PRED_NULL || !it->nvalues)
                continue;
            uint32_t k = 0;
            while (k < r->nindicators && !same_item(ind_item(r, &r->indicators[k]), it))
                k++;
            if (k < r->nindicators)
                continue;
            sg_indicator *p = realloc(r->indicators, (r->nindicators + 1) * sizeof *p);
            if (!p)
                return -1;
            p[r->nindicators++] = (sg_indicator){s, i};
            r->indicators = p;
        }
    }
    return 0;
}

/* The key of a row's "combination": field, kind and the modifiers apart from `all`. */
static int combo_key(const sg_intro_item *it, sg_buf *k)
{
    sg_buf_clear(k);
    const char tag[2] = {it->field ? 'f' : 'k', (char)it->kind};
    const char *f = it->field ? it->field : "";
    if (sg_buf_append(k, tag, 2) != 0 || sg_buf_append(k, f, strlen(f) + 1) != 0)
        return -1;
    const char *m = it->mods;
    while (*m) { /* copy "|mod" segments except "|all" */
        const char *next = strchr(m + 1, '|');
        size_t len = next ? (size_t)(next - m) : strlen(m);
        if (!(len == 4 && memcmp(m, "|all", 4) == 0) && sg_buf_append(k, m, len) != 0)
            return -1;
        m += len;
    }
    return sg_buf_putc(k, 0);
}

/* combo key + value (folded unless compared exactly). */
static int value_key(const sg_intro_item *it, uint32_t v, const sg_buf *combo, sg_buf *k)
{
    sg_buf_clear(k);
    if (sg_buf_append(k, combo->data, combo->len) != 0)
        return -1;
    const sg_intro_value *iv = &it->values[v];
    if (it->cased)
        return sg_buf_append(k, iv->text, iv->len);
    return sg_fold_append(iv->text, iv->len, k);
}

typedef struct posting {
    uint32_t *rows;
    uint32_t n, cap;
} posting;

typedef struct corpus {
    sg_strmap map; /* value key -> posting index */
    char **keys;
    posting *lists;
    size_t nlists, cap, keys_cap, nkeys;
    uint32_t *row_rule; /* global row id -> rule index */
    uint32_t nrows;
} corpus;

static int add_posting(corpus *c, const sg_buf *k, uint32_t row, uint32_t *id_out)
{
    uint32_t id;
    if (!sg_strmap_get(&c->map, k->data, k->len, &id)) {
        char *key = malloc(k->len ? k->len : 1);
        if (!key)
            return -1;
        memcpy(key, k->data, k->len);
        size_t nk = c->nkeys;
        if (SG_PUSH(c->keys, nk, c->keys_cap, key) != 0) {
            free(key);
            return -1;
        }
        c->nkeys = nk;
        posting empty = {0};
        size_t nl = c->nlists;
        if (SG_PUSH(c->lists, nl, c->cap, empty) != 0)
            return -1;
        c->nlists = nl;
        id = (uint32_t)(nl - 1);
        if (sg_strmap_put(&c->map, key, k->len, id) != 0)
            return -1;
    }
    *id_out = id;
    posting *p = &c->lists[id];
    if (p->n && p->rows[p->n - 1] == row)
        return 0; /* the value twice in one row */
    size_t n = p->n, cap = p->cap;
    if (SG_PUSH(p->rows, n, cap, row) != 0)
        return -1;
    p->n = (uint32_t)n;
    p->cap = (uint32_t)cap;
    return 0;
}

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->nlists; i++)
        free(c->lists[i].rows);
    free(c->lists);
    for (size_t i = 0; i < c->nkeys; i++)
        free(c->keys[i]);
    free(c->keys);
    free(c->row_rule);
    sg_strmap_free(&c->map);
}

/* Number of rules other than `self` owning a row in every posting list of `lists`. */
static uint32_t count_rules(const corpus *c, const posting **lists, uint32_t n, uint32_t self)
{
    uint32_t smallest = 0;
    for (uint32_t i = 1; i < n; i++)
        if (lists[i]->n < lists[smallest]->n)
            smallest = i;
    uint32_t count = 0, last_rule = UINT32_MAX;
    uint32_t *pos = calloc(n, sizeof *pos);
    if (!pos)
        return 0;
    const posting *s = lists[smallest];
    for (uint32_t a = 0; a < s->n; a++) {
        uint32_t row = s->rows[a];
        int all = 1;
        for (uint32_t i = 0; i < n && all; i++) {
            const posting *p = lists[i];
            while (pos[i] < p->n && p->rows[pos[i]] < row)
                pos[i]++;
            all = pos[i] < p->n && p->rows[pos[i]] == row;
        }
        uint32_t rule = c->row_rule[row];
        if (all && rule != self && rule != last_rule) {
            count++; /* rows are numbered rule by rule: equal rules are adjacent */
            last_rule = rule;
        }
    }
    free(pos);
    return count;
}

/* The corpus count of every indicator row: a posting list per (combination, value)
 * key, then for each row the rules in all of its values' lists. NULL out of memory. */
static uint32_t *corpus_counts(const sigma_ruleset *rs)
{
    corpus c;
    memset(&c, 0, sizeof c);
    sg_buf combo = {0}, key = {0};
    c.nrows = rs->intro->nrows;
    c.row_rule = malloc((c.nrows ? c.nrows : 1) * sizeof *c.row_rule);
    uint32_t *counts = calloc(c.nrows ? c.nrows : 1, sizeof *counts);
    int rc = !c.row_rule || !counts ? -1 : 0;
    /* Pass 1: posting lists value key -> rows (ascending); each value's list in vids. */
    uint32_t row = 0, *vids = NULL;
    size_t nvids = 0, vids_cap = 0;
    for (uint32_t i = 0; i < rs->nrules && rc == 0; i++) {
        const sg_intro_rule *r = rs->rules[i].intro;
        for (uint32_t k = 0; k < r->nindicators && rc == 0; k++, row++) {
            const sg_intro_item *it = ind_item(r, &r->indicators[k]);
            c.row_rule[row] = i;
            rc = combo_key(it, &combo);
            for (uint32_t v = 0; v < it->nvalues && rc == 0; v++) {
                uint32_t id = 0;
                rc = value_key(it, v, &combo, &key) || add_posting(&c, &key, row, &id) ||
                             SG_PUSH(vids, nvids, vids_cap, id) != 0
                         ? -1
                         : 0;
            }
        }
    }
    /* Pass 2: each row's corpus count. */
    const posting **lists = NULL;
    size_t at = 0;
    row = 0;
    for (uint32_t i = 0; i < rs->nrules && rc == 0; i++) {
        const sg_intro_rule *r = rs->rules[i].intro;
        for (uint32_t k = 0; k < r->nindicators && rc == 0; k++, row++) {
            const sg_intro_item *it = ind_item(r, &r->indicators[k]);
            const posting **l = realloc(lists, it->nvalues * sizeof *l);
            if (!l) {
                rc = -1;
                break;
            }
            lists = l;
            for (uint32_t v = 0; v < it->nvalues; v++)
                lists[v] = &c.lists[vids[at++]];
            counts[row] = count_rules(&c, lists, it->nvalues, i);
        }
    }
    free(lists);
    free(vids);
    sg_buf_free(&combo);
    sg_buf_free(&key);
    corpus_free(&c);
    if (rc != 0) {
        free(counts);
        return NULL;
    }
    return counts;
}

const uint32_t *sg_intro_corpus(const sigma_ruleset *rs)
{
    uint32_t *have = atomic_load_explicit(&rs->intro->corpus, memory_order_acquire);
    if (have)
        return have;
    uint32_t *mine = corpus_counts(rs);
    if (!mine)
        return NULL;
    if (atomic_compare_exchange_strong_explicit(&rs->intro->corpus, &have, mine,
                                                memory_order_acq_rel, memory_order_acquire))
        return mine;
    free(mine); /* another thread published first; `have` is its (identical) table */
    return have;
}

/* Indicator rows of every rule, numbered rule by rule; their corpus counts are
 * computed on the first request (sg_intro_corpus), not while compiling. */
static int indicators(sigma_ruleset *rs)
{
    uint32_t rows = 0;
    for (uint32_t i = 0; i < rs->nrules; i++) {
        sg_intro_rule *r = rs->rules[i].intro;
        if (rule_indicators(r) != 0)
            return -1;
        r->row0 = rows;
        rows += r->nindicators;
    }
    rs->intro->nrows = rows;
    return 0;
}

/* ------------------------------------------------------------------ entry */

int sg_intro_finish(sigma_ruleset *rs)
{
    if (!rs->intro && !(rs->intro = calloc(1, sizeof *rs->intro)))
        return -1; /* no rules: the set was not created by sg_intro_rule_build */
    for (uint32_t i = 0; i < rs->nrules; i++)
        if (sg_attack_rule_tags(rs->rules[i].intro, rs->rules[i].tags, rs->rules[i].ntags) != 0)
            return -1;
    if (relations(rs) != 0 || coverage(rs) != 0 || indicators(rs) != 0)
        return -1;
    return 0;
}

void sg_intro_set_free(sg_intro_set *s)
{
    if (!s)
        return;
    sg_strmap_free(&s->names);
    free(s->name_text);
    free(atomic_load_explicit(&s->corpus, memory_order_relaxed));
    sg_arena_free(&s->arena);
    free(s);
}
