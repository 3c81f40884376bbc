/* The index at match time: scanning folded event values for the grams of the
 * rules' required literals, and marking what they point to. */
#include <string.h>

#include "index/scan_core.h"

void sg_index_scan_number(const sg_index *ix, uint32_t slot, int64_t v, const sg_scan_marks *m)
{
    probe(ix, sg_num_key(slot, v), NULL, m);
}

void sg_index_mark_run(const sg_index *ix, uint32_t run, const sg_scan_marks *m)
{
    const sg_posting *r = ix->postings + run;
    mark_postings(r, r + r->run, m);
}

/* The scalar scan of one job: every position, for each of its slots. */
static void scan_job_scalar(const sg_index *ix, const sg_scan_job *j, const unsigned char *base,
                            const sg_scan_marks *m)
{
    const sg_slot_scan *ss[2] = {j->a, j->b};
    const int n = j->b ? 2 : 1;
    const unsigned char *p = base + j->off;
    const size_t len = j->len;
    size_t i = 0;
    /* Whole 8-byte windows first: every window is one load. */
    if (n == 1) {
        for (; i + 8 <= len; i++)
            scan_at(ix, ss[0], sg_load_le64(p + i), 8, p, len, i, m);
    } else {
        for (; i + 8 <= len; i++) {
            const uint64_t x = sg_load_le64(p + i);
            scan_at(ix, ss[0], x, 8, p, len, i, m);
            scan_at(ix, ss[1], x, 8, p, len, i, m);
        }
    }
    /* The last positions: the last 8 bytes in one load, shifted down so that the
     * position's bytes come first and zeros follow (a copy for texts under 8 bytes);
     * keys that would reach past the end are skipped by `avail`. */
    uint64_t last;
    if (len >= 8) {
        last = sg_load_le64(p + len - 8) >> (8 * (8 - (len - i)));
    } else {
        unsigned char tail[8] = {0};
        memcpy(tail, p, len);
        last = sg_load_le64(tail);
    }
    for (; i < len; i++, last >>= 8)
        for (int k = 0; k < n; k++)
            scan_at(ix, ss[k], last, len - i, p, len, i, m);
}

void sg_index_scan_jobs(const sg_index *ix, sg_scan_job *jobs, size_t n, const unsigned char *base,
                        const sg_scan_marks *m)
{
    if (n == 0)
        return;
    if (ix->scan_isa == SG_SCAN_AVX512) {
        sg_index_scan_avx512(ix, jobs, n, base, m);
        return;
    }
    if (ix->scan_isa == SG_SCAN_AVX2) {
        sg_index_scan_avx2(ix, jobs, n, base, m);
        return;
    }
    sg_probe_queue q;
    sg_scan_marks qm;
    begin_probes(&q, jobs, m, &qm);
    for (uint32_t j = 0; j < n; j++) {
        q.job = j;
        scan_job_scalar(ix, &jobs[j], base, &qm);
    }
    end_probes(ix, &qm, n);
}
