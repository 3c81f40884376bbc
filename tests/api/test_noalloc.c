/* No heap allocation on the hot path: once a scratch and an event have warmed up,
 * sigma_match allocates nothing, and neither does rebuilding the event
 * (sigma_event_clear + adds of the same shape, and sigma_event_bind for half of
 * the events built by name). Checked on a ruleset without and
 * with the built-in logsource mapping (events classified by Channel/EventID), in
 * every match mode (index, SIGMA_MATCH_NO_INDEX, SIGMA_MATCH_STRICT_LOGSOURCE).
 *
 * The test executable defines the malloc family itself (alloc_hook.h),
 * forwarding to glibc's __libc_* entry points and counting the calls made while
 * `counting` is set, also those libsigma.so (and PCRE2) make; a sanity check
 * makes sure they are seen (compiling the rules must show up in the counters).
 *
 * Under AddressSanitizer the sanitizer owns malloc: the test prints SKIPPED and
 * exits 77 (meson: SKIP). It also skips off glibc, which is where __libc_malloc
 * lives. Only <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_hook.h"

#ifdef ALLOC_HOOK_ACTIVE

#include "test.h"

/* --------------------------------------------------------------- the rules */

static const char *const rules[] = {
    "title: proc\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel:\n"
    "        Image|endswith: ['\\powershell.exe', '\\pwsh.exe', '\\cmd.exe']\n"
    "        CommandLine|contains: ['-enc', 'downloadstring', 'iex(']\n"
    "    filter: {ParentImage|startswith: 'C:\\Program Files\\'}\n"
    "    condition: sel and not filter\n",

    "title: regex\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel: {CommandLine|re: 'cmd.{0,5}/c\\s+(echo|whoami)'}\n"
    "    condition: sel\n",

    "title: regex_i\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel: {CommandLine|re|i: 'INVOKE-(MIMIKATZ|EXPRESSION)'}\n"
    "    condition: sel\n",

    "title: regex_always\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel: {User|re: '^[A-Z]+\\\\[a-z]+[0-9]*$'}\n"
    "    condition: sel\n",

    "title: keywords\n"
    "logsource: {product: linux}\n"
    "detection:\n"
    "    keywords: ['Failed password', 'authentication failure', 'session*opened', '31337']\n"
    "    condition: keywords\n",

    "title: network\n"
    "logsource: {product: windows, category: network_connection}\n"
    "detection:\n"
    "    sel:\n"
    "        EventID: 3\n"
    "        DestinationPort: [4444, 31337, 8443]\n"
    "        DestinationIp|cidr: ['10.0.0.0/8', '192.168.0.0/16', 'fe80::/10']\n"
    "    condition: sel\n",

    "title: numbers\n"
    "logsource: {product: windows, service: security}\n"
    "detection:\n"
    "    sel: {EventID: 4625, LogonType|gte: 3, FailureReason|exists: true}\n"
    "    condition: sel\n",

    "title: fieldref\n"
    "logsource: {product: windows, service: security}\n"
    "detection:\n"
    "    sel: {TargetUserName|fieldref: SubjectUserName}\n"
    "    filter: {SubjectUserName|endswith: '$'}\n"
    "    condition: sel and not filter\n",

    "title: encoded\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel:\n"
    "        CommandLine|base64offset|contains: 'http://'\n"
    "    sel2:\n"
    "        CommandLine|windash|contains: ' -nop '\n"
    "    condition: 1 of sel*\n",

    "title: unicode\n"
    "logsource: {product: windows, category: file_event}\n"
    "detection:\n"
    "    sel: {TargetFilename|contains: ['\\Stra\xc3\x9f"
    "e\\', '\\\xce\xa3\xce\xa5\xce\xa3\\']}\n"
    "    condition: sel\n",

    "title: null_neq\n"
    "logsource: {product: windows, category: file_event}\n"
    "detection:\n"
    "    sel: {ParentImage: null, Image|neq: 'C:\\Windows\\explorer.exe', Hashes|contains: "
    "'md5='}\n"
    "    condition: sel\n",

    "title: all_of\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel_a: {CommandLine|contains|all: ['vssadmin', 'delete', 'shadows']}\n"
    "    sel_b: {OriginalFileName: 'VSSADMIN.EXE'}\n"
    "    condition: all of sel_*\n",
};
#define N_RULES (sizeof rules / sizeof rules[0])

