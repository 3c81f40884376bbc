/* sigma-scan - match events (JSON lines or EVTX files) against Sigma rules with libsigma.
 *
 *   sigma-scan [options] -r PATH [-r PATH ...] [EVENTS ...]
 *
 * The full contract (output format, exit codes) is in docs/cli.md. In short:
 * stdout gets one JSON object per match, stderr gets the rule diagnostics, a
 * "loaded N rules, M failed" summary and any problems with the input; the exit
 * status is 0 (ok), 1 (rule errors under --check/--strict) or 2 (usage or I/O).
 *
 * Inputs (--format): flat JSON lines (the corpus convention), nested Windows JSON
 * lines ({"Event": {"System": ..., "EventData": ...}}, converted to the flat
 * convention by windows_event.c) and EVTX files (read through libevtx when built
 * with it, evtx_input.c; each record's XML is converted by windows_event.c too).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sigma/sigma.h>

#include "evtx_input.h"
#include "json_event.h"
#include "json_fast.h"
#include "scan_lines.h"
#include "scan_pool.h"
#include "scan_explain.h"
#include "scan_correlation.h"
#include "text_buf.h"
#include "windows_event.h"

#define EXIT_RULES 1
#define EXIT_USAGE 2

/* Events per batch handed to a matching thread. */
#define SCAN_BATCH_EVENTS 64

static const char usage_text[] =
    "usage: sigma-scan [options] -r PATH [-r PATH ...] [EVENTS ...]\n"
    "       sigma-scan --convert [--format FORMAT] [EVENTS ...]\n"
    "\n"
    "Match events (JSON lines or EVTX files) against Sigma rules.\n"
    "\n"
    "  -r, --rules PATH   rule file or directory (recursive); repeatable\n"
    "  --placeholders FILE\n"
    "                     placeholder values for `expand` (YAML map name: [values]),\n"
    "                     read before any rule; repeatable\n"
    "  EVENTS             event files; none or '-' = stdin\n"
    "  --format FORMAT    auto (default), flat, windows or evtx:\n"
    "                     flat     JSON lines, one flat object per event\n"
    "                     windows  JSON lines, {\"Event\": {\"System\": ..., \"EventData\": ...}}\n"
    "                     evtx     EVTX files (needs a build with libevtx)\n"
    "                     auto     EVTX files by their header, else per line: an object\n"
    "                              with an \"Event\" object that has a \"System\" object\n"
    "                              is windows, others flat\n"
    "  --convert          print each event as the flat object rules see, one per line,\n"
    "                     instead of matching (no rules needed)\n"
    "  --check            load and compile only, print diagnostics, exit 1 if any rule failed\n"
    "  --strict           exit 1 before scanning if any rule failed to compile\n"
    "  --stats            counts and throughput on stderr at the end (per Channel too)\n"
    "  --threads N        matching threads (1-64; default: the number of online CPUs);\n"
    "                     the output is the same for any N\n"
    "  --jansson          read every JSON line with jansson, not the fast parser of flat\n"
    "                     lines (same results, slower; for comparison)\n"
    "  --mapping FILE     add a logsource mapping (YAML, docs/mapping.md); repeatable\n"
    "  --no-mapping       do not use the built-in mapping (only --mapping files, if any)\n"
    "  --strict-logsource events no mapping recognises match no rule (default: all rules)\n"
    "  --explain          add \"explain\": {...} to each match line: the result of every\n"
    "                     stage and predicate, with the event value that satisfied it\n"
    "  --timestamp-field NAME\n"
    "                     field with the event time for correlation rules; repeatable,\n"
    "                     tried in order (default: @timestamp, timestamp,\n"
    "                     TimeCreated_SystemTime, TimeCreated, UtcTime, SystemTime,\n"
    "                     EventTime, time)\n"
    "  --max-disorder SECONDS\n"
    "                     correlate events up to this much older than the newest one\n"
    "                     (default 0: events must come in time order)\n"
    "  --corr-max-groups N  live groups per correlation rule; at the limit the least\n"
    "                     recently updated group is evicted (default 100000)\n"
    "  --corr-max-events N  events kept per group; the oldest is dropped (default 10000)\n"
    "  --corr-idle-expiry SECONDS\n"
    "                     drop a group not updated for this long, even inside its\n"
    "                     window (default: only when its window is over)\n"
    "  -h, --help         show this help and exit\n"
    "  --version          show the version (and whether EVTX input is supported) and exit\n"
    "\n"
    "stdout: one JSON object per match, one line each, in input order:\n"
    "  {\"event\": <line or record>, \"id\": \"<rule id or null>\", \"title\": \"...\", \"level\": "
    "\"...\",\n"
    "   \"path\": \"<rule file>\"}   (\"file\" follows \"event\" when several EVENTS are given)\n"
    "stderr: diagnostics as <path>:<line>:<col>: <severity>: <message>, then\n"
    "        \"loaded <N> rules, <M> failed\"\n"
    "exit: 0 ok, 1 rule errors under --check/--strict, 2 usage or I/O error\n";

/* ------------------------------------------------------------------ helpers */

const char tb_program_name[] = "sigma-scan"; /* prefix of usage and out-of-memory messages */

/* ------------------------------------------------------------------ options */

enum input_format { FMT_AUTO, FMT_FLAT, FMT_WINDOWS, FMT_EVTX };

static const char *const format_names[] = {"auto", "flat", "windows", "evtx"};

static const char no_evtx_message[] = "this sigma-scan was built without EVTX support (libevtx)";

typedef struct options {
    const char **rules;
    size_t n_rules;
    const char **placeholders;
    size_t n_placeholders;
    const char **mappings;
    size_t n_mappings;
    int no_mapping;
    int strict_logsource;
    int explain;
    const char **events;
    size_t n_events;
    enum input_format format;
    int convert;
    int check;
    int strict;
    int stats;
    unsigned threads; /* --threads, default the number of online CPUs */
    int jansson;      /* --jansson: no fast parser */
    const char **timestamp_fields;
    size_t n_timestamp_fields;
    int64_t max_disorder_ms;
    uint32_t corr_max_groups, corr_max_events; /* 0: the library's defaults */
    int64_t corr_idle_ms;
} options;

