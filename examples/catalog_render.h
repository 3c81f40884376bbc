/* catalog_render.h - the two page formats of sigma-catalog (Markdown and HTML).
 *
 * A rule page has these sections, in this order: title, description, MITRE ATT&CK
 * coverage, Event coverage, Rule body, Stages and Predicates, Indicators. The index
 * page lists every rule and an ATT&CK matrix (technique x tactic, rules per cell).
 */
#ifndef CATALOG_RENDER_H
#define CATALOG_RENDER_H

#include "catalog_buf.h"
#include "catalog_model.h"

typedef enum cat_format { CAT_MARKDOWN = 0, CAT_HTML = 1 } cat_format;

/* Section headings, shared by both formats (the tests look for them). */
#define CAT_H_DESCRIPTION "Description"
#define CAT_H_ATTACK "MITRE ATT&CK coverage"
#define CAT_H_EVENTS "Event coverage"
#define CAT_H_BODY "Rule body"
#define CAT_H_STAGES "Stages and Predicates"
#define CAT_H_INDICATORS "Indicators"
#define CAT_H_INDEX_RULES "Rules"
#define CAT_H_INDEX_MATRIX "MITRE ATT&CK matrix"

/* One rule page. `link_index`: add a link back to the index page. */
void cat_md_page(text_buf *b, const cat_page *p, int link_index);
void cat_html_page(text_buf *b, const cat_page *p, int link_index);

/* What the index needs; built by cat_matrix_build from the pages of a run. */
typedef struct cat_matrix_cell {
    size_t tactic;    /* column: index into tactics */
    size_t technique; /* row: index into techniques */
    uint32_t rules;   /* rules tagged with both */
} cat_matrix_cell;

typedef struct cat_matrix {
    char **tactic_ids, **tactic_names; /* columns, ATT&CK order; id NULL = "no tactic" */
    size_t n_tactics;
    char **technique_ids, **technique_names; /* rows, by id; id NULL = "no technique" */
    uint32_t *technique_rules;               /* rules per row (a rule counts once per row) */
    size_t n_techniques;
    cat_matrix_cell *cells; /* sorted by (technique, tactic) */
    size_t n_cells;
} cat_matrix;

void cat_matrix_build(cat_matrix *m, cat_page *const *pages, size_t n);
void cat_matrix_free(cat_matrix *m);

/* The index page: pages are listed in the order given (the caller sorts). */
void cat_md_index(text_buf *b, cat_page *const *pages, size_t n, const cat_matrix *m);
void cat_html_index(text_buf *b, cat_page *const *pages, size_t n, const cat_matrix *m);

#endif
