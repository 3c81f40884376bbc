/* Conformance runner: checks every vector file in a directory through the public API.
 *
 *   run_vectors [--no-fork] [-v] VECTOR_DIR [NUMBER ...]
 *   run_vectors --export OUT_DIR VECTOR_DIR
 *
 * A vector file (tests/conformance/vectors/NN.yml, format in README.md) holds one or
 * more entries; an entry is a complete Sigma rule plus either a list of events with the
 * expected verdict or the diagnostic code the rule must be rejected with.
 *
 * Check mode compiles each entry's rule on its own builder, matches every event (collect
 * mode and callback mode must agree) and prints each failure with vector, entry, case
 * and note. Each entry runs in a child process unless --no-fork is given, so that a
 * crash is reported against its vector and the remaining vectors still run. NUMBER
 * arguments restrict the run to those vectors.
 *
 * Export mode writes, for the CLI runner (run_vectors_cli.py), one directory per entry
 * with rule.yml and events.jsonl, and OUT_DIR/manifest.json describing the expectations.
 *
 * Exit status: 0 all checks passed, 1 some check failed, 2 bad usage or bad vector file. */
#include <sigma/sigma.h>

#include "json_event.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml.h>

/* ------------------------------------------------------------------ model */

#define MAX_CODES 8

typedef struct {
    char *event; /* JSON object text, one line */
    int match;   /* expected verdict */
    char *note;  /* may be NULL */
    unsigned line;
} vcase;

typedef struct {
    char *rule; /* complete Sigma rule document */
    size_t rule_len;
    char *note;
    int codes[MAX_CODES]; /* load_error alternatives; ncodes == 0: the rule must load */
    size_t ncodes;
    vcase *cases;
    size_t ncases;
    unsigned line;
} ventry;

typedef struct {
    char *path;
    int number;
    char *title;
    ventry *entries;
    size_t nentries;
} vfile;

static const struct {
    const char *name;
    int code;
} diag_names[] = {
    {"SIGMA_DIAG_YAML_SYNTAX", SIGMA_DIAG_YAML_SYNTAX},
    {"SIGMA_DIAG_YAML_DUPLICATE_KEY", SIGMA_DIAG_YAML_DUPLICATE_KEY},
    {"SIGMA_DIAG_YAML_TOO_DEEP", SIGMA_DIAG_YAML_TOO_DEEP},
    {"SIGMA_DIAG_YAML_TOO_LARGE", SIGMA_DIAG_YAML_TOO_LARGE},
    {"SIGMA_DIAG_YAML_ALIAS_LIMIT", SIGMA_DIAG_YAML_ALIAS_LIMIT},
    {"SIGMA_DIAG_YAML_NON_SCALAR_KEY", SIGMA_DIAG_YAML_NON_SCALAR_KEY},
    {"SIGMA_DIAG_YAML_ENCODING", SIGMA_DIAG_YAML_ENCODING},
    {"SIGMA_DIAG_IO", SIGMA_DIAG_IO},
    {"SIGMA_DIAG_NOT_A_MAP", SIGMA_DIAG_NOT_A_MAP},
    {"SIGMA_DIAG_MISSING_ATTRIBUTE", SIGMA_DIAG_MISSING_ATTRIBUTE},
    {"SIGMA_DIAG_ATTRIBUTE_TYPE", SIGMA_DIAG_ATTRIBUTE_TYPE},
    {"SIGMA_DIAG_BAD_ID", SIGMA_DIAG_BAD_ID},
    {"SIGMA_DIAG_BAD_STATUS", SIGMA_DIAG_BAD_STATUS},
    {"SIGMA_DIAG_BAD_LEVEL", SIGMA_DIAG_BAD_LEVEL},
    {"SIGMA_DIAG_BAD_TAG", SIGMA_DIAG_BAD_TAG},
    {"SIGMA_DIAG_BAD_DATE", SIGMA_DIAG_BAD_DATE},
    {"SIGMA_DIAG_BAD_LOGSOURCE", SIGMA_DIAG_BAD_LOGSOURCE},
    {"SIGMA_DIAG_TITLE_TOO_LONG", SIGMA_DIAG_TITLE_TOO_LONG},
    {"SIGMA_DIAG_BAD_RELATED", SIGMA_DIAG_BAD_RELATED},
    {"SIGMA_DIAG_UNSUPPORTED_DOCUMENT", SIGMA_DIAG_UNSUPPORTED_DOCUMENT},
    {"SIGMA_DIAG_BAD_DETECTION", SIGMA_DIAG_BAD_DETECTION},
    {"SIGMA_DIAG_UNKNOWN_MODIFIER", SIGMA_DIAG_UNKNOWN_MODIFIER},
    {"SIGMA_DIAG_INVALID_MODIFIER_CHAIN", SIGMA_DIAG_INVALID_MODIFIER_CHAIN},
    {"SIGMA_DIAG_BAD_VALUE_TYPE", SIGMA_DIAG_BAD_VALUE_TYPE},
    {"SIGMA_DIAG_BAD_REGEX", SIGMA_DIAG_BAD_REGEX},
    {"SIGMA_DIAG_EMPTY_VALUE_LIST", SIGMA_DIAG_EMPTY_VALUE_LIST},
    {"SIGMA_DIAG_ALL_SINGLE_VALUE", SIGMA_DIAG_ALL_SINGLE_VALUE},
    {"SIGMA_DIAG_BAD_FIELD_NAME", SIGMA_DIAG_BAD_FIELD_NAME},
    {"SIGMA_DIAG_CONDITION_SYNTAX", SIGMA_DIAG_CONDITION_SYNTAX},
    {"SIGMA_DIAG_UNDEFINED_IDENTIFIER", SIGMA_DIAG_UNDEFINED_IDENTIFIER},
    {"SIGMA_DIAG_EMPTY_QUANTIFIER", SIGMA_DIAG_EMPTY_QUANTIFIER},
    {"SIGMA_DIAG_AGGREGATION", SIGMA_DIAG_AGGREGATION},
    {"SIGMA_DIAG_CONDITION_TYPE", SIGMA_DIAG_CONDITION_TYPE},
};

