/* sigma-scan --explain: the `"explain": {...}` member of a match line, built from
 * libsigma's explain API (sigma_explain_new). */
#ifndef SIGMA_EXAMPLES_SCAN_EXPLAIN_H
#define SIGMA_EXAMPLES_SCAN_EXPLAIN_H

#include <stdio.h>

#include <sigma/sigma.h>

/* Writes the rest of one match line to `out`: `tail` (the line's rule members,
 * `, "id": ..., "path": ...}\n`) without its closing brace, then
 * `, "explain": {...}}\n`. The explain object is
 *   {"result": true,
 *    "stages": {"condition": true, "selection": false, ...},
 *    "predicates": [{"stage": "selection", "field": "CommandLine", "kind": "contains",
 *                    "modifiers": "|contains", "held": true, "value": "appcmd.exe",
 *                    "event_value": "..."}, ...]}
 * (filter stages are named "filter <id>: <name>"; "value"/"event_value" only when the
 * predicate held on a value). Returns 0, or a negative SIGMA_E_* status (nothing is
 * written then). */
int scan_explain_line(FILE *out, const sigma_ruleset *rs, uint32_t rule, const sigma_event *ev,
                      const char *tail);

#endif
