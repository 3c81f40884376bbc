/* The compiler: turns loaded rules into the immutable ruleset. Identical predicates
 * (same field, operator, value and flags) are stored once across all rules; each
 * rule's condition becomes a pre-order program over predicate ids. */
#include "compile/ruleset.h"
#include "correlation/corr_set.h"

#include <stdlib.h>
#include <string.h>

#include "introspect/introspect.h"
#include "index/regex_literal.h"
#include "match/strmatch.h"
#include "util/vec.h"

typedef struct compiler {
    sigma_ruleset *rs;
    const sg_compile_limits *lim;
    sg_strmap pred_keys; /* serialized descriptor -> pred id */
    char **key_store;    /* owned keys of pred_keys */
    size_t nkeys, keys_cap;
    size_t preds_cap, prog_cap, fields_cap;
    sg_buf key;
    uint32_t *pred_rule; /* per pred: 1 + the last rule counted in its `users` */
    size_t npred_rule, pred_rule_cap;
    uint32_t rule_stamp; /* 1 + index of the rule being compiled */
} compiler;

static int field_slot(compiler *c, const char *name, size_t len, uint32_t *slot)
{
    sigma_ruleset *rs = c->rs;
    if (sg_strmap_get(&rs->field_map, name, len, slot))
        return 0;
    char *copy = sg_strndup(name, len);
    size_t n = rs->nfields;
    if (!copy || SG_PUSH(rs->field_names, n, c->fields_cap, copy) != 0) {
        free(copy);
        return -1;
    }
    *slot = rs->nfields++;
    return sg_strmap_put(&rs->field_map, copy, len, *slot);
}

/* Hash of the field dictionary: a sum over its (name hash, slot) pairs, so the
 * map's order does not matter (names may hold NUL bytes: the map has their lengths). */
static uint64_t field_fingerprint(const sigma_ruleset *rs)
{
    uint64_t fp = sg_mix64(rs->nfields);
    for (size_t i = 0; i < rs->field_map.cap; i++) {
        const sg_strmap_slot *e = &rs->field_map.slots[i];
        if (e->used)
            fp += sg_mix64(e->hash ^ ((uint64_t)e->value << 32 | e->value));
    }
    return fp;
}

/* Appends a literal case-folded, prefixed with its folded length. */
static int fold_token(sg_buf *k, const char *s, size_t len)
{
    size_t at = k->len, n = 0;
    if (sg_buf_append(k, &n, sizeof n) != 0 || sg_fold_append(s, len, k) != 0)
        return -1;
    n = k->len - at - sizeof n;
    memcpy(k->data + at, &n, sizeof n);
    return 0;
}

/* Serializes everything that makes two predicates equal into c->key. */
static int describe(compiler *c, const sg_pred_desc *d)
{
    sg_buf *k = &c->key;
    sg_buf_clear(k);
    uint8_t head[2] = {(uint8_t)d->op, d->field ? 1 : 0};
    int rc = sg_buf_append(k, head, sizeof head) || sg_buf_append(k, &d->flags, sizeof d->flags);
    if (d->field)
        rc = rc || sg_buf_append(k, &d->field_len, sizeof d->field_len) ||
             sg_buf_append(k, d->field, d->field_len);
    switch (d->op) {
    case SG_OP_STR:
        for (size_t i = 0; i < d->pat.ntoks && !rc; i++) {
            const sg_pat_tok *t = &d->pat.toks[i];
            uint8_t kind = (uint8_t)t->kind;
            rc = sg_buf_append(k, &kind, 1);
            if (t->kind == SG_PAT_LIT && (d->flags & SG_PF_CASED))
                rc = rc || sg_buf_append(k, &t->len, sizeof t->len) ||
                     sg_buf_append(k, d->pat.bytes + t->off, t->len);
            else if (t->kind == SG_PAT_LIT) /* folded: \W3WP.EXE and \w3wp.exe are one */
                rc = rc || fold_token(k, d->pat.bytes + t->off, t->len);
        }
        break;
    case SG_OP_REGEX:
    case SG_OP_FIELDREF:
        rc = rc || sg_buf_append(k, d->text, d->text_len);
        break;
    case SG_OP_NUM:
    case SG_OP_NUMCMP:
    case SG_OP_TIMEPART: {
        /* Value fields only: the struct may have padding bytes. */
        uint8_t is_int = (uint8_t)d->num.is_int;
        rc = rc || sg_buf_append(k, &is_int, 1) || sg_buf_append(k, &d->num.i, sizeof d->num.i) ||
             sg_buf_append(k, &d->num.d, sizeof d->num.d) || sg_buf_append(k, &d->cmp, 1) ||
             sg_buf_append(k, &d->part, 1);
        break;
    }
    case SG_OP_CIDR:
        rc = rc || sg_buf_append(k, &d->cidr, sizeof d->cidr);
        break;
    case SG_OP_BOOL:
    case SG_OP_EXISTS:
        rc = rc || sg_buf_append(k, &d->bval, sizeof d->bval);
        break;
    case SG_OP_NULL:
        break;
    }
    return rc ? -1 : 0;
}

