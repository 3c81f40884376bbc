/* The index: which rules can possibly match an event, found without evaluating them.
 *
 * Literal prefilter: for each rule, a set of (field, literal) pairs of which at
 * least one must occur in the event's folded values if the rule matches (derived
 * from positive string predicates through AND/OR). Each literal is represented by
 * one of its grams (up to 4 bytes, the rarest across the ruleset); a table maps
 * (field slot, gram) to the rules that need it. At match time the folded values of
 * indexed fields are scanned once; every gram found marks its rules as
 * candidates. A gram hit is a superset test (false positives are fine: the rule is
 * evaluated), so the prefilter never loses a match. Rules without a usable literal
 * set (negations, regex only, numbers...) are always evaluated.
 *
 * Logsource buckets: an event that carries a logsource only sees rules whose set
 * logsource attributes equal the event's. */
#ifndef SG_INDEX_INDEX_H
#define SG_INDEX_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "index/needed_bytes.h"
#include "util/bytes.h"
#include "util/huge_pages.h"

/* Gram table entry: key -> rules[first .. first+count) in the postings array. */
typedef struct sg_gram_slot {
    uint64_t key; /* 0 = empty */
    uint32_t first, count;
} sg_gram_slot;

/* Posting: what a key marks (a rule, or SG_POST_PRED / SG_POST_NODE | id) and the
 * literal that must occur around the gram for the mark to count (SG_NO_LIT: the
 * key is the whole literal). A key's postings are sorted by literal; the first of
 * each literal's run holds the run's length, so that a hit verifies the literal
 * once and skips or marks the whole run. */
typedef struct sg_posting {
    uint32_t id;
    uint32_t lit;
    uint32_t run; /* at the first posting of a literal's run: its length; else 0 */
} sg_posting;

#define SG_NO_LIT UINT32_MAX

/* A literal to verify: lit_bytes[off, off+len), whose gram starts at offset `at`. */
typedef struct sg_vlit {
    uint32_t off, len, at;
} sg_vlit;

/* A rule whose keyed predicates all went unseen can only take the verdict of its
 * program with those predicates false: the residual program, folded at build
 * time (the 7 altered copies of a negation rule walk ~40 nodes otherwise). The same
 * for a rule that matches an event without its fields, while none is present: the
 * gate is marked by their presence, the constant verdict is 1 (gate_by_presence). */
typedef struct sg_untouched {
    uint32_t gate;  /* marked by the scan when any keyed literal of the rule occurs
                       (or, see above, any of its fields is present);
                       UINT32_MAX: the rule has no residual */
    uint32_t start; /* residual program at rs->prog[start], len nodes; len 0: the
                       constant verdict is start (0 or 1) */
    uint32_t len;
    uint32_t rid; /* len > 0: the residual's id. Rules with identical residual
                     programs (copies of a rule with other literals) share the
                     nodes and the id, and a match call evaluates each id once. */
} sg_untouched;

/* Nibble tables of one slot's 1-3-byte keys for the vector scan (Teddy-like):
 * each key has a bucket bit (by its first byte; beyond 8 they share); lo[j][n] / hi[j][n]
 * hold the buckets of keys whose byte j has low / high nibble n (every bucket
 * whose key is shorter than j+1 bytes is set in every entry). A position may start
 * a short key only if the AND over j of lo[j][low nibble] & hi[j][high nibble] of
 * the bytes at position+j is non-zero: a superset test, the scalar check follows. */
typedef struct sg_short_nib {
    uint8_t lo[3][16], hi[3][16];
    uint8_t first_bucket[256]; /* first byte -> 1 + its bucket (0: none yet) */
    uint32_t nfirst;           /* distinct first bytes so far */
} sg_short_nib;

