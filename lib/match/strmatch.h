/* The one matcher core: equals / prefix / suffix / contains / glob over
 * case-folded UTF-8. Every string modifier of every rule ends up here.
 *
 * Folding is full Unicode case folding (utf8proc UTF8PROC_CASEFOLD), applied to
 * rule literals once at compile time and to event values once per match call.
 * Bytes that are not valid UTF-8 are copied through unchanged, so invalid input
 * matches bytewise and never crashes. `cased` matchers skip folding on both sides. */
#ifndef SG_MATCH_STRMATCH_H
#define SG_MATCH_STRMATCH_H

#include <stddef.h>
#include <stdint.h>

#include "model/sigma_string.h"
#include "util/vec.h"

/* Length of the UTF-8 unit starting at s[0] (len >= 1): a well-formed code point of
 * 1-4 bytes (no overlongs, surrogates or values above U+10FFFF: the rules of
 * utf8proc_iterate), or 1 for a byte that does not start one. *cp receives the code
 * point, or -1 for such a byte. Folding and '?' both step with this, so they agree
 * on what one character is. */
static inline size_t sg_utf8_unit(const unsigned char *s, size_t len, int32_t *cp)
{
    unsigned c = s[0];
    *cp = -1;
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c < 0xC2)
        return 1; /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0) {
        n = 2;
    } else if (c < 0xF0) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c < 0xF5) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 1;
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 1;
    uint32_t v = c & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if (i > 1 && (s[i] & 0xC0) != 0x80)
            return 1;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    *cp = (int32_t)v;
    return n;
}

/* Appends the case folding of s[0, len) to out. ASCII fast path; identical results
 * to folding code point by code point with utf8proc. 0 or -1 (no memory). */
int sg_fold_append(const char *s, size_t len, sg_buf *out);
/* 1 if s[0, len) is unchanged by folding (lets callers skip a copy). */
int sg_fold_is_identity(const char *s, size_t len);

typedef enum {
    SG_SM_ANY = 1,  /* pattern "*": every value matches */
    SG_SM_EQ,       /* whole value equals lit */
    SG_SM_PREFIX,   /* lit* */
    SG_SM_SUFFIX,   /* *lit */
    SG_SM_CONTAINS, /* *lit* */
    SG_SM_GLOB      /* anything else: general glob */
} sg_sm_kind;

typedef struct sg_glob_seg {
    size_t off, len; /* folded segment text in glob_text[off, off+len), may contain ONE marks */
    uint32_t n_one;  /* number of '?' inside the segment */
} sg_glob_seg;

/* A compiled string matcher. Literal text is stored folded unless `cased`. */
typedef struct sg_strmatch {
    sg_sm_kind kind;
    int cased;
    char *lit; /* EQ/PREFIX/SUFFIX/CONTAINS: the (folded) literal, NUL-terminated */
    size_t lit_len;
    /* GLOB: the pattern as segments between ANY tokens. anchored_start: the first
     * segment must match at offset 0; anchored_end: the last must end at the end. */
    char *glob_text;
    uint8_t *glob_one; /* glob_one[i] = 1 when glob_text[i] is a '?' placeholder byte */
    sg_glob_seg *segs;
    size_t nsegs;
    int anchored_start, anchored_end;
} sg_strmatch;

/* Compiles a pattern; folds its literals unless `cased`. 0 or -1 (no memory). */
int sg_strmatch_compile(const sg_pattern *p, int cased, sg_strmatch *out);
/* Matches a value. `s` must already be folded with sg_fold_append unless m->cased.
 * Linear in len * pattern size at worst (no backtracking across '*'); '?' consumes
 * one UTF-8 code point (an invalid byte counts as one). Returns 1 or 0. */
int sg_strmatch_exec(const sg_strmatch *m, const char *s, size_t len);
void sg_strmatch_free(sg_strmatch *m);

#endif
