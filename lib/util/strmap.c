#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a, 64 bit: short keys (field names, literals), no seeding needed because
 * keys come from rules, not from attacker-controlled events. */
uint64_t sg_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static sg_strmap_slot *find_slot(sg_strmap_slot *slots, size_t cap, uint64_t h, const char *key,
                                 size_t len)
{
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        sg_strmap_slot *s = &slots[i];
        if (!s->used)
            return s;
        if (s->hash == h && s->key_len == len && memcmp(s->key, key, len) == 0)
            return s;
        i = (i + 1) & (cap - 1);
    }
}

int sg_strmap_get_hashed(const sg_strmap *m, const char *key, size_t len, uint64_t hash,
                         uint32_t *value)
{
    if (!m->cap)
        return 0;
    sg_strmap_slot *s = find_slot(m->slots, m->cap, hash, key, len);
    if (!s->used)
        return 0;
    *value = s->value;
    return 1;
}

int sg_strmap_get(const sg_strmap *m, const char *key, size_t len, uint32_t *value)
{
    if (!m->cap)
        return 0;
    sg_strmap_slot *s = find_slot(m->slots, m->cap, sg_hash_bytes(key, len), key, len);
    if (!s->used)
        return 0;
    *value = s->value;
    return 1;
}

static int rehash(sg_strmap *m, size_t ncap)
{
    sg_strmap_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        sg_strmap_slot *o = &m->slots[i];
        if (o->used)
            *find_slot(ns, ncap, o->hash, o->key, o->key_len) = *o;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

int sg_strmap_put_hashed(sg_strmap *m, const char *key, size_t len, uint64_t h, uint32_t value)
{
    if ((m->count + 1) * 4 >= m->cap * 3 && rehash(m, m->cap ? m->cap * 2 : 16) != 0)
        return -1;
    sg_strmap_slot *s = find_slot(m->slots, m->cap, h, key, len);
    if (!s->used) {
        s->used = 1;
        s->hash = h;
        s->key = key;
        s->key_len = len;
        m->count++;
    }
    s->value = value;
    return 0;
}

int sg_strmap_put(sg_strmap *m, const char *key, size_t len, uint32_t value)
{
    return sg_strmap_put_hashed(m, key, len, sg_hash_bytes(key, len), value);
}

void sg_strmap_free(sg_strmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}
