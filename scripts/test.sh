#!/usr/bin/env bash
# The whole genpt test suite: installs what is missing, then configures,
# builds and runs ctest in three builds (CMakePresets.json, build/<preset>):
#
#   release  RelWithDebInfo, jemalloc in the executables: every test
#   asan     ASan + UBSan: every test
#   tsan     TSan: the tests labelled "concurrent" (or, while none is, all
#            tests, or those matching GENPT_TSAN_REGEX); see tsan_args
#
# Ends with one line 'N passed, N failed' summed over the builds (a build
# that fails to configure or compile counts as one more failure; the tests
# that did build still run) and exits non-zero on any failure.
#
#   gcc-o3   gcc Release (-O3) and
#   clang    clang Release: build checks only (warnings are errors; the
#            tests run in the builds above); one "test" each: the build
#   rust     cargo test of bindings/rust against build/release's library
#            (scripts/rust-test.sh), when cargo is installed
#   cross    riscv64 and aarch64 cross builds, every test under qemu-user
#            (scripts/cross.sh); part of the default run when the cross
#            tools are installed, see GENPT_CROSS
#
#   scripts/test.sh                 release, asan, tsan, gcc-o3, clang, rust
#                                   (+ fuzz when clang is installed, + cross,
#                                   see below)
#   scripts/test.sh release asan    just these (also: debug, fuzz, cross)
#   GENPT_TSAN_REGEX='dirty|hw' scripts/test.sh tsan   pick the TSan tests
#   GENPT_CMAKE_ARGS='-DGENPT_BUILD_BENCH=OFF' scripts/test.sh   extra -D's
#   GENPT_CROSS=auto     (default) add the cross stage when the cross tools
#                        are installed (scripts/cross.sh --check)
#   GENPT_CROSS=install  install them first (about 30 s), then add it
#   GENPT_CROSS=0        never add it by default
set -uo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/deps.sh
source scripts/deps.sh
set +e
genpt_install_deps || { echo "deps: install failed"; echo "0 passed, 1 failed"; exit 1; }

presets=("$@")
if [ "${#presets[@]}" -eq 0 ]; then
  presets=(release asan tsan gcc-o3)
  # libFuzzer targets, bounded runs under ASan+UBSan, when clang is here.
  if command -v clang >/dev/null 2>&1; then
    presets+=(clang fuzz)
  else
    echo "clang, fuzz: clang not installed, stages skipped"
  fi
  if bash scripts/rust-test.sh --check; then
    presets+=(rust)
  else
    echo "rust: cargo not installed, binding stage skipped"
  fi
  case "${GENPT_CROSS:-auto}" in
    0 | no | off) ;;
    install) presets+=(cross) ;;
    *) if bash scripts/cross.sh --check; then
         presets+=(cross)
       else
         echo "cross: riscv64/aarch64 cross tools not installed, stage skipped (GENPT_CROSS=install adds them)"
       fi ;;
  esac
fi

total_pass=0
total_fail=0
summary=()
t_all=$(date +%s)

# run_ctest PRESET ARGS... : run ctest, echo its output, add its counts.
run_ctest() {
  local preset=$1 log rc line pass=0 fail=0 total
  shift
  log=$(mktemp)
  "${launcher[@]}" ctest --preset "$preset" --output-on-failure "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # "100% tests passed, 0 tests failed out of 12"
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [ -n "$line" ]; then
    fail=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    pass=$((total - fail))
  fi
  if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
    fail=1 # ctest itself failed (no tests found, crash, ...)
  fi
  rm -f "$log"
  stage_pass=$pass
  stage_fail=$fail
}

# test_exes DIR: "executable name" for every test ctest knows in DIR.
test_exes() {
  ctest --test-dir "$1" -N -V 2>/dev/null | awk '
      /^[0-9]+: Test command: / { exe = $4 }
      /^  Test +#[0-9]+: / { print exe, $3 }'
}

# tsan_args: choose the tests of the TSan build into args[] / launcher[].
#  - The tests labelled "concurrent" if any test has that label, else those
#    matching GENPT_TSAN_REGEX if it is set, else all.
#  - Criterion's runner cannot start under TSan (its BoxFort arena maps at
#    fixed addresses inside TSan's shadow ranges: "Could not initialize
#    inheritable arena", Criterion issue #274); test/CMakeLists.txt builds
#    the suites against a stand-in for TSan, and any binary that still
#    links libcriterion is left out here (it runs in the other builds).
#  - TSan needs a kernel whose mmap randomisation leaves its fixed shadow
#    ranges free; run without ASLR when we may (harmless otherwise).
tsan_args() {
  local dir="build/$preset" n exe name skip=()
  if setarch "$(uname -m)" -R true 2>/dev/null; then
    launcher=(setarch "$(uname -m)" -R)
  fi
  n=$(ctest --test-dir "$dir" -N -L concurrent 2>/dev/null |
      sed -nE 's/^Total Tests: ([0-9]+)$/\1/p')
  if [ "${n:-0}" -gt 0 ]; then
    args=(-L concurrent)
  elif [ -n "${GENPT_TSAN_REGEX:-}" ]; then
    args=(-R "$GENPT_TSAN_REGEX")
  fi
  # "N: Test command: /path/exe args" ... "  Test #N: name"
  while read -r exe name; do
    # The binary's dynamic section, or (not built) its link command.
    if { [ -f "$exe" ] && readelf -d "$exe" 2>/dev/null | grep -q 'NEEDED.*libcriterion'; } ||
       grep -qs 'criterion' "$(dirname "$exe")/CMakeFiles/$(basename "$exe").dir/link.txt"; then
      skip+=("$name")
    fi
  done < <(test_exes "$dir")
  if [ "${#skip[@]}" -gt 0 ]; then
    echo "tsan: not run under TSan (Criterion binaries): ${skip[*]}"
    args+=(-E "^($(IFS='|'; echo "${skip[*]}"))\$")
  fi
  echo "tsan: ctest ${args[*]}"
}

