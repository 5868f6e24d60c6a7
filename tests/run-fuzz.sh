#!/bin/sh
# run-fuzz.sh [--libfuzzer] BIN...   run fuzz targets; one summary line.
# run-fuzz.sh --have-libfuzzer CC    exit 0 when CC links -fsanitize=fuzzer.
#
# Each binary runs with its seed corpus (tests/fuzz/corpus/<name without
# fuzz_>/, when present).  The plain driver (fuzz_main.inc) runs its
# deterministic mutation loop (FUZZ_ITERS); a libFuzzer binary fuzzes for
# FUZZ_SECONDS (default 20) in a scratch corpus seeded from the committed
# one, and its final executions, coverage (cov, ft) and speed are printed
# per target.  A crash, a sanitizer report or a timeout (FUZZ_TIMEOUT per
# target, default 120 s) fails the run; libFuzzer's crash input is kept
# under $FUZZ_ARTIFACTS (default /tmp/croft-fuzz-artifacts).
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
limit=${FUZZ_TIMEOUT:-120}
seconds=${FUZZ_SECONDS:-20}
artifacts=${FUZZ_ARTIFACTS:-/tmp/croft-fuzz-artifacts}
mode=plain
pass=0
failed=""

if [ "${1:-}" = --have-libfuzzer ]; then
	cc=${2:-clang}
	command -v "$cc" >/dev/null 2>&1 || exit 1
	tmp=$(mktemp -d) || exit 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
		>"$tmp/t.c"
	"$cc" -fsanitize=fuzzer,address,undefined -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1
	rc=$?
	rm -rf "$tmp"
	exit $rc
fi
if [ "${1:-}" = --libfuzzer ]; then
	mode=libfuzzer
	shift
fi
if [ $# -eq 0 ]; then
	echo "fuzz: no targets given"
	exit 0
fi

run_plain() {
	bin=$1 corpus=$2
	set -- "$bin"
	[ -d "$corpus" ] && set -- "$bin" "$corpus"
	if command -v timeout >/dev/null 2>&1; then
		set -- timeout "$limit" "$@"
	fi
	"$@"
}

run_libfuzzer() {
	bin=$1 corpus=$2 name=$3
	work=$(mktemp -d) || return 1
	log="$work/log"
	mkdir -p "$work/corpus" "$artifacts"
	set -- "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$work/corpus"
	[ -d "$corpus" ] && set -- "$@" "$corpus"
	if command -v timeout >/dev/null 2>&1; then
		set -- timeout "$limit" "$@"
	fi
	"$@" >"$log" 2>&1
	rc=$?
	# The last status line: "#1234 DONE cov: 567 ft: 890 corp: ... exec/s: 61 ..."
	status=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	execs=$(printf '%s\n' "$status" | sed -n 's/^#\([0-9]*\).*/\1/p')
	cov=$(printf '%s\n' "$status" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$status" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	eps=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
	corp=$(ls "$work/corpus" | wc -l)
	echo "fuzz: $name: ${execs:-0} executions in ${seconds}s (${eps:-?} exec/s), cov: ${cov:-?}, ft: ${ft:-?}, corpus: $corp inputs"
	if [ $rc -ne 0 ]; then
		tail -n 60 "$log" >&2
	fi
	rm -rf "$work"
	return $rc
}

for bin in "$@"; do
	name=$(basename "$bin")
	corpus="$root/tests/fuzz/corpus/${name#fuzz_}"
	if [ $mode = libfuzzer ]; then
		run_libfuzzer "$bin" "$corpus" "$name"
	else
		run_plain "$bin" "$corpus"
	fi
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
	else
		echo "fuzz: $name FAILED (exit $rc)" >&2
		failed="$failed $name"
	fi
done

total=$((pass + $(echo "$failed" | wc -w)))
if [ -n "$failed" ]; then
	echo "fuzz ($mode): $pass/$total targets passed; failed:$failed"
	exit 1
fi
echo "fuzz ($mode): $pass/$total targets passed"
