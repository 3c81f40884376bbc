/* Evaluating a ruleset against one event, with the per-thread scratch. */
#ifndef SG_MATCH_EVAL_H
#define SG_MATCH_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "compile/ruleset.h"
#include "event/event.h"
#include "index/index.h"
#include "match/name_memo.h"
#include "match/scan_memo.h"
#include "util/vec.h"

/* Runs a scratch logs per call for its scan memo; an event whose scan marks more
 * (rare: 60 marks per event on the corpus) is simply not remembered past them. */
#define SG_RUN_LOG_CAP 1024

/* Per-thread working memory. Arrays indexed by predicate id, field slot and event
 * value index carry a generation stamp, so starting a new match call costs one
 * increment instead of clearing them. */
struct sigma_scratch {
    /* The memos and the ring (fixed sizes, never grown) in one mapping advised
     * to use huge pages, with the ruleset's SIGMA_PARAM_HUGE_PAGES: each event
     * looks up a dozen entries at random in 830 KB, which 4 KB pages spread over
     * more translation entries than stay cached while the events stream by
     * (in-process A/B: 0.988, 0.984, 0.990 of the time per event). */
    sg_huge_region huge;
    uint32_t gen;
    uint32_t pred_cap, slot_cap, val_cap;
    uint32_t *pred_gen; /* memo: pred_val valid when pred_gen == gen */
    uint8_t *pred_val;
    /* field slot -> the first value (SG_NONE: none) of the event field in it this
     * call (slot_head), when slot_gen == gen: what matching reads of a field */
    uint32_t *slot_gen;
    uint32_t *slot_head;
    uint32_t *val_gen; /* event value -> folded text in `fold` this call */
    size_t *val_off;
    size_t *val_len;
    sg_buf fold;
    uint32_t *hits;
    uint32_t nhits, hits_cap;
    /* Candidate rules of this call (bitset, ruleset's nwords), all zero between
     * calls: a call sets words through cand_groups and the candidate loop clears
     * each word it reads, so that no call clears or copies the whole bitset (473
     * words with 30,240 rules). cand_dirty: a call stopped before its loop. */
    uint64_t *cand;
    uint64_t *cand_groups; /* a bit per word of cand that may be non-zero */
    uint32_t groups_cap;
    uint8_t cand_dirty;
    uint64_t *ls_mask; /* rules fitting ls_key's logsource (cached across calls) */
    uint32_t words_cap;
    uint32_t *pred_seen; /* predicate -> gen when its index key occurred in this event */
    uint32_t pred_seen_cap;
    uint32_t *node_seen; /* gated OR node (gate id) -> gen when marked by this event's scan */
    uint32_t node_seen_cap;
    uint32_t *res_gen; /* residual id (sg_untouched.rid) -> gen when res_val holds its verdict */
    uint8_t *res_val;
    uint32_t res_cap;
    sg_buf ls_key;              /* "product\0category\0service" of the cached mask */
    const sigma_ruleset *ls_rs; /* ruleset the cached mask belongs to */
    uint32_t *ev_slot;          /* event field index -> field slot (SG_NONE if unused) */
    sg_name_memo *names;        /* SG_NAME_MEMO_SIZE entries (match/name_memo.h) */
    sg_scan_memo *scan_memo;    /* SG_SCAN_MEMO_SIZE entries (match/scan_memo.h) */
    sg_scan_ring scan_ring;     /* their long values' bytes */
    uint64_t scan_memo_fp;      /* scan_fp of the index they belong to */
    uint32_t scan_memo_gen;     /* generation of the valid entries */
    sg_run_log run_log;         /* the runs this call's scan marked (SG_RUN_LOG_CAP) */
    uint32_t names_gen;         /* generation of the valid entries */
    uint64_t names_fp;          /* field_fp of the dictionary they belong to */
    uint32_t ev_slot_cap;
    uint64_t stat_events, stat_candidates, stat_hits;
    uint64_t stat_scanned, stat_replayed; /* text values scanned / replayed from the memo */
    /* routing (see index/routing.h) */
    uint32_t *route_hits; /* routes the event was recognised by this call */
    uint32_t nroute_hits, route_cap;
    uint32_t *cond_field; /* per distinct condition field: event field index or SG_NONE */
    uint32_t cond_cap;
    uint32_t *extra_scan; /* (event field, slot) pairs from renames, for the prefilter */
    uint32_t nextra, extra_cap;
    sg_scan_job *jobs; /* the prefilter's folded values to scan, in one call */
    uint32_t njobs, jobs_cap;
    uint64_t *route_slots; /* union of the matched routes' slot sets */
    uint32_t route_slot_words;
    pcre2_match_data *md;
    int busy;
};

/* Grows the scratch for rs. SIGMA_OK or SIGMA_E_NOMEM. */
int sg_scratch_fit(sigma_scratch *s, const sigma_ruleset *rs);

/* Collects the indexes of matching rules in s->hits (ascending). SIGMA_OK,
 * SIGMA_E_SCRATCH or SIGMA_E_NOMEM. */
int sg_eval_event(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev, uint32_t flags);

/* Explain support (lib/introspect), not the hot path. sg_eval_prepare resolves ev's
 * fields for rs as sg_eval_event does (slots, the mapping's renames) without
 * evaluating any rule; then sg_eval_pred_explain tests one predicate, without the
 * prefilter, and sets *vi_out to the event value index that satisfied it (SG_EVAL_MESSAGE:
 * the raw message; UINT32_MAX: none, e.g. exists/null/missing). 1 held, 0 not. */
#define SG_EVAL_MESSAGE (UINT32_MAX - 1)
int sg_eval_prepare(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev);
int sg_eval_pred_explain(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev,
                         uint32_t id, uint32_t *vi_out);

/* Sets in `rules` (a bitset over rule indexes) the rules that match an event
 * without any field, value or message. 0 or -1 (no memory). */
int sg_eval_empty_event(const sigma_ruleset *rs, uint64_t *rules);

#endif
