#!/bin/sh
# ctest's function_length: no function in lib/ or tools/ is longer than
# 80 lines (from the line naming it to its closing brace).  A function is
# a line at column 0 that names one, "{" alone at column 0 opening its
# body, "}" at column 0 closing it (the kernel style the sources use).
# Usage: check-function-length.sh [SOURCE_DIR] [MAX]
set -eu
SRC=${1:-$(dirname "$0")/..}
MAX=${2:-80}
cd "$SRC"
# shellcheck disable=SC2046 # the file list
out=$(awk -v max="$MAX" '
	FNR == 1 { name = ""; start = 0; inbody = 0 }
	!inbody && /^[A-Za-z_].*\(/ && !/;[ \t]*$/ && !/^#/ {
		name = $0; start = FNR
	}
	!inbody && /^\{/ && start { inbody = 1 }
	inbody && /^\}/ {
		n = FNR - start + 1
		if (n > max) {
			sub(/\(.*/, "", name)
			printf "%s:%d: %s: %d lines (at most %d)\n", FILENAME, start, name, n, max
		}
		inbody = 0; start = 0
	}
' $(find lib tools -name '*.c' -o -name '*.h' | sort))
if [ -n "$out" ]; then
	echo "$out"
	echo "function_length: FAILED"
	exit 1
fi
echo "function_length: every function in lib/ and tools/ is at most $MAX lines"
