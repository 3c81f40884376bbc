/* text_buf.c - growable text buffer and JSON string escaping for the example tools. */
#include "text_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void tb_die_nomem(void)
{
    fprintf(stderr, "%s: out of memory\n", tb_program_name);
    exit(2);
}

void tb_reserve(text_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        tb_die_nomem();
    b->data = p;
    b->cap = cap;
}

void tb_printf(text_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        tb_add(b, small, (size_t)n);
        return;
    }
    tb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *tb_take(text_buf *b)
{
    char *s = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void tb_free(text_buf *b)
{
    free(tb_take(b));
}

char *tb_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        errno = EISDIR;
        return NULL;
    }
    text_buf b = {NULL, 0, 0};
    tb_reserve(&b, 0);
    b.data[0] = '\0';
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        tb_add(&b, chunk, got);
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (err) {
        tb_free(&b);
        errno = err;
        return NULL;
    }
    *len_out = b.len;
    return b.data;
}

void tb_add_json_str(text_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    tb_add(b, "\"", 1);
    while (i < n) {
        size_t run = i;
        /* Copy the longest stretch that needs no escaping in one go. */
        while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            tb_add(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t len = tb_utf8_seq_len(p + i, n - i);
            if (len == 0) {
                tb_adds(b, "\\ufffd");
                i++;
            } else {
                tb_add(b, s + i, len);
                i += len;
            }
            continue;
        }
        switch (c) {
        case '"':
            tb_adds(b, "\\\"");
            break;
        case '\\':
            tb_adds(b, "\\\\");
            break;
        case '\b':
            tb_adds(b, "\\b");
            break;
        case '\f':
            tb_adds(b, "\\f");
            break;
        case '\n':
            tb_adds(b, "\\n");
            break;
        case '\r':
            tb_adds(b, "\\r");
            break;
        case '\t':
            tb_adds(b, "\\t");
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            tb_add(b, esc, 6);
            break;
        }
        }
        i++;
    }
    tb_add(b, "\"", 1);
}

void tb_add_json_str_or_null(text_buf *b, const char *s)
{
    if (s)
        tb_add_json_str(b, s, strlen(s));
    else
        tb_adds(b, "null");
}

void tb_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", tb_program_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n\n", stderr);
    fputs(usage, stderr);
    exit(2);
}

double tb_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
