#!/usr/bin/env python3
"""scripts/mutants/apply.py FILE SEARCH REPLACEMENT - plant one mutant.

Replaces the one occurrence of SEARCH in FILE by REPLACEMENT.  Exit
status 3 (FILE unchanged) when SEARCH is not there exactly once, so a
list that no longer matches the source is noticed, not silently skipped.
Used by scripts/mutate.sh and scripts/fuzz-race.sh.
"""
import sys

path, old, new = sys.argv[1:4]
with open(path) as f:
    s = f.read()
if s.count(old) != 1:
    sys.exit(3)
with open(path, 'w') as f:
    f.write(s.replace(old, new))
