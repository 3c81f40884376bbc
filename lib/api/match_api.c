/* Public matching entry points: scratch lifetime, match, hits. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "match/eval.h"

struct sigma_hit {
    const sigma_ruleset *rs;
    uint32_t rule;
    size_t event; /* index in the batch (sigma_match_batch), else 0 */
};

int sigma_scratch_reserve(const sigma_ruleset *rs, sigma_scratch **scratch)
{
    if (!rs || !scratch)
        return SIGMA_E_INVALID_ARG;
    sigma_scratch *s = *scratch;
    if (!s && !(s = calloc(1, sizeof *s)))
        return SIGMA_E_NOMEM;
    int rc = sg_scratch_fit(s, rs);
    if (rc != SIGMA_OK && !*scratch) {
        sigma_scratch_free(s);
        return rc;
    }
    *scratch = s;
    return rc;
}

void sigma_scratch_free(sigma_scratch *s)
{
    if (!s)
        return;
    free(s->pred_gen);
    free(s->pred_val);
    free(s->slot_gen);
    free(s->slot_head);
    free(s->val_gen);
    free(s->val_off);
    free(s->jobs);
    sg_huge_free(&s->huge, s->names);
    sg_huge_free(&s->huge, s->scan_memo);
    free(s->run_log.v);
    sg_huge_free(&s->huge, s->scan_ring.bytes);
    sg_huge_release(&s->huge);
    free(s->val_len);
    free(s->hits);
    free(s->cand);
    free(s->cand_groups);
    free(s->pred_seen);
    free(s->node_seen);
    free(s->res_gen);
    free(s->res_val);
    free(s->route_hits);
    free(s->cond_field);
    free(s->extra_scan);
    free(s->route_slots);
    free(s->ls_mask);
    free(s->ev_slot);
    sg_buf_free(&s->ls_key);
    sg_buf_free(&s->fold);
    pcre2_match_data_free(s->md);
    free(s);
}

uint32_t sigma_hit_rule(const sigma_hit *hit)
{
    return hit ? hit->rule : UINT32_MAX;
}

const sigma_ruleset *sigma_hit_ruleset(const sigma_hit *hit)
{
    return hit ? hit->rs : NULL;
}

size_t sigma_hit_event(const sigma_hit *hit)
{
    return hit ? hit->event : SIZE_MAX;
}

/* The flags sigma_match and sigma_match_batch accept. */
static int valid_flags(uint32_t flags)
{
    return !(flags & ~(uint32_t)(SIGMA_MATCH_NO_INDEX | SIGMA_MATCH_STRICT_LOGSOURCE));
}

/* One event of a match call or batch (the scratch is taken): its hits go to on_hit
 * as event number `event`. */
static int match_one(const sigma_ruleset *rs, sigma_scratch *scratch, const sigma_event *ev,
                     size_t event, uint32_t flags, sigma_hit_fn on_hit, void *user_data)
{
    int rc = sg_eval_event(rs, scratch, ev, flags);
    for (uint32_t i = 0; rc == SIGMA_OK && on_hit && i < scratch->nhits; i++) {
        sigma_hit hit = {rs, scratch->hits[i], event};
        if (on_hit(&hit, user_data) != 0)
            rc = SIGMA_E_TERMINATED;
    }
    return rc;
}

int sigma_match(const sigma_ruleset *rs, sigma_scratch *scratch, const sigma_event *ev,
                uint32_t flags, sigma_hit_fn on_hit, void *user_data)
{
    if (!rs || !scratch || !ev || !valid_flags(flags))
        return SIGMA_E_INVALID_ARG;
    if (scratch->busy)
        return SIGMA_E_SCRATCH; /* used from a callback or by two threads at once */
    scratch->busy = 1;
    int rc = match_one(rs, scratch, ev, 0, flags, on_hit, user_data);
    scratch->busy = 0;
    return rc;
}

int sigma_match_batch(const sigma_ruleset *rs, sigma_scratch *scratch,
                      const sigma_event *const *events, size_t n, uint32_t flags,
                      sigma_hit_fn on_hit, void *user_data)
{
    if (!rs || !scratch || (!events && n) || !valid_flags(flags))
        return SIGMA_E_INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (!events[i])
            return SIGMA_E_INVALID_ARG;
    if (scratch->busy)
        return SIGMA_E_SCRATCH;
    scratch->busy = 1;
    int rc = SIGMA_OK;
    if (n > 1)
        sg_event_prefetch_head(events[1]);
    for (size_t i = 0; rc == SIGMA_OK && i < n; i++) {
        /* asked for now, the next event's lines arrive while this one is matched
         * (sg_eval_event asks again for its own: by then, they are in cache); the
         * event after that one's first lines, so that this prefetch finds them */
        if (i + 2 < n)
            sg_event_prefetch_head(events[i + 2]);
        if (i + 1 < n)
            sg_event_prefetch(events[i + 1],
                              sg_event_names_unread(events[i + 1], rs, rs->routing.n != 0));
        rc = match_one(rs, scratch, events[i], i, flags, on_hit, user_data);
    }
    scratch->busy = 0;
    return rc;
}

uint32_t sigma_scratch_hit_count(const sigma_scratch *scratch)
{
    return scratch ? scratch->nhits : 0;
}

uint32_t sigma_scratch_hit_rule(const sigma_scratch *scratch, uint32_t i)
{
    return scratch && i < scratch->nhits ? scratch->hits[i] : UINT32_MAX;
}

size_t sigma_scratch_huge_page_bytes(const sigma_scratch *scratch)
{
    return scratch ? scratch->huge.used : 0;
}

int sigma_scratch_get_stats(const sigma_scratch *scratch, sigma_scratch_stats *stats)
{
    if (!scratch || !stats)
        return SIGMA_E_INVALID_ARG;
    if (stats->size < offsetof(sigma_scratch_stats, events) + sizeof stats->events)
        return SIGMA_E_SIZE;
    stats->events = scratch->stat_events;
    if (stats->size >= offsetof(sigma_scratch_stats, candidates) + sizeof stats->candidates)
        stats->candidates = scratch->stat_candidates;
    if (stats->size >= offsetof(sigma_scratch_stats, hits) + sizeof stats->hits)
        stats->hits = scratch->stat_hits;
    if (stats->size >= offsetof(sigma_scratch_stats, values_scanned) + sizeof stats->values_scanned)
        stats->values_scanned = scratch->stat_scanned;
    if (stats->size >=
        offsetof(sigma_scratch_stats, values_replayed) + sizeof stats->values_replayed)
        stats->values_replayed = scratch->stat_replayed;
    return SIGMA_OK;
}
