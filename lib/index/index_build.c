/* Building the index from a compiled ruleset: literal sets -> grams -> table. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compile/ruleset.h"
#include "index/index.h"
#include "index/literals.h"
#include "match/eval.h"
#include "util/arena.h"
#include "util/strmap.h"
#include "util/vec.h"

/* The bloom filter has at least 2^18 bits and about 16 bits per key, so that it
 * stays mostly empty (few table probes) as the rule count grows. A slot's
 * prefilter region has PRE4_BITS bits per distinct entry (build_pre4). */
enum { GRAM = 4, BLOOM_MIN_LOG2 = 18, BLOOM_MAX_LOG2 = 26, PRE4_BITS = 64 };

/* The gram chosen for a literal: its key, its first four bytes (4- and 8-byte
 * grams, for the scan prefilter) and the literal to verify at a hit (SG_NO_LIT
 * when the key is the whole literal: numbers and 1-3 byte literals). */
typedef struct gram {
    uint64_t key;
    uint32_t w4;
    uint32_t lit;
} gram;

typedef struct posting {
    uint64_t key;
    uint32_t rule; /* rule index, or SG_POST_PRED / SG_POST_NODE | id */
    uint32_t w4;
    uint32_t lit;
} posting;

/* Growing store of the literals to verify (becomes ix->lits / ix->lit_bytes). */
typedef struct lit_store {
    size_t nlits, lits_cap, nbytes, bytes_cap;
} lit_store;

/* A gram key's count. Only a 32-bit fingerprint of the key is kept: two grams
 * with the same fingerprint share a count, which can only change which gram of a
 * literal is picked, never what the index finds. Half the size of the full key
 * keeps the counter (about 400,000 grams for the corpus) out of the compile's peak
 * memory. */
typedef struct gram_count {
    uint32_t fp; /* 0 = empty */
    uint32_t count;
} gram_count;

/* A small open-addressing counter of gram keys over all literals, used to pick
 * each literal's rarest gram. */
typedef struct counter {
    gram_count *v;
    size_t mask, n;
} counter;

static uint32_t fingerprint(uint64_t key)
{
    return (uint32_t)(sg_mix64(key) >> 32) | 1u;
}

static gram_count *counter_find(counter *c, uint32_t fp)
{
    size_t i = fp & c->mask;
    while (c->v[i].fp && c->v[i].fp != fp)
        i = (i + 1) & c->mask;
    return &c->v[i];
}

static gram_count *counter_slot(counter *c, uint64_t key)
{
    return counter_find(c, fingerprint(key));
}

/* Adds n to key's count. */
static int counter_add_n(counter *c, uint64_t key, uint32_t n)
{
    /* grown at 3/4 full: a build-time table, where memory matters more than the
     * longer probe runs (the corpus: 2^20 entries, 8 MB) */
    if ((c->n + 1) * 4 > (c->mask + 1) * 3) {
        counter bigger = {calloc((c->mask + 1) * 2, sizeof(gram_count)), (c->mask + 1) * 2 - 1, 0};
        if (!bigger.v)
            return -1;
        for (size_t i = 0; i <= c->mask; i++)
            if (c->v[i].fp) {
                *counter_find(&bigger, c->v[i].fp) = c->v[i];
                bigger.n++;
            }
        free(c->v);
        *c = bigger;
    }
    const uint32_t fp = fingerprint(key);
    gram_count *g = counter_find(c, fp);
    if (!g->fp) {
        g->fp = fp;
        c->n++;
    }
    g->count += n;
    return 0;
}

static int counter_add(counter *c, uint64_t key)
{
    return counter_add_n(c, key, 1);
}

/* Literals of 8+ bytes are keyed by 8-byte grams, shorter ones by 4-byte grams. */
static uint32_t gram_len(const sg_lit *l)
{
    return l->len >= SG_LONG_GRAM ? SG_LONG_GRAM : GRAM;
}

static uint64_t gram_at(const sg_lit *l, uint32_t i)
{
    return l->len >= SG_LONG_GRAM ? sg_long_gram_key(l->slot, l->s + i)
                                  : sg_gram_key(l->slot, l->s + i, GRAM);
}

/* Asks the CPU for the counter entries of all of l's grams (and, for a long
 * literal, of its 4-byte windows) before they are looked up one by one: the
 * counter (2^20 entries for the corpus) is far larger than the cache, and each
 * lookup would otherwise wait for its own miss (a third of the compile time). */
static void prefetch_grams(const counter *c, const sg_lit *l)
{
    for (uint32_t i = 0; l->len >= GRAM && i + gram_len(l) <= l->len; i++)
        __builtin_prefetch(&c->v[fingerprint(gram_at(l, i)) & c->mask]);
    for (uint32_t i = 0; l->len >= SG_LONG_GRAM && i + GRAM <= l->len; i++)
        __builtin_prefetch(&c->v[fingerprint(sg_gram_key(l->slot, l->s + i, GRAM)) & c->mask]);
}

static int all_hex(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return 1;
}

