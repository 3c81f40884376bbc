#!/usr/bin/env python3
"""sigma-scan --threads and the fast JSON-lines parser (docs/cli.md, "Threads").

usage: test_sigma_scan_threads.py SIGMA_SCAN_EXE SOURCE_ROOT [--corpus]

The output (stdout and stderr) must be byte-identical for every --threads N and
with --jansson (every line parsed by jansson instead of the fast parser), and in
input order. Without --corpus the cases use generated events; with --corpus every
event of ../shared/corpus/events is scanned against the SigmaHQ rules (exit 77 when
the corpus is absent, 1 with CI=true). Prints one line per case and a final count.
"""

import json
import os
import random
import select
import subprocess
import sys
import tempfile
import time

if len(sys.argv) < 3:
    sys.stderr.write(__doc__)
    sys.exit(2)

EXE = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
CORPUS_MODE = len(sys.argv) > 3 and sys.argv[3] == "--corpus"


class CaseFailure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise CaseFailure(message)


def run(args, stdin=b"", cwd=None):
    return subprocess.run([EXE] + args, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=cwd, timeout=300)


def describe(proc):
    return "exit %d\n--- stdout (first 2000 bytes)\n%s\n--- stderr\n%s---" % (
        proc.returncode, proc.stdout[:2000].decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace")[:4000])


def without_timings(err):
    """stderr without the --stats line that carries elapsed times."""
    return b"\n".join(l for l in err.split(b"\n") if not l.startswith(b"stats: elapsed"))


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


RULES = {
    "evil.yml": """title: Evil command line
id: 11111111-2222-4333-8444-555555555555
status: test
logsource:
    product: test
detection:
    sel:
        CommandLine|contains: 'evil'
    condition: sel
level: high
""",
    "exe.yml": """title: "Image \\"quoted\\" \\u00e9"
id: 22222222-3333-4444-8555-666666666666
status: test
logsource:
    product: test
detection:
    sel:
        Image|endswith: '\\bad.exe'
    condition: sel
level: low
""",
    "nested.yml": """title: Nested and arrays
status: test
logsource:
    product: test
detection:
    sel:
        user.name: 'root'
        tags: 'x'
    condition: sel
""",
    "keyword.yml": """title: Keyword
status: test
logsource:
    product: test
detection:
    keywords:
        - 'needle'
    condition: keywords
level: medium
""",
    "number.yml": """title: Big number
status: test
logsource:
    product: test
detection:
    sel:
        Value: 18446744073709551615
    condition: sel
""",
}


def make_rules(d):
    rules = os.path.join(d, "rules")
    os.mkdir(rules)
    for name, text in RULES.items():
        write(os.path.join(rules, name), text)
    return rules


def random_event(rng, i):
    """A flat (or nested) event; `expect` says which rules it matches."""
    ev = {"EventID": rng.randrange(1, 10000), "n": i}
    expect = set()
    r = rng.random()
    if r < 0.15:
        ev["CommandLine"] = "run evil%d \u00e9\u4e2d \"q\" \\ tab\t" % i
        expect.add("evil")
    else:
        ev["CommandLine"] = "calm %d" % i
    if rng.random() < 0.1:
        ev["Image"] = "C:\\Windows\\bad.exe"
        expect.add("exe")
    if rng.random() < 0.1:
        ev["user"] = {"name": "root", "id": i}
        ev["tags"] = ["a", "x"]
        expect.add("nested")
    if rng.random() < 0.05:
        ev["Message"] = "a needle here"
        expect.add("keyword")
    if rng.random() < 0.05:
        ev["Value"] = 18446744073709551615
        expect.add("number")
    if rng.random() < 0.2:
        ev["Extra"] = [1, 2.5, True, None, [], {"k": "v"}]
    return ev, expect


def make_events(path, rng, count, with_trouble):
    """Writes `count` lines; returns ({line number: set of expected rule keys},
    number of malformed lines, number of nested Windows events)."""
    lines = []
    expect = {}
    malformed = windows = 0
    for i in range(count):
        n = len(lines) + 1
        if with_trouble and i % 97 == 13:
            lines.append('{"CommandLine": "evil but truncated"')  # malformed
            malformed += 1
            continue
        if with_trouble and i % 89 == 7:
            lines.append("   ")  # blank
            continue
        if with_trouble and i % 101 == 5:
            # a nested Windows event (auto-detected, converted through jansson)
            lines.append(json.dumps({"Event": {"System": {"EventID": 1, "Channel": "X"},
                                               "EventData": {"CommandLine": "evil win"}}}))
            expect[n] = {"evil"}
            windows += 1
            continue
        if with_trouble and i % 103 == 11:
            # duplicate keys: jansson keeps the last value
            lines.append('{"CommandLine": "calm", "CommandLine": "evil dup"}')
            expect[n] = {"evil"}
            continue
        ev, e = random_event(rng, i)
        lines.append(json.dumps(ev, ensure_ascii=rng.random() < 0.5))
        if e:
            expect[n] = e
    write(path, "\n".join(lines) + "\n")
    return expect, malformed, windows


TITLES = {"evil": "Evil command line", "exe": 'Image "quoted" \u00e9',
          "nested": "Nested and arrays", "keyword": "Keyword", "number": "Big number"}


def expected_pairs(files, expects):
    """[(file, line, title)] in input order; within one event, in rule order."""
    out = []
    for f, exp in zip(files, expects):
        for n in sorted(exp):
            for key in sorted(exp[n], key=lambda k: sorted(TITLES).index(k)):
                out.append((f, n, TITLES[key]))
    return out


def got_pairs(proc):
    out = []
    for line in proc.stdout.decode("utf-8").splitlines():
        d = json.loads(line)
        out.append((d.get("file"), d["event"], d["title"]))
    return out


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def same_output_for_any_thread_count():
    rng = random.Random(4)
    with tempfile.TemporaryDirectory(prefix="sigma-scan-threads-") as d:
        rules = make_rules(d)
        files, expects = [], []
        malformed = windows = 0
        for k, count in enumerate((3000, 1, 0, 2500)):
            f = os.path.join(d, "ev%d.jsonl" % k)
            exp, m, w = make_events(f, rng, count, with_trouble=True)
            expects.append(exp)
            malformed += m
            windows += w
            files.append(f)
        base = run(["--threads", "1", "-r", rules] + files)
        check(base.returncode == 0, describe(base))
        # Match lines come in input order and say what the events hold.
        want = expected_pairs(files, expects)
        got = got_pairs(base)
        got_sorted = sorted(got, key=lambda p: (files.index(p[0]), p[1]))
        check(got == got_sorted, "match lines are not in input order")
        check(sorted(got) == sorted(want),
              "matches differ from the events' content: %d vs %d expected" %
              (len(got), len(want)))
        check(malformed > 50 and base.stderr.count(b"malformed JSON") == malformed,
              describe(base))
        for args in (["--threads", "2"], ["--threads", "3"], ["--threads=8"],
                     ["--threads", "64"], [], ["--jansson", "--threads", "1"],
                     ["--jansson", "--threads", "4"]):
            res = run(args + ["-r", rules] + files)
            check(res.returncode == 0, describe(res))
            check(res.stdout == base.stdout, "stdout differs with %r" % args)
            check(res.stderr == base.stderr, "stderr differs with %r\n%s" % (args, describe(res)))
        stats1 = run(["--stats", "--threads", "1", "-r", rules] + files)
        stats4 = run(["--stats", "--threads", "4", "-r", rules] + files)
        check(stats1.stdout == base.stdout and stats4.stdout == base.stdout, "--stats stdout")
        check(without_timings(stats1.stderr) == without_timings(stats4.stderr),
              "--stats differs\n%s\n%s" % (describe(stats1), describe(stats4)))
        check(windows > 50 and ("stats: channel X: events %d," % windows).encode() in
              stats4.stderr, describe(stats4))
    return "%d matches" % len(want)


@case
def same_output_on_stdin():
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="sigma-scan-threads-") as d:
        rules = make_rules(d)
        f = os.path.join(d, "ev.jsonl")
        make_events(f, rng, 4000, with_trouble=True)
        with open(f, "rb") as fh:
            data = fh.read()
        base = run(["--threads", "1", "-r", rules, f])
        for args in (["--threads", "1"], ["--threads", "3"]):
            res = run(args + ["-r", rules], stdin=data)
            check(res.returncode == 0, describe(res))
            check(res.stdout == base.stdout, "stdout differs with %r" % args)
            check(res.stderr == base.stderr.replace(f.encode(), b"<stdin>"),
                  "stderr differs with %r\n%s" % (args, describe(res)))


