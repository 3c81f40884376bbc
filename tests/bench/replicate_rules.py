#!/usr/bin/env python3
"""Replicates a Sigma rule tree N times with altered literals (for the rule-count
scaling benchmark: does the cost per event stay flat when there are 8x more rules?).

usage: replicate_rules.py [--copies N] [--placeholders FILE] [--check SIGMA_SCAN]
                          OUT_DIR RULE_DIR [RULE_DIR ...]

Writes OUT_DIR/copy0/<rule dir name>/... (the rules unchanged) and
OUT_DIR/copy1 .. copy<N-1> (altered copies), so OUT_DIR holds N times the rules.
In copy c:
  - every non-empty string value in the `detection:` block (field values, list items,
    keywords) gets the suffix `_x<c>` inside its quotes (`'mimikatz'` ->
    `'mimikatz_x3'`; plain scalars too); regular expressions (`|re`) get it as a
    prefix instead, so that a trailing `$` or `(?x)` comment cannot swallow it;
  - integer values of plain equality get c * 1000000 added (`EventID: 4688` ->
    `EventID: 3004688`), so integer keys differ too;
  - values the alteration would make invalid or meaningless are left alone: `cidr`
    networks, `fieldref` field names, `exists` flags, numbers of `gt/gte/lt/lte` and
    time-part comparisons, booleans, null, empty strings, `condition`, `timeframe`;
  - the top-level `id:` and the ids under `related:` get a new UUID (uuid5 of the old
    id and the copy number), and the title gets " (copy c)".
The altered copies therefore cost what the originals cost to evaluate, but (almost)
never match real events: the ruleset grows 8x while the matches stay those of copy0.

It is a text-level transformation (PyYAML is not available): it understands the
block-style YAML of SigmaHQ rules (one scalar per line, `key: value`, `- value`,
`- key: value`, single- and double-quoted or plain scalars, trailing comments), and
refuses (exit 1) on a detection line it cannot parse, naming the file and line.
With --check SIGMA_SCAN it runs `sigma-scan --check` on OUT_DIR afterwards (with the
--placeholders file) and requires `loaded <N x rules> rules, 0 failed`.

Python 3 standard library only.
"""

import argparse
import os
import re
import subprocess
import sys
import uuid

NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")  # uuid.NAMESPACE_URL
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
INT_RE = re.compile(r"^-?[0-9]+$")
NUMBER_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^0[xXoO][0-9a-fA-F]+$")
KEYWORD_PLAIN = {"true", "false", "yes", "no", "on", "off", "null", "~"}
# Modifiers whose values are not literals to alter.
KEEP_MODIFIERS = {"cidr", "fieldref", "exists", "gt", "gte", "lt", "lte",
                  "minute", "hour", "day", "week", "month", "year"}
SKIP_KEYS = {"condition", "timeframe"}

KEY_RE = re.compile(r"""^(?P<key>'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^'"\s#][^:#]*?|)\s*:(?:\s+(?P<rest>.*)|\s*)$""")


class ParseError(Exception):
    pass


def split_scalar(text):
    """Splits 'value   # comment' into (value, tail), where tail keeps the spaces and
    the comment. Quoted values end at their closing quote."""
    if not text or text[0] == "#":
        return "", text
    if text[0] == "'":
        i = 1
        while True:
            j = text.find("'", i)
            if j < 0:
                raise ParseError("unterminated single-quoted scalar")
            if j + 1 < len(text) and text[j + 1] == "'":
                i = j + 2
                continue
            return text[:j + 1], text[j + 1:]
    if text[0] == '"':
        i = 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == '"':
                return text[:i + 1], text[i + 1:]
            i += 1
        raise ParseError("unterminated double-quoted scalar")
    m = re.search(r"\s+#", text)
    if m:
        return text[:m.start()], text[m.start():]
    stripped = text.rstrip()
    return stripped, text[len(stripped):]


def modifiers(key):
    key = key.strip("'\"")
    parts = key.split("|")
    return parts[0], set(parts[1:])


def alter_value(value, mods, copy, stats):
    """Returns the altered scalar text (quotes kept)."""
    if not value:
        return value
    if mods & KEEP_MODIFIERS:
        stats["kept"] += 1
        return value
    token = "_x%d" % copy
    regex = "re" in mods
    if value[0] in "'\"":
        q = value[0]
        body = value[1:-1]
        if body == "":
            stats["kept"] += 1
            return value
        stats["strings"] += 1
        return q + (token + body if regex else body + token) + q
    if value[0] in "[{&*!|>%@`":
        raise ParseError("unsupported scalar %r" % value)
    if value.lower() in KEYWORD_PLAIN:
        stats["kept"] += 1
        return value
    if INT_RE.match(value):
        if mods:
            stats["kept"] += 1
            return value
        stats["ints"] += 1
        n = int(value)
        return str(n + copy * 1000000 if n >= 0 else n - copy * 1000000)
    if NUMBER_RE.match(value):
        stats["kept"] += 1
        return value
    stats["strings"] += 1
    if regex:
        return "'" + token + value.replace("'", "''") + "'"
    return value + token


