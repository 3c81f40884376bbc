#!/usr/bin/env python3
"""sigma-catalog over the SigmaHQ corpus (../shared/corpus/sigmahq/rules).

usage: corpus_catalog.py SIGMA_CATALOG SOURCE_ROOT CORPUS

1. `sigma-catalog -r CORPUS/sigmahq/rules --all -o DIR` (Markdown, then HTML) must
   succeed with "loaded N rules, 0 failed", write exactly one page per rule plus the
   index, and the index must list N rules. The time of each run is printed.
   Every page is read back: each Markdown page rendered with
   cmark-gfm (GitHub's renderer; when installed) with no raw HTML left; every page
   must have the six sections after the title in order.
2. The seed rule's page from the corpus: the Indicators row
   `ParentImage | endswith | \\w3wp.exe` and its corpus count are printed; the count
   must be at least 1 (SigmaHQ has other IIS worker rules) and, when PyYAML is
   installed, equal to an independent count made here from the rule files.

Without the corpus: "SKIPPED: ../shared/corpus not found" and exit 77 (a failure
with CI=true). Exit status: 0 pass, 1 fail, 77 skipped.
"""

import concurrent.futures
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pages  # noqa: E402
from catalog_tests import SECTIONS, SEED_ID  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    return cond


def independent_count(rules_dir, seed_path):
    """Rules other than the seed with a ParentImage|endswith item whose values include
    \\w3wp.exe (case-insensitive), or None without PyYAML."""
    try:
        import yaml
    except ImportError:
        return None
    n = 0
    for d, _, files in os.walk(rules_dir):
        for name in files:
            if not name.endswith((".yml", ".yaml")):
                continue
            path = os.path.join(d, name)
            if os.path.samefile(path, seed_path):
                continue
            with open(path, encoding="utf-8") as f:
                docs = list(yaml.safe_load_all(f))
            found = False
            for doc in docs:
                det = (doc or {}).get("detection") or {}
                for key, sel in det.items():
                    maps = sel if isinstance(sel, list) else [sel]
                    for m in maps:
                        if not isinstance(m, dict):
                            continue
                        for field, vals in m.items():
                            if field != "ParentImage|endswith":
                                continue
                            vals = vals if isinstance(vals, list) else [vals]
                            if any(isinstance(v, str) and v.lower() == "\\w3wp.exe"
                                   for v in vals):
                                found = True
            n += found
    return n


def read_back(path, fmt, cmark):
    """Problems of one page as GitHub or a browser would read it, or []."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if fmt == "markdown":
        text = pages.render_markdown(cmark, text)
        if "raw HTML omitted" in text:
            return ["%s: raw HTML" % path]
    heads = [pages.norm(html.unescape(re.sub(r"<[^>]*>", "", h)))
             for h in re.findall(r"<h2[^>]*>(.*?)</h2>", text, re.S)]
    return [] if heads == SECTIONS else ["%s: sections %r" % (path, heads)]


def main():
    catalog, root, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
    rules = os.path.join(os.path.normpath(os.path.abspath(corpus)), "sigmahq", "rules")
    if not os.path.isdir(rules):
        if os.environ.get("CI") == "true":
            print("FAIL: ../shared/corpus not found (CI has it)")
            sys.exit(1)
        print("SKIPPED: ../shared/corpus not found")
        sys.exit(77)

    with tempfile.TemporaryDirectory(prefix="catalog-corpus-") as tmp:
        for fmt, ext in (("markdown", "md"), ("html", "html")):
            out = os.path.join(tmp, fmt)
            t0 = time.monotonic()
            p = subprocess.run([catalog, "-r", rules, "--all", "--format", fmt, "-o", out],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            elapsed = time.monotonic() - t0
            err = p.stderr.decode("utf-8", "replace")
            if not check(p.returncode == 0, "%s: exit %d: %s" % (fmt, p.returncode, err[-2000:])):
                continue
            m = re.search(r"^loaded (\d+) rules, (\d+) failed$", err, re.M)
            if not check(m and m.group(2) == "0", "%s: summary %r" % (fmt, err[-500:])):
                continue
            n = int(m.group(1))
            files = os.listdir(out)
            check(len(files) == n + 1 and ("index." + ext) in files,
                  "%s: %d files for %d rules" % (fmt, len(files), n))
            with open(os.path.join(out, "index." + ext), encoding="utf-8") as f:
                index = f.read()
            links = len(re.findall(r"\]\([^)]+\.md\)" if ext == "md" else r'<a href="[^"/]+\.html">',
                                   index))
            check(links == n, "%s: index links %d rules of %d" % (fmt, links, n))
            print("%s: --all over %d rules: %d pages + index in %.2f s (%s)"
                  % (fmt, n, len(files) - 1, elapsed, err.strip().splitlines()[-1]))
            cmark = shutil.which("cmark-gfm")
            if fmt == "markdown" and not cmark:
                print("markdown pages not rendered (no cmark-gfm)")
                continue
            rule_pages = [os.path.join(out, f) for f in files if f != "index." + ext]
            with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
                problems = [p for r in ex.map(lambda f: read_back(f, fmt, cmark), rule_pages)
                            for p in r]
            for p in problems[:10]:
                print("FAIL: " + p)
            check(not problems, "%s: %d pages read back wrong" % (fmt, len(problems)))
            print("%s: %d pages read back with every section" % (fmt, len(rule_pages)))

        p = subprocess.run([catalog, "-r", rules, "--rule", SEED_ID, "--format", "html"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        check(p.returncode == 0, "seed page from the corpus: exit %d" % p.returncode)
        page = pages.Page(p.stdout.decode())
        row = None
        for t in pages.tables(page.section("Indicators")):
            for r in t[1:]:
                if r[0].codes == ["ParentImage"] and r[2].codes == ["\\w3wp.exe"]:
                    row = r
        if check(row is not None, "seed page: ParentImage|endswith \\w3wp.exe indicator row"):
            count = int(pages.norm(row[3].text))
            print("seed rule indicator ParentImage | %s | \\w3wp.exe: corpus %d"
                  % (pages.norm(row[1].text), count))
            check(count >= 1, "corpus count of \\w3wp.exe is at least 1")
            seed_path = None
            for d, _, fs in os.walk(rules):
                if "proc_creation_win_iis_susp_module_registration.yml" in fs:
                    seed_path = os.path.join(d, "proc_creation_win_iis_susp_module_registration.yml")
            want = independent_count(rules, seed_path) if seed_path else None
            if want is None:
                print("independent count skipped (no PyYAML)")
            else:
                print("independent count from the YAML files: %d" % want)
                check(count == want, "corpus count %d equals the independent count %d"
                      % (count, want))
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
