/* The match loop: resolve event fields to slots, evaluate each rule's program with
 * short-circuit, each interned predicate at most once, each event value folded at
 * most once (sigma-semantics.md §2.3-2.5 for missing/null/array/number rules). */
#include "match/eval.h"

#include "match/number.h"
#include "match/timepart.h"
#include "util/bytes.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct eval_ctx {
    const sigma_ruleset *rs;
    sigma_scratch *s;
    const sigma_event *ev;
    sg_scan_marks marks;
    int use_pred_seen;           /* the prefilter ran: unmarked keyed predicates are false */
    const uint64_t *route_slots; /* routed event: slots worth scanning; NULL = all */
    /* Read for every predicate and OR node: the index's tables when use_pred_seen,
     * else NULL (one load and test instead of the flag and the ruleset's fields). */
    const uint64_t *pred_keyed;
    const uint32_t *node_gate;
    /* The scratch's per-predicate memo and the generation, read for every
     * predicate (copies: one load each instead of two). */
    uint32_t gen;
    const uint32_t *pred_gen;
    const uint8_t *pred_val;
    const uint32_t *pred_seen;
    uint32_t memo_gen; /* the scan memo's generation (set by prefilter) */
    /* what sigma_event_bind kept of the fields, when resolve_fields read it */
    const sg_bound_field *bound;
} eval_ctx;

/* A context for evaluating ev against rs with scratch s (after begin_event). */
static eval_ctx make_ctx(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev)
{
    eval_ctx c = {.rs = rs,
                  .s = s,
                  .ev = ev,
                  .gen = s->gen,
                  .pred_gen = s->pred_gen,
                  .pred_val = s->pred_val,
                  .pred_seen = s->pred_seen};
    return c;
}

/* ------------------------------------------------------------------ scratch */

static int grow_u32(uint32_t **a, uint32_t need)
{
    uint32_t *p = realloc(*a, (size_t)(need ? need : 1) * sizeof **a);
    if (!p)
        return -1;
    *a = p;
    return 0;
}

/* Zeroed bytes (a multiple of 64) starting at a cache line: the memos' entries are
 * whole lines, and calloc's 16-byte alignment split each across two (in-process
 * A/B, both memos aligned: 0.987, 0.990, 0.988; with the scan memo's second line
 * prefetched too, queue_field: 0.986, 0.989, 0.998). */
