#!/bin/sh
# ctest's package_consumer (cmake/GenptTests.cmake sets the environment):
# install the build into a fresh prefix under the build directory, check
# what landed there (headers, libraries, SONAME, CMake package, genpt.pc),
# then build examples/consumer against it both ways and run the programs:
#   - CMake: find_package(genpt 0.1 COMPONENTS engine hw) -> genpt::genpt,
#     genpt::genpt_static (main.c, the engine alone) and genpt::genpt_hw,
#     genpt::genpt_hw_static (main_hw.c, the full set), and
#     find_package(genpt <next major>) must fail (version file);
#   - pkg-config: examples/consumer/Makefile, genpt and genpt-hw, shared and
#     static;
#   - the engine alone: `cmake --install --component engine` into a second
#     prefix holds no hardware side, and main.c builds and runs against it
#     both ways.
# Environment: GENPT_SRC, GENPT_BUILD, GENPT_CC, GENPT_CFLAGS (e.g. the
# sanitizer flags the library was built with), GENPT_EMULATOR (cross runs:
# qemu), GENPT_TOOLCHAIN (cross: CMake toolchain file), GENPT_VERSION,
# GENPT_SOVERSION, GENPT_GENERATOR, GENPT_NM (the toolchain's nm).
set -eu
: "${GENPT_SRC:?}" "${GENPT_BUILD:?}" "${GENPT_CC:?}" "${GENPT_VERSION:?}" "${GENPT_SOVERSION:?}"
GENPT_CFLAGS=${GENPT_CFLAGS:-}
GENPT_EMULATOR=${GENPT_EMULATOR:-}
GENPT_TOOLCHAIN=${GENPT_TOOLCHAIN:-}

