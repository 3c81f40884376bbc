#!/usr/bin/env python3
"""sigma-scan with correlation rules (docs/cli.md, "Correlations").

usage: cli_correlation.py SIGMA_SCAN_EXE SOURCE_ROOT

Runs sigma-scan on the rules and crafted JSON lines of tests/correlation/data (and
on events written into temporary directories) and checks the correlation match
lines exactly, the suppression of detection matches (generate), timestamps in
several formats, and the warnings for events without a time or out of order.
Prints one line per case and a final count; exits 1 if any case failed.
"""

import json
import os
import subprocess
import sys
import tempfile

if len(sys.argv) < 3:
    sys.stderr.write(__doc__)
    sys.exit(2)

EXE = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
DATA = os.path.join(SRC, "tests", "correlation", "data")

BRUTE_RULES = os.path.join(DATA, "brute_force.yml")
BRUTE_ID = "5b0b3e7e-4a51-4c61-9a3e-1f1d0c2b7a02"
BRUTE_HEAD = ('{"correlation": "%s", "title": "Logon burst for one user", "type": "event_count", '
              '"level": "high", ' % BRUTE_ID)
FAILED_LOGON_ID = "5b0b3e7e-4a51-4c61-9a3e-1f1d0c2b7a01"
DEFAULT_FIELDS = ("@timestamp, timestamp, TimeCreated_SystemTime, TimeCreated, UtcTime, "
                  "SystemTime, EventTime, time")


class CaseFailure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise CaseFailure(message)


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")
        self.out_lines = self.out.splitlines()
        self.err_lines = self.err.splitlines()

    def describe(self):
        return "exit %d\n--- stdout\n%s--- stderr\n%s---" % (self.rc, self.out, self.err)

    def objects(self):
        objs = []
        for line in self.out_lines:
            try:
                objs.append(json.loads(line))
            except ValueError as e:
                raise CaseFailure("stdout line is not JSON (%s): %r" % (e, line))
        return objs

    def correlations(self):
        return [o for o in self.objects() if "correlation" in o]

    def detections(self):
        return [o for o in self.objects() if "correlation" not in o]


def run(args, stdin=b""):
    proc = subprocess.run([EXE] + args, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)
    return Result(proc)


def expect_rc(res, rc):
    check(res.rc == rc, "expected exit %d\n%s" % (rc, res.describe()))


def expect_out(res, want):
    check(res.out_lines == want,
          "stdout differs\nwant:\n%s\n%s" % ("\n".join(want), res.describe()))


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def events_text(objs):
    return "".join(json.dumps(o) + "\n" for o in objs)


def tmpdir():
    return tempfile.TemporaryDirectory(prefix="sigma-corr-test-")


def failed(user, when=None, field="@timestamp", **extra):
    e = {"EventID": 4625}
    if when is not None:
        e[field] = when
    if user is not None:
        e["TargetUserName"] = user
    e.update(extra)
    return e


def brute_line(user, value, first, last, events, total=None):
    return (BRUTE_HEAD + '"group": {"TargetUserName": "%s"}, "value": %d, "first": "%s", '
            '"last": "%s", "event_total": %d, "events": [%s]}'
            % (user, value, first, last, len(events) if total is None else total,
               ", ".join(str(e) for e in events)))


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


# ------------------------------------------------------------------- cases


@case
def event_count_group_by_fires_exact():
    """bob: three failures within 9:59 (lines 1, 4, 7); alice's three span 11 minutes;
    line 6 has no TargetUserName (skipped); line 3 is a successful logon."""
    res = run(["-r", BRUTE_RULES, os.path.join(DATA, "brute_force.jsonl")])
    expect_rc(res, 0)
    expect_out(res, [brute_line("bob", 3, "2024-03-05T10:00:00Z", "2024-03-05T10:09:59Z",
                                [1, 4, 7])])
    check(res.err_lines == ["loaded 2 rules, 0 failed"], res.describe())


