/* catalog_buf.c - growable buffer and HTML / Markdown escaping for sigma-catalog. */
#include "catalog_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cat_die_nomem(void)
{
    fputs("sigma-catalog: out of memory\n", stderr);
    exit(2);
}

static void reserve(cat_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        cat_die_nomem();
    b->data = p;
    b->cap = cap;
}

void cat_buf_add(cat_buf *b, const char *s, size_t n)
{
    reserve(b, n);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cat_buf_adds(cat_buf *b, const char *s)
{
    cat_buf_add(b, s, strlen(s));
}

void cat_buf_addc(cat_buf *b, char c)
{
    cat_buf_add(b, &c, 1);
}

void cat_buf_printf(cat_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        cat_buf_add(b, small, (size_t)n);
        return;
    }
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void cat_buf_free(cat_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Length of the valid UTF-8 sequence at s, or 0 if the bytes there are not valid
 * UTF-8 (overlong forms, surrogates, values above U+10FFFF). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Copies one non-ASCII sequence (or U+FFFD for invalid bytes); returns bytes read. */
static size_t add_utf8(cat_buf *b, const char *s)
{
    size_t n = utf8_len((const unsigned char *)s);
    if (n == 0) {
        cat_buf_adds(b, "\xEF\xBF\xBD");
        return 1;
    }
    cat_buf_add(b, s, n);
    return n;
}

void cat_html_text(cat_buf *b, const char *s)
{
    if (!s)
        return;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            cat_buf_adds(b, "&amp;");
            break;
        case '<':
            cat_buf_adds(b, "&lt;");
            break;
        case '>':
            cat_buf_adds(b, "&gt;");
            break;
        case '"':
            cat_buf_adds(b, "&quot;");
            break;
        case '\'':
            cat_buf_adds(b, "&#39;");
            break;
        default:
            if (c >= 0x80) {
                s += add_utf8(b, s);
                continue;
            }
            if (c >= 0x20 || c == '\n' || c == '\t')
                cat_buf_addc(b, (char)c);
            else if (c == '\r' && s[1] != '\n')
                cat_buf_addc(b, '\n');
            break;
        }
        s++;
    }
}

/* ASCII punctuation with a Markdown meaning anywhere in a line (CommonMark allows a
 * backslash before any ASCII punctuation; `$` is GitHub's math delimiter). */
static int md_special(unsigned char c)
{
    return c != '\0' && strchr("\\`*_[]<>|~&$#", c) != NULL;
}

/* ... and at the start of a line only: headings, lists, block quotes, setext
 * underlines, thematic breaks. */
static int md_line_special(unsigned char c)
{
    return c != '\0' && strchr("+-=>", c) != NULL;
}

void cat_md_text(cat_buf *b, const char *s, int in_table)
{
    if (!s)
        return;
    int line_start = 1;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c == '\r' || c == '\n') {
            if (c == '\r' && s[1] == '\n')
                s++;
            s++;
            if (in_table) {
                cat_buf_addc(b, ' ');
            } else if (*s) {
                cat_buf_adds(b, "\\\n"); /* hard line break */
                line_start = 1;
            }
            continue;
        }
        if (line_start && c >= '0' && c <= '9') {
            /* "1." or "1)" at the start of a line would begin an ordered list. */
            const char *d = s;
            while (*d >= '0' && *d <= '9')
                d++;
            cat_buf_add(b, s, (size_t)(d - s));
            if (*d == '.' || *d == ')') {
                cat_buf_addc(b, '\\');
                cat_buf_addc(b, *d);
                d++;
            }
            s = d;
            line_start = 0;
            continue;
        }
        if (line_start && (c == ' ' || c == '\t')) {
            /* Leading indentation would make an indented code block. */
            cat_buf_adds(b, "&#32;");
            s++;
            continue;
        }
        if (line_start && md_line_special(c)) {
            cat_buf_addc(b, '\\');
            cat_buf_addc(b, (char)c);
            s++;
            line_start = 0;
            continue;
        }
        line_start = 0;
        if (c >= 0x80) {
            s += add_utf8(b, s);
            continue;
        }
        if (c < 0x20 && c != '\t') {
            s++;
            continue;
        }
        if (md_special(c))
            cat_buf_addc(b, '\\');
        cat_buf_addc(b, (char)c);
        s++;
    }
}

void cat_md_raw(cat_buf *b, const char *s)
{
    while (s && *s) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) {
            s += add_utf8(b, s);
            continue;
        }
        if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r')
            cat_buf_addc(b, (char)c);
        s++;
    }
}

size_t cat_longest_run(const char *s, char c)
{
    size_t best = 0, cur = 0;
    for (; s && *s; s++) {
        if (*s == c) {
            if (++cur > best)
                best = cur;
        } else {
            cur = 0;
        }
    }
    return best;
}

void cat_md_code(cat_buf *b, const char *s, int in_table)
{
    if (!s || !*s) {
        cat_buf_adds(b, "*(empty)*");
        return;
    }
    size_t n = strlen(s);
    size_t fence = cat_longest_run(s, '`') + 1;
    int all_space = strspn(s, " ") == n;
    int pad = s[0] == '`' || s[n - 1] == '`' || (!all_space && s[0] == ' ' && s[n - 1] == ' ');
    for (size_t i = 0; i < fence; i++)
        cat_buf_addc(b, '`');
    if (pad)
        cat_buf_addc(b, ' ');
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c == '\r' || c == '\n') {
            cat_buf_addc(b, ' ');
            s++;
        } else if (c == '|' && in_table) {
            cat_buf_adds(b, "\\|");
            s++;
        } else if (c >= 0x80) {
            s += add_utf8(b, s);
        } else if (c < 0x20 && c != '\t') {
            s++;
        } else {
            cat_buf_addc(b, (char)c);
            s++;
        }
    }
    if (pad)
        cat_buf_addc(b, ' ');
    for (size_t i = 0; i < fence; i++)
        cat_buf_addc(b, '`');
}

char *cat_safe_name(const char *id, const char *fallback)
{
    const char *src = id && *id ? id : fallback;
    size_t n = strlen(src);
    char *out = malloc(n + 2);
    if (!out)
        cat_die_nomem();
    size_t o = 0;
    if (src[0] == '.')
        out[o++] = '_';
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        out[o++] = ok ? c : '_';
    }
    out[o] = '\0';
    return out;
}
