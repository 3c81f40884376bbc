/* Top-level attributes of a detection rule (sigma-semantics.md §1.2) and their
 * validation. Strings are borrowed from the YAML tree. */
#ifndef SG_MODEL_RULE_META_H
#define SG_MODEL_RULE_META_H

#include <stddef.h>

#include "diag/diag.h"
#include "load/yaml_tree.h"
#include "model/attrs.h" /* sg_str_list, sg_is_uuid and the shared attribute readers */

typedef struct sg_rule_meta {
    const char *title, *id, *name, *status, *level, *description, *license, *author;
    const char *date, *modified, *taxonomy;
    sg_str_list tags, references, falsepositives, fields, scope;
    const char *ls_product, *ls_category, *ls_service, *ls_definition;
    const sg_node *logsource; /* the map, for extra keys */
    const sg_node *detection; /* the detection map (validated to be a map) */
    const sg_node *title_node, *id_node;
} sg_rule_meta;

/* Reads and validates the attributes of a detection-rule document whose root is
 * `root`. Each problem is a diagnostic at the offending node:
 *   not a map (SIGMA_DIAG_NOT_A_MAP); missing title/logsource/detection or
 *   detection without condition (SIGMA_DIAG_MISSING_ATTRIBUTE); wrong YAML type
 *   (SIGMA_DIAG_ATTRIBUTE_TYPE); id not a UUID (SIGMA_DIAG_BAD_ID); status or level
 *   not an allowed value, case-insensitive (SIGMA_DIAG_BAD_STATUS/LEVEL); tag not
 *   ^[a-z0-9_-]+\.[a-z0-9._-]+$ (SIGMA_DIAG_BAD_TAG); date/modified not YYYY-MM-DD
 *   (also YYYY/MM/DD or a YAML date) (SIGMA_DIAG_BAD_DATE); logsource not a map, no
 *   category/product/service, or a non-string value (SIGMA_DIAG_BAD_LOGSOURCE);
 *   title longer than 256 characters (SIGMA_DIAG_TITLE_TOO_LONG); related entries
 *   without id/type or with an unknown type (SIGMA_DIAG_BAD_RELATED).
 * Unknown top-level keys are accepted. `diags->rule_id` is set to the id text as
 * soon as it is read, so later diagnostics carry it.
 * Returns 0 when the rule is valid, 1 when at least one error was reported,
 * -1 when out of memory. `status` and `level` are returned lower-cased (static canonical
 * strings); `date` and `modified` are normalised to "YYYY-MM-DD" (arena).
 * Details: a null value (`key:` with nothing) counts as absent, except for the required
 * title/logsource/detection (SIGMA_DIAG_MISSING_ATTRIBUTE at the key). Free-text attributes
 * (title, name, author, description, license, taxonomy, logsource definition) accept any
 * scalar and use its text; maps/lists there are SIGMA_DIAG_ATTRIBUTE_TYPE at the key. List
 * attributes (tags, references, falsepositives, fields, scope) accept a single scalar as a
 * one-item list; null items are skipped (a null tag is a bad tag). logsource
 * category/product/service must be string scalars (an int/bool is SIGMA_DIAG_BAD_LOGSOURCE,
 * as in pySigma). `related` type is case-insensitive and may also be `obsoletes` or
 * `correlation`. An empty `name` is SIGMA_DIAG_ATTRIBUTE_TYPE. */
int sg_rule_meta_read(const sg_node *root, sg_arena *arena, sg_diag_ctx *diags, sg_rule_meta *out);

#endif