static void print_version(void)
{
    printf("sigma-scan %s (libsigma %s)\n", SIGMA_VERSION_STRING, sigma_version_string());
    if (evtx_supported())
        printf("EVTX input: supported (%s)\n", evtx_library_version());
    else
        printf("EVTX input: not supported (built without libevtx)\n");
}

static void set_format(options *o, const char *name)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (strcmp(name, format_names[i]) == 0) {
            o->format = (enum input_format)i;
            return;
        }
    }
    tb_usage_error(usage_text, "unknown format '%s' (use auto, flat, windows or evtx)", name);
}

static void set_threads(options *o, const char *text)
{
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || n < 1 ||
        n > SCAN_POOL_MAX_THREADS)
        tb_usage_error(usage_text, "--threads needs a number from 1 to %d, not '%s'",
                       SCAN_POOL_MAX_THREADS, text);
    o->threads = (unsigned)n;
}

/* The default for --threads: one matching thread per online CPU. */
static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > SCAN_POOL_MAX_THREADS ? SCAN_POOL_MAX_THREADS : (unsigned)n;
}

/* A number of seconds from `min` to 1e9 for option `opt`, in milliseconds. */
static int64_t parse_seconds(const char *opt, const char *text, double min)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(v >= min && v <= 1e9))
        tb_usage_error(usage_text, "%s needs a number of seconds (%g to 1e9), not '%s'", opt, min,
                       text);
    return (int64_t)(v * 1000.0 + 0.5);
}

static void set_max_disorder(options *o, const char *text)
{
    o->max_disorder_ms = parse_seconds("--max-disorder", text, 0.0);
}

/* --corr-max-groups / --corr-max-events: a count from 1 to 2^32 - 1. */
static uint32_t parse_limit(const char *opt, const char *text)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || text[0] == '-' || v < 1 || v > UINT32_MAX)
        tb_usage_error(usage_text, "%s needs a whole number from 1 to 4294967295, not '%s'", opt,
                       text);
    return (uint32_t)v;
}

static void parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    /* Each list holds at most argc entries. */
    o->rules = calloc((size_t)argc + 1, sizeof *o->rules);
    o->events = calloc((size_t)argc + 1, sizeof *o->events);
    o->placeholders = calloc((size_t)argc + 1, sizeof *o->placeholders);
    o->mappings = calloc((size_t)argc + 1, sizeof *o->mappings);
    o->timestamp_fields = calloc((size_t)argc + 1, sizeof *o->timestamp_fields);
    if (!o->rules || !o->events || !o->placeholders || !o->mappings || !o->timestamp_fields)
        tb_die_nomem();
    o->format = FMT_AUTO;
    o->threads = default_threads();

    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
            o->events[o->n_events++] = a;
        } else if (strcmp(a, "--") == 0) {
            only_files = 1;
        } else if (strcmp(a, "-r") == 0 || strcmp(a, "--rules") == 0) {
            if (i + 1 >= argc)
                tb_usage_error(usage_text, "option '%s' needs a PATH", a);
            o->rules[o->n_rules++] = argv[++i];
        } else if (strncmp(a, "--rules=", 8) == 0) {
            o->rules[o->n_rules++] = a + 8;
        } else if (strncmp(a, "-r", 2) == 0) {
            o->rules[o->n_rules++] = a + 2;
        } else if (strcmp(a, "--placeholders") == 0) {
            if (i + 1 >= argc)
                tb_usage_error(usage_text, "option '%s' needs a FILE", a);
            o->placeholders[o->n_placeholders++] = argv[++i];
        } else if (strncmp(a, "--placeholders=", 15) == 0) {
            o->placeholders[o->n_placeholders++] = a + 15;
        } else if (strcmp(a, "--format") == 0) {
            if (i + 1 >= argc)
                tb_usage_error(usage_text, "option '%s' needs a FORMAT", a);
            set_format(o, argv[++i]);
        } else if (strncmp(a, "--format=", 9) == 0) {
            set_format(o, a + 9);
        } else if (strcmp(a, "--convert") == 0) {
            o->convert = 1;
        } else if (strcmp(a, "--check") == 0) {
            o->check = 1;
        } else if (strcmp(a, "--strict") == 0) {
            o->strict = 1;
        } else if (strcmp(a, "--stats") == 0) {
            o->stats = 1;
        } else if (strcmp(a, "--jansson") == 0) {
            o->jansson = 1;
        } else if (strcmp(a, "--threads") == 0) {
            if (i + 1 >= argc)
                tb_usage_error(usage_text, "option '%s' needs a number", a);
            set_threads(o, argv[++i]);
        } else if (strncmp(a, "--threads=", 10) == 0) {
            set_threads(o, a + 10);
        } else if (strcmp(a, "--mapping") == 0) {
            if (i + 1 >= argc)
                tb_usage_error(usage_text, "option '%s' needs a FILE", a);
            o->mappings[o->n_mappings++] = argv[++i];
        } else if (strncmp(a, "--mapping=", 10) == 0) {
            o->mappings[o->n_mappings++] = a + 10;
        } else if (strcmp(a, "--no-mapping") == 0) {
            o->no_mapping = 1;
        } else if (strcmp(a, "--strict-logsource") == 0) {
            o->strict_logsource = 1;
        } else if (strcmp(a, "--explain") == 0) {
            o->explain = 1;
        } else if (strcmp(a, "--timestamp-field") == 0 ||
                   strncmp(a, "--timestamp-field=", 18) == 0) {
            if (a[17] == '\0' && i + 1 >= argc)
                tb_usage_error(usage_text, "option '%s' needs a NAME", a);
            const char *name = a[17] == '=' ? a + 18 : argv[++i];
            if (name[0] == '\0')
                tb_usage_error(usage_text, "empty --timestamp-field name");
            o->timestamp_fields[o->n_timestamp_fields++] = name;
        } else if (strcmp(a, "--max-disorder") == 0 || strncmp(a, "--max-disorder=", 15) == 0) {
            if (a[14] == '\0' && i + 1 >= argc)
                tb_usage_error(usage_text, "option '%s' needs SECONDS", a);
            set_max_disorder(o, a[14] == '=' ? a + 15 : argv[++i]);
        } else if (strcmp(a, "--corr-max-groups") == 0 || strcmp(a, "--corr-max-events") == 0 ||
                   strcmp(a, "--corr-idle-expiry") == 0) {
            if (i + 1 >= argc)
                tb_usage_error(usage_text, "option '%s' needs a value", a);
            const char *v = argv[++i];
            if (a[11] == 'g')
                o->corr_max_groups = parse_limit(a, v);
            else if (a[11] == 'e')
                o->corr_max_events = parse_limit(a, v);
            else
                o->corr_idle_ms = parse_seconds(a, v, 1e-3);
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            exit(fflush(stdout) == 0 ? 0 : EXIT_USAGE);
        } else if (strcmp(a, "--version") == 0) {
            print_version();
            exit(fflush(stdout) == 0 ? 0 : EXIT_USAGE);
        } else {
            tb_usage_error(usage_text, "unknown option '%s'", a);
        }
    }
    if (o->convert) {
        if (o->check || o->n_rules || o->n_placeholders)
            tb_usage_error(usage_text, "--convert takes no rules (-r, --placeholders, --check)");
    } else if (o->n_rules == 0) {
        tb_usage_error(usage_text, "no rules given (use -r PATH)");
    }
    for (size_t i = 0; i < o->n_rules; i++)
        if (o->rules[i][0] == '\0')
            tb_usage_error(usage_text, "empty rules path");
    for (size_t i = 0; i < o->n_placeholders; i++)
        if (o->placeholders[i][0] == '\0')
            tb_usage_error(usage_text, "empty placeholders path");
    if (o->format == FMT_EVTX && !evtx_supported()) {
        fprintf(stderr, "sigma-scan: --format evtx: %s\n", no_evtx_message);
        exit(EXIT_USAGE);
    }
}

