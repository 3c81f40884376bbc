/* Placeholder values for the `expand` modifier, one at a time or from a YAML map. */
#include <string.h>

#include "api/builder.h"
#include "load/yaml_tree.h"
#include "util/vec.h"

int sigma_builder_add_placeholder(sigma_builder *b, const char *name, size_t name_len,
                                  const char *value, size_t value_len)
{
    if (!b || !name || (!value && value_len))
        return SIGMA_E_INVALID_ARG;
    if (name_len == SIGMA_NUL_TERMINATED)
        name_len = strlen(name);
    if (value_len == SIGMA_NUL_TERMINATED)
        value_len = strlen(value);
    if (name_len == 0)
        return SIGMA_E_INVALID_ARG;
    return sg_placeholders_add(&b->placeholders, name, name_len, value ? value : "", value_len)
               ? SIGMA_E_NOMEM
               : SIGMA_OK;
}

static int add_value(sigma_builder *b, sg_diag_ctx *dc, const sg_node *key, const sg_node *v)
{
    if (v->kind != SG_NODE_SCALAR || v->type == SG_SCALAR_NULL) {
        sg_error(dc, SIGMA_DIAG_BAD_PLACEHOLDERS, v->pos,
                 "values of placeholder '%s' must be strings", key->text);
        return 0;
    }
    return sigma_builder_add_placeholder(b, key->text, key->text_len, v->text, v->text_len);
}

int sigma_builder_add_placeholders_yaml(sigma_builder *b, const char *source_name,
                                        size_t source_name_len, const char *yaml, size_t yaml_len)
{
    char *name;
    int arc = sg_source_args(b, source_name, source_name_len, yaml, &yaml_len, &name);
    if (arc != SIGMA_OK)
        return arc;
    sg_diag_ctx dc = {.list = &b->diags, .source = name};
    sg_yaml_limits lim = {(size_t)b->opts.values[SIGMA_PARAM_MAX_YAML_BYTES],
                          (uint32_t)b->opts.values[SIGMA_PARAM_MAX_YAML_DEPTH],
                          (size_t)b->opts.values[SIGMA_PARAM_MAX_ALIAS_NODES]};
    sg_yaml_file f;
    memset(&f, 0, sizeof f);
    int rc = sg_yaml_parse(yaml ? yaml : "", yaml_len, &lim, &dc, &f) ? SIGMA_E_NOMEM : SIGMA_OK;
    const sg_node *root = f.doc_count ? f.docs[0].root : NULL;
    if (rc == SIGMA_OK && !f.failed && f.doc_count > 1)
        sg_error(&dc, SIGMA_DIAG_BAD_PLACEHOLDERS, f.docs[1].start,
                 "a placeholder file holds one YAML document");
    if (rc == SIGMA_OK && root && root->kind != SG_NODE_MAP)
        sg_error(&dc, SIGMA_DIAG_BAD_PLACEHOLDERS, root->pos,
                 "a placeholder file is a map of name: [values]");
    for (size_t i = 0; rc == SIGMA_OK && root && root->kind == SG_NODE_MAP && i < root->count;
         i++) {
        const sg_node *k = root->keys[i], *v = root->items[i];
        if (v->kind == SG_NODE_SEQ)
            for (size_t j = 0; rc == SIGMA_OK && j < v->count; j++)
                rc = add_value(b, &dc, k, v->items[j]);
        else
            rc = add_value(b, &dc, k, v);
    }
    sg_yaml_file_free(&f);
    free(name);
    if (rc != SIGMA_OK)
        return rc;
    return dc.errors ? SIGMA_E_COMPILE : SIGMA_OK;
}
