/* The builder: YAML sources in, loaded rules and diagnostics accumulated, ruleset out.
 * Building resolves what needs the whole collection: correlation references and
 * filters (which rules they apply to). */
#include <stdlib.h>
#include <string.h>

#include "api/builder.h"
#include "correlation/corr_check.h"
#include "model/rule_meta.h"
#include "util/vec.h"

int sigma_builder_new(const sigma_compile_options *opts, sigma_builder **out)
{
    if (!out)
        return SIGMA_E_INVALID_ARG;
    sigma_builder *b = calloc(1, sizeof *b);
    if (!b)
        return SIGMA_E_NOMEM;
    if (opts)
        b->opts = *opts;
    else
        sg_options_defaults(&b->opts);
    *out = b;
    return SIGMA_OK;
}

void sigma_builder_free(sigma_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nrules; i++) {
        sg_rule_meta_free(&b->rules[i].meta);
        sg_rule_ir_free(&b->rules[i].ir);
    }
    free(b->rules);
    for (size_t i = 0; i < b->nfilters; i++) {
        sg_filter_free(&b->filters[i]->f);
        sg_arena_free(&b->filters[i]->arena);
        free(b->filters[i]);
    }
    free(b->filters);
    for (size_t i = 0; i < b->ncorrs; i++) {
        sg_arena_free(&b->corrs[i]->arena);
        free(b->corrs[i]->source);
        free(b->corrs[i]);
    }
    free(b->corrs);
    sg_placeholders_free(&b->placeholders);
    for (size_t i = 0; i < b->nmapping; i++)
        sg_buf_free(&b->mappings[i]);
    free(b->mappings);
    sg_buf_free(&b->attack_names);
    sg_diagnostics_free_items(&b->diags);
    free(b);
}

const sigma_diagnostics *sigma_builder_diagnostics(const sigma_builder *b)
{
    return b ? &b->diags : NULL;
}

uint32_t sigma_builder_failed_count(const sigma_builder *b)
{
    return b ? b->failed : 0;
}

int sg_source_args(const sigma_builder *b, const char *source_name, size_t source_name_len,
                   const char *yaml, size_t *yaml_len, char **name_out)
{
    *name_out = NULL;
    if (!b || (!yaml && *yaml_len) || (!source_name && source_name_len))
        return SIGMA_E_INVALID_ARG;
    if (*yaml_len == SIGMA_NUL_TERMINATED)
        *yaml_len = strlen(yaml);
    if (!source_name)
        return SIGMA_OK;
    if (source_name_len == SIGMA_NUL_TERMINATED)
        source_name_len = strlen(source_name);
    *name_out = sg_strndup(source_name, source_name_len);
    return *name_out ? SIGMA_OK : SIGMA_E_NOMEM;
}

int sigma_builder_add_yaml(sigma_builder *b, const char *source_name, size_t source_name_len,
                           const char *yaml, size_t yaml_len, uint32_t *rules_added_out)
{
    if (rules_added_out)
        *rules_added_out = 0;
    char *name;
    int arc = sg_source_args(b, source_name, source_name_len, yaml, &yaml_len, &name);
    if (arc != SIGMA_OK)
        return arc;
    sg_diag_ctx dc = {.list = &b->diags,
                      .source = name,
                      .no_warnings =
                          (b->opts.values[SIGMA_PARAM_FLAGS] & SIGMA_COMPILE_NO_WARNINGS) != 0};
    uint32_t added = 0;
    int errors = sg_builder_load_source(b, yaml ? yaml : "", yaml_len, &dc, &added);
    free(name);
    if (rules_added_out)
        *rules_added_out = added;
    if (errors < 0)
        return SIGMA_E_NOMEM;
    return errors ? SIGMA_E_COMPILE : SIGMA_OK;
}

/* ------------------------------------------------------------------- build */

/* Index of the rule with this id or name (ids first), or -1. */
static long find_rule(const sigma_builder *b, const char *ref)
{
    for (int by_name = 0; by_name < 2; by_name++)
        for (size_t i = 0; i < b->nrules; i++) {
            const char *s = by_name ? b->rules[i].meta.name : b->rules[i].meta.id;
            if (s && strcmp(s, ref) == 0)
                return (long)i;
        }
    return -1;
}

/* Drops correlations whose `rules` name nothing loaded; reports each once. */
static void check_correlations(sigma_builder *b, uint8_t *dropped)
{
    for (size_t i = 0; i < b->ncorrs; i++) {
        sg_loaded_corr *lc = b->corrs[i];
        for (size_t k = 0; k < lc->c.nrules && !dropped[lc->rule_index]; k++) {
            if (find_rule(b, lc->c.rules[k]) >= 0)
                continue;
            dropped[lc->rule_index] = 1;
            if (lc->reported)
                continue;
            sg_diag_ctx dc = {.list = &b->diags, .source = lc->source, .rule_id = lc->c.id};
            sg_error(&dc, SIGMA_DIAG_UNRESOLVED_REFERENCE, lc->c.pos,
                     "correlation '%s' refers to rule '%s', which is not loaded",
                     lc->c.title ? lc->c.title : "?", lc->c.rules[k]);
            lc->reported = 1;
            b->failed++;
        }
    }
}

