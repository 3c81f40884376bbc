/* The index seen from the public API: it must never change a verdict.
 *
 *  - logsource buckets (sigma_event_set_logsource): exact hit sets for events with
 *    and without a logsource, ASCII case-insensitivity, NULL / empty parts;
 *  - index vs SIGMA_MATCH_NO_INDEX: identical hits on crafted events covering every
 *    operator (strings, globs, cased, keywords, numbers, regexes whose literals the
 *    index mines, fieldref, cidr, comparisons, exists, null, neq, not, encoders,
 *    Unicode case folding), each also checked against its expected hit set;
 *  - field slots (sigma_ruleset_field_slot / _count / _name, add by slot);
 *  - sigma_scratch_get_stats counters and its size prefix;
 *  - presence gating: a rule without literals that does not match an empty event
 *    is a candidate only when one of its fields is present;
 *  - whole-literal verification: an event holding every gram of a literal but
 *    never the whole literal makes no rule a candidate;
 *  - sigma_match flags with unknown bits;
 *  - the scratch's name memo: one scratch for two rulesets in turn, colliding and
 *    over-long field names;
 *  - numbers and booleans scanned as text only where a key could occur in their
 *    rendering: each alphabet character the literals use.
 * Only <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* ------------------------------------------------------------------ helpers */

typedef struct rule_src {
    const char *title;
    const char *logsource; /* flow map */
    const char *detection; /* lines below `detection:`, indented 4 */
} rule_src;

static sigma_ruleset *build_rules(const rule_src *rules, size_t n)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char yaml[4096];
        snprintf(yaml, sizeof yaml, "title: %s\nlogsource: %s\ndetection:\n%slevel: low\n",
                 rules[i].title, rules[i].logsource, rules[i].detection);
        uint32_t added = 0;
        int rc = sigma_builder_add_yaml(b, rules[i].title, SIGMA_NUL_TERMINATED, yaml,
                                        SIGMA_NUL_TERMINATED, &added);
        CHECK_MSG(rc == SIGMA_OK && added == 1, "rule '%s' did not load (%s)", rules[i].title,
                  sigma_status_str(rc));
        if (rc != SIGMA_OK) {
            const sigma_diagnostics *d = sigma_builder_diagnostics(b);
            for (size_t k = 0; k < sigma_diagnostics_count(d); k++) {
                char buf[512];
                sigma_diagnostics_format(d, k, buf, sizeof buf);
                fprintf(stderr, "  %s\n", buf);
            }
        }
    }
    if (sigma_builder_build(b, &rs) != SIGMA_OK)
        rs = NULL;
    sigma_builder_free(b);
    CHECK(rs != NULL);
    if (rs)
        CHECK_EQ_INT(sigma_ruleset_rule_count(rs), n);
    return rs;
}

/* Index of the rule titled `title` (rules are added one per source, in order). */
static uint32_t rule_by_title(const sigma_ruleset *rs, const char *title, size_t len)
{
    for (uint32_t r = 0; r < sigma_ruleset_rule_count(rs); r++) {
        sigma_rule_info info = {.size = sizeof info};
        if (sigma_ruleset_rule_info(rs, r, &info) == SIGMA_OK && info.title &&
            strlen(info.title) == len && memcmp(info.title, title, len) == 0)
            return r;
    }
    return UINT32_MAX;
}

/* A hit set: one bit per rule (the test rulesets have fewer than 128 rules). */
typedef struct hitset {
    uint64_t w[2];
} hitset;

static int hitset_eq(hitset a, hitset b)
{
    return a.w[0] == b.w[0] && a.w[1] == b.w[1];
}

static void hitset_add(hitset *h, uint32_t r)
{
    if (r < 128)
        h->w[r / 64] |= 1ull << (r % 64);
}

/* Parses "t1 t2 ..." (rule titles) into a hit set; unknown titles fail a check. */
static hitset expected_set(const sigma_ruleset *rs, const char *titles)
{
    hitset h = {{0, 0}};
    const char *p = titles;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e > p) {
            uint32_t r = rule_by_title(rs, p, (size_t)(e - p));
            CHECK_MSG(r != UINT32_MAX, "no rule titled '%.*s'", (int)(e - p), p);
            hitset_add(&h, r);
        }
        p = e;
    }
    return h;
}

static void hitset_print(const sigma_ruleset *rs, hitset h, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (uint32_t r = 0; r < 128; r++) {
        if (!(h.w[r / 64] & (1ull << (r % 64))))
            continue;
        sigma_rule_info info = {.size = sizeof info};
        sigma_ruleset_rule_info(rs, r, &info);
        int k = snprintf(buf + n, cap - n, "%s%s", n ? " " : "", info.title ? info.title : "?");
        if (k < 0 || (size_t)k >= cap - n)
            break;
        n += (size_t)k;
    }
}

typedef struct cb_state {
    hitset h;
    uint32_t calls, last;
    int order_ok;
} cb_state;

static int collect_cb(const sigma_hit *hit, void *user)
{
    cb_state *st = user;
    uint32_t r = sigma_hit_rule(hit);
    if (st->calls && r <= st->last)
        st->order_ok = 0;
    st->last = r;
    st->calls++;
    hitset_add(&st->h, r);
    return 0;
}

/* Matches in collect mode and in callback mode; both must agree. */
static hitset match_set(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev,
                        uint32_t flags)
{
    hitset h = {{0, 0}};
    CHECK_EQ_INT(sigma_match(rs, s, ev, flags, NULL, NULL), SIGMA_OK);
    uint32_t n = sigma_scratch_hit_count(s);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sigma_scratch_hit_rule(s, i);
        CHECK(r < sigma_ruleset_rule_count(rs));
        CHECK(i == 0 || r > sigma_scratch_hit_rule(s, i - 1));
        hitset_add(&h, r);
    }
    cb_state st = {{{0, 0}}, 0, 0, 1};
    CHECK_EQ_INT(sigma_match(rs, s, ev, flags, collect_cb, &st), SIGMA_OK);
    CHECK(st.order_ok);
    CHECK_EQ_INT(st.calls, n);
    CHECK(hitset_eq(st.h, h));
    return h;
}

/* ---------------------------------------------------------- event specs */

typedef struct fv {
    char t; /* s str, i int, f float, b bool, n null, e empty, m message */
    const char *name;
    const char *s;
    int64_t i;
    double d;
} fv;

#define S(n, v)                                                                                    \
    {                                                                                              \
        's', n, v, 0, 0                                                                            \
    }
#define I(n, v)                                                                                    \
    {                                                                                              \
        'i', n, NULL, v, 0                                                                         \
    }
#define F(n, v)                                                                                    \
    {                                                                                              \
        'f', n, NULL, 0, v                                                                         \
    }
#define B(n, v)                                                                                    \
    {                                                                                              \
        'b', n, NULL, v, 0                                                                         \
    }
#define NUL(n)                                                                                     \
    {                                                                                              \
        'n', n, NULL, 0, 0                                                                         \
    }
#define EMPTY(n)                                                                                   \
    {                                                                                              \
        'e', n, NULL, 0, 0                                                                         \
    }
#define MSG(v)                                                                                     \
    {                                                                                              \
        'm', NULL, v, 0, 0                                                                         \
    }

#define MAX_FV 8
typedef struct ev_spec {
    const char *expect; /* rule titles; NULL = only index/no-index equivalence */
    fv f[MAX_FV];
} ev_spec;

/* Fills ev from spec; with rs != NULL, string and integer values of fields that
 * have a slot in rs are added by slot. */
static void fill_event(sigma_event *ev, const ev_spec *spec, const sigma_ruleset *rs)
{
    sigma_event_clear(ev);
    for (int k = 0; k < MAX_FV && spec->f[k].t; k++) {
        const fv *v = &spec->f[k];
        uint32_t slot = 0;
        int by_slot =
            rs && v->name &&
            sigma_ruleset_field_slot(rs, v->name, SIGMA_NUL_TERMINATED, &slot) == SIGMA_OK;
        int rc = SIGMA_E_INTERNAL;
        switch (v->t) {
        case 's':
            rc = by_slot ? sigma_event_add_str_slot(ev, rs, slot, v->s, SIGMA_NUL_TERMINATED, 0)
                         : sigma_event_add_str(ev, v->name, SIGMA_NUL_TERMINATED, v->s,
                                               SIGMA_NUL_TERMINATED, 0);
            break;
        case 'i':
            rc = by_slot ? sigma_event_add_int_slot(ev, rs, slot, v->i)
                         : sigma_event_add_int(ev, v->name, SIGMA_NUL_TERMINATED, v->i);
            break;
        case 'f':
            rc = sigma_event_add_float(ev, v->name, SIGMA_NUL_TERMINATED, v->d);
            break;
        case 'b':
            rc = sigma_event_add_bool(ev, v->name, SIGMA_NUL_TERMINATED, (int)v->i);
            break;
        case 'n':
            rc = sigma_event_add_null(ev, v->name, SIGMA_NUL_TERMINATED);
            break;
        case 'e':
            rc = sigma_event_add_empty(ev, v->name, SIGMA_NUL_TERMINATED);
            break;
        case 'm':
            rc = sigma_event_set_message(ev, v->s, SIGMA_NUL_TERMINATED, 0);
            break;
        }
        CHECK_EQ_INT(rc, SIGMA_OK);
    }
}

/* ------------------------------------------------------ operator rule set */

#define WIN_PC "{product: windows, category: process_creation}"

