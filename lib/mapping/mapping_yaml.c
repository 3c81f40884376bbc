/* Loading a log source mapping from YAML (format: docs/mapping.md).
 *
 *   mappings:
 *     - logsource: {product: windows, category: process_creation}
 *       when: {Channel: Security, EventID: 4688}
 *       fields: {Image: NewProcessName}
 *       coverage: [{provider: Microsoft-Windows-Security-Auditing, event_id: 4688, title: ...}]
 *
 * Every problem is an error (SIGMA_DIAG_BAD_MAPPING) at the offending node; an entry
 * with an error is skipped as a whole (a half-read `when` would widen routing), the
 * other entries are kept. Unknown keys are errors for the same reason. */
#include "mapping/mapping.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/yaml_tree.h"
#include "util/vec.h"

enum { SHOWN = 64 }; /* bytes of a key or value quoted in a message */

typedef struct loader {
    sg_mapping *m;
    sg_diag_ctx *dc;
    size_t bad; /* errors reported for the entry being read */
    int oom;
} loader;

#define BAD(ld, node, ...)                                                                         \
    ((ld)->bad++, (void)sg_error((ld)->dc, SIGMA_DIAG_BAD_MAPPING, (node)->pos, __VA_ARGS__))

static const char *kind_name(const sg_node *n)
{
    if (n->kind == SG_NODE_MAP)
        return "a map";
    if (n->kind == SG_NODE_SEQ)
        return "a list";
    switch (n->type) {
    case SG_SCALAR_NULL:
        return "null";
    case SG_SCALAR_INT:
    case SG_SCALAR_FLOAT:
        return "a number";
    case SG_SCALAR_BOOL:
        return "a boolean";
    case SG_SCALAR_DATE:
        return "a date";
    default:
        return "a string";
    }
}

static const char *copy(loader *ld, const char *s, size_t len)
{
    char *p = sg_arena_strndup(&ld->m->arena, s, len);
    if (!p)
        ld->oom = 1;
    return p;
}

static void *alloc_array(loader *ld, size_t n, size_t elem)
{
    void *p = sg_arena_alloc(&ld->m->arena, (n ? n : 1) * elem);
    if (!p)
        ld->oom = 1;
    return p;
}

/* A string that names something (a logsource attribute, a provider, a title):
 * a non-empty string scalar, copied; NULL after reporting otherwise. */
static const char *name_value(loader *ld, const sg_node *v, const char *what)
{
    if (v->kind != SG_NODE_SCALAR || v->type != SG_SCALAR_STR) {
        BAD(ld, v, "%s must be a string, not %s", what, kind_name(v));
        return NULL;
    }
    if (v->text_len == 0) {
        BAD(ld, v, "%s must not be empty", what);
        return NULL;
    }
    return copy(ld, v->text, v->text_len);
}

/* A field name (a map key or an event field): any non-null, non-empty scalar, as
 * written. */
static const char *field_name(loader *ld, const sg_node *n, const char *what)
{
    if (n->kind != SG_NODE_SCALAR || n->type == SG_SCALAR_NULL || n->text_len == 0) {
        BAD(ld, n, "%s must be a non-empty field name, not %s", what,
            n->kind == SG_NODE_SCALAR && n->type != SG_SCALAR_NULL ? "an empty string"
                                                                   : kind_name(n));
        return NULL;
    }
    return copy(ld, n->text, n->text_len);
}

/* A value in `when`: numbers become their decimal text (0x10 -> "16"), other
 * scalars stay as written; null, lists and maps are errors. */
static const char *cond_value(loader *ld, const sg_node *v, const char *field)
{
    if (v->kind != SG_NODE_SCALAR || v->type == SG_SCALAR_NULL) {
        BAD(ld, v, "the value of condition '%.*s' must be a string or a number, not %s", SHOWN,
            field, kind_name(v));
        return NULL;
    }
    if (v->type == SG_SCALAR_INT) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%" PRId64, v->ival);
        return copy(ld, buf, (size_t)n);
    }
    return copy(ld, v->text, v->text_len);
}

/* Reports the keys of `map` that are not in the NULL-terminated list `known`. */
static void check_keys(loader *ld, const sg_node *map, const char *const *known, const char *where)
{
    for (size_t i = 0; i < map->count; i++) {
        const sg_node *k = map->keys[i];
        size_t j = 0;
        while (known[j] && strcmp(known[j], k->text) != 0)
            j++;
        if (!known[j])
            BAD(ld, k, "unknown key '%.*s' in %s", SHOWN, k->text, where);
    }
}

/* ------------------------------------------------------------------ the parts */