static int count_grams(counter *c, const sg_lit *l)
{
    if (l->len == 0)
        return counter_add(c, sg_num_key(l->slot, l->num));
    if (l->len < GRAM)
        return counter_add(c, sg_gram_key(l->slot, l->s, l->len));
    prefetch_grams(c, l);
    for (uint32_t i = 0; i + gram_len(l) <= l->len; i++)
        if (counter_add(c, gram_at(l, i)) != 0)
            return -1;
    /* A long literal's 4-byte windows too: its 8-byte gram is tested by the scan
     * through the prefilter bit of its first four bytes, best a rare four. Not
     * the hex digits of hashes (thousands of literals whose windows are rare
     * anyway: counting them would double the counter). */
    for (uint32_t i = 0; l->len >= SG_LONG_GRAM && i + GRAM <= l->len; i++)
        if (!all_hex(l->s + i, GRAM) && counter_add(c, sg_gram_key(l->slot, l->s + i, GRAM)) != 0)
            return -1;
    return 0;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The key that stands for literal l: the whole literal when short, else its gram
 * that the fewest literals share (the last such: literals often start alike, as
 * hashes behind "md5=" or paths behind "c:\\"); among 8-byte grams that tie, the
 * one whose first four bytes the fewest literals contain (the scan's prefilter
 * tests those four: "dows.net" of "servicebus.windows.net" passed it wherever
 * "windows" occurs; "s.net" is rare). *w4 = the gram's first four bytes and *at
 * its offset in the literal (4+ bytes). */
static uint64_t pick_key_at(counter *c, const sg_lit *l, uint32_t *w4, uint32_t *at)
{
    *w4 = 0;
    *at = 0;
    if (l->len == 0)
        return sg_num_key(l->slot, l->num);
    if (l->len < GRAM)
        return sg_gram_key(l->slot, l->s, l->len);
    prefetch_grams(c, l);
    uint64_t best = 0;
    uint32_t best_count = UINT32_MAX, best_pre = UINT32_MAX;
    for (uint32_t i = 0; i + gram_len(l) <= l->len; i++) {
        uint64_t k = gram_at(l, i);
        uint32_t n = counter_slot(c, k)->count;
        if (n > best_count)
            continue; /* the prefix count only breaks ties: not looked up */
        uint32_t pre = l->len >= SG_LONG_GRAM
                           ? counter_slot(c, sg_gram_key(l->slot, l->s + i, GRAM))->count
                           : 0;
        if (n < best_count || pre <= best_pre) {
            best_count = n;
            best_pre = pre;
            best = k;
            *w4 = le32(l->s + i);
            *at = i;
        }
    }
    return best;
}

/* What the build derives once per predicate that has a literal (a literal is
 * costed, keyed and posted several times: in each rule's set, under the predicate,
 * under its gates): its gram (pick_key_at), how many literals share that gram, and
 * the stored literal to verify. */
typedef struct pred_pick {
    uint64_t key;
    uint32_t w4, at, count;
    uint32_t lit;   /* SG_NO_LIT: none (short literals, numbers) */
    uint8_t stored; /* lit is set */
} pred_pick;

/* Stored literals by content: an open-addressing table of literal id + 1 (0:
 * empty), hashed on bytes and gram offset, compared against ix->lits. */
typedef struct lit_table {
    uint32_t *ids;
    size_t mask, n;
} lit_table;

/* The build's state across its steps. Identical literals (bytes and gram offset)
 * are stored once (lit_ids), so that a hit verifies them once for every rule,
 * predicate and gate posted under them. */
typedef struct build_state {
    counter c;
    sg_arena arena;
    sg_pred_lits lits; /* per predicate */
    pred_pick *picks;  /* per predicate */
    lit_store ls;
    lit_table lit_ids;
} build_state;

/* Frees what choosing grams needed (again: a no-op). The arena stays: the rules'
 * literal sets point into it. */
static void free_choices(build_state *b)
{
    free(b->c.v);
    free(b->lits.lit);
    free(b->lits.has);
    free(b->picks);
    free(b->lit_ids.ids);
    b->lit_ids = (lit_table){0};
    b->c.v = NULL;
    b->lits.lit = NULL;
    b->lits.has = NULL;
    b->picks = NULL;
}

static uint64_t lit_hash(const unsigned char *p, uint32_t len, uint32_t at)
{
    return sg_mix64(sg_hash_bytes(p, len) ^ at);
}

/* The table slot of bytes p[0, len) with gram offset at: its id + 1, or 0 where
 * it would go. */
static uint32_t *lit_slot(const sg_index *ix, const lit_table *t, const unsigned char *p,
                          uint32_t len, uint32_t at)
{
    for (size_t i = lit_hash(p, len, at) & t->mask;; i = (i + 1) & t->mask) {
        const uint32_t id = t->ids[i];
        if (!id)
            return &t->ids[i];
        const sg_vlit *v = &ix->lits[id - 1];
        if (v->len == len && v->at == at && memcmp(ix->lit_bytes + v->off, p, len) == 0)
            return &t->ids[i];
    }
}

/* Room for one more literal in t (grown at half full). 0 or -1. */
static int lit_table_room(const sg_index *ix, lit_table *t)
{
    if (t->ids && (t->n + 1) * 2 <= t->mask + 1)
        return 0;
    const size_t cap = t->ids ? (t->mask + 1) * 2 : 1024;
    lit_table bigger = {calloc(cap, sizeof *t->ids), cap - 1, t->n};
    if (!bigger.ids)
        return -1;
    for (size_t i = 0; t->ids && i <= t->mask; i++)
        if (t->ids[i]) {
            const sg_vlit *v = &ix->lits[t->ids[i] - 1];
            *lit_slot(ix, &bigger, ix->lit_bytes + v->off, v->len, v->at) = t->ids[i];
        }
    free(t->ids);
    *t = bigger;
    return 0;
}

/* The id of literal l (gram at offset `at`) in ix->lits, storing it unless an
 * identical one is stored already (*id SG_NO_LIT: too many to verify). 0 or -1. */
static int store_literal(sg_index *ix, build_state *b, const sg_lit *l, uint32_t at, uint32_t *id)
{
    lit_store *ls = &b->ls;
    *id = SG_NO_LIT;
    if (lit_table_room(ix, &b->lit_ids) != 0)
        return -1;
    uint32_t *slot = lit_slot(ix, &b->lit_ids, l->s, l->len, at);
    if (*slot) {
        *id = *slot - 1;
        return 0;
    }
    if (ls->nlits == ls->lits_cap) {
        size_t cap = ls->lits_cap ? ls->lits_cap * 2 : 256;
        sg_vlit *v = realloc(ix->lits, cap * sizeof *v);
        if (!v)
            return -1;
        ix->lits = v;
        ls->lits_cap = cap;
    }
    if (ls->nbytes + l->len > ls->bytes_cap) {
        size_t cap = ls->bytes_cap ? ls->bytes_cap : 4096;
        while (cap < ls->nbytes + l->len)
            cap *= 2;
        unsigned char *bytes = realloc(ix->lit_bytes, cap);
        if (!bytes)
            return -1;
        ix->lit_bytes = bytes;
        ls->bytes_cap = cap;
    }
    if (ls->nlits >= SG_NO_LIT - 1 || ls->nbytes + l->len > UINT32_MAX)
        return 0; /* absurdly many: unverified (still a superset) */
    memcpy(ix->lit_bytes + ls->nbytes, l->s, l->len);
    ix->lits[ls->nlits] = (sg_vlit){(uint32_t)ls->nbytes, l->len, at};
    ls->nbytes += l->len;
    *id = (uint32_t)ls->nlits++;
    *slot = *id + 1;
    b->lit_ids.n++;
    return 0;
}

/* l's gram and, for literals longer than a key holds, the literal to verify so
 * that a hit is only counted where the whole literal occurs. 0 or -1. */
static int choose_gram(sg_index *ix, build_state *b, const sg_lit *l, gram *g)
{
    pred_pick *k = &b->picks[l->pred];
    g->key = k->key;
    g->w4 = k->w4;
    if (!k->stored) {
        if (l->len >= GRAM && store_literal(ix, b, l, k->at, &k->lit) != 0)
            return -1;
        k->stored = 1;
    }
    g->lit = k->lit;
    return 0;
}

static int cmp_posting(const void *a, const void *b)
{
    const posting *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    /* Postings of one literal in a row: a hit verifies it once (scan.c, mark). */
    if (x->lit != y->lit)
        return x->lit < y->lit ? -1 : 1;
    return (x->rule > y->rule) - (x->rule < y->rule);
}

static void set_bit(uint64_t *bits, uint64_t i)
{
    bits[i >> 6] |= 1ull << (i & 63);
}

/* Records a key of 1-3 bytes (its bytes in the low bits of `g`) in its slot's
 * first-byte table and nibble tables (allocated on the first short key of the
 * slot; table 0 stays all zero). */
static int add_short_key(sg_index *ix, uint32_t slot, uint32_t len, uint32_t g)
{
    if (!ix->short_tab[slot]) {
        uint32_t n = ix->nshort_tabs + 1;
        uint8_t *t = realloc(ix->short_first, (size_t)(n + 1) * 256);
        if (!t)
            return -1;
        memset(t + (size_t)n * 256, 0, 256);
        ix->short_first = t;
        sg_short_nib *nib = realloc(ix->short_nib, (size_t)(n + 1) * sizeof *nib);
        if (!nib)
            return -1;
        memset(&nib[n], 0, sizeof *nib);
        ix->short_nib = nib;
        ix->nshort_tabs = n;
        ix->short_tab[slot] = n * 256;
    }
    ix->short_first[ix->short_tab[slot] + (g & 0xff)] |= (uint8_t)(1u << len);
    sg_short_nib *nib = &ix->short_nib[ix->short_tab[slot] / 256];
    /* Keys with the same first byte share a bucket: the first byte, which rules
     * out most positions, keeps its own nibble pair as long as the slot has at most
     * 8 distinct first bytes (164 short keys of CommandLine, mostly look-alike
     * letters, start with 16 bytes). */
    if (!nib->first_bucket[g & 0xff])
        nib->first_bucket[g & 0xff] = (uint8_t)(1 + nib->nfirst++ % 8);
    const uint8_t bucket = (uint8_t)(1u << (nib->first_bucket[g & 0xff] - 1));
    for (uint32_t j = 0; j < 3; j++) {
        const uint8_t b = (uint8_t)(g >> (8 * j));
        for (uint32_t k = 0; k < 16; k++) {
            /* past the key's end any byte will do */
            if (j >= len || k == (b & 15u))
                nib->lo[j][k] |= bucket;
            if (j >= len || k == (b >> 4))
                nib->hi[j][k] |= bucket;
        }
    }
    return 0;
}

/* The prefilter entry of posting p: its gram's first four bytes (a 4-byte gram and
 * an 8-byte one that start alike share it) or, for a 3-byte key, the key; 0 for
 * other keys. Tagged with the slot, so that it is never 0 otherwise. */
static uint64_t pre4_entry(const posting *p)
{
    const uint64_t len = (p->key >> 32) & 7, slot_tag = p->key >> 35 << 35;
    if (len == GRAM || len == 5)
        return slot_tag | (uint64_t)GRAM << 32 | p->w4;
    return len == 3 ? p->key : 0;
}

/* How many distinct prefilter entries each slot has (entries[slot]), a 3-byte
 * key counting for the 256 it stands for when the slot has no nibble tables.
 * Postings repeat entries many times over (the same gram for a rule, its
 * predicate and its gates; many grams with one prefix): CommandLine has 58,474
 * postings with grams and 7,469 distinct prefixes. 0 or -1. */
static int count_pre4_entries(const sg_index *ix, const posting *p, size_t n, size_t *entries)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    uint64_t *set = calloc(cap, sizeof *set);
    if (!set)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const uint64_t e = pre4_entry(&p[i]);
        const uint32_t slot = (uint32_t)(p[i].key >> 35) - 1;
        if (!e || (((e >> 32) & 7) == 3 && ix->scans[slot].teddy))
            continue;
        size_t h = (size_t)(sg_key_hash(e) >> 20) & (cap - 1);
        while (set[h] && set[h] != e)
            h = (h + 1) & (cap - 1);
        if (!set[h]) {
            set[h] = e;
            entries[slot] += ((e >> 32) & 7) == 3 ? 256 : 1;
        }
    }
    free(set);
    return 0;
}

