/* Shared by the two halves of detection lowering: detection.c (maps, lists,
 * conditions) and values.c (one rule value -> predicates). Internal to lib/model. */
#ifndef SG_MODEL_LOWER_H
#define SG_MODEL_LOWER_H

#include "model/detection.h"
#include "model/modifiers.h"

typedef struct lower_ctx {
    sg_diag_ctx *diags;
    sg_rule_ir *ir;
    const sg_lower_opts *opts;
    int bad;
    int oom;
    uint32_t ident, group; /* identifier and list position being lowered (introspection) */
} lower_ctx;

sg_expr *sg_new_expr(lower_ctx *c, sg_expr_kind kind, size_t nkids);
sg_expr *sg_new_not(lower_ctx *c, sg_expr *a);
/* Appends a predicate and returns a leaf for it; takes ownership of d->pat. */
sg_expr *sg_add_pred(lower_ctx *c, sg_pred_desc *d);

static inline int sg_has_mod(const sg_chain *ch, sg_mod m)
{
    return (ch->flags & SG_MODBIT(m)) != 0;
}

/* One rule value of an item (with its modifier chain) -> an expression: usually one
 * predicate leaf, an OR of leaves for encoder expansions. NULL on error/no memory
 * (c->bad / c->oom set). */
sg_expr *sg_lower_value(lower_ctx *c, const sg_chain *ch, const sg_node *v);
/* `field|exists: bool`. */
sg_expr *sg_lower_exists(lower_ctx *c, const sg_chain *ch, const sg_node *v);

#endif
