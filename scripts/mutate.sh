#!/usr/bin/env bash
# scripts/mutate.sh - the mutation score of the test suite (docs/testing.md):
# apply each mutant of scripts/mutants/mutants.tsv (one small bug in lib/:
# a file, an exact search text that must occur once, its replacement) to a
# copy of the tree, rebuild (release preset without -g; bench, fuzz and
# examples off), run ctest, and record whether the suite noticed (killed)
# or not (survived).  Runs on demand, not in CI: minutes per mutant (the
# rebuild relinks every test; a survivor runs the whole suite).
#
#   scripts/mutate.sh                      every mutant, this repository
#   scripts/mutate.sh --tree DIR           mutate a copy of DIR instead
#   scripts/mutate.sh --only a,b           just these mutants
#   scripts/mutate.sh --jobs 2             two copies, mutants split between them
#   options: --list FILE (default scripts/mutants/mutants.tsv next to this
#   script), --out FILE (the table; default WORK/mutants-result.tsv),
#   --work DIR (the copies; default a fresh mktemp -d), --timeout S (per
#   test, default 300), --ctest-jobs N (default 2), --resume (keep the
#   rows of --out and run only the mutants it does not list yet: a run
#   that was stopped goes on where it was; reuses the copies in --work),
#   --prior TABLE (repeatable: an earlier run's table; the tests that
#   killed a mutant there run first for it here, so a mutant that is
#   still killed costs its rebuild and that test, not the whole suite;
#   ctest orders by failures and costs only when it runs tests in
#   parallel, so this needs --ctest-jobs 2 or more).
#
# Prints one line per mutant and ends with 'killed N/M' (M: the mutants
# that built and ran).  A mutant whose text is not found exactly once, or
# that does not build, is reported as such and not counted in M: fix the
# list.  The table: name, result (killed/survived/not-found/build-failed),
# the first failing test, seconds.  Exit status 0 when every mutant that
# ran was killed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
list=$here/mutants/mutants.tsv
only="" jobs=1 work="" out="" tmo=300 cjobs=2 resume=0 priors=()
while [ $# -gt 0 ]; do
  case $1 in
    --tree) tree=$(cd "$2" && pwd) || exit 2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --list) list=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --timeout) tmo=$2; shift 2 ;;
    --ctest-jobs) cjobs=$2; shift 2 ;;
    --resume) resume=1; shift ;;
    --prior) priors+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")") || exit 2; shift 2 ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "mutate: unknown option $1" >&2; exit 2 ;;
  esac
done
work=${work:-$(mktemp -d)}
mkdir -p "$work"
out=${out:-$work/mutants-result.tsv}
case $out in /*) ;; *) out=$PWD/$out ;; esac

# The mutants to run: name, file, search, replace (tab-separated).
names=$(grep -v '^#' "$list" | grep -v '^$' | cut -f1)
if [ -n "$only" ]; then
  for n in ${only//,/ }; do
    echo "$names" | grep -qx -- "$n" || { echo "mutate: no mutant $n in $list" >&2; exit 2; }
  done
  names=$(echo "${only//,/ }" | tr ' ' '\n')
fi

# A copy of the tree (tracked files when it is a git work tree), built.
prepare() {
  local dir=$1
  mkdir -p "$dir"
  if git -C "$tree" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$tree" && git ls-files -z | xargs -0 cp --parents -t "$dir" 2>/dev/null)
  else
    (cd "$tree" && tar --exclude=./build -cf - .) | (cd "$dir" && tar -xf -)
  fi
  # -O2 as the preset, without -g: each mutant relinks every test, and
  # the debug info makes that several times slower.
  (cd "$dir" && cmake --preset release -DGENPT_BUILD_BENCH=OFF -DGENPT_BUILD_FUZZ=OFF \
      -DGENPT_BUILD_EXAMPLES=OFF -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" \
      >"$dir/.configure.log" 2>&1 &&
   nice cmake --build --preset release -j2 >"$dir/.build.log" 2>&1)
}

# Replace the one occurrence of the search text; exit 3 when it is not
# there exactly once.
apply() { python3 "$here/mutants/apply.py" "$@"; }

# The tests that killed @name in the --prior tables, one per line.
prior_killers() {
  [ "${#priors[@]}" -gt 0 ] || return 0
  awk -F'\t' -v n="$1" '$1 == n && $2 == "killed" && $3 != "-" { print $3 }' "${priors[@]}" | sort -u
}

# Schedule @name's prior killers first in copy @dir: ctest runs the tests
# listed after "---" in its cost data (those that failed last time) before
# the others.  Starts from the baseline's costs every time.
order_tests() {
  local dir=$1 name=$2 tmp=$1/build/release/Testing/Temporary
  [ -f "$tmp/.baseline-costs" ] || return 0
  { sed '/^---$/,$d' "$tmp/.baseline-costs"; echo ---; prior_killers "$name"; } >"$tmp/CTestCostData.txt"
}

# One mutant in copy @dir: prints "name<TAB>result<TAB>test<TAB>seconds".
run_one() {
  local dir=$1 name=$2 row file search repl t0 res killer="" log
  row=$(awk -F'\t' -v n="$name" '$1 == n' "$list")
  file=$(cut -f2 <<<"$row") search=$(cut -f3 <<<"$row") repl=$(cut -f4 <<<"$row")
  t0=$(date +%s)
  cp "$dir/$file" "$dir/.orig"
  echo "$file" >"$dir/.orig.path" # a stopped run restores it (--resume)
  if ! apply "$dir/$file" "$search" "$repl"; then
    res=not-found
  elif ! (cd "$dir" && nice cmake --build --preset release -j2 >"$dir/.mbuild.log" 2>&1); then
    res=build-failed
  else
    log=$dir/.ctest.log
    order_tests "$dir" "$name"
    # The docs and package tests (doxygen, an install, a subproject build)
    # test no behaviour of lib/ and take a third of the time: not run.
    if (cd "$dir/build/release" && nice ctest -j"$cjobs" --stop-on-failure --timeout "$tmo" \
          -LE 'docs|package' >"$log" 2>&1); then
      res=survived
    else
      res=killed
      killer=$(grep -m1 -E '\*\*\*(Failed|Timeout|Exception)|\(Failed\)|\(Timeout\)|\(SEGFAULT\)|\(Subprocess aborted\)' "$log" |
               sed -E 's/.*Test +#[0-9]+: ([^ ]+).*/\1/')
    fi
  fi
  cp "$dir/.orig" "$dir/$file" # a fresh mtime: the next build recompiles it
  rm -f "$dir/.orig.path"
  printf '%s\t%s\t%s\t%s\n' "$name" "$res" "${killer:--}" "$(($(date +%s) - t0))"
}