static void *zalloc_lines(size_t bytes)
{
    void *p = aligned_alloc(64, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

/* Grows a zero-filled array of `elem`-byte items from *cap to need items. Always
 * leaves a non-NULL array (at least one item), so later memset/memcpy calls never
 * see NULL even for an empty ruleset. */
static int fit_array(void **a, uint32_t *cap, uint32_t need, size_t elem)
{
    if (*a && need <= *cap)
        return 0;
    size_t n = need ? need : 1;
    void *p = realloc(*a, n * elem);
    if (!p)
        return -1;
    memset((char *)p + (size_t)*cap * elem, 0, (n - *cap) * elem);
    *a = p;
    *cap = (uint32_t)n;
    return 0;
}

int sg_scratch_fit(sigma_scratch *s, const sigma_ruleset *rs)
{
    const sg_index *ix = &rs->index;
    uint32_t pred_cap = s->pred_cap, slot_cap = s->slot_cap, words = s->words_cap;
    uint32_t hits = s->hits_cap, res_cap = s->res_cap;
    if (fit_array((void **)&s->pred_val, &pred_cap, rs->npreds, 1) ||
        fit_array((void **)&s->pred_gen, &s->pred_cap, rs->npreds, sizeof(uint32_t)) ||
        fit_array((void **)&s->slot_head, &slot_cap, rs->nfields, sizeof(uint32_t)) ||
        fit_array((void **)&s->slot_gen, &s->slot_cap, rs->nfields, sizeof(uint32_t)) ||
        fit_array((void **)&s->node_seen, &s->node_seen_cap, ix->ngates, sizeof(uint32_t)) ||
        fit_array((void **)&s->res_val, &res_cap, ix->nresiduals, 1) ||
        fit_array((void **)&s->res_gen, &s->res_cap, ix->nresiduals, sizeof(uint32_t)) ||
        fit_array((void **)&s->pred_seen, &s->pred_seen_cap, rs->npreds, sizeof(uint32_t)) ||
        fit_array((void **)&s->ls_mask, &words, ix->nwords, sizeof(uint64_t)) ||
        fit_array((void **)&s->cand, &s->words_cap, ix->nwords, sizeof(uint64_t)) ||
        fit_array((void **)&s->cand_groups, &s->groups_cap, ix->ngroup_words, sizeof(uint64_t)) ||
        fit_array((void **)&s->hits, &hits, rs->nrules, sizeof(uint32_t)))
        return SIGMA_E_NOMEM;
    s->hits_cap = hits;
    s->ls_rs = NULL; /* the cached logsource mask may be for another ruleset */
    const sg_routing *rt = &rs->routing;
    uint32_t rcap = s->route_cap, ecap = s->extra_cap;
    if (fit_array((void **)&s->route_hits, &rcap, (uint32_t)rt->n, sizeof(uint32_t)) ||
        fit_array((void **)&s->cond_field, &s->cond_cap, rt->ncond_fields, sizeof(uint32_t)) ||
        fit_array((void **)&s->extra_scan, &ecap, (uint32_t)(2 * rt->n * rt->max_renames),
                  sizeof(uint32_t)))
        return SIGMA_E_NOMEM;
    s->route_cap = rcap;
    s->extra_cap = ecap;
    if (fit_array((void **)&s->route_slots, &s->route_slot_words, rt->nslot_words,
                  sizeof(uint64_t)))
        return SIGMA_E_NOMEM;
    if (!s->md && !(s->md = pcre2_match_data_create(1, NULL)))
        return SIGMA_E_NOMEM;
    if (!s->names && !(s->names = zalloc_lines(SG_NAME_MEMO_SIZE * sizeof *s->names)))
        return SIGMA_E_NOMEM;
    if (!s->scan_memo && !(s->scan_memo = zalloc_lines(SG_SCAN_MEMO_SIZE * sizeof *s->scan_memo)))
        return SIGMA_E_NOMEM;
    if (!s->scan_ring.bytes && !(s->scan_ring.bytes = malloc(SG_SCAN_RING)))
        return SIGMA_E_NOMEM;
    if (!s->run_log.v) {
        if (!(s->run_log.v = malloc(SG_RUN_LOG_CAP * sizeof *s->run_log.v)))
            return SIGMA_E_NOMEM;
        s->run_log.cap = SG_RUN_LOG_CAP;
    }
    if (rs->huge_pages && !s->huge.base) {
        const sg_huge_array memos[] = {
            {(void **)&s->names, SG_NAME_MEMO_SIZE * sizeof *s->names, 0},
            {(void **)&s->scan_memo, SG_SCAN_MEMO_SIZE * sizeof *s->scan_memo, 0},
            {(void **)&s->scan_ring.bytes, SG_SCAN_RING, 0}};
        /* whatever their size; the ruleset-sized arrays may grow (realloc) and
         * so stay where they are */
        sg_huge_move(&s->huge, memos, sizeof memos / sizeof memos[0], 1);
    }
    return SIGMA_OK;
}

/* Value cache for events larger than any seen before (grows once, then reused). */
static int fit_values(sigma_scratch *s, uint32_t need)
{
    if (need <= s->val_cap)
        return 0;
    uint32_t cap = s->val_cap ? s->val_cap : 32;
    while (cap < need)
        cap *= 2;
    size_t *off = realloc(s->val_off, cap * sizeof *off);
    if (off)
        s->val_off = off;
    size_t *len = realloc(s->val_len, cap * sizeof *len);
    if (len)
        s->val_len = len;
    if (!off || !len || grow_u32(&s->val_gen, cap))
        return -1;
    memset(s->val_gen + s->val_cap, 0, (cap - s->val_cap) * sizeof(uint32_t));
    s->val_cap = cap;
    return 0;
}

/* Starts a new match call: bumps the generation, clearing every stamp on wrap. */
static void next_generation(sigma_scratch *s)
{
    if (++s->gen == 0) {
        memset(s->pred_gen, 0, s->pred_cap * sizeof(uint32_t));
        memset(s->slot_gen, 0, s->slot_cap * sizeof(uint32_t));
        memset(s->val_gen, 0, s->val_cap * sizeof(uint32_t));
        memset(s->pred_seen, 0, s->pred_seen_cap * sizeof(uint32_t));
        memset(s->node_seen, 0, s->node_seen_cap * sizeof(uint32_t));
        memset(s->res_gen, 0, s->res_cap * sizeof(uint32_t));
        s->gen = 1;
    }
    sg_buf_clear(&s->fold);
}

/* ---------------------------------------------------------- value helpers */

/* Canonical text of a non-string value (§2.5): decimal ints, shortest round-trip
 * floats, true/false. Returns the length written to buf (cap >= 32). */
static size_t render_scalar(const sg_value *v, char *buf, size_t cap)
{
    int n = 0;
    switch (v->type) {
    case SG_VAL_INT: {
        /* Decimal digits by hand, two at a time: numbers are common event values
         * (ids, ports) and snprintf is slow; the same text as "%lld". */
        static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                    "25262728293031323334353637383940414243444546474849"
                                    "50515253545556575859606162636465666768697071727374"
                                    "75767778798081828384858687888990919293949596979899";
        /* The digits end at tmp[24] (the NUL); the text is then moved with one
         * fixed 24-byte copy (a few moves, where a copy of the exact length is a
         * memcpy call): buf has room (cap >= 32), the bytes after the NUL are junk. */
        char tmp[48];
        size_t k = 24;
        tmp[k] = '\0';
        uint64_t u = v->i < 0 ? 0 - (uint64_t)v->i : (uint64_t)v->i;
        for (; u >= 10; u /= 100) {
            const unsigned d = (unsigned)(u % 100) * 2;
            tmp[--k] = pairs[d + 1];
            tmp[--k] = pairs[d];
        }
        if (u || k == 24) /* one digit left, or the value is 0 */
            tmp[--k] = (char)('0' + u);
        if (v->i < 0)
            tmp[--k] = '-';
        memcpy(buf, tmp + k, 24);
        n = (int)(24 - k);
        break;
    }
    case SG_VAL_FLOAT:
        if (!isfinite(v->f)) {
            n = snprintf(buf, cap, "%s", isnan(v->f) ? "nan" : v->f > 0 ? "inf" : "-inf");
            break;
        }
        for (int prec = 1; prec <= 17; prec++) {
            n = snprintf(buf, cap, "%.*g", prec, v->f);
            if (strtod(buf, NULL) == v->f)
                break;
        }
        break;
    case SG_VAL_BOOL:
        n = snprintf(buf, cap, "%s", v->b ? "true" : "false");
        break;
    default:
        n = 0;
    }
    return n < 0 ? 0 : (size_t)n;
}

/* Raw text of a value: the string itself or its rendering into buf. */
static const char *raw_text(const sg_value *v, char *buf, size_t cap, size_t *len)
{
    if (v->type == SG_VAL_STR) {
        *len = v->len;
        return v->s;
    }
    *len = render_scalar(v, buf, cap);
    return buf;
}

/* Room reserved in the fold buffer for a rendered number or boolean. */
enum { RENDER_CAP = 64 };

/* SG_SCAN_PAD zero bytes after the folded text that ends the buffer: the index
 * scan's vector loads read that far past a value's end. Every fold writes them. */
static inline int pad_fold(sg_buf *b)
{
    if (b->cap - b->len < SG_SCAN_PAD && sg_buf_reserve(b, SG_SCAN_PAD) != 0)
        return -1;
    memset(b->data + b->len, 0, SG_SCAN_PAD);
    return 0;
}

/* Folds text[0, len) or, when v is a number or boolean, v's rendering into the
 * per-call cache at `slot`, followed by the scan's zero bytes. Numbers and booleans
 * are rendered straight into the buffer: their text (digits, "-+.e", inf, nan,
 * true, false) is already folded. (Leaving strings that fold to themselves uncopied
 * was tried: checking for that costs more than the copy it saves.) Inline in its
 * two callers: the index scan folds nearly every value, once. 0 or -1 (no memory). */
static SG_ALWAYS_INLINE int fold_store(sigma_scratch *s, const sg_value *v, const char *text,
                                       size_t len, uint32_t slot)
{
    const size_t off = s->fold.len;
    if (v && v->type != SG_VAL_STR) {
        if (s->fold.cap - off <= RENDER_CAP && sg_buf_reserve(&s->fold, RENDER_CAP) != 0)
            return -1;
        s->fold.len += render_scalar(v, s->fold.data + off, RENDER_CAP);
    } else if (sg_fold_append(text, len, &s->fold) != 0) {
        return -1;
    }
    if (pad_fold(&s->fold) != 0)
        return -1;
    s->val_off[slot] = off;
    s->val_len[slot] = s->fold.len - off;
    s->val_gen[slot] = s->gen;
    return 0;
}

/* fold_store for event value vi (SG_NONE = the raw message, stored at `slot`). */
static SG_NOINLINE int fold_value(eval_ctx *c, uint32_t vi, uint32_t slot)
{
    if (vi == SG_NONE)
        return fold_store(c->s, NULL, c->ev->message, c->ev->message_len, slot);
    const sg_value *v = &c->ev->values[vi];
    return fold_store(c->s, v, v->s, v->len, slot);
}

/* Folded text of event value `vi` (SG_NONE = the raw message), cached per call.
 * The pointer is valid until the next fold of another value (the buffer may move). */
static inline const char *folded_text(eval_ctx *c, uint32_t vi, size_t *len)
{
    sigma_scratch *s = c->s;
    const uint32_t slot = vi == SG_NONE ? c->ev->nvalues : vi;
    if (s->val_gen[slot] != s->gen && fold_value(c, vi, slot) != 0)
        return NULL;
    *len = s->val_len[slot];
    return s->fold.data + s->val_off[slot];
}

/* Numeric value of an event value: numbers, or strings that are whole decimals. */
static int value_number(const sg_value *v, sg_number *out)
{
    if (v->type == SG_VAL_INT)
        *out = sg_number_int(v->i);
    else if (v->type == SG_VAL_FLOAT)
        *out = sg_number_real(v->f);
    else
        return v->type == SG_VAL_STR && sg_parse_decimal(v->s, v->len, out);
    return 1;
}

static int value_equals_bool(const sg_value *v, int b)
{
    if (v->type == SG_VAL_BOOL)
        return v->b == b;
    if (v->type == SG_VAL_STR) {
        const char *want = b ? "true" : "false";
        return v->len == strlen(want) && strncasecmp(v->s, want, v->len) == 0;
    }
    return 0;
}

/* ------------------------------------------------------------- predicates */

/* Tests one value against a string/regex predicate. vi == SG_NONE: the message. */
static int test_text(eval_ctx *c, const sg_pred *p, uint32_t vi)
{
    const sg_value *v = vi == SG_NONE ? NULL : &c->ev->values[vi];
    if (v && v->type == SG_VAL_NULL)
        return 0;
    if (p->op == SG_OP_STR && !p->sm.cased) {
        if (p->sm.kind == SG_SM_ANY)
            return 1;
        size_t len;
        const char *t = folded_text(c, vi, &len);
        return t && sg_strmatch_exec(&p->sm, t, len);
    }
    char buf[64];
    size_t len;
    const char *t = v ? raw_text(v, buf, sizeof buf, &len) : c->ev->message;
    if (!v)
        len = c->ev->message_len;
    if (p->op == SG_OP_STR)
        return sg_strmatch_exec(&p->sm, t, len);
    if (!sg_regex_guard_passes(&p->guard, t, len))
        return 0;
    const int seq = p->seq ? sg_regex_seq_match(p->seq, t, len) : -1;
    return seq >= 0 ? seq : sg_regex_search(p->re, t, len, c->s->md, c->rs->mctx);
}

/* event value `cmp` rule number */
static int compare(const sg_number *x, sg_num_cmp cmp, const sg_number *y)
{
    /* NaN is unordered: it equals nothing and no comparison with it holds (so `neq`,
     * a negated equality, is true), which is also what the index assumes (a NaN
     * value gives no integer key). */
    if ((!x->is_int && isnan(x->d)) || (!y->is_int && isnan(y->d)))
        return 0;
    int c = sg_number_cmp(x, y);
    switch (cmp) {
    case SG_NUM_GT:
        return c > 0;
    case SG_NUM_GTE:
        return c >= 0;
    case SG_NUM_LT:
        return c < 0;
    case SG_NUM_LTE:
        return c <= 0;
    default:
        return c == 0;
    }
}

static int test_value(eval_ctx *c, const sg_pred *p, uint32_t vi)
{
    const sg_value *v = &c->ev->values[vi];
    sg_number x;
    int64_t part;
    switch (p->op) {
    case SG_OP_NUM:
    case SG_OP_NUMCMP:
        return value_number(v, &x) && compare(&x, p->cmp, &p->num);
    case SG_OP_TIMEPART:
        if (v->type != SG_VAL_STR || !sg_time_part(v->s, v->len, p->part, &part))
            return 0;
        x = sg_number_int(part);
        return compare(&x, p->cmp, &p->num);
    case SG_OP_CIDR:
        return v->type == SG_VAL_STR && sg_cidr_match(&p->cidr, v->s, v->len);
    case SG_OP_STR:
    case SG_OP_REGEX:
        return test_text(c, p, vi);
    case SG_OP_BOOL:
        return value_equals_bool(v, p->bval);
    case SG_OP_NULL:
        return v->type == SG_VAL_NULL;
    default:
        return 0;
    }
}

/* Keyword search: any leaf value of the event, or the raw message. */
static int eval_keyword(eval_ctx *c, const sg_pred *p)
{
    for (uint32_t vi = 0; vi < c->ev->nvalues; vi++)
        if (test_value(c, p, vi))
            return 1;
    return c->ev->message && test_text(c, p, SG_NONE);
}

/* Text of value vi for comparisons: folded (cached) or raw into buf. */
static const char *compare_text(eval_ctx *c, uint32_t vi, int cased, char *buf, size_t *len)
{
    if (!cased)
        return folded_text(c, vi, len);
    return raw_text(&c->ev->values[vi], buf, 64, len);
}

/* fieldref: some value of the field equals (or contains / starts / ends with)
 * some value of the referenced field (§4.2). *held (if not NULL) = the field's
 * value that did. */
static int eval_fieldref(eval_ctx *c, const sg_pred *p, uint32_t head, uint32_t *held)
{
    const sigma_scratch *s = c->s;
    if (s->slot_gen[p->ref_field] != s->gen)
        return 0;
    const uint32_t ref_head = s->slot_head[p->ref_field];
    const int cased = (p->flags & SG_PF_CASED) != 0;
    const int prefix = (p->flags & SG_PF_REF_PREFIX) != 0,
              suffix = (p->flags & SG_PF_REF_SUFFIX) != 0;
    for (uint32_t a = head; a != SG_NONE; a = c->ev->values[a].next) {
        for (uint32_t b = ref_head; b != SG_NONE; b = c->ev->values[b].next) {
            if (c->ev->values[a].type == SG_VAL_NULL || c->ev->values[b].type == SG_VAL_NULL)
                continue;
            char abuf[64], bbuf[64];
            size_t alen, blen;
            /* Fetch b first, then a again: folding b may move the fold buffer. */
            if (!compare_text(c, a, cased, abuf, &alen) || !compare_text(c, b, cased, bbuf, &blen))
                return 0;
            const char *at = compare_text(c, a, cased, abuf, &alen);
            const char *bt = compare_text(c, b, cased, bbuf, &blen);
            int hit;
            if (prefix && suffix)
                hit = blen == 0 || (blen <= alen && memmem(at, alen, bt, blen) != NULL);
            else if (prefix)
                hit = blen <= alen && memcmp(at, bt, blen) == 0;
            else if (suffix)
                hit = blen <= alen && memcmp(at + alen - blen, bt, blen) == 0;
            else
                hit = alen == blen && memcmp(at, bt, blen) == 0;
            if (hit) {
                if (held)
                    *held = a;
                return 1;
            }
        }
    }
    return 0;
}

/* Inline in pred_compute (its only hot caller): most predicates are case-folded
 * string matches, tested here against the folded values without the calls through
 * test_value and test_text (which give the same answer). */
static SG_ALWAYS_INLINE int eval_field(eval_ctx *c, const sg_pred *p)
{
    const sigma_scratch *s = c->s;
    const int present = s->slot_gen[p->field] == s->gen;
    if (p->op == SG_OP_EXISTS)
        return present == (p->bval != 0);
    if (!present)
        return p->op == SG_OP_NULL; /* missing: only the null test holds */
    const uint32_t head = s->slot_head[p->field];
    const sg_value *values = c->ev->values;
    if (p->op == SG_OP_STR && !p->sm.cased && p->sm.kind != SG_SM_ANY) {
        for (uint32_t vi = head; vi != SG_NONE; vi = values[vi].next) {
            if (values[vi].type == SG_VAL_NULL)
                continue;
            size_t len;
            const char *t = folded_text(c, vi, &len);
            if (t && sg_strmatch_exec(&p->sm, t, len))
                return 1;
        }
        return 0;
    }
    if (p->op == SG_OP_NULL && head == SG_NONE)
        return 1; /* present as an empty list */
    if (p->op == SG_OP_FIELDREF)
        return eval_fieldref(c, p, head, NULL);
    for (uint32_t vi = head; vi != SG_NONE; vi = values[vi].next)
        if (test_value(c, p, vi))
            return 1; /* any element of a multi-valued field */
    return 0;
}

/* The slow part of a predicate: looking at the event's values. Kept out of line so
 * that the program walk stays small. */
static SG_NOINLINE int pred_compute(eval_ctx *c, uint32_t id)
{
    const sg_pred *p = &c->rs->preds[id];
    int r = p->field == SG_KEYWORD_FIELD ? eval_keyword(c, p) : eval_field(c, p);
    c->s->pred_gen[id] = c->s->gen;
    c->s->pred_val[id] = (uint8_t)r;
    return r;
}

static inline int pred_value(eval_ctx *c, uint32_t id)
{
    if (c->pred_gen[id] == c->gen)
        return c->pred_val[id]; /* memoized this call */
    if (c->pred_keyed && ((c->pred_keyed[id >> 6] >> (id & 63)) & 1) && c->pred_seen[id] != c->gen)
        return 0; /* its literal occurs nowhere in the field: no value can match */
    return pred_compute(c, id);
}

/* ---------------------------------------------------------------- programs */

/* NOT flips its child's value and is followed in this loop, so that only AND and OR
 * nodes recurse. The compiler emits no AND or OR of one child (compile.c, emit; the
 * index's residual programs fold them away too), and index_build.c gates only OR
 * nodes of 2 or more children; a one-child node would still evaluate correctly. */
static int eval_node(eval_ctx *c, const sg_prog_node *n)
{
    int neg = 0;
    for (;;) {
        switch (n->kind) {
        case SG_X_PRED:
            return neg ^ pred_value(c, n->arg);
        case SG_X_NOT:
            neg ^= 1;
            n++;
            continue;
        case SG_X_AND:
        case SG_X_OR: {
            const int is_and = n->kind == SG_X_AND;
            /* The children are the nodes of n's subtree after n, one subtree each. */
            const sg_prog_node *const end = n + n->size;
            if (!is_and && c->node_gate) {
                const uint32_t g = c->node_gate[n - c->rs->prog];
                if (g != UINT32_MAX) {
                    if (c->s->node_seen[g] != c->s->gen)
                        return neg; /* no child's literal occurs in the event */
                    /* Every child is a keyed predicate (index_build.c, gate_or_nodes):
                     * only those whose literal the scan saw can hold, and that stamp
                     * is all a child costs (value lists of hundreds of file names). */
                    for (const sg_prog_node *k = n + 1; k < end; k += k->size)
                        if (c->pred_seen[k->arg] == c->gen && pred_value(c, k->arg))
                            return neg ^ 1;
                    return neg;
                }
            }
            for (const sg_prog_node *k = n + 1; k < end; k += k->size) {
                /* Leaves are most children (value lists): test them without recursing.
                 * (The compiler emits no one-child AND or OR: compile.c, emit.) */
                int v = k->kind == SG_X_PRED ? pred_value(c, k->arg) : eval_node(c, k);
                if (v != is_and)
                    return neg ^ !is_and; /* short-circuit */
            }
            return neg ^ is_and;
        }
        default:
            return neg;
        }
    }
}

/* The verdict of residual u (len > 0) on this event: evaluated once per call,
 * whichever rule of those sharing it comes first. */
static int residual_value(eval_ctx *c, const sg_untouched *u)
{
    sigma_scratch *s = c->s;
    if (s->res_gen[u->rid] == s->gen)
        return s->res_val[u->rid];
    const int v = eval_node(c, &c->rs->prog[u->start]);
    s->res_gen[u->rid] = s->gen;
    s->res_val[u->rid] = (uint8_t)v;
    return v;
}

/* Rule r's verdict. A rule with a residual program (index.h, sg_untouched) whose
 * keyed literals all went unseen gets the residual's verdict, which equals the
 * whole program's then (its keyed predicates are false). */
static inline int eval_rule(eval_ctx *c, uint32_t r, const sg_untouched *untouched)
{
    const sigma_ruleset *rs = c->rs;
    if (untouched && untouched[r].gate != UINT32_MAX &&
        c->s->node_seen[untouched[r].gate] != c->s->gen)
        return untouched[r].len ? residual_value(c, &untouched[r]) : (int)untouched[r].start;
    const sg_rule_prog *rule = &rs->progs[r];
    return rule->len && eval_node(c, &rs->prog[rule->start]);
}

/* Evaluates the candidates of word w of the candidate bitset, recording hits.
 * Returns how many it evaluated. */
static inline uint32_t eval_word(eval_ctx *c, uint32_t w, const sg_untouched *untouched)
{
    sigma_scratch *s = c->s;
    uint32_t n = 0;
    uint64_t bits = s->cand[w];
    s->cand[w] = 0; /* zero again for the next call */
    for (; bits; bits &= bits - 1, n++) {
        uint32_t r = w * 64 + (uint32_t)__builtin_ctzll(bits);
        if (eval_rule(c, r, untouched))
            s->hits[s->nhits++] = r;
    }
    return n;
}

/* The generation of a scratch memo (entries of `bytes` bytes, stamped *gen when
 * valid) serving what fingerprint `want` names: a new one (no entry valid) when it
 * last served another. On wrapping, entries of generation 1 may be stale: cleared. */
static uint32_t memo_generation(uint32_t *gen, uint64_t *fp, uint64_t want, void *entries,
                                size_t bytes)
{
    if (*fp != want || *gen == 0) {
        if (++*gen == 0) {
            memset(entries, 0, bytes);
            *gen = 1;
        }
        *fp = want;
    }
    return *gen;
}

/* The scratch's name memo for rs's field dictionary. */
static uint32_t name_memo_gen(sigma_scratch *s, const sigma_ruleset *rs)
{
    return memo_generation(&s->names_gen, &s->names_fp, rs->field_fp, s->names,
                           SG_NAME_MEMO_SIZE * sizeof *s->names);
}

/* The scratch's scan memo for rs's index. */
static uint32_t scan_memo_gen(sigma_scratch *s, const sigma_ruleset *rs)
{
    return memo_generation(&s->scan_memo_gen, &s->scan_memo_fp, rs->index.scan_fp, s->scan_memo,
                           SG_SCAN_MEMO_SIZE * sizeof *s->scan_memo);
}

/* Event field -> ruleset slot, remembered per event field for the prefilter, and
 * slot -> the field's first value for the predicates. The arrays are read into
 * locals: the stores through them could alias the event and the scratch as far
 * as the compiler knows, which reloads them for every field. */
static void resolve_fields(eval_ctx *c)
{
    const sg_field *fields = c->ev->fields;
    const uint32_t nfields = c->ev->nfields;
    const sg_strmap *map = &c->rs->field_map;
    /* fields added by slot of this ruleset, or bound to it, need no name look-up */
    const int by_slot = c->ev->slot_rs == c->rs;
    uint32_t *slot_gen = c->s->slot_gen, *slot_head = c->s->slot_head, *ev_slot = c->s->ev_slot;
    const uint32_t gen = c->s->gen;
    const sg_bound_field *bound = by_slot ? sg_event_bound(c->ev) : NULL;
    c->bound = bound;
    if (bound) { /* 8 bytes a field instead of 32: sigma_event_bind */
        for (uint32_t i = 0; i < nfields; i++) {
            uint32_t slot = bound[i].slot;
            if (slot == SG_UNUSED_SLOT)
                slot = SG_NONE;
            else {
                slot_gen[slot] = gen;
                slot_head[slot] = bound[i].head;
            }
            ev_slot[i] = slot;
        }
        return;
    }
    sg_name_memo *memo = c->s->names;
    const uint32_t mgen = name_memo_gen(c->s, c->rs);
    for (uint32_t i = 0; i < nfields; i++) {
        const sg_field *f = &fields[i];
        uint32_t slot = f->slot;
        if (!by_slot || slot == SG_NONE)
            slot = sg_name_memo_slot(memo, mgen, map, f->name, f->name_len, f->name_hash, SG_NONE);
        else if (slot == SG_UNUSED_SLOT)
            slot = SG_NONE; /* bound (sigma_event_bind): no rule reads it */
        if (slot != SG_NONE) {
            slot_gen[slot] = gen;
            slot_head[slot] = f->head;
        }
        ev_slot[i] = slot;
    }
}

/* Integer key of a value for the index: integers, integral floats, and strings
 * that are whole decimals with an integral value (what SG_OP_NUM would accept). */
static int integer_key(const sg_value *v, int64_t *out)
{
    sg_number n;
    if (v->type == SG_VAL_INT) {
        *out = v->i;
        return 1;
    }
    if (v->type == SG_VAL_FLOAT)
        n = sg_number_real(v->f);
    else if (v->type != SG_VAL_STR || !sg_parse_decimal(v->s, v->len, &n))
        return 0;
    if (n.is_int) {
        *out = n.i;
        return 1;
    }
    if (!(n.d >= -9.2e18 && n.d <= 9.2e18) || (double)(int64_t)n.d != n.d)
        return 0;
    *out = (int64_t)n.d;
    return 1;
}

/* --------------------------------------------------------------- routing */

/* A mapping condition holds when some value of the field, case-folded and numbers
 * in decimal (the per-call cached text), equals one of the condition's folded values. */
static int cond_holds(eval_ctx *c, const sg_map_cond *k, uint32_t fi)
{
    if (fi == SG_NONE)
        return 0;
    const sg_field *f = &c->ev->fields[fi];
    for (uint32_t vi = f->head; vi != SG_NONE; vi = c->ev->values[vi].next) {
        if (c->ev->values[vi].type == SG_VAL_NULL)
            continue;
        size_t len;
        const char *t = folded_text(c, vi, &len);
        for (size_t j = 0; t && j < k->nvalues; j++)
            if (len == k->folded_lens[j] && memcmp(t, k->folded[j], len) == 0)
                return 1;
    }
    return 0;
}

/* The event's field of that name (hash: sg_hash_bytes of it, precomputed). */
static uint32_t event_field(const sigma_event *ev, const char *name, size_t len, uint64_t hash)
{
    uint32_t fi;
    return sg_strmap_get_hashed(&ev->by_name, name, len, hash, &fi) ? fi : SG_NONE;
}

/* Adds to route_hits, ascending and without repeats, the routes dispatched on
 * condition field f whose condition names a value of event field fi. */
static void dispatch_routes(eval_ctx *c, uint32_t f, uint32_t fi)
{
    sigma_scratch *s = c->s;
    const sg_routing *rt = &c->rs->routing;
    char key[4 + SG_ROUTE_VALUE_MAX];
    const sg_field *fl = &c->ev->fields[fi];
    for (uint32_t vi = fl->head; vi != SG_NONE; vi = c->ev->values[vi].next) {
        size_t len;
        const char *t;
        uint32_t at;
        if (c->ev->values[vi].type == SG_VAL_NULL || !(t = folded_text(c, vi, &len)) ||
            len > rt->max_dispatch_value ||
            !sg_strmap_get(&rt->dispatch_map, key, sg_route_key(f, t, len, key), &at))
            continue;
        for (uint32_t k = 1; k <= rt->dispatch[at]; k++) {
            const uint32_t r = rt->dispatch[at + k];
            uint32_t i = s->nroute_hits;
            while (i > 0 && s->route_hits[i - 1] > r)
                i--;
            if (i > 0 && s->route_hits[i - 1] == r)
                continue;
            memmove(s->route_hits + i + 1, s->route_hits + i,
                    (s->nroute_hits - i) * sizeof *s->route_hits);
            s->route_hits[i] = r;
            s->nroute_hits++;
        }
    }
}

/* Recognises the event by the mapping's conditions (route_hits) and applies the
 * renames of those routes: a rule field is read from the first alternative the
 * event has (also scanned by the prefilter under the rule field's slot). Renames
 * apply to every rule the event meets, which are those of its routes. */
static void classify(eval_ctx *c)
{
    sigma_scratch *s = c->s;
    const sg_routing *rt = &c->rs->routing;
    s->nroute_hits = 0;
    s->nextra = 0;
    for (uint32_t f = 0; f < rt->ncond_fields; f++) {
        s->cond_field[f] = event_field(c->ev, rt->cond_fields[f], rt->cond_field_lens[f],
                                       rt->cond_field_hashes[f]);
        if (!rt->dispatch_all && rt->dispatch_field[f] && s->cond_field[f] != SG_NONE)
            dispatch_routes(c, f, s->cond_field[f]);
    }
    if (rt->dispatch_all)
        for (uint32_t r = 0; r < rt->n; r++)
            if (rt->routes[r].entry->nconds)
                s->route_hits[s->nroute_hits++] = r;
    /* The dispatched routes, in route order, kept when all their conditions hold. */
    const uint32_t ncand = s->nroute_hits;
    s->nroute_hits = 0;
    for (uint32_t h = 0; h < ncand; h++) {
        const uint32_t r = s->route_hits[h];
        const sg_route *route = &rt->routes[r];
        const sg_map_entry *e = route->entry;
        size_t k = 0;
        while (k < e->nconds && cond_holds(c, &e->conds[k], s->cond_field[route->cond_field[k]]))
            k++;
        if (k < e->nconds)
            continue;
        s->route_hits[s->nroute_hits++] = r;
        for (size_t i = 0; i < route->nrenames; i++) {
            /* A listed event field wins over one that has the rule's own name (System
             * 104: the rules' Channel is the cleared log in UserData_Channel); the
             * event's own field stays when none of the alternatives is present. */
            const sg_route_rename *rn = &route->renames[i];
            for (size_t a = 0; a < rn->n; a++) {
                uint32_t fi = event_field(c->ev, rn->event_fields[a], rn->event_field_lens[a],
                                          rn->event_field_hashes[a]);
                if (fi == SG_NONE)
                    continue;
                s->slot_gen[rn->slot] = s->gen;
                s->slot_head[rn->slot] = c->ev->fields[fi].head;
                s->extra_scan[s->nextra++] = fi;
                s->extra_scan[s->nextra++] = rn->slot;
                break;
            }
        }
    }
}

/* The slots of every route the event was recognised by (one route: its own set). */
static const uint64_t *union_route_slots(sigma_scratch *s, const sg_routing *rt)
{
    if (s->nroute_hits == 1)
        return rt->routes[s->route_hits[0]].slots;
    memset(s->route_slots, 0, rt->nslot_words * sizeof *s->route_slots);
    for (uint32_t i = 0; i < s->nroute_hits; i++) {
        const uint64_t *slots = rt->routes[s->route_hits[i]].slots;
        for (uint32_t w = 0; w < rt->nslot_words; w++)
            s->route_slots[w] |= slots[w];
    }
    return s->route_slots;
}

/* Keeps the candidates of the logsources the event was recognised as. */
static void apply_routes(eval_ctx *c, uint32_t flags)
{
    sigma_scratch *s = c->s;
    const sg_routing *rt = &c->rs->routing;
    const uint32_t nwords = c->rs->index.nwords;
    if (s->nroute_hits == 0) {
        if (flags & SIGMA_MATCH_STRICT_LOGSOURCE)
            memset(s->cand, 0, nwords * sizeof *s->cand);
        return; /* unrecognised: every rule, unless strict */
    }
    /* the rules of the routes, in the words that may hold candidates */
    for (uint32_t g = 0; g < c->rs->index.ngroup_words; g++)
        for (uint64_t bits = s->cand_groups[g]; bits; bits &= bits - 1) {
            const uint32_t w = g * 64 + (uint32_t)__builtin_ctzll(bits);
            uint64_t fit = 0;
            for (uint32_t i = 0; i < s->nroute_hits; i++)
                fit |= rt->routes[s->route_hits[i]].rules[w];
            s->cand[w] &= fit;
        }
}

/* The integer keys of value v under the slots whose lens have SG_NUM_KEYS. */
static inline void scan_number(eval_ctx *c, const sg_value *v, uint32_t slot, uint8_t lens,
                               uint32_t kw, uint8_t klens)
{
    const sg_index *ix = &c->rs->index;
    int64_t k;
    if (!integer_key(v, &k))
        return;
    if (lens & SG_NUM_KEYS)
        sg_index_scan_number(ix, slot, k, &c->marks);
    if (klens & SG_NUM_KEYS)
        sg_index_scan_number(ix, kw, k, &c->marks);
}

/* Queues a scan of the folded text at off, len for slots a and b (b may be NULL);
 * memo: the event value + 1 whose scan to remember (0: none), hash: its memo hash
 * (computed for the look-up that missed, not again when remembering). */
static SG_ALWAYS_INLINE int push_job(sigma_scratch *s, const sg_slot_scan *a, const sg_slot_scan *b,
                                     size_t off, size_t len, uint32_t memo, uint64_t hash)
{
    if (s->njobs == s->jobs_cap) {
        const uint32_t cap = s->jobs_cap ? s->jobs_cap * 2 : 64;
        sg_scan_job *j = realloc(s->jobs, cap * sizeof *j);
        if (!j)
            return -1;
        s->jobs = j;
        s->jobs_cap = cap;
    }
    s->jobs[s->njobs++] =
        (sg_scan_job){.a = a, .b = b, .off = off, .len = len, .memo = memo, .hash = hash};
    return 0;
}

/* A job's slots are *a, then *b: with only one of them, it is *a. */
static SG_ALWAYS_INLINE void first_slot_first(const sg_slot_scan **a, const sg_slot_scan **b)
{
    if (!*a) {
        *a = *b;
        *b = NULL;
    }
}

/* The slots the text values of a field are scanned for: field slot `slot` and
 * slot `kw` (the keyword slot), whose slot_lens are lens / klens (0 when that
 * slot is not scanned). *a NULL: no text scan; *b NULL: only *a. */
static SG_ALWAYS_INLINE void scan_slots(const sg_index *ix, uint32_t slot, uint8_t lens,
                                        uint32_t kw, uint8_t klens, const sg_slot_scan **a,
                                        const sg_slot_scan **b)
{
    /* a slot with any of these has scans[].text set */
    const uint8_t text_keys = 0x1e | SG_LONG_KEYS;
    *a = (lens & text_keys) ? &ix->scans[slot] : NULL;
    *b = (klens & text_keys) ? &ix->scans[kw] : NULL;
    first_slot_first(a, b);
}

/* A job's second slot as the scan memo keys it (UINT32_MAX: none). */
static inline uint32_t slot_or_none(const sg_slot_scan *b)
{
    return b ? b->slot : UINT32_MAX;
}

/* Queues the values of one event field: numbers are looked up at once (lens /
 * klens: the slot_lens of `slot` and `kw`), text values become jobs for slots a and
 * b (scan_slots) whose memo hash is computed and whose memo entry is prefetched
 * here; take_jobs then replays or folds them. Two passes, so that an event's
 * memo look-ups wait for memory together (an entry is rarely in cache: the memo
 * is 512 KB and the events stream through it between calls; the first load of
 * an entry was a fifth of sg_eval_event's samples). */
static SG_ALWAYS_INLINE int queue_field(eval_ctx *c, uint32_t head, uint32_t slot, uint8_t lens,
                                        uint32_t kw, uint8_t klens, const sg_slot_scan *a,
                                        const sg_slot_scan *b)
{
    sigma_scratch *s = c->s;
    const int num = ((lens | klens) & SG_NUM_KEYS) != 0;
    const sg_value *values = c->ev->values;
    const uint32_t sb = slot_or_none(b);
    for (uint32_t vi = head; vi != SG_NONE; vi = values[vi].next) {
        const sg_value *v = &values[vi];
        if (v->type == SG_VAL_NULL)
            continue;
        if (num)
            scan_number(c, v, slot, lens, kw, klens);
        if (!a)
            continue;
        if (v->type != SG_VAL_STR) {
            /* only for the slots with keys that its rendering could contain */
            const uint8_t kind = v->type == SG_VAL_INT ? SG_RENDERED_INT : SG_RENDERED_OTHER;
            const sg_slot_scan *sa = a->scalar_text & kind ? a : NULL;
            const sg_slot_scan *sb2 = b && b->scalar_text & kind ? b : NULL;
            first_slot_first(&sa, &sb2);
            if (sa && push_job(s, sa, sb2, vi, 0, 0, 0) != 0)
                return -1;
            continue;
        }
        uint64_t h = 0;
        uint32_t memo = 0;
        if (sg_scan_memo_fits(v->len)) {
            /* a bound event's values come hashed (sigma_event_bind) */
            h = sg_scan_memo_hash(v->hashed ? v->hash : sg_value_hash(v->s, v->len), v->len,
                                  a->slot, sb);
            const char *e = (const char *)&s->scan_memo[h & (SG_SCAN_MEMO_SIZE - 1)];
            __builtin_prefetch(e);
            /* an entry keeps a value's first 20 bytes in its first line, up to 80 in
             * the second (longer ones: the ring) */
            if (v->len > 64 - offsetof(sg_scan_memo, bytes) && v->len <= SG_SCAN_MEMO_LEN)
                __builtin_prefetch(e + 64);
            memo = vi + 1;
        }
        if (push_job(s, a, b, vi, 0, memo, h) != 0)
            return -1;
    }
    return 0;
}

/* The queued jobs (queue_field: off = the event value): a value the memo
 * remembers gets its marks again and is neither folded nor scanned; the others
 * are folded (off, len: their folded text) and kept, in order. */
static int take_jobs(eval_ctx *c)
{
    sigma_scratch *s = c->s;
    const sg_index *ix = &c->rs->index;
    const sg_value *values = c->ev->values;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->njobs; i++) {
        sg_scan_job *j = &s->jobs[i];
        const uint32_t vi = (uint32_t)j->off;
        const sg_value *v = &values[vi];
        if (j->memo) {
            uint32_t nruns;
            const unsigned char *runs =
                sg_scan_memo_find(s->scan_memo, &s->scan_ring, c->memo_gen, j->hash, v->s, v->len,
                                  j->a->slot, slot_or_none(j->b), &nruns);
            if (runs) {
                s->stat_replayed++;
                /* the runs' postings are far apart: their misses overlap (A/B
                 * 0.995, 0.993, 0.992) */
                for (uint32_t k = 0; nruns > 1 && k < nruns; k++) {
                    uint32_t run;
                    memcpy(&run, runs + 4 * k, 4);
                    __builtin_prefetch(ix->postings + run);
                }
                for (uint32_t k = 0; k < nruns; k++) {
                    uint32_t run;
                    memcpy(&run, runs + 4 * k, 4);
                    sg_index_mark_run(ix, run, &c->marks);
                }
                continue;
            }
        }
        /* a text without a byte the slots' keys need marks nothing: neither folded
         * nor scanned (index/needed_bytes.h) */
        if (v->type == SG_VAL_STR &&
            !sg_text_may_mark(&j->a->need, j->b ? &j->b->need : NULL, v->s, v->len))
            continue;
        /* folded_text for a value (vi is never SG_NONE here), without the call */
        if (s->val_gen[vi] != s->gen && fold_store(s, v, v->s, v->len, vi) != 0)
            return -1;
        if (!s->val_len[vi])
            continue;
        j->off = s->val_off[vi];
        j->len = s->val_len[vi];
        if (kept != i)
            s->jobs[kept] = *j;
        kept++;
    }
    s->njobs = kept;
    s->stat_scanned += kept;
    return 0;
}

/* 1 if the prefilter must scan slot: always, unless the event was routed, in which
 * case only the slots of its routes' rules (the other rules are masked out anyway). */
static int want_slot(const eval_ctx *c, uint32_t slot)
{
    return !c->route_slots || ((c->route_slots[slot >> 6] >> (slot & 63)) & 1);
}

/* Rules without literals that need one of their fields present (or hold while
 * all are absent): slot is. */
static SG_ALWAYS_INLINE void mark_present(const sg_index *ix, uint32_t slot, const sg_scan_marks *m)
{
    for (uint32_t k = ix->pres_first[slot]; k < ix->pres_first[slot + 1]; k++) {
        const uint32_t e = ix->pres_rules[k];
        if (e & SG_POST_NODE)
            m->nodes[e & SG_POST_ID] = m->gen; /* a gate: index.h, pres_rules */
        else
            sg_mark_rule(m, e);
    }
}

/* Puts the scanned values and the runs they marked into the scan memo (those
 * that marked few enough, all logged). */
static void remember_scans(eval_ctx *c)
{
    sigma_scratch *s = c->s;
    for (uint32_t i = 0; i < s->njobs; i++) {
        const sg_scan_job *j = &s->jobs[i];
        if (!j->memo || j->to > s->run_log.cap)
            continue;
        const sg_value *v = &c->ev->values[j->memo - 1];
        if (!sg_scan_memo_keeps(j->to - j->from))
            continue;
        sg_scan_memo_put(s->scan_memo, &s->scan_ring, c->memo_gen, j->hash, v->s, v->len,
                         j->a->slot, slot_or_none(j->b), s->run_log.v + j->from, j->to - j->from);
    }
}

/* cand = always-evaluate rules + rules whose literal gram occurs in the event +
 * rules that need a field present, one of which is. */
static int prefilter(eval_ctx *c)
{
    const sg_index *ix = &c->rs->index;
    const sigma_event *ev = c->ev;
    /* cand is zero (eval.h): only the always-words are set */
    for (uint32_t g = 0; g < ix->ngroup_words; g++) {
        c->s->cand_groups[g] = ix->always_groups[g];
        for (uint64_t bits = ix->always_groups[g]; bits; bits &= bits - 1) {
            const uint32_t w = g * 64 + (uint32_t)__builtin_ctzll(bits);
            c->s->cand[w] = ix->always[w];
        }
    }
    c->s->run_log.n = 0;
    c->marks = (sg_scan_marks){c->s->cand,      c->s->cand_groups, c->s->pred_seen,
                               c->s->node_seen, c->s->gen,         &c->s->run_log};
    c->memo_gen = scan_memo_gen(c->s, c->rs);
    c->use_pred_seen = 1;
    c->s->njobs = 0;
    c->pred_keyed = ix->pred_keyed;
    c->node_gate = ix->node_gate;
    const uint32_t kw = ix->nslots - 1;
    const uint8_t klens = want_slot(c, kw) ? ix->slot_lens[kw] : 0;
    const sg_bound_field *bound = c->bound; /* the heads as resolve_fields read them */
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const uint32_t slot = c->s->ev_slot[i];
        uint8_t lens = 0;
        if (slot != SG_NONE) {
            mark_present(ix, slot, &c->marks);
            if (want_slot(c, slot))
                lens = ix->slot_lens[slot];
        }
        if (!(lens | klens))
            continue;
        const sg_slot_scan *a, *b;
        scan_slots(ix, slot, lens, kw, klens, &a, &b);
        if (queue_field(c, bound ? bound[i].head : ev->fields[i].head, slot, lens, kw, klens, a,
                        b) != 0)
            return -1;
    }
    for (uint32_t i = 0; i + 1 < c->s->nextra; i += 2) {
        const uint32_t slot = c->s->extra_scan[i + 1];
        mark_present(ix, slot, &c->marks);
        const uint8_t lens = want_slot(c, slot) ? ix->slot_lens[slot] : 0;
        if (!lens)
            continue;
        const sg_slot_scan *a, *b;
        scan_slots(ix, slot, lens, kw, 0, &a, &b);
        if (queue_field(c, ev->fields[c->s->extra_scan[i]].head, slot, lens, kw, 0, a, b) != 0)
            return -1;
    }
    if (take_jobs(c) != 0)
        return -1;
    if (ix->scans[kw].text && want_slot(c, kw) && ev->message) {
        size_t len;
        const char *t = folded_text(c, SG_NONE, &len);
        if (!t || (len && push_job(c->s, &ix->scans[kw], NULL, (size_t)(t - c->s->fold.data), len,
                                   0, 0) != 0))
            return -1;
    }
    sg_index_scan_jobs(ix, c->s->jobs, c->s->njobs, (const unsigned char *)c->s->fold.data,
                       &c->marks);
    remember_scans(c);
    return 0;
}

