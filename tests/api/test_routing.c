/* Routing through the public API: the built-in mapping recognises events by Channel
 * and EventID, sends them only to the rules of their logsource, and renames fields
 * (a Security 4688 version of the seed event matches the seed rule, a Sysmon network
 * event does not reach process_creation rules). */
#include <sigma/sigma.h>
#include <stdint.h>
#include <string.h>

#include "test.h"

static const char rules[] =
    /* 0: the seed rule, as in SigmaHQ */
    "title: Suspicious IIS Module Registration\n"
    "id: 043c4b8b-3a54-4780-9682-081cb6b8185c\n"
    "logsource: {category: process_creation, product: windows}\n"
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
    "---\n"
    /* 1: a network rule that would match anything with an Image */
    "title: Any network connection\n"
    "logsource: {category: network_connection, product: windows}\n"
    "detection: {s: {Image|endswith: '.exe'}, condition: s}\n"
    "---\n"
    /* 2: a process_creation rule that would also fire on network events by field */
    "title: Any process with an Image\n"
    "logsource: {category: process_creation, product: windows}\n"
    "detection: {s: {Image|endswith: '.exe'}, condition: s}\n"
    "---\n"
    /* 3: a Security service rule */
    "title: Security log process creation\n"
    "logsource: {product: windows, service: security}\n"
    "detection: {s: {EventID: 4688}, condition: s}\n";

typedef struct hits {
    uint32_t n;
    uint32_t rule[8];
} hits;

static hits match(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev, uint32_t flags)
{
    hits h = {0};
    CHECK_EQ_INT(sigma_match(rs, s, ev, flags, NULL, NULL), SIGMA_OK);
    h.n = sigma_scratch_hit_count(s);
    for (uint32_t i = 0; i < h.n && i < 8; i++)
        h.rule[i] = sigma_scratch_hit_rule(s, i);
    return h;
}

static void add(sigma_event *ev, const char *k, const char *v)
{
    sigma_event_add_str(ev, k, SIGMA_NUL_TERMINATED, v, SIGMA_NUL_TERMINATED, 0);
}

int main(void)
{
    sigma_builder *b = NULL;
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_add_default_mapping(b), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_add_yaml(b, "r.yml", 5, rules, strlen(rules), NULL), SIGMA_OK);
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    CHECK_EQ_INT(sigma_diagnostics_error_count(sigma_builder_diagnostics(b)), 0);
    sigma_builder_free(b);
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    sigma_scratch_reserve(rs, &s);
    sigma_event_new(&ev);

    /* Sysmon 1: the seed event. */
    add(ev, "Channel", "Microsoft-Windows-Sysmon/Operational");
    sigma_event_add_int(ev, "EventID", 7, 1);
    add(ev, "Image", "C:\\Windows\\System32\\inetsrv\\appcmd.exe");
    add(ev, "ParentImage", "C:\\Windows\\System32\\inetsrv\\w3wp.exe");
    add(ev, "CommandLine", "appcmd.exe add module /name:x");
    hits h = match(rs, s, ev, 0);
    CHECK_EQ_INT(h.n, 2);
    CHECK_EQ_INT(h.rule[0], 0);
    CHECK_EQ_INT(h.rule[1], 2);

    /* Security 4688: NewProcessName / ParentProcessName are the rules' Image /
     * ParentImage; the Security service rule sees it too. */
    sigma_event_clear(ev);
    add(ev, "Channel", "Security");
    sigma_event_add_int(ev, "EventID", 7, 4688);
    add(ev, "NewProcessName", "C:\\Windows\\System32\\inetsrv\\appcmd.exe");
    add(ev, "ParentProcessName", "C:\\Windows\\System32\\inetsrv\\W3WP.EXE");
    add(ev, "CommandLine", "APPCMD.EXE add module /name:x");
    h = match(rs, s, ev, 0);
    CHECK_EQ_INT(h.n, 3);
    CHECK_EQ_INT(h.rule[0], 0);
    CHECK_EQ_INT(h.rule[1], 2);
    CHECK_EQ_INT(h.rule[2], 3);
    /* The same verdicts without the index. */
    hits h2 = match(rs, s, ev, SIGMA_MATCH_NO_INDEX);
    CHECK_EQ_INT(h2.n, 3);

    /* Channel spelled in lower case (a corpus quirk) is still the Security log. */
    sigma_event_clear(ev);
    add(ev, "Channel", "security");
    add(ev, "EventID", "4688");
    add(ev, "NewProcessName", "C:\\x\\cmd.exe");
    h = match(rs, s, ev, 0);
    CHECK_EQ_INT(h.n, 2); /* rules 2 and 3 */

    /* Sysmon 3 (network): process_creation rules stay silent. */
    sigma_event_clear(ev);
    add(ev, "Channel", "Microsoft-Windows-Sysmon/Operational");
    sigma_event_add_int(ev, "EventID", 7, 3);
    add(ev, "Image", "C:\\Windows\\System32\\inetsrv\\w3wp.exe");
    add(ev, "ParentImage", "C:\\Windows\\System32\\inetsrv\\w3wp.exe");
    add(ev, "CommandLine", "appcmd.exe add module");
    h = match(rs, s, ev, 0);
    CHECK_EQ_INT(h.n, 1);
    CHECK_EQ_INT(h.rule[0], 1);

    /* Unrecognised events: every rule by default, none when strict. */
    sigma_event_clear(ev);
    add(ev, "Image", "C:\\a.exe");
    h = match(rs, s, ev, 0);
    CHECK_EQ_INT(h.n, 2); /* rules 1 and 2 */
    h = match(rs, s, ev, SIGMA_MATCH_STRICT_LOGSOURCE);
    CHECK_EQ_INT(h.n, 0);

    /* An explicit logsource wins over the mapping. */
    sigma_event_set_logsource(ev, "windows", 7, "network_connection", SIGMA_NUL_TERMINATED, NULL,
                              0);
    h = match(rs, s, ev, SIGMA_MATCH_STRICT_LOGSOURCE);
    CHECK_EQ_INT(h.n, 1);
    CHECK_EQ_INT(h.rule[0], 1);

    /* A malformed mapping is a diagnostic with a position. */
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_add_mapping_yaml(b, "m.yml", 5, "mappings:\n  - bogus: 1\n", 22),
                 SIGMA_E_COMPILE);
    sigma_diagnostic_info info = {.size = sizeof info};
    CHECK_EQ_INT(sigma_diagnostics_get(sigma_builder_diagnostics(b), 0, &info), SIGMA_OK);
    CHECK_EQ_INT(info.code, SIGMA_DIAG_BAD_MAPPING);
    CHECK_EQ_INT(info.line, 2);
    sigma_builder_free(b);

    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
    return TEST_DONE();
}
