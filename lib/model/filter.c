/* Filter documents (sigma-semantics.md §7): reading, validation and the applicability test.
 * Follows pySigma's SigmaFilter: `rules` is required (`any`, case-insensitive, or an empty
 * list mean every rule of the logsource; a single string is one reference) and the condition
 * is exactly one string. */
#include "model/filter.h"

#include <string.h>

#include "model/attrs.h"

#define ERR SG_ATTR_ERR

static void read_meta(sg_attr_reader *r, const sg_node *root, sg_filter *out)
{
    const sg_node *id = sg_attr_id(r, root);
    const sg_node *title = sg_attr_title(r, root);
    const sg_node *name = sg_attr_name(r, root);
    out->id = sg_attr_dup(r, id ? id->text : NULL);
    out->title = sg_attr_dup(r, title ? title->text : NULL);
    out->name = sg_attr_dup(r, name ? name->text : NULL);
    out->description = sg_attr_dup(r, sg_attr_text(r, root, "description"));
    /* validated only */
    (void)sg_attr_text(r, root, "author");
    (void)sg_attr_text(r, root, "taxonomy");
    (void)sg_attr_date(r, root, "date");
    (void)sg_attr_date(r, root, "modified");
    (void)sg_attr_list(r, root, "references");
    sg_attr_related(r, root);
}

static void read_logsource(sg_attr_reader *r, const sg_node *root, sg_filter *out)
{
    sg_logsource ls;
    sg_attr_logsource(r, root, &ls);
    out->ls_product = sg_attr_dup(r, ls.product);
    out->ls_category = sg_attr_dup(r, ls.category);
    out->ls_service = sg_attr_dup(r, ls.service);
}

/* One rule reference (a non-null scalar): its arena copy, or NULL after a diagnostic. */
static const char *rule_ref(sg_attr_reader *r, const sg_node *n)
{
    if (n->kind != SG_NODE_SCALAR || n->type == SG_SCALAR_NULL || n->text_len == 0) {
        ERR(r, SIGMA_DIAG_BAD_FILTER, n->pos, "a filter rule reference must be a rule id or name");
        return NULL;
    }
    return sg_attr_dup(r, n->text);
}

static void read_rule_list(sg_attr_reader *r, const sg_node *list, sg_filter *out)
{
    if (list->count == 0) { /* pySigma: an empty list means any */
        out->any = 1;
        return;
    }
    out->rules = sg_arena_alloc(r->arena, list->count * sizeof *out->rules);
    if (!out->rules) {
        r->oom = 1;
        return;
    }
    for (size_t i = 0; i < list->count; i++) {
        const char *ref = rule_ref(r, list->items[i]);
        if (ref)
            out->rules[out->nrules++] = ref;
    }
}

static void read_rules(sg_attr_reader *r, const sg_node *fkey, const sg_node *fmap, sg_filter *out)
{
    sg_attr_entry e = sg_attr_find(fmap, "rules");
    if (!e.key) {
        ERR(r, SIGMA_DIAG_BAD_FILTER, fkey->pos,
            "filter has no 'rules' (use 'rules: any' for every rule of the logsource)");
        return;
    }
    const sg_node *v = e.val;
    if (v->kind == SG_NODE_SEQ) {
        read_rule_list(r, v, out);
    } else if (v->kind == SG_NODE_SCALAR && v->type != SG_SCALAR_NULL) {
        if (sg_attr_eq_nocase(v->text, v->text_len, "any")) {
            out->any = 1;
        } else if ((out->rules = sg_arena_alloc(r->arena, sizeof *out->rules)) != NULL) {
            const char *ref = rule_ref(r, v);
            if (ref)
                out->rules[out->nrules++] = ref;
        } else {
            r->oom = 1;
        }
    } else {
        ERR(r, SIGMA_DIAG_BAD_FILTER, e.key->pos,
            "filter 'rules' must be 'any', a rule id or name, or a list of them");
    }
}

