/* Correlation rules in sigma-scan (scan_correlation.h). */
#include "scan_correlation.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text_buf.h"
#include "timestamp.h"

/* Tried in this order; the first one that holds a parsable time wins. The Windows
 * header time comes before Sysmon's UtcTime: every Windows event has it, so a stream
 * that mixes Sysmon with other channels keeps one clock (in the corpus the two differ
 * by hours in many events, depending on the converter). */
const char *const scan_corr_default_fields[] = {
    "@timestamp",  "timestamp", "TimeCreated_SystemTime",
    "TimeCreated", "UtcTime",   "SystemTime",
    "EventTime",   "time",      NULL};

struct scan_corr {
    const sigma_ruleset *rs;
    sigma_correlator *corr;
    scan_corr_config cfg;
    const char *const *fields;
    size_t n_fields;
    unsigned char *alerts; /* per rule: detection matches are printed */
    char **heads;          /* per rule: `{"correlation": ..., "level": ...` (correlations) */
    char **file_json;      /* input names as JSON strings */
    uint32_t n_rules;
    size_t *field_lens;  /* strlen of each timestamp field */
    unsigned char *seen; /* per timestamp field: a value was offered (this event) */
    size_t best;         /* earliest timestamp field that parsed, n_fields: none yet */
    int64_t best_ms;     /* its time */
    text_buf closed;     /* lines of windows the current event's time closed */
    text_buf out;        /* lines of matches the current event completed */
    text_buf *cur;       /* where on_correlation writes */
    uint64_t *refs;      /* event refs of one match, sorted into input order */
    size_t refs_cap;
    uint64_t lines;      /* match lines waiting in `closed` and `out` */
    uint64_t matches;    /* correlation match lines produced */
    uint64_t untimed;    /* events with hits but no parsable timestamp */
    char *first_untimed; /* "file:line" of the first one */
};

/* ----------------------------------------------------------------- timestamps */

/* The value of a field of the flat object: the key itself, or (for dotted names)
 * nested objects along the path, as sigma-scan gives them to the rules. */
static const json_t *field_value(const json_t *obj, const char *name, size_t len)
{
    const json_t *v = json_object_getn(obj, name, len);
    if (v)
        return v;
    for (size_t i = 0; i < len; i++) {
        if (name[i] != '.')
            continue;
        const json_t *inner = json_object_getn(obj, name, i);
        if (inner && json_is_object(inner)) {
            v = field_value(inner, name + i + 1, len - i - 1);
            if (v)
                return v;
        }
    }
    return NULL;
}

static int json_time(const json_t *v, ts_micros *out)
{
    if (json_is_array(v))
        v = json_array_get(v, 0); /* a multi-valued field: its first value */
    if (json_is_string(v))
        return ts_parse_text(json_string_value(v), json_string_length(v), out);
    if (json_is_integer(v))
        return ts_from_int((int64_t)json_integer_value(v), out);
    if (json_is_real(v))
        return ts_from_double(json_real_value(v), out);
    return -1;
}

/* The event's time in milliseconds (the correlator's unit; microseconds are cut
 * towards the past). 0 on success, -1 without a parsable time. */
static int event_time_ms(const scan_corr *sc, const json_t *flat, int64_t *ms)
{
    for (size_t i = 0; i < sc->n_fields; i++) {
        const json_t *v = field_value(flat, sc->fields[i], strlen(sc->fields[i]));
        ts_micros t;
        if (v && json_time(v, &t) == 0) {
            *ms = t >= 0 ? t / 1000 : -((-t + 999) / 1000);
            return 0;
        }
    }
    return -1;
}

static void add_time(text_buf *b, int64_t ms)
{
    char buf[TS_FORMAT_CAP];
    size_t n = ts_format(ms * 1000, buf);
    tb_add(b, "\"", 1);
    tb_add(b, buf, n);
    tb_add(b, "\"", 1);
}

/* --------------------------------------------------------------- match lines */

