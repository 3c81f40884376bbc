#!/usr/bin/env python3
"""sigma-catalog tests (Python 3 standard library only).

usage: catalog_tests.py TEST SIGMA_CATALOG SOURCE_ROOT [CMARK_GFM]

TEST is one of
  seed       the seed rule's page (examples/rules/...iis_susp_module_registration.yml)
             in HTML and in Markdown: section order, ATT&CK rows, Event coverage rows,
             stages and predicates, indicator rows with corpus counts over a small
             ruleset written by the test;
  escaping   a rule whose title, description, references and values hold <script>,
             |, backticks, & and quotes: every text shows exactly as written, nothing
             becomes markup;
  all        --all over a small directory: one page per rule, the index lists every
             rule (level, status, logsource, tactics, link) and the ATT&CK matrix counts
             are right; a bad rule gives a file:line:col diagnostic and no page;
  relations  a multi-document file: a selection written as a list of maps (groups), a
             filter applied to a rule (its stages), a correlation rule (its type and
             rules) and the correlation listed on the rules it uses;
  cli        usage errors (exit 2), unknown --rule id (exit 1), -o, --no-mapping,
             --attack-names, --help.

Markdown pages are checked as GitHub renders them: through cmark-gfm (GitHub's
renderer; Debian package cmark-gfm) with GitHub's extensions, in safe mode. Without
cmark-gfm the Markdown half prints "SKIPPED: cmark-gfm not found" and the test exits
77 after the HTML half passed (with CI=true, a missing cmark-gfm is a failure).
Exit status: 0 pass, 1 fail, 77 skipped.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pages  # noqa: E402
from pages import norm, row_texts, tables  # noqa: E402

SEED_ID = "043c4b8b-3a54-4780-9682-081cb6b8185c"
SEED_PATH = "examples/rules/proc_creation_win_iis_susp_module_registration.yml"
SECTIONS = ["Description", "MITRE ATT&CK coverage", "Event coverage", "Rule body",
            "Stages and Predicates", "Indicators"]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    return cond


def equal(got, want, what):
    return check(got == want, "%s:\n    got  %r\n    want %r" % (what, got, want))


def run(exe, args, expect=0):
    p = subprocess.run([exe] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    if expect is not None:
        check(p.returncode == expect, "%s exited %d, expected %d\nstderr: %s"
              % (" ".join(args), p.returncode, expect, err[-2000:]))
    return p.returncode, out, err


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def rule_yaml(title, rid, detection, tags=(), level="medium", status="test",
              logsource="{category: process_creation, product: windows}", extra=""):
    tag_text = "".join("    - %s\n" % t for t in tags)
    return ("title: %s\nid: %s\nstatus: %s\ndescription: %s rule\n%s"
            "logsource: %s\ndetection:\n%s    condition: sel\nlevel: %s\n%s"
            % (title, rid, status, title, ("tags:\n" + tag_text) if tags else "", logsource,
               detection, level, extra))


def cmark_or_none():
    exe = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else shutil.which("cmark-gfm")
    return exe if exe and os.path.exists(exe) else None


def both_formats(catalog, args, cmark):
    """{'html': Page, 'markdown': Page or None} for the same page in both formats."""
    out = {}
    _, html_text, _ = run(catalog, args + ["--format", "html"])
    out["html"] = pages.Page(html_text)
    out["html_raw"] = html_text
    _, md_text, _ = run(catalog, args + ["--format", "markdown"])
    out["markdown_raw"] = md_text
    out["markdown"] = pages.Page(pages.render_markdown(cmark, md_text)) if cmark else None
    return out


def finish(skipped_markdown=False):
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    if skipped_markdown:
        if os.environ.get("CI") == "true":
            print("FAIL: cmark-gfm not found (CI installs it)")
            sys.exit(1)
        print("SKIPPED: cmark-gfm not found (Markdown half not checked; HTML half passed)")
        sys.exit(77)
    print("ok")
    sys.exit(0)


# --------------------------------------------------------------------- seed


# The small ruleset for the corpus counts (the "OTHER rules" of
# sigma_indicator_info.corpus): which rows each one shares with the seed rule.
SEED_NEIGHBOURS = {
    # Same field, kind and value: counts for ParentImage|endswith \w3wp.exe.
    "n1.yml": rule_yaml("Neighbour one", "aaaaaaaa-0000-0000-0000-000000000001",
                        "    sel:\n        ParentImage|endswith: '\\w3wp.exe'\n"
                        "        Image|endswith: '\\cmd.exe'\n"),
    # A value list that includes the seed's value, written in another case: counts.
    "n2.yml": rule_yaml("Neighbour two", "aaaaaaaa-0000-0000-0000-000000000002",
                        "    sel:\n        ParentImage|endswith:\n"
                        "            - '\\W3WP.EXE'\n            - '\\httpd.exe'\n"),
    # Another operator on the same field and value: does not count.
    "n3.yml": rule_yaml("Neighbour three", "aaaaaaaa-0000-0000-0000-000000000003",
                        "    sel:\n        ParentImage|contains: '\\w3wp.exe'\n"),
    # Shares the appcmd row.
    "n4.yml": rule_yaml("Neighbour four", "aaaaaaaa-0000-0000-0000-000000000004",
                        "    sel:\n        CommandLine|contains: 'appcmd.exe add module'\n"),
    # contains|all with a superset of the seed's gacutil row: counts for that row.
    "n5.yml": rule_yaml("Neighbour five", "aaaaaaaa-0000-0000-0000-000000000005",
                        "    sel:\n        CommandLine|contains|all:\n"
                        "            - 'gacutil'\n            - ' /I'\n"
                        "            - '/F'\n"),
}

SEED_INDICATORS = [
    ["ParentImage", "endswith", ["\\w3wp.exe"], "2"],
    ["CommandLine", "contains", ["appcmd.exe add module"], "1"],
    ["CommandLine", "contains", [" system.enterpriseservices.internal.publish"], "0"],
    ["Image", "endswith", ["\\powershell.exe"], "0"],
    ["CommandLine", "contains|all", ["gacutil", " /I"], "1"],
]

SEED_STAGES = [
    ("Stage 0: condition", "selection_parent and 1 of selection_cli_*", []),
    ("Stage 1: selection_parent", None, [["ParentImage", "endswith", ["\\w3wp.exe"]]]),
    ("Stage 2: selection_cli_1", None, [["CommandLine", "contains", ["appcmd.exe add module"]]]),
    ("Stage 3: selection_cli_2", None,
     [["CommandLine", "contains", [" system.enterpriseservices.internal.publish"]],
      ["Image", "endswith", ["\\powershell.exe"]]]),
    ("Stage 4: selection_cli_3", None, [["CommandLine", "contains|all", ["gacutil", " /I"]]]),
]

SEED_EVENTS = [
    ["Microsoft-Windows-Sysmon", "1", "Process creation"],
    ["Microsoft-Windows-Security-Auditing", "4688", "A new process has been created."],
]


def code_rows(table):
    """Rows of a Field | Kind | Values [| Corpus] table as [field, kind, [values], ...]."""
    out = []
    for row in table[1:]:
        field = row[0].codes[0] if row[0].codes else norm(row[0].text)
        r = [field, norm(row[1].text), list(row[2].codes)]
        r += [norm(c.text) for c in row[3:]]
        out.append(r)
    return out


def check_seed_page(page, fmt, yaml_text):
    equal(norm(page.first("h1")), "Suspicious IIS Module Registration", fmt + " title")
    equal(page.headings("h2"), SECTIONS, fmt + " section order")
    desc = page.section("Description")
    check(any(b[0] == "p" and "Detects a suspicious IIS module registration as described in "
              "Microsoft threat report on IIS backdoors" in norm(b[1]) for b in desc),
          fmt + " description text")

    attack = tables(page.section("MITRE ATT&CK coverage"))
    if check(len(attack) == 1, fmt + " one ATT&CK table"):
        equal(row_texts(attack[0]), [["Tactic", "Technique", "Name"],
                                     ["Persistence (TA0003)", "T1505.004", "IIS Components"]],
              fmt + " ATT&CK rows")
        links = attack[0][1][1].links
        equal([h for h, _ in links], ["https://attack.mitre.org/techniques/T1505/004/"],
              fmt + " technique link")

    ev = tables(page.section("Event coverage"))
    if check(len(ev) == 1, fmt + " one Event coverage table"):
        equal(row_texts(ev[0]), [["Provider", "Event ID", "Title"]] + SEED_EVENTS,
              fmt + " Event coverage rows")

    body = [b for b in page.section("Rule body") if b[0] == "pre"]
    if check(len(body) == 1, fmt + " one code block in Rule body"):
        equal(body[0][1].strip("\n"), yaml_text.strip("\n"), fmt + " rule body is the YAML")

    blocks = page.section("Stages and Predicates")
    got = []
    for b in blocks:
        if b[0] == "h3":
            got.append([norm(b[1]), None, []])
        elif b[0] == "p" and got and b[2]:
            got[-1][1] = b[2][0]
        elif b[0] == "table" and got:
            equal(row_texts(b[1])[0], ["Field", "Kind", "Values"], fmt + " predicate table head")
            got[-1][2] = code_rows(b[1])
    equal(got, [list(s) for s in SEED_STAGES], fmt + " stages and predicates")

    ind = tables(page.section("Indicators"))
    if check(len(ind) == 1, fmt + " one Indicators table"):
        equal(row_texts(ind[0])[0], ["Field", "Kind", "Values", "Corpus"],
              fmt + " indicator columns")
        equal(code_rows(ind[0]), SEED_INDICATORS, fmt + " indicator rows and corpus counts")


def test_seed(catalog, root, tmp):
    cmark = cmark_or_none()
    rules = os.path.join(tmp, "rules")
    with open(os.path.join(root, SEED_PATH), encoding="utf-8") as f:
        yaml_text = f.read()
    write(os.path.join(rules, "seed.yml"), yaml_text)
    for name, text in SEED_NEIGHBOURS.items():
        write(os.path.join(rules, name), text)
    names = os.path.join(tmp, "names.tsv")
    write(names, "# ATT&CK names for the test\nT1505.004\tIIS Components\n"
                 "T1505\tServer Software Component\n")
    got = both_formats(catalog, ["-r", rules, "--rule", SEED_ID, "--attack-names", names], cmark)
    check_seed_page(got["html"], "html", yaml_text)
    md = got["markdown_raw"]
    # The page as written: a fenced yaml block, the tables GitHub needs.
    check(md.startswith("# Suspicious IIS Module Registration\n"), "markdown starts with the title")
    check("\n```yaml\n" in md, "markdown rule body is a fenced yaml block")
    if cmark:
        check("raw HTML omitted" not in pages.render_markdown(cmark, md),
              "markdown has no raw HTML")
        check_seed_page(got["markdown"], "markdown", yaml_text)
    # Without --attack-names the technique has no name; without the other rules every
    # corpus count is 0 (the seed rule alone).
    _, html_text, _ = run(catalog, ["-r", os.path.join(rules, "seed.yml"), "--rule", SEED_ID,
                                    "--format", "html"])
    page = pages.Page(html_text)
    attack = tables(page.section("MITRE ATT&CK coverage"))
    equal(row_texts(attack[0])[1], ["Persistence (TA0003)", "T1505.004", ""],
          "ATT&CK row without names")
    equal([r[3] for r in code_rows(tables(page.section("Indicators"))[0])], ["0"] * 5,
          "corpus counts of the seed rule alone")
    finish(skipped_markdown=cmark is None)


# ----------------------------------------------------------------- escaping

EVIL_TITLE = "Evil <script>alert(\"x&y\")</script> | pipe `tick` & amp; 'q' *star* _u_ $x$"
EVIL_DESC_LINES = [
    "Line one <b>bold?</b> & \"quotes\" 'single' | pipe",
    "```fence``` and `code` * star _under_ [link](javascript:alert(1)) <!-- c -->",
    "1. not a list",
    "# not a heading",
]
EVIL_VALUES = ["<script>alert(1)</script>", "a|b", "``x```y", "&amp; &lt;", "`lead", "trail`",
               " both ", "back\\slash|"]


def evil_rule():
    desc = "".join("    " + line + "\n" for line in EVIL_DESC_LINES)
    vals = "".join("            - '%s'\n" % v.replace("'", "''") for v in EVIL_VALUES)
    return ("title: '%s'\n"
            "id: 11111111-2222-3333-4444-555555555555\n"
            "status: test\n"
            "description: |\n%s"
            "references:\n"
            "    - 'javascript:alert(1)'\n"
            "    - 'https://example.com/?a=1&b=<2>'\n"
            "author: 'A <i>B</i> & C'\n"
            "logsource: {category: process_creation, product: windows}\n"
            "detection:\n"
            "    sel:\n"
            "        CommandLine|contains:\n%s"
            "    condition: sel\n"
            "level: high\n"
            "tags:\n    - attack.execution\n    - attack.t1059.001\n"
            % (EVIL_TITLE.replace("'", "''"), desc, vals))


def check_evil_page(page, fmt):
    equal(norm(page.first("h1")), norm(EVIL_TITLE), fmt + " title shown as written")
    equal(page.headings("h2"), SECTIONS, fmt + " section order")
    desc = [b for b in page.section("Description") if b[0] == "p"]
    if check(desc, fmt + " description paragraph"):
        equal(norm(desc[0][1]), norm(" ".join(EVIL_DESC_LINES)), fmt + " description as written")
    stage = tables(page.section("Stages and Predicates"))
    if check(stage, fmt + " predicate table"):
        rows = code_rows(stage[0])
        equal(rows[0], ["CommandLine", "contains", EVIL_VALUES], fmt + " values as written")
    ind = tables(page.section("Indicators"))
    if check(ind, fmt + " indicator table"):
        equal(code_rows(ind[0])[0][2], EVIL_VALUES, fmt + " indicator values as written")
    # Nothing became markup: no script, no element from the rule text, and the only
    # links are the ones the catalog makes (technique, http(s) references).
    check(not any(t in ("script", "b", "i", "img", "iframe") for t, _ in page.tags),
          fmt + " no element from the rule text")
    for href, _ in page.links:
        check(href and (href.startswith("https://") or href.startswith("http://")
                        or href.endswith(".html") or href.endswith(".md")),
              fmt + " link %r" % href)


def test_escaping(catalog, root, tmp):
    cmark = cmark_or_none()
    path = os.path.join(tmp, "evil.yml")
    write(path, evil_rule())
    got = both_formats(catalog, ["-r", path, "--rule", "11111111-2222-3333-4444-555555555555"],
                       cmark)
    raw = got["html_raw"]
    check("<script" not in raw.lower(), "html: no <script in the page")
    check("&lt;script&gt;" in raw, "html: <script> escaped")
    check("javascript:" not in " ".join(h or "" for h, _ in got["html"].links),
          "html: a javascript: reference is not a link")
    check_evil_page(got["html"], "html")
    md = got["markdown_raw"]
    body_fence = re.search(r"^(`{3,})yaml$", md, re.M)
    if check(body_fence, "markdown: fenced rule body"):
        check(len(body_fence.group(1)) > 3, "markdown: fence longer than the body's ``` run")
    if cmark:
        rendered = pages.render_markdown(cmark, md)
        check("raw HTML omitted" not in rendered, "markdown: no raw HTML reaches GitHub")
        check("<script" not in rendered.lower(), "markdown: no <script after rendering")
        check_evil_page(got["markdown"], "markdown")
        body = [b for b in got["markdown"].section("Rule body") if b[0] == "pre"]
        equal(body[0][1].strip("\n") if body else None, evil_rule().strip("\n"),
              "markdown: rule body intact")
    finish(skipped_markdown=cmark is None)


# ---------------------------------------------------------------------- all

ALL_RULES = {
    "a/r1.yml": rule_yaml("Rule One", "10000000-0000-0000-0000-000000000001",
                          "    sel:\n        Image|endswith: '\\a.exe'\n",
                          tags=["attack.persistence", "attack.t1505.004"], level="high"),
    "a/r2.yml": rule_yaml("Rule Two", "10000000-0000-0000-0000-000000000002",
                          "    sel:\n        Image|endswith: '\\b.exe'\n",
                          tags=["attack.persistence", "attack.execution", "attack.t1059.001"],
                          level="low", status="stable"),
    "b/r3.yml": rule_yaml("Rule Three", "10000000-0000-0000-0000-000000000003",
                          "    sel:\n        Image|endswith: '\\c.exe'\n",
                          tags=["attack.execution", "attack.t1059.001", "attack.t1059"],
                          level="critical", logsource="{product: linux, service: auditd}"),
    "b/r4.yml": rule_yaml("Rule Four", "10000000-0000-0000-0000-000000000004",
                          "    sel:\n        Image|endswith: '\\d.exe'\n"),
    "b/r5.yml": rule_yaml("Rule Five <&>", "10000000-0000-0000-0000-000000000005",
                          "    sel:\n        Image|endswith: '\\e.exe'\n",
                          tags=["attack.t1003"], level="informational"),
    # Broken: unknown modifier. A diagnostic, no page, the others still written.
    "b/bad.yml": "title: Broken\nid: 10000000-0000-0000-0000-0000000000ff\n"
                 "logsource: {product: windows}\ndetection:\n    sel:\n"
                 "        Image|nosuchmodifier: x\n    condition: sel\n",
}
ALL_PAGES = {  # title -> (level, status, logsource, tactics)
    "Rule Five <&>": ("informational", "test", "windows / process_creation", ""),
    "Rule Four": ("medium", "test", "windows / process_creation", ""),
    "Rule One": ("high", "test", "windows / process_creation", "Persistence"),
    "Rule Three": ("critical", "test", "linux / auditd", "Execution"),
    "Rule Two": ("low", "stable", "windows / process_creation", "Persistence, Execution"),
}
# Technique rows x tactic columns (ATT&CK order), counts of rules; "" = empty cell.
ALL_MATRIX = [
    ["Technique", "Rules", "Execution", "Persistence", "(no tactic)"],
    ["T1003", "1", "", "", "1"],
    ["T1059", "1", "1", "", ""],
    ["T1059.001", "2", "2", "1", ""],
    ["T1505.004", "1", "", "1", ""],
]


# ATT&CK table of rule pages: one row per technique with the rule's tactics.
ALL_ATTACK = {
    "10000000-0000-0000-0000-000000000002": [
        ["Persistence (TA0003), Execution (TA0002)", "T1059.001", ""]],
    "10000000-0000-0000-0000-000000000003": [
        ["Execution (TA0002)", "T1059.001", ""], ["Execution (TA0002)", "T1059", ""]],
    "10000000-0000-0000-0000-000000000004": [],
    "10000000-0000-0000-0000-000000000005": [["(no tactic)", "T1003", ""]],
}


def check_index(page, fmt, out_dir, ext):
    equal(page.headings("h2"), ["Rules", "MITRE ATT&CK matrix"], fmt + " index sections")
    t = tables(page.section("Rules"))
    if check(len(t) == 1, fmt + " one rules table"):
        rows = row_texts(t[0])
        equal(rows[0], ["Rule", "Level", "Status", "Logsource", "Tactics"], fmt + " index columns")
        got = {r[0]: tuple(r[1:]) for r in rows[1:]}
        equal(got, ALL_PAGES, fmt + " index rows")
        for row in t[0][1:]:
            hrefs = [h for h, _ in row[0].links]
            if check(len(hrefs) == 1 and hrefs[0].endswith("." + ext), fmt + " link per rule"):
                check(os.path.isfile(os.path.join(out_dir, hrefs[0])),
                      fmt + " linked page %s exists" % hrefs[0])
    m = tables(page.section("MITRE ATT&CK matrix"))
    if check(len(m) == 1, fmt + " one matrix table"):
        equal(row_texts(m[0]), ALL_MATRIX, fmt + " ATT&CK matrix counts")


def test_all(catalog, root, tmp):
    cmark = cmark_or_none()
    rules = os.path.join(tmp, "rules")
    for name, text in ALL_RULES.items():
        write(os.path.join(rules, name), text)
    for fmt, ext in (("html", "html"), ("markdown", "md")):
        out = os.path.join(tmp, "out-" + fmt)
        _, stdout, err = run(catalog, ["-r", rules, "--all", "--format", fmt, "-o", out])
        equal(stdout, "", fmt + ": nothing on stdout with -o")
        check(re.search(r"bad\.yml:6:\d+: error: ", err), fmt + ": diagnostic with file:line:col")
        check("loaded 5 rules, 1 failed" in err, fmt + ": summary line")
        files = sorted(os.listdir(out))
        want = sorted(["10000000-0000-0000-0000-00000000000%d.%s" % (i, ext)
                       for i in range(1, 6)] + ["index." + ext])
        equal(files, want, fmt + ": one page per rule plus the index")
        with open(os.path.join(out, "index." + ext), encoding="utf-8") as f:
            text = f.read()
        if fmt == "html":
            check_index(pages.Page(text), fmt, out, ext)
        elif cmark:
            check("raw HTML omitted" not in pages.render_markdown(cmark, text),
                  "markdown index has no raw HTML")
            check_index(pages.Page(pages.render_markdown(cmark, text)), fmt, out, ext)
        # Every rule page links back to the index and has every section.
        for name in want:
            if name.startswith("index"):
                continue
            with open(os.path.join(out, name), encoding="utf-8") as f:
                ptext = f.read()
            check(("index." + ext) in ptext, fmt + ": %s links to the index" % name)
            if fmt == "html":
                page = pages.Page(ptext)
            elif cmark:
                page = pages.Page(pages.render_markdown(cmark, ptext))
            else:
                continue
            equal(page.headings("h2"), SECTIONS, fmt + ": sections of " + name)
            rid = name.rsplit(".", 1)[0]
            if rid in ALL_ATTACK:
                t = tables(page.section("MITRE ATT&CK coverage"))
                equal(row_texts(t[0])[1:] if t else [], ALL_ATTACK[rid],
                      fmt + ": ATT&CK rows of " + name)
    finish(skipped_markdown=cmark is None)


# ---------------------------------------------------------------- relations

MULTI_YAML = """action: global
logsource: {product: windows}
detection:
    condition: sel
