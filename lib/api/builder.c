/* The builder: YAML sources in, loaded rules and diagnostics accumulated, ruleset out.
 * One bad document never stops the others. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/options.h"
#include "compile/ruleset.h"
#include "load/yaml_tree.h"
#include "model/detection.h"
#include "model/rule_meta.h"
#include "util/vec.h"

struct sigma_builder {
    sigma_compile_options opts;
    sigma_diagnostics diags;
    sg_loaded_rule *rules;
    size_t nrules, rules_cap;
    uint32_t failed;
};

int sigma_builder_new(const sigma_compile_options *opts, sigma_builder **out)
{
    if (!out)
        return SIGMA_E_INVALID_ARG;
    sigma_builder *b = calloc(1, sizeof *b);
    if (!b)
        return SIGMA_E_NOMEM;
    if (opts)
        b->opts = *opts;
    else
        sg_options_defaults(&b->opts);
    *out = b;
    return SIGMA_OK;
}

void sigma_builder_free(sigma_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nrules; i++) {
        sg_rule_meta_free(&b->rules[i].meta);
        sg_rule_ir_free(&b->rules[i].ir);
    }
    free(b->rules);
    sg_diagnostics_free_items(&b->diags);
    free(b);
}

const sigma_diagnostics *sigma_builder_diagnostics(const sigma_builder *b)
{
    return b ? &b->diags : NULL;
}

uint32_t sigma_builder_failed_count(const sigma_builder *b) { return b ? b->failed : 0; }

/* ------------------------------------------------------------ one document */

static char *dup_opt(const char *s) { return s ? sg_strndup(s, strlen(s)) : NULL; }

/* Copies the metadata the ruleset keeps out of the YAML tree. */
static int keep_meta(const sg_rule_meta *m, const char *source, sg_rule *r)
{
    memset(r, 0, sizeof *r);
    const char *from[] = {m->id, m->title, m->name, m->level, m->status, m->description,
                          source, m->ls_product, m->ls_category, m->ls_service};
    char **to[] = {&r->id, &r->title, &r->name, &r->level, &r->status, &r->description,
                   &r->source, &r->ls_product, &r->ls_category, &r->ls_service};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
        if (from[i] && !(*to[i] = dup_opt(from[i])))
            return -1;
    if (m->tags.n) {
        if (!(r->tags = calloc(m->tags.n, sizeof *r->tags)))
            return -1;
        r->ntags = (uint32_t)m->tags.n;
        for (size_t i = 0; i < m->tags.n; i++)
            if (!(r->tags[i] = dup_opt(m->tags.items[i])))
                return -1;
    }
    return 0;
}

/* Loads one detection-rule document. Returns 0 kept, 1 rejected, -1 no memory. */
static int load_rule(sigma_builder *b, const sg_node *root, sg_diag_ctx *dc)
{
    sg_arena scratch = {0};
    sg_rule_meta meta;
    int rc = sg_rule_meta_read(root, &scratch, dc, &meta);
    sg_loaded_rule lr;
    memset(&lr, 0, sizeof lr);
    if (rc >= 0 && meta.detection) {
        int lrc = sg_detection_lower(meta.detection, dc, &lr.ir);
        if (lrc < 0 || rc == 0)
            rc = lrc;
    } else if (rc == 0) {
        rc = 1;
    }
    if (rc == 0 && (keep_meta(&meta, dc->source, &lr.meta) != 0 ||
                    SG_PUSH(b->rules, b->nrules, b->rules_cap, lr) != 0))
        rc = -1;
    if (rc != 0) {
        sg_rule_meta_free(&lr.meta);
        sg_rule_ir_free(&lr.ir);
    }
    sg_arena_free(&scratch);
    return rc;
}

/* Dispatches a document by kind (sigma-semantics.md §1.1). */
static int load_document(sigma_builder *b, const sg_yaml_doc *doc, sg_diag_ctx *dc)
{
    const sg_node *root = doc->root;
    if (root->kind != SG_NODE_MAP) {
        sg_error(dc, SIGMA_DIAG_NOT_A_MAP, root->pos, "a rule document must be a map");
        return 1;
    }
    static const char *const later[] = {"action", "correlation", "filter"};
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++) {
        const sg_node *k = sg_map_get(root, later[i]);
        if (k) {
            sg_error(dc, SIGMA_DIAG_UNSUPPORTED_DOCUMENT, k->pos,
                     "'%s' documents are not supported by this version of libsigma", later[i]);
            return 1;
        }
    }
    return load_rule(b, root, dc);
}

int sigma_builder_add_yaml(sigma_builder *b, const char *source_name, size_t source_name_len,
                           const char *yaml, size_t yaml_len, uint32_t *rules_added_out)
{
    if (rules_added_out)
        *rules_added_out = 0;
    if (!b || (!yaml && yaml_len) || (!source_name && source_name_len))
        return SIGMA_E_INVALID_ARG;
    if (yaml_len == SIGMA_NUL_TERMINATED)
        yaml_len = strlen(yaml);
    if (source_name && source_name_len == SIGMA_NUL_TERMINATED)
        source_name_len = strlen(source_name);
    char *name = source_name ? sg_strndup(source_name, source_name_len) : NULL;
    if (source_name && !name)
        return SIGMA_E_NOMEM;
    sg_diag_ctx dc = {.list = &b->diags, .source = name,
                      .no_warnings = (b->opts.values[SIGMA_PARAM_FLAGS] & SIGMA_COMPILE_NO_WARNINGS) != 0};
    sg_yaml_limits lim = {(size_t)b->opts.values[SIGMA_PARAM_MAX_YAML_BYTES],
                          (uint32_t)b->opts.values[SIGMA_PARAM_MAX_YAML_DEPTH],
                          (size_t)b->opts.values[SIGMA_PARAM_MAX_ALIAS_NODES]};
    sg_yaml_file f;
    memset(&f, 0, sizeof f);
    int rc = sg_yaml_parse(yaml ? yaml : "", yaml_len, &lim, &dc, &f);
    uint32_t added = 0;
    for (size_t i = 0; rc == 0 && i < f.doc_count; i++) {
        const sg_yaml_doc *doc = &f.docs[i];
        if (!doc->root)
            continue; /* an empty document (e.g. a trailing '---') */
        dc.rule_id = NULL;
        int drc = doc->bad ? 1 : load_document(b, doc, &dc);
        if (drc < 0)
            rc = -1;
        else if (drc > 0)
            b->failed++;
        else
            added++;
    }
    if (rc == 0 && f.failed)
        b->failed++; /* the part of the file after a syntax error is one lost document */
    sg_yaml_file_free(&f);
    free(name);
    if (rules_added_out)
        *rules_added_out = added;
    if (rc < 0)
        return SIGMA_E_NOMEM;
    return dc.errors ? SIGMA_E_COMPILE : SIGMA_OK;
}

