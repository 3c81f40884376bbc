/* The event builder: fields with one or more typed values. Names and copied strings
 * live in a chain of storage blocks whose addresses never move, so values can point
 * into them; sigma_event_clear rewinds the blocks instead of freeing them. */
#include "event/event.h"

#include <stdlib.h>
#include <string.h>

#include "compile/ruleset.h"
#include "util/vec.h"

const char sg_mixed_slots_tag = 0;

/* First block size; each new block doubles the previous one, so small events stay
 * small and large ones need few blocks. */
enum { SG_STORE_FIRST = 512, SG_STORE_MAX = 1 << 20 };

static void strmap_reset(sg_strmap *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
}

/* Copies (s, len) into stable storage; returns NULL on allocation failure. */
static const char *store_copy(sigma_event *ev, const char *s, size_t len)
{
    sg_store_block *b = ev->current;
    while (b && b->cap - b->used < len + 1)
        b = b->next; /* reuse a later block kept from before a clear */
    if (!b) {
        size_t cap = SG_STORE_FIRST;
        uint32_t index = 0;
        for (sg_store_block *k = ev->blocks; k; k = k->next, index++)
            cap = k->cap * 2 > SG_STORE_MAX ? SG_STORE_MAX : k->cap * 2;
        if (cap < len + 1)
            cap = len + 1;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->index = index;
        if (index < SG_EVENT_SPANS)
            ev->span_at[index] = b->data;
        if (index == SG_NAMES_SPAN)
            ev->names_span = 0; /* a packed event's names: not prefetched any more */
        /* Append at the end of the chain so the blocks before stay in order. */
        b->next = NULL;
        sg_store_block **tail = &ev->blocks;
        while (*tail)
            tail = &(*tail)->next;
        *tail = b;
    }
    ev->current = b;
    char *p = b->data + b->used;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    b->used += len + 1;
    if (b->index < SG_EVENT_SPANS) /* a block of 4 GiB or more is prefetched in part */
        ev->span_len[b->index] = b->used > UINT32_MAX ? UINT32_MAX : (uint32_t)b->used;
    else
        ev->later_blocks = 1;
    return p;
}

/* One prefetch per 64-byte line that p[0, len) touches. */
static void prefetch_range(const void *p, size_t len)
{
    if (!len)
        return;
    const uintptr_t first = (uintptr_t)p & ~(uintptr_t)63;
    const uintptr_t last = ((uintptr_t)p + len - 1) & ~(uintptr_t)63;
    for (uintptr_t a = first; a <= last; a += 64)
        __builtin_prefetch((const void *)a);
}

void sg_event_prefetch(const sigma_event *ev, int skip_names)
{
    /* what a bound event's match reads of its fields instead of them */
    if (skip_names && ev->bound_ok)
        prefetch_range(ev->bound, ev->nfields * sizeof *ev->bound);
    else
        prefetch_range(ev->fields, ev->nfields * sizeof *ev->fields);
    prefetch_range(ev->values, ev->nvalues * sizeof *ev->values);
    for (uint32_t k = 0; k < SG_EVENT_SPANS; k++)
        if (!(k == SG_NAMES_SPAN && ev->names_span && skip_names))
            prefetch_range(ev->span_at[k], ev->span_len[k]);
    if (!ev->later_blocks)
        return;
    /* the rare later blocks: through the headers */
    const sg_store_block *b = ev->blocks;
    for (uint32_t k = 0; b && k < SG_EVENT_SPANS; k++)
        b = b->next;
    for (; b; b = b->next)
        prefetch_range(b->data, b->used);
}

int sigma_event_new(sigma_event **out)
{
    if (!out)
        return SIGMA_E_INVALID_ARG;
    /* at a line, so that what a match reads is two lines (event.h) */
    const size_t bytes = (sizeof **out + 63) & ~(size_t)63;
    *out = aligned_alloc(64, bytes);
    if (!*out)
        return SIGMA_E_NOMEM;
    memset(*out, 0, bytes);
    return SIGMA_OK;
}