/* --------------------------------------------------------- event shapes */

enum { SHAPE_PROC, SHAPE_NET, SHAPE_LINUX, SHAPE_FILE, SHAPE_SEC, N_SHAPES };

/* Builds event shape `shape`, variant `k` (values differ, lengths stay close),
 * by name or, for fields the ruleset knows, by slot. */
static int build(sigma_event *ev, const sigma_ruleset *rs, int shape, unsigned k, int by_slot,
                 int with_logsource)
{
    char a[160], b[160], c[64];
    int rc = SIGMA_OK;
    sigma_event_clear(ev);
#define ADD_S(name, val)                                                                           \
    do {                                                                                           \
        uint32_t slot_;                                                                            \
        int r_ = by_slot && sigma_ruleset_field_slot(rs, name, SIGMA_NUL_TERMINATED, &slot_) ==    \
                                SIGMA_OK                                                           \
                     ? sigma_event_add_str_slot(ev, rs, slot_, val, SIGMA_NUL_TERMINATED, 0)       \
                     : sigma_event_add_str(ev, name, SIGMA_NUL_TERMINATED, val,                    \
                                           SIGMA_NUL_TERMINATED, 0);                               \
        if (r_ != SIGMA_OK)                                                                        \
            rc = r_;                                                                               \
    } while (0)
#define ADD_I(name, val)                                                                           \
    do {                                                                                           \
        uint32_t slot_;                                                                            \
        int r_ = by_slot && sigma_ruleset_field_slot(rs, name, SIGMA_NUL_TERMINATED, &slot_) ==    \
                                SIGMA_OK                                                           \
                     ? sigma_event_add_int_slot(ev, rs, slot_, val)                                \
                     : sigma_event_add_int(ev, name, SIGMA_NUL_TERMINATED, val);                   \
        if (r_ != SIGMA_OK)                                                                        \
            rc = r_;                                                                               \
    } while (0)
    switch (shape) {
    case SHAPE_PROC:
        if (with_logsource)
            rc = sigma_event_set_logsource(ev, "windows", SIGMA_NUL_TERMINATED, "process_creation",
                                           SIGMA_NUL_TERMINATED, NULL, 0);
        ADD_S("Channel", "Microsoft-Windows-Sysmon/Operational");
        ADD_I("EventID", 1);
        snprintf(a, sizeof a, "C:\\Windows\\System32\\%s",
                 k % 2 ? "cmd.exe" : "WindowsPowerShell\\v1.0\\powershell.exe");
        ADD_S("Image", a);
        snprintf(b, sizeof b,
                 k % 3 == 0   ? "powershell -nop -w hidden -enc SQBFAFgAKAAxADIAMwA%03u"
                 : k % 3 == 1 ? "cmd.exe /c whoami & vssadmin delete shadows /all %03u"
                              : "powershell.exe Invoke-Mimikatz; aHR0cDovL2V2aWwuY29t %03u",
                 k % 1000);
        ADD_S("CommandLine", b);
        ADD_S("ParentImage", k % 4 ? "C:\\Windows\\explorer.exe" : "C:\\Program Files\\x.exe");
        snprintf(c, sizeof c, "CONTOSO\\user%03u", k % 1000);
        ADD_S("User", c);
        ADD_S("OriginalFileName", k % 2 ? "Cmd.Exe" : "VSSADMIN.EXE");
        ADD_S("IntegrityLevel", "High");
        ADD_S("Hashes", "MD5=0123456789ABCDEF0123456789ABCDEF,SHA256=00112233445566778899");
        ADD_I("ProcessId", 4000 + (int64_t)(k % 1000));
        ADD_S("NotInAnyRule", "padding value that no rule looks at");
        break;
    case SHAPE_NET:
        if (with_logsource)
            rc = sigma_event_set_logsource(ev, "windows", SIGMA_NUL_TERMINATED,
                                           "network_connection", SIGMA_NUL_TERMINATED, NULL, 0);
        ADD_S("Channel", "Microsoft-Windows-Sysmon/Operational");
        ADD_I("EventID", 3);
        snprintf(a, sizeof a, "%u.%u.%u.%u", k % 2 ? 10u : 172u, k % 250, (k / 7) % 250, k % 200);
        ADD_S("DestinationIp", a);
        ADD_I("DestinationPort", k % 2 ? 4444 : 443);
        ADD_S("SourceIp", "fe80::1ff:fe23:4567:890a");
        ADD_S("Image", "C:\\Users\\bob\\AppData\\Local\\Temp\\beacon.exe");
        ADD_S("Protocol", "tcp");
        break;
    case SHAPE_LINUX:
        if (with_logsource)
            rc = sigma_event_set_logsource(ev, "linux", SIGMA_NUL_TERMINATED, NULL, 0, NULL, 0);
        snprintf(a, sizeof a,
                 k % 2 ? "sshd[%05u]: Failed password for root from 203.0.113.7 port 31337"
                       : "sshd[%05u]: pam_unix(sshd:session): session opened for user bob",
                 k % 100000);
        rc = sigma_event_set_message(ev, a, SIGMA_NUL_TERMINATED, 0) ? -1 : rc;
        ADD_S("host", "web-01");
        ADD_S("program", "sshd");
        ADD_I("pid", 1000 + (int64_t)(k % 1000));
        break;
    case SHAPE_FILE:
        if (with_logsource)
            rc = sigma_event_set_logsource(ev, "windows", SIGMA_NUL_TERMINATED, "file_event",
                                           SIGMA_NUL_TERMINATED, NULL, 0);
        /* non-ASCII values: folding needs its buffer */
        snprintf(a, sizeof a,
                 k % 2
                     ? "C:\\Users\\J\xc3\xb6rg\\STRASSE\\%03u\\\xcf\x83\xcf\x85\xcf\x82\\f.txt"
                     : "C:\\Users\\\xc5\xbf\xc3\x9f\\ODY\xce\xa3\xce\xa3\xce\x95\xce\xa5\xce\xa3\\%"
                       "03u\\f.txt",
                 k % 1000);
        ADD_S("TargetFilename", a);
        ADD_S("Image", "C:\\Windows\\System32\\notepad.exe");
        ADD_S("Hashes", "md5=00,sha1=11");
        if (k % 2)
            rc = sigma_event_add_null(ev, "ParentImage", SIGMA_NUL_TERMINATED) ? -1 : rc;
        else
            rc = sigma_event_add_empty(ev, "ParentImage", SIGMA_NUL_TERMINATED) ? -1 : rc;
        ADD_S("Tags", "a");
        ADD_S("Tags", "b"); /* multi-valued */
        break;
    case SHAPE_SEC:
        if (with_logsource)
            rc = sigma_event_set_logsource(ev, "windows", SIGMA_NUL_TERMINATED, NULL, 0, "security",
                                           SIGMA_NUL_TERMINATED);
        ADD_S("Channel", "Security");
        ADD_I("EventID", k % 2 ? 4625 : 4688);
        ADD_S("NewProcessName", "C:\\Windows\\System32\\cmd.exe");
        ADD_S("CommandLine", "cmd.exe /c echo vssadmin delete shadows");
        ADD_S("LogonType", k % 3 ? "3" : "10");
        ADD_S("FailureReason", "%%2313");
        snprintf(a, sizeof a, "user%03u", k % 1000);
        ADD_S("TargetUserName", a);
        ADD_S("SubjectUserName", k % 2 ? a : "DC01$");
        rc = sigma_event_add_float(ev, "Score", SIGMA_NUL_TERMINATED, 0.5 + k) ? -1 : rc;
        rc = sigma_event_add_bool(ev, "Elevated", SIGMA_NUL_TERMINATED, (int)(k & 1)) ? -1 : rc;
        break;
    }
#undef ADD_S
#undef ADD_I
    /* half of the events built by name are bound to the ruleset (sigma_event_bind
     * keeps its per-field copy once warmed up) */
    if (!by_slot && (k & 2) && rc == SIGMA_OK)
        rc = sigma_event_bind(ev, rs);
    return rc;
}