/* A JSON number for the correlation figure: integers without a fraction. */
static void add_number(text_buf *b, double v)
{
    char buf[64];
    if (!isfinite(v))
        snprintf(buf, sizeof buf, "null");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0)
        snprintf(buf, sizeof buf, "%lld", (long long)v);
    else
        snprintf(buf, sizeof buf, "%.15g", v);
    tb_adds(b, buf);
}

#define REF_FILE_SHIFT 44
#define REF_NUMBER_MASK ((UINT64_C(1) << REF_FILE_SHIFT) - 1)

static int cmp_ref(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int SIGMA_CALL on_correlation(const sigma_correlation_match *m, void *user_data)
{
    scan_corr *sc = user_data;
    uint32_t rule = sigma_correlation_match_rule(m);
    /* A correlation that a chaining correlation references (without generate: true)
     * only feeds that one: no line of its own. */
    if (rule >= sc->n_rules || !sc->heads[rule] || !sc->alerts[rule])
        return 0;
    text_buf *b = sc->cur;
    tb_adds(b, sc->heads[rule]);
    tb_adds(b, ", \"group\": {");
    uint32_t ng = sigma_correlation_match_group_count(m);
    for (uint32_t i = 0; i < ng; i++) {
        const char *name = sigma_correlation_match_group_field(m, i);
        size_t len = 0;
        const char *value = sigma_correlation_match_group_value(m, i, &len);
        if (i)
            tb_adds(b, ", ");
        tb_add_json_str_or_null(b, name);
        tb_adds(b, ": ");
        if (value)
            tb_add_json_str(b, value, len);
        else
            tb_adds(b, "null");
    }
    tb_adds(b, "}, \"value\": ");
    add_number(b, sigma_correlation_match_value(m));
    tb_adds(b, ", \"first\": ");
    add_time(b, sigma_correlation_match_first_time(m));
    tb_adds(b, ", \"last\": ");
    add_time(b, sigma_correlation_match_last_time(m));
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)sigma_correlation_match_event_total(m));
    tb_adds(b, ", \"event_total\": ");
    tb_adds(b, num);
    tb_adds(b, ", \"events\": [");
    uint32_t nrefs = sigma_correlation_match_event_ref_count(m);
    if (nrefs > sc->refs_cap) {
        uint64_t *p = realloc(sc->refs, (size_t)nrefs * sizeof *p);
        if (!p)
            tb_die_nomem();
        sc->refs = p;
        sc->refs_cap = nrefs;
    }
    for (uint32_t i = 0; i < nrefs; i++)
        sc->refs[i] = sigma_correlation_match_event_ref(m, i);
    /* Refs are (file << 44 | line): sorted, they are in input order. */
    qsort(sc->refs, nrefs, sizeof *sc->refs, cmp_ref);
    for (uint32_t i = 0; i < nrefs; i++) {
        uint64_t ref = sc->refs[i];
        if (i)
            tb_adds(b, ", ");
        snprintf(num, sizeof num, "%llu", (unsigned long long)(ref & REF_NUMBER_MASK));
        size_t file = (size_t)(ref >> REF_FILE_SHIFT);
        if (sc->cfg.n_files > 1 && file < sc->cfg.n_files) {
            tb_adds(b, "{\"file\": ");
            tb_adds(b, sc->file_json[file]);
            tb_adds(b, ", \"event\": ");
            tb_adds(b, num);
            tb_adds(b, "}");
        } else {
            tb_adds(b, num);
        }
    }
    tb_adds(b, "]}\n");
    sc->lines++;
    sc->matches++;
    return 0;
}

/* `{"correlation": <id>, "title": ..., "type": ..., "level": ...` for each
 * correlation rule; NULL for detection rules. */
static void prepare_heads(scan_corr *sc)
{
    for (uint32_t r = 0; r < sc->n_rules; r++) {
        sigma_rule_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        sc->alerts[r] = sigma_ruleset_rule_alerts(sc->rs, r) != 0;
        if (sigma_ruleset_rule_info(sc->rs, r, &info) != SIGMA_OK ||
            info.kind != SIGMA_RULE_CORRELATION)
            continue;
        text_buf b = {NULL, 0, 0};
        tb_adds(&b, "{\"correlation\": ");
        tb_add_json_str_or_null(&b, info.id ? info.id : info.name);
        tb_adds(&b, ", \"title\": ");
        tb_add_json_str_or_null(&b, info.title);
        tb_adds(&b, ", \"type\": ");
        tb_add_json_str_or_null(&b, sigma_ruleset_correlation_type(sc->rs, r));
        tb_adds(&b, ", \"level\": ");
        tb_add_json_str_or_null(&b, info.level);
        sc->heads[r] = tb_take(&b);
    }
}

