#!/bin/sh
# Benchmark of libsigma on the corpus (not a test; never registered with meson).
#
#   tests/bench/run_bench.sh [BUILD_DIR]        (default build/)
#
# Environment: RUNS (rounds, default 3), REPEAT (passes over the events for the
# indexed runs, default 5), CORPUS (default ../shared/corpus), KEEP=1 keeps the work
# directory (the replicated rules, the raw JSON lines), REV (label of what is
# measured; default the git commit).
#
# Builds sigma-bench and sigma-scan if needed, replicates the corpus rules x8 with
# altered literals (replicate_rules.py, checked with sigma-scan --check), then runs
# RUNS rounds of, interleaved:
#   index-1t      sigma-bench, all rules of the five folders, all three events files, 1 thread
#                 (events packed and bound to the ruleset once built:
#                 sigma_event_pack, sigma_event_bind)
#   index-2t      the same with --threads 2
#   unpacked-1t   index-1t with --no-pack (events as the builder grew them)
#   unbound-1t    index-1t with --no-bind (field names looked up by every match)
#   batch-1t      index-1t through sigma_match_batch, 64 events per call (--batch 64)
#   batch-2t      the same with --threads 2
#   scalar-1t     index-1t with --no-simd (the scalar index scan; the same as
#                 index-1t where the CPU has no AVX2)
#   avx2-1t       index-1t with --avx2 (the AVX2 scan; the same as index-1t where
#                 the CPU has no AVX-512)
#   no-index      the same with --no-index (every rule evaluated on every event), 1 pass
#   x8-1t         the x8 ruleset (original + 7 altered copies), 1 thread
#   routed-1t     index-1t with the built-in logsource mapping (--default-mapping):
#                 events routed to the rules of their logsource by Channel/EventID
#   compile-only  sigma-bench with an empty events file: compile time and peak RSS
#   compile-x8    the same for the x8 ruleset
#   sigma-scan    sigma-scan --stats end to end (JSON parsing and output included;
#                 sigma-scan routes with its built-in mapping by default)
# and prints every JSON line, a table of medians, and the ratios (medians of the
# per-round ratios): indexed / no-index, 2 threads / 1 thread, x8 / x1 time per event.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
RUNS=${RUNS:-3}
REPEAT=${REPEAT:-5}
CORPUS=${CORPUS:-../shared/corpus}
S=$CORPUS/sigmahq
E=$CORPUS/events

if [ ! -d "$S" ] || [ ! -d "$E" ]; then
    echo "run_bench.sh: no corpus at $CORPUS (set CORPUS=...)" >&2
    exit 2
fi
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" examples/sigma-bench examples/sigma-scan >/dev/null

BENCH=$BUILD/examples/sigma-bench
SCAN=$BUILD/examples/sigma-scan
PH=examples/placeholders.yml
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigma-bench.XXXXXX")
if [ "${KEEP:-0}" != 1 ]; then
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
RULES="-r $S/rules -r $S/rules-emerging-threats -r $S/rules-threat-hunting -r $S/rules-compliance -r $S/rules-placeholder"
EVENTS="-e $E/evtx-attack-samples.jsonl -e $E/evtx-to-mitre-attack.jsonl -e $E/otrf-security-datasets.jsonl"
EVENT_FILES="$E/evtx-attack-samples.jsonl $E/evtx-to-mitre-attack.jsonl $E/otrf-security-datasets.jsonl"
: >"$WORK/empty.jsonl"

# REV: what is measured (default: the git commit, noting local changes to the library).
REV=${REV:-$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- lib include 2>/dev/null || echo ' (lib/ or include/ modified)')}
echo "run_bench.sh: $REV, $(nproc) CPUs, $RUNS rounds, indexed runs $REPEAT passes" >&2
echo "run_bench.sh: replicating the rules x8 into $WORK/x8" >&2
# shellcheck disable=SC2086
python3 tests/bench/replicate_rules.py --copies 8 --placeholders $PH --check "$SCAN" \
    "$WORK/x8" $S/rules $S/rules-emerging-threats $S/rules-threat-hunting \
    $S/rules-compliance $S/rules-placeholder

