/* Numbers compared across types (sigma-semantics.md §2.5): integers exactly,
 * everything else as doubles; strings count only when they are whole decimals. */
#ifndef SG_MATCH_NUMBER_H
#define SG_MATCH_NUMBER_H

#include <stddef.h>
#include <stdint.h>

typedef struct sg_number {
    int is_int; /* i holds the exact value */
    int64_t i;
    double d; /* always set */
} sg_number;

static inline sg_number sg_number_int(int64_t i)
{
    return (sg_number){1, i, (double)i};
}
static inline sg_number sg_number_real(double d)
{
    return (sg_number){0, 0, d};
}

/* Parses a whole string as a decimal number: optional sign, digits, optional
 * fraction and exponent; no spaces, no hex, no inf/nan. Integers that fit int64 are
 * exact. Returns 1 on success. Never allocates. */
int sg_parse_decimal(const char *s, size_t len, sg_number *out);

/* -1, 0, 1 like a <=> b (exact when both are integers). */
int sg_number_cmp(const sg_number *a, const sg_number *b);

#endif
