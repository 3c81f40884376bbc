#!/usr/bin/env python3
"""Contract tests for the sigma-scan command-line tool (see docs/cli.md).

usage: test_sigma_scan.py SIGMA_SCAN_EXE SOURCE_ROOT [EMBED_EXE]

Each case runs sigma-scan as a subprocess and checks stdout, stderr and the exit
status. Rules and events for the cases are written into temporary directories;
only the seed example uses files from the source tree. Prints one line per case
and a final count; exits 1 if any case failed.
"""

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
EMBED = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None

SEED_ID = "043c4b8b-3a54-4780-9682-081cb6b8185c"
SEED_TITLE = "Suspicious IIS Module Registration"
SEED_RULE = "examples/rules/proc_creation_win_iis_susp_module_registration.yml"
SEED_EVENTS = "examples/events/seed-events.jsonl"
SEED_MATCHING_LINES = [1, 2, 3, 4, 5, 6]


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

    def matches(self):
        """stdout parsed as JSON lines, key order kept."""
        objs = []
        for line in self.out_lines:
            try:
                objs.append(json.loads(line, object_pairs_hook=list))
            except ValueError as e:
                raise CaseFailure("stdout line is not JSON (%s): %r" % (e, line))
        return objs


def run(args, stdin=b"", cwd=None):
    proc = subprocess.run([EXE] + args, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=cwd, timeout=120)
    return Result(proc)


def expect_rc(res, rc):
    check(res.rc == rc, "expected exit %d\n%s" % (rc, res.describe()))


def expect_summary(res, loaded, failed):
    want = "loaded %d rules, %d failed" % (loaded, failed)
    check(want in res.err_lines, "missing summary %r\n%s" % (want, res.describe()))


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def rule_yaml(title, detection, rule_id=None, level="medium", extra=""):
    """A minimal valid rule; `detection` is the indented body of `detection:`."""
    lines = ["title: %s" % title]
    if rule_id:
        lines.append("id: %s" % rule_id)
    lines += ["status: test", "logsource:", "    product: test", "    category: cli",
              "detection:"]
    lines += ["    " + d for d in detection.strip("\n").split("\n")]
    if level:
        lines.append("level: %s" % level)
    return "\n".join(lines) + "\n" + extra


GOOD_ID = "3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b"
GOOD_RULE = rule_yaml("Good rule", """
sel:
    CommandLine|contains: 'evil'
condition: sel
""", GOOD_ID, "high")

# The unknown modifier is on line 8 of this file.
BAD_RULE = """title: Broken rule
id: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
status: test
logsource:
    product: test
detection:
    sel:
        CommandLine|nosuchmodifier: 'evil'
    condition: sel
level: low
"""
BAD_LINE = 8


def events_text(objs):
    return "".join(json.dumps(o) + "\n" for o in objs)


def tmpdir():
    return tempfile.TemporaryDirectory(prefix="sigma-scan-test-")


def match_pairs(res):
    """[(event number, title)] of the match lines."""
    out = []
    for obj in res.matches():
        d = dict(obj)
        out.append((d.get("event"), d.get("title")))
    return out


# ------------------------------------------------------------------ cases

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def seed_example_output_exact():
    res = run(["-r", "examples/rules", SEED_EVENTS], cwd=SRC)
    expect_rc(res, 0)
    want = ['{"event": %d, "id": "%s", "title": "%s", "level": "high", "path": "%s"}'
            % (n, SEED_ID, SEED_TITLE, SEED_RULE) for n in SEED_MATCHING_LINES]
    check(res.out_lines == want,
          "stdout differs\nwant:\n%s\n%s" % ("\n".join(want), res.describe()))
    check(res.err_lines == ["loaded 1 rules, 0 failed"],
          "stderr should be only the summary\n" + res.describe())


@case
def seed_rule_given_as_file():
    res = run(["--rules", SEED_RULE, SEED_EVENTS], cwd=SRC)
    expect_rc(res, 0)
    got = [n for n, _ in match_pairs(res)]
    check(got == SEED_MATCHING_LINES, "matched lines %r\n%s" % (got, res.describe()))
    for obj in res.matches():
        check(dict(obj)["path"] == SEED_RULE, "path %r" % dict(obj)["path"])


@case
def match_line_keys_in_order():
    res = run(["-r", "examples/rules", SEED_EVENTS], cwd=SRC)
    for obj in res.matches():
        keys = [k for k, _ in obj]
        check(keys == ["event", "id", "title", "level", "path"], "keys %r" % keys)
        check(isinstance(dict(obj)["event"], int), "event is not a number")


@case
def bad_rule_beside_good_one_is_skipped():
    with tmpdir() as d:
        rules = os.path.join(d, "rules")
        os.mkdir(rules)
        good = write(os.path.join(rules, "good.yml"), GOOD_RULE)
        bad = write(os.path.join(rules, "bad.yml"), BAD_RULE)
        ev = write(os.path.join(d, "ev.jsonl"),
                   events_text([{"CommandLine": "nothing"}, {"CommandLine": "an EVIL one"}]))
        res = run(["-r", rules, ev])
        expect_rc(res, 0)
        pat = re.compile(r"^%s:%d:\d+: error: .+$" % (re.escape(bad), BAD_LINE))
        check(any(pat.match(line) for line in res.err_lines),
              "no diagnostic matching %s\n%s" % (pat.pattern, res.describe()))
        expect_summary(res, 1, 1)
        check(res.err_lines[-1] == "loaded 1 rules, 1 failed",
              "summary must come after the diagnostics\n" + res.describe())
        objs = [dict(o) for o in res.matches()]
        check(len(objs) == 1 and objs[0]["event"] == 2 and objs[0]["id"] == GOOD_ID
              and objs[0]["path"] == good and objs[0]["level"] == "high",
              "matches\n" + res.describe())


