/* expand (sigma-semantics.md §4.2): `%name%` inside a value stands for a list of
 * patterns supplied by configuration (e.g. %Administrators% -> adm_*, root).
 * Each occurrence is replaced by each of its values, every value parsed as a
 * Sigma string so it may carry wildcards; several occurrences give the
 * cartesian product. Placeholders never span wildcards: they are looked for in
 * each literal run. */
#include <stdlib.h>
#include <string.h>

#include "encode/encode.h"
#include "encode/pattern_builder.h"

/* ---- the name -> values table ---------------------------------------------- */

static sg_placeholder *find_placeholder(const sg_placeholders *p, const char *name, size_t len)
{
    if (!p)
        return NULL;
    for (size_t i = 0; i < p->n; i++)
        if (strlen(p->items[i].name) == len && memcmp(p->items[i].name, name, len) == 0)
            return &p->items[i];
    return NULL;
}

/* Returns the entry for name, creating it (without values) if needed. */
static sg_placeholder *get_placeholder(sg_placeholders *p, const char *name, size_t len)
{
    sg_placeholder *ph = find_placeholder(p, name, len);
    if (ph)
        return ph;
    sg_placeholder fresh = {sg_strndup(name, len), NULL, 0};
    if (!fresh.name || SG_PUSH(p->items, p->n, p->cap, fresh) != 0) {
        free(fresh.name);
        return NULL;
    }
    return &p->items[p->n - 1];
}

int sg_placeholders_add(sg_placeholders *p, const char *name, size_t name_len, const char *value,
                        size_t value_len)
{
    sg_placeholder *ph = get_placeholder(p, name, name_len);
    if (!ph)
        return -1;
    char *v = sg_strndup(value, value_len);
    char **values = v ? realloc(ph->values, (ph->nvalues + 1) * sizeof *values) : NULL;
    if (!values) {
        free(v);
        return -1;
    }
    values[ph->nvalues++] = v;
    ph->values = values;
    return 0;
}

void sg_placeholders_free(sg_placeholders *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        for (size_t j = 0; j < p->items[i].nvalues; j++)
            free(p->items[i].values[j]);
        free(p->items[i].values);
        free(p->items[i].name);
    }
    free(p->items);
    memset(p, 0, sizeof *p);
}

/* ---- expansion --------------------------------------------------------------- */

/* A pattern cut at its placeholders: literal text (with `\%` already turned
 * into '%'), wildcards, and placeholder references. */
typedef enum { SEG_LIT, SEG_WILD, SEG_PH } seg_kind;

typedef struct seg {
    seg_kind kind;
    sg_pat_kind wild; /* SEG_WILD */
    size_t off, len;  /* SEG_LIT: slice of the segment text */
    size_t ph;        /* SEG_PH: index into the placeholder table */
} seg;

typedef struct segmented {
    sg_buf text;
    seg *items;
    size_t n, cap;
    size_t nph; /* number of SEG_PH items */
} segmented;

typedef struct expand_ctx {
    const sg_placeholders *ph;
    size_t max;
    sg_pattern **parsed; /* per placeholder: its values parsed, NULL until needed */
} expand_ctx;

static void segmented_free(segmented *sp)
{
    sg_buf_free(&sp->text);
    free(sp->items);
    memset(sp, 0, sizeof *sp);
}

static int push_seg(segmented *sp, seg sg)
{
    return SG_PUSH(sp->items, sp->n, sp->cap, sg);
}

/* Ends the literal segment that started at text offset `start`, if non-empty. */
static int flush_lit(segmented *sp, size_t *start)
{
    size_t len = sp->text.len - *start;
    if (len && push_seg(sp, (seg){SEG_LIT, 0, *start, len, 0}) != 0)
        return -1;
    *start = sp->text.len;
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* If s[i] opens a placeholder `%name%` (name: no '%', no whitespace, not
 * ending in a backslash, which would make the closing '%' an escaped one),
 * returns the length of the name; else 0. */
static size_t placeholder_at(const char *s, size_t n, size_t i)
{
    size_t j = i + 1;
    while (j < n && s[j] != '%' && !is_space(s[j]))
        j++;
    if (j >= n || s[j] != '%' || j == i + 1 || s[j - 1] == '\\')
        return 0;
    return j - i - 1;
}

/* Splits the literal run s[0, n) into segments. 1 for an undefined placeholder. */
static int segment_run(const char *s, size_t n, const expand_ctx *ctx, segmented *sp, char *err,
                       size_t errcap)
{
    size_t start = sp->text.len;
    size_t i = 0;
    while (i < n) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '%') {
            if (sg_buf_putc(&sp->text, '%') != 0)
                return -1;
            i += 2;
            continue;
        }
        size_t name_len = s[i] == '%' ? placeholder_at(s, n, i) : 0;
        if (name_len == 0) { /* ordinary byte, including a lone '%' */
            if (sg_buf_putc(&sp->text, s[i]) != 0)
                return -1;
            i++;
            continue;
        }
        const char *name = s + i + 1;
        const sg_placeholder *ph = find_placeholder(ctx->ph, name, name_len);
        if (!ph || ph->nvalues == 0)
            return sg_encode_fail(err, errcap, "placeholder '%%%.*s%%' is %s", (int)name_len, name,
                                  ph ? "defined without values" : "not defined");
        if (flush_lit(sp, &start) != 0 ||
            push_seg(sp, (seg){SEG_PH, 0, 0, 0, (size_t)(ph - ctx->ph->items)}) != 0)
            return -1;
        sp->nph++;
        i += name_len + 2;
    }
    return flush_lit(sp, &start);
}

