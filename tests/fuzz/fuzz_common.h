/* Shared pieces of the deterministic mutation fuzzers (tests/fuzz): a fixed-seed
 * PRNG, a byte buffer, the YAML mutator, the diagnostics checker and the command
 * line (iteration count, seed, hang threshold, replay of one input).
 *
 * Every iteration draws its own PRNG state from (seed, iteration), so a failure
 * printed as "iteration N" is reproduced alone with `--start N --iterations 1`, and
 * `--write FILE` saves that iteration's input for minimizing. Public API only. */
#ifndef SG_FUZZ_COMMON_H
#define SG_FUZZ_COMMON_H

#include <sigma/sigma.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------------- PRNG */

typedef struct fz_rng {
    uint64_t s;
} fz_rng;

static inline uint64_t fz_next(fz_rng *r)
{
    /* splitmix64: full period, good enough mixing for a fuzzer */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform-ish value in [0, n); n == 0 gives 0. */
static inline size_t fz_below(fz_rng *r, size_t n)
{
    return n ? (size_t)(fz_next(r) % n) : 0;
}

static inline int fz_chance(fz_rng *r, unsigned percent)
{
    return fz_below(r, 100) < percent;
}

static inline fz_rng fz_rng_for(uint64_t seed, uint64_t iteration)
{
    fz_rng r = {seed ^ (iteration * 0xD1B54A32D192ED03ull)};
    (void)fz_next(&r);
    return r;
}

/* ------------------------------------------------------------------ buffer */

typedef struct fz_buf {
    char *p;
    size_t len, cap;
} fz_buf;

static inline void fz_die(const char *what)
{
    fprintf(stderr, "fuzz: %s\n", what);
    exit(2);
}

static inline void fz_reserve(fz_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        fz_die("out of memory");
    b->p = p;
    b->cap = cap;
}

static inline void fz_put(fz_buf *b, const void *s, size_t n)
{
    fz_reserve(b, n);
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static inline void fz_puts(fz_buf *b, const char *s)
{
    fz_put(b, s, strlen(s));
}

static inline void fz_putc(fz_buf *b, char c)
{
    fz_put(b, &c, 1);
}

/* Inserts n bytes at pos (pos <= len). */
static inline void fz_insert(fz_buf *b, size_t pos, const void *s, size_t n)
{
    fz_reserve(b, n);
    memmove(b->p + pos + n, b->p + pos, b->len - pos);
    memcpy(b->p + pos, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static inline void fz_erase(fz_buf *b, size_t pos, size_t n)
{
    if (pos > b->len)
        return;
    if (n > b->len - pos)
        n = b->len - pos;
    memmove(b->p + pos, b->p + pos + n, b->len - pos - n);
    b->len -= n;
    b->p[b->len] = 0;
}

static inline void fz_set(fz_buf *b, const char *s, size_t n)
{
    b->len = 0;
    fz_put(b, s, n);
}

static inline void fz_free(fz_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static inline int fz_read_file(const char *path, fz_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    out->len = 0;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        fz_put(out, tmp, n);
    fclose(f);
    fz_reserve(out, 0);
    out->p[out->len] = 0;
    return 0;
}

/* ------------------------------------------------------------- seed lists */

typedef struct fz_seeds {
    fz_buf *items;
    size_t count, cap;
} fz_seeds;

static inline void fz_seeds_add(fz_seeds *s, const char *text, size_t len)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->items = realloc(s->items, s->cap * sizeof *s->items);
        if (!s->items)
            fz_die("out of memory");
    }
    fz_buf b = {0};
    fz_set(&b, text, len);
    s->items[s->count++] = b;
}

static inline void fz_seeds_free(fz_seeds *s)
{
    for (size_t i = 0; i < s->count; i++)
        fz_free(&s->items[i]);
    free(s->items);
    s->items = NULL;
    s->count = s->cap = 0;
}

static inline int fz_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every *.yml below dir (sorted, recursive) as a seed. */
static inline void fz_seeds_add_dir(fz_seeds *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                fz_die("out of memory");
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!names[n])
            fz_die("out of memory");
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, fz_name_cmp);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0) {
            size_t l = strlen(names[i]);
            if (S_ISDIR(st.st_mode)) {
                fz_seeds_add_dir(s, names[i]);
            } else if (l > 4 && strcmp(names[i] + l - 4, ".yml") == 0) {
                fz_buf b = {0};
                if (fz_read_file(names[i], &b) == 0)
                    fz_seeds_add(s, b.p, b.len);
                fz_free(&b);
            }
        }
        free(names[i]);
    }
    free(names);
}