static const rule_src op_rules[] = {
    {"contains", WIN_PC, "    sel: {CommandLine|contains: 'mimikatz'}\n    condition: sel\n"},
    {"startswith", WIN_PC,
     "    sel: {Image|startswith: 'C:\\Windows\\Temp'}\n    condition: sel\n"},
    {"endswith", WIN_PC, "    sel: {Image|endswith: '\\rundll32.exe'}\n    condition: sel\n"},
    {"glob", WIN_PC, "    sel: {TargetFilename: '/tmp/*/evil?.so'}\n    condition: sel\n"},
    {"cased", WIN_PC, "    sel: {Privs|contains|cased: 'SeDebugPrivilege'}\n    condition: sel\n"},
    {"endswith_cased", WIN_PC, "    sel: {Ext|endswith|cased: '.EXE'}\n    condition: sel\n"},
    {"keywords", WIN_PC, "    keywords: ['DumpCreds', 'lsass*dump']\n    condition: keywords\n"},
    {"kw_number", WIN_PC, "    keywords: ['31337']\n    condition: keywords\n"},
    {"number", WIN_PC, "    sel: {EventID: 4688}\n    condition: sel\n"},
    {"number_str", WIN_PC, "    sel: {ProcessId: '1234'}\n    condition: sel\n"},
    {"big_number", WIN_PC, "    sel: {Big: 9223372036854775807}\n    condition: sel\n"},
    {"regex", WIN_PC, "    sel: {Cmd2|re: 'cmd.{0,5}/c'}\n    condition: sel\n"},
    {"regex_i", WIN_PC, "    sel: {Cmd3|re|i: 'POWERSHELL\\s+-enc'}\n    condition: sel\n"},
    {"regex_inline_i", WIN_PC, "    sel: {Cmd4|re: '(?i)invoke-mimi'}\n    condition: sel\n"},
    {"regex_escapes", WIN_PC,
     "    sel: {Cmd5|re: 'run\\x2edll|\\Qa.b\\E|[Zz]ip\\.exe'}\n    condition: sel\n"},
    {"regex_optional", WIN_PC, "    sel: {Re1|re: 'evil(ware)?\\.dll'}\n    condition: sel\n"},
    {"regex_zero_rep", WIN_PC, "    sel: {Re2|re: 'foo(bar){0}baz'}\n    condition: sel\n"},
    {"regex_star", WIN_PC, "    sel: {Re3|re: 'abx*cde'}\n    condition: sel\n"},
    {"regex_hex", WIN_PC, "    sel: {Re4|re: '\\x41BCD\\x{17F}'}\n    condition: sel\n"},
    {"regex_comment", WIN_PC, "    sel: {Re5|re: '(?#comment)xyzzy'}\n    condition: sel\n"},
    {"regex_extended", WIN_PC,
     "    sel: {Re6|re: '(?x)mimi katz  # the tool'}\n    condition: sel\n"},
    {"regex_lookahead", WIN_PC,
     "    sel: {Re7|re: '(?!malware)\\w+\\.exe$'}\n    condition: sel\n"},
    {"regex_alt", WIN_PC, "    sel: {Re8|re: '^(alpha|beta)gamma|delta$'}\n    condition: sel\n"},
    {"regex_group_i", WIN_PC, "    sel: {Re9|re: '(?i:MIMI)katz'}\n    condition: sel\n"},
    {"regex_unicode", WIN_PC,
     "    sel: {Re10|re: 'stra\xc3\x9f"
     "e\\d'}\n    condition: sel\n"},
    {"regex_i_long_s", WIN_PC, "    sel: {Re11|re|i: '\xc5\xbfystem'}\n    condition: sel\n"},
    {"regex_empty_alt", WIN_PC, "    sel: {Re12|re: '(|qq)wxyz'}\n    condition: sel\n"},
    {"fieldref", WIN_PC,
     "    sel: {TargetUserName|fieldref: SubjectUserName}\n    condition: sel\n"},
    {"cidr", WIN_PC, "    sel: {SourceIp|cidr: '10.0.0.0/8'}\n    condition: sel\n"},
    {"gt", WIN_PC, "    sel: {Size|gt: 1000}\n    condition: sel\n"},
    {"lt_float", WIN_PC, "    sel: {Ratio|lt: 0.5}\n    condition: sel\n"},
    {"bool", WIN_PC, "    sel: {Enabled: true}\n    condition: sel\n"},
    {"exists", WIN_PC, "    sel: {Hash|exists: true}\n    condition: sel\n"},
    {"not_exists", WIN_PC,
     "    sel: {Marker: 'noexist', Hash|exists: false}\n    condition: sel\n"},
    {"null_test", WIN_PC, "    sel: {Marker: 'nulltest', ParentImage: null}\n    condition: sel\n"},
    {"neq", WIN_PC, "    sel: {Marker: 'neqtest', User|neq: 'SYSTEM'}\n    condition: sel\n"},
    {"not", WIN_PC,
     "    sel: {Image|endswith: '\\svchost.exe'}\n"
     "    filter: {ParentImage|endswith: '\\services.exe'}\n"
     "    condition: sel and not filter\n"},
    {"or_of_ands", WIN_PC,
     "    sel1: {A: 'alpha', B: 'beta'}\n    sel2: {C|startswith: 'gamma'}\n"
     "    condition: 1 of sel*\n"},
    {"contains_all", WIN_PC,
     "    sel: {Args|contains|all: ['-nop', 'hidden']}\n    condition: sel\n"},
    {"mid_wildcard", WIN_PC, "    sel: {Url|contains: '/admin*.php'}\n    condition: sel\n"},
    {"empty", WIN_PC, "    sel: {Empty: ''}\n    condition: sel\n"},
    {"star", WIN_PC, "    sel: {Anything: '*'}\n    condition: sel\n"},
    {"windash", WIN_PC, "    sel: {Cmd6|windash|contains: ' -enc '}\n    condition: sel\n"},
    {"base64offset", WIN_PC,
     "    sel: {Cmd7|base64offset|contains: 'http://'}\n    condition: sel\n"},
    {"fold_strasse", WIN_PC, "    sel: {Street|contains: 'STRASSE'}\n    condition: sel\n"},
    {"fold_sharp_s", WIN_PC, "    sel: {Street2|endswith: '\xc3\x9f'}\n    condition: sel\n"},
    {"fold_long_s", WIN_PC,
     "    sel: {Name|startswith: '\xc5\xbfy\xc5\xbftem'}\n    condition: sel\n"},
    {"fold_sigma", WIN_PC,
     "    sel: {Greek|contains: "
     "'\xce\x9f\xce\x94\xce\xa5\xce\xa3\xce\xa3\xce\x95\xce\xa5\xce\xa3'}\n"
     "    condition: sel\n"},
    {"fold_kelvin", WIN_PC, "    sel: {Unit|contains: 'kelvin'}\n    condition: sel\n"},
    {"fold_dotted_i", WIN_PC, "    sel: {City|contains: '\xc4\xb0STANBUL'}\n    condition: sel\n"},
    {"num_contains", WIN_PC, "    sel: {DestPort|contains: '443'}\n    condition: sel\n"},
    {"bool_str", WIN_PC, "    sel: {Flag: 'true'}\n    condition: sel\n"},
    {"num_list", WIN_PC, "    sel: {Code: [-1, 0, 2.5]}\n    condition: sel\n"},
    {"long_literal", WIN_PC,
     "    sel: {Long|contains: 'abcdefghijklmnopqrstuvwxyz'}\n    condition: sel\n"},
    {"long_endswith", WIN_PC,
     "    sel: {Long2|endswith: '.verylongextension'}\n    condition: sel\n"},
    {"long_fold", WIN_PC,
     "    sel: {Path|contains: 'systemroot\\system32\\drivers'}\n    condition: sel\n"},
    {"short_equal", WIN_PC, "    sel: {Short: 'ab'}\n    condition: sel\n"},
    {"one_char", WIN_PC, "    sel: {Short2|contains: 'q'}\n    condition: sel\n"},
    {"escaped_star", WIN_PC, "    sel: {Esc: 'foo\\*bar'}\n    condition: sel\n"},
    {"cased_unicode", WIN_PC,
     "    sel: {Path2|contains|cased: 'Stra\xc3\x9f"
     "e'}\n    condition: sel\n"},
    {"double_not", WIN_PC,
     "    sel: {Dn0: 'go'}\n    a: {Dn1: 'x'}\n    b: {Dn2: 'y'}\n"
     "    condition: sel and not (a and not b)\n"},
    {"kw_long", WIN_PC, "    keywords: ['alphabetagammadelta']\n    condition: keywords\n"},
    {"many_fields", WIN_PC,
     "    sel:\n"
     "        Image|endswith: '\\powershell.exe'\n"
     "        CommandLine|contains: ['-encodedcommand', 'downloadstring']\n"
     "        ParentImage|endswith: ['\\winword.exe', '\\excel.exe']\n"
     "        User|startswith: 'CONTOSO\\'\n"
     "    condition: sel\n"},
};
#define N_OP_RULES (sizeof op_rules / sizeof op_rules[0])
_Static_assert(N_OP_RULES <= 128, "hitset holds 128 rules");

/* U+1E9E capital sharp s, U+017F long s, U+212A Kelvin sign, U+0307 combining dot. */
#define CAP_SHARP_S "\xe1\xba\x9e"
#define LONG_S "\xc5\xbf"
#define KELVIN "\xe2\x84\xaa"
#define SHARP_S "\xc3\x9f"

