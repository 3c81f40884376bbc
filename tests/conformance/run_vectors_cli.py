#!/usr/bin/env python3
"""Conformance runner through the sigma-scan command line tool.

    run_vectors_cli.py RUN_VECTORS SIGMA_SCAN VECTOR_DIR [NUMBER ...]

The vector files (YAML) are read by the C runner: `RUN_VECTORS --export DIR VECTOR_DIR`
writes one directory per entry (rule.yml, events.jsonl, placeholders.yml when the entry
defines placeholders) and DIR/manifest.json with the expectations. This script then runs,
per entry (adding `--placeholders placeholders.yml` when the entry has placeholders),
  - rules that must load:  sigma-scan -r rule.yml events.jsonl
      exit 0, stderr summary "loaded R rules, 0 failed" (R = the entry's `rules`, default 1),
      and for every event line the rules reported on stdout: none for `match: false`,
      exactly one for `match: true`, the listed titles (as a multiset) for a title list;
  - rules that must fail:  sigma-scan --check -r rule.yml
      exit 1 and stderr summary "loaded R rules, F failed" (defaults 0 and 1).
An entry with `warnings` must print at least one "warning:" diagnostic.
Correlation streams (entries whose cases have a `time`; the export writes it into each
event as "@timestamp"): per event line the detection rules on stdout must be the case's
`alerts` when given (rules referenced by a correlation raise no alert of their own), else
its `match`; and the correlation lines on stdout ({"correlation": ..., "title": ...}) must
be, as a multiset of titles, every case's `fires` plus the entry's `flush` (one check).
If sigma-scan has no --placeholders option (not in its --help), entries with placeholders
are reported as SKIP and counted apart; they do not fail the run.
Python 3 standard library only. Exit 0 if everything passed, 1 otherwise, 2 on setup errors.
"""
import json
import os
import subprocess
import sys
import tempfile

TIMEOUT = 60


def indent(text, prefix="      | "):
    return "".join(prefix + line + "\n" for line in text.rstrip("\n").split("\n"))


def run(cmd):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ds" % TIMEOUT
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def describe_exit(rc):
    if rc is None:
        return "timeout"
    if rc < 0:
        return "killed by signal %d" % -rc
    return "exit %d" % rc


def summary_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("loaded ")]


