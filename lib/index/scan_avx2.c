/* The scan with AVX2: 16 positions of a value at a time, for one or two slots.
 *
 * The scalar scan (scan.c) runs, at every position and for every slot, a
 * first-byte test for the 1-3-byte keys and a hashed prefilter test for the 4- and
 * 8-byte grams; almost every position fails both. Here both tests are computed for
 * 16 positions at once and only the positions that pass one of them reach the
 * scalar scan_at (scan_core.h), which repeats its own tests and probes the table:
 *
 * - the prefilter bit: the 4-byte windows of 8 positions are shuffled out of one
 *   16-byte load, hashed exactly as sg_pre4_bit (32-bit multiply) and their bits
 *   gathered from the prefilter in one instruction;
 * - the short keys: Teddy-style nibble tables (sg_short_nib) over the first three
 *   bytes, a superset of the keys present, much tighter than a first-byte test
 *   ('d', 'r', 'a' for the keywords "dir", "rcp", "aaa").
 *
 * Since the vector tests are supersets of the scalar ones (the prefilter bit is
 * the same bit), a value yields exactly the keys the scalar scan finds (tested by
 * running both: SIGMA_PARAM_SIMD 0, 1 and 2). Compiled for every x86-64 build with
 * per-function target attributes; chosen at run time (sg_index_cpu_has_avx2).
 *
 * With AVX-512 (F, BW, VBMI) the 4-byte windows of all 16 positions come from one
 * byte permutation of a 32-byte load and their prefilter bits from one 16-lane
 * gather; the short keys and the scalar follow-up are the AVX2 code. */
#include "index/scan_core.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>

#define SG_AVX2 __attribute__((target("avx2,bmi")))

int sg_index_cpu_has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi");
}

int sg_index_cpu_has_avx512(void)
{
    __builtin_cpu_init();
    return sg_index_cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi");
}

/* Bits of the 8 positions whose 4-byte windows are in w (one dword each) that pass
 * the prefilter of slot ss: the bit of sg_pre4_bit, 8 at once. */
static SG_AVX2 SG_ALWAYS_INLINE uint32_t pre4_mask8(const sg_index *ix, const sg_slot_scan *ss,
                                                    __m256i w)
{
    const __m256i h = _mm256_mullo_epi32(w, _mm256_set1_epi32((int)SG_PRE4_MUL));
    const __m256i bit = _mm256_add_epi32(_mm256_srl_epi32(h, _mm_cvtsi32_si128(ss->pre4_shift)),
                                         _mm256_set1_epi32((int)ss->pre4_base));
    const __m256i words =
        _mm256_i32gather_epi32((const int *)ix->pre4, _mm256_srli_epi32(bit, 5), 4);
    /* bit b of its word to the sign: shift left by 31 - (b & 31) = ~b & 31 */
    const __m256i sign = _mm256_sllv_epi32(words, _mm256_andnot_si256(bit, _mm256_set1_epi32(31)));
    return (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(sign));
}

/* Buckets of the short keys whose byte j may be at each of the 16 positions of s+j. */
static SG_AVX2 SG_ALWAYS_INLINE __m128i short_byte(const sg_short_nib *nib, const unsigned char *s,
                                                   int j)
{
    const __m128i low4 = _mm_set1_epi8(0x0f);
    const __m128i v = _mm_loadu_si128((const __m128i *)(s + j));
    const __m128i lo =
        _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)nib->lo[j]), _mm_and_si128(v, low4));
    const __m128i hi = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)nib->hi[j]),
                                        _mm_and_si128(_mm_srli_epi16(v, 4), low4));
    return _mm_and_si128(lo, hi);
}

/* Positions of s[0..16) where a short key of the slot may start. */
static SG_AVX2 SG_ALWAYS_INLINE uint32_t short_mask16(const sg_short_nib *nib,
                                                      const unsigned char *s)
{
    const __m128i acc = _mm_and_si128(short_byte(nib, s, 0),
                                      _mm_and_si128(short_byte(nib, s, 1), short_byte(nib, s, 2)));
    return ~(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(acc, _mm_setzero_si128())) & 0xffffu;
}