/* The scan prefilter over the first four bytes of every 4- and 8-byte gram, set
 * from every posting (before de-duplication: grams whose 8-byte keys collide keep
 * their own prefixes). Each slot gets a region of 64 bits per distinct entry, a
 * power of two from 2^9 (a cache line) to 2^26 bits: sized by postings (16-32
 * bits each), CommandLine's region was 128 KB with the corpus and 1 MB with 8x
 * the rules (the altered copies post the same prefixes again), now 64 KB and
 * 128 KB for about as many passing positions (sample: 40.1 -> 40.7 per event).
 *
 * A slot whose short keys all have 3 bytes (the keywords "dir", "rcp", "aaa") also
 * gets each of them followed by every possible fourth byte (256 entries): the vector
 * scan then finds them with the prefilter test it runs anyway instead of a nibble
 * test of its own (the text is always readable 4 bytes on, scan.c). Such a slot's
 * scans[slot].teddy stays 0. */
static int build_pre4(sg_index *ix, const posting *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const uint32_t len = (uint32_t)(p[i].key >> 32) & 7, slot = (uint32_t)(p[i].key >> 35) - 1;
        if (len == 1 || len == 2)
            ix->scans[slot].teddy = 1;
    }
    size_t *grams = calloc(ix->nslots, sizeof *grams);
    if (!grams || count_pre4_entries(ix, p, n, grams) != 0) {
        free(grams);
        return -1;
    }
    size_t bits = 0;
    for (uint32_t slot = 0; slot < ix->nslots; slot++) {
        sg_slot_scan *ss = &ix->scans[slot];
        uint32_t log2 = 9;
        const size_t want = grams[slot] * PRE4_BITS;
        while (grams[slot] && log2 < BLOOM_MAX_LOG2 && ((size_t)1 << log2) < want)
            log2++;
        ss->pre4_shift = (uint8_t)(32 - log2);
        ss->pre4_base = (uint32_t)bits;
        ss->pre4 = grams[slot] != 0;
        bits += grams[slot] ? (size_t)1 << log2 : 0;
    }
    free(grams);
    if (bits > UINT32_MAX || !(ix->pre4 = calloc(bits / 64 + 1, sizeof *ix->pre4)))
        return -1;
    ix->npre4_words = bits / 64 + 1;
    for (size_t i = 0; i < n; i++) {
        const uint32_t len = (uint32_t)(p[i].key >> 32) & 7, slot = (uint32_t)(p[i].key >> 35) - 1;
        const sg_slot_scan *ss = &ix->scans[slot];
        if (len == GRAM || len == 5)
            set_bit(ix->pre4, sg_pre4_bit(ss->pre4_base, ss->pre4_shift, p[i].w4));
        for (uint32_t next = 0; len == 3 && !ss->teddy && next < 256; next++) {
            const uint32_t w = ((uint32_t)p[i].key & 0xffffffu) | next << 24;
            set_bit(ix->pre4, sg_pre4_bit(ss->pre4_base, ss->pre4_shift, w));
        }
    }
    return 0;
}