/* ------------------------------------------------------------ files, dirs */

static int io_error(sigma_builder *b, const char *path, const char *what)
{
    sg_diag_ctx dc = {.list = &b->diags, .source = path};
    sg_error(&dc, SIGMA_DIAG_IO, SG_POS_UNKNOWN, "%s: %s", what, strerror(errno));
    b->failed++;
    return SIGMA_E_IO;
}

static int add_file_z(sigma_builder *b, const char *path, uint32_t *added)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return io_error(b, path, "cannot open");
    sg_buf data = {0};
    char chunk[65536];
    size_t n;
    size_t cap = (size_t)b->opts.values[SIGMA_PARAM_MAX_YAML_BYTES];
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (sg_buf_append(&data, chunk, n) != 0) {
            fclose(fp);
            sg_buf_free(&data);
            return SIGMA_E_NOMEM;
        }
        if (data.len > cap)
            break; /* the loader reports the size limit */
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        sg_buf_free(&data);
        return io_error(b, path, "cannot read");
    }
    int rc = sigma_builder_add_yaml(b, path, strlen(path), data.data ? data.data : "", data.len, added);
    sg_buf_free(&data);
    return rc;
}

static int has_yaml_suffix(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int worse(int a, int b) { return a == SIGMA_OK ? b : a; }

static int add_path_z(sigma_builder *b, const char *path, uint32_t *added, int depth);

static int add_dir(sigma_builder *b, const char *path, uint32_t *added, int depth)
{
    DIR *d = opendir(path);
    if (!d)
        return io_error(b, path, "cannot open directory");
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = SIGMA_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..", and hidden entries such as .git */
        char *s = sg_strndup(e->d_name, strlen(e->d_name));
        if (!s || SG_PUSH(names, n, cap, s) != 0) {
            free(s);
            rc = SIGMA_E_NOMEM;
            break;
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    sg_buf child = {0};
    for (size_t i = 0; i < n; i++) {
        sg_buf_clear(&child);
        if (rc != SIGMA_E_NOMEM && sg_buf_printf(&child, "%s/%s", path, names[i]) == 0) {
            struct stat st;
            if (stat(child.data, &st) == 0 && S_ISDIR(st.st_mode))
                rc = worse(rc, add_path_z(b, child.data, added, depth + 1));
            else if (has_yaml_suffix(names[i]))
                rc = worse(rc, add_path_z(b, child.data, added, depth + 1));
        }
        free(names[i]);
    }
    sg_buf_free(&child);
    free(names);
    return rc;
}

static int add_path_z(sigma_builder *b, const char *path, uint32_t *added, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return io_error(b, path, "cannot access");
    if (S_ISDIR(st.st_mode)) {
        if (depth > 64) {
            errno = ELOOP;
            return io_error(b, path, "directory tree too deep");
        }
        return add_dir(b, path, added, depth);
    }
    uint32_t n = 0;
    int rc = add_file_z(b, path, &n);
    *added += n;
    return rc;
}

static int with_path(sigma_builder *b, const char *path, size_t len, uint32_t *out, int dirs)
{
    if (out)
        *out = 0;
    if (!b || !path)
        return SIGMA_E_INVALID_ARG;
    char *p = sg_strndup(path, len == SIGMA_NUL_TERMINATED ? strlen(path) : len);
    if (!p)
        return SIGMA_E_NOMEM;
    uint32_t added = 0;
    int rc = dirs ? add_path_z(b, p, &added, 0) : add_file_z(b, p, &added);
    free(p);
    if (out)
        *out = added;
    return rc;
}

int sigma_builder_add_file(sigma_builder *b, const char *path, size_t path_len,
                           uint32_t *rules_added_out)
{
    return with_path(b, path, path_len, rules_added_out, 0);
}

int sigma_builder_add_path(sigma_builder *b, const char *path, size_t path_len,
                           uint32_t *rules_added_out)
{
    return with_path(b, path, path_len, rules_added_out, 1);
}

int sigma_builder_build(sigma_builder *b, sigma_ruleset **out)
{
    if (!b || !out)
        return SIGMA_E_INVALID_ARG;
    *out = NULL;
    if ((b->opts.values[SIGMA_PARAM_FLAGS] & SIGMA_COMPILE_STRICT) && b->diags.errors)
        return SIGMA_E_COMPILE;
    sg_compile_limits lim = {(uint32_t)b->opts.values[SIGMA_PARAM_REGEX_MATCH_LIMIT],
                             (uint32_t)b->opts.values[SIGMA_PARAM_REGEX_DEPTH_LIMIT]};
    return sg_ruleset_compile(b->rules, b->nrules, &lim, out);
}