static const ev_spec op_events[] = {
    {"contains", {S("CommandLine", "C:\\x\\MIMIKATZ.exe \"privilege::debug\"")}},
    {"", {S("CommandLine", "mimi katz")}},
    {"contains", {S("CommandLine", "benign"), S("CommandLine", "run MimiKatz now")}},
    {"startswith endswith", {S("Image", "C:\\Windows\\Temp\\rundll32.exe")}},
    {"startswith", {S("Image", "c:\\windows\\temp\\RUNDLL32.EXE.bak")}},
    {"",
     {S("Image", "C:\\Windows\\System32\\svchost.exe"),
      S("ParentImage", "C:\\Windows\\System32\\services.exe")}},
    {"not",
     {S("Image", "C:\\Windows\\System32\\svchost.exe"),
      S("ParentImage", "C:\\Windows\\explorer.exe")}},
    {"not", {S("Image", "C:\\Windows\\System32\\SVCHOST.EXE")}},
    {"glob", {S("TargetFilename", "/tmp/a/b/evil1.so")}},
    {"", {S("TargetFilename", "/tmp/x/evil.so")}},
    {"glob", {S("TargetFilename", "/TMP/x/EVIL2.SO")}},
    {"", {S("TargetFilename", "/tmp/x/evil12.so")}},
    {"cased", {S("Privs", "enabled: SeDebugPrivilege, SeBackupPrivilege")}},
    {"", {S("Privs", "enabled: sedebugprivilege")}},
    {"endswith_cased", {S("Ext", "X.EXE")}},
    {"", {S("Ext", "x.exe")}},
    {"keywords", {MSG("dumping: LSASS memory DUMP ok")}},
    {"keywords", {S("Tool", "tool=DUMPCREDS")}},
    {"keywords", {MSG("DumpCreds")}},
    {"keywords", {S("Foo", "xx lsass yy dump")}},
    {"", {MSG("lsass only")}},
    {"kw_number", {I("Port", 31337)}},
    {"kw_number", {MSG("port 31337 open")}},
    {"kw_number", {S("EventID", "31337")}},
    {"number", {I("EventID", 4688)}},
    {"number", {S("EventID", "4688")}},
    {"number", {F("EventID", 4688.0)}},
    {"number", {S("EventID", "4688.0")}},
    {"number", {S("EventID", "4.688e3")}},
    {"number", {S("EventID", "04688")}},
    {"", {S("EventID", " 4688")}},
    {"", {F("EventID", 4688.5)}},
    {"", {I("EventID", 4689)}},
    {"number", {I("EventID", 1), I("EventID", 4688)}},
    {"number_str", {I("ProcessId", 1234)}},
    {"number_str", {S("ProcessId", "1234")}},
    {NULL, {F("ProcessId", 1234.0)}},
    {"big_number", {I("Big", INT64_MAX)}},
    {"big_number", {S("Big", "9223372036854775807")}},
    {"", {I("Big", INT64_MAX - 1)}},
    {"regex", {S("Cmd2", "cmd.exe /c whoami")}},
    {"", {S("Cmd2", "CMD.exe /c whoami")}},
    {"", {S("Cmd2", "cmd.exe  /c whoami")}},
    {"regex", {S("Cmd2", "\xff cmd.exe /c \xfe")}},
    {"regex_i", {S("Cmd3", "powershell   -ENC abc")}},
    {"regex_i", {S("Cmd3", "POWERSHELL -enc")}},
    {"", {S("Cmd3", "powershell-enc")}},
    {"regex_inline_i", {S("Cmd4", "INVOKE-MIMIKATZ")}},
    {"regex_escapes", {S("Cmd5", "run.dll")}},
    {"", {S("Cmd5", "RUN.DLL")}},
    {"regex_escapes", {S("Cmd5", "xa.by")}},
    {"", {S("Cmd5", "ab")}},
    {"regex_escapes", {S("Cmd5", "Zip.exe")}},
    {"", {S("Cmd5", "ZIP.EXE")}},
    {"regex_optional", {S("Re1", "evil.dll")}},
    {"regex_optional", {S("Re1", "evilware.dll")}},
    {"regex_zero_rep", {S("Re2", "foobaz")}},
    {"", {S("Re2", "foobarbaz")}},
    {"regex_star", {S("Re3", "abcde")}},
    {"regex_star", {S("Re3", "abxxxcde")}},
    {"regex_hex", {S("Re4", "ABCD" LONG_S)}},
    {"", {S("Re4", "x41BCD")}},
    {"regex_comment", {S("Re5", "xyzzy")}},
    {"", {S("Re5", "comment")}},
    {"regex_extended", {S("Re6", "mimikatz")}},
    {"", {S("Re6", "mimi katz")}},
    {"regex_lookahead", {S("Re7", "notepad.exe")}},
    {"regex_lookahead", {S("Re7", "malware.exe")}}, /* (?!malware) fails at 0, not at 1 */
    {"regex_alt", {S("Re8", "betagamma")}},
    {"regex_alt", {S("Re8", "the delta")}},
    {"", {S("Re8", "gamma")}},
    {"regex_group_i", {S("Re9", "mimikatz")}},
    {"", {S("Re9", "mimiKATZ")}},
    {"regex_unicode", {S("Re10", "stra" SHARP_S "e1")}},
    {"", {S("Re10", "STRASSE1")}},
    {"", {S("Re10", "strasse1")}},
    {"regex_i_long_s", {S("Re11", "SYSTEM")}},
    {"regex_i_long_s", {S("Re11", LONG_S "ystem")}},
    {"regex_empty_alt", {S("Re12", "wxyz")}},
    {"regex_empty_alt", {S("Re12", "qqwxyz")}},
    {"fieldref", {S("TargetUserName", "Admin"), S("SubjectUserName", "ADMIN")}},
    {"", {S("TargetUserName", "a"), S("SubjectUserName", "b")}},
    {"", {S("TargetUserName", "a")}},
    {"cidr", {S("SourceIp", "10.1.2.3")}},
    {"", {S("SourceIp", "100.1.1.1")}},
    {"gt", {I("Size", 1001)}},
    {"gt", {S("Size", "2000")}},
    {"gt", {F("Size", 1000.5)}},
    {"", {I("Size", 1000)}},
    {"", {S("Size", "big")}},
    {"lt_float", {F("Ratio", 0.25)}},
    {"lt_float", {S("Ratio", "0.4")}},
    {"", {F("Ratio", 0.5)}},
    {"bool", {B("Enabled", 1)}},
    {"bool", {S("Enabled", "TRUE")}},
    {"", {I("Enabled", 1)}},
    {"exists", {S("Hash", "")}},
    {"exists", {NUL("Hash")}},
    {"exists", {EMPTY("Hash")}},
    {"not_exists", {S("Marker", "noexist")}},
    {"exists", {S("Marker", "noexist"), NUL("Hash")}},
    {"null_test", {S("Marker", "nulltest")}},
    {"null_test", {S("Marker", "nulltest"), NUL("ParentImage")}},
    {"null_test", {S("Marker", "nulltest"), EMPTY("ParentImage")}},
    {"", {S("Marker", "nulltest"), S("ParentImage", "x")}},
    {"", {S("Marker", "nulltest"), S("ParentImage", "")}},
    {"neq", {S("Marker", "neqtest")}},
    {"", {S("Marker", "neqtest"), S("User", "system")}},
    {"neq", {S("Marker", "neqtest"), S("User", "bob")}},
    {"or_of_ands", {S("A", "alpha"), S("B", "BETA")}},
    {"", {S("A", "alpha")}},
    {"or_of_ands", {S("C", "Gamma ray")}},
    {"contains_all", {S("Args", "powershell -NoP -w HIDDEN")}},
    {"contains_all", {S("Args", "-nop"), S("Args", "x hidden")}},
    {"", {S("Args", "-nop")}},
    {"mid_wildcard", {S("Url", "/admin_panel.php")}},
    {"mid_wildcard", {S("Url", "/ADMIN/x.PHP?a")}},
    {"", {S("Url", "/admin.ph")}},
    {"empty", {S("Empty", "")}},
    {"", {S("Empty", "x")}},
    {"star", {S("Anything", "whatever")}},
    {"star", {S("Anything", "")}},
    {"star", {I("Anything", 5)}},
    {"windash", {S("Cmd6", "powershell /ENC abc")}},
    {"windash",
     {S("Cmd6", "powershell \xe2\x80\x93"
                "enc x")}},
    {"", {S("Cmd6", "powershell enc x")}},
    {"base64offset", {S("Cmd7", "aHR0cDovL3g=")}},
    {"base64offset", {S("Cmd7", "QUJodHRwOi8veA==")}},
    {"", {S("Cmd7", "http://")}},
    {"fold_strasse", {S("Street", "Hauptstra" SHARP_S "e 1")}},
    {"fold_strasse", {S("Street", "HAUPTSTRASSE")}},
    {"fold_strasse", {S("Street", "hauptstra" CAP_SHARP_S "e")}},
    {"fold_strasse", {S("Street", "HAUPT" LONG_S "TRA" LONG_S "SE")}},
    {"", {S("Street", "hauptstrase")}},
    {"fold_sharp_s", {S("Street2", "Fu" SHARP_S)}},
    {"fold_sharp_s", {S("Street2", "FUSS")}},
    {"fold_sharp_s", {S("Street2", "FU" CAP_SHARP_S)}},
    {"fold_sharp_s", {S("Street2", "fu" LONG_S "s")}},
    {"", {S("Street2", "fus")}},
    {"fold_long_s", {S("Name", "SYSTEM32")}},
    {"fold_long_s", {S("Name", LONG_S "y" LONG_S "tem")}},
    {"fold_long_s", {S("Name", LONG_S "Y" LONG_S "TEM")}},
    {"", {S("Name", "syst")}},
    /* οδυσσευς with final sigma, upper case, and with an accent (no match) */
    {"fold_sigma",
     {S("Greek", "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x85\xcf\x82")}},
    {"fold_sigma",
     {S("Greek", "x\xce\x9f\xce\x94\xce\xa5\xce\xa3\xce\xa3\xce\x95\xce\xa5\xce\xa3x")}},
    {"", {S("Greek", "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x8d\xcf\x82")}},
    {"fold_kelvin", {S("Unit", KELVIN "ELVIN")}},
    {"fold_kelvin", {S("Unit", "Kelvin")}},
    {"fold_dotted_i", {S("City", "i\xcc\x87stanbul")}},
    {"fold_dotted_i", {S("City", "\xc4\xb0stanbul")}},
    {"", {S("City", "istanbul")}},
    {"num_contains", {I("DestPort", 8443)}},
    {"", {I("DestPort", 8080)}},
    {NULL, {F("DestPort", 443.0)}},
    {"bool_str", {B("Flag", 1)}},
    {"bool_str", {S("Flag", "TRUE")}},
    {"", {B("Flag", 0)}},
    {"num_list", {I("Code", -1)}},
    {"num_list", {S("Code", "-1")}},
    {"num_list", {S("Code", "0.0")}},
    {"num_list", {S("Code", "-0")}},
    {"num_list", {S("Code", "2.50")}},
    {"num_list", {F("Code", 2.5)}},
    {"", {S("Code", "99999999999999999999")}},
    {"", {I("Code", 2)}},
    {"long_literal", {S("Long", "abcdefghijklmnopqrstuvwxyz")}},
    {"long_literal", {S("Long", SHARP_S SHARP_S "ABCDEFGHIJKLMNOPQRSTUVWXYZ!")}},
    {"long_literal", {S("Long", "abcdefghijklm"), S("Long", "0123ABCDEFGHIJKLMNOPQRSTUVWXYZ")}},
    {"", {S("Long", "abcdefghijklmnopqrstuvwxy")}},
    {"", {S("Long", "bcdefghijklmnopqrstuvwxyz")}},
    {"long_endswith", {S("Long2", "x.VERYLONGEXTENSION")}},
    {"long_endswith", {S("Long2", ".verylongextension")}},
    {"", {S("Long2", ".verylongextension ")}},
    {"long_fold",
     {S("Path", "%" LONG_S "Y" LONG_S "TEMROOT\\" LONG_S "y" LONG_S "tem32\\DRIVERS\\x.sys")}},
    {"", {S("Path", "systemroot\\system32\\driver")}},
    {"short_equal", {S("Short", "AB")}},
    {"", {S("Short", "abc")}},
    {"", {S("Short", "a")}},
    {"one_char", {S("Short2", "Q")}},
    {"one_char", {S("Short2", "xxxxxxxxxxxxxxxxxxxxq")}},
    {"", {S("Short2", "")}},
    {"escaped_star", {S("Esc", "FOO*BAR")}},
    {"", {S("Esc", "fooXbar")}},
    {"cased_unicode", {S("Path2", "x/Stra" SHARP_S "e/y")}},
    {"", {S("Path2", "x/STRASSE/y")}},
    {"", {S("Path2", "x/strasse/y")}},
    {"double_not", {S("Dn0", "go")}},
    {"", {S("Dn0", "go"), S("Dn1", "x")}},
    {"double_not", {S("Dn0", "go"), S("Dn1", "x"), S("Dn2", "Y")}},
    {"", {S("Dn1", "x"), S("Dn2", "Y")}},
    {"kw_long", {MSG("..ALPHABETAGAMMADELTA..")}},
    {"kw_long", {S("Any", "alphabetagammadelta")}},
    {"", {S("Any", "alphabeta"), S("Other", "gammadelta")}},
    {"many_fields",
     {S("Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"),
      S("CommandLine", "powershell -EncodedCommand AAAA"),
      S("ParentImage", "C:\\Program Files\\Microsoft Office\\EXCEL.EXE"),
      S("User", "contoso\\bob")}},
    {"",
     {S("Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"),
      S("CommandLine", "powershell -EncodedCommand AAAA"),
      S("ParentImage", "C:\\Program Files\\Microsoft Office\\EXCEL.EXE"),
      S("User", "fabrikam\\bob")}},
    {"contains startswith not number cidr neq",
     {S("CommandLine", "mimikatz"), S("Image", "C:\\Windows\\Temp\\svchost.exe"),
      I("EventID", 4688), S("SourceIp", "10.0.0.1"), S("Marker", "neqtest"),
      S("Unrelated", "nothing to see")}},
    {"", {S("Unrelated", "mimikatz 4688 cmd.exe /c")}},
    {"", {{0, NULL, NULL, 0, 0}}},
};
#define N_OP_EVENTS (sizeof op_events / sizeof op_events[0])

