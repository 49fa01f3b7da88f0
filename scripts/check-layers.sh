#!/bin/sh
# ctest's layers: the include graph must point down (docs/design.md,
# "Layers"):
#
#   tools (tools/, bench/)             public headers only (fuzz/ and test/
#                                      may look inside, as tests do)
#     -> hardware (lib/hw, genpt/hw.h, sim_iommu.h, riscv_iommu_model.h,
#        smmuv3_model.h)
#        public headers and its own lib/hw files only
#       -> engine (lib/core, lib/fmt, lib/mem, lib/drv, genpt/table.h,
#          mem.h, version.h, export.h, riscv_iommu_regs.h, riscv_iommu_drv.h,
#          smmuv3_regs.h, smmuv3_drv.h)
#
# Fails, naming file and line, when
#   - an engine file includes the hardware side or the tools;
#   - a hardware file includes engine internals (lib/core, lib/fmt,
#     lib/mem, lib/drv) or the driver helper (a driver and the device it
#     drives meet only at the registers and in memory) or the tools;
#   - a tool includes library internals (lib/...);
#   - an installed header names a document that is not installed.
# Usage: check-layers.sh [SOURCE_DIR]
set -eu
SRC=${1:-$(dirname "$0")/..}
cd "$SRC"
bad=0

# check FILES... -- REGEX WHY: every '#include "x"' of the files against REGEX.
check() {
	why=$1 re=$2
	shift 2
	for f in "$@"; do
		[ -f "$f" ] || continue
		grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
			grep -E "\"($re)\"" | while IFS= read -r l; do
			echo "layers: $f:$l: $why"
		done
	done
}

engine_files=$(find lib/core lib/fmt lib/mem lib/drv -name '*.[ch]' 2>/dev/null)
engine_hdrs="include/genpt/table.h include/genpt/mem.h include/genpt/version.h
	include/genpt/export.h include/genpt/riscv_iommu_regs.h include/genpt/riscv_iommu_drv.h
	include/genpt/smmuv3_regs.h include/genpt/smmuv3_drv.h"
hw_files=$(find lib/hw -name '*.[ch]')
hw_hdrs="include/genpt/hw.h include/genpt/sim_iommu.h include/genpt/riscv_iommu_model.h
	include/genpt/smmuv3_model.h"
tool_files=$(find tools bench -name '*.[ch]' 2>/dev/null)

out=$(
	# shellcheck disable=SC2086 # word splitting of the file lists
	check "the engine includes the hardware side or the tools" \
		'hw/.*|tools/.*|migrate/.*|genpt/(hw|sim_iommu|riscv_iommu_model|riscv_iommu|smmuv3_model|smmuv3|genpt)\.h' \
		$engine_files $engine_hdrs
	# shellcheck disable=SC2086
	check "the hardware includes engine internals, the driver helper or the tools" \
		'core/.*|fmt/.*|mem/.*|drv/.*|tools/.*|migrate/.*|genpt/(riscv_iommu_drv|riscv_iommu|smmuv3_drv|smmuv3|genpt)\.h' \
		$hw_files $hw_hdrs
	# shellcheck disable=SC2086
	check "a tool includes library internals (public headers only)" \
		'core/.*|fmt/.*|mem/.*|drv/.*|hw/.*|riscv_iommu/.*|smmuv3/.*' \
		$tool_files
)
if [ -n "$out" ]; then
	echo "$out"
	bad=1
fi

# Installed headers are all a user gets: no pointer to internal documents.
docs=$(grep -nE 'DESIGN\.md|docs/design\.md|/work/|shared/' include/genpt/*.h || true)
if [ -n "$docs" ]; then
	echo "$docs" | sed 's/^/layers: an installed header names an internal document: /'
	bad=1
fi

# shellcheck disable=SC2086 # lists of file names: split on purpose
n=$(echo $engine_files $engine_hdrs $hw_files $hw_hdrs $tool_files | wc -w)
if [ $bad -ne 0 ]; then
	echo "layers: FAILED"
	exit 1
fi
echo "layers: $n files, every include points down"
