/* Lowering the detection section (sigma-semantics.md §2, §4) into an expression tree
 * over predicate descriptors. Maps are AND, value lists OR (AND with `all`), lists of
 * maps OR, plain scalars and scalar lists are keyword searches. */
#include "model/detection.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condition/condition.h"
#include "match/regex.h"
#include "model/modifiers.h"
#include "util/vec.h"

typedef struct lower_ctx {
    sg_diag_ctx *diags;
    sg_rule_ir *ir;
    int bad;
    int oom;
} lower_ctx;

/* ----------------------------------------------------------- expr building */

static sg_expr *new_expr(lower_ctx *c, sg_expr_kind kind, size_t nkids)
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

static sg_expr *new_not(lower_ctx *c, sg_expr *a)
{
    if (!a)
        return NULL;
    sg_expr *e = new_expr(c, SG_X_NOT, 1);
    if (e)
        e->kids[0] = a;
    return e;
}

static sg_expr *new_binary(lower_ctx *c, sg_expr_kind kind, sg_expr *a, sg_expr *b)
{
    if (!a || !b)
        return NULL;
    sg_expr *e = new_expr(c, kind, 2);
    if (e) {
        e->kids[0] = a;
        e->kids[1] = b;
    }
    return e;
}

/* Appends a predicate and returns a leaf for it; takes ownership of d->pat. */
static sg_expr *add_pred(lower_ctx *c, sg_pred_desc *d)
{
    sg_rule_ir *ir = c->ir;
    if (SG_PUSH(ir->preds, ir->npreds, ir->preds_cap, *d) != 0) {
        sg_pattern_free(&d->pat);
        c->oom = 1;
        return NULL;
    }
    sg_expr *e = new_expr(c, SG_X_PRED, 0);
    if (e)
        e->pred = (uint32_t)(ir->npreds - 1);
    return e;
}

/* ------------------------------------------------------------ value lowering */

static int has(const sg_chain *ch, sg_mod m) { return (ch->flags & SG_MODBIT(m)) != 0; }

static int string_mods(const sg_chain *ch)
{
    return has(ch, SG_MOD_CONTAINS) || has(ch, SG_MOD_STARTSWITH) || has(ch, SG_MOD_ENDSWITH) ||
           has(ch, SG_MOD_CASED);
}

static void value_error(lower_ctx *c, const sg_node *v, const char *msg)
{
    sg_error(c->diags, SIGMA_DIAG_BAD_VALUE_TYPE, v->pos, "%s", msg);
    c->bad = 1;
}

/* Applies contains/startswith/endswith in chain order; keywords are substring
 * searches unless a modifier says otherwise. */
static int shape_pattern(const sg_chain *ch, sg_pattern *p)
{
    int shaped = 0, rc = 0;
    for (size_t i = 0; i < ch->nmods && rc == 0; i++) {
        switch (ch->mods[i]) {
        case SG_MOD_CONTAINS:
            rc = sg_pattern_prepend_any(p) || sg_pattern_append_any(p);
            shaped = 1;
            break;
        case SG_MOD_STARTSWITH:
            rc = sg_pattern_append_any(p);
            shaped = 1;
            break;
        case SG_MOD_ENDSWITH:
            rc = sg_pattern_prepend_any(p);
            shaped = 1;
            break;
        default:
            break;
        }
    }
    if (rc == 0 && !ch->field && !shaped)
        rc = sg_pattern_prepend_any(p) || sg_pattern_append_any(p);
    return rc ? -1 : 0;
}

/* Renders a YAML number the way it should be searched as text: integers in
 * decimal (so 0x17 is "23"), floats as written. */
static int number_text(const sg_node *v, char *buf, size_t cap)
{
    if (v->type == SG_SCALAR_INT)
        return snprintf(buf, cap, "%lld", (long long)v->ival);
    return snprintf(buf, cap, "%.*s", (int)v->text_len, v->text);
}