@case
def event_count_silent_below_threshold():
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text([
            failed("bob", "2024-03-05T10:00:00Z"),
            failed("alice", "2024-03-05T10:00:10Z"),
            failed("bob", "2024-03-05T10:01:00Z"),
            failed("alice", "2024-03-05T10:01:10Z"),
        ]))
        res = run(["-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [])


@case
def window_edge_exactly_at_timespan():
    """10m timespan: first and last exactly 10:00.000 apart fire; 1 ms more does not."""
    with tmpdir() as d:
        edge = write(os.path.join(d, "edge.jsonl"), events_text([
            failed("bob", "2024-03-05T10:00:00Z"),
            failed("bob", "2024-03-05T10:05:00Z"),
            failed("bob", "2024-03-05T10:10:00Z"),
        ]))
        res = run(["-r", BRUTE_RULES, edge])
        expect_rc(res, 0)
        expect_out(res, [brute_line("bob", 3, "2024-03-05T10:00:00Z", "2024-03-05T10:10:00Z",
                                    [1, 2, 3])])
        past = write(os.path.join(d, "past.jsonl"), events_text([
            failed("bob", "2024-03-05T10:00:00.000Z"),
            failed("bob", "2024-03-05T10:05:00Z"),
            failed("bob", "2024-03-05T10:10:00.001Z"),
        ]))
        res = run(["-r", BRUTE_RULES, past])
        expect_rc(res, 0)
        expect_out(res, [])


@case
def gte_fires_once_then_restarts():
    """gte fires as soon as it holds; the group then starts empty: six events in one
    window give two matches, the fifth alone does not."""
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text(
            [failed("bob", "2024-03-05T10:0%d:00Z" % i) for i in range(6)]))
        res = run(["-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [
            brute_line("bob", 3, "2024-03-05T10:00:00Z", "2024-03-05T10:02:00Z", [1, 2, 3]),
            brute_line("bob", 3, "2024-03-05T10:03:00Z", "2024-03-05T10:05:00Z", [4, 5, 6]),
        ])


@case
def value_count_distinct_users_per_address():
    res = run(["-r", os.path.join(DATA, "value_count.yml"), os.path.join(DATA, "value_count.jsonl")])
    expect_rc(res, 0)
    expect_out(res, [
        '{"correlation": "6c1c4f8f-5b62-4d72-8b4f-2a2e1d3c8b02", "title": "Password spraying '
        'from one address", "type": "value_count", "level": "medium", "group": {"IpAddress": '
        '"10.0.0.5"}, "value": 3, "first": "2024-03-05T10:00:00Z", "last": '
        '"2024-03-05T10:01:00Z", "event_total": 4, "events": [1, 3, 5, 7]}'])


@case
def value_avg_prints_a_fraction():
    """value_avg is decided at window close (lt) or at once (gt); a non-whole figure is
    printed as a JSON number with its fraction, a whole one without."""
    with tmpdir() as d:
        rules = write(os.path.join(d, "r.yml"), """title: Upload
id: 4f6a8c0e-2b4d-4f6a-8c0e-2b4d6f8a0c01
name: upload
status: test
logsource:
    product: test
detection:
    selection:
        EventID: 3
    condition: selection
---
title: Large uploads on average
id: 4f6a8c0e-2b4d-4f6a-8c0e-2b4d6f8a0c02
status: test
correlation:
    type: value_avg
    rules: upload
    group-by: Host
    timespan: 5m
    condition:
        field: Bytes
        gt: 100
level: medium
""")
        ev = write(os.path.join(d, "e.jsonl"), events_text([
            {"@timestamp": "2024-03-05T10:00:00Z", "EventID": 3, "Host": "h1", "Bytes": 100},
            {"@timestamp": "2024-03-05T10:00:01Z", "EventID": 3, "Host": "h2", "Bytes": 90},
            {"@timestamp": "2024-03-05T10:00:02Z", "EventID": 3, "Host": "h1", "Bytes": "101"},
            {"@timestamp": "2024-03-05T10:00:03Z", "EventID": 3, "Host": "h2", "Bytes": 130},
        ]))
        res = run(["-r", rules, ev])
        expect_rc(res, 0)
        head = ('{"correlation": "4f6a8c0e-2b4d-4f6a-8c0e-2b4d6f8a0c02", "title": "Large uploads '
                'on average", "type": "value_avg", "level": "medium", ')
        expect_out(res, [
            head + '"group": {"Host": "h1"}, "value": 100.5, "first": "2024-03-05T10:00:00Z", '
                   '"last": "2024-03-05T10:00:02Z", "event_total": 2, "events": [1, 3]}',
            head + '"group": {"Host": "h2"}, "value": 110, "first": "2024-03-05T10:00:01Z", '
                   '"last": "2024-03-05T10:00:03Z", "event_total": 2, "events": [2, 4]}',
        ])


@case
def temporal_and_temporal_ordered():
    """ws1: whoami then net user (both fire); ws2: net user then whoami (temporal only);
    ws3: 60.001 s apart with a 1m timespan (neither)."""
    res = run(["-r", os.path.join(DATA, "temporal.yml"), os.path.join(DATA, "temporal.jsonl")])
    expect_rc(res, 0)
    head = '{"correlation": "7d2d5a9a-6c73-4e83-9c5a-3b3f2e4d9c0%d", "title": "%s", "type": "%s", '
    temporal = head % (3, "Recon commands on one host", "temporal") + '"level": "medium", '
    ordered = head % (4, "Whoami then net user on one host", "temporal_ordered") + '"level": "high", '
    tail = ('"group": {"Computer": "%s"}, "value": 2, "first": "%s", "last": "%s", '
            '"event_total": 2, "events": [%d, %d]}')
    want_ws1_t = temporal + tail % ("ws1", "2024-03-05T10:00:00Z", "2024-03-05T10:00:30Z", 1, 4)
    want_ws1_o = ordered + tail % ("ws1", "2024-03-05T10:00:00Z", "2024-03-05T10:00:30Z", 1, 4)
    want_ws2_t = temporal + tail % ("ws2", "2024-03-05T10:00:05Z", "2024-03-05T10:00:40Z", 2, 5)
    expect_out(res, [want_ws1_t, want_ws1_o, want_ws2_t])


@case
def generate_false_suppresses_referenced_rules():
    """Detection matches of a rule a correlation references (generate: false, the
    default) are not printed; an unreferenced rule in the same run still is."""
    with tmpdir() as d:
        other = write(os.path.join(d, "other.yml"), """title: Any 4625
id: 1e8a3f4c-2b7d-4e9a-8c6f-5d4e3c2b1a00
status: test
logsource:
    product: test
detection:
    selection:
        EventID: 4625
    condition: selection
level: informational
""")
        ev = write(os.path.join(d, "e.jsonl"), events_text([failed("bob", "2024-03-05T10:00:00Z")]))
        res = run(["-r", BRUTE_RULES, "-r", other, ev])
        expect_rc(res, 0)
        objs = res.objects()
        check([(o.get("event"), o.get("id")) for o in objs]
              == [(1, "1e8a3f4c-2b7d-4e9a-8c6f-5d4e3c2b1a00")], res.describe())
        # Without the correlation the same rule alerts.
        plain = write(os.path.join(d, "plain.yml"),
                      open(BRUTE_RULES, encoding="utf-8").read().split("\n---\n")[0] + "\n")
        res = run(["-r", plain, ev])
        check([(o.get("event"), o.get("id")) for o in res.objects()] == [(1, FAILED_LOGON_ID)],
              res.describe())


@case
def generate_true_keeps_referenced_rules():
    with tmpdir() as d:
        rules = write(os.path.join(d, "r.yml"),
                      open(BRUTE_RULES, encoding="utf-8").read().replace(
                          "level: high\n", "level: high\ngenerate: true\n"))
        ev = write(os.path.join(d, "e.jsonl"), events_text(
            [failed("bob", "2024-03-05T10:0%d:00Z" % i) for i in range(3)]))
        res = run(["-r", rules, ev])
        expect_rc(res, 0)
        det = [(o["event"], o["id"]) for o in res.detections()]
        check(det == [(1, FAILED_LOGON_ID), (2, FAILED_LOGON_ID), (3, FAILED_LOGON_ID)],
              res.describe())
        cor = res.correlations()
        check(len(cor) == 1 and cor[0]["events"] == [1, 2, 3], res.describe())
        # The correlation line follows the detection line of the event that completed it.
        check(json.loads(res.out_lines[-1]).get("correlation") == BRUTE_ID, res.describe())


@case
def chained_correlation_prints_the_outer_only():
    """The inner correlation (referenced by the outer one, no generate) only feeds it;
    the outer line lists the base events behind both inner matches. With generate:
    true on the outer correlation the inner matches print too (the detection rule
    stays quiet: the inner correlation references it without generate)."""
    chain = os.path.join(DATA, "chain.yml")
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text(
            [failed("bob", "2024-03-05T10:0%d:00Z" % i) for i in range(4)]))
        outer = ('{"correlation": "8e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a02", "title": "Repeated '
                 'failure pairs", "type": "event_count", "level": "high", "group": '
                 '{"TargetUserName": "bob"}, "value": 2, "first": "2024-03-05T10:01:00Z", '
                 '"last": "2024-03-05T10:03:00Z", "event_total": 4, "events": [1, 2, 3, 4]}')
        inner = ('{"correlation": "8e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a01", "title": "Two '
                 'failures", "type": "event_count", "level": "medium", "group": '
                 '{"TargetUserName": "bob"}, "value": 2, "first": "%s", "last": "%s", '
                 '"event_total": 2, "events": [%s]}')
        res = run(["-r", chain, ev])
        expect_rc(res, 0)
        expect_out(res, [outer])
        gen = write(os.path.join(d, "gen.yml"), open(chain, encoding="utf-8").read().replace(
            "level: high\n", "level: high\ngenerate: true\n"))
        res = run(["-r", gen, ev])
        expect_rc(res, 0)
        expect_out(res, [
            inner % ("2024-03-05T10:00:00Z", "2024-03-05T10:01:00Z", "1, 2"),
            inner % ("2024-03-05T10:02:00Z", "2024-03-05T10:03:00Z", "3, 4"),
            outer,
        ])


