/* Fuzzer for events: one ruleset with many operator kinds (wildcards, contains /
 * startswith / endswith, regex, cidr, numeric comparisons, exists, null, fieldref,
 * base64offset, windash, utf16, keywords, cased, all, expand) and random events
 * built through every sigma_event_add_* call: names and values taken from the rules
 * or random (empty, huge, invalid UTF-8, NUL bytes, numbers as text, NaN/inf),
 * multi-valued fields, messages, logsources, slots, borrowed values. Asserts: no
 * crash / sanitizer report, sigma_match returns SIGMA_OK, the same hits with and
 * without the index and in callback and collect modes, hits in ascending order,
 * a callback that stops gives SIGMA_E_TERMINATED, no event slower than the hang
 * threshold. */
#include "fuzz_common.h"

#include <math.h>

static const char rules_text[] =
    "title: Wildcards\n"
    "id: 00000000-0000-4000-8000-000000000001\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel:\n"
    "        Image: ['*\\\\cmd.exe', 'C:\\\\W?ndows\\\\*\\\\*.dll', '*a*b*c*d*e*f*']\n"
    "    sel2:\n"
    "        CommandLine|contains: ['/c ', 'whoami']\n"
    "        CommandLine|startswith: 'cmd'\n"
    "    condition: sel or sel2\n"
    "---\n"
    "title: Regex\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "    sel:\n"
    "        CommandLine|re: '(a+)+$'\n"
    "    sel2:\n"
    "        CommandLine|re|i|m|s: '^\\s*(iex|invoke-expression).*\\)$'\n"
    "    condition: sel or sel2\n"
    "---\n"
    "title: Network\n"
    "logsource: {category: network_connection}\n"
    "detection:\n"
    "    sel:\n"
    "        DestinationIp|cidr: ['10.0.0.0/8', '192.168.0.0/16', '::1/128', 'fe80::/10']\n"
    "        DestinationPort|gte: 1024\n"
    "        DestinationPort|lt: 65536\n"
    "    ref:\n"
    "        SourceIp|fieldref: DestinationIp\n"
    "    condition: sel or ref\n"
    "---\n"
    "title: Exists and null\n"
    "logsource: {product: linux}\n"
    "detection:\n"
    "    sel:\n"
    "        User|exists: true\n"
    "        ParentUser: null\n"
    "    sel2:\n"
    "        Empty: ''\n"
    "        Missing|exists: false\n"
    "    condition: sel or sel2\n"
    "---\n"
    "title: Encodings\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "    b64:\n"
    "        CommandLine|base64offset|contains: ['IEX', 'http://']\n"
    "    wide:\n"
    "        CommandLine|utf16le|base64offset|contains: 'cmd'\n"
    "    dash:\n"
    "        CommandLine|windash|contains: [' -enc ', ' -nop ']\n"
    "    cased:\n"
    "        Image|cased|endswith: '.EXE'\n"
    "    all:\n"
    "        CommandLine|contains|all: ['net', 'user', '/add']\n"
    "    condition: 1 of them\n"
    "---\n"
    "title: Keywords and numbers\n"
    "logsource: {service: security}\n"
    "detection:\n"
    "    keywords:\n"
    "        - 'mimikatz'\n"
    "        - '*sekurlsa::*'\n"
    "        - 4625\n"
    "    num:\n"
    "        EventID: [4624, 4625, 4688]\n"
    "        LogonType|neq: 3\n"
    "    big:\n"
    "        Size|gt: 1500.5\n"
    "    condition: keywords or num or big\n"
    "---\n"
    "title: Placeholder\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "    sel:\n"
    "        User|expand: '%Admins%'\n"
    "    not_sel:\n"
    "        User|endswith: '$'\n"
    "    condition: sel and not not_sel\n";

static const char *const names[] = {
    "Image", "CommandLine", "DestinationIp", "DestinationPort", "SourceIp", "User",    "ParentUser",
    "Empty", "Missing",     "EventID",       "LogonType",       "Size",     "Channel", "a.b.c",
    "",      "Image ",      "image",         "CommandLine\0x"};
#define N_NAMES (sizeof names / sizeof names[0])