void sigma_event_clear(sigma_event *ev)
{
    if (!ev)
        return;
    ev->nfields = 0;
    ev->nvalues = 0;
    strmap_reset(&ev->by_name);
    for (sg_store_block *b = ev->blocks; b; b = b->next)
        b->used = 0;
    if (ev->packed) { /* the arrays were in the first block, which is reused for bytes */
        ev->fields = NULL;
        ev->values = NULL;
        ev->fields_cap = ev->values_cap = 0;
        ev->packed = 0;
    }
    if (ev->blocks) /* a packed event's span started past its arrays */
        ev->span_at[0] = ev->blocks->data;
    memset(ev->span_len, 0, sizeof ev->span_len);
    ev->later_blocks = 0;
    ev->names_span = 0;
    ev->current = ev->blocks;
    ev->message = NULL;
    ev->message_len = 0;
    ev->ls_product = ev->ls_category = ev->ls_service = NULL;
    ev->has_logsource = 0;
    ev->slot_rs = NULL;
    ev->bound_ok = 0;
}

void sg_store_free(sg_store_block *b)
{
    while (b) {
        sg_store_block *n = b->next;
        free(b);
        b = n;
    }
}

void sigma_event_free(sigma_event *ev)
{
    if (!ev)
        return;
    sg_store_free(ev->blocks);
    sg_strmap_free(&ev->by_name);
    if (!ev->packed) {
        free(ev->fields);
        free(ev->values);
    }
    free(ev->bound);
    free(ev);
}

/* Finds or creates the field `name`; returns its index or SG_NONE on failure. */
static uint32_t field_for(sigma_event *ev, const char *name, size_t len)
{
    const uint64_t h = sg_hash_bytes(name, len);
    /* One probe finds the field or the map slot the new field takes. */
    sg_strmap_slot *s = sg_strmap_probe(&ev->by_name, name, len, h);
    if (!s)
        return SG_NONE;
    if (s->used)
        return s->value;
    if (ev->nfields == UINT32_MAX - 1)
        return SG_NONE;
    const char *copy = store_copy(ev, name, len);
    if (!copy)
        return SG_NONE;
    sg_field f = {copy, h, (uint32_t)len, SG_NONE, SG_NONE, SG_NONE};
    if (ev->packed && ev->nfields == ev->fields_cap && sg_event_unpack_arrays(ev) != 0)
        return SG_NONE;
    size_t n = ev->nfields, cap = ev->fields_cap;
    if (SG_PUSH(ev->fields, n, cap, f) != 0)
        return SG_NONE;
    ev->fields_cap = (uint32_t)cap;
    sg_strmap_claim(&ev->by_name, s, copy, len, h, ev->nfields);
    return ev->nfields++;
}

static int add_value(sigma_event *ev, const char *name, size_t name_len, sg_value v)
{
    if (!ev || (!name && name_len))
        return SIGMA_E_INVALID_ARG;
    if (name_len == SIGMA_NUL_TERMINATED)
        name_len = strlen(name);
    if (name_len >= UINT32_MAX)
        return SIGMA_E_INVALID_ARG;
    ev->bound_ok = 0; /* a new field or a first value: bound[] is out of date */
    uint32_t fi = field_for(ev, name ? name : "", name_len);
    if (fi == SG_NONE)
        return SIGMA_E_NOMEM;
    if (v.type == 0)
        return SIGMA_OK; /* sigma_event_add_empty: presence only */
    v.next = SG_NONE;
    if (ev->packed && ev->nvalues == ev->values_cap && sg_event_unpack_arrays(ev) != 0)
        return SIGMA_E_NOMEM;
    size_t n = ev->nvalues, cap = ev->values_cap;
    if (n >= UINT32_MAX - 1 || SG_PUSH(ev->values, n, cap, v) != 0)
        return SIGMA_E_NOMEM;
    ev->values_cap = (uint32_t)cap;
    uint32_t vi = ev->nvalues++;
    sg_field *f = &ev->fields[fi];
    if (f->tail == SG_NONE)
        f->head = vi;
    else
        ev->values[f->tail].next = vi;
    f->tail = vi;
    return SIGMA_OK;
}

