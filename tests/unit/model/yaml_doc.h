/* Helpers for model tests that start from YAML text: parse, collect diagnostics, check them. */
#ifndef SG_TEST_YAML_DOC_H
#define SG_TEST_YAML_DOC_H

#include <stdio.h>
#include <string.h>

#include "diag/diag.h"
#include "load/yaml_tree.h"
#include "test.h"

typedef struct doc_run {
    sigma_diagnostics list;
    sg_diag_ctx ctx;
    sg_yaml_file file;
    sg_arena arena; /* for the reader under test */
} doc_run;

/* Parses `yaml` whatever its diagnostics; returns sg_yaml_parse's result. */
static inline int parse_any(doc_run *t, const char *yaml)
{
    memset(t, 0, sizeof *t);
    t->ctx.list = &t->list;
    t->ctx.source = "t.yml";
    return sg_yaml_parse(yaml, strlen(yaml), NULL, &t->ctx, &t->file);
}

/* Parses `yaml` (expected to be clean); returns the root of document `index` or NULL. */
static inline const sg_node *parse_doc_at(doc_run *t, const char *yaml, size_t index)
{
    int rc = parse_any(t, yaml);
    CHECK_MSG(rc == 0 && !t->file.failed && t->list.len == 0, "YAML did not parse cleanly: %s",
              t->list.len ? t->list.items[0].message : "(no diagnostic)");
    return index < t->file.doc_count ? t->file.docs[index].root : NULL;
}

static inline const sg_node *parse_doc(doc_run *t, const char *yaml)
{
    return parse_doc_at(t, yaml, 0);
}

static inline void doc_done(doc_run *t)
{
    sg_diagnostics_free_items(&t->list);
    sg_yaml_file_free(&t->file);
    sg_arena_free(&t->arena);
}

static inline void dump_diags(const doc_run *t)
{
    for (size_t i = 0; i < t->list.len; i++)
        fprintf(stderr, "  diag %zu: %d %s %u:%u %s\n", i, t->list.items[i].code,
                t->list.items[i].severity == SIGMA_SEVERITY_ERROR ? "error" : "warning",
                t->list.items[i].pos.line, t->list.items[i].pos.col, t->list.items[i].message);
}

/* Checks diagnostic i: code, line, col (severity not checked). */
static inline void check_diag(const doc_run *t, size_t i, int code, uint32_t line, uint32_t col,
                              int tline)
{
    CHECK_MSG(t->list.len > i, "line %d: no diagnostic %zu (have %zu)", tline, i, t->list.len);
    if (t->list.len <= i)
        return;
    const sg_diag *d = &t->list.items[i];
    CHECK_MSG(d->code == code, "line %d: diag %zu: code %d != %d (%s)", tline, i, d->code, code,
              d->message);
    CHECK_MSG(d->pos.line == line && d->pos.col == col,
              "line %d: diag %zu at %u:%u, expected %u:%u (%s)", tline, i, d->pos.line, d->pos.col,
              line, col, d->message);
}
#define CHECK_DIAG(t, i, code, line, col) check_diag((t), (i), (code), (line), (col), __LINE__)

/* Exactly one diagnostic, with that code and position. */
#define CHECK_ONE_DIAG(t, code, line, col)                                                         \
    do {                                                                                           \
        CHECK_MSG((t)->list.len == 1, "line %d: %zu diagnostics, expected 1", __LINE__,            \
                  (t)->list.len);                                                                  \
        if ((t)->list.len != 1)                                                                    \
            dump_diags(t);                                                                         \
        CHECK_DIAG((t), 0, (code), (line), (col));                                                 \
    } while (0)

/* Text of the scalar at n[k1] or n[k1][k2] (k2 NULL); NULL when missing. */
static inline const char *text_at(const sg_node *n, const char *k1, const char *k2)
{
    n = sg_map_get(n, k1);
    if (n && k2)
        n = sg_map_get(n, k2);
    return n && n->kind == SG_NODE_SCALAR ? n->text : NULL;
}

/* 1 if the map's keys are exactly `keys` (comma-separated), in that order. */
static inline int keys_are(const sg_node *map, const char *keys)
{
    if (!map || map->kind != SG_NODE_MAP)
        return 0;
    const char *p = keys;
    for (size_t i = 0; i < map->count; i++) {
        size_t n = strcspn(p, ",");
        if (n == 0 || map->keys[i]->text_len != n || memcmp(map->keys[i]->text, p, n) != 0)
            return 0;
        p += n;
        if (*p == ',')
            p++;
    }
    return *p == '\0';
}

#endif
