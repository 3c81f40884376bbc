/* The builder's state, shared by the files of lib/api that fill it. */
#ifndef SG_API_BUILDER_H
#define SG_API_BUILDER_H

#include "api/options.h"
#include "compile/ruleset.h"
#include "diag/diag.h"
#include "encode/encode.h"
#include "model/correlation.h"
#include "model/filter.h"
#include "util/vec.h"

typedef struct sg_loaded_filter {
    sg_filter f;
    sg_arena arena; /* the filter's strings */
} sg_loaded_filter;

typedef struct sg_loaded_corr {
    sg_correlation c;
    sg_arena arena;
    char *source;
    size_t rule_index; /* its entry in sigma_builder.rules */
    int reported;      /* an unresolved reference was already reported */
    int order_warned;  /* SIGMA_DIAG_ORDER_NOT_ENFORCED was already reported */
} sg_loaded_corr;

struct sigma_builder {
    sigma_compile_options opts;
    sigma_diagnostics diags;
    sg_loaded_rule *rules; /* detection and correlation rules, in load order */
    size_t nrules, rules_cap;
    sg_loaded_filter **filters;
    size_t nfilters, filters_cap;
    sg_loaded_corr **corrs;
    size_t ncorrs, corrs_cap;
    sg_placeholders placeholders;
    sg_buf *mappings; /* mapping YAML sources, re-read at each build */
    size_t nmapping, mapping_cap;
    uint32_t failed;
    sg_buf attack_names; /* ATT&CK technique names text, re-read at each build */
};

/* Loads the ATT&CK names text into a freshly compiled ruleset (lib/introspect). */
int sg_builder_attack_names_apply(const sigma_builder *b, sigma_ruleset *rs);

/* Loads every document of one YAML source (rules, filters, correlations, legacy
 * action documents). Returns the number of errors reported, or -1 (no memory). */
int sg_builder_load_source(sigma_builder *b, const char *yaml, size_t len, sg_diag_ctx *dc,
                           uint32_t *added);

/* The common checks of the functions that take (source name, YAML text): NULL
 * with a length, SIGMA_NUL_TERMINATED lengths measured, the name copied (*name_out
 * NULL when no name). Returns SIGMA_OK, SIGMA_E_INVALID_ARG or SIGMA_E_NOMEM. */
int sg_source_args(const sigma_builder *b, const char *source_name, size_t source_name_len,
                   const char *yaml, size_t *yaml_len, char **name_out);

/* Reports an I/O problem with `path` (errno) as a diagnostic; returns SIGMA_E_IO. */
int sg_builder_io_error(sigma_builder *b, const char *path, const char *what);

#endif