static void check_event(const sigma_ruleset *rs, sigma_scratch *s, sigma_event *ev, size_t i,
                        const char *what)
{
    hitset ix = match_set(rs, s, ev, 0);
    hitset all = match_set(rs, s, ev, SIGMA_MATCH_NO_INDEX);
    char a[1024], b[1024];
    hitset_print(rs, ix, a, sizeof a);
    hitset_print(rs, all, b, sizeof b);
    CHECK_MSG(hitset_eq(ix, all), "%s event %zu: index hits [%s], no-index hits [%s]", what, i, a,
              b);
    if (op_events[i].expect) {
        hitset want = expected_set(rs, op_events[i].expect);
        char c[1024];
        hitset_print(rs, want, c, sizeof c);
        CHECK_MSG(hitset_eq(ix, want), "%s event %zu: index hits [%s], expected [%s]", what, i, a,
                  c);
        CHECK_MSG(hitset_eq(all, want), "%s event %zu: no-index hits [%s], expected [%s]", what, i,
                  b, c);
    }
}

static void test_index_equivalence(void)
{
    sigma_ruleset *rs = build_rules(op_rules, N_OP_RULES);
    if (!rs)
        return;
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);

    hitset seen = {{0, 0}};
    for (size_t i = 0; i < N_OP_EVENTS; i++) {
        fill_event(ev, &op_events[i], NULL);
        check_event(rs, s, ev, i, "by name");
        hitset h = match_set(rs, s, ev, 0);
        seen.w[0] |= h.w[0];
        seen.w[1] |= h.w[1];

        /* Every rule is windows/process_creation: the same with that logsource ... */
        CHECK_EQ_INT(sigma_event_set_logsource(ev, "Windows", SIGMA_NUL_TERMINATED,
                                               "PROCESS_CREATION", SIGMA_NUL_TERMINATED, NULL, 0),
                     SIGMA_OK);
        check_event(rs, s, ev, i, "windows/process_creation");
        /* ... and nothing for another product, in both modes. */
        CHECK_EQ_INT(sigma_event_set_logsource(ev, "linux", SIGMA_NUL_TERMINATED,
                                               "process_creation", SIGMA_NUL_TERMINATED, NULL, 0),
                     SIGMA_OK);
        hitset none = {{0, 0}};
        CHECK(hitset_eq(match_set(rs, s, ev, 0), none));
        CHECK(hitset_eq(match_set(rs, s, ev, SIGMA_MATCH_NO_INDEX), none));
    }
    /* Every rule matched at least one crafted event (the comparison is not vacuous). */
    for (uint32_t r = 0; r < N_OP_RULES; r++)
        CHECK_MSG(seen.w[r / 64] & (1ull << (r % 64)), "rule '%s' never matched",
                  op_rules[r].title);

    /* Long values: the literal at every alignment near the start and the end of
     * values of many lengths, after multi-byte characters (folding changes the
     * length), and after an embedded NUL byte. */
    static const size_t pads[] = {0,  1,  2,  3,  4,  5,  6,   7,    8,    9,     15,
                                  16, 17, 31, 63, 64, 65, 255, 4095, 4096, 100001};
    static const char lit[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const hitset want_long = expected_set(rs, "long_literal");
    char *buf = malloc(2 * 100001 + 64);
    for (size_t k = 0; buf && k < sizeof pads / sizeof pads[0]; k++) {
        for (int where = 0; where < 5; where++) {
            size_t n = 0, pad = pads[k];
            const char *fill = where == 2 ? SHARP_S : where == 3 ? "\0" : "x";
            size_t fl = where == 2 ? 2 : 1;
            if (where != 1)
                for (size_t j = 0; j < pad; j++, n += fl)
                    memcpy(buf + n, fill, fl);
            memcpy(buf + n, lit, sizeof lit - 1);
            n += sizeof lit - 1;
            if (where == 1 || where == 4)
                for (size_t j = 0; j < pad; j++)
                    buf[n++] = 'y';
            sigma_event_clear(ev);
            CHECK_EQ_INT(sigma_event_add_str(ev, "Long", 4, buf, n, SIGMA_VALUE_BORROW), SIGMA_OK);
            hitset a = match_set(rs, s, ev, 0), b = match_set(rs, s, ev, SIGMA_MATCH_NO_INDEX);
            CHECK_MSG(hitset_eq(a, want_long) && hitset_eq(b, want_long),
                      "long value: pad %zu, placement %d", pad, where);
            /* one letter short: no rule */
            sigma_event_clear(ev);
            CHECK_EQ_INT(sigma_event_add_str(ev, "Long", 4, buf,
                                             n - (where == 1 || where == 4 ? pad : 0) - 1, 0),
                         SIGMA_OK);
            hitset none = {{0, 0}};
            a = match_set(rs, s, ev, 0);
            b = match_set(rs, s, ev, SIGMA_MATCH_NO_INDEX);
            CHECK_MSG(hitset_eq(a, none) && hitset_eq(b, none),
                      "cut long value: pad %zu, placement %d", pad, where);
        }
    }
    free(buf);

    /* The same events built from one long-lived event without clearing the scratch
     * between rulesets: a second scratch reserved for rs gives the same answers. */
    sigma_scratch *s2 = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s2), SIGMA_OK);
    for (size_t i = 0; i < N_OP_EVENTS; i++) {
        fill_event(ev, &op_events[i], NULL);
        CHECK(hitset_eq(match_set(rs, s, ev, 0), match_set(rs, s2, ev, 0)));
    }
    sigma_scratch_free(s2);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* -------------------------------------------------------------- logsource */

static const rule_src ls_rules[] = {
    {"win_pc", "{product: windows, category: process_creation}",
     "    sel: {Marker|contains: 'ls'}\n    condition: sel\n"},
    {"linux", "{product: linux}", "    sel: {Marker|contains: 'ls'}\n    condition: sel\n"},
    {"win_sec", "{product: windows, service: security}",
     "    sel: {Marker|contains: 'ls'}\n    condition: sel\n"},
    {"pc_only", "{category: process_creation}",
     "    sel: {Marker|contains: 'ls'}\n    condition: sel\n"},
    /* always evaluated by the index (only a negation), still filtered by logsource */
    {"win_not", "{product: windows, category: process_creation}",
     "    sel: {Marker: 'other'}\n    condition: not sel\n"},
};

typedef struct ls_case {
    const char *product, *category, *service; /* NULL = not given */
    int set;                                  /* 0: no logsource on the event */
    const char *expect;
} ls_case;

