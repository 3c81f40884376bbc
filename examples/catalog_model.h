/* catalog_model.h - what one catalog page shows, independent of the output format.
 *
 * catalog_model.c fills these structs from libsigma's introspection API; the
 * Markdown and HTML renderers only read them. Strings are owned by the model
 * (copied), so a page outlives nothing but itself.
 */
#ifndef CATALOG_MODEL_H
#define CATALOG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <sigma/sigma.h>

typedef struct cat_strs {
    char **items;
    size_t count;
} cat_strs;

typedef struct cat_attack_row {
    char *tactic_id;      /* "TA0003", or NULL for a technique without a tactic tag */
    char *tactic_name;    /* "Persistence" */
    char *technique_id;   /* "T1505.004", or NULL for a tactic without a technique */
    char *technique_name; /* from --attack-names, or NULL */
} cat_attack_row;

typedef struct cat_event_row {
    char *provider; /* "Microsoft-Windows-Sysmon" */
    char *event_id; /* "1", as text */
    char *title;    /* "Process creation" */
} cat_event_row;

typedef struct cat_predicate {
    char *field; /* NULL for a keyword (field-less) value */
    char *kind;  /* operator with its modifiers: "endswith", "contains|all" */
    cat_strs values;
    uint32_t group; /* selection written as a list of maps: which map (0..) */
} cat_predicate;

typedef struct cat_stage {
    char *name; /* "condition" for stage 0, else the selection's name */
    char *text; /* stage 0: the condition text; else NULL */
    cat_predicate *preds;
    size_t n_preds;
    int grouped; /* a list of maps: it holds when the items of any one group all hold */
} cat_stage;

typedef struct cat_indicator {
    char *field;
    char *kind;
    cat_strs values;
    uint32_t corpus; /* rules of the loaded ruleset that use the same indicator */
} cat_indicator;

typedef struct cat_page {
    uint32_t rule; /* index in the ruleset */
    char *id, *title, *description, *status, *level, *author, *date, *modified;
    char *product, *category, *service, *source;
    char *yaml;
    cat_strs references, falsepositives, tags;
    cat_attack_row *attack;
    size_t n_attack;
    cat_event_row *events;
    size_t n_events;
    cat_stage *stages;
    size_t n_stages;
    cat_indicator *indicators;
    size_t n_indicators;
    char *correlation_type; /* correlation rules: "temporal", ...; else NULL */
    cat_strs correlates;    /* correlation rules: titles of the rules they reference */
    cat_strs referrers;     /* titles of the correlation rules that reference this one */
    char *file;             /* page file name without extension (unique within a run) */
} cat_page;

/* Fills `page` for rule `rule` of `rs`. Returns SIGMA_OK or a SIGMA_E_* status. */
int cat_page_load(const sigma_ruleset *rs, uint32_t rule, cat_page *page);
void cat_page_free(cat_page *page);
/* Frees what only the rule's own page shows (body, stages, indicators, events,
 * description and lists), keeping what the index needs. */
void cat_page_trim(cat_page *page);

/* The ATT&CK rows of one technique are consecutive (technique by technique, in tag
 * order): the end of the group that starts at row i. */
size_t cat_attack_group_end(const cat_page *page, size_t i);

/* The rule's tactics by name, in tag order: "Persistence, Execution" (every
 * technique group holds each tactic of the rule once), or "". Caller frees. */
char *cat_tactics_text(const cat_page *page);

/* "windows / process_creation" (product / category / service, the ones set), or
 * an empty string. Caller frees. */
char *cat_logsource_text(const cat_page *page);

#endif
