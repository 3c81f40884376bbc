/* sigma_event_pack: one block for an event built ahead of matching.
 *
 * The builder grows an event in pieces: the fields array, the values array and a
 * chain of storage blocks for names and strings, each reallocated or added as
 * the event grows, so one event's bytes end up on several pages among other
 * events' leftovers. A packed event is a single storage block holding, in this
 * order, the fields, the values and the bytes of every earlier block; names and
 * strings are pointed at their new place. The block is the event's only storage
 * block, full, so that later strings go to new blocks; the arrays in it move out
 * when they would grow (sg_event_unpack_arrays) and are dropped by a clear,
 * after which the block holds bytes again like any first block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"

/* Where a pointer into the old storage blocks goes in the packed bytes. */
typedef struct remap {
    const sg_store_block *old;
    char *bytes; /* the packed bytes: the old blocks' used bytes, in chain order */
} remap;

static const char *moved(const remap *r, const char *p)
{
    if (!p)
        return p;
    size_t off = 0;
    for (const sg_store_block *b = r->old; b; b = b->next) {
        if (p >= b->data && p < b->data + b->cap) /* at most b->used: a copied string */
            return r->bytes + off + (size_t)(p - b->data);
        off += b->used;
    }
    return p; /* borrowed (SIGMA_VALUE_BORROW) */
}

int sigma_event_pack(sigma_event *ev)
{
    if (!ev)
        return SIGMA_E_INVALID_ARG;
    if (ev->packed && ev->blocks && !ev->blocks->next)
        return SIGMA_OK; /* packed, and nothing stored since */
    size_t nbytes = 0;
    for (const sg_store_block *b = ev->blocks; b; b = b->next)
        nbytes += b->used;
    const size_t fz = (size_t)ev->nfields * sizeof *ev->fields;
    const size_t vz = (size_t)ev->nvalues * sizeof *ev->values;
    if (nbytes > SIZE_MAX - fz - vz - sizeof(sg_store_block))
        return SIGMA_E_NOMEM;
    /* fields (8-byte aligned after the header), values (24-byte items), bytes */
    sg_store_block *p = malloc(sizeof *p + fz + vz + nbytes);
    if (!p)
        return SIGMA_E_NOMEM;
    p->next = NULL;
    p->cap = p->used = fz + vz + nbytes;
    p->index = 0;
    remap r = {ev->blocks, p->data + fz + vz};
    size_t off = 0;
    for (const sg_store_block *b = ev->blocks; b; b = b->next) {
        memcpy(r.bytes + off, b->data, b->used);
        off += b->used;
    }
    sg_field *fields = (sg_field *)(void *)p->data;
    sg_value *values = (sg_value *)(void *)(p->data + fz);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        fields[i] = ev->fields[i];
        fields[i].name = moved(&r, ev->fields[i].name);
    }
    for (uint32_t i = 0; i < ev->nvalues; i++) {
        values[i] = ev->values[i];
        if (values[i].type == SG_VAL_STR)
            values[i].s = moved(&r, ev->values[i].s);
    }
    for (size_t i = 0; i < ev->by_name.cap; i++)
        if (ev->by_name.slots[i].used)
            ev->by_name.slots[i].key = moved(&r, ev->by_name.slots[i].key);
    ev->message = moved(&r, ev->message);
    ev->ls_product = moved(&r, ev->ls_product);
    ev->ls_category = moved(&r, ev->ls_category);
    ev->ls_service = moved(&r, ev->ls_service);
    /* the old pieces go */
    sg_store_free(ev->blocks);
    if (!ev->packed) {
        free(ev->fields);
        free(ev->values);
    }
    ev->blocks = ev->current = p;
    ev->fields = fields;
    ev->values = values;
    ev->fields_cap = ev->nfields;
    ev->values_cap = ev->nvalues;
    ev->packed = 1;
    memset(ev->span_len, 0, sizeof ev->span_len);
    ev->span_at[0] = r.bytes; /* the arrays are prefetched as such */
    ev->span_len[0] = nbytes > UINT32_MAX ? UINT32_MAX : (uint32_t)nbytes;
    ev->later_blocks = 0;
    return SIGMA_OK;
}

int sg_event_unpack_arrays(sigma_event *ev)
{
    const size_t fcap = ev->nfields ? (size_t)ev->nfields * 2 : 8;
    const size_t vcap = ev->nvalues ? (size_t)ev->nvalues * 2 : 8;
    if (fcap > UINT32_MAX || vcap > UINT32_MAX)
        return -1;
    sg_field *f = malloc(fcap * sizeof *f);
    sg_value *v = malloc(vcap * sizeof *v);
    if (!f || !v) {
        free(f);
        free(v);
        return -1;
    }
    if (ev->nfields)
        memcpy(f, ev->fields, (size_t)ev->nfields * sizeof *f);
    if (ev->nvalues)
        memcpy(v, ev->values, (size_t)ev->nvalues * sizeof *v);
    ev->fields = f;
    ev->values = v;
    ev->fields_cap = (uint32_t)fcap;
    ev->values_cap = (uint32_t)vcap;
    ev->packed = 0;
    return 0;
}