/* -------------------------------------------------------------------- rules */

/* The built-in mapping (unless --no-mapping), then every --mapping file. Returns
 * -1 (message printed) when a file cannot be read. */
static int add_mappings(sigma_builder *b, const options *o)
{
    if (!o->no_mapping && sigma_builder_add_default_mapping(b) == SIGMA_E_NOMEM)
        tb_die_nomem();
    for (size_t i = 0; i < o->n_mappings; i++) {
        size_t len = 0;
        errno = 0;
        char *text = tb_read_file(o->mappings[i], &len);
        if (!text) {
            fprintf(stderr, "sigma-scan: %s: cannot read mapping: %s\n", o->mappings[i],
                    strerror(errno ? errno : EIO));
            return -1;
        }
        int rc = sigma_builder_add_mapping_yaml(b, o->mappings[i], SIGMA_NUL_TERMINATED, text, len);
        free(text);
        if (rc == SIGMA_E_NOMEM)
            tb_die_nomem();
    }
    return 0;
}

/* Reads every --placeholders file into the builder before any rule is added:
 * values only apply to rules added after them. Problems inside a file become
 * builder diagnostics; returns -1 (message printed) when a file cannot be read. */
static int add_placeholder_files(sigma_builder *b, const options *o)
{
    for (size_t i = 0; i < o->n_placeholders; i++) {
        const char *path = o->placeholders[i];
        size_t len = 0;
        errno = 0;
        char *text = tb_read_file(path, &len);
        if (!text) {
            fprintf(stderr, "sigma-scan: %s: cannot read placeholders: %s\n", path,
                    strerror(errno ? errno : EIO));
            return -1;
        }
        int rc = sigma_builder_add_placeholders_yaml(b, path, SIGMA_NUL_TERMINATED, text, len);
        free(text);
        if (rc == SIGMA_E_NOMEM)
            tb_die_nomem();
    }
    return 0;
}

static const char *severity_word(int32_t severity)
{
    return severity == SIGMA_SEVERITY_WARNING ? "warning" : "error";
}

static void print_diagnostics(const sigma_diagnostics *diags)
{
    size_t n = sigma_diagnostics_count(diags);
    for (size_t i = 0; i < n; i++) {
        sigma_diagnostic_info d;
        memset(&d, 0, sizeof d);
        d.size = sizeof d;
        if (sigma_diagnostics_get(diags, i, &d) != SIGMA_OK)
            continue;
        const char *src = d.source_name ? d.source_name : "<input>";
        const char *msg = d.message ? d.message : "";
        if (d.line == 0)
            fprintf(stderr, "%s: %s: %s\n", src, severity_word(d.severity), msg);
        else if (d.column == 0)
            fprintf(stderr, "%s:%u: %s: %s\n", src, (unsigned)d.line, severity_word(d.severity),
                    msg);
        else
            fprintf(stderr, "%s:%u:%u: %s: %s\n", src, (unsigned)d.line, (unsigned)d.column,
                    severity_word(d.severity), msg);
    }
}

/* The part of a match line after the event number (and file), prepared once
 * per rule: `, "id": ..., "title": ..., "level": ..., "path": ...}\n`. */