/* What the scan of one slot needs, prepared at build time. */
typedef struct sg_slot_scan {
    uint64_t base;           /* the slot's part of every key */
    const uint8_t *sf;       /* first byte -> short key lengths (all zero: none) */
    const sg_short_nib *nib; /* nibble tables of the short keys (vector scan) */
    uint32_t slot;
    uint32_t pre4_base; /* the slot's prefilter region (sg_pre4_bit) */
    uint8_t pre4_shift;
    uint8_t grams4, grams8; /* the slot has 4-byte / 8-byte grams */
    uint8_t pre4;           /* the slot has prefilter bits */
    uint8_t shorts;         /* the slot has 1-3-byte keys */
    uint8_t teddy;          /* the vector scan tests the short keys with the nibble
                               tables (1-2-byte keys; otherwise the prefilter finds
                               the 3-byte ones: index_build.c, build_pre4) */
    uint8_t text;           /* the slot has keys: its text values are scanned */
    uint8_t scalar_text;    /* SG_RENDERED_*: the kinds of rendered scalars a key of
                               the slot could occur in (index_build.c,
                               find_key_needs); other scalars are not scanned */
    sg_byte_set need;       /* a text with none of these bytes is not scanned
                               (needed_bytes.h) */
} sg_slot_scan;

/* scalar_text bits: a key could occur in the text of an integer (digits, '-'),
 * of a float or boolean (digits, "-+.e", inf, nan, true, false). */
#define SG_RENDERED_INT 1u
#define SG_RENDERED_OTHER 2u

/* One distinct (product, category, service) of the rules, with its rule bitset. */
typedef struct sg_ls_bucket {
    const char *product, *category, *service; /* borrowed from the rules; NULL = unset */
    uint64_t *rules;                          /* bitset over rule indexes */
} sg_ls_bucket;

/* Posting entries with these bits name a predicate or a program node (an OR of
 * keyed predicates) instead of a rule. */
#define SG_POST_PRED 0x80000000u
#define SG_POST_NODE 0x40000000u
#define SG_POST_ID 0x3fffffffu

typedef struct sg_index {
    uint32_t nrules, nwords; /* nwords = 64-bit words of a rule bitset */
    uint32_t npred_words;    /* 64-bit words of a predicate bitset */
    uint64_t *pred_keyed;    /* predicates that are false unless their key was seen */
    uint32_t *node_gate;     /* program node -> gate id (UINT32_MAX: not gated); a gated
                                OR node is false unless one child's key was seen */
    uint32_t ngates, ngate_words;
    uint64_t *always; /* rules evaluated whatever the prefilter says */
    uint32_t nalways;
    /* One bit per word of the rule bitsets (bit w % 64 of word w / 64): set for the
     * words of `always` that are not zero. The scan sets the bit of every word it
     * marks a rule in, so that the candidate loop visits only those words (tens of
     * the 473 words with 30,240 rules). */
    uint64_t *always_groups;
    uint32_t ngroup_words;
    /* Rules without a literal set that cannot match an event lacking all of
     * their fields (they do not match an empty event): candidates when one of
     * their field slots is present. pres_rules[pres_first[slot] ..
     * pres_first[slot + 1]) per field slot: a rule, or SG_POST_NODE | gate for an
     * always-evaluated rule that does match an empty event, whose verdict is 1
     * while none of its fields marked its gate (untouched, index_build.c). */
    uint32_t *pres_first, *pres_rules;
    uint32_t npresence; /* rules gated by presence */
    /* Rules without a literal set that read keyed predicates: untouched[r] says
     * how to evaluate rule r cheaply when none of those predicates' keys occurred
     * (NULL when no rule qualifies). */
    struct sg_untouched *untouched;
    uint32_t nresiduals; /* distinct residual programs (sg_untouched.rid) */
    /* gram table */
    sg_gram_slot *table;
    uint64_t table_mask;
    uint32_t table_shift; /* 64 - log2(table size): slot = hash >> shift */
    sg_posting *postings;
    sg_vlit *lits;
    unsigned char *lit_bytes;
    size_t npostings, nlits, nlit_bytes, npre4_words; /* lengths of those and of pre4 */
    uint64_t *bloom;                                  /* 1 bit per hashed key, quick rejection */
    uint32_t bloom_bits_log2;
    /* Scan prefilter: one bit per hashed 4 leading bytes of every 4- and 8-byte gram
     * of a slot, so most text positions cost one filter test per slot. Each slot
     * has its own region of the bit array (2^k bits, 16-32 per gram, at least a
     * cache line) starting at bit scans[slot].pre4_base, hashed with shift
     * scans[slot].pre4_shift = 32 - k (sg_pre4_bit): a value is only tested
     * against its own slot's bits, which stay in cache (the keyword slot's: 8 KB). */
    uint64_t *pre4;
    sg_slot_scan *scans; /* per field slot (+1 for keywords) */
    /* Keys of 1-3 bytes (short literals): per slot an offset into short_first, a
     * 256-byte table of first byte -> bit n set = some n-byte key starts with it
     * (offset 0 = the all-zero table: the slot has no short keys). */
    uint8_t *short_first;
    uint32_t *short_tab;
    uint32_t nshort_tabs;
    sg_short_nib *short_nib; /* per table (short_tab[slot] / 256), for the vector scan */
    int scan_isa;       /* SG_SCAN_*: the vector scan the CPU has and SIGMA_PARAM_SIMD allows */
    uint8_t *slot_lens; /* per field slot (+1 for keywords): bit n set = grams of n bytes */
    uint32_t nslots;    /* field slots + 1; the last one is the keyword slot */
    /* logsource buckets */
    sg_ls_bucket *buckets;
    uint32_t nbuckets;
    /* Hash of what decides a scan's marks (keys, postings, literals): scratches
     * remember scanned texts and their marks per fingerprint (match/scan_memo.h). */
    uint64_t scan_fp;
} sg_index;