/* The 4-byte windows of positions 0..7 of s[0..11), one per dword. */
static SG_AVX2 SG_ALWAYS_INLINE __m256i windows8(const unsigned char *s)
{
    const __m256i ctl = _mm256_setr_epi8(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 7,
                                         5, 6, 7, 8, 6, 7, 8, 9, 7, 8, 9, 10);
    const __m128i v = _mm_loadu_si128((const __m128i *)s);
    return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(v), ctl);
}

/* Slot ss at the 16 positions i.. of the value p[0, len) (valid: those inside it),
 * whose prefilter bits are `pre`. */
static SG_AVX2 SG_ALWAYS_INLINE void block16(const sg_index *ix, const sg_slot_scan *ss,
                                             uint32_t pre, const unsigned char *p, size_t len,
                                             size_t i, uint32_t valid, const sg_scan_marks *m)
{
    /* what passed is known: the scalar tests are not repeated, except the short
     * keys' first-byte table, which also finds the 3-byte keys set in the prefilter */
    uint32_t hits = 0;
    pre &= valid;
    if (ss->teddy)
        hits = short_mask16(ss->nib, p + i) & valid;
    for (hits |= pre; hits; hits &= hits - 1) {
        const uint32_t k = (uint32_t)__builtin_ctz(hits);
        const size_t at = i + k, avail = len - at;
        const uint64_t x = sg_load_le64(p + at);
        if (ss->shorts)
            short_keys_at(ix, ss, x, avail, m);
        if ((pre >> k) & 1 && avail >= 4)
            grams_at(ix, ss, x, avail, p, len, at, m);
    }
}

/* The prefilter bits of slots a and b (b NULL: none) at 16 positions. */
typedef struct pre_bits {
    uint32_t a, b;
} pre_bits;

/* pre_bits of the 16 positions i.. of p, with AVX2 (two 8-lane gathers a slot). */
static SG_AVX2 SG_ALWAYS_INLINE pre_bits pre_avx2(const sg_index *ix, const sg_slot_scan *a,
                                                  const sg_slot_scan *b, const unsigned char *p,
                                                  size_t i)
{
    const __m256i w0 = windows8(p + i), w1 = windows8(p + i + 8);
    pre_bits r = {a->pre4 ? pre4_mask8(ix, a, w0) | pre4_mask8(ix, a, w1) << 8 : 0, 0};
    if (b)
        r.b = b->pre4 ? pre4_mask8(ix, b, w0) | pre4_mask8(ix, b, w1) << 8 : 0;
    return r;
}

/* The scan entry point NAME over a job list, for one instruction set (ATTR) and its
 * prefilter function PRE: each job 16 positions per step, straight from the text,
 * whose SG_SCAN_PAD readable bytes past the end make every load safe; the last
 * step masks off the positions past the end. A step's prefilter bits are asked for
 * before the step before it is worked through: the gathers wait for memory (half
 * the scan's time), and the work on the positions that passed branches on what it
 * finds, so gathers issued after it were thrown away with each mispredicted branch.
 * The job loop is inlined with b NULL and with b set, so that b is no branch inside
 * it. One definition for both instruction sets: they differ only in PRE. */
#define SG_DEFINE_JOB_SCAN(NAME, ATTR, PRE)                                                        \
    static ATTR SG_ALWAYS_INLINE void NAME##_job(const sg_index *ix, const sg_slot_scan *a,        \
                                                 const sg_slot_scan *b, const unsigned char *p,    \
                                                 size_t len, const sg_scan_marks *m)               \
    {                                                                                              \
        if (!len)                                                                                  \
            return;                                                                                \
        pre_bits cur = PRE(ix, a, b, p, 0);                                                        \
        for (size_t i = 0;; i += 16) {                                                             \
            const int last = len - i <= 16;                                                        \
            const pre_bits next = last ? (pre_bits){0, 0} : PRE(ix, a, b, p, i + 16);              \
            const uint32_t valid = last ? (uint32_t)(((uint64_t)1 << (len - i)) - 1) : 0xffffu;    \
            block16(ix, a, cur.a, p, len, i, valid, m);                                            \
            if (b)                                                                                 \
                block16(ix, b, cur.b, p, len, i, valid, m);                                        \
            if (last)                                                                              \
                break;                                                                             \
            cur = next;                                                                            \
        }                                                                                          \
    }                                                                                              \
    ATTR void NAME(const sg_index *ix, sg_scan_job *jobs, size_t n, const unsigned char *base,     \
                   const sg_scan_marks *m)                                                         \
    {                                                                                              \
        sg_probe_queue q;                                                                          \
        sg_scan_marks qm;                                                                          \
        begin_probes(&q, jobs, m, &qm);                                                            \
        for (uint32_t k = 0; k < n; k++) {                                                         \
            const sg_scan_job *j = &jobs[k];                                                       \
            q.job = k;                                                                             \
            if (j->b)                                                                              \
                NAME##_job(ix, j->a, j->b, base + j->off, j->len, &qm);                            \
            else                                                                                   \
                NAME##_job(ix, j->a, NULL, base + j->off, j->len, &qm);                            \
        }                                                                                          \
        end_probes(ix, &qm, n);                                                                    \
    }

