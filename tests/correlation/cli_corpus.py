#!/usr/bin/env python3
"""sigma-scan correlations on the real Windows events of ../shared/corpus/events.

usage: cli_corpus.py SIGMA_SCAN_EXE SOURCE_ROOT

1. Every one of the corpus events has a time sigma-scan can read (the
   TimeCreated_SystemTime of the flat convention): no "no timestamp" warning.
2. The events sorted by time, an event_count correlation (5 process creations, Sysmon 1
   or Security 4688, on one Computer within one minute): the correlation lines equal,
   exactly, those of an independent simulation of the sliding window written here
   (gte fires as soon as it holds, then the group starts empty).
3. The files as they are (not in time order): the "late" count equals the number of
   matching events older than the newest event before them, and with a --max-disorder
   that covers every jump back there are none.
4. With libevtx: the records of the regression EVTX files, as several inputs, carry
   their (file, record number) and their TimeCreated into the correlation lines.
Prints SKIPPED and exits 77 when the corpus is absent (unless CI=true).
"""

import calendar
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

if len(sys.argv) < 3:
    sys.stderr.write(__doc__)
    sys.exit(2)

EXE = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
CORPUS = os.path.join(SRC, "..", "shared", "corpus", "events")
FILES = ["evtx-attack-samples.jsonl", "evtx-to-mitre-attack.jsonl",
         "otrf-security-datasets.jsonl"]

if not os.path.isdir(CORPUS):
    if os.environ.get("CI") == "true":
        print("FAIL: ../shared/corpus not found (CI=true)")
        sys.exit(1)
    print("SKIPPED: ../shared/corpus not found")
    sys.exit(77)

CORR_ID = "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e01"
RULES = """title: Sysmon process creation
id: 3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e02
name: sysmon_proc
status: test
logsource:
    product: test
detection:
    selection:
        Channel: 'Microsoft-Windows-Sysmon/Operational'
        EventID: 1
    condition: selection
---
title: Security process creation
id: 3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e03
name: security_proc
status: test
logsource:
    product: test
detection:
    selection:
        Channel: Security
        EventID: 4688
    condition: selection
---
title: Burst of process creations on one host
id: %s
status: test
correlation:
    type: event_count
    rules:
        - sysmon_proc
        - security_proc
    group-by:
        - Computer
    timespan: 1m
    condition:
        gte: 5
level: medium
""" % CORR_ID

THRESHOLD = 5
TIMESPAN_MS = 60000
TIME_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z?$")

failures = []


def check(cond, message):
    if not cond:
        failures.append(message)
        print("FAIL " + message.split("\n")[0])
    return cond


def ms_of(text):
    m = TIME_RE.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    frac = (m.group(7) or "") + "000"
    return calendar.timegm((y, mo, d, h, mi, s)) * 1000 + int(frac[:3])


def iso(ms):
    secs, rem = divmod(ms, 1000)
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % tuple(__import__("time").gmtime(secs)[:6])
    return text + (".%03dZ" % rem if rem else "Z")


def matches(ev):
    """The two detection rules (Sigma strings compare case-insensitively: one corpus file
    has "Channel": "security")."""
    channel = ev.get("Channel")
    channel = channel.lower() if isinstance(channel, str) else None
    return ((channel == "microsoft-windows-sysmon/operational" and ev.get("EventID") == 1)
            or (channel == "security" and ev.get("EventID") == 4688))


def run(args):
    proc = subprocess.run([EXE] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=600)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), \
        proc.stderr.decode("utf-8", "replace")


