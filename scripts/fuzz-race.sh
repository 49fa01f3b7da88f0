#!/usr/bin/env bash
# scripts/fuzz-race.sh - how soon a libFuzzer target finds a planted bug,
# under one or more sets of libFuzzer flags (fuzz/README.md, "Sixth pass:
# time to a planted bug").  Inputs per second say how cheap the
# inputs are that a run chooses; the time to a known bug says how well it
# fuzzes.  For each bug: plant it in a copy of the tree (the mutants.tsv
# format, applied by scripts/mutants/apply.py), build the target with the
# fuzz preset, then run it from an empty corpus once per seed and per flag
# set; the flag sets of one seed run side by side, so they share the load.
#
#   scripts/fuzz-race.sh                         every bug of
#                                                scripts/mutants/fuzz-plants.tsv,
#                                                default flags, seeds 1-3
#   scripts/fuzz-race.sh -s 6 -F '' \
#     -F '-use_counters=1 -entropic_scale_per_exec_time=0'
#                                                genpt's flags against
#                                                libFuzzer's own, seeds 1-6
#   options: -t TARGET (default fuzz_formats), -s N (seeds 1..N), -m S (give
#   up after S seconds, default 300), --only a,b (these bugs), --list FILE
#   (another list, e.g. scripts/mutants/mutants.tsv), -F FLAGS (one flag
#   set, repeatable; '' is the target's defaults, set in
#   fuzz/fuzz_flags.c; the second flag set above is libFuzzer's own),
#   --corpus (start from fuzz/corpus/TARGET instead of nothing, without
#   its regress-* inputs: those replay earlier findings), --work DIR
#   (default a fresh mktemp -d), --out FILE (default WORK/race.tsv).
#
# The table: bug, flags, seed, found (yes/no), seconds, inputs run.  The
# summary gives per flag set the bugs found, the seconds summed (a run that
# gave up counts its whole -m) and the median inputs to a find.  Needs
# clang (the fuzz preset).  Minutes per bug: keep -m and -s small on a
# loaded machine, and compare flag sets of one run only.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/.." && pwd)
list=$here/mutants/fuzz-plants.tsv
target=fuzz_formats seeds=3 maxt=300 only="" work="" out="" corpus=0 flagsets=()
while [ $# -gt 0 ]; do
  case $1 in
    -t) target=$2; shift 2 ;;
    -s) seeds=$2; shift 2 ;;
    -m) maxt=$2; shift 2 ;;
    -F) flagsets+=("$2"); shift 2 ;;
    --only) only=$2; shift 2 ;;
    --corpus) corpus=1; shift ;;
    --list) list=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    --work) work=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "fuzz-race: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "${#flagsets[@]}" -gt 0 ] || flagsets=("")
work=${work:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
out=${out:-$work/race.tsv}
names=${only//,/ }
[ -n "$names" ] || names=$(grep -v '^#' "$list" | grep -v '^$' | cut -f1)

# A copy of the tree with bug @name planted, its target built; prints
# the binary's path.
build_bug() {
  local name=$1 dir=$work/tree-$1 row
  row=$(awk -F'\t' -v n="$name" '$1 == n' "$list")
  [ -n "$row" ] || { echo "fuzz-race: no bug $name in $list" >&2; return 2; }
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$tree" && git ls-files -z | xargs -0 cp --parents -t "$dir")
  python3 "$here/mutants/apply.py" "$dir/$(cut -f2 <<<"$row")" "$(cut -f3 <<<"$row")" \
    "$(cut -f4 <<<"$row")" || { echo "fuzz-race: $name: search text not found once" >&2; return 2; }
  (cd "$dir" && cmake --preset fuzz >"$dir/.configure.log" 2>&1 &&
     nice cmake --build --preset fuzz -j2 --target "$target" >"$dir/.build.log" 2>&1) ||
    { echo "fuzz-race: $name does not build (see $dir/.build.log)" >&2; return 2; }
  echo "$dir/build/fuzz/fuzz/$target"
}

# One run: prints "found<TAB>seconds<TAB>inputs".
race_one() {
  local bin=$1 seed=$2 flags=$3 d t0 t1 found=no n
  d=$(mktemp -d "$work/run.XXXXXX")
  mkdir -p "$d/corpus"
  [ "$corpus" = 1 ] &&
    find "$tree/fuzz/corpus/$target" -maxdepth 1 -type f ! -name 'regress-*' -exec cp -t "$d/corpus" {} +
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086 # flags is a list of libFuzzer flags
  (cd "$d" && "$bin" -seed="$seed" -max_total_time="$maxt" -print_final_stats=1 \
     -artifact_prefix="$d/" $flags corpus >"$d/log" 2>&1)
  t1=$(date +%s.%N)
  for a in "$d"/crash-* "$d"/leak-* "$d"/timeout-* "$d"/oom-*; do
    [ -e "$a" ] && found=yes
  done
  n=$(grep -m1 'stat::number_of_executed_units' "$d/log" | awk '{print $2}')
  printf '%s\t%s\t%s\n' "$found" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" "${n:-?}"
  if [ "$found" = yes ]; then rm -rf "$d/corpus"; else rm -rf "$d"; fi
}

printf '# bug\tflags\tseed\tfound\tseconds\tinputs\n' >"$out"
for name in $names; do
  bin=$(build_bug "$name") || continue
  for seed in $(seq 1 "$seeds"); do
    for i in "${!flagsets[@]}"; do
      race_one "$bin" "$seed" "${flagsets[$i]}" >"$work/.r$i" &
    done
    wait
    for i in "${!flagsets[@]}"; do
      printf '%s\t%s\t%s\t%s\n' "$name" "${flagsets[$i]:-default}" "$seed" "$(cat "$work/.r$i")" |
        tee -a "$out"
    done
  done
done
echo "--- per flag set: bugs found / runs, seconds summed, median inputs to a find"
for i in "${!flagsets[@]}"; do
  f=${flagsets[$i]:-default}
  rows=$(awk -F'\t' -v f="$f" '!/^#/ && $2 == f' "$out")
  med=$(awk -F'\t' '$4 == "yes" { print $6 }' <<<"$rows" | sort -n |
        awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }')
  awk -F'\t' -v f="$f" -v med="$med" '{ runs++; secs += $5; found += ($4 == "yes") }
    END { printf "%-40s %d/%d found, %.0f s, median %s inputs\n", f, found, runs, secs, med }' <<<"$rows"
done
echo "table: $out"
