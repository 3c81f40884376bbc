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

/* Marks the rules, predicates and gated nodes listed under a key's table entry
 * whose literal occurs at the hit (h NULL: a number). */
static SG_NOINLINE void mark_slot(const sg_index *ix, const sg_gram_slot *slot, const hit_at *h,
                                  const sg_scan_marks *m)
{
    const sg_posting *r = ix->postings + slot->first;
    const sg_posting *end = r + slot->count;
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
}

/* The table entry of key (hash: its sg_key_hash), or NULL. */
static inline const sg_gram_slot *find_key(const sg_index *ix, uint64_t hash, uint64_t key)
{
    for (size_t s = hash >> ix->table_shift; ix->table[s].key; s = (s + 1) & ix->table_mask)
        if (ix->table[s].key == key)
            return &ix->table[s];
    return NULL;
}

/* Keys that passed the bloom filter during a scan, looked up in batches.
 *
 * A key that passes leads through four dependent loads: its table entry, its
 * postings, its literal's record and the literal's bytes, none of them likely in
 * cache (the index is tens of megabytes). Looked up one at a time, an event's
 * keys (10 per event on the corpus) waited for 40 misses in a row. The queue
 * takes them in scan order, asks for each table entry at once, and a flush walks
 * the queue once per level, asking for the next level of every key before the
 * marks are made: the misses of one level overlap. Marks and the run log come
 * out in scan order, exactly as with immediate look-ups. */
enum { SG_PROBE_QUEUE = 64 };

typedef struct sg_probe {
    uint64_t key, hash;
    hit_at at;
    const sg_gram_slot *slot; /* found in the flush; NULL: not in the table */
    uint32_t job;
} sg_probe;

typedef struct sg_probe_queue {
    sg_probe v[SG_PROBE_QUEUE];
    uint32_t n;
    uint32_t job;      /* the job being scanned: its keys carry it */
    uint32_t open;     /* the first job whose run log range is not closed yet */
    sg_scan_job *jobs; /* the jobs of the scan (their from / to are set here) */
} sg_probe_queue;

/* Closes the run log ranges of the open jobs before job `upto` at log position
 * `at` (where the next one's range starts). */
static inline void close_jobs(sg_probe_queue *q, uint32_t upto, uint32_t at)
{
    for (; q->open < upto; q->open++)
        q->jobs[q->open].to = q->jobs[q->open + 1].from = at;
}

/* Marks what the keys in the queue name, in order, and empties it. A job's run
 * log range closes when the first key of a later job comes up. */
static SG_NOINLINE void flush_probes(const sg_index *ix, const sg_scan_marks *m)
{
    sg_probe_queue *q = m->q;
    for (uint32_t i = 0; i < q->n; i++) {
        sg_probe *e = &q->v[i];
        e->slot = find_key(ix, e->hash, e->key);
        if (e->slot)
            __builtin_prefetch(&ix->postings[e->slot->first]);
    }
    for (uint32_t i = 0; i < q->n; i++) {
        const sg_probe *e = &q->v[i];
        if (e->slot && ix->postings[e->slot->first].lit != SG_NO_LIT)
            __builtin_prefetch(&ix->lits[ix->postings[e->slot->first].lit]);
    }
    for (uint32_t i = 0; i < q->n; i++) {
        const sg_probe *e = &q->v[i];
        if (e->slot && ix->postings[e->slot->first].lit != SG_NO_LIT)
            __builtin_prefetch(ix->lit_bytes + ix->lits[ix->postings[e->slot->first].lit].off);
    }
    for (uint32_t i = 0; i < q->n; i++) {
        const sg_probe *e = &q->v[i];
        close_jobs(q, e->job, m->log->n);
        if (e->slot)
            mark_slot(ix, e->slot, e->at.text ? &e->at : NULL, m);
    }
    q->n = 0;
}

/* Bloom test of a key; the table is probed only when it passes (h NULL: a
 * number or a 1-3-byte key, which is its whole literal). */
static inline void probe(const sg_index *ix, uint64_t key, const hit_at *h, const sg_scan_marks *m)
{
    uint64_t hash = sg_key_hash(key);
    uint64_t bit = hash >> (64 - ix->bloom_bits_log2);
    if (!(ix->bloom[bit >> 6] & (1ull << (bit & 63))))
        return;
    sg_probe_queue *q = m->q;
    if (!q) {
        const sg_gram_slot *slot = find_key(ix, hash, key);
        if (slot)
            mark_slot(ix, slot, h, m);
        return;
    }
    __builtin_prefetch(&ix->table[hash >> ix->table_shift]);
    sg_probe *e = &q->v[q->n++];
    e->key = key;
    e->hash = hash;
    e->at = h ? *h : (hit_at){NULL, 0, 0}; /* NULL text: no literal to verify */
    e->job = q->job;
    if (q->n == SG_PROBE_QUEUE)
        flush_probes(ix, m);
}

/* Starts a queued scan of n > 0 jobs: q collects the keys of m's scan (*qm). */
static inline void begin_probes(sg_probe_queue *q, sg_scan_job *jobs, const sg_scan_marks *m,
                                sg_scan_marks *qm)
{
    q->n = q->job = q->open = 0;
    q->jobs = jobs;
    jobs[0].from = m->log->n;
    *qm = *m;
    qm->q = q;
}

/* Ends a queued scan of n jobs: the last keys are marked, every job's range set. */
static inline void end_probes(const sg_index *ix, const sg_scan_marks *qm, size_t n)
{
    sg_probe_queue *q = qm->q;
    flush_probes(ix, qm);
    close_jobs(q, (uint32_t)n - 1, qm->log->n);
    q->jobs[n - 1].to = qm->log->n;
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

/* The vector scans of the jobs (scan_avx2.c), n > 0; only called when
 * sg_index_cpu_has_avx2() / _avx512() said yes at build time. */
void sg_index_scan_avx2(const sg_index *ix, sg_scan_job *jobs, size_t n, const unsigned char *base,
                        const sg_scan_marks *m);
void sg_index_scan_avx512(const sg_index *ix, sg_scan_job *jobs, size_t n,
                          const unsigned char *base, const sg_scan_marks *m);

#endif