static const char *diag_name(int code) {
    for (size_t i = 0; i < sizeof diag_names / sizeof diag_names[0]; i++)
        if (diag_names[i].code == code)
            return diag_names[i].name;
    return "?";
}

/* Accepts "SIGMA_DIAG_BAD_REGEX", "BAD_REGEX" or "3005". */
static int diag_code(const char *s, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s != '\0' && *end == '\0' && v > 0 && v < INT_MAX) {
        *out = (int)v;
        return 0;
    }
    for (size_t i = 0; i < sizeof diag_names / sizeof diag_names[0]; i++) {
        const char *n = diag_names[i].name;
        if (strcmp(s, n) == 0 || strcmp(s, n + strlen("SIGMA_DIAG_")) == 0) {
            *out = diag_names[i].code;
            return 0;
        }
    }
    return -1;
}

/* --------------------------------------------------------------- utilities */

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("run_vectors: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n) {
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

/* ---------------------------------------------------------- vector parsing */

typedef struct {
    const char *path;
    yaml_document_t *doc;
} pctx;

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif
static int ferr(const pctx *c, const yaml_node_t *n, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int ferr(const pctx *c, const yaml_node_t *n, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s:%lu: bad vector file: ", c->path,
            n ? (unsigned long)n->start_mark.line + 1 : 0ul);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static const char *scalar(const yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Checks that every key of map `m` is in the NULL-terminated list `allowed`. */
static int check_keys(const pctx *c, yaml_node_t *m, const char *const *allowed) {
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        const char *ks = scalar(k);
        if (!ks)
            return ferr(c, k, "non-scalar key");
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, ks) == 0)
                ok = 1;
        if (!ok)
            return ferr(c, k, "unknown key '%s'", ks);
        for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++)
            if (strcmp(scalar(yaml_document_get_node(c->doc, q->key)), ks) == 0)
                return ferr(c, k, "duplicate key '%s'", ks);
    }
    return 0;
}