/* Sets lr->filters to the filters that apply to it (arrays owned by the caller). */
static int attach_filters(const sigma_builder *b, sg_loaded_rule *lr)
{
    lr->filters = NULL;
    lr->filter_names = NULL;
    lr->nfilters = 0;
    if (lr->meta.kind != SIGMA_RULE_DETECTION || !b->nfilters)
        return 0;
    const sg_rule_ir **irs = calloc(b->nfilters, sizeof *irs);
    const char **names = calloc(b->nfilters, sizeof *names);
    if (!irs || !names) {
        free(irs);
        free(names);
        return -1;
    }
    size_t n = 0;
    const sg_rule *m = &lr->meta;
    for (size_t i = 0; i < b->nfilters; i++) {
        const sg_filter *f = &b->filters[i]->f;
        if (!sg_filter_applies(f, m->ls_product, m->ls_category, m->ls_service, m->id, m->name))
            continue;
        irs[n] = &f->ir;
        names[n] = f->id ? f->id : f->title;
        n++;
    }
    lr->filters = irs;
    lr->filter_names = names;
    lr->nfilters = n;
    return 0;
}

int sigma_builder_build(sigma_builder *b, sigma_ruleset **out)
{
    if (!b || !out)
        return SIGMA_E_INVALID_ARG;
    *out = NULL;
    uint8_t *dropped = calloc(b->nrules ? b->nrules : 1, 1);
    sg_loaded_rule *list = calloc(b->nrules ? b->nrules : 1, sizeof *list);
    int rc = dropped && list ? SIGMA_OK : SIGMA_E_NOMEM;
    if (rc == SIGMA_OK)
        check_correlations(b, dropped);
    if (rc == SIGMA_OK && sg_corr_check_chains(b, dropped) != 0)
        rc = SIGMA_E_NOMEM;
    size_t n = 0;
    for (size_t i = 0; rc == SIGMA_OK && i < b->nrules; i++) {
        if (dropped[i])
            continue;
        list[n] = b->rules[i];
        if (attach_filters(b, &list[n]) != 0)
            rc = SIGMA_E_NOMEM;
        n++;
    }
    if (rc == SIGMA_OK && (b->opts.values[SIGMA_PARAM_FLAGS] & SIGMA_COMPILE_STRICT) &&
        b->diags.errors)
        rc = SIGMA_E_COMPILE;
    sg_mapping mapping;
    memset(&mapping, 0, sizeof mapping);
    if (rc == SIGMA_OK) {
        /* Diagnostics were reported when the sources were added. */
        sg_diag_ctx quiet = {0};
        for (size_t i = 0; rc == SIGMA_OK && i < b->nmapping; i++)
            if (sg_mapping_load_yaml(&mapping, b->mappings[i].data, b->mappings[i].len, &quiet) < 0)
                rc = SIGMA_E_NOMEM;
    }
    if (rc == SIGMA_OK) {
        sg_compile_limits lim = {(uint32_t)b->opts.values[SIGMA_PARAM_REGEX_MATCH_LIMIT],
                                 (uint32_t)b->opts.values[SIGMA_PARAM_REGEX_DEPTH_LIMIT],
                                 b->opts.values[SIGMA_PARAM_INTROSPECTION] != 0,
                                 (int)b->opts.values[SIGMA_PARAM_SIMD],
                                 b->opts.values[SIGMA_PARAM_HUGE_PAGES] != 0};
        rc = sg_ruleset_compile(list, n, &lim, &mapping, out);
        if (rc == SIGMA_OK && sg_builder_attack_names_apply(b, *out) != 0) {
            sigma_ruleset_unref(*out);
            *out = NULL;
            rc = SIGMA_E_NOMEM;
        }
    }
    sg_mapping_free(&mapping);
    for (size_t i = 0; list && i < n; i++) {
        free((void *)list[i].filters);
        free((void *)list[i].filter_names);
    }
    free(list);
    free(dropped);
    return rc;
}

/* ------------------------------------------------------------------ mapping */

int sigma_builder_add_mapping_yaml(sigma_builder *b, const char *source_name,
                                   size_t source_name_len, const char *yaml, size_t yaml_len)
{
    char *name;
    int arc = sg_source_args(b, source_name, source_name_len, yaml, &yaml_len, &name);
    if (arc != SIGMA_OK)
        return arc;
    sg_buf copy = {0};
    if (sg_buf_append(&copy, yaml ? yaml : "", yaml_len) != 0 ||
        SG_PUSH(b->mappings, b->nmapping, b->mapping_cap, copy) != 0) {
        free(name);
        sg_buf_free(&copy);
        return SIGMA_E_NOMEM;
    }
    /* Validate now so that problems are reported against this source. */
    sg_diag_ctx dc = {.list = &b->diags, .source = name};
    sg_mapping check;
    memset(&check, 0, sizeof check);
    int rc = sg_mapping_load_yaml(&check, copy.data ? copy.data : "", yaml_len, &dc);
    sg_mapping_free(&check);
    free(name);
    if (rc < 0)
        return SIGMA_E_NOMEM;
    return rc ? SIGMA_E_COMPILE : SIGMA_OK;
}

int sigma_builder_add_default_mapping(sigma_builder *b)
{
    size_t len;
    const char *yaml = sg_mapping_default_yaml(&len);
    return sigma_builder_add_mapping_yaml(b, "<built-in mapping>", SIGMA_NUL_TERMINATED, yaml, len);
}