@case
def check_mode_exit_codes():
    with tmpdir() as d:
        write(os.path.join(d, "good.yml"), GOOD_RULE)
        ev = write(os.path.join(d, "ev.jsonl"), events_text([{"CommandLine": "evil"}]))
        res = run(["--check", "-r", d, ev])
        expect_rc(res, 0)
        check(res.out == "", "--check must not scan\n" + res.describe())
        expect_summary(res, 1, 0)

        write(os.path.join(d, "bad.yml"), BAD_RULE)
        res = run(["--check", "-r", d])
        expect_rc(res, 1)
        check(res.out == "", "stdout should be empty\n" + res.describe())
        check(any(": error: " in line for line in res.err_lines), "no error printed")
        expect_summary(res, 1, 1)


@case
def strict_mode_exit_codes():
    with tmpdir() as d:
        write(os.path.join(d, "good.yml"), GOOD_RULE)
        ev = write(os.path.join(d, "ev.jsonl"), events_text([{"CommandLine": "evil"}]))
        res = run(["--strict", "-r", d, ev])
        expect_rc(res, 0)
        check(match_pairs(res) == [(1, "Good rule")], "strict without errors scans\n"
              + res.describe())

        write(os.path.join(d, "bad.yml"), BAD_RULE)
        res = run(["--strict", "-r", d, ev])
        expect_rc(res, 1)
        check(res.out == "", "--strict with a bad rule must not scan\n" + res.describe())
        expect_summary(res, 1, 1)


@case
def malformed_lines_reported_and_skipped():
    with tmpdir() as d:
        write(os.path.join(d, "good.yml"), GOOD_RULE)
        ev = write(os.path.join(d, "ev.jsonl"),
                   '{"CommandLine": "evil 1"}\n'
                   '{"CommandLine": "evil 2"\n'       # 2: truncated
                   '[{"CommandLine": "evil 3"}]\n'    # 3: not an object
                   '\n'                               # 4: blank, silently skipped
                   '   \t \n'                         # 5: blank too
                   'not json at all\n'                # 6
                   '"just a string"\n'                # 7: not an object
                   '{"CommandLine": "evil 8"}\n'      # 8
                   '{"CommandLine": "evil 9"}')       # 9: no final newline
        res = run(["-r", d, ev])
        expect_rc(res, 0)
        check([n for n, _ in match_pairs(res)] == [1, 8, 9], "matches\n" + res.describe())
        for n in (2, 3, 6, 7):
            prefix = "%s:%d: malformed JSON: " % (ev, n)
            check(any(line.startswith(prefix) and len(line) > len(prefix)
                      for line in res.err_lines),
                  "no report for line %d\n%s" % (n, res.describe()))
        for n in (4, 5):
            check(not any(line.startswith("%s:%d:" % (ev, n)) for line in res.err_lines),
                  "blank line %d reported\n%s" % (n, res.describe()))


@case
def crlf_line_endings():
    with tmpdir() as d:
        write(os.path.join(d, "good.yml"), GOOD_RULE)
        ev = os.path.join(d, "ev.jsonl")
        with open(ev, "wb") as f:
            f.write(b'{"CommandLine": "evil"}\r\n\r\n{"CommandLine": "fine"}\r\n'
                    b'{"CommandLine": "evil"}\r\n')
        res = run(["-r", d, ev])
        expect_rc(res, 0)
        check([n for n, _ in match_pairs(res)] == [1, 4], res.describe())
        check("malformed" not in res.err, res.describe())


@case
def stdin_with_dash_and_without_events():
    with tmpdir() as d:
        write(os.path.join(d, "good.yml"), GOOD_RULE)
        data = events_text([{"CommandLine": "calm"}, {"CommandLine": "evil"}]).encode()
        for args in (["-r", d], ["-r", d, "-"]):
            res = run(args, stdin=data)
            expect_rc(res, 0)
            objs = [dict(o) for o in res.matches()]
            check(len(objs) == 1 and objs[0]["event"] == 2 and "file" not in objs[0],
                  "args %r\n%s" % (args, res.describe()))


@case
def several_event_files_add_file_key():
    with tmpdir() as d:
        write(os.path.join(d, "good.yml"), GOOD_RULE)
        a = write(os.path.join(d, "a.jsonl"), events_text([{"CommandLine": "evil"}]))
        b = write(os.path.join(d, "b.jsonl"),
                  events_text([{"CommandLine": "x"}, {"CommandLine": "x"}, {"CommandLine": "evil"}]))
        stdin = events_text([{"CommandLine": "x"}, {"CommandLine": "evil"}]).encode()
        res = run(["-r", d, a, b, "-"], stdin=stdin)
        expect_rc(res, 0)
        objs = res.matches()
        keys = [[k for k, _ in o] for o in objs]
        check(all(k == ["event", "file", "id", "title", "level", "path"] for k in keys),
              "keys %r" % keys)
        got = [(dict(o)["file"], dict(o)["event"]) for o in objs]
        check(got == [(a, 1), (b, 3), ("-", 2)], "got %r\n%s" % (got, res.describe()))


@case
def usage_errors_exit_2():
    with tmpdir() as d:
        write(os.path.join(d, "good.yml"), GOOD_RULE)
        for args in ([], ["--bogus", "-r", d], ["-r"], ["--rules"], ["-x"],
                     [os.path.join(d, "good.yml")]):
            res = run(args)
            expect_rc(res, 2)
            check(res.out == "", "usage errors print nothing on stdout: %r\n%s"
                  % (args, res.describe()))
            check("usage" in res.err, "no usage text for %r\n%s" % (args, res.describe()))