/* Restricts cand to rules whose logsource fits the event's (cached per scratch). */
static int apply_logsource(eval_ctx *c)
{
    sigma_scratch *s = c->s;
    const sigma_event *ev = c->ev;
    const sg_index *ix = &c->rs->index;
    const char *parts[3] = {ev->ls_product, ev->ls_category, ev->ls_service};
    char key[512];
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        size_t l = parts[i] ? strlen(parts[i]) : 0;
        if (n + l + 2 > sizeof key)
            l = 0; /* absurdly long names: no caching, still correct below */
        key[n++] = parts[i] ? '+' : '-';
        memcpy(key + n, parts[i] ? parts[i] : "", l);
        n += l;
    }
    if (s->ls_rs != c->rs || s->ls_key.len != n || memcmp(s->ls_key.data, key, n) != 0) {
        memset(s->ls_mask, 0, ix->nwords * sizeof *s->ls_mask);
        sg_index_logsource_mask(ix, parts[0], parts[1], parts[2], s->ls_mask);
        sg_buf_clear(&s->ls_key);
        if (sg_buf_append(&s->ls_key, key, n) != 0)
            return -1;
        s->ls_rs = c->rs;
    }
    for (uint32_t g = 0; g < ix->ngroup_words; g++)
        for (uint64_t bits = s->cand_groups[g]; bits; bits &= bits - 1) {
            const uint32_t w = g * 64 + (uint32_t)__builtin_ctzll(bits);
            s->cand[w] &= s->ls_mask[w];
        }
    return 0;
}

