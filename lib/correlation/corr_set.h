/* The correlations of a ruleset, compiled: deep copies of the correlation documents
 * (ruleset-owned), references resolved to rule indexes, aliases resolved to the
 * field each referenced rule's events are read from. Immutable once built. */
#ifndef SG_CORRELATION_CORR_SET_H
#define SG_CORRELATION_CORR_SET_H

#include <stddef.h>
#include <stdint.h>

#include "condition/condition.h"
#include "model/correlation.h"
#include "util/arena.h"

/* A field name the correlator reads from every event: length and hash precomputed. */
typedef struct sg_cfield {
    const char *name;
    size_t len;
    uint64_t hash; /* sg_hash_bytes(name, len) */
} sg_cfield;

typedef struct sg_ccorr {
    uint32_t rule; /* ruleset index of the correlation rule itself */
    sg_corr_type type;
    int64_t span_ms;
    uint32_t nrefs;
    uint32_t *refs; /* ruleset indexes of the referenced rules, in listed order */
    uint32_t ngroup;
    const char **group_names; /* group-by entries as written (field or alias names) */
    /* gb_fields[g * nrefs + k]: the field group-by entry g reads in events of refs[k]
     * (the alias target, or the group-by name itself) */
    const char **gb_fields;
    sg_cfield *gb_keys; /* [ngroup * nrefs]: gb_fields with length and hash */
    uint32_t nfields;
    const char **fields;   /* condition.field */
    sg_cfield *field_keys; /* [nfields] */
    sg_cmp cmp[2];
    double cmp_value[2];
    uint32_t ncmp;
    double percentile; /* value_percentile / value_median, else -1 */
    sg_cond *bool_cond;
    /* temporal_ordered whose bool_cond is a conjunction of names and `not name`:
     * [nrefs] SG_ROLE_* bits per rule (order is enforced over the positive ones, in
     * refs order); NULL otherwise (other shapes do not enforce order) */
    uint8_t *order_role;
    uint32_t npos; /* rules with SG_ROLE_POS */
    int generate;
    int deferred; /* decided at window close: lt/lte/eq/neq, or `not` in bool_cond */
} sg_ccorr;

typedef struct sg_corr_hook {
    uint32_t corr; /* index into sg_corr_set.corrs */
    uint32_t ref;  /* position k in that correlation's refs */
} sg_corr_hook;

typedef struct sg_corr_set {
    sg_ccorr *corrs;
    uint32_t n;
    uint32_t nrules;
    uint8_t *alerts;        /* [nrules]: raises alerts on its own */
    uint32_t *corr_of_rule; /* [nrules]: corrs index, or UINT32_MAX */
    uint32_t *hook_start;   /* [nrules + 1]: hooks of rule r are hooks[hook_start[r]..] */
    sg_corr_hook *hooks;
    sg_arena arena;
} sg_corr_set;

struct sg_loaded_rule;

/* Compiles the correlations of rules[0..n) (the ruleset's rules, in index order;
 * a correlation rule carries `corr`). The builder already dropped correlations with
 * unresolved references or cycles; a reference that still names no rule is skipped.
 * *out is NULL when there are no correlations (every rule then alerts).
 * Returns 0, or -1 when out of memory. */
int sg_corr_set_build(const struct sg_loaded_rule *rules, size_t n, sg_corr_set **out);
void sg_corr_set_free(sg_corr_set *s);

#define SG_ROLE_POS 1u /* the rule must be seen (in order) */
#define SG_ROLE_NEG 2u /* the rule must not be seen */

/* When `c` is a conjunction (and / `all of`) of identifiers and negated identifiers,
 * ORs SG_ROLE_* into roles[ident] and returns 1; otherwise returns 0 (roles is then
 * partly written). */
int sg_cond_conjunction_roles(const sg_cond *c, uint8_t *roles);

/* 1 when the condition (cmp / ncmp) holds for value v. */
int sg_ccorr_cmp(const sg_ccorr *cc, double v);

#endif
