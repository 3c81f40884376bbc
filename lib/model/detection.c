/* Lowering the detection section (sigma-semantics.md §2, §4) into an expression tree
 * over predicate descriptors. Maps are AND, value lists OR (AND with `all`), lists of
 * maps OR, plain scalars and scalar lists are keyword searches. */
#include "model/detection.h"
#include "model/lower.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condition/condition.h"
#include "introspect/introspect.h"
#include "match/regex.h"
#include "model/modifiers.h"
#include "util/vec.h"

/* ----------------------------------------------------------- expr building */

sg_expr *sg_new_expr(lower_ctx *c, sg_expr_kind kind, size_t nkids)
{
    sg_expr *e = sg_arena_alloc(&c->ir->arena, sizeof *e);
    if (e && nkids)
        e->kids = sg_arena_alloc(&c->ir->arena, nkids * sizeof *e->kids);
    if (!e || (nkids && !e->kids)) {
        c->oom = 1;
        return NULL;
    }
    e->kind = kind;
    e->n = nkids;
    return e;
}

sg_expr *sg_new_not(lower_ctx *c, sg_expr *a)
{
    if (!a)
        return NULL;
    sg_expr *e = sg_new_expr(c, SG_X_NOT, 1);
    if (e)
        e->kids[0] = a;
    return e;
}

static sg_expr *new_binary(lower_ctx *c, sg_expr_kind kind, sg_expr *a, sg_expr *b)
{
    if (!a || !b)
        return NULL;
    sg_expr *e = sg_new_expr(c, kind, 2);
    if (e) {
        e->kids[0] = a;
        e->kids[1] = b;
    }
    return e;
}

/* Appends a predicate and returns a leaf for it; takes ownership of d->pat. */
sg_expr *sg_add_pred(lower_ctx *c, sg_pred_desc *d)
{
    sg_rule_ir *ir = c->ir;
    if (SG_PUSH(ir->preds, ir->npreds, ir->preds_cap, *d) != 0) {
        sg_pattern_free(&d->pat);
        c->oom = 1;
        return NULL;
    }
    sg_expr *e = sg_new_expr(c, SG_X_PRED, 0);
    if (e)
        e->pred = (uint32_t)(ir->npreds - 1);
    return e;
}

/* Operator kind (SIGMA_PRED_*) of a modifier chain, for introspection. */
static uint32_t item_kind(const sg_chain *ch)
{
    static const struct {
        sg_mod mod;
        uint32_t kind;
    } order[] = {{SG_MOD_EXISTS, SIGMA_PRED_EXISTS},
                 {SG_MOD_FIELDREF, SIGMA_PRED_FIELDREF},
                 {SG_MOD_RE, SIGMA_PRED_RE},
                 {SG_MOD_CIDR, SIGMA_PRED_CIDR},
                 {SG_MOD_GT, SIGMA_PRED_GT},
                 {SG_MOD_GTE, SIGMA_PRED_GTE},
                 {SG_MOD_LT, SIGMA_PRED_LT},
                 {SG_MOD_LTE, SIGMA_PRED_LTE},
                 {SG_MOD_MINUTE, SIGMA_PRED_TIMEPART},
                 {SG_MOD_HOUR, SIGMA_PRED_TIMEPART},
                 {SG_MOD_DAY, SIGMA_PRED_TIMEPART},
                 {SG_MOD_WEEK, SIGMA_PRED_TIMEPART},
                 {SG_MOD_MONTH, SIGMA_PRED_TIMEPART},
                 {SG_MOD_YEAR, SIGMA_PRED_TIMEPART},
                 {SG_MOD_CONTAINS, SIGMA_PRED_CONTAINS},
                 {SG_MOD_STARTSWITH, SIGMA_PRED_STARTSWITH},
                 {SG_MOD_ENDSWITH, SIGMA_PRED_ENDSWITH}};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (sg_has_mod(ch, order[i].mod))
            return order[i].kind;
    return ch->field ? SIGMA_PRED_EQUALS : SIGMA_PRED_KEYWORD;
}

/* Keeps an item as written for introspection (the YAML tree does not outlive the IR,
 * so the texts are copied). A null value is kept as "null". */
