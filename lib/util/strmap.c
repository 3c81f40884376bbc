#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t sg_rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

/* 64-bit multiply hash, 8 bytes per step (the last word overlaps the one before
 * instead of looping over a tail; four lanes over long keys), then a final avalanche so the low
 * bits used as the table index depend on every input byte. Field names are hashed once per event
 * field added, so this is on the event-building path. No seeding: map keys come from rules and
 * event field names, and lookups stay correct (only slower) under collisions. */
uint64_t sg_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    const uint64_t k = 0x9e3779b97f4a7c15ull;
    uint64_t h = 0xcbf29ce484222325ull ^ ((uint64_t)len * k);
    if (len > 32) {
        /* Four independent lanes, 32 bytes a step: one lane is a chain of
         * multiplications, which long values (command lines, call traces, hashed
         * for the scan memo) wait on; the last 1-32 bytes go through one lane. */
        const unsigned char *end = p + len;
        uint64_t h1 = h ^ 0x243f6a8885a308d3ull, h2 = h ^ 0x13198a2e03707344ull,
                 h3 = h ^ 0xa4093822299f31d0ull;
        for (; end - p > 32; p += 32) {
            h = sg_rotl64((h ^ sg_load64(p)) * k, 27);
            h1 = sg_rotl64((h1 ^ sg_load64(p + 8)) * k, 27);
            h2 = sg_rotl64((h2 ^ sg_load64(p + 16)) * k, 27);
            h3 = sg_rotl64((h3 ^ sg_load64(p + 24)) * k, 27);
        }
        /* Each lane avalanched before they are combined: a lane's step spreads
         * a changed bit only upwards, and two lanes' top-bit differences would
         * cancel when XORed (keys differing by a case flip collided). */
        h = sg_mix64(h) ^ sg_rotl64(sg_mix64(h1), 16) ^ sg_rotl64(sg_mix64(h2), 32) ^
            sg_rotl64(sg_mix64(h3), 48);
        len = (size_t)(end - p);
    }
    if (len >= 8) {
        const unsigned char *last = p + len - 8;
        for (; p < last; p += 8) {
            /* rotated: high product bits into the next step's low bits */
            h = sg_rotl64((h ^ sg_load64(p)) * k, 27);
        }
        h = (h ^ sg_load64(last)) * k;
    } else if (len >= 4) {
        h = (h ^ sg_load32(p) ^ ((uint64_t)sg_load32(p + len - 4) << 32)) * k;
    } else if (len) {
        h = (h ^ p[0] ^ ((uint64_t)p[len / 2] << 8) ^ ((uint64_t)p[len - 1] << 16)) * k;
    }
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    return h;
}

/* The slot holding key, or the empty slot where it would go (insertion only). */
static sg_strmap_slot *find_slot(sg_strmap_slot *slots, size_t cap, uint64_t h, const char *key,
                                 size_t len)
{
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        sg_strmap_slot *s = &slots[i];
        if (!s->used)
            return s;
        if (s->hash == h && s->key_len == len && sg_bytes_equal(s->key, key, len))
            return s;
        i = (i + 1) & (cap - 1);
    }
}

int sg_strmap_get(const sg_strmap *m, const char *key, size_t len, uint32_t *value)
{
    return sg_strmap_get_hashed(m, key, len, sg_hash_bytes(key, len), value);
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

sg_strmap_slot *sg_strmap_probe(sg_strmap *m, const char *key, size_t len, uint64_t hash)
{
    if ((m->count + 1) * 4 >= m->cap * 3 && rehash(m, m->cap ? m->cap * 2 : 16) != 0)
        return NULL;
    return find_slot(m->slots, m->cap, hash, key, len);
}

int sg_strmap_put_hashed(sg_strmap *m, const char *key, size_t len, uint64_t h, uint32_t value)
{
    sg_strmap_slot *s = sg_strmap_probe(m, key, len, h);
    if (!s)
        return -1;
    if (!s->used)
        sg_strmap_claim(m, s, key, len, h, value);
    else
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