@case
def help_and_version():
    res = run(["--help"])
    expect_rc(res, 0)
    check(res.out.startswith("usage: sigma-scan"), res.describe())
    check("--rules" in res.out and "--check" in res.out and "--strict" in res.out
          and "--stats" in res.out, res.describe())
    check(res.err == "", res.describe())
    res = run(["--version"])
    expect_rc(res, 0)
    check(re.match(r"^sigma-scan \d+\.\d+\.\d+", res.out), res.describe())


@case
def missing_rules_path_exit_2():
    with tmpdir() as d:
        missing = os.path.join(d, "no-such-dir")
        res = run(["-r", missing], stdin=b"{}\n")
        expect_rc(res, 2)
        check(missing in res.err, res.describe())
        check(res.out == "", res.describe())


@case
def unreadable_events_file_exit_2():
    with tmpdir() as d:
        write(os.path.join(d, "good.yml"), GOOD_RULE)
        missing = os.path.join(d, "missing.jsonl")
        res = run(["-r", d, missing])
        expect_rc(res, 2)
        check(missing in res.err, res.describe())
        # A good file first: still nothing is scanned when a later file is unreadable.
        ok = write(os.path.join(d, "ok.jsonl"), events_text([{"CommandLine": "evil"}]))
        res = run(["-r", d, ok, missing])
        expect_rc(res, 2)
        check(res.out == "", "nothing should be scanned\n" + res.describe())
        # A directory is not an events file.
        res = run(["-r", os.path.join(d, "good.yml"), d])
        expect_rc(res, 2)
        check(d in res.err, res.describe())
        if hasattr(os, "geteuid") and os.geteuid() != 0:
            locked = write(os.path.join(d, "locked.jsonl"), "{}\n")
            os.chmod(locked, 0)
            res = run(["-r", os.path.join(d, "good.yml"), locked])
            expect_rc(res, 2)
            check(locked in res.err, res.describe())


@case
def json_escaping_of_title_and_path():
    title = 'Say "hi" to C:\\Temp\\ and Grüße, Ωμέγα ✓'
    with tmpdir() as d:
        rules = os.path.join(d, 'odd "dir" \\ name')
        os.mkdir(rules)
        path = write(os.path.join(rules, "quote.yml"), rule_yaml(
            "'%s'" % title.replace("'", "''"), """
sel:
    CommandLine: 'x'
condition: sel
"""))
        res = run(["-r", rules], stdin=b'{"CommandLine": "X"}\n')
        expect_rc(res, 0)
        check(len(res.out_lines) == 1, res.describe())
        obj = dict(res.matches()[0])
        check(obj["title"] == title, "title %r" % obj["title"])
        check(obj["path"] == path, "path %r" % obj["path"])
        check(obj["id"] is None, "a rule without id gives null, got %r" % obj["id"])
        line = res.out_lines[0]
        check('\\"hi\\"' in line and "C:\\\\Temp\\\\" in line, "escaping: " + line)
        check("Grüße, Ωμέγα ✓" in line, "UTF-8 must be written as is: " + line)


@case
def rule_without_level_gives_null():
    with tmpdir() as d:
        write(os.path.join(d, "r.yml"), rule_yaml("No level", """
sel:
    CommandLine: 'x'
condition: sel
""", GOOD_ID, level=None))
        res = run(["-r", d], stdin=b'{"CommandLine": "x"}\n')
        expect_rc(res, 0)
        objs = [dict(o) for o in res.matches()]
        check(len(objs) == 1 and objs[0]["level"] is None and objs[0]["id"] == GOOD_ID,
              res.describe())


@case
def nested_objects_match_dotted_names():
    with tmpdir() as d:
        write(os.path.join(d, "r.yml"), rule_yaml("Nested", """
sel:
    process.parent.name|endswith: 'w3wp.exe'
    process.pid: 4
condition: sel
"""))
        ev = write(os.path.join(d, "ev.jsonl"), events_text([
            {"process": {"parent": {"name": "C:\\IIS\\W3WP.EXE"}, "pid": 4}},   # 1 match
            {"process": {"parent": {"name": "explorer.exe"}, "pid": 4}},        # 2
            {"process": {"parent": {"name": "w3wp.exe"}}},                      # 3 pid missing
            {"process.parent.name": "w3wp.exe", "process.pid": 4},              # 4 literal keys
            {"process": {"parent": "w3wp.exe", "pid": 4}},                      # 5 wrong depth
            {"process": {"parent": {"name": "w3wp.exe", "x": {}}, "pid": 4}},   # 6 match
        ]))
        res = run(["-r", d, ev])
        expect_rc(res, 0)
        got = [n for n, _ in match_pairs(res)]
        check(got == [1, 4, 6], "matched %r\n%s" % (got, res.describe()))


@case
def arrays_match_any_element():
    with tmpdir() as d:
        write(os.path.join(d, "a.yml"), rule_yaml("Array contains", """
sel:
    tags|contains: 'evil'
condition: sel
"""))
        write(os.path.join(d, "b.yml"), rule_yaml("Array of objects", """
sel:
    users.name: 'admin'
condition: sel
"""))
        ev = write(os.path.join(d, "ev.jsonl"), events_text([
            {"tags": ["good", "very-EVIL", "fine"]},                   # 1: a
            {"tags": ["good", "fine"]},                                # 2
            {"users": [{"name": "bob"}, {"name": "Admin"}]},           # 3: b
            {"users": [{"name": "bob"}, {"id": 1}]},                   # 4
            {"tags": [["nested", "evil"]], "users": {"name": "ADMIN"}},  # 5: a, b
            {"tags": []},                                              # 6
        ]))
        res = run(["-r", d, ev])
        expect_rc(res, 0)
        got = match_pairs(res)
        want = [(1, "Array contains"), (3, "Array of objects"), (5, "Array contains"),
                (5, "Array of objects")]
        check(got == want, "got %r\n%s" % (got, res.describe()))


