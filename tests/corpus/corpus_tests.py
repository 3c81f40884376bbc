#!/usr/bin/env python3
"""Tests over the external corpus: the SigmaHQ rule set and its regression cases.

usage: corpus_tests.py load SIGMA_SCAN SOURCE_ROOT CORPUS
       corpus_tests.py expected-failures SIGMA_SCAN SOURCE_ROOT CORPUS
                       --list-failures LIST_FAILURES --expected EXPECTED_FAILURES_TXT
       corpus_tests.py regression SIGMA_SCAN SOURCE_ROOT CORPUS

CORPUS is ../shared/corpus beside the source tree (see /work/shared/corpus/README.md
and tests/corpus/README.md). When it is absent the test prints
"SKIPPED: ../shared/corpus not found (a user's own clone)" and exits 77, which meson
counts as a skip; with CI=true in the environment a missing corpus is a failure
(exit 1), because CI always has it.

  load               sigma-scan --check --placeholders examples/placeholders.yml on
                     each active rule folder; every one must end with
                     "loaded N rules, 0 failed" (and N >= 3,700 over the five folders).
  expected-failures  deprecated/ and unsupported/ with the same placeholders; the set
                     of (file, diagnostic code) of the errors must equal
                     tests/corpus/expected-failures.txt, in both directions.
  regression         every case of regression/manifest.jsonl and manifest_extra.jsonl:
                     sigma-scan with only its rule over its events must give at least
                     expected_match_count matches (at least 1 when null).

Python 3 standard library only. Exit status: 0 pass, 1 fail, 77 skipped.
"""

import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

SKIP = 77
SKIP_MESSAGE = "SKIPPED: ../shared/corpus not found (a user's own clone)"

# The five folders of the issue, then the optional one (checked only if it has rules).
LOAD_FOLDERS = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-compliance",
                "rules-placeholder"]
OPTIONAL_FOLDERS = ["rules-dfir"]
MIN_TOTAL_RULES = 3700
FAILURE_FOLDERS = ["deprecated", "unsupported"]

SUMMARY_RE = re.compile(r"^loaded (\d+) rules, (\d+) failed$")


def fail_exit(lines):
    for line in lines:
        print(line)
    print("FAILED")
    sys.stdout.flush()
    sys.exit(1)


def find_corpus(corpus):
    """Returns the normalized corpus path, or exits 77 (skip) / 1 (CI) when absent."""
    corpus = os.path.normpath(os.path.abspath(corpus))
    if os.path.isdir(corpus):
        return corpus
    if os.environ.get("CI") == "true":
        fail_exit(["FAIL: ../shared/corpus not found (looked for %s)" % corpus,
                   "CI=true: CI always has the corpus, so its absence is a failure, not a skip."])
    print(SKIP_MESSAGE)
    print("(looked for %s)" % corpus)
    sys.stdout.flush()
    sys.exit(SKIP)


def need_dir(path, what):
    if not os.path.isdir(path):
        fail_exit(["FAIL: the corpus is there but %s is missing: %s" % (what, path)])


def rule_files(folder):
    n = 0
    for _, _, files in os.walk(folder):
        n += sum(1 for f in files if f.endswith((".yml", ".yaml")))
    return n


def run(cmd, timeout=600):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def tail(text, n=20):
    lines = text.splitlines()
    if len(lines) > n:
        lines = ["... (%d more lines)" % (len(lines) - n)] + lines[-n:]
    return "\n".join("    " + x for x in lines)


# ------------------------------------------------------------------- load