W=$GENPT_BUILD/package-test
P=$W/prefix
rm -rf "$W"
mkdir -p "$W"
fail() { echo "package-test: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "install into $P"
cmake --install "$GENPT_BUILD" --prefix "$P" >"$W/install.log" 2>&1 ||
	{ cat "$W/install.log"; fail "cmake --install failed"; }

step "installed files"
so=$(find "$P" -name "libgenpt.so.$GENPT_VERSION" | head -1)
[ -n "$so" ] || fail "no libgenpt.so.$GENPT_VERSION"
libdir=$(dirname "$so")
for f in "$P/include/genpt/genpt.h" "$P/include/genpt/table.h" "$P/include/genpt/mem.h" \
	 "$P/include/genpt/version.h" "$P/include/genpt/export.h" \
	 "$libdir/libgenpt.a" "$libdir/libgenpt.so" "$libdir/libgenpt.so.$GENPT_SOVERSION" \
	 "$libdir/cmake/genpt/genptConfig.cmake" "$libdir/cmake/genpt/genptConfigVersion.cmake" \
	 "$libdir/cmake/genpt/genptTargets.cmake" "$libdir/pkgconfig/genpt.pc"; do
	[ -e "$f" ] || fail "missing $f"
done
[ "$(readlink "$libdir/libgenpt.so")" = "libgenpt.so.$GENPT_SOVERSION" ] ||
	fail "libgenpt.so -> $(readlink "$libdir/libgenpt.so")"
[ "$(readlink "$libdir/libgenpt.so.$GENPT_SOVERSION")" = "libgenpt.so.$GENPT_VERSION" ] ||
	fail "libgenpt.so.$GENPT_SOVERSION -> $(readlink "$libdir/libgenpt.so.$GENPT_SOVERSION")"
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libgenpt.so.$GENPT_SOVERSION" ] || fail "SONAME '$soname'"
echo "SONAME $soname; libdir $libdir"
# The hardware side: its own library, SONAME, headers and package files.
hwso=$libdir/libgenpt_hw.so.$GENPT_VERSION
for f in "$hwso" "$libdir/libgenpt_hw.a" "$libdir/libgenpt_hw.so" "$P/include/genpt/hw.h" \
	 "$P/include/genpt/riscv_iommu_model.h" "$P/include/genpt/riscv_iommu_drv.h" \
	 "$P/include/genpt/riscv_iommu_regs.h" "$libdir/cmake/genpt/genptHwTargets.cmake" \
	 "$libdir/pkgconfig/genpt-hw.pc"; do
	[ -e "$f" ] || fail "missing $f"
done
hwsoname=$(readelf -d "$hwso" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$hwsoname" = "libgenpt_hw.so.$GENPT_SOVERSION" ] || fail "libgenpt_hw SONAME '$hwsoname'"
readelf -d "$hwso" | grep -q "NEEDED.*libgenpt.so.$GENPT_SOVERSION" ||
	fail "libgenpt_hw.so does not need libgenpt.so.$GENPT_SOVERSION"
! readelf -d "$so" | grep -q 'NEEDED.*libgenpt_hw' || fail "libgenpt.so needs libgenpt_hw"
echo "SONAME $hwsoname (needs libgenpt.so.$GENPT_SOVERSION)"

step "installed documentation"
# Every function and variable the library exports has its man page; each
# page and the overview render without a groff warning; the reference and
# the guides are under share/doc/genpt.
mandir=$P/share/man/man3
docdir=$P/share/doc/genpt
[ -f "$mandir/genpt.3" ] || fail "missing $mandir/genpt.3"
syms=$(${GENPT_NM:-nm} -D --defined-only "$so" "$hwso" | awk '$3 ~ /^genpt_/ { print $3 }' | sort -u)
[ -n "$syms" ] || fail "no genpt_* symbols in $so"
nman=0
for s in $syms; do
	[ -f "$mandir/$s.3" ] || fail "no man page for $s ($mandir/$s.3)"
	nman=$((nman + 1))
done
if command -v man >/dev/null 2>&1; then
	for f in "$mandir/genpt.3" "$mandir/genpt_map.3" "$mandir/genpt_rvdrv_attach.3"; do
		w=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null) || fail "man -l $f failed"
		[ -z "$w" ] || fail "man -l $f: $w"
	done
	# `man genpt_map` as a user runs it, from the installed tree
	MANPATH=$P/share/man man -w genpt_map | grep -q "^$mandir/genpt_map.3" ||
		fail "man genpt_map does not find $mandir/genpt_map.3"
	MANWIDTH=80 MANPATH=$P/share/man man genpt_map 2>/dev/null | grep -q '^ERRORS' ||
		fail "man genpt_map has no ERRORS section"
fi
for f in html/index.html html/table_8h.html README.md guide.md api.md migration.md \
	 reference.md performance.md perf/map.png; do
	[ -f "$docdir/$f" ] || fail "missing $docdir/$f"
done
[ ! -e "$docdir/design.md" ] || fail "$docdir/design.md is not for users"
grep -q 'genpt_map' "$docdir/html/table_8h.html" || fail "the reference lacks genpt_map"
echo "$nman man pages (every exported symbol) + genpt.3; reference and guides in $docdir"

run() {
	echo "-- run $*"
	# shellcheck disable=SC2086 # GENPT_EMULATOR is a command line
	$GENPT_EMULATOR "$@" || fail "$* failed"
}

cmake_consumer() { # DIR VERSION
	# shellcheck disable=SC2086
	cmake -S "$GENPT_SRC/examples/consumer" -B "$1" ${GENPT_GENERATOR:+-G "$GENPT_GENERATOR"} \
		-DCMAKE_PREFIX_PATH="$P" -Dgenpt_DIR="$libdir/cmake/genpt" \
		-DCMAKE_C_COMPILER="$GENPT_CC" -DCMAKE_C_FLAGS="$GENPT_CFLAGS" \
		-DCMAKE_EXE_LINKER_FLAGS="$GENPT_CFLAGS" -DGENPT_REQUIRE_VERSION="$2" \
		${GENPT_TOOLCHAIN:+-DCMAKE_TOOLCHAIN_FILE="$GENPT_TOOLCHAIN"}
}

step "find_package(genpt $GENPT_VERSION)"
cmake_consumer "$W/cmake" "$GENPT_VERSION" >"$W/cmake.log" 2>&1 ||
	{ cat "$W/cmake.log"; fail "consumer configure failed"; }
grep 'genpt .* from' "$W/cmake.log" || true
cmake --build "$W/cmake" >>"$W/cmake.log" 2>&1 ||
	{ cat "$W/cmake.log"; fail "consumer build failed"; }
run "$W/cmake/consumer_shared"
run "$W/cmake/consumer_static"
run "$W/cmake/consumer_hw_shared"
run "$W/cmake/consumer_hw_static"
if command -v readelf >/dev/null; then
	readelf -d "$W/cmake/consumer_shared" | grep -q "NEEDED.*libgenpt.so.$GENPT_SOVERSION" ||
		fail "consumer_shared does not need libgenpt.so.$GENPT_SOVERSION"
	! readelf -d "$W/cmake/consumer_shared" | grep -q 'NEEDED.*libgenpt_hw' ||
		fail "consumer_shared (the engine alone) needs libgenpt_hw.so"
	readelf -d "$W/cmake/consumer_hw_shared" | grep -q "NEEDED.*libgenpt_hw.so.$GENPT_SOVERSION" ||
		fail "consumer_hw_shared does not need libgenpt_hw.so.$GENPT_SOVERSION"
	! readelf -d "$W/cmake/consumer_static" | grep -q 'NEEDED.*libgenpt' ||
		fail "consumer_static needs libgenpt.so"
	! readelf -d "$W/cmake/consumer_hw_static" | grep -q 'NEEDED.*libgenpt' ||
		fail "consumer_hw_static needs a libgenpt*.so"
fi

next=$((GENPT_SOVERSION + 1)).0
step "find_package(genpt $next) must fail"
if cmake_consumer "$W/cmake-next" "$next" >"$W/cmake-next.log" 2>&1; then
	cat "$W/cmake-next.log"
	fail "find_package(genpt $next) accepted version $GENPT_VERSION"
fi
grep -q 'genptConfigVersion.cmake' "$W/cmake-next.log" || grep -q "version" "$W/cmake-next.log" ||
	{ cat "$W/cmake-next.log"; fail "find_package(genpt $next) failed for another reason"; }

step "pkg-config"
mkdir -p "$W/pc"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig" # only this prefix
[ "$(pkg-config --modversion genpt)" = "$GENPT_VERSION" ] ||
	fail "pkg-config --modversion genpt: $(pkg-config --modversion genpt)"
echo "cflags: $(pkg-config --cflags genpt)  libs: $(pkg-config --libs genpt)"
make -C "$W/pc" -f "$GENPT_SRC/examples/consumer/Makefile" CC="$GENPT_CC" \
	CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror $GENPT_CFLAGS" \
	LDFLAGS="$GENPT_CFLAGS -Wl,-rpath,$libdir" >"$W/pc.log" 2>&1 ||
	{ cat "$W/pc.log"; fail "pkg-config build failed"; }
run "$W/pc/consumer_pc"
run "$W/pc/consumer_pc_static"
run "$W/pc/consumer_hw_pc"
run "$W/pc/consumer_hw_pc_static"
unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR

step "the engine alone (cmake --install --component engine)"
E=$W/engine-prefix
cmake --install "$GENPT_BUILD" --prefix "$E" --component engine >"$W/install-engine.log" 2>&1 ||
	{ cat "$W/install-engine.log"; fail "cmake --install --component engine failed"; }
elib=$E/${libdir#"$P"/}
for f in "$elib/libgenpt.so.$GENPT_VERSION" "$elib/libgenpt.a" "$E/include/genpt/table.h" \
	 "$E/include/genpt/riscv_iommu_drv.h" "$elib/pkgconfig/genpt.pc"; do
	[ -e "$f" ] || fail "engine component: missing $f"
done
for f in "$elib/libgenpt_hw.so.$GENPT_VERSION" "$elib/libgenpt_hw.a" "$E/include/genpt/hw.h" \
	 "$E/include/genpt/riscv_iommu_model.h" "$elib/pkgconfig/genpt-hw.pc"; do
	[ ! -e "$f" ] || fail "engine component: $f is the hardware side's"
done
# shellcheck disable=SC2086
cmake -S "$GENPT_SRC/examples/consumer" -B "$W/cmake-engine" ${GENPT_GENERATOR:+-G "$GENPT_GENERATOR"} \
	-DCMAKE_PREFIX_PATH="$E" -Dgenpt_DIR="$elib/cmake/genpt" -DENGINE_ONLY=ON \
	-DCMAKE_C_COMPILER="$GENPT_CC" -DCMAKE_C_FLAGS="$GENPT_CFLAGS" \
	-DCMAKE_EXE_LINKER_FLAGS="$GENPT_CFLAGS" \
	${GENPT_TOOLCHAIN:+-DCMAKE_TOOLCHAIN_FILE="$GENPT_TOOLCHAIN"} >"$W/cmake-engine.log" 2>&1 &&
	cmake --build "$W/cmake-engine" >>"$W/cmake-engine.log" 2>&1 ||
	{ cat "$W/cmake-engine.log"; fail "engine-only consumer build failed"; }
run "$W/cmake-engine/consumer_shared"
run "$W/cmake-engine/consumer_static"
mkdir -p "$W/pc-engine"
PKG_CONFIG_PATH="$elib/pkgconfig" PKG_CONFIG_LIBDIR="$elib/pkgconfig" \
	make -C "$W/pc-engine" -f "$GENPT_SRC/examples/consumer/Makefile" engine CC="$GENPT_CC" \
	CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror $GENPT_CFLAGS" \
	LDFLAGS="$GENPT_CFLAGS -Wl,-rpath,$elib" >"$W/pc-engine.log" 2>&1 ||
	{ cat "$W/pc-engine.log"; fail "engine-only pkg-config build failed"; }
run "$W/pc-engine/consumer_pc"
run "$W/pc-engine/consumer_pc_static"
echo "package-test: ok"
