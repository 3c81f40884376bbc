/* Introspection data of a compiled ruleset (docs/introspection.md): what each rule
 * says as written (attributes, YAML text, stages, detection items and their values),
 * the interned predicates each value became, and the cross-rule tables (ATT&CK,
 * event coverage, indicators with their corpus counts, correlation references).
 * Filled while compiling; only read afterwards. */
#ifndef SG_INTROSPECT_INTROSPECT_H
#define SG_INTROSPECT_INTROSPECT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "model/detection.h"
#include "model/rule_meta.h"
#include "util/arena.h"
#include "util/strmap.h"

/* Number of SIGMA_ATTR_* / SIGMA_LIST_* slots (index = the public value). */
#define SG_NATTRS 20
#define SG_NLISTS 5

/* What a rule document says beyond sg_rule, captured by the builder while the YAML tree
 * is alive: one exact-size block (struct, pointer arrays, strings), reference counted
 * and shared by the builder's loaded rule (sg_rule_ir.doc) and every ruleset built from
 * it, so the document text is never copied twice. Immutable once made. */
typedef struct sg_rule_doc {
    atomic_uint refs;
    const char *attrs[SG_NATTRS]; /* only the ones sg_rule does not keep */
    size_t attr_lens[SG_NATTRS];
    const char **lists[SG_NLISTS];
    size_t nlists[SG_NLISTS];
    const char **corr_rules; /* correlation: referenced ids/names as written */
    size_t ncorr_rules;
} sg_rule_doc;

/* Captures the attributes of a detection rule and its document text yaml[0, len).
 * NULL only out of memory. */
sg_rule_doc *sg_rule_doc_detection(const sg_rule_meta *m, const char *yaml, size_t len);
/* Captures a correlation's document text, type and referenced rules. */
sg_rule_doc *sg_rule_doc_correlation(const char *type, const char *author, const char *date,
                                     const char *modified, const char *const *rules, size_t nrules,
                                     const char *yaml, size_t len);
sg_rule_doc *sg_rule_doc_ref(sg_rule_doc *d);
void sg_rule_doc_unref(sg_rule_doc *d); /* NULL is fine */

typedef struct sg_intro_value {
    const char *text; /* as written */
    size_t len;
    uint32_t pred; /* interned id of its first predicate, or UINT32_MAX */
    uint32_t prog; /* its program in sg_intro_rule.prog, or UINT32_MAX */
} sg_intro_value;

typedef struct sg_intro_item {
    const char *field; /* NULL: keywords */
    const char *mods;  /* "|endswith|windash" or "" */
    uint32_t kind;     /* SIGMA_PRED_* */
    int all, negated, cased;
    uint32_t group;
    sg_intro_value *values;
    uint32_t nvalues;
    uint32_t prog; /* the item's program */
} sg_intro_item;

typedef struct sg_intro_stage {
    uint32_t kind; /* SIGMA_STAGE_* */
    const char *name, *text, *filter;
    sg_intro_item *items;
    uint32_t nitems;
    uint32_t prog; /* condition or identifier program, UINT32_MAX if none */
} sg_intro_stage;

typedef struct sg_indicator {
    uint32_t stage, item; /* first occurrence */
} sg_indicator;

typedef struct sg_intro_rule {
    sg_arena *arena;       /* the ruleset's sg_intro_set.arena: strings and arrays below */
    sg_rule_doc *doc;      /* a reference (NULL: none); attributes and lists are read there */
    const char *condition; /* SIGMA_ATTR_CONDITION, NULL if the rule has none */
    size_t condition_len;
    sg_intro_stage *stages;
    uint32_t nstages;
    struct sg_prog_node *prog; /* heap */
    uint32_t nprog, prog_cap;
    uint32_t *tactics;
    uint32_t ntactics;
    const char **techniques;
    uint32_t ntechniques;
    const char **corr_rules; /* as written, resolved into refs by sg_intro_finish */
    uint32_t ncorr_rules;
    uint32_t *refs, nrefs;           /* heap */
    uint32_t *referrers, nreferrers; /* heap */
    uint32_t *coverage;              /* heap: (route entry index, row index) pairs */
    uint32_t ncoverage;
    sg_indicator *indicators; /* heap */
    uint32_t nindicators;
    uint32_t row0; /* its first indicator's number in the ruleset (sg_intro_set.corpus) */
} sg_intro_rule;

/* Ruleset-wide introspection tables. */
typedef struct sg_intro_set {
    sg_arena arena;  /* shared by every rule's sg_intro_rule (few large blocks) */
    sg_strmap names; /* upper-case technique id -> index into name_text */
    const char **name_text;
    size_t nnames, names_cap;
    /* Corpus count of every indicator row (rule by rule, from row0), computed on the
     * first request by sg_intro_corpus and published once (see there); NULL before. */
    _Atomic(uint32_t *) corpus;
    uint32_t nrows;
} sg_intro_set;

/* Interns an IR predicate of the rule being compiled (compile.c's intern_pred). */
typedef int (*sg_intern_fn)(void *ctx, const sg_pred_desc *d, uint32_t *id);

struct sg_loaded_rule;
struct sigma_ruleset;
/* Builds the introspection data of one rule (its stages and programs interned through
 * `intern`; strings in rs->intro's arena, created by the first call). NULL is only
 * returned out of memory. */
sg_intro_rule *sg_intro_rule_build(struct sigma_ruleset *rs, const struct sg_loaded_rule *lr,
                                   sg_intern_fn intern, void *ctx);
void sg_intro_rule_free(sg_intro_rule *ir);

/* The cross-rule tables, after every rule, the index and the routing are built:
 * ATT&CK, references, coverage, indicators and corpus counts. 0 or -1. */
int sg_intro_finish(struct sigma_ruleset *rs);
void sg_intro_set_free(sg_intro_set *s);
/* The corpus counts (sg_intro_set.corpus), computed on the first call; NULL only out of
 * memory. Thread-safe without locks: a caller that finds none computes the table and
 * publishes it with a compare-exchange; a caller that loses the race frees its own
 * (identical) copy. The ruleset stays logically immutable. */
const uint32_t *sg_intro_corpus(const struct sigma_ruleset *rs);

struct sg_map_entry;
/* The value of a mapping entry's Channel condition (its first), or NULL. */
const char *sg_intro_entry_channel(const struct sg_map_entry *e);

/* Technique names text ("ID<TAB>Name" lines) added to s->names; problems are
 * diagnostics (dc may be NULL). 0, 1 when a line was bad, -1 no memory. */
int sg_attack_names_parse(sg_intro_set *s, const char *text, size_t len, sg_diag_ctx *dc);
/* r->tactics / r->techniques from the rule's tags. 0 or -1. */
int sg_attack_rule_tags(sg_intro_rule *r, char *const *tags, uint32_t ntags);

/* Built-in tactics: index of a tactic tag name ("persistence", "-" and "_" alike,
 * any case) or -1. */
int sg_attack_tactic_find(const char *s, size_t len);

#endif