def test_load(exe, src, corpus):
    sigmahq = os.path.join(corpus, "sigmahq")
    need_dir(sigmahq, "sigmahq/")
    placeholders = os.path.join(src, "examples", "placeholders.yml")
    folders = list(LOAD_FOLDERS)
    notes = []
    for opt in OPTIONAL_FOLDERS:
        path = os.path.join(sigmahq, opt)
        if os.path.isdir(path) and rule_files(path) > 0:
            folders.append(opt)
        else:
            notes.append("%-24s no rule files, not checked" % (opt + "/"))
    problems = []
    total_five = 0
    total_all = 0
    for folder in folders:
        path = os.path.join(sigmahq, folder)
        if not os.path.isdir(path):
            problems.append("%s/: missing from the corpus" % folder)
            continue
        t0 = time.monotonic()
        rc, out, err = run([exe, "--check", "--placeholders", placeholders, "-r", path])
        elapsed = time.monotonic() - t0
        lines = err.splitlines()
        m = SUMMARY_RE.match(lines[-1]) if lines else None
        if not m:
            problems.append("%s/: no summary line (exit %d)\n%s" % (folder, rc, tail(err)))
            continue
        loaded, failed = int(m.group(1)), int(m.group(2))
        errors = [x for x in lines if ": error: " in x]
        print("%-24s loaded %5d rules, %d failed  (%d files, %.1f s)%s"
              % (folder + "/", loaded, failed, rule_files(path), elapsed,
                 "" if rc == 0 else "  exit %d" % rc))
        if failed or errors or rc != 0:
            problems.append("%s/: %s (exit %d), %d error lines:\n%s"
                            % (folder, lines[-1], rc, len(errors), tail("\n".join(errors), 40)))
        if loaded == 0:
            problems.append("%s/: no rule loaded" % folder)
        if folder in LOAD_FOLDERS:
            total_five += loaded
        total_all += loaded
    for note in notes:
        print(note)
    print("total: %d rules over the five folders%s"
          % (total_five, "" if total_all == total_five else ", %d with %s"
             % (total_all, ", ".join(OPTIONAL_FOLDERS))))
    if total_five < MIN_TOTAL_RULES:
        problems.append("only %d rules over the five folders, expected at least %d"
                        % (total_five, MIN_TOTAL_RULES))
    if problems:
        fail_exit(["FAIL: " + p for p in problems])
    print("PASSED")


# ------------------------------------------------------- expected failures

def read_expected(path):
    """{(file, code): reason} from expected-failures.txt; exits on a malformed line."""
    entries = {}
    bad = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or not parts[0] or not parts[1].isdigit() or not parts[2].strip():
                bad.append("%s:%d: want <file><TAB><code><TAB><reason>: %r" % (path, lineno, line))
                continue
            key = (parts[0], int(parts[1]))
            if key in entries:
                bad.append("%s:%d: duplicate entry %s %d" % (path, lineno, key[0], key[1]))
            entries[key] = parts[2].strip()
    if bad:
        fail_exit(["FAIL: " + b for b in bad])
    return entries


def test_expected_failures(exe, src, corpus, list_failures, expected_path):
    sigmahq = os.path.join(corpus, "sigmahq")
    need_dir(sigmahq, "sigmahq/")
    placeholders = os.path.join(src, "examples", "placeholders.yml")
    paths = []
    for folder in FAILURE_FOLDERS:
        path = os.path.join(sigmahq, folder)
        need_dir(path, "sigmahq/%s/" % folder)
        paths.append(path)
    rc, out, err = run([list_failures, "--base", sigmahq, "--placeholders", placeholders] + paths)
    if rc != 0:
        fail_exit(["FAIL: list_failures exited %d\n%s" % (rc, tail(err))])
    got = set()
    for line in out.splitlines():
        file, code = line.rsplit("\t", 1)
        got.add((file, int(code)))
    expected = read_expected(expected_path)
    want = set(expected)

    # The same rules through sigma-scan, for the rule counts (and as a cross-check:
    # the number of failed documents must match the files listed).
    error_lines = []
    for folder, path in zip(FAILURE_FOLDERS, paths):
        rc2, _, err2 = run([exe, "--check", "--placeholders", placeholders, "-r", path])
        lines = err2.splitlines()
        error_lines += [x for x in lines if ": error: " in x]
        summary = lines[-1] if lines else "(no summary, exit %d)" % rc2
        files = sorted({f for f, _ in got if f.startswith(folder + "/")})
        print("%-13s %s; %d failing files (%d files in the folder)"
              % (folder + "/", summary, len(files), rule_files(path)))

    by_code = collections.Counter(code for _, code in got)
    print("failing now: %d (file, code) pairs in %d files; by code: %s"
          % (len(got), len({f for f, _ in got}),
             ", ".join("%d x%d" % (c, n) for c, n in sorted(by_code.items()))))

    new = sorted(got - want)
    gone = sorted(want - got)
    if new or gone:
        msg = ["FAIL: the set of failing rules changed (update tests/corpus/expected-failures.txt"
               " only after reading each rule)"]
        if new:
            msg.append("failing now but not listed (%d):" % len(new))
            for k in new:
                msg.append("    %s\t%d" % k)
                where = os.path.join(sigmahq, k[0]) + ":"
                msg += ["        " + x for x in error_lines if x.startswith(where)]
        if gone:
            msg.append("listed but not failing any more (%d):" % len(gone))
            msg += ["    %s\t%d\t%s" % (k[0], k[1], expected[k]) for k in gone]
        fail_exit(msg)
    print("PASSED")


