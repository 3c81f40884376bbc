/* The index at match time: scanning folded event values for the grams of the
 * rules' required literals, and marking what they point to. */
#include <string.h>

#include "index/scan_core.h"

void sg_index_scan_number(const sg_index *ix, uint32_t slot, int64_t v, const sg_scan_marks *m)
{
    probe(ix, sg_num_key(slot, v), NULL, m);
}

void sg_index_scan2(const sg_index *ix, uint32_t slot_a, uint32_t slot_b, const char *text,
                    size_t len, const sg_scan_marks *m)
{
    const sg_slot_scan *ss[2];
    int n = 0;
    if (slot_a != UINT32_MAX && ix->scans[slot_a].text)
        ss[n++] = &ix->scans[slot_a];
    if (slot_b != UINT32_MAX && slot_b != slot_a && ix->scans[slot_b].text)
        ss[n++] = &ix->scans[slot_b];
    if (n == 0 || len == 0)
        return;
    const unsigned char *p = (const unsigned char *)text;
    if (ix->scan_isa == SG_SCAN_AVX512) {
        sg_index_scan_avx512(ix, ss[0], n == 2 ? ss[1] : NULL, p, len, m);
        return;
    }
    if (ix->scan_isa == SG_SCAN_AVX2) {
        sg_index_scan_avx2(ix, ss[0], n == 2 ? ss[1] : NULL, p, len, m);
        return;
    }
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

void sg_index_scan(const sg_index *ix, uint32_t slot, const char *text, size_t len,
                   const sg_scan_marks *m)
{
    sg_index_scan2(ix, slot, UINT32_MAX, text, len, m);
}
