#!/usr/bin/env python3
"""sigma-catalog's HTML in a real browser: headless Chromium through chromedriver.

usage: browser_test.py SIGMA_CATALOG SOURCE_ROOT ARTIFACT_DIR

Writes the catalog (--all, HTML) of a small rule directory -- the seed rule, rules
sharing its indicators, and a rule full of markup characters -- and opens the seed
rule's page, the escaping rule's page and the index page in headless Chromium over
the W3C WebDriver protocol (chromedriver; Python standard library only). For each
page: no console message of level WARNING or SEVERE (the pages carry a Content
Security Policy that forbids every script and external asset, so an injected
script or a fetched asset would show up there), no network request, no script
element, every section heading in order and visible, and the visible text of each
section (innerText) checked, including with the browser's own find (window.find).
The harness first proves that it sees console errors on a control page.

Screenshots are kept in ARTIFACT_DIR (the meson build directory of this test):
catalog-seed.png, catalog-index.png, catalog-escaping.png.

Without Chromium (/usr/bin/chromium and chromedriver) it prints
"SKIPPED: chromium not found" and exits 77; with CI=true that is a failure.
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog_tests as ct  # noqa: E402
import webdriver  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    return cond


def equal(got, want, what):
    return check(got == want, "%s:\n    got  %r\n    want %r" % (what, got, want))


def find_browser():
    chromium = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "")
                     if p and os.path.exists(p)), None)
    driver = next((p for p in ("/usr/bin/chromedriver", shutil.which("chromedriver") or "")
                   if p and os.path.exists(p)), None)
    if chromium and driver:
        return chromium, driver
    if os.environ.get("CI") == "true":
        print("FAIL: chromium not found (CI installs chromium and chromium-driver)")
        sys.exit(1)
    print("SKIPPED: chromium not found")
    sys.exit(77)


SECTION_IDS = ["description", "attack", "events", "body", "stages", "indicators"]

PAGE_STATE = """
const vis = el => { if (!el) return false; const r = el.getBoundingClientRect();
  const s = getComputedStyle(el); return r.width > 0 && r.height > 0 &&
  s.visibility !== 'hidden' && s.display !== 'none'; };
const rows = el => el ? Array.from(el.querySelectorAll('tr')).map(
  tr => Array.from(tr.cells).map(c => c.innerText.trim())) : null;
const ids = arguments[0];
const sections = {};
for (const id of ids) {
  const el = document.getElementById(id);
  sections[id] = el ? {text: el.innerText, visible: vis(el), rows: rows(el),
                       heading: el.querySelector('h2') ? el.querySelector('h2').innerText : null}
                    : null;
}
return {
  title: document.title,
  h1: document.querySelector('h1') ? document.querySelector('h1').innerText : null,
  h1_visible: vis(document.querySelector('h1')),
  h2: Array.from(document.querySelectorAll('h2')).map(h => h.innerText),
  scripts: document.scripts.length,
  resources: performance.getEntriesByType('resource').map(e => e.name),
  width: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight,
  sections: sections,
};
"""


def find(browser, text):
    """The browser's find (Ctrl+F): true when `text` is found on the page."""
    return browser.script("window.getSelection().removeAllRanges();"
                          "return window.find(arguments[0], false, false, true);", text)


def console_problems(browser):
    return [e for e in browser.console() if e.get("level") in ("SEVERE", "WARNING")]


def open_page(browser, path):
    browser.console()  # drop what came before
    browser.open("file://" + path)
    return browser.script(PAGE_STATE, SECTION_IDS + ["rules", "matrix"])


def screenshot(browser, state, path):
    height = min(max(int(state["height"]), 600), 6000)
    browser.resize(1280, height + 140)  # the window frame takes some of the height
    png = browser.screenshot(path)
    ok = png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    if check(ok, "%s is a PNG" % path):
        w, h = struct.unpack(">II", png[16:24])
        check(w >= 800 and h >= 600, "%s is %dx%d" % (path, w, h))
        print("screenshot: %s (%dx%d, %d bytes)" % (path, w, h, len(png)))
    browser.resize(1280, 1000)


