/* Build-time checks of correlation chains (a correlation over correlations):
 * reference cycles are rejected with a diagnostic, so is an outer correlation that
 * groups by a field its inner correlations do not group by, and a correlation that
 * references a dropped rule is dropped too; a temporal_ordered condition whose
 * order cannot be enforced gets a warning. */
#include <stdlib.h>
#include <string.h>

#include "api/builder.h"
#include "correlation/corr_check.h"
#include "correlation/corr_set.h"

/* Builder rule index of the rule with this id, else this name; -1 if none. */
static long find(const sigma_builder *b, const char *ref)
{
    for (int by_name = 0; by_name < 2; by_name++)
        for (size_t i = 0; i < b->nrules; i++) {
            const char *s = by_name ? b->rules[i].meta.name : b->rules[i].meta.id;
            if (s && strcmp(s, ref) == 0)
                return (long)i;
        }
    return -1;
}

/* The diagnostic context for a correlation's first error, or 0 when it already has one. */
static int first_error(sigma_builder *b, sg_loaded_corr *lc, sg_diag_ctx *dc)
{
    if (lc->reported)
        return 0;
    *dc = (sg_diag_ctx){.list = &b->diags, .source = lc->source, .rule_id = lc->c.id};
    lc->reported = 1;
    b->failed++;
    return 1;
}

/* Whether correlation `target` is reachable from correlation `ci` through
 * references (depth-first; `seen` marks visited correlations). */
static int reaches(sigma_builder *b, const uint8_t *dropped, const size_t *corr_of, uint8_t *seen,
                   size_t ci, size_t target)
{
    const sg_correlation *c = &b->corrs[ci]->c;
    for (size_t k = 0; k < c->nrules; k++) {
        long r = find(b, c->rules[k]);
        if (r < 0 || dropped[r] || corr_of[r] == SIZE_MAX)
            continue;
        size_t next = corr_of[r];
        if (next == target)
            return 1;
        if (seen[next])
            continue;
        seen[next] = 1;
        if (reaches(b, dropped, corr_of, seen, next, target))
            return 1;
    }
    return 0;
}

/* The field group-by entry `g` of `c` reads in events of the rule listed as `ref`
 * (loaded as builder rule `r`): the alias target, or `g` itself. */
static const char *group_field(const sigma_builder *b, const sg_correlation *c, const char *g,
                               const char *ref, long r)
{
    const sg_rule *m = &b->rules[r].meta;
    for (size_t a = 0; a < c->naliases; a++) {
        const sg_corr_alias *al = &c->aliases[a];
        if (strcmp(al->alias, g) != 0)
            continue;
        for (size_t k = 0; k < al->n; k++)
            if (!strcmp(al->rules[k], ref) || (m->name && !strcmp(al->rules[k], m->name)) ||
                (m->id && !strcmp(al->rules[k], m->id)))
                return al->fields[k];
    }
    return g;
}

/* A chained correlation can only group by what the inner matches carry: their
 * group-by values. Returns the first group-by entry of `lc` that some referenced
 * correlation does not provide (its matches would never count), or NULL. */
static const char *missing_group(const sigma_builder *b, const size_t *corr_of,
                                 const sg_loaded_corr *lc, const char **inner_title)
{
    const sg_correlation *c = &lc->c;
    for (size_t k = 0; k < c->nrules; k++) {
        long r = find(b, c->rules[k]);
        if (r < 0 || corr_of[r] == SIZE_MAX)
            continue;
        const sg_correlation *in = &b->corrs[corr_of[r]]->c;
        for (size_t g = 0; g < c->ngroup_by; g++) {
            const char *f = group_field(b, c, c->group_by[g], c->rules[k], r);
            size_t j = 0;
            while (j < in->ngroup_by && strcmp(in->group_by[j], f) != 0)
                j++;
            if (j == in->ngroup_by) {
                *inner_title = in->title ? in->title : c->rules[k];
                return f;
            }
        }
    }
    return NULL;
}

/* §6.3: ordering is a "should". temporal_ordered enforces it for a boolean condition
 * that is a conjunction of names (and `not name`); for any other shape it is not
 * enforced, which is said once per correlation with a warning. */
