/* Compiling the log source mapping against a ruleset (see routing.h). */
#include "index/routing.h"

#include <stdlib.h>
#include <string.h>

#include "compile/ruleset.h"
#include "match/strmatch.h"

static int build_renames(const sigma_ruleset *rs, const sg_map_entry *e, sg_route *r,
                         sg_arena *arena)
{
    r->renames = sg_arena_alloc(arena, (e->nrenames ? e->nrenames : 1) * sizeof *r->renames);
    if (!r->renames)
        return -1;
    for (size_t i = 0; i < e->nrenames; i++) {
        const sg_map_rename *m = &e->renames[i];
        uint32_t slot;
        if (!sg_strmap_get(&rs->field_map, m->rule_field, strlen(m->rule_field), &slot))
            continue; /* no rule looks at this field */
        sg_route_rename *out = &r->renames[r->nrenames++];
        out->slot = slot;
        out->event_fields = m->event_fields;
        out->n = m->nevent_fields;
        out->event_field_lens = sg_arena_alloc(arena, (m->nevent_fields + 1) * sizeof(size_t));
        out->event_field_hashes =
            sg_arena_alloc(arena, (m->nevent_fields + 1) * sizeof *out->event_field_hashes);
        if (!out->event_field_lens || !out->event_field_hashes)
            return -1;
        for (size_t k = 0; k < m->nevent_fields; k++) {
            out->event_field_lens[k] = strlen(m->event_fields[k]);
            out->event_field_hashes[k] =
                sg_hash_bytes(m->event_fields[k], out->event_field_lens[k]);
        }
    }
    return 0;
}

/* Case-folds the condition values once, the way event values are folded per call. */
static int fold_cond_values(sg_routing *rt, sg_map_cond *k)
{
    k->folded = sg_arena_alloc(&rt->mapping.arena, (k->nvalues + 1) * sizeof *k->folded);
    k->folded_lens = sg_arena_alloc(&rt->mapping.arena, (k->nvalues + 1) * sizeof *k->folded_lens);
    if (!k->folded || !k->folded_lens)
        return -1;
    for (size_t j = 0; j < k->nvalues; j++) {
        sg_buf f = {0};
        if (sg_fold_append(k->values[j], strlen(k->values[j]), &f) != 0)
            return -1;
        k->folded[j] = sg_arena_strndup(&rt->mapping.arena, f.data ? f.data : "", f.len);
        k->folded_lens[j] = f.len;
        sg_buf_free(&f);
        if (!k->folded[j])
            return -1;
    }
    return 0;
}

/* Numbers the distinct condition fields so a match looks each up once. */
static int number_cond_fields(sg_routing *rt, sg_map_entry *e, sg_route *r)
{
    r->cond_field = sg_arena_alloc(&rt->mapping.arena, (e->nconds + 1) * sizeof *r->cond_field);
    if (!r->cond_field)
        return -1;
    for (size_t k = 0; k < e->nconds; k++) {
        uint32_t f = 0;
        while (f < rt->ncond_fields && strcmp(rt->cond_fields[f], e->conds[k].field) != 0)
            f++;
        if (f == rt->ncond_fields) {
            const char **names = realloc(rt->cond_fields, (f + 1) * sizeof *names);
            if (names)
                rt->cond_fields = names;
            size_t *lens = realloc(rt->cond_field_lens, (f + 1) * sizeof *lens);
            if (lens)
                rt->cond_field_lens = lens;
            uint64_t *hashes = realloc(rt->cond_field_hashes, (f + 1) * sizeof *hashes);
            if (hashes)
                rt->cond_field_hashes = hashes;
            if (!names || !lens || !hashes)
                return -1;
            rt->cond_fields[f] = e->conds[k].field;
            rt->cond_field_lens[f] = strlen(e->conds[k].field);
            rt->cond_field_hashes[f] = sg_hash_bytes(rt->cond_fields[f], rt->cond_field_lens[f]);
            rt->ncond_fields++;
        }
        r->cond_field[k] = f;
        if (fold_cond_values(rt, &e->conds[k]) != 0)
            return -1;
    }
    return 0;
}

/* The slots the route's rules look at (their predicates' fields, the keyword slot
 * for keyword searches). */
