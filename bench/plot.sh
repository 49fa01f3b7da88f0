#!/usr/bin/env bash
# bench/plot.sh - PNG charts from genpt_bench's JSON (gnuplot and jq, both
# Debian packages: apt-get install gnuplot-nox jq).
#
#   build/release/bench/genpt_bench --json bench.json
#   build/release/bench/genpt_harvest_sweep --json sweep.json
#   bench/plot.sh bench.json [OUTDIR] [sweep.json]   (default: docs/perf)
#
# Writes into OUTDIR:
#   harvest_floor.png     every harvest as a ratio to the bandwidth floor,
#                         per format, with the targets (1.05x clean, 1.2x dense)
#   harvest_baseline.png  harvest ns/entry: genpt against the baseline walk
#   map.png               map/unmap ns per page, per format (log scale)
#   lookup.png            iova_to_phys ns/call: genpt against the baseline
#   large.png             recording large leaves into a 4 KiB bitmap, ns/leaf
#                         and the floor
#   iommu.png             the RISC-V IOMMU model's translate
#   alloc.png             table-page providers
#   harvest_guest.png     whole-guest harvest time against guest size, per
#                         dirty share (with sweep.json; measured)
#   harvest_share.png     harvest time against the dirty share at one guest
#                         size (with sweep.json; measured)
# and OUTDIR/table.md, the markdown table docs/performance.md shows.
set -euo pipefail

json=${1:?usage: bench/plot.sh RESULTS.json [OUTDIR] [SWEEP.json]}
out=${2:-docs/perf}
sweep=${3:-}
# shellcheck source=bench/plot_setup.sh
. "$(dirname "$0")/plot_setup.sh"
plot_setup plot.sh "$out"

cpu=$(jq -r '.machine.cpu' "$json")
date=$(jq -r '.date' "$json")
rd=$(jq -r '.read_gbs' "$json")
subtitle="$cpu, $date, read bandwidth $(printf '%.1f' "$rd") GB/s (medians; min..max in table.md)"

# formats that have harvest figures, in run order
jq -r '[.records[] | select(.operation == "harvest, all dirty" and (.is_baseline | not)) | .format] | .[]' \
  "$json" > "$tmp/formats"

# value FORMAT OPERATION FIELD: one number (or "NaN")
value() {
  jq -r --arg f "$1" --arg o "$2" --arg k "$3" \
    '[.records[] | select(.format == $f and .operation == $o)][0][$k] // "NaN"' "$json"
}