static void test_logsource(void)
{
    sigma_ruleset *rs = build_rules(ls_rules, sizeof ls_rules / sizeof ls_rules[0]);
    if (!rs)
        return;
    static const ls_case cases[] = {
        {NULL, NULL, NULL, 0, "win_pc linux win_sec pc_only win_not"},
        {"windows", "process_creation", NULL, 1, "win_pc pc_only win_not"},
        {"WINDOWS", "Process_Creation", NULL, 1, "win_pc pc_only win_not"},
        {"windows", NULL, "security", 1, "win_sec"},
        {"windows", "process_creation", "security", 1, "win_pc win_sec pc_only win_not"},
        {"Windows", "process_creation", "SECURITY", 1, "win_pc win_sec pc_only win_not"},
        {"linux", NULL, NULL, 1, "linux"},
        {"linux", "process_creation", NULL, 1, "linux pc_only"},
        {NULL, "process_creation", NULL, 1, "pc_only"},
        {"macos", "file_event", NULL, 1, ""},
        {"windows", NULL, NULL, 1, ""},
        /* only ASCII letters fold: a dotted capital I is not an I */
        {"W\xc4\xb0NDOWS", "process_creation", NULL, 1, "pc_only"},
        {"windows ", "process_creation", NULL, 1, "pc_only"},
    };
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ls_case *c = &cases[i];
        for (int variant = 0; variant < 2; variant++) {
            sigma_event_clear(ev);
            sigma_event_add_str(ev, "Marker", SIGMA_NUL_TERMINATED, "ls event",
                                SIGMA_NUL_TERMINATED, 0);
            if (c->set) {
                /* variant 1: explicit lengths instead of NUL termination */
                size_t lp = c->product ? strlen(c->product) : 0;
                size_t lc = c->category ? strlen(c->category) : 0;
                size_t lsv = c->service ? strlen(c->service) : 0;
                int rc = variant ? sigma_event_set_logsource(ev, c->product, lp, c->category, lc,
                                                             c->service, lsv)
                                 : sigma_event_set_logsource(
                                       ev, c->product, c->product ? SIGMA_NUL_TERMINATED : 0,
                                       c->category, c->category ? SIGMA_NUL_TERMINATED : 0,
                                       c->service, c->service ? SIGMA_NUL_TERMINATED : 0);
                CHECK_EQ_INT(rc, SIGMA_OK);
            }
            hitset want = expected_set(rs, c->expect);
            hitset got = match_set(rs, s, ev, 0);
            hitset got_all = match_set(rs, s, ev, SIGMA_MATCH_NO_INDEX);
            char a[256], b[256], w[256];
            hitset_print(rs, got, a, sizeof a);
            hitset_print(rs, got_all, b, sizeof b);
            hitset_print(rs, want, w, sizeof w);
            CHECK_MSG(hitset_eq(got, want), "logsource case %zu: hits [%s], expected [%s]", i, a,
                      w);
            CHECK_MSG(hitset_eq(got_all, want),
                      "logsource case %zu (no index): hits [%s], expected [%s]", i, b, w);
        }
    }

    /* A length cuts the string; an empty (pointer, 0) part is "not given". */
    sigma_event_clear(ev);
    sigma_event_add_str(ev, "Marker", SIGMA_NUL_TERMINATED, "ls", SIGMA_NUL_TERMINATED, 0);
    CHECK_EQ_INT(sigma_event_set_logsource(ev, "windowsXX", 7, "process_creation!", 16, "", 0),
                 SIGMA_OK);
    CHECK(hitset_eq(match_set(rs, s, ev, 0), expected_set(rs, "win_pc pc_only win_not")));

    /* Setting it again replaces it; clearing the event forgets it. */
    CHECK_EQ_INT(sigma_event_set_logsource(ev, "linux", SIGMA_NUL_TERMINATED, NULL, 0, NULL, 0),
                 SIGMA_OK);
    CHECK(hitset_eq(match_set(rs, s, ev, 0), expected_set(rs, "linux")));
    sigma_event_clear(ev);
    sigma_event_add_str(ev, "Marker", SIGMA_NUL_TERMINATED, "ls", SIGMA_NUL_TERMINATED, 0);
    CHECK(hitset_eq(match_set(rs, s, ev, 0),
                    expected_set(rs, "win_pc linux win_sec pc_only win_not")));

    /* The same logsource on many events in a row (the scratch caches its mask),
     * alternating with another one. */
    for (int k = 0; k < 6; k++) {
        int lin = k % 3 == 2;
        CHECK_EQ_INT(sigma_event_set_logsource(ev, lin ? "linux" : "windows", SIGMA_NUL_TERMINATED,
                                               "process_creation", SIGMA_NUL_TERMINATED, NULL, 0),
                     SIGMA_OK);
        CHECK(hitset_eq(match_set(rs, s, ev, 0),
                        expected_set(rs, lin ? "linux pc_only" : "win_pc pc_only win_not")));
    }

    CHECK_EQ_INT(sigma_event_set_logsource(NULL, "x", 1, NULL, 0, NULL, 0), SIGMA_E_INVALID_ARG);

    /* The stats count only the rules the logsource lets through. */
    sigma_scratch *s2 = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s2), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_set_logsource(ev, "linux", SIGMA_NUL_TERMINATED, NULL, 0, NULL, 0),
                 SIGMA_OK);
    CHECK_EQ_INT(sigma_match(rs, s2, ev, SIGMA_MATCH_NO_INDEX, NULL, NULL), SIGMA_OK);
    sigma_scratch_stats st = {.size = sizeof st};
    CHECK_EQ_INT(sigma_scratch_get_stats(s2, &st), SIGMA_OK);
    CHECK_EQ_INT(st.events, 1);
    CHECK_EQ_INT(st.candidates, 1);
    CHECK_EQ_INT(st.hits, 1);
    sigma_scratch_free(s2);

    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* ------------------------------------------------------------ field slots */

static void test_field_slots(void)
{
    sigma_ruleset *rs = build_rules(op_rules, N_OP_RULES);
    if (!rs)
        return;
    uint32_t n = sigma_ruleset_field_count(rs);
    CHECK(n >= 40);
    for (uint32_t i = 0; i < n; i++) {
        const char *name = sigma_ruleset_field_name(rs, i);
        CHECK(name != NULL);
        if (!name)
            continue;
        uint32_t slot = UINT32_MAX;
        CHECK_EQ_INT(sigma_ruleset_field_slot(rs, name, SIGMA_NUL_TERMINATED, &slot), SIGMA_OK);
        CHECK_EQ_INT(slot, i);
        CHECK_EQ_INT(sigma_ruleset_field_slot(rs, name, strlen(name), &slot), SIGMA_OK);
        CHECK_EQ_INT(slot, i);
        for (uint32_t j = 0; j < i; j++)
            CHECK(strcmp(name, sigma_ruleset_field_name(rs, j)) != 0);
    }
    CHECK(sigma_ruleset_field_name(rs, n) == NULL);
    CHECK(sigma_ruleset_field_name(NULL, 0) == NULL);
    CHECK_EQ_INT(sigma_ruleset_field_count(NULL), 0);

    /* Fields the rules mention (also fieldref targets and fields in filters of a
     * negation) have a slot; others, keywords and case variants do not. */
    static const char *const known[] = {
        "CommandLine",    "Image", "ParentImage", "EventID", "SubjectUserName",
        "TargetUserName", "Hash",  "User",        "Re12",    "Greek"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        uint32_t slot = UINT32_MAX;
        CHECK_MSG(sigma_ruleset_field_slot(rs, known[i], SIGMA_NUL_TERMINATED, &slot) == SIGMA_OK,
                  "%s", known[i]);
        CHECK(slot < n);
        CHECK_EQ_STR(sigma_ruleset_field_name(rs, slot), known[i]);
    }
    uint32_t slot = 12345;
    CHECK_EQ_INT(sigma_ruleset_field_slot(rs, "NoSuchField", SIGMA_NUL_TERMINATED, &slot),
                 SIGMA_E_NOT_FOUND);
    CHECK_EQ_INT(sigma_ruleset_field_slot(rs, "commandline", SIGMA_NUL_TERMINATED, &slot),
                 SIGMA_E_NOT_FOUND);
    CHECK_EQ_INT(sigma_ruleset_field_slot(rs, "CommandLineX", 11, &slot), SIGMA_OK); /* prefix */
    CHECK_EQ_STR(sigma_ruleset_field_name(rs, slot), "CommandLine");
    CHECK_EQ_INT(sigma_ruleset_field_slot(rs, "", 0, &slot), SIGMA_E_NOT_FOUND);
    CHECK_EQ_INT(sigma_ruleset_field_slot(NULL, "Image", SIGMA_NUL_TERMINATED, &slot),
                 SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_ruleset_field_slot(rs, "Image", SIGMA_NUL_TERMINATED, NULL),
                 SIGMA_E_INVALID_ARG);

    /* Bad slots and arguments. */
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, rs, n, "x", 1, 0), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, rs, UINT32_MAX, "x", 1, 0), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_int_slot(ev, rs, n, 1), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_int_slot(ev, rs, UINT32_MAX, 1), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, NULL, 0, "x", 1, 0), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_int_slot(ev, NULL, 0, 1), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_str_slot(NULL, rs, 0, "x", 1, 0), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_int_slot(NULL, rs, 0, 1), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, rs, 0, NULL, 1, 0), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, rs, 0, "x", 1, 0x80), SIGMA_E_INVALID_ARG);

    /* Adding by slot gives the verdicts of adding by name, index on and off. */
    sigma_scratch *s = NULL;
    sigma_event *by_name = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&by_name), SIGMA_OK);
    for (size_t i = 0; i < N_OP_EVENTS; i++) {
        fill_event(by_name, &op_events[i], NULL);
        fill_event(ev, &op_events[i], rs);
        hitset a = match_set(rs, s, by_name, 0);
        hitset b = match_set(rs, s, ev, 0);
        hitset c = match_set(rs, s, ev, SIGMA_MATCH_NO_INDEX);
        char x[512], y[512];
        hitset_print(rs, a, x, sizeof x);
        hitset_print(rs, b, y, sizeof y);
        CHECK_MSG(hitset_eq(a, b), "event %zu: by name [%s], by slot [%s]", i, x, y);
        CHECK(hitset_eq(b, c));
        check_event(rs, s, ev, i, "by slot");
    }

    /* Mixing: one value by slot, one by name, on the same field (multi-valued). */
    uint32_t cl;
    CHECK_EQ_INT(sigma_ruleset_field_slot(rs, "CommandLine", SIGMA_NUL_TERMINATED, &cl), SIGMA_OK);
    sigma_event_clear(ev);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, rs, cl, "benign", SIGMA_NUL_TERMINATED, 0), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_str(ev, "CommandLine", SIGMA_NUL_TERMINATED, "MIMIKATZ",
                                     SIGMA_NUL_TERMINATED, 0),
                 SIGMA_OK);
    CHECK(hitset_eq(match_set(rs, s, ev, 0), expected_set(rs, "contains")));
    sigma_event_clear(ev);
    CHECK_EQ_INT(sigma_event_add_str(ev, "CommandLine", SIGMA_NUL_TERMINATED, "benign",
                                     SIGMA_NUL_TERMINATED, 0),
                 SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, rs, cl, "x mimikatz", SIGMA_NUL_TERMINATED,
                                          SIGMA_VALUE_BORROW),
                 SIGMA_OK);
    CHECK(hitset_eq(match_set(rs, s, ev, 0), expected_set(rs, "contains")));
    /* An explicit length cuts the value. */
    sigma_event_clear(ev);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, rs, cl, "mimikatz", 4, 0), SIGMA_OK);
    CHECK(hitset_eq(match_set(rs, s, ev, 0), expected_set(rs, "")));

    /* An event built with the slots of one ruleset matches another ruleset (whose
     * slots differ) by the field names. */
    static const rule_src other[] = {
        {"o_first", WIN_PC, "    sel: {Zeta: 'z', Alpha|contains: 'q'}\n    condition: sel\n"},
        {"o_cmd", WIN_PC, "    sel: {CommandLine|contains: 'mimikatz'}\n    condition: sel\n"},
        {"o_num", WIN_PC, "    sel: {EventID: 4688}\n    condition: sel\n"},
    };
    sigma_ruleset *rs2 = build_rules(other, 3);
    if (rs2) {
        sigma_scratch *s2 = NULL;
        CHECK_EQ_INT(sigma_scratch_reserve(rs2, &s2), SIGMA_OK);
        uint32_t c1 = 0, c2 = 0, e1 = 0, e2 = 0;
        sigma_ruleset_field_slot(rs, "CommandLine", SIGMA_NUL_TERMINATED, &c1);
        sigma_ruleset_field_slot(rs2, "CommandLine", SIGMA_NUL_TERMINATED, &c2);
        sigma_ruleset_field_slot(rs, "EventID", SIGMA_NUL_TERMINATED, &e1);
        sigma_ruleset_field_slot(rs2, "EventID", SIGMA_NUL_TERMINATED, &e2);
        CHECK(c1 != c2 || e1 != e2);
        sigma_event_clear(ev);
        sigma_event_add_str_slot(ev, rs, c1, "Mimikatz.exe", SIGMA_NUL_TERMINATED, 0);
        sigma_event_add_int_slot(ev, rs, e1, 4688);
        CHECK(hitset_eq(match_set(rs2, s2, ev, 0), expected_set(rs2, "o_cmd o_num")));
        CHECK(hitset_eq(match_set(rs2, s2, ev, SIGMA_MATCH_NO_INDEX),
                        expected_set(rs2, "o_cmd o_num")));
        CHECK(hitset_eq(match_set(rs, s, ev, 0), expected_set(rs, "contains number")));
        /* A scratch reserved only for rs2 is refused for rs. */
        CHECK_EQ_INT(sigma_match(rs, s2, ev, 0, NULL, NULL), SIGMA_E_SCRATCH);
        /* Reserved for both, it serves both. */
        CHECK_EQ_INT(sigma_scratch_reserve(rs, &s2), SIGMA_OK);
        CHECK(hitset_eq(match_set(rs, s2, ev, 0), expected_set(rs, "contains number")));
        CHECK(hitset_eq(match_set(rs2, s2, ev, 0), expected_set(rs2, "o_cmd o_num")));
        /* Fields added by the slots of two rulesets (each slot names its own
         * ruleset's field): both rulesets still see every field by its name. */
        sigma_event_clear(ev);
        sigma_event_add_str_slot(ev, rs, c1, "Mimikatz.exe", SIGMA_NUL_TERMINATED, 0);
        sigma_event_add_int_slot(ev, rs2, e2, 4688);
        CHECK(hitset_eq(match_set(rs, s2, ev, 0), expected_set(rs, "contains number")));
        CHECK(hitset_eq(match_set(rs2, s2, ev, 0), expected_set(rs2, "o_cmd o_num")));
        sigma_scratch_free(s2);
        sigma_ruleset_unref(rs2);
    }

    sigma_event_free(by_name);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* ------------------------------------------------------------------ stats */