static int route_slots(const sigma_ruleset *rs, sg_routing *rt, sg_route *r)
{
    r->slots = calloc(rt->nslot_words, sizeof *r->slots);
    if (!r->slots)
        return -1;
    for (uint32_t i = 0; i < rs->nrules; i++) {
        if (!((r->rules[i >> 6] >> (i & 63)) & 1))
            continue;
        const sg_rule_prog *rule = &rs->progs[i];
        for (uint32_t k = 0; k < rule->len; k++) {
            const sg_prog_node *n = &rs->prog[rule->start + k];
            if (n->kind != SG_X_PRED)
                continue;
            uint32_t field = rs->preds[n->arg].field;
            uint32_t slot = field == SG_KEYWORD_FIELD ? rs->nfields : field;
            r->slots[slot >> 6] |= 1ull << (slot & 63);
        }
    }
    return 0;
}

/* One (dispatch value, route) pair while the dispatch table is built. */
typedef struct dispatch_pair {
    const char *key;
    size_t len;
    uint32_t route;
} dispatch_pair;

static int cmp_dispatch_pair(const void *a, const void *b)
{
    const dispatch_pair *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    if (c == 0 && x->len != y->len)
        c = x->len < y->len ? -1 : 1;
    if (c == 0 && x->route != y->route)
        c = x->route < y->route ? -1 : 1;
    return c;
}

/* How many routes test condition field f for folded value v (counts: key ->
 * number of routes, over every condition of every route; the keys live in
 * `keys`, freed with the counts). */
