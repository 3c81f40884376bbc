/* catalog_buf.h - growable text buffer and the escaping rules of sigma-catalog's pages.
 *
 * Every page is built in one buffer and written with one fwrite. The escapers
 * here are the only places where rule text enters a page, so HTML and Markdown
 * escaping is decided once.
 */
#ifndef CATALOG_BUF_H
#define CATALOG_BUF_H

#include <stddef.h>

typedef struct cat_buf {
    char *data; /* NUL-terminated once anything was added */
    size_t len;
    size_t cap;
} cat_buf;

/* Out of memory is fatal for the tool: message and exit 2. */
void cat_die_nomem(void);

void cat_buf_add(cat_buf *b, const char *s, size_t n);
void cat_buf_adds(cat_buf *b, const char *s);
void cat_buf_addc(cat_buf *b, char c);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void cat_buf_printf(cat_buf *b, const char *fmt, ...);
void cat_buf_free(cat_buf *b);

/* HTML text and attribute values: & < > " ' become entities; bytes that are not
 * valid UTF-8 become U+FFFD and control characters other than tab and newline are
 * dropped, so the page is always valid UTF-8 HTML. */
void cat_html_text(cat_buf *b, const char *s);

/* Markdown inline text (title, description, table cells): every ASCII punctuation
 * character with a Markdown meaning is backslash-escaped, so the text shows as
 * written. `in_table` also turns line breaks into spaces (a cell is one line);
 * otherwise each line ends with a hard line break. */
void cat_md_text(cat_buf *b, const char *s, int in_table);

/* Markdown code span for a value (`value`): the backtick fence is one longer than
 * the longest backtick run inside, padded with spaces when the value starts or ends
 * with a backtick or a space. In a table, `|` is escaped as `\|` (GitHub removes the
 * backslash inside code spans in tables) and line breaks become spaces. An empty
 * value is shown as an empty string literal (""). */
void cat_md_code(cat_buf *b, const char *s, int in_table);

/* Text copied as it is (a fenced code block's content), made valid UTF-8 (U+FFFD for
 * invalid bytes) without control characters other than tab and line breaks. */
void cat_md_raw(cat_buf *b, const char *s);

/* Length of the longest run of `c` in s. */
size_t cat_longest_run(const char *s, char c);

/* File name for a rule page: the id (or the fallback) with every byte outside
 * [A-Za-z0-9._-] replaced by '_', never starting with '.'. Caller frees. */
char *cat_safe_name(const char *id, const char *fallback);

#endif
