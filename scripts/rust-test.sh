#!/usr/bin/env bash
# The Rust binding's tests (bindings/rust), one stage of scripts/test.sh:
#   1. libgenpt.a and libgenpt_hw.a from the release preset (built here if
#      needed; or GENPT_LIB_DIR names a directory holding them),
#   2. cargo test --offline --locked (the layout check of genpt-sys against
#      the headers, the safe API's tests, the rustdoc examples),
#   3. cargo doc with warnings as errors (one test),
#   4. examples/migrate.rs, the migration loop through the RISC-V IOMMU
#      model, plain and --split (one test each; they verify themselves).
# Ends with 'rust: N passed, N failed'.  Nothing comes from a registry.
#
# Toolchain: Debian's (/usr/bin/cargo, rustc, rustdoc) when installed, else
# whatever cargo is on PATH; GENPT_CARGO / GENPT_RUSTC override.
#   scripts/rust-test.sh --check    exit 0 when a cargo is there
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

cargo=${GENPT_CARGO:-}
if [ -z "$cargo" ]; then
  if [ -x /usr/bin/cargo ]; then
    cargo=/usr/bin/cargo
  else
    cargo=$(command -v cargo || true)
  fi
fi
if [ "${1:-}" = --check ]; then
  [ -n "$cargo" ]
  exit
fi
if [ -z "$cargo" ]; then
  echo "rust: cargo not found (apt-get install cargo)"
  echo "rust: 0 passed, 1 failed"
  exit 1
fi
# The rustc and rustdoc next to that cargo: a rustup proxy earlier on PATH
# must not pick another toolchain (its metadata does not mix with these).
bin=$(dirname "$cargo")
if [ -z "${GENPT_RUSTC:-}" ] && [ -x "$bin/rustc" ]; then
  GENPT_RUSTC=$bin/rustc
fi
[ -z "${GENPT_RUSTC:-}" ] || export RUSTC=$GENPT_RUSTC
if [ -x "$(dirname "${RUSTC:-$bin/rustc}")/rustdoc" ]; then
  export RUSTDOC
  RUSTDOC=$(dirname "${RUSTC:-$bin/rustc}")/rustdoc
fi
export CARGO_TARGET_DIR=$PWD/build/rust
echo "rust: $("$cargo" --version), $(${RUSTC:-rustc} --version)"

pass=0
fail=0
finish() {
  echo "rust: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit
}

if [ -z "${GENPT_LIB_DIR:-}" ]; then
  # shellcheck disable=SC2086 # GENPT_CMAKE_ARGS is a list of words
  if ! { cmake --preset release ${GENPT_CMAKE_ARGS:-} >/dev/null &&
         cmake --build --preset release --target genpt_static genpt_hw_static; }; then
    echo "rust: building libgenpt.a + libgenpt_hw.a (release preset) FAILED"
    fail=1
    finish
  fi
  export GENPT_LIB_DIR=$PWD/build/release
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cd bindings/rust || exit 1
"$cargo" test --offline --locked 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# "test result: ok. 5 passed; 0 failed; 0 ignored; ..."
while read -r p f; do
  pass=$((pass + p))
  fail=$((fail + f))
done < <(sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$log")
if [ "$rc" -ne 0 ] && ! grep -qE '^test result: FAILED' "$log"; then
  echo "rust: cargo test failed before running its tests"
  fail=$((fail + 1))
fi

if RUSTDOCFLAGS="-D warnings" "$cargo" doc --offline --locked --no-deps; then
  pass=$((pass + 1))
else
  echo "rust: cargo doc FAILED"
  fail=$((fail + 1))
fi

for args in "" "--split"; do
  # shellcheck disable=SC2086 # no argument or one
  if "$cargo" run --offline --locked --example migrate -- $args; then
    pass=$((pass + 1))
  else
    echo "rust: example migrate $args FAILED"
    fail=$((fail + 1))
  fi
done
finish
