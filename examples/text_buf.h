/* text_buf.h - growable text buffer, JSON string escaping and UTF-8 helpers shared by
 * the example tools (sigma-scan, sigma-catalog, the JSON and Windows event readers).
 *
 * Out of memory is fatal for the tools that use the buffer: "<tool>: out of memory" on
 * stderr and exit 2. Each program that links the buffer functions defines
 * `tb_program_name` (a constant, so no mutable global state). The UTF-8 helpers are
 * inline so the event readers (also linked into programs without that name) need only
 * this header.
 */
#ifndef TEXT_BUF_H
#define TEXT_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Prefix of the out-of-memory and usage messages; defined by each tool ("sigma-scan"). */
extern const char tb_program_name[];

typedef struct text_buf {
    char *data; /* NUL-terminated once anything was added */
    size_t len;
    size_t cap;
} text_buf;

#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void tb_die_nomem(void);

/* Room for `extra` more bytes and the terminating NUL. */
void tb_reserve(text_buf *b, size_t extra);

/* tb_add and tb_addc are inline: the page and line builders call them per byte, and a
 * call into the library for each would cost about an eighth more instructions. */
static inline void tb_add(text_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        tb_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void tb_addc(text_buf *b, char c)
{
    if (b->len + 2 > b->cap)
        tb_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

static inline void tb_adds(text_buf *b, const char *s)
{
    tb_add(b, s, strlen(s));
}
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void tb_printf(text_buf *b, const char *fmt, ...);
/* The text (caller frees; NULL if nothing was added); the buffer is empty again. */
char *tb_take(text_buf *b);
void tb_free(text_buf *b);

/* Reads a whole file into a NUL-terminated buffer (caller frees). NULL with errno set
 * when it cannot be opened or read; a directory fails with EISDIR. */
char *tb_read_file(const char *path, size_t *len_out);

/* Appends `s` as a JSON string literal (with quotes), as sigma-scan's output lines
 * have it: UTF-8 is kept as it is; quotes and backslashes are escaped; \b \f \n \r \t
 * use their short forms, other control characters \u00XX; bytes that are not valid
 * UTF-8 become \ufffd, so the output is always valid JSON. */
void tb_add_json_str(text_buf *b, const char *s, size_t n);
/* The same for a NUL-terminated string, or `null` for NULL. */
void tb_add_json_str_or_null(text_buf *b, const char *s);

/* Command-line tools: prints "<tool>: <message>", a blank line and `usage` on stderr,
 * then exits 2 (the tools' usage status). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3), noreturn))
#endif
void tb_usage_error(const char *usage, const char *fmt, ...);

/* Seconds on the monotonic clock, for the tools' timings. */
double tb_now_seconds(void);

/* Length of the valid UTF-8 sequence starting at s (at most n bytes): 1 for ASCII, 0
 * when the bytes there are not valid UTF-8 (overlong forms, surrogates and values above
 * U+10FFFF are invalid). For a NUL-terminated string n may exceed what is left: the
 * NUL is no continuation byte, so nothing past it is read. */
static inline size_t tb_utf8_seq_len(const unsigned char *s, size_t n)
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
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Writes code point cp (at most U+10FFFF) as UTF-8 to out (room for 4 bytes);
 * returns the bytes written. */
static inline size_t tb_utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#endif