/* ----------------------------------------------------------------- mutator */

static const char *const fz_modifiers[] = {
    "all",     "base64",    "base64offset", "cased",  "cidr",     "contains",   "day",
    "dotall",  "endswith",  "exists",       "expand", "fieldref", "gt",         "gte",
    "hour",    "i",         "ignorecase",   "lt",     "lte",      "m",          "minute",
    "month",   "multiline", "neq",          "re",     "s",        "startswith", "utf16",
    "utf16be", "utf16le",   "week",         "wide",   "windash",  "year",       "bogus"};
#define FZ_N_MODIFIERS (sizeof fz_modifiers / sizeof fz_modifiers[0])

/* YAML and Sigma tokens spliced into the text. Entries may hold NUL bytes, so
 * each has an explicit length (the sizeof of the literal minus its NUL). */
#define FZ_TOK(s)                                                                                  \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
static const struct {
    const char *s;
    size_t n;
} fz_tokens[] = {
    FZ_TOK("|"),
    FZ_TOK("*"),
    FZ_TOK("?"),
    FZ_TOK(":"),
    FZ_TOK("- "),
    FZ_TOK("'"),
    FZ_TOK("\""),
    FZ_TOK("&a "),
    FZ_TOK("*a"),
    FZ_TOK("<<: *a"),
    FZ_TOK("{"),
    FZ_TOK("}"),
    FZ_TOK("["),
    FZ_TOK("]"),
    FZ_TOK("\n"),
    FZ_TOK("\t"),
    FZ_TOK(" "),
    FZ_TOK("\n  "),
    FZ_TOK("\n    - "),
    FZ_TOK(","),
    FZ_TOK(" and "),
    FZ_TOK(" or "),
    FZ_TOK(" not "),
    FZ_TOK("1 of "),
    FZ_TOK("all of "),
    FZ_TOK("them"),
    FZ_TOK("("),
    FZ_TOK(")"),
    FZ_TOK(" | count() > 5"),
    FZ_TOK("99999999999999999999999"),
    FZ_TOK("-1"),
    FZ_TOK("1e400"),
    FZ_TOK("-0"),
    FZ_TOK("0x10"),
    FZ_TOK("\xff\xfe"),
    FZ_TOK("\xc3"),
    FZ_TOK("\xed\xa0\x80"),
    FZ_TOK("\xf4\x90\x80\x80"),
    FZ_TOK("\0"),
    FZ_TOK("%Admins%"),
    FZ_TOK("!!binary "),
    FZ_TOK("!!int "),
    FZ_TOK("!!str "),
    FZ_TOK("---\n"),
    FZ_TOK("...\n"),
    FZ_TOK("? "),
    FZ_TOK("~"),
    FZ_TOK("null"),
    FZ_TOK("true"),
    FZ_TOK("''"),
    FZ_TOK("\\"),
    FZ_TOK("\\*"),
    FZ_TOK("\\\\"),
    FZ_TOK("*\\"),
    FZ_TOK("#"),
    FZ_TOK("%"),
    FZ_TOK("!"),
    FZ_TOK("@"),
    FZ_TOK("`"),
    FZ_TOK("\r\n"),
    FZ_TOK("\xef\xbb\xbf"),
    FZ_TOK("|re: '(a+)+$'"),
    FZ_TOK("|cidr: 10.0.0.0/8"),
    FZ_TOK("|base64offset|contains"),
    FZ_TOK("|windash|contains"),
    FZ_TOK("|expand"),
    FZ_TOK("|fieldref"),
    FZ_TOK("|exists: true"),
    FZ_TOK("|gt: 5"),
    FZ_TOK("|utf16le|base64"),
    FZ_TOK("correlation:"),
    FZ_TOK("filter:"),
    FZ_TOK("rules:"),
    FZ_TOK("type: event_count"),
    FZ_TOK("timespan: 5m"),
    FZ_TOK("group-by:"),
    FZ_TOK("condition:"),
    FZ_TOK("detection:"),
    FZ_TOK("logsource:"),
    FZ_TOK("selection:"),
    FZ_TOK("keywords:"),
    FZ_TOK("id: "),
};
#define FZ_N_TOKENS (sizeof fz_tokens / sizeof fz_tokens[0])