/* The rest of each slot's scan state, once the keys are in (build_pre4 set the
 * prefilter region). */
static void finish_scans(sg_index *ix)
{
    for (uint32_t slot = 0; slot < ix->nslots; slot++) {
        sg_slot_scan *ss = &ix->scans[slot];
        const uint8_t lens = ix->slot_lens[slot];
        ss->slot = slot;
        ss->base = (uint64_t)(slot + 1) << 35;
        ss->sf = ix->short_first + ix->short_tab[slot];
        ss->nib = &ix->short_nib[ix->short_tab[slot] / 256];
        ss->grams4 = (lens & (1u << 4)) != 0;
        ss->grams8 = (lens & SG_LONG_KEYS) != 0;
        ss->shorts = (lens & 0x0e) != 0;
        ss->text = ss->grams4 || ss->grams8 || ss->shorts;
    }
}

/* The SG_RENDERED_* kinds of rendered scalars whose text could contain p[0, len):
 * those whose alphabet has every byte of it (eval.c, render_scalar). */
static uint8_t scalar_kinds(const unsigned char *p, size_t len)
{
    uint8_t kinds = SG_RENDERED_INT | SG_RENDERED_OTHER;
    for (size_t i = 0; i < len && kinds; i++) {
        if (!p[i] || !strchr("0123456789-", p[i]))
            kinds &= (uint8_t)~SG_RENDERED_INT;
        if (!p[i] || !strchr("0123456789-+.eEinfatrulsINFATRULS", p[i]))
            kinds &= (uint8_t)~SG_RENDERED_OTHER;
    }
    return kinds;
}

/* Sets scans[slot].scalar_text and scans[slot].need (needed_bytes.h) from the
 * slot's keys, each through the string that must occur where it marks: a 1-3-byte
 * key itself, the literal a gram's posting verifies, or else the gram's first four
 * bytes (w4).
 * - scalar_text: the kinds of rendered scalars that could hold that string. Most
 *   event fields are only scanned for the keyword slot, whose literals are words:
 *   integer values (process ids, record numbers) then need no rendering, folding
 *   or scan. Conservative: a gram without a literal counts for every kind.
 * - need: one byte of that string.
 * An unknown key kind counts for every kind and needs nothing (every text is
 * scanned). */
static void find_key_needs(sg_index *ix, const posting *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const uint32_t len = (uint32_t)(p[i].key >> 32) & 7, slot = (uint32_t)(p[i].key >> 35) - 1;
        sg_slot_scan *ss = &ix->scans[slot];
        if (len == 7)
            continue; /* integer keys are looked up without text */
        unsigned char key[4];
        const unsigned char *str = key;
        size_t str_len = 0; /* 0: unknown */
        int exact = 0;      /* str is the whole key or its literal, not a gram prefix */
        if (len >= 1 && len <= 3) {
            for (uint32_t k = 0; k < len; k++)
                key[k] = (unsigned char)(p[i].key >> (8 * k));
            str_len = len;
            exact = 1;
        } else if ((len == GRAM || len == 5) && p[i].lit != SG_NO_LIT) {
            const sg_vlit *l = &ix->lits[p[i].lit];
            str = ix->lit_bytes + l->off;
            str_len = l->len;
            exact = 1;
        } else if (len == GRAM || len == 5) {
            for (uint32_t k = 0; k < 4; k++)
                key[k] = (unsigned char)(p[i].w4 >> (8 * k));
            str_len = 4;
        }
        ss->scalar_text |= exact ? scalar_kinds(str, str_len) : SG_RENDERED_INT | SG_RENDERED_OTHER;
        sg_needed_bytes_add(&ss->need, str, str_len);
    }
    for (uint32_t slot = 0; slot < ix->nslots; slot++)
        sg_needed_bytes_finish(&ix->scans[slot].need);
}

/* ix->scan_fp: a hash of everything that decides which marks a scanned text makes
 * (the table, its n postings, the literals; the prefilters only skip work), so
 * that a scratch's memo of scanned texts and their marks is used with equal
 * indexes only (match/scan_memo.h). */
static void fingerprint_scan(sg_index *ix, size_t n, const lit_store *ls)
{
    uint64_t h = sg_mix64(ix->nslots);
    h = sg_mix64(h ^ sg_hash_bytes(ix->table, (ix->table_mask + 1) * sizeof *ix->table));
    h = sg_mix64(h ^ sg_hash_bytes(ix->postings, n * sizeof *ix->postings));
    h = sg_mix64(h ^ sg_hash_bytes(ix->lits, ls->nlits * sizeof *ix->lits));
    ix->scan_fp = sg_mix64(h ^ sg_hash_bytes(ix->lit_bytes, ls->nbytes)) | 1;
}

/* Lays the sorted, de-duplicated postings out as the hash table + bloom filter. */
static int build_table(sg_index *ix, posting *p, size_t n)
{
    size_t keys = 0;
    for (size_t i = 0; i < n; i++)
        keys += i == 0 || p[i].key != p[i - 1].key;
    size_t cap = 16;
    while (cap < keys * 2)
        cap *= 2;
    ix->table = calloc(cap, sizeof *ix->table);
    ix->postings = calloc(n ? n : 1, sizeof *ix->postings);
    ix->npostings = n;
    uint32_t log2 = BLOOM_MIN_LOG2;
    while (log2 < BLOOM_MAX_LOG2 && ((size_t)1 << log2) < keys * 16)
        log2++;
    ix->bloom_bits_log2 = log2;
    ix->bloom = calloc(((size_t)1 << log2) / 64, sizeof *ix->bloom);
    if (!ix->table || !ix->postings || !ix->bloom)
        return -1;
    ix->table_mask = cap - 1;
    ix->table_shift = 64 - (uint32_t)__builtin_ctzll(cap);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        for (size_t run = i; j < n && p[j].key == p[i].key; j++) {
            ix->postings[j] = (sg_posting){p[j].rule, p[j].lit, 1};
            if (j > i && p[j].lit == p[j - 1].lit) { /* the run goes on */
                ix->postings[run].run++;
                ix->postings[j].run = 0;
            } else {
                run = j;
            }
        }
        uint64_t h = sg_key_hash(p[i].key);
        size_t s = h >> ix->table_shift;
        while (ix->table[s].key)
            s = (s + 1) & ix->table_mask;
        ix->table[s] = (sg_gram_slot){p[i].key, (uint32_t)i, (uint32_t)(j - i)};
        set_bit(ix->bloom, h >> (64 - ix->bloom_bits_log2));
        uint32_t slot = (uint32_t)(p[i].key >> 35) - 1, len = (uint32_t)(p[i].key >> 32) & 7;
        if (len >= 1 && len < GRAM && add_short_key(ix, slot, len, (uint32_t)p[i].key) != 0)
            return -1;
        ix->slot_lens[slot] |= (uint8_t)(len == 7   ? SG_NUM_KEYS
                                         : len == 5 ? SG_LONG_KEYS
                                                    : 1u << len);
        i = j;
    }
    return 0;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* One bucket per distinct logsource of the detection rules. */
