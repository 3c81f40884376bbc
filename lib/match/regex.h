/* The `re` modifier: PCRE2 in UTF mode, JIT when available, bounded matching. */
#ifndef SG_MATCH_REGEX_H
#define SG_MATCH_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

/* Compiles `re` with the SG_PF_RE_* flags. Returns the code, or NULL with a message
 * in err (and the byte offset of the problem in *erroff). */
pcre2_code *sg_regex_compile(const char *re, size_t len, uint32_t flags, char *err, size_t errcap,
                             size_t *erroff);
/* 1 match, 0 no match (also when a limit is hit: a runaway regex never blocks). */
int sg_regex_search(const pcre2_code *code, const char *s, size_t len, pcre2_match_data *md,
                    pcre2_match_context *mctx);

#endif
