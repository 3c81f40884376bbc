/* Conformance runner: checks every vector file in a directory through the public API.
 *
 *   run_vectors [--no-fork] [-v] VECTOR_DIR [NUMBER ...]
 *   run_vectors --export OUT_DIR VECTOR_DIR
 *
 * A vector file (tests/conformance/vectors/NN.yml, format in README.md) holds one or
 * more entries; an entry is one YAML source (one or more Sigma documents: rules,
 * filters, correlations, legacy action documents), optional placeholder values, plus
 * either a list of events with the expected verdict or the diagnostic code the source
 * must be rejected with.
 *
 * Check mode compiles each entry on its own builder (placeholders first, then the
 * source, then sigma_builder_build, so build-time diagnostics count too), checks the
 * counts (rules in the ruleset, documents kept, documents failed, expected warnings),
 * matches every event (collect mode and callback mode must agree) and prints each
 * failure with vector, entry, case and note. Each entry runs in a child process unless
 * --no-fork is given, so that a crash is reported against its vector and the remaining
 * vectors still run. NUMBER arguments restrict the run to those vectors.
 *
 * Export mode writes, for the CLI runner (run_vectors_cli.py), one directory per entry
 * with rule.yml, events.jsonl and (when the entry has placeholders) placeholders.yml,
 * and OUT_DIR/manifest.json describing the expectations.
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
#include <time.h>
#include <unistd.h>
#include <yaml.h>

/* ------------------------------------------------------------------ model */

#define MAX_CODES 8

enum { MATCH_NONE = 0, MATCH_ONE = 1, MATCH_TITLES = 2 };

typedef struct {
    char **v;
    size_t n;
} vtitles;

typedef struct {
    char *event;   /* JSON object text, one line */
    int match;     /* MATCH_NONE (false), MATCH_ONE (true) or MATCH_TITLES (list) */
    char **titles; /* MATCH_TITLES: titles of the rules that must match (a multiset) */
    size_t ntitles;
    char *note; /* may be NULL */
    unsigned line;
    /* correlation streams (docs/correlation.md): the event's time, the correlations that
     * must fire when it is fed, and optionally the hits that raise alerts on their own */
    int has_time;
    double time; /* seconds */
    vtitles fires;
    int has_alerts;
    vtitles alerts;
} vcase;

typedef struct {
    char *name;  /* without the % signs */
    char *value; /* one Sigma string */
} vplaceholder;

typedef struct {
    char *rule; /* YAML source: one or more Sigma documents */
    size_t rule_len;
    char *note;
    int codes[MAX_CODES]; /* load_error alternatives; ncodes == 0: the rule must load */
    size_t ncodes;
    int warnings[MAX_CODES]; /* warning codes that must be reported */
    size_t nwarnings;
    vplaceholder *placeholders; /* defined before the rule is added, in this order */
    size_t nplaceholders;
    long rules;     /* rules in the built ruleset (default: 1 with cases, 0 with load_error) */
    long documents; /* rules_added by sigma_builder_add_yaml (default: `rules`) */
    long failed;    /* sigma_builder_failed_count after build (default: 0 / 1) */
    vcase *cases;
    size_t ncases;
    unsigned line;
    int stream;    /* every case has a `time`: events go through a sigma_correlator */
    vtitles flush; /* correlations that must fire at the end of the stream */
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
    {"SIGMA_DIAG_UNRESOLVED_REFERENCE", SIGMA_DIAG_UNRESOLVED_REFERENCE},
    {"SIGMA_DIAG_BAD_PLACEHOLDERS", SIGMA_DIAG_BAD_PLACEHOLDERS},
    {"SIGMA_DIAG_BAD_DETECTION", SIGMA_DIAG_BAD_DETECTION},
    {"SIGMA_DIAG_UNKNOWN_MODIFIER", SIGMA_DIAG_UNKNOWN_MODIFIER},
    {"SIGMA_DIAG_INVALID_MODIFIER_CHAIN", SIGMA_DIAG_INVALID_MODIFIER_CHAIN},
    {"SIGMA_DIAG_BAD_VALUE_TYPE", SIGMA_DIAG_BAD_VALUE_TYPE},
    {"SIGMA_DIAG_BAD_REGEX", SIGMA_DIAG_BAD_REGEX},
    {"SIGMA_DIAG_EMPTY_VALUE_LIST", SIGMA_DIAG_EMPTY_VALUE_LIST},
    {"SIGMA_DIAG_ALL_SINGLE_VALUE", SIGMA_DIAG_ALL_SINGLE_VALUE},
    {"SIGMA_DIAG_BAD_FIELD_NAME", SIGMA_DIAG_BAD_FIELD_NAME},
    {"SIGMA_DIAG_UNSUPPORTED_MODIFIER", SIGMA_DIAG_UNSUPPORTED_MODIFIER},
    {"SIGMA_DIAG_UNDEFINED_PLACEHOLDER", SIGMA_DIAG_UNDEFINED_PLACEHOLDER},
    {"SIGMA_DIAG_EXPANSION_LIMIT", SIGMA_DIAG_EXPANSION_LIMIT},
    {"SIGMA_DIAG_ENCODING_FAILED", SIGMA_DIAG_ENCODING_FAILED},
    {"SIGMA_DIAG_CONDITION_SYNTAX", SIGMA_DIAG_CONDITION_SYNTAX},
    {"SIGMA_DIAG_UNDEFINED_IDENTIFIER", SIGMA_DIAG_UNDEFINED_IDENTIFIER},
    {"SIGMA_DIAG_EMPTY_QUANTIFIER", SIGMA_DIAG_EMPTY_QUANTIFIER},
    {"SIGMA_DIAG_AGGREGATION", SIGMA_DIAG_AGGREGATION},
    {"SIGMA_DIAG_CONDITION_TYPE", SIGMA_DIAG_CONDITION_TYPE},
    {"SIGMA_DIAG_BAD_CORRELATION", SIGMA_DIAG_BAD_CORRELATION},
    {"SIGMA_DIAG_BAD_TIMESPAN", SIGMA_DIAG_BAD_TIMESPAN},
    {"SIGMA_DIAG_UNKNOWN_CORRELATION_TYPE", SIGMA_DIAG_UNKNOWN_CORRELATION_TYPE},
    {"SIGMA_DIAG_BAD_CORRELATION_CONDITION", SIGMA_DIAG_BAD_CORRELATION_CONDITION},
    {"SIGMA_DIAG_UNKNOWN_CORRELATION_KEY", SIGMA_DIAG_UNKNOWN_CORRELATION_KEY},
    {"SIGMA_DIAG_BAD_FILTER", SIGMA_DIAG_BAD_FILTER},
};

