#!/usr/bin/env python3
"""Conformance runner through the sigma-scan command line tool.

    run_vectors_cli.py RUN_VECTORS SIGMA_SCAN VECTOR_DIR [NUMBER ...]

The vector files (YAML) are read by the C runner: `RUN_VECTORS --export DIR VECTOR_DIR`
writes one directory per entry (rule.yml, events.jsonl) and DIR/manifest.json with the
expectations. This script then runs, per entry,
  - rules that must load:  sigma-scan -r rule.yml events.jsonl
      exit 0, stderr summary "loaded 1 rules, 0 failed", and the set of 1-based event
      line numbers on stdout equal to the expected matches;
  - rules that must fail:  sigma-scan --check -r rule.yml
      exit 1 and stderr summary "loaded 0 rules, 1 failed".
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
        if stderr:
            print("    sigma-scan stderr:\n" + indent(stderr), end="", file=sys.stderr)

    def load_error(self, entry):
        rc, out, err = run([self.scan, "--check", "-r", entry["rule"]])
        want = "loaded 0 rules, 1 failed"
        problems = []
        if rc != 1:
            problems.append("%s, want exit 1" % describe_exit(rc))
        if want not in summary_lines(err):
            problems.append("stderr summary %r, want %r" % (summary_lines(err), want))
        if out.strip():
            problems.append("unexpected stdout %r" % out[:200])
        if problems:
            self.failed += 1
            self.fail(entry, "expected load error (%s): %s" % (
                " or ".join(entry["load_error"]), "; ".join(problems)), err)
        else:
            self.passed += 1

    def cases(self, entry):
        cases = entry["cases"]
        rc, out, err = run([self.scan, "-r", entry["rule"], entry["events"]])
        want = "loaded 1 rules, 0 failed"
        problems = []
        if rc != 0:
            problems.append("%s, want exit 0" % describe_exit(rc))
        if want not in summary_lines(err):
            problems.append("stderr summary %r, want %r" % (summary_lines(err), want))
        got = set()
        for n, line in enumerate(out.splitlines(), 1):
            try:
                obj = json.loads(line)
                ev = obj["event"]
                if not isinstance(ev, int) or isinstance(ev, bool):
                    raise ValueError("'event' is not an integer")
                for key in ("id", "title", "level", "path"):
                    if key not in obj:
                        raise ValueError("missing key %r" % key)
            except (ValueError, KeyError, TypeError) as e:
                problems.append("stdout line %d is not a match record (%s): %r" % (n, e, line))
                continue
            if ev in got:
                problems.append("event %d reported twice" % ev)
            got.add(ev)
        if problems:
            self.failed += len(cases)
            self.fail(entry, "; ".join(problems) + "; its %d cases count as failed" % len(cases),
                      err)
            return
        lines = {c["line"] for c in cases}
        for ev in sorted(got - lines):
            self.failed += 1
            self.fail(entry, "match reported for event line %d, which does not exist" % ev, err)
        for c in cases:
            hit = c["line"] in got
            if hit == c["match"]:
                self.passed += 1
            else:
                self.failed += 1
                self.fail(entry, "case %d: expected %s, got %s" % (
                    c["line"], "MATCH" if c["match"] else "NO match",
                    "MATCH" if hit else "NO match"), err, [c])


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
        for entry in manifest:
            if only and entry["vector"] not in only:
                continue
            vectors.add(entry["vector"])
            if "load_error" in entry:
                n_load += 1
                r.load_error(entry)
            else:
                n_cases += len(entry["cases"])
                r.cases(entry)
        print("conformance-cli: %d vectors, %d entries, %d event cases, %d load-error checks: "
              "%d passed, %d failed" % (len(vectors), sum(1 for e in manifest
                                                         if not only or e["vector"] in only),
                                        n_cases, n_load, r.passed, r.failed))
        return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