static sg_expr *lower_regex(lower_ctx *c, const sg_chain *ch, const sg_node *v)
{
    if (v->type != SG_SCALAR_STR) {
        value_error(c, v, "the value of 're' must be a string");
        return NULL;
    }
    sg_buf re = {0};
    const char *t = v->text;
    size_t n = v->text_len;
    int anchored_start = n && t[0] == '^';
    int anchored_end = n && t[n - 1] == '$' && !(n >= 2 && t[n - 2] == '\\');
    int want_start = has(ch, SG_MOD_STARTSWITH) && !anchored_start;
    int want_end = has(ch, SG_MOD_ENDSWITH) && !anchored_end;
    /* REC §4.2: regexes search (unanchored); startswith/endswith anchor them. */
    if ((want_start && sg_buf_append(&re, "^", 1)) || ((want_start || want_end) && sg_buf_append(&re, "(?:", 3)) ||
        sg_buf_append(&re, t, n) || ((want_start || want_end) && sg_buf_append(&re, ")", 1)) ||
        (want_end && sg_buf_append(&re, "$", 1))) {
        sg_buf_free(&re);
        c->oom = 1;
        return NULL;
    }
    uint32_t flags = (has(ch, SG_MOD_RE_I) ? SG_PF_RE_I : 0) | (has(ch, SG_MOD_RE_M) ? SG_PF_RE_M : 0) |
                     (has(ch, SG_MOD_RE_S) ? SG_PF_RE_S : 0);
    char err[256];
    size_t erroff = 0;
    pcre2_code *code = sg_regex_compile(re.data, re.len, flags, err, sizeof err, &erroff);
    if (!code) {
        sg_error(c->diags, SIGMA_DIAG_BAD_REGEX, v->pos, "invalid regular expression '%.*s': %s at offset %zu",
                 (int)v->text_len, v->text, err, erroff);
        c->bad = 1;
        sg_buf_free(&re);
        return NULL;
    }
    pcre2_code_free(code); /* validated; the compiler builds its own */
    const char *kept = sg_arena_strndup(&c->ir->arena, re.data, re.len);
    size_t kept_len = re.len;
    sg_buf_free(&re);
    if (!kept) {
        c->oom = 1;
        return NULL;
    }
    sg_pred_desc d = {.field = ch->field, .field_len = ch->field_len, .op = SG_OP_REGEX,
                      .flags = flags, .text = kept, .text_len = kept_len, .pos = v->pos};
    return add_pred(c, &d);
}

static sg_expr *lower_string(lower_ctx *c, const sg_chain *ch, const sg_node *v, const char *text,
                             size_t len, int literal)
{
    sg_pred_desc d = {.field = ch->field, .field_len = ch->field_len, .op = SG_OP_STR,
                      .flags = has(ch, SG_MOD_CASED) ? SG_PF_CASED : 0, .pos = v->pos};
    int rc = literal ? sg_pattern_literal(text, len, &d.pat) : sg_pattern_parse(text, len, &d.pat);
    if (rc != 0 || shape_pattern(ch, &d.pat) != 0) {
        sg_pattern_free(&d.pat);
        c->oom = 1;
        return NULL;
    }
    return add_pred(c, &d);
}

/* `a|fieldref: b`: the value names another field; contains/startswith/endswith
 * turn equality into substring/prefix/suffix of that field's value. */
static sg_expr *lower_fieldref(lower_ctx *c, const sg_chain *ch, const sg_node *v)
{
    if (v->type != SG_SCALAR_STR || v->text_len == 0) {
        value_error(c, v, "the value of 'fieldref' must be a field name");
        return NULL;
    }
    uint32_t flags = has(ch, SG_MOD_CASED) ? SG_PF_CASED : 0;
    if (has(ch, SG_MOD_CONTAINS))
        flags |= SG_PF_REF_PREFIX | SG_PF_REF_SUFFIX;
    if (has(ch, SG_MOD_STARTSWITH))
        flags |= SG_PF_REF_PREFIX;
    if (has(ch, SG_MOD_ENDSWITH))
        flags |= SG_PF_REF_SUFFIX;
    const char *name = sg_arena_strndup(&c->ir->arena, v->text, v->text_len);
    if (!name) {
        c->oom = 1;
        return NULL;
    }
    sg_pred_desc d = {.field = ch->field, .field_len = ch->field_len, .op = SG_OP_FIELDREF,
                      .flags = flags, .text = name, .text_len = v->text_len, .pos = v->pos};
    return add_pred(c, &d);
}