struct sigma_ruleset;

/* The index scans: scalar, AVX2 (16 positions per step, 8-lane gathers), AVX-512
 * (16 positions per step, one 16-lane gather). */
enum { SG_SCAN_SCALAR = 0, SG_SCAN_AVX2 = 1, SG_SCAN_AVX512 = 2 };

/* Builds the index of a compiled ruleset; `simd` is SIGMA_PARAM_SIMD (0: scalar
 * even on a CPU with vector instructions, 2: AVX2 at most). 0 or -1 (no memory). */
int sg_index_build(struct sigma_ruleset *rs, int simd);
/* huge: the region some arrays were moved to (sigma_ruleset.huge), not released here */
void sg_index_free(sg_index *ix, const sg_huge_region *huge);
/* 1 if this library was built with the AVX2 (AVX-512) scan and the CPU (and OS)
 * run it. */
int sg_index_cpu_has_avx2(void);
int sg_index_cpu_has_avx512(void);

/* slot_lens bits: 1-4 = short grams of that many bytes, SG_LONG_KEYS = 8-byte
 * grams (for literals of 8 bytes or more: 4-byte grams of hex hashes or paths
 * hit far too often), SG_NUM_KEYS = integer keys. */
#define SG_LONG_KEYS (1u << 5)
#define SG_NUM_KEYS (1u << 7)
#define SG_LONG_GRAM 8

/* 32 key bits of an 8-byte window x (byte i in bits 8i..): a hash of all eight
 * (distinct grams sharing a key only add candidates). */
static inline uint32_t sg_long_gram_bits(uint64_t x)
{
    return (uint32_t)((x * 0x9E3779B97F4A7C15ull) >> 32);
}

/* Key of the 8-byte gram at p (len code 5). */
static inline uint64_t sg_long_gram_key(uint32_t slot, const unsigned char *p)
{
    uint64_t g = 0;
    for (int i = 0; i < SG_LONG_GRAM; i++)
        g |= (uint64_t)p[i] << (8 * i);
    return ((uint64_t)(slot + 1) << 35) | (5ull << 32) | sg_long_gram_bits(g);
}

/* Bit of the scan prefilter for the 4 leading bytes w of a gram, in the region of
 * its slot (base, shift: pre4_base / pre4_shift): 32-bit arithmetic only, so that
 * the vector scan computes 8 at once with the same result. */
#define SG_PRE4_MUL 0x9E3779B1u

static inline uint32_t sg_pre4_bit(uint32_t base, uint32_t shift, uint32_t w)
{
    return base + ((w * SG_PRE4_MUL) >> shift);
}

/* Key of "field slot equals integer v" (len 7 marks it; the value is hashed, so
 * distinct integers may share a key: a harmless extra candidate). */
