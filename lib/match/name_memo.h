/* Event field name -> ruleset field slot, remembered per scratch.
 *
 * Every match call resolves each event field's name to the ruleset's slot. The
 * ruleset's name map is large (thousands of names in 40-byte entries, names
 * elsewhere), so each lookup missed the first-level cache twice, while an agent's
 * events repeat the same few dozen names. The memo is a small direct-mapped table
 * in the scratch: an entry holds a name's hash, its bytes (names of up to
 * SG_NAME_MEMO_LEN bytes) and its slot, one cache line, compared in full before use.
 * Entries belong to one field dictionary: their generation changes when the
 * scratch is used with a ruleset of another dictionary (eval.c, name_memo_gen). */
#ifndef SG_MATCH_NAME_MEMO_H
#define SG_MATCH_NAME_MEMO_H

#include <stdint.h>
#include <string.h>

#include "util/strmap.h"

#define SG_NAME_MEMO_SIZE 1024 /* entries, a power of two: 64 KB */
#define SG_NAME_MEMO_LEN 44

typedef struct sg_name_memo {
    uint64_t hash;
    uint32_t gen; /* valid when equal to the scratch's memo generation */
    uint32_t slot;
    uint32_t len;
    char name[SG_NAME_MEMO_LEN];
} sg_name_memo;

_Static_assert(sizeof(sg_name_memo) == 64, "one memo entry per cache line");

/* The slot of name[0, len) with hash `hash` in map (SG_NONE-like `none` when the
 * ruleset has no such field), through the memo of generation `gen`. */
static inline uint32_t sg_name_memo_slot(sg_name_memo *memo, uint32_t gen, const sg_strmap *map,
                                         const char *name, size_t len, uint64_t hash, uint32_t none)
{
    sg_name_memo *e = &memo[hash & (SG_NAME_MEMO_SIZE - 1)];
    if (e->gen == gen && e->hash == hash && e->len == len && sg_bytes_equal(e->name, name, len))
        return e->slot;
    uint32_t slot;
    if (!sg_strmap_get_hashed(map, name, len, hash, &slot))
        slot = none;
    if (len <= SG_NAME_MEMO_LEN) {
        e->gen = gen;
        e->hash = hash;
        e->len = (uint32_t)len;
        e->slot = slot;
        memcpy(e->name, name, len);
    }
    return slot;
}

#endif
