/* Small helpers shared by the hot loops: unaligned word loads and the inlining
 * hints (plain C where the compiler has no such attributes). */
#ifndef SG_UTIL_BYTES_H
#define SG_UTIL_BYTES_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define SG_ALWAYS_INLINE inline __attribute__((always_inline))
#define SG_NOINLINE __attribute__((noinline))
#else
#define SG_ALWAYS_INLINE inline
#define SG_NOINLINE
#endif

/* Unaligned native-endian loads (memcpy compiles to one mov): for hashing and
 * comparing, where byte order does not matter. */
static inline uint64_t sg_load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t sg_load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* 8 bytes as a little-endian integer (byte i in bits 8i..8i+7) on every host, so
 * that the first byte is the lowest: the index keys and the ASCII folding rely on
 * it. */
static inline uint64_t sg_load_le64(const unsigned char *p)
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

/* Every input bit reaches every output bit (the finaliser of MurmurHash3). */
static inline uint64_t sg_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

#endif
