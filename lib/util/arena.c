#include "util/arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct sg_arena_block {
    sg_arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

/* Blocks start small and double (many arenas hold one small rule each). */
enum { SG_ARENA_FIRST = 1024, SG_ARENA_MAX = 65536 };

void *sg_arena_alloc(sg_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    sg_arena_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = b ? (b->cap * 2 > SG_ARENA_MAX ? SG_ARENA_MAX : b->cap * 2) : SG_ARENA_FIRST;
        if (cap < size)
            cap = size;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *sg_arena_strndup(sg_arena *a, const char *s, size_t len)
{
    char *p = sg_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void sg_arena_free(sg_arena *a)
{
    sg_arena_block *b = a->head;
    while (b) {
        sg_arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}