OUT=$WORK/results.jsonl
: >"$OUT"
# bench LABEL ROUND ARGS...: one sigma-bench run, its JSON line tagged.
bench() {
    label=$1
    round=$2
    shift 2
    # shellcheck disable=SC2086
    line=$("$BENCH" --placeholders $PH "$@" 2>>"$WORK/bench.log")
    echo "{\"label\": \"$label\", \"round\": $round, \"result\": $line}" >>"$OUT"
    echo "  $label: $line" >&2
}

round=1
while [ "$round" -le "$RUNS" ]; do
    echo "run_bench.sh: round $round of $RUNS" >&2
    # shellcheck disable=SC2086
    {
        bench index-1t "$round" $RULES $EVENTS --repeat "$REPEAT" --threads 1
        bench index-2t "$round" $RULES $EVENTS --repeat "$REPEAT" --threads 2
        bench unpacked-1t "$round" $RULES $EVENTS --repeat "$REPEAT" --threads 1 --no-pack
        bench unbound-1t "$round" $RULES $EVENTS --repeat "$REPEAT" --threads 1 --no-bind
        bench batch-1t "$round" $RULES $EVENTS --repeat "$REPEAT" --threads 1 --batch 64
        bench batch-2t "$round" $RULES $EVENTS --repeat "$REPEAT" --threads 2 --batch 64
        bench scalar-1t "$round" $RULES $EVENTS --repeat "$REPEAT" --threads 1 --no-simd
        bench avx2-1t "$round" $RULES $EVENTS --repeat "$REPEAT" --threads 1 --avx2
        bench no-index "$round" $RULES $EVENTS --repeat 1 --threads 1 --no-index
        bench x8-1t "$round" -r "$WORK/x8" $EVENTS --repeat "$REPEAT" --threads 1
        bench routed-1t "$round" $RULES $EVENTS --repeat "$REPEAT" --threads 1 --default-mapping
        bench compile-only "$round" $RULES -e "$WORK/empty.jsonl"
        bench compile-x8 "$round" -r "$WORK/x8" -e "$WORK/empty.jsonl"
        $SCAN --stats --placeholders $PH $RULES $EVENT_FILES >/dev/null 2>"$WORK/scan.err" || true
    }
    scan=$(grep '^stats:' "$WORK/scan.err" | head -2 | tr '\n' ' ')
    echo "{\"label\": \"sigma-scan\", \"round\": $round, \"stats\": \"$scan\"}" >>"$OUT"
    echo "  sigma-scan: $scan" >&2
    round=$((round + 1))
done

python3 - "$OUT" <<'PY'
import json, re, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["label"], {})[r["round"]] = r
rounds = sorted({r["round"] for r in rows})

print("raw results (JSON lines):")
for r in rows:
    print(json.dumps(r))

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")

def res(label, rnd, key):
    r = by.get(label, {}).get(rnd)
    return r["result"].get(key) if r and "result" in r else None

def scan(rnd):
    r = by.get("sigma-scan", {}).get(rnd)
    if not r:
        return None
    m = re.search(r"scan ([0-9.]+) s\), ([0-9]+) events/s", r["stats"])
    e = re.search(r"events ([0-9]+), matches ([0-9]+)", r["stats"])
    return (float(m.group(2)) if m else None, int(e.group(1)) if e else None,
            int(e.group(2)) if e else None)

print()
print("medians over %d rounds:" % len(rounds))
hdr = "%-13s %7s %7s %9s %11s %11s %10s %10s %9s %11s %3s" % (
    "run", "rules", "events", "matches", "compile_s", "events/s", "ns/event", "cpu_ns/ev",
    "cand/ev", "peak_rss_kb", "thr")
print(hdr)
print("-" * len(hdr))
for label in ["index-1t", "index-2t", "unpacked-1t", "unbound-1t", "batch-1t", "batch-2t", "scalar-1t", "avx2-1t", "no-index", "x8-1t", "routed-1t", "compile-only",
              "compile-x8"]:
    if label not in by:
        continue
    g = lambda k: med([res(label, n, k) for n in rounds])
    print("%-13s %7d %7d %9d %11.3f %11.0f %10.1f %10.1f %9.2f %11d %3d" % (
        label, g("rules"), g("events"), g("matches"), g("compile_s"), g("events_per_s"),
        g("ns_per_event"), g("cpu_ns_per_event"), g("candidates_per_event"), g("peak_rss_kb"),
        g("threads")))
