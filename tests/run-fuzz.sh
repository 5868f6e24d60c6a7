#!/bin/sh
# Run each fuzz binary given as an argument with its seed corpus
# (tests/fuzz/corpus/<name without fuzz_>/, when present).  Each binary runs
# its deterministic mutation loop (FUZZ_ITERS, default 20000); a crash, a
# sanitizer report or a timeout fails the run.  Prints one summary line.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
limit=${FUZZ_TIMEOUT:-120}
pass=0
failed=""

if [ $# -eq 0 ]; then
	echo "fuzz: no targets given"
	exit 0
fi

for bin in "$@"; do
	name=$(basename "$bin")
	corpus="$root/tests/fuzz/corpus/${name#fuzz_}"
	set -- "$bin"
	[ -d "$corpus" ] && set -- "$bin" "$corpus"
	if command -v timeout >/dev/null 2>&1; then
		set -- timeout "$limit" "$@"
	fi
	if "$@"; then
		pass=$((pass + 1))
	else
		echo "fuzz: $name FAILED (exit $?)" >&2
		failed="$failed $name"
	fi
done

total=$((pass + $(echo "$failed" | wc -w)))
if [ -n "$failed" ]; then
	echo "fuzz: $pass/$total targets passed; failed:$failed"
	exit 1
fi
echo "fuzz: $pass/$total targets passed"
