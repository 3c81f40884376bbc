/* Explain: one rule against one event, every stage, item and value evaluated on its
 * own (no short-circuit, no prefilter) so the result says why the rule matched or not,
 * and which event value satisfied each predicate that held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/ruleset.h"
#include "event/event.h"
#include "introspect/introspect.h"
#include "match/eval.h"

typedef struct explained_pred {
    int held;
    uint32_t value; /* first rule value that held, or UINT32_MAX */
    const char *event_value;
    size_t event_len;
} explained_pred;

struct sigma_explain {
    sg_arena arena;
    int result;
    uint32_t nstages;
    int *stage;
    explained_pred **preds; /* per stage, per item */
    uint32_t *npreds;
};

typedef struct xctx {
    const sigma_ruleset *rs;
    sigma_scratch *s;
    const sigma_event *ev;
} xctx;

/* Value of one program node (pre-order, sizes as the rule programs). */
static int eval_node(const xctx *x, const sg_prog_node *n)
{
    uint32_t vi;
    switch (n->kind) {
    case SG_X_PRED:
        return sg_eval_pred_explain(x->rs, x->s, x->ev, n->arg, &vi);
    case SG_X_NOT:
        return !eval_node(x, n + 1);
    case SG_X_AND:
    case SG_X_OR: {
        const int is_and = n->kind == SG_X_AND;
        const sg_prog_node *k = n + 1;
        for (uint32_t i = 0; i < n->arg; i++, k += k->size)
            if (eval_node(x, k) != is_and)
                return !is_and;
        return is_and;
    }
    default:
        return 0;
    }
}

/* The first predicate leaf of a value's program that holds, with the event value. */
static int value_hit(const xctx *x, const sg_prog_node *n, uint32_t *vi)
{
    for (uint32_t k = 0; k < n->size; k++)
        if (n[k].kind == SG_X_PRED && sg_eval_pred_explain(x->rs, x->s, x->ev, n[k].arg, vi) &&
            *vi != UINT32_MAX)
            return 1;
    return 0;
}

/* Text of event value vi (numbers in decimal) copied into the arena. */
static int event_text(sigma_explain *e, const sigma_event *ev, uint32_t vi, explained_pred *p)
{
    char buf[64];
    const char *t = buf;
    size_t len;
    if (vi == SG_EVAL_MESSAGE) {
        t = ev->message;
        len = ev->message_len;
    } else {
        const sg_value *v = &ev->values[vi];
        switch (v->type) {
        case SG_VAL_STR:
            t = v->s;
            len = v->len;
            break;
        case SG_VAL_INT:
            len = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)v->i);
            break;
        case SG_VAL_FLOAT:
            len = (size_t)snprintf(buf, sizeof buf, "%.17g", v->f);
            break;
        case SG_VAL_BOOL:
            t = v->b ? "true" : "false";
            len = strlen(t);
            break;
        default:
            t = "null";
            len = 4;
        }
    }
    p->event_value = sg_arena_strndup(&e->arena, t ? t : "", t ? len : 0);
    p->event_len = t ? len : 0;
    return p->event_value ? 0 : -1;
}

static int explain_item(sigma_explain *e, const xctx *x, const sg_intro_rule *ir,
                        const sg_intro_item *it, explained_pred *p)
{
    p->value = UINT32_MAX;
    p->held = it->prog != UINT32_MAX && eval_node(x, &ir->prog[it->prog]);
    if (!p->held || it->negated)
        return 0;
    for (uint32_t v = 0; v < it->nvalues; v++) {
        const sg_intro_value *iv = &it->values[v];
        uint32_t vi;
        if (iv->prog == UINT32_MAX || !eval_node(x, &ir->prog[iv->prog]) ||
            !value_hit(x, &ir->prog[iv->prog], &vi))
            continue;
        p->value = v;
        return event_text(e, x->ev, vi, p);
    }
    return 0;
}