---
title: First
name: first_rule
detection:
    sel: {EventID: 1}
---
title: Second
name: second_rule
detection:
    sel:
        - {User: admin, Image|endswith|windash: '\\x.exe'}
        - {User|re: '^svc_'}
        - [evil, bad]
---
title: No SYSTEM
id: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
logsource: {product: windows}
filter:
    rules: [second_rule]
    sys: {User: SYSTEM}
    condition: not sys
---
title: Both in a row
name: both
correlation:
    type: temporal
    rules: [first_rule, second_rule]
    group-by: [User]
    timespan: 5m
"""


def stage_blocks(page):
    """[[h3 text, [paragraph texts], [table rows as texts]], ...] of Stages and Predicates,
    with the paragraphs before the first h3 under the title None."""
    got = [[None, [], []]]
    for b in page.section("Stages and Predicates"):
        if b[0] == "h3":
            got.append([norm(b[1]), [], []])
        elif b[0] in ("p", "li"):
            got[-1][1].append(norm(b[1]))
        elif b[0] == "table":
            got[-1][2] = row_texts(b[1])
    return got


def check_relations(page_of, fmt):
    second = stage_blocks(page_of("second_rule"))
    equal([s[0] for s in second[1:]],
          ["Stage 0: condition", "Stage 1: sel", "Stage 2: filter "
           "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee: condition",
           "Stage 3: filter aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee: sys"],
          fmt + " stages of a rule with a filter")
    sel = second[2]
    check("A list of groups: the selection holds when every item of one group holds." in sel[1],
          fmt + " grouped selection explained")
    equal(sel[2], [["Group", "Field", "Kind", "Values"],
                   ["1", "User", "equals", "admin"],
                   ["1", "Image", "endswith|windash", "\\x.exe"],
                   ["2", "User", "re", "^svc_"],
                   ["3", "(keywords)", "keyword", "evil, bad" if fmt == "markdown" else "evil bad"]],
          fmt + " grouped selection rows")
    equal(second[3][1], ["not sys"], fmt + " filter condition")
    equal(second[4][2], [["Field", "Kind", "Values"], ["User", "equals", "SYSTEM"]],
          fmt + " filter selection")
    check(second[-1][1][-2:] == ["Correlation rules that use this rule:", "Both in a row (both)"],
          fmt + " referrers listed: %r" % second[-1][1])
    corr = stage_blocks(page_of("both"))
    equal(corr, [[None, ["A correlation rule of type temporal: it has no stages of its own. "
                         "It correlates the rules:" if fmt == "markdown" else
                         "A correlation rule of type temporal: it has no stages of its own.",
                         ] + ([] if fmt == "markdown" else ["It correlates the rules:"])
                  + ["First (first_rule)", "Second (second_rule)"], []]],
          fmt + " correlation rule")


def test_relations(catalog, root, tmp):
    cmark = cmark_or_none()
    path = os.path.join(tmp, "multi.yml")
    write(path, MULTI_YAML)

    def page_of(fmt):
        def get(rule):
            _, text, _ = run(catalog, ["-r", path, "--rule", rule, "--format", fmt])
            return pages.Page(text if fmt == "html" else pages.render_markdown(cmark, text))
        return get

    check_relations(page_of("html"), "html")
    if cmark:
        check_relations(page_of("markdown"), "markdown")
    finish(skipped_markdown=cmark is None)


# ---------------------------------------------------------------------- cli


def test_cli(catalog, root, tmp):
    seed = os.path.join(root, SEED_PATH)
    rules = os.path.join(tmp, "rules")
    write(os.path.join(rules, "seed.yml"), open(seed, encoding="utf-8").read())
    write(os.path.join(rules, "bad.yml"),
          "title: Bad\nlogsource: {product: windows}\ndetection:\n    sel:\n"
          "        a|nosuchmodifier: x\n    condition: sel\n")

    usage_cases = [
        ([], "no rules given"),
        (["-r", rules], "--rule ID or --all"),
        (["-r", rules, "--rule", SEED_ID, "--all", "-o", tmp], "cannot be combined"),
        (["-r", rules, "--all"], "--all needs an output directory"),
        (["-r", rules, "--rule", SEED_ID, "--format", "pdf"], "unknown format 'pdf'"),
        (["-r", rules, "--rule", SEED_ID, "--bogus"], "unknown option '--bogus'"),
        (["-r", rules, "--rule"], "needs an ID"),
        (["-r", rules, "--rule", SEED_ID, "--rule", SEED_ID], "only one --rule"),
        (["-r", rules, "stray"], "unexpected argument 'stray'"),
    ]
    for args, msg in usage_cases:
        rc, out, err = run(catalog, args, expect=2)
        check(msg in err and "usage: sigma-catalog" in err,
              "usage error %r: message %r and usage on stderr, got %r" % (args, msg, err[:300]))
        equal(out, "", "usage error %r: nothing on stdout" % (args,))

    rc, out, err = run(catalog, ["-r", os.path.join(tmp, "missing"), "--rule", SEED_ID], expect=2)
    check("missing: No such file or directory" in err, "missing rules path: %r" % err)
    rc, out, err = run(catalog, ["-r", rules, "--rule", SEED_ID, "--attack-names",
                                 os.path.join(tmp, "nonames")], expect=2)
    check("cannot read ATT&CK names" in err, "unreadable --attack-names: %r" % err)
    rc, out, err = run(catalog, ["-r", rules, "--rule", "no-such-rule"], expect=1)
    check("sigma-catalog: no rule with id 'no-such-rule' in the loaded rules" in err,
          "unknown --rule id message: %r" % err)
    equal(out, "", "unknown --rule id: nothing on stdout")

    # A bad rule next to the good one: diagnostic with file:line:col, page still made.
    rc, out, err = run(catalog, ["-r", rules, "--rule", SEED_ID])
    check(re.search(r"bad\.yml:5:\d+: error: .*nosuchmodifier", err),
          "diagnostic with file:line:col: %r" % err)
    check("loaded 1 rules, 1 failed" in err, "summary line: %r" % err)
    check(out.startswith("# Suspicious IIS Module Registration\n"), "page on stdout")

    # -o with one rule: the file, nothing on stdout; the directory is created.
    out_dir = os.path.join(tmp, "new", "dir")
    rc, out, err = run(catalog, ["-r", rules, "--rule", SEED_ID, "-o", out_dir, "--format=html"])
    equal(out, "", "-o: nothing on stdout")
    equal(sorted(os.listdir(out_dir)), [SEED_ID + ".html"], "-o: the page file")
    # A write error on stdout is an I/O error.
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            p = subprocess.run([catalog, "-r", rules, "--rule", SEED_ID], stdout=full,
                               stderr=subprocess.PIPE)
        check(p.returncode == 2 and b"cannot write to stdout" in p.stderr,
              "write error on stdout: exit %d, %r" % (p.returncode, p.stderr[-200:]))
    # -o onto a file is an I/O error.
    rc, out, err = run(catalog, ["-r", rules, "--rule", SEED_ID, "-o", seed], expect=2)
    check("not a directory" in err, "-o onto a file: %r" % err)

    # --no-mapping: no event coverage rows.
    rc, out, err = run(catalog, ["-r", rules, "--rule", SEED_ID, "--format", "html",
                                 "--no-mapping"])
    ev = pages.Page(out).section("Event coverage")
    equal(tables(ev), [], "--no-mapping: no Event coverage table")
    check(any("No events are mapped" in b[1] for b in ev if b[0] == "p"),
          "--no-mapping: says no events are mapped")

    # A malformed names line is a diagnostic, not a failure.
    names = os.path.join(tmp, "names.tsv")
    write(names, "T1505.004\tIIS Components\nnot a line\n")
    rc, out, err = run(catalog, ["-r", rules, "--rule", SEED_ID, "--attack-names", names])
    check(re.search(r"names\.tsv:2(:\d+)?: error: ", err), "bad names line diagnostic: %r" % err)
    check("IIS Components" in out, "names file used: %r" % out[:500])

    # Page file names: the id; a repeated id gets "-2"; no id: rule-<position>; an id
    # with characters that do not belong in a file name gets them replaced.
    names_dir = os.path.join(tmp, "names")
    det = "    sel:\n        Image: x\n"
    write(os.path.join(names_dir, "a.yml"), rule_yaml("A", "20000000-0000-0000-0000-000000000001", det))
    write(os.path.join(names_dir, "b.yml"), rule_yaml("B", "20000000-0000-0000-0000-000000000001", det))
    write(os.path.join(names_dir, "c.yml"), rule_yaml("C", "x", det).replace("id: x\n", ""))
    write(os.path.join(names_dir, "d.yml"), rule_yaml("D", "x", det).replace(
        "id: x\n", "name: ../evil/<name>\n"))
    out_dir = os.path.join(tmp, "names-out")
    rc, out, err = run(catalog, ["-r", names_dir, "--all", "-o", out_dir])
    check("loaded 4 rules, 0 failed" in err, "page names: rules loaded: %r" % err)
    equal(sorted(os.listdir(out_dir)), sorted([
        "20000000-0000-0000-0000-000000000001.md", "20000000-0000-0000-0000-000000000001-2.md",
        "rule-3.md", "rule-4.md", "index.md"]), "page file names")

    rc, out, err = run(catalog, ["--help"])
    check(out.startswith("usage: sigma-catalog"), "--help on stdout")
    rc, out, err = run(catalog, ["--version"])
    check(out.startswith("sigma-catalog "), "--version")
    finish()


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    test, catalog, root = sys.argv[1], sys.argv[2], sys.argv[3]
    tests = {"seed": test_seed, "escaping": test_escaping, "all": test_all,
             "relations": test_relations, "cli": test_cli}
    with tempfile.TemporaryDirectory(prefix="catalog-test-") as tmp:
        tests[test](catalog, root, tmp)


if __name__ == "__main__":
    main()
