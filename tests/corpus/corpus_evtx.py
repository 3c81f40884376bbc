#!/usr/bin/env python3
"""EVTX input against its JSON form: every EVTX file of the corpus' regression cases
must scan to the same matches as the JSON lines converted from it.

usage: corpus_evtx.py SIGMA_SCAN SOURCE_ROOT CORPUS

CORPUS is ../shared/corpus beside the source tree. regression/evtx/<rule id>.evtx
holds the same events as regression/events/<rule id>.jsonl (see
regression/README.md); manifest.jsonl names the rule of each events file. For every
EVTX file: sigma-scan -r <rule> on the EVTX file and on the JSON file must give
exactly the same set of (event number, rule id) matches (the event number is the
record position in the EVTX file and the line number in the JSON file), the same
number of events, exit 0 and no malformed events. As information, the test also
prints how many files convert (sigma-scan --convert) to exactly the JSON form:
same keys, same values, same JSON types.

Skips (exit 77, meson: SKIP) when the corpus is absent ("SKIPPED: ../shared/corpus
not found ...") or when sigma-scan was built without libevtx ("SKIPPED: sigma-scan
built without libevtx"); with CI=true both are failures, because CI has the corpus
and installs libevtx-dev.

Python 3 standard library only. Exit status: 0 pass, 1 fail, 77 skipped.
"""

import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

SKIP = 77
IN_CI = os.environ.get("CI") == "true"


def out(line=""):
    print(line)
    sys.stdout.flush()


def fail_exit(lines):
    for line in lines:
        out(line)
    out("FAILED")
    sys.exit(1)


def skip_or_fail(message, why_ci):
    if IN_CI:
        fail_exit(["FAIL: " + message, "CI=true: " + why_ci])
    out("SKIPPED: " + message)
    sys.exit(SKIP)


def run(cmd, timeout=300):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


STATS_RE = re.compile(r"^stats: rules (\d+), events (\d+), matches (\d+), malformed (\d+)$")


def scan(exe, rule, events):
    """(exit status, {(event, rule id)}, events, malformed, stderr) of one run."""
    rc, so, se = run([exe, "--stats", "-r", rule, events])
    hits = set()
    bad = []
    for line in so.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        hits.add((obj.get("event"), obj.get("id")))
    n_events = malformed = None
    for line in se.splitlines():
        m = STATS_RE.match(line)
        if m:
            n_events, malformed = int(m.group(2)), int(m.group(4))
    if bad:
        rc = rc or -1
        se += "\nstdout lines that are not JSON: %r" % bad[:3]
    return rc, hits, n_events, malformed, se


def convert(exe, path):
    rc, so, se = run([exe, "--convert", path])
    if rc != 0:
        return None, se
    try:
        return [json.loads(line) for line in so.splitlines()], se
    except ValueError as e:
        return None, "output is not JSON lines: %s" % e


def typed(v):
    """A value with its JSON type made visible (1 != "1" != true)."""
    if isinstance(v, list):
        return [typed(x) for x in v]
    return (type(v).__name__, v)


def field_differences(mine, ref):
    diffs = []
    if len(mine) != len(ref):
        diffs.append("%d events converted, %d in the JSON form" % (len(mine), len(ref)))
    for n, (a, b) in enumerate(zip(mine, ref), 1):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                diffs.append("event %d: %s missing (JSON form: %r)" % (n, k, b[k]))
            elif k not in b:
                diffs.append("event %d: %s = %r not in the JSON form" % (n, k, a[k]))
            elif typed(a[k]) != typed(b[k]):
                diffs.append("event %d: %s = %r, JSON form %r" % (n, k, a[k], b[k]))
    return diffs