# table OUT COLUMN-OP... : one row per format, one column per operation
# (the field is given as OP@FIELD, default median)
table() {
  local file=$1
  shift
  {
    printf 'format'
    for spec in "$@"; do printf '\t"%s"' "${spec%%@*}"; done
    printf '\n'
    while read -r f; do
      printf '%s' "$f"
      for spec in "$@"; do
        local op=${spec%%@*} field=median
        [ "$op" != "$spec" ] && field=${spec#*@}
        printf '\t%s' "$(value "$f" "$op" "$field")"
      done
      printf '\n'
    done < "$tmp/formats"
  } > "$file"
}

# common TITLE [ROWS]: the settings every chart shares.  The legend sits
# above the plot, outside it, so it never covers a bar; x labels are
# rotated about their right end, so the last one ends at its tick instead
# of running off the image; every data file's first line is its header
# (never a cluster of its own, also where a series has an explicit title);
# with ROWS (the number of clusters) the x range
# fits them exactly, with no empty slot at either side.
common() {
  cat <<EOF
set terminal pngcairo size 1100,600 font "DejaVu Sans,10" noenhanced
set datafile separator "\t"
set datafile columnheaders
set bmargin 9
set lmargin 12
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside top center horizontal samplen 2 width 1
set grid ytics
set xtics rotate by 30 right nomirror
set title "$1\n$subtitle"
EOF
  if [ -n "${2:-}" ]; then
    echo "set xrange [-0.6:$2 - 0.4]"
  fi
}

# rows FILE: data rows of a table file (its header line aside)
rows() {
  echo $(( $(wc -l < "$1") - 1 ))
}

# 1. harvest / floor
table "$tmp/floor.dat" "harvest, all dirty@ratio" "harvest, 1% dirty@ratio" \
  "harvest, none dirty@ratio" "harvest NO_CLEAR, all dirty@ratio"
{
  common "dirty harvest over 128 MiB of leaf entries: time / bandwidth floor (lower is better)" "$(rows "$tmp/floor.dat")"
  cat <<EOF
set output "$out/harvest_floor.png"
set ylabel "x floor (log scale)"
set logscale y
set yrange [0.5:*]
set rmargin 17
set arrow 1 from graph 0, first 1.2 to graph 1, first 1.2 nohead dt 2 lc rgb "red"
set arrow 2 from graph 0, first 1.05 to graph 1, first 1.05 nohead dt 3 lc rgb "dark-green"
set label 1 "dense target 1.2x" at graph 1, first 1.2 left offset 1,0.4 tc rgb "red" front
set label 2 "clean target 1.05x" at graph 1, first 1.05 left offset 1,-0.4 tc rgb "dark-green" front
plot "$tmp/floor.dat" using 2:xtic(1) title columnhead, '' using 3 title columnhead, \
     '' using 4 title columnhead, '' using 5 title columnhead
EOF
} | gnuplot

# 2. harvest: genpt vs baseline
table "$tmp/base.dat" "harvest, all dirty" "baseline: harvest, all dirty" \
  "harvest, none dirty" "baseline: harvest, none dirty" \
  "harvest, 1% dirty" "baseline: harvest, 1% dirty"
{
  common "dirty harvest, ns per entry: genpt and the recursive baseline walk on the same table" "$(rows "$tmp/base.dat")"
  cat <<EOF
set output "$out/harvest_baseline.png"
set ylabel "ns / entry"
set yrange [0:*]
plot "$tmp/base.dat" using 2:xtic(1) title columnhead lc rgb "#1f77b4", \
     '' using 3 title columnhead lc rgb "#aec7e8", \
     '' using 4 title columnhead lc rgb "#2ca02c", '' using 5 title columnhead lc rgb "#98df8a", \
     '' using 6 title columnhead lc rgb "#d62728", '' using 7 title columnhead lc rgb "#ff9896"
EOF
} | gnuplot

# 3. map / unmap per page
table "$tmp/map.dat" "map 1 page" "unmap 1 page" "map 256 pages, one call, per page" \
  "map (tables allocated)" "unmap (tables freed)" "baseline: map 256 pages, one call, per page"
{
  common "map / unmap, ns per granule page (log scale; target: 256 pages in one call < 2 ns/page)" "$(rows "$tmp/map.dat")"
  cat <<EOF
set output "$out/map.png"
set ylabel "ns / page"
set logscale y
set yrange [0.1:*]
set arrow 1 from graph 0, first 2 to graph 1, first 2 nohead dt 2 lc rgb "red"
plot "$tmp/map.dat" using 2:xtic(1) title "map 1 page (one call)", \
     '' using 3 title "unmap 1 page", '' using 4 title "map 256 pages in one call", \
     '' using 5 title "map 1 GiB of pages (+ tables)", '' using 6 title "unmap 1 GiB (+ tables)", \
     '' using 7 title "baseline: 256 one-page calls"
EOF
} | gnuplot

# 4. lookups
table "$tmp/lookup.dat" "iova_to_phys, random address" "baseline: iova_to_phys, random address"
{
  common "iova_to_phys at random addresses of 1 GiB of pages, ns per call" "$(rows "$tmp/lookup.dat")"
  cat <<EOF
set output "$out/lookup.png"
set ylabel "ns / call"
set yrange [0:*]
plot "$tmp/lookup.dat" using 2:xtic(1) title "genpt_iova_to_phys", \
     '' using 3 title "baseline walk from the root"
EOF
} | gnuplot

# 5. large leaves into a 4K bitmap (first and second record per format)
{
  printf 'leaf\t"genpt"\t"baseline"\t"floor"\n'
  jq -r '.records[] | select(.operation == "harvest into a 4K bitmap, all dirty" and (.is_baseline | not))
         | [(.format + " " + (.size | split(",")[0])), .median, .baseline, .floor] | @tsv' "$json"
} > "$tmp/large.dat"
{
  common "large leaves recorded into a 4 KiB-page bitmap, ns per leaf (log scale)" "$(rows "$tmp/large.dat")"
  cat <<EOF
set output "$out/large.png"
set lmargin 22
set ylabel "ns / leaf"
set logscale y
plot "$tmp/large.dat" using 2:xtic(1) title columnhead, '' using 3 title columnhead, \
     '' using 4 title columnhead
EOF
} | gnuplot

# 6. IOMMU model
{
  printf 'op\t"ns"\n'
  jq -r '.records[] | select(.format == "riscv-iommu") | [.operation, .median] | @tsv' "$json"
} > "$tmp/iommu.dat"
if [ "$(wc -l < "$tmp/iommu.dat")" -gt 1 ]; then
  {
    common "RISC-V IOMMU model: genpt_rviommu_translate, ns per call" "$(rows "$tmp/iommu.dat")"
    cat <<EOF
set output "$out/iommu.png"
set ylabel "ns / translation"
set yrange [0:*]
set key off
plot "$tmp/iommu.dat" using 2:xtic(1) title columnhead
EOF
  } | gnuplot
fi

# 7. allocators: one row per provider
{
  printf 'provider\t"alloc one page"\t"free one page"\t"Sv48 map, per 4K page"\t"Sv48 unmap, per 4K page"\n'
  jq -r '[.records[] | select(.format == "alloc" and (.operation | startswith("table page alloc: ")))
          | .operation | sub("table page alloc: "; "")] | .[]' "$json" |
  while read -r p; do
    printf '%s' "$p"
    for op in "table page alloc: $p" "table page free: $p" "Sv48 map: $p" "Sv48 unmap: $p"; do
      printf '\t%s' "$(value alloc "$op" median)"
    done
    printf '\n'
  done
} > "$tmp/alloc.dat"
if [ "$(wc -l < "$tmp/alloc.dat")" -gt 1 ]; then
  {
    common "table pages through each provider, ns (log scale)" "$(rows "$tmp/alloc.dat")"
    cat <<EOF
set output "$out/alloc.png"
set ylabel "ns"
set logscale y
set xtics norotate
plot "$tmp/alloc.dat" using 2:xtic(1) title columnhead, '' using 3 title columnhead, \
     '' using 4 title columnhead, '' using 5 title columnhead
EOF
  } | gnuplot
