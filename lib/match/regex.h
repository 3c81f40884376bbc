/* The `re` modifier: PCRE2 in UTF mode, JIT when available, bounded matching. */
#ifndef SG_MATCH_REGEX_H
#define SG_MATCH_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Compiles `re` with the SG_PF_RE_* flags. Returns the code, or NULL with a message
 * in err (and the byte offset of the problem in *erroff). */
pcre2_code *sg_regex_compile(const char *re, size_t len, uint32_t flags, char *err, size_t errcap,
                             size_t *erroff);
/* 1 match, 0 no match (also when a limit is hit: a runaway regex never blocks). */
int sg_regex_search(const pcre2_code *code, const char *s, size_t len, pcre2_match_data *md,
                    pcre2_match_context *mctx);

/* Characters a subject needs, each at least min[i] times, for the regex to match:
 * a test run before PCRE2. SigmaHQ's obfuscation rules look for runs of special
 * characters ('\+.*\+.*...' needs 14 '+'); on the usual command line, with a few
 * of them, PCRE2 tries every split of the '.*'s before failing (9,000 cycles per
 * call for the four regexes of one rule), where counting takes a few memchr. */
#define SG_REGEX_GUARD_MAX 4

typedef struct sg_regex_guard {
    uint8_t n;
    unsigned char c[SG_REGEX_GUARD_MAX];
    uint16_t min[SG_REGEX_GUARD_MAX];
} sg_regex_guard;

/* The guard from the required-character counts of a pattern
 * (sg_regex_required_chars): the most required characters that are neither
 * letters (caseless matching has non-ASCII forms of some) nor control
 * characters. */
void sg_regex_guard_make(const uint16_t counts[128], sg_regex_guard *g);

/* 0 if s[0, len) lacks a character the guard requires (the regex cannot match). */
static inline int sg_regex_guard_passes(const sg_regex_guard *g, const char *s, size_t len)
{
    for (uint32_t i = 0; i < g->n; i++) {
        const char *p = s, *end = s + len;
        for (uint32_t need = g->min[i]; need; need--) {
            p = p < end ? memchr(p, g->c[i], (size_t)(end - p)) : NULL;
            if (!p)
                return 0;
            p++;
        }
    }
    return 1;
}

/* A regex that is literal atoms joined by '.*' ('\\+.*\\+.*\\+', the SigmaHQ
 * obfuscation rules) matches a subject exactly when its atoms occur in order,
 * without overlapping, and no newline lies between the first and the last:
 * leftmost occurrences, one memmem each, where PCRE2 backtracks through every
 * split of the '.*'s (thousands of cycles per call when the guard passes). Only
 * subjects of printable ASCII and tabs are decided this way: '.' excludes the
 * newlines of any convention, and the invalid UTF-8 PCRE2 skips does not arise. */
#define SG_REGEX_SEQ_ATOMS 16
#define SG_REGEX_SEQ_BYTES 64

typedef struct sg_regex_seq {
    uint8_t natoms; /* 0: the pattern is not of that form */
    uint8_t len[SG_REGEX_SEQ_ATOMS];
    char bytes[SG_REGEX_SEQ_BYTES]; /* the atoms, one after the other */
} sg_regex_seq;

/* Fills q from pattern re[0, len) compiled with the SG_PF_RE_* flags; q->natoms
 * stays 0 unless the pattern is atoms of plain characters (letters only when
 * case matters) and escaped punctuation, joined by '.*' or '.*?'. */
void sg_regex_seq_make(const char *re, size_t len, uint32_t flags, sg_regex_seq *q);

/* 1 match, 0 no match, -1 undecided (the subject has other characters: PCRE2
 * decides). */
static inline int sg_regex_seq_match(const sg_regex_seq *q, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const unsigned char b = (unsigned char)s[i];
        if ((b < 0x20 && b != '\t') || b >= 0x7f)
            return -1;
    }
    const char *atom = q->bytes;
    size_t at = 0;
    for (uint32_t k = 0; k < q->natoms; atom += q->len[k], k++) {
        const char *p = memmem(s + at, len - at, atom, q->len[k]);
        if (!p)
            return 0;
        at = (size_t)(p - s) + q->len[k];
    }
    return 1;
}

#endif
