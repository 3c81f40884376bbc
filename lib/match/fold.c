/* Full Unicode case folding (utf8proc UTF8PROC_CASEFOLD) of UTF-8 text.
 *
 * Folding is code point by code point, so the fold of a concatenation is the
 * concatenation of the folds: rule literals and event values can be folded
 * separately and still compare correctly. Bytes that do not form a well-formed
 * code point are copied unchanged, one at a time. utf8proc only reads constant
 * tables, so this is thread-safe; the only allocation is growing `out`.
 *
 * Event values are folded on every match call and are mostly ASCII, so ASCII runs
 * are handled 8 bytes at a time (one 64-bit word, no per-byte loop, also for the
 * last < 8 bytes); only non-ASCII units go through utf8proc. */
#include "match/strmatch.h"
#include "util/bytes.h"

#include <string.h>

#include <utf8proc.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define SG_FOLD_SSE2 1
#endif

/* Full case folding maps one code point to at most 3 (e.g. U+0390 -> 3); the
 * slack only matters if a future Unicode version grows that. */
enum { FOLD_MAX_CPS = 8 };

/* Folds one code point into dst; returns the number of code points written, or
 * 0 if utf8proc refuses (the caller then keeps the original bytes). */
static size_t fold_cp(int32_t cp, utf8proc_int32_t dst[FOLD_MAX_CPS])
{
    int boundclass = 0; /* only used with UTF8PROC_CHARBOUND */
    utf8proc_ssize_t n =
        utf8proc_decompose_char(cp, dst, FOLD_MAX_CPS, UTF8PROC_CASEFOLD, &boundclass);
    if (n <= 0 || n > FOLD_MAX_CPS)
        return 0;
    return (size_t)n;
}

/* Appends the folding of the non-ASCII unit s[0, n) whose code point is cp
 * (-1 for an invalid byte). */
static int append_unit_folded(const unsigned char *s, size_t n, int32_t cp, sg_buf *out)
{
    utf8proc_int32_t cps[FOLD_MAX_CPS];
    size_t ncps = cp < 0 ? 0 : fold_cp(cp, cps);
    if (ncps == 0)
        return sg_buf_append(out, s, n);
    utf8proc_uint8_t tmp[FOLD_MAX_CPS * 4];
    size_t tlen = 0;
    for (size_t i = 0; i < ncps; i++)
        tlen += (size_t)utf8proc_encode_char(cps[i], tmp + tlen);
    return sg_buf_append(out, tmp, tlen);
}

/* ------------------------------------------------------- 8-byte words */

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline void store_le64(char *d, uint64_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(d, &x, 8);
#else
    for (int k = 0; k < 8; k++)
        d[k] = (char)(x >> (8 * k));
#endif
}

static inline uint64_t load_le16(const unsigned char *p)
{
    return p[0] | (uint64_t)p[1] << 8;
}

static inline uint64_t load_le32(const unsigned char *p)
{
    return load_le16(p) | load_le16(p + 2) << 16;
}

/* The n < 8 bytes at p as a word, zero above them, without reading past p + n:
 * two loads that overlap in the middle (the overlap holds the same bytes, so OR
 * is exact). Zero bytes are ASCII and not letters, so they never count as bad. */
static inline uint64_t load_short(const unsigned char *p, size_t n)
{
    if (n >= 4)
        return load_le32(p) | load_le32(p + n - 4) << (8 * (n - 4));
    if (n >= 2)
        return load_le16(p) | load_le16(p + n - 2) << (8 * (n - 2));
    return n ? p[0] : 0;
}

/* 0x80 in every byte of x that is 'A'..'Z'. Exact for every byte below the first
 * byte >= 0x80 (such a byte can carry into the bytes after it, never before). */
static inline uint64_t upper_bits(uint64_t x)
{
    uint64_t ge_a = x + ONES * (0x80 - 'A');     /* high bit set where byte >= 'A' */
    uint64_t gt_z = x + ONES * (0x80 - 'Z' - 1); /* high bit set where byte > 'Z' */
    return ge_a & ~gt_z & ~x & HIGHS;
}

/* x with 'A'..'Z' lowercased: exact below the first byte >= 0x80 (see above). */
static inline uint64_t lower8(uint64_t x)
{
    return x | (upper_bits(x) >> 2);
}

/* Index of the first byte whose high bit is set in mask (mask != 0). */
static inline size_t first_byte(uint64_t mask)
{
#if defined(__GNUC__)
    return (size_t)__builtin_ctzll(mask) / 8;
#else
    size_t k = 0;
    while (!(mask & 0x80))
        mask >>= 8, k++;
    return k;
#endif
}

/* The word-at-a-time part of lower_ascii_run from i (what is left after the
 * 16-byte blocks, or everything without SSE2). */
