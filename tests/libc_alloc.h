/* For tests that replace the malloc family in their executable (which interposes
 * the C library's for libsigma.so too): LIBC_ALLOC_ACTIVE is defined where that
 * works, that is not under a sanitizer that owns malloc, and only on glibc, whose
 * allocator stays reachable under its __libc_* names (LIBC_ALLOC_SANITIZER tells
 * which case a skipped test is in). */
#ifndef SG_TEST_LIBC_ALLOC_H
#define SG_TEST_LIBC_ALLOC_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define LIBC_ALLOC_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define LIBC_ALLOC_SANITIZER 1
#endif
#endif

#if !defined(LIBC_ALLOC_SANITIZER) && defined(__GLIBC__)
#define LIBC_ALLOC_ACTIVE 1

/* glibc's allocator under its internal names (exported since GLIBC_2.2.5). */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t size);
#endif

#endif
