/* Building the index from a compiled ruleset: literal sets -> grams -> table. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compile/ruleset.h"
#include "index/index.h"
#include "index/literals.h"
#include "util/vec.h"

/* The bloom filter has at least 2^18 bits and about 16 bits per key, so that it
 * stays mostly empty (few table probes) as the rule count grows. */
enum { GRAM = 4, BLOOM_MIN_LOG2 = 18, BLOOM_MAX_LOG2 = 26 };

typedef struct posting {
    uint64_t key;
    uint32_t rule;
} posting;

typedef struct gram_count {
    uint64_t key; /* 0 = empty */
    uint32_t count;
} gram_count;

/* A small open-addressing counter of 4-gram keys over all literals, used to pick
 * each literal's rarest gram. */
typedef struct counter {
    gram_count *v;
    size_t mask, n;
} counter;

static gram_count *counter_slot(counter *c, uint64_t key)
{
    size_t i = sg_mix64(key) & c->mask;
    while (c->v[i].key && c->v[i].key != key)
        i = (i + 1) & c->mask;
    return &c->v[i];
}

static int counter_add(counter *c, uint64_t key)
{
    if ((c->n + 1) * 2 > c->mask + 1) {
        counter bigger = {calloc((c->mask + 1) * 2, sizeof(gram_count)), (c->mask + 1) * 2 - 1, 0};
        if (!bigger.v)
            return -1;
        for (size_t i = 0; i <= c->mask; i++)
            if (c->v[i].key) {
                *counter_slot(&bigger, c->v[i].key) = c->v[i];
                bigger.n++;
            }
        free(c->v);
        *c = bigger;
    }
    gram_count *g = counter_slot(c, key);
    if (!g->key) {
        g->key = key;
        c->n++;
    }
    g->count++;
    return 0;
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

static int count_grams(counter *c, const sg_lit *l)
{
    if (l->len == 0)
        return counter_add(c, sg_num_key(l->slot, l->num));
    if (l->len < GRAM)
        return counter_add(c, sg_gram_key(l->slot, l->s, l->len));
    for (uint32_t i = 0; i + gram_len(l) <= l->len; i++)
        if (counter_add(c, gram_at(l, i)) != 0)
            return -1;
    return 0;
}

/* The key that stands for literal l: the whole literal when short, else its 4-gram
 * that the fewest literals share. */
static uint64_t pick_key(counter *c, const sg_lit *l)
{
    if (l->len == 0)
        return sg_num_key(l->slot, l->num);
    if (l->len < GRAM)
        return sg_gram_key(l->slot, l->s, l->len);
    uint64_t best = 0;
    uint32_t best_count = UINT32_MAX;
    for (uint32_t i = 0; i + gram_len(l) <= l->len; i++) {
        uint64_t k = gram_at(l, i);
        uint32_t n = counter_slot(c, k)->count;
        if (n < best_count) {
            best_count = n;
            best = k;
        }
    }
    return best;
}

static int cmp_posting(const void *a, const void *b)
{
    const posting *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->rule > y->rule) - (x->rule < y->rule);
}

static void set_bit(uint64_t *bits, uint64_t i)
{
    bits[i >> 6] |= 1ull << (i & 63);
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
    uint32_t log2 = BLOOM_MIN_LOG2;
    while (log2 < BLOOM_MAX_LOG2 && ((size_t)1 << log2) < keys * 16)
        log2++;
    ix->bloom_bits_log2 = log2;
    ix->bloom = calloc(((size_t)1 << log2) / 64, sizeof *ix->bloom);
    ix->pairs = calloc(65536 / 64, sizeof *ix->pairs);
    if (!ix->table || !ix->postings || !ix->bloom || !ix->pairs)
        return -1;
    ix->table_mask = cap - 1;
    ix->table_shift = 64 - (uint32_t)__builtin_ctzll(cap);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j].key == p[i].key)
            ix->postings[j] = p[j].rule, j++;
        uint64_t h = sg_key_hash(p[i].key);
        size_t s = h >> ix->table_shift;
        while (ix->table[s].key)
            s = (s + 1) & ix->table_mask;
        ix->table[s] = (sg_gram_slot){p[i].key, (uint32_t)i, (uint32_t)(j - i)};
        set_bit(ix->bloom, h >> (64 - ix->bloom_bits_log2));
        uint32_t klen = (uint32_t)(p[i].key >> 32) & 7;
        if (klen >= 2 && klen != 7)
            set_bit(ix->pairs, sg_key_pair(p[i].key));
        uint32_t slot = (uint32_t)(p[i].key >> 35) - 1, len = (uint32_t)(p[i].key >> 32) & 7;
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

