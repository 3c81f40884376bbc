/* Mutation fuzzer for the two configuration inputs of a builder: the log source
 * mapping (sigma_builder_add_mapping_yaml; seeds: lib/mapping/default_mapping.yml and
 * small texts) and the placeholder values (sigma_builder_add_placeholders_yaml; seeds:
 * examples/placeholders.yml and small texts). Each mutated text is added to a builder
 * together with rules that use mapped fields and %placeholders%, then the ruleset is
 * built and events are matched (with and without the index, strict logsource or
 * not). Asserts: no crash / sanitizer report, sane diagnostics, status codes that
 * agree with the error counts, equal verdicts with and without the index. */
#include "fuzz_common.h"

static const char *const mapping_seeds[] = {
    "mappings:\n"
    "  - logsource: {product: windows, category: process_creation}\n"
    "    when: {Channel: Security, EventID: 4688}\n"
    "    fields: {Image: NewProcessName, ParentImage: [ParentProcessName, Parent]}\n"
    "    coverage:\n"
    "      - {provider: Microsoft-Windows-Security-Auditing, event_id: 4688, title: New}\n"
    "  - logsource: {product: linux, service: auditd}\n"
    "    when: {Channel: [audit, 'auditd'], EventID: [1, 2, 3]}\n",

    "mappings:\n"
    "  - logsource:\n"
    "      product: windows\n"
    "      service: security\n"
    "    when:\n"
    "      Channel: Security\n"
    "    fields:\n"
    "      User: SubjectUserName\n"
    "  - &e\n"
    "    logsource: {category: ps_script}\n"
    "    fields: {ScriptBlockText: [ScriptBlock, Payload]}\n"
    "  - *e\n",
};

static const char *const placeholder_seeds[] = {
    "Admins: ['adm*', 'root', 'CONTOSO\\adm-*']\n"
    "Known_Location: 'C:\\Program Files\\*'\n"
    "empty: []\n",

    "Admins:\n"
    "  - 'administrator'\n"
    "  - \"ro?t\"\n"
    "Known_Location: [&l 'C:\\Windows\\*', *l]\n",
};

static const char rules_text[] = "title: Mapped process\n"
                                 "logsource: {product: windows, category: process_creation}\n"
                                 "detection:\n"
                                 "    sel:\n"
                                 "        Image|endswith: '\\cmd.exe'\n"
                                 "        ParentImage|contains: 'explorer'\n"
                                 "    condition: sel\n"
                                 "---\n"
                                 "title: Placeholder user\n"
                                 "logsource: {product: windows, service: security}\n"
                                 "detection:\n"
                                 "    sel:\n"
                                 "        User|expand: '%Admins%'\n"
                                 "    loc:\n"
                                 "        Image|expand|startswith: '%Known_Location%'\n"
                                 "    condition: sel or loc\n"
                                 "---\n"
                                 "title: Script\n"
                                 "logsource: {category: ps_script}\n"
                                 "detection:\n"
                                 "    sel:\n"
                                 "        ScriptBlockText|contains: 'Invoke-'\n"
                                 "    condition: sel\n";