@case
def stream_matches_written_before_more_input():
    """A pipe that pauses: the matches of what came so far are written (and flushed)
    before sigma-scan waits for more, whatever the thread count."""
    with tempfile.TemporaryDirectory(prefix="sigma-scan-threads-") as d:
        rules = make_rules(d)
        for threads in ("1", "4"):
            proc = subprocess.Popen([EXE, "--threads", threads, "-r", rules],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            try:
                proc.stdin.write(b'{"CommandLine": "calm"}\n{"CommandLine": "evil 1"}\n')
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], 20)
                check(ready, "no match line while stdin stays open (threads %s)" % threads)
                line = proc.stdout.readline()
                check(json.loads(line)["event"] == 2, "first match %r" % line)
                proc.stdin.write(b'{"CommandLine": "evil 3"}\n')
                proc.stdin.close()
                rest = proc.stdout.read()
                check(json.loads(rest)["event"] == 3, "second match %r" % rest)
                check(proc.wait(timeout=30) == 0, "exit status")
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


@case
def threads_option_errors():
    with tempfile.TemporaryDirectory(prefix="sigma-scan-threads-") as d:
        rules = make_rules(d)
        for bad in ("0", "65", "-1", "abc", "", "2x", " 2", "99999999999999999999"):
            res = run(["--threads", bad, "-r", rules], stdin=b"")
            check(res.returncode == 2, "--threads %r: %s" % (bad, describe(res)))
            check(b"--threads needs a number from 1 to 64" in res.stderr, describe(res))
        res = run(["-r", rules, "--threads"])
        check(res.returncode == 2 and b"needs a number" in res.stderr, describe(res))
        res = run(["--help"])
        check(b"--threads N" in res.stdout and b"--jansson" in res.stdout, describe(res))