static char **prepare_rule_tails(const sigma_ruleset *rs, uint32_t n)
{
    char **tails = calloc((size_t)n + 1, sizeof *tails);
    if (!tails)
        tb_die_nomem();
    for (uint32_t r = 0; r < n; r++) {
        sigma_rule_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        if (sigma_ruleset_rule_info(rs, r, &info) != SIGMA_OK) {
            memset(&info, 0, sizeof info);
            info.size = sizeof info;
        }
        text_buf sb = {NULL, 0, 0};
        tb_adds(&sb, ", \"id\": ");
        tb_add_json_str_or_null(&sb, info.id);
        tb_adds(&sb, ", \"title\": ");
        tb_add_json_str_or_null(&sb, info.title);
        tb_adds(&sb, ", \"level\": ");
        tb_add_json_str_or_null(&sb, info.level);
        tb_adds(&sb, ", \"path\": ");
        tb_add_json_str_or_null(&sb, info.source_name);
        tb_adds(&sb, "}\n");
        tails[r] = sb.data;
    }
    return tails;
}

/* ------------------------------------------------------------------- events */

/* The progress line on stderr (only when stderr is a terminal): shown after the
 * first second of scanning, redrawn at most four times a second, erased before
 * any other message and at the end. */
typedef struct progress {
    int enabled;    /* stderr is a terminal */
    int stdout_tty; /* stdout too: erase the line before writing output */
    int shown;      /* a progress line is on the screen */
    unsigned ticks;
    double t_start;   /* scan start */
    double t_last;    /* last redraw */
    const char *name; /* current input, as displayed */
    uint64_t done;    /* bytes or records of the current input read so far */
    uint64_t total;   /* its size (0 = unknown, e.g. a pipe) */
} progress;

/* --stats: events and matches per value of the Channel field. */
typedef struct channel_count {
    char *channel; /* "(none)" for events without one */
    uint64_t events, matches;
} channel_count;

/* One events input (file or stdin). */
typedef struct scan_source {
    const char *display; /* its name in messages ("<stdin>" for "-") */
    char *file_json;     /* its name as a JSON string, for "file" in match lines */
    int flush_matches;   /* a pipe or terminal: flush stdout after each match */
    size_t index;        /* its position among the inputs (correlation event refs) */
} scan_source;

typedef struct scan_state {
    const sigma_ruleset *rs;
    scan_pool *pool;   /* matching threads (NULL under --convert) */
    scan_batch *batch; /* the batch being filled */
    json_fast *fast;   /* the JSON-lines parser of flat events */
    windows_converter *conv;
    char **tails;
    uint32_t n_rules;
    enum input_format format;
    int convert;      /* --convert: print the flat events instead of matching */
    int jansson;      /* --jansson: every line through jansson */
    int with_file;    /* add "file" to each match line */
    uint64_t events;  /* events matched (or converted) */
    uint64_t matches; /* match lines written */
    uint64_t malformed;
    uint32_t match_flags; /* SIGMA_MATCH_* */
    int stats;            /* --stats: count events and matches per Channel */
    int explain;          /* --explain: scan_explain.c completes each match line */
    channel_count *channels;
    size_t n_channels, channels_cap;
    progress prog;
    scan_corr *corr; /* correlation rules (NULL without any) */
} scan_state;

static void progress_clear(progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = 0;
    }
}

static void progress_draw(scan_state *st, double now)
{
    progress *p = &st->prog;
    double elapsed = now - p->t_start;
    double rate = elapsed > 0 ? (double)st->events / elapsed : 0.0;
    char pct[16] = "";
    if (p->total > 0) {
        unsigned v = (unsigned)(p->done >= p->total ? 100 : p->done * 100 / p->total);
        snprintf(pct, sizeof pct, " (%u%%)", v);
    }
    fprintf(stderr, "\r%s: %llu events%s, %.0f events/s, %llu matches\033[K", p->name,
            (unsigned long long)st->events, pct, rate, (unsigned long long)st->matches);
    fflush(stderr);
    p->shown = 1;
    p->t_last = now;
}

/* Called once per input line or record. */
static void progress_tick(scan_state *st)
{
    progress *p = &st->prog;
    if (!p->enabled || (++p->ticks & 255u) != 0)
        return;
    double now = tb_now_seconds();
    if (now - p->t_start < 1.0 || now - p->t_last < 0.25)
        return;
    progress_draw(st, now);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
scan_warn(scan_state *st, const char *fmt, ...);

/* A message on stderr during the scan (erases the progress line first). */
static void scan_warn(scan_state *st, const char *fmt, ...)
{
    progress_clear(&st->prog);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' && s[i] != '\f' &&
            s[i] != '\v')
            return 0;
    return 1;
}

static void count_channel(scan_state *st, const char *channel, uint32_t hits)
{
    if (!channel)
        channel = "(none)";
    size_t i = 0;
    while (i < st->n_channels && strcmp(st->channels[i].channel, channel) != 0)
        i++;
    if (i == st->n_channels) {
        if (st->n_channels == st->channels_cap) {
            size_t cap = st->channels_cap ? st->channels_cap * 2 : 16;
            channel_count *c = realloc(st->channels, cap * sizeof *c);
            if (!c)
                tb_die_nomem();
            st->channels = c;
            st->channels_cap = cap;
        }
        char *copy = strdup(channel);
        if (!copy)
            tb_die_nomem();
        st->channels[st->n_channels++] = (channel_count){copy, 0, 0};
    }
    st->channels[i].events++;
    st->channels[i].matches += hits;
}

static int by_events(const void *a, const void *b)
{
    const channel_count *x = a, *y = b;
    return (x->events < y->events) - (x->events > y->events);
}

/* Writes the results of one event, in input order (called on the reading thread for
 * every event that was matched, in the order of the input): `it` is the batch item
 * (its event as matched, line or record number, sigma_match status, time), `hits`
 * the rule indexes sigma_match reported, `channel` its Channel value (NULL if none).
 * With correlation rules the event also goes to the correlator here: lines of windows
 * its time closed come first, then its detection lines (only of rules that alert),
 * then the correlation matches it completed. Returns 0, or -1 on a fatal error
 * (message printed). */