static int build_buckets(sigma_ruleset *rs, sg_index *ix)
{
    ix->buckets = calloc(rs->nrules ? rs->nrules : 1, sizeof *ix->buckets);
    if (!ix->buckets)
        return -1;
    for (uint32_t r = 0; r < rs->nrules; r++) {
        const sg_rule *rule = &rs->rules[r];
        uint32_t b = 0;
        while (b < ix->nbuckets && !(same(ix->buckets[b].product, rule->ls_product) &&
                                     same(ix->buckets[b].category, rule->ls_category) &&
                                     same(ix->buckets[b].service, rule->ls_service)))
            b++;
        if (b == ix->nbuckets) {
            sg_ls_bucket *k = &ix->buckets[ix->nbuckets++];
            k->product = rule->ls_product;
            k->category = rule->ls_category;
            k->service = rule->ls_service;
            if (!(k->rules = calloc(ix->nwords, sizeof *k->rules)))
                return -1;
        }
        set_bit(ix->buckets[b].rules, r);
    }
    return 0;
}

/* The cost of indexing a rule under literal l: how often its key is likely to
 * occur in events, estimated from the rules (pred_pick.count, key_weights). */
static uint64_t literal_cost(const sg_lit *l, void *ctx)
{
    static const uint64_t short_penalty[GRAM] = {0, 1000, 100, 10}; /* 1-3 bytes hit often */
    const pred_pick *picks = ctx;
    const uint64_t n = picks[l->pred].count;
    /* Integers (event ids) are as selective as a gram shared by as many rules. */
    return l->len && l->len < GRAM ? n * short_penalty[l->len] : n;
}

/* What the rules say about how common each predicate's key is in events, added
 * to its count of literals sharing the gram: the number of rule conditions that
 * rest on it. Predicates are interned, so "EventID: 5145" or "Company: Microsoft
 * Corporation" is one literal whose gram no other literal shares, yet a dozen
 * rules test it; literals that many rules test tend to be common in events
 * (their whole event class, a vendor name), and an AND whose cheapest child is
 * one of them makes its rule a candidate on all those events. With the corpus:
 * 11.18 -> 7.55 candidates per event. */
static int key_weights(const sigma_ruleset *rs, build_state *b)
{
    uint32_t *refs = calloc(rs->npreds ? rs->npreds : 1, sizeof *refs);
    counter w = {calloc(1024, sizeof(gram_count)), 1023, 0};
    int rc = refs && w.v ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < rs->nprog; i++)
        if (rs->prog[i].kind == SG_X_PRED)
            refs[rs->prog[i].arg]++;
    for (uint32_t p = 0; rc == 0 && p < rs->npreds; p++)
        if (b->lits.has[p] && refs[p])
            rc = counter_add_n(&w, b->picks[p].key, refs[p]);
    for (uint32_t p = 0; rc == 0 && p < rs->npreds; p++)
        if (b->lits.has[p]) {
            const gram_count *g = counter_slot(&w, b->picks[p].key);
            b->picks[p].count += g->fp ? g->count : 0;
        }
    free(refs);
    free(w.v);
    return rc;
}

/* Derives every predicate's literal and counts their grams, picks each one's
 * gram, then derives each rule's cheapest literal set: always-evaluate bits, or
 * literals to index. */
static int collect(sigma_ruleset *rs, sg_index *ix, build_state *b, sg_litset *sets)
{
    b->lits.lit = calloc(rs->npreds ? rs->npreds : 1, sizeof *b->lits.lit);
    b->lits.has = calloc(rs->npreds ? rs->npreds : 1, 1);
    b->picks = calloc(rs->npreds ? rs->npreds : 1, sizeof *b->picks);
    if (!b->lits.lit || !b->lits.has || !b->picks)
        return -1;
    for (uint32_t p = 0; p < rs->npreds; p++) {
        int rc = sg_pred_literal(rs, p, &b->arena, &b->lits.lit[p]);
        b->lits.has[p] = rc == 1;
        if (rc < 0 || (rc == 1 && count_grams(&b->c, &b->lits.lit[p]) != 0))
            return -1;
    }
    for (uint32_t p = 0; p < rs->npreds; p++) {
        if (!b->lits.has[p])
            continue;
        pred_pick *k = &b->picks[p];
        k->key = pick_key_at(&b->c, &b->lits.lit[p], &k->w4, &k->at);
        const gram_count *g = counter_slot(&b->c, k->key);
        k->count = g->fp ? g->count : 1;
        k->lit = SG_NO_LIT;
    }
    if (key_weights(rs, b) != 0)
        return -1;
    for (uint32_t r = 0; r < rs->nrules; r++) {
        if (sg_rule_literals(rs, r, &b->lits, literal_cost, b->picks, &sets[r]) != 0)
            return -1;
        if (!sets[r].ok) {
            set_bit(ix->always, r);
            ix->nalways++;
        }
    }
    return 0;
}

static int keyed(const sg_index *ix, uint32_t pred)
{
    return (ix->pred_keyed[pred >> 6] >> (pred & 63)) & 1;
}

/* Posts gate `gate` under the gram (and literal) of keyed predicate `pred`, so
 * that the scan marks the gate whenever it would mark the predicate. */
static int post_gate(posting **post, size_t *npost, size_t *cap, const gram *pred_gram,
                     uint32_t pred, uint32_t gate)
{
    const gram *g = &pred_gram[pred];
    return SG_PUSH(*post, *npost, *cap, ((posting){g->key, gate | SG_POST_NODE, g->w4, g->lit}));
}

/* OR nodes whose children are all keyed predicates (value lists) are gated: the
 * scan marks them when any child's key occurs, and an unmarked one is false
 * without looking at its children. */
static int gate_or_nodes(sigma_ruleset *rs, sg_index *ix, const gram *pred_gram, posting **post,
                         size_t *npost, size_t *cap)
{
    for (uint32_t i = 0; i < rs->nprog; i++) {
        const sg_prog_node *n = &rs->prog[i];
        if (n->kind != SG_X_OR || n->arg < 2 || ix->ngates >= SG_POST_ID)
            continue;
        int all = 1;
        for (uint32_t j = 1; all && j < n->size; j++)
            all = rs->prog[i + j].kind == SG_X_PRED && keyed(ix, rs->prog[i + j].arg);
        if (!all)
            continue;
        uint32_t gate = ix->ngates++;
        ix->node_gate[i] = gate;
        for (uint32_t j = 1; j < n->size; j++)
            if (post_gate(post, npost, cap, pred_gram, rs->prog[i + j].arg, gate) != 0)
                return -1;
    }
    ix->ngate_words = (ix->ngates + 63) / 64;
    return 0;
}

