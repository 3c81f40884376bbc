#!/bin/sh
# Runs the whole test suite twice: in build/ (the normal build) and in
# build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer). Ends with one
# line "N passed, N failed" summed over both runs; exits 1 on any failure.
# With CI=true the builds use -Dwerror=true.
set -eu
cd "$(dirname "$0")/.."
. scripts/common.sh

install_deps

# Sanitizer findings must fail the test that triggered them.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

total_pass=0
total_fail=0

# count_results DIR: prints "PASS FAIL SKIP" from DIR/meson-logs/testlog.json.
# Skipped tests (exit 77, e.g. the corpus tests without ../shared/corpus) are
# neither passed nor failed.
count_results() {
    python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = skipped = 0
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            result = json.loads(line).get("result", "")
            if result in ("OK", "EXPECTEDFAIL"):
                ok += 1
            elif result == "SKIP":
                skipped += 1
            else:
                bad += 1
except OSError:
    pass
print(ok, bad, skipped)
PY
}

# run_suite DIR [meson options...]
run_suite() {
    dir=$1
    shift
    say "configuring $dir $*"
    if ! setup_build "$dir" "$@"; then
        say "$dir: meson setup failed"
        total_fail=$((total_fail + 1))
        return 0
    fi
    say "building $dir"
    if ! ninja -C "$dir"; then
        say "$dir: build failed"
        total_fail=$((total_fail + 1))
        return 0
    fi
    rm -f "$dir/meson-logs/testlog.json"
    say "testing $dir"
    status=0
    meson test -C "$dir" --print-errorlogs </dev/null || status=$?
    # shellcheck disable=SC2046
    set -- $(count_results "$dir")
    pass=$1
    fail=$2
    skip=$3
    # meson failed but no test result says so (e.g. it could not run at all).
    if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then
        fail=1
    fi
    if [ "$skip" -gt 0 ]; then
        say "$dir: $pass passed, $fail failed, $skip skipped"
    else
        say "$dir: $pass passed, $fail failed"
    fi
    total_pass=$((total_pass + pass))
    total_fail=$((total_fail + fail))
}

run_suite build
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