@case
def json_types_null_empty_numbers_booleans():
    with tmpdir() as d:
        write(os.path.join(d, "null.yml"), rule_yaml("Null test", """
sel:
    f: null
condition: sel
"""))
        write(os.path.join(d, "num.yml"), rule_yaml("Number test", """
sel:
    EventID: 4688
    Enabled: true
condition: sel
"""))
        ev = write(os.path.join(d, "ev.jsonl"), events_text([
            {"f": None, "EventID": 1},                  # 1: null
            {"f": "", "EventID": 1},                    # 2: empty string is not null
            {"g": 1},                                   # 3: missing -> null test true
            {"f": "x", "EventID": 4688, "Enabled": True},  # 4: number
            {"f": [], "EventID": 4688, "Enabled": False},  # 5: empty array counts as null
        ]))
        res = run(["-r", d, ev])
        expect_rc(res, 0)
        got = match_pairs(res)
        want = [(1, "Null test"), (3, "Null test"), (4, "Number test"), (5, "Null test")]
        check(got == want, "got %r\n%s" % (got, res.describe()))


@case
def strings_with_nul_and_very_long_lines():
    with tmpdir() as d:
        write(os.path.join(d, "good.yml"), GOOD_RULE)
        long_value = "a" * (4 << 20) + " evil"
        ev = os.path.join(d, "ev.jsonl")
        with open(ev, "w", encoding="utf-8") as f:
            f.write('{"CommandLine": "zero\\u0000then evil"}\n')
            f.write(json.dumps({"CommandLine": long_value}) + "\n")
            f.write(json.dumps({"CommandLine": "a" * (1 << 20)}) + "\n")
        res = run(["-r", d, ev])
        expect_rc(res, 0)
        check([n for n, _ in match_pairs(res)] == [1, 2], res.describe())


@case
def stats_go_to_stderr_only():
    base = run(["-r", "examples/rules", SEED_EVENTS], cwd=SRC)
    res = run(["--stats", "-r", "examples/rules", SEED_EVENTS], cwd=SRC)
    expect_rc(res, 0)
    check(res.out == base.out, "--stats changed stdout\n" + res.describe())
    check(len(res.err_lines) > 1, res.describe())
    check(re.search(r"\bevents 12\b", res.err) and re.search(r"\bmatches 6\b", res.err)
          and re.search(r"\brules 1\b", res.err) and "events/s" in res.err,
          "stats lines missing or wrong\n" + res.describe())


# ------------------------------------------------------------ placeholders

EXPAND_ID = "5b0e7c1a-2d4f-4e6a-9b8c-7d6e5f4a3b2c"
# The first `expand` value ('%Admins%') is on line 10 of this file.
EXPAND_RULE = """title: Expand rule
id: %s
status: test
logsource:
    product: test
    category: cli
detection:
    sel:
        CommandLine|contains: 'whoami'
        User|expand: '%%Admins%%'
    tool:
        Image|endswith|expand: '%%Tools%%'
    condition: sel or tool
level: high
""" % EXPAND_ID
EXPAND_LINE = 10

PLACEHOLDERS = """# demo values
Admins:
  - 'adm-*'
  - 'CONTOSO\\Administrator'
Tools: '\\psexec.exe'
"""

EXPAND_EVENTS = [
    {"CommandLine": "whoami /all", "User": "ADM-jdoe"},                 # 1 Admins adm-*
    {"CommandLine": "whoami", "User": "contoso\\administrator"},        # 2 Admins, 2nd value
    {"CommandLine": "whoami", "User": "jdoe"},                          # 3 no
    {"CommandLine": "whoami", "User": "%Admins%"},                      # 4 no: no literal
    {"Image": "C:\\Tools\\PsExec.exe"},                                # 5 Tools
    {"Image": "C:\\Tools\\notpsexec.exe"},                             # 6 no
]


@case
def placeholders_file_expands_and_matches():
    with tmpdir() as d:
        rule = write(os.path.join(d, "expand.yml"), EXPAND_RULE)
        ph = write(os.path.join(d, "ph.yml"), PLACEHOLDERS)
        ev = write(os.path.join(d, "ev.jsonl"), events_text(EXPAND_EVENTS))
        res = run(["--placeholders", ph, "-r", rule, ev])
        expect_rc(res, 0)
        expect_summary(res, 1, 0)
        check(res.err_lines == ["loaded 1 rules, 0 failed"], "no diagnostics expected\n"
              + res.describe())
        got = [n for n, _ in match_pairs(res)]
        check(got == [1, 2, 5], "matched %r\n%s" % (got, res.describe()))
        # The --placeholders=FILE form, given after -r: files are still read first.
        res = run(["--check", "-r", rule, "--placeholders=" + ph])
        expect_rc(res, 0)
        expect_summary(res, 1, 0)


@case
def placeholders_missing_is_a_load_error_naming_it():
    with tmpdir() as d:
        rule = write(os.path.join(d, "expand.yml"), EXPAND_RULE)
        res = run(["--check", "-r", rule])
        expect_rc(res, 1)
        expect_summary(res, 0, 1)
        pat = re.compile(r"^%s:%d:\d+: error: .*%%Admins%%" % (re.escape(rule), EXPAND_LINE))
        check(any(pat.match(line) for line in res.err_lines),
              "no diagnostic matching %s\n%s" % (pat.pattern, res.describe()))
        # Without --check the rule is skipped and the scan goes on.
        res = run(["-r", rule], stdin=events_text(EXPAND_EVENTS).encode())
        expect_rc(res, 0)
        check(res.out == "", "the rule must not be loaded\n" + res.describe())
        # Only one of the two placeholders defined: still an error, naming the other.
        ph = write(os.path.join(d, "ph.yml"), "Admins: ['adm-*']\n")
        res = run(["--check", "--placeholders", ph, "-r", rule])
        expect_rc(res, 1)
        expect_summary(res, 0, 1)
        check(any(line.startswith(rule + ":") and "%Tools%" in line for line in res.err_lines),
              "no diagnostic naming %Tools%\n" + res.describe())