static int warn_unordered(sigma_builder *b, const uint8_t *dropped)
{
    for (size_t ci = 0; ci < b->ncorrs; ci++) {
        sg_loaded_corr *lc = b->corrs[ci];
        const sg_correlation *c = &lc->c;
        if (dropped[lc->rule_index] || lc->order_warned || c->type != SG_CORR_TEMPORAL_ORDERED ||
            !c->bool_cond)
            continue;
        uint8_t *roles = calloc(c->nrules ? c->nrules : 1, 1);
        if (!roles)
            return -1;
        int conj = sg_cond_conjunction_roles(c->bool_cond, roles);
        free(roles);
        if (conj)
            continue;
        lc->order_warned = 1;
        sg_diag_ctx dc = {.list = &b->diags, .source = lc->source, .rule_id = c->id};
        sg_warn(&dc, SIGMA_DIAG_ORDER_NOT_ENFORCED, c->pos,
                "temporal_ordered correlation '%s': the order of the rules is not enforced for "
                "this condition (only for a conjunction such as 'a and b and not c'); it is "
                "evaluated as a temporal condition",
                c->title ? c->title : "?");
    }
    return 0;
}

int sg_corr_check_chains(sigma_builder *b, uint8_t *dropped)
{
    size_t *corr_of = malloc((b->nrules ? b->nrules : 1) * sizeof *corr_of);
    uint8_t *state = calloc(b->ncorrs ? b->ncorrs : 1, 1);
    if (!corr_of || !state) {
        free(corr_of);
        free(state);
        return -1;
    }
    for (size_t i = 0; i < b->nrules; i++)
        corr_of[i] = SIZE_MAX;
    for (size_t ci = 0; ci < b->ncorrs; ci++)
        corr_of[b->corrs[ci]->rule_index] = ci;
    /* cycles first (so a cycle is reported as such, not as a dropped reference);
     * found before anything is dropped, so every member of a cycle is reported */
    uint8_t *cyclic = calloc(b->ncorrs ? b->ncorrs : 1, 1);
    if (!cyclic) {
        free(corr_of);
        free(state);
        return -1;
    }
    for (size_t ci = 0; ci < b->ncorrs; ci++) {
        if (dropped[b->corrs[ci]->rule_index])
            continue;
        memset(state, 0, b->ncorrs);
        cyclic[ci] = (uint8_t)reaches(b, dropped, corr_of, state, ci, ci);
    }
    for (size_t ci = 0; ci < b->ncorrs; ci++) {
        sg_loaded_corr *lc = b->corrs[ci];
        if (!cyclic[ci])
            continue;
        dropped[lc->rule_index] = 1;
        sg_diag_ctx dc;
        if (first_error(b, lc, &dc))
            sg_error(&dc, SIGMA_DIAG_BAD_CORRELATION, lc->c.pos,
                     "correlation '%s' is part of a reference cycle (a correlation cannot "
                     "depend on itself)",
                     lc->c.title ? lc->c.title : "?");
    }
    free(cyclic);
    /* chains whose outer group-by the inner matches cannot provide (§6.3: refuse
     * what cannot be honoured rather than never fire) */
    for (size_t ci = 0; ci < b->ncorrs; ci++) {
        sg_loaded_corr *lc = b->corrs[ci];
        const char *inner = NULL, *f;
        if (dropped[lc->rule_index] || !(f = missing_group(b, corr_of, lc, &inner)))
            continue;
        dropped[lc->rule_index] = 1;
        sg_diag_ctx dc;
        if (first_error(b, lc, &dc))
            sg_error(&dc, SIGMA_DIAG_BAD_CORRELATION, lc->c.pos,
                     "correlation '%s' groups by '%s', which the correlation '%s' it "
                     "references does not group by (a chained correlation can only group "
                     "by the inner group-by fields)",
                     lc->c.title ? lc->c.title : "?", f, inner);
    }
    /* then everything that depends on a dropped rule, until nothing changes */
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t ci = 0; ci < b->ncorrs; ci++) {
            sg_loaded_corr *lc = b->corrs[ci];
            for (size_t k = 0; k < lc->c.nrules && !dropped[lc->rule_index]; k++) {
                long r = find(b, lc->c.rules[k]);
                if (r >= 0 && dropped[r]) {
                    dropped[lc->rule_index] = 1;
                    sg_diag_ctx dc;
                    if (first_error(b, lc, &dc))
                        sg_error(&dc, SIGMA_DIAG_BAD_CORRELATION, lc->c.pos,
                                 "correlation '%s' refers to rule '%s', which was rejected",
                                 lc->c.title ? lc->c.title : "?", lc->c.rules[k]);
                    changed = 1;
                }
            }
        }
    }
    free(corr_of);
    free(state);
    return warn_unordered(b, dropped);
}