# ------------------------------------------------------------- regression

def load_manifest(path, extra):
    cases = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                case = json.loads(line)
                case["_where"] = "%s:%d" % (os.path.basename(path), lineno)
                case["_extra"] = extra
                cases.append(case)
    return cases


def run_case(exe, corpus, case):
    rule = os.path.join(corpus, case["rule_path"])
    events = os.path.join(corpus, "regression", case["events_file"])
    rc, out, err = run([exe, "-r", rule, events], timeout=300)
    hits = []
    bad_json = 0
    for line in out.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            bad_json += 1
            continue
        if obj.get("id") == case["rule_id"]:
            hits.append(obj.get("event"))
    expected = case.get("expected_match_count")
    need = expected if expected is not None else 1
    ok = rc == 0 and bad_json == 0 and len(hits) >= need
    ref = case.get("refcheck_matching_lines")
    exact = ref is not None and sorted(hits) == sorted(ref)
    return {"case": case, "rc": rc, "err": err, "hits": hits, "need": need, "ok": ok,
            "exact": exact, "ref": ref, "bad_json": bad_json}


def test_regression(exe, src, corpus):
    del src
    reg = os.path.join(corpus, "regression")
    need_dir(reg, "regression/")
    cases = load_manifest(os.path.join(reg, "manifest.jsonl"), False)
    n_main = len(cases)
    extra = os.path.join(reg, "manifest_extra.jsonl")
    if os.path.exists(extra):
        cases += load_manifest(extra, True)
    t0 = time.monotonic()
    workers = max(1, min(8, os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda c: run_case(exe, corpus, c), cases))
    elapsed = time.monotonic() - t0

    failed = [r for r in results if not r["ok"]]
    with_ref = [r for r in results if r["ref"] is not None]
    exact = [r for r in with_ref if r["exact"]]
    for r in results:
        c = r["case"]
        if r["ok"] and (r["exact"] or r["ref"] is None):
            continue
        status = "FAIL" if not r["ok"] else "note"
        print("%s %s (%s)\n     %s\n     expected >= %d (expected_match_count %s), got %d "
              "matches on lines %s; refcheck lines %s%s"
              % (status, c["rule_id"], c["_where"], c["rule_path"], r["need"],
                 c.get("expected_match_count"), len(r["hits"]), r["hits"], r["ref"],
                 "" if r["rc"] == 0 else "; exit %d" % r["rc"]))
        if not r["ok"] and r["err"].strip():
            print(tail(r["err"], 10))
    print("regression: %d of %d cases passed (%d manifest + %d extra), %.1f s"
          % (len(results) - len(failed), len(results), n_main, len(results) - n_main, elapsed))
    print("regression: %d of %d cases matched exactly the refcheck_matching_lines"
          % (len(exact), len(with_ref)))
    if failed:
        fail_exit(["FAIL: %d failing cases:" % len(failed)]
                  + ["    %s  %s  expected >= %d, got %d"
                     % (r["case"]["rule_id"], r["case"]["rule_path"], r["need"], len(r["hits"]))
                     for r in failed])
    print("PASSED")


# ------------------------------------------------------------------- main

def main(argv):
    if len(argv) < 5 or argv[1] not in ("load", "expected-failures", "regression"):
        sys.stderr.write(__doc__)
        return 2
    mode, exe, src, corpus = argv[1], os.path.abspath(argv[2]), os.path.abspath(argv[3]), argv[4]
    opts = {}
    rest = argv[5:]
    while rest:
        if len(rest) < 2 or rest[0] not in ("--list-failures", "--expected"):
            sys.stderr.write(__doc__)
            return 2
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    corpus = find_corpus(corpus)
    print("corpus: %s" % corpus)
    if mode == "load":
        test_load(exe, src, corpus)
    elif mode == "regression":
        test_regression(exe, src, corpus)
    else:
        if "--list-failures" not in opts or "--expected" not in opts:
            sys.stderr.write(__doc__)
            return 2
        test_expected_failures(exe, src, corpus, os.path.abspath(opts["--list-failures"]),
                               opts["--expected"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