@case
def placeholders_repeatable_values_accumulate():
    with tmpdir() as d:
        rule = write(os.path.join(d, "expand.yml"), EXPAND_RULE)
        a = write(os.path.join(d, "a.yml"), "Admins: 'adm-*'\nTools: ['\\psexec.exe']\n")
        b = write(os.path.join(d, "b.yml"), "Admins:\n  - 'CONTOSO\\Administrator'\n")
        ev = write(os.path.join(d, "ev.jsonl"), events_text(EXPAND_EVENTS))
        res = run(["--placeholders", a, "-r", rule, "--placeholders", b, ev])
        expect_rc(res, 0)
        got = [n for n, _ in match_pairs(res)]
        check(got == [1, 2, 5], "matched %r\n%s" % (got, res.describe()))


@case
def placeholders_malformed_file_diagnostic_with_position():
    with tmpdir() as d:
        rule = write(os.path.join(d, "expand.yml"), EXPAND_RULE)
        cases = [
            # (file text, line, column)
            ("Admins:\n  - 'adm-*'\n  - {nested: map}\nTools: 'x'\n", 3, 5),  # not a string
            ("- Admins\n- Tools\n", 1, 1),                                     # not a map
            ("Admins: ['adm-*'\nTools: 'x'\n", None, None),                    # YAML syntax
        ]
        for i, (text, line, col) in enumerate(cases):
            ph = write(os.path.join(d, "ph%d.yml" % i), text)
            res = run(["--check", "--placeholders", ph, "-r", rule])
            expect_rc(res, 1)
            if line is None:
                pat = re.compile(r"^%s:\d+:\d+: error: .+$" % re.escape(ph))
            else:
                pat = re.compile(r"^%s:%d:%d: error: .+$" % (re.escape(ph), line, col))
            check(any(pat.match(x) for x in res.err_lines),
                  "case %d: no diagnostic matching %s\n%s" % (i, pat.pattern, res.describe()))
            check(res.err_lines[-1].startswith("loaded "),
                  "summary must come last\n" + res.describe())
            # --strict stops before scanning; a plain run scans with what could be read.
            res = run(["--strict", "--placeholders", ph, "-r", rule], stdin=b"{}\n")
            expect_rc(res, 1)
            check(res.out == "", res.describe())


@case
def placeholders_unreadable_file_exit_2():
    with tmpdir() as d:
        rule = write(os.path.join(d, "expand.yml"), EXPAND_RULE)
        ph = write(os.path.join(d, "ph.yml"), PLACEHOLDERS)
        missing = os.path.join(d, "missing.yml")
        for bad in (missing, d):
            res = run(["--placeholders", ph, "--placeholders", bad, "-r", rule],
                      stdin=events_text(EXPAND_EVENTS).encode())
            expect_rc(res, 2)
            check(res.out == "", "nothing may be scanned\n" + res.describe())
            check(any(bad in line and "placeholders" in line for line in res.err_lines),
                  "the file must be named\n" + res.describe())
        if hasattr(os, "geteuid") and os.geteuid() != 0:
            locked = write(os.path.join(d, "locked.yml"), PLACEHOLDERS)
            os.chmod(locked, 0)
            res = run(["--check", "--placeholders", locked, "-r", rule])
            expect_rc(res, 2)
            check(locked in res.err, res.describe())
        for args in (["--placeholders"], ["-r", rule, "--placeholders"],
                     ["--placeholders=", "-r", rule]):
            res = run(args)
            expect_rc(res, 2)
            check("usage" in res.err, "args %r\n%s" % (args, res.describe()))


@case
def shipped_placeholders_file_is_clean():
    # examples/placeholders.yml must load without a single diagnostic.
    res = run(["--check", "--placeholders", "examples/placeholders.yml", "-r", "examples/rules"],
              cwd=SRC)
    expect_rc(res, 0)
    check(res.err_lines == ["loaded 1 rules, 0 failed"], res.describe())
    res = run(["--help"])
    check("--placeholders" in res.out, "--help must list --placeholders\n" + res.describe())


# ------------------------------------------------ Windows events and EVTX

def evtx_supported():
    res = run(["--version"])
    return "EVTX input: supported" in res.out


NO_EVTX = "this sigma-scan was built without EVTX support (libevtx)"

# A Sysmon process creation in the nested shape evtx_dump writes (the seed event).
NESTED_SYSMON = {"Event": {
    "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
    "System": {
        "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon",
                                     "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9"}},
        "EventID": 1, "Version": 5, "Level": 4, "Task": 1, "Opcode": 0,
        "Keywords": "0x8000000000000000",
        "TimeCreated": {"#attributes": {"SystemTime": "2024-05-14T09:01:00.123456Z"}},
        "EventRecordID": 1001, "Correlation": None,
        "Execution": {"#attributes": {"ProcessID": 3544, "ThreadID": 4264}},
        "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "web01.corp.example",
        "Security": {"#attributes": {"UserID": "S-1-5-18"}}},
    "EventData": {
        "RuleName": "-", "ProcessId": 4001,
        "Image": "C:\\Windows\\System32\\inetsrv\\appcmd.exe",
        "CommandLine": "C:\\Windows\\System32\\inetsrv\\appcmd.exe add module /name:x",
        "ParentImage": "C:\\Windows\\System32\\inetsrv\\w3wp.exe",
        "User": "IIS APPPOOL\\DefaultAppPool"}}}

