/* sigma_event_pack: one block for an event built ahead of matching.
 *
 * The builder grows an event in pieces: the fields array, the values array and a
 * chain of storage blocks for names and strings, each reallocated or added as
 * the event grows, so one event's bytes end up on several pages among other
 * events' leftovers. A packed event is a single storage block holding, in this
 * order, the fields, the values, the bytes of the copied strings a match reads
 * (values, message, logsource) and the field names, each pointed at its new
 * place. Names come last, apart: a match against a ruleset the event is bound to
 * reads none of them (sigma_event_bind), nor asks for their lines. The block is
 * the event's only storage block, full, so that later strings go to new blocks;
 * the arrays in it move out when they would grow (sg_event_unpack_arrays) and
 * are dropped by a clear, after which the block holds bytes again like any first
 * block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"

/* 1 if p points into one of the event's storage blocks (a copied string), 0 if
 * it is borrowed (SIGMA_VALUE_BORROW) or NULL. */
static int in_store(const sigma_event *ev, const char *p)
{
    if (!p)
        return 0;
    for (const sg_store_block *b = ev->blocks; b; b = b->next)
        if (p >= b->data && p < b->data + b->cap)
            return 1;
    return 0;
}

/* Bytes a copied string of len bytes takes (with the NUL the store adds). */
static size_t copied(const sigma_event *ev, const char *p, size_t len)
{
    return in_store(ev, p) ? len + 1 : 0;
}

/* Copies string p (len bytes and its NUL) to *at if it is in the store; returns
 * where it is now. */
static const char *move_string(const sigma_event *ev, const char *p, size_t len, char **at)
{
    if (!in_store(ev, p))
        return p;
    char *q = *at;
    memcpy(q, p, len + 1);
    *at += len + 1;
    return q;
}

int sigma_event_pack(sigma_event *ev)
{
    if (!ev)
        return SIGMA_E_INVALID_ARG;
    if (ev->packed && ev->blocks && !ev->blocks->next)
        return SIGMA_OK; /* packed, and nothing stored since */
    /* what matching reads first (values, message, logsource), then the names */
    size_t vbytes = copied(ev, ev->message, ev->message_len), nbytes = 0;
    const char **ls[3] = {&ev->ls_product, &ev->ls_category, &ev->ls_service};
    for (int k = 0; k < 3; k++)
        vbytes += *ls[k] ? copied(ev, *ls[k], strlen(*ls[k])) : 0;
    for (uint32_t i = 0; i < ev->nvalues; i++)
        if (ev->values[i].type == SG_VAL_STR)
            vbytes += copied(ev, ev->values[i].s, ev->values[i].len);
    for (uint32_t i = 0; i < ev->nfields; i++)
        nbytes += ev->fields[i].name_len + 1;
    const size_t fz = (size_t)ev->nfields * sizeof *ev->fields;
    const size_t vz = (size_t)ev->nvalues * sizeof *ev->values;
    if (vbytes > SIZE_MAX - nbytes - fz - vz - sizeof(sg_store_block))
        return SIGMA_E_NOMEM;
    /* fields (8-byte aligned after the header), values (24-byte items), bytes */
    sg_store_block *p = malloc(sizeof *p + fz + vz + vbytes + nbytes);
    if (!p)
        return SIGMA_E_NOMEM;
    p->next = NULL;
    p->cap = p->used = fz + vz + vbytes + nbytes;
    p->index = 0;
    sg_field *fields = (sg_field *)(void *)p->data;
    sg_value *values = (sg_value *)(void *)(p->data + fz);
    char *const vb = p->data + fz + vz, *const nb = vb + vbytes;
    char *at = vb;
    if (vz)
        memcpy(values, ev->values, vz);
    for (uint32_t i = 0; i < ev->nvalues; i++)
        if (values[i].type == SG_VAL_STR)
            values[i].s = move_string(ev, values[i].s, values[i].len, &at);
    const char *message = move_string(ev, ev->message, ev->message_len, &at);
    const char *parts[3];
    for (int k = 0; k < 3; k++)
        parts[k] = *ls[k] ? move_string(ev, *ls[k], strlen(*ls[k]), &at) : NULL;
    if (fz)
        memcpy(fields, ev->fields, fz);
    for (uint32_t i = 0; i < ev->nfields; i++)
        fields[i].name = move_string(ev, fields[i].name, fields[i].name_len, &at);
    /* the name map's keys are the fields' names */
    for (size_t i = 0; i < ev->by_name.cap; i++)
        if (ev->by_name.slots[i].used)
            ev->by_name.slots[i].key = fields[ev->by_name.slots[i].value].name;
    ev->message = message;
    for (int k = 0; k < 3; k++)
        *ls[k] = parts[k];
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
    /* the arrays are prefetched as such; the names only when a match reads them */
    ev->span_at[0] = vb;
    ev->span_len[0] = vbytes > UINT32_MAX ? UINT32_MAX : (uint32_t)vbytes;
    ev->span_at[SG_NAMES_SPAN] = nb;
    ev->span_len[SG_NAMES_SPAN] = nbytes > UINT32_MAX ? UINT32_MAX : (uint32_t)nbytes;
    ev->names_span = 1;
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
