/* Sets of alternative patterns, and the driver every encoder runs on. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode/encode.h"
#include "encode/pattern_builder.h"

int sg_pset_push(sg_pattern_set *s, sg_pattern *p)
{
    if (s->n == s->cap && sg_grow((void **)&s->items, &s->cap, s->n + 1, sizeof *s->items) != 0) {
        sg_pattern_free(p);
        return -1;
    }
    s->items[s->n++] = *p;
    memset(p, 0, sizeof *p);
    return 0;
}

void sg_pset_free(sg_pattern_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        sg_pattern_free(&s->items[i]);
    free(s->items);
    memset(s, 0, sizeof *s);
}

int sg_pset_map(sg_pattern_set *s, sg_encode_one_fn fn, void *ctx, char *err, size_t errcap)
{
    sg_pattern_set out = {0};
    for (size_t i = 0; i < s->n; i++) {
        int rc = fn(&s->items[i], &out, ctx, err, errcap);
        if (rc != 0) {
            sg_pset_free(&out);
            return rc;
        }
    }
    sg_pset_free(s);
    *s = out;
    return 0;
}

int sg_encode_fail(char *err, size_t errcap, const char *fmt, ...)
{
    if (err && errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errcap, fmt, ap);
        va_end(ap);
    }
    return 1;
}
