/* Bump allocator: many small objects with one lifetime (a YAML tree, a rule). */
#ifndef SG_UTIL_ARENA_H
#define SG_UTIL_ARENA_H

#include <stddef.h>

typedef struct sg_arena_block sg_arena_block;
typedef struct sg_arena {
    sg_arena_block *head;
    size_t total; /* bytes handed out, for limits */
} sg_arena;

/* Zeroed, max_align_t-aligned memory; NULL on failure. */
void *sg_arena_alloc(sg_arena *a, size_t size);
/* Copy of (s, len) plus a NUL. */
char *sg_arena_strndup(sg_arena *a, const char *s, size_t len);
void sg_arena_free(sg_arena *a);

#endif