static inline size_t fz_line_start(const fz_buf *b, size_t pos)
{
    while (pos > 0 && b->p[pos - 1] != '\n')
        pos--;
    return pos;
}

static inline size_t fz_line_end(const fz_buf *b, size_t pos)
{
    while (pos < b->len && b->p[pos] != '\n')
        pos++;
    return pos < b->len ? pos + 1 : pos;
}

/* One random mutation of b. `other` (may be NULL) is a second seed for splicing. */
static inline void fz_mutate_once(fz_rng *r, fz_buf *b, const fz_buf *other)
{
    size_t pos = fz_below(r, b->len + 1);
    switch (fz_below(r, 16)) {
    case 0: /* bit flip (mostly in the low 7 bits: libyaml rejects invalid UTF-8 early) */
        if (b->len)
            b->p[fz_below(r, b->len)] ^= (char)(1u << fz_below(r, fz_chance(r, 80) ? 7 : 8));
        break;
    case 1: /* random byte (NUL and high bytes included) */
        if (b->len)
            b->p[fz_below(r, b->len)] =
                (char)(fz_chance(r, 70) ? 0x20 + fz_below(r, 0x5f) : fz_below(r, 256));
        break;
    case 2: { /* delete a line */
        size_t s = fz_line_start(b, pos > 0 ? pos - 1 : 0);
        fz_erase(b, s, fz_line_end(b, s) - s);
        break;
    }
    case 3: { /* duplicate a line */
        size_t s = fz_line_start(b, pos > 0 ? pos - 1 : 0);
        size_t e = fz_line_end(b, s);
        char *line = malloc(e - s + 1);
        if (!line)
            fz_die("out of memory");
        memcpy(line, b->p + s, e - s);
        fz_insert(b, e, line, e - s);
        free(line);
        break;
    }
    case 4: { /* swap two lines by moving one elsewhere */
        size_t s = fz_line_start(b, pos > 0 ? pos - 1 : 0);
        size_t e = fz_line_end(b, s);
        size_t n = e - s;
        char *line = malloc(n + 1);
        if (!line)
            fz_die("out of memory");
        memcpy(line, b->p + s, n);
        fz_erase(b, s, n);
        size_t to = fz_line_start(b, fz_below(r, b->len + 1));
        fz_insert(b, to, line, n);
        free(line);
        break;
    }
    case 5:
    case 6: { /* insert a token */
        size_t t = fz_below(r, FZ_N_TOKENS);
        fz_insert(b, pos, fz_tokens[t].s, fz_tokens[t].n);
        break;
    }
    case 7: { /* replace a YAML punctuation byte with a token */
        for (int tries = 0; tries < 16 && b->len; tries++) {
            size_t p = fz_below(r, b->len);
            if (strchr("|*?:-'\"&{}[],", b->p[p]) && b->p[p]) {
                size_t t = fz_below(r, FZ_N_TOKENS);
                fz_erase(b, p, 1);
                fz_insert(b, p, fz_tokens[t].s, fz_tokens[t].n);
                break;
            }
        }
        break;
    }
    case 8: { /* insert a modifier after a field name ("Field|x:") */
        for (int tries = 0; tries < 16 && b->len; tries++) {
            size_t p = fz_below(r, b->len);
            if (b->p[p] == ':' || b->p[p] == '|') {
                const char *m = fz_modifiers[fz_below(r, FZ_N_MODIFIERS)];
                fz_insert(b, p, m, strlen(m));
                fz_insert(b, p, "|", 1);
                break;
            }
        }
        break;
    }
    case 9: { /* deep nesting */
        size_t depth = 1 + fz_below(r, fz_chance(r, 20) ? 5000 : 100);
        const char *open = "[", *close = "]";
        switch (fz_below(r, 3)) {
        case 0:
            break;
        case 1:
            open = "{a: ";
            close = "}";
            break;
        default:
            open = "(";
            close = ")";
            break;
        }
        fz_buf t = {0};
        for (size_t i = 0; i < depth; i++)
            fz_puts(&t, open);
        fz_puts(&t, "x");
        if (!fz_chance(r, 10))
            for (size_t i = 0; i < depth; i++)
                fz_puts(&t, close);
        fz_insert(b, pos, t.p, t.len);
        fz_free(&t);
        break;
    }
    case 10: { /* huge number */
        fz_buf t = {0};
        if (fz_chance(r, 30))
            fz_putc(&t, '-');
        size_t n = 1 + fz_below(r, 400);
        for (size_t i = 0; i < n; i++)
            fz_putc(&t, (char)('0' + fz_below(r, 10)));
        if (fz_chance(r, 30))
            fz_puts(&t, ".5e999");
        fz_insert(b, pos, t.p, t.len);
        fz_free(&t);
        break;
    }
    case 11: /* truncate */
        if (fz_chance(r, 30))
            fz_erase(b, pos, b->len - pos);
        break;
    case 12: { /* duplicate a chunk */
        if (!b->len)
            break;
        size_t s = fz_below(r, b->len);
        size_t n = 1 + fz_below(r, b->len - s);
        char *chunk = malloc(n);
        if (!chunk)
            fz_die("out of memory");
        memcpy(chunk, b->p + s, n);
        fz_insert(b, fz_below(r, b->len + 1), chunk, n);
        free(chunk);
        break;
    }
    case 13: /* splice with another seed */
        if (other && other->len) {
            size_t s = fz_below(r, other->len);
            fz_erase(b, pos, b->len - pos);
            fz_put(b, other->p + s, other->len - s);
        }
        break;
    case 14: { /* invalid UTF-8 run */
        size_t n = 1 + fz_below(r, 8);
        for (size_t i = 0; i < n; i++) {
            char c = (char)(0x80 + fz_below(r, 128));
            fz_insert(b, pos, &c, 1);
        }
        break;
    }
    default: { /* anchor + alias pair */
        const char *a = fz_chance(r, 50) ? "&a " : "&b ";
        fz_insert(b, pos, a, 3);
        size_t p2 = fz_below(r, b->len + 1);
        fz_insert(b, p2, a[1] == 'a' ? "*a" : "*b", 2);
        break;
    }
    }
}

