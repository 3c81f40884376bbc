/* embed.c - the smallest complete use of libsigma.
 *
 * Compiles one rule from a string, builds two events field by field and prints
 * the title of every rule that matches each of them. The rule is the SigmaHQ
 * rule "Suspicious IIS Module Registration" by Florian Roth (Nextron Systems)
 * and Microsoft (idea), licensed under the Detection Rule License 1.1
 * (https://github.com/SigmaHQ/Detection-Rule-License); see examples/rules/.
 */
#include <stdio.h>
#include <string.h>

#include <sigma/sigma.h>

static const char rule_yaml[] =
    "title: Suspicious IIS Module Registration\n"
    "id: 043c4b8b-3a54-4780-9682-081cb6b8185c\n"
    "status: test\n"
    "author: Florian Roth (Nextron Systems), Microsoft (idea)\n"
    "date: 2022-08-04\n"
    "tags:\n"
    "    - attack.persistence\n"
    "    - attack.t1505.004\n"
    "logsource:\n"
    "    category: process_creation\n"
    "    product: windows\n"
    "detection:\n"
    "    selection_parent:\n"
    "        ParentImage|endswith: '\\w3wp.exe'\n"
    "    selection_cli_1:\n"
    "        CommandLine|contains: 'appcmd.exe add module'\n"
    "    selection_cli_2:\n"
    "        CommandLine|contains: ' system.enterpriseservices.internal.publish'\n"
    "        Image|endswith: '\\powershell.exe'\n"
    "    selection_cli_3:\n"
    "        CommandLine|contains|all:\n"
    "            - 'gacutil'\n"
    "            - ' /I'\n"
    "    condition: selection_parent and 1 of selection_cli_*\n"
    "level: high\n";

/* One event: a few (field, value) pairs. */
struct field {
    const char *name;
    const char *value;
};

static const struct field event_a[] = {
    {"Image", "C:\\Windows\\System32\\inetsrv\\appcmd.exe"},
    {"ParentImage", "C:\\Windows\\System32\\inetsrv\\W3WP.EXE"},
    {"CommandLine", "APPCMD.EXE ADD MODULE /name:Backdoor /image:C:\\temp\\mod.dll"},
    {NULL, NULL},
};

static const struct field event_b[] = {
    {"Image", "C:\\Windows\\System32\\inetsrv\\appcmd.exe"},
    {"ParentImage", "C:\\Windows\\explorer.exe"},
    {"CommandLine", "appcmd.exe add module /name:Harmless"},
    {NULL, NULL},
};

/* What the callback gets through user_data. */
struct hit_ctx {
    const char *event_name;
    unsigned hits;
};

/* Called once per matching rule while sigma_match runs. */
static int on_hit(const sigma_hit *hit, void *user_data)
{
    struct hit_ctx *ctx = user_data;
    ctx->hits++;
    sigma_rule_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    if (sigma_ruleset_rule_info(sigma_hit_ruleset(hit), sigma_hit_rule(hit), &info) == SIGMA_OK)
        printf("%s: matched \"%s\" (level %s)\n", ctx->event_name, info.title ? info.title : "?",
               info.level ? info.level : "-");
    return 0; /* keep going */
}

static int fail(const char *what, int status)
{
    fprintf(stderr, "embed: %s: %s\n", what, sigma_status_str(status));
    return 1;
}

int main(void)
{
    sigma_builder *builder = NULL;
    sigma_ruleset *rules = NULL;
    sigma_scratch *scratch = NULL;
    sigma_event *ev = NULL;
    int rc;

    /* 1. Compile: rule text -> builder -> immutable ruleset. */
    if ((rc = sigma_builder_new(NULL, &builder)) != SIGMA_OK)
        return fail("sigma_builder_new", rc);
    rc = sigma_builder_add_yaml(builder, "embedded", SIGMA_NUL_TERMINATED, rule_yaml,
                                sizeof rule_yaml - 1, NULL);
    if (rc != SIGMA_OK) {
        /* Print what went wrong, with line and column. */
        const sigma_diagnostics *d = sigma_builder_diagnostics(builder);
        for (size_t i = 0; i < sigma_diagnostics_count(d); i++) {
            char msg[512];
            if (sigma_diagnostics_format(d, i, msg, sizeof msg) >= 0)
                fprintf(stderr, "%s\n", msg);
        }
        sigma_builder_free(builder);
        return fail("sigma_builder_add_yaml", rc);
    }
    rc = sigma_builder_build(builder, &rules);
    sigma_builder_free(builder); /* the ruleset does not need the builder */
    if (rc != SIGMA_OK)
        return fail("sigma_builder_build", rc);
    printf("compiled %u rule(s)\n", (unsigned)sigma_ruleset_rule_count(rules));

    /* 2. Per thread: a scratch and a reusable event. */
    if ((rc = sigma_scratch_reserve(rules, &scratch)) != SIGMA_OK ||
        (rc = sigma_event_new(&ev)) != SIGMA_OK) {
        sigma_scratch_free(scratch);
        sigma_ruleset_unref(rules);
        return fail("setup", rc);
    }

    /* 3. Match each event; on_hit prints the matching rules. */
    const struct field *events[] = {event_a, event_b};
    const char *names[] = {"event A", "event B"};
    int status = 0;
    for (size_t e = 0; e < sizeof events / sizeof events[0]; e++) {
        sigma_event_clear(ev);
        for (const struct field *f = events[e]; f->name; f++) {
            rc = sigma_event_add_str(ev, f->name, SIGMA_NUL_TERMINATED, f->value,
                                     SIGMA_NUL_TERMINATED, SIGMA_VALUE_BORROW);
            if (rc != SIGMA_OK)
                break;
        }
        struct hit_ctx ctx = {names[e], 0};
        if (rc == SIGMA_OK)
            rc = sigma_match(rules, scratch, ev, 0, on_hit, &ctx);
        if (rc != SIGMA_OK) {
            status = fail("match", rc);
            break;
        }
        if (ctx.hits == 0)
            printf("%s: no match\n", names[e]);
    }

    sigma_event_free(ev);
    sigma_scratch_free(scratch);
    sigma_ruleset_unref(rules);
    return status;
}