static const char *const values[] = {
    "C:\\Windows\\System32\\cmd.exe",
    "cmd /c whoami",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
    "IEX (New-Object Net.WebClient)",
    "SUVYIChOZXctT2JqZWN0IE5ldC5XZWJDbGllbnQp",
    "YwBtAGQA",
    "powershell \xe2\x80\x93nop \xe2\x80\x95"
    "enc",
    "net user x /add",
    "10.1.2.3",
    "fe80::1",
    "::ffff:192.168.1.1",
    "999999999999999999999999999999",
    "-0",
    "1e999",
    "nan",
    "0x1F",
    "4625",
    "mimikatz sekurlsa::logonpasswords",
    "adm1n",
    "root",
    "machine$",
    "",
    "\xff\xfe\xfd",
    "\xc3",
    "\xed\xa0\x80",
    "A\xcc\x8a",
    "\xc4\xb0stanbul",
    "\xe1\xba\x9e",
};
#define N_VALUES (sizeof values / sizeof values[0])

static void random_bytes(fz_rng *r, fz_buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fz_putc(b, (char)fz_below(r, 256));
}

static void random_name(fz_rng *r, fz_buf *b)
{
    b->len = 0;
    fz_reserve(b, 0);
    if (fz_chance(r, 80)) {
        size_t i = fz_below(r, N_NAMES);
        fz_put(b, names[i], i == N_NAMES - 1 ? 13 : strlen(names[i]));
    } else {
        random_bytes(r, b, fz_below(r, 40));
    }
}

static void random_value(fz_rng *r, fz_buf *b)
{
    b->len = 0;
    fz_reserve(b, 0);
    switch (fz_below(r, 6)) {
    case 0:
    case 1:
        fz_puts(b, values[fz_below(r, N_VALUES)]);
        break;
    case 2: /* value with a NUL or an invalid byte inside */
        fz_puts(b, values[fz_below(r, N_VALUES)]);
        fz_insert(b, fz_below(r, b->len + 1), fz_chance(r, 50) ? "\0" : "\x80", 1);
        break;
    case 3:
        random_bytes(r, b, fz_below(r, 64));
        break;
    case 4: { /* huge: repeats of one value, sometimes with a match at the end */
        size_t n = 1000 + fz_below(r, fz_chance(r, 10) ? 200000 : 10000);
        const char *v = values[fz_below(r, N_VALUES)];
        size_t vl = strlen(v);
        while (b->len < n) {
            fz_putc(b, 'a');
            if (vl && fz_chance(r, 1))
                fz_put(b, v, vl);
        }
        if (fz_chance(r, 50))
            fz_puts(b, "!");
        break;
    }
    default:
        for (size_t i = 0, n = fz_below(r, 6); i < n; i++)
            fz_puts(b, values[fz_below(r, N_VALUES)]);
        break;
    }
}

/* Prints a value as a C string literal (the --write / -v trace of an event). */
static void trace_bytes(FILE *f, const char *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n && i < 300; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            fputc(c, f);
        else
            fprintf(f, "\\x%02x", c);
    }
    fprintf(f, n > 300 ? "...\" (%zu bytes)" : "\"", n);
}