/* The first version of the struct: only `size` and `events`. */
typedef struct stats_v0 {
    size_t size;
    uint64_t events;
} stats_v0;

/* A later, larger version: the library must fill what it knows, leave the rest. */
typedef struct stats_future {
    sigma_scratch_stats base;
    uint64_t more;
} stats_future;

static void test_stats(void)
{
    sigma_ruleset *rs = build_rules(op_rules, N_OP_RULES);
    if (!rs)
        return;
    const uint32_t nrules = sigma_ruleset_rule_count(rs);
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);

    sigma_scratch_stats st;
    memset(&st, 0xab, sizeof st);
    st.size = sizeof st;
    CHECK_EQ_INT(sigma_scratch_get_stats(s, &st), SIGMA_OK);
    CHECK_EQ_INT(st.events, 0);
    CHECK_EQ_INT(st.candidates, 0);
    CHECK_EQ_INT(st.hits, 0);

    /* Indexed: candidates <= rules per event, hits summed. */
    uint64_t hits = 0;
    for (size_t i = 0; i < N_OP_EVENTS; i++) {
        fill_event(ev, &op_events[i], NULL);
        CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
        hits += sigma_scratch_hit_count(s);
    }
    CHECK_EQ_INT(sigma_scratch_get_stats(s, &st), SIGMA_OK);
    CHECK_EQ_INT(st.events, N_OP_EVENTS);
    CHECK(st.candidates <= (uint64_t)N_OP_EVENTS * nrules);
    CHECK(st.candidates >= st.hits);
    CHECK_EQ_INT(st.hits, hits);
    CHECK(hits >= N_OP_EVENTS / 2);
    /* The index prunes: far fewer candidates than rules. */
    CHECK_MSG(st.candidates * 2 < (uint64_t)N_OP_EVENTS * nrules,
              "%llu candidates for %zu events x %u rules", (unsigned long long)st.candidates,
              (size_t)N_OP_EVENTS, nrules);

    /* An event with no field any rule looks at: only always-evaluated rules. */
    sigma_scratch *s1 = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s1), SIGMA_OK);
    sigma_event_clear(ev);
    sigma_event_add_str(ev, "Unrelated", SIGMA_NUL_TERMINATED, "abc", SIGMA_NUL_TERMINATED, 0);
    CHECK_EQ_INT(sigma_match(rs, s1, ev, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, &st), SIGMA_OK);
    CHECK_EQ_INT(st.events, 1);
    CHECK(st.candidates < nrules / 2);
    CHECK_EQ_INT(st.hits, 0);

    /* Without the index every rule is a candidate. */
    CHECK_EQ_INT(sigma_match(rs, s1, ev, SIGMA_MATCH_NO_INDEX, NULL, NULL), SIGMA_OK);
    sigma_scratch_stats st2 = {.size = sizeof st2};
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, &st2), SIGMA_OK);
    CHECK_EQ_INT(st2.events, 2);
    CHECK_EQ_INT(st2.candidates - st.candidates, nrules);

    /* The many-hits event: hits are counted per call. */
    fill_event(ev, &op_events[N_OP_EVENTS - 3], NULL);
    CHECK_EQ_INT(sigma_match(rs, s1, ev, 0, NULL, NULL), SIGMA_OK);
    uint32_t nh = sigma_scratch_hit_count(s1);
    CHECK_EQ_INT(nh, 6);
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, &st), SIGMA_OK);
    CHECK_EQ_INT(st.events, 3);
    CHECK_EQ_INT(st.hits, nh);

    /* Size prefix: a v0 struct gets `events` only; anything smaller is refused. */
    stats_v0 v0;
    memset(&v0, 0xcd, sizeof v0);
    v0.size = sizeof v0;
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, (sigma_scratch_stats *)(void *)&v0), SIGMA_OK);
    CHECK_EQ_INT(v0.events, st.events);

    unsigned char raw[sizeof(sigma_scratch_stats) + 16];
    memset(raw, 0xee, sizeof raw);
    sigma_scratch_stats *p = (sigma_scratch_stats *)(void *)raw;
    p->size = offsetof(sigma_scratch_stats, candidates) + sizeof(uint64_t);
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, p), SIGMA_OK);
    CHECK_EQ_INT(p->events, st.events);
    CHECK_EQ_INT(p->candidates, st.candidates);
    for (size_t k = offsetof(sigma_scratch_stats, hits); k < sizeof raw; k++)
        CHECK_MSG(raw[k] == 0xee, "byte %zu past `size` was written", k);

    sigma_scratch_stats small;
    memset(&small, 0, sizeof small);
    small.size = sizeof(size_t);
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, &small), SIGMA_E_SIZE);
    small.size = 0;
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, &small), SIGMA_E_SIZE);
    small.size = offsetof(sigma_scratch_stats, events) + sizeof(uint64_t) - 1;
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, &small), SIGMA_E_SIZE);

    stats_future fut;
    memset(&fut, 0, sizeof fut);
    fut.base.size = sizeof fut;
    fut.more = 0x1234;
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, &fut.base), SIGMA_OK);
    CHECK_EQ_INT(fut.base.events, st.events);
    CHECK_EQ_INT(fut.base.candidates, st.candidates);
    CHECK_EQ_INT(fut.base.hits, st.hits);
    CHECK_EQ_INT(fut.more, 0x1234);

    CHECK_EQ_INT(sigma_scratch_get_stats(NULL, &st), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_scratch_get_stats(s1, NULL), SIGMA_E_INVALID_ARG);

    sigma_scratch_free(s1);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* ------------------------------------------------------------------ flags */

static int stop_cb(const sigma_hit *hit, void *user)
{
    (void)hit;
    (*(int *)user)++;
    return 1;
}