NESTED_SYSMON_FLAT = {
    "Provider_Name": "Microsoft-Windows-Sysmon",
    "Provider_Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9",
    "EventID": 1, "Version": 5, "Level": 4, "Task": 1, "Opcode": 0,
    "Keywords": "0x8000000000000000", "TimeCreated_SystemTime": "2024-05-14T09:01:00.123456Z",
    "EventRecordID": 1001, "Execution_ProcessID": 3544, "Execution_ThreadID": 4264,
    "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "web01.corp.example",
    "Security_UserID": "S-1-5-18", "RuleName": "-", "ProcessId": 4001,
    "Image": "C:\\Windows\\System32\\inetsrv\\appcmd.exe",
    "CommandLine": "C:\\Windows\\System32\\inetsrv\\appcmd.exe add module /name:x",
    "ParentImage": "C:\\Windows\\System32\\inetsrv\\w3wp.exe",
    "User": "IIS APPPOOL\\DefaultAppPool"}


def nested_copy(**eventdata):
    ev = json.loads(json.dumps(NESTED_SYSMON))
    ev["Event"]["EventData"].update(eventdata)
    return ev


@case
def windows_nested_sysmon_matches_seed_rule():
    with tmpdir() as d:
        benign = nested_copy(ParentImage="C:\\Windows\\explorer.exe")
        # xmltodict's shape: attributes as "@name", Data as a list of named elements.
        xmltodict = {"Event": {"@xmlns": "x", "System": {
            "Provider": {"@Name": "Microsoft-Windows-Sysmon"}, "EventID": "1",
            "Channel": "Microsoft-Windows-Sysmon/Operational"},
            "EventData": {"Data": [
                {"@Name": "CommandLine", "#text": "gacutil /I evil.dll"},
                {"@Name": "ParentImage", "#text": "C:\\inetsrv\\W3WP.EXE"}]}}}
        ev = write(os.path.join(d, "nested.jsonl"),
                   events_text([NESTED_SYSMON, benign, xmltodict]))
        for fmt in ([], ["--format", "windows"], ["--format=auto"]):
            res = run(["-r", os.path.join(SRC, SEED_RULE), ev] + fmt)
            expect_rc(res, 0)
            got = [(n, t) for n, t in match_pairs(res)]
            check(got == [(1, SEED_TITLE), (3, SEED_TITLE)], "%r: %r\n%s"
                  % (fmt, got, res.describe()))
        # As flat lines the same objects only have dotted names: no match.
        res = run(["--format", "flat", "-r", os.path.join(SRC, SEED_RULE), ev])
        expect_rc(res, 0)
        check(res.out == "", "flat must not see EventData fields\n" + res.describe())


@case
def windows_convert_gives_the_flat_convention():
    with tmpdir() as d:
        ev = write(os.path.join(d, "nested.jsonl"), events_text([NESTED_SYSMON]))
        res = run(["--convert", ev])
        expect_rc(res, 0)
        objs = [json.loads(line) for line in res.out_lines]
        check(objs == [NESTED_SYSMON_FLAT], "converted:\n%s" % res.describe())
        check(res.err == "", res.describe())
        # Types survive: numbers stay numbers, strings stay strings.
        check(isinstance(objs[0]["EventID"], int) and isinstance(objs[0]["ProcessId"], int),
              res.describe())


@case
def windows_auto_detects_per_line():
    with tmpdir() as d:
        write(os.path.join(d, "r.yml"), rule_yaml("Either shape", """
sel:
    CommandLine|contains: 'evil'
    Provider_Name: 'Microsoft-Windows-Security-Auditing'
condition: sel
"""))
        write(os.path.join(d, "dotted.yml"), rule_yaml("Dotted", """
sel:
    System.EventID: 4688
condition: sel
"""))
        security_nested = {"Event": {"System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
            "EventID": 4688, "Channel": "Security"},
            "EventData": {"CommandLine": "evil.exe", "NewProcessName": "C:\\evil.exe"}}}
        flat = {"Provider_Name": "Microsoft-Windows-Security-Auditing", "EventID": 4688,
                "CommandLine": "evil.exe"}
        content_only = security_nested["Event"]           # no "Event" wrapper
        not_event = {"Event": "text", "CommandLine": "evil",
                     "Provider_Name": "Microsoft-Windows-Security-Auditing"}
        # An "Event" object without "System" is some other log's field: flat.
        other_event = {"Event": {"Name": "login"}, "CommandLine": "evil",
                       "Provider_Name": "Microsoft-Windows-Security-Auditing"}
        ev = write(os.path.join(d, "mixed.jsonl"),
                   events_text([security_nested, flat, content_only, not_event, other_event]))
        res = run(["--no-mapping", "-r", d, ev])  # format conversion, not routing
        expect_rc(res, 0)
        got = match_pairs(res)
        want = [(1, "Either shape"), (2, "Either shape"), (3, "Dotted"), (4, "Either shape"),
                (5, "Either shape")]
        check(sorted(got) == sorted(want), "auto: %r\n%s" % (got, res.describe()))
        # --format windows: line 3 (Event content only) is converted too; lines 2, 4 and
        # 5 are not Windows events: reported and skipped.
        res = run(["--no-mapping", "--format", "windows", "-r", d, ev])
        expect_rc(res, 0)
        got = match_pairs(res)
        check(sorted(got) == [(1, "Either shape"), (3, "Either shape")],
              "windows: %r\n%s" % (got, res.describe()))
        for n in (2, 4, 5):
            prefix = "%s:%d: not a Windows event" % (ev, n)
            check(any(line.startswith(prefix) for line in res.err_lines),
                  "no report for line %d\n%s" % (n, res.describe()))