static void record_item(lower_ctx *c, const char *keytext, size_t keylen, const sg_chain *ch,
                        const sg_node *const *vals, size_t n, sg_expr **value_exprs, sg_expr *e,
                        uint32_t kind)
{
    if (c->opts && c->opts->no_items)
        return;
    sg_arena *a = &c->ir->arena;
    sg_ir_item it;
    memset(&it, 0, sizeof it);
    it.ident = c->ident;
    it.group = c->group;
    it.field = ch->field;
    const char *bar = memchr(keytext, '|', keylen);
    it.mods = bar ? sg_arena_strndup(a, bar, keylen - (size_t)(bar - keytext)) : "";
    it.kind = kind;
    it.all = sg_has_mod(ch, SG_MOD_ALL);
    it.negated = sg_has_mod(ch, SG_MOD_NEQ);
    it.cased = sg_has_mod(ch, SG_MOD_CASED) || kind == SIGMA_PRED_RE;
    it.nvalues = n;
    it.values = sg_arena_alloc(a, (n + 1) * sizeof *it.values);
    it.value_lens = sg_arena_alloc(a, (n + 1) * sizeof *it.value_lens);
    it.value_exprs = value_exprs;
    it.expr = e;
    if (!it.mods || !it.values || !it.value_lens) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const sg_node *v = vals[i];
        const char *t = v->text ? v->text : "";
        size_t len = v->text ? v->text_len : 0;
        if (v->kind == SG_NODE_SCALAR && v->type == SG_SCALAR_NULL) {
            t = "null";
            len = 4;
        }
        it.values[i] = sg_arena_strndup(a, t, len);
        it.value_lens[i] = len;
        if (!it.values[i]) {
            c->oom = 1;
            return;
        }
    }
    if (SG_PUSH(c->ir->items, c->ir->nitems, c->ir->items_cap, it) != 0)
        c->oom = 1;
}

/* A detection item: field (with modifiers) and a scalar or a list of values. */
static sg_expr *lower_item(lower_ctx *c, const sg_node *key, const char *keytext, size_t keylen,
                           const sg_node *value)
{
    sg_chain ch;
    if (sg_chain_parse(keytext, keylen, key ? key->pos : value->pos, c->diags, &ch) != 0) {
        c->bad = 1;
        return NULL;
    }
    if (ch.field) { /* the IR outlives the YAML tree the key text points into */
        ch.field = sg_arena_strndup(&c->ir->arena, ch.field, ch.field_len);
        if (!ch.field) {
            c->oom = 1;
            return NULL;
        }
    }
    if (sg_has_mod(&ch, SG_MOD_EXISTS)) {
        sg_expr *x = sg_lower_exists(c, &ch, value);
        sg_expr **vx = sg_arena_alloc(&c->ir->arena, sizeof *vx);
        if (x && vx) {
            vx[0] = x;
            record_item(c, keytext, keylen, &ch, &value, 1, vx, x, SIGMA_PRED_EXISTS);
        }
        return x;
    }
    if (value->kind == SG_NODE_MAP) {
        sg_error(c->diags, SIGMA_DIAG_BAD_VALUE_TYPE, value->pos,
                 "the value of '%.*s' must be a scalar or a list, not a map", (int)keylen, keytext);
        c->bad = 1;
        return NULL;
    }
    const sg_node *const *vals = (const sg_node *const *)&value;
    size_t n = 1;
    if (value->kind == SG_NODE_SEQ) {
        vals = (const sg_node *const *)value->items;
        n = value->count;
    }
    if (n == 0) {
        /* pySigma reads an empty list as a null test; keep that, but say so. */
        sg_warn(c->diags, SIGMA_DIAG_EMPTY_VALUE_LIST, value->pos,
                "empty value list for '%.*s' is read as a null test", (int)keylen, keytext);
        if (!ch.field) {
            sg_error(c->diags, SIGMA_DIAG_EMPTY_VALUE_LIST, value->pos, "empty keyword list");
            c->bad = 1;
            return NULL;
        }
        sg_pred_desc d = {
            .field = ch.field, .field_len = ch.field_len, .op = SG_OP_NULL, .pos = value->pos};
        sg_expr *e = sg_add_pred(c, &d);
        e = sg_has_mod(&ch, SG_MOD_NEQ) ? sg_new_not(c, e) : e;
        if (e)
            record_item(c, keytext, keylen, &ch, NULL, 0, NULL, e, SIGMA_PRED_NULL);
        return e;
    }
    int all = sg_has_mod(&ch, SG_MOD_ALL);
    if (all && n == 1)
        sg_warn(c->diags, SIGMA_DIAG_ALL_SINGLE_VALUE, value->pos,
                "modifier 'all' with a single value has no effect");
    sg_expr *e = sg_new_expr(c, all ? SG_X_AND : SG_X_OR, n);
    if (!e)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        e->kids[i] = sg_lower_value(c, &ch, vals[i]);
        if (!e->kids[i])
            return NULL;
    }
    sg_expr *item = sg_has_mod(&ch, SG_MOD_NEQ) ? sg_new_not(c, e) : e;
    if (item) {
        /* A single null value is a null test whatever the modifiers say. */
        uint32_t kind = item_kind(&ch);
        if (n == 1 && vals[0]->kind == SG_NODE_SCALAR && vals[0]->type == SG_SCALAR_NULL &&
            ch.field)
            kind = SIGMA_PRED_NULL;
        record_item(c, keytext, keylen, &ch, vals, n, e->kids, item, kind);
    }
    return item;
}