/* One rule value of an item -> one predicate leaf. */
static sg_expr *lower_value(lower_ctx *c, const sg_chain *ch, const sg_node *v)
{
    if (v->kind != SG_NODE_SCALAR) {
        sg_error(c->diags, SIGMA_DIAG_BAD_VALUE_TYPE, v->pos,
                 "a detection value must be a scalar, not a %s",
                 v->kind == SG_NODE_MAP ? "map" : "list");
        c->bad = 1;
        return NULL;
    }
    if (has(ch, SG_MOD_RE))
        return lower_regex(c, ch, v);
    if (has(ch, SG_MOD_FIELDREF))
        return lower_fieldref(c, ch, v);
    sg_pred_desc d = {.field = ch->field, .field_len = ch->field_len, .pos = v->pos};
    switch (v->type) {
    case SG_SCALAR_STR:
        return lower_string(c, ch, v, v->text, v->text_len, 0);
    case SG_SCALAR_INT:
    case SG_SCALAR_FLOAT: {
        double num = v->type == SG_SCALAR_INT ? (double)v->ival : v->fval;
        if (!isfinite(num)) {
            value_error(c, v, "non-finite numbers are not valid in detections");
            return NULL;
        }
        if (string_mods(ch) || !ch->field) {
            char buf[64];
            int n = number_text(v, buf, sizeof buf);
            return lower_string(c, ch, v, buf, (size_t)(n < 0 ? 0 : n), 1);
        }
        d.op = SG_OP_NUM;
        d.num = num;
        return add_pred(c, &d);
    }
    case SG_SCALAR_BOOL:
        if (string_mods(ch) || !ch->field) {
            value_error(c, v, "a boolean cannot be used with string modifiers or as a keyword");
            return NULL;
        }
        d.op = SG_OP_BOOL;
        d.bval = v->bval;
        return add_pred(c, &d);
    case SG_SCALAR_NULL:
        if (string_mods(ch) || !ch->field) {
            value_error(c, v, "null cannot be used with string modifiers or as a keyword");
            return NULL;
        }
        d.op = SG_OP_NULL;
        return add_pred(c, &d);
    case SG_SCALAR_DATE:
        sg_error(c->diags, SIGMA_DIAG_BAD_VALUE_TYPE, v->pos,
                 "'%s' is read as a date; quote it to match it as text", v->text);
        c->bad = 1;
        return NULL;
    }
    return NULL;
}

static sg_expr *lower_exists(lower_ctx *c, const sg_chain *ch, const sg_node *v)
{
    if (v->kind != SG_NODE_SCALAR || v->type != SG_SCALAR_BOOL) {
        sg_error(c->diags, SIGMA_DIAG_BAD_VALUE_TYPE, v->pos,
                 "'exists' needs an unquoted boolean value (true or false)");
        c->bad = 1;
        return NULL;
    }
    sg_pred_desc d = {.field = ch->field, .field_len = ch->field_len, .op = SG_OP_EXISTS,
                      .bval = v->bval, .pos = v->pos};
    sg_expr *e = add_pred(c, &d);
    return has(ch, SG_MOD_NEQ) ? new_not(c, e) : e;
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
    if (has(&ch, SG_MOD_EXISTS))
        return lower_exists(c, &ch, value);
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
        sg_pred_desc d = {.field = ch.field, .field_len = ch.field_len, .op = SG_OP_NULL, .pos = value->pos};
        sg_expr *e = add_pred(c, &d);
        return has(&ch, SG_MOD_NEQ) ? new_not(c, e) : e;
    }
    int all = has(&ch, SG_MOD_ALL);
    if (all && n == 1)
        sg_warn(c->diags, SIGMA_DIAG_ALL_SINGLE_VALUE, value->pos,
                "modifier 'all' with a single value has no effect");
    sg_expr *e = new_expr(c, all ? SG_X_AND : SG_X_OR, n);
    if (!e)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        e->kids[i] = lower_value(c, &ch, vals[i]);
        if (!e->kids[i])
            return NULL;
    }
    return has(&ch, SG_MOD_NEQ) ? new_not(c, e) : e;
}

/* --------------------------------------------------------- definitions */

