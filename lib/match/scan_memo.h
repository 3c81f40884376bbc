/* Event values and what their scan marked, remembered per scratch.
 *
 * The index scan of an event's values is about half of a match call, and event
 * streams repeat values: over the corpus events, 91 % of the leaf values (84 % of
 * their bytes) equal one of the previous 4,096 distinct ones (channel and provider
 * names, users, hosts, image paths, hashes). A scratch remembers scanned values in
 * a small direct-mapped table: the value's bytes (raw, before folding: the folded
 * text is a function of them), the slots it was scanned for, the index it was
 * scanned with (sg_index.scan_fp, through the generation) and the posting runs
 * the scan marked (at most SG_SCAN_MEMO_LONG_RUNS; a value that marked more is
 * not remembered). Short values that marked few runs keep both in their entry,
 * the others (long ones, and short ones that marked many: the common image paths
 * of the corpus events, each a literal of several rules) in a ring of recent
 * bytes (sg_scan_memo_inline). An entry is compared in full before use, so a
 * value found here is exactly one whose scan marks those runs: they are marked
 * again (sg_index_mark_run) and the value is neither folded nor scanned. */
#ifndef SG_MATCH_SCAN_MEMO_H
#define SG_MATCH_SCAN_MEMO_H

#include <stdint.h>
#include <string.h>

#include "index/index.h"
#include "util/strmap.h"

/* Entries, a power of two: 512 KB. The corpus events' distinct values outgrow
 * smaller memos. sigma-bench, in-process A/B, time per event: 4,096 against 1,024
 * entries 0.967 (batches 0.952, rules x8 0.952); against 2,048 0.985; 8,192
 * against 4,096 0.989, not worth twice the memory per scratch. */
#define SG_SCAN_MEMO_SIZE 4096
#define SG_SCAN_MEMO_LEN 80       /* longest value kept in its entry */
#define SG_SCAN_MEMO_RUNS 4       /* most runs a value kept in its entry marked */
#define SG_SCAN_MEMO_LONG_RUNS 64 /* most runs a value in the ring marked */
/* The other values (command lines, paths) keep their bytes and runs in a ring of
 * the scratch, valid until the ring has gone round once past them. */
#define SG_SCAN_RING (256u * 1024u)
#define SG_SCAN_RING_MAX (SG_SCAN_RING / 8 - 4 * SG_SCAN_MEMO_LONG_RUNS) /* longest value */

typedef struct sg_scan_memo {
    uint64_t hash; /* of the bytes and the slots */
    uint32_t gen;  /* valid when equal to the scratch's memo generation */
    uint32_t a, b; /* slots scanned for (b: UINT32_MAX for none) */
    uint32_t len;
    uint32_t nruns;
    uint32_t runs[SG_SCAN_MEMO_RUNS]; /* first postings of the runs marked */
    /* sg_scan_memo_inline(len, nruns): the bytes (and runs above); else the ring
     * position of the bytes, followed there by the runs (a uint64_t, counting
     * every byte ever written to the ring) */
    char bytes[SG_SCAN_MEMO_LEN];
} sg_scan_memo;

_Static_assert(sizeof(sg_scan_memo) == 128, "one memo entry per two cache lines");

/* The ring of long values' bytes: ring[pos % SG_SCAN_RING] for the positions
 * end - SG_SCAN_RING <= pos < end (a value never wraps round its end). */
typedef struct sg_scan_ring {
    char *bytes;
    uint64_t end;
} sg_scan_ring;

/* Hash of a value of len bytes whose sg_value_hash is vh, scanned for slots a and
 * b. Only 32 bits come from the bytes (what an sg_value has room for); entries
 * are compared in full anyway. */
static inline uint64_t sg_scan_memo_hash(uint32_t vh, size_t len, uint32_t a, uint32_t b)
{
    return sg_mix64(((uint64_t)len << 32 | vh) + 0x9E3779B97F4A7C15ull) ^
           sg_mix64(((uint64_t)a << 32 | b) + 0x9E3779B97F4A7C15ull);
}

/* 1 if values of len bytes can be remembered. */
static inline int sg_scan_memo_fits(size_t len)
{
    return len <= SG_SCAN_RING_MAX;
}

/* 1 if a value of len bytes that marked nruns runs is kept in its entry, 0 if in
 * the ring. */
static inline int sg_scan_memo_inline(size_t len, uint32_t nruns)
{
    return len <= SG_SCAN_MEMO_LEN && nruns <= SG_SCAN_MEMO_RUNS;
}

/* The runs s[0, len) scanned for slots a, b marked, if remembered: *nruns of them
 * at the returned bytes (uint32_t each, maybe unaligned); NULL if not. */
static inline const unsigned char *sg_scan_memo_find(const sg_scan_memo *memo,
                                                     const sg_scan_ring *ring, uint32_t gen,
                                                     uint64_t hash, const char *s, size_t len,
                                                     uint32_t a, uint32_t b, uint32_t *nruns)
{
    const sg_scan_memo *e = &memo[hash & (SG_SCAN_MEMO_SIZE - 1)];
    if (e->gen != gen || e->hash != hash || e->len != len || e->a != a || e->b != b)
        return NULL;
    *nruns = e->nruns;
    if (sg_scan_memo_inline(len, e->nruns))
        return sg_bytes_equal(e->bytes, s, len) ? (const unsigned char *)e->runs : NULL;
    uint64_t at;
    memcpy(&at, e->bytes, sizeof at);
    if (ring->end - at > SG_SCAN_RING) /* written over since */
        return NULL;
    const char *p = ring->bytes + at % SG_SCAN_RING;
    return memcmp(p, s, len) == 0 ? (const unsigned char *)p + len : NULL;
}

/* 1 if a value (of a length sg_scan_memo_fits) that marked nruns runs can be
 * remembered. */
static inline int sg_scan_memo_keeps(uint32_t nruns)
{
    return nruns <= SG_SCAN_MEMO_LONG_RUNS;
}

/* Remembers s[0, len) (sg_scan_memo_fits) scanned for a, b, which marked
 * runs[0, nruns) (sg_scan_memo_keeps). */
static inline void sg_scan_memo_put(sg_scan_memo *memo, sg_scan_ring *ring, uint32_t gen,
                                    uint64_t hash, const char *s, size_t len, uint32_t a,
                                    uint32_t b, const uint32_t *runs, uint32_t nruns)
{
    sg_scan_memo *e = &memo[hash & (SG_SCAN_MEMO_SIZE - 1)];
    e->gen = gen;
    e->hash = hash;
    e->a = a;
    e->b = b;
    e->len = (uint32_t)len;
    e->nruns = nruns;
    if (sg_scan_memo_inline(len, nruns)) {
        memcpy(e->runs, runs, nruns * sizeof *runs);
        memcpy(e->bytes, s, len);
        return;
    }
    const size_t need = len + nruns * sizeof *runs;
    if (ring->end % SG_SCAN_RING + need > SG_SCAN_RING) /* would wrap: start a lap */
        ring->end += SG_SCAN_RING - ring->end % SG_SCAN_RING;
    const uint64_t at = ring->end;
    memcpy(ring->bytes + at % SG_SCAN_RING, s, len);
    memcpy(ring->bytes + at % SG_SCAN_RING + len, runs, nruns * sizeof *runs);
    ring->end += need;
    memcpy(e->bytes, &at, sizeof at);
}

#endif
