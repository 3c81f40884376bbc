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

#endif
