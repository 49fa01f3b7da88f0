# bench/plot_setup.sh - sourced by bench/plot.sh and bench/plot_threads.sh
# (not run on its own): what both charts need before they read the JSON.

# plot_setup SCRIPT OUTDIR: jq and gnuplot found (else SCRIPT says which is
# missing and exits), OUTDIR made, $tmp a scratch folder removed on exit.
plot_setup() {
  local tool
  for tool in jq gnuplot; do
    command -v "$tool" >/dev/null || { echo "$1: $tool not found (apt-get install jq gnuplot-nox)" >&2; exit 1; }
  done
  mkdir -p "$2"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
}