@case
def timestamp_formats():
    """Each group's three events carry their time in different fields and forms."""
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text([
            failed("bob", 1709632800, field="timestamp"),                   # epoch seconds
            failed("bob", "2024-03-05 10:01:00.500", field="UtcTime"),       # Sysmon, no zone
            failed("bob", "2024-03-05T12:02:00+02:00"),                      # offset
            failed("carol", 1709632800000, field="time"),                    # epoch ms
            failed("carol", "1709632860", field="EventTime"),                # numeric string
            failed("carol", "2024-03-05T10:02:00.1234567Z", field="TimeCreated_SystemTime"),
            failed("dan", 1709632800.25, field="SystemTime"),                # float seconds
            failed("dan", "not a time", time=1709632801),                   # bad @timestamp
            failed("dan", "2024-03-05t10:00:02,75z", field="TimeCreated"),
        ]))
        res = run(["--max-disorder", "300", "-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [
            brute_line("bob", 3, "2024-03-05T10:00:00Z", "2024-03-05T10:02:00Z", [1, 2, 3]),
            brute_line("carol", 3, "2024-03-05T10:00:00Z", "2024-03-05T10:02:00.123Z", [4, 5, 6]),
            brute_line("dan", 3, "2024-03-05T10:00:00.250Z", "2024-03-05T10:00:02.750Z",
                       [7, 8, 9]),
        ])


