/* Token-by-token pattern construction for the encoders (see pattern_builder.h). */
#include "encode/pattern_builder.h"

#include <stdlib.h>
#include <string.h>

static int push_tok(sg_pbuild *b, sg_pat_tok t)
{
    return SG_PUSH(b->toks, b->ntoks, b->cap, t);
}

int sg_pb_lit(sg_pbuild *b, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    size_t off = b->bytes.len;
    if (sg_buf_append(&b->bytes, s, n) != 0)
        return -1;
    sg_pat_tok *last = b->ntoks ? &b->toks[b->ntoks - 1] : NULL;
    /* Bytes are only ever appended, so the last literal ends at `off`. */
    if (last && last->kind == SG_PAT_LIT) {
        last->len += n;
        return 0;
    }
    if (push_tok(b, (sg_pat_tok){SG_PAT_LIT, off, n}) != 0) {
        b->bytes.len = off; /* keep bytes and tokens consistent */
        b->bytes.data[off] = '\0';
        return -1;
    }
    return 0;
}

int sg_pb_wild(sg_pbuild *b, sg_pat_kind kind)
{
    if (kind == SG_PAT_ANY && b->ntoks && b->toks[b->ntoks - 1].kind == SG_PAT_ANY)
        return 0;
    return push_tok(b, (sg_pat_tok){kind, 0, 0});
}

int sg_pb_pattern(sg_pbuild *b, const sg_pattern *p)
{
    for (size_t i = 0; i < p->ntoks; i++) {
        const sg_pat_tok *t = &p->toks[i];
        int rc = t->kind == SG_PAT_LIT ? sg_pb_lit(b, p->bytes + t->off, t->len)
                                       : sg_pb_wild(b, t->kind);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int sg_pb_finish(sg_pbuild *b, sg_pattern *out)
{
    memset(out, 0, sizeof *out);
    /* sg_pattern always has a NUL-terminated byte array and a token array,
     * even when empty (as sg_pattern_parse makes them). */
    if (!b->bytes.data && sg_buf_reserve(&b->bytes, 0) != 0)
        goto oom;
    b->bytes.data[b->bytes.len] = '\0';
    if (!b->toks && sg_grow((void **)&b->toks, &b->cap, 1, sizeof *b->toks) != 0)
        goto oom;
    out->bytes = b->bytes.data;
    out->bytes_len = b->bytes.len;
    out->toks = b->toks;
    out->ntoks = b->ntoks;
    memset(b, 0, sizeof *b);
    return 0;
oom:
    sg_pb_free(b);
    return -1;
}

int sg_pb_push(sg_pbuild *b, sg_pattern_set *s)
{
    sg_pattern p;
    if (sg_pb_finish(b, &p) != 0)
        return -1;
    return sg_pset_push(s, &p);
}

void sg_pb_free(sg_pbuild *b)
{
    sg_buf_free(&b->bytes);
    free(b->toks);
    memset(b, 0, sizeof *b);
}