int sigma_event_add_str(sigma_event *ev, const char *name, size_t name_len, const char *value,
                        size_t value_len, uint32_t flags)
{
    if (!ev || (!value && value_len) || (flags & ~(uint32_t)SIGMA_VALUE_BORROW))
        return SIGMA_E_INVALID_ARG;
    if (value_len == SIGMA_NUL_TERMINATED)
        value_len = strlen(value);
    if (value_len > SG_MAX_VALUE_LEN)
        return SIGMA_E_INVALID_ARG;
    sg_value v = {.type = SG_VAL_STR, .s = value ? value : "", .len = (uint32_t)value_len};
    if (!(flags & SIGMA_VALUE_BORROW)) {
        v.s = store_copy(ev, v.s, value_len);
        if (!v.s)
            return SIGMA_E_NOMEM;
    }
    return add_value(ev, name, name_len, v);
}

int sigma_event_add_int(sigma_event *ev, const char *name, size_t name_len, int64_t value)
{
    return add_value(ev, name, name_len, (sg_value){.type = SG_VAL_INT, .i = value});
}

int sigma_event_add_float(sigma_event *ev, const char *name, size_t name_len, double value)
{
    return add_value(ev, name, name_len, (sg_value){.type = SG_VAL_FLOAT, .f = value});
}

int sigma_event_add_bool(sigma_event *ev, const char *name, size_t name_len, int value)
{
    return add_value(ev, name, name_len, (sg_value){.type = SG_VAL_BOOL, .b = value != 0});
}

int sigma_event_add_null(sigma_event *ev, const char *name, size_t name_len)
{
    return add_value(ev, name, name_len, (sg_value){.type = SG_VAL_NULL});
}

int sigma_event_add_empty(sigma_event *ev, const char *name, size_t name_len)
{
    return add_value(ev, name, name_len, (sg_value){.type = 0});
}

int sigma_event_set_message(sigma_event *ev, const char *msg, size_t len, uint32_t flags)
{
    if (!ev || (!msg && len) || (flags & ~(uint32_t)SIGMA_VALUE_BORROW))
        return SIGMA_E_INVALID_ARG;
    if (len == SIGMA_NUL_TERMINATED)
        len = strlen(msg);
    const char *s = msg ? msg : "";
    if (!(flags & SIGMA_VALUE_BORROW)) {
        s = store_copy(ev, s, len);
        if (!s)
            return SIGMA_E_NOMEM;
    }
    ev->message = s;
    ev->message_len = len;
    return SIGMA_OK;
}

/* Copies one logsource part; (NULL, 0) leaves it unknown. */
static int logsource_part(sigma_event *ev, const char *s, size_t len, const char **out)
{
    *out = NULL;
    if (!s)
        return len ? SIGMA_E_INVALID_ARG : SIGMA_OK;
    if (len == SIGMA_NUL_TERMINATED)
        len = strlen(s);
    *out = store_copy(ev, s, len);
    return *out ? SIGMA_OK : SIGMA_E_NOMEM;
}

int sigma_event_set_logsource(sigma_event *ev, const char *product, size_t product_len,
                              const char *category, size_t category_len, const char *service,
                              size_t service_len)
{
    if (!ev)
        return SIGMA_E_INVALID_ARG;
    int rc = logsource_part(ev, product, product_len, &ev->ls_product);
    if (rc == SIGMA_OK)
        rc = logsource_part(ev, category, category_len, &ev->ls_category);
    if (rc == SIGMA_OK)
        rc = logsource_part(ev, service, service_len, &ev->ls_service);
    /* All three unknown (NULL) means "no logsource": the mapping decides again. */
    ev->has_logsource = rc == SIGMA_OK && (ev->ls_product || ev->ls_category || ev->ls_service);
    return rc;
}

