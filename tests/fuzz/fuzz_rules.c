/* Mutation fuzzer for rule YAML: seed rules (examples/rules, built-in texts, and with
 * --corpus every SigmaHQ rules* folders) are mutated (fuzz_common.h) and fed to
 * sigma_builder_add_yaml, built and matched against a few events, with and without
 * the index. Asserts: no crash or sanitizer report, sane diagnostics (code, position,
 * format), status codes that agree with the error counts, rule info readable, the
 * field dictionary consistent, index and no-index verdicts equal, no input slower
 * than the hang threshold. Exit 77 when --corpus is given but absent (unless CI=true). */
#include "fuzz_common.h"

static const char *const builtin_seeds[] = {
    "title: Many modifiers\n"
    "id: 11111111-1111-4111-8111-111111111111\n"
    "status: test\n"
    "level: high\n"
    "tags: [attack.execution, attack.t1059.001]\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel_re:\n"
    "        CommandLine|re|i: '^.*(enc|e)\\s+[a-z0-9+/=]{10,}'\n"
    "    sel_b64:\n"
    "        CommandLine|base64offset|contains: 'IEX'\n"
    "    sel_wide:\n"
    "        CommandLine|wide|base64: 'cmd'\n"
    "    sel_dash:\n"
    "        CommandLine|windash|contains: ' -nop '\n"
    "    sel_cidr:\n"
    "        DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']\n"
    "    sel_num:\n"
    "        EventID|gte: 1\n"
    "        EventID|lt: 100000\n"
    "    sel_exists:\n"
    "        User|exists: true\n"
    "    sel_null:\n"
    "        ParentUser: null\n"
    "    sel_ref:\n"
    "        User|fieldref: TargetUser\n"
    "    sel_all:\n"
    "        CommandLine|contains|all: ['a', 'b']\n"
    "    sel_wild:\n"
    "        Image: ['*\\\\power?hell.exe', 'C:\\\\Windows\\\\*']\n"
    "    sel_exp:\n"
    "        User|expand: '%Admins%'\n"
    "    sel_cased:\n"
    "        Image|cased|endswith: '.EXE'\n"
    "    keywords:\n"
    "        - 'mimikatz'\n"
    "        - '*sekurlsa*'\n"
    "    condition: (sel_re or sel_b64 or sel_wide or sel_dash) and not sel_null or 1 of "
    "sel_c* or all of sel_n* or keywords or sel_ref or sel_all or sel_wild or sel_exp or "
    "sel_cased or sel_exists\n",

    "title: Anchors\n"
    "logsource: {product: linux}\n"
    "detection:\n"
    "    sel: &s\n"
    "        CommandLine|contains: &v ['wget ', 'curl ']\n"
    "    sel2:\n"
    "        <<: *s\n"
    "        Image|endswith: *v\n"
    "    condition: sel or sel2\n"
    "---\n"
    "title: Second document\n"
    "name: second\n"
    "logsource: {category: process_creation}\n"
    "detection:\n"
    "    sel:\n"
    "        - Image|endswith: '\\cmd.exe'\n"
    "        - CommandLine|startswith: 'cmd /c'\n"
    "    condition: all of them\n",

    "title: Base rule\n"
    "id: 22222222-2222-4222-8222-222222222222\n"
    "name: base_rule\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    selection:\n"
    "        Image|endswith: '\\w3wp.exe'\n"
    "    condition: selection\n"
    "---\n"
    "title: Count\n"
    "correlation:\n"
    "    type: event_count\n"
    "    rules: [base_rule]\n"
    "    group-by: [User]\n"
    "    timespan: 5m\n"
    "    condition: {gte: 3}\n"
    "---\n"
    "title: Filter\n"
    "logsource: {product: windows, category: process_creation}\n"
    "filter:\n"
    "    rules: [base_rule]\n"
    "    selection:\n"
    "        User: 'SYSTEM'\n"
    "    condition: not selection\n",

    "title: Time parts and numbers\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "    sel:\n"
    "        EventID: [1, 4688, 18446744073709551616, -9223372036854775808, 1.5]\n"
    "        Hash|contains: \"\\u0000\\x41\"\n"
    "        Time|hour: 3\n"
    "        Flag: true\n"
    "        Empty: ''\n"
    "    condition: sel | count() > 5\n",
};
#define N_BUILTIN (sizeof builtin_seeds / sizeof builtin_seeds[0])

