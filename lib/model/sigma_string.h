/* Sigma string values: the exact Sigma escaping rules (sigma-semantics.md §3.1)
 * turn the YAML text of a value into a pattern of literals and wildcards. */
#ifndef SG_MODEL_SIGMA_STRING_H
#define SG_MODEL_SIGMA_STRING_H

#include <stddef.h>

typedef enum {
    SG_PAT_LIT = 1, /* literal bytes bytes[off, off+len) */
    SG_PAT_ANY,     /* '*': zero or more characters */
    SG_PAT_ONE      /* '?': exactly one character (code point) */
} sg_pat_kind;

typedef struct sg_pat_tok {
    sg_pat_kind kind;
    size_t off, len; /* SG_PAT_LIT only */
} sg_pat_tok;

/* A parsed pattern. Adjacent literals are merged; adjacent ANY are merged. */
typedef struct sg_pattern {
    char *bytes; /* concatenated literal bytes (unescaped), NUL-terminated */
    size_t bytes_len;
    sg_pat_tok *toks;
    size_t ntoks;
} sg_pattern;

/* Parses Sigma string text (after YAML unescaping): `\*` `\?` `\\` escape, a
 * backslash before anything else is literal, a trailing lone backslash is literal,
 * `*` is ANY and `?` is ONE. 0 or -1 (no memory). */
int sg_pattern_parse(const char *text, size_t len, sg_pattern *out);
/* A pattern that is one literal (no wildcards), e.g. from a number rendered as text. */
int sg_pattern_literal(const char *text, size_t len, sg_pattern *out);
/* Adds ANY at the start / end unless the pattern already starts / ends with ANY. */
int sg_pattern_prepend_any(sg_pattern *p);
int sg_pattern_append_any(sg_pattern *p);
/* 1 if the pattern has no ANY/ONE token. */
int sg_pattern_is_literal(const sg_pattern *p);
/* Deep copy. */
int sg_pattern_copy(const sg_pattern *src, sg_pattern *dst);
void sg_pattern_free(sg_pattern *p);

#endif