def common_checks(browser, state, name):
    problems = console_problems(browser)
    equal(problems, [], name + ": console errors and warnings")
    equal(state["resources"], [], name + ": network requests")
    equal(state["scripts"], 0, name + ": script elements")
    check(state["h1_visible"], name + ": title visible")


def check_seed(browser, state):
    common_checks(browser, state, "seed page")
    equal(state["h1"], "Suspicious IIS Module Registration", "seed page: title")
    equal(state["h2"], ct.SECTIONS, "seed page: section headings in order")
    sec = state["sections"]
    for sid, title in zip(SECTION_IDS, ct.SECTIONS):
        s = sec.get(sid)
        if check(s is not None, "seed page: section #%s" % sid):
            check(s["visible"], "seed page: section #%s visible" % sid)
            equal(s["heading"], title, "seed page: heading of #%s" % sid)
    if not all(sec.get(i) for i in SECTION_IDS):
        return
    check("Detects a suspicious IIS module registration" in sec["description"]["text"],
          "seed page: description text")
    check("Florian Roth (Nextron Systems), Microsoft (idea)" in sec["description"]["text"],
          "seed page: author")
    equal(sec["attack"]["rows"], [["Tactic", "Technique", "Name"],
                                  ["Persistence (TA0003)", "T1505.004", "IIS Components"]],
          "seed page: ATT&CK rows")
    equal(sec["events"]["rows"], [["Provider", "Event ID", "Title"]] + ct.SEED_EVENTS,
          "seed page: Event coverage rows")
    check("selection_parent:\n        ParentImage|endswith: '\\w3wp.exe'" in sec["body"]["text"],
          "seed page: rule body shows the YAML with its indentation")
    stages = sec["stages"]["text"]
    for title, cond, _ in ct.SEED_STAGES:
        check(title in stages, "seed page: %r visible" % title)
    check("selection_parent and 1 of selection_cli_*" in stages, "seed page: condition text")
    rows = sec["indicators"]["rows"]
    want = [["Field", "Kind", "Values", "Corpus"]] + [
        [f, k, "\n".join(v), c] for f, k, v, c in ct.SEED_INDICATORS]
    # innerText trims the leading space of " /I" in a cell only at a line start.
    got = [[c if i != 2 else "\n".join(x.strip() for x in c.split("\n")) for i, c in enumerate(r)]
           for r in rows]
    want = [[c if i != 2 else "\n".join(x.strip() for x in c.split("\n")) for i, c in enumerate(r)]
            for r in want]
    equal(got, want, "seed page: indicator rows (visible text)")
    for text in ("Process creation", "A new process has been created.", "\\w3wp.exe",
                 "appcmd.exe add module", "Stages and Predicates", "T1505.004"):
        check(find(browser, text), "seed page: find %r" % text)
    check(not find(browser, "text that is not on the page"), "seed page: find is not fooled")


def check_index(browser, state, n_rules, out_dir):
    common_checks(browser, state, "index page")
    equal(state["h2"], ["Rules", "MITRE ATT&CK matrix"], "index page: headings")
    sec = state["sections"]
    rules, matrix = sec.get("rules"), sec.get("matrix")
    if not (check(rules and rules["visible"], "index page: rules visible")
            and check(matrix and matrix["visible"], "index page: matrix visible")):
        return
    equal(len(rules["rows"]) - 1, n_rules, "index page: one row per rule")
    titles = [r[0] for r in rules["rows"][1:]]
    check("Suspicious IIS Module Registration" in titles, "index page: seed rule listed")
    seed_row = [r for r in rules["rows"] if r[0] == "Suspicious IIS Module Registration"]
    if seed_row:
        equal(seed_row[0][1:], ["high", "test", "windows / process_creation", "Persistence"],
              "index page: seed row")
    head = matrix["rows"][0]
    check(head[:2] == ["Technique", "Rules"] and "Persistence" in head,
          "index page: matrix head %r" % head)
    row = [r for r in matrix["rows"] if r[0].startswith("T1505.004")]
    if check(row, "index page: T1505.004 row"):
        col = head.index("Persistence")
        equal(row[0][col], "1", "index page: T1505.004 x Persistence")
    check(find(browser, "MITRE ATT&CK matrix"), "index page: find the matrix heading")
    # The link to the seed page leads to it.
    href = browser.script("const a = Array.from(document.querySelectorAll('#rules a')).find("
                          "a => a.innerText === 'Suspicious IIS Module Registration');"
                          "return a ? a.getAttribute('href') : null;")
    if check(href == ct.SEED_ID + ".html", "index page: link to the seed page (%r)" % href):
        browser.script("document.querySelector('a[href=\"' + arguments[0] + '\"]').click();",
                       href)
        h1 = browser.script("return document.querySelector('h1').innerText;")
        equal(h1, "Suspicious IIS Module Registration", "index link opens the seed page")