/* How many predicate literals share l's rarest gram (its key). Literals that
 * many rules look for ("powershell", ".exe") tend to be common in events too. */
static uint64_t literal_cost(const sg_lit *l, void *ctx)
{
    static const uint64_t short_penalty[GRAM] = {0, 1000, 100, 10}; /* 1-3 bytes hit often */
    counter *c = ctx;
    gram_count *g = counter_slot(c, pick_key(c, l));
    uint64_t n = g->key ? g->count : 1;
    /* Integers (event ids) are as selective as a gram shared by as many rules. */
    return l->len && l->len < GRAM ? n * short_penalty[l->len] : n;
}

/* Counts the grams of every predicate literal of the ruleset, then derives each
 * rule's cheapest literal set: always-evaluate bits, or literals to index. */
static int collect(sigma_ruleset *rs, sg_index *ix, sg_arena *arena, sg_litset *sets, counter *c)
{
    for (uint32_t p = 0; p < rs->npreds; p++) {
        sg_lit l;
        int rc = sg_pred_literal(rs, p, arena, &l);
        if (rc < 0 || (rc == 1 && count_grams(c, &l) != 0))
            return -1;
    }
    for (uint32_t r = 0; r < rs->nrules; r++) {
        if (sg_rule_literals(rs, r, arena, literal_cost, c, &sets[r]) != 0)
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

/* OR nodes whose children are all keyed predicates (value lists) are gated: the
 * scan marks them when any child's key occurs, and an unmarked one is false
 * without looking at its children. */
static int gate_or_nodes(sigma_ruleset *rs, sg_index *ix, const uint64_t *pred_key, posting **post,
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
            if (SG_PUSH(*post, *npost, *cap,
                        ((posting){pred_key[rs->prog[i + j].arg], gate | SG_POST_NODE})) != 0)
                return -1;
    }
    ix->ngate_words = (ix->ngates + 63) / 64;
    return 0;
}

int sg_index_build(sigma_ruleset *rs)
{

    sg_index *ix = &rs->index;
    ix->nrules = rs->nrules;
    ix->nwords = (rs->nrules + 63) / 64;
    ix->nslots = rs->nfields + 1;
    ix->always = calloc(ix->nwords ? ix->nwords : 1, sizeof *ix->always);
    ix->npred_words = (rs->npreds + 63) / 64;
    ix->pred_keyed = calloc(ix->npred_words ? ix->npred_words : 1, sizeof *ix->pred_keyed);
    ix->node_gate = malloc((rs->nprog ? rs->nprog : 1) * sizeof *ix->node_gate);
    if (ix->node_gate)
        memset(ix->node_gate, 0xff, rs->nprog * sizeof *ix->node_gate);
    ix->slot_lens = calloc(ix->nslots, 1);
    sg_litset *sets = calloc(rs->nrules ? rs->nrules : 1, sizeof *sets);
    counter c = {calloc(1024, sizeof(gram_count)), 1023, 0};
    sg_arena arena = {0};
    posting *post = NULL;
    size_t npost = 0, post_cap = 0;
    int rc = ix->always && ix->pred_keyed && ix->node_gate && ix->slot_lens && sets && c.v ? 0 : -1;
    if (rc == 0)
        rc = collect(rs, ix, &arena, sets, &c);
    for (uint32_t r = 0; rc == 0 && r < rs->nrules; r++)
        for (size_t i = 0; rc == 0 && sets[r].ok && i < sets[r].n; i++)
            rc = SG_PUSH(post, npost, post_cap, ((posting){pick_key(&c, &sets[r].v[i]), r}));
    /* Every predicate with a literal is also keyed, so that evaluating a candidate
     * skips the string search for literals the scan did not see. */
    uint64_t *pred_key = calloc(rs->npreds ? rs->npreds : 1, sizeof *pred_key);
    if (!pred_key)
        rc = -1;
    for (uint32_t p = 0; rc == 0 && p < rs->npreds; p++) {
        sg_lit l;
        int lrc = sg_pred_literal(rs, p, &arena, &l);
        if (lrc < 0)
            rc = -1;
        else if (lrc == 1 && (l.len == 0 || l.len >= GRAM)) {
            /* 1-3 byte literals would make the scan test short grams at every
             * position for little gain: such predicates are simply evaluated. */
            set_bit(ix->pred_keyed, p);
            pred_key[p] = pick_key(&c, &l);
            rc = SG_PUSH(post, npost, post_cap, ((posting){pred_key[p], p | SG_POST_PRED}));
        }
    }
    if (rc == 0)
        rc = gate_or_nodes(rs, ix, pred_key, &post, &npost, &post_cap);
    free(pred_key);
    if (rc == 0) {
        if (npost)
            qsort(post, npost, sizeof *post, cmp_posting);
        size_t u = 0;
        for (size_t i = 0; i < npost; i++)
            if (u == 0 || post[i].key != post[u - 1].key || post[i].rule != post[u - 1].rule)
                post[u++] = post[i];
        rc = build_table(ix, post, u);
    }
    if (rc == 0)
        rc = build_buckets(rs, ix);
    for (uint32_t r = 0; sets && r < rs->nrules; r++)
        sg_litset_free(&sets[r]);
    free(sets);
    free(post);
    free(c.v);
    sg_arena_free(&arena);
    return rc;
}

void sg_index_free(sg_index *ix)
{
    free(ix->always);
    free(ix->pred_keyed);
    free(ix->node_gate);
    free(ix->table);
    free(ix->postings);
    free(ix->bloom);
    free(ix->pairs);
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

/* Marks the rules listed under `key`, if it is in the table. */
static void mark(const sg_index *ix, uint64_t key, const sg_scan_marks *m)
{
    uint64_t h = sg_key_hash(key);
    uint64_t bit = h >> (64 - ix->bloom_bits_log2);
    if (!(ix->bloom[bit >> 6] & (1ull << (bit & 63))))
        return;
    for (size_t s = h >> ix->table_shift; ix->table[s].key; s = (s + 1) & ix->table_mask) {
        if (ix->table[s].key != key)
            continue;
        const uint32_t *r = ix->postings + ix->table[s].first;
        for (uint32_t k = 0; k < ix->table[s].count; k++) {
            uint32_t id = r[k] & SG_POST_ID;
            uint64_t *bits = r[k] & SG_POST_PRED   ? m->preds
                             : r[k] & SG_POST_NODE ? m->nodes
                                                   : m->rules;
            bits[id >> 6] |= 1ull << (id & 63);
        }
        return;
    }
}

void sg_index_scan_number(const sg_index *ix, uint32_t slot, int64_t v, const sg_scan_marks *m)
{
    mark(ix, sg_num_key(slot, v), m);
}

/* 8 bytes as a little-endian integer (byte i in bits 8i..8i+7), like sg_gram_key. */
static inline uint64_t load_le64(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
#else
    uint64_t x = 0;
    for (int k = 0; k < 8; k++)
        x |= (uint64_t)p[k] << (8 * k);
    return x;
#endif
}

/* Bloom test of a key; the table is probed only when it passes. */
static inline void probe(const sg_index *ix, uint64_t key, const sg_scan_marks *m)
{
    uint64_t bit = sg_key_hash(key) >> (64 - ix->bloom_bits_log2);
    if (ix->bloom[bit >> 6] & (1ull << (bit & 63)))
        mark(ix, key, m);
}

void sg_index_scan(const sg_index *ix, uint32_t slot, const char *text, size_t len,
                   const sg_scan_marks *m)
{
    const uint8_t lens = ix->slot_lens[slot] & (0x1e | SG_LONG_KEYS);
    if (!lens || len == 0)
        return;
    const unsigned char *p = (const unsigned char *)text;
    const uint64_t base = (uint64_t)(slot + 1) << 35;
    const int short_lens = lens & 0x1e, long_keys = lens & SG_LONG_KEYS;
    /* Keys come from a little-endian window of the next bytes, masked per length:
     * the same values sg_gram_key / sg_long_gram_key compute byte by byte. */
    static const uint32_t masks[GRAM + 1] = {0, 0xffu, 0xffffu, 0xffffffu, 0xffffffffu};
    for (size_t i = 0; i < len; i++) {
        size_t avail = len - i;
        uint64_t x = 0;
        if (avail >= 8)
            x = load_le64(p + i);
        else
            for (size_t k = 0; k < avail; k++)
                x |= (uint64_t)p[i + k] << (8 * k);
        if ((short_lens & 2) && 1 <= avail)
            probe(ix, base | (1ull << 32) | (x & 0xffu), m);
        /* Every longer key starts with a byte pair some key has: most positions stop here. */
        uint32_t pair = (uint32_t)x & 0xffffu;
        if (avail < 2 || !((ix->pairs[pair >> 6] >> (pair & 63)) & 1))
            continue;
        if (short_lens & 0x1c) {
            uint32_t w = (uint32_t)x;
            for (uint32_t l = 2; l <= GRAM && l <= avail; l++)
                if (short_lens & (1u << l))
                    probe(ix, base | ((uint64_t)l << 32) | (w & masks[l]), m);
        }
        if (long_keys && avail >= SG_LONG_GRAM)
            probe(ix, base | (5ull << 32) | sg_long_gram_bits(x), m);
    }
}