@case
def fast_parser_tricky_lines_same_as_jansson():
    """Lines the fast parser reads itself and lines it leaves to jansson give the
    same matches and the same diagnostics as --jansson."""
    lines = [
        r'{"CommandLine": "\u0065vil \ud83d\ude00 \"x\" \\ \/"}',        # 1: escapes
        '{"CommandLine": "evil \u00e9\u4e2d raw utf-8"}',                  # 2
        '{"Value": 18446744073709551615, "other": -99999999999999999999}',  # 3: big ints
        '{"other": -99999999999999999999, "Value": 18446744073709551615}',  # 4: malformed
        '{"user": {"name": "root"}, "tags": [["x"], []]}',                 # 5: nested
        '{"CommandLine": "evil", "CommandLine": "calm"}',                  # 6: duplicate, last wins
        '{"CommandLine": "ev\xffil"}',                                     # 7: invalid UTF-8
        r'{"CommandLine": "evil \ud800"}',                                 # 8: lone surrogate
        '{"CommandLine": "evil"} trailing',                                # 9
        '{"Message": "needle", "n": 1e400}',                               # 10: real overflow
        '{"Message": "needle", "n": 1.5e3, "m": -0, "k": 0.0001}',         # 11
        r'{"Message": "nee\u0000dle needle"}',                             # 12: NUL in a value
        r'{"a\u0000b": 1, "Message": "needle"}',                           # 13: NUL in a key
        '[{"CommandLine": "evil"}]',                                       # 14: not an object
        '{"CommandLine": "evil",}',                                        # 15
        '{"Image": "C:\\\\x\\\\bad.exe", "CommandLine": 01}',              # 16
    ]
    data = "\n".join(lines).encode("utf-8", "surrogateescape")
    data = data.replace("\xff".encode("utf-8"), b"\xff")
    with tempfile.TemporaryDirectory(prefix="sigma-scan-threads-") as d:
        rules = make_rules(d)
        f = write(os.path.join(d, "tricky.jsonl"), data)
        base = run(["--jansson", "--threads", "1", "-r", rules, f])
        check(base.returncode == 0, describe(base))
        got = [(n, t) for _, n, t in got_pairs(base)]
        check(got == [(1, "Evil command line"), (2, "Evil command line"), (3, "Big number"),
                      (5, "Nested and arrays"), (11, "Keyword"), (12, "Keyword")],
              "matches %r\n%s" % (got, describe(base)))
        for n in (4, 7, 8, 9, 10, 13, 14, 15, 16):
            prefix = ("%s:%d: malformed JSON: " % (f, n)).encode()
            check(prefix in base.stderr, "line %d not reported\n%s" % (n, describe(base)))
        for args in (["--threads", "1"], ["--threads", "2"]):
            res = run(args + ["-r", rules, f])
            check(res.stdout == base.stdout, "stdout differs with %r\n%s" % (args, describe(res)))
            check(res.stderr == base.stderr, "stderr differs with %r\n%s" % (args, describe(res)))