static int fit_event_slots(sigma_scratch *s, uint32_t nfields)
{
    if (nfields <= s->ev_slot_cap)
        return 0;
    uint32_t cap = s->ev_slot_cap ? s->ev_slot_cap : 32;
    while (cap < nfields)
        cap *= 2;
    if (grow_u32(&s->ev_slot, cap))
        return -1;
    s->ev_slot_cap = cap;
    return 0;
}

/* The start of every evaluation (match or explain): the scratch was reserved for rs
 * (SIGMA_E_SCRATCH otherwise), holds ev's values and fields, and starts a new
 * generation of the per-call memos. */
static int begin_event(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev)
{
    if (s->pred_cap < rs->npreds || s->slot_cap < rs->nfields || s->hits_cap < rs->nrules ||
        s->words_cap < rs->index.nwords || s->groups_cap < rs->index.ngroup_words ||
        s->pred_seen_cap < rs->npreds || s->node_seen_cap < rs->index.ngates ||
        s->res_cap < rs->index.nresiduals || s->route_cap < rs->routing.n ||
        s->cond_cap < rs->routing.ncond_fields || s->route_slot_words < rs->routing.nslot_words ||
        !s->md || !s->names || !s->scan_memo || !s->run_log.v || !s->scan_ring.bytes)
        return SIGMA_E_SCRATCH;
    sg_event_prefetch(ev, sg_event_names_unread(ev, rs, rs->routing.n != 0));
    if (fit_values(s, ev->nvalues + 1) != 0 || fit_event_slots(s, ev->nfields) != 0)
        return SIGMA_E_NOMEM;
    next_generation(s);
    return SIGMA_OK;
}

