/* Legacy action documents (sigma-semantics.md §1.3): `action: global / reset / repeat`
 * resolved into the list of documents to load.
 *
 * Choices (pySigma's SigmaCollection.from_dicts is the reference):
 *  - a rule is deep-merged with the template and the TEMPLATE wins on conflicts
 *    (pySigma: deep_dict_update(rule, global)); the rule's keys keep their order, the
 *    template-only keys follow in the template's order;
 *  - a later `global` replaces the template (it does not accumulate);
 *  - `repeat` merges the document into the previously emitted (already merged) document
 *    and the REPEAT document wins on conflicts (pySigma: deep_dict_update(prev, repeat));
 *    the template is not applied a second time (the previous document already has it).
 *    Right after a `global`, the "previous document" is the template itself, as in pySigma
 *    (which sets prev_rule = global_rule); unlike pySigma the template is not modified by
 *    such a repeat. A `repeat` with nothing before it is an error (pySigma crashes);
 *  - `action:` with a null value counts as no action (pySigma: rule.get("action") is None),
 *    so the document is a rule;
 *  - correlation and filter documents are never merged with the template; they still
 *    become the "previous document" of a following repeat (pySigma sets prev_rule for
 *    every document without action). */
#include "model/collection.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/attrs.h"

typedef struct resolver {
    sg_arena *arena;
    sg_diag_ctx *diags;
    sg_node *template; /* current `global` template (without `action`), or NULL */
    sg_node *prev;     /* the previously emitted document, or the template after a global */
    sg_doc_ref *out;
    size_t n;
    size_t bad;
    int action_error;
    int oom;
} resolver;

/* ---- deep merge ----------------------------------------------------------------------------- */

typedef struct key_ref {
    const sg_node *key;
    size_t idx;
} key_ref;

static int is_text_key(const sg_node *k)
{
    return k && k->kind == SG_NODE_SCALAR && k->text;
}

static int key_order(const sg_node *a, const sg_node *b)
{
    if (a->text_len != b->text_len)
        return a->text_len < b->text_len ? -1 : 1;
    return memcmp(a->text, b->text, a->text_len);
}