CORPUS_RULES = ["rules", "rules-emerging-threats", "rules-threat-hunting",
                "rules-compliance", "rules-placeholder"]


@case
def corpus_same_output_for_threads_and_parsers():
    corpus = os.path.normpath(os.path.join(SRC, "..", "shared", "corpus"))
    events = os.path.join(corpus, "events")
    files = sorted(os.path.join(events, f) for f in os.listdir(events)
                   if f.endswith(".jsonl"))
    args = ["--stats", "--placeholders", os.path.join(SRC, "examples", "placeholders.yml")]
    for r in CORPUS_RULES:
        args += ["-r", os.path.join(corpus, "sigmahq", r)]
    base = run(args + ["--threads", "1", "--jansson"] + files)
    check(base.returncode == 0, describe(base))
    n = len(base.stdout.splitlines())
    check(n > 1000, "only %d matches\n%s" % (n, describe(base)))
    for extra in (["--threads", "1"], ["--threads", "2"], ["--threads", "5"]):
        res = run(args + extra + files)
        check(res.stdout == base.stdout, "stdout differs with %r" % extra)
        check(without_timings(res.stderr) == without_timings(base.stderr),
              "stderr differs with %r\n%s" % (extra, describe(res)))
    # EVTX records go through the same batches: EVTX files mixed with JSON lines.
    evtx_dir = os.path.join(corpus, "regression", "evtx")
    evtx = sorted(os.path.join(evtx_dir, f) for f in os.listdir(evtx_dir)
                  if f.endswith(".evtx")) if os.path.isdir(evtx_dir) else []
    version = run(["--version"])
    if evtx and b"EVTX input: supported" in version.stdout:
        mixed = evtx[:len(evtx) // 2] + files[:1] + evtx[len(evtx) // 2:]
        one = run(args + ["--threads", "1"] + mixed)
        check(one.returncode == 0 and len(one.stdout.splitlines()) > n // 10, describe(one))
        for extra in (["--threads", "2"], ["--threads", "7"]):
            res = run(args + extra + mixed)
            check(res.stdout == one.stdout, "EVTX stdout differs with %r" % extra)
            check(without_timings(res.stderr) == without_timings(one.stderr),
                  "EVTX stderr differs with %r\n%s" % (extra, describe(res)))
        return "%d matches; with %d EVTX files %d" % (n, len(evtx), len(one.stdout.splitlines()))
    return "%d matches (no EVTX)" % n


def main():
    if CORPUS_MODE:
        if not os.path.isdir(os.path.join(SRC, "..", "shared", "corpus", "events")):
            if os.environ.get("CI") == "true":
                print("FAIL ../shared/corpus not found; CI=true: CI always has the corpus")
                return 1
            print("SKIPPED: ../shared/corpus not found")
            return 77
        cases = [corpus_same_output_for_threads_and_parsers]
    else:
        cases = [c for c in CASES if c is not corpus_same_output_for_threads_and_parsers]
    passed = failed = 0
    for fn in cases:
        name = fn.__name__
        t = time.time()
        try:
            note = fn()
        except CaseFailure as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
        except Exception as e:  # a crash in the test itself counts as a failure
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        else:
            passed += 1
            print("ok   %s%s (%.1f s)" % (name, " (%s)" % note if note else "", time.time() - t))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