static void random_event(fz_rng *r, sigma_event *ev, const sigma_ruleset *rs, fz_buf *keep,
                         FILE *trace)
{
    sigma_event_clear(ev);
    fz_buf name = {0}, value = {0};
    size_t nfields = fz_below(r, 12);
    size_t kept = 0;
    for (size_t i = 0; i < nfields; i++) {
        random_name(r, &name);
        int rc = SIGMA_OK;
        size_t kind = fz_below(r, 10);
        char num[64];
        value.len = 0;
        fz_reserve(&value, 0);
        switch (kind) {
        case 0: {
            int64_t v = (int64_t)fz_next(r) >> fz_below(r, 64);
            rc = sigma_event_add_int(ev, name.p, name.len, v);
            if (trace)
                fz_set(&value, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)v));
            break;
        } break;
        case 1: {
            static const double d[] = {0.0, -0.0, 1.5e3, 1e308, -1e308, 4625.0, 1e-320};
            double v = d[fz_below(r, sizeof d / sizeof d[0])];
            if (fz_chance(r, 20))
                v = fz_chance(r, 50) ? (double)-INFINITY : (double)INFINITY;
            /* NaN: unordered, equal to no number (the index and the evaluator must
             * agree; they once did not, see fuzz-regressions). */
            if (fz_chance(r, 10))
                v = (double)NAN;
            rc = sigma_event_add_float(ev, name.p, name.len, v);
            if (trace)
                fz_set(&value, num, (size_t)snprintf(num, sizeof num, "%.17g", v));
            break;
        }
        case 2: {
            int v = (int)fz_below(r, 3) - 1;
            rc = sigma_event_add_bool(ev, name.p, name.len, v);
            if (trace)
                fz_set(&value, num, (size_t)snprintf(num, sizeof num, "%d", v));
            break;
        } break;
        case 3:
            rc = sigma_event_add_null(ev, name.p, name.len);
            break;
        case 4:
            rc = sigma_event_add_empty(ev, name.p, name.len);
            break;
        case 5: { /* by slot */
            uint32_t nf = sigma_ruleset_field_count(rs);
            uint32_t slot = (uint32_t)fz_below(r, nf + 2); /* sometimes out of range */
            random_value(r, &value);
            if (fz_chance(r, 50))
                rc = sigma_event_add_str_slot(ev, rs, slot, value.p, value.len, SIGMA_VALUE_COPY);
            else
                rc = sigma_event_add_int_slot(ev, rs, slot, (int64_t)fz_below(r, 70000));
            if (slot >= nf && rc != SIGMA_E_INVALID_ARG)
                fz_die("add_*_slot accepted a slot out of range");
            if (slot >= nf)
                rc = SIGMA_OK;
            break;
        }
        case 6: /* borrowed: kept alive in keep[] until the next event */
            if (kept < 4) {
                random_value(r, &keep[kept]);
                rc = sigma_event_add_str(ev, name.p, name.len, keep[kept].p, keep[kept].len,
                                         SIGMA_VALUE_BORROW);
                kept++;
            }
            break;
        default:
            random_value(r, &value);
            rc = sigma_event_add_str(ev, name.p, name.len, value.p, value.len, SIGMA_VALUE_COPY);
            break;
        }
        if (rc != SIGMA_OK)
            fprintf(stderr, "note: event_add returned %d\n", rc);
        if (trace) {
            static const char *const kinds[] = {"int",  "float",  "bool", "null", "empty",
                                                "slot", "borrow", "str",  "str",  "str"};
            fprintf(trace, "%s ", kinds[kind]);
            trace_bytes(trace, name.p, name.len);
            fputs(" = ", trace);
            if (kind == 6 && kept)
                trace_bytes(trace, keep[kept - 1].p, keep[kept - 1].len);
            else
                trace_bytes(trace, value.p, value.len);
            fputc('\n', trace);
        }
    }
    if (fz_chance(r, 30)) {
        random_value(r, &value);
        sigma_event_set_message(ev, value.p, value.len, 0);
        if (trace) {
            fputs("message ", trace);
            trace_bytes(trace, value.p, value.len);
            fputc('\n', trace);
        }
    }
    if (fz_chance(r, 40)) {
        static const char *const ls[] = {
            "windows", "linux", "process_creation", "security", "network_connection", "WINDOWS",
            "",        "\xff"};
        const char *p = fz_chance(r, 70) ? ls[fz_below(r, 8)] : NULL;
        const char *c = fz_chance(r, 50) ? ls[fz_below(r, 8)] : NULL;
        const char *s = fz_chance(r, 30) ? ls[fz_below(r, 8)] : NULL;
        sigma_event_set_logsource(ev, p, p ? strlen(p) : 0, c, c ? strlen(c) : 0, s,
                                  s ? strlen(s) : 0);
        if (trace)
            fprintf(trace, "logsource %s / %s / %s\n", p ? p : "-", c ? c : "-", s ? s : "-");
    }
    fz_free(&name);
    fz_free(&value);
}

typedef struct cb_state {
    uint32_t n, rules[16], stop_after, last;
    int ordered;
} cb_state;

