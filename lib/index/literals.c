/* Deriving each rule's required literal set from its program (see index.h):
 *   string predicate -> its longest literal run (folded), on its field;
 *   AND -> the child set with the lowest cost (rarest literals);
 *   OR  -> the union of its children's sets (all must have one);
 *   NOT, regex, numbers, null, exists, fieldref... -> no set (always evaluate). */
#include "index/literals.h"

#include <stdlib.h>
#include <string.h>

#include "compile/ruleset.h"
#include "index/regex_literal.h"
#include "util/vec.h"

static int push(sg_litset *s, sg_lit l)
{
    return SG_PUSH(s->v, s->n, s->cap, l);
}

static void drop(sg_litset *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* The longest stretch of a glob without '?' placeholders. */
static void longest_glob_run(const sg_strmatch *m, const char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    for (size_t k = 0; k < m->nsegs; k++) {
        const sg_glob_seg *g = &m->segs[k];
        size_t run = 0;
        for (size_t i = 0; i <= g->len; i++) {
            if (i < g->len && !m->glob_one[g->off + i]) {
                run++;
                continue;
            }
            if (run > *out_len) {
                *out_len = run;
                *out = m->glob_text + g->off + i - run;
            }
            run = 0;
        }
    }
}

/* Literal of a string predicate, folded like event values; 0 if it has none. */
/* A regex predicate's literal: mined from the pattern, folded (a caseless match
 * still contains it once folded; a cased one contains it exactly). */
static int regex_literal(const sigma_ruleset *rs, const sg_pred *p, sg_arena *arena, sg_lit *out)
{
    char lit[256];
    size_t n = sg_regex_required_literal(p->re_src, p->re_len, lit, sizeof lit);
    if (n < 3)
        return 0; /* too short to be worth keying */
    sg_buf f = {0};
    if (sg_fold_append(lit, n, &f) != 0)
        return -1;
    char *copy = sg_arena_strndup(arena, f.data, f.len);
    n = f.len;
    sg_buf_free(&f);
    if (!copy)
        return -1;
    *out = (sg_lit){p->field == SG_KEYWORD_FIELD ? rs->nfields : p->field,
                    (const unsigned char *)copy, (uint32_t)n, 0, 0};
    return 1;
}

int sg_pred_literal(const sigma_ruleset *rs, uint32_t pred, sg_arena *arena, sg_lit *out)
{
    const sg_pred *p = &rs->preds[pred];
    if (p->op == SG_OP_NUM && p->num.is_int && p->field != SG_KEYWORD_FIELD) {
        /* `EventID: 4688`: every event value equal to it has the integer key. */
        *out = (sg_lit){p->field, NULL, 0, p->num.i, pred};
        return 1;
    }
    if (p->op == SG_OP_REGEX) {
        const int rc = regex_literal(rs, p, arena, out);
        out->pred = pred;
        return rc;
    }
    if (p->op != SG_OP_STR)
        return 0;
    const sg_strmatch *m = &p->sm;
    const char *s = NULL;
    size_t len = 0;
    if (m->kind == SG_SM_GLOB)
        longest_glob_run(m, &s, &len);
    else if (m->kind != SG_SM_ANY) {
        s = m->lit;
        len = m->lit_len;
    }
    if (!s || len == 0)
        return 0;
    if (m->cased) { /* cased literals are stored unfolded; the scan sees folded text */
        sg_buf f = {0};
        if (sg_fold_append(s, len, &f) != 0)
            return -1;
        char *copy = sg_arena_strndup(arena, f.data, f.len);
        len = f.len;
        sg_buf_free(&f);
        if (!copy)
            return -1;
        s = copy;
    }
    *out = (sg_lit){p->field == SG_KEYWORD_FIELD ? rs->nfields : p->field, (const unsigned char *)s,
                    (uint32_t)len, 0, pred};
    return 1;
}

typedef struct derive_ctx {
    const sigma_ruleset *rs;
    const sg_pred_lits *lits;
    sg_lit_cost_fn cost;
    void *cost_ctx;
} derive_ctx;

static int derive(const derive_ctx *d, const sg_prog_node *n, sg_litset *out)
{
    memset(out, 0, sizeof *out);
    switch (n->kind) {
    case SG_X_PRED:
        if (!d->lits->has[n->arg])
            return 0;
        out->ok = 1;
        out->cost = d->cost(&d->lits->lit[n->arg], d->cost_ctx);
        return push(out, d->lits->lit[n->arg]);
    case SG_X_FALSE:
        out->ok = 1; /* never true: no literal needed */
        return 0;
    case SG_X_AND:
    case SG_X_OR: {
        const int is_or = n->kind == SG_X_OR;
        out->ok = is_or;
        const sg_prog_node *k = n + 1;
        for (uint32_t i = 0; i < n->arg; i++, k += k->size) {
            sg_litset sub;
            if (derive(d, k, &sub) != 0) {
                drop(&sub);
                return -1;
            }
            if (is_or) {
                for (size_t j = 0; sub.ok && out->ok && j < sub.n; j++)
                    if (push(out, sub.v[j]) != 0) {
                        drop(&sub);
                        return -1;
                    }
                out->ok &= sub.ok;
                out->cost += sub.cost;
                drop(&sub);
            } else if (sub.ok && (!out->ok || sub.cost < out->cost)) {
                drop(out);
                *out = sub;
            } else {
                drop(&sub);
            }
        }
        if (!out->ok)
            drop(out);
        return 0;
    }
    default: /* NOT and anything else: no literal is required */
        return 0;
    }
}

int sg_rule_literals(const sigma_ruleset *rs, uint32_t rule, const sg_pred_lits *lits,
                     sg_lit_cost_fn cost, void *cost_ctx, sg_litset *out)
{
    derive_ctx d = {rs, lits, cost, cost_ctx};
    const sg_rule_prog *r = &rs->progs[rule];
    memset(out, 0, sizeof *out);
    if (r->len == 0) {
        out->ok = 1; /* never matches (correlation rules) */
        return 0;
    }
    return derive(&d, &rs->prog[r->start], out);
}

void sg_litset_free(sg_litset *s)
{
    drop(s);
}