fi

# 8. Measured: whole-guest harvest time against guest size and dirty share
# (genpt_harvest_sweep's JSON, the optional third argument).
if [ -n "$sweep" ]; then
  ssub="riscv-sv48x4, median of $(jq -r '.reps' "$sweep") harvests (bars: min..max), loadavg $(jq -r '.loadavg_before' "$sweep" | cut -d' ' -f1-3)"
  series="4K:0 4K:1 4K:10 4K:100 2M:100"
  {
    printf 'guest'
    for s in $series; do printf '\t"%s leaves, %s%% dirty"\t"min"\t"max"' "${s%%:*}" "${s#*:}"; done
    printf '\n'
    jq -r '[.records[] | select(.dirty_pct == 100 and .leaf == "4K") | .guest_gib] | .[]' "$sweep" |
    while read -r g; do
      printf '%s' "$g"
      for s in $series; do
        jq -r --argjson g "$g" --arg l "${s%%:*}" --argjson p "${s#*:}" \
          '[.records[] | select(.guest_gib == $g and .leaf == $l and .dirty_pct == $p)][0]
           | "\t\(.median_ms)\t\(.min_ms)\t\(.max_ms)"' "$sweep" | tr -d '\n'
      done
      printf '\n'
    done
  } > "$tmp/guest.dat"
  {
    common "whole-guest dirty harvest time against guest size (ms, log-log), measured"
    cat <<EOF
set output "$out/harvest_guest.png"
set style data yerrorlines
set logscale xy
set xtics norotate ("1 GiB" 1, "2 GiB" 2, "4 GiB" 4, "8 GiB" 8, "16 GiB" 16, "32 GiB" 32, "64 GiB" 64)
set offsets graph 0.04, graph 0.04, 0, 0
set xlabel "guest memory (every page a 4 KiB leaf, or 2 MiB leaves)"
set ylabel "ms per harvest of the whole guest"
set bmargin 5
set title "whole-guest dirty harvest time against guest size (ms, log-log), measured\n$ssub"
plot "$tmp/guest.dat" using 1:2:3:4 title columnhead(2) lw 2, '' using 1:5:6:7 title columnhead(5) lw 2, \
     '' using 1:8:9:10 title columnhead(8) lw 2, '' using 1:11:12:13 title columnhead(11) lw 2, \
     '' using 1:14:15:16 title columnhead(14) lw 2 dt 2
EOF
  } | gnuplot
  share_gib=$(jq -r '[.records[] | select(.dirty_pct == 0.5)][0].guest_gib' "$sweep")
  {
    printf 'pct\t"median"\t"min"\t"max"\n'
    jq -r --argjson g "$share_gib" '[.records[] | select(.guest_gib == $g and .leaf == "4K")]
      | sort_by(.dirty_pct) | .[] | "\(.dirty_pct)\t\(.median_ms)\t\(.min_ms)\t\(.max_ms)"' "$sweep"
  } > "$tmp/share.dat"
  {
    common "share"
    cat <<EOF
set output "$out/harvest_share.png"
set style data yerrorlines
set key off
set xtics norotate ("0" 0, "10" 10, "25" 25, "50" 50, "75" 75, "100" 100)
set xrange [-2:102]
set yrange [0:*]
set xlabel "dirty pages, % of the guest (scattered)"
set ylabel "ms per harvest"
set bmargin 5
set title "harvest time of a $share_gib GiB guest (4 KiB leaves) against the share of pages dirtied, measured\n$ssub"
plot "$tmp/share.dat" using 1:2:3:4 lw 2 pt 7
EOF
  } | gnuplot
fi

# The table for docs/performance.md: every figure but the baselines, which
# appear as their own column.
jq -r '
  def n: if . == null then "-" elif . >= 100 then (. * 1 | floor | tostring)
         elif . >= 10 then ((. * 10 | round) / 10 | tostring)
         else ((. * 100 | round) / 100 | tostring) end;
  "| format | operation | size | unit | median | min..max | x floor | baseline | x baseline |",
  "|---|---|---|---|---:|---:|---:|---:|---:|",
  (.records[] | select(.is_baseline | not) |
   "| \(.format) | \(.operation) | \(.size) | \(.unit) | \(.median | n) | \(.min | n)..\(.max | n) | " +
   (if .ratio_to == "floor" then (.ratio | n) else "-" end) + " | \(.baseline | n) | \(.vs_baseline | n) |")
' "$json" > "$out/table.md"

echo "plot.sh: charts and table.md in $out"