@case
def timestamp_of_nested_windows_events():
    """Nested Windows JSON: the time is the converted TimeCreated_SystemTime."""
    def win(user, t):
        return {"Event": {"System": {"EventID": 4625, "TimeCreated": {
            "#attributes": {"SystemTime": t}}, "Channel": "Test"},
            "EventData": {"TargetUserName": user}}}
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text([
            win("bob", "2024-03-05T10:00:00.1234567Z"),
            win("bob", "2024-03-05T10:04:00.000000Z"),
            win("bob", "2024-03-05T10:08:00.999999Z"),
        ]))
        res = run(["-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [brute_line("bob", 3, "2024-03-05T10:00:00.123Z",
                                    "2024-03-05T10:08:00.999Z", [1, 2, 3])])


@case
def custom_timestamp_field():
    """--timestamp-field replaces the defaults: @timestamp is then ignored."""
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text([
            failed("bob", "2024-03-05T10:00:00Z", field="ts", **{"@timestamp": "2024-01-01"}),
            failed("bob", "2024-03-05T10:01:00Z", field="ts", **{"@timestamp": "2024-02-01"}),
            failed("bob", "2024-03-05T10:02:00Z", field="ts", **{"@timestamp": "2024-03-01"}),
        ]))
        res = run(["--timestamp-field", "nope", "--timestamp-field=ts", "-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [brute_line("bob", 3, "2024-03-05T10:00:00Z", "2024-03-05T10:02:00Z",
                                    [1, 2, 3])])
        # Nested objects are reached with dotted names, like rule fields.
        ev2 = write(os.path.join(d, "e2.jsonl"), events_text([
            failed("bob", None, event={"created": "2024-03-05T10:0%d:00Z" % i}) for i in range(3)]))
        res = run(["--timestamp-field", "event.created", "-r", BRUTE_RULES, ev2])
        expect_out(res, [brute_line("bob", 3, "2024-03-05T10:00:00Z", "2024-03-05T10:02:00Z",
                                    [1, 2, 3])])