int sg_eval_event(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev, uint32_t flags)
{
    int rc = begin_event(rs, s, ev);
    if (rc != SIGMA_OK)
        return rc;
    s->nhits = 0;
    eval_ctx c = make_ctx(rs, s, ev);
    /* classify looks the mapping's condition fields up in the event's name map,
     * which matching does not read otherwise: a prebuilt event's is out of cache
     * (a tenth of the routed match time went to those misses). Fetched while the
     * fields are resolved. */
    if (rs->routing.n && !ev->has_logsource)
        for (uint32_t f = 0; f < rs->routing.ncond_fields; f++)
            sg_strmap_prefetch(&ev->by_name, rs->routing.cond_field_hashes[f]);
    resolve_fields(&c);
    s->nroute_hits = 0;
    s->nextra = 0;
    if (rs->routing.n) {
        classify(&c);
        if (s->nroute_hits && !ev->has_logsource)
            c.route_slots = union_route_slots(s, &rs->routing);
    }
    const uint32_t nwords = rs->index.nwords;
    if (s->cand_dirty) /* the last call stopped early (eval.h): whatever it used */
        memset(s->cand, 0, (size_t)s->words_cap * sizeof *s->cand);
    s->cand_dirty = 1;
    if (flags & SIGMA_MATCH_NO_INDEX) {
        memset(s->cand, 0xff, nwords * sizeof *s->cand);
        if (rs->nrules & 63)
            s->cand[nwords - 1] = (1ull << (rs->nrules & 63)) - 1;
        const uint32_t ng = rs->index.ngroup_words;
        memset(s->cand_groups, 0xff, ng * sizeof *s->cand_groups);
        if (nwords & 63)
            s->cand_groups[ng - 1] = (1ull << (nwords & 63)) - 1;
    } else if (prefilter(&c) != 0) {
        return SIGMA_E_NOMEM;
    }
    if (ev->has_logsource) {
        if (apply_logsource(&c) != 0)
            return SIGMA_E_NOMEM;
    } else if (rs->routing.n) {
        apply_routes(&c, flags);
    }
    /* Residual programs only hold with the index's verdict for unseen keys. */
    const sg_untouched *untouched = c.use_pred_seen ? rs->index.untouched : NULL;
    uint64_t evaluated = 0;
    /* Candidates are few in a large ruleset (tens in 473 words with 30,240 rules):
     * only the words whose group bit was set are read, in order (logsource masks
     * may have cleared some of them since: eval_word finds them empty). */
    for (uint32_t g = 0; g < rs->index.ngroup_words; g++)
        for (uint64_t bits = s->cand_groups[g]; bits; bits &= bits - 1)
            evaluated += eval_word(&c, g * 64 + (uint32_t)__builtin_ctzll(bits), untouched);
    s->cand_dirty = 0;
    s->stat_events++;
    s->stat_candidates += evaluated;
    s->stat_hits += s->nhits;
    return SIGMA_OK;
}

