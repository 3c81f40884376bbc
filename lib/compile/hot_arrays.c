/* The last step of a compile: the arrays that matching reads at random, per key
 * and per candidate rule, move into one mapping advised to use huge pages
 * (util/huge_pages.h): the index's tables, the rules' programs and predicates,
 * and the predicates' literal strings (small allocations spread over the heap,
 * packed together here in predicate order). With the SigmaHQ corpus that is
 * 12.3 MB, most of it the predicates. In-process A/B on the corpus benchmark:
 * 0.977, 0.958 and 0.965 for the arrays, then 0.986, 0.987 and 0.993 for adding
 * the literals. The ruleset is immutable from here on: nothing reallocates them. */
#include <stdlib.h>

#include "compile/ruleset.h"

void sg_ruleset_move_hot(sigma_ruleset *rs)
{
    sg_index *ix = &rs->index;
    const sg_huge_array head[] = {
        {(void **)&ix->table, (size_t)(ix->table_mask + 1) * sizeof *ix->table, 0},
        {(void **)&ix->postings, ix->npostings * sizeof *ix->postings, 0},
        {(void **)&ix->lits, ix->nlits * sizeof *ix->lits, 0},
        {(void **)&ix->lit_bytes, ix->nlit_bytes, 0},
        {(void **)&ix->bloom, ((size_t)1 << ix->bloom_bits_log2) / 64 * sizeof *ix->bloom, 0},
        {(void **)&ix->pre4, ix->npre4_words * sizeof *ix->pre4, 0},
        {(void **)&ix->node_gate, (size_t)rs->nprog * sizeof *ix->node_gate, 0},
        {(void **)&ix->untouched, (size_t)rs->nrules * sizeof *ix->untouched, 0},
        {(void **)&ix->pred_keyed, (size_t)ix->npred_words * sizeof *ix->pred_keyed, 0},
        {(void **)&rs->progs, (size_t)rs->nrules * sizeof *rs->progs, 0},
    };
    const size_t nhead = sizeof head / sizeof *head;
    /* The literals go before the predicate array: moving one rewrites its pointer
     * in the array, which moves afterwards with the new pointers. */
    sg_huge_array *a = malloc((nhead + rs->npreds + 2) * sizeof *a);
    if (!a)
        return; /* nothing moved: a smaller ruleset would not have been either */
    size_t n = 0;
    for (size_t i = 0; i < nhead; i++)
        a[n++] = head[i];
    for (uint32_t i = 0; i < rs->npreds; i++) {
        sg_strmatch *m = &rs->preds[i].sm;
        if (m->lit) /* NUL-terminated */
            a[n++] = (sg_huge_array){(void **)&m->lit, m->lit_len + 1, 1};
    }
    a[n++] = (sg_huge_array){(void **)&rs->preds, (size_t)rs->npreds * sizeof *rs->preds, 0};
    a[n++] = (sg_huge_array){(void **)&rs->prog, (size_t)rs->nprog * sizeof *rs->prog, 0};
    sg_huge_move(&rs->huge, a, n, SG_HUGE_PAGE); /* less: a huge page would be mostly waste */
    free(a);
}