/* ------------------------------------------------------------- by slot */

/* Adds v to the field named by rs's slot and remembers the slot on the field. */
static int add_by_slot(sigma_event *ev, const sigma_ruleset *rs, uint32_t slot, sg_value v)
{
    if (!ev || !rs || slot >= rs->nfields)
        return SIGMA_E_INVALID_ARG;
    const char *name = rs->field_names[slot];
    size_t len = strlen(name);
    int rc = add_value(ev, name, len, v);
    if (rc == SIGMA_OK) {
        uint32_t fi;
        if (sg_strmap_get(&ev->by_name, name, len, &fi)) {
            ev->fields[fi].slot = slot;
            ev->slot_rs = !ev->slot_rs || ev->slot_rs == rs ? (const void *)rs : SG_MIXED_SLOTS;
        }
    }
    return rc;
}

int sigma_event_add_str_slot(sigma_event *ev, const sigma_ruleset *rs, uint32_t slot,
                             const char *value, size_t value_len, uint32_t flags)
{
    if (!ev || (!value && value_len) || (flags & ~(uint32_t)SIGMA_VALUE_BORROW))
        return SIGMA_E_INVALID_ARG;
    if (value_len == SIGMA_NUL_TERMINATED)
        value_len = strlen(value);
    if (value_len > SG_MAX_VALUE_LEN)
        return SIGMA_E_INVALID_ARG;
    sg_value v = {.type = SG_VAL_STR, .s = value ? value : "", .len = (uint32_t)value_len};
    if (!(flags & SIGMA_VALUE_BORROW) && !(v.s = store_copy(ev, v.s, value_len)))
        return SIGMA_E_NOMEM;
    return add_by_slot(ev, rs, slot, v);
}

int sigma_event_add_int_slot(sigma_event *ev, const sigma_ruleset *rs, uint32_t slot, int64_t value)
{
    return add_by_slot(ev, rs, slot, (sg_value){.type = SG_VAL_INT, .i = value});
}

/* Every field gets its slot in rs, or SG_UNUSED_SLOT: what a match against rs would
 * look up by name on every call is looked up once here (the hash was computed
 * when the field was added). Slots of another ruleset are replaced, so the event
 * holds rs's slots only. The string values whose text the index scans, under
 * the field's slot or the keyword slot, get their scan-memo hash: a match then
 * asks for their memo entries without waiting for their bytes first. */
int sigma_event_bind(sigma_event *ev, const sigma_ruleset *rs)
{
    if (!ev || !rs)
        return SIGMA_E_INVALID_ARG;
    if (ev->nfields > ev->bound_cap) {
        sg_bound_field *b = realloc(ev->bound, (size_t)ev->nfields * sizeof *b);
        if (!b)
            return SIGMA_E_NOMEM;
        ev->bound = b;
        ev->bound_cap = ev->nfields;
    }
    const sg_index *ix = &rs->index;
    const int keywords = ix->nslots && ix->scans[ix->nslots - 1].text;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        sg_field *f = &ev->fields[i];
        uint32_t slot;
        f->slot = sg_strmap_get_hashed(&rs->field_map, f->name, f->name_len, f->name_hash, &slot)
                      ? slot
                      : SG_UNUSED_SLOT;
        ev->bound[i] = (sg_bound_field){f->slot, f->head};
        if (!keywords && (f->slot == SG_UNUSED_SLOT || !ix->scans[f->slot].text))
            continue;
        for (uint32_t vi = f->head; vi != SG_NONE; vi = ev->values[vi].next) {
            sg_value *v = &ev->values[vi];
            if (v->type == SG_VAL_STR && !v->hashed) {
                v->hash = sg_value_hash(v->s, v->len);
                v->hashed = 1;
            }
        }
    }
    ev->slot_rs = rs;
    ev->bound_ok = ev->bound != NULL;
    return SIGMA_OK;
}