def main():
    lines = []
    for name in FILES:
        with open(os.path.join(CORPUS, name), encoding="utf-8") as f:
            lines.extend(l.rstrip("\n") for l in f if l.strip())
    # Lines with integers beyond int64 are valid JSON for Python; sigma-scan reads them
    # as strings of digits. Only the fields used here matter.
    events = [json.loads(l) for l in lines]
    times = [ms_of(e.get("TimeCreated_SystemTime", "")) for e in events]
    check(all(t is not None for t in times), "a corpus event without a readable time")

    with tempfile.TemporaryDirectory(prefix="sigma-corr-corpus-") as d:
        rules = os.path.join(d, "rules.yml")
        with open(rules, "w", encoding="utf-8") as f:
            f.write(RULES)

        # 2. Sorted by time (stable): simulate and compare exactly.
        order = sorted(range(len(events)), key=lambda i: times[i])
        sorted_path = os.path.join(d, "sorted.jsonl")
        with open(sorted_path, "w", encoding="utf-8") as f:
            for i in order:
                f.write(lines[i] + "\n")
        want = []
        groups = collections.defaultdict(collections.deque)
        for n, i in enumerate(order, 1):
            ev = events[i]
            if not matches(ev) or not isinstance(ev.get("Computer"), str):
                continue
            t = times[i]
            q = groups[ev["Computer"]]
            while q and t - q[0][0] > TIMESPAN_MS:
                q.popleft()
            q.append((t, n))
            if len(q) >= THRESHOLD:
                want.append(
                    '{"correlation": "%s", "title": "Burst of process creations on one host", '
                    '"type": "event_count", "level": "medium", "group": {"Computer": %s}, '
                    '"value": %d, "first": "%s", "last": "%s", "event_total": %d, '
                    '"events": [%s]}'
                    % (CORR_ID, json.dumps(ev["Computer"], ensure_ascii=False), len(q),
                       iso(q[0][0]), iso(q[-1][0]), len(q), ", ".join(str(x) for _, x in q)))
                q.clear()
        rc, out, err = run(["--no-mapping", "-r", rules, sorted_path])
        got = out.splitlines()
        check(rc == 0, "sorted run: exit %d\n%s" % (rc, err))
        check("warning" not in err, "sorted run: warnings\n" + err)
        check(len(want) > 20, "too few expected matches (%d): the check would be weak"
              % len(want))
        if check(got == want, "sorted run: %d lines, want %d" % (len(got), len(want))):
            print("ok   sorted corpus: %d correlation lines equal the simulation" % len(got))
        else:
            for g, w in zip(got, want):
                if g != w:
                    print("  first difference:\n  got:  %s\n  want: %s" % (g, w))
                    break

        # 3. The files as they are: late events counted exactly.
        newest = None
        late = 0
        worst = 0
        for i, ev in enumerate(events):
            t = times[i]
            if newest is not None and t < newest:
                worst = max(worst, newest - t)
                if matches(ev):
                    late += 1
            newest = t if newest is None else max(newest, t)
        paths = [os.path.join(CORPUS, name) for name in FILES]
        rc, out, err = run(["--no-mapping", "-r", rules] + paths)
        want_warn = ("sigma-scan: warning: %d events were older than the newest event by more "
                     "than --max-disorder (0.000 s) and were not correlated" % late)
        check(rc == 0 and late > 0 and want_warn in err.splitlines(),
              "unsorted run: want %r\n%s" % (want_warn, err))
        check("no timestamp" not in err, "unsorted run: untimed events\n" + err)
        disorder = "%d" % (worst // 1000 + 1)
        rc, out, err = run(["--no-mapping", "--max-disorder", disorder, "-r", rules] + paths)
        check(rc == 0 and "warning" not in err, "--max-disorder %s: warnings\n%s" % (disorder, err))
        # Arrival order differs from time order, so the firings may differ from the
        # sorted run's; each one must still be a valid window of matching events.
        where = {}
        k = 0
        for name in FILES:
            with open(os.path.join(CORPUS, name), encoding="utf-8") as f:
                for n, l in enumerate(f, 1):
                    if l.strip():
                        where[(os.path.join(CORPUS, name), n)] = k
                        k += 1
        objs = [json.loads(l) for l in out.splitlines()]
        check(len(objs) > 20, "--max-disorder %s: only %d lines" % (disorder, len(objs)))
        for o in objs:
            idx = [where.get((r["file"], r["event"])) for r in o["events"]]
            ok = (None not in idx and o["value"] >= THRESHOLD and o["value"] == o["event_total"]
                  and len(idx) == min(o["event_total"], 64)
                  and all(matches(events[i]) and events[i]["Computer"] == o["group"]["Computer"]
                          for i in idx)
                  and iso(min(times[i] for i in idx)) == o["first"]
                  and iso(max(times[i] for i in idx)) == o["last"]
                  and max(times[i] for i in idx) - min(times[i] for i in idx) <= TIMESPAN_MS)
            if not check(ok, "--max-disorder %s: not a valid window: %s" % (disorder, o)):
                break
        if not failures:
            print("ok   unsorted corpus: %d late events counted; none with --max-disorder %s"
                  % (late, disorder))

    # 4. EVTX input (when this sigma-scan reads EVTX): every record of the corpus'
    # regression EVTX files fires a one-event correlation; its ref is (file, record
    # number) and its time the record's TimeCreated, as --convert shows them.
    evtx_dir = os.path.join(SRC, "..", "shared", "corpus", "regression", "evtx")
    rc, out, _ = run(["--version"])
    if "EVTX input: supported" in out and os.path.isdir(evtx_dir):
        paths = sorted(os.path.join(evtx_dir, n) for n in os.listdir(evtx_dir)
                       if n.endswith(".evtx"))
        want = set()
        for p in paths:
            rc, out, err = run(["--convert", p])
            for n, line in enumerate(out.splitlines(), 1):
                want.add((p, n, iso(ms_of(json.loads(line)["TimeCreated_SystemTime"]))))
        with tempfile.TemporaryDirectory(prefix="sigma-corr-evtx-") as d:
            rules = os.path.join(d, "every.yml")
            with open(rules, "w", encoding="utf-8") as f:
                f.write("title: Any record\nname: any_record\nstatus: test\nlogsource:\n"
                        "    product: test\ndetection:\n    selection:\n"
                        "        EventID|exists: true\n    condition: selection\n---\n"
                        "title: Every record\nstatus: test\ncorrelation:\n"
                        "    type: event_count\n    rules: any_record\n    timespan: 1s\n"
                        "    condition:\n        gte: 1\n")
            rc, out, err = run(["--no-mapping", "--max-disorder", "1e9", "-r", rules] + paths)
            got = set()
            for line in out.splitlines():
                o = json.loads(line)
                for r in o["events"]:
                    got.add((r["file"], r["event"], o["first"]))
            if check(rc == 0 and "warning" not in err and len(want) > 30 and got == want,
                     "EVTX: %d refs, want %d\n%s" % (len(got), len(want), err)):
                print("ok   EVTX: %d records of %d files, numbered and timed as --convert shows"
                      % (len(got), len(paths)))
    else:
        print("(EVTX part skipped: no libevtx in this sigma-scan)")

    print("%d failed" % len(failures))
    for f in failures:
        sys.stderr.write(f + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