static int segment_pattern(const sg_pattern *in, const expand_ctx *ctx, segmented *sp, char *err,
                           size_t errcap)
{
    /* The text buffer must exist even if every run is empty. */
    if (sg_buf_reserve(&sp->text, in->bytes_len) != 0)
        return -1;
    sp->text.data[0] = '\0';
    for (size_t t = 0; t < in->ntoks; t++) {
        const sg_pat_tok *tok = &in->toks[t];
        int rc = tok->kind == SG_PAT_LIT
                     ? segment_run(in->bytes + tok->off, tok->len, ctx, sp, err, errcap)
                     : push_seg(sp, (seg){SEG_WILD, tok->kind, 0, 0, 0});
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Parses the values of placeholder `idx` once per expansion call. */
static int parse_values(expand_ctx *ctx, size_t idx)
{
    if (ctx->parsed[idx])
        return 0;
    const sg_placeholder *ph = &ctx->ph->items[idx];
    sg_pattern *vals = calloc(ph->nvalues, sizeof *vals);
    if (!vals)
        return -1;
    for (size_t v = 0; v < ph->nvalues; v++) {
        if (sg_pattern_parse(ph->values[v], strlen(ph->values[v]), &vals[v]) != 0) {
            for (size_t w = 0; w < v; w++)
                sg_pattern_free(&vals[w]);
            free(vals);
            return -1;
        }
    }
    ctx->parsed[idx] = vals;
    return 0;
}

/* Builds the alternative choosing value digits[k] for the k-th placeholder. */
static int build_alternative(const segmented *sp, const expand_ctx *ctx, const size_t *digits,
                             sg_pattern_set *out)
{
    sg_pbuild b = {0};
    size_t k = 0;
    for (size_t i = 0; i < sp->n; i++) {
        const seg *sg = &sp->items[i];
        int rc = 0;
        if (sg->kind == SEG_LIT)
            rc = sg_pb_lit(&b, sp->text.data + sg->off, sg->len);
        else if (sg->kind == SEG_WILD)
            rc = sg_pb_wild(&b, sg->wild);
        else
            rc = sg_pb_pattern(&b, &ctx->parsed[sg->ph][digits[k++]]);
        if (rc != 0) {
            sg_pb_free(&b);
            return -1;
        }
    }
    return sg_pb_push(&b, out);
}

/* Advances the odometer over the placeholder occurrences (last fastest); 0
 * when every combination has been made. */
static int next_combination(const segmented *sp, const expand_ctx *ctx, size_t *digits)
{
    size_t k = sp->nph;
    for (size_t i = sp->n; i-- > 0;) {
        if (sp->items[i].kind != SEG_PH)
            continue;
        k--;
        if (++digits[k] < ctx->ph->items[sp->items[i].ph].nvalues)
            return 1;
        digits[k] = 0;
    }
    return 0;
}

static int generate(const segmented *sp, expand_ctx *ctx, sg_pattern_set *out, char *err,
                    size_t errcap)
{
    size_t count = 1;
    for (size_t i = 0; i < sp->n; i++) {
        if (sp->items[i].kind != SEG_PH)
            continue;
        if (parse_values(ctx, sp->items[i].ph) != 0)
            return -1;
        sg_mul_sat(&count, ctx->ph->items[sp->items[i].ph].nvalues);
    }
    if (count > ctx->max || out->n > ctx->max - count)
        return sg_encode_fail(err, errcap, "expand exceeds the limit of %zu alternatives",
                              ctx->max);
    size_t *digits = calloc(sp->nph ? sp->nph : 1, sizeof *digits);
    if (!digits)
        return -1;
    int rc;
    do {
        rc = build_alternative(sp, ctx, digits, out);
    } while (rc == 0 && next_combination(sp, ctx, digits));
    free(digits);
    return rc;
}

static int expand_one(const sg_pattern *in, sg_pattern_set *out, void *vctx, char *err,
                      size_t errcap)
{
    expand_ctx *ctx = vctx;
    segmented sp = {0};
    int rc = segment_pattern(in, ctx, &sp, err, errcap);
    if (rc == 0)
        rc = generate(&sp, ctx, out, err, errcap);
    segmented_free(&sp);
    return rc;
}

int sg_expand_placeholders(sg_pattern_set *s, const sg_placeholders *ph, size_t max_alternatives,
                           char *err, size_t errcap)
{
    static const sg_placeholders none = {0};
    expand_ctx ctx = {ph ? ph : &none, max_alternatives, NULL};
    if (ctx.ph->n && !(ctx.parsed = calloc(ctx.ph->n, sizeof *ctx.parsed)))
        return -1;
    int rc = sg_pset_map(s, expand_one, &ctx, err, errcap);
    for (size_t i = 0; i < ctx.ph->n; i++) {
        for (size_t v = 0; ctx.parsed[i] && v < ctx.ph->items[i].nvalues; v++)
            sg_pattern_free(&ctx.parsed[i][v]);
        free(ctx.parsed[i]);
    }
    free(ctx.parsed);
    return rc;
}