static yaml_node_t *map_get(const pctx *c, yaml_node_t *m, const char *key) {
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *ks = scalar(yaml_document_get_node(c->doc, p->key));
        if (ks && strcmp(ks, key) == 0)
            return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

static int parse_case(const pctx *c, yaml_node_t *n, vcase *out) {
    static const char *const keys[] = {"event", "match", "note", NULL};
    if (n->type != YAML_MAPPING_NODE)
        return ferr(c, n, "a case must be a map {event, match, note}");
    if (check_keys(c, n, keys))
        return -1;
    yaml_node_t *ev = map_get(c, n, "event"), *m = map_get(c, n, "match"),
                *note = map_get(c, n, "note");
    if (!scalar(ev))
        return ferr(c, n, "case without 'event' string");
    if (!scalar(m) || (strcmp(scalar(m), "true") != 0 && strcmp(scalar(m), "false") != 0))
        return ferr(c, n, "case needs 'match: true' or 'match: false'");
    if (note && !scalar(note))
        return ferr(c, note, "'note' must be a string");
    const char *evs = scalar(ev);
    if (strchr(evs, '\n') || strchr(evs, '\r'))
        return ferr(c, ev, "event must be one line of JSON");
    json_error_t jerr;
    json_t *j = json_loads(evs, JSON_REJECT_DUPLICATES, &jerr);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return ferr(c, ev, "event is not a JSON object: %s", j ? "not an object" : jerr.text);
    }
    json_decref(j);
    out->event = xstrndup(evs, strlen(evs));
    out->match = strcmp(scalar(m), "true") == 0;
    out->note = note ? xstrndup(scalar(note), strlen(scalar(note))) : NULL;
    out->line = (unsigned)n->start_mark.line + 1;
    return 0;
}

static int parse_entry(const pctx *c, yaml_node_t *n, ventry *out) {
    static const char *const keys[] = {"rule", "note", "cases", "load_error", NULL};
    memset(out, 0, sizeof *out);
    out->line = (unsigned)n->start_mark.line + 1;
    if (n->type != YAML_MAPPING_NODE)
        return ferr(c, n, "an entry must be a map {rule, cases | load_error, note}");
    if (check_keys(c, n, keys))
        return -1;
    yaml_node_t *rule = map_get(c, n, "rule"), *note = map_get(c, n, "note"),
                *cases = map_get(c, n, "cases"), *le = map_get(c, n, "load_error");
    if (!scalar(rule))
        return ferr(c, n, "entry without 'rule' string");
    out->rule_len = rule->data.scalar.length;
    out->rule = xstrndup(scalar(rule), out->rule_len);
    if (note) {
        if (!scalar(note))
            return ferr(c, note, "'note' must be a string");
        out->note = xstrndup(scalar(note), strlen(scalar(note)));
    }
    if (!cases == !le)
        return ferr(c, n, "an entry needs exactly one of 'cases' and 'load_error'");
    if (le) {
        yaml_node_t *items[MAX_CODES];
        size_t n_items = 0;
        if (le->type == YAML_SCALAR_NODE) {
            items[n_items++] = le;
        } else if (le->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *i = le->data.sequence.items.start;
                 i < le->data.sequence.items.top; i++) {
                if (n_items == MAX_CODES)
                    return ferr(c, le, "more than %d codes in 'load_error'", MAX_CODES);
                items[n_items++] = yaml_document_get_node(c->doc, *i);
            }
        }
        if (n_items == 0)
            return ferr(c, le, "'load_error' must be a code or a list of codes");
        for (size_t i = 0; i < n_items; i++) {
            const char *cs = scalar(items[i]);
            if (!cs || diag_code(cs, &out->codes[out->ncodes]))
                return ferr(c, items[i], "unknown diagnostic code '%s'", cs ? cs : "(non-scalar)");
            out->ncodes++;
        }
        return 0;
    }
    if (cases->type != YAML_SEQUENCE_NODE || cases->data.sequence.items.start ==
                                                 cases->data.sequence.items.top)
        return ferr(c, cases, "'cases' must be a non-empty list");
    size_t n_items = (size_t)(cases->data.sequence.items.top - cases->data.sequence.items.start);
    out->cases = xmalloc(n_items * sizeof *out->cases);
    memset(out->cases, 0, n_items * sizeof *out->cases);
    for (size_t i = 0; i < n_items; i++) {
        if (parse_case(c, yaml_document_get_node(c->doc, cases->data.sequence.items.start[i]),
                       &out->cases[i]))
            return -1;
        out->ncases++;
    }
    return 0;
}

static void free_vfile(vfile *v) {
    for (size_t i = 0; i < v->nentries; i++) {
        ventry *e = &v->entries[i];
        for (size_t j = 0; j < e->ncases; j++) {
            free(e->cases[j].event);
            free(e->cases[j].note);
        }
        free(e->cases);
        free(e->rule);
        free(e->note);
    }
    free(v->entries);
    free(v->title);
    free(v->path);
    memset(v, 0, sizeof *v);
}