static int make_pred(compiler *c, const sg_pred_desc *d, sg_pred *p)
{
    memset(p, 0, sizeof *p);
    p->op = d->op;
    p->flags = d->flags;
    p->num = d->num;
    p->bval = d->bval;
    p->cmp = d->cmp;
    p->part = d->part;
    p->cidr = d->cidr;
    p->field = SG_KEYWORD_FIELD;
    if (d->field && field_slot(c, d->field, d->field_len, &p->field) != 0)
        return -1;
    if (d->op == SG_OP_FIELDREF)
        return field_slot(c, d->text, d->text_len, &p->ref_field);
    if (d->op == SG_OP_STR)
        return sg_strmatch_compile(&d->pat, (d->flags & SG_PF_CASED) != 0, &p->sm);
    if (d->op == SG_OP_REGEX) {
        char err[256];
        size_t off;
        p->re = sg_regex_compile(d->text, d->text_len, d->flags, err, sizeof err, &off);
        p->re_src = sg_strndup(d->text, d->text_len);
        p->re_len = d->text_len;
        uint16_t counts[128];
        if (sg_regex_required_chars(d->text, d->text_len, counts))
            sg_regex_guard_make(counts, &p->guard);
        sg_regex_seq seq;
        sg_regex_seq_make(d->text, d->text_len, d->flags, &seq);
        if (seq.natoms) {
            if (!(p->seq = malloc(sizeof seq)))
                return -1;
            *p->seq = seq;
        }
        return p->re && p->re_src ? 0 : -1; /* validated at load time: only memory can fail */
    }
    return 0;
}

/* Returns the id of the interned predicate for d, creating it if new. */
static int intern_pred(compiler *c, const sg_pred_desc *d, uint32_t *id)
{
    if (describe(c, d) != 0)
        return -1;
    if (sg_strmap_get(&c->pred_keys, c->key.data, c->key.len, id)) {
        return 0;
    }
    sigma_ruleset *rs = c->rs;
    sg_pred p;
    if (make_pred(c, d, &p) != 0)
        return -1;
    size_t n = rs->npreds;
    if (SG_PUSH(rs->preds, n, c->preds_cap, p) != 0) {
        sg_strmatch_free(&p.sm);
        pcre2_code_free(p.re);
        free(p.re_src);
        free(p.seq);
        return -1;
    }
    *id = rs->npreds++;
    if (SG_PUSH(c->pred_rule, c->npred_rule, c->pred_rule_cap, 0u) != 0)
        return -1;
    char *key = malloc(c->key.len ? c->key.len : 1);
    if (!key || SG_PUSH(c->key_store, c->nkeys, c->keys_cap, key) != 0) {
        free(key);
        return -1;
    }
    memcpy(key, c->key.data, c->key.len);
    return sg_strmap_put(&c->pred_keys, key, c->key.len, *id);
}

static int intern_cb(void *ctx, const sg_pred_desc *d, uint32_t *id)
{
    return intern_pred(ctx, d, id);
}

/* Emits the program for e in pre-order; returns the subtree size or -1. An AND or
 * OR of one child (a selection of one field, a list of one value: most of them) is
 * emitted as that child, so the evaluator never steps through it. */
static long emit(compiler *c, const sg_rule_ir *ir, const sg_expr *e, uint32_t depth, uint8_t *seen)
{
    sigma_ruleset *rs = c->rs;
    while ((e->kind == SG_X_AND || e->kind == SG_X_OR) && e->n == 1)
        e = e->kids[0];
    if (depth > rs->max_depth)
        rs->max_depth = depth;
    sg_prog_node node = {(uint8_t)e->kind, (uint32_t)e->n, 1};
    if (e->kind == SG_X_PRED) {
        if (intern_pred(c, &ir->preds[e->pred], &node.arg) != 0)
            return -1;
        /* Count each rule once per predicate, even when two of its items intern to it. */
        if (!seen[e->pred] && c->pred_rule[node.arg] != c->rule_stamp) {
            seen[e->pred] = 1;
            c->pred_rule[node.arg] = c->rule_stamp;
            rs->preds[node.arg].users++;
        }
    }
    size_t at = rs->nprog;
    size_t n = rs->nprog;
    if (SG_PUSH(rs->prog, n, c->prog_cap, node) != 0)
        return -1;
    rs->nprog++;
    long size = 1;
    for (size_t i = 0; i < e->n; i++) {
        long k = emit(c, ir, e->kids[i], depth + 1, seen);
        if (k < 0)
            return -1;
        size += k;
    }
    rs->prog[at].size = (uint32_t)size;
    return size;
}