/* --------------------------------------------------------- definitions */

static sg_expr *lower_map(lower_ctx *c, const sg_node *map)
{
    if (map->count == 0) {
        sg_error(c->diags, SIGMA_DIAG_BAD_DETECTION, map->pos,
                 "empty map as a search identifier definition");
        c->bad = 1;
        return NULL;
    }
    sg_expr *e = sg_new_expr(c, SG_X_AND, map->count);
    if (!e)
        return NULL;
    int ok = 1;
    for (size_t i = 0; i < map->count; i++) {
        const sg_node *k = map->keys[i];
        e->kids[i] = lower_item(c, k, k->text, k->text_len, map->items[i]);
        ok &= e->kids[i] != NULL;
    }
    return ok ? e : NULL;
}

static sg_expr *lower_definition(lower_ctx *c, const sg_node *def, int depth);

static sg_expr *lower_list(lower_ctx *c, const sg_node *seq, int depth)
{
    if (seq->count == 0) {
        sg_error(c->diags, SIGMA_DIAG_BAD_DETECTION, seq->pos,
                 "empty list as a search identifier definition");
        c->bad = 1;
        return NULL;
    }
    int scalars = 1;
    for (size_t i = 0; i < seq->count; i++)
        scalars &= seq->items[i]->kind == SG_NODE_SCALAR;
    if (scalars)
        return lower_item(c, NULL, "", 0, seq); /* a keyword list: OR */
    sg_expr *e = sg_new_expr(c, SG_X_OR, seq->count);
    if (!e)
        return NULL;
    int ok = 1;
    for (size_t i = 0; i < seq->count; i++) {
        if (depth == 0)
            c->group = (uint32_t)i;
        e->kids[i] = lower_definition(c, seq->items[i], depth + 1);
        ok &= e->kids[i] != NULL;
    }
    return ok ? e : NULL;
}

static sg_expr *lower_definition(lower_ctx *c, const sg_node *def, int depth)
{
    if (depth > 32) {
        sg_error(c->diags, SIGMA_DIAG_BAD_DETECTION, def->pos,
                 "search identifier nested too deeply");
        c->bad = 1;
        return NULL;
    }
    switch (def->kind) {
    case SG_NODE_MAP:
        return lower_map(c, def);
    case SG_NODE_SEQ:
        return lower_list(c, def, depth);
    case SG_NODE_SCALAR:
        if (def->type == SG_SCALAR_NULL) {
            sg_error(c->diags, SIGMA_DIAG_BAD_DETECTION, def->pos,
                     "search identifier has no definition (null)");
            c->bad = 1;
            return NULL;
        }
        return lower_item(c, NULL, "", 0, def);
    }
    return NULL;
}

/* ----------------------------------------------------------- condition */

typedef struct ident_table {
    const char **names;
    sg_expr **exprs;
    size_t n;
} ident_table;

static sg_expr *cond_to_expr(lower_ctx *c, const sg_cond *k, const ident_table *t)
{
    switch (k->kind) {
    case SG_COND_IDENT:
        return t->exprs[k->ident];
    case SG_COND_AND:
        return new_binary(c, SG_X_AND, cond_to_expr(c, k->a, t), cond_to_expr(c, k->b, t));
    case SG_COND_OR:
        return new_binary(c, SG_X_OR, cond_to_expr(c, k->a, t), cond_to_expr(c, k->b, t));
    case SG_COND_NOT:
        return sg_new_not(c, cond_to_expr(c, k->a, t));
    case SG_COND_ONE_OF:
    case SG_COND_ALL_OF: {
        sg_expr *e = sg_new_expr(c, k->kind == SG_COND_ALL_OF ? SG_X_AND : SG_X_OR, k->n);
        if (!e)
            return NULL;
        for (size_t i = 0; i < k->n; i++)
            e->kids[i] = t->exprs[k->idents[i]];
        return e;
    }
    }
    return NULL;
}

static sg_expr *lower_one_condition(lower_ctx *c, const sg_node *cn, const ident_table *t)
{
    if (cn->kind != SG_NODE_SCALAR || cn->type == SG_SCALAR_NULL) {
        sg_error(c->diags, SIGMA_DIAG_CONDITION_TYPE, cn->pos, "a condition must be a string");
        c->bad = 1;
        return NULL;
    }
    sg_cond *tree = NULL;
    sg_cond_error err;
    int rc = sg_cond_parse(cn->text, cn->text_len, t->names, t->n, &c->ir->arena, &tree, &err);
    if (rc < 0) {
        c->oom = 1;
        return NULL;
    }
    if (rc > 0) {
        /* Exact for plain and quoted one-line conditions, the usual case. */
        sg_pos p = sg_scalar_text_pos(cn, err.offset);
        sg_error(c->diags, sg_cond_diag_code(err.kind), p, "condition: %s", err.message);
        c->bad = 1;
        return NULL;
    }
    return cond_to_expr(c, tree, t);
}

