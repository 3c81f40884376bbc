/* Compiling correlation documents into ruleset-owned form (see corr_set.h). */
#include "correlation/corr_set.h"

#include <stdlib.h>
#include <string.h>

#include "compile/ruleset.h"
#include "util/strmap.h"

static const char *dup_s(sg_arena *a, const char *s)
{
    return s ? sg_arena_strndup(a, s, strlen(s)) : NULL;
}

/* Deep copy of a condition tree (height is bounded by SG_COND_MAX_HEIGHT). */
static sg_cond *copy_cond(sg_arena *a, const sg_cond *c)
{
    if (!c)
        return NULL;
    sg_cond *d = sg_arena_alloc(a, sizeof *d);
    if (!d)
        return NULL;
    *d = *c;
    d->a = d->b = NULL;
    d->idents = NULL;
    if (c->a && !(d->a = copy_cond(a, c->a)))
        return NULL;
    if (c->b && !(d->b = copy_cond(a, c->b)))
        return NULL;
    if (c->n) {
        if (!(d->idents = sg_arena_alloc(a, c->n * sizeof *d->idents)))
            return NULL;
        memcpy(d->idents, c->idents, c->n * sizeof *d->idents);
    }
    return d;
}

static sg_cfield cfield(const char *name)
{
    size_t len = strlen(name);
    return (sg_cfield){name, len, sg_hash_bytes(name, len)};
}

static int cond_has_not(const sg_cond *c)
{
    return c && (c->kind == SG_COND_NOT || cond_has_not(c->a) || cond_has_not(c->b));
}

int sg_cond_conjunction_roles(const sg_cond *c, uint8_t *roles)
{
    /* and-chains are left-deep: walk the left operand, recurse into the right one
     * (the tree's height is bounded by SG_COND_MAX_HEIGHT) */
    for (; c && c->kind == SG_COND_AND; c = c->a)
        if (!sg_cond_conjunction_roles(c->b, roles))
            return 0;
    if (!c)
        return 0;
    switch (c->kind) {
    case SG_COND_IDENT:
        roles[c->ident] |= SG_ROLE_POS;
        return 1;
    case SG_COND_ALL_OF:
        for (size_t i = 0; i < c->n; i++)
            roles[c->idents[i]] |= SG_ROLE_POS;
        return 1;
    case SG_COND_NOT:
        if (!c->a || c->a->kind != SG_COND_IDENT)
            return 0;
        roles[c->a->ident] |= SG_ROLE_NEG;
        return 1;
    default:
        return 0;
    }
}

/* Ruleset index of the rule with this id, else this name (as the builder resolves). */
static long resolve(const sg_loaded_rule *rules, size_t n, const char *ref)
{
    for (int by_name = 0; by_name < 2; by_name++)
        for (size_t i = 0; i < n; i++) {
            const char *s = by_name ? rules[i].meta.name : rules[i].meta.id;
            if (s && strcmp(s, ref) == 0)
                return (long)i;
        }
    return -1;
}

/* The field group-by entry `g` reads for events of the rule listed as `rule_ref`. */
static const char *group_field(const sg_correlation *c, const char *g, const char *rule_ref,
                               const sg_loaded_rule *target)
{
    for (size_t a = 0; a < c->naliases; a++) {
        const sg_corr_alias *al = &c->aliases[a];
        if (strcmp(al->alias, g) != 0)
            continue;
        for (size_t k = 0; k < al->n; k++) {
            const char *r = al->rules[k];
            if (strcmp(r, rule_ref) == 0 || (target->meta.name && !strcmp(r, target->meta.name)) ||
                (target->meta.id && !strcmp(r, target->meta.id)))
                return al->fields[k];
        }
        return g; /* alias without an entry for this rule: the name itself */
    }
    return g;
}