static int scan_report(scan_state *st, const scan_source *src, const scan_item *it,
                       const uint32_t *hits, const char *channel)
{
    uint64_t number = it->number;
    uint32_t n_hits = it->n_hits;
    if (it->match_rc != SIGMA_OK) {
        scan_warn(st, "%s:%llu: match failed: %s\n", src->display, (unsigned long long)number,
                  sigma_status_str(it->match_rc));
        return it->match_rc == SIGMA_E_NOMEM ? -1 : 0;
    }
    int corr_lines = 0; /* correlation match lines this event produced */
    if (st->corr && (corr_lines = scan_corr_feed(st->corr, it->has_time, it->time_ms, it->ev, hits,
                                                 n_hits, src->index, number, src->display)) < 0)
        return -1;
    if ((n_hits || corr_lines) && st->prog.shown && st->prog.stdout_tty)
        progress_clear(&st->prog);
    if (corr_lines && scan_corr_write_closed(st->corr, stdout) != 0)
        return -1;
    char head[64];
    int head_len = 0;
    if (n_hits)
        head_len = snprintf(head, sizeof head, "{\"event\": %llu%s", (unsigned long long)number,
                            st->with_file ? ", \"file\": " : "");
    uint64_t printed = st->matches;
    for (uint32_t i = 0; i < n_hits; i++) {
        uint32_t r = hits[i];
        if (r >= st->n_rules || !scan_corr_alerts(st->corr, r))
            continue;
        fwrite(head, 1, (size_t)head_len, stdout);
        if (st->with_file)
            fputs(src->file_json, stdout);
        if (!st->explain)
            fputs(st->tails[r], stdout);
        else if (scan_explain_line(stdout, st->rs, r, it->ev, st->tails[r]) != SIGMA_OK)
            tb_die_nomem(); /* the rule and event are valid: only memory can fail */
        st->matches++;
    }
    if (corr_lines && scan_corr_write(st->corr, stdout) != 0)
        return -1;
    if ((n_hits || corr_lines) && src->flush_matches)
        fflush(stdout);
    if (st->stats)
        count_channel(st, channel, (uint32_t)(st->matches - printed));
    return 0;
}

/* Writes the results of one matched batch. Returns 0, or -1 on a fatal error. */
static int output_batch(scan_state *st, scan_batch *b)
{
    const scan_source *src = b->source;
    int rc = 0;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        const scan_item *it = &b->items[i];
        rc = scan_report(st, src, it, b->hits + it->hits_at, scan_item_channel(b, it));
    }
    scan_pool_release(st->pool, b);
    return rc;
}

/* Writes the batches that are matched, in order: all of them (waiting) when `all`,
 * else those ready now. Returns 0, or -1 on a fatal error. */
static int output_ready(scan_state *st, int all)
{
    scan_batch *b;
    while ((b = scan_pool_next_done(st->pool, all)) != NULL)
        if (output_batch(st, b) != 0)
            return -1;
    return 0;
}

/* Hands the batch being filled to the workers and writes every result (waiting for
 * them). Returns 0, or -1 on a fatal error. */
static int scan_drain(scan_state *st)
{
    if (!st->pool)
        return 0;
    if (st->batch) {
        scan_pool_submit(st->pool, st->batch);
        st->batch = NULL;
    }
    return output_ready(st, 1);
}

/* The next event slot for an event of `src`: in the current batch, or in a new one
 * once it is full (results of earlier batches are written meanwhile). NULL on a
 * fatal error (message printed). */
static sigma_event *next_event(scan_state *st, const scan_source *src, uint64_t number)
{
    int rc = SIGMA_OK;
    if (st->batch && (st->batch->source != src || scan_batch_full(st->batch))) {
        scan_pool_submit(st->pool, st->batch);
        st->batch = NULL;
        if (output_ready(st, 0) != 0)
            return NULL;
    }
    while (!st->batch && (st->batch = scan_pool_free_batch(st->pool)) == NULL) {
        scan_batch *b = scan_pool_next_done(st->pool, 1);
        if (b && output_batch(st, b) != 0)
            return NULL;
    }
    if (st->batch->n == 0)
        st->batch->source = src;
    sigma_event *ev = scan_batch_add(st->batch, number, &rc);
    if (!ev)
        tb_die_nomem();
    return ev;
}

/* Keeps the event's Channel with it for --stats. */
static void keep_channel(scan_state *st, const char *channel)
{
    if (st->stats && channel && scan_batch_set_channel(st->batch, channel) != SIGMA_OK)
        tb_die_nomem();
}

/* Turns one flat event (a jansson object) into the next event of the batch (or prints
 * it under --convert); `number` is its line or record number. Returns 0, or -1 on a
 * fatal error (message printed). */
