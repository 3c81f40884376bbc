/* The detection section of a rule lowered to an intermediate form: an expression
 * tree whose leaves are predicate descriptors (field, operator, value). The
 * compiler (lib/compile) interns the descriptors across rules. */
#ifndef SG_MODEL_DETECTION_H
#define SG_MODEL_DETECTION_H

#include <stddef.h>
#include <stdint.h>

#include "diag/diag.h"
#include "encode/encode.h"
#include "match/cidr.h"
#include "match/number.h"
#include "load/yaml_tree.h"
#include "model/sigma_string.h"
#include "util/arena.h"

typedef enum {
    SG_OP_STR = 1,  /* string pattern (sg_pattern) through the matcher core */
    SG_OP_NUM,      /* numeric equality with a rule number */
    SG_OP_BOOL,     /* boolean equality */
    SG_OP_NULL,     /* field missing, JSON null or empty list */
    SG_OP_EXISTS,   /* field present (bval = expected presence) */
    SG_OP_REGEX,    /* PCRE2 search */
    SG_OP_FIELDREF, /* compare with another field of the same event (text = its name) */
    SG_OP_NUMCMP,   /* event number `cmp` num (gt/gte/lt/lte) */
    SG_OP_TIMEPART, /* a part of an event timestamp `cmp` num (minute..year) */
    SG_OP_CIDR      /* event IP address inside a network */
} sg_op;

enum {
    SG_PF_CASED = 1u << 0, /* SG_OP_STR without case folding */
    SG_PF_RE_I = 1u << 1,
    SG_PF_RE_M = 1u << 2,
    SG_PF_RE_S = 1u << 3,
    SG_PF_REF_PREFIX = 1u << 4, /* fieldref|startswith: value starts with the other */
    SG_PF_REF_SUFFIX = 1u << 5  /* fieldref|endswith; both bits = fieldref|contains */
};

typedef struct sg_pred_desc {
    const char *field; /* NULL: keyword (any value of the event) */
    size_t field_len;
    sg_op op;
    uint32_t flags;
    sg_pattern pat;   /* SG_OP_STR (heap; freed with the IR) */
    const char *text; /* SG_OP_REGEX: regex source; SG_OP_NUM: number as written */
    size_t text_len;
    sg_number num; /* SG_OP_NUM / SG_OP_NUMCMP / SG_OP_TIMEPART */
    int bval;      /* SG_OP_BOOL, SG_OP_EXISTS */
    uint8_t cmp;   /* SG_OP_NUMCMP / SG_OP_TIMEPART: sg_num_cmp */
    uint8_t part;  /* SG_OP_TIMEPART: sg_timepart */
    sg_cidr cidr;  /* SG_OP_CIDR */
    sg_pos pos;    /* where the value was written */
} sg_pred_desc;

/* Comparison of SG_OP_NUMCMP / SG_OP_TIMEPART (event value on the left). */
typedef enum { SG_NUM_EQ = 0, SG_NUM_GT, SG_NUM_GTE, SG_NUM_LT, SG_NUM_LTE } sg_num_cmp;

/* Settings that lowering needs from the builder. */
typedef struct sg_lower_opts {
    const sg_placeholders *placeholders; /* for `expand`; NULL = none defined */
    size_t max_alternatives;             /* cap on windash/expand expansions */
    int no_items; /* SIGMA_PARAM_INTROSPECTION 0: don't keep the items as written */
} sg_lower_opts;

typedef enum {
    SG_X_PRED = 1, /* leaf: preds[pred] */
    SG_X_AND,
    SG_X_OR,
    SG_X_NOT,
    SG_X_FALSE /* constant (e.g. an empty OR) */
} sg_expr_kind;

typedef struct sg_expr sg_expr;
struct sg_expr {
    sg_expr_kind kind;
    uint32_t pred;
    sg_expr **kids;
    size_t n;
};

/* One detection item as written (`Image|endswith: [...]`, a keyword list), kept for
 * introspection (lib/introspect). Strings and arrays live in the IR's arena. */
typedef struct sg_ir_item {
    uint32_t ident;    /* index into sg_rule_ir.ident_names */
    uint32_t group;    /* position in a list-of-maps definition, 0 otherwise */
    const char *field; /* NULL: keywords */
    const char *mods;  /* the modifier chain as written ("|endswith|windash"), or "" */
    uint32_t kind;     /* SIGMA_PRED_* */
    int all, negated, cased;
    const char **values; /* scalar texts as written */
    size_t *value_lens;
    sg_expr **value_exprs; /* what each value became (NULL entries possible) */
    size_t nvalues;
    sg_expr *expr; /* the whole item */
} sg_ir_item;

struct sg_rule_doc;

/* A detection rule ready for the compiler. */
typedef struct sg_rule_ir {
    sg_arena arena;      /* owns expr nodes and copied strings */
    sg_pred_desc *preds; /* heap array */
    size_t npreds, preds_cap;
    sg_expr *root;
    /* Kept for introspection: identifiers in the order written, their expressions,
     * the condition text (a list joined with newlines), every item (heap array). */
    const char **ident_names;
    sg_expr **ident_exprs;
    size_t nidents;
    const char *condition;
    sg_ir_item *items;
    size_t nitems, items_cap;
    struct sg_rule_doc *doc; /* the document's other attributes (lib/introspect) */
} sg_rule_ir;

/* Lowers `detection` (a map with `condition`) into `ir` (zeroed by the caller).
 * Every problem is a diagnostic; returns 0 ok, 1 errors reported, -1 no memory. */
int sg_detection_lower(const sg_node *detection, sg_diag_ctx *diags, sg_rule_ir *ir);
/* The same with builder settings (placeholders, expansion limit). */
int sg_detection_lower_ex(const sg_node *detection, const sg_lower_opts *opts, sg_diag_ctx *diags,
                          sg_rule_ir *ir);
void sg_rule_ir_free(sg_rule_ir *ir);

#endif