static int compile_one(sg_corr_set *s, const sg_loaded_rule *rules, size_t n, uint32_t self,
                       sg_ccorr *cc)
{
    sg_arena *a = &s->arena;
    const sg_correlation *c = rules[self].corr;
    memset(cc, 0, sizeof *cc);
    cc->rule = self;
    cc->type = c->type;
    cc->span_ms = c->timespan_s > INT64_MAX / 1000 ? INT64_MAX : c->timespan_s * 1000;
    cc->refs = sg_arena_alloc(a, (c->nrules ? c->nrules : 1) * sizeof *cc->refs);
    const sg_loaded_rule **targets = calloc(c->nrules ? c->nrules : 1, sizeof *targets);
    const char **ref_text = calloc(c->nrules ? c->nrules : 1, sizeof *ref_text);
    int rc = cc->refs && targets && ref_text ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < c->nrules; k++) {
        long r = resolve(rules, n, c->rules[k]);
        if (r < 0 || cc->nrefs == UINT16_MAX)
            continue; /* dropped by the builder's checks; never seen (or absurdly many) */
        cc->refs[cc->nrefs] = (uint32_t)r;
        targets[cc->nrefs] = &rules[r];
        ref_text[cc->nrefs] = c->rules[k];
        cc->nrefs++;
    }
    cc->ngroup = (uint32_t)c->ngroup_by;
    if (rc == 0 && cc->ngroup) {
        cc->group_names = sg_arena_alloc(a, cc->ngroup * sizeof *cc->group_names);
        cc->gb_fields =
            sg_arena_alloc(a, cc->ngroup * (cc->nrefs ? cc->nrefs : 1) * sizeof *cc->gb_fields);
        cc->gb_keys =
            sg_arena_alloc(a, cc->ngroup * (cc->nrefs ? cc->nrefs : 1) * sizeof *cc->gb_keys);
        if (!cc->group_names || !cc->gb_fields || !cc->gb_keys)
            rc = -1;
        for (uint32_t g = 0; rc == 0 && g < cc->ngroup; g++) {
            if (!(cc->group_names[g] = dup_s(a, c->group_by[g])))
                rc = -1;
            for (uint32_t k = 0; rc == 0 && k < cc->nrefs; k++) {
                const char *f = group_field(c, c->group_by[g], ref_text[k], targets[k]);
                if (!(cc->gb_fields[g * cc->nrefs + k] = dup_s(a, f)))
                    rc = -1;
                else
                    cc->gb_keys[g * cc->nrefs + k] = cfield(cc->gb_fields[g * cc->nrefs + k]);
            }
        }
    }
    cc->nfields = (uint32_t)c->nfields;
    if (rc == 0 && cc->nfields) {
        if (!(cc->fields = sg_arena_alloc(a, cc->nfields * sizeof *cc->fields)) ||
            !(cc->field_keys = sg_arena_alloc(a, cc->nfields * sizeof *cc->field_keys)))
            rc = -1;
        for (uint32_t f = 0; rc == 0 && f < cc->nfields; f++)
            if (!(cc->fields[f] = dup_s(a, c->fields[f])))
                rc = -1;
            else
                cc->field_keys[f] = cfield(cc->fields[f]);
    }
    cc->ncmp = (uint32_t)c->ncmp;
    for (uint32_t i = 0; i < cc->ncmp && i < 2; i++) {
        cc->cmp[i] = c->cmp[i];
        cc->cmp_value[i] = c->cmp_value[i];
        if (c->cmp[i] == SG_CMP_LT || c->cmp[i] == SG_CMP_LTE || c->cmp[i] == SG_CMP_EQ ||
            c->cmp[i] == SG_CMP_NEQ)
            cc->deferred = 1;
    }
    cc->percentile = c->type == SG_CORR_VALUE_MEDIAN ? 50 : c->percentile;
    if (c->type == SG_CORR_VALUE_PERCENTILE && cc->percentile < 0)
        cc->percentile = 50; /* the SPEC example gives none; pySigma requires one */
    if (rc == 0 && c->bool_cond) {
        /* Identifiers index c->rules; with every reference resolved they index refs. */
        if (!(cc->bool_cond = copy_cond(a, c->bool_cond)))
            rc = -1;
        else if (cond_has_not(c->bool_cond))
            cc->deferred = 1;
        if (cc->nrefs != c->nrules)
            cc->bool_cond = NULL;
    }
    if (rc == 0 && cc->bool_cond && cc->type == SG_CORR_TEMPORAL_ORDERED) {
        uint8_t *roles = sg_arena_alloc(a, cc->nrefs ? cc->nrefs : 1);
        if (!roles) {
            rc = -1;
        } else {
            memset(roles, 0, cc->nrefs ? cc->nrefs : 1);
            if (sg_cond_conjunction_roles(cc->bool_cond, roles)) {
                cc->order_role = roles;
                for (uint32_t k = 0; k < cc->nrefs; k++)
                    cc->npos += (roles[k] & SG_ROLE_POS) != 0;
            }
        }
    }
    if (rc == 0 && !cc->ncmp && !cc->bool_cond) {
        /* temporal default: every referenced rule */
        cc->ncmp = 1;
        cc->cmp[0] = SG_CMP_GTE;
        cc->cmp_value[0] = cc->nrefs;
    }
    cc->generate = c->generate;
    free(targets);
    free(ref_text);
    return rc;
}