static int count_value_routes(const sg_routing *rt, sg_strmap *counts, sg_arena *keys)
{
    for (size_t r = 0; r < rt->n; r++) {
        const sg_route *route = &rt->routes[r];
        for (size_t k = 0; k < route->entry->nconds; k++) {
            const sg_map_cond *c = &route->entry->conds[k];
            for (size_t j = 0; j < c->nvalues; j++) {
                char *key = sg_arena_alloc(keys, 4 + c->folded_lens[j]);
                if (!key)
                    return -1;
                size_t len =
                    sg_route_key(route->cond_field[k], c->folded[j], c->folded_lens[j], key);
                uint32_t n = 0;
                sg_strmap_get(counts, key, len, &n);
                if (sg_strmap_put(counts, key, len, n + 1) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* The condition a route is dispatched on: the one whose values are shared by the
 * fewest routes (EventID 1 rather than the Sysmon channel), so that an event meets
 * few routes. -1 for a route without conditions (it never matches). */
static int dispatch_cond(const sg_strmap *counts, const sg_route *route)
{
    int best = -1;
    uint32_t best_cost = 0;
    for (size_t k = 0; k < route->entry->nconds; k++) {
        const sg_map_cond *c = &route->entry->conds[k];
        uint32_t cost = 0;
        for (size_t j = 0; j < c->nvalues; j++) {
            char key[4 + SG_ROUTE_VALUE_MAX];
            uint32_t n = UINT32_MAX; /* values too long for a key: chosen last */
            if (c->folded_lens[j] <= SG_ROUTE_VALUE_MAX)
                sg_strmap_get(
                    counts, key,
                    sg_route_key(route->cond_field[k], c->folded[j], c->folded_lens[j], key), &n);
            if (n > cost)
                cost = n;
        }
        if (best < 0 || cost < best_cost) {
            best = (int)k;
            best_cost = cost;
        }
    }
    return best;
}

/* The dispatch table (see routing.h). */
static int build_dispatch(sg_routing *rt)
{
    sg_strmap counts = {0};
    sg_arena count_keys = {0};
    int *cond = calloc(rt->n ? rt->n : 1, sizeof *cond); /* per route: dispatch_cond */
    int rc = cond ? count_value_routes(rt, &counts, &count_keys) : -1;
    size_t npairs = 0;
    for (size_t r = 0; rc == 0 && r < rt->n; r++) {
        cond[r] = dispatch_cond(&counts, &rt->routes[r]);
        if (cond[r] >= 0)
            npairs += rt->routes[r].entry->conds[cond[r]].nvalues;
    }
    sg_strmap_free(&counts);
    sg_arena_free(&count_keys);
    dispatch_pair *pairs = rc == 0 ? calloc(npairs ? npairs : 1, sizeof *pairs) : NULL;
    rt->dispatch = rc == 0 ? calloc(npairs * 2 + 1, sizeof *rt->dispatch) : NULL;
    rt->dispatch_field = rc == 0 ? calloc(rt->ncond_fields ? rt->ncond_fields : 1, 1) : NULL;
    if (!pairs || !rt->dispatch || !rt->dispatch_field)
        rc = -1;
    size_t k = 0;
    for (size_t r = 0; rc == 0 && r < rt->n; r++) {
        if (cond[r] < 0)
            continue;
        const sg_map_cond *c = &rt->routes[r].entry->conds[cond[r]];
        const uint32_t f = rt->routes[r].cond_field[cond[r]];
        rt->dispatch_field[f] = 1;
        for (size_t j = 0; rc == 0 && j < c->nvalues; j++) {
            char *key = sg_arena_alloc(&rt->mapping.arena, 4 + c->folded_lens[j]);
            if (!key) {
                rc = -1;
                break;
            }
            pairs[k++] = (dispatch_pair){key, sg_route_key(f, c->folded[j], c->folded_lens[j], key),
                                         (uint32_t)r};
            if (c->folded_lens[j] > rt->max_dispatch_value)
                rt->max_dispatch_value = c->folded_lens[j];
            if (c->folded_lens[j] > SG_ROUTE_VALUE_MAX)
                rt->dispatch_all = 1;
        }
    }
    if (rc == 0)
        qsort(pairs, npairs, sizeof *pairs, cmp_dispatch_pair);
    size_t out = 0;
    for (size_t i = 0; rc == 0 && i < npairs;) {
        const size_t head = out++;
        size_t j = i;
        for (; j < npairs && pairs[j].len == pairs[i].len &&
               memcmp(pairs[j].key, pairs[i].key, pairs[i].len) == 0;
             j++)
            if (j == i || pairs[j].route != pairs[j - 1].route)
                rt->dispatch[out++] = pairs[j].route;
        rt->dispatch[head] = (uint32_t)(out - head - 1);
        rc = sg_strmap_put(&rt->dispatch_map, pairs[i].key, pairs[i].len, (uint32_t)head);
        i = j;
    }
    free(pairs);
    free(cond);
    return rc;
}

int sg_routing_build(sigma_ruleset *rs, sg_mapping *m)
{
    sg_routing *rt = &rs->routing;
    rt->mapping = *m;
    memset(m, 0, sizeof *m);
    rt->nwords = rs->index.nwords;
    rt->nslot_words = (rs->nfields + 1 + 63) / 64;
    rt->routes = calloc(rt->mapping.n ? rt->mapping.n : 1, sizeof *rt->routes);
    if (!rt->routes)
        return -1;
    for (size_t i = 0; i < rt->mapping.n; i++) {
        sg_map_entry *e = &rt->mapping.entries[i];
        sg_route *r = &rt->routes[rt->n++];
        r->entry = e;
        r->rules = calloc(rt->nwords ? rt->nwords : 1, sizeof *r->rules);
        if (!r->rules || build_renames(rs, e, r, &rt->mapping.arena) != 0 ||
            number_cond_fields(rt, e, r) != 0)
            return -1;
        if (r->nrenames > rt->max_renames)
            rt->max_renames = r->nrenames;
        /* Rules compatible with the entry: every attribute the rule sets equals the
         * entry's, the same test as an event that carries this logsource. */
        sg_index_logsource_mask(&rs->index, e->product, e->category, e->service, r->rules);
        if (route_slots(rs, rt, r) != 0)
            return -1;
    }
    return build_dispatch(rt);
}

void sg_routing_free(sg_routing *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->routes[i].rules);
        free(r->routes[i].slots);
    }
    free(r->routes);
    free(r->cond_fields);
    free(r->cond_field_lens);
    free(r->cond_field_hashes);
    free(r->dispatch);
    free(r->dispatch_field);
    sg_strmap_free(&r->dispatch_map);
    sg_mapping_free(&r->mapping);
    memset(r, 0, sizeof *r);
}
