/* The one matcher core: compiles a Sigma pattern into equals / prefix / suffix /
 * contains over (folded) bytes, or a general glob, and matches values with it.
 *
 * Glob semantics work on "units" of the folded text: a well-formed UTF-8 code
 * point, or a single byte that does not start one (see sg_utf8_unit). '?' consumes
 * one unit. A glob is the list of segments between '*'s; each segment has a fixed
 * number of units, so matching every floating segment at its leftmost position
 * is optimal and no backtracking is needed: O(len * pattern) at worst. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem (glibc declares it only for _GNU_SOURCE) */
#endif
#include "match/strmatch.h"

#include <stdlib.h>
#include <string.h>

#define NPOS ((size_t)-1)

/* Byte stored in glob_text for a '?'. Any value works: glob_one tells marks from
 * literal bytes; '?' just makes dumps readable. */
#define ONE_MARK '?'

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Substring search. Event values are short (hundreds of bytes) and needles are
 * rule literals: glibc's memmem spends more on per-call setup than on searching
 * such inputs, so short haystacks use memchr on the needle's first byte and a
 * compare; long ones (where its linear worst case matters) go to memmem. */
static const void *find(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
    if (nlen == 0)
        return hay;
    if (hlen < nlen)
        return NULL;
    if (hlen > 4096)
        return memmem(hay, hlen, needle, nlen);
    const unsigned char *h = hay, *n = needle, *end = h + (hlen - nlen) + 1;
    for (const unsigned char *p = h; p < end; p++) {
        p = memchr(p, n[0], (size_t)(end - p));
        if (!p)
            return NULL;
        if (memcmp(p + 1, n + 1, nlen - 1) == 0)
            return p;
    }
    return NULL;
}

/* ---------------------------------------------------------------- compile */

/* The pattern's tokens with empty literals dropped and runs of ANY merged, so
 * the classification does not depend on how the pattern was built. */
typedef struct {
    const sg_pattern *p;
    size_t i;     /* next raw token */
    int prev_any; /* the last token returned was ANY */
} tok_iter;

static const sg_pat_tok *tok_next(tok_iter *it)
{
    while (it->i < it->p->ntoks) {
        const sg_pat_tok *t = &it->p->toks[it->i++];
        if (t->kind == SG_PAT_LIT && t->len == 0)
            continue;
        if (t->kind == SG_PAT_ANY && it->prev_any)
            continue;
        it->prev_any = t->kind == SG_PAT_ANY;
        return t;
    }
    return NULL;
}

/* Appends literal bytes, folded unless cased. */
static int append_lit(const sg_pattern *p, const sg_pat_tok *t, int cased, sg_buf *out)
{
    const char *src = p->bytes + t->off;
    return cased ? sg_buf_append(out, src, t->len) : sg_fold_append(src, t->len, out);
}

/* Shape of the pattern in effective tokens: how many, and the kinds of the first 3. */
static sg_sm_kind classify(const sg_pattern *p, const sg_pat_tok *first[3])
{
    tok_iter it = {p, 0, 0};
    int k[3] = {0, 0, 0}; /* sg_pat_kind values; 0 = none */
    size_t n = 0;
    const sg_pat_tok *t;
    while ((t = tok_next(&it)) != NULL) {
        if (n < 3) {
            first[n] = t;
            k[n] = t->kind;
        }
        n++;
    }
    if (n == 0)
        return SG_SM_EQ; /* "" matches only "" */
    if (n == 1)
        return k[0] == SG_PAT_ANY ? SG_SM_ANY : k[0] == SG_PAT_LIT ? SG_SM_EQ : SG_SM_GLOB;
    if (n == 2 && k[0] == SG_PAT_LIT && k[1] == SG_PAT_ANY)
        return SG_SM_PREFIX;
    if (n == 2 && k[0] == SG_PAT_ANY && k[1] == SG_PAT_LIT)
        return SG_SM_SUFFIX;
    if (n == 3 && k[0] == SG_PAT_ANY && k[1] == SG_PAT_LIT && k[2] == SG_PAT_ANY)
        return SG_SM_CONTAINS;
    return SG_SM_GLOB;
}

static int compile_lit(const sg_pattern *p, const sg_pat_tok *t, sg_strmatch *m)
{
    sg_buf b = {0};
    /* reserve allocates even for 0 bytes, so the empty literal is "" (not NULL). */
    if (sg_buf_reserve(&b, t ? t->len : 0) != 0)
        return -1;
    b.data[0] = '\0';
    if (t && append_lit(p, t, m->cased, &b) != 0) {
        sg_buf_free(&b);
        return -1;
    }
    m->lit = b.data;
    m->lit_len = b.len;
    return 0;
}

