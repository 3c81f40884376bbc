/* Multi-document files: legacy action documents (`action: global / reset /
 * repeat`, sigma-semantics.md §1.3) resolved into the list of documents to load. */
#ifndef SG_MODEL_COLLECTION_H
#define SG_MODEL_COLLECTION_H

#include <stddef.h>

#include "diag/diag.h"
#include "load/yaml_tree.h"

typedef struct sg_doc_ref {
    const sg_node *root;    /* merged document (arena nodes), never NULL */
    const sg_yaml_doc *src; /* the YAML document it came from (text range, position) */
} sg_doc_ref;

/* Walks the documents of `f` in order:
 *  - `action: global`: its other keys become the template (a later global replaces
 *    it, as pySigma does); `action: reset` drops the template; `action: repeat`:
 *    deep-merges the document (minus `action`) into the previously emitted rule and
 *    emits the result as a new document; another action value -> error
 *    SIGMA_DIAG_UNSUPPORTED_DOCUMENT at the value.
 *  - a correlation (`correlation` key) or filter (`filter` key) document is emitted
 *    unchanged (templates never apply to them);
 *  - any other document (a rule) is emitted deep-merged with the template; the
 *    template WINS on conflicts (pySigma merges the template into the rule); maps
 *    merge recursively, everything else is replaced.
 * Empty documents and documents marked bad are skipped (bad ones counted in
 * *bad_docs). Merged nodes are allocated in `arena`; unchanged nodes are shared with
 * the tree. Returns 0, 1 if an action document had an error (counted in *bad_docs
 * too), -1 no memory. *out is an arena array; *n and *bad_docs are set (not added to).
 * Details (collection.c): a `repeat` merges into the previous emitted document with the
 * REPEAT document winning; right after a `global` that previous document is the
 * template; `repeat` with nothing before it is an error; `action:` with a null value is
 * no action; a non-map document is passed on unchanged (its reader reports it). */
int sg_collection_resolve(const sg_yaml_file *f, sg_arena *arena, sg_diag_ctx *diags,
                          sg_doc_ref **out, size_t *n, size_t *bad_docs);

#endif
