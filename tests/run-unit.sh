#!/bin/bash
# run-unit.sh BIN... — run cmocka test binaries and sum their results.
#
# Prints each binary's output, then exactly one closing line:
#   unit: N passed, M failed
# where N and M count individual cmocka tests (parsed from cmocka's
# "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)" lines, summed over
# groups).  A binary that crashes, times out or exits non-zero without
# reporting a failed test counts as one failed test.  Exits non-zero if any
# binary failed.
set -uo pipefail

TIMEOUT=${UNIT_TIMEOUT:-300}
export CMOCKA_MESSAGE_OUTPUT=stdout
unset CMOCKA_XML_FILE

passed=0
failed=0
bad_bins=()

if [ $# -eq 0 ]; then
	echo "run-unit: no test binaries given" >&2
fi

for bin in "$@"; do
	name=$(basename "$bin")
	echo "=== $name"
	if [ ! -x "$bin" ]; then
		echo "run-unit: $bin: not an executable" >&2
		failed=$((failed + 1))
		bad_bins+=("$name(missing)")
		continue
	fi
	out=$(mktemp)
	timeout --kill-after=10 "$TIMEOUT" "$bin" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test\(s\)\..*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
	f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test\(s\).*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
	rm -f "$out"
	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			why="timed out after ${TIMEOUT}s"
		elif [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128))"
		else
			why="exit status $rc"
		fi
		echo "run-unit: $name: $why"
		# A crash or a failed group setup leaves tests unreported.
		[ "$f" -eq 0 ] && f=1
		bad_bins+=("$name")
	elif [ "$f" -gt 0 ]; then
		bad_bins+=("$name")
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

if [ ${#bad_bins[@]} -gt 0 ]; then
	echo "run-unit: failing binaries: ${bad_bins[*]}"
fi
echo "unit: $passed passed, $failed failed"
[ ${#bad_bins[@]} -eq 0 ] && [ "$failed" -eq 0 ]