class Runner:
    def __init__(self, scan):
        self.scan = scan
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.has_placeholders = self.scan_supports("--placeholders")

    def scan_supports(self, option):
        rc, out, err = run([self.scan, "--help"])
        return option in out or option in err

    def fail(self, entry, what, stderr=None, cases=None):
        print("FAIL vector %d entry %d (%s:%d): %s" % (
            entry["vector"], entry["entry"], entry["file"], entry["line"], what),
            file=sys.stderr)
        if entry.get("note"):
            print("    note: %s" % entry["note"], file=sys.stderr)
        for c in cases or []:
            print("    case %d: %s" % (c["line"], c["event"]), file=sys.stderr)
            if c.get("note"):
                print("      note: %s" % c["note"], file=sys.stderr)
        with open(entry["rule"], encoding="utf-8") as f:
            print("    rule:\n" + indent(f.read()), end="", file=sys.stderr)
        if entry.get("placeholders"):
            with open(entry["placeholders"], encoding="utf-8") as f:
                print("    placeholders:\n" + indent(f.read()), end="", file=sys.stderr)
        if stderr:
            print("    sigma-scan stderr:\n" + indent(stderr), end="", file=sys.stderr)

    def prefix_args(self, entry):
        """Options before -r, or None when the entry must be skipped."""
        if not entry.get("placeholders"):
            return []
        if not self.has_placeholders:
            n = 1 if "load_error" in entry else len(entry["cases"])
            self.skipped += n
            print("SKIP vector %d entry %d (%s:%d): needs `sigma-scan --placeholders FILE`, "
                  "which this sigma-scan does not offer (not in --help); %d check(s) skipped" % (
                      entry["vector"], entry["entry"], entry["file"], entry["line"], n),
                  file=sys.stderr)
            return None
        return ["--placeholders", entry["placeholders"]]

    def warning_problems(self, entry, err):
        if entry.get("warnings") and not any(": warning: " in l for l in err.splitlines()):
            return ["no warning diagnostic on stderr, want one of kind %s" %
                    " and ".join(entry["warnings"])]
        return []

    def load_error(self, entry):
        pre = self.prefix_args(entry)
        if pre is None:
            return
        rc, out, err = run([self.scan, "--check"] + pre + ["-r", entry["rule"]])
        want = "loaded %d rules, %d failed" % (entry.get("rules", 0), entry.get("failed", 1))
        problems = []
        if rc != 1:
            problems.append("%s, want exit 1" % describe_exit(rc))
        if want not in summary_lines(err):
            problems.append("stderr summary %r, want %r" % (summary_lines(err), want))
        if out.strip():
            problems.append("unexpected stdout %r" % out[:200])
        problems += self.warning_problems(entry, err)
        if problems:
            self.failed += 1
            self.fail(entry, "expected load error (%s): %s" % (
                " or ".join(entry["load_error"]), "; ".join(problems)), err)
        else:
            self.passed += 1

    def cases(self, entry):
        cases = entry["cases"]
        pre = self.prefix_args(entry)
        if pre is None:
            return
        rc, out, err = run([self.scan] + pre + ["-r", entry["rule"], entry["events"]])
        want = "loaded %d rules, 0 failed" % entry.get("rules", 1)
        problems = []
        if rc != 0:
            problems.append("%s, want exit 0" % describe_exit(rc))
        if want not in summary_lines(err):
            problems.append("stderr summary %r, want %r" % (summary_lines(err), want))
        problems += self.warning_problems(entry, err)
        got = {}  # event line -> titles of the rules reported for it
        correlations = []  # titles of the correlation lines
        for n, line in enumerate(out.splitlines(), 1):
            try:
                obj = json.loads(line)
                if entry.get("stream") and isinstance(obj, dict) and "correlation" in obj:
                    correlations.append(obj.get("title") or "(no title)")
                    continue
                ev = obj["event"]
                if not isinstance(ev, int) or isinstance(ev, bool):
                    raise ValueError("'event' is not an integer")
                for key in ("id", "title", "level", "path"):
                    if key not in obj:
                        raise ValueError("missing key %r" % key)
            except (ValueError, KeyError, TypeError) as e:
                problems.append("stdout line %d is not a match record (%s): %r" % (n, e, line))
                continue
            got.setdefault(ev, []).append(obj["title"])
        checks = len(cases) + (1 if entry.get("stream") else 0)
        if problems:
            self.failed += checks
            self.fail(entry, "; ".join(problems) + "; its %d checks count as failed" % checks,
                      err)
            return
        if entry.get("stream"):
            want = sorted(sum((c["fires"] for c in cases), []) + entry["flush"])
            if sorted(correlations) == want:
                self.passed += 1
            else:
                self.failed += 1
                self.fail(entry, "correlations: expected %r, got %r" % (
                    want, sorted(correlations)), err)
        lines = {c["line"] for c in cases}
        for ev in sorted(set(got) - lines):
            self.failed += 1
            self.fail(entry, "match reported for event line %d, which does not exist" % ev, err)
        for c in cases:
            titles = sorted(t if t is not None else "(no title)" for t in got.get(c["line"], []))
            want = c["alerts"] if "alerts" in c else c["match"]
            if want is False:
                ok, what = not titles, "NO match"
            elif want is True:
                ok, what = len(titles) == 1, "MATCH (one rule)"
            else:
                ok, what = titles == sorted(want), "matches %r" % sorted(want)
            if ok:
                self.passed += 1
            else:
                self.failed += 1
                self.fail(entry, "case %d: expected %s, got %s" % (
                    c["line"], what, ("matches %r" % titles) if titles else "NO match"), err, [c])


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    run_vectors, scan, vdir = argv[1], argv[2], argv[3]
    only = {int(a) for a in argv[4:]}
    for prog in (run_vectors, scan):
        if not os.access(prog, os.X_OK):
            print("not executable: %s" % prog, file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="sigma-conformance-") as tmp:
        exp = subprocess.run([run_vectors, "--export", tmp, vdir], capture_output=True)
        if exp.returncode != 0:
            sys.stderr.write(exp.stderr.decode("utf-8", "replace"))
            print("export failed (exit %d)" % exp.returncode, file=sys.stderr)
            return 2
        with open(os.path.join(tmp, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        r = Runner(scan)
        vectors = set()
        n_cases = n_load = 0
        streams = r.scan_supports("--timestamp-field")
        for entry in manifest:
            if only and entry["vector"] not in only:
                continue
            vectors.add(entry["vector"])
            if "load_error" in entry:
                n_load += 1
                r.load_error(entry)
            elif entry.get("stream") and not streams:
                n = len(entry["cases"]) + 1
                r.skipped += n
                print("SKIP vector %d entry %d: a correlation stream needs a sigma-scan with "
                      "--timestamp-field; %d check(s) skipped" % (
                          entry["vector"], entry["entry"], n), file=sys.stderr)
            else:
                n_cases += len(entry["cases"])
                r.cases(entry)
        print("conformance-cli: %d vectors, %d entries, %d event cases, %d load-error checks: "
              "%d passed, %d failed%s" % (
                  len(vectors), sum(1 for e in manifest if not only or e["vector"] in only),
                  n_cases, n_load, r.passed, r.failed,
                  (", %d skipped (sigma-scan without --placeholders or correlations)" % r.skipped)
                  if r.skipped else ""))
        return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
