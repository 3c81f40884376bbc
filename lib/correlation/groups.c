/* Group storage of the correlator: hash tables, LRU lists, the deadline heap and
 * the per-group entry buffers, with every allocation counted in bytes_in_use. */
#include <stdlib.h>
#include <string.h>

#include "correlation/correlator.h"
#include "util/strmap.h"

/* Offset of the inline entries in a group allocation with a key of `key_len` bytes. */
static size_t inline_offset(uint32_t key_len)
{
    size_t a = _Alignof(sg_centry), off = sizeof(sg_cgroup) + key_len;
    return (off + a - 1) / a * a;
}

static size_t group_bytes(uint32_t key_len)
{
    return inline_offset(key_len) + SG_CGROUP_INLINE * sizeof(sg_centry);
}

static sg_centry *inline_entries(sg_cgroup *g)
{
    return (sg_centry *)(void *)((char *)g + inline_offset(g->key_len));
}

void sg_cor_account(sigma_correlator *c, int64_t delta)
{
    c->stats.bytes_in_use = (uint64_t)((int64_t)c->stats.bytes_in_use + delta);
    if (c->stats.bytes_in_use > c->stats.bytes_peak)
        c->stats.bytes_peak = c->stats.bytes_in_use;
}

/* ---- heap of deadlines -------------------------------------------------------------------
 * Keys live in the heap array (no pointer chase per comparison) and are lazy: a group's
 * deadline usually moves later with each event, which only updates g->deadline; the
 * stale, earlier key is corrected when it reaches the top (sg_cor_heap_refresh). A
 * deadline that moves earlier is applied at once. */

static void heap_place(sigma_correlator *c, size_t i, sg_cheap_node n)
{
    c->heap[i] = n;
    n.g->heap_idx = (uint32_t)i;
}

static void heap_up(sigma_correlator *c, size_t i)
{
    sg_cheap_node n = c->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (c->heap[p].key <= n.key)
            break;
        heap_place(c, i, c->heap[p]);
        i = p;
    }
    heap_place(c, i, n);
}

static void heap_down(sigma_correlator *c, size_t i)
{
    sg_cheap_node n = c->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        int64_t best = n.key;
        if (l < c->heap_len && c->heap[l].key < best) {
            m = l;
            best = c->heap[l].key;
        }
        if (l + 1 < c->heap_len && c->heap[l + 1].key < best)
            m = l + 1;
        if (m == i)
            break;
        heap_place(c, i, c->heap[m]);
        i = m;
    }
    heap_place(c, i, n);
}

static void heap_remove(sigma_correlator *c, sg_cgroup *g)
{
    size_t i = g->heap_idx;
    sg_cheap_node last = c->heap[--c->heap_len];
    if (i < c->heap_len) {
        heap_place(c, i, last);
        heap_up(c, i);
        heap_down(c, last.g->heap_idx);
    }
    g->heap_idx = UINT32_MAX;
}

void sg_cor_set_deadline(sigma_correlator *c, sg_cgroup *g, int64_t deadline)
{
    sg_cstate *s = &c->st[g->corr];
    g->deadline = deadline;
    if (!s->deferred) {
        if (s->lru_head == g)
            *s->head_due = deadline;
    } else if (deadline < c->heap[g->heap_idx].key) {
        c->heap[g->heap_idx].key = deadline;
        heap_up(c, g->heap_idx);
    }
}

sg_cgroup *sg_cor_heap_due(sigma_correlator *c, int64_t wm)
{
    while (c->heap_len && c->heap[0].key < wm) {
        sg_cgroup *g = c->heap[0].g;
        if (g->deadline <= c->heap[0].key)
            return g;
        c->heap[0].key = g->deadline; /* stale key: the deadline moved on */
        heap_down(c, 0);
    }
    return NULL;
}

/* ---- hash table and LRU ------------------------------------------------------------------ */

static void head_changed(sg_cstate *s)
{
    if (!s->deferred)
        *s->head_due = s->lru_head ? s->lru_head->deadline : INT64_MAX;
}

static void lru_unlink(sg_cstate *s, sg_cgroup *g)
{
    sg_cgroup *head = s->lru_head;
    if (g->lru_prev)
        g->lru_prev->lru_next = g->lru_next;
    else
        s->lru_head = g->lru_next;
    if (g->lru_next)
        g->lru_next->lru_prev = g->lru_prev;
    else
        s->lru_tail = g->lru_prev;
    g->lru_prev = g->lru_next = NULL;
    if (s->lru_head != head)
        head_changed(s);
}

static void lru_append(sg_cstate *s, sg_cgroup *g)
{
    g->lru_prev = s->lru_tail;
    g->lru_next = NULL;
    if (s->lru_tail) {
        s->lru_tail->lru_next = g;
    } else {
        s->lru_head = g;
        head_changed(s);
    }
    s->lru_tail = g;
}

void sg_cor_group_touch(sigma_correlator *c, sg_cgroup *g)
{
    sg_cstate *s = &c->st[g->corr];
    g->updated = c->now;
    if (s->lru_tail != g) {
        lru_unlink(s, g);
        lru_append(s, g);
    }
}

static void entry_release(sigma_correlator *c, sg_centry *e)
{
    if (e->refs) {
        sg_cor_account(c, -(int64_t)(e->nrefs * sizeof *e->refs));
        free(e->refs);
        e->refs = NULL;
    }
}

