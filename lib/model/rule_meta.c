/* Top-level attributes of a detection rule: reading and validation (sigma-semantics.md §1.2).
 * The attribute readers themselves are shared with filters and correlations (attrs.c). */
#include "model/rule_meta.h"

#include <string.h>

static void read_id(sg_attr_reader *r, const sg_node *root, sg_rule_meta *out)
{
    const sg_node *n = sg_attr_id(r, root);
    if (!n)
        return;
    out->id = n->text;
    out->id_node = n;
}

static void read_title(sg_attr_reader *r, const sg_node *root, sg_rule_meta *out)
{
    const sg_node *n = sg_attr_title(r, root);
    if (!n)
        return;
    out->title = n->text;
    out->title_node = n;
}

static void read_logsource(sg_attr_reader *r, const sg_node *root, sg_rule_meta *out)
{
    sg_logsource ls;
    sg_attr_logsource(r, root, &ls);
    out->logsource = ls.map;
    out->ls_category = ls.category;
    out->ls_product = ls.product;
    out->ls_service = ls.service;
    out->ls_definition = ls.definition;
}

static void read_detection(sg_attr_reader *r, const sg_node *root, sg_rule_meta *out)
{
    const sg_node *det = sg_attr_required_map(r, root, "detection", SIGMA_DIAG_ATTRIBUTE_TYPE);
    if (!det)
        return;
    out->detection = det;
    if (!sg_attr_find(det, "condition").key)
        SG_ATTR_ERR(r, SIGMA_DIAG_MISSING_ATTRIBUTE, sg_attr_find(root, "detection").key->pos,
                    "detection has no 'condition'");
}

int sg_rule_meta_read(const sg_node *root, sg_arena *arena, sg_diag_ctx *diags, sg_rule_meta *out)
{
    sg_attr_reader r = {arena, diags, 0, 0};
    memset(out, 0, sizeof *out);
    if (!root || root->kind != SG_NODE_MAP) {
        SG_ATTR_ERR(&r, SIGMA_DIAG_NOT_A_MAP, root ? root->pos : SG_POS_UNKNOWN,
                    "a rule document must be a map of attributes");
        return sg_attr_result(&r);
    }
    read_id(&r, root, out); /* first, so every later diagnostic carries the id */
    read_title(&r, root, out);
    const sg_node *name = sg_attr_name(&r, root);
    out->name = name ? name->text : NULL;
    sg_attr_related(&r, root);
    out->status = sg_attr_status(&r, root);
    out->description = sg_attr_text(&r, root, "description");
    out->license = sg_attr_text(&r, root, "license");
    out->author = sg_attr_text(&r, root, "author");
    out->taxonomy = sg_attr_text(&r, root, "taxonomy");
    out->references = sg_attr_list(&r, root, "references");
    out->date = sg_attr_date(&r, root, "date");
    out->modified = sg_attr_date(&r, root, "modified");
    out->tags = sg_attr_list(&r, root, "tags");
    read_logsource(&r, root, out);
    read_detection(&r, root, out);
    out->fields = sg_attr_list(&r, root, "fields");
    out->falsepositives = sg_attr_list(&r, root, "falsepositives");
    out->scope = sg_attr_list(&r, root, "scope");
    out->level = sg_attr_level(&r, root);
    return sg_attr_result(&r);
}
