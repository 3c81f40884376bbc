/* Growable arrays and byte buffers used by every stage. */
#ifndef SG_UTIL_VEC_H
#define SG_UTIL_VEC_H

#include <stddef.h>
#include <stdint.h>

/* Grows *items (element size `elem`) so it can hold `need` elements.
 * Returns 0 or -1 on allocation failure (the array is unchanged). */
int sg_grow(void **items, size_t *cap, size_t need, size_t elem);

/* Typed helper: SG_PUSH(arr, len, cap, value) appends, evaluating to 0 or -1. */
#define SG_PUSH(arr, len, cap, value)                                                              \
    (((len) < (cap) || sg_grow((void **)&(arr), &(cap), (len) + 1, sizeof(*(arr))) == 0)           \
         ? ((arr)[(len)++] = (value), 0)                                                           \
         : -1)

/* A byte buffer; data is always NUL-terminated when non-NULL. */
typedef struct sg_buf {
    char *data;
    size_t len;
    size_t cap;
} sg_buf;

int sg_buf_reserve(sg_buf *b, size_t extra);
int sg_buf_append(sg_buf *b, const void *data, size_t len);
int sg_buf_putc(sg_buf *b, char c);
int sg_buf_printf(sg_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void sg_buf_clear(sg_buf *b); /* len = 0, keeps capacity */
void sg_buf_free(sg_buf *b);

/* Heap copy of (s, len) with a terminating NUL; NULL on failure. */
char *sg_strndup(const char *s, size_t len);

#endif