void sg_cor_group_free(sigma_correlator *c, sg_cgroup *g)
{
    sg_cstate *s = &c->st[g->corr];
    sg_cgroup **pp = &s->buckets[g->hash & (s->nbuckets - 1)];
    while (*pp != g)
        pp = &(*pp)->hnext;
    *pp = g->hnext;
    s->count--;
    lru_unlink(s, g);
    if (g->heap_idx != UINT32_MAX)
        heap_remove(c, g);
    for (uint32_t i = g->head; i < g->len; i++)
        entry_release(c, &g->e[i]);
    if (g->e != inline_entries(g)) {
        sg_cor_account(c, -(int64_t)(g->cap * sizeof *g->e));
        free(g->e);
    }
    sg_cor_account(c, -(int64_t)group_bytes(g->key_len));
    free(g);
    c->stats.groups_live--;
}

void sg_cor_group_discard(sigma_correlator *c, sg_cgroup *g)
{
    sg_cor_group_free(c, g);
    c->stats.groups_created--;
}

static int rehash(sigma_correlator *c, sg_cstate *s)
{
    size_t n = s->nbuckets ? s->nbuckets * 2 : 16;
    sg_cgroup **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < s->nbuckets; i++)
        for (sg_cgroup *g = s->buckets[i], *next; g; g = next) {
            next = g->hnext;
            g->hnext = b[g->hash & (n - 1)];
            b[g->hash & (n - 1)] = g;
        }
    sg_cor_account(c, (int64_t)((n - s->nbuckets) * sizeof *b));
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
    return 0;
}

sg_cgroup *sg_cor_group_get(sigma_correlator *c, uint32_t ci, const char *key, uint32_t key_len)
{
    sg_cstate *s = &c->st[ci];
    uint64_t h = sg_hash_bytes(key, key_len);
    if (s->nbuckets)
        for (sg_cgroup *g = s->buckets[h & (s->nbuckets - 1)]; g; g = g->hnext)
            if (g->hash == h && g->key_len == key_len && memcmp(g->key, key, key_len) == 0)
                return g;
    /* A new group: make room first (least recently updated goes). */
    if (c->max_groups != SIGMA_CORRELATOR_UNLIMITED && s->count >= c->max_groups && s->lru_head) {
        sg_cor_group_free(c, s->lru_head);
        c->stats.groups_evicted++;
    }
    if (s->count + 1 > s->nbuckets && rehash(c, s) != 0)
        return NULL;
    if (s->deferred && c->heap_len == c->heap_cap) {
        size_t old = c->heap_cap;
        if (sg_grow((void **)&c->heap, &c->heap_cap, c->heap_len + 1, sizeof *c->heap) != 0)
            return NULL;
        sg_cor_account(c, (int64_t)((c->heap_cap - old) * sizeof *c->heap));
    }
    sg_cgroup *g = calloc(1, group_bytes(key_len));
    if (!g)
        return NULL;
    memcpy(g->key, key, key_len);
    g->key_len = key_len;
    g->hash = h;
    g->corr = ci;
    g->hnext = s->buckets[h & (s->nbuckets - 1)];
    s->buckets[h & (s->nbuckets - 1)] = g;
    s->count++;
    g->deadline = INT64_MAX;
    g->heap_idx = UINT32_MAX;
    g->e = inline_entries(g);
    g->cap = SG_CGROUP_INLINE;
    lru_append(s, g);
    if (s->deferred)
        heap_place(c, c->heap_len++, (sg_cheap_node){INT64_MAX, g});
    g->updated = c->now;
    sg_cor_account(c, (int64_t)group_bytes(key_len));
    c->stats.groups_live++;
    c->stats.groups_created++;
    return g;
}

void sg_cor_entries_drop_front(sigma_correlator *c, sg_cgroup *g, uint32_t n)
{
    for (uint32_t i = 0; i < n && g->head < g->len; i++)
        entry_release(c, &g->e[g->head++]);
    if (g->head == g->len)
        g->head = g->len = 0;
}

int sg_cor_entry_insert(sigma_correlator *c, sg_cgroup *g, const sg_centry *e)
{
    if (g->len - g->head >= c->max_events) {
        sg_cor_entries_drop_front(c, g, 1);
        c->stats.events_dropped++;
    }
    if (g->len == g->cap) {
        if (g->head > 0 && (g->head >= g->cap / 2 || g->cap >= c->max_events)) {
            /* compact instead of growing */
            memmove(g->e, g->e + g->head, (g->len - g->head) * sizeof *g->e);
            g->len -= g->head;
            g->head = 0;
        } else {
            /* doubling, but never past the per-group limit */
            size_t old = g->cap, cap = old * 2;
            if (c->max_events != SIGMA_CORRELATOR_UNLIMITED && cap > c->max_events)
                cap = c->max_events;
            if (cap <= g->len || cap > UINT32_MAX)
                return -1;
            int inl = g->e == inline_entries(g);
            sg_centry *ne = realloc(inl ? NULL : g->e, cap * sizeof *ne);
            if (!ne)
                return -1;
            if (inl) {
                memcpy(ne, g->e, g->len * sizeof *ne);
                old = 0; /* the inline entries are part of the group's bytes */
            }
            g->e = ne;
            g->cap = (uint32_t)cap;
            sg_cor_account(c, (int64_t)((cap - old) * sizeof *g->e));
        }
    }
    /* sorted by time, ties in arrival order: walk back from the end (usually no move) */
    uint32_t i = g->len;
    while (i > g->head && g->e[i - 1].t > e->t)
        i--;
    memmove(g->e + i + 1, g->e + i, (g->len - i) * sizeof *g->e);
    g->e[i] = *e;
    g->len++;
    return 0;
}

void sg_cor_free_all(sigma_correlator *c)
{
    for (uint32_t ci = 0; c->set && ci < c->set->n; ci++)
        while (c->st[ci].lru_head) {
            sg_cor_group_free(c, c->st[ci].lru_head);
            c->stats.groups_closed++;
        }
}