def transform(text, copy, path):
    """Returns the text of copy `copy` of one rule file, and counters."""
    stats = {"strings": 0, "ints": 0, "kept": 0}
    out = []
    section = None        # top-level key of the current block
    list_key_mods = set()  # modifiers of the key that owns the following `- item` lines
    in_condition = False   # continuation lines of a multi-line condition
    cond_indent = 0
    for lineno, line in enumerate(text.split("\n"), 1):
        try:
            if line and not line[0].isspace() and not line.startswith("#"):
                # top-level key
                section = line.split(":", 1)[0].strip()
                in_condition = False
                if section == "id":
                    line = UUID_RE.sub(lambda m: new_id(m.group(0), copy), line)
                elif section == "title":
                    key, _, val = line.partition(":")
                    val, tail = split_scalar(val.strip())
                    if val and val[0] in "'\"":
                        val = val[0] + val[1:-1] + " (copy %d)" % copy + val[0]
                    else:
                        val = val + " (copy %d)" % copy
                    line = "%s: %s%s" % (key, val, tail)
                out.append(line)
                continue
            if section == "related" and re.match(r"^\s+-?\s*id:", line):
                out.append(UUID_RE.sub(lambda m: new_id(m.group(0), copy), line))
                continue
            if section != "detection":
                out.append(line)
                continue
            stripped = line.strip()
            indent = len(line) - len(line.lstrip())
            if not stripped or stripped.startswith("#"):
                out.append(line)
                continue
            if in_condition and indent > cond_indent:
                out.append(line)  # multi-line condition
                continue
            in_condition = False
            m_item = re.match(r"^(\s*-\s+)(.*)$", line) or re.match(r"^(\s*-)()$", line)
            item = m_item is not None
            if item:
                prefix, body = m_item.group(1), m_item.group(2)
            else:
                prefix, body = line[:indent], line[indent:]
            key = rest = None
            if body[:1] in ("'", '"'):
                q, after = split_scalar(body)
                m = re.match(r"^\s*:(?:\s+(.*)|\s*)$", after)
                if m:
                    key, rest = q, m.group(1) or ""
            else:
                m = KEY_RE.match(body)
                if m:
                    key, rest = m.group("key"), m.group("rest") or ""
            if key is not None:
                name, mods = modifiers(key)
                if name in SKIP_KEYS:
                    if name == "condition":
                        in_condition = True
                        cond_indent = indent
                    out.append(line)
                    continue
                value, tail = split_scalar(rest)
                if value == "":
                    list_key_mods = mods  # a map or list follows
                    out.append(line)
                    continue
                new = alter_value(value, mods, copy, stats)
                head = body[:len(body) - len(rest)]
                out.append(prefix + head + new + tail)
                continue
            if item:
                value, tail = split_scalar(body)
                out.append(prefix + alter_value(value, list_key_mods, copy, stats) + tail)
                continue
            raise ParseError("cannot parse the line")
        except ParseError as e:
            raise ParseError("%s:%d: %s: %r" % (path, lineno, e, line))
    return "\n".join(out), stats


def new_id(old, copy):
    return str(uuid.uuid5(NAMESPACE, "%s/%d" % (old.lower(), copy)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--placeholders")
    ap.add_argument("--check", metavar="SIGMA_SCAN")
    ap.add_argument("out")
    ap.add_argument("rule_dirs", nargs="+")
    args = ap.parse_args()
    if args.copies < 1:
        ap.error("--copies must be at least 1")
    files = []
    for d in args.rule_dirs:
        d = os.path.normpath(d)
        for root, _, names in os.walk(d):
            for n in sorted(names):
                if n.endswith((".yml", ".yaml")):
                    full = os.path.join(root, n)
                    files.append((full, os.path.join(os.path.basename(d), os.path.relpath(full, d))))
    files.sort()
    totals = {"strings": 0, "ints": 0, "kept": 0}
    unaltered = []
    for c in range(args.copies):
        for full, rel in files:
            with open(full, encoding="utf-8") as f:
                text = f.read()
            if c == 0:
                new = text
            else:
                try:
                    new, st = transform(text, c, full)
                except ParseError as e:
                    print("replicate_rules: %s" % e, file=sys.stderr)
                    return 1
                for k in totals:
                    totals[k] += st[k]
                if c == 1 and st["strings"] + st["ints"] == 0:
                    unaltered.append(rel)
            dest = os.path.join(args.out, "copy%d" % c, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8") as f:
                f.write(new)
    print("replicate_rules: %d files x %d copies -> %s; altered %d strings and %d integers, "
          "kept %d values (%d files have nothing to alter)"
          % (len(files), args.copies, args.out, totals["strings"], totals["ints"],
             totals["kept"], len(unaltered)), file=sys.stderr)
    for rel in unaltered[:10]:
        print("  nothing altered: %s" % rel, file=sys.stderr)
    if args.check:
        cmd = [args.check, "--check"]
        if args.placeholders:
            cmd += ["--placeholders", args.placeholders]
        cmd += ["-r", args.out]
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = proc.stderr.decode("utf-8", "replace").splitlines()
        last = err[-1] if err else ""
        print("replicate_rules: sigma-scan --check: %s" % last, file=sys.stderr)
        m = re.match(r"^loaded (\d+) rules, (\d+) failed$", last)
        if not m or int(m.group(2)) != 0 or proc.returncode != 0:
            for line in err[-20:]:
                print("  " + line, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