static void make_events(sigma_event *ev[4])
{
    for (int i = 0; i < 4; i++)
        if (sigma_event_new(&ev[i]) != SIGMA_OK)
            fz_die("event_new");
    sigma_event_add_str(ev[0], "Channel", SIGMA_NUL_TERMINATED, "Security", SIGMA_NUL_TERMINATED,
                        0);
    sigma_event_add_int(ev[0], "EventID", SIGMA_NUL_TERMINATED, 4688);
    sigma_event_add_str(ev[0], "NewProcessName", SIGMA_NUL_TERMINATED, "C:\\Windows\\cmd.exe",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[0], "ParentProcessName", SIGMA_NUL_TERMINATED,
                        "C:\\Windows\\explorer.exe", SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[0], "SubjectUserName", SIGMA_NUL_TERMINATED, "admin",
                        SIGMA_NUL_TERMINATED, 0);

    sigma_event_add_str(ev[1], "Channel", SIGMA_NUL_TERMINATED,
                        "Microsoft-Windows-Sysmon/Operational", SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[1], "EventID", SIGMA_NUL_TERMINATED, "1", 1, 0);
    sigma_event_add_str(ev[1], "Image", SIGMA_NUL_TERMINATED, "C:\\Program Files\\cmd.exe",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[1], "ParentImage", SIGMA_NUL_TERMINATED, "explorer.exe",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[1], "User", SIGMA_NUL_TERMINATED, "root", SIGMA_NUL_TERMINATED, 0);

    sigma_event_add_str(ev[2], "Channel", SIGMA_NUL_TERMINATED,
                        "Microsoft-Windows-PowerShell/Operational", SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_int(ev[2], "EventID", SIGMA_NUL_TERMINATED, 4104);
    sigma_event_add_str(ev[2], "ScriptBlock", SIGMA_NUL_TERMINATED, "Invoke-Mimikatz",
                        SIGMA_NUL_TERMINATED, 0);
    sigma_event_add_str(ev[2], "Payload", SIGMA_NUL_TERMINATED, "x\0Invoke-", 9, 0);
    sigma_event_set_logsource(ev[3], "windows", 7, "process_creation", 16, "security", 8);
    sigma_event_add_str(ev[3], "User", SIGMA_NUL_TERMINATED, "administrator", SIGMA_NUL_TERMINATED,
                        0);
}

static void run_input(fz_ctx *ctx, fz_rng *r, int is_mapping, const fz_buf *in, sigma_event *ev[4])
{
    sigma_builder *b = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK)
        fz_die("builder_new");
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    if (!is_mapping && fz_chance(r, 30))
        sigma_builder_add_default_mapping(b);
    if (!is_mapping && fz_chance(r, 30)) {
        /* values through the call too: names and values with NULs, wildcards, escapes */
        static const char *const vals[] = {"*",        "?", "\\",    "\\*",  "a\\",
                                           "%Admins%", "",  "x*y?z", "\xff", "**********"};
        for (size_t k = 0, n = 1 + fz_below(r, 4); k < n; k++) {
            const char *v = vals[fz_below(r, sizeof vals / sizeof vals[0])];
            int named = fz_chance(r, 80);
            int prc = sigma_builder_add_placeholder(b, named ? "Admins" : "A\0b", named ? 6 : 3, v,
                                                    strlen(v));
            if (prc != SIGMA_OK && prc != SIGMA_E_INVALID_ARG)
                FZ_FAIL(ctx, "add_placeholder returned %d", prc);
        }
    }
    int rc;
    if (is_mapping)
        rc = sigma_builder_add_mapping_yaml(b, "map.yml", 7, in->p, in->len);
    else
        rc = sigma_builder_add_placeholders_yaml(b, "ph.yml", 6, in->p, in->len);
    size_t errors = sigma_diagnostics_error_count(d);
    if (rc != SIGMA_OK && rc != SIGMA_E_COMPILE)
        FZ_FAIL(ctx, "add_%s_yaml returned %d", is_mapping ? "mapping" : "placeholders", rc);
    if ((rc == SIGMA_OK) != (errors == 0))
        FZ_FAIL(ctx, "add_%s_yaml returned %d with %zu errors",
                is_mapping ? "mapping" : "placeholders", rc, errors);
    /* a second copy: mappings add up, placeholder values append */
    if (fz_chance(r, 15)) {
        if (is_mapping)
            sigma_builder_add_mapping_yaml(b, NULL, 0, in->p, in->len);
        else
            sigma_builder_add_placeholders_yaml(b, NULL, 0, in->p, in->len);
    }
    uint32_t added = 0;
    sigma_builder_add_yaml(b, "rules.yml", 9, rules_text, sizeof rules_text - 1, &added);
    fz_check_diagnostics(ctx, d);
    fz_check_positions(ctx, d, in->p, in->len, is_mapping ? "map.yml" : "ph.yml");
    fz_check_positions(ctx, d, rules_text, sizeof rules_text - 1, "rules.yml");
    sigma_ruleset *rs = NULL;
    rc = sigma_builder_build(b, &rs);
    if (rc != SIGMA_OK && rc != SIGMA_E_COMPILE)
        FZ_FAIL(ctx, "build returned %d", rc);
    fz_check_diagnostics(ctx, d);
    if (rs) {
        sigma_scratch *sc = NULL;
        if (sigma_scratch_reserve(rs, &sc) != SIGMA_OK)
            fz_die("scratch");
        uint32_t nrules = sigma_ruleset_rule_count(rs);
        for (int e = 0; e < 4; e++) {
            for (uint32_t strict = 0; strict <= SIGMA_MATCH_STRICT_LOGSOURCE;
                 strict += SIGMA_MATCH_STRICT_LOGSOURCE) {
                uint32_t a[8], na, nb;
                int rc1 = sigma_match(rs, sc, ev[e], strict | SIGMA_MATCH_NO_INDEX, NULL, NULL);
                na = sigma_scratch_hit_count(sc);
                for (uint32_t i = 0; i < na && i < 8; i++)
                    a[i] = sigma_scratch_hit_rule(sc, i);
                int rc2 = sigma_match(rs, sc, ev[e], strict, NULL, NULL);
                nb = sigma_scratch_hit_count(sc);
                if (rc1 != SIGMA_OK || rc2 != SIGMA_OK)
                    FZ_FAIL(ctx, "sigma_match %d / %d", rc1, rc2);
                if (na != nb || na > nrules)
                    FZ_FAIL(ctx, "event %d: %u hits without the index, %u with it", e, na, nb);
                for (uint32_t i = 0; i < na && i < nb && i < 8; i++)
                    if (a[i] != sigma_scratch_hit_rule(sc, i))
                        FZ_FAIL(ctx, "event %d: hit %u differs with the index", e, i);
            }
        }
        sigma_scratch_free(sc);
        sigma_ruleset_unref(rs);
    }
    sigma_builder_free(b);
}

