/* scan_pool - sigma-scan's parallel matching: the reading thread fills batches of
 * events, worker threads match whole batches (one scratch each, one shared ruleset),
 * and the reading thread takes the batches back in the order it submitted them, so
 * the output is written in input order by one thread.
 *
 *   b = scan_pool_free_batch(pool)            a batch to fill (NULL: output one first)
 *   ev = scan_batch_add(b, number)            an event to fill for each input event
 *   scan_pool_submit(pool, b)                 hand it to the workers
 *   d = scan_pool_next_done(pool, wait)       the oldest submitted batch once matched
 *   ... read d's items (event, number, hits) ..., scan_pool_release(pool, d)
 *
 * With one thread no worker is started: scan_pool_submit matches the batch itself.
 * With more, a reading thread that has to wait for a batch matches queued batches
 * itself meanwhile.
 */
#ifndef SIGMA_EXAMPLES_SCAN_POOL_H
#define SIGMA_EXAMPLES_SCAN_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <sigma/sigma.h>

#define SCAN_POOL_MAX_THREADS 64

/* One event of a batch. */
typedef struct scan_item {
    sigma_event *ev;
    uint64_t number;   /* line or record number */
    int match_rc;      /* sigma_match's status */
    size_t hits_at;    /* first hit in the batch's hits */
    uint32_t n_hits;   /* rule indexes hit, in sigma_scratch_hit_rule order */
    ptrdiff_t channel; /* offset of the event's Channel in `text`, -1 if none */
    int has_time;      /* time_ms is set (correlation rules need the event's time) */
    int64_t time_ms;
} scan_item;

typedef struct scan_batch {
    scan_item *items;
    size_t n, cap;
    uint32_t *hits; /* rule indexes of all items' hits */
    size_t n_hits, hits_cap;
    char *text; /* NUL-terminated strings kept with the items (channels) */
    size_t text_len, text_cap;
    const void *source; /* the caller's tag for the input the batch came from */
    int state;          /* internal */
} scan_batch;

typedef struct scan_pool scan_pool;

/* `threads` is clamped to 1..SCAN_POOL_MAX_THREADS; `batch_size` events per batch.
 * Returns SIGMA_OK or a negative SIGMA_E_* status (*out NULL). */
int scan_pool_new(const sigma_ruleset *rs, unsigned threads, size_t batch_size,
                  uint32_t match_flags, scan_pool **out);
/* Stops the workers (waiting for batches in flight) and frees everything. */
void scan_pool_free(scan_pool *pool);

unsigned scan_pool_threads(const scan_pool *pool);

/* A batch to fill, emptied, or NULL when all are submitted or not yet released. */
scan_batch *scan_pool_free_batch(scan_pool *pool);
/* The next event of `b` (cleared), NULL when the batch is full; SIGMA_E_NOMEM is
 * reported through *rc (otherwise SIGMA_OK). */
sigma_event *scan_batch_add(scan_batch *b, uint64_t number, int *rc);
/* Drops the last event added (it could not be filled). */
void scan_batch_drop_last(scan_batch *b);
int scan_batch_full(const scan_batch *b);
/* Keeps a copy of s (NUL-terminated) as the last item's channel. SIGMA_OK or
 * SIGMA_E_NOMEM. */
int scan_batch_set_channel(scan_batch *b, const char *s);
/* Sets the last item's time (ms since the epoch). */
void scan_batch_set_time(scan_batch *b, int64_t ms);
const char *scan_item_channel(const scan_batch *b, const scan_item *it);

/* Hands the batch over for matching (an empty batch too: it keeps its place). */
void scan_pool_submit(scan_pool *pool, scan_batch *b);
/* Number of submitted batches not yet released. */
size_t scan_pool_in_flight(const scan_pool *pool);
/* The oldest submitted batch if it has been matched (waiting for it when `wait`),
 * else NULL (also when none is in flight). */
scan_batch *scan_pool_next_done(scan_pool *pool, int wait);
/* Gives a batch returned by scan_pool_next_done back for refilling. */
void scan_pool_release(scan_pool *pool, scan_batch *b);

#endif