def check_file(exe, corpus, evtx_name, case):
    base = evtx_name[:-len(".evtx")]
    evtx = os.path.join(corpus, "regression", "evtx", evtx_name)
    jsonl = os.path.join(corpus, "regression", case["events_file"])
    rule = os.path.join(corpus, case["rule_path"])
    r_evtx = scan(exe, rule, evtx)
    r_json = scan(exe, rule, jsonl)
    problems = []
    for what, r in (("EVTX", r_evtx), ("JSON", r_json)):
        rc, _, n_events, malformed, err = r
        if rc != 0:
            problems.append("%s run exited %d: %s" % (what, rc, err.strip()[-400:]))
        if n_events is None:
            problems.append("%s run printed no stats line" % what)
        elif malformed:
            problems.append("%s run: %d malformed events: %s" % (what, malformed, err.strip()[-400:]))
    if r_evtx[2] != r_json[2]:
        problems.append("EVTX gives %s events, JSON %s" % (r_evtx[2], r_json[2]))
    if r_evtx[1] != r_json[1]:
        problems.append("matches differ: EVTX %s, JSON %s"
                        % (sorted(r_evtx[1], key=str), sorted(r_json[1], key=str)))
    mine, err = convert(exe, evtx)
    if mine is None:
        fields = ["--convert failed: %s" % err.strip()[-400:]]
    else:
        with open(jsonl, encoding="utf-8") as f:
            ref = [json.loads(line) for line in f if line.strip()]
        fields = field_differences(mine, ref)
    return {"base": base, "problems": problems, "hits": r_evtx[1], "json_hits": r_json[1],
            "events": r_evtx[2], "fields": fields, "rule": case["rule_path"]}


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    exe, corpus = os.path.abspath(argv[1]), os.path.normpath(os.path.abspath(argv[3]))
    if not os.path.isdir(corpus):
        skip_or_fail("../shared/corpus not found (a user's own clone) (looked for %s)" % corpus,
                     "CI always has the corpus, so its absence is a failure, not a skip.")
    out("corpus: %s" % corpus)
    evtx_dir = os.path.join(corpus, "regression", "evtx")
    if not os.path.isdir(evtx_dir):
        fail_exit(["FAIL: the corpus is there but regression/evtx/ is missing: %s" % evtx_dir])

    rc, version, err = run([exe, "--version"], timeout=60)
    if rc != 0:
        fail_exit(["FAIL: sigma-scan --version exited %d: %s" % (rc, err)])
    if "EVTX input: supported" not in version:
        skip_or_fail("sigma-scan built without libevtx (sigma-scan --version: %s)"
                     % " / ".join(version.splitlines()),
                     "CI installs libevtx-dev (scripts/common.sh), so EVTX input must be built.")
    out(version.splitlines()[-1])

    cases = {}
    with open(os.path.join(corpus, "regression", "manifest.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                case = json.loads(line)
                cases.setdefault(os.path.basename(case["events_file"]), case)
    files = sorted(n for n in os.listdir(evtx_dir) if n.endswith(".evtx"))
    if not files:
        fail_exit(["FAIL: no .evtx file in %s" % evtx_dir])
    missing = [n for n in files if n[:-len(".evtx")] + ".jsonl" not in cases]
    if missing:
        fail_exit(["FAIL: no manifest case for the events of %s" % n for n in missing])

    t0 = time.monotonic()
    workers = max(1, min(8, os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(
            lambda n: check_file(exe, corpus, n, cases[n[:-len(".evtx")] + ".jsonl"]), files))
    elapsed = time.monotonic() - t0

    failed = [r for r in results if r["problems"]]
    exact_fields = [r for r in results if not r["fields"]]
    for r in results:
        status = "FAIL" if r["problems"] else "ok  "
        out("%s %s.evtx: %d events, %d matches%s" % (status, r["base"], r["events"] or 0,
                                                    len(r["hits"]),
                                                    "" if not r["fields"] else
                                                    "; %d field differences" % len(r["fields"])))
        for p in r["problems"]:
            out("     " + p)
        for d in r["fields"][:10]:
            out("     note: " + d)
    out("evtx: %d of %d EVTX files scan to the same matches as their JSON form (%d matches "
        "in all), %.1f s" % (len(results) - len(failed), len(results),
                             sum(len(r["hits"]) for r in results), elapsed))
    out("evtx: %d of %d EVTX files convert to exactly their JSON form (keys, values, types)"
        % (len(exact_fields), len(results)))
    if failed:
        fail_exit(["FAIL: %d files differ: %s" % (len(failed),
                                                  ", ".join(r["base"] for r in failed))])
    out("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
