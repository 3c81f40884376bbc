/* The index at match time: scanning folded event values for the grams of the
 * rules' required literals, and marking what they point to. */
#include <string.h>

#include "index/index.h"
#include "util/bytes.h"

/* Where in the text a key was found, for verifying literals. */
typedef struct hit_at {
    const unsigned char *text;
    size_t len, pos;
} hit_at;

/* 1 if literal `lit` occurs in the text with its gram at the hit position. */
static int literal_at(const sg_index *ix, uint32_t lit, const hit_at *h)
{
    const sg_vlit *v = &ix->lits[lit];
    if (h->pos < v->at || h->pos - v->at + v->len > h->len)
        return 0;
    return memcmp(h->text + h->pos - v->at, ix->lit_bytes + v->off, v->len) == 0;
}

/* Marks the rules, predicates and gated nodes listed under `key` (the caller has
 * passed the bloom filter) whose literal occurs at the hit (h NULL: a number). */
static void mark(const sg_index *ix, uint64_t hash, uint64_t key, const hit_at *h,
                 const sg_scan_marks *m)
{
    for (size_t s = hash >> ix->table_shift; ix->table[s].key; s = (s + 1) & ix->table_mask) {
        if (ix->table[s].key != key)
            continue;
        const sg_posting *r = ix->postings + ix->table[s].first;
        uint32_t ok_lit = SG_NO_LIT; /* postings are sorted: a literal repeats in a row */
        for (uint32_t k = 0; k < ix->table[s].count; k++) {
            const uint32_t lit = r[k].lit;
            if (lit != SG_NO_LIT && lit != ok_lit) {
                if (!h || !literal_at(ix, lit, h))
                    continue;
                ok_lit = lit;
            }
            const uint32_t id = r[k].id & SG_POST_ID;
            if (r[k].id & SG_POST_PRED)
                m->preds[id] = m->gen;
            else if (r[k].id & SG_POST_NODE)
                m->nodes[id] = m->gen;
            else
                m->rules[id >> 6] |= 1ull << (id & 63);
        }
        return;
    }
}

/* Bloom test of a key; the table is probed only when it passes. */
static inline void probe(const sg_index *ix, uint64_t key, const hit_at *h, const sg_scan_marks *m)
{
    uint64_t hash = sg_key_hash(key);
    uint64_t bit = hash >> (64 - ix->bloom_bits_log2);
    if (ix->bloom[bit >> 6] & (1ull << (bit & 63)))
        mark(ix, hash, key, h, m);
}

void sg_index_scan_number(const sg_index *ix, uint32_t slot, int64_t v, const sg_scan_marks *m)
{
    probe(ix, sg_num_key(slot, v), NULL, m);
}

/* What the scan of one slot needs, computed once per value. */
typedef struct slot_scan {
    uint32_t slot;
    uint64_t base;      /* the slot's part of every key */
    const uint8_t *sf;  /* first byte -> short key lengths (all zero: none) */
    int grams4, grams8; /* the slot has 4-byte / 8-byte grams */
} slot_scan;

static SG_ALWAYS_INLINE int slot_scan_init(const sg_index *ix, uint32_t slot, slot_scan *ss)
{
    const uint8_t lens = ix->slot_lens[slot];
    ss->slot = slot;
    ss->base = (uint64_t)(slot + 1) << 35;
    ss->sf = ix->short_first + ix->short_tab[slot];
    ss->grams4 = (lens & (1u << 4)) != 0;
    ss->grams8 = (lens & SG_LONG_KEYS) != 0;
    return (lens & (0x0e | (1u << 4) | SG_LONG_KEYS)) != 0;
}

/* The keys of slot ss at one position: x holds the next `avail` bytes (at most 8
 * used). Short keys are found by their first byte; 4- and 8-byte grams by the
 * prefilter bit of their first four bytes. */
static SG_ALWAYS_INLINE void scan_at(const sg_index *ix, const slot_scan *ss, uint64_t x,
                                     size_t avail, const unsigned char *text, size_t len, size_t i,
                                     const sg_scan_marks *m)
{
    static const uint32_t masks[4] = {0, 0xffu, 0xffffu, 0xffffffu};
    const uint8_t sh = ss->sf[x & 0xff];
    if (sh) {
        for (uint32_t l = 1; l < 4 && l <= avail; l++)
            if (sh & (1u << l))
                probe(ix, ss->base | ((uint64_t)l << 32) | (x & masks[l]), NULL, m);
    }
    if (avail < 4)
        return;
    const uint32_t w = (uint32_t)x;
    const uint64_t bit = sg_pre4_bit(ix->pre4_log2, ss->slot, w);
    if (!((ix->pre4[bit >> 6] >> (bit & 63)) & 1))
        return;
    const hit_at h = {text, len, i};
    if (ss->grams4)
        probe(ix, ss->base | (4ull << 32) | w, &h, m);
    if (ss->grams8 && avail >= SG_LONG_GRAM)
        probe(ix, ss->base | (5ull << 32) | sg_long_gram_bits(x), &h, m);
}

void sg_index_scan2(const sg_index *ix, uint32_t slot_a, uint32_t slot_b, const char *text,
                    size_t len, const sg_scan_marks *m)
{
    slot_scan ss[2];
    int n = 0;
    if (slot_a != UINT32_MAX && slot_scan_init(ix, slot_a, &ss[n]))
        n++;
    if (slot_b != UINT32_MAX && slot_b != slot_a && slot_scan_init(ix, slot_b, &ss[n]))
        n++;
    if (n == 0 || len == 0)
        return;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    /* Whole 8-byte windows first: every window is one load. */
    if (n == 1) {
        for (; i + 8 <= len; i++)
            scan_at(ix, &ss[0], sg_load_le64(p + i), 8, p, len, i, m);
    } else {
        for (; i + 8 <= len; i++) {
            const uint64_t x = sg_load_le64(p + i);
            scan_at(ix, &ss[0], x, 8, p, len, i, m);
            scan_at(ix, &ss[1], x, 8, p, len, i, m);
        }
    }
    /* The last positions: the last 8 bytes in one load, shifted down so that the
     * position's bytes come first and zeros follow (a copy for texts under 8 bytes);
     * keys that would reach past the end are skipped by `avail`. */
    uint64_t last;
    if (len >= 8) {
        last = sg_load_le64(p + len - 8) >> (8 * (8 - (len - i)));
    } else {
        unsigned char tail[8] = {0};
        memcpy(tail, p, len);
        last = sg_load_le64(tail);
    }
    for (; i < len; i++, last >>= 8)
        for (int k = 0; k < n; k++)
            scan_at(ix, &ss[k], last, len - i, p, len, i, m);
}

void sg_index_scan(const sg_index *ix, uint32_t slot, const char *text, size_t len,
                   const sg_scan_marks *m)
{
    sg_index_scan2(ix, slot, UINT32_MAX, text, len, m);
}