typedef struct hits {
    uint32_t n;
    uint32_t rules[64];
} hits;

static void collect(const sigma_scratch *s, hits *h)
{
    h->n = sigma_scratch_hit_count(s);
    for (uint32_t i = 0; i < h->n && i < 64; i++)
        h->rules[i] = sigma_scratch_hit_rule(s, i);
}

static void make_events(sigma_event *ev[4])
{
    for (int i = 0; i < 4; i++)
        if (sigma_event_new(&ev[i]) != SIGMA_OK)
            fz_die("event_new");
    sigma_event_add_str(ev[0], "ParentImage", SIGMA_NUL_TERMINATED,
                        "C:\\Windows\\System32\\inetsrv\\w3wp.exe", SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[0], "CommandLine", SIGMA_NUL_TERMINATED,
                        "appcmd.exe add module /name:x gacutil /I", SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[0], "Image", SIGMA_NUL_TERMINATED,
                        "C:\\Windows\\System32\\WindowsPowerShell\\powershell.exe",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_int(ev[0], "EventID", SIGMA_NUL_TERMINATED, 1);
    sigma_event_add_str(ev[0], "User", SIGMA_NUL_TERMINATED, "admin", SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[0], "TargetUser", SIGMA_NUL_TERMINATED, "admin", SIGMA_NUL_TERMINATED,
                        0);
    sigma_event_add_str(ev[0], "DestinationIp", SIGMA_NUL_TERMINATED, "10.1.2.3",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_set_logsource(ev[0], "windows", 7, "process_creation", 16, NULL, 0);

    sigma_event_add_str(ev[1], "CommandLine", SIGMA_NUL_TERMINATED,
                        "powershell -nop -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[1], "Image", SIGMA_NUL_TERMINATED, "C:\\Windows\\cmd.EXE",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_null(ev[1], "ParentUser", SIGMA_NUL_TERMINATED);
    sigma_event_add_float(ev[1], "EventID", SIGMA_NUL_TERMINATED, 4688.0);
    sigma_event_set_message(ev[1], "mimikatz sekurlsa::logonpasswords", SIGMA_NUL_TERMINATED, 0);

    sigma_event_add_str(ev[2], "CommandLine", SIGMA_NUL_TERMINATED, "wget http://x/a\0b", 17, 0);
    sigma_event_add_str(ev[2], "Image", SIGMA_NUL_TERMINATED, "/usr/bin/curl ",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[2], "Hash", SIGMA_NUL_TERMINATED, "\xff\xfe\x41", 3, 0);
    sigma_event_add_bool(ev[2], "Flag", SIGMA_NUL_TERMINATED, 1);
    sigma_event_add_str(ev[2], "Empty", SIGMA_NUL_TERMINATED, "", 0, 0);
    sigma_event_set_logsource(ev[2], "linux", 5, NULL, 0, NULL, 0);
    /* ev[3] stays empty */
}

static void check_ruleset(fz_ctx *ctx, const sigma_ruleset *rs, sigma_event *ev[4])
{
    uint32_t n = sigma_ruleset_rule_count(rs);
    for (uint32_t i = 0; i < n; i++) {
        sigma_rule_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        if (sigma_ruleset_rule_info(rs, i, &info) != SIGMA_OK) {
            FZ_FAIL(ctx, "rule_info(%u) failed", i);
            continue;
        }
        for (uint32_t t = 0; t < info.tag_count; t++)
            if (!sigma_ruleset_rule_tag(rs, i, t))
                FZ_FAIL(ctx, "rule %u tag %u is NULL", i, t);
        if (sigma_ruleset_rule_tag(rs, i, info.tag_count))
            FZ_FAIL(ctx, "rule %u: tag past the end", i);
        for (uint32_t f = 0; f < info.filter_count; f++)
            if (!sigma_ruleset_rule_filter(rs, i, f))
                FZ_FAIL(ctx, "rule %u filter %u is NULL", i, f);
        if (info.id) {
            uint32_t found = UINT32_MAX;
            if (sigma_ruleset_find_rule(rs, info.id, SIGMA_NUL_TERMINATED, &found) != SIGMA_OK)
                FZ_FAIL(ctx, "find_rule(%s) failed", info.id);
        }
    }
    uint32_t nf = sigma_ruleset_field_count(rs);
    for (uint32_t s = 0; s < nf; s++) {
        const char *name = sigma_ruleset_field_name(rs, s);
        uint32_t slot = UINT32_MAX;
        if (!name) {
            FZ_FAIL(ctx, "field %u has no name", s);
            continue;
        }
        if (sigma_ruleset_field_slot(rs, name, strlen(name), &slot) != SIGMA_OK ||
            strcmp(sigma_ruleset_field_name(rs, slot), name) != 0)
            FZ_FAIL(ctx, "field slot lookup of '%s' failed", name);
    }
    sigma_scratch *scratch = NULL;
    if (sigma_scratch_reserve(rs, &scratch) != SIGMA_OK) {
        FZ_FAIL(ctx, "scratch_reserve failed");
        return;
    }
    for (int e = 0; e < 4; e++) {
        hits a, b;
        int rc1 = sigma_match(rs, scratch, ev[e], SIGMA_MATCH_NO_INDEX, NULL, NULL);
        collect(scratch, &a);
        int rc2 = sigma_match(rs, scratch, ev[e], 0, NULL, NULL);
        collect(scratch, &b);
        if (rc1 != SIGMA_OK || rc2 != SIGMA_OK)
            FZ_FAIL(ctx, "sigma_match: %d / %d", rc1, rc2);
        if (a.n != b.n || memcmp(a.rules, b.rules, sizeof(uint32_t) * (a.n < 64 ? a.n : 64)))
            FZ_FAIL(ctx, "event %d: %u hits without the index, %u with it", e, a.n, b.n);
        for (uint32_t i = 0; i < a.n && i < 64; i++)
            if (a.rules[i] >= n)
                FZ_FAIL(ctx, "hit rule %u out of range", a.rules[i]);
    }
    sigma_scratch_free(scratch);
}

typedef struct stats {
    uint64_t loaded; /* inputs that kept at least one rule */
    uint64_t clean;  /* inputs without any error diagnostic */
} stats;

static void run_input(fz_ctx *ctx, fz_rng *r, const fz_buf *in, sigma_event *ev[4], stats *st)
{
    sigma_compile_options *opts = NULL;
    if (sigma_compile_options_new(&opts) != SIGMA_OK)
        fz_die("options");
    int strict = 0;
    if (fz_chance(r, 25)) {
        uint32_t flags = (uint32_t)fz_below(r, 4);
        strict = (flags & SIGMA_COMPILE_STRICT) != 0;
        sigma_compile_options_set(opts, SIGMA_PARAM_FLAGS, flags);
    }
    if (fz_chance(r, 10))
        sigma_compile_options_set(opts, SIGMA_PARAM_MAX_YAML_DEPTH, 1 + (int64_t)fz_below(r, 8));
    if (fz_chance(r, 10))
        sigma_compile_options_set(opts, SIGMA_PARAM_MAX_ALIAS_NODES, (int64_t)fz_below(r, 50));
    if (fz_chance(r, 5))
        sigma_compile_options_set(opts, SIGMA_PARAM_MAX_YAML_BYTES, 1 + (int64_t)fz_below(r, 500));
    if (fz_chance(r, 10)) { /* any parameter at an extreme of its bounds */
        uint32_t param = 1 + (uint32_t)fz_below(r, 7);
        int64_t lo = 0, hi = 0;
        if (sigma_param_bounds(param, &lo, &hi) == SIGMA_OK &&
            sigma_compile_options_set(opts, param, fz_chance(r, 50) ? lo : hi) != SIGMA_OK)
            FZ_FAIL(ctx, "parameter %u refused its own bound", param);
    }
    int64_t flags_now = 0;
    sigma_compile_options_get(opts, SIGMA_PARAM_FLAGS, &flags_now);
    strict = (flags_now & SIGMA_COMPILE_STRICT) != 0;
    sigma_builder *b = NULL;
    if (sigma_builder_new(opts, &b) != SIGMA_OK)
        fz_die("builder_new");
    sigma_compile_options_free(opts);
    if (fz_chance(r, 60)) {
        sigma_builder_add_placeholder(b, "Admins", 6, "adm*", 4);
        sigma_builder_add_placeholder(b, "Admins", 6, "root", 4);
    }
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    size_t before = sigma_diagnostics_error_count(d);
    uint32_t failed_before = sigma_builder_failed_count(b);
    uint32_t added = UINT32_MAX;
    /* the source name is copied: sometimes NULL, empty, with a NUL or very long */
    static const char long_name[300] = "long/"; /* the rest are NULs: 300 bytes of name */
    const char *src = "fuzz.yml";
    size_t src_len = 8;
    switch (fz_below(r, 10)) {
    case 0:
        src = NULL;
        src_len = 0;
        break;
    case 1:
        src_len = 0;
        break;
    case 2:
        src = "a\0b:1:2";
        src_len = 8;
        break;
    case 3:
        src = long_name;
        src_len = sizeof long_name;
        break;
    default:
        break;
    }
    /* NUL-terminated length: the library stops at the first NUL of the text */
    size_t len = fz_chance(r, 10) ? SIGMA_NUL_TERMINATED : in->len;
    int rc = sigma_builder_add_yaml(b, src, src_len, in->p, len, &added);
    size_t after = sigma_diagnostics_error_count(d);
    if (rc != SIGMA_OK && rc != SIGMA_E_COMPILE)
        FZ_FAIL(ctx, "add_yaml returned %d", rc);
    if (rc == SIGMA_OK && after != before)
        FZ_FAIL(ctx, "add_yaml OK but %zu new errors", after - before);
    if (rc == SIGMA_E_COMPILE && after == before)
        FZ_FAIL(ctx, "add_yaml SIGMA_E_COMPILE without an error diagnostic");
    if (added == UINT32_MAX)
        FZ_FAIL(ctx, "rules_added_out not written");
    if (sigma_builder_failed_count(b) > failed_before && after == before)
        FZ_FAIL(ctx, "failed_count grew without an error diagnostic");
    fz_check_diagnostics(ctx, d);
    fz_check_positions(ctx, d, in->p, len == SIGMA_NUL_TERMINATED ? strlen(in->p) : in->len, NULL);
    st->loaded += added > 0;
    st->clean += after == 0;

    sigma_ruleset *rs = NULL;
    rc = sigma_builder_build(b, &rs);
    size_t errors = sigma_diagnostics_error_count(d);
    if (strict && errors && rc != SIGMA_E_COMPILE)
        FZ_FAIL(ctx, "strict build with %zu errors returned %d", errors, rc);
    if (rc == SIGMA_OK && !rs)
        FZ_FAIL(ctx, "build OK without a ruleset");
    if (rc != SIGMA_OK && rc != SIGMA_E_COMPILE)
        FZ_FAIL(ctx, "build returned %d", rc);
    fz_check_diagnostics(ctx, d);
    if (rs) {
        /* rules_added_out also counts filter documents, which are not rules of the
         * ruleset, and the build drops unresolved correlations with a diagnostic: so
         * only the upper bound holds. */
        if (sigma_ruleset_rule_count(rs) > added)
            FZ_FAIL(ctx, "%u rules added but the ruleset has %u", added,
                    sigma_ruleset_rule_count(rs));
        check_ruleset(ctx, rs, ev);
    }
    /* the builder stays usable after a build: add the input again (duplicate ids and
     * names), build a second ruleset, and use both after the builder is gone */
    sigma_ruleset *rs2 = NULL;
    if (fz_chance(r, 15)) {
        sigma_builder_add_yaml(b, "again.yml", 9, in->p, in->len, NULL);
        rc = sigma_builder_build(b, &rs2);
        if (rc != SIGMA_OK && rc != SIGMA_E_COMPILE)
            FZ_FAIL(ctx, "second build returned %d", rc);
        fz_check_diagnostics(ctx, d);
    }
    sigma_builder_free(b);
    if (rs2) {
        check_ruleset(ctx, rs2, ev);
        sigma_ruleset_unref(rs2);
    }
    if (rs) {
        check_ruleset(ctx, rs, ev);
        sigma_ruleset_unref(rs);
    }
}

int main(int argc, char **argv)
{
    fz_opts o = fz_parse(argc, argv, 3000);
    fz_ctx ctx = {"fuzz-rules", 0, 0, o.hang_seconds, o.write_path};
    fz_seeds seeds = {0};
    if (o.corpus) {
        const char *dirs[] = {"rules",
                              "rules-emerging-threats",
                              "rules-threat-hunting",
                              "rules-compliance",
                              "rules-placeholder",
                              "rules-dfir"};
        struct stat st;
        if (stat(o.corpus, &st) != 0 || !S_ISDIR(st.st_mode)) {
            const char *ci = getenv("CI");
            if (ci && strcmp(ci, "true") == 0) {
                printf("FAILED: ../shared/corpus not found (CI=true)\n");
                return 1;
            }
            printf("SKIPPED: ../shared/corpus not found\n");
            return 77;
        }
        char path[4096];
        for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
            snprintf(path, sizeof path, "%s/sigmahq/%s", o.corpus, dirs[i]);
            fz_seeds_add_dir(&seeds, path);
        }
        if (!seeds.count) {
            printf("SKIPPED: no rules in %s/sigmahq\n", o.corpus);
            return 77;
        }
    } else {
        char path[4096];
        snprintf(path, sizeof path, "%s/examples/rules", o.root);
        fz_seeds_add_dir(&seeds, path);
        for (size_t i = 0; i < N_BUILTIN; i++)
            fz_seeds_add(&seeds, builtin_seeds[i], strlen(builtin_seeds[i]));
    }
    sigma_event *ev[4];
    make_events(ev);
    double t0 = fz_now();
    uint64_t done = 0;
    fz_buf in = {0};
    stats st = {0, 0};
    if (o.replay_path) {
        if (fz_read_file(o.replay_path, &in) != 0)
            fz_die("cannot read --replay file");
        fz_rng r = fz_rng_for(o.seed, 0);
        double t = fz_cpu_now();
        run_input(&ctx, &r, &in, ev, &st);
        fz_check_time(&ctx, t, &in);
        done = 1;
    }
    for (uint64_t it = o.start; !o.replay_path && it < o.start + o.iterations; it++, done++) {
        ctx.iteration = it;
        fz_rng r = fz_rng_for(o.seed, it);
        /* in corpus mode walk the seeds in order so every file is used */
        size_t si = o.corpus ? (size_t)(it % seeds.count) : fz_below(&r, seeds.count);
        const fz_buf *other = &seeds.items[fz_below(&r, seeds.count)];
        fz_set(&in, seeds.items[si].p, seeds.items[si].len);
        if (!(o.corpus && it < seeds.count && fz_chance(&r, 10)))
            fz_mutate(&r, &in, other, 8);
        fz_write_input(o.write_path, &in);
        if (o.verbose)
            fprintf(stderr, "iteration %llu: %zu bytes\n", (unsigned long long)it, in.len);
        double t = fz_cpu_now();
        run_input(&ctx, &r, &in, ev, &st);
        fz_check_time(&ctx, t, &in);
    }
    printf("fuzz-rules: %llu inputs kept a rule, %llu had no error\n",
           (unsigned long long)st.loaded, (unsigned long long)st.clean);
    fz_free(&in);
    for (int i = 0; i < 4; i++)
        sigma_event_free(ev[i]);
    fz_seeds_free(&seeds);
    return fz_report(&ctx, done, t0);
}
