/* Full Unicode case folding (utf8proc UTF8PROC_CASEFOLD) of UTF-8 text.
 *
 * Folding is code point by code point, so the fold of a concatenation is the
 * concatenation of the folds: rule literals and event values can be folded
 * separately and still compare correctly. Bytes that do not form a well-formed
 * code point are copied unchanged, one at a time. utf8proc only reads constant
 * tables, so this is thread-safe; the only allocation is growing `out`. */
#include "match/strmatch.h"

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

/* Appends the ASCII run s[0, n) lowercased (A-Z are the only ASCII code points
 * that case folding changes). */
static int append_ascii_lower(const unsigned char *s, size_t n, sg_buf *out)
{
    if (sg_buf_reserve(out, n) != 0)
        return -1;
    char *d = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        d[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out->len += n;
    out->data[out->len] = '\0';
    return 0;
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

int sg_fold_append(const char *s, size_t len, sg_buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    /* Most values are ASCII: reserve once so the common case never regrows. */
    if (sg_buf_reserve(out, len) != 0)
        return -1;
    out->data[out->len] = '\0'; /* reserve does not terminate a fresh buffer */
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && p[j] < 0x80)
            j++;
        if (j > i && append_ascii_lower(p + i, j - i, out) != 0)
            return -1;
        i = j;
        if (i == len)
            break;
        int32_t cp;
        size_t n = sg_utf8_unit(p + i, len - i, &cp);
        if (append_unit_folded(p + i, n, cp, out) != 0)
            return -1;
        i += n;
    }
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