int main(int argc, char **argv)
{
    fz_opts o = fz_parse(argc, argv, 3000);
    fz_ctx ctx = {"fuzz-mapping", 0, 0, o.hang_seconds, o.write_path};
    fz_seeds maps = {0}, phs = {0};
    char path[4096];
    fz_buf file = {0};
    snprintf(path, sizeof path, "%s/lib/mapping/default_mapping.yml", o.root);
    if (fz_read_file(path, &file) == 0)
        fz_seeds_add(&maps, file.p, file.len);
    else
        fprintf(stderr, "note: %s not found, built-in seeds only\n", path);
    snprintf(path, sizeof path, "%s/examples/placeholders.yml", o.root);
    if (fz_read_file(path, &file) == 0)
        fz_seeds_add(&phs, file.p, file.len);
    fz_free(&file);
    for (size_t i = 0; i < sizeof mapping_seeds / sizeof mapping_seeds[0]; i++)
        fz_seeds_add(&maps, mapping_seeds[i], strlen(mapping_seeds[i]));
    for (size_t i = 0; i < sizeof placeholder_seeds / sizeof placeholder_seeds[0]; i++)
        fz_seeds_add(&phs, placeholder_seeds[i], strlen(placeholder_seeds[i]));

    sigma_event *ev[4];
    make_events(ev);
    double t0 = fz_now();
    fz_buf in = {0};
    uint64_t done = 0;
    if (o.replay_path) {
        if (fz_read_file(o.replay_path, &in) != 0)
            fz_die("cannot read --replay file");
        for (int m = 0; m < 2; m++) {
            fz_rng r = fz_rng_for(o.seed, 0);
            double t = fz_cpu_now();
            run_input(&ctx, &r, m, &in, ev);
            fz_check_time(&ctx, t, &in);
        }
        done = 1;
    }
    for (uint64_t it = o.start; !o.replay_path && it < o.start + o.iterations; it++, done++) {
        ctx.iteration = it;
        fz_rng r = fz_rng_for(o.seed, it);
        int is_mapping = (int)(it & 1);
        const fz_seeds *s = is_mapping ? &maps : &phs;
        size_t si = fz_below(&r, s->count);
        fz_set(&in, s->items[si].p, s->items[si].len);
        fz_mutate(&r, &in, &s->items[fz_below(&r, s->count)], 8);
        fz_write_input(o.write_path, &in);
        double t = fz_cpu_now();
        run_input(&ctx, &r, is_mapping, &in, ev);
        fz_check_time(&ctx, t, &in);
    }
    fz_free(&in);
    for (int i = 0; i < 4; i++)
        sigma_event_free(ev[i]);
    fz_seeds_free(&maps);
    fz_seeds_free(&phs);
    return fz_report(&ctx, done, t0);
}