/* The filter's identifiers and condition, lowered on their own (without `rules`). */
static void lower_filter(sg_attr_reader *r, const sg_node *fkey, const sg_node *fmap,
                         const sg_lower_opts *opts, sg_filter *out)
{
    sg_attr_entry c = sg_attr_find(fmap, "condition");
    if (!c.key) {
        ERR(r, SIGMA_DIAG_BAD_FILTER, fkey->pos, "filter has no 'condition'");
        return;
    }
    if (c.val->kind != SG_NODE_SCALAR || c.val->type == SG_SCALAR_NULL) {
        ERR(r, SIGMA_DIAG_BAD_FILTER, c.val->kind == SG_NODE_SCALAR ? c.key->pos : c.val->pos,
            "a filter condition must be one string");
        return;
    }
    sg_node *det = sg_map_without(r->arena, fmap, "rules");
    if (!det) {
        r->oom = 1;
        return;
    }
    int rc = opts ? sg_detection_lower_ex(det, opts, r->diags, &out->ir)
                  : sg_detection_lower(det, r->diags, &out->ir);
    if (rc < 0)
        r->oom = 1;
    else if (rc > 0)
        r->errors++;
}

int sg_filter_read_ex(const sg_node *root, const sg_lower_opts *opts, sg_arena *arena,
                      sg_diag_ctx *diags, sg_filter *out)
{
    sg_attr_reader r = {arena, diags, 0, 0};
    memset(out, 0, sizeof *out);
    if (!root || root->kind != SG_NODE_MAP) {
        ERR(&r, SIGMA_DIAG_NOT_A_MAP, root ? root->pos : SG_POS_UNKNOWN,
            "a filter document must be a map of attributes");
        return sg_attr_result(&r);
    }
    out->pos = root->pos;
    read_meta(&r, root, out);
    read_logsource(&r, root, out);
    const sg_node *fmap = sg_attr_required_map(&r, root, "filter", SIGMA_DIAG_BAD_FILTER);
    if (fmap) {
        const sg_node *fkey = sg_attr_find(root, "filter").key;
        read_rules(&r, fkey, fmap, out);
        lower_filter(&r, fkey, fmap, opts, out);
    }
    return sg_attr_result(&r);
}

int sg_filter_read(const sg_node *root, sg_arena *arena, sg_diag_ctx *diags, sg_filter *out)
{
    return sg_filter_read_ex(root, NULL, arena, diags, out);
}

void sg_filter_free(sg_filter *f)
{
    if (f)
        sg_rule_ir_free(&f->ir);
}

/* A logsource field set in the filter must equal the rule's (exactly); unset = any. */
static int ls_fits(const char *want, const char *have)
{
    return !want || (have && strcmp(want, have) == 0);
}

/* A reference names the rule when it equals its name, or its id (UUIDs in any case). */
static int names_rule(const char *ref, const char *id, const char *name)
{
    if (name && strcmp(ref, name) == 0)
        return 1;
    if (!id)
        return 0;
    size_t n = strlen(ref);
    if (n == strlen(id) && sg_is_uuid(ref, n) && sg_is_uuid(id, n)) {
        for (size_t i = 0; i < n; i++)
            if ((ref[i] | 0x20) != (id[i] | 0x20)) /* hex digits and '-' only */
                return 0;
        return 1;
    }
    return strcmp(ref, id) == 0;
}

int sg_filter_applies(const sg_filter *f, const char *product, const char *category,
                      const char *service, const char *id, const char *name)
{
    if (!ls_fits(f->ls_product, product) || !ls_fits(f->ls_category, category) ||
        !ls_fits(f->ls_service, service))
        return 0;
    if (f->any)
        return 1;
    for (size_t i = 0; i < f->nrules; i++)
        if (names_rule(f->rules[i], id, name))
            return 1;
    return 0;
}