/* Nodes of residual programs under construction. */
typedef struct node_buf {
    sg_prog_node *v;
    size_t n, cap;
} node_buf;

enum { FOLD_FALSE = 0, FOLD_TRUE = 1, FOLD_NODES = 2, FOLD_NOMEM = -1 };

/* Appends to out the program of subtree n with every keyed predicate taken as
 * false, folding constants away: FOLD_FALSE / FOLD_TRUE (nothing appended) when
 * the subtree is then constant, FOLD_NODES when it appended the folded subtree. */
static int fold_unkeyed(const sg_index *ix, const sg_prog_node *n, node_buf *out)
{
    const size_t at = out->n;
    switch (n->kind) {
    case SG_X_PRED:
        if (keyed(ix, n->arg))
            return FOLD_FALSE;
        return SG_PUSH(out->v, out->n, out->cap, *n) == 0 ? FOLD_NODES : FOLD_NOMEM;
    case SG_X_NOT: {
        if (SG_PUSH(out->v, out->n, out->cap, *n) != 0)
            return FOLD_NOMEM;
        int r = fold_unkeyed(ix, n + 1, out);
        if (r != FOLD_NODES) {
            out->n = at;
            return r == FOLD_NOMEM ? r : !r;
        }
        out->v[at].size = (uint32_t)(out->n - at);
        return FOLD_NODES;
    }
    case SG_X_AND:
    case SG_X_OR: {
        /* AND: false absorbs, true drops out; OR the other way round. */
        const int absorb = n->kind == SG_X_AND ? FOLD_FALSE : FOLD_TRUE;
        if (SG_PUSH(out->v, out->n, out->cap, *n) != 0)
            return FOLD_NOMEM;
        uint32_t kids = 0;
        const sg_prog_node *k = n + 1;
        for (uint32_t i = 0; i < n->arg; i++, k += k->size) {
            int r = fold_unkeyed(ix, k, out);
            if (r == FOLD_NOMEM || r == absorb) {
                out->n = at;
                return r;
            }
            kids += r == FOLD_NODES;
        }
        if (kids == 0) {
            out->n = at;
            return !absorb;
        }
        if (kids == 1) { /* the node is its only child */
            memmove(&out->v[at], &out->v[at + 1], (out->n - at - 1) * sizeof *out->v);
            out->n--;
            return FOLD_NODES;
        }
        out->v[at].arg = kids;
        out->v[at].size = (uint32_t)(out->n - at);
        return FOLD_NODES;
    }
    default: /* SG_X_FALSE (and anything eval_node takes as false) */
        return FOLD_FALSE;
    }
}

/* ix->untouched, every rule without a residual yet. 0 or -1. */
static int untouched_init(const sigma_ruleset *rs, sg_index *ix)
{
    if (ix->untouched)
        return 0;
    ix->untouched = malloc((size_t)rs->nrules * sizeof *ix->untouched);
    if (!ix->untouched)
        return -1;
    for (uint32_t i = 0; i < rs->nrules; i++)
        ix->untouched[i] = (sg_untouched){UINT32_MAX, 0, 0, 0};
    return 0;
}

/* Distinct residual programs: packed node bytes -> residual id, and each id's
 * first node in the residual buffer. */
typedef struct residual_set {
    sg_strmap ids;
    sg_arena keys;
    uint32_t *start;
    size_t n, cap;
} residual_set;

/* The id of the residual nodes[0, len) at `at` of the buffer: an identical earlier
 * one's (the caller then drops these nodes), else a new one. -1 no memory. */
static int64_t residual_id(residual_set *rsd, const sg_prog_node *nodes, size_t len, size_t at,
                           int *reused)
{
    /* kind, arg, size of each node: the struct has padding bytes */
    if (len > UINT32_MAX / 9)
        return -1;
    const size_t klen = len * 9;
    char *key = sg_arena_alloc(&rsd->keys, klen ? klen : 1);
    if (!key)
        return -1;
    for (size_t i = 0; i < len; i++) {
        key[9 * i] = (char)nodes[i].kind;
        memcpy(key + 9 * i + 1, &nodes[i].arg, 4);
        memcpy(key + 9 * i + 5, &nodes[i].size, 4);
    }
    uint32_t id;
    *reused = sg_strmap_get(&rsd->ids, key, klen, &id);
    if (*reused)
        return id;
    if (rsd->n >= UINT32_MAX - 1 || SG_PUSH(rsd->start, rsd->n, rsd->cap, (uint32_t)at) != 0 ||
        sg_strmap_put(&rsd->ids, key, klen, (uint32_t)(rsd->n - 1)) != 0)
        return -1;
    return (int64_t)(rsd->n - 1);
}

/* Residual programs for the rules without a literal set (always evaluated or
 * gated by field presence): such a rule's copies with other literals (a ruleset
 * holding many variants of a negation rule) are candidates on every event that
 * has their fields and would walk every node, although none of their keyed
 * literals occurs. Each such rule that reads a keyed predicate gets a gate that
 * the scan marks when any of its keyed literals occurs (postings with the
 * predicates' own grams and literals, so the gate is marked whenever one of
 * those predicates is) and the folded program for when it is not: with the
 * index, an unmarked keyed predicate is false, so the two verdicts are equal.
 * The residual nodes are appended to rs->prog (not gated). */
