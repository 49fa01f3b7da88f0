#!/usr/bin/env bash
# Install the Debian 12 packages genpt needs to build, test and fuzz, but only
# those that are missing (apt-get update runs only then).  Safe to run
# repeatedly; sourced or executed.
#
#   scripts/deps.sh            install what is missing
#   scripts/deps.sh --check    only report; exit 1 when something is missing
set -euo pipefail

GENPT_DEPS=(
  build-essential   # gcc, make, libc headers
  cmake             # >= 3.21 for CMakePresets.json (Debian 12: 3.25)
  pkg-config
  libcriterion-dev  # the test framework
  libjemalloc-dev   # the allocator linked into executables
  clang             # libFuzzer targets (fuzz preset)
  libclang-rt-14-dev # clang's sanitizer and libFuzzer runtimes
  doxygen           # API reference (docs target, docs_doxygen test)
  python3           # its header filter (docs/kdoc2doxygen.py)
  cargo             # the Rust binding's tests (bindings/rust; brings rustc)
)
# Not here: the cross toolchains and qemu-user (scripts/cross.sh --install,
# or GENPT_CROSS=install scripts/test.sh): a 90 MB download, 390 MB
# installed, that the default test command does not need.

genpt_missing_deps() {
  local p
  for p in "${GENPT_DEPS[@]}"; do
    # dpkg -s succeeds for removed-but-configured packages too; check status.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
      echo "$p"
    fi
  done
}

genpt_install_deps() {
  local missing sudo=()
  mapfile -t missing < <(genpt_missing_deps)
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  if [ "${1:-}" = "--check" ]; then
    echo "missing packages: ${missing[*]}" >&2
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "deps: need root (or sudo) to install: ${missing[*]}" >&2
      return 1
    fi
  fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  genpt_install_deps "$@"
fi
