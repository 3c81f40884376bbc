/* Routing: the log source mapping compiled against a ruleset. At match time an
 * event without an explicit logsource is classified by the mapping's conditions
 * (Channel, EventID...); it then only meets the rules compatible with the
 * logsources it was recognised as, and the rules' field names are looked up
 * through the mapping's renames (Security 4688 NewProcessName -> Image). */
#ifndef SG_INDEX_ROUTING_H
#define SG_INDEX_ROUTING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mapping/mapping.h"
#include "util/strmap.h"

typedef struct sg_route_rename {
    uint32_t slot;             /* the rule field's slot */
    const char **event_fields; /* alternatives, in order of preference */
    size_t *event_field_lens;
    uint64_t *event_field_hashes; /* sg_hash_bytes of each, for event lookups */
    size_t n;
} sg_route_rename;

typedef struct sg_route {
    const sg_map_entry *entry; /* conditions, logsource, coverage (in routing.mapping) */
    uint64_t *rules;           /* rules compatible with the entry's logsource */
    sg_route_rename *renames;  /* only renames whose rule field some rule uses */
    size_t nrenames;
    uint32_t *cond_field; /* per condition: index into sg_routing.cond_fields */
    uint64_t *slots;      /* field slots (+ the keyword slot) its rules look at: the
                             prefilter scans only these for events of this route */
} sg_route;

typedef struct sg_routing {
    sg_mapping mapping; /* owned copy of the entries */
    sg_route *routes;
    size_t n;
    uint32_t nwords;
    const char **cond_fields; /* distinct event fields the conditions test (Channel...) */
    size_t *cond_field_lens;
    uint64_t *cond_field_hashes; /* sg_hash_bytes of each */
    uint32_t ncond_fields;
    size_t max_renames; /* largest nrenames of a route */
    /* Dispatch, so that an event is tested against the few routes its EventID (say)
     * names instead of every route: each route is listed under the values of one
     * of its conditions, the one whose values the fewest routes share. Key = the condition field's
     * number (4 bytes, little-endian) + one folded value -> dispatch[v] = n, then n route numbers,
     * ascending. */
    sg_strmap dispatch_map;
    uint32_t *dispatch;
    uint8_t *dispatch_field;   /* per condition field: 1 if some route is dispatched on it */
    size_t max_dispatch_value; /* longest folded value in a dispatch key */
    int dispatch_all;          /* a route could not be dispatched: test every route */
    uint32_t nslot_words;      /* 64-bit words of a route's slot bitset */
} sg_routing;

struct sigma_ruleset;

/* Compiles `m` (moved into rs: *m is zeroed) against the ruleset's rules and field
 * dictionary. 0 or -1 (no memory). */
int sg_routing_build(struct sigma_ruleset *rs, sg_mapping *m);
void sg_routing_free(sg_routing *r);

/* Longest condition value a dispatch key holds (longer ones: every route is tested). */
#define SG_ROUTE_VALUE_MAX 256

/* Writes the dispatch key of condition field f and folded value v into key (which
 * holds 4 + vlen bytes); returns its length. */
static inline size_t sg_route_key(uint32_t f, const char *v, size_t vlen, char *key)
{
    for (int i = 0; i < 4; i++)
        key[i] = (char)(f >> (8 * i));
    memcpy(key + 4, v, vlen);
    return 4 + vlen;
}

#endif