static int build_residuals(sigma_ruleset *rs, sg_index *ix, const sg_litset *sets,
                           const gram *pred_gram, posting **post, size_t *npost, size_t *cap)
{
    node_buf out = {0};
    residual_set rsd = {0};
    int rc = 0;
    for (uint32_t r = 0; rc == 0 && r < rs->nrules; r++) {
        const sg_rule_prog *rule = &rs->progs[r];
        if (sets[r].ok || !rule->len || ix->ngates >= SG_POST_ID)
            continue;
        const sg_prog_node *prog = &rs->prog[rule->start];
        uint32_t nkeyed = 0;
        for (uint32_t i = 0; i < rule->len; i++)
            nkeyed += prog[i].kind == SG_X_PRED && keyed(ix, prog[i].arg);
        if (!nkeyed)
            continue; /* the residual would be the program itself */
        if (untouched_init(rs, ix) != 0)
            return -1;
        const size_t at = out.n;
        int f = fold_unkeyed(ix, prog, &out);
        if (f == FOLD_NOMEM) {
            rc = -1;
            break;
        }
        const uint32_t gate = ix->ngates++;
        /* Residual offsets are fixed up once the nodes are appended to rs->prog. */
        if (f == FOLD_NODES) {
            int reused = 0;
            const size_t len = out.n - at;
            const int64_t id = residual_id(&rsd, out.v + at, len, at, &reused);
            if (id < 0) {
                rc = -1;
                break;
            }
            if (reused)
                out.n = at; /* the same nodes are there already */
            ix->untouched[r] = (sg_untouched){gate, rsd.start[id], (uint32_t)len, (uint32_t)id};
        } else {
            ix->untouched[r] = (sg_untouched){gate, (uint32_t)f, 0, 0};
        }
        for (uint32_t i = 0; rc == 0 && i < rule->len; i++)
            if (prog[i].kind == SG_X_PRED && keyed(ix, prog[i].arg))
                rc = post_gate(post, npost, cap, pred_gram, prog[i].arg, gate);
    }
    ix->ngate_words = (ix->ngates + 63) / 64;
    ix->nresiduals = (uint32_t)rsd.n;
    sg_strmap_free(&rsd.ids);
    sg_arena_free(&rsd.keys);
    free(rsd.start);
    if (rc == 0 && out.n) {
        const size_t total = (size_t)rs->nprog + out.n;
        sg_prog_node *p = total <= UINT32_MAX ? realloc(rs->prog, total * sizeof *p) : NULL;
        uint32_t *g = p ? realloc(ix->node_gate, total * sizeof *g) : NULL;
        if (p)
            rs->prog = p;
        if (g)
            ix->node_gate = g;
        if (!p || !g) {
            rc = -1;
        } else {
            memcpy(rs->prog + rs->nprog, out.v, out.n * sizeof *out.v);
            memset(ix->node_gate + rs->nprog, 0xff, out.n * sizeof *g);
            for (uint32_t r = 0; r < rs->nrules; r++)
                if (ix->untouched[r].gate != UINT32_MAX && ix->untouched[r].len)
                    ix->untouched[r].start += rs->nprog;
            rs->nprog = (uint32_t)total;
        }
    }
    free(out.v);
    return rc;
}

typedef struct slot_rule {
    uint32_t slot, rule;
} slot_rule;

static int cmp_slot_rule(const void *a, const void *b)
{
    const slot_rule *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return (x->rule > y->rule) - (x->rule < y->rule);
}

/* The field slots rule r reads (fieldref: both), appended to *v; 0 if it also
 * searches keywords (every value: no field is required). -1 no memory. */
static int rule_slots(const sigma_ruleset *rs, uint32_t r, slot_rule **v, size_t *n, size_t *cap)
{
    const sg_rule_prog *rule = &rs->progs[r];
    for (uint32_t i = 0; i < rule->len; i++) {
        const sg_prog_node *node = &rs->prog[rule->start + i];
        if (node->kind != SG_X_PRED)
            continue;
        const sg_pred *p = &rs->preds[node->arg];
        if (p->field == SG_KEYWORD_FIELD)
            return 0;
        if (SG_PUSH(*v, *n, *cap, ((slot_rule){p->field, r})) != 0)
            return -1;
        if (p->op == SG_OP_FIELDREF && SG_PUSH(*v, *n, *cap, ((slot_rule){p->ref_field, r})) != 0)
            return -1;
    }
    return 1;
}

/* A rule's verdict only depends on the fields it reads: on an event that has
 * none of them it is the verdict on an empty event. Always-evaluated rules that
 * do not match the empty event are therefore only evaluated when one of their
 * fields is present.
 *
 * Those that do match it ("not selection" over fields the event may lack: zeek's
 * RDP listener rule, 8 of them with 8x the rules) stay candidates on every event,
 * but their fields' presence marks a gate instead (pres_rules entry SG_POST_NODE |
 * gate) and, while it is unmarked, their verdict is the constant 1 of
 * sg_untouched: no program walk, no predicate read, where that rule alone took a
 * tenth of all evaluation time (out of cache) for a known answer. Rules that
 * already have a residual keep it. */
static int gate_by_presence(sigma_ruleset *rs, sg_index *ix)
{
    uint64_t *empty = calloc(ix->nwords ? ix->nwords : 1, sizeof *empty);
    ix->pres_first = calloc((size_t)ix->nslots + 1, sizeof *ix->pres_first);
    slot_rule *v = NULL;
    size_t n = 0, cap = 0;
    int rc = empty && ix->pres_first ? sg_eval_empty_event(rs, empty) : -1;
    for (uint32_t r = 0; rc == 0 && r < rs->nrules; r++) {
        const int empty_hit = (empty[r >> 6] >> (r & 63)) & 1;
        if (!((ix->always[r >> 6] >> (r & 63)) & 1) ||
            (empty_hit &&
             ((ix->untouched && ix->untouched[r].gate != UINT32_MAX) || ix->ngates >= SG_POST_ID)))
            continue;
        size_t n0 = n;
        int ok = rule_slots(rs, r, &v, &n, &cap);
        if (ok < 0 || (ok && empty_hit && untouched_init(rs, ix) != 0)) {
            rc = -1;
        } else if (ok == 0) {
            n = n0; /* keyword search: stays always evaluated */
        } else if (empty_hit) {
            const uint32_t gate = ix->ngates++;
            ix->untouched[r] = (sg_untouched){gate, 1, 0};
            for (size_t k = n0; k < n; k++)
                v[k].rule = SG_POST_NODE | gate;
        } else {
            ix->always[r >> 6] &= ~(1ull << (r & 63));
            ix->nalways--;
            ix->npresence++;
        }
    }
    ix->ngate_words = (ix->ngates + 63) / 64;
    if (rc == 0 && n)
        qsort(v, n, sizeof *v, cmp_slot_rule);
    size_t u = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (u == 0 || v[i].slot != v[u - 1].slot || v[i].rule != v[u - 1].rule)
            v[u++] = v[i];
    if (rc == 0 && !(ix->pres_rules = malloc((u ? u : 1) * sizeof *ix->pres_rules)))
        rc = -1;
    for (size_t i = 0; rc == 0 && i < u; i++) {
        ix->pres_rules[i] = v[i].rule;
        ix->pres_first[v[i].slot + 1]++;
    }
    for (uint32_t sl = 0; rc == 0 && sl < ix->nslots; sl++)
        ix->pres_first[sl + 1] += ix->pres_first[sl];
    free(v);
    free(empty);
    return rc;
}