/* Vector number from the file name: leading decimal digits of the base name. */
static int number_from_name(const char *name) {
    int n = 0, digits = 0;
    for (; *name >= '0' && *name <= '9' && digits < 6; name++, digits++)
        n = n * 10 + (*name - '0');
    return digits ? n : -1;
}

static int load_vfile(const char *dir, const char *name, vfile *out) {
    memset(out, 0, sizeof *out);
    size_t plen = strlen(dir) + 1 + strlen(name) + 1;
    out->path = xmalloc(plen);
    snprintf(out->path, plen, "%s/%s", dir, name);

    size_t len;
    char *text = read_file(out->path, &len);
    if (!text) {
        fprintf(stderr, "%s: cannot read: %s\n", out->path, strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        fprintf(stderr, "%s:%lu: YAML error: %s %s\n", out->path,
                (unsigned long)parser.problem_mark.line + 1, parser.problem ? parser.problem : "",
                parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        free(text);
        return -1;
    }
    pctx c = {out->path, &doc};
    int rc = -1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    static const char *const keys[] = {"vector", "title", "source", "entries", NULL};
    if (!root || root->type != YAML_MAPPING_NODE) {
        ferr(&c, root, "the document must be a map {vector, title, source, entries}");
        goto done;
    }
    if (check_keys(&c, root, keys))
        goto done;
    yaml_node_t *num = map_get(&c, root, "vector"), *title = map_get(&c, root, "title"),
                *entries = map_get(&c, root, "entries");
    char *end = NULL;
    long vn = scalar(num) ? strtol(scalar(num), &end, 10) : -1;
    if (!scalar(num) || *end != '\0' || vn < 0 || vn > 999999) {
        ferr(&c, root, "'vector' must be a number");
        goto done;
    }
    out->number = (int)vn;
    if (number_from_name(name) != out->number) {
        ferr(&c, num, "'vector: %d' does not match the file name", out->number);
        goto done;
    }
    if (title) {
        if (!scalar(title)) {
            ferr(&c, title, "'title' must be a string");
            goto done;
        }
        out->title = xstrndup(scalar(title), strlen(scalar(title)));
    }
    if (!entries || entries->type != YAML_SEQUENCE_NODE ||
        entries->data.sequence.items.start == entries->data.sequence.items.top) {
        ferr(&c, root, "'entries' must be a non-empty list");
        goto done;
    }
    size_t n = (size_t)(entries->data.sequence.items.top - entries->data.sequence.items.start);
    out->entries = xmalloc(n * sizeof *out->entries);
    memset(out->entries, 0, n * sizeof *out->entries);
    for (size_t i = 0; i < n; i++) {
        out->nentries++;
        if (parse_entry(&c, yaml_document_get_node(&doc, entries->data.sequence.items.start[i]),
                        &out->entries[i]))
            goto done;
    }
    rc = 0;
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(text);
    return rc;
}

static int cmp_names(const void *a, const void *b) {
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int nx = number_from_name(x), ny = number_from_name(y);
    if (nx != ny)
        return nx < ny ? -1 : 1;
    return strcmp(x, y);
}

/* Sorted list of *.yml names in `dir` (by vector number). */
static char **list_vectors(const char *dir, size_t *count) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open: %s\n", dir, strerror(errno));
        return NULL;
    }
    size_t n = 0, cap = 128;
    char **names = xmalloc(cap * sizeof *names);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".yml") != 0 || de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap *= 2;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn) {
                fputs("run_vectors: out of memory\n", stderr);
                exit(2);
            }
            names = nn;
        }
        names[n++] = xstrndup(de->d_name, l);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    *count = n;
    return names;
}

/* ---------------------------------------------------------------- checking */

typedef struct {
    unsigned passed, failed;
} tally;

static int verbose;

static void fail_header(const vfile *v, size_t ei, const ventry *e) {
    fprintf(stderr, "FAIL vector %d entry %zu (%s:%u)", v->number, ei + 1, v->path, e->line);
}