void sg_corr_set_free(sg_corr_set *s)
{
    if (!s)
        return;
    free(s->corrs);
    free(s->alerts);
    free(s->corr_of_rule);
    free(s->hook_start);
    free(s->hooks);
    sg_arena_free(&s->arena);
    free(s);
}

int sg_corr_set_build(const sg_loaded_rule *rules, size_t n, sg_corr_set **out)
{
    *out = NULL;
    uint32_t ncorr = 0;
    for (size_t i = 0; i < n; i++)
        if (rules[i].corr)
            ncorr++;
    if (!ncorr)
        return 0;
    sg_corr_set *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->nrules = (uint32_t)n;
    s->corrs = calloc(ncorr, sizeof *s->corrs);
    s->alerts = malloc(n);
    s->corr_of_rule = malloc(n * sizeof *s->corr_of_rule);
    s->hook_start = calloc(n + 1, sizeof *s->hook_start);
    int rc = s->corrs && s->alerts && s->corr_of_rule && s->hook_start ? 0 : -1;
    if (rc == 0) {
        memset(s->alerts, 1, n);
        memset(s->corr_of_rule, 0xff, n * sizeof *s->corr_of_rule);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!rules[i].corr)
            continue;
        s->corr_of_rule[i] = s->n;
        rc = compile_one(s, rules, n, (uint32_t)i, &s->corrs[s->n]);
        s->n++;
    }
    /* hooks: rule -> (correlation, position), counting sort by rule */
    size_t nhooks = 0;
    for (uint32_t ci = 0; rc == 0 && ci < s->n; ci++) {
        const sg_ccorr *cc = &s->corrs[ci];
        for (uint32_t k = 0; k < cc->nrefs; k++) {
            s->hook_start[cc->refs[k] + 1]++;
            nhooks++;
            if (!cc->generate)
                s->alerts[cc->refs[k]] = 0;
        }
    }
    if (rc == 0 && !(s->hooks = calloc(nhooks ? nhooks : 1, sizeof *s->hooks)))
        rc = -1;
    if (rc == 0) {
        for (size_t r = 0; r < n; r++)
            s->hook_start[r + 1] += s->hook_start[r];
        uint32_t *fill = calloc(n ? n : 1, sizeof *fill);
        if (!fill)
            rc = -1;
        for (uint32_t ci = 0; rc == 0 && ci < s->n; ci++) {
            const sg_ccorr *cc = &s->corrs[ci];
            for (uint32_t k = 0; k < cc->nrefs; k++) {
                uint32_t r = cc->refs[k];
                s->hooks[s->hook_start[r] + fill[r]++] = (sg_corr_hook){ci, k};
            }
        }
        free(fill);
    }
    if (rc != 0) {
        sg_corr_set_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int sg_ccorr_cmp(const sg_ccorr *cc, double v)
{
    for (uint32_t i = 0; i < cc->ncmp; i++) {
        double x = cc->cmp_value[i];
        int ok = 0;
        switch (cc->cmp[i]) {
        case SG_CMP_GT:
            ok = v > x;
            break;
        case SG_CMP_GTE:
            ok = v >= x;
            break;
        case SG_CMP_LT:
            ok = v < x;
            break;
        case SG_CMP_LTE:
            ok = v <= x;
            break;
        case SG_CMP_EQ:
            ok = v == x;
            break;
        case SG_CMP_NEQ:
            ok = v != x;
            break;
        }
        if (!ok)
            return 0;
    }
    return 1;
}