static int hit_cb(const sigma_hit *hit, void *user)
{
    (void)hit;
    (*(unsigned long *)user)++;
    return 0;
}

/* Compiles the rules (with the built-in logsource mapping when `mapped`). */
static sigma_ruleset *compile(int mapped)
{
    /* The allocator must be seen, or the interposition does not work. */
    unsigned long before = n_alloc_total;
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    if (mapped)
        CHECK_EQ_INT(sigma_builder_add_default_mapping(b), SIGMA_OK);
    for (size_t i = 0; i < N_RULES; i++) {
        uint32_t added = 0;
        int rc = sigma_builder_add_yaml(b, "noalloc.yml", SIGMA_NUL_TERMINATED, rules[i],
                                        SIGMA_NUL_TERMINATED, &added);
        CHECK_MSG(rc == SIGMA_OK && added == 1, "rule %zu did not load", i);
    }
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    sigma_builder_free(b);
    CHECK_MSG(n_alloc_total - before > 10,
              "libsigma's allocations are not seen: malloc interposition failed");
    if (rs)
        CHECK_EQ_INT(sigma_ruleset_rule_count(rs), N_RULES);
    return rs;
}

/* Warms a scratch and events up on rs, then counts the allocations of N matches
 * of prebuilt events and of N rebuilds + matches. */