scan_corr *scan_corr_new(const sigma_ruleset *rs, const scan_corr_config *cfg)
{
    if (sigma_ruleset_correlation_count(rs) == 0)
        return NULL;
    scan_corr *sc = calloc(1, sizeof *sc);
    if (!sc)
        tb_die_nomem();
    sc->rs = rs;
    sc->cfg = *cfg;
    sc->cur = &sc->out;
    if (cfg->timestamp_fields && cfg->n_timestamp_fields) {
        sc->fields = cfg->timestamp_fields;
        sc->n_fields = cfg->n_timestamp_fields;
    } else {
        sc->fields = scan_corr_default_fields;
        while (scan_corr_default_fields[sc->n_fields])
            sc->n_fields++;
    }
    sc->field_lens = calloc(sc->n_fields + 1, sizeof *sc->field_lens);
    sc->seen = calloc(sc->n_fields + 1, 1);
    if (!sc->field_lens || !sc->seen)
        tb_die_nomem();
    for (size_t i = 0; i < sc->n_fields; i++)
        sc->field_lens[i] = strlen(sc->fields[i]);
    sc->best = sc->n_fields;
    sc->n_rules = sigma_ruleset_rule_count(rs);
    sc->alerts = calloc((size_t)sc->n_rules + 1, 1);
    sc->heads = calloc((size_t)sc->n_rules + 1, sizeof *sc->heads);
    sc->file_json = calloc(cfg->n_files + 1, sizeof *sc->file_json);
    if (!sc->alerts || !sc->heads || !sc->file_json)
        tb_die_nomem();
    for (size_t i = 0; i < cfg->n_files; i++) {
        text_buf b = {NULL, 0, 0};
        tb_add_json_str(&b, cfg->files[i], strlen(cfg->files[i]));
        sc->file_json[i] = tb_take(&b);
    }
    prepare_heads(sc);

    sigma_correlator_options opts;
    memset(&opts, 0, sizeof opts);
    opts.size = sizeof opts;
    opts.out_of_order_ms = cfg->max_disorder_ms;
    opts.max_groups = cfg->max_groups;
    opts.max_events_per_group = cfg->max_events_per_group;
    opts.idle_expiry_ms = cfg->idle_expiry_ms;
    int rc = sigma_correlator_new(rs, &opts, &sc->corr);
    if (rc != SIGMA_OK) {
        if (rc == SIGMA_E_NOMEM)
            tb_die_nomem();
        fprintf(stderr, "sigma-scan: cannot create the correlator: %s\n", sigma_status_str(rc));
        scan_corr_free(sc);
        exit(2);
    }
    return sc;
}

void scan_corr_free(scan_corr *sc)
{
    if (!sc)
        return;
    sigma_correlator_free(sc->corr);
    for (uint32_t r = 0; r < sc->n_rules; r++)
        free(sc->heads[r]);
    for (size_t i = 0; i < sc->cfg.n_files; i++)
        free(sc->file_json[i]);
    free(sc->heads);
    free(sc->file_json);
    free(sc->alerts);
    free(sc->field_lens);
    free(sc->seen);
    free(sc->out.data);
    free(sc->closed.data);
    free(sc->refs);
    free(sc->first_untimed);
    free(sc);
}

int scan_corr_alerts(const scan_corr *sc, uint32_t rule)
{
    return !sc || rule >= sc->n_rules || sc->alerts[rule];
}

static int feed_status(scan_corr *sc, int rc, const char *display, uint64_t number)
{
    if (rc == SIGMA_OK)
        return (int)(sc->lines > INT32_MAX ? INT32_MAX : sc->lines);
    if (rc == SIGMA_E_NOMEM)
        tb_die_nomem();
    fprintf(stderr, "%s:%llu: correlation failed: %s\n", display, (unsigned long long)number,
            sigma_status_str(rc));
    return -1;
}

