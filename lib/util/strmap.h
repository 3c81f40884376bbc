/* Open-addressing hash map from byte strings to uint32_t ids (interning). */
#ifndef SG_UTIL_STRMAP_H
#define SG_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/bytes.h"

typedef struct sg_strmap_slot {
    uint64_t hash;
    const char *key; /* not owned: points into storage the caller keeps alive */
    size_t key_len;
    uint32_t value;
    uint32_t used;
} sg_strmap_slot;

typedef struct sg_strmap {
    sg_strmap_slot *slots;
    size_t cap; /* power of two */
    size_t count;
} sg_strmap;

uint64_t sg_hash_bytes(const void *data, size_t len);
/* Returns 1 and sets *value if found, 0 otherwise. */
int sg_strmap_get(const sg_strmap *m, const char *key, size_t len, uint32_t *value);
/* Inserts or overwrites; key storage must outlive the map. 0 or -1 (no memory). */
int sg_strmap_put(sg_strmap *m, const char *key, size_t len, uint32_t value);
/* The same with hash = sg_hash_bytes(key, len) computed by the caller. */
int sg_strmap_put_hashed(sg_strmap *m, const char *key, size_t len, uint64_t hash, uint32_t value);
/* Insert-if-absent with one probe: makes room for one more key, then returns the
 * slot holding key, or (s->used == 0) the empty slot where it would go; NULL when
 * out of memory. The caller fills an empty slot with sg_strmap_claim before the
 * next call that changes the map, or leaves it empty. */
sg_strmap_slot *sg_strmap_probe(sg_strmap *m, const char *key, size_t len, uint64_t hash);
static inline void sg_strmap_claim(sg_strmap *m, sg_strmap_slot *s, const char *key, size_t len,
                                   uint64_t hash, uint32_t value)
{
    s->used = 1;
    s->hash = hash;
    s->key = key;
    s->key_len = len;
    s->value = value;
    m->count++;
}
void sg_strmap_free(sg_strmap *m);

/* Byte equality of two len-byte strings. Keys here are short (field names are
 * 4-30 bytes) and, after a full hash match, almost always equal: comparing whole
 * words inline (the last one overlapping) is several times cheaper than a call to
 * memcmp. Long keys go to memcmp. */
static inline int sg_bytes_equal(const char *a, const char *b, size_t len)
{
    if (len >= 8 && len <= 32) {
        for (size_t i = 0; i + 8 < len; i += 8)
            if (sg_load64(a + i) != sg_load64(b + i))
                return 0;
        return sg_load64(a + len - 8) == sg_load64(b + len - 8);
    }
    if (len >= 4 && len < 8)
        return ((sg_load32(a) ^ sg_load32(b)) |
                (sg_load32(a + len - 4) ^ sg_load32(b + len - 4))) == 0;
    return len == 0 || memcmp(a, b, len) == 0;
}

/* sg_strmap_get with hash = sg_hash_bytes(key, len) computed by the caller (keys
 * looked up again and again, event field names at match time). Inline: the match
 * path calls it once per event field, and a lookup is one or two probes. */
static inline int sg_strmap_get_hashed(const sg_strmap *m, const char *key, size_t len,
                                       uint64_t hash, uint32_t *value)
{
    if (!m->cap)
        return 0;
    const size_t mask = m->cap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        const sg_strmap_slot *s = &m->slots[i];
        if (!s->used)
            return 0;
        if (s->hash == hash && s->key_len == len && sg_bytes_equal(s->key, key, len)) {
            *value = s->value;
            return 1;
        }
    }
}

/* Asks the CPU for the slot where a lookup of `hash` starts, ahead of the lookup
 * (a map that is likely out of cache, as a prebuilt event's name map). */
static inline void sg_strmap_prefetch(const sg_strmap *m, uint64_t hash)
{
    if (m->cap)
        __builtin_prefetch(&m->slots[(size_t)hash & (m->cap - 1)]);
}

#endif