# run_cross: scripts/cross.sh as one stage; its closing line gives the counts.
run_cross() {
  local log line t0 install=()
  [ "${GENPT_CROSS:-auto}" != install ] || install=(--install)
  log=$(mktemp)
  t0=$(date +%s)
  bash scripts/cross.sh "${install[@]}" 2>&1 | tee "$log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [ -n "$line" ]; then
    stage_pass=${line%% *}
    stage_fail=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
  else
    stage_pass=0
    stage_fail=1
  fi
  rm -f "$log"
  summary+=("$(printf '%-8s riscv64 + aarch64 under qemu-user: %4ss  -> %d passed, %d failed' \
    cross $(( $(date +%s) - t0 )) "$stage_pass" "$stage_fail")")
}

# run_rust: scripts/rust-test.sh as one stage; its closing line gives the counts.
run_rust() {
  local log line t0
  log=$(mktemp)
  t0=$(date +%s)
  bash scripts/rust-test.sh 2>&1 | tee "$log"
  line=$(grep -E '^rust: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [ -n "$line" ]; then
    line=${line#rust: }
    stage_pass=${line%% *}
    stage_fail=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
  else
    stage_pass=0
    stage_fail=1
  fi
  rm -f "$log"
  summary+=("$(printf '%-8s cargo test bindings/rust:      %4ss  -> %d passed, %d failed' \
    rust $(( $(date +%s) - t0 )) "$stage_pass" "$stage_fail")")
}

# build_only PRESET: configure and build; the stage is one test, the build.
build_only() {
  local t0 t1 t2
  t0=$(date +%s)
  # shellcheck disable=SC2086 # GENPT_CMAKE_ARGS is a list of words
  if cmake --preset "$preset" ${GENPT_CMAKE_ARGS:-}; then
    t1=$(date +%s)
    if cmake --build --preset "$preset" -- -k; then
      stage_pass=1
    else
      echo "$preset: build FAILED"
      stage_fail=1
    fi
  else
    t1=$(date +%s)
    echo "$preset: configure FAILED"
    stage_fail=1
  fi
  t2=$(date +%s)
  summary+=("$(printf '%-8s configure %4ss  build %4ss  (build check) -> %d passed, %d failed' \
    "$preset" $((t1 - t0)) $((t2 - t1)) "$stage_pass" "$stage_fail")")
}

for preset in "${presets[@]}"; do
  echo "=================== $preset ==================="
  if [ "$preset" = cross ] || [ "$preset" = rust ] ||
     [ "$preset" = gcc-o3 ] || [ "$preset" = clang ]; then
    stage_pass=0
    stage_fail=0
    case "$preset" in
      cross) run_cross ;;
      rust) run_rust ;;
      *) build_only ;;
    esac
    total_pass=$((total_pass + stage_pass))
    total_fail=$((total_fail + stage_fail))
    continue
  fi
  stage_pass=0
  stage_fail=0
  t0=$(date +%s)
  # shellcheck disable=SC2086 # GENPT_CMAKE_ARGS is a list of words
  if ! cmake --preset "$preset" ${GENPT_CMAKE_ARGS:-}; then
    echo "$preset: configure FAILED"
    stage_fail=1
    t1=$(date +%s); t2=$t1; t3=$t1
  else
    t1=$(date +%s)
    # Keep going past a broken target so every test that builds still runs;
    # a test whose binary is missing fails in ctest ("Not Run").
    # Remove the test binaries first: a target that fails to build must
    # not leave an old binary behind for ctest to pass.
    while read -r exe _; do
      case "$exe" in "$PWD/build/$preset/"*) rm -f "$exe" ;; esac
    done < <(test_exes "build/$preset")
    build_ok=1
    if ! cmake --build --preset "$preset" -- -k; then
      echo "$preset: build FAILED (running the tests that built)"
      build_ok=0
    fi
    t2=$(date +%s)
    args=()
    launcher=()
    if [ "$preset" = tsan ]; then
      tsan_args
    elif [ "$preset" = fuzz ]; then
      args=(-L fuzz) # the replays and the bounded libFuzzer runs
    fi
    run_ctest "$preset" "${args[@]}"
    if [ "$build_ok" -eq 0 ]; then
      stage_fail=$((stage_fail + 1))
    fi
    t3=$(date +%s)
  fi
  total_pass=$((total_pass + stage_pass))
  total_fail=$((total_fail + stage_fail))
  summary+=("$(printf '%-8s configure %4ss  build %4ss  test %4ss  -> %d passed, %d failed' \
    "$preset" $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) "$stage_pass" "$stage_fail")")
done

echo "=================== summary ==================="
printf '%s\n' "${summary[@]}"
echo "total time $(( $(date +%s) - t_all ))s"
echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