static const char *diag_name(int code)
{
    for (size_t i = 0; i < sizeof diag_names / sizeof diag_names[0]; i++)
        if (diag_names[i].code == code)
            return diag_names[i].name;
    return "?";
}

/* Accepts "SIGMA_DIAG_BAD_REGEX", "BAD_REGEX" or "3005". */
static int diag_code(const char *s, int *out)
{
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

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("run_vectors: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *read_file(const char *path, size_t *len_out)
{
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

static int ferr(const pctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%lu: bad vector file: ", c->path,
            n ? (unsigned long)n->start_mark.line + 1 : 0ul);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Checks that every key of map `m` is in the NULL-terminated list `allowed`. */
static int check_keys(const pctx *c, yaml_node_t *m, const char *const *allowed)
{
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

static yaml_node_t *map_get(const pctx *c, yaml_node_t *m, const char *key)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *ks = scalar(yaml_document_get_node(c->doc, p->key));
        if (ks && strcmp(ks, key) == 0)
            return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

/* A list of rule titles. */
static int parse_titles(const pctx *c, yaml_node_t *n, const char *key, vtitles *out)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return ferr(c, n, "'%s' must be a list of rule titles", key);
    size_t nt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    out->v = xmalloc((nt ? nt : 1) * sizeof *out->v);
    for (size_t i = 0; i < nt; i++) {
        const char *ts = scalar(yaml_document_get_node(c->doc, n->data.sequence.items.start[i]));
        if (!ts)
            return ferr(c, n, "'%s' items must be rule titles", key);
        out->v[out->n++] = xstrndup(ts, strlen(ts));
    }
    return 0;
}

static void free_titles(vtitles *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    memset(t, 0, sizeof *t);
}

static int parse_case(const pctx *c, yaml_node_t *n, vcase *out)
{
    static const char *const keys[] = {"event", "match", "note", "time", "fires", "alerts", NULL};
    if (n->type != YAML_MAPPING_NODE)
        return ferr(c, n, "a case must be a map {event, match, note}");
    if (check_keys(c, n, keys))
        return -1;
    yaml_node_t *ev = map_get(c, n, "event"), *m = map_get(c, n, "match"),
                *note = map_get(c, n, "note"), *tm = map_get(c, n, "time"),
                *fires = map_get(c, n, "fires"), *alerts = map_get(c, n, "alerts");
    if (tm) {
        char *end = NULL;
        const char *ts = scalar(tm);
        out->time = ts ? strtod(ts, &end) : 0;
        if (!ts || !*ts || *end)
            return ferr(c, tm, "'time' must be a number of seconds");
        out->has_time = 1;
    }
    if (fires && parse_titles(c, fires, "fires", &out->fires))
        return -1;
    if (alerts && parse_titles(c, alerts, "alerts", &out->alerts))
        return -1;
    out->has_alerts = alerts != NULL;
    if (!scalar(ev))
        return ferr(c, n, "case without 'event' string");
    if (m && m->type == YAML_SEQUENCE_NODE) {
        size_t nt = (size_t)(m->data.sequence.items.top - m->data.sequence.items.start);
        out->titles = xmalloc(nt * sizeof *out->titles);
        for (size_t i = 0; i < nt; i++) {
            const char *ts =
                scalar(yaml_document_get_node(c->doc, m->data.sequence.items.start[i]));
            if (!ts)
                return ferr(c, m, "'match' list items must be rule titles");
            out->titles[out->ntitles++] = xstrndup(ts, strlen(ts));
        }
        out->match = MATCH_TITLES;
    } else if (!scalar(m) || (strcmp(scalar(m), "true") != 0 && strcmp(scalar(m), "false") != 0)) {
        return ferr(c, n, "case needs 'match: true', 'match: false' or 'match: [title, ...]'");
    } else {
        out->match = strcmp(scalar(m), "true") == 0 ? MATCH_ONE : MATCH_NONE;
    }
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
    out->note = note ? xstrndup(scalar(note), strlen(scalar(note))) : NULL;
    out->line = (unsigned)n->start_mark.line + 1;
    return 0;
}

/* A list of diagnostic codes (a scalar or a sequence of names or numbers). */
static int parse_codes(const pctx *c, yaml_node_t *le, const char *key, int *codes, size_t *ncodes)
{
    yaml_node_t *items[MAX_CODES];
    size_t n_items = 0;
    if (le->type == YAML_SCALAR_NODE) {
        items[n_items++] = le;
    } else if (le->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = le->data.sequence.items.start; i < le->data.sequence.items.top;
             i++) {
            if (n_items == MAX_CODES)
                return ferr(c, le, "more than %d codes in '%s'", MAX_CODES, key);
            items[n_items++] = yaml_document_get_node(c->doc, *i);
        }
    }
    if (n_items == 0)
        return ferr(c, le, "'%s' must be a code or a list of codes", key);
    for (size_t i = 0; i < n_items; i++) {
        const char *cs = scalar(items[i]);
        if (!cs || diag_code(cs, &codes[*ncodes]))
            return ferr(c, items[i], "unknown diagnostic code '%s'", cs ? cs : "(non-scalar)");
        (*ncodes)++;
    }
    return 0;
}

/* A non-negative count; returns -1 (after an error message) when malformed. */
static long parse_count(const pctx *c, yaml_node_t *n, const char *key)
{
    const char *v = scalar(n);
    char *end = NULL;
    long r = v ? strtol(v, &end, 10) : -1;
    if (!v || *v == '\0' || *end != '\0' || r < 0 || r > 100000) {
        ferr(c, n, "'%s' must be a non-negative integer", key);
        return -1;
    }
    return r;
}

static void add_placeholder_value(ventry *e, const char *name, const char *value)
{
    vplaceholder *np = realloc(e->placeholders, (e->nplaceholders + 1) * sizeof *np);
    if (!np) {
        fputs("run_vectors: out of memory\n", stderr);
        exit(2);
    }
    e->placeholders = np;
    np[e->nplaceholders].name = xstrndup(name, strlen(name));
    np[e->nplaceholders].value = xstrndup(value, strlen(value));
    e->nplaceholders++;
}

/* `placeholders: {name: [value, ...]}` (a single value may be a scalar). */
static int parse_placeholders(const pctx *c, yaml_node_t *ph, ventry *out)
{
    if (ph->type != YAML_MAPPING_NODE)
        return ferr(c, ph, "'placeholders' must be a map name -> list of values");
    for (yaml_node_pair_t *p = ph->data.mapping.pairs.start; p < ph->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key),
                    *v = yaml_document_get_node(c->doc, p->value);
        const char *name = scalar(k);
        if (!name || !*name)
            return ferr(c, k, "placeholder names must be non-empty strings");
        if (v->type == YAML_SCALAR_NODE) {
            add_placeholder_value(out, name, scalar(v));
            continue;
        }
        if (v->type != YAML_SEQUENCE_NODE ||
            v->data.sequence.items.start == v->data.sequence.items.top)
            return ferr(c, v, "placeholder '%s' needs a value or a non-empty list", name);
        for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
             i++) {
            const char *val = scalar(yaml_document_get_node(c->doc, *i));
            if (!val)
                return ferr(c, v, "placeholder '%s': values must be strings", name);
            add_placeholder_value(out, name, val);
        }
    }
    return 0;
}