int sg_index_build(sigma_ruleset *rs, int simd)
{

    sg_index *ix = &rs->index;
    ix->nrules = rs->nrules;
    ix->nwords = (rs->nrules + 63) / 64;
    ix->ngroup_words = (ix->nwords + 63) / 64;
    ix->nslots = rs->nfields + 1;
    ix->always = calloc(ix->nwords ? ix->nwords : 1, sizeof *ix->always);
    ix->npred_words = (rs->npreds + 63) / 64;
    ix->pred_keyed = calloc(ix->npred_words ? ix->npred_words : 1, sizeof *ix->pred_keyed);
    ix->node_gate = malloc((rs->nprog ? rs->nprog : 1) * sizeof *ix->node_gate);
    if (ix->node_gate)
        memset(ix->node_gate, 0xff, rs->nprog * sizeof *ix->node_gate);
    ix->slot_lens = calloc(ix->nslots, 1);
    ix->short_tab = calloc(ix->nslots, sizeof *ix->short_tab);
    ix->short_first = calloc(256, 1); /* table 0: no short keys */
    ix->short_nib = calloc(1, sizeof *ix->short_nib);
    ix->scans = calloc(ix->nslots, sizeof *ix->scans);
    ix->scan_isa = simd == 1 && sg_index_cpu_has_avx512() ? SG_SCAN_AVX512
                   : simd && sg_index_cpu_has_avx2()      ? SG_SCAN_AVX2
                                                          : SG_SCAN_SCALAR;
    sg_litset *sets = calloc(rs->nrules ? rs->nrules : 1, sizeof *sets);
    build_state b = {.c = {calloc(1024, sizeof(gram_count)), 1023, 0}};
    posting *post = NULL;
    size_t npost = 0, post_cap = 0;
    int rc = ix->always && ix->pred_keyed && ix->node_gate && ix->slot_lens && ix->short_tab &&
                     ix->short_first && ix->short_nib && ix->scans && sets && b.c.v
                 ? 0
                 : -1;
    if (rc == 0)
        rc = collect(rs, ix, &b, sets);
    for (uint32_t r = 0; rc == 0 && r < rs->nrules; r++)
        for (size_t i = 0; rc == 0 && sets[r].ok && i < sets[r].n; i++) {
            gram g;
            rc = choose_gram(ix, &b, &sets[r].v[i], &g);
            if (rc == 0)
                rc = SG_PUSH(post, npost, post_cap, ((posting){g.key, r, g.w4, g.lit}));
        }
    /* Every predicate with a literal is also keyed, so that evaluating a candidate
     * skips the string search for literals the scan did not see. */
    gram *pred_gram = calloc(rs->npreds ? rs->npreds : 1, sizeof *pred_gram);
    if (!pred_gram)
        rc = -1;
    for (uint32_t p = 0; rc == 0 && p < rs->npreds; p++) {
        const sg_lit *l = &b.lits.lit[p];
        if (b.lits.has[p] && (l->len == 0 || l->len >= GRAM)) {
            /* 1-3 byte literals would make the scan test short grams at every
             * position for little gain: such predicates are simply evaluated. */
            set_bit(ix->pred_keyed, p);
            const gram *g = &pred_gram[p];
            rc = choose_gram(ix, &b, l, &pred_gram[p]);
            if (rc == 0)
                rc = SG_PUSH(post, npost, post_cap,
                             ((posting){g->key, p | SG_POST_PRED, g->w4, g->lit}));
        }
    }
    if (rc == 0)
        rc = gate_or_nodes(rs, ix, pred_gram, &post, &npost, &post_cap);
    if (rc == 0)
        rc = build_residuals(rs, ix, sets, pred_gram, &post, &npost, &post_cap);
    free(pred_gram);
    /* Every gram is chosen: the gram counter (2^20 entries with the corpus) and the
     * literal map go before the prefilter and the table are built, which are the
     * build's peak memory. */
    free_choices(&b);
    if (rc == 0)
        rc = build_pre4(ix, post, npost);
    if (rc == 0) {
        if (npost)
            qsort(post, npost, sizeof *post, cmp_posting);
        size_t u = 0;
        for (size_t i = 0; i < npost; i++)
            if (u == 0 || post[i].key != post[u - 1].key || post[i].rule != post[u - 1].rule ||
                post[i].lit != post[u - 1].lit)
                post[u++] = post[i];
        rc = build_table(ix, post, u);
        if (rc == 0) {
            fingerprint_scan(ix, u, &b.ls);
            ix->nlits = b.ls.nlits;
            ix->nlit_bytes = b.ls.nbytes;
            find_key_needs(ix, post, u);
        }
    }
    if (rc == 0)
        finish_scans(ix);
    if (rc == 0)
        rc = build_buckets(rs, ix);
    if (rc == 0)
        rc = gate_by_presence(rs, ix);
    if (rc == 0) {
        ix->always_groups = calloc(ix->ngroup_words ? ix->ngroup_words : 1, sizeof(uint64_t));
        if (!ix->always_groups)
            rc = -1;
        for (uint32_t w = 0; rc == 0 && w < ix->nwords; w++)
            if (ix->always[w])
                set_bit(ix->always_groups, w);
    }
    for (uint32_t r = 0; sets && r < rs->nrules; r++)
        sg_litset_free(&sets[r]);
    free(sets);
    free(post);
    free_choices(&b);
    sg_arena_free(&b.arena);
    return rc;
}

void sg_index_free(sg_index *ix, const sg_huge_region *huge)
{
    free(ix->always);
    free(ix->always_groups);
    sg_huge_free(huge, ix->pred_keyed);
    sg_huge_free(huge, ix->node_gate);
    sg_huge_free(huge, ix->untouched);
    sg_huge_free(huge, ix->table);
    sg_huge_free(huge, ix->postings);
    sg_huge_free(huge, ix->bloom);
    sg_huge_free(huge, ix->pre4);
    free(ix->scans);
    free(ix->pres_first);
    free(ix->pres_rules);
    sg_huge_free(huge, ix->lits);
    sg_huge_free(huge, ix->lit_bytes);
    free(ix->short_first);
    free(ix->short_nib);
    free(ix->short_tab);
    free(ix->slot_lens);
    for (uint32_t b = 0; b < ix->nbuckets; b++)
        free(ix->buckets[b].rules);
    free(ix->buckets);
    memset(ix, 0, sizeof *ix);
}

/* ------------------------------------------------------------- at match time */

static int attr_fits(const char *rule_attr, const char *event_attr)
{
    return !rule_attr || (event_attr && strcasecmp(rule_attr, event_attr) == 0);
}

void sg_index_logsource_mask(const sg_index *ix, const char *product, const char *category,
                             const char *service, uint64_t *mask)
{
    for (uint32_t b = 0; b < ix->nbuckets; b++) {
        const sg_ls_bucket *k = &ix->buckets[b];
        if (!attr_fits(k->product, product) || !attr_fits(k->category, category) ||
            !attr_fits(k->service, service))
            continue;
        for (uint32_t w = 0; w < ix->nwords; w++)
            mask[w] |= k->rules[w];
    }
}
