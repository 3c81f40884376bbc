#!/bin/sh
# Quick start: install what is missing, build libsigma and sigma-scan, and scan
# the example events with the example rule (README.md, "Quick start").
set -eu
cd "$(dirname "$0")/.."
. scripts/common.sh

install_deps
setup_build build
say "building"
ninja -C build
say "sigma-scan -r examples/rules examples/events/seed-events.jsonl"
build/examples/sigma-scan -r examples/rules examples/events/seed-events.jsonl