@case
def missing_timestamps_warning():
    """A matching event without a time is counted and not correlated (bob stays at two);
    events that match no rule need no time."""
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text([
            failed("bob", "2024-03-05T10:00:00Z"),
            {"EventID": 1, "note": "no time, no match"},
            failed("bob", None),
            failed("bob", "yesterday"),
            failed("bob", "2024-03-05T10:02:00Z"),
        ]))
        res = run(["-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [])
        want = ("sigma-scan: warning: 2 events matched rules but had no timestamp and were not "
                "correlated (first: %s:3; fields tried: %s)" % (ev, DEFAULT_FIELDS))
        check(want in res.err_lines, "missing %r\n%s" % (want, res.describe()))


@case
def out_of_order_events():
    """An event 60 s older than the newest is late without --max-disorder (counted,
    not correlated) and in time with --max-disorder 60; refs are in input order."""
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text([
            failed("bob", "2024-03-05T10:00:00Z"),
            failed("bob", "2024-03-05T10:02:00Z"),
            failed("bob", "2024-03-05T10:01:00Z"),
        ]))
        res = run(["-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [])
        want = ("sigma-scan: warning: 1 events were older than the newest event by more than "
                "--max-disorder (0.000 s) and were not correlated")
        check(want in res.err_lines, "missing %r\n%s" % (want, res.describe()))
        res = run(["--max-disorder", "60", "-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [brute_line("bob", 3, "2024-03-05T10:00:00Z", "2024-03-05T10:02:00Z",
                                    [1, 2, 3])])
        check(not any("warning" in l for l in res.err_lines), res.describe())


@case
def lt_decided_at_window_close_and_end_of_input():
    """lt: decided when the window closes. host-a's window (one heartbeat) closes when a
    later event passes its end; host-b's (one heartbeat) only at the end of input;
    host-c has three and never fires."""
    with tmpdir() as d:
        rules = write(os.path.join(d, "r.yml"), """title: Heartbeat
id: 2a4c6e8f-0b1d-4f3a-9c5e-7a9b1c3d5e01
name: heartbeat
status: test
logsource:
    product: test
detection:
    selection:
        EventID: 1
    condition: selection
---
title: Quiet host
id: 2a4c6e8f-0b1d-4f3a-9c5e-7a9b1c3d5e02
status: test
correlation:
    type: event_count
    rules: heartbeat
    group-by: Host
    timespan: 1h
    condition:
        lt: 3
level: low
---
title: Unrelated
id: 2a4c6e8f-0b1d-4f3a-9c5e-7a9b1c3d5e03
status: test
logsource:
    product: test
detection:
    selection:
        EventID: 2
    condition: selection
level: low
""")
        ev = write(os.path.join(d, "e.jsonl"), events_text([
            {"@timestamp": "2024-03-05T10:00:00Z", "EventID": 1, "Host": "host-a"},
            {"@timestamp": "2024-03-05T10:10:00Z", "EventID": 1, "Host": "host-c"},
            {"@timestamp": "2024-03-05T10:20:00Z", "EventID": 1, "Host": "host-c"},
            {"@timestamp": "2024-03-05T10:30:00Z", "EventID": 1, "Host": "host-c"},
            {"@timestamp": "2024-03-05T11:30:00Z", "EventID": 2, "Host": "host-x"},
            {"@timestamp": "2024-03-05T11:40:00Z", "EventID": 1, "Host": "host-b"},
        ]))
        res = run(["-r", rules, ev])
        expect_rc(res, 0)
        head = ('{"correlation": "2a4c6e8f-0b1d-4f3a-9c5e-7a9b1c3d5e02", "title": "Quiet host", '
                '"type": "event_count", "level": "low", ')
        expect_out(res, [
            head + '"group": {"Host": "host-a"}, "value": 1, "first": "2024-03-05T10:00:00Z", '
                   '"last": "2024-03-05T10:00:00Z", "event_total": 1, "events": [1]}',
            '{"event": 5, "id": "2a4c6e8f-0b1d-4f3a-9c5e-7a9b1c3d5e03", "title": "Unrelated", '
            '"level": "low", "path": "%s"}' % rules,
            head + '"group": {"Host": "host-b"}, "value": 1, "first": "2024-03-05T11:40:00Z", '
                   '"last": "2024-03-05T11:40:00Z", "event_total": 1, "events": [6]}',
        ])


@case
def several_inputs_name_their_files():
    """With more than one EVENTS file, each event ref names its file; lines are
    numbered per file and the correlator sees the files as one stream."""
    with tmpdir() as d:
        a = write(os.path.join(d, "a.jsonl"), events_text([
            failed("bob", "2024-03-05T10:00:00Z"), failed("bob", "2024-03-05T10:01:00Z")]))
        b = write(os.path.join(d, "b.jsonl"), events_text([
            {"EventID": 0, "@timestamp": "2024-03-05T10:01:30Z"},
            failed("bob", "2024-03-05T10:02:00Z")]))
        res = run(["-r", BRUTE_RULES, a, b])
        expect_rc(res, 0)
        cor = res.correlations()
        check(len(res.out_lines) == 1 and len(cor) == 1, res.describe())
        check(cor[0]["events"] == [{"file": a, "event": 1}, {"file": a, "event": 2},
                                   {"file": b, "event": 2}], res.describe())
        check(res.out_lines[0].endswith(
            '"events": [{"file": "%s", "event": 1}, {"file": "%s", "event": 2}, '
            '{"file": "%s", "event": 2}]}' % (a, a, b)), res.describe())


@case
def pipe_input_reports_as_it_happens():
    """From a pipe, a correlation line is written (flushed) as soon as the event that
    completes it is read, before the input ends (tail -F | sigma-scan)."""
    import select
    proc = subprocess.Popen([EXE, "-r", BRUTE_RULES], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write(events_text(
            [failed("bob", "2024-03-05T10:0%d:00Z" % i) for i in range(3)]).encode())
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        check(ready, "no output within 30 s while the input is still open")
        line = proc.stdout.readline().decode()
        check(line.rstrip("\n") == brute_line("bob", 3, "2024-03-05T10:00:00Z",
                                             "2024-03-05T10:02:00Z", [1, 2, 3]), line)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


@case
def stats_line():
    res = run(["--stats", "-r", BRUTE_RULES, os.path.join(DATA, "brute_force.jsonl")])
    expect_rc(res, 0)
    line = [l for l in res.err_lines if l.startswith("stats: correlations ")]
    check(len(line) == 1 and line[0].startswith(
        "stats: correlations 1, correlation matches 1, untimed 0, late 0, groups "),
        res.describe())
    # Suppressed detection matches (generate: false) are not counted as matches.
    check("stats: rules 2, events 8, matches 0, malformed 0" in res.err_lines, res.describe())
    check("stats: channel (none): events 8, matches 0 (0.000/event)" in res.err_lines,
          res.describe())


@case
def correlator_limits():
    """--corr-max-groups / --corr-max-events / --corr-idle-expiry reach the correlator:
    each limit, set low enough, stops the burst from firing (and the group limit warns),
    while a generous value keeps it."""
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text([
            failed("bob", "2024-03-05T10:00:00Z"),
            failed("alice", "2024-03-05T10:01:00Z"),
            failed("bob", "2024-03-05T10:02:00Z"),
            failed("carol", "2024-03-05T10:03:00Z"),
            failed("bob", "2024-03-05T10:04:00Z"),
        ]))
        fires = [brute_line("bob", 3, "2024-03-05T10:00:00Z", "2024-03-05T10:04:00Z", [1, 3, 5])]
        res = run(["-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, fires)
        # one live group: alice evicts bob, bob evicts alice...
        res = run(["--corr-max-groups", "1", "-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [])
        check(any("correlation groups were evicted at the group limit" in l
                  for l in res.err_lines), res.describe())
        res = run(["--corr-max-groups", "3", "-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, fires)
        # two events kept per group: never three
        res = run(["--corr-max-events", "2", "-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [])
        res = run(["--corr-max-events", "3", "-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, fires)
        # bob is idle for 2 minutes between his events
        res = run(["--corr-idle-expiry", "60", "-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, [])
        res = run(["--corr-idle-expiry", "120", "-r", BRUTE_RULES, ev])
        expect_rc(res, 0)
        expect_out(res, fires)


@case
def usage_errors():
    for args, msg in [
        (["--max-disorder", "abc"], "--max-disorder needs a number of seconds"),
        (["--max-disorder=-1"], "--max-disorder needs a number of seconds"),
        (["--max-disorder"], "option '--max-disorder' needs SECONDS"),
        (["--timestamp-field"], "option '--timestamp-field' needs a NAME"),
        (["--timestamp-field="], "empty --timestamp-field name"),
        (["--corr-max-groups", "0"], "--corr-max-groups needs a whole number from 1"),
        (["--corr-max-groups", "-5"], "--corr-max-groups needs a whole number from 1"),
        (["--corr-max-events", "4294967296"], "--corr-max-events needs a whole number from 1"),
        (["--corr-max-events"], "option '--corr-max-events' needs a value"),
        (["--corr-idle-expiry", "0"], "--corr-idle-expiry needs a number of seconds"),
    ]:
        res = run(["-r", BRUTE_RULES] + args)
        expect_rc(res, 2)
        check(msg in res.err, "want %r\n%s" % (msg, res.describe()))


def main():
    passed = failed_count = 0
    for fn in CASES:
        name = fn.__name__
        try:
            fn()
        except CaseFailure as e:
            failed_count += 1
            print("FAIL %s: %s" % (name, e))
        except Exception as e:  # a crash in the test itself counts as a failure
            failed_count += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        else:
            passed += 1
            print("ok   %s" % name)
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed_count))
    return 1 if failed_count else 0


if __name__ == "__main__":
    sys.exit(main())
