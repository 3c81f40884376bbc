/* The bytes a slot's keys need (needed_bytes.h): choosing them at build time. */
#include "index/needed_bytes.h"

/* Bytes common in event text, most common first: those of timestamps, numbers,
 * GUIDs, hex ids and paths, then letters by their frequency in English words.
 * The rarest byte of a string is the one furthest down (or not listed). */
static const char common_bytes[] = "0123456789-:. abcdef{}x\\/_tz=,snoirlmhpugywkvj";

/* Rank of byte c: higher is rarer. */
static int rarity(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') /* keys are folded; for safety, as their lower case */
        c = (unsigned char)(c - 'A' + 'a');
    for (int i = 0; common_bytes[i]; i++)
        if ((unsigned char)common_bytes[i] == c)
            return i;
    return (int)sizeof common_bytes;
}

static void byte_set_add(sg_byte_set *s, unsigned char c)
{
    s->w[c >> 6] |= 1ull << (c & 63);
}

void sg_needed_bytes_add(sg_byte_set *need, const unsigned char *s, size_t len)
{
    if (len == 0) { /* a key that needs nothing: every text */
        for (int i = 0; i < 4; i++)
            need->w[i] = ~0ull;
        return;
    }
    size_t best = 0;
    for (size_t i = 0; i < len; i++) {
        if (sg_byte_set_has(need, s[i]))
            return;
        if (rarity(s[i]) > rarity(s[best]))
            best = i;
    }
    byte_set_add(need, s[best]);
}

void sg_needed_bytes_finish(sg_byte_set *need)
{
    for (unsigned c = 'a'; c <= 'z'; c++) {
        const unsigned char upper = (unsigned char)(c - 'a' + 'A');
        if (sg_byte_set_has(need, (unsigned char)c) || sg_byte_set_has(need, upper)) {
            byte_set_add(need, (unsigned char)c);
            byte_set_add(need, upper);
        }
    }
    need->w[2] = need->w[3] = ~0ull; /* every non-ASCII byte */
}
