/* The figure a correlation compares with its condition, over one window of a group
 * (sigma-semantics.md §6.2). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "correlation/correlator.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Distinct value hashes among the entries that have a value. */
static int distinct_values(const sg_centry *e, uint32_t i0, uint32_t i1, sg_buf *tmp, double *out)
{
    if (sg_buf_reserve(tmp, (size_t)(i1 - i0) * sizeof(uint64_t) + sizeof(uint64_t)) != 0)
        return -1;
    uint64_t *h = (uint64_t *)(void *)tmp->data;
    size_t n = 0;
    for (uint32_t i = i0; i < i1; i++)
        if (e[i].has_val)
            h[n++] = e[i].v.vhash;
    qsort(h, n, sizeof *h, cmp_u64);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || h[i] != h[i - 1])
            d++;
    *out = (double)d;
    return 0;
}

/* Whether entries of rule position k take part in temporal_ordered's chain: all of
 * them, or with a conjunction condition the positive names only. */
static int in_chain(const sg_ccorr *cc, uint32_t k)
{
    return !cc->order_role || (cc->order_role[k] & SG_ROLE_POS);
}

/* Longest chain of entries whose rule positions strictly increase, in time order
 * (ties in arrival order): temporal_ordered's "rules seen in the listed order". */
static double ordered_chain(const sg_ccorr *cc, const sg_centry *e, uint32_t i0, uint32_t i1,
                            uint32_t *best)
{
    memset(best, 0, cc->nrefs * sizeof *best);
    uint32_t top = 0;
    for (uint32_t i = i0; i < i1; i++) {
        if (!in_chain(cc, e[i].k))
            continue;
        uint32_t k = e[i].k, before = 0;
        for (uint32_t j = 0; j < k; j++)
            if (best[j] > before)
                before = best[j];
        if (before + 1 > best[k])
            best[k] = before + 1;
        if (best[k] > top)
            top = best[k];
    }
    return top;
}

/* Percentile p (0-100) with linear interpolation between the closest ranks (the
 * numpy default), over sorted v[0..n). */
static double percentile(const double *v, size_t n, double p)
{
    double pos = p / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo + 1 >= n)
        return v[n - 1];
    double frac = pos - (double)lo;
    return v[lo] + (v[lo + 1] - v[lo]) * frac;
}

int sg_cor_figure(const sg_ccorr *cc, const sg_centry *e, uint32_t i0, uint32_t i1, sg_buf *tmp,
                  double *value, int *fires)
{
    *fires = 0;
    if (i1 <= i0)
        return 0;
    double v = 0;
    switch (cc->type) {
    case SG_CORR_EVENT_COUNT:
        v = (double)(i1 - i0);
        break;
    case SG_CORR_VALUE_COUNT:
        if (distinct_values(e, i0, i1, tmp, &v) != 0)
            return -1;
        break;
    case SG_CORR_TEMPORAL:
    case SG_CORR_TEMPORAL_ORDERED: {
        size_t need = cc->nrefs * (sizeof(uint32_t) + 1) + 8;
        if (sg_buf_reserve(tmp, need) != 0)
            return -1;
        uint8_t *seen = (uint8_t *)tmp->data;
        memset(seen, 0, cc->nrefs);
        uint32_t distinct = 0;
        for (uint32_t i = i0; i < i1; i++)
            if (!seen[e[i].k]) {
                seen[e[i].k] = 1;
                distinct++;
            }
        if (cc->order_role) {
            /* temporal_ordered, a conjunction: the positive names in order, none of
             * the negated ones; the figure is the ordered chain's length */
            uint32_t *best = (uint32_t *)(void *)(tmp->data + ((cc->nrefs + 7) & ~(size_t)7));
            int neg = 0;
            for (uint32_t k = 0; k < cc->nrefs; k++)
                neg |= seen[k] && (cc->order_role[k] & SG_ROLE_NEG);
            *value = ordered_chain(cc, e, i0, i1, best);
            *fires = !neg && *value >= cc->npos;
            return 1;
        }
        if (cc->bool_cond) {
            /* the boolean condition decides; the figure is the rules seen */
            *value = distinct;
            *fires = sg_cond_eval(cc->bool_cond, seen);
            return 1;
        }
        if (cc->type == SG_CORR_TEMPORAL_ORDERED) {
            uint32_t *best = (uint32_t *)(void *)(tmp->data + ((cc->nrefs + 7) & ~(size_t)7));
            v = ordered_chain(cc, e, i0, i1, best);
        } else {
            v = distinct;
        }
        break;
    }
    case SG_CORR_VALUE_SUM:
    case SG_CORR_VALUE_AVG:
    case SG_CORR_VALUE_PERCENTILE:
    case SG_CORR_VALUE_MEDIAN: {
        if (sg_buf_reserve(tmp, (size_t)(i1 - i0) * sizeof(double) + sizeof(double)) != 0)
            return -1;
        double *nums = (double *)(void *)tmp->data;
        size_t n = 0;
        double sum = 0;
        for (uint32_t i = i0; i < i1; i++)
            if (e[i].has_num) {
                nums[n++] = e[i].v.num;
                sum += e[i].v.num;
            }
        if (!n)
            return 0;
        if (cc->type == SG_CORR_VALUE_SUM) {
            v = sum;
        } else if (cc->type == SG_CORR_VALUE_AVG) {
            v = sum / (double)n;
        } else {
            qsort(nums, n, sizeof *nums, cmp_double);
            v = percentile(nums, n, cc->percentile);
        }
        break;
    }
    }
    *value = v;
    *fires = sg_ccorr_cmp(cc, v);
    return 1;
}

int64_t sg_cor_ordered_chain(const sg_ccorr *cc, const sg_centry *e, uint32_t i0, uint32_t i1,
                             uint32_t *out)
{
    /* best[k]: longest chain ending with rule k so far, and its last entry; pred[i]:
     * the entry before entry i in its chain */
    uint32_t n = i1 - i0;
    uint32_t *len = calloc(cc->nrefs ? cc->nrefs : 1, sizeof *len);
    uint32_t *last = calloc(cc->nrefs ? cc->nrefs : 1, sizeof *last);
    uint32_t *pred = malloc((n ? n : 1) * sizeof *pred);
    if (!len || !last || !pred) {
        free(len);
        free(last);
        free(pred);
        return -1;
    }
    uint32_t top = 0, top_k = 0;
    for (uint32_t i = i0; i < i1; i++) {
        if (!in_chain(cc, e[i].k))
            continue;
        uint32_t k = e[i].k, before = 0, from = UINT32_MAX;
        for (uint32_t j = 0; j < k; j++)
            if (len[j] > before) {
                before = len[j];
                from = last[j];
            }
        if (before + 1 > len[k]) {
            len[k] = before + 1;
            last[k] = i;
            pred[i - i0] = from;
            if (len[k] > top) {
                top = len[k];
                top_k = k;
            }
        }
    }
    uint32_t at = top ? last[top_k] : UINT32_MAX;
    for (uint32_t w = top; w > 0; w--) {
        out[w - 1] = at;
        at = pred[at - i0];
    }
    free(len);
    free(last);
    free(pred);
    return top;
}
