/* catalog_matrix.c - the index page's ATT&CK matrix: for every (technique, tactic)
 * pair named by the pages' ATT&CK tables, how many rules carry it.
 *
 * All pairs of all pages go into one array that is sorted once, so the matrix
 * costs O(P log P) for P pairs, whatever the number of rules.
 */
#include "catalog_render.h"

#include <stdlib.h>
#include <string.h>

typedef struct pair {
    const char *tactic; /* key: id, else name, else "" (no tactic) */
    const char *tactic_id, *tactic_name;
    const char *technique; /* key: id, else "" (no technique) */
    const char *technique_name;
    uint32_t rule; /* position of the page */
} pair;

/* Enterprise ATT&CK tactics in matrix (kill chain) order. */
static const char *const tactic_order[] = {"TA0043", "TA0042", "TA0001", "TA0002", "TA0003",
                                           "TA0004", "TA0005", "TA0006", "TA0007", "TA0008",
                                           "TA0009", "TA0011", "TA0010", "TA0040"};

static size_t tactic_rank(const pair *p)
{
    size_t n = sizeof tactic_order / sizeof tactic_order[0];
    if (!*p->tactic)
        return n + 1; /* "no tactic" last */
    if (p->tactic_id)
        for (size_t i = 0; i < n; i++)
            if (strcmp(p->tactic_id, tactic_order[i]) == 0)
                return i;
    return n; /* other tactics: after the known ones, by key */
}

static int technique_cmp(const char *a, const char *b)
{
    if (!*a || !*b) /* "no technique" last */
        return (*a == '\0') - (*b == '\0');
    return strcmp(a, b);
}

static int by_tactic(const void *va, const void *vb)
{
    const pair *a = va, *b = vb;
    size_t ra = tactic_rank(a), rb = tactic_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return strcmp(a->tactic, b->tactic);
}

static int by_technique_tactic_rule(const void *va, const void *vb)
{
    const pair *a = va, *b = vb;
    int c = technique_cmp(a->technique, b->technique);
    if (c)
        return c;
    c = by_tactic(a, b);
    if (c)
        return c;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        tb_die_nomem();
    return d;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        tb_die_nomem();
    return p;
}

void cat_matrix_build(cat_matrix *m, cat_page *const *pages, size_t n)
{
    memset(m, 0, sizeof *m);
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
        np += pages[i]->n_attack;
    pair *pairs = xcalloc(np, sizeof *pairs);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t a = 0; a < pages[i]->n_attack; a++) {
            const cat_attack_row *r = &pages[i]->attack[a];
            pair *p = &pairs[k++];
            p->tactic_id = r->tactic_id;
            p->tactic_name = r->tactic_name;
            p->tactic = r->tactic_id ? r->tactic_id : r->tactic_name ? r->tactic_name : "";
            p->technique = r->technique_id ? r->technique_id : "";
            p->technique_name = r->technique_name;
            p->rule = (uint32_t)i;
        }
    }

    /* Columns: the distinct tactics in ATT&CK order. */
    pair *cols = xcalloc(np, sizeof *cols);
    memcpy(cols, pairs, np * sizeof *pairs);
    qsort(cols, np, sizeof *cols, by_tactic);
    m->tactic_ids = xcalloc(np, sizeof *m->tactic_ids);
    m->tactic_names = xcalloc(np, sizeof *m->tactic_names);
    const char **col_keys = xcalloc(np, sizeof *col_keys);
    for (size_t i = 0; i < np; i++) {
        if (m->n_tactics && strcmp(col_keys[m->n_tactics - 1], cols[i].tactic) == 0) {
            size_t t = m->n_tactics - 1;
            if (!m->tactic_names[t])
                m->tactic_names[t] = dup_or_null(cols[i].tactic_name);
            continue;
        }
        col_keys[m->n_tactics] = cols[i].tactic;
        m->tactic_ids[m->n_tactics] = dup_or_null(cols[i].tactic_id);
        m->tactic_names[m->n_tactics] = dup_or_null(cols[i].tactic_name);
        m->n_tactics++;
    }

    /* Rows and cells: one sort by (technique, tactic, rule). */
    qsort(pairs, np, sizeof *pairs, by_technique_tactic_rule);
    m->technique_ids = xcalloc(np, sizeof *m->technique_ids);
    m->technique_names = xcalloc(np, sizeof *m->technique_names);
    m->technique_rules = xcalloc(np, sizeof *m->technique_rules);
    m->cells = xcalloc(np, sizeof *m->cells);
    /* Rules already counted for the current row (a rule may sit in several cells). */
    uint32_t *row_seen = xcalloc(n, sizeof *row_seen);
    size_t col = 0;
    for (size_t i = 0; i < np; i++) {
        const pair *p = &pairs[i];
        int new_row = i == 0 || technique_cmp(pairs[i - 1].technique, p->technique) != 0;
        if (new_row) {
            size_t r = m->n_techniques++;
            m->technique_ids[r] = *p->technique ? dup_or_null(p->technique) : NULL;
            col = 0;
        }
        size_t r = m->n_techniques - 1;
        if (!m->technique_names[r] && p->technique_name)
            m->technique_names[r] = dup_or_null(p->technique_name);
        if (row_seen[p->rule] != r + 1) {
            row_seen[p->rule] = (uint32_t)(r + 1);
            m->technique_rules[r]++;
        }
        int new_cell = new_row || by_tactic(&pairs[i - 1], p) != 0;
        if (new_cell) {
            while (strcmp(col_keys[col], p->tactic) != 0)
                col++; /* columns and pairs are in the same tactic order */
            cat_matrix_cell *c = &m->cells[m->n_cells++];
            c->technique = r;
            c->tactic = col;
            c->rules = 1;
        } else if (pairs[i - 1].rule != p->rule) {
            m->cells[m->n_cells - 1].rules++;
        }
    }
    free(row_seen);
    free(col_keys);
    free(cols);
    free(pairs);
}

void cat_matrix_free(cat_matrix *m)
{
    for (size_t i = 0; i < m->n_tactics; i++) {
        free(m->tactic_ids[i]);
        free(m->tactic_names[i]);
    }
    for (size_t i = 0; i < m->n_techniques; i++) {
        free(m->technique_ids[i]);
        free(m->technique_names[i]);
    }
    free(m->tactic_ids);
    free(m->tactic_names);
    free(m->technique_ids);
    free(m->technique_names);
    free(m->technique_rules);
    free(m->cells);
    memset(m, 0, sizeof *m);
}
