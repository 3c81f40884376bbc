/* A malloc family for test executables that counts the calls (and can make them
 * fail), interposing the C library's for every shared object: the calls libsigma.so
 * (and PCRE2) make are seen too. Include it in one test file only, before the
 * test's own code. ALLOC_HOOK_ACTIVE is defined when it is installed: not under a
 * sanitizer that owns malloc, and only on glibc (the __libc_* entry points). */
#ifndef SG_TEST_ALLOC_HOOK_H
#define SG_TEST_ALLOC_HOOK_H

#include "libc_alloc.h"

#ifdef LIBC_ALLOC_ACTIVE
#define ALLOC_HOOK_ACTIVE 1
#endif

#ifdef ALLOC_HOOK_ACTIVE

static volatile int counting;
static volatile unsigned long n_alloc, n_free; /* while counting */
static volatile unsigned long n_alloc_total;   /* always */
/* While counting: allocations after the first alloc_fail_after (of n_alloc)
 * return NULL; -1 = never. */
static volatile long alloc_fail_after = -1;

/* Counts an allocation; 0 if it must fail. */
static int note_alloc(void)
{
    n_alloc_total++;
    if (!counting)
        return 1;
    n_alloc++;
    return alloc_fail_after < 0 || (long)n_alloc <= alloc_fail_after;
}

void *malloc(size_t size)
{
    return note_alloc() ? __libc_malloc(size) : NULL;
}

void *calloc(size_t n, size_t size)
{
    return note_alloc() ? __libc_calloc(n, size) : NULL;
}

void *realloc(void *p, size_t size)
{
    return note_alloc() ? __libc_realloc(p, size) : NULL;
}

void free(void *p)
{
    if (p && counting)
        n_free++;
    __libc_free(p);
}

void *memalign(size_t align, size_t size);
void *memalign(size_t align, size_t size)
{
    return note_alloc() ? __libc_memalign(align, size) : NULL;
}

void *aligned_alloc(size_t align, size_t size)
{
    return note_alloc() ? __libc_memalign(align, size) : NULL;
}

int posix_memalign(void **out, size_t align, size_t size)
{
    if (!note_alloc())
        return 12; /* ENOMEM */
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return 22; /* EINVAL */
    void *p = __libc_memalign(align, size);
    if (!p)
        return 12;
    *out = p;
    return 0;
}

#endif /* ALLOC_HOOK_ACTIVE */
#endif
