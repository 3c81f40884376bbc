/* One region of memory advised to use huge pages, holding arrays moved into it.
 *
 * Matching reads a ruleset's index and predicate arrays at random (a key's table
 * entry, its postings, a literal, a candidate's predicates): tens of megabytes
 * that 4 KB pages spread over more translation entries than the CPU keeps, so
 * that a look-up often waited for a page walk as well as for the line. In 2 MB
 * pages the same arrays take a handful of entries. */
#ifndef SG_UTIL_HUGE_PAGES_H
#define SG_UTIL_HUGE_PAGES_H

#include <stddef.h>

#define SG_HUGE_PAGE ((size_t)2 << 20)

typedef struct sg_huge_region {
    char *base; /* NULL: none */
    size_t size;
    size_t used; /* bytes of the arrays moved in (with their 64-byte alignment) */
} sg_huge_region;

/* An array to move: *p (from malloc, `bytes` of it in use; NULL: skipped), placed
 * on a 64-byte boundary, or right after the one before when `packed` (strings). */
typedef struct sg_huge_array {
    void **p;
    size_t bytes;
    int packed;
} sg_huge_array;

/* Moves the arrays into a new region *r, in order, freeing the old
 * copies and updating the pointers: 1 if done, 0 if they stay where they are,
 * which is not an error: their total is under min_total (the caller's idea of
 * when a huge page would be mostly waste), the system has no huge pages to
 * advise (only Linux is asked), the build checks memory with AddressSanitizer
 * (which would lose sight of the arrays' bounds), or no memory could be mapped. */
int sg_huge_move(sg_huge_region *r, const sg_huge_array *a, size_t n, size_t min_total);

/* 1 if p lives in region r. */
int sg_huge_owns(const sg_huge_region *r, const void *p);

/* free(p), unless p lives in region r. */
void sg_huge_free(const sg_huge_region *r, void *p);

/* Unmaps the region (the arrays in it are gone). */
void sg_huge_release(sg_huge_region *r);

#endif
