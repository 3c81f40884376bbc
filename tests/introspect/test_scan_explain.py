#!/usr/bin/env python3
"""sigma-scan --explain (docs/cli.md): each match line gets an "explain" member.

usage: test_scan_explain.py SIGMA_SCAN_EXE SOURCE_ROOT

Runs sigma-scan on the seed rule and events and on a rule written into a temporary
directory; checks that every output line is one JSON object, that the explain member
names the selection that fired and the event value it fired on, and that the output
without --explain is unchanged. Exits 1 if any case failed.
"""

import json
import os
import subprocess
import sys
import tempfile

EXE = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
RULE = os.path.join(SRC, "examples/rules/proc_creation_win_iis_susp_module_registration.yml")
EVENTS = os.path.join(SRC, "examples/events/seed-events.jsonl")
FIRED = {1: "selection_cli_1", 2: "selection_cli_1", 3: "selection_cli_2",
         4: "selection_cli_3", 5: "selection_cli_1", 6: "selection_cli_2"}
failures = 0


def run(*args):
    p = subprocess.run([EXE] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       cwd=SRC, timeout=60)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def case(fn):
    global failures
    try:
        fn()
        print("ok   " + fn.__name__)
    except AssertionError as e:
        failures += 1
        print("FAIL %s: %s" % (fn.__name__, e))


def seed_events():
    with open(EVENTS, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def explain_seed():
    rc, out, err = run("-r", RULE, "--explain", EVENTS)
    assert rc == 0, err
    lines = out.splitlines()
    assert len(lines) == 6, out
    events = seed_events()
    for line in lines:
        obj = json.loads(line)  # one JSON object per line
        n = obj["event"]
        assert list(obj)[:5] == ["event", "id", "title", "level", "path"], list(obj)
        x = obj["explain"]
        assert x["result"] is True
        stages = x["stages"]
        assert list(stages) == ["condition", "selection_parent", "selection_cli_1",
                                "selection_cli_2", "selection_cli_3"], stages
        assert stages["condition"] and stages["selection_parent"]
        for name in ("selection_cli_1", "selection_cli_2", "selection_cli_3"):
            assert stages[name] == (name == FIRED[n]), (n, stages)
        preds = x["predicates"]
        assert len(preds) == 5, preds
        parent = preds[0]
        assert parent == {"stage": "selection_parent", "field": "ParentImage",
                          "kind": "endswith", "modifiers": "|endswith", "held": True,
                          "value": "\\w3wp.exe",
                          "event_value": events[n - 1]["ParentImage"]}, parent
        fired = [p for p in preds if p["stage"] == FIRED[n]]
        assert fired[0]["held"] and fired[0]["field"] == "CommandLine", fired
        assert fired[0]["event_value"] == events[n - 1]["CommandLine"], fired
        for p in preds:
            assert ("event_value" in p) == p["held"], p  # only held predicates carry values


def without_explain_unchanged():
    rc, out, _ = run("-r", RULE, EVENTS)
    assert rc == 0
    rc2, out2, _ = run("-r", RULE, "--explain", EVENTS)
    plain = [json.loads(l) for l in out.splitlines()]
    explained = [json.loads(l) for l in out2.splitlines()]
    assert all("explain" not in o for o in plain)
    for a, b in zip(plain, explained):
        del b["explain"]
        assert a == b, (a, b)
    assert len(plain) == len(explained) == 6


def escaping_and_files():
    with tempfile.TemporaryDirectory() as d:
        rule = os.path.join(d, "r.yml")
        with open(rule, "w", encoding="utf-8") as f:
            f.write("title: Odd values\nid: 0badc0de-0000-4000-8000-000000000000\n"
                    "logsource: {product: test}\n"
                    "detection:\n"
                    "    sel: {Cmd|contains: 'say \"hi\"'}\n"
                    "    kw: [\"\\t\"]\n"
                    "    condition: sel or kw\n")
        events = os.path.join(d, "e.jsonl")
        with open(events, "wb") as f:
            f.write(b'{"Cmd": "x say \\"hi\\" \\\\ \\u0001 \\u00e9 end"}\n')
            f.write(b'{"Other": "tab\\there"}\n')
        rc, out, err = run("-r", rule, "--explain", events, events)
        assert rc == 0, err
        lines = out.splitlines()
        assert len(lines) == 4, out
        first = json.loads(lines[0])
        assert list(first)[:2] == ["event", "file"], first
        p = [p for p in first["explain"]["predicates"] if p["stage"] == "sel"][0]
        assert p["value"] == 'say "hi"', p
        assert p["event_value"] == 'x say "hi" \\ \u0001 \u00e9 end', p
        second = json.loads(lines[1])
        kw = [p for p in second["explain"]["predicates"] if p["stage"] == "kw"][0]
        assert kw["field"] is None and kw["kind"] == "keyword", kw
        assert kw["event_value"] == "tab\there", kw
        assert second["explain"]["stages"] == {"condition": True, "sel": False, "kw": True}


for fn in (explain_seed, without_explain_unchanged, escaping_and_files):
    case(fn)
print("%d failed" % failures)
sys.exit(1 if failures else 0)