@case
def windows_payload_rules_of_the_convention():
    with tmpdir() as d:
        write(os.path.join(d, "r.yml"), rule_yaml("Cleared", """
sel:
    EventID: 104
    Channel: 'System'
    UserData_Channel: 'Security'
    SubjectUserName: 'bob'
    BackupPath: ''
condition: sel
"""))
        write(os.path.join(d, "s.yml"), rule_yaml("Defender", """
sel:
    ThreatName|contains: 'EICAR'
    EventData_Level: 'x'
    Level: 3
    Data: 'second'
condition: sel
"""))
        cleared = {"Event": {"System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Eventlog"}},
            "EventID": 104, "Channel": "System"},
            "UserData": {"LogFileCleared": {"#attributes": {"xmlns": "x"},
                                            "SubjectUserName": "bob", "Channel": "Security",
                                            "BackupPath": None}}}}
        defender = {"Event": {"System": {"EventID": 1116, "Level": 3},
                              "EventData": {"Threat Name": "Virus:DOS/EICAR_Test_File",
                                            "Level": "x",
                                            "Data": {"#text": ["first", "second"]}}}}
        ev = write(os.path.join(d, "ev.jsonl"), events_text([cleared, defender]))
        res = run(["--no-mapping", "-r", d, ev])  # format conversion, not routing
        expect_rc(res, 0)
        check(match_pairs(res) == [(1, "Cleared"), (2, "Defender")], res.describe())


@case
def format_option_errors():
    for args in (["--format", "xml", "-r", "x"], ["--format"], ["--format=", "-r", "x"]):
        res = run(args)
        expect_rc(res, 2)
        check("usage" in res.err and res.out == "", "%r\n%s" % (args, res.describe()))
    res = run(["--convert", "-r", "examples/rules"], cwd=SRC)
    expect_rc(res, 2)
    check("--convert" in res.err, res.describe())


@case
def version_says_whether_evtx_is_supported():
    res = run(["--version"])
    expect_rc(res, 0)
    check(re.search(r"^EVTX input: (supported \(libevtx \S+\)|not supported \(built without "
                    r"libevtx\))$", res.out, re.M), res.describe())


def fake_evtx(path):
    """A file with the EVTX magic but no valid content."""
    with open(path, "wb") as f:
        f.write(b"ElfFile\0" + b"\0" * 4088)
    return path


@case
def evtx_without_libevtx_says_so():
    if evtx_supported():
        return "skipped (this sigma-scan has EVTX support)"
    with tmpdir() as d:
        rule = write(os.path.join(d, "good.yml"), GOOD_RULE)
        ev = write(os.path.join(d, "ev.jsonl"), events_text([{"CommandLine": "evil"}]))
        evtx = fake_evtx(os.path.join(d, "log.evtx"))
        for args in (["--format", "evtx", "-r", rule, ev], ["--format=evtx", "-r", rule, evtx],
                     ["-r", rule, ev, evtx], ["--convert", evtx]):
            res = run(args)
            expect_rc(res, 2)
            check(NO_EVTX in res.err, "%r: no clear message\n%s" % (args, res.describe()))
            check(res.out == "", "%r: nothing may be scanned\n%s" % (args, res.describe()))


@case
def evtx_input_errors():
    with tmpdir() as d:
        rule = write(os.path.join(d, "good.yml"), GOOD_RULE)
        ev = write(os.path.join(d, "ev.jsonl"), events_text([{"CommandLine": "evil"}]))
        evtx = fake_evtx(os.path.join(d, "log.evtx"))
        # An EVTX file read as JSON lines: refused before scanning.
        for fmt in ("flat", "windows"):
            res = run(["--format", fmt, "-r", rule, ev, evtx])
            expect_rc(res, 2)
            check("this is an EVTX file" in res.err and evtx in res.err and res.out == "",
                  "%s\n%s" % (fmt, res.describe()))
        # EVTX bytes on standard input.
        with open(evtx, "rb") as f:
            data = f.read()
        res = run(["-r", rule], stdin=data)
        expect_rc(res, 2)
        check("EVTX file" in res.err, res.describe())
        if not evtx_supported():
            return "partly skipped (no EVTX support)"
        res = run(["--format", "evtx", "-r", rule, ev])
        expect_rc(res, 2)
        check("not an EVTX file" in res.err and res.out == "", res.describe())
        res = run(["--format", "evtx", "-r", rule], stdin=data)
        expect_rc(res, 2)
        check("standard input" in res.err, res.describe())
        # A header without records: no events. A truncated file: an I/O error naming it.
        res = run(["--stats", "-r", rule, evtx])
        expect_rc(res, 0)
        check(re.search(r"\bevents 0\b", res.err) and res.out == "", res.describe())
        truncated = os.path.join(d, "truncated.evtx")
        with open(truncated, "wb") as f:
            f.write(b"ElfFile\0abc")
        res = run(["-r", rule, ev, truncated])
        expect_rc(res, 2)
        check("%s: cannot read the EVTX file: " % truncated in res.err, res.describe())


