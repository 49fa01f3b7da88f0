#!/bin/sh
# ctest's subproject_build (cmake/GenptTests.cmake sets the environment):
# build test/subproject, a parent project that pulls genpt in with
# add_subdirectory(), in Release (-O3) with the parent's own warning flags
# and without GENPT_WERROR, then check that
#   - the build printed no compiler warning at all (genpt's code included),
#   - genpt's developer-only parts stayed off (no test binaries built),
#   - both programs (shared and static genpt) run.
# Environment: GENPT_SRC, GENPT_BUILD (work dir goes under it), GENPT_CC,
# GENPT_GENERATOR; GENPT_SUBPROJECT_TYPE picks the build type (Release).
set -eu
: "${GENPT_SRC:?}" "${GENPT_BUILD:?}" "${GENPT_CC:?}"
W=$GENPT_BUILD/subproject-test
type=${GENPT_SUBPROJECT_TYPE:-Release}
rm -rf "$W"
mkdir -p "$W"
fail() { echo "subproject-test: $*" >&2; exit 1; }

echo "== configure ($type, CC=$GENPT_CC, parent flags -Wall -Wextra)"
# shellcheck disable=SC2086
cmake -S "$GENPT_SRC/test/subproject" -B "$W/b" ${GENPT_GENERATOR:+-G "$GENPT_GENERATOR"} \
	-DGENPT_SOURCE_DIR="$GENPT_SRC" -DCMAKE_BUILD_TYPE="$type" \
	-DCMAKE_C_COMPILER="$GENPT_CC" -DCMAKE_C_FLAGS="-Wall -Wextra" \
	>"$W/configure.log" 2>&1 || { cat "$W/configure.log"; fail "configure failed"; }
echo "== build"
t0=$(date +%s)
cmake --build "$W/b" -j2 >"$W/build.log" 2>&1 || { cat "$W/build.log"; fail "build failed"; }
echo "built in $(( $(date +%s) - t0 ))s"
if grep -n 'warning:' "$W/build.log"; then
	fail "the build printed warnings (above)"
fi
# GENPT_WERROR is genpt's developer option: off for a parent.
if grep -qs -- '-Werror' "$W/b/genpt/CMakeFiles/genpt_static.dir/flags.make"; then
	fail "genpt compiled with -Werror inside a parent project"
fi
for t in test_fmt_map genpt_bench genpt_migrate genpt_demo; do
	[ -z "$(find "$W/b" -name "$t" -type f)" ] || fail "$t built inside a parent project"
done
echo "-- run parent_shared, parent_static"
"$W/b/parent_shared" || fail "parent_shared failed"
"$W/b/parent_static" || fail "parent_static failed"
echo "subproject-test: ok"
