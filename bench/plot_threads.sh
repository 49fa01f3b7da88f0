#!/usr/bin/env bash
# bench/plot_threads.sh - the chart of genpt_bench_threads' JSON (gnuplot
# and jq, as bench/plot.sh):
#
#   build/release/bench/genpt_bench_threads --json threads.json
#   bench/plot_threads.sh threads.json [OUTDIR]     (default: docs/perf)
#
# Writes OUTDIR/threads.png: left, the dense harvest in ns per entry by 1
# and T threads and the T-thread read floor (min..max as error bars);
# right, map and unmap in ns per page by 1 and T threads.
set -euo pipefail

json=${1:?usage: bench/plot_threads.sh THREADS.json [OUTDIR]}
out=${2:-docs/perf}
for tool in jq gnuplot; do
  command -v "$tool" >/dev/null || { echo "plot_threads.sh: $tool not found (apt-get install jq gnuplot-nox)" >&2; exit 1; }
done
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

t=$(jq -r '.threads' "$json")
la=$(jq -r '.loadavg_before | split(" ")[0:3] | join(" ")' "$json")
sub="$(jq -r '.gib' "$json") GiB of 4 KiB pages, medians of $(jq -r '.reps' "$json"); load average $la"

# rows OUT LABEL=OPERATION...: label, median, min, max
rows() {
  local file=$1
  shift
  for spec in "$@"; do
    jq -r --arg l "${spec%%=*}" --arg o "${spec#*=}" \
      '.records[] | select(.operation == $o) | [$l, .median, .min, .max] | @tsv' "$json"
  done > "$file"
}
rows "$tmp/h.dat" "1 thread=dense harvest, 1 thread" \
  "$t threads=dense harvest, T threads (shards)" \
  "$t-thread read floor=read floor, T threads (same table pages)"
rows "$tmp/m.dat" "map, 1=map 4K, 1 call per page, 1 thread" \
  "map, $t=map 4K, 1 call per page, T threads" \
  "unmap, 1=unmap 4K, 1 call per page, 1 thread" \
  "unmap, $t=unmap 4K, 1 call per page, T threads"

gnuplot <<EOF
set terminal pngcairo size 1100,500 font "DejaVu Sans,10" noenhanced
set output "$out/threads.png"
set datafile separator "\t"
set style fill solid 0.85 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set multiplot layout 1,2 title "genpt across threads (lower is better)\n$sub"
set title "dense harvest, every entry dirty"
set ylabel "ns / entry"
plot "$tmp/h.dat" using 0:2:xtic(1) with boxes lc rgb "#1f77b4" notitle, \
     '' using 0:2:3:4 with yerrorbars lc rgb "black" pt 0 notitle
set title "map / unmap by 1 and $t threads, one 4 KiB page per call, disjoint ranges"
set ylabel "ns / page (wall time / pages of all threads)"
plot "$tmp/m.dat" using 0:2:xtic(1) with boxes lc rgb "#2ca02c" notitle, \
     '' using 0:2:3:4 with yerrorbars lc rgb "black" pt 0 notitle
unset multiplot
EOF
echo "wrote $out/threads.png"