static void print_diags(const sigma_builder *b) {
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    size_t n = d ? sigma_diagnostics_count(d) : 0;
    for (size_t i = 0; i < n; i++) {
        char buf[1024];
        sigma_diagnostic_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        int rc = sigma_diagnostics_get(d, i, &info);
        int fl = sigma_diagnostics_format(d, i, buf, sizeof buf);
        fprintf(stderr, "    diagnostic %zu: code %d (%s) severity %d: %s\n", i + 1,
                rc == SIGMA_OK ? (int)info.code : 0, rc == SIGMA_OK ? diag_name(info.code) : "?",
                rc == SIGMA_OK ? (int)info.severity : 0, fl >= 0 ? buf : "(format failed)");
    }
}

static void print_rule(const ventry *e) {
    fputs("    rule:\n", stderr);
    const char *p = e->rule;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(stderr, "      | %.*s\n", (int)l, p);
        p += l + (nl ? 1 : 0);
    }
}

static int count_hit(const sigma_hit *hit, void *user) {
    unsigned *n = user;
    if (sigma_hit_rule(hit) == 0)
        n[0]++;
    else
        n[1]++;
    return 0;
}

static void check_load_error(const vfile *v, size_t ei, const ventry *e, tally *t) {
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    char why[512] = "";
    int rc = sigma_builder_new(NULL, &b);
    if (rc != SIGMA_OK) {
        snprintf(why, sizeof why, "sigma_builder_new: %s", sigma_status_str(rc));
        goto out;
    }
    uint32_t added = UINT32_MAX;
    char src[64];
    snprintf(src, sizeof src, "vector-%d-%zu.yml", v->number, ei + 1);
    rc = sigma_builder_add_yaml(b, src, SIGMA_NUL_TERMINATED, e->rule, e->rule_len, &added);
    if (rc != SIGMA_E_COMPILE) {
        snprintf(why, sizeof why, "sigma_builder_add_yaml returned %d (%s), want SIGMA_E_COMPILE",
                 rc, sigma_status_str(rc));
        goto out;
    }
    if (added != 0) {
        snprintf(why, sizeof why, "rules_added = %u, want 0", (unsigned)added);
        goto out;
    }
    if (sigma_builder_failed_count(b) != 1) {
        snprintf(why, sizeof why, "sigma_builder_failed_count = %u, want 1",
                 (unsigned)sigma_builder_failed_count(b));
        goto out;
    }
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    size_t n = d ? sigma_diagnostics_count(d) : 0;
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        sigma_diagnostic_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        if (sigma_diagnostics_get(d, i, &info) != SIGMA_OK)
            continue;
        for (size_t k = 0; k < e->ncodes; k++)
            if (info.code == e->codes[k] && info.severity == SIGMA_SEVERITY_ERROR)
                found = 1;
    }
    if (!found) {
        int l = snprintf(why, sizeof why, "no error diagnostic with code");
        for (size_t k = 0; k < e->ncodes && l > 0 && (size_t)l < sizeof why; k++)
            l += snprintf(why + l, sizeof why - (size_t)l, "%s %d (%s)", k ? " or" : "",
                          e->codes[k], diag_name(e->codes[k]));
        goto out;
    }
    rc = sigma_builder_build(b, &rs);
    if (rc != SIGMA_OK) {
        snprintf(why, sizeof why, "sigma_builder_build returned %d (%s), want SIGMA_OK", rc,
                 sigma_status_str(rc));
        goto out;
    }
    if (sigma_ruleset_rule_count(rs) != 0) {
        snprintf(why, sizeof why, "ruleset has %u rules, want 0",
                 (unsigned)sigma_ruleset_rule_count(rs));
        goto out;
    }
out:
    if (why[0]) {
        t->failed++;
        fail_header(v, ei, e);
        fprintf(stderr, ": expected load error: %s\n", why);
        if (e->note)
            fprintf(stderr, "    note: %s\n", e->note);
        print_rule(e);
        if (b)
            print_diags(b);
    } else {
        t->passed++;
        if (verbose)
            printf("ok   vector %d entry %zu: load error\n", v->number, ei + 1);
    }
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
}

