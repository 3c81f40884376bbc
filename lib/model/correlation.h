/* Correlation documents (sigma-semantics.md §6.1): loaded and validated here;
 * evaluated by the correlation engine (a later stage). */
#ifndef SG_MODEL_CORRELATION_H
#define SG_MODEL_CORRELATION_H

#include <stddef.h>
#include <stdint.h>

#include "condition/condition.h"
#include "diag/diag.h"
#include "load/yaml_tree.h"

typedef enum {
    SG_CORR_EVENT_COUNT = 1,
    SG_CORR_VALUE_COUNT,
    SG_CORR_TEMPORAL,
    SG_CORR_TEMPORAL_ORDERED,
    SG_CORR_VALUE_SUM,
    SG_CORR_VALUE_AVG,
    SG_CORR_VALUE_PERCENTILE,
    SG_CORR_VALUE_MEDIAN
} sg_corr_type;

typedef enum { SG_CMP_GT = 1, SG_CMP_GTE, SG_CMP_LT, SG_CMP_LTE, SG_CMP_EQ, SG_CMP_NEQ } sg_cmp;

typedef struct sg_corr_alias {
    const char *alias;
    const char **rules;  /* rule name -> */
    const char **fields; /* field in that rule's events */
    size_t n;
} sg_corr_alias;

typedef struct sg_correlation {
    /* metadata (arena copies; NULL when absent) */
    const char *title, *id, *name, *status, *level, *description, *author, *date, *modified;
    const char **tags;
    size_t ntags;
    sg_corr_type type;
    const char **rules; /* referenced rule ids or names, as written */
    size_t nrules;
    const char **group_by;
    size_t ngroup_by;
    int64_t timespan_s; /* > 0 */
    sg_corr_alias *aliases;
    size_t naliases;
    /* condition: one or two (a range) comparisons, AND-ed */
    sg_cmp cmp[2];
    double cmp_value[2];
    size_t ncmp;
    const char **fields; /* `condition.field` (value_* types); a list is allowed */
    size_t nfields;
    double percentile;  /* value_percentile: 0-100, or -1 when not given (the SPEC example
                           has none); value_median: 50; otherwise -1 */
    sg_cond *bool_cond; /* temporal types: extended condition over rule names, or NULL */
    int generate;       /* referenced rules still raise their own alerts */
    sg_pos pos;
} sg_correlation;

/* Reads and validates a correlation document (root is a map with `correlation`):
 * type known; rules non-empty list or string (optional when a temporal boolean
 * condition names them); group-by list or string; timespan "<int><s|m|h|d|w|M|y>"
 * > 0; aliases map of maps; condition a map with one operator (or a gt/gte + lt/lte
 * range) and an integer/number, `field` required for value_* types, `percentile`
 * for value_percentile (0-100); temporal types may omit the condition (default
 * gte = number of rules) or give a boolean string over rule names (parsed with
 * sg_cond_parse); `generate` at top level or inside `correlation`, a boolean.
 * Strings are copied into `arena` (everything the result points to lives there, the
 * boolean condition tree too). Diagnostics: SIGMA_DIAG_BAD_CORRELATION (structure, rules,
 * group-by, aliases, generate), _BAD_TIMESPAN, _UNKNOWN_CORRELATION_TYPE,
 * _BAD_CORRELATION_CONDITION, the 4xxx condition codes for a boolean condition, the 2xxx
 * attribute codes for metadata, and the warning _UNKNOWN_CORRELATION_KEY.
 * 0 ok, 1 errors, -1 no memory. */
int sg_correlation_read(const sg_node *root, sg_arena *arena, sg_diag_ctx *diags,
                        sg_correlation *out);

const char *sg_corr_type_name(sg_corr_type t);

/* "<digits><unit>" (units s m h d w M y; M = 2629746 s, y = 31556952 s) -> seconds;
 * 0 when malformed, zero or beyond int64. */
int64_t sg_parse_timespan(const char *s, size_t len);

#endif