int sigma_explain_new(const sigma_ruleset *rs, uint32_t rule, const sigma_event *ev, uint32_t flags,
                      sigma_explain **out)
{
    if (!rs || !ev || !out || rule >= rs->nrules || flags)
        return SIGMA_E_INVALID_ARG;
    *out = NULL;
    if (!rs->rules[rule].intro)
        return SIGMA_E_UNSUPPORTED; /* built with SIGMA_PARAM_INTROSPECTION 0 */
    sigma_scratch *s = NULL;
    int rc = sigma_scratch_reserve(rs, &s);
    if (rc != SIGMA_OK)
        return rc;
    rc = sg_eval_prepare(rs, s, ev);
    sigma_explain *e = calloc(1, sizeof *e);
    if (rc == SIGMA_OK && !e)
        rc = SIGMA_E_NOMEM;
    const sg_intro_rule *ir = rs->rules[rule].intro;
    const xctx x = {rs, s, ev};
    if (rc == SIGMA_OK) {
        const sg_rule_prog *r = &rs->progs[rule];
        e->result = r->len && eval_node(&x, &rs->prog[r->start]);
        e->nstages = ir->nstages;
        e->stage = sg_arena_alloc(&e->arena, (ir->nstages + 1) * sizeof *e->stage);
        e->preds = sg_arena_alloc(&e->arena, (ir->nstages + 1) * sizeof *e->preds);
        e->npreds = sg_arena_alloc(&e->arena, (ir->nstages + 1) * sizeof *e->npreds);
        if (!e->stage || !e->preds || !e->npreds)
            rc = SIGMA_E_NOMEM;
    }
    for (uint32_t st = 0; rc == SIGMA_OK && st < ir->nstages; st++) {
        const sg_intro_stage *stage = &ir->stages[st];
        e->stage[st] = stage->prog != UINT32_MAX && eval_node(&x, &ir->prog[stage->prog]);
        e->npreds[st] = stage->nitems;
        if (!stage->nitems)
            continue;
        e->preds[st] = sg_arena_alloc(&e->arena, stage->nitems * sizeof *e->preds[st]);
        if (!e->preds[st])
            rc = SIGMA_E_NOMEM;
        for (uint32_t i = 0; rc == SIGMA_OK && i < stage->nitems; i++)
            if (explain_item(e, &x, ir, &stage->items[i], &e->preds[st][i]) != 0)
                rc = SIGMA_E_NOMEM;
    }
    sigma_scratch_free(s);
    if (rc != SIGMA_OK) {
        sigma_explain_free(e);
        return rc;
    }
    *out = e;
    return SIGMA_OK;
}

void sigma_explain_free(sigma_explain *x)
{
    if (!x)
        return;
    sg_arena_free(&x->arena);
    free(x);
}

int sigma_explain_result(const sigma_explain *x)
{
    return x ? x->result : SIGMA_E_INVALID_ARG;
}

int sigma_explain_stage(const sigma_explain *x, uint32_t stage)
{
    return x && stage < x->nstages ? x->stage[stage] : SIGMA_E_INVALID_ARG;
}

static const explained_pred *pred_at(const sigma_explain *x, uint32_t stage, uint32_t pred)
{
    return x && stage < x->nstages && pred < x->npreds[stage] ? &x->preds[stage][pred] : NULL;
}

int sigma_explain_predicate(const sigma_explain *x, uint32_t stage, uint32_t pred)
{
    const explained_pred *p = pred_at(x, stage, pred);
    return p ? p->held : SIGMA_E_INVALID_ARG;
}

uint32_t sigma_explain_predicate_value(const sigma_explain *x, uint32_t stage, uint32_t pred)
{
    const explained_pred *p = pred_at(x, stage, pred);
    return p ? p->value : UINT32_MAX;
}

const char *sigma_explain_event_value(const sigma_explain *x, uint32_t stage, uint32_t pred,
                                      size_t *len_out)
{
    const explained_pred *p = pred_at(x, stage, pred);
    if (!p || !p->event_value)
        return NULL;
    if (len_out)
        *len_out = p->event_len;
    return p->event_value;
}
