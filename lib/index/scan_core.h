/* The scan's per-position work, shared by the scalar loop (scan.c) and the vector
 * loop (scan_avx2.c): the vector loop only finds the positions worth a look and
 * hands each to scan_at, so both report exactly the same keys. */
#ifndef SG_INDEX_SCAN_CORE_H
#define SG_INDEX_SCAN_CORE_H

#include <string.h>

#include "index/index.h"
#include "util/bytes.h"

/* Where in the text a key was found, for verifying literals. */
typedef struct hit_at {
    const unsigned char *text;
    size_t len, pos;
} hit_at;

/* 1 if literal `lit` occurs in the text with its gram at the hit position. */
static inline int literal_at(const sg_index *ix, uint32_t lit, const hit_at *h)
{
    const sg_vlit *v = &ix->lits[lit];
    if (h->pos < v->at || h->pos - v->at + v->len > h->len)
        return 0;
    return memcmp(h->text + h->pos - v->at, ix->lit_bytes + v->off, v->len) == 0;
}

/* Marks what the postings r[0, end - r) name. */
static inline void mark_postings(const sg_posting *r, const sg_posting *end, const sg_scan_marks *m)
{
    for (; r < end; r++) {
        const uint32_t id = r->id & SG_POST_ID;
        if (r->id & SG_POST_PRED)
            m->preds[id] = m->gen;
        else if (r->id & SG_POST_NODE)
            m->nodes[id] = m->gen;
        else
            sg_mark_rule(m, id);
    }
}

/* Marks the rules, predicates and gated nodes listed under `key` (the caller has
 * passed the bloom filter) whose literal occurs at the hit (h NULL: a number). */
static SG_NOINLINE void mark(const sg_index *ix, uint64_t hash, uint64_t key, const hit_at *h,
                             const sg_scan_marks *m)
{
    for (size_t s = hash >> ix->table_shift; ix->table[s].key; s = (s + 1) & ix->table_mask) {
        if (ix->table[s].key != key)
            continue;
        const sg_posting *r = ix->postings + ix->table[s].first;
        const sg_posting *end = r + ix->table[s].count;
        while (r < end) {
            /* one literal's run: verified once, then skipped or marked whole */
            const sg_posting *run_end = r + r->run;
            if (r->lit != SG_NO_LIT && !(h && literal_at(ix, r->lit, h))) {
                r = run_end;
                continue;
            }
            sg_run_log *log = m->log;
            if (log->n < log->cap)
                log->v[log->n] = (uint32_t)(r - ix->postings);
            log->n++;
            mark_postings(r, run_end, m);
            r = run_end;
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

/* The 1-3-byte keys of slot ss at one position, found by their first byte: x holds
 * the next `avail` bytes. */
static SG_ALWAYS_INLINE void short_keys_at(const sg_index *ix, const sg_slot_scan *ss, uint64_t x,
                                           size_t avail, const sg_scan_marks *m)
{
    static const uint32_t masks[4] = {0, 0xffu, 0xffffu, 0xffffffu};
    const uint8_t sh = ss->sf[x & 0xff];
    if (sh) {
        for (uint32_t l = 1; l < 4 && l <= avail; l++)
            if (sh & (1u << l))
                probe(ix, ss->base | ((uint64_t)l << 32) | (x & masks[l]), NULL, m);
    }
}

/* The 4- and 8-byte grams of slot ss at text position i, whose prefilter bit is set
 * (x: the next `avail` >= 4 bytes). */
static SG_ALWAYS_INLINE void grams_at(const sg_index *ix, const sg_slot_scan *ss, uint64_t x,
                                      size_t avail, const unsigned char *text, size_t len, size_t i,
                                      const sg_scan_marks *m)
{
    const hit_at h = {text, len, i};
    if (ss->grams4)
        probe(ix, ss->base | (4ull << 32) | (uint32_t)x, &h, m);
    if (ss->grams8 && avail >= SG_LONG_GRAM)
        probe(ix, ss->base | (5ull << 32) | sg_long_gram_bits(x), &h, m);
}

/* The keys of slot ss at one position: x holds the next `avail` bytes (at most 8
 * used). Short keys are found by their first byte; 4- and 8-byte grams by the
 * prefilter bit of their first four bytes. */
static SG_ALWAYS_INLINE void scan_at(const sg_index *ix, const sg_slot_scan *ss, uint64_t x,
                                     size_t avail, const unsigned char *text, size_t len, size_t i,
                                     const sg_scan_marks *m)
{
    short_keys_at(ix, ss, x, avail, m);
    if (avail < 4)
        return;
    const uint32_t bit = sg_pre4_bit(ss->pre4_base, ss->pre4_shift, (uint32_t)x);
    if ((ix->pre4[bit >> 6] >> (bit & 63)) & 1)
        grams_at(ix, ss, x, avail, text, len, i, m);
}

/* The vector scans of the jobs (scan_avx2.c); only called when
 * sg_index_cpu_has_avx2() / _avx512() said yes at build time. */
void sg_index_scan_avx2(const sg_index *ix, sg_scan_job *jobs, size_t n, const unsigned char *base,
                        const sg_scan_marks *m);
void sg_index_scan_avx512(const sg_index *ix, sg_scan_job *jobs, size_t n,
                          const unsigned char *base, const sg_scan_marks *m);

#endif
