/* A literal every match of a regular expression must contain (internal). */
#ifndef SG_INDEX_REGEX_LITERAL_H
#define SG_INDEX_REGEX_LITERAL_H

#include <stddef.h>
#include <stdint.h>

/* Writes the longest stretch of plain ASCII characters that every match of `re`
 * contains into out (at most cap bytes) and returns its length; 0 when none can
 * be proven (alternation at the top level, extended mode, unknown escapes...). */
size_t sg_regex_required_literal(const char *re, size_t len, char *out, size_t cap);

/* How many times every match of `re` must contain each ASCII character (counts[c],
 * from the same analysis: characters outside groups and classes that no quantifier
 * makes optional). 1 if the analysis went through; 0 (all counts 0) if not. */
int sg_regex_required_chars(const char *re, size_t len, uint16_t counts[128]);

#endif