static int key_ref_cmp(const void *x, const void *y)
{
    const key_ref *a = x, *b = y;
    int c = key_order(a->key, b->key);
    if (c)
        return c;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int key_find_cmp(const void *k, const void *ref)
{
    return key_order(k, ((const key_ref *)ref)->key);
}

/* Index of `map`'s text keys, sorted for binary search (so merging two maps with many
 * keys stays n log n). Returns the number of entries, or SIZE_MAX when out of memory. */
static size_t index_keys(const sg_node *map, key_ref **out)
{
    *out = NULL;
    if (map->count == 0)
        return 0;
    key_ref *idx = malloc(map->count * sizeof *idx);
    if (!idx)
        return SIZE_MAX;
    size_t n = 0;
    for (size_t i = 0; i < map->count; i++)
        if (is_text_key(map->keys[i]))
            idx[n++] = (key_ref){map->keys[i], i};
    qsort(idx, n, sizeof *idx, key_ref_cmp);
    *out = idx;
    return n;
}

static sg_node *new_map_like(resolver *r, const sg_node *model, size_t cap)
{
    sg_node *m = sg_arena_alloc(r->arena, sizeof *m);
    if (!m || cap > SIZE_MAX / sizeof *m->keys)
        return NULL;
    *m = *model;
    m->count = 0;
    m->keys = sg_arena_alloc(r->arena, (cap ? cap : 1) * sizeof *m->keys);
    m->items = sg_arena_alloc(r->arena, (cap ? cap : 1) * sizeof *m->items);
    return m->keys && m->items ? m : NULL;
}

static sg_node *merge(resolver *r, sg_node *base, sg_node *over);

/* The merged value of one key present in both maps: maps merge, otherwise `over` wins. */
static sg_node *merge_value(resolver *r, sg_node *base, sg_node *over)
{
    if (base->kind == SG_NODE_MAP && over->kind == SG_NODE_MAP)
        return merge(r, base, over);
    return over;
}

/* Fills m with base's entries (values merged with over's where over has the key), then
 * over's other entries. used[j] marks over's entries taken. 0 ok, -1 no memory. */
static int merge_entries(resolver *r, sg_node *m, sg_node *base, sg_node *over, const key_ref *idx,
                         size_t nidx, unsigned char *used)
{
    for (size_t i = 0; i < base->count; i++) {
        sg_node *v = base->items[i];
        const key_ref *hit = NULL;
        if (nidx && is_text_key(base->keys[i]))
            hit = bsearch(base->keys[i], idx, nidx, sizeof *idx, key_find_cmp);
        if (hit) {
            used[hit->idx] = 1;
            if (!(v = merge_value(r, v, over->items[hit->idx])))
                return -1;
        }
        m->keys[m->count] = base->keys[i];
        m->items[m->count++] = v;
    }
    for (size_t j = 0; j < over->count; j++) {
        if (used[j])
            continue;
        m->keys[m->count] = over->keys[j];
        m->items[m->count++] = over->items[j];
    }
    return 0;
}

/* A new map: base's keys first (in base's order), then the keys only `over` has; `over`
 * wins on conflicts, maps on both sides merge recursively. NULL when out of memory. */
static sg_node *merge(resolver *r, sg_node *base, sg_node *over)
{
    key_ref *idx = NULL;
    size_t nidx = index_keys(over, &idx);
    unsigned char *used = over->count ? calloc(over->count, 1) : NULL;
    sg_node *m = NULL;
    if (nidx != SIZE_MAX && (used || !over->count) && base->count <= SIZE_MAX - over->count)
        m = new_map_like(r, base, base->count + over->count);
    if (m && merge_entries(r, m, base, over, idx, nidx, used) != 0)
        m = NULL;
    free(idx);
    free(used);
    if (!m)
        r->oom = 1;
    return m;
}

/* ---- documents ------------------------------------------------------------------------------ */

static void emit(resolver *r, sg_node *root, const sg_yaml_doc *src)
{
    r->out[r->n].root = root;
    r->out[r->n].src = src;
    r->n++;
    r->prev = root;
}

/* An action document was rejected; rc is sg_error's result. */
static void action_failed(resolver *r, int rc)
{
    if (rc < 0)
        r->oom = 1;
    r->action_error = 1;
    r->bad++;
}
#define ACTION_ERR(r, at, ...)                                                                     \
    action_failed((r),                                                                             \
                  sg_error((r)->diags, SIGMA_DIAG_UNSUPPORTED_DOCUMENT, (at)->pos, __VA_ARGS__))

static void do_repeat(resolver *r, sg_node *root, const sg_node *action, const sg_yaml_doc *src)
{
    if (!r->prev) {
        ACTION_ERR(r, action, "'action: repeat' without a previous document to repeat");
        return;
    }
    sg_node *doc = sg_map_without(r->arena, root, "action");
    sg_node *merged = doc ? merge(r, r->prev, doc) : NULL;
    if (!merged) {
        r->oom = 1;
        return;
    }
    emit(r, merged, src);
}

static void do_action(resolver *r, sg_node *root, const sg_node *action, const sg_yaml_doc *src)
{
    int scalar = action->kind == SG_NODE_SCALAR;
    if (scalar && strcmp(action->text, "global") == 0) {
        if (!(r->template = sg_map_without(r->arena, root, "action")))
            r->oom = 1;
        r->prev = r->template;
    } else if (scalar && strcmp(action->text, "reset") == 0) {
        r->template = NULL;
    } else if (scalar && strcmp(action->text, "repeat") == 0) {
        do_repeat(r, root, action, src);
    } else if (scalar) {
        ACTION_ERR(r, action, "unknown collection action '%.*s' (expected global, reset or repeat)",
                   SG_ATTR_QUOTED(action));
    } else {
        ACTION_ERR(r, action, "'action' must be global, reset or repeat, not %s",
                   sg_attr_kind_name(action));
    }
}

static void do_document(resolver *r, const sg_yaml_doc *d)
{
    sg_node *root = d->root;
    if (root->kind != SG_NODE_MAP) { /* the document reader reports it */
        r->out[r->n].root = root;
        r->out[r->n++].src = d;
        return;
    }
    const sg_node *action = sg_map_get(root, "action");
    if (action && !sg_attr_is_null(action)) {
        do_action(r, root, action, d);
        return;
    }
    if (!r->template || sg_map_get(root, "correlation") || sg_map_get(root, "filter")) {
        emit(r, root, d);
        return;
    }
    sg_node *merged = merge(r, root, r->template);
    if (merged)
        emit(r, merged, d);
}

int sg_collection_resolve(const sg_yaml_file *f, sg_arena *arena, sg_diag_ctx *diags,
                          sg_doc_ref **out, size_t *n, size_t *bad_docs)
{
    resolver r = {arena, diags, NULL, NULL, NULL, 0, 0, 0, 0};
    *out = NULL;
    *n = 0;
    *bad_docs = 0;
    size_t cap = f->doc_count ? f->doc_count : 1;
    if (cap > SIZE_MAX / sizeof *r.out || !(r.out = sg_arena_alloc(arena, cap * sizeof *r.out)))
        return -1;
    for (size_t i = 0; i < f->doc_count && !r.oom; i++) {
        const sg_yaml_doc *d = &f->docs[i];
        if (d->bad)
            r.bad++;
        else if (d->root)
            do_document(&r, d);
    }
    if (r.oom)
        return -1;
    *out = r.out;
    *n = r.n;
    *bad_docs = r.bad;
    return r.action_error ? 1 : 0;
}