static int scan_flat(scan_state *st, const scan_source *src, const json_t *flat, uint64_t number)
{
    if (st->convert) {
        char *text = json_dumps(flat, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            tb_die_nomem();
        if (st->prog.shown && st->prog.stdout_tty)
            progress_clear(&st->prog);
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
        st->events++;
        if (src->flush_matches)
            fflush(stdout);
        return 0;
    }

    sigma_event *ev = next_event(st, src, number);
    if (!ev)
        return -1;
    int rc = json_event_fill(ev, flat);
    if (rc != SIGMA_OK) {
        scan_batch_drop_last(st->batch);
        scan_warn(st, "%s:%llu: cannot build event: %s\n", src->display, (unsigned long long)number,
                  sigma_status_str(rc));
        if (rc == SIGMA_E_NOMEM)
            return -1;
        st->malformed++;
        return 0;
    }
    st->events++;
    keep_channel(st, json_string_value(json_object_get(flat, "Channel")));
    int64_t ms;
    if (st->corr && scan_corr_time_json(st->corr, flat, &ms) == 0)
        scan_batch_set_time(st->batch, ms);
    return 0;
}

/* The fast path for a flat JSON line (json_fast.h): 1 when the line became the next
 * event, 0 when it needs the jansson path, -1 on a fatal error. */
static int scan_line_fast(scan_state *st, const scan_source *src, const char *line, size_t len,
                          uint64_t lineno)
{
    sigma_event *ev = next_event(st, src, lineno);
    if (!ev)
        return -1;
    /* With correlation rules the event's time is picked up on the way. */
    scan_corr_tee tee = {st->corr, &json_event_sigma_sink, ev};
    if (st->corr)
        scan_corr_time_begin(st->corr);
    int rc =
        json_fast_parse(st->fast, line, len, st->format == FMT_AUTO ? JSON_FAST_DECLINE_EVENT : 0,
                        st->corr ? &scan_corr_tee_sink : &json_event_sigma_sink,
                        st->corr ? (void *)&tee : (void *)ev);
    if (rc == SIGMA_E_NOMEM)
        tb_die_nomem();
    if (rc != SIGMA_OK) {
        /* Declined (or a field the library refused): the jansson path decides, with
         * the diagnostics it always gave. */
        scan_batch_drop_last(st->batch);
        return 0;
    }
    st->events++;
    keep_channel(st, json_fast_channel(st->fast, NULL));
    int64_t ms;
    if (st->corr && scan_corr_time_end(st->corr, &ms) == 0)
        scan_batch_set_time(st->batch, ms);
    return 1;
}

/* Reads one line into an event; returns 0, or -1 on a fatal error (message printed). */
static int scan_line(scan_state *st, const scan_source *src, const char *line, size_t len,
                     uint64_t lineno)
{
    if (is_blank(line, len))
        return 0;

    if (!st->convert && !st->jansson && st->format != FMT_WINDOWS) {
        int rc = scan_line_fast(st, src, line, len, lineno);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }

    json_error_t jerr;
    json_t *root = json_event_load_line(line, len, &jerr);
    if (!root) {
        if (lineno == 1 && evtx_has_magic(line, len)) {
            scan_warn(st,
                      "%s: this is an EVTX file: give it as a file (not on standard "
                      "input) with --format evtx or auto\n",
                      src->display);
            return -1;
        }
        scan_warn(st, "%s:%llu: malformed JSON: %s\n", src->display, (unsigned long long)lineno,
                  jerr.text);
        st->malformed++;
        return 0;
    }
    if (!json_is_object(root)) {
        scan_warn(st, "%s:%llu: malformed JSON: expected an object, got %s\n", src->display,
                  (unsigned long long)lineno, json_event_type_name(root));
        json_decref(root);
        st->malformed++;
        return 0;
    }

    int windows =
        st->format == FMT_WINDOWS || (st->format == FMT_AUTO && windows_event_is_nested(root));
    if (!windows) {
        int rc = scan_flat(st, src, root, lineno);
        json_decref(root);
        return rc;
    }
    const char *why = NULL;
    json_t *flat = windows_event_from_json(st->conv, root, &why);
    json_decref(root);
    if (!flat) {
        scan_warn(st, "%s:%llu: %s\n", src->display, (unsigned long long)lineno,
                  why ? why : "cannot convert the Windows event");
        st->malformed++;
        return 0;
    }
    int rc = scan_flat(st, src, flat, lineno);
    json_decref(flat);
    return rc;
}

/* Scans one opened stream of lines; returns 0, or -1 on a fatal error. */
static int scan_stream(scan_state *st, FILE *f, scan_source *src)
{
    /* Streams (tail -F | sigma-scan) should see matches as they happen. */
    struct stat sbuf;
    int regular = fstat(fileno(f), &sbuf) == 0 && S_ISREG(sbuf.st_mode);
    src->flush_matches = !regular;
    st->prog.name = src->display;
    st->prog.done = 0;
    st->prog.total = regular && sbuf.st_size > 0 ? (uint64_t)sbuf.st_size : 0;

    scan_lines reader;
    scan_lines_init(&reader, fileno(f));
    uint64_t lineno = 0;
    int result = 0;
    for (;;) {
        /* Before waiting for more of a stream, write the matches of what came so far. */
        if (!regular && scan_lines_would_block(&reader)) {
            if (scan_drain(st) != 0) {
                result = -1;
                break;
            }
            fflush(stdout);
        }
        const char *line;
        size_t len, consumed;
        errno = 0;
        int got = scan_lines_next(&reader, &line, &len, &consumed);
        if (got < 0) {
            if (errno == ENOMEM)
                tb_die_nomem();
            scan_warn(st, "sigma-scan: %s: read error: %s\n", src->display,
                      strerror(errno ? errno : EIO));
            result = -1;
            break;
        }
        if (got == 0)
            break;
        lineno++;
        st->prog.done += (uint64_t)consumed;
        if (scan_line(st, src, line, len, lineno) != 0) {
            result = -1;
            break;
        }
        progress_tick(st);
    }
    scan_lines_free(&reader);
    return result;
}

/* Scans one EVTX file, record by record; the event number is the record's
 * 1-based position in the file. Returns 0, or -1 on a fatal error. */
static int scan_evtx(scan_state *st, scan_source *src)
{
    char err[512];
    const char *path = src->display;
    evtx_reader *r = evtx_reader_open(path, err, sizeof err);
    if (!r) {
        scan_warn(st, "sigma-scan: %s: cannot read the EVTX file: %s\n", path, err);
        return -1;
    }
    src->flush_matches = 0;
    int count = evtx_reader_count(r);
    st->prog.name = path;
    st->prog.done = 0;
    st->prog.total = count > 0 ? (uint64_t)count : 0;
    int result = 0;
    for (int i = 0; i < count; i++) {
        uint64_t number = (uint64_t)i + 1;
        size_t len = 0;
        const char *xml = evtx_reader_xml(r, i, &len, err, sizeof err);
        st->prog.done = number;
        if (!xml) {
            scan_warn(st, "%s:%llu: cannot read the record: %s\n", path, (unsigned long long)number,
                      err);
            st->malformed++;
            continue;
        }
        const char *why = NULL;
        json_t *flat = windows_event_from_xml(st->conv, xml, len, &why);
        if (!flat) {
            scan_warn(st, "%s:%llu: cannot convert the record: %s\n", path,
                      (unsigned long long)number, why ? why : "error");
            st->malformed++;
            continue;
        }
        int rc = scan_flat(st, src, flat, number);
        json_decref(flat);
        if (rc != 0) {
            result = -1;
            break;
        }
        progress_tick(st);
    }
    evtx_reader_close(r);
    return result;
}

/* Opens an events file for reading, refusing directories. NULL (with a
 * message) when it cannot be read. "-" is stdin. */
static FILE *open_events(const char *name)
{
    if (strcmp(name, "-") == 0)
        return stdin;
    FILE *f = fopen(name, "r");
    if (!f) {
        fprintf(stderr, "sigma-scan: %s: cannot open: %s\n", name, strerror(errno));
        return NULL;
    }
    struct stat sbuf;
    if (fstat(fileno(f), &sbuf) == 0 && S_ISDIR(sbuf.st_mode)) {
        fprintf(stderr, "sigma-scan: %s: cannot read events: %s\n", name, strerror(EISDIR));
        fclose(f);
        return NULL;
    }
    return f;
}

/* Decides how an events file is read: 1 = EVTX, 0 = JSON lines, -1 = it cannot be
 * read this way (message printed). Regular files are recognised as EVTX by their
 * header ("ElfFile\0"). */
static int input_is_evtx(FILE *f, const char *name, enum input_format format)
{
    int is_stdin = f == stdin;
    struct stat sbuf;
    int regular = !is_stdin && fstat(fileno(f), &sbuf) == 0 && S_ISREG(sbuf.st_mode);
    int magic = 0;
    if (regular) {
        magic = evtx_file_has_magic(f);
        if (magic < 0) {
            fprintf(stderr, "sigma-scan: %s: read error: %s\n", name,
                    strerror(errno ? errno : EIO));
            return -1;
        }
    }
    if (format == FMT_EVTX) {
        if (!regular) {
            fprintf(stderr, "sigma-scan: %s: EVTX input must be a regular file%s\n", name,
                    is_stdin ? ", not standard input" : "");
            return -1;
        }
        if (!magic) {
            fprintf(stderr, "sigma-scan: %s: not an EVTX file (no \"ElfFile\" header)\n", name);
            return -1;
        }
        return 1;
    }
    if (!magic)
        return 0;
    if (format != FMT_AUTO) {
        fprintf(stderr,
                "sigma-scan: %s: this is an EVTX file, not %s JSON lines; use "
                "--format evtx or auto\n",
                name, format_names[format]);
        return -1;
    }
    if (!evtx_supported()) {
        fprintf(stderr, "sigma-scan: %s: EVTX file: %s\n", name, no_evtx_message);
        return -1;
    }
    return 1;
}

/* --------------------------------------------------------------------- main */

/* Loads and compiles the rules. Returns 0 with *rs_out set, or an exit status
 * (1 or 2) to stop with (also 0 with *rs_out NULL after --check). */
static int load_rules(const options *o, sigma_ruleset **rs_out, double *t_load_out)
{
    *rs_out = NULL;
    /* A rules path that does not exist is an I/O error before anything else. */
    for (size_t i = 0; i < o->n_rules; i++) {
        struct stat sbuf;
        if (stat(o->rules[i], &sbuf) != 0) {
            fprintf(stderr, "sigma-scan: %s: %s\n", o->rules[i], strerror(errno));
            return EXIT_USAGE;
        }
    }

    double t_load = tb_now_seconds();
    sigma_builder *b = NULL;
    int rc = sigma_builder_new(NULL, &b);
    if (rc != SIGMA_OK) {
        fprintf(stderr, "sigma-scan: cannot create builder: %s\n", sigma_status_str(rc));
        return EXIT_USAGE;
    }
    if (add_placeholder_files(b, o) != 0 || add_mappings(b, o) != 0) {
        sigma_builder_free(b);
        return EXIT_USAGE;
    }
    int io_error = 0;
    for (size_t i = 0; i < o->n_rules; i++) {
        rc = sigma_builder_add_path(b, o->rules[i], SIGMA_NUL_TERMINATED, NULL);
        if (rc == SIGMA_E_IO)
            io_error = 1;
        else if (rc == SIGMA_E_NOMEM)
            tb_die_nomem();
    }
    sigma_ruleset *rs = NULL;
    int build_rc = sigma_builder_build(b, &rs);

    const sigma_diagnostics *diags = sigma_builder_diagnostics(b);
    print_diagnostics(diags);
    uint32_t failed = sigma_builder_failed_count(b);
    int had_errors = failed > 0 || sigma_diagnostics_error_count(diags) > 0;
    uint32_t n_rules = rs ? sigma_ruleset_rule_count(rs) : 0;
    fprintf(stderr, "loaded %u rules, %u failed\n", (unsigned)n_rules, (unsigned)failed);
    sigma_builder_free(b);
    *t_load_out = tb_now_seconds() - t_load;

    if (build_rc != SIGMA_OK || !rs) {
        fprintf(stderr, "sigma-scan: cannot build the ruleset: %s\n", sigma_status_str(build_rc));
        sigma_ruleset_unref(rs);
        return EXIT_USAGE;
    }
    if (io_error) {
        fputs("sigma-scan: some rule files could not be read\n", stderr);
        sigma_ruleset_unref(rs);
        return EXIT_USAGE;
    }
    if (o->check || (o->strict && had_errors)) {
        sigma_ruleset_unref(rs);
        return had_errors ? EXIT_RULES : 0;
    }
    *rs_out = rs;
    return 0;
}

/* Loads the rules and scans the events; returns the exit status. */
static int run(const options *o)
{
    const options opt = *o;
    sigma_ruleset *rs = NULL;
    double t_load = 0.0;
    if (!opt.convert) {
        int rc = load_rules(&opt, &rs, &t_load);
        if (rc != 0 || !rs)
            return rc;
    }
    uint32_t n_rules = rs ? sigma_ruleset_rule_count(rs) : 0;

    /* Check every events file before the first match line is written, and decide
     * how each one is read (EVTX or JSON lines). */
    const char *stdin_only[] = {"-"};
    const char **events = opt.n_events ? opt.events : stdin_only;
    size_t n_events = opt.n_events ? opt.n_events : 1;
    int *is_evtx = calloc(n_events, sizeof *is_evtx);
    if (!is_evtx)
        tb_die_nomem();
    for (size_t i = 0; i < n_events; i++) {
        FILE *f = open_events(events[i]);
        int kind =
            f ? input_is_evtx(f, strcmp(events[i], "-") == 0 ? "<stdin>" : events[i], opt.format)
              : -1;
        if (f && f != stdin)
            fclose(f);
        if (kind < 0) {
            free(is_evtx);
            sigma_ruleset_unref(rs);
            return EXIT_USAGE;
        }
        is_evtx[i] = kind;
    }

    scan_state st;
    memset(&st, 0, sizeof st);
    st.rs = rs;
    st.n_rules = n_rules;
    st.format = opt.format;
    st.convert = opt.convert;
    st.jansson = opt.jansson;
    st.with_file = opt.n_events > 1;
    st.stats = opt.stats;
    st.explain = opt.explain;
    st.match_flags = opt.strict_logsource ? SIGMA_MATCH_STRICT_LOGSOURCE : 0;
    st.conv = windows_converter_new();
    if (!st.conv)
        tb_die_nomem();
    st.fast = json_fast_new();
    scan_source *sources = calloc(n_events, sizeof *sources);
    if (!st.fast || !sources)
        tb_die_nomem();
    for (size_t i = 0; i < n_events; i++) {
        text_buf name = {NULL, 0, 0};
        tb_add_json_str(&name, events[i], strlen(events[i]));
        sources[i].file_json = name.data;
        sources[i].display = strcmp(events[i], "-") == 0 ? "<stdin>" : events[i];
        sources[i].index = i;
    }
    if (rs) {
        int rc = scan_pool_new(rs, opt.threads, SCAN_BATCH_EVENTS, st.match_flags, &st.pool);
        if (rc != SIGMA_OK) {
            fprintf(stderr, "sigma-scan: %s\n", sigma_status_str(rc));
            exit(EXIT_USAGE);
        }
        st.tails = prepare_rule_tails(rs, n_rules);
        scan_corr_config cc = {
            opt.timestamp_fields, opt.n_timestamp_fields, opt.max_disorder_ms, events, n_events,
            opt.corr_max_groups,  opt.corr_max_events,    opt.corr_idle_ms};
        st.corr = scan_corr_new(rs, &cc);
    }
    st.prog.enabled = isatty(STDERR_FILENO);
    st.prog.stdout_tty = isatty(STDOUT_FILENO);
    /* Match lines are written in large blocks unless someone watches them. */
    if (!st.prog.stdout_tty)
        setvbuf(stdout, NULL, _IOFBF, 1u << 16);

    int status = 0;
    double t_scan = tb_now_seconds();
    st.prog.t_start = t_scan;
    for (size_t i = 0; i < n_events && status == 0; i++) {
        if (is_evtx[i]) {
            if (scan_evtx(&st, &sources[i]) != 0)
                status = EXIT_USAGE;
            continue;
        }
        int is_stdin = strcmp(events[i], "-") == 0;
        FILE *f = open_events(events[i]);
        if (!f) {
            status = EXIT_USAGE;
            break;
        }
        if (scan_stream(&st, f, &sources[i]) != 0)
            status = EXIT_USAGE;
        if (!is_stdin)
            fclose(f);
    }
    /* The results of the events read before a fatal error are written too. */
    if (scan_drain(&st) != 0)
        status = EXIT_USAGE;
    t_scan = tb_now_seconds() - t_scan;
    progress_clear(&st.prog);
    if (st.corr && (scan_corr_finish(st.corr, opt.stats) < 0 || scan_corr_write(st.corr, stdout)))
        status = EXIT_USAGE;

    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "sigma-scan: error writing output: %s\n", strerror(errno));
        status = EXIT_USAGE;
    }

    if (opt.stats) {
        double rate = t_scan > 0 ? (double)st.events / t_scan : 0.0;
        fprintf(stderr,
                "stats: rules %u, events %llu, matches %llu, malformed %llu\n"
                "stats: elapsed %.6f s (load %.6f s, scan %.6f s), %.0f events/s\n",
                (unsigned)n_rules, (unsigned long long)st.events, (unsigned long long)st.matches,
                (unsigned long long)st.malformed, t_load + t_scan, t_load, t_scan, rate);
        if (st.n_channels)
            qsort(st.channels, st.n_channels, sizeof *st.channels, by_events);
        for (size_t i = 0; i < st.n_channels; i++)
            fprintf(stderr, "stats: channel %s: events %llu, matches %llu (%.3f/event)\n",
                    st.channels[i].channel, (unsigned long long)st.channels[i].events,
                    (unsigned long long)st.channels[i].matches,
                    (double)st.channels[i].matches / (double)st.channels[i].events);
    }
    for (size_t i = 0; i < st.n_channels; i++)
        free(st.channels[i].channel);
    free(st.channels);

    if (st.tails) {
        for (uint32_t r = 0; r < n_rules; r++)
            free(st.tails[r]);
        free(st.tails);
    }
    scan_corr_free(st.corr);
    windows_converter_free(st.conv);
    free(is_evtx);
    scan_pool_free(st.pool);
    json_fast_free(st.fast);
    for (size_t i = 0; i < n_events; i++)
        free(sources[i].file_json);
    free(sources);
    sigma_ruleset_unref(rs);
    return status;
}

int main(int argc, char **argv)
{
    options opt;
    parse_args(argc, argv, &opt);
    int status = run(&opt);
    free(opt.rules);
    free(opt.events);
    free(opt.placeholders);
    free(opt.mappings);
    free(opt.timestamp_fields);
    return status;
}
