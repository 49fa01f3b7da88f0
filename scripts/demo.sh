#!/usr/bin/env bash
# The main job: build the release preset and run genpt_migrate, the
# live-migration simulator (a guest migrated while devices keep writing by
# DMA, verified byte for byte; docs/migration.md).  Arguments go to it
# (e.g. --split, --format armv8, --help).  Installs missing Debian
# packages first.  Exit status is the simulator's.
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
       cmake --build --preset release --target genpt_migrate; } >"$log" 2>&1; then
  cat "$log"
  echo "demo: build failed" >&2
  exit 1
fi
exec build/release/tools/genpt_migrate "$@"
