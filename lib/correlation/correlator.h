/* The correlator's state (sigma_correlator): per correlation a hash table of groups
 * and a least-recently-updated list; one min-heap of group deadlines (window close,
 * expiry) for the whole correlator. Every byte it allocates is counted. */
#ifndef SG_CORRELATION_CORRELATOR_H
#define SG_CORRELATION_CORRELATOR_H

#include <stddef.h>
#include <stdint.h>

#include "correlation/corr_set.h"
#include "sigma/sigma.h"
#include "util/vec.h"

/* One event (or chained correlation match) kept in a group. */
typedef struct sg_centry {
    int64_t t;
    uint64_t ref;    /* the caller's event ref (nrefs <= 1) */
    uint64_t *refs;  /* chained entries with several refs: owned copy */
    uint64_t weight; /* base events behind it: 1, or the inner match's total */
    union {
        double num;     /* numeric `field` value (value_sum/avg/percentile/median) */
        uint64_t vhash; /* hash of the `field` value(s) (value_count) */
    } v;
    uint32_t nrefs; /* refs held (0 or 1 use `ref`) */
    uint16_t k;     /* position of the matched rule in the correlation's refs */
    uint8_t has_num, has_val;
} sg_centry;

/* Entries held inside the group's own allocation (one malloc for most groups). */
#define SG_CGROUP_INLINE 2

typedef struct sg_cgroup sg_cgroup;
struct sg_cgroup {
    sg_cgroup *hnext;               /* hash chain */
    sg_cgroup *lru_prev, *lru_next; /* per correlation, least recently updated first */
    uint64_t hash;
    uint32_t corr;
    uint32_t heap_idx;
    int64_t deadline; /* when it must be looked at again (window close, expiry) */
    int64_t start;    /* deferred correlations: start of the open window */
    int64_t updated;  /* stream time of the last update */
    sg_centry *e;     /* live entries are e[head..len), by time, then arrival */
    uint32_t head, len, cap;
    uint32_t key_len;
    /* per group-by field: uint32 length + bytes; then, aligned, SG_CGROUP_INLINE
     * entries that `e` points to until the group outgrows them (the key stays next
     * to the header, which a lookup reads) */
    char key[];
};

typedef struct sg_cheap_node {
    int64_t key; /* <= the group's deadline (lazy, see groups.c) */
    sg_cgroup *g;
} sg_cheap_node;

/* Per correlation. Groups of a deferred correlation (decided at window close) wait in
 * the correlator's deadline heap. Groups of an immediate one only ever expire, and
 * their deadlines (newest event + timespan, or idle expiry) follow the order of their
 * last update, so they are expired from the head of the LRU list instead: head_due
 * is the head's deadline, compared without touching the group; the head_due of all
 * correlations lie side by side (sigma_correlator.due) so that checking them for each
 * event is a scan of one small array. */
typedef struct sg_cstate {
    sg_cgroup **buckets;
    size_t nbuckets; /* power of two, or 0 */
    size_t count;
    sg_cgroup *lru_head, *lru_tail;
    int64_t *head_due; /* -> sigma_correlator.due[ci]: lru_head->deadline (immediate
                          correlations; INT64_MAX when empty), INT64_MAX (deferred) */
    int deferred;
} sg_cstate;

/* Where the values of a fed hit come from: an event, or an inner correlation match. */
typedef struct sg_csrc {
    const sigma_event *ev;
    const sigma_correlation_match *m;
} sg_csrc;

struct sigma_correlation_match {
    const sigma_ruleset *rs;
    const sg_ccorr *cc;
    const char **gval; /* [ngroup] */
    size_t *glen;
    double value;
    int64_t first, last;
    uint64_t total;
    const uint64_t *refs;
    uint32_t nrefs;
};

struct sigma_correlator {
    sigma_ruleset *rs; /* referenced */
    const sg_corr_set *set;
    uint32_t max_groups, max_events, max_refs;
    int64_t idle_ms, ooo_ms;
    sg_cstate *st; /* [set->n] */
    int64_t *due;  /* [set->n]: see sg_cstate.head_due */
    sg_cheap_node *heap;
    size_t heap_len, heap_cap;
    int64_t now; /* newest time fed or advanced to */
    int started;
    sigma_correlator_stats stats;
    /* the current call's callback */
    sigma_correlation_fn cb;
    void *user;
    int stop, oom;
    /* scratch */
    sg_buf key;
    sg_buf text;
};

/* groups.c */
void sg_cor_account(sigma_correlator *c, int64_t delta);
sg_cgroup *sg_cor_group_get(sigma_correlator *c, uint32_t ci, const char *key, uint32_t key_len);
void sg_cor_group_free(sigma_correlator *c, sg_cgroup *g);
/* Frees a group that never held an entry (adding its first one failed): it is not
 * counted as created. */
void sg_cor_group_discard(sigma_correlator *c, sg_cgroup *g);
void sg_cor_group_touch(sigma_correlator *c, sg_cgroup *g);
int sg_cor_entry_insert(sigma_correlator *c, sg_cgroup *g, const sg_centry *e);
void sg_cor_entries_drop_front(sigma_correlator *c, sg_cgroup *g, uint32_t n);
/* Sets a group's deadline (heap or LRU bookkeeping as its correlation needs). */
void sg_cor_set_deadline(sigma_correlator *c, sg_cgroup *g, int64_t deadline);
/* The deferred group whose deadline is the earliest and before `wm`, or NULL. */
sg_cgroup *sg_cor_heap_due(sigma_correlator *c, int64_t wm);
/* Frees every group (counted as closed: the stream ended). */
void sg_cor_free_all(sigma_correlator *c);

/* window.c: the figure of entries e[i0..i1) of a group of `cc`; 0 when it has
 * none (value_* without numeric values), else 1 and *fires says if it meets the
 * condition. `tmp` is scratch. */
int sg_cor_figure(const sg_ccorr *cc, const sg_centry *e, uint32_t i0, uint32_t i1, sg_buf *tmp,
                  double *value, int *fires);
/* temporal_ordered: writes to out[] the entry indexes (ascending) of a longest chain
 * of entries of e[i0..i1) whose rule positions strictly increase; returns its length,
 * or -1 when out of memory. */
int64_t sg_cor_ordered_chain(const sg_ccorr *cc, const sg_centry *e, uint32_t i0, uint32_t i1,
                             uint32_t *out);

#endif
