/* Building a rule's introspection data while it is compiled: its stages (condition,
 * identifiers, applied filters), its detection items as written, and small programs
 * over the interned predicates for the condition, each identifier, item and value, so
 * that explain can evaluate each of them on its own. */
#include <stdlib.h>
#include <string.h>

#include "compile/ruleset.h"
#include "introspect/introspect.h"
#include "util/vec.h"

typedef struct builder {
    sg_intro_rule *r;
    const sg_rule_ir *ir;
    sg_intern_fn intern;
    void *ctx;
    uint32_t *ids; /* IR predicate -> interned id (UINT32_MAX: not yet), for b->ir */
    int oom;
} builder;

/* Interned id of IR predicate i of b->ir; each is interned once per rule. */
static int pred_id(builder *b, uint32_t i, uint32_t *id)
{
    if (b->ids[i] == UINT32_MAX && b->intern(b->ctx, &b->ir->preds[i], &b->ids[i]) != 0)
        return -1;
    *id = b->ids[i];
    return 0;
}

static const char *dup(builder *b, const char *s, size_t len)
{
    if (!s)
        return NULL;
    const char *d = sg_arena_strndup(b->r->arena, s, len);
    b->oom |= d == NULL;
    return d;
}

static const char *dupz(builder *b, const char *s)
{
    return s ? dup(b, s, strlen(s)) : NULL;
}

/* Pre-order program of e (same layout as the rule programs); returns its size. */
static uint32_t emit(builder *b, const sg_expr *e)
{
    sg_intro_rule *r = b->r;
    sg_prog_node node = {(uint8_t)e->kind, (uint32_t)e->n, 1};
    if (e->kind == SG_X_PRED && pred_id(b, e->pred, &node.arg) != 0) {
        b->oom = 1;
        return 0;
    }
    uint32_t at = r->nprog;
    size_t n = r->nprog, cap = r->prog_cap;
    if (SG_PUSH(r->prog, n, cap, node) != 0) {
        b->oom = 1;
        return 0;
    }
    r->nprog = (uint32_t)n;
    r->prog_cap = (uint32_t)cap;
    uint32_t size = 1;
    for (size_t i = 0; i < e->n && !b->oom; i++)
        size += emit(b, e->kids[i]);
    r->prog[at].size = size;
    return size;
}

static uint32_t program(builder *b, const sg_expr *e)
{
    if (!e)
        return UINT32_MAX;
    uint32_t start = b->r->nprog;
    emit(b, e);
    return b->oom ? UINT32_MAX : start;
}

/* Interned id of the first predicate leaf of e, or UINT32_MAX. */
static uint32_t first_pred(builder *b, const sg_expr *e)
{
    if (!e)
        return UINT32_MAX;
    if (e->kind == SG_X_PRED) {
        uint32_t id;
        if (pred_id(b, e->pred, &id) != 0) {
            b->oom = 1;
            return UINT32_MAX;
        }
        return id;
    }
    for (size_t i = 0; i < e->n; i++) {
        uint32_t id = first_pred(b, e->kids[i]);
        if (id != UINT32_MAX)
            return id;
    }
    return UINT32_MAX;
}

static void fill_item(builder *b, const sg_ir_item *src, sg_intro_item *it)
{
    it->field = dupz(b, src->field);
    it->mods = dupz(b, src->mods);
    it->kind = src->kind;
    it->all = src->all;
    it->negated = src->negated;
    it->cased = src->cased;
    it->group = src->group;
    it->prog = program(b, src->expr);
    it->nvalues = (uint32_t)src->nvalues;
    if (!src->nvalues)
        return;
    it->values = sg_arena_alloc(b->r->arena, src->nvalues * sizeof *it->values);
    if (!it->values) {
        b->oom = 1;
        return;
    }
    for (size_t v = 0; v < src->nvalues && !b->oom; v++) {
        sg_intro_value *iv = &it->values[v];
        iv->text = dup(b, src->values[v], src->value_lens[v]);
        iv->len = src->value_lens[v];
        const sg_expr *x = src->value_exprs ? src->value_exprs[v] : NULL;
        iv->pred = first_pred(b, x);
        iv->prog = program(b, x);
    }
}

