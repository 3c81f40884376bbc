/* windash (sigma-semantics.md §4.2), pySigma's algorithm: Windows tools accept
 * `-x`, `/x` and (after copy-paste through word processors) typographic dashes
 * for the same option, so each option dash becomes all five spellings.
 *
 * pySigma matches the regex `\B[-/]\b` inside each literal part of the value:
 * a '-' or '/' that is at the start of the run or after a non-word character,
 * and is followed by a word character. Hence `a-b` (dash inside a word) and
 * `x-` (nothing follows) stay, while `--foo` expands only its second dash. */
#include <stdlib.h>
#include <utf8proc.h>

#include "encode/encode.h"
#include "encode/pattern_builder.h"

/* The five spellings, in the order alternatives are generated. */
static const char *const dash_text[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
static const size_t dash_len[] = {1, 1, 3, 3, 3};
enum { NDASH = 5 };

/* Unicode \w: letters, marks, numbers and connector punctuation (which
 * includes '_'). */
static int is_word(int32_t cp)
{
    if (cp < 0)
        return 0; /* a byte that is not valid UTF-8 */
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_PC:
        return 1;
    default:
        return 0;
    }
}

/* Decodes the code point at s[0, n) (n > 0); an invalid byte counts as one
 * non-word unit (cp -1) so scanning never stalls. Returns its length. */
static size_t next_unit(const char *s, size_t n, int32_t *cp)
{
    utf8proc_int32_t c;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &c);
    if (k <= 0) {
        *cp = -1;
        return 1;
    }
    *cp = c;
    return (size_t)k;
}

/* An expansion point: byte `off` of token `tok` (always a 1-byte '-' or '/'). */
typedef struct dash_point {
    size_t tok, off;
} dash_point;

typedef struct point_vec {
    dash_point *items;
    size_t n, cap;
} point_vec;

/* Collects the expansion points of one literal run. */
static int find_points_in_run(const char *s, size_t n, size_t tok, point_vec *pts)
{
    int prev_word = 0; /* the run start counts as a non-word position */
    size_t i = 0;
    while (i < n) {
        int32_t cp;
        size_t k = next_unit(s + i, n - i, &cp);
        if ((cp == '-' || cp == '/') && !prev_word && i + k < n) {
            int32_t next;
            next_unit(s + i + k, n - i - k, &next);
            if (is_word(next) && SG_PUSH(pts->items, pts->n, pts->cap, ((dash_point){tok, i})) != 0)
                return -1;
        }
        prev_word = is_word(cp);
        i += k;
    }
    return 0;
}

/* Builds the alternative selected by digits[0, pts->n) (one dash per point). */
static int build_alternative(const sg_pattern *in, const point_vec *pts, const unsigned *digits,
                             sg_pattern_set *out)
{
    sg_pbuild b = {0};
    size_t p = 0; /* next point; points are ordered by token then offset */
    for (size_t t = 0; t < in->ntoks; t++) {
        const sg_pat_tok *tok = &in->toks[t];
        if (tok->kind != SG_PAT_LIT) {
            if (sg_pb_wild(&b, tok->kind) != 0)
                goto oom;
            continue;
        }
        const char *s = in->bytes + tok->off;
        size_t done = 0;
        for (; p < pts->n && pts->items[p].tok == t; p++) {
            size_t at = pts->items[p].off;
            if (sg_pb_lit(&b, s + done, at - done) != 0 ||
                sg_pb_lit(&b, dash_text[digits[p]], dash_len[digits[p]]) != 0)
                goto oom;
            done = at + 1;
        }
        if (sg_pb_lit(&b, s + done, tok->len - done) != 0)
            goto oom;
    }
    return sg_pb_push(&b, out);
oom:
    sg_pb_free(&b);
    return -1;
}

/* Advances the odometer digits[0, k) (last digit fastest); 0 when it wraps. */
static int next_combination(unsigned *digits, size_t k)
{
    for (size_t i = k; i-- > 0;) {
        if (++digits[i] < NDASH)
            return 1;
        digits[i] = 0;
    }
    return 0;
}

static int windash_one(const sg_pattern *in, sg_pattern_set *out, void *ctx, char *err,
                       size_t errcap)
{
    size_t max = *(const size_t *)ctx;
    point_vec pts = {0};
    for (size_t t = 0; t < in->ntoks; t++)
        if (in->toks[t].kind == SG_PAT_LIT &&
            find_points_in_run(in->bytes + in->toks[t].off, in->toks[t].len, t, &pts) != 0)
            goto oom;
    size_t count = 1;
    for (size_t i = 0; i < pts.n; i++)
        sg_mul_sat(&count, NDASH);
    if (count > max || out->n > max - count) {
        free(pts.items);
        return sg_encode_fail(err, errcap,
                              "windash expansion exceeds the limit of %zu alternatives "
                              "(%zu option dashes give 5^%zu)",
                              max, pts.n, pts.n);
    }
    unsigned *digits = calloc(pts.n ? pts.n : 1, sizeof *digits);
    if (!digits)
        goto oom;
    int rc = 0;
    do {
        rc = build_alternative(in, &pts, digits, out);
    } while (rc == 0 && next_combination(digits, pts.n));
    free(digits);
    free(pts.items);
    return rc;
oom:
    free(pts.items);
    return -1;
}

int sg_encode_windash(sg_pattern_set *s, size_t max_alternatives, char *err, size_t errcap)
{
    return sg_pset_map(s, windash_one, &max_alternatives, err, errcap);
}
