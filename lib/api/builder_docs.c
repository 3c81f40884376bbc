/* Loading the documents of one YAML source into the builder: detection rules,
 * filters and correlations, after legacy action documents are resolved. One bad
 * document never stops the others. */
#include <stdlib.h>
#include <string.h>

#include "api/builder.h"
#include "introspect/introspect.h"
#include "load/yaml_tree.h"
#include "model/collection.h"
#include "model/detection.h"
#include "model/rule_meta.h"
#include "util/vec.h"

static char *dup_opt(const char *s)
{
    return s ? sg_strndup(s, strlen(s)) : NULL;
}

/* Copies the strings the ruleset keeps (the YAML tree is freed after loading). */
static int keep_strings(sg_rule *r, const char *const *from, size_t n, const char *const *tags,
                        size_t ntags)
{
    char **to[] = {&r->id,          &r->title,  &r->name,       &r->level,       &r->status,
                   &r->description, &r->source, &r->ls_product, &r->ls_category, &r->ls_service};
    for (size_t i = 0; i < n; i++)
        if (from[i] && !(*to[i] = dup_opt(from[i])))
            return -1;
    if (ntags) {
        if (!(r->tags = calloc(ntags, sizeof *r->tags)))
            return -1;
        r->ntags = (uint32_t)ntags;
        for (size_t i = 0; i < ntags; i++)
            if (!(r->tags[i] = dup_opt(tags[i])))
                return -1;
    }
    return 0;
}

static int push_rule(sigma_builder *b, sg_loaded_rule *lr)
{
    if (SG_PUSH(b->rules, b->nrules, b->rules_cap, *lr) == 0)
        return 0;
    sg_rule_meta_free(&lr->meta);
    sg_rule_ir_free(&lr->ir);
    return -1;
}

/* A detection rule. Returns 0 kept, 1 rejected, -1 no memory. */
static int load_rule(sigma_builder *b, const sg_node *root, const sg_yaml_doc *doc,
                     const char *yaml, sg_diag_ctx *dc)
{
    sg_arena scratch = {0};
    sg_rule_meta meta;
    sg_loaded_rule lr;
    memset(&lr, 0, sizeof lr);
    int rc = sg_rule_meta_read(root, &scratch, dc, &meta);
    if (rc >= 0 && meta.detection) {
        sg_lower_opts lo = {&b->placeholders,
                            (size_t)b->opts.values[SIGMA_PARAM_MAX_WILDCARD_EXPANSION],
                            !b->opts.values[SIGMA_PARAM_INTROSPECTION]};
        int lrc = sg_detection_lower_ex(meta.detection, &lo, dc, &lr.ir);
        if (lrc < 0 || rc == 0)
            rc = lrc;
    } else if (rc == 0) {
        rc = 1;
    }
    if (rc == 0) {
        const char *from[] = {meta.id,          meta.title,       meta.name,  meta.level,
                              meta.status,      meta.description, dc->source, meta.ls_product,
                              meta.ls_category, meta.ls_service};
        lr.meta.kind = SIGMA_RULE_DETECTION;
        if (b->opts.values[SIGMA_PARAM_INTROSPECTION]) {
            lr.ir.doc = sg_rule_doc_detection(&meta, yaml + doc->byte_start,
                                              doc->byte_end - doc->byte_start);
            rc = lr.ir.doc ? 0 : -1;
        }
        rc = rc ? rc
                : keep_strings(&lr.meta, from, sizeof from / sizeof from[0], meta.tags.items,
                               meta.tags.n);
        rc = rc ? rc : push_rule(b, &lr);
    } else {
        sg_rule_ir_free(&lr.ir);
    }
    if (rc < 0)
        sg_rule_meta_free(&lr.meta);
    sg_arena_free(&scratch);
    return rc;
}

static int load_filter(sigma_builder *b, const sg_node *root, sg_diag_ctx *dc)
{
    sg_loaded_filter *lf = calloc(1, sizeof *lf);
    if (!lf)
        return -1;
    sg_lower_opts lo = {&b->placeholders,
                        (size_t)b->opts.values[SIGMA_PARAM_MAX_WILDCARD_EXPANSION],
                        !b->opts.values[SIGMA_PARAM_INTROSPECTION]};
    int rc = sg_filter_read_ex(root, &lo, &lf->arena, dc, &lf->f);
    if (rc == 0 && SG_PUSH(b->filters, b->nfilters, b->filters_cap, lf) != 0)
        rc = -1;
    if (rc != 0) {
        sg_filter_free(&lf->f);
        sg_arena_free(&lf->arena);
        free(lf);
    }
    return rc;
}

