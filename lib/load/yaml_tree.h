/* The loader: libyaml's event API into a small located tree (one per document).
 *
 * Scalars carry the YAML 1.1 implicit type that PyYAML's safe loader (and so
 * pySigma) would give them; quoted scalars are always strings. Anchors/aliases
 * share nodes (the tree is a DAG); all nodes live in the arena of the
 * sg_yaml_file they belong to. */
#ifndef SG_LOAD_YAML_TREE_H
#define SG_LOAD_YAML_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "diag/diag.h"
#include "util/arena.h"

typedef enum { SG_NODE_SCALAR = 1, SG_NODE_SEQ, SG_NODE_MAP } sg_node_kind;

typedef enum {
    SG_SCALAR_STR = 1, /* quoted, or plain text that is no other type */
    SG_SCALAR_INT,     /* 23, 0x17, 010 (octal), 0b101, 1_000, 1:20 (base 60) */
    SG_SCALAR_FLOAT,   /* 1.5, 1., .inf, .nan (YAML 1.1 float grammar) */
    SG_SCALAR_BOOL,    /* yes/no/on/off/true/false in lower, Title, UPPER case (not y/n) */
    SG_SCALAR_NULL,    /* ~, null, Null, NULL, empty plain scalar */
    SG_SCALAR_DATE     /* 2019-10-23 or a YAML 1.1 timestamp */
} sg_scalar_type;

typedef struct sg_node sg_node;
struct sg_node {
    sg_node_kind kind;
    sg_pos pos; /* start of the node (for a map/seq: its first token) */
    /* scalars */
    sg_scalar_type type;
    int quoted;       /* 1 for single/double quoted, literal or folded block */
    const char *text; /* scalar text after YAML unescaping; NUL-terminated */
    size_t text_len;
    int exact;    /* the text is the source right after pos (after the opening quote): one
                     line, no escapes, no anchor or tag before it (see sg_scalar_text_pos) */
    int64_t ival; /* SG_SCALAR_INT (values outside int64 become SG_SCALAR_STR) */
    double fval;  /* SG_SCALAR_FLOAT */
    int bval;     /* SG_SCALAR_BOOL */
    /* sequences and maps: count entries; for maps keys[i] -> values[i], keys are scalars */
    size_t count;
    sg_node **items; /* seq items, or map values */
    sg_node **keys;  /* map keys (NULL for sequences) */
};

typedef struct sg_yaml_doc {
    sg_node *root;     /* NULL for an empty document */
    sg_pos start;      /* position of the document start */
    size_t byte_start; /* the document's text is src[byte_start, byte_end) */
    size_t byte_end;
    int bad; /* an error (duplicate key, non-scalar key, bad merge) was reported inside */
} sg_yaml_doc;

/* A zero field (or a NULL limits pointer) means the default: 16 MiB, depth 64,
 * 100000 alias nodes. */
typedef struct sg_yaml_limits {
    size_t max_bytes;   /* larger sources are rejected (SIGMA_DIAG_YAML_TOO_LARGE) */
    uint32_t max_depth; /* nesting deeper than this is rejected (SIGMA_DIAG_YAML_TOO_DEEP) */
    size_t
        max_alias_nodes; /* total nodes reachable through aliases (SIGMA_DIAG_YAML_ALIAS_LIMIT) */
} sg_yaml_limits;

typedef struct sg_yaml_file {
    sg_arena arena;    /* owns every node and string */
    sg_yaml_doc *docs; /* every document parsed before the first fatal error */
    size_t doc_count;
    int failed; /* 1 if a syntax error or limit stopped parsing; documents
                   before the error are still in docs */
} sg_yaml_file;

/* Parses src[0, len). Problems are reported to `diags` with 1-based line/column and
 * byte offset: syntax errors (SIGMA_DIAG_YAML_SYNTAX), duplicate keys in a map
 * (SIGMA_DIAG_YAML_DUPLICATE_KEY, at the second key), non-scalar keys, limits.
 * A duplicate key or non-scalar key marks only its own document `bad` (the tree is
 * still built, the later duplicate wins), as does a merge key `<<` whose value is not
 * a map or list of maps (SIGMA_DIAG_YAML_SYNTAX). A syntax error (including an
 * undefined, duplicate or self-containing anchor/alias), an encoding error
 * (SIGMA_DIAG_YAML_ENCODING) or a limit stops parsing:
 * documents completed before it are kept, `failed` is set. Every diagnostic uses
 * the rule_id already set in `diags` (normally NULL at this stage).
 * Returns 0, or -1 when out of memory. Never crashes or hangs on any input. */
int sg_yaml_parse(const char *src, size_t len, const sg_yaml_limits *limits, sg_diag_ctx *diags,
                  sg_yaml_file *out);
void sg_yaml_file_free(sg_yaml_file *f);

/* Position of byte `offset` of scalar n's text: exact when n->exact (column in code
 * points), else the scalar's own position (a folded or escaped scalar has no simple
 * mapping back to the source). */
sg_pos sg_scalar_text_pos(const sg_node *n, size_t offset);

/* Map lookup by key text (exact, case-sensitive); NULL if absent or not a map. */
const sg_node *sg_map_get(const sg_node *map, const char *key);

#endif