int scan_corr_time_json(const scan_corr *sc, const json_t *flat, int64_t *ms)
{
    return event_time_ms(sc, flat, ms);
}

/* ------------------------------------------------- time from the parser's fields */

void scan_corr_time_begin(scan_corr *sc)
{
    memset(sc->seen, 0, sc->n_fields);
    sc->best = sc->n_fields;
}

int scan_corr_time_end(const scan_corr *sc, int64_t *ms)
{
    if (sc->best == sc->n_fields)
        return -1;
    *ms = sc->best_ms;
    return 0;
}

/* The index of `name` among the timestamp fields, or n_fields. */
static size_t time_field(const scan_corr *sc, const char *name, size_t len)
{
    for (size_t i = 0; i < sc->n_fields && i < sc->best; i++)
        if (sc->field_lens[i] == len && memcmp(sc->fields[i], name, len) == 0)
            return i;
    return sc->n_fields;
}

/* Only the first value of a field counts (a multi-valued field: its first value, as
 * json_time takes the first item of an array), and the earliest field that parses. */
static void offer_time(scan_corr *sc, const char *name, size_t len, int ok, ts_micros t)
{
    size_t i = time_field(sc, name, len);
    if (i == sc->n_fields || sc->seen[i])
        return;
    sc->seen[i] = 1;
    if (ok) {
        sc->best = i;
        sc->best_ms = t >= 0 ? t / 1000 : -((-t + 999) / 1000);
    }
}

static int tee_str(void *ctx, const char *name, size_t name_len, const char *s, size_t n)
{
    scan_corr_tee *t = ctx;
    ts_micros v = 0;
    if (t->sc) {
        int ok = ts_parse_text(s, n, &v) == 0; /* before v is read: argument order is unspecified */
        offer_time(t->sc, name, name_len, ok, v);
    }
    return t->inner->str(t->inner_ctx, name, name_len, s, n);
}

static int tee_integer(void *ctx, const char *name, size_t name_len, int64_t i)
{
    scan_corr_tee *t = ctx;
    ts_micros v = 0;
    if (t->sc) {
        int ok = ts_from_int(i, &v) == 0; /* before v is read: argument order is unspecified */
        offer_time(t->sc, name, name_len, ok, v);
    }
    return t->inner->integer(t->inner_ctx, name, name_len, i);
}

static int tee_real(void *ctx, const char *name, size_t name_len, double d)
{
    scan_corr_tee *t = ctx;
    ts_micros v = 0;
    if (t->sc) {
        int ok = ts_from_double(d, &v) == 0; /* before v is read: argument order is unspecified */
        offer_time(t->sc, name, name_len, ok, v);
    }
    return t->inner->real(t->inner_ctx, name, name_len, d);
}

static int tee_boolean(void *ctx, const char *name, size_t name_len, int b)
{
    scan_corr_tee *t = ctx;
    if (t->sc)
        offer_time(t->sc, name, name_len, 0, 0);
    return t->inner->boolean(t->inner_ctx, name, name_len, b);
}

static int tee_null(void *ctx, const char *name, size_t name_len)
{
    scan_corr_tee *t = ctx;
    if (t->sc)
        offer_time(t->sc, name, name_len, 0, 0);
    return t->inner->null(t->inner_ctx, name, name_len);
}

static int tee_empty(void *ctx, const char *name, size_t name_len)
{
    scan_corr_tee *t = ctx;
    return t->inner->empty(t->inner_ctx, name, name_len);
}

const json_event_sink scan_corr_tee_sink = {tee_str,     tee_integer, tee_real,
                                            tee_boolean, tee_null,    tee_empty};

/* ------------------------------------------------------------------ feeding */