static int parse_entry(const pctx *c, yaml_node_t *n, ventry *out)
{
    static const char *const keys[] = {"rule",         "note",  "cases",     "load_error",
                                       "placeholders", "rules", "documents", "failed",
                                       "warnings",     "flush", NULL};
    memset(out, 0, sizeof *out);
    out->line = (unsigned)n->start_mark.line + 1;
    if (n->type != YAML_MAPPING_NODE)
        return ferr(c, n, "an entry must be a map {rule, cases | load_error, note}");
    if (check_keys(c, n, keys))
        return -1;
    yaml_node_t *rule = map_get(c, n, "rule"), *note = map_get(c, n, "note"),
                *cases = map_get(c, n, "cases"), *le = map_get(c, n, "load_error"),
                *ph = map_get(c, n, "placeholders"), *rules = map_get(c, n, "rules"),
                *docs = map_get(c, n, "documents"), *failed = map_get(c, n, "failed"),
                *warn = map_get(c, n, "warnings"), *flush = map_get(c, n, "flush");
    if (flush && parse_titles(c, flush, "flush", &out->flush))
        return -1;
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
    if (ph && parse_placeholders(c, ph, out))
        return -1;
    if (warn && parse_codes(c, warn, "warnings", out->warnings, &out->nwarnings))
        return -1;
    out->rules = le ? 0 : 1;
    out->failed = le ? 1 : 0;
    if (rules && (out->rules = parse_count(c, rules, "rules")) < 0)
        return -1;
    if (failed && (out->failed = parse_count(c, failed, "failed")) < 0)
        return -1;
    out->documents = out->rules;
    if (docs && (out->documents = parse_count(c, docs, "documents")) < 0)
        return -1;
    if (!le && out->failed != 0)
        return ferr(c, failed, "an entry with 'cases' must load without failures");
    if (le)
        return parse_codes(c, le, "load_error", out->codes, &out->ncodes);
    if (cases->type != YAML_SEQUENCE_NODE ||
        cases->data.sequence.items.start == cases->data.sequence.items.top)
        return ferr(c, cases, "'cases' must be a non-empty list");
    size_t n_items = (size_t)(cases->data.sequence.items.top - cases->data.sequence.items.start);
    out->cases = xmalloc(n_items * sizeof *out->cases);
    memset(out->cases, 0, n_items * sizeof *out->cases);
    for (size_t i = 0; i < n_items; i++) {
        out->ncases++; /* counted first so that free_vfile releases a half-parsed case */
        if (parse_case(c, yaml_document_get_node(c->doc, cases->data.sequence.items.start[i]),
                       &out->cases[i]))
            return -1;
    }
    out->stream = out->cases[0].has_time;
    for (size_t i = 0; i < out->ncases; i++) {
        const vcase *vc = &out->cases[i];
        if (vc->has_time != out->stream)
            return ferr(c, cases, "either every case of an entry has a 'time' or none");
        if (!vc->has_time && (vc->fires.n || vc->has_alerts))
            return ferr(c, cases, "'fires' and 'alerts' need a 'time' (a correlation stream)");
        if (i && vc->has_time && vc->time < out->cases[i - 1].time)
            return ferr(c, cases, "stream cases must be in time order");
    }
    if (flush && !out->stream)
        return ferr(c, flush, "'flush' needs cases with a 'time' (a correlation stream)");
    return 0;
}

