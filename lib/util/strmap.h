/* Open-addressing hash map from byte strings to uint32_t ids (interning). */
#ifndef SG_UTIL_STRMAP_H
#define SG_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

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
/* The same with hash = sg_hash_bytes(key, len) computed by the caller (keys looked up
 * again and again). */
int sg_strmap_get_hashed(const sg_strmap *m, const char *key, size_t len, uint64_t hash,
                         uint32_t *value);
/* Inserts or overwrites; key storage must outlive the map. 0 or -1 (no memory). */
int sg_strmap_put(sg_strmap *m, const char *key, size_t len, uint32_t value);
/* The same with hash = sg_hash_bytes(key, len) computed by the caller. */
int sg_strmap_put_hashed(sg_strmap *m, const char *key, size_t len, uint64_t hash, uint32_t value);
void sg_strmap_free(sg_strmap *m);

#endif