/* The condition stage and one stage per identifier of one IR (the rule's or a filter's). */
static void add_stages(builder *b, const sg_rule_ir *ir, const char *filter, sg_intro_stage *out,
                       uint32_t *n)
{
    b->ir = ir;
    free(b->ids);
    b->ids = malloc((ir->npreds ? ir->npreds : 1) * sizeof *b->ids);
    if (!b->ids) {
        b->oom = 1;
        return;
    }
    memset(b->ids, 0xff, ir->npreds * sizeof *b->ids);
    sg_intro_stage *c = &out[(*n)++];
    c->kind = filter ? SIGMA_STAGE_FILTER_CONDITION : SIGMA_STAGE_CONDITION;
    c->name = "condition";
    c->text = dupz(b, ir->condition ? ir->condition : "");
    c->filter = dupz(b, filter);
    c->prog = program(b, ir->root);
    for (size_t i = 0; i < ir->nidents && !b->oom; i++) {
        sg_intro_stage *s = &out[(*n)++];
        s->kind = filter ? SIGMA_STAGE_FILTER_SELECTION : SIGMA_STAGE_SELECTION;
        s->name = dupz(b, ir->ident_names[i]);
        s->filter = c->filter;
        s->prog = program(b, ir->ident_exprs[i]);
        for (size_t k = 0; k < ir->nitems; k++)
            s->nitems += ir->items[k].ident == i;
        if (!s->nitems)
            continue;
        s->items = sg_arena_alloc(b->r->arena, s->nitems * sizeof *s->items);
        if (!s->items) {
            b->oom = 1;
            return;
        }
        uint32_t j = 0;
        for (size_t k = 0; k < ir->nitems && !b->oom; k++)
            if (ir->items[k].ident == i)
                fill_item(b, &ir->items[k], &s->items[j++]);
    }
}

/* The document's attributes and lists, shared with the builder (not copied). */
static void copy_doc(builder *b, sg_rule_doc *d)
{
    sg_intro_rule *r = b->r;
    r->doc = sg_rule_doc_ref(d);
    r->corr_rules = d->corr_rules;
    r->ncorr_rules = (uint32_t)d->ncorr_rules;
}

sg_intro_rule *sg_intro_rule_build(sigma_ruleset *rs, const sg_loaded_rule *lr, sg_intern_fn intern,
                                   void *ctx)
{
    if (!rs->intro && !(rs->intro = calloc(1, sizeof *rs->intro)))
        return NULL;
    sg_intro_rule *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->arena = &rs->intro->arena;
    builder b = {r, &lr->ir, intern, ctx, NULL, 0};
    if (lr->ir.doc)
        copy_doc(&b, lr->ir.doc);
    if (lr->ir.root) {
        r->condition = dupz(&b, lr->ir.condition ? lr->ir.condition : "");
        r->condition_len = strlen(lr->ir.condition ? lr->ir.condition : "");
        size_t n = 1 + lr->ir.nidents;
        for (size_t f = 0; f < lr->nfilters; f++)
            n += 1 + lr->filters[f]->nidents;
        r->stages = sg_arena_alloc(r->arena, n * sizeof *r->stages);
        if (!r->stages)
            b.oom = 1;
        if (!b.oom)
            add_stages(&b, &lr->ir, NULL, r->stages, &r->nstages);
        for (size_t f = 0; f < lr->nfilters && !b.oom; f++)
            add_stages(&b, lr->filters[f], lr->filter_names[f] ? lr->filter_names[f] : "",
                       r->stages, &r->nstages);
    }
    free(b.ids);
    if (!b.oom && r->nprog && r->nprog < r->prog_cap) { /* kept for the ruleset's life: no slack */
        sg_prog_node *p = realloc(r->prog, r->nprog * sizeof *p);
        if (p) {
            r->prog = p;
            r->prog_cap = r->nprog;
        }
    }
    if (b.oom) {
        sg_intro_rule_free(r);
        return NULL;
    }
    return r;
}

void sg_intro_rule_free(sg_intro_rule *r)
{
    if (!r)
        return;
    free(r->prog);
    free(r->refs);
    free(r->referrers);
    free(r->coverage);
    free(r->indicators);
    sg_rule_doc_unref(r->doc);
    free(r);
}
