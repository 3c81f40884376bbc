/* Full Unicode case folding (utf8proc UTF8PROC_CASEFOLD) of UTF-8 text.
 *
 * Folding is code point by code point, so the fold of a concatenation is the
 * concatenation of the folds: rule literals and event values can be folded
 * separately and still compare correctly. Bytes that do not form a well-formed
 * code point are copied unchanged, one at a time. utf8proc only reads constant
 * tables, so this is thread-safe; the only allocation is growing `out`. */
#include "match/strmatch.h"

#include <string.h>

#include <utf8proc.h>

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

/* ASCII letters of the 8 ASCII bytes in x lowercased, all at once: a byte gets
 * 0x20 added when 'A' <= byte <= 'Z' (bytes are < 0x80, so no carries cross). */
static inline uint64_t lower_ascii8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t ge_a = x + ones * (0x80 - 'A');     /* high bit set where byte >= 'A' */
    uint64_t gt_z = x + ones * (0x80 - 'Z' - 1); /* high bit set where byte > 'Z' */
    uint64_t upper = ge_a & ~gt_z & (ones * 0x80);
    return x | (upper >> 2);
}

int sg_fold_append(const char *s, size_t len, sg_buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* Most values are ASCII: lowercase 8 bytes at a time until a non-ASCII
         * byte, then fold that unit with utf8proc. Reserving the rest of the input
         * each time keeps room (folding can grow a unit). */
        if (sg_buf_reserve(out, len - i) != 0)
            return -1;
        char *d = out->data + out->len;
        const size_t start = i;
        for (; i + 8 <= len; i += 8) {
            uint64_t x;
            memcpy(&x, p + i, 8);
            if (x & 0x8080808080808080ull)
                break;
            x = lower_ascii8(x);
            memcpy(d + (i - start), &x, 8);
        }
        for (; i < len && p[i] < 0x80; i++) {
            unsigned char c = p[i];
            d[i - start] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
        out->len += i - start;
        out->data[out->len] = '\0';
        if (i == len)
            break;
        int32_t cp;
        size_t n = sg_utf8_unit(p + i, len - i, &cp);
        if (append_unit_folded(p + i, n, cp, out) != 0)
            return -1;
        i += n;
    }
    if (len == 0 && sg_buf_reserve(out, 0) != 0)
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
