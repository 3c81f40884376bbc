/* Log source mapping (sigma-semantics.md §8): which events belong to which Sigma
 * logsource (e.g. Channel "Microsoft-Windows-Sysmon/Operational" + EventID 1 ->
 * windows/process_creation), how their fields are named for the rules of that
 * logsource (Security 4688 NewProcessName -> Image), and which events a logsource
 * covers (provider, event id, title; used by the catalog). Loaded from YAML; a
 * built-in default covers Windows (Sysmon, Security, PowerShell, services) and
 * Sysmon for Linux. The format is documented in docs/mapping.md. */
#ifndef SG_MAPPING_MAPPING_H
#define SG_MAPPING_MAPPING_H

#include <stddef.h>
#include <stdint.h>

#include "diag/diag.h"
#include "util/arena.h"

/* One condition on an event: the field equals one of the values. Values are
 * compared as text, case-insensitively (full case folding, as for rule values);
 * numbers in events compare by their decimal text (EventID 1 equals "1"). */
typedef struct sg_map_cond {
    const char *field;
    const char **values;
    size_t nvalues;
    /* Filled when the mapping is compiled into a ruleset (index/routing.c): the values
     * case-folded like event values, and their lengths, so matching compares bytes. */
    const char **folded;
    size_t *folded_lens;
} sg_map_cond;

/* A rule field and the event fields that hold it for this logsource, in order of
 * preference (1:1 or 1:n alternatives). */
typedef struct sg_map_rename {
    const char *rule_field;
    const char **event_fields;
    size_t nevent_fields;
} sg_map_rename;

typedef struct sg_map_coverage {
    const char *provider;
    int64_t event_id; /* -1 when not given */
    const char *title;
} sg_map_coverage;

typedef struct sg_map_entry {
    const char *product, *category, *service; /* the logsource it assigns; NULL = unset */
    sg_map_cond *conds; /* all must hold; none = the entry never classifies events */
    size_t nconds;
    sg_map_rename *renames;
    size_t nrenames;
    sg_map_coverage *coverage;
    size_t ncoverage;
    sg_pos pos;
} sg_map_entry;

typedef struct sg_mapping {
    sg_arena arena; /* every string and array of the entries */
    sg_map_entry *entries;
    size_t n, cap;
} sg_mapping;

/* Appends the entries of a mapping YAML document to m. Problems are diagnostics
 * (SIGMA_DIAG_BAD_MAPPING) at the offending node; a bad entry is skipped, the
 * others are kept. Returns 0, 1 if any error was reported, -1 no memory. */
int sg_mapping_load_yaml(sg_mapping *m, const char *src, size_t len, sg_diag_ctx *diags);

/* The built-in default mapping (YAML text, static storage). */
const char *sg_mapping_default_yaml(size_t *len);

void sg_mapping_free(sg_mapping *m);

#endif