static SG_ALWAYS_INLINE size_t lower_ascii_words(const unsigned char *p, size_t i, size_t len,
                                                 char *d)
{
    for (; i + 8 <= len; i += 8) {
        const uint64_t x = sg_load_le64(p + i);
        store_le64(d + i, lower8(x));
        if (x & HIGHS)
            return i + first_byte(x & HIGHS);
    }
    if (i == len)
        return i;
    const uint64_t x = load_short(p + i, len - i);
    store_le64(d + i, lower8(x));
    return x & HIGHS ? i + first_byte(x & HIGHS) : len;
}

#ifdef SG_FOLD_SSE2
/* 0xff in every byte of x that is 'A'..'Z' (signed compares: bytes >= 0x80 are
 * negative, so never in range). */
static inline __m128i upper16(__m128i x)
{
    return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)),
                         _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));
}

static inline __m128i lower16(__m128i x)
{
    return _mm_or_si128(x, _mm_and_si128(upper16(x), _mm_set1_epi8(0x20)));
}
#endif

/* Lowercases the ASCII bytes p[0..] into d[0..] up to the first byte >= 0x80 or
 * len; returns where it stopped. Writes whole words: d needs len + 8 bytes of
 * room, and the bytes written past the stop are garbage for the caller to cover.
 * Inline (with lower_ascii_words) in sg_fold_append: a call per value cost more
 * than the lowercasing of a typical 40-byte value. */
static SG_ALWAYS_INLINE size_t lower_ascii_run(const unsigned char *p, size_t len, char *d)
{
#ifdef SG_FOLD_SSE2
    if (len >= 16) {
        size_t i = 0;
        for (; i + 16 <= len; i += 16) {
            const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            _mm_storeu_si128((__m128i *)(void *)(d + i), lower16(x));
            const int hi = _mm_movemask_epi8(x);
            if (hi)
                return i + (size_t)__builtin_ctz((unsigned)hi);
        }
        if (i == len)
            return len;
        /* The last 16 bytes, overlapping bytes already done (they are ASCII, so
         * they are rewritten with the same values and flag nothing). */
        i = len - 16;
        const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        _mm_storeu_si128((__m128i *)(void *)(d + i), lower16(x));
        const int hi = _mm_movemask_epi8(x);
        return hi ? i + (size_t)__builtin_ctz((unsigned)hi) : len;
    }
#endif
    return lower_ascii_words(p, 0, len, d);
}

/* Room for `extra` more bytes plus the NUL: the common case without a call. */
static inline int reserve(sg_buf *out, size_t extra)
{
    if (out->data && out->cap - out->len > extra)
        return 0;
    return sg_buf_reserve(out, extra);
}

/* Folds s[0, len) (from a non-ASCII byte on) into out: ASCII runs and
 * utf8proc for the units between them. Out of line: inlined, its locals made
 * sg_fold_append save six registers and a frame on every (mostly ASCII) call. */
static SG_NOINLINE int fold_mixed(const unsigned char *p, size_t len, sg_buf *out)
{
    size_t i = 0;
    for (;;) {
        int32_t cp;
        size_t n = sg_utf8_unit(p + i, len - i, &cp);
        if (append_unit_folded(p + i, n, cp, out) != 0)
            return -1;
        i += n;
        /* Room for the rest of the input (an ASCII run folds byte for byte) and
         * the run's whole-word overshoot; non-ASCII units reserve for themselves. */
        if (reserve(out, len - i + 8) != 0)
            return -1;
        const size_t run = lower_ascii_run(p + i, len - i, out->data + out->len);
        out->len += run;
        i += run;
        if (i == len)
            return 0;
    }
}

/* sg_fold_append without the final NUL; inline so that the common all-ASCII case
 * costs no further call. */
static inline int fold_append(const unsigned char *p, size_t len, sg_buf *out)
{
    if (reserve(out, len + 8) != 0)
        return -1;
    const size_t run = lower_ascii_run(p, len, out->data + out->len);
    out->len += run;
    return run == len ? 0 : fold_mixed(p + run, len - run, out);
}

int sg_fold_append(const char *s, size_t len, sg_buf *out)
{
    if (fold_append((const unsigned char *)s, len, out) != 0)
        return -1;
    out->data[out->len] = '\0';
    return 0;
}

int sg_fold_is_identity(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c >= 'A' && c <= 'Z')
                return 0;
            i++;
            continue;
        }
        int32_t cp;
        size_t n = sg_utf8_unit(p + i, len - i, &cp);
        if (cp >= 0) {
            utf8proc_int32_t cps[FOLD_MAX_CPS];
            size_t ncps = fold_cp(cp, cps);
            if (ncps > 1 || (ncps == 1 && cps[0] != cp))
                return 0;
        }
        i += n;
    }
    return 1;
}
