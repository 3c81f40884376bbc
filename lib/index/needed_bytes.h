/* The bytes a slot's keys need: a text without any of them is not scanned.
 *
 * Scanning a text costs its folding and a pass of the scan, about 1,200
 * instructions for a 27-byte value. The values the scan memo cannot spare are
 * the ones that never repeat (timestamps, GUIDs, record numbers, hex ids), and
 * most of them are scanned only for the keyword slot, whose keys are words. Each
 * key of a slot can only mark something where a string occurs in the folded text:
 * the key itself (1-3 bytes), the literal its postings verify, or else the first
 * four bytes of its gram. The build takes one byte of each such string, the
 * rarest in event text by a fixed ranking (needed_bytes.c), one string at a time
 * unless the string already holds a byte taken: every text where a key could
 * mark holds one of them. A folded text holds a byte only if the raw text holds
 * it or its upper case, or a non-ASCII byte (whose folding can give ASCII: the
 * Kelvin sign folds to 'k'); the set is widened to those, so the raw text is
 * tested before it is folded. */
#ifndef SG_INDEX_NEEDED_BYTES_H
#define SG_INDEX_NEEDED_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* A set of bytes, a bit per byte value. */
typedef struct sg_byte_set {
    uint64_t w[4];
} sg_byte_set;

static inline int sg_byte_set_has(const sg_byte_set *s, unsigned char c)
{
    return (int)((s->w[c >> 6] >> (c & 63)) & 1);
}

/* Adds one byte of s[0, len) to *need unless *need has one already. */
void sg_needed_bytes_add(sg_byte_set *need, const unsigned char *s, size_t len);

/* Widens a slot's set to the raw bytes whose folding could give one of its bytes
 * (after the last sg_needed_bytes_add). */
void sg_needed_bytes_finish(sg_byte_set *need);

/* 1 if raw text s[0, len) holds a byte of *a or *b (b may be NULL): once folded,
 * it might hold a key of either slot; 0 if it holds none (it cannot). */
static inline int sg_text_may_mark(const sg_byte_set *a, const sg_byte_set *b, const char *s,
                                   size_t len)
{
    sg_byte_set m = *a;
    if (b)
        for (int i = 0; i < 4; i++)
            m.w[i] |= b->w[i];
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++)
        if (sg_byte_set_has(&m, p[i]))
            return 1;
    return 0;
}

#endif
