#include "util/huge_pages.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define SG_HUGE_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SG_HUGE_OFF 1
#endif
#endif

#if defined(__linux__) && !defined(SG_HUGE_OFF)
#include <sys/mman.h>
#endif

/* Where an array of a goes at offset `at` of a region. */
static size_t place(const sg_huge_array *a, size_t at)
{
    return a->packed ? at : (at + 63) & ~(size_t)63;
}

#if defined(__linux__) && !defined(SG_HUGE_OFF) && defined(MADV_HUGEPAGE)

/* A mapping of `size` bytes (a multiple of SG_HUGE_PAGE) starting on a huge page
 * boundary, advised to use huge pages; NULL if none could be mapped. */
static char *map_aligned(size_t size)
{
    if (size > SIZE_MAX - SG_HUGE_PAGE)
        return NULL;
    char *m =
        mmap(NULL, size + SG_HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    /* the slack before the boundary and after the end goes back */
    char *a = (char *)(((uintptr_t)m + SG_HUGE_PAGE - 1) & ~(uintptr_t)(SG_HUGE_PAGE - 1));
    if (a > m)
        munmap(m, (size_t)(a - m));
    if (m + size + SG_HUGE_PAGE > a + size)
        munmap(a + size, (size_t)(m + size + SG_HUGE_PAGE - (a + size)));
    /* refused (huge pages configured off): the arrays still share fewer pages */
    (void)madvise(a, size, MADV_HUGEPAGE);
    return a;
}

int sg_huge_move(sg_huge_region *r, const sg_huge_array *a, size_t n, size_t min_total)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!*a[i].p)
            continue;
        if (a[i].bytes > SIZE_MAX / 2 - total)
            return 0;
        total = place(&a[i], total) + a[i].bytes;
    }
    if (total == 0 || total < min_total)
        return 0;
    const size_t size = (total + SG_HUGE_PAGE - 1) & ~(SG_HUGE_PAGE - 1);
    char *base = map_aligned(size);
    if (!base)
        return 0;
    /* one array at a time, so that the process never holds two copies of all */
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (!*a[i].p)
            continue;
        at = place(&a[i], at);
        memcpy(base + at, *a[i].p, a[i].bytes);
        free(*a[i].p);
        *a[i].p = base + at;
        at += a[i].bytes;
    }
    *r = (sg_huge_region){base, size, total};
    return 1;
}

void sg_huge_release(sg_huge_region *r)
{
    if (r->base)
        munmap(r->base, r->size);
    *r = (sg_huge_region){0};
}

#else

int sg_huge_move(sg_huge_region *r, const sg_huge_array *a, size_t n, size_t min_total)
{
    (void)r, (void)a, (void)n, (void)min_total, (void)place;
    return 0;
}

void sg_huge_release(sg_huge_region *r)
{
    *r = (sg_huge_region){0};
}

#endif

int sg_huge_owns(const sg_huge_region *r, const void *p)
{
    const uintptr_t u = (uintptr_t)p, b = (uintptr_t)r->base;
    return r->base && u >= b && u < b + r->size;
}

void sg_huge_free(const sg_huge_region *r, void *p)
{
    if (!sg_huge_owns(r, p))
        free(p);
}