static int SIGMA_CALL on_hit(const sigma_hit *hit, void *user)
{
    cb_state *s = user;
    uint32_t rule = sigma_hit_rule(hit);
    if (s->n && rule <= s->last)
        s->ordered = 0;
    s->last = rule;
    if (s->n < 16)
        s->rules[s->n] = rule;
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static void check_event(fz_ctx *ctx, fz_rng *r, const sigma_ruleset *rs, sigma_scratch *sc,
                        const sigma_event *ev)
{
    uint32_t base_flags = fz_chance(r, 20) ? SIGMA_MATCH_STRICT_LOGSOURCE : 0;
    int rc = sigma_match(rs, sc, ev, base_flags | SIGMA_MATCH_NO_INDEX, NULL, NULL);
    if (rc != SIGMA_OK)
        FZ_FAIL(ctx, "sigma_match (no index) returned %d", rc);
    uint32_t n = sigma_scratch_hit_count(sc), a[16];
    for (uint32_t i = 0; i < n && i < 16; i++)
        a[i] = sigma_scratch_hit_rule(sc, i);
    cb_state s = {0, {0}, 0, 0, 1};
    rc = sigma_match(rs, sc, ev, base_flags, on_hit, &s);
    if (rc != SIGMA_OK)
        FZ_FAIL(ctx, "sigma_match (index, callback) returned %d", rc);
    if (s.n != n || memcmp(a, s.rules, sizeof(uint32_t) * (n < 16 ? n : 16)) != 0) {
        FZ_FAIL(ctx, "%u hits without the index, %u with it", n, s.n);
        for (int side = 0; side < 2; side++) {
            const uint32_t *list = side ? s.rules : a;
            uint32_t cnt = side ? s.n : n;
            for (uint32_t i = 0; i < cnt && i < 16; i++) {
                sigma_rule_info info = {0};
                info.size = sizeof info;
                sigma_ruleset_rule_info(rs, list[i], &info);
                fprintf(stderr, "  %s: rule %u '%s'\n", side ? "index" : "no index", list[i],
                        info.title ? info.title : "?");
            }
        }
    }
    if (!s.ordered)
        FZ_FAIL(ctx, "hits not in ascending rule order");
    if (n) {
        cb_state stop = {0, {0}, 1, 0, 1};
        rc = sigma_match(rs, sc, ev, base_flags, on_hit, &stop);
        if (rc != SIGMA_E_TERMINATED || stop.n != 1)
            FZ_FAIL(ctx, "stopping callback: rc %d after %u hits", rc, stop.n);
    }
}

int main(int argc, char **argv)
{
    fz_opts o = fz_parse(argc, argv, 20000);
    fz_ctx ctx = {"fuzz-events", 0, 0, o.hang_seconds, o.write_path};
    sigma_ruleset *rs[2] = {NULL, NULL};
    for (int with_mapping = 0; with_mapping < 2; with_mapping++) {
        sigma_builder *b = NULL;
        if (sigma_builder_new(NULL, &b) != SIGMA_OK)
            fz_die("builder_new");
        sigma_builder_add_placeholder(b, "Admins", 6, "adm?n", 5);
        sigma_builder_add_placeholder(b, "Admins", 6, "root", 4);
        if (with_mapping)
            sigma_builder_add_default_mapping(b);
        uint32_t added = 0;
        int rc =
            sigma_builder_add_yaml(b, "events.yml", 10, rules_text, sizeof rules_text - 1, &added);
        if (rc != SIGMA_OK || added != 7) {
            char msg[512] = "";
            if (sigma_diagnostics_count(sigma_builder_diagnostics(b)))
                sigma_diagnostics_format(sigma_builder_diagnostics(b), 0, msg, sizeof msg);
            fprintf(stderr, "fuzz-events: rules did not load (%d, %u): %s\n", rc, added, msg);
            return 1;
        }
        if (sigma_builder_build(b, &rs[with_mapping]) != SIGMA_OK)
            fz_die("build");
        sigma_builder_free(b);
    }
    sigma_scratch *sc = NULL;
    for (int i = 0; i < 2; i++)
        if (sigma_scratch_reserve(rs[i], &sc) != SIGMA_OK)
            fz_die("scratch");
    sigma_event *ev = NULL;
    if (sigma_event_new(&ev) != SIGMA_OK)
        fz_die("event_new");
    fz_buf keep[4] = {{0}};
    double t0 = fz_now();
    uint64_t done = 0, with_hits = 0;
    for (uint64_t it = o.start; it < o.start + o.iterations; it++, done++) {
        ctx.iteration = it;
        fz_rng r = fz_rng_for(o.seed, it);
        const sigma_ruleset *set = rs[fz_below(&r, 2)];
        double t = fz_cpu_now();
        random_event(&r, ev, set, keep, o.verbose ? stderr : NULL);
        check_event(&ctx, &r, set, sc, ev);
        if (sigma_scratch_hit_count(sc))
            with_hits++;
        fz_check_time(&ctx, t, NULL);
    }
    printf("fuzz-events: %llu of the events matched some rule\n", (unsigned long long)with_hits);
    sigma_scratch_stats st = {0};
    st.size = sizeof st;
    if (sigma_scratch_get_stats(sc, &st) != SIGMA_OK || st.events < done * 2)
        FZ_FAIL(&ctx, "scratch stats: %llu events for %llu iterations",
                (unsigned long long)st.events, (unsigned long long)done);
    for (int i = 0; i < 4; i++)
        fz_free(&keep[i]);
    sigma_event_free(ev);
    sigma_scratch_free(sc);
    sigma_ruleset_unref(rs[0]);
    sigma_ruleset_unref(rs[1]);
    return fz_report(&ctx, done, t0);
}