/* Closes the segment that started at text offset `start`, if it is non-empty. */
static int close_seg(sg_strmatch *m, size_t *cap, size_t start, size_t end, uint32_t n_one)
{
    if (end == start)
        return 0;
    sg_glob_seg seg = {start, end - start, n_one};
    return SG_PUSH(m->segs, m->nsegs, *cap, seg);
}

static int compile_glob(const sg_pattern *p, sg_strmatch *m)
{
    sg_buf text = {0}, one = {0}; /* `one` holds glob_one, grown in step with text */
    size_t cap = 0, start = 0;
    uint32_t n_one = 0;
    int rc = -1, last_any = 0, first = 1;
    tok_iter it = {p, 0, 0};
    const sg_pat_tok *t;
    if (sg_buf_reserve(&text, p->bytes_len) != 0 || sg_buf_reserve(&one, p->bytes_len) != 0)
        goto out;
    text.data[0] = one.data[0] = '\0';
    while ((t = tok_next(&it)) != NULL) {
        if (first)
            m->anchored_start = t->kind != SG_PAT_ANY;
        first = 0;
        last_any = t->kind == SG_PAT_ANY;
        if (t->kind == SG_PAT_ANY) {
            if (close_seg(m, &cap, start, text.len, n_one) != 0)
                goto out;
            start = text.len;
            n_one = 0;
        } else if (t->kind == SG_PAT_ONE) {
            if (sg_buf_putc(&text, ONE_MARK) != 0 || sg_buf_putc(&one, 1) != 0)
                goto out;
            n_one++;
        } else {
            size_t before = text.len;
            if (append_lit(p, t, m->cased, &text) != 0 ||
                sg_buf_reserve(&one, text.len - before) != 0)
                goto out;
            memset(one.data + one.len, 0, text.len - before);
            one.len += text.len - before;
        }
    }
    if (close_seg(m, &cap, start, text.len, n_one) != 0)
        goto out;
    m->anchored_end = !last_any;
    m->glob_text = text.data;
    m->glob_one = (uint8_t *)one.data;
    text.data = one.data = NULL;
    rc = 0;
out:
    sg_buf_free(&text);
    sg_buf_free(&one);
    return rc;
}

int sg_strmatch_compile(const sg_pattern *p, int cased, sg_strmatch *out)
{
    memset(out, 0, sizeof *out);
    out->cased = cased ? 1 : 0;
    const sg_pat_tok *first[3] = {NULL, NULL, NULL};
    out->kind = classify(p, first);
    int rc = 0;
    switch (out->kind) {
    case SG_SM_ANY:
        break;
    case SG_SM_EQ:
    case SG_SM_PREFIX:
        rc = compile_lit(p, first[0], out); /* NULL for the empty pattern */
        break;
    case SG_SM_SUFFIX:
    case SG_SM_CONTAINS:
        rc = compile_lit(p, first[1], out);
        break;
    case SG_SM_GLOB:
        rc = compile_glob(p, out);
        break;
    }
    if (rc != 0)
        sg_strmatch_free(out);
    return rc;
}

