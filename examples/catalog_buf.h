/* catalog_buf.h - the escaping rules of sigma-catalog's pages (HTML and Markdown).
 *
 * Every page is built in one buffer and written with one fwrite. The escapers
 * here are the only places where rule text enters a page, so HTML and Markdown
 * escaping is decided once.
 */
#ifndef CATALOG_BUF_H
#define CATALOG_BUF_H

#include <stddef.h>

#include "text_buf.h" /* the buffer (text_buf, tb_*) the pages are built in */

/* HTML text and attribute values: & < > " ' become entities; bytes that are not
 * valid UTF-8 become U+FFFD and control characters other than tab and newline are
 * dropped, so the page is always valid UTF-8 HTML. */
void cat_html_text(text_buf *b, const char *s);

/* Markdown inline text (title, description, table cells): every ASCII punctuation
 * character with a Markdown meaning is backslash-escaped, so the text shows as
 * written. `in_table` also turns line breaks into spaces (a cell is one line);
 * otherwise each line ends with a hard line break. */
void cat_md_text(text_buf *b, const char *s, int in_table);

/* Markdown code span for a value (`value`): the backtick fence is one longer than
 * the longest backtick run inside, padded with spaces when the value starts or ends
 * with a backtick or a space. In a table, `|` is escaped as `\|` (GitHub removes the
 * backslash inside code spans in tables) and line breaks become spaces. An empty
 * value is shown as an empty string literal (""). */
void cat_md_code(text_buf *b, const char *s, int in_table);

/* Text copied as it is (a fenced code block's content), made valid UTF-8 (U+FFFD for
 * invalid bytes) without control characters other than tab and line breaks. */
void cat_md_raw(text_buf *b, const char *s);

/* Length of the longest run of `c` in s. */
size_t cat_longest_run(const char *s, char c);

/* File name for a rule page: the id (or the fallback) with every byte outside
 * [A-Za-z0-9._-] replaced by '_', never starting with '.'. Caller frees. */
char *cat_safe_name(const char *id, const char *fallback);

#endif