/* (rule) and (filter 1) and ...: one AND node over programs of several IRs. Each
 * filter's predicates are interned like the rule's (the seen[] "users" count is only
 * kept for the rule's own predicates). */
static long emit_filtered(compiler *c, const sg_loaded_rule *lr, uint8_t *seen)
{
    sigma_ruleset *rs = c->rs;
    sg_prog_node node = {SG_X_AND, (uint32_t)(1 + lr->nfilters), 1};
    size_t at = rs->nprog, n = rs->nprog;
    if (SG_PUSH(rs->prog, n, c->prog_cap, node) != 0)
        return -1;
    rs->nprog++;
    long size = 1, k = emit(c, &lr->ir, lr->ir.root, 2, seen);
    if (k < 0)
        return -1;
    size += k;
    for (size_t i = 0; i < lr->nfilters; i++) {
        const sg_rule_ir *f = lr->filters[i];
        uint8_t *fseen = calloc(f->npreds ? f->npreds : 1, 1);
        if (!fseen)
            return -1;
        memset(fseen, 1, f->npreds); /* do not count filters as rule users */
        k = emit(c, f, f->root, 2, fseen);
        free(fseen);
        if (k < 0)
            return -1;
        size += k;
    }
    rs->prog[at].size = (uint32_t)size;
    return size;
}

static char *dup_opt(const char *s)
{
    return s ? sg_strndup(s, strlen(s)) : NULL;
}

static int copy_meta(const sg_rule *src, sg_rule *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->kind = src->kind;
    char *const *from[] = {&src->id,          &src->title,       &src->name,   &src->level,
                           &src->status,      &src->description, &src->source, &src->ls_product,
                           &src->ls_category, &src->ls_service};
    char **to[] = {&dst->id,          &dst->title,       &dst->name,   &dst->level,
                   &dst->status,      &dst->description, &dst->source, &dst->ls_product,
                   &dst->ls_category, &dst->ls_service};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        *to[i] = dup_opt(*from[i]);
        if (*from[i] && !*to[i])
            return -1;
    }
    if (src->ntags) {
        dst->tags = calloc(src->ntags, sizeof *dst->tags);
        if (!dst->tags)
            return -1;
        dst->ntags = src->ntags;
        for (uint32_t i = 0; i < src->ntags; i++)
            if (!(dst->tags[i] = dup_opt(src->tags[i])))
                return -1;
    }
    return 0;
}

void sg_rule_meta_free(sg_rule *r)
{
    char *strs[] = {r->id,          r->title,  r->name,       r->level,       r->status,
                    r->description, r->source, r->ls_product, r->ls_category, r->ls_service};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(strs[i]);
    for (uint32_t i = 0; i < r->ntags; i++)
        free(r->tags[i]);
    free(r->tags);
    for (uint32_t i = 0; i < r->nfilters; i++)
        free(r->filters[i]);
    free(r->filters);
    sg_intro_rule_free(r->intro);
    memset(r, 0, sizeof *r);
}

static void ruleset_free(sigma_ruleset *rs)
{
    for (uint32_t i = 0; i < rs->nrules; i++)
        sg_rule_meta_free(&rs->rules[i]);
    free(rs->rules);
    sg_huge_free(&rs->huge, rs->progs);
    for (uint32_t i = 0; i < rs->npreds; i++) {
        if (sg_huge_owns(&rs->huge, rs->preds[i].sm.lit))
            rs->preds[i].sm.lit = NULL; /* moved there (hot_arrays.c) */
        sg_strmatch_free(&rs->preds[i].sm);
        pcre2_code_free(rs->preds[i].re);
        free(rs->preds[i].re_src);
        free(rs->preds[i].seq);
    }
    sg_huge_free(&rs->huge, rs->preds);
    sg_huge_free(&rs->huge, rs->prog);
    for (uint32_t i = 0; i < rs->nfields; i++)
        free(rs->field_names[i]);
    free(rs->field_names);
    sg_strmap_free(&rs->field_map);
    pcre2_match_context_free(rs->mctx);
    sg_index_free(&rs->index, &rs->huge);
    sg_routing_free(&rs->routing);
    sg_intro_set_free(rs->intro);
    sg_corr_set_free(rs->corr);
    sg_huge_release(&rs->huge);
    free(rs);
}

