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
        if (!out->event_field_lens)
            return -1;
        for (size_t k = 0; k < m->nevent_fields; k++)
            out->event_field_lens[k] = strlen(m->event_fields[k]);
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
            if (!names || !lens)
                return -1;
            rt->cond_fields[f] = e->conds[k].field;
            rt->cond_field_lens[f] = strlen(e->conds[k].field);
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
        const sg_rule *rule = &rs->rules[i];
        for (uint32_t k = 0; k < rule->prog_len; k++) {
            const sg_prog_node *n = &rs->prog[rule->prog_start + k];
            if (n->kind != SG_X_PRED)
                continue;
            uint32_t field = rs->preds[n->arg].field;
            uint32_t slot = field == SG_KEYWORD_FIELD ? rs->nfields : field;
            r->slots[slot >> 6] |= 1ull << (slot & 63);
        }
    }
    return 0;
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
    return 0;
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
    sg_mapping_free(&r->mapping);
    memset(r, 0, sizeof *r);
}
