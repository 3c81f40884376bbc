/* The event builder's internal layout, read by the matcher. */
#ifndef SG_EVENT_EVENT_H
#define SG_EVENT_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "sigma/sigma.h"
#include "util/strmap.h"

typedef enum { SG_VAL_STR = 1, SG_VAL_INT, SG_VAL_FLOAT, SG_VAL_BOOL, SG_VAL_NULL } sg_val_type;

#define SG_NONE UINT32_MAX

/* 24 bytes: the matcher reads every value of an event, and events built ahead of
 * matching (a batch, the benchmark) are read from memory, not cache. */
typedef struct sg_value {
    union {
        const char *s; /* SG_VAL_STR: bytes (copied into the event's storage, or borrowed) */
        int64_t i;     /* SG_VAL_INT */
        double f;      /* SG_VAL_FLOAT */
        int b;         /* SG_VAL_BOOL */
    };
    uint32_t len;  /* SG_VAL_STR (longer strings are refused: SG_MAX_VALUE_LEN) */
    uint32_t next; /* next value of the same field, or SG_NONE */
    uint8_t type;  /* sg_val_type */
    /* 1: hash is sg_value_hash of the string, set by sigma_event_bind for the
     * values a match against the bound ruleset looks up in its scan memo, so
     * that the match need not wait for the bytes before asking for the entry */
    uint8_t hashed;
    uint32_t hash;
} sg_value;

#define SG_MAX_VALUE_LEN UINT32_MAX
_Static_assert(sizeof(sg_value) <= 24, "an event value stays within 24 bytes");

/* The hash of a string value's bytes that the scan memo is keyed by
 * (match/scan_memo.h). */
static inline uint32_t sg_value_hash(const char *s, size_t len)
{
    return (uint32_t)sg_hash_bytes(s, len);
}

/* 32 bytes, for the same reason: the matcher resolves every field of an event.
 * A field without values has head == SG_NONE. */
typedef struct sg_field {
    const char *name;
    /* sg_hash_bytes(name, name_len): computed once when the field is added (the
     * event's own name map needs it anyway), so match resolves names against any
     * ruleset's field map without hashing again. */
    uint64_t name_hash;
    uint32_t name_len;   /* longer names are refused */
    uint32_t head, tail; /* value list; SG_NONE when the field was added empty */
    /* The field's slot in the event's slot_rs (added by slot, or set by
     * sigma_event_bind); SG_UNUSED_SLOT: bound, and no rule of slot_rs reads it;
     * SG_NONE: not known, match looks the name up. */
    uint32_t slot;
} sg_field;

#define SG_UNUSED_SLOT (UINT32_MAX - 1)

_Static_assert(sizeof(sg_field) <= 32, "an event field stays within 32 bytes");

/* What a match against the ruleset an event is bound to reads of a field, 8 bytes
 * instead of the field's 32: its slot (or SG_UNUSED_SLOT) and its first value. */
typedef struct sg_bound_field {
    uint32_t slot, head;
} sg_bound_field;

/* A block of the event's storage: names and copied strings, never moved. */
typedef struct sg_store_block sg_store_block;
struct sg_store_block {
    sg_store_block *next;
    size_t used, cap;
    size_t index; /* position in the chain: the first SG_EVENT_SPANS keep a span */
    char data[];  /* 8-byte aligned: a packed event's arrays start here (event_pack.c) */
};

_Static_assert(offsetof(struct sg_store_block, data) % 8 == 0, "block data 8-byte aligned");

/* Frees a chain of storage blocks. */
void sg_store_free(sg_store_block *b);

/* Storage blocks whose bytes in use the event records itself (event.c). */
#define SG_EVENT_SPANS 3
#define SG_NAMES_SPAN 2 /* where a packed event's names are */

struct sigma_event {
    /* What sg_event_prefetch reads comes first (two lines at most). */
    sg_field *fields;
    uint32_t nfields, nvalues;
    sg_value *values;
    /* The bytes in use of the first SG_EVENT_SPANS storage blocks (an event rarely
     * has more): the prefetch finds them here, not in the blocks' headers, each
     * of which would be one more miss before the block's lines could be asked for. */
    const char *span_at[SG_EVENT_SPANS];
    uint32_t span_len[SG_EVENT_SPANS];
    uint8_t later_blocks; /* 1: a block after those has bytes in use */
    /* 1: sigma_event_pack put the fields and values arrays inside the first block
     * (event_pack.c), which owns them; they move out before they grow and are
     * dropped (not freed) by a clear. */
    uint8_t packed;
    /* 1: span SG_NAMES_SPAN holds field names only (a packed event), which a
     * match against the ruleset the event is bound to does not read */
    uint8_t names_span;
    /* What else a match reads, within the first two lines too (sigma_event_new
     * aligns the struct to a line): slot_rs had been in a third one, a miss of
     * its own at the start of every call on a prebuilt event. */
    uint8_t has_logsource;
    /* 1: bound[i] holds fields[i]'s slot in slot_rs and its first value, for
     * every field (set by sigma_event_bind, cleared by any change) */
    uint8_t bound_ok;
    sg_bound_field *bound;
    /* The ruleset whose slots fields were added by or bound to (their `slot`);
     * NULL when none was, SG_MIXED_SLOTS when slots of two rulesets were (names
     * decide then). */
    const void *slot_rs;
    const char *message; /* raw message for keyword search, or NULL */
    size_t message_len;
    const char *ls_product, *ls_category, *ls_service; /* NULL = unknown */
    /* The builder's, and routing's look-ups of mapping fields. */
    sg_strmap by_name;       /* name -> field index; keys point into the store */
    sg_store_block *blocks;  /* stable storage for copied names and strings */
    sg_store_block *current; /* block being filled; earlier blocks are full */
    /* entries allocated for fields, values and bound */
    uint32_t fields_cap, values_cap, bound_cap;
};

_Static_assert(offsetof(struct sigma_event, ls_service) + sizeof(const char *) <= 128,
               "what a match reads of the event struct is in its first two lines");

/* Makes the fields and values arrays of a packed event its own again (before they
 * grow): 0, or -1 out of memory (the event unchanged). */
int sg_event_unpack_arrays(sigma_event *ev);

#define SG_MIXED_SLOTS ((const void *)&sg_mixed_slots_tag)
extern const char sg_mixed_slots_tag;

/* Asks the CPU to load what matching ev reads: its fields, values and stored
 * bytes. An event built ahead of matching (a batch, a queue) is in memory, not in
 * cache; its lines are then fetched together instead of one miss at a time as the
 * matcher reaches them. Cheap for an event still in cache. */
void sg_event_prefetch(const sigma_event *ev, int skip_names);

/* 1 if a match of ev against rs reads no field name: the event is bound to rs
 * (sigma_event_bind) and not recognised by the mapping's conditions, which look
 * fields up by name. */
static inline int sg_event_names_unread(const sigma_event *ev, const void *rs, int routing)
{
    return ev->slot_rs == rs && !(routing && !ev->has_logsource);
}

/* The fields' slots and first values (a match against slot_rs reads these instead
 * of the fields when there are), or NULL. */
static inline const sg_bound_field *sg_event_bound(const sigma_event *ev)
{
    return ev->bound_ok ? ev->bound : NULL;
}

/* Asks for the event's own first lines, those sg_event_prefetch reads: a batch
 * does so two events ahead, so that the prefetch one event ahead does not wait. */
static inline void sg_event_prefetch_head(const sigma_event *ev)
{
    __builtin_prefetch(ev);
    __builtin_prefetch((const char *)ev + 64);
}

#endif