static inline void fz_mutate(fz_rng *r, fz_buf *b, const fz_buf *other, unsigned max_mutations)
{
    /* mostly one or two mutations, so that many inputs still reach the compiler */
    unsigned n =
        fz_chance(r, 60) ? 1 + (unsigned)fz_below(r, 2) : 1 + (unsigned)fz_below(r, max_mutations);
    for (unsigned i = 0; i < n; i++)
        fz_mutate_once(r, b, other);
}

/* ------------------------------------------------------------- assertions */

typedef struct fz_ctx {
    const char *name;
    uint64_t iteration;
    long failures;
    double hang_seconds;
    const char *write_path;
} fz_ctx;

#define FZ_FAIL(ctx, ...)                                                                          \
    do {                                                                                           \
        (ctx)->failures++;                                                                         \
        fprintf(stderr, "%s: iteration %llu: %s:%d: ", (ctx)->name,                                \
                (unsigned long long)(ctx)->iteration, __FILE__, __LINE__);                         \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
    } while (0)

/* Checks every diagnostic of d: a known code range, a severity, a message, a sane
 * position, a formatted form of the stated length, and the error count. */
static inline void fz_check_diagnostics(fz_ctx *ctx, const sigma_diagnostics *d)
{
    size_t n = sigma_diagnostics_count(d), errors = 0;
    for (size_t i = 0; i < n; i++) {
        sigma_diagnostic_info info;
        memset(&info, 0xA5, sizeof info);
        info.size = sizeof info;
        int rc = sigma_diagnostics_get(d, i, &info);
        if (rc != SIGMA_OK) {
            FZ_FAIL(ctx, "diagnostics_get(%zu) = %d", i, rc);
            continue;
        }
        if (info.code < 1000 || info.code > 5999)
            FZ_FAIL(ctx, "diagnostic %zu has code %d", i, (int)info.code);
        if (info.severity != SIGMA_SEVERITY_ERROR && info.severity != SIGMA_SEVERITY_WARNING)
            FZ_FAIL(ctx, "diagnostic %zu has severity %d", i, (int)info.severity);
        if (info.severity == SIGMA_SEVERITY_ERROR)
            errors++;
        if (!info.message || !info.message[0])
            FZ_FAIL(ctx, "diagnostic %zu (code %d) has no message", i, (int)info.code);
        int has_pos = info.line != 0 || info.column != 0 || info.byte_offset != UINT64_MAX;
        if (has_pos && (info.line < 1 || info.column < 1))
            FZ_FAIL(ctx, "diagnostic %zu (code %d) position line %u column %u offset %llu", i,
                    (int)info.code, (unsigned)info.line, (unsigned)info.column,
                    (unsigned long long)info.byte_offset);
        int need = sigma_diagnostics_format(d, i, NULL, 0);
        if (need <= 0) {
            FZ_FAIL(ctx, "diagnostics_format(%zu) length %d", i, need);
            continue;
        }
        char *buf = malloc((size_t)need + 1);
        if (!buf)
            fz_die("out of memory");
        int got = sigma_diagnostics_format(d, i, buf, (size_t)need + 1);
        if (got != need || strlen(buf) != (size_t)need)
            FZ_FAIL(ctx, "diagnostics_format(%zu): %d / %d / %zu", i, need, got, strlen(buf));
        char code[16];
        snprintf(code, sizeof code, "%d]", (int)info.code);
        if (!strstr(buf, code))
            FZ_FAIL(ctx, "formatted diagnostic lacks its code: %s", buf);
        char small[7];
        memset(small, 'x', sizeof small);
        got = sigma_diagnostics_format(d, i, small, sizeof small);
        if (got != need || small[sizeof small - 1] != 0 || memcmp(small, buf, sizeof small - 1))
            FZ_FAIL(ctx, "truncated diagnostics_format(%zu) wrong", i);
        free(buf);
    }
    if (sigma_diagnostics_error_count(d) != errors)
        FZ_FAIL(ctx, "error_count %zu but %zu error diagnostics", sigma_diagnostics_error_count(d),
                errors);
    sigma_diagnostic_info info = {0};
    info.size = sizeof info;
    if (sigma_diagnostics_get(d, n, &info) != SIGMA_E_INVALID_ARG)
        FZ_FAIL(ctx, "diagnostics_get past the end accepted");
}