def check_escaping(browser, state):
    common_checks(browser, state, "escaping page")
    equal(state["h1"], ct.EVIL_TITLE, "escaping page: title shown exactly as written")
    equal(state["title"], ct.EVIL_TITLE, "escaping page: window title")
    equal(state["h2"], ct.SECTIONS, "escaping page: sections")
    sec = state["sections"]
    if sec.get("description"):
        for line in ct.EVIL_DESC_LINES:
            check(line in sec["description"]["text"], "escaping page: description line %r" % line)
    if sec.get("stages"):
        values = sec["stages"]["rows"][1][2].split("\n")
        equal([v.strip() for v in values], [v.strip() for v in ct.EVIL_VALUES],
              "escaping page: values as written")
    check(find(browser, "<script>alert(1)</script>"), "escaping page: find the <script> value")


def control(browser, tmp):
    """The console check must see a blocked script: otherwise it proves nothing."""
    path = os.path.join(tmp, "control.html")
    with open(path, "w") as f:
        f.write("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'\"><title>c</title></head><body><h1>c</h1>"
                "<script>console.log(1)</script></body></html>")
    open_page(browser, path)
    check(any("Content Security Policy" in e.get("message", "") for e in console_problems(browser)),
          "control page: the harness sees the console error of a blocked script")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    catalog, root, artifacts = sys.argv[1], sys.argv[2], sys.argv[3]
    chromium, driver = find_browser()
    os.makedirs(artifacts, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="catalog-browser-") as tmp:
        rules = os.path.join(tmp, "rules")
        with open(os.path.join(root, ct.SEED_PATH), encoding="utf-8") as f:
            ct.write(os.path.join(rules, "seed.yml"), f.read())
        for name, text in ct.SEED_NEIGHBOURS.items():
            ct.write(os.path.join(rules, name), text)
        ct.write(os.path.join(rules, "evil.yml"), ct.evil_rule())
        names = os.path.join(tmp, "names.tsv")
        ct.write(names, "T1505.004\tIIS Components\n")
        out = os.path.join(tmp, "catalog")
        p = subprocess.run([catalog, "-r", rules, "--all", "--format", "html", "-o", out,
                            "--attack-names", names], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode != 0:
            print(p.stderr.decode())
            print("FAIL: sigma-catalog exited %d" % p.returncode)
            sys.exit(1)
        n_rules = 1 + len(ct.SEED_NEIGHBOURS) + 1

        browser = webdriver.Browser(chromium, driver)
        try:
            control(browser, tmp)
            state = open_page(browser, os.path.join(out, ct.SEED_ID + ".html"))
            check_seed(browser, state)
            screenshot(browser, state, os.path.join(artifacts, "catalog-seed.png"))
            state = open_page(browser, os.path.join(out, "11111111-2222-3333-4444-555555555555.html"))
            check_escaping(browser, state)
            screenshot(browser, state, os.path.join(artifacts, "catalog-escaping.png"))
            state = open_page(browser, os.path.join(out, "index.html"))
            screenshot(browser, state, os.path.join(artifacts, "catalog-index.png"))
            check_index(browser, state, n_rules, out)
        finally:
            browser.close()
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
