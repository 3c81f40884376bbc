/* catalog_buf.c - HTML / Markdown escaping for sigma-catalog, on the shared text_buf. */
#include "catalog_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies one non-ASCII sequence (or U+FFFD for invalid bytes); returns bytes read. */
static size_t add_utf8(text_buf *b, const char *s)
{
    size_t n = tb_utf8_seq_len((const unsigned char *)s, 4); /* stops at the NUL */
    if (n == 0) {
        tb_adds(b, "\xEF\xBF\xBD");
        return 1;
    }
    tb_add(b, s, n);
    return n;
}

void cat_html_text(text_buf *b, const char *s)
{
    if (!s)
        return;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            tb_adds(b, "&amp;");
            break;
        case '<':
            tb_adds(b, "&lt;");
            break;
        case '>':
            tb_adds(b, "&gt;");
            break;
        case '"':
            tb_adds(b, "&quot;");
            break;
        case '\'':
            tb_adds(b, "&#39;");
            break;
        default:
            if (c >= 0x80) {
                s += add_utf8(b, s);
                continue;
            }
            if (c >= 0x20 || c == '\n' || c == '\t')
                tb_addc(b, (char)c);
            else if (c == '\r' && s[1] != '\n')
                tb_addc(b, '\n');
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

void cat_md_text(text_buf *b, const char *s, int in_table)
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
                tb_addc(b, ' ');
            } else if (*s) {
                tb_adds(b, "\\\n"); /* hard line break */
                line_start = 1;
            }
            continue;
        }
        if (line_start && c >= '0' && c <= '9') {
            /* "1." or "1)" at the start of a line would begin an ordered list. */
            const char *d = s;
            while (*d >= '0' && *d <= '9')
                d++;
            tb_add(b, s, (size_t)(d - s));
            if (*d == '.' || *d == ')') {
                tb_addc(b, '\\');
                tb_addc(b, *d);
                d++;
            }
            s = d;
            line_start = 0;
            continue;
        }
        if (line_start && (c == ' ' || c == '\t')) {
            /* Leading indentation would make an indented code block. */
            tb_adds(b, "&#32;");
            s++;
            continue;
        }
        if (line_start && md_line_special(c)) {
            tb_addc(b, '\\');
            tb_addc(b, (char)c);
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
            tb_addc(b, '\\');
        tb_addc(b, (char)c);
        s++;
    }
}

void cat_md_raw(text_buf *b, const char *s)
{
    while (s && *s) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) {
            s += add_utf8(b, s);
            continue;
        }
        if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r')
            tb_addc(b, (char)c);
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

void cat_md_code(text_buf *b, const char *s, int in_table)
{
    if (!s || !*s) {
        tb_adds(b, "*(empty)*");
        return;
    }
    size_t n = strlen(s);
    size_t fence = cat_longest_run(s, '`') + 1;
    int all_space = strspn(s, " ") == n;
    int pad = s[0] == '`' || s[n - 1] == '`' || (!all_space && s[0] == ' ' && s[n - 1] == ' ');
    for (size_t i = 0; i < fence; i++)
        tb_addc(b, '`');
    if (pad)
        tb_addc(b, ' ');
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c == '\r' || c == '\n') {
            tb_addc(b, ' ');
            s++;
        } else if (c == '|' && in_table) {
            tb_adds(b, "\\|");
            s++;
        } else if (c >= 0x80) {
            s += add_utf8(b, s);
        } else if (c < 0x20 && c != '\t') {
            s++;
        } else {
            tb_addc(b, (char)c);
            s++;
        }
    }
    if (pad)
        tb_addc(b, ' ');
    for (size_t i = 0; i < fence; i++)
        tb_addc(b, '`');
}

char *cat_safe_name(const char *id, const char *fallback)
{
    const char *src = id && *id ? id : fallback;
    size_t n = strlen(src);
    char *out = malloc(n + 2);
    if (!out)
        tb_die_nomem();
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
