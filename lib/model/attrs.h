/* Shared readers for top-level document attributes (sigma-semantics.md §1.2): used by
 * rule_meta.c (detection rules), filter.c and correlation.c so that every document kind
 * validates title, id, status, level, dates, tags and logsource the same way.
 * Internal to lib/model. Returned strings are borrowed from the YAML tree unless noted. */
#ifndef SG_MODEL_ATTRS_H
#define SG_MODEL_ATTRS_H

#include <stddef.h>

#include "diag/diag.h"
#include "load/yaml_tree.h"
#include "util/arena.h"

typedef struct sg_str_list {
    const char **items; /* arena-allocated array of borrowed strings */
    size_t n;
} sg_str_list;

/* Reading state of one document: every reader reports through it. */
typedef struct sg_attr_reader {
    sg_arena *arena;
    sg_diag_ctx *diags;
    size_t errors; /* errors reported by this read */
    int oom;
} sg_attr_reader;

/* Counts an error reported with result `rc` (sg_error's return value). */
void sg_attr_note_error(sg_attr_reader *r, int rc);
#define SG_ATTR_ERR(r, code, pos, ...)                                                             \
    sg_attr_note_error((r), sg_error((r)->diags, (code), (pos), __VA_ARGS__))
/* 0 when no error was reported, 1 when one was, -1 when out of memory. */
int sg_attr_result(const sg_attr_reader *r);

/* Longest prefix (at most 100 bytes) of a scalar's text not cutting a UTF-8 sequence, for
 * quoting it in a message: printf("%.*s", SG_ATTR_QUOTED(n)). */
int sg_attr_clip(const char *s, size_t len);
#define SG_ATTR_QUOTED(n) sg_attr_clip((n)->text, (n)->text_len), (n)->text

typedef struct sg_attr_entry {
    const sg_node *key, *val; /* both NULL when absent */
} sg_attr_entry;

/* Last entry with that key in a map (a duplicate key is reported by the loader). */
sg_attr_entry sg_attr_find(const sg_node *map, const char *name);
int sg_attr_key_is(const sg_node *key, const char *name);
int sg_attr_is_null(const sg_node *n);
const char *sg_attr_kind_name(const sg_node *n); /* "a map", "a list", "a scalar" */
/* Case-insensitive (ASCII) equality of (s, len) with the lower-case `word`. */
int sg_attr_eq_nocase(const char *s, size_t len, const char *word);
/* Index of (s, len) in the NULL-terminated list of lower-case words (any case), or -1. */
int sg_attr_find_word(const char *s, size_t len, const char *const *words);

/* A copy of `map` without the entries whose key is `name` (new node in `arena`; keys and
 * values shared). NULL when out of memory. */
sg_node *sg_map_without(sg_arena *arena, const sg_node *map, const char *name);

/* An attribute that must be a scalar: its node, or NULL when absent/null (no diagnostic) or
 * not a scalar (SIGMA_DIAG_ATTRIBUTE_TYPE at the key). */
const sg_node *sg_attr_scalar(sg_attr_reader *r, sg_attr_entry e, const char *name);
/* Free text (any scalar): its text or NULL. */
const char *sg_attr_text(sg_attr_reader *r, const sg_node *root, const char *name);
/* `id`: must be a UUID (SIGMA_DIAG_BAD_ID); sets r->diags->rule_id to its text. */
const sg_node *sg_attr_id(sg_attr_reader *r, const sg_node *root);
/* `title`: required, at most 256 characters. */
const sg_node *sg_attr_title(sg_attr_reader *r, const sg_node *root);
/* `name`: optional, non-empty. */
const sg_node *sg_attr_name(sg_attr_reader *r, const sg_node *root);
/* `status` / `level`: canonical lower-case static string, or NULL. */
const char *sg_attr_status(sg_attr_reader *r, const sg_node *root);
const char *sg_attr_level(sg_attr_reader *r, const sg_node *root);
/* `date` / `modified`: normalised "YYYY-MM-DD" (arena), or NULL. */
const char *sg_attr_date(sg_attr_reader *r, const sg_node *root, const char *name);
/* A list attribute (a single scalar is a one-item list); `tags` are also checked. */
sg_str_list sg_attr_list(sg_attr_reader *r, const sg_node *root, const char *name);
/* `related`: checked only. */
void sg_attr_related(sg_attr_reader *r, const sg_node *root);
/* A required map attribute: the map, or NULL after a diagnostic (MISSING_ATTRIBUTE when
 * absent or null, `type_code` when not a map). */
const sg_node *sg_attr_required_map(sg_attr_reader *r, const sg_node *root, const char *name,
                                    int type_code);

typedef struct sg_logsource {
    const char *product, *category, *service, *definition;
    const sg_node *map; /* NULL when missing or invalid */
} sg_logsource;

/* `logsource` (required): a map setting at least one of category/product/service, each a
 * string (SIGMA_DIAG_BAD_LOGSOURCE). */
void sg_attr_logsource(sg_attr_reader *r, const sg_node *root, sg_logsource *out);

/* Copy of s into the reader's arena (NULL stays NULL; sets r->oom on failure). */
const char *sg_attr_dup(sg_attr_reader *r, const char *s);

/* 1 if s is a UUID in 8-4-4-4-12 hex form (any case). */
int sg_is_uuid(const char *s, size_t len);

#endif
