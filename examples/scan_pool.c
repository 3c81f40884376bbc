/* scan_pool.c - batches of events matched by worker threads, handed back in
 * submission order (see scan_pool.h).
 *
 * The batches form a ring used strictly in turn: the reading thread fills batch
 * `next_fill`, the workers take batches in the same order (`next_take`), and the
 * reading thread takes them back from `next_out` once their state is DONE. A batch is
 * only touched by the thread that owns its current state, so one mutex guarding the
 * counters and states (and two condition variables) is all the locking there is.
 */
#include "scan_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { B_FREE, B_QUEUED, B_RUNNING, B_DONE };

typedef struct worker {
    scan_pool *pool;
    sigma_scratch *scratch;
    pthread_t thread;
    int started;
} worker;

struct scan_pool {
    const sigma_ruleset *rs;
    uint32_t match_flags;
    unsigned threads;
    size_t batch_size;
    scan_batch *batches;
    size_t n_batches;
    uint64_t next_fill, next_take, next_out;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* a batch was queued, or stop */
    pthread_cond_t done_cv; /* a batch is DONE */
    worker *workers;
    /* The reading thread's own scratch: with one thread it matches every batch at
     * submission; with more it matches queued batches while it waits for one. */
    sigma_scratch *inline_scratch;
};

static int reserve_hits(scan_batch *b, size_t extra)
{
    if (b->n_hits + extra <= b->hits_cap)
        return SIGMA_OK;
    size_t cap = b->hits_cap ? b->hits_cap : 1024;
    while (cap < b->n_hits + extra)
        cap *= 2;
    uint32_t *h = realloc(b->hits, cap * sizeof *h);
    if (!h)
        return SIGMA_E_NOMEM;
    b->hits = h;
    b->hits_cap = cap;
    return SIGMA_OK;
}

static void match_batch(const scan_pool *pool, sigma_scratch *scratch, scan_batch *b)
{
    b->n_hits = 0;
    for (size_t i = 0; i < b->n; i++) {
        scan_item *it = &b->items[i];
        it->hits_at = b->n_hits;
        it->n_hits = 0;
        it->match_rc = sigma_match(pool->rs, scratch, it->ev, pool->match_flags, NULL, NULL);
        if (it->match_rc != SIGMA_OK)
            continue;
        uint32_t n = sigma_scratch_hit_count(scratch);
        if (reserve_hits(b, n) != SIGMA_OK) {
            it->match_rc = SIGMA_E_NOMEM;
            continue;
        }
        for (uint32_t h = 0; h < n; h++)
            b->hits[b->n_hits++] = sigma_scratch_hit_rule(scratch, h);
        it->n_hits = n;
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    scan_pool *pool = w->pool;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (!pool->stop && pool->next_take == pool->next_fill)
            pthread_cond_wait(&pool->work_cv, &pool->mu);
        if (pool->next_take == pool->next_fill)
            break; /* stop, and nothing left */
        scan_batch *b = &pool->batches[pool->next_take % pool->n_batches];
        pool->next_take++;
        b->state = B_RUNNING;
        pthread_mutex_unlock(&pool->mu);
        match_batch(pool, w->scratch, b);
        pthread_mutex_lock(&pool->mu);
        b->state = B_DONE;
        pthread_cond_broadcast(&pool->done_cv);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

int scan_pool_new(const sigma_ruleset *rs, unsigned threads, size_t batch_size,
                  uint32_t match_flags, scan_pool **out)
{
    *out = NULL;
    if (!rs || batch_size == 0)
        return SIGMA_E_INVALID_ARG;
    if (threads < 1)
        threads = 1;
    if (threads > SCAN_POOL_MAX_THREADS)
        threads = SCAN_POOL_MAX_THREADS;
    scan_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return SIGMA_E_NOMEM;
    pool->rs = rs;
    pool->match_flags = match_flags;
    pool->threads = threads;
    pool->batch_size = batch_size;
    /* Enough batches in flight to keep every worker busy while the reader fills
     * the next one and the oldest waits for its output. */
    pool->n_batches = threads == 1 ? 1 : 3 * (size_t)threads;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->work_cv, NULL);
    pthread_cond_init(&pool->done_cv, NULL);
    int rc = SIGMA_E_NOMEM;
    pool->batches = calloc(pool->n_batches, sizeof *pool->batches);
    if (!pool->batches)
        goto fail;
    for (size_t i = 0; i < pool->n_batches; i++) {
        pool->batches[i].items = calloc(batch_size, sizeof(scan_item));
        if (!pool->batches[i].items)
            goto fail;
        pool->batches[i].cap = batch_size;
    }
    if ((rc = sigma_scratch_reserve(rs, &pool->inline_scratch)) != SIGMA_OK)
        goto fail;
    if (threads > 1) {
        pool->workers = calloc(threads, sizeof *pool->workers);
        if (!pool->workers)
            goto fail;
        for (unsigned i = 0; i < threads; i++) {
            worker *w = &pool->workers[i];
            w->pool = pool;
            if ((rc = sigma_scratch_reserve(rs, &w->scratch)) != SIGMA_OK)
                goto fail;
            if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
                rc = SIGMA_E_NOMEM;
                goto fail;
            }
            w->started = 1;
        }
    }
    *out = pool;
    return SIGMA_OK;
fail:
    scan_pool_free(pool);
    return rc;
}