s = [scan(n) for n in rounds]
if any(s):
    print("%-13s %7s %7d %9d %11s %11.0f %10.1f" % (
        "sigma-scan", "", med([x[1] for x in s if x]), med([x[2] for x in s if x]), "",
        med([x[0] for x in s if x]), 1e9 / med([x[0] for x in s if x])))

def ratio(num_label, num_key, den_label, den_key):
    vals = []
    for n in rounds:
        a, b = res(num_label, n, num_key), res(den_label, n, den_key)
        if a and b:
            vals.append(a / b)
    return vals

print()
print("ratios (median of the per-round ratios; per round in brackets):")
for text, vals in [
        ("indexed / no-index (events/s, 1 thread)", ratio("index-1t", "events_per_s", "no-index", "events_per_s")),
        ("2 threads / 1 thread (events/s)", ratio("index-2t", "events_per_s", "index-1t", "events_per_s")),
        ("packed / unpacked events (events/s, 1 thread)", ratio("index-1t", "events_per_s", "unpacked-1t", "events_per_s")),
        ("bound / unbound events (events/s, 1 thread)", ratio("index-1t", "events_per_s", "unbound-1t", "events_per_s")),
        ("batch / single calls (events/s, 1 thread)", ratio("batch-1t", "events_per_s", "index-1t", "events_per_s")),
        ("batch 2 threads / batch 1 thread (events/s)", ratio("batch-2t", "events_per_s", "batch-1t", "events_per_s")),
        ("default scan / scalar scan (events/s, 1 thread)", ratio("index-1t", "events_per_s", "scalar-1t", "events_per_s")),
        ("default scan / AVX2 scan (events/s, 1 thread)", ratio("index-1t", "events_per_s", "avx2-1t", "events_per_s")),
        ("x8 rules / x1 rules (ns per event)", ratio("x8-1t", "ns_per_event", "index-1t", "ns_per_event")),
        ("x8 rules / x1 rules (CPU ns per event)", ratio("x8-1t", "cpu_ns_per_event", "index-1t", "cpu_ns_per_event")),
        ("indexed / no-index (CPU ns per event)", ratio("no-index", "cpu_ns_per_event", "index-1t", "cpu_ns_per_event")),
        ("x8 rules / x1 rules (candidates per event)", ratio("x8-1t", "candidates_per_event", "index-1t", "candidates_per_event")),
        ("x8 rules / x1 rules (compile s)", ratio("compile-x8", "compile_s", "compile-only", "compile_s")),
        ("routed / unrouted (ns per event)", ratio("routed-1t", "ns_per_event", "index-1t", "ns_per_event"))]:
    if vals:
        print("  %-45s %7.2f  [%s]" % (text, statistics.median(vals), ", ".join("%.2f" % v for v in vals)))
ok = True
for n in rounds:
    a, b = res("index-1t", n, "matches"), res("no-index", n, "matches")
    if a is not None and b is not None and a != b:
        print("MISMATCH in round %d: indexed matches %d, no-index matches %d" % (n, a, b))
        ok = False
    c = res("index-2t", n, "matches")
    if a is not None and c is not None and a != c:
        print("MISMATCH in round %d: 1 thread matches %d, 2 threads %d" % (n, a, c))
        ok = False
    for other in ("scalar-1t", "avx2-1t", "batch-1t", "batch-2t", "unpacked-1t", "unbound-1t"):
        d = res(other, n, "matches")
        if a is not None and d is not None and a != d:
            print("MISMATCH in round %d: default scan matches %d, %s %d" % (n, a, other, d))
            ok = False
print()
print("matches: indexed == no-index == 2 threads == scalar and AVX2 scans == batches == unpacked and unbound events in every round: %s" % ("yes" if ok else "NO"))
PY