/* A correlation: kept for the correlation engine and listed as a rule that raises
 * no alerts of its own. */
static int load_correlation(sigma_builder *b, const sg_node *root, const sg_yaml_doc *doc,
                            const char *yaml, sg_diag_ctx *dc)
{
    sg_loaded_corr *lc = calloc(1, sizeof *lc);
    if (!lc)
        return -1;
    int rc = sg_correlation_read(root, &lc->arena, dc, &lc->c);
    if (rc == 0 && dc->source && !(lc->source = dup_opt(dc->source)))
        rc = -1;
    lc->rule_index = b->nrules;
    if (rc == 0 && SG_PUSH(b->corrs, b->ncorrs, b->corrs_cap, lc) != 0)
        rc = -1;
    if (rc != 0) {
        free(lc->source);
        sg_arena_free(&lc->arena);
        free(lc);
        return rc;
    }
    const sg_correlation *c = &lc->c;
    sg_loaded_rule lr;
    memset(&lr, 0, sizeof lr);
    lr.meta.kind = SIGMA_RULE_CORRELATION;
    if (b->opts.values[SIGMA_PARAM_INTROSPECTION]) {
        lr.ir.doc = sg_rule_doc_correlation(
            sg_corr_type_name(c->type), c->author, c->date, c->modified, c->rules, c->nrules,
            yaml + doc->byte_start, doc->byte_end - doc->byte_start);
        if (!lr.ir.doc)
            return -1;
    }
    lr.corr = &lc->c;
    const char *from[] = {c->id,     c->title,       c->name,   c->level,
                          c->status, c->description, dc->source};
    if (keep_strings(&lr.meta, from, sizeof from / sizeof from[0], c->tags, c->ntags) != 0) {
        sg_rule_meta_free(&lr.meta);
        sg_rule_ir_free(&lr.ir);
        return -1;
    }
    return push_rule(b, &lr);
}

/* Dispatches a document by kind (sigma-semantics.md §1.1). */
static int load_document(sigma_builder *b, const sg_node *root, const sg_yaml_doc *doc,
                         const char *yaml, sg_diag_ctx *dc)
{
    if (root->kind != SG_NODE_MAP) {
        sg_error(dc, SIGMA_DIAG_NOT_A_MAP, root->pos, "a rule document must be a map");
        return 1;
    }
    if (sg_map_get(root, "correlation"))
        return load_correlation(b, root, doc, yaml, dc);
    if (sg_map_get(root, "filter"))
        return load_filter(b, root, dc);
    return load_rule(b, root, doc, yaml, dc);
}

int sg_builder_load_source(sigma_builder *b, const char *yaml, size_t len, sg_diag_ctx *dc,
                           uint32_t *added)
{
    sg_yaml_limits lim = {(size_t)b->opts.values[SIGMA_PARAM_MAX_YAML_BYTES],
                          (uint32_t)b->opts.values[SIGMA_PARAM_MAX_YAML_DEPTH],
                          (size_t)b->opts.values[SIGMA_PARAM_MAX_ALIAS_NODES]};
    sg_yaml_file f;
    memset(&f, 0, sizeof f);
    sg_arena merged = {0};
    sg_doc_ref *docs = NULL;
    size_t ndocs = 0, bad = 0;
    int rc = sg_yaml_parse(yaml, len, &lim, dc, &f);
    if (rc == 0)
        rc = sg_collection_resolve(&f, &merged, dc, &docs, &ndocs, &bad) < 0 ? -1 : 0;
    b->failed += (uint32_t)bad;
    for (size_t i = 0; rc == 0 && i < ndocs; i++) {
        dc->rule_id = NULL;
        int drc = load_document(b, docs[i].root, docs[i].src, yaml, dc);
        if (drc < 0)
            rc = -1;
        else if (drc > 0)
            b->failed++;
        else
            (*added)++;
    }
    dc->rule_id = NULL;
    if (rc == 0 && f.failed)
        b->failed++; /* the part of the file after a syntax error is one lost document */
    sg_arena_free(&merged);
    sg_yaml_file_free(&f);
    return rc < 0 ? -1 : (int)dc->errors;
}