/* For diagnostics about `text` (those of `source`, or all when it is NULL):
 * a known byte offset lies inside the text, and line/column are those of that
 * offset (column in code points; a NUL or an invalid byte counts as one). The
 * mutator never inserts the Unicode line breaks NEL, LS, PS on purpose; a random
 * one would show here as a line mismatch. */
static inline void fz_check_positions(fz_ctx *ctx, const sigma_diagnostics *d, const char *text,
                                      size_t len, const char *source)
{
    size_t n = sigma_diagnostics_count(d);
    for (size_t i = 0; i < n; i++) {
        sigma_diagnostic_info info = {0};
        info.size = sizeof info;
        if (sigma_diagnostics_get(d, i, &info) != SIGMA_OK || info.byte_offset == UINT64_MAX)
            continue;
        if (source && (!info.source_name || strcmp(info.source_name, source) != 0))
            continue;
        if (info.byte_offset > len) {
            FZ_FAIL(ctx, "diagnostic %zu (code %d): byte offset %llu past the text (%zu bytes)", i,
                    (int)info.code, (unsigned long long)info.byte_offset, len);
            continue;
        }
        uint32_t line = 1, col = 1;
        /* a leading UTF-8 byte order mark is not a character of the first line */
        size_t k0 = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        for (size_t k = k0; k < (size_t)info.byte_offset; k++) {
            unsigned char c = (unsigned char)text[k];
            /* line breaks as libyaml counts them: LF, CR, CR LF (once) */
            if (c == '\n' || (c == '\r' && (k + 1 >= len || text[k + 1] != '\n'))) {
                line++;
                col = 1;
            } else if ((c & 0xC0) != 0x80 && c != '\r') {
                col++;
            }
        }
        if (line != info.line || col != info.column)
            FZ_FAIL(ctx, "diagnostic %zu (code %d): offset %llu is %u:%u, reported %u:%u", i,
                    (int)info.code, (unsigned long long)info.byte_offset, line, col,
                    (unsigned)info.line, (unsigned)info.column);
    }
}

