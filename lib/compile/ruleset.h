/* The compiled, immutable ruleset: interned predicates, the field dictionary and one
 * boolean program per rule. Built once by the compiler, then only read. */
#ifndef SG_COMPILE_RULESET_H
#define SG_COMPILE_RULESET_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "index/index.h"
#include "index/routing.h"
#include "match/number.h"
#include "match/regex.h"
#include "match/strmatch.h"
#include "model/detection.h"
#include "util/huge_pages.h"
#include "util/strmap.h"

#define SG_KEYWORD_FIELD UINT32_MAX

/* One interned predicate: evaluated at most once per match call. */
typedef struct sg_pred {
    uint32_t field; /* field slot, or SG_KEYWORD_FIELD for keyword searches */
    sg_op op;
    uint32_t flags;
    sg_strmatch sm;       /* SG_OP_STR */
    pcre2_code *re;       /* SG_OP_REGEX */
    sg_regex_guard guard; /* SG_OP_REGEX: what a subject needs before re runs */
    sg_regex_seq *seq;    /* SG_OP_REGEX: literal atoms joined by '.*' (NULL: not so) */
    char *re_src;         /* SG_OP_REGEX: the pattern text (for the index's literal miner) */
    size_t re_len;
    sg_number num;      /* SG_OP_NUM / SG_OP_NUMCMP / SG_OP_TIMEPART */
    int bval;           /* SG_OP_BOOL / SG_OP_EXISTS */
    uint32_t ref_field; /* SG_OP_FIELDREF: slot of the other field */
    uint8_t cmp;        /* SG_OP_NUMCMP / SG_OP_TIMEPART: sg_num_cmp */
    uint8_t part;       /* SG_OP_TIMEPART: sg_timepart */
    sg_cidr cidr;       /* SG_OP_CIDR */
    uint32_t users;     /* number of rules using it (the "corpus" count) */
} sg_pred;

/* Program node, pre-order; `size` = nodes in this subtree (to skip it). */
typedef struct sg_prog_node {
    uint8_t kind; /* sg_expr_kind */
    uint32_t arg; /* SG_X_PRED: predicate id; AND/OR: number of children */
    uint32_t size;
} sg_prog_node;

/* Where a rule's program is in sigma_ruleset.prog (len 0: never matches). Apart
 * from sg_rule, whose metadata take two cache lines, because matching reads it
 * for every candidate rule: 8 bytes a rule (in-process A/B: 0.991, 0.988, 0.993
 * of the time per event; rules x8 0.989, 0.988). */
typedef struct sg_rule_prog {
    uint32_t start, len;
} sg_rule_prog;

typedef struct sg_rule {
    uint32_t kind; /* SIGMA_RULE_DETECTION or SIGMA_RULE_CORRELATION */
    char *id, *title, *name, *level, *status, *description, *source;
    char *ls_product, *ls_category, *ls_service;
    char **tags;
    uint32_t ntags;
    char **filters; /* ids (or titles) of the filters applied to this rule */
    uint32_t nfilters;
    struct sg_intro_rule *intro; /* introspection data (lib/introspect) */
} sg_rule;

struct sigma_ruleset {
    atomic_uint refs;
    sg_rule *rules;
    sg_rule_prog *progs; /* per rule */
    uint32_t nrules;
    sg_pred *preds;
    uint32_t npreds;
    sg_prog_node *prog;
    uint32_t nprog;
    char **field_names;
    uint32_t nfields;
    sg_strmap field_map; /* name -> slot; keys are field_names[] */
    /* Fingerprint of the field dictionary, a sum over its (name hash, slot) pairs
     * (compile.c): scratches remember name -> slot per dictionary
     * (match/name_memo.h), and rulesets with the same dictionary share it. */
    uint64_t field_fp;
    uint32_t max_depth; /* deepest program nesting, for the scratch stack */
    pcre2_match_context *mctx;
    sg_index index;
    sg_routing routing;         /* empty unless the builder was given a mapping */
    struct sg_intro_set *intro; /* ruleset-wide introspection tables (lib/introspect) */
    struct sg_corr_set *corr;   /* compiled correlations, or NULL when there are none */
    /* The hot arrays (progs, preds, prog and the index's) once moved to huge pages
     * (hot_arrays.c); freed through it, released last. */
    sg_huge_region huge;
    int huge_pages; /* SIGMA_PARAM_HUGE_PAGES: also a scratch's memos (match/eval.h) */
};

/* One loaded rule handed from the builder to the compiler. */
typedef struct sg_loaded_rule {
    sg_rule meta;  /* heap strings, copied into the ruleset; meta.filters is ignored */
    sg_rule_ir ir; /* root NULL for correlation rules (no program of their own) */
    /* Filters that apply (set by the builder just before compiling): the rule's
     * program becomes (rule) and (filter 1) and ... */
    const sg_rule_ir *const *filters;
    const char *const *filter_names;
    size_t nfilters;
    const struct sg_correlation *corr; /* correlation rules: the document (builder-owned) */
} sg_loaded_rule;

typedef struct sg_compile_limits {
    uint32_t regex_match_limit;
    uint32_t regex_depth_limit;
    int introspection; /* SIGMA_PARAM_INTROSPECTION: build rs->intro and each rule's intro */
    int simd;          /* SIGMA_PARAM_SIMD: 0 scalar, 1 best vector scan, 2 AVX2 at most */
    int huge_pages;    /* SIGMA_PARAM_HUGE_PAGES: move the hot arrays (hot_arrays.c) */
} sg_compile_limits;

/* Moves the arrays matching reads at random into huge pages (hot_arrays.c),
 * when there are enough of them; the last step of a compile. */
void sg_ruleset_move_hot(sigma_ruleset *rs);

/* Builds a ruleset from rules[0..n). The rules' IR is only read; their meta
 * strings are copied. `mapping` (may be NULL) is moved into the ruleset's routing.
 * Returns SIGMA_OK or SIGMA_E_NOMEM. */
int sg_ruleset_compile(const sg_loaded_rule *rules, size_t n, const sg_compile_limits *lim,
                       sg_mapping *mapping, sigma_ruleset **out);
void sg_rule_meta_free(sg_rule *r);

#endif
