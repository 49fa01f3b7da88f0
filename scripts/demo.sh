#!/usr/bin/env bash
# The main job for now: build the release preset and run the genpt demo (a
# RISC-V IOMMU G-stage table with dirty tracking, checked end to end).
# Installs missing Debian packages first.  Exit status is the demo's.
#   GENPT_CMAKE_ARGS='-D...' scripts/demo.sh    extra configure options
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
genpt_install_deps

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086 # GENPT_CMAKE_ARGS is a list of words
if ! { cmake --preset release ${GENPT_CMAKE_ARGS:-} &&
       cmake --build --preset release --target genpt_demo; } >"$log" 2>&1; then
  cat "$log"
  echo "demo: build failed" >&2
  exit 1
fi
build/release/examples/genpt_demo