static sg_expr *lower_condition(lower_ctx *c, const sg_node *cn, const ident_table *t)
{
    if (cn->kind != SG_NODE_SEQ)
        return lower_one_condition(c, cn, t);
    if (cn->count == 0) {
        sg_error(c->diags, SIGMA_DIAG_CONDITION_TYPE, cn->pos, "empty condition list");
        c->bad = 1;
        return NULL;
    }
    /* A list of conditions is their OR (§5.3). */
    sg_expr *e = sg_new_expr(c, SG_X_OR, cn->count);
    if (!e)
        return NULL;
    int ok = 1;
    for (size_t i = 0; i < cn->count; i++) {
        e->kids[i] = lower_one_condition(c, cn->items[i], t);
        ok &= e->kids[i] != NULL;
    }
    return ok ? e : NULL;
}

/* ------------------------------------------------------------- entry point */

/* The condition as written (a list joined with newlines), for introspection. */
static const char *condition_text(sg_arena *a, const sg_node *cn)
{
    if (cn->kind == SG_NODE_SCALAR)
        return sg_arena_strndup(a, cn->text ? cn->text : "", cn->text ? cn->text_len : 0);
    if (cn->kind != SG_NODE_SEQ)
        return "";
    size_t len = 0;
    for (size_t i = 0; i < cn->count; i++)
        len += (cn->items[i]->text ? cn->items[i]->text_len : 0) + 1;
    char *s = sg_arena_alloc(a, len + 1);
    if (!s)
        return NULL;
    size_t at = 0;
    for (size_t i = 0; i < cn->count; i++) {
        const sg_node *k = cn->items[i];
        if (i)
            s[at++] = '\n';
        if (k->text) {
            memcpy(s + at, k->text, k->text_len);
            at += k->text_len;
        }
    }
    s[at] = 0;
    return s;
}

int sg_detection_lower(const sg_node *detection, sg_diag_ctx *diags, sg_rule_ir *ir)
{
    static const sg_lower_opts defaults = {NULL, 4096};
    return sg_detection_lower_ex(detection, &defaults, diags, ir);
}

int sg_detection_lower_ex(const sg_node *detection, const sg_lower_opts *opts, sg_diag_ctx *diags,
                          sg_rule_ir *ir)
{
    lower_ctx c = {diags, ir, opts, 0, 0};
    const sg_node *cond = NULL;
    size_t n = detection->count;
    ident_table t = {0};
    t.names = sg_arena_alloc(&ir->arena, (n + 1) * sizeof *t.names);
    t.exprs = sg_arena_alloc(&ir->arena, (n + 1) * sizeof *t.exprs);
    if (!t.names || !t.exprs)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const sg_node *k = detection->keys[i];
        if (strcmp(k->text, "condition") == 0) {
            cond = detection->items[i];
            continue;
        }
        if (strcmp(k->text, "timeframe") == 0)
            continue; /* legacy v1 aggregation window; only meaningful with a pipe */
        c.ident = (uint32_t)t.n;
        c.group = 0;
        sg_expr *e = lower_definition(&c, detection->items[i], 0);
        if (c.oom)
            return -1;
        t.names[t.n] = k->text;
        t.exprs[t.n] = e;
        t.n++;
    }
    if (!cond) {
        sg_error(diags, SIGMA_DIAG_MISSING_ATTRIBUTE, detection->pos,
                 "detection has no 'condition'");
        return 1;
    }
    /* The condition is checked even when identifiers had errors, so that every
     * problem of the rule is reported at once. */
    ir->root = lower_condition(&c, cond, &t);
    /* The names point into the YAML tree, which the IR outlives. */
    ir->ident_names = sg_arena_alloc(&ir->arena, (t.n + 1) * sizeof *ir->ident_names);
    for (size_t i = 0; ir->ident_names && i < t.n; i++)
        if (!(ir->ident_names[i] = sg_arena_strndup(&ir->arena, t.names[i], strlen(t.names[i]))))
            c.oom = 1;
    c.oom |= ir->ident_names == NULL;
    ir->ident_exprs = t.exprs;
    ir->nidents = t.n;
    ir->condition = condition_text(&ir->arena, cond);
    if (c.oom || !ir->condition)
        return -1;
    return c.bad || !ir->root ? 1 : 0;
}

void sg_rule_ir_free(sg_rule_ir *ir)
{
    for (size_t i = 0; i < ir->npreds; i++)
        sg_pattern_free(&ir->preds[i].pat);
    free(ir->preds);
    free(ir->items);
    sg_rule_doc_unref(ir->doc);
    sg_arena_free(&ir->arena);
    memset(ir, 0, sizeof *ir);
}