static inline uint64_t sg_num_key(uint32_t slot, int64_t v)
{
    return ((uint64_t)(slot + 1) << 35) | (7ull << 32) | (sg_mix64((uint64_t)v) & 0xffffffffu);
}

static inline uint64_t sg_gram_key(uint32_t slot, const unsigned char *p, uint32_t len)
{
    uint64_t g = 0;
    for (uint32_t i = 0; i < len; i++)
        g |= (uint64_t)p[i] << (8 * i);
    /* slot+1 keeps every key non-zero (0 marks an empty table entry). */
    return ((uint64_t)(slot + 1) << 35) | ((uint64_t)len << 32) | g;
}

/* Hash of a gram key for the bloom filter and the table: one multiplication
 * (Fibonacci hashing); callers use the high bits. */
static inline uint64_t sg_key_hash(uint64_t key)
{
    return key * 0x9E3779B97F4A7C15ull;
}

/* Where a scan records what it found: candidate rules, and predicates whose key
 * occurred (a keyed predicate not marked here is false for this event). */
typedef struct sg_scan_marks {
    uint64_t *rules;  /* bitset */
    uint64_t *groups; /* bit per word of `rules` that a rule was marked in */
    uint32_t *preds;  /* predicate -> gen (stamped: nothing to clear per event) */
    uint32_t *nodes;  /* gate id -> gen */
    uint32_t gen;
    struct sg_run_log *log;   /* the posting runs marked, in order */
    struct sg_probe_queue *q; /* keys waiting for their table look-up (scan_core.h);
                                 NULL: each key is looked up at once */
} sg_scan_marks;

/* The runs (index of their first posting) a scan marked: v[0, min(n, cap)); n
 * counts on past cap. A job's runs are v[from, to) (sg_scan_job). */
typedef struct sg_run_log {
    uint32_t *v;
    uint32_t n, cap;
} sg_run_log;

/* Marks the postings of the run starting at posting `run`, as a scan that found
 * its literal does (replaying a remembered scan: match/scan_memo.h). */
void sg_index_mark_run(const sg_index *ix, uint32_t run, const sg_scan_marks *m);

/* Marks rule r a candidate: its bit, and the bit of its word in `groups`. */
static inline void sg_mark_rule(const sg_scan_marks *m, uint32_t r)
{
    m->rules[r >> 6] |= 1ull << (r & 63);
    m->groups[r >> 12] |= 1ull << ((r >> 6) & 63);
}

/* The scans read up to SG_SCAN_PAD bytes past text + len (vector loads): they
 * must be readable, and are zeros in the folded values the matcher passes. */
#define SG_SCAN_PAD 32

/* One folded value to scan for the keys of one or two slots (a field's own slot
 * and the keyword slot): text base + off, len > 0 bytes, followed by SG_SCAN_PAD
 * readable bytes. The matcher collects an event's jobs and scans them in one call,
 * so the per-value cost is a loop step rather than a call and a dispatch. */
typedef struct sg_scan_job {
    const sg_slot_scan *a, *b; /* b NULL: only a; both have keys (scans[].text) */
    size_t off, len;           /* the text (queued but not yet folded, the caller's) */
    uint32_t from, to;         /* set by the scan: the runs it marked in m->log */
    uint32_t memo;             /* for the caller: the event value + 1 (0: none) */
    uint64_t hash;             /* for the caller: the value's memo hash when memo != 0 */
} sg_scan_job;

/* Marks the rules, predicates and gated nodes whose key occurs in the jobs' texts,
 * and sets each job's from, to. */
void sg_index_scan_jobs(const sg_index *ix, sg_scan_job *jobs, size_t n, const unsigned char *base,
                        const sg_scan_marks *m);
/* Marks the rules and predicates that need field slot `slot` to equal integer v. */
void sg_index_scan_number(const sg_index *ix, uint32_t slot, int64_t v, const sg_scan_marks *m);

/* Rules compatible with an event logsource (NULL = not given) OR-ed into mask. */
void sg_index_logsource_mask(const sg_index *ix, const char *product, const char *category,
                             const char *service, uint64_t *mask);

#endif