static void read_logsource(loader *ld, const sg_node *v, sg_map_entry *e)
{
    static const char *const known[] = {"product", "category", "service", NULL};
    if (v->kind != SG_NODE_MAP) {
        BAD(ld, v, "logsource must be a map of product, category and service, not %s",
            kind_name(v));
        return;
    }
    check_keys(ld, v, known, "logsource (product, category, service)");
    const sg_node *n;
    if ((n = sg_map_get(v, "product")) != NULL)
        e->product = name_value(ld, n, "logsource product");
    if ((n = sg_map_get(v, "category")) != NULL)
        e->category = name_value(ld, n, "logsource category");
    if ((n = sg_map_get(v, "service")) != NULL)
        e->service = name_value(ld, n, "logsource service");
    if (v->count == 0)
        BAD(ld, v, "logsource needs at least one of product, category, service");
}

static void read_when(loader *ld, const sg_node *v, sg_map_entry *e)
{
    if (v->kind != SG_NODE_MAP) {
        BAD(ld, v, "when must be a map of field: value (or [values]), not %s", kind_name(v));
        return;
    }
    if (v->count == 0) {
        BAD(ld, v,
            "when needs at least one condition (leave it out for an entry that "
            "classifies no events)");
        return;
    }
    e->conds = alloc_array(ld, v->count, sizeof *e->conds);
    if (!e->conds)
        return;
    for (size_t i = 0; i < v->count && !ld->oom; i++) {
        const sg_node *k = v->keys[i], *val = v->items[i];
        sg_map_cond *c = &e->conds[e->nconds++];
        c->field = field_name(ld, k, "a condition field");
        const char *shown = k->text ? k->text : "";
        if (val->kind == SG_NODE_SEQ) {
            if (val->count == 0) {
                BAD(ld, val, "condition '%.*s' has an empty list of values", SHOWN, shown);
                continue;
            }
            c->values = alloc_array(ld, val->count, sizeof *c->values);
            if (!c->values)
                return;
            for (size_t j = 0; j < val->count && !ld->oom; j++)
                c->values[c->nvalues++] = cond_value(ld, val->items[j], shown);
        } else {
            c->values = alloc_array(ld, 1, sizeof *c->values);
            if (!c->values)
                return;
            c->values[c->nvalues++] = cond_value(ld, val, shown);
        }
    }
}

static void read_fields(loader *ld, const sg_node *v, sg_map_entry *e)
{
    if (v->kind != SG_NODE_MAP) {
        BAD(ld, v, "fields must be a map of rule field: event field (or [alternatives]), not %s",
            kind_name(v));
        return;
    }
    e->renames = alloc_array(ld, v->count, sizeof *e->renames);
    if (!e->renames)
        return;
    for (size_t i = 0; i < v->count && !ld->oom; i++) {
        const sg_node *k = v->keys[i], *val = v->items[i];
        sg_map_rename *r = &e->renames[e->nrenames++];
        r->rule_field = field_name(ld, k, "a rule field");
        if (val->kind == SG_NODE_SEQ) {
            if (val->count == 0) {
                BAD(ld, val, "rule field '%.*s' has an empty list of event fields", SHOWN,
                    k->text ? k->text : "");
                continue;
            }
            r->event_fields = alloc_array(ld, val->count, sizeof *r->event_fields);
            if (!r->event_fields)
                return;
            for (size_t j = 0; j < val->count && !ld->oom; j++)
                r->event_fields[r->nevent_fields++] =
                    field_name(ld, val->items[j], "an event field");
        } else {
            r->event_fields = alloc_array(ld, 1, sizeof *r->event_fields);
            if (!r->event_fields)
                return;
            r->event_fields[r->nevent_fields++] = field_name(ld, val, "an event field");
        }
    }
}

static void read_coverage_row(loader *ld, const sg_node *v, sg_map_coverage *row)
{
    static const char *const known[] = {"provider", "event_id", "title", NULL};
    row->event_id = -1;
    if (v->kind != SG_NODE_MAP) {
        BAD(ld, v, "a coverage row must be a map of provider, event_id, title, not %s",
            kind_name(v));
        return;
    }
    if (v->count == 0) {
        BAD(ld, v, "a coverage row needs at least one of provider, event_id, title");
        return;
    }
    check_keys(ld, v, known, "a coverage row (provider, event_id, title)");
    const sg_node *n;
    if ((n = sg_map_get(v, "provider")) != NULL)
        row->provider = name_value(ld, n, "coverage provider");
    if ((n = sg_map_get(v, "title")) != NULL)
        row->title = name_value(ld, n, "coverage title");
    if ((n = sg_map_get(v, "event_id")) != NULL) {
        if (n->kind != SG_NODE_SCALAR || n->type != SG_SCALAR_INT || n->ival < 0)
            BAD(ld, n, "coverage event_id must be a non-negative integer, not %s",
                n->kind == SG_NODE_SCALAR && n->type == SG_SCALAR_INT ? "a negative number"
                                                                      : kind_name(n));
        else
            row->event_id = n->ival;
    }
}

