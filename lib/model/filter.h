/* Filter documents (sigma-semantics.md §7): exclusions applied at build time to the
 * detection rules they name, as (rule) and (filter). */
#ifndef SG_MODEL_FILTER_H
#define SG_MODEL_FILTER_H

#include <stddef.h>

#include "diag/diag.h"
#include "load/yaml_tree.h"
#include "model/detection.h"

typedef struct sg_filter {
    const char *title, *id, *name, *description;       /* arena copies */
    const char *ls_product, *ls_category, *ls_service; /* arena copies, NULL = unset */
    int any;            /* `rules: any` (case-insensitive) or an empty list */
    const char **rules; /* referenced rule ids or names (arena copies) */
    size_t nrules;
    sg_rule_ir ir; /* the filter's identifiers and condition, lowered on their own,
                      so the rule's `them`/patterns never see them */
    sg_pos pos;
} sg_filter;

/* Reads and validates a filter document: title (required), id (UUID), name,
 * logsource (required map, like a rule's), filter (required map) with `rules`
 * (list of strings, a single string, or `any`), search identifiers and `condition`
 * (one string). Everything it reports is a diagnostic; strings are copied into
 * `arena` (the filter outlives the YAML tree). 0 ok, 1 errors, -1 no memory.
 * sg_filter_free releases out->ir. */
int sg_filter_read(const sg_node *root, sg_arena *arena, sg_diag_ctx *diags, sg_filter *out);
/* The same with the builder's lowering settings (placeholders for `expand`, expansion cap);
 * opts NULL = sg_detection_lower's defaults. `filter` not a map and problems with
 * `filter.rules` / `filter.condition` are SIGMA_DIAG_BAD_FILTER (MISSING_ATTRIBUTE when
 * `filter` is absent or null); out is always left freeable with sg_filter_free. */
int sg_filter_read_ex(const sg_node *root, const sg_lower_opts *opts, sg_arena *arena,
                      sg_diag_ctx *diags, sg_filter *out);
void sg_filter_free(sg_filter *f);

/* 1 if the filter applies to a rule with this logsource, id and name: every
 * category/product/service set in the filter equals the rule's (exact), and the
 * filter is `any` or names the rule's id (UUIDs compared in any case) or name. */
int sg_filter_applies(const sg_filter *f, const char *product, const char *category,
                      const char *service, const char *id, const char *name);

#endif