static void free_vfile(vfile *v)
{
    for (size_t i = 0; i < v->nentries; i++) {
        ventry *e = &v->entries[i];
        for (size_t j = 0; j < e->ncases; j++) {
            free(e->cases[j].event);
            free(e->cases[j].note);
            for (size_t k = 0; k < e->cases[j].ntitles; k++)
                free(e->cases[j].titles[k]);
            free(e->cases[j].titles);
            free_titles(&e->cases[j].fires);
            free_titles(&e->cases[j].alerts);
        }
        free_titles(&e->flush);
        for (size_t j = 0; j < e->nplaceholders; j++) {
            free(e->placeholders[j].name);
            free(e->placeholders[j].value);
        }
        free(e->placeholders);
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
static int number_from_name(const char *name)
{
    int n = 0, digits = 0;
    for (; *name >= '0' && *name <= '9' && digits < 6; name++, digits++)
        n = n * 10 + (*name - '0');
    return digits ? n : -1;
}

static int load_vfile(const char *dir, const char *name, vfile *out)
{
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

static int cmp_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int nx = number_from_name(x), ny = number_from_name(y);
    if (nx != ny)
        return nx < ny ? -1 : 1;
    return strcmp(x, y);
}

/* Sorted list of *.yml names in `dir` (by vector number). */
static char **list_vectors(const char *dir, size_t *count)
{
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

static void fail_header(const vfile *v, size_t ei, const ventry *e)
{
    fprintf(stderr, "FAIL vector %d entry %zu (%s:%u)", v->number, ei + 1, v->path, e->line);
}

static void print_diags(const sigma_builder *b)
{
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

static void print_rule(const ventry *e)
{
    fputs("    rule:\n", stderr);
    const char *p = e->rule;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(stderr, "      | %.*s\n", (int)l, p);
        p += l + (nl ? 1 : 0);
    }
}

#define MAX_HITS 64

typedef struct {
    uint32_t rules[MAX_HITS];
    unsigned n;
} hit_list;

static int collect_hit(const sigma_hit *hit, void *user)
{
    hit_list *h = user;
    if (h->n < MAX_HITS)
        h->rules[h->n] = sigma_hit_rule(hit);
    h->n++;
    return 0;
}

/* A builder with the entry's placeholders and YAML source, and the ruleset built from it. */
typedef struct {
    sigma_builder *b;
    sigma_ruleset *rs;
    int add_rc;
    uint32_t added;
    size_t errors_after_add;
} loaded;

static void unload(loaded *L)
{
    sigma_ruleset_unref(L->rs);
    sigma_builder_free(L->b);
    memset(L, 0, sizeof *L);
}

/* Returns 0 when the builder and the build worked (whatever the diagnostics), else -1
 * with the reason in `why`. */
static int load_entry(const vfile *v, size_t ei, const ventry *e, loaded *L, char *why, size_t cap)
{
    memset(L, 0, sizeof *L);
    int rc = sigma_builder_new(NULL, &L->b);
    if (rc != SIGMA_OK) {
        snprintf(why, cap, "sigma_builder_new: %s", sigma_status_str(rc));
        return -1;
    }
    for (size_t i = 0; i < e->nplaceholders; i++) {
        rc = sigma_builder_add_placeholder(L->b, e->placeholders[i].name, SIGMA_NUL_TERMINATED,
                                           e->placeholders[i].value, SIGMA_NUL_TERMINATED);
        if (rc != SIGMA_OK) {
            snprintf(why, cap, "sigma_builder_add_placeholder(%s, '%s') returned %d (%s)",
                     e->placeholders[i].name, e->placeholders[i].value, rc, sigma_status_str(rc));
            return -1;
        }
    }
    char src[64];
    snprintf(src, sizeof src, "vector-%d-%zu.yml", v->number, ei + 1);
    L->added = UINT32_MAX;
    L->add_rc =
        sigma_builder_add_yaml(L->b, src, SIGMA_NUL_TERMINATED, e->rule, e->rule_len, &L->added);
    if (L->add_rc == SIGMA_E_NOMEM || L->add_rc == SIGMA_E_INVALID_ARG) {
        snprintf(why, cap, "sigma_builder_add_yaml returned %d (%s)", L->add_rc,
                 sigma_status_str(L->add_rc));
        return -1;
    }
    const sigma_diagnostics *d = sigma_builder_diagnostics(L->b);
    L->errors_after_add = d ? sigma_diagnostics_error_count(d) : 0;
    rc = sigma_builder_build(L->b, &L->rs);
    if (rc != SIGMA_OK || !L->rs) {
        snprintf(why, cap, "sigma_builder_build returned %d (%s), want SIGMA_OK", rc,
                 sigma_status_str(rc));
        return -1;
    }
    return 0;
}

/* Does the builder hold a diagnostic with one of `codes` and this severity? */
static int has_diag(const sigma_builder *b, const int *codes, size_t ncodes, int severity)
{
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    size_t n = d ? sigma_diagnostics_count(d) : 0;
    for (size_t i = 0; i < n; i++) {
        sigma_diagnostic_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        if (sigma_diagnostics_get(d, i, &info) != SIGMA_OK)
            continue;
        for (size_t k = 0; k < ncodes; k++)
            if (info.code == codes[k] && info.severity == severity)
                return 1;
    }
    return 0;
}

/* Checks shared by both entry kinds: status of add_yaml, documents kept, documents
 * failed, rules built, expected warnings. Returns 0 or -1 with the reason in `why`. */
static int check_counts(const ventry *e, const loaded *L, char *why, size_t cap)
{
    int want_rc = L->errors_after_add ? SIGMA_E_COMPILE : SIGMA_OK;
    uint32_t failed = sigma_builder_failed_count(L->b);
    uint32_t nrules = sigma_ruleset_rule_count(L->rs);
    if (L->add_rc != want_rc) {
        snprintf(why, cap,
                 "sigma_builder_add_yaml returned %d (%s) with %zu error diagnostics, "
                 "want %s",
                 L->add_rc, sigma_status_str(L->add_rc), L->errors_after_add,
                 want_rc == SIGMA_OK ? "SIGMA_OK" : "SIGMA_E_COMPILE");
        return -1;
    }
    if ((long)L->added != e->documents) {
        snprintf(why, cap, "rules_added = %u, want %ld", (unsigned)L->added, e->documents);
        return -1;
    }
    if ((long)failed != e->failed) {
        snprintf(why, cap, "sigma_builder_failed_count = %u after build, want %ld",
                 (unsigned)failed, e->failed);
        return -1;
    }
    if ((long)nrules != e->rules) {
        snprintf(why, cap, "ruleset has %u rules, want %ld", (unsigned)nrules, e->rules);
        return -1;
    }
    for (size_t k = 0; k < e->nwarnings; k++)
        if (!has_diag(L->b, &e->warnings[k], 1, SIGMA_SEVERITY_WARNING)) {
            snprintf(why, cap, "no warning diagnostic with code %d (%s)", e->warnings[k],
                     diag_name(e->warnings[k]));
            return -1;
        }
    return 0;
}

static void check_load_error(const vfile *v, size_t ei, const ventry *e, tally *t)
{
    loaded L;
    char why[512] = "";
    if (load_entry(v, ei, e, &L, why, sizeof why) == 0 &&
        !has_diag(L.b, e->codes, e->ncodes, SIGMA_SEVERITY_ERROR)) {
        int l = snprintf(why, sizeof why, "no error diagnostic with code");
        for (size_t k = 0; k < e->ncodes && l > 0 && (size_t)l < sizeof why; k++)
            l += snprintf(why + l, sizeof why - (size_t)l, "%s %d (%s)", k ? " or" : "",
                          e->codes[k], diag_name(e->codes[k]));
    }
    if (!why[0])
        check_counts(e, &L, why, sizeof why);
    if (why[0]) {
        t->failed++;
        fail_header(v, ei, e);
        fprintf(stderr, ": expected load error: %s\n", why);
        if (e->note)
            fprintf(stderr, "    note: %s\n", e->note);
        print_rule(e);
        if (L.b)
            print_diags(L.b);
    } else {
        t->passed++;
        if (verbose)
            printf("ok   vector %d entry %zu: load error\n", v->number, ei + 1);
    }
    unload(&L);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Compares the rules of `h` with what case `c` expects; empty `why` when they agree. */
static void judge_hits(const sigma_ruleset *rs, const vcase *c, const hit_list *h, char *why,
                       size_t cap)
{
    const char *got[MAX_HITS];
    unsigned n = h->n < MAX_HITS ? h->n : MAX_HITS;
    for (unsigned i = 0; i < n; i++) {
        sigma_rule_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        got[i] = sigma_ruleset_rule_info(rs, h->rules[i], &info) == SIGMA_OK && info.title
                     ? info.title
                     : "(no title)";
    }
    qsort(got, n, sizeof *got, cmp_str);
    char gotl[256] = "";
    for (unsigned i = 0, l = 0; i < n && l < sizeof gotl; i++)
        l += (unsigned)snprintf(gotl + l, sizeof gotl - l, "%s'%s'", i ? ", " : "", got[i]);
    int ok;
    if (c->match == MATCH_NONE) {
        ok = h->n == 0;
    } else if (c->match == MATCH_ONE) {
        sigma_rule_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        ok = h->n == 1 && sigma_ruleset_rule_info(rs, h->rules[0], &info) == SIGMA_OK &&
             info.kind == SIGMA_RULE_DETECTION;
    } else {
        const char *want[MAX_HITS];
        size_t nw = c->ntitles < MAX_HITS ? c->ntitles : MAX_HITS;
        memcpy(want, c->titles, nw * sizeof *want);
        qsort(want, nw, sizeof *want, cmp_str);
        ok = h->n == nw;
        for (size_t i = 0; ok && i < nw; i++)
            ok = strcmp(want[i], got[i]) == 0;
    }
    if (ok)
        return;
    if (c->match == MATCH_TITLES) {
        char wantl[256] = "";
        for (size_t i = 0, l = 0; i < c->ntitles && l < sizeof wantl; i++)
            l += (size_t)snprintf(wantl + l, sizeof wantl - l, "%s'%s'", i ? ", " : "",
                                  c->titles[i]);
        snprintf(why, cap, "expected matches [%s], got [%s]", wantl, gotl);
    } else if (h->n == 0) {
        snprintf(why, cap, "expected MATCH, got NO match");
    } else if (c->match == MATCH_NONE) {
        snprintf(why, cap, "expected NO match, got MATCH [%s]", gotl);
    } else {
        snprintf(why, cap, "expected one detection rule to match, got [%s]", gotl);
    }
}

/* ---- correlation streams ---- */

static const char *rule_title(const sigma_ruleset *rs, uint32_t rule)
{
    sigma_rule_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    return sigma_ruleset_rule_info(rs, rule, &info) == SIGMA_OK && info.title ? info.title
                                                                              : "(no title)";
}

typedef struct {
    const sigma_ruleset *rs;
    const char *titles[MAX_HITS];
    unsigned n;
} title_list;

static int collect_correlation(const sigma_correlation_match *m, void *user)
{
    title_list *l = user;
    if (l->n < MAX_HITS)
        l->titles[l->n++] = rule_title(l->rs, sigma_correlation_match_rule(m));
    return 0;
}

/* Compares a multiset of titles with the expected one; empty `why` when they agree. */
static void judge_titles(const char *what, const vtitles *want, title_list *got, char *why,
                         size_t cap)
{
    const char *w[MAX_HITS];
    size_t nw = want->n < MAX_HITS ? want->n : MAX_HITS;
    if (nw) /* want->v is NULL for an empty list */
        memcpy(w, want->v, nw * sizeof *w);
    qsort(w, nw, sizeof *w, cmp_str);
    qsort(got->titles, got->n, sizeof *got->titles, cmp_str);
    int ok = nw == got->n;
    for (size_t i = 0; ok && i < nw; i++)
        ok = strcmp(w[i], got->titles[i]) == 0;
    if (ok)
        return;
    char wl[256] = "", gl[256] = "";
    for (size_t i = 0, l = 0; i < nw && l < sizeof wl; i++)
        l += (size_t)snprintf(wl + l, sizeof wl - l, "%s'%s'", i ? ", " : "", w[i]);
    for (size_t i = 0, l = 0; i < got->n && l < sizeof gl; i++)
        l += (size_t)snprintf(gl + l, sizeof gl - l, "%s'%s'", i ? ", " : "", got->titles[i]);
    snprintf(why, cap, "expected %s [%s], got [%s]", what, wl, gl);
}

/* Feeds one stream case to the correlator and checks `fires` and `alerts`. */
static void judge_stream_case(sigma_correlator *cor, const sigma_ruleset *rs, const sigma_event *ev,
                              const vcase *c, size_t ci, const hit_list *h, char *why, size_t cap)
{
    title_list fired = {rs, {0}, 0};
    unsigned n = h->n < MAX_HITS ? h->n : MAX_HITS;
    int64_t ms = (int64_t)(c->time * 1000.0 + (c->time >= 0 ? 0.5 : -0.5));
    int rc = sigma_correlator_feed(cor, ev, ms, (uint64_t)ci + 1, h->rules, n, collect_correlation,
                                   &fired);
    if (rc != SIGMA_OK) {
        snprintf(why, cap, "sigma_correlator_feed: %d (%s)", rc, sigma_status_str(rc));
        return;
    }
    judge_titles("correlations", &c->fires, &fired, why, cap);
    if (why[0] || !c->has_alerts)
        return;
    title_list alerting = {rs, {0}, 0};
    for (unsigned i = 0; i < n; i++)
        if (sigma_ruleset_rule_alerts(rs, h->rules[i]) == 1)
            alerting.titles[alerting.n++] = rule_title(rs, h->rules[i]);
    judge_titles("alerting rules", &c->alerts, &alerting, why, cap);
}

static void check_cases(const vfile *v, size_t ei, const ventry *e, tally *t)
{
    loaded L;
    sigma_scratch *scratch = NULL;
    sigma_event *ev = NULL;
    sigma_correlator *cor = NULL;
    char why[512] = "";
    int rc;
    if (load_entry(v, ei, e, &L, why, sizeof why) != 0)
        goto load_failed;
    const sigma_diagnostics *d = sigma_builder_diagnostics(L.b);
    if (d && sigma_diagnostics_error_count(d) != 0) {
        snprintf(why, sizeof why, "%zu error diagnostics (%zu while adding, the rest at build)",
                 sigma_diagnostics_error_count(d), L.errors_after_add);
        goto load_failed;
    }
    if (check_counts(e, &L, why, sizeof why) != 0)
        goto load_failed;
    if ((rc = sigma_scratch_reserve(L.rs, &scratch)) != SIGMA_OK ||
        (rc = sigma_event_new(&ev)) != SIGMA_OK) {
        snprintf(why, sizeof why, "scratch/event allocation: %s", sigma_status_str(rc));
        goto load_failed;
    }
    if (e->stream && (rc = sigma_correlator_new(L.rs, NULL, &cor)) != SIGMA_OK) {
        snprintf(why, sizeof why, "sigma_correlator_new: %s", sigma_status_str(rc));
        goto load_failed;
    }
    if (verbose && d && sigma_diagnostics_count(d) > 0) {
        printf("note vector %d entry %zu loads with warnings:\n", v->number, ei + 1);
        fflush(stdout);
        print_diags(L.b);
    }

    for (size_t ci = 0; ci < e->ncases; ci++) {
        const vcase *c = &e->cases[ci];
        char cwhy[512] = "";
        json_error_t jerr;
        json_t *j = json_loads(c->event, JSON_REJECT_DUPLICATES, &jerr);
        sigma_event_clear(ev);
        rc = j ? json_event_fill(ev, j) : SIGMA_E_INVALID_ARG;
        json_decref(j);
        hit_list coll, cb;
        memset(&coll, 0, sizeof coll);
        memset(&cb, 0, sizeof cb);
        if (rc != SIGMA_OK) {
            snprintf(cwhy, sizeof cwhy, "json_event_fill: %d (%s)", rc, sigma_status_str(rc));
        } else if ((rc = sigma_match(L.rs, scratch, ev, 0, NULL, NULL)) != SIGMA_OK) {
            snprintf(cwhy, sizeof cwhy, "sigma_match (collect): %d (%s)", rc, sigma_status_str(rc));
        } else {
            coll.n = sigma_scratch_hit_count(scratch);
            for (unsigned i = 0; i < coll.n && i < MAX_HITS; i++)
                coll.rules[i] = sigma_scratch_hit_rule(scratch, i);
            judge_hits(L.rs, c, &coll, cwhy, sizeof cwhy);
            if (cwhy[0]) {
                /* reported below */
            } else if ((rc = sigma_match(L.rs, scratch, ev, 0, collect_hit, &cb)) != SIGMA_OK) {
                snprintf(cwhy, sizeof cwhy, "sigma_match (callback): %d (%s)", rc,
                         sigma_status_str(rc));
            } else if (cb.n != coll.n ||
                       memcmp(cb.rules, coll.rules,
                              (coll.n < MAX_HITS ? coll.n : MAX_HITS) * sizeof *cb.rules) != 0) {
                snprintf(cwhy, sizeof cwhy,
                         "callback mode disagrees with collect mode: %u hits vs %u", cb.n, coll.n);
            } else if (cor) {
                judge_stream_case(cor, L.rs, ev, c, ci, &coll, cwhy, sizeof cwhy);
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
                       c->match == MATCH_NONE  ? "no match"
                       : c->match == MATCH_ONE ? "match"
                                               : "expected rules match",
                       c->note ? " - " : "", c->note ? c->note : "");
        }
    }
    if (cor) {
        title_list fired = {L.rs, {0}, 0};
        char fwhy[512] = "";
        rc = sigma_correlator_flush(cor, collect_correlation, &fired);
        if (rc != SIGMA_OK)
            snprintf(fwhy, sizeof fwhy, "sigma_correlator_flush: %d (%s)", rc,
                     sigma_status_str(rc));
        else
            judge_titles("correlations at the end of the stream", &e->flush, &fired, fwhy,
                         sizeof fwhy);
        if (fwhy[0]) {
            t->failed++;
            fail_header(v, ei, e);
            fprintf(stderr, " end of stream: %s\n", fwhy);
            print_rule(e);
        } else {
            t->passed++;
            if (verbose)
                printf("ok   vector %d entry %zu: end of stream\n", v->number, ei + 1);
        }
    }
    goto out;

load_failed:
    t->failed += (unsigned)e->ncases + (e->stream ? 1u : 0u);
    fail_header(v, ei, e);
    fprintf(stderr, ": rule did not load as expected (%s); its %zu cases count as failed\n", why,
            e->ncases);
    if (e->note)
        fprintf(stderr, "    note: %s\n", e->note);
    print_rule(e);
    if (L.b)
        print_diags(L.b);
out:
    sigma_correlator_free(cor);
    sigma_event_free(ev);
    sigma_scratch_free(scratch);
    unload(&L);
}

static void check_entry(const vfile *v, size_t ei, tally *t)
{
    const ventry *e = &v->entries[ei];
    if (e->ncodes)
        check_load_error(v, ei, e, t);
    else
        check_cases(v, ei, e, t);
}

static unsigned entry_checks(const ventry *e)
{
    return e->ncodes ? 1u : (unsigned)e->ncases + (e->stream ? 1u : 0u);
}

/* Runs one entry in a child process; a crash fails every check of the entry. */
static void check_entry_forked(const vfile *v, size_t ei, tally *t)
{
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

static int write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes a single-quoted YAML scalar ('' for '). */
static void yaml_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* placeholders.yml for sigma-scan --placeholders: `'name': ['value', ...]`. */
static int write_placeholders(const char *path, const ventry *e)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < e->nplaceholders; i++) {
        const char *name = e->placeholders[i].name;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(e->placeholders[k].name, name) == 0;
        if (seen)
            continue;
        yaml_quote(f, name);
        fputs(": [", f);
        for (size_t k = i, first = 1; k < e->nplaceholders; k++) {
            if (strcmp(e->placeholders[k].name, name) != 0)
                continue;
            if (!first)
                fputs(", ", f);
            yaml_quote(f, e->placeholders[k].value);
            first = 0;
        }
        fputs("]\n", f);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static json_t *titles_json(const vtitles *t)
{
    json_t *a = json_array();
    for (size_t k = 0; k < t->n; k++)
        json_array_append_new(a, json_string(t->v[k]));
    return a;
}

/* Stream events carry their time as "@timestamp" (ISO 8601, UTC, milliseconds),
 * counted from 2024-01-01T00:00:00Z; the JSON line is rewritten with it. */
#define STREAM_EPOCH 1704067200LL
static void write_stream_event(FILE *f, const vcase *c)
{
    json_t *j = json_loads(c->event, JSON_REJECT_DUPLICATES, NULL);
    int64_t ms = (int64_t)(c->time * 1000.0 + (c->time >= 0 ? 0.5 : -0.5));
    int64_t secs = STREAM_EPOCH + (ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (secs - STREAM_EPOCH) * 1000);
    time_t tt = (time_t)secs;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char ts[64];
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    json_object_set_new(j, "@timestamp", json_string(ts));
    char *line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fprintf(f, "%s\n", line ? line : c->event);
    free(line);
    json_decref(j);
}

static int export_vfile(const vfile *v, const char *out, json_t *manifest)
{
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
        if (e->nplaceholders) {
            char ppath[4200];
            snprintf(ppath, sizeof ppath, "%s/placeholders.yml", dir);
            if (write_placeholders(ppath, e) != 0) {
                json_decref(je);
                return -1;
            }
            json_object_set_new(je, "placeholders", json_string(ppath));
        }
        json_object_set_new(je, "rules", json_integer(e->rules));
        json_object_set_new(je, "failed", json_integer(e->failed));
        if (e->nwarnings) {
            json_t *w = json_array();
            for (size_t k = 0; k < e->nwarnings; k++)
                json_array_append_new(w, json_string(diag_name(e->warnings[k])));
            json_object_set_new(je, "warnings", w);
        }
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
                json_t *jc = json_object();
                if (e->stream) {
                    write_stream_event(f, c);
                    json_object_set_new(jc, "time", json_real(c->time));
                    json_object_set_new(jc, "fires", titles_json(&c->fires));
                    if (c->has_alerts)
                        json_object_set_new(jc, "alerts", titles_json(&c->alerts));
                } else {
                    fprintf(f, "%s\n", c->event);
                }
                json_object_set_new(jc, "line", json_integer((json_int_t)ci + 1));
                if (c->match == MATCH_TITLES) {
                    json_t *tl = json_array();
                    for (size_t k = 0; k < c->ntitles; k++)
                        json_array_append_new(tl, json_string(c->titles[k]));
                    json_object_set_new(jc, "match", tl);
                } else {
                    json_object_set_new(jc, "match", json_boolean(c->match == MATCH_ONE));
                }
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
            if (e->stream) {
                json_object_set_new(je, "stream", json_true());
                json_object_set_new(je, "flush", titles_json(&e->flush));
            }
        }
        json_array_append_new(manifest, je);
    }
    return 0;
}

/* -------------------------------------------------------------------- main */

static void usage(void)
{
    fputs("usage: run_vectors [--no-fork] [-v] VECTOR_DIR [NUMBER ...]\n"
          "       run_vectors --export OUT_DIR VECTOR_DIR\n",
          stderr);
}

int main(int argc, char **argv)
{
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