static void test_flags(void)
{
    sigma_ruleset *rs = build_rules(op_rules, N_OP_RULES);
    if (!rs)
        return;
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    fill_event(ev, &op_events[0], NULL);
    static const uint32_t bad[] = {
        1u << 8, 1u << 16, 1u << 31, SIGMA_MATCH_NO_INDEX | (1u << 12), 0xffffff00u, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(sigma_match(rs, s, ev, bad[i], NULL, NULL) == SIGMA_E_INVALID_ARG,
                  "flags 0x%x accepted", (unsigned)bad[i]);
    sigma_scratch_stats st = {.size = sizeof st};
    CHECK_EQ_INT(sigma_scratch_get_stats(s, &st), SIGMA_OK);
    CHECK_EQ_INT(st.events, 0); /* refused calls are not counted */
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);
    CHECK_EQ_INT(sigma_match(rs, s, ev, SIGMA_MATCH_NO_INDEX, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);
    /* Without a mapping, strict logsource changes nothing. */
    CHECK_EQ_INT(sigma_match(rs, s, ev, SIGMA_MATCH_STRICT_LOGSOURCE, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);
    CHECK_EQ_INT(
        sigma_match(rs, s, ev, SIGMA_MATCH_STRICT_LOGSOURCE | SIGMA_MATCH_NO_INDEX, NULL, NULL),
        SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 1);

    /* Stopping from the callback, with and without the index. */
    fill_event(ev, &op_events[N_OP_EVENTS - 3], NULL);
    for (int mode = 0; mode < 2; mode++) {
        int calls = 0;
        CHECK_EQ_INT(sigma_match(rs, s, ev, mode ? SIGMA_MATCH_NO_INDEX : 0, stop_cb, &calls),
                     SIGMA_E_TERMINATED);
        CHECK_EQ_INT(calls, 1);
    }
    CHECK_EQ_INT(sigma_match(NULL, s, ev, 0, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_match(rs, NULL, ev, 0, NULL, NULL), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_match(rs, s, NULL, 0, NULL, NULL), SIGMA_E_INVALID_ARG);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* ------------------------------------------------- verified literals */

static const rule_src verify_rules[] = {
    {"hash", WIN_PC,
     "    sel: {Hashes|contains: 'MD5=C996D7971C49252C582171D9380360F2'}\n    condition: sel\n"},
    {"seven", WIN_PC, "    sel: {Image|endswith: 'wscript'}\n    condition: sel\n"},
    {"four", WIN_PC, "    sel: {Image|endswith: '.hta'}\n    condition: sel\n"},
    {"kw", WIN_PC, "    keywords: ['Invoke-Shellcode-Now']\n    condition: keywords\n"},
    {"list", WIN_PC,
     "    sel:\n        Target|contains:\n            - 'alpha-bravo-charlie'\n"
     "            - 'delta-echo-foxtrot'\n    condition: sel\n"},
};

/* Every window of `lit` (any gram the index may have picked) but not `lit`
 * itself: two values pre+lit+post, one with lit's first byte changed, one with
 * its last. */
static void add_windows(sigma_event *ev, const char *field, const char *pre, const char *lit,
                        const char *post)
{
    const size_t np = strlen(pre), nl = strlen(lit);
    for (int k = 0; k < 2; k++) {
        char v[256];
        snprintf(v, sizeof v, "%s%s%s", pre, lit, post);
        char *c = v + np + (k ? nl - 1 : 0);
        *c = *c == '#' ? '%' : '#';
        CHECK_EQ_INT(
            sigma_event_add_str(ev, field, SIGMA_NUL_TERMINATED, v, SIGMA_NUL_TERMINATED, 0),
            SIGMA_OK);
    }
}

static uint64_t candidates_of(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev,
                              uint32_t *hits)
{
    sigma_scratch_stats before = {.size = sizeof before}, after = {.size = sizeof after};
    CHECK_EQ_INT(sigma_scratch_get_stats(s, &before), SIGMA_OK);
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_get_stats(s, &after), SIGMA_OK);
    *hits = sigma_scratch_hit_count(s);
    /* The index never changes a verdict. */
    CHECK_EQ_INT(sigma_match(rs, s, ev, SIGMA_MATCH_NO_INDEX, NULL, NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), *hits);
    return after.candidates - before.candidates;
}

/* candidates_of an event holding one string value, field = value (ev is cleared). */
static uint64_t candidates_with(const sigma_ruleset *rs, sigma_scratch *s, sigma_event *ev,
                                const char *field, const char *value, uint32_t *hits)
{
    sigma_event_clear(ev);
    CHECK_EQ_INT(
        sigma_event_add_str(ev, field, SIGMA_NUL_TERMINATED, value, SIGMA_NUL_TERMINATED, 0),
        SIGMA_OK);
    return candidates_of(rs, s, ev, hits);
}

static void test_verified_literals(void)
{
    const size_t n = sizeof verify_rules / sizeof verify_rules[0];
    sigma_ruleset *rs = build_rules(verify_rules, n);
    if (!rs)
        return;
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    static const struct {
        const char *field, *pre, *lit, *post; /* lit as in the event (case differs) */
    } cases[] = {
        {"Hashes", "SHA1=00,", "md5=c996d7971c49252c582171d9380360f2", ",IMPHASH=00"},
        {"Image", "C:\\Windows\\", "WSCRIPT", ""},
        {"Image", "x", ".HTA", ""},
        {"Message", "run ", "invoke-shellcode-now", " please"},
        {"Target", "x ", "delta-echo-foxtrot", " y"},
    };
    uint32_t hits = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* Whole literal present: the rule is a candidate and matches. */
        char v[256];
        snprintf(v, sizeof v, "%s%s%s", cases[i].pre, cases[i].lit, cases[i].post);
        sigma_event_clear(ev);
        CHECK_EQ_INT(sigma_event_add_str(ev, cases[i].field, SIGMA_NUL_TERMINATED, v,
                                         SIGMA_NUL_TERMINATED, 0),
                     SIGMA_OK);
        CHECK_EQ_INT(candidates_of(rs, s, ev, &hits), 1);
        CHECK_MSG(hits == 1, "case %zu: %u hits", i, hits);
        /* Every gram present, the literal nowhere: no candidate at all. */
        sigma_event_clear(ev);
        add_windows(ev, cases[i].field, cases[i].pre, cases[i].lit, cases[i].post);
        uint64_t cand = candidates_of(rs, s, ev, &hits);
        CHECK_MSG(cand == 0 && hits == 0, "case %zu: %llu candidates, %u hits", i,
                  (unsigned long long)cand, hits);
    }
    /* The literal split across two values of a field is not an occurrence. */
    sigma_event_clear(ev);
    sigma_event_add_str(ev, "Target", SIGMA_NUL_TERMINATED, "delta-echo", SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev, "Target", SIGMA_NUL_TERMINATED, "-foxtrot", SIGMA_NUL_TERMINATED, 0);
    CHECK_EQ_INT(candidates_of(rs, s, ev, &hits), 0);
    CHECK_EQ_INT(hits, 0);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* ------------------------------------------------------ presence gating */

static const rule_src presence_rules[] = {
    /* Needs Image present (null filter): gated by the presence of Image. */
    {"not_exe", WIN_PC,
     "    sel: {Image|endswith: '.exe'}\n    nul: {Image: null}\n"
     "    condition: not sel and not nul\n"},
    /* Fieldref over two fields: gated by either. */
    {"same", WIN_PC, "    sel: {User|fieldref: Owner}\n    condition: sel\n"},
    /* Matches an event without Image: always evaluated. */
    {"no_tmp", WIN_PC, "    sel: {Image|endswith: '.tmp'}\n    condition: not sel\n"},
    /* Matches an event without SourceIp and has no literal: always a candidate,
     * but evaluated only when SourceIp is present (its presence marks a gate). */
    {"public_src", WIN_PC, "    sel: {SourceIp|cidr: '10.0.0.0/8'}\n    condition: not sel\n"},
};

static void test_presence(void)
{
    const size_t n = sizeof presence_rules / sizeof presence_rules[0];
    sigma_ruleset *rs = build_rules(presence_rules, n);
    if (!rs)
        return;
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    uint32_t hits = 0;
    /* None of the fields: only the always-evaluated rules, which match. */
    sigma_event_add_str(ev, "Other", SIGMA_NUL_TERMINATED, "x.exe", SIGMA_NUL_TERMINATED, 0);
    CHECK_EQ_INT(candidates_of(rs, s, ev, &hits), 2);
    CHECK_EQ_INT(hits, 2);
    /* Image present: not_exe is a candidate (and matches a .dll). */
    CHECK_EQ_INT(candidates_with(rs, s, ev, "Image", "C:\\x.dll", &hits), 3);
    CHECK_EQ_INT(hits, 3);
    /* Image present but empty (no values): still present, a candidate. */
    sigma_event_clear(ev);
    sigma_event_add_empty(ev, "Image", SIGMA_NUL_TERMINATED);
    CHECK_EQ_INT(candidates_of(rs, s, ev, &hits), 3);
    /* SourceIp present: public_src is evaluated and does not match a private
     * address; absent (every case above), it holds without being evaluated. */
    CHECK_EQ_INT(candidates_with(rs, s, ev, "SourceIp", "10.1.2.3", &hits), 2);
    CHECK_EQ_INT(hits, 1);
    CHECK_EQ_INT(sigma_scratch_hit_rule(s, 0), rule_by_title(rs, "no_tmp", 6));
    CHECK_EQ_INT(candidates_with(rs, s, ev, "SourceIp", "8.8.8.8", &hits), 2);
    CHECK_EQ_INT(hits, 2);
    /* The referenced field alone makes the fieldref rule a candidate. */
    CHECK_EQ_INT(candidates_with(rs, s, ev, "Owner", "bob", &hits), 3);
    CHECK_EQ_INT(hits, 2);
    sigma_event_add_str(ev, "User", SIGMA_NUL_TERMINATED, "BOB", SIGMA_NUL_TERMINATED, 0);
    CHECK_EQ_INT(candidates_of(rs, s, ev, &hits), 3);
    CHECK_EQ_INT(hits, 3);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* ------------------------------------------------------- literal choice */

/* Three rules test "EventID: 5145" (one interned predicate, one literal) and
 * each also a name of its own. The literal that many rules rest on is the one
 * common in events: each rule is indexed under its own name, so an event of
 * that id with another name makes no rule a candidate. */
static const rule_src share_rules[] = {
    {"share_a", WIN_PC,
     "    sel: {EventID: 5145, RelativeTargetName: 'atsvc'}\n    condition: sel\n"},
    {"share_b", WIN_PC,
     "    sel: {EventID: 5145, RelativeTargetName: 'svcctl'}\n    condition: sel\n"},
    {"share_c", WIN_PC,
     "    sel: {EventID: 5145, RelativeTargetName: 'spoolss'}\n    condition: sel\n"},
};

static void test_literal_choice(void)
{
    const size_t n = sizeof share_rules / sizeof share_rules[0];
    sigma_ruleset *rs = build_rules(share_rules, n);
    if (!rs)
        return;
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    uint32_t hits = 0;
    sigma_event_add_int(ev, "EventID", SIGMA_NUL_TERMINATED, 5145);
    sigma_event_add_str(ev, "RelativeTargetName", SIGMA_NUL_TERMINATED, "lsarpc",
                        SIGMA_NUL_TERMINATED, 0);
    CHECK_EQ_INT(candidates_of(rs, s, ev, &hits), 0);
    CHECK_EQ_INT(hits, 0);
    sigma_event_clear(ev);
    sigma_event_add_int(ev, "EventID", SIGMA_NUL_TERMINATED, 5145);
    sigma_event_add_str(ev, "RelativeTargetName", SIGMA_NUL_TERMINATED, "SVCCTL",
                        SIGMA_NUL_TERMINATED, 0);
    CHECK_EQ_INT(candidates_of(rs, s, ev, &hits), 1);
    CHECK_EQ_INT(hits, 1);
    CHECK_EQ_INT(sigma_scratch_hit_rule(s, 0), rule_by_title(rs, "share_b", 7));
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* ------------------------------------------------------------ name memo */

/* Field names 44 (the longest a scratch remembers), 45 and 60 bytes long. */
#define NAME44 "Field_with_a_name_of_exactly_forty_four_byte"
#define NAME45 "Field_with_a_name_of_exactly_forty_five_bytes"
#define NAME60 "Field_with_a_name_much_longer_than_the_memo_keeps_in_an_entr"

static const rule_src memo_rules_a[] = {
    {"a_img", WIN_PC, "    sel: {Image|endswith: '.exe'}\n    condition: sel\n"},
    {"a_44", WIN_PC, "    sel: {" NAME44 ": 'v44'}\n    condition: sel\n"},
    {"a_45", WIN_PC, "    sel: {" NAME45 ": 'v45'}\n    condition: sel\n"},
    {"a_60", WIN_PC, "    sel: {" NAME60 ": 'v60'}\n    condition: sel\n"},
};

/* Another dictionary: Image has another slot here. */
static const rule_src memo_rules_b[] = {
    {"b_cmd", WIN_PC, "    sel: {CommandLine|contains: 'evil'}\n    condition: sel\n"},
    {"b_img", WIN_PC, "    sel: {Image|endswith: '.dll'}\n    condition: sel\n"},
};

static void add_s(sigma_event *ev, const char *name, const char *value)
{
    CHECK_EQ_INT(
        sigma_event_add_str(ev, name, SIGMA_NUL_TERMINATED, value, SIGMA_NUL_TERMINATED, 0),
        SIGMA_OK);
}

/* ------------------------------------------------------- rendered scalars */

/* Numbers and booleans are scanned as text only for the slots with a key their
 * rendering could contain (integers: digits and '-'; floats and booleans also
 * "+.e", inf, nan, true, false). Each rule below is the only one on its field,
 * so its literal alone decides whether that field's scalars are scanned; the
 * keyword slot's integer scan rests on '-7' alone. Every character of each
 * alphabet that the literals use must be in it, or the rule is never a
 * candidate. */
static const rule_src rendered_rules[] = {
    {"int_minus", WIN_PC, "    sel: {F1|contains: '-4'}\n    condition: sel\n"},
    {"float_exp", WIN_PC, "    sel: {F2|contains: 'e+20'}\n    condition: sel\n"},
    {"bool_rue", WIN_PC, "    sel: {F3|contains: 'rue'}\n    condition: sel\n"},
    {"float_nan", WIN_PC, "    sel: {F4|contains: 'nan'}\n    condition: sel\n"},
    {"float_dot", WIN_PC, "    sel: {F5|endswith: '.25'}\n    condition: sel\n"},
    {"bool_false", WIN_PC, "    sel: {F6|startswith: 'fals'}\n    condition: sel\n"},
    {"kw_minus", WIN_PC, "    keywords: ['-7']\n    condition: keywords\n"},
    {"float_inf", WIN_PC, "    sel: {F7|endswith: '-inf'}\n    condition: sel\n"},
    {"kw_word", WIN_PC, "    keywords: ['aaa']\n    condition: keywords\n"},
};

static const ev_spec rendered_events[] = {
    {"int_minus", {I("F1", -42)}},
    {"", {I("F1", 42)}},
    {"float_exp", {F("F2", 1e20)}},
    {"", {F("F2", 1e21)}},
    {"bool_rue", {B("F3", 1)}},
    {"", {B("F3", 0)}},
    {"float_nan", {F("F4", NAN)}},
    {"float_dot", {F("F5", -3.25)}},
    {"bool_false", {B("F6", 0)}},
    {"kw_minus", {I("Other", -78)}},
    {"", {I("Other", 17)}},
    {"kw_minus", {I("F1", 7), I("Pid", -7)}},
    {"float_inf", {F("F7", -INFINITY)}},
    {"", {F("F7", INFINITY)}},
    {"kw_word", {S("Name", "xAAAx"), I("Pid", 5)}},
    {"", {I("Pid", 5), B("On", 1), F("X", 2.5)}},
};

static void test_rendered_scalars(void)
{
    sigma_ruleset *rs =
        build_rules(rendered_rules, sizeof rendered_rules / sizeof rendered_rules[0]);
    if (!rs)
        return;
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    /* every rule is indexed (none is evaluated for an unrelated event) */
    uint32_t hits = 0;
    CHECK_EQ_INT(candidates_with(rs, s, ev, "Unrelated", "zzz", &hits), 0);
    for (size_t i = 0; s && ev && i < sizeof rendered_events / sizeof rendered_events[0]; i++) {
        fill_event(ev, &rendered_events[i], NULL);
        const hitset want = expected_set(rs, rendered_events[i].expect);
        char a[512], b[512];
        hitset got = match_set(rs, s, ev, 0);
        hitset_print(rs, got, a, sizeof a);
        hitset_print(rs, want, b, sizeof b);
        CHECK_MSG(hitset_eq(got, want), "event %zu: hits [%s], expected [%s]", i, a, b);
        CHECK(hitset_eq(match_set(rs, s, ev, SIGMA_MATCH_NO_INDEX), want));
    }
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
}

/* The scratch remembers event field name -> ruleset slot (one entry per hashed
 * name, names up to 44 bytes, per field dictionary): verdicts must not change when
 * one scratch serves two rulesets in turn, when names collide in the memo, or when
 * they are too long for it. */
static void test_name_memo(void)
{
    sigma_ruleset *a = build_rules(memo_rules_a, sizeof memo_rules_a / sizeof memo_rules_a[0]);
    sigma_ruleset *b = build_rules(memo_rules_b, sizeof memo_rules_b / sizeof memo_rules_b[0]);
    if (!a || !b) {
        sigma_ruleset_unref(a);
        sigma_ruleset_unref(b);
        return;
    }
    uint32_t slot_a = UINT32_MAX, slot_b = UINT32_MAX;
    CHECK_EQ_INT(sigma_ruleset_field_slot(a, "Image", 5, &slot_a), SIGMA_OK);
    CHECK_EQ_INT(sigma_ruleset_field_slot(b, "Image", 5, &slot_b), SIGMA_OK);
    CHECK(slot_a != slot_b); /* the test needs Image at different slots */
    sigma_scratch *s = NULL;
    sigma_event *exe = NULL, *dll = NULL, *names = NULL, *many = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(a, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(b, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&exe), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&dll), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&names), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&many), SIGMA_OK);
    if (!s || !exe || !dll || !names || !many)
        goto out;
    add_s(exe, "Image", "C:\\x\\tool.exe");
    add_s(exe, "CommandLine", "tool evil");
    add_s(dll, "Image", "C:\\x\\lib.dll");
    add_s(names, NAME44, "v44");
    add_s(names, NAME45, "v45");
    add_s(names, NAME60, "v60");
    /* 3,000 names: more than the memo's entries, so many share one */
    for (int i = 0; i < 3000; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        add_s(many, name, "C:\\x\\filler.exe");
    }
    add_s(many, "Image", "C:\\x\\lib.dll");
    add_s(many, "CommandLine", "quiet");
    for (int round = 0; round < 3; round++) {
        /* one scratch, the two rulesets in turn: each round sees a stale memo */
        CHECK(hitset_eq(match_set(a, s, exe, 0), expected_set(a, "a_img")));
        CHECK(hitset_eq(match_set(b, s, exe, 0), expected_set(b, "b_cmd")));
        CHECK(hitset_eq(match_set(a, s, dll, 0), expected_set(a, "")));
        CHECK(hitset_eq(match_set(b, s, dll, 0), expected_set(b, "b_img")));
        CHECK(hitset_eq(match_set(a, s, names, 0), expected_set(a, "a_44 a_45 a_60")));
        CHECK(hitset_eq(match_set(b, s, names, 0), expected_set(b, "")));
        CHECK(hitset_eq(match_set(b, s, many, 0), expected_set(b, "b_img")));
        CHECK(hitset_eq(match_set(a, s, many, 0), expected_set(a, "")));
        CHECK(hitset_eq(match_set(a, s, many, 0), match_set(a, s, many, SIGMA_MATCH_NO_INDEX)));
    }
    /* a ruleset with the same dictionary as a (a copy): the memo stays valid */
    sigma_ruleset *a2 = build_rules(memo_rules_a, sizeof memo_rules_a / sizeof memo_rules_a[0]);
    if (a2) {
        CHECK_EQ_INT(sigma_scratch_reserve(a2, &s), SIGMA_OK);
        CHECK(hitset_eq(match_set(a, s, exe, 0), expected_set(a, "a_img")));
        CHECK(hitset_eq(match_set(a2, s, exe, 0), expected_set(a2, "a_img")));
        CHECK(hitset_eq(match_set(a2, s, names, 0), expected_set(a2, "a_44 a_45 a_60")));
        CHECK(hitset_eq(match_set(b, s, exe, 0), expected_set(b, "b_cmd")));
        CHECK(hitset_eq(match_set(a2, s, dll, 0), expected_set(a2, "")));
        sigma_ruleset_unref(a2);
    }
out:
    sigma_event_free(exe);
    sigma_event_free(dll);
    sigma_event_free(names);
    sigma_event_free(many);
    sigma_scratch_free(s);
    sigma_ruleset_unref(a);
    sigma_ruleset_unref(b);
}

int main(void)
{
    test_index_equivalence();
    test_name_memo();
    test_logsource();
    test_field_slots();
    test_stats();
    test_flags();
    test_verified_literals();
    test_presence();
    test_literal_choice();
    test_rendered_scalars();
    return TEST_DONE();
}