static sg_expr *lower_map(lower_ctx *c, const sg_node *map)
{
    if (map->count == 0) {
        sg_error(c->diags, SIGMA_DIAG_BAD_DETECTION, map->pos, "empty map as a search identifier definition");
        c->bad = 1;
        return NULL;
    }
    sg_expr *e = new_expr(c, SG_X_AND, map->count);
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
        sg_error(c->diags, SIGMA_DIAG_BAD_DETECTION, seq->pos, "empty list as a search identifier definition");
        c->bad = 1;
        return NULL;
    }
    int scalars = 1;
    for (size_t i = 0; i < seq->count; i++)
        scalars &= seq->items[i]->kind == SG_NODE_SCALAR;
    if (scalars)
        return lower_item(c, NULL, "", 0, seq); /* a keyword list: OR */
    sg_expr *e = new_expr(c, SG_X_OR, seq->count);
    if (!e)
        return NULL;
    int ok = 1;
    for (size_t i = 0; i < seq->count; i++) {
        e->kids[i] = lower_definition(c, seq->items[i], depth + 1);
        ok &= e->kids[i] != NULL;
    }
    return ok ? e : NULL;
}

static sg_expr *lower_definition(lower_ctx *c, const sg_node *def, int depth)
{
    if (depth > 32) {
        sg_error(c->diags, SIGMA_DIAG_BAD_DETECTION, def->pos, "search identifier nested too deeply");
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
            sg_error(c->diags, SIGMA_DIAG_BAD_DETECTION, def->pos, "search identifier has no definition (null)");
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
        return new_not(c, cond_to_expr(c, k->a, t));
    case SG_COND_ONE_OF:
    case SG_COND_ALL_OF: {
        sg_expr *e = new_expr(c, k->kind == SG_COND_ALL_OF ? SG_X_AND : SG_X_OR, k->n);
        if (!e)
            return NULL;
        for (size_t i = 0; i < k->n; i++)
            e->kids[i] = t->exprs[k->idents[i]];
        return e;
    }
    }
    return NULL;
}

static int cond_code(sg_cond_err_kind k)
{
    switch (k) {
    case SG_COND_ERR_UNDEFINED:
        return SIGMA_DIAG_UNDEFINED_IDENTIFIER;
    case SG_COND_ERR_EMPTY_QUANTIFIER:
        return SIGMA_DIAG_EMPTY_QUANTIFIER;
    case SG_COND_ERR_AGGREGATION:
        return SIGMA_DIAG_AGGREGATION;
    default:
        return SIGMA_DIAG_CONDITION_SYNTAX;
    }
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
        sg_pos p = cn->pos;
        size_t shift = err.offset + (cn->quoted && cn->text_len && p.line ? 1 : 0);
        if (p.line)
            p.col += (uint32_t)shift;
        if (p.offset != UINT64_MAX)
            p.offset += shift;
        sg_error(c->diags, cond_code(err.kind), p, "condition: %s", err.message);
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
    sg_expr *e = new_expr(c, SG_X_OR, cn->count);
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

int sg_detection_lower(const sg_node *detection, sg_diag_ctx *diags, sg_rule_ir *ir)
{
    lower_ctx c = {diags, ir, 0, 0};
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
        sg_expr *e = lower_definition(&c, detection->items[i], 0);
        if (c.oom)
            return -1;
        t.names[t.n] = k->text;
        t.exprs[t.n] = e;
        t.n++;
    }
    if (!cond) {
        sg_error(diags, SIGMA_DIAG_MISSING_ATTRIBUTE, detection->pos, "detection has no 'condition'");
        return 1;
    }
    /* The condition is checked even when identifiers had errors, so that every
     * problem of the rule is reported at once. */
    ir->root = lower_condition(&c, cond, &t);
    if (c.oom)
        return -1;
    return c.bad || !ir->root ? 1 : 0;
}

void sg_rule_ir_free(sg_rule_ir *ir)
{
    for (size_t i = 0; i < ir->npreds; i++)
        sg_pattern_free(&ir->preds[i].pat);
    free(ir->preds);
    sg_arena_free(&ir->arena);
    memset(ir, 0, sizeof *ir);
}
