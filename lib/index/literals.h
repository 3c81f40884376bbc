/* Required literal sets of rules (internal to lib/index). */
#ifndef SG_INDEX_LITERALS_H
#define SG_INDEX_LITERALS_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

struct sigma_ruleset;

typedef struct sg_lit {
    uint32_t slot;          /* field slot, or nfields for keyword searches */
    const unsigned char *s; /* folded literal bytes */
    uint32_t len;           /* 0 for a number */
    int64_t num;            /* len == 0: the field must equal this integer */
    uint32_t pred;          /* the predicate it is the literal of */
} sg_lit;

/* Every predicate's literal, derived once per index build (sg_pred_literal):
 * lit[p] is valid where has[p] is 1. */
typedef struct sg_pred_lits {
    sg_lit *lit;
    uint8_t *has;
} sg_pred_lits;

typedef struct sg_litset {
    sg_lit *v;
    size_t n, cap;
    int ok;        /* 0: the rule has no required set and must always be evaluated */
    uint64_t cost; /* sum of the literals' costs */
} sg_litset;

/* Estimated cost of requiring literal l (how many events it lets through; the
 * index uses how many rule literals share its rarest gram). */
typedef uint64_t (*sg_lit_cost_fn)(const sg_lit *l, void *ctx);

/* The literal of predicate `pred` (folded), 1 if it has one, 0 if not, -1 no memory. */
int sg_pred_literal(const struct sigma_ruleset *rs, uint32_t pred, sg_arena *arena, sg_lit *out);

/* The required set of `rule` over its predicates' literals `lits`: at AND nodes
 * the child set with the lowest total cost is kept. 0 or -1. */
int sg_rule_literals(const struct sigma_ruleset *rs, uint32_t rule, const sg_pred_lits *lits,
                     sg_lit_cost_fn cost, void *cost_ctx, sg_litset *out);
void sg_litset_free(sg_litset *s);

#endif