def run_with_slow_stdin(args, lines, seconds, stderr_tty):
    """Runs sigma-scan feeding `lines` over `seconds`; stderr on a pseudo-terminal
    when stderr_tty. Returns (exit status, stderr bytes)."""
    import pty
    import threading
    import time
    if stderr_tty:
        master, slave = pty.openpty()
        err_target = slave
    else:
        master = slave = None
        err_target = subprocess.PIPE
    proc = subprocess.Popen([EXE] + args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=err_target)
    if slave is not None:
        os.close(slave)
    chunks = 8
    per = (len(lines) + chunks - 1) // chunks

    def feed():
        for i in range(chunks):
            proc.stdin.write("".join(lines[i * per:(i + 1) * per]).encode())
            proc.stdin.flush()
            time.sleep(seconds / chunks)
        proc.stdin.close()

    t = threading.Thread(target=feed)
    t.start()
    err = b""
    if master is not None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            err += data
        os.close(master)
    else:
        err = proc.stderr.read()
    t.join()
    rc = proc.wait(timeout=60)
    return rc, err


@case
def progress_only_on_a_terminal():
    if not hasattr(os, "openpty"):
        return "skipped (no pseudo-terminals)"
    line = json.dumps({"CommandLine": "calm"}) + "\n"
    lines = [line] * 4000
    rule = os.path.join(SRC, SEED_RULE)
    rc, err = run_with_slow_stdin(["-r", rule], lines, 2.0, stderr_tty=True)
    check(rc == 0, "exit %d: %r" % (rc, err[-500:]))
    text = err.decode("utf-8", "replace")
    check("events/s" in text and "\r<stdin>: " in text,
          "no progress line on a terminal: %r" % text[-500:])
    check(text.endswith("\r\x1b[K") or "\r\x1b[K" in text, "progress not erased: %r" % text[-200:])
    rc, err = run_with_slow_stdin(["-r", rule], lines, 2.0, stderr_tty=False)
    check(rc == 0, "exit %d" % rc)
    text = err.decode("utf-8", "replace")
    check("events/s" not in text and "\r" not in text,
          "progress written to a non-terminal: %r" % text[-500:])
    check(text.splitlines() == ["loaded 1 rules, 0 failed"], "stderr: %r" % text)


@case
def embed_example_prints_match():
    if EMBED is None:
        return "skipped (no embed executable given)"
    proc = subprocess.run([EMBED], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    res = Result(proc)
    expect_rc(res, 0)
    check('event A: matched "%s"' % SEED_TITLE in res.out, res.describe())
    check("event B: no match" in res.out, res.describe())

# ---------------------------------------------------------------- routing

SEC_4688 = {"Channel": "Security", "EventID": 4688,
            "NewProcessName": "C:\\Windows\\System32\\inetsrv\\appcmd.exe",
            "ParentProcessName": "C:\\Windows\\System32\\inetsrv\\w3wp.exe",
            "CommandLine": "appcmd.exe add module /name:x"}
SYSMON_NET = {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 3,
              "Image": "C:\\Windows\\System32\\inetsrv\\w3wp.exe",
              "ParentImage": "C:\\Windows\\System32\\inetsrv\\w3wp.exe",
              "CommandLine": "appcmd.exe add module"}


@case
def routing_security_4688_matches_seed_rule():
    """The built-in mapping renames NewProcessName/ParentProcessName for 4688."""
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text([SEC_4688, SYSMON_NET]))
        res = run(["-r", "examples/rules", ev], cwd=SRC)
        expect_rc(res, 0)
        check(match_pairs(res) == [(1, SEED_TITLE)], "routed\n" + res.describe())
        # Without the mapping the 4688 field names are unknown to the rule, and the
        # network event (which has Image/ParentImage/CommandLine) would match.
        res = run(["--no-mapping", "-r", "examples/rules", ev], cwd=SRC)
        check(match_pairs(res) == [(2, SEED_TITLE)], "unrouted\n" + res.describe())


@case
def routing_strict_and_user_mapping():
    with tmpdir() as d:
        unknown = {"Channel": "Custom/Log", "EventID": 1,
                   "ParentImage": "C:\\x\\w3wp.exe", "CommandLine": "gacutil /I x"}
        ev = write(os.path.join(d, "e.jsonl"), events_text([unknown]))
        res = run(["-r", "examples/rules", ev], cwd=SRC)
        check(match_pairs(res) == [(1, SEED_TITLE)], "default policy\n" + res.describe())
        res = run(["--strict-logsource", "-r", "examples/rules", ev], cwd=SRC)
        check(match_pairs(res) == [], "strict\n" + res.describe())
        m = write(os.path.join(d, "m.yml"),
                  "mappings:\n"
                  "  - logsource: {product: windows, category: process_creation}\n"
                  "    when: {Channel: Custom/Log, EventID: 1}\n")
        res = run(["--strict-logsource", "--mapping", m, "-r", "examples/rules", ev], cwd=SRC)
        check(match_pairs(res) == [(1, SEED_TITLE)], "user mapping\n" + res.describe())
        bad = write(os.path.join(d, "bad.yml"), "mappings:\n  - logsource: {product: x}\n    typo: 1\n")
        res = run(["--check", "--mapping", bad, "-r", "examples/rules"], cwd=SRC)
        expect_rc(res, 1)
        check(any(l.startswith(bad + ":3:") for l in res.err_lines), res.describe())


@case
def stats_per_channel():
    with tmpdir() as d:
        ev = write(os.path.join(d, "e.jsonl"), events_text([SEC_4688, SYSMON_NET, SEC_4688]))
        res = run(["--stats", "-r", "examples/rules", ev], cwd=SRC)
        check("stats: channel Security: events 2, matches 2 (1.000/event)" in res.err_lines,
              res.describe())
        check(any(l.startswith("stats: channel Microsoft-Windows-Sysmon/Operational: events 1, "
                               "matches 0") for l in res.err_lines), res.describe())


def main():
    passed = failed = 0
    for fn in CASES:
        name = fn.__name__
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
            print("ok   %s%s" % (name, " (%s)" % note if note else ""))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