int scan_corr_feed(scan_corr *sc, int has_time, int64_t ms, const sigma_event *ev,
                   const uint32_t *hits, uint32_t n, size_t file, uint64_t number,
                   const char *display)
{
    if (!has_time) {
        /* Events that matched nothing lose nothing; the others are counted. */
        if (n > 0 && sc->untimed++ == 0) {
            char where[64];
            snprintf(where, sizeof where, ":%llu", (unsigned long long)number);
            size_t len = strlen(display) + strlen(where) + 1;
            sc->first_untimed = malloc(len);
            if (!sc->first_untimed)
                tb_die_nomem();
            snprintf(sc->first_untimed, len, "%s%s", display, where);
        }
        return (int)(sc->lines > INT32_MAX ? INT32_MAX : sc->lines);
    }
    /* Every timed event moves stream time on, so windows with lt/lte/eq conditions
     * are decided (and reported) as the input passes their end: first the windows
     * this time closes (reported before the event's own lines), then the event. */
    sc->cur = &sc->closed;
    int rc = sigma_correlator_advance(sc->corr, ms, on_correlation, sc);
    sc->cur = &sc->out;
    if (rc != SIGMA_OK || n == 0)
        return feed_status(sc, rc, display, number);
    uint64_t ref = ((uint64_t)file << REF_FILE_SHIFT) | (number & REF_NUMBER_MASK);
    rc = sigma_correlator_feed(sc->corr, ev, ms, ref, hits, n, on_correlation, sc);
    return feed_status(sc, rc, display, number);
}

static int write_buf(text_buf *b, FILE *out)
{
    int rc = b->len && fwrite(b->data, 1, b->len, out) != b->len ? -1 : 0;
    b->len = 0;
    return rc;
}

int scan_corr_write_closed(scan_corr *sc, FILE *out)
{
    return write_buf(&sc->closed, out);
}

int scan_corr_write(scan_corr *sc, FILE *out)
{
    int rc = write_buf(&sc->closed, out);
    if (write_buf(&sc->out, out) != 0)
        rc = -1;
    sc->lines = 0;
    return rc;
}

static void print_fields(const scan_corr *sc)
{
    for (size_t i = 0; i < sc->n_fields; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", sc->fields[i]);
}

int scan_corr_finish(scan_corr *sc, int stats)
{
    int rc = sigma_correlator_flush(sc->corr, on_correlation, sc);
    if (rc != SIGMA_OK) {
        if (rc == SIGMA_E_NOMEM)
            tb_die_nomem();
        fprintf(stderr, "sigma-scan: correlation failed: %s\n", sigma_status_str(rc));
        return -1;
    }
    sigma_correlator_stats cs;
    memset(&cs, 0, sizeof cs);
    cs.size = sizeof cs;
    sigma_correlator_get_stats(sc->corr, &cs);
    if (sc->untimed) {
        fprintf(stderr,
                "sigma-scan: warning: %llu events matched rules but had no timestamp and were "
                "not correlated (first: %s; fields tried: ",
                (unsigned long long)sc->untimed, sc->first_untimed);
        print_fields(sc);
        fputs(")\n", stderr);
    }
    if (cs.events_late)
        fprintf(stderr,
                "sigma-scan: warning: %llu events were older than the newest event by more than "
                "--max-disorder (%.3f s) and were not correlated\n",
                (unsigned long long)cs.events_late, (double)sc->cfg.max_disorder_ms / 1000.0);
    if (cs.groups_evicted)
        fprintf(stderr,
                "sigma-scan: warning: %llu correlation groups were evicted at the group limit\n",
                (unsigned long long)cs.groups_evicted);
    if (stats)
        fprintf(stderr,
                "stats: correlations %u, correlation matches %llu, untimed %llu, late %llu, "
                "groups %llu (evicted %llu, expired %llu), events dropped %llu, peak state "
                "%llu bytes\n",
                (unsigned)sigma_ruleset_correlation_count(sc->rs), (unsigned long long)sc->matches,
                (unsigned long long)sc->untimed, (unsigned long long)cs.events_late,
                (unsigned long long)cs.groups_created, (unsigned long long)cs.groups_evicted,
                (unsigned long long)cs.groups_expired, (unsigned long long)cs.events_dropped,
                (unsigned long long)cs.bytes_peak);
    return (int)(sc->lines > INT32_MAX ? INT32_MAX : sc->lines);
}