/* ---------------------------------------------------------------- timing */

static inline double fz_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the process: the hang check uses it, so a loaded machine (the tests
 * share two cores with other builds) does not look like a slow input. */
static inline double fz_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ command line */

typedef struct fz_opts {
    uint64_t iterations;
    uint64_t start;
    uint64_t seed;
    double hang_seconds;
    const char *write_path;  /* --write FILE: save each input (use with --iterations 1) */
    const char *replay_path; /* --replay FILE: run this input instead of generating */
    const char *root;        /* source root (seeds) */
    const char *corpus;      /* ../shared/corpus, or NULL */
    int verbose;
} fz_opts;

static inline void fz_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--iterations N] [--start N] [--seed S] [--hang-ms MS]\n"
            "          [--root SRCDIR] [--corpus DIR] [--write FILE] [--replay FILE] [-v]\n",
            prog);
    exit(2);
}

static inline fz_opts fz_parse(int argc, char **argv, uint64_t default_iterations)
{
    fz_opts o = {default_iterations, 0, 0x5167AA11u, 1.0, NULL, NULL, ".", NULL, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-v") == 0) {
            o.verbose = 1;
            continue;
        }
        if (!v)
            fz_usage(argv[0]);
        i++;
        if (strcmp(a, "--iterations") == 0)
            o.iterations = strtoull(v, NULL, 0);
        else if (strcmp(a, "--start") == 0)
            o.start = strtoull(v, NULL, 0);
        else if (strcmp(a, "--seed") == 0)
            o.seed = strtoull(v, NULL, 0);
        else if (strcmp(a, "--hang-ms") == 0)
            o.hang_seconds = strtod(v, NULL) / 1000.0;
        else if (strcmp(a, "--write") == 0)
            o.write_path = v;
        else if (strcmp(a, "--replay") == 0)
            o.replay_path = v;
        else if (strcmp(a, "--root") == 0)
            o.root = v;
        else if (strcmp(a, "--corpus") == 0)
            o.corpus = v;
        else
            fz_usage(argv[0]);
    }
    const char *env = getenv("SIGMA_FUZZ_ITERATIONS");
    if (env && *env)
        o.iterations = strtoull(env, NULL, 0);
    return o;
}

static inline void fz_write_input(const char *path, const fz_buf *b)
{
    if (!path)
        return;
    FILE *f = fopen(path, "wb");
    if (!f)
        fz_die("cannot write --write file");
    fwrite(b->p, 1, b->len, f);
    fclose(f);
}

static inline void fz_check_time(fz_ctx *ctx, double t0, const fz_buf *input)
{
    double dt = fz_cpu_now() - t0;
    if (dt > ctx->hang_seconds) {
        FZ_FAIL(ctx, "one input took %.2f s of CPU (hang threshold %.2f s), %zu bytes", dt,
                ctx->hang_seconds, input ? input->len : 0);
    }
}

static inline int fz_report(const fz_ctx *ctx, uint64_t iterations, double t0)
{
    printf("%s: %llu iterations in %.1f s, %ld failures\n", ctx->name,
           (unsigned long long)iterations, fz_now() - t0, ctx->failures);
    return ctx->failures ? 1 : 0;
}

#endif