static void check_ruleset(const sigma_ruleset *rs, const char *what)
{
    sigma_scratch *s = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    sigma_event *ev[2 * N_SHAPES];
    for (int i = 0; i < 2 * N_SHAPES; i++)
        CHECK_EQ_INT(sigma_event_new(&ev[i]), SIGMA_OK);

    /* Warm up: every shape, several variants, both event builders (by name in
     * ev[shape], by slot in ev[N_SHAPES + shape]), with and without an explicit
     * logsource, every match mode. */
    unsigned long hits_warm = 0;
    for (unsigned k = 0; k < 12; k++)
        for (int sh = 0; sh < N_SHAPES; sh++)
            for (int slot = 0; slot < 2; slot++) {
                sigma_event *e = ev[slot * N_SHAPES + sh];
                CHECK_EQ_INT(build(e, rs, sh, k, slot, (int)(k & 1)), SIGMA_OK);
                CHECK_EQ_INT(sigma_match(rs, s, e, 0, NULL, NULL), SIGMA_OK);
                hits_warm += sigma_scratch_hit_count(s);
                CHECK_EQ_INT(sigma_match(rs, s, e, SIGMA_MATCH_NO_INDEX, NULL, NULL), SIGMA_OK);
                CHECK_EQ_INT(sigma_match(rs, s, e, SIGMA_MATCH_STRICT_LOGSOURCE, NULL, NULL),
                             SIGMA_OK);
                CHECK_EQ_INT(sigma_match(rs, s, e, 0, hit_cb, &hits_warm), SIGMA_OK);
            }
    CHECK_MSG(hits_warm > 20, "%s: only %lu hits while warming up: the rules do not fire", what,
              hits_warm);

    /* 1. Matching prebuilt events. */
    static const uint32_t modes[] = {0, SIGMA_MATCH_NO_INDEX, 0, SIGMA_MATCH_STRICT_LOGSOURCE};
    const unsigned N = 2000;
    unsigned long hits = 0;
    n_alloc = n_free = 0;
    counting = 1;
    for (unsigned i = 0; i < N; i++) {
        sigma_event *e = ev[i % (2 * N_SHAPES)];
        if (sigma_match(rs, s, e, modes[(i / 7) % 4], i % 2 ? hit_cb : NULL, &hits) != SIGMA_OK)
            hits += 1000000;
        hits += sigma_scratch_hit_count(s);
    }
    counting = 0;
    CHECK_MSG(n_alloc == 0 && n_free == 0, "%s: %u matches: %lu allocations, %lu frees", what, N,
              n_alloc, n_free);
    CHECK(hits > 0 && hits < 1000000);
    /* ... and in batches (sigma_match_batch), every mode */
    unsigned long batch_hits = 0;
    counting = 1;
    for (unsigned m = 0; m < 4; m++)
        if (sigma_match_batch(rs, s, (const sigma_event *const *)ev, 2 * N_SHAPES, modes[m], hit_cb,
                              &batch_hits) != SIGMA_OK)
            batch_hits += 1000000;
    counting = 0;
    CHECK_MSG(n_alloc == 0 && n_free == 0, "%s: batches: %lu allocations, %lu frees", what, n_alloc,
              n_free);
    CHECK(batch_hits > 0 && batch_hits < 1000000);

    /* 2. Rebuilding the events (clear + adds, by name and by slot, with and
     * without a logsource) and matching them. */
    n_alloc = n_free = 0;
    unsigned long build_allocs = 0, match_allocs = 0;
    int build_errors = 0, match_errors = 0;
    for (unsigned i = 0; i < N; i++) {
        int sh = (int)(i % N_SHAPES), slot = (int)((i / N_SHAPES) % 2);
        sigma_event *e = ev[slot * N_SHAPES + sh];
        unsigned k = i / (2 * N_SHAPES);
        counting = 1;
        int rc = build(e, rs, sh, k, slot, (int)(k & 1));
        counting = 0;
        build_allocs += n_alloc;
        n_alloc = 0;
        build_errors += rc != SIGMA_OK;
        counting = 1;
        rc = sigma_match(rs, s, e, modes[(i / 3) % 4], NULL, NULL);
        counting = 0;
        match_allocs += n_alloc;
        n_alloc = 0;
        match_errors += rc != SIGMA_OK;
    }
    CHECK_EQ_INT(build_errors, 0);
    CHECK_EQ_INT(match_errors, 0);
    CHECK_MSG(build_allocs == 0, "%s: %u event rebuilds: %lu allocations", what, N, build_allocs);
    CHECK_MSG(match_allocs == 0, "%s: %u matches of rebuilt events: %lu allocations", what, N,
              match_allocs);
    CHECK_MSG(n_free == 0, "%s: %lu frees", what, n_free);

    /* 3. Stats and hit reading never allocate either. */
    counting = 1;
    sigma_scratch_stats st = {.size = sizeof st};
    int rc = sigma_scratch_get_stats(s, &st);
    uint32_t nh = sigma_scratch_hit_count(s);
    for (uint32_t i = 0; i < nh; i++)
        (void)sigma_scratch_hit_rule(s, i);
    counting = 0;
    CHECK_EQ_INT(rc, SIGMA_OK);
    CHECK_EQ_INT(n_alloc, 0);

    printf("noalloc (%s): %u matches of prebuilt events, %u rebuilds + matches: %lu "
           "allocations; %llu match calls, %.2f candidates/event\n",
           what, N, N, build_allocs + match_allocs, (unsigned long long)st.events,
           st.events ? (double)st.candidates / (double)st.events : 0.0);

    for (int i = 0; i < 2 * N_SHAPES; i++)
        sigma_event_free(ev[i]);
    sigma_scratch_free(s);
}

int main(void)
{
    sigma_ruleset *rs = compile(0);
    if (rs)
        check_ruleset(rs, "no mapping");
    sigma_ruleset_unref(rs);
    rs = compile(1);
    if (rs)
        check_ruleset(rs, "default mapping");
    sigma_ruleset_unref(rs);
    return TEST_DONE();
}

#else /* !ALLOC_HOOK_ACTIVE */

int main(void)
{
#ifdef LIBC_ALLOC_SANITIZER
    puts("SKIPPED: AddressSanitizer owns malloc; the counting allocator cannot be installed");
#else
    puts("SKIPPED: the counting allocator needs glibc (__libc_malloc)");
#endif
    return 77;
}

#endif