SG_DEFINE_JOB_SCAN(sg_index_scan_avx2, SG_AVX2, pre_avx2)

#define SG_AVX512 __attribute__((target("avx2,bmi,avx512f,avx512bw,avx512vbmi")))

/* The 4-byte windows of positions 0..15 of s[0..19), one per dword: one byte
 * permutation of a 32-byte load. */
static SG_AVX512 SG_ALWAYS_INLINE __m512i windows16(const unsigned char *s)
{
    const __m512i ctl =
        _mm512_set_epi32(0x1211100f, 0x11100f0e, 0x100f0e0d, 0x0f0e0d0c, 0x0e0d0c0b, 0x0d0c0b0a,
                         0x0c0b0a09, 0x0b0a0908, 0x0a090807, 0x09080706, 0x08070605, 0x07060504,
                         0x06050403, 0x05040302, 0x04030201, 0x03020100);
    const __m256i v = _mm256_loadu_si256((const __m256i *)s);
    return _mm512_permutexvar_epi8(ctl, _mm512_castsi256_si512(v));
}

/* pre4_mask8 for 16 positions at once. */
static SG_AVX512 SG_ALWAYS_INLINE uint32_t pre4_mask16(const sg_index *ix, const sg_slot_scan *ss,
                                                       __m512i w)
{
    const __m512i h = _mm512_mullo_epi32(w, _mm512_set1_epi32((int)SG_PRE4_MUL));
    const __m512i bit = _mm512_add_epi32(_mm512_srl_epi32(h, _mm_cvtsi32_si128(ss->pre4_shift)),
                                         _mm512_set1_epi32((int)ss->pre4_base));
    const __m512i words = _mm512_i32gather_epi32(_mm512_srli_epi32(bit, 5), ix->pre4, 4);
    const __m512i one =
        _mm512_sllv_epi32(_mm512_set1_epi32(1), _mm512_and_si512(bit, _mm512_set1_epi32(31)));
    return (uint32_t)_mm512_test_epi32_mask(words, one);
}

/* pre_avx2 with the AVX-512 prefilter test; the load reads up to 32 bytes from
 * position i, inside the SG_SCAN_PAD bytes past the end. */
static SG_AVX512 SG_ALWAYS_INLINE pre_bits pre_avx512(const sg_index *ix, const sg_slot_scan *a,
                                                      const sg_slot_scan *b, const unsigned char *p,
                                                      size_t i)
{
    const __m512i w = windows16(p + i);
    pre_bits r = {a->pre4 ? pre4_mask16(ix, a, w) : 0, 0};
    if (b)
        r.b = b->pre4 ? pre4_mask16(ix, b, w) : 0;
    return r;
}

SG_DEFINE_JOB_SCAN(sg_index_scan_avx512, SG_AVX512, pre_avx512)

#else

int sg_index_cpu_has_avx2(void)
{
    return 0;
}

int sg_index_cpu_has_avx512(void)
{
    return 0;
}

void sg_index_scan_avx2(const sg_index *ix, sg_scan_job *jobs, size_t n, const unsigned char *base,
                        const sg_scan_marks *m)
{
    (void)ix, (void)jobs, (void)n, (void)base, (void)m;
}

void sg_index_scan_avx512(const sg_index *ix, sg_scan_job *jobs, size_t n,
                          const unsigned char *base, const sg_scan_marks *m)
{
    (void)ix, (void)jobs, (void)n, (void)base, (void)m;
}

#endif