static void check_cases(const vfile *v, size_t ei, const ventry *e, tally *t) {
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    sigma_scratch *scratch = NULL;
    sigma_event *ev = NULL;
    char why[512] = "";
    int rc = sigma_builder_new(NULL, &b);
    if (rc != SIGMA_OK) {
        snprintf(why, sizeof why, "sigma_builder_new: %s", sigma_status_str(rc));
        goto load_failed;
    }
    uint32_t added = UINT32_MAX;
    char src[64];
    snprintf(src, sizeof src, "vector-%d-%zu.yml", v->number, ei + 1);
    rc = sigma_builder_add_yaml(b, src, SIGMA_NUL_TERMINATED, e->rule, e->rule_len, &added);
    if (rc != SIGMA_OK || added != 1) {
        snprintf(why, sizeof why, "sigma_builder_add_yaml returned %d (%s), rules_added %u", rc,
                 sigma_status_str(rc), (unsigned)added);
        goto load_failed;
    }
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    if (d && sigma_diagnostics_error_count(d) != 0) {
        snprintf(why, sizeof why, "%zu error diagnostics", sigma_diagnostics_error_count(d));
        goto load_failed;
    }
    rc = sigma_builder_build(b, &rs);
    if (rc != SIGMA_OK || !rs || sigma_ruleset_rule_count(rs) != 1) {
        snprintf(why, sizeof why, "sigma_builder_build returned %d (%s), %u rules", rc,
                 sigma_status_str(rc), rs ? (unsigned)sigma_ruleset_rule_count(rs) : 0u);
        goto load_failed;
    }
    if ((rc = sigma_scratch_reserve(rs, &scratch)) != SIGMA_OK ||
        (rc = sigma_event_new(&ev)) != SIGMA_OK) {
        snprintf(why, sizeof why, "scratch/event allocation: %s", sigma_status_str(rc));
        goto load_failed;
    }
    if (verbose && d && sigma_diagnostics_count(d) > 0) {
        printf("note vector %d entry %zu loads with warnings:\n", v->number, ei + 1);
        fflush(stdout);
        print_diags(b);
    }

    for (size_t ci = 0; ci < e->ncases; ci++) {
        const vcase *c = &e->cases[ci];
        char cwhy[256] = "";
        json_error_t jerr;
        json_t *j = json_loads(c->event, JSON_REJECT_DUPLICATES, &jerr);
        sigma_event_clear(ev);
        rc = j ? json_event_fill(ev, j) : SIGMA_E_INVALID_ARG;
        json_decref(j);
        if (rc != SIGMA_OK) {
            snprintf(cwhy, sizeof cwhy, "json_event_fill: %d (%s)", rc, sigma_status_str(rc));
        } else if ((rc = sigma_match(rs, scratch, ev, 0, NULL, NULL)) != SIGMA_OK) {
            snprintf(cwhy, sizeof cwhy, "sigma_match (collect): %d (%s)", rc,
                     sigma_status_str(rc));
        } else {
            uint32_t hits = sigma_scratch_hit_count(scratch);
            int got = hits > 0;
            unsigned cb[2] = {0, 0};
            if (hits > 1 || (hits == 1 && sigma_scratch_hit_rule(scratch, 0) != 0)) {
                snprintf(cwhy, sizeof cwhy, "collect mode: %u hits, first rule %u (want rule 0)",
                         (unsigned)hits, (unsigned)sigma_scratch_hit_rule(scratch, 0));
            } else if (got != c->match) {
                snprintf(cwhy, sizeof cwhy, "expected %s, got %s",
                         c->match ? "MATCH" : "NO match", got ? "MATCH" : "NO match");
            } else if ((rc = sigma_match(rs, scratch, ev, 0, count_hit, cb)) != SIGMA_OK) {
                snprintf(cwhy, sizeof cwhy, "sigma_match (callback): %d (%s)", rc,
                         sigma_status_str(rc));
            } else if (cb[1] != 0 || cb[0] != (unsigned)got) {
                snprintf(cwhy, sizeof cwhy,
                         "callback mode disagrees with collect mode: %u hits on rule 0, %u on "
                         "others",
                         cb[0], cb[1]);
            }
        }
        if (cwhy[0]) {
            t->failed++;
            fail_header(v, ei, e);
            fprintf(stderr, " case %zu (line %u): %s\n    event: %s\n", ci + 1, c->line, cwhy,
                    c->event);
            if (c->note)
                fprintf(stderr, "    note: %s\n", c->note);
            if (e->note)
                fprintf(stderr, "    entry note: %s\n", e->note);
            print_rule(e);
        } else {
            t->passed++;
            if (verbose)
                printf("ok   vector %d entry %zu case %zu: %s%s%s\n", v->number, ei + 1, ci + 1,
                       c->match ? "match" : "no match", c->note ? " - " : "",
                       c->note ? c->note : "");
        }
    }
    goto out;

load_failed:
    t->failed += (unsigned)e->ncases;
    fail_header(v, ei, e);
    fprintf(stderr, ": rule did not load (%s); its %zu cases count as failed\n", why, e->ncases);
    if (e->note)
        fprintf(stderr, "    note: %s\n", e->note);
    print_rule(e);
    if (b)
        print_diags(b);
out:
    sigma_event_free(ev);
    sigma_scratch_free(scratch);
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
}

