#!/usr/bin/env bash
# scripts/fuzz-long.sh - run the libFuzzer targets for longer, on demand.
#
#   scripts/fuzz-long.sh                      every target, 600 s each
#   scripts/fuzz-long.sh -t 3600 fuzz_formats fuzz_rviommu
#   scripts/fuzz-long.sh -j 2 -t 1800         2 parallel workers per target
#   scripts/fuzz-long.sh --merge              then fold inputs that add
#                                             coverage into fuzz/corpus/
#   scripts/fuzz-long.sh -f -use_counters=1 fuzz_formats
#                                             pass a libFuzzer flag (repeat -f
#                                             for more); the targets' own
#                                             defaults are in fuzz/fuzz_flags.c
#                                             (fuzz/README.md, Speed)
#
# Targets (fuzz/README.md): fuzz_formats, fuzz_rviommu, fuzz_smmuv3,
# fuzz_bitmap.  Builds them with clang (libFuzzer + ASan + UBSan over an
# instrumented copy of the library) in build/fuzz-long (-B DIR to change),
# then runs each for the given time.  The growing corpus lives in
# DIR/corpus/<target> (it starts from, and never writes to,
# fuzz/corpus/<target>); crashes, leaks and timeouts are saved in
# DIR/crashes/<target>/.  At the end a summary lists every artifact with the
# command that replays it (GENPT_FUZZ_TRACE=1 prints each operation); the
# exit status is 1 when any target found one.
#
# A crash that is a library bug: keep the file as a regression input in
# fuzz/corpus/<target>/ once the bug is fixed (the <target>_replay ctest
# tests run every file there).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

secs=600
jobs=1
dir=build/fuzz-long
merge=0
targets=()
extra=()
all_targets=(fuzz_formats fuzz_rviommu fuzz_bitmap fuzz_smmuv3)

usage() {
  sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    -t) secs=${2:?}; shift 2 ;;
    -j) jobs=${2:?}; shift 2 ;;
    -B) dir=${2:?}; shift 2 ;;
    -f) extra+=("${2:?}"); shift 2 ;;
    --merge) merge=1; shift ;;
    -h | --help) usage ;;
    fuzz_*) targets+=("$1"); shift ;;
    *) echo "fuzz-long: unknown argument '$1'" >&2; usage ;;
  esac
done
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")

if ! command -v clang >/dev/null; then
  echo "fuzz-long: clang not found (scripts/deps.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi

echo "fuzz-long: building ${targets[*]} in $dir"
mkdir -p "$dir" # a clean clone has no build/ yet
if ! cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DGENPT_USE_JEMALLOC=OFF -DGENPT_BUILD_TESTS=OFF \
      -DGENPT_BUILD_BENCH=OFF -DGENPT_BUILD_EXAMPLES=OFF >"$dir/configure.log" 2>&1; then
  cat "$dir/configure.log"
  echo "fuzz-long: configure failed" >&2
  exit 1
fi
if ! cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"; then
  echo "fuzz-long: build failed" >&2
  exit 1
fi

summary=()
found=0
for t in "${targets[@]}"; do
  corpus=$dir/corpus/$t
  crashes=$dir/crashes/$t
  log=$dir/$t.log
  mkdir -p "$corpus" "$crashes"
  par=()
  if [ "$jobs" -gt 1 ]; then
    par=(-fork="$jobs" -ignore_crashes=1)
  fi
  echo "=================== $t: ${secs}s, $jobs worker(s), log $log"
  "$dir/fuzz/$t" -max_total_time="$secs" -max_len=4096 -len_control=50 -timeout=30 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$crashes/" "${par[@]}" "${extra[@]}" \
    "$corpus" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" |
    sed "s/^/  $t: /"
  grep -E 'MISMATCH|ERROR: AddressSanitizer|runtime error|ERROR: LeakSanitizer' "$log" |
    sort -u | head -5 | sed "s/^/  $t: /"
  n=$(find "$crashes" -type f | wc -l)
  if [ "$n" -gt 0 ] || { [ "$rc" -ne 0 ] && [ "$jobs" -eq 1 ]; }; then
    found=1
    summary+=("$t: $n artifact(s) in $crashes (libFuzzer exit $rc)")
    for c in "$crashes"/*; do
      [ -f "$c" ] && summary+=("    GENPT_FUZZ_TRACE=1 $dir/fuzz/$t $c")
    done
  else
    # one worker prints stat:: lines; -fork=N workers print "#RUNS: cov:" lines
    runs=$( (grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" ||
             grep -oE '^#[0-9]+:' "$log") | grep -oE '[0-9]+' | tail -1)
    summary+=("$t: clean (${runs:-?} runs, corpus $(find "$corpus" -type f | wc -l) inputs)")
  fi
  if [ "$merge" -eq 1 ]; then
    # only inputs that add coverage go into the committed corpus
    "$dir/fuzz/$t" -merge=1 -max_len=4096 "fuzz/corpus/$t" "$corpus" >"$dir/$t.merge.log" 2>&1 &&
      summary+=("    merged: fuzz/corpus/$t now has $(find "fuzz/corpus/$t" -type f | wc -l) inputs")
  fi
done

echo "=================== summary"
printf '%s\n' "${summary[@]}"
exit "$found"
