/* The condition language (sigma-semantics.md §5): tokenizer and parser into an
 * expression tree over the detection's search identifiers. */
#ifndef SG_CONDITION_CONDITION_H
#define SG_CONDITION_CONDITION_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

typedef enum {
    SG_COND_IDENT = 1, /* identifier index `ident` */
    SG_COND_AND,       /* a and b */
    SG_COND_OR,        /* a or b */
    SG_COND_NOT,       /* not a */
    SG_COND_ONE_OF,    /* OR over idents[0..n) ("1 of" / "any of") */
    SG_COND_ALL_OF     /* AND over idents[0..n) */
} sg_cond_kind;

typedef struct sg_cond sg_cond;
struct sg_cond {
    sg_cond_kind kind;
    sg_cond *a, *b;   /* operands (NOT uses a) */
    uint32_t ident;   /* SG_COND_IDENT */
    uint32_t *idents; /* quantifiers: matched identifier indexes, in definition order */
    size_t n;
    size_t offset; /* byte offset of the construct in the condition text */
};

typedef enum {
    SG_COND_ERR_SYNTAX = 1,       /* bad token, unbalanced parentheses, missing operand... */
    SG_COND_ERR_UNDEFINED,        /* identifier not defined in the detection */
    SG_COND_ERR_EMPTY_QUANTIFIER, /* "1 of x*" matched no identifier */
    SG_COND_ERR_AGGREGATION       /* "| count() > 5" and other v1 pipe syntax */
} sg_cond_err_kind;

typedef struct sg_cond_error {
    sg_cond_err_kind kind;
    size_t offset;     /* byte offset in the text */
    char message[256]; /* e.g. "undefined identifier 'sel3'" */
} sg_cond_error;

/* Parses `text` against the identifiers idents[i] (NUL-terminated names, in their
 * order of definition). Nodes are allocated in `arena`. Returns 0 and *out, 1 and
 * *err filled on a condition error, -1 when out of memory.
 *
 * Rules: keywords and/or/not/of/them/any/all are lowercase and recognised only
 * as whole words (an identifier "nothing" is an identifier); identifiers are
 * [A-Za-z0-9_-]+; patterns [A-Za-z0-9_*]+ where '*' matches any run; "them"
 * and every pattern not itself starting with '_' skip identifiers starting with
 * '_'; a pattern without '*' selects only the identifier with exactly that name;
 * precedence or < and < not; a '|' anywhere is SG_COND_ERR_AGGREGATION. */
int sg_cond_parse(const char *text, size_t len, const char *const *idents, size_t n_idents,
                  sg_arena *arena, sg_cond **out, sg_cond_error *err);

/* Limits enforced by sg_cond_parse (exceeding one is SG_COND_ERR_SYNTAX):
 * - SG_COND_MAX_NESTING: nested '(' and 'not' (bounds the parser's recursion);
 * - SG_COND_MAX_HEIGHT: height of the returned tree, counting every node, so a
 *   consumer may walk the tree recursively (and/or chains are left-deep: a chain
 *   of k operators is k levels high). */
#define SG_COND_MAX_NESTING 100
#define SG_COND_MAX_HEIGHT 1000

/* Evaluates the tree: ident_values[i] (0 = false, non-zero = true) is the value of
 * identifier i. Returns 0 or 1. Quantifier nodes hold at least one identifier
 * (sg_cond_parse rejects empty ones); an empty one is false, never vacuously
 * true (sigma-semantics.md §5.2). Iterates along left operands and `not`, so its stack depth
 * depends only on the parenthesis nesting. */
int sg_cond_eval(const sg_cond *c, const uint8_t *ident_values);

/* The SIGMA_DIAG_* code that reports a condition error of this kind. */
int sg_cond_diag_code(sg_cond_err_kind k);

#endif
