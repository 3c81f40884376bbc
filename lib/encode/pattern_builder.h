/* Internal to lib/encode: building patterns token by token, and the common
 * "map every pattern of a set" driver of the encoders. Not part of encode.h
 * because nothing outside the encoders needs it. */
#ifndef SG_ENCODE_PATTERN_BUILDER_H
#define SG_ENCODE_PATTERN_BUILDER_H

#include <stddef.h>

#include "encode/encode.h"
#include "util/vec.h"

/* A pattern under construction. Appending keeps the sg_pattern invariants:
 * adjacent literals are merged, adjacent ANY are merged, no empty literal. */
typedef struct sg_pbuild {
    sg_buf bytes;
    sg_pat_tok *toks;
    size_t ntoks, cap;
} sg_pbuild;

int sg_pb_lit(sg_pbuild *b, const char *s, size_t n);
int sg_pb_wild(sg_pbuild *b, sg_pat_kind kind);
/* Appends every token of p. */
int sg_pb_pattern(sg_pbuild *b, const sg_pattern *p);
/* Moves the result into *out (the builder is reset). 0 or -1 (builder freed). */
int sg_pb_finish(sg_pbuild *b, sg_pattern *out);
/* Finishes and pushes onto s. 0 or -1 (builder freed). */
int sg_pb_push(sg_pbuild *b, sg_pattern_set *s);
void sg_pb_free(sg_pbuild *b);

/* Encodes one input pattern, pushing its encoding(s) onto `out` (which already
 * holds the results of the previous patterns). Same return convention as the
 * encoders. */
typedef int (*sg_encode_one_fn)(const sg_pattern *in, sg_pattern_set *out, void *ctx, char *err,
                                size_t errcap);

/* Replaces every pattern of s by what `fn` makes of it. On error s is left
 * unchanged (the partial result is freed). */
int sg_pset_map(sg_pattern_set *s, sg_encode_one_fn fn, void *ctx, char *err, size_t errcap);

/* Writes the message to err (if any) and returns 1, the "cannot encode" code. */
int sg_encode_fail(char *err, size_t errcap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Multiplies *acc by f, saturating at SIZE_MAX (counting alternatives must not
 * wrap around and slip under a limit). */
static inline void sg_mul_sat(size_t *acc, size_t f)
{
    if (f && *acc > (size_t)-1 / f)
        *acc = (size_t)-1;
    else
        *acc *= f;
}

#endif