static void read_coverage(loader *ld, const sg_node *v, sg_map_entry *e)
{
    if (v->kind != SG_NODE_SEQ) {
        BAD(ld, v, "coverage must be a list of {provider, event_id, title}, not %s", kind_name(v));
        return;
    }
    e->coverage = alloc_array(ld, v->count, sizeof *e->coverage);
    if (!e->coverage)
        return;
    for (size_t i = 0; i < v->count && !ld->oom; i++)
        read_coverage_row(ld, v->items[i], &e->coverage[e->ncoverage++]);
}

/* Reads one entry; appends it to the mapping when it has no error. */
static void read_entry(loader *ld, const sg_node *v)
{
    static const char *const known[] = {"logsource", "when", "fields", "coverage", NULL};
    ld->bad = 0;
    if (v->kind != SG_NODE_MAP) {
        BAD(ld, v, "a mapping entry must be a map (logsource, when, fields, coverage), not %s",
            kind_name(v));
        return;
    }
    sg_map_entry e;
    memset(&e, 0, sizeof e);
    e.pos = v->pos;
    check_keys(ld, v, known, "a mapping entry (logsource, when, fields, coverage)");
    const sg_node *ls = sg_map_get(v, "logsource"), *when = sg_map_get(v, "when");
    const sg_node *fields = sg_map_get(v, "fields"), *cov = sg_map_get(v, "coverage");
    if (!ls)
        BAD(ld, v, "a mapping entry needs a logsource");
    else
        read_logsource(ld, ls, &e);
    if (!when && !fields && !cov)
        BAD(ld, v, "a mapping entry needs when, fields or coverage");
    if (when && !ld->oom)
        read_when(ld, when, &e);
    if (fields && !ld->oom)
        read_fields(ld, fields, &e);
    if (cov && !ld->oom)
        read_coverage(ld, cov, &e);
    if (ld->oom || ld->bad)
        return;
    if (SG_PUSH(ld->m->entries, ld->m->n, ld->m->cap, e) != 0)
        ld->oom = 1;
}

/* ------------------------------------------------------------------ the document */

int sg_mapping_load_yaml(sg_mapping *m, const char *src, size_t len, sg_diag_ctx *diags)
{
    const sg_yaml_limits lim = {16u << 20, 64, 100000};
    const sg_pos start = {1, 1, 0};
    sg_diag_ctx quiet = {0};
    if (!diags)
        diags = &quiet;
    size_t errors_before = diags->errors;
    sg_yaml_file f;
    memset(&f, 0, sizeof f);
    if (sg_yaml_parse(src ? src : "", src ? len : 0, &lim, diags, &f) != 0) {
        sg_yaml_file_free(&f);
        return -1;
    }
    loader ld = {m, diags, 0, 0};
    const sg_node *root = f.doc_count ? f.docs[0].root : NULL;
    if (f.failed || (f.doc_count && f.docs[0].bad)) {
        sg_error(diags, SIGMA_DIAG_BAD_MAPPING, f.doc_count ? f.docs[0].start : start,
                 "mapping not loaded: fix the YAML errors first");
    } else if (!root) {
        sg_error(diags, SIGMA_DIAG_BAD_MAPPING, f.doc_count ? f.docs[0].start : start,
                 "empty mapping: expected a map with a 'mappings' list");
    } else if (root->kind != SG_NODE_MAP) {
        BAD(&ld, root, "a mapping file is a map with a 'mappings' list, not %s", kind_name(root));
    } else {
        static const char *const known[] = {"mappings", NULL};
        check_keys(&ld, root, known, "a mapping file (mappings)");
        const sg_node *list = sg_map_get(root, "mappings");
        if (!list)
            BAD(&ld, root, "a mapping file needs a 'mappings' list");
        else if (list->kind != SG_NODE_SEQ)
            BAD(&ld, list, "'mappings' must be a list of entries, not %s", kind_name(list));
        else
            for (size_t i = 0; i < list->count && !ld.oom; i++)
                read_entry(&ld, list->items[i]);
        if (f.doc_count > 1)
            sg_error(diags, SIGMA_DIAG_BAD_MAPPING, f.docs[1].start,
                     "a mapping file holds one YAML document (the others were ignored)");
    }
    sg_yaml_file_free(&f);
    if (ld.oom)
        return -1;
    return diags->errors > errors_before ? 1 : 0;
}

void sg_mapping_free(sg_mapping *m)
{
    if (!m)
        return;
    sg_arena_free(&m->arena);
    free(m->entries);
    memset(m, 0, sizeof *m);
}