/* ----------------------------------------------------------------- explain */

int sg_eval_prepare(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev)
{
    int rc = begin_event(rs, s, ev);
    if (rc != SIGMA_OK)
        return rc;
    eval_ctx c = make_ctx(rs, s, ev);
    resolve_fields(&c);
    if (rs->routing.n && !ev->has_logsource)
        classify(&c);
    return SIGMA_OK;
}

int sg_eval_pred_explain(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev,
                         uint32_t id, uint32_t *vi_out)
{
    eval_ctx c = make_ctx(rs, s, ev);
    const sg_pred *p = &rs->preds[id];
    *vi_out = UINT32_MAX;
    if (p->field == SG_KEYWORD_FIELD) {
        for (uint32_t vi = 0; vi < ev->nvalues; vi++)
            if (test_value(&c, p, vi)) {
                *vi_out = vi;
                return 1;
            }
        if (ev->message && test_text(&c, p, SG_NONE)) {
            *vi_out = SG_EVAL_MESSAGE;
            return 1;
        }
        return 0;
    }
    const uint32_t head = s->slot_gen[p->field] == s->gen ? s->slot_head[p->field] : SG_NONE;
    if (s->slot_gen[p->field] != s->gen || p->op == SG_OP_EXISTS ||
        (p->op == SG_OP_NULL && head == SG_NONE))
        return eval_field(&c, p);
    if (p->op == SG_OP_FIELDREF)
        return eval_fieldref(&c, p, head, vi_out);
    for (uint32_t vi = head; vi != SG_NONE; vi = ev->values[vi].next)
        if (test_value(&c, p, vi)) {
            *vi_out = vi;
            return 1;
        }
    return 0;
}

int sg_eval_empty_event(const sigma_ruleset *rs, uint64_t *rules)
{
    sigma_scratch *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    sigma_event ev;
    memset(&ev, 0, sizeof ev);
    int rc = sg_scratch_fit(s, rs);
    if (rc == SIGMA_OK)
        rc = sg_eval_event(rs, s, &ev, SIGMA_MATCH_NO_INDEX);
    for (uint32_t i = 0; rc == SIGMA_OK && i < s->nhits; i++)
        rules[s->hits[i] >> 6] |= 1ull << (s->hits[i] & 63);
    sigma_scratch_free(s);
    return rc == SIGMA_OK ? 0 : -1;
}