void sg_strmatch_free(sg_strmatch *m)
{
    if (!m)
        return;
    free(m->lit);
    free(m->glob_text);
    free(m->glob_one);
    free(m->segs);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- glob */

/* 1 if p starts a unit when s[0, len) is decoded from the start. A byte that is
 * not a continuation byte always does; a continuation byte does unless a lead
 * byte at most 3 bytes back starts a well-formed code point covering it. */
static int is_unit_start(const unsigned char *s, size_t len, size_t p)
{
    if (p == 0 || p >= len || !is_cont(s[p]))
        return 1;
    for (size_t k = 1; k <= 3 && k <= p; k++) {
        if (!is_cont(s[p - k])) {
            int32_t cp;
            return sg_utf8_unit(s + p - k, len - (p - k), &cp) <= k;
        }
    }
    return 1; /* 4+ continuation bytes in a row: each is its own unit */
}

/* Matches segment g at s[p...]; returns the end offset or NPOS. */
static size_t seg_match_at(const sg_strmatch *m, const sg_glob_seg *g, const unsigned char *s,
                           size_t len, size_t p)
{
    const unsigned char *t = (const unsigned char *)m->glob_text + g->off;
    const uint8_t *one = m->glob_one + g->off;
    for (size_t i = 0; i < g->len; i++) {
        if (p >= len)
            return NPOS;
        if (one[i]) {
            int32_t cp;
            p += sg_utf8_unit(s + p, len - p, &cp);
        } else if (s[p++] != t[i]) {
            return NPOS;
        }
    }
    return p;
}

/* Length of the literal run that starts segment g (0 if it starts with '?'). */
static size_t lead_lit_len(const sg_strmatch *m, const sg_glob_seg *g)
{
    size_t r = 0;
    while (r < g->len && !m->glob_one[g->off + r])
        r++;
    return r;
}

/* Finds the leftmost unit start q >= from where segment g matches; sets *end to
 * the end of that match. `from` must be a unit start. 0 if found, -1 if not. */
static int seg_find(const sg_strmatch *m, const sg_glob_seg *g, const unsigned char *s, size_t len,
                    size_t from, size_t *end)
{
    const unsigned char *t = (const unsigned char *)m->glob_text + g->off;
    size_t r = lead_lit_len(m, g);
    if (r > 0 && !is_cont(t[0])) {
        /* Every position holding a non-continuation byte is a unit start, so the
         * literal lead run can be located with memmem and each hit tried. */
        size_t q = from;
        while (q < len && len - q >= r) {
            const unsigned char *hit = find(s + q, len - q, t, r);
            if (!hit)
                return -1;
            q = (size_t)(hit - s);
            size_t e = seg_match_at(m, g, s, len, q);
            if (e != NPOS) {
                *end = e;
                return 0;
            }
            q++;
        }
        return -1;
    }
    /* Starts with '?' (or an odd continuation byte): walk unit by unit. */
    for (size_t q = from;;) {
        size_t e = seg_match_at(m, g, s, len, q);
        if (e != NPOS) {
            *end = e;
            return 0;
        }
        if (q >= len)
            return -1;
        int32_t cp;
        q += sg_utf8_unit(s + q, len - q, &cp);
    }
}

/* Matches the last segment so that it ends exactly at len and starts at a unit
 * start >= from. With '?' in it, its byte length is not fixed (1-4 bytes per
 * '?'), so every start that could give that length is tried: at most
 * 3 * n_one + 1 candidates. */
static int tail_match(const sg_strmatch *m, const sg_glob_seg *g, const unsigned char *s,
                      size_t len, size_t from)
{
    size_t nlit = g->len - g->n_one;
    size_t minb = nlit + g->n_one, maxb = nlit + (size_t)4 * g->n_one;
    if (from > len || len - from < minb)
        return 0;
    size_t lo = len - from > maxb ? len - maxb : from;
    size_t hi = len - minb;
    for (size_t p = lo; p <= hi; p++) {
        if ((p == from || is_unit_start(s, len, p)) && seg_match_at(m, g, s, len, p) == len)
            return 1;
    }
    return 0;
}

static int glob_exec(const sg_strmatch *m, const unsigned char *s, size_t len)
{
    size_t pos = 0, i = 0;
    if (m->nsegs == 0)
        return 1; /* not produced by compile (that would be SG_SM_ANY); be safe */
    if (m->anchored_start) {
        size_t end = seg_match_at(m, &m->segs[0], s, len, 0);
        if (end == NPOS)
            return 0;
        if (m->nsegs == 1)
            return !m->anchored_end || end == len;
        pos = end;
        i = 1;
    }
    size_t nfloat = m->anchored_end ? m->nsegs - 1 : m->nsegs;
    for (; i < nfloat; i++)
        if (seg_find(m, &m->segs[i], s, len, pos, &pos) != 0)
            return 0;
    if (m->anchored_end)
        return tail_match(m, &m->segs[m->nsegs - 1], s, len, pos);
    return 1;
}

/* ---------------------------------------------------------------- exec */

int sg_strmatch_exec(const sg_strmatch *m, const char *s, size_t len)
{
    size_t n = m->lit_len;
    switch (m->kind) {
    case SG_SM_ANY:
        return 1;
    case SG_SM_EQ:
        return len == n && (n == 0 || memcmp(s, m->lit, n) == 0);
    case SG_SM_PREFIX:
        return len >= n && (n == 0 || memcmp(s, m->lit, n) == 0);
    case SG_SM_SUFFIX:
        return len >= n && (n == 0 || memcmp(s + len - n, m->lit, n) == 0);
    case SG_SM_CONTAINS:
        return n == 0 || (len >= n && find(s, len, m->lit, n) != NULL);
    case SG_SM_GLOB:
        return glob_exec(m, (const unsigned char *)s, len);
    }
    return 0;
}
