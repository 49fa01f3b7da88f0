#!/usr/bin/env bash
# bench/plot_threads.sh - the chart of genpt_bench_threads' JSON (gnuplot
# and jq, as bench/plot.sh):
#
#   build/release/bench/genpt_bench_threads --json threads.json
#   bench/plot_threads.sh threads.json [OUTDIR]     (default: docs/perf)
#
# Writes OUTDIR/threads.png: left, the dense harvest in ns per entry by 1
# and T threads and the read floors of 1 and T threads; right, map and unmap in ns
# per page by 1 and T threads; each as wall clock and as the CPU time of
# the slowest thread (medians).
set -euo pipefail

json=${1:?usage: bench/plot_threads.sh THREADS.json [OUTDIR]}
out=${2:-docs/perf}
# shellcheck source=bench/plot_setup.sh
. "$(dirname "$0")/plot_setup.sh"
plot_setup plot_threads.sh "$out"

t=$(jq -r '.threads' "$json")
la=$(jq -r '.loadavg_before | split(" ")[0:3] | join(" ")' "$json")
sub="$(jq -r '.gib' "$json") GiB of 4 KiB pages, medians of $(jq -r '.reps' "$json"); load average $la"

# rows OUT LABEL=OPERATION...: label, wall-clock median, CPU-time median
# (the CPU record of an operation is "CPU: " and its name, without the
# floors' " (same leaf tables)")
rows() {
  local file=$1
  shift
  printf 'what\twall clock\tCPU time of the slowest thread\n' > "$file"
  for spec in "$@"; do
    local l=${spec%%=*} o=${spec#*=}
    printf '%s\t%s\t%s\n' "$l" \
      "$(jq -r --arg o "$o" '.records[] | select(.operation == $o) | .median' "$json")" \
      "$(jq -r --arg o "CPU: ${o% (same leaf tables)}" '.records[] | select(.operation == $o) | .median' "$json")"
  done >> "$file"
}
rows "$tmp/h.dat" "harvest, 1=dense harvest, 1 thread" \
  "floor, 1=read floor, 1 thread (same leaf tables)" \
  "harvest, $t=dense harvest, T threads (shards)" \
  "floor, $t=read floor, T threads (same leaf tables)"
rows "$tmp/m.dat" "map, 1=map 4K, 1 call per page, 1 thread" \
  "map, $t=map 4K, 1 call per page, T threads" \
  "unmap, 1=unmap 4K, 1 call per page, 1 thread" \
  "unmap, $t=unmap 4K, 1 call per page, T threads"

gnuplot <<EOF
set terminal pngcairo size 1100,520 font "DejaVu Sans,10" noenhanced
set output "$out/threads.png"
set datafile separator "\t"
set datafile columnheaders
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside bottom center horizontal samplen 2
set grid ytics
set yrange [0:*]
set multiplot layout 1,2 title "genpt across threads (lower is better)\n$sub"
set title "dense harvest (every entry dirty) and read floor, by 1 and $t threads"
set ylabel "ns / entry"
plot "$tmp/h.dat" using 2:xtic(1) title columnhead lc rgb "#1f77b4", \
     '' using 3 title columnhead lc rgb "#ff7f0e"
set title "map / unmap by 1 and $t threads, 4 KiB page per call, disjoint ranges"
set ylabel "ns / page (time / pages of all threads)"
plot "$tmp/m.dat" using 2:xtic(1) title columnhead lc rgb "#1f77b4", \
     '' using 3 title columnhead lc rgb "#ff7f0e"
unset multiplot
EOF
echo "wrote $out/threads.png"