static void compiler_free(compiler *c)
{
    for (size_t i = 0; i < c->nkeys; i++)
        free(c->key_store[i]);
    free(c->key_store);
    free(c->pred_rule);
    sg_strmap_free(&c->pred_keys);
    sg_buf_free(&c->key);
}

static int compile_rule(compiler *c, const sg_loaded_rule *lr, sg_rule *out, sg_rule_prog *prog)
{
    if (copy_meta(&lr->meta, out) != 0)
        return -1;
    uint8_t *seen = calloc(lr->ir.npreds ? lr->ir.npreds : 1, 1);
    if (!seen)
        return -1;
    c->rule_stamp = c->rs->nrules + 1;
    prog->start = c->rs->nprog;
    long len = 0;
    if (lr->ir.root && lr->nfilters)
        len = emit_filtered(c, lr, seen);
    else if (lr->ir.root)
        len = emit(c, &lr->ir, lr->ir.root, 1, seen);
    free(seen);
    if (len < 0)
        return -1;
    prog->len = (uint32_t)len;
    if (lr->nfilters) {
        out->filters = calloc(lr->nfilters, sizeof *out->filters);
        if (!out->filters)
            return -1;
        out->nfilters = (uint32_t)lr->nfilters;
        for (size_t i = 0; i < lr->nfilters; i++)
            if (!(out->filters[i] = dup_opt(lr->filter_names[i])))
                return -1;
    }
    if (!c->lim->introspection)
        return 0;
    out->intro = sg_intro_rule_build(c->rs, lr, intern_cb, c);
    return out->intro ? 0 : -1;
}

int sg_ruleset_compile(const sg_loaded_rule *rules, size_t n, const sg_compile_limits *lim,
                       sg_mapping *mapping, sigma_ruleset **out)
{
    sigma_ruleset *rs = calloc(1, sizeof *rs);
    if (!rs)
        return SIGMA_E_NOMEM;
    atomic_init(&rs->refs, 1);
    compiler c = {.rs = rs, .lim = lim};
    int rc = SIGMA_OK;
    rs->rules = calloc(n ? n : 1, sizeof *rs->rules);
    rs->progs = calloc(n ? n : 1, sizeof *rs->progs);
    rs->mctx = pcre2_match_context_create(NULL);
    if (!rs->rules || !rs->progs || !rs->mctx)
        rc = SIGMA_E_NOMEM;
    if (rc == SIGMA_OK) {
        pcre2_set_match_limit(rs->mctx, lim->regex_match_limit);
        pcre2_set_depth_limit(rs->mctx, lim->regex_depth_limit);
    }
    for (size_t i = 0; i < n && rc == SIGMA_OK; i++) {
        if (compile_rule(&c, &rules[i], &rs->rules[rs->nrules], &rs->progs[rs->nrules]) != 0) {
            sg_rule_meta_free(&rs->rules[rs->nrules]);
            rc = SIGMA_E_NOMEM;
        } else {
            rs->nrules++;
        }
    }
    compiler_free(&c);
    rs->field_fp = field_fingerprint(rs);
    if (rc == SIGMA_OK && sg_index_build(rs, lim->simd) != 0)
        rc = SIGMA_E_NOMEM;
    if (rc == SIGMA_OK && mapping && mapping->n && sg_routing_build(rs, mapping) != 0)
        rc = SIGMA_E_NOMEM;
    if (rc == SIGMA_OK && lim->introspection && sg_intro_finish(rs) != 0)
        rc = SIGMA_E_NOMEM;
    if (rc == SIGMA_OK && sg_corr_set_build(rules, n, &rs->corr) != 0)
        rc = SIGMA_E_NOMEM;
    rs->huge_pages = lim->huge_pages;
    if (rc == SIGMA_OK && lim->huge_pages)
        sg_ruleset_move_hot(rs);
    if (rc != SIGMA_OK) {
        ruleset_free(rs);
        return rc;
    }
    *out = rs;
    return SIGMA_OK;
}

sigma_ruleset *sigma_ruleset_ref(sigma_ruleset *rs)
{
    if (rs)
        atomic_fetch_add_explicit(&rs->refs, 1, memory_order_relaxed);
    return rs;
}

void sigma_ruleset_unref(sigma_ruleset *rs)
{
    if (rs && atomic_fetch_sub_explicit(&rs->refs, 1, memory_order_acq_rel) == 1)
        ruleset_free(rs);
}