static void check_entry(const vfile *v, size_t ei, tally *t) {
    const ventry *e = &v->entries[ei];
    if (e->ncodes)
        check_load_error(v, ei, e, t);
    else
        check_cases(v, ei, e, t);
}

static unsigned entry_checks(const ventry *e) {
    return e->ncodes ? 1u : (unsigned)e->ncases;
}

/* Runs one entry in a child process; a crash fails every check of the entry. */
static void check_entry_forked(const vfile *v, size_t ei, tally *t) {
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(2);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(fds[0]);
        tally ct = {0, 0};
        check_entry(v, ei, &ct);
        fflush(stdout);
        fflush(stderr);
        ssize_t w = write(fds[1], &ct, sizeof ct);
        _exit(w == (ssize_t)sizeof ct ? 0 : 3);
    }
    close(fds[1]);
    tally ct = {0, 0};
    size_t got = 0;
    while (got < sizeof ct) {
        ssize_t r = read(fds[0], (char *)&ct + got, sizeof ct - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got == sizeof ct && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        t->passed += ct.passed;
        t->failed += ct.failed;
        return;
    }
    const ventry *e = &v->entries[ei];
    fail_header(v, ei, e);
    if (WIFSIGNALED(status))
        fprintf(stderr, ": CRASHED (signal %d: %s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        fprintf(stderr, ": child exited with status %d", WEXITSTATUS(status));
    fprintf(stderr, "; its %u checks count as failed\n", entry_checks(e));
    print_rule(e);
    t->failed += entry_checks(e);
}

/* ------------------------------------------------------------------ export */

static int write_text(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int export_vfile(const vfile *v, const char *out, json_t *manifest) {
    for (size_t ei = 0; ei < v->nentries; ei++) {
        const ventry *e = &v->entries[ei];
        char dir[4096], path[4200];
        snprintf(dir, sizeof dir, "%s/v%03d-%zu", out, v->number, ei + 1);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: cannot create: %s\n", dir, strerror(errno));
            return -1;
        }
        snprintf(path, sizeof path, "%s/rule.yml", dir);
        if (write_text(path, e->rule, e->rule_len))
            return -1;
        json_t *je = json_object();
        json_object_set_new(je, "vector", json_integer(v->number));
        json_object_set_new(je, "entry", json_integer((json_int_t)ei + 1));
        json_object_set_new(je, "file", json_string(v->path));
        json_object_set_new(je, "line", json_integer(e->line));
        json_object_set_new(je, "dir", json_string(dir));
        json_object_set_new(je, "rule", json_string(path));
        json_object_set_new(je, "note", e->note ? json_string(e->note) : json_null());
        if (e->ncodes) {
            json_t *codes = json_array();
            for (size_t k = 0; k < e->ncodes; k++)
                json_array_append_new(codes, json_string(diag_name(e->codes[k])));
            json_object_set_new(je, "load_error", codes);
        } else {
            snprintf(path, sizeof path, "%s/events.jsonl", dir);
            FILE *f = fopen(path, "wb");
            if (!f) {
                fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
                json_decref(je);
                return -1;
            }
            json_t *cases = json_array();
            for (size_t ci = 0; ci < e->ncases; ci++) {
                const vcase *c = &e->cases[ci];
                fprintf(f, "%s\n", c->event);
                json_t *jc = json_object();
                json_object_set_new(jc, "line", json_integer((json_int_t)ci + 1));
                json_object_set_new(jc, "match", json_boolean(c->match));
                json_object_set_new(jc, "event", json_string(c->event));
                json_object_set_new(jc, "note", c->note ? json_string(c->note) : json_null());
                json_object_set_new(jc, "source_line", json_integer(c->line));
                json_array_append_new(cases, jc);
            }
            if (fclose(f) != 0) {
                fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
                json_decref(cases);
                json_decref(je);
                return -1;
            }
            json_object_set_new(je, "events", json_string(path));
            json_object_set_new(je, "cases", cases);
        }
        json_array_append_new(manifest, je);
    }
    return 0;
}

/* -------------------------------------------------------------------- main */

static void usage(void) {
    fputs("usage: run_vectors [--no-fork] [-v] VECTOR_DIR [NUMBER ...]\n"
          "       run_vectors --export OUT_DIR VECTOR_DIR\n",
          stderr);
}

int main(int argc, char **argv) {
    int use_fork = 1;
    const char *export_dir = NULL, *vdir = NULL;
    int *only = NULL;
    size_t nonly = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    only = xmalloc((size_t)argc * sizeof *only);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-fork") == 0) {
            use_fork = 0;
        } else if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
        } else if (strcmp(argv[i], "--export") == 0 && i + 1 < argc) {
            export_dir = argv[++i];
        } else if (argv[i][0] == '-') {
            usage();
            return 2;
        } else if (!vdir) {
            vdir = argv[i];
        } else {
            char *end;
            long n = strtol(argv[i], &end, 10);
            if (*end != '\0' || n < 0 || n > 999999) {
                usage();
                return 2;
            }
            only[nonly++] = (int)n;
        }
    }
    if (!vdir || (export_dir && nonly)) {
        usage();
        return 2;
    }

    size_t nfiles;
    char **names = list_vectors(vdir, &nfiles);
    if (!names)
        return 2;
    if (nfiles == 0) {
        fprintf(stderr, "%s: no vector files\n", vdir);
        return 2;
    }
    if (export_dir && mkdir(export_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create: %s\n", export_dir, strerror(errno));
        return 2;
    }

    json_t *manifest = json_array();
    tally t = {0, 0};
    unsigned nvec = 0, nent = 0, ncases = 0, nloaderr = 0, bad_files = 0;
    int prev = -1;
    for (size_t i = 0; i < nfiles; i++) {
        vfile v;
        if (load_vfile(vdir, names[i], &v) != 0) {
            bad_files++;
            free_vfile(&v);
            continue;
        }
        if (v.number == prev) {
            fprintf(stderr, "%s: vector %d defined twice\n", v.path, v.number);
            bad_files++;
            free_vfile(&v);
            continue;
        }
        prev = v.number;
        int selected = nonly == 0;
        for (size_t k = 0; k < nonly; k++)
            if (only[k] == v.number)
                selected = 1;
        if (selected) {
            nvec++;
            for (size_t ei = 0; ei < v.nentries; ei++) {
                nent++;
                ncases += (unsigned)v.entries[ei].ncases;
                nloaderr += v.entries[ei].ncodes ? 1u : 0u;
                if (export_dir)
                    continue;
                if (use_fork)
                    check_entry_forked(&v, ei, &t);
                else
                    check_entry(&v, ei, &t);
            }
            if (export_dir && export_vfile(&v, export_dir, manifest) != 0)
                bad_files++;
        }
        free_vfile(&v);
    }
    for (size_t i = 0; i < nfiles; i++)
        free(names[i]);
    free(names);
    free(only);

    int status;
    if (export_dir) {
        char path[4200];
        snprintf(path, sizeof path, "%s/manifest.json", export_dir);
        if (json_dump_file(manifest, path, JSON_INDENT(1)) != 0) {
            fprintf(stderr, "%s: cannot write\n", path);
            bad_files++;
        }
        printf("exported %u vectors, %u entries (%u event cases, %u load errors) to %s\n", nvec,
               nent, ncases, nloaderr, export_dir);
        status = bad_files ? 2 : 0;
    } else {
        printf("conformance-api: %u vectors, %u entries, %u event cases, %u load-error "
               "checks: %u passed, %u failed%s\n",
               nvec, nent, ncases, nloaderr, t.passed, t.failed,
               bad_files ? " (bad vector files, see above)" : "");
        status = bad_files ? 2 : t.failed ? 1 : 0;
    }
    json_decref(manifest);
    return status;
}
