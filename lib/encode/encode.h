/* Value encoders (sigma-semantics.md §4.2): modifiers that rewrite a rule value at
 * compile time into one or more patterns for the one matcher core. Nothing is
 * decoded per event. Each encoder replaces every pattern of the set by its
 * encoding(s); an expansion (several alternatives) is OR-ed by the caller. */
#ifndef SG_ENCODE_ENCODE_H
#define SG_ENCODE_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "model/sigma_string.h"

/* A set of alternative patterns (owned). */
typedef struct sg_pattern_set {
    sg_pattern *items;
    size_t n, cap;
} sg_pattern_set;

/* Appends *p (moved: *p is zeroed). 0 or -1 (no memory; *p freed). */
int sg_pset_push(sg_pattern_set *s, sg_pattern *p);
void sg_pset_free(sg_pattern_set *s);

/* Return convention of every encoder: 0 ok; 1 the value cannot be encoded (message
 * in err, e.g. "wildcards cannot be encoded by 'base64'"); -1 out of memory. On
 * error the set is left valid (freeable). */

typedef enum { SG_UTF16_LE = 1, SG_UTF16_BE, SG_UTF16_BOM /* FF FE + LE */ } sg_utf16_kind;

/* wide / utf16le / utf16be / utf16: literal bytes (UTF-8) become UTF-16 code
 * units; wildcards stay wildcards (a later base64 rejects them). Invalid UTF-8
 * in a literal -> error. */
int sg_encode_utf16(sg_pattern_set *s, sg_utf16_kind kind, char *err, size_t errcap);

/* base64: the pattern must be one literal (no wildcards) -> its standard Base64
 * (RFC 4648, '=' padding). */
int sg_encode_base64(sg_pattern_set *s, char *err, size_t errcap);

/* base64offset: one literal -> the 3 alignment variants (bytes, not characters):
 * for shift 0,1,2 encode (shift filler bytes + value), drop the first {0,2,3}[shift]
 * chars and, with r = (len + shift) % 3, the last {0,3,2}[r] chars... exactly as
 * sigma-semantics.md §4.2 ("http://" -> aHR0cDovL, h0dHA6Ly, odHRwOi8v). Empty
 * and duplicate variants are dropped; none left -> error ("value too short"). */
int sg_encode_base64offset(sg_pattern_set *s, char *err, size_t errcap);

/* windash: in each literal run, every '-' or '/' preceded by a non-word character
 * (or the start of the run) and followed by a word character (Unicode \w) is an
 * expansion point; each becomes one of '-', '/', U+2013, U+2014, U+2015; all 5^k
 * combinations. More than max_alternatives patterns in the resulting set -> error.
 * \w = Unicode categories L*, M*, N*, Pc. */
int sg_encode_windash(sg_pattern_set *s, size_t max_alternatives, char *err, size_t errcap);

/* Placeholder values for `expand`: name -> list of Sigma pattern texts. */
typedef struct sg_placeholder {
    char *name;    /* without the % signs */
    char **values; /* raw Sigma string texts (parsed with sg_pattern_parse) */
    size_t nvalues;
} sg_placeholder;

typedef struct sg_placeholders {
    sg_placeholder *items;
    size_t n, cap;
} sg_placeholders;

/* Adds one value to `name` (creating it). 0 or -1. */
int sg_placeholders_add(sg_placeholders *p, const char *name, size_t name_len, const char *value,
                        size_t value_len);
void sg_placeholders_free(sg_placeholders *p);

/* expand: every %name% inside a literal is replaced by each value of that
 * placeholder (parsed as a Sigma string, wildcards kept), cartesian product over
 * several placeholders. A literal "\%" (backslash percent, as the Sigma string
 * parser leaves it) is a literal '%' and never starts a placeholder. An undefined
 * placeholder -> error naming it. More than max_alternatives patterns in the
 * resulting set -> error. A name is any non-empty run of bytes other than '%'
 * and whitespace; a '%' that does not open such a `%name%` stays literal. The
 * results are normalised (adjacent literals / ANY merged). */
int sg_expand_placeholders(sg_pattern_set *s, const sg_placeholders *ph, size_t max_alternatives,
                           char *err, size_t errcap);

#endif