if [ "$resume" = 1 ] && [ -f "$out" ]; then
  names=$(for n in $names; do cut -f1 "$out" | grep -qx -- "$n" || echo "$n"; done)
fi
echo "mutate: $(echo "$names" | wc -w) mutants of $tree, $jobs cop$( [ "$jobs" = 1 ] && echo y || echo ies) in $work"
for j in $(seq 1 "$jobs"); do
  if [ "$resume" = 1 ] && [ -x "$work/copy$j/build/release/test/test_fmt_map" ]; then
    d=$work/copy$j
    [ -f "$d/.orig.path" ] && cp "$d/.orig" "$d/$(cat "$d/.orig.path")" && rm "$d/.orig.path"
    (cd "$d" && nice cmake --build --preset release -j2 >"$d/.build.log" 2>&1) && continue
  fi
  prepare "$work/copy$j" || { echo "mutate: the unmutated tree does not build (see $work/copy$j/.build.log)" >&2; exit 2; }
done
# The unmutated suite must pass, or every mutant looks killed.
(cd "$work/copy1/build/release" && nice ctest -j"$cjobs" --timeout "$tmo" -LE 'docs|package' \
   >"$work/baseline.log" 2>&1) ||
  { echo "mutate: the unmutated suite fails (see $work/baseline.log)" >&2; exit 2; }
# The baseline's test costs, for order_tests (every copy runs the same suite).
for j in $(seq 1 "$jobs"); do
  d=$work/copy$j/build/release/Testing/Temporary
  mkdir -p "$d" && sed '/^---$/,$d' "$work/copy1/build/release/Testing/Temporary/CTestCostData.txt" >"$d/.baseline-costs"
done

[ "$resume" = 1 ] && [ -f "$out" ] ||
  printf '# name\tresult\tfirst failing test\tseconds\n' >"$out"
for j in $(seq 1 "$jobs"); do
  (
    k=0
    for n in $names; do
      [ $((k % jobs + 1)) -eq "$j" ] && run_one "$work/copy$j" "$n"
      k=$((k + 1))
    done
  ) | while IFS=$'\t' read -r n res killer secs; do
    printf '%s\t%s\t%s\t%s\n' "$n" "$res" "$killer" "$secs" >>"$out"
    printf '%-28s %-13s %-36s %ss\n' "$n" "$res" "$killer" "$secs"
  done &
done
wait
ran=$(grep -v '^#' "$out" | awk -F'\t' '$2 == "killed" || $2 == "survived"' | wc -l)
killed=$(grep -v '^#' "$out" | awk -F'\t' '$2 == "killed"' | wc -l)
bad=$(grep -v '^#' "$out" | awk -F'\t' '$2 == "not-found" || $2 == "build-failed"' | wc -l)
echo "killed $killed/$ran$( [ "$bad" -gt 0 ] && echo " ($bad not run: not found or build failed)")"
echo "table: $out"
[ "$killed" -eq "$ran" ] && [ "$bad" -eq 0 ]