void scan_pool_free(scan_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->mu);
    pool->stop = 1;
    pthread_cond_broadcast(&pool->work_cv);
    pthread_mutex_unlock(&pool->mu);
    if (pool->workers) {
        for (unsigned i = 0; i < pool->threads; i++) {
            if (pool->workers[i].started)
                pthread_join(pool->workers[i].thread, NULL);
            sigma_scratch_free(pool->workers[i].scratch);
        }
        free(pool->workers);
    }
    sigma_scratch_free(pool->inline_scratch);
    if (pool->batches) {
        for (size_t i = 0; i < pool->n_batches; i++) {
            scan_batch *b = &pool->batches[i];
            if (b->items)
                for (size_t j = 0; j < b->cap; j++)
                    sigma_event_free(b->items[j].ev);
            free(b->items);
            free(b->hits);
            free(b->text);
        }
        free(pool->batches);
    }
    pthread_cond_destroy(&pool->done_cv);
    pthread_cond_destroy(&pool->work_cv);
    pthread_mutex_destroy(&pool->mu);
    free(pool);
}

unsigned scan_pool_threads(const scan_pool *pool)
{
    return pool->threads;
}

scan_batch *scan_pool_free_batch(scan_pool *pool)
{
    /* next_fill and next_out only change on the reading thread. */
    if (pool->next_fill - pool->next_out >= pool->n_batches)
        return NULL;
    scan_batch *b = &pool->batches[pool->next_fill % pool->n_batches];
    b->n = 0;
    b->n_hits = 0;
    b->text_len = 0;
    b->source = NULL;
    return b;
}

sigma_event *scan_batch_add(scan_batch *b, uint64_t number, int *rc)
{
    *rc = SIGMA_OK;
    if (b->n == b->cap)
        return NULL;
    scan_item *it = &b->items[b->n];
    if (!it->ev) {
        *rc = sigma_event_new(&it->ev);
        if (*rc != SIGMA_OK)
            return NULL;
    } else {
        sigma_event_clear(it->ev);
    }
    it->number = number;
    it->match_rc = SIGMA_OK;
    it->hits_at = 0;
    it->n_hits = 0;
    it->channel = -1;
    it->has_time = 0;
    it->time_ms = 0;
    b->n++;
    return it->ev;
}

void scan_batch_set_time(scan_batch *b, int64_t ms)
{
    if (b->n) {
        b->items[b->n - 1].has_time = 1;
        b->items[b->n - 1].time_ms = ms;
    }
}

void scan_batch_drop_last(scan_batch *b)
{
    if (b->n)
        b->n--;
}

int scan_batch_full(const scan_batch *b)
{
    return b->n == b->cap;
}

int scan_batch_set_channel(scan_batch *b, const char *s)
{
    if (b->n == 0)
        return SIGMA_E_INVALID_ARG;
    size_t n = strlen(s);
    if (b->text_len + n + 1 > b->text_cap) {
        size_t cap = b->text_cap ? b->text_cap : 4096;
        while (cap < b->text_len + n + 1)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t)
            return SIGMA_E_NOMEM;
        b->text = t;
        b->text_cap = cap;
    }
    memcpy(b->text + b->text_len, s, n + 1);
    b->items[b->n - 1].channel = (ptrdiff_t)b->text_len;
    b->text_len += n + 1;
    return SIGMA_OK;
}

const char *scan_item_channel(const scan_batch *b, const scan_item *it)
{
    return it->channel < 0 ? NULL : b->text + it->channel;
}

void scan_pool_submit(scan_pool *pool, scan_batch *b)
{
    if (pool->threads == 1) {
        match_batch(pool, pool->inline_scratch, b);
        b->state = B_DONE;
        pool->next_fill++;
        return;
    }
    pthread_mutex_lock(&pool->mu);
    b->state = B_QUEUED;
    pool->next_fill++;
    pthread_cond_signal(&pool->work_cv);
    pthread_mutex_unlock(&pool->mu);
}

size_t scan_pool_in_flight(const scan_pool *pool)
{
    return (size_t)(pool->next_fill - pool->next_out);
}

scan_batch *scan_pool_next_done(scan_pool *pool, int wait)
{
    if (pool->next_out == pool->next_fill)
        return NULL;
    scan_batch *b = &pool->batches[pool->next_out % pool->n_batches];
    pthread_mutex_lock(&pool->mu);
    while (b->state != B_DONE && wait) {
        if (pool->next_take == pool->next_fill) {
            pthread_cond_wait(&pool->done_cv, &pool->mu);
            continue;
        }
        /* Rather than sit idle (or wait for a worker the scheduler has not run
         * yet), match the oldest queued batch here, as a worker would. */
        scan_batch *q = &pool->batches[pool->next_take % pool->n_batches];
        pool->next_take++;
        q->state = B_RUNNING;
        pthread_mutex_unlock(&pool->mu);
        match_batch(pool, pool->inline_scratch, q);
        pthread_mutex_lock(&pool->mu);
        q->state = B_DONE;
        pthread_cond_broadcast(&pool->done_cv);
    }
    int done = b->state == B_DONE;
    pthread_mutex_unlock(&pool->mu);
    return done ? b : NULL;
}

void scan_pool_release(scan_pool *pool, scan_batch *b)
{
    pthread_mutex_lock(&pool->mu);
    b->state = B_FREE;
    pool->next_out++;
    pthread_mutex_unlock(&pool->mu);
}
