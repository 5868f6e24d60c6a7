#!/bin/bash
# run-integration.sh BUILD — run every tests/integration/test_*.sh, two at a
# time (ITEST_JOBS), the few that measure the host alone.
#
# Each script runs with BUILD exported, under a timeout (ITEST_TIMEOUT,
# default 600 s).  Sub-cases reported by lib.sh (t_begin/t_end) are counted;
# a script that reports none counts as one case.  A script that fails, dies
# or times out without reporting a failed sub-case counts as one failure.
# Ends with exactly one line:  integration: N passed, M failed
set -uo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD [TEST-NAME-PATTERN]" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "run-integration: must be run as root (QEMU runs as croft-qemu, networking needs CAP_NET_ADMIN)" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd) || exit 2
export BUILD
FILTER=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
TIMEOUT=${ITEST_TIMEOUT:-600}

# After a script was killed, its own teardown may not have run: stop its
# croftd, kill its QEMUs and remove its temp dir (recorded by lib.sh).
cleanup_after() {
	local res=$1 kind val pid pf cmd p u uuids
	while read -r kind val; do
		case "$kind" in
		croftd)
			if [ -n "$val" ] && [ -r "/proc/$val/cmdline" ] &&
				tr '\0' ' ' 2>/dev/null <"/proc/$val/cmdline" | grep -q croftd; then
				kill -KILL "$val" 2>/dev/null
			fi ;;
		netns)
			case "$val" in croft-[hu][0-9]*) ;; *) continue ;; esac
			ip netns list 2>/dev/null | grep -q "^$val\b" || continue
			for pid in $(ip netns pids "$val" 2>/dev/null); do
				kill -KILL "$pid" 2>/dev/null
			done
			sleep 0.2
			ip netns del "$val" 2>/dev/null ;;
		tmpdir)
			[ -d "$val" ] || continue
			[ -n "${ITEST_KEEP:-}" ] && continue
			case "$val" in /tmp/ct.*) ;; *) continue ;; esac
			for pf in "$val"/run/vm/*/qemu.pid; do
				[ -s "$pf" ] || continue
				pid=$(tr -dc '0-9' <"$pf")
				[ -n "$pid" ] || continue
				cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
				case "$cmd" in *qemu-system*) kill -KILL "$pid" 2>/dev/null ;; esac
			done
			# QEMU names no path of the test's dir: known by its VMs' uuids
			uuids=" $(sqlite3 "$val/state/croft.db" 'SELECT uuid FROM vms' 2>/dev/null | tr '\n' ' ')"
			for p in /proc/[0-9]*; do
				cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
				case "$cmd" in *qemu-system*"$val/"*) kill -KILL "${p#/proc/}" 2>/dev/null; continue ;; esac
				case "$cmd" in *qemu-system*" -uuid "*) ;; *) continue ;; esac
				u=${cmd#* -uuid }
				u=${u%% *}
				case "$uuids" in *" $u "*) kill -KILL "${p#/proc/}" 2>/dev/null ;; esac
			done
			sleep 0.2
			rm -rf "$val" ;;
		esac
	done <"$res"
}

# Tests that measure the host (CPU ready time, KSM and host memory) or load
# it heavily run alone; the rest run ITEST_JOBS at a time (default 2; each
# has its own croftd, temp dir, netns and tmux socket).
SERIAL=" test_balloon test_monitor "
JOBS=${ITEST_JOBS:-2}
case "$JOBS" in '' | *[!0-9]* | 0) JOBS=1 ;; esac

passed=0
failed=0
failed_scripts=()
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# run_one NAME SCRIPT: output to $OUT/NAME.out, "rc pass fail secs" to .sum
run_one() {
	local name=$1 t=$2 res start rc p f secs
	res=$(mktemp)
	start=$SECONDS
	{
		echo "=== $name"
		ITEST_RESULTS=$res timeout --kill-after=30 "$TIMEOUT" bash "$t"
		rc=$?
		secs=$((SECONDS - start))
		p=$(grep -c '^pass ' "$res")
		f=$(grep -c '^fail ' "$res")
		if [ "$rc" -ne 0 ]; then
			if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
				echo "run-integration: $name timed out after ${TIMEOUT}s"
			fi
			[ "$f" -eq 0 ] && f=1
		elif [ "$f" -eq 0 ] && [ "$p" -eq 0 ]; then
			p=1
		fi
		cleanup_after "$res"
		if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ]; then
			echo "--- $name: ok ($p passed, ${secs}s)"
		else
			echo "--- $name: FAILED (exit $rc; $p passed, $f failed, ${secs}s)"
		fi
		echo "$rc $p $f" >"$OUT/$name.sum"
	} >"$OUT/$name.out" 2>&1 </dev/null
	rm -f "$res"
}

# collect NAME: print a finished test's output and count it
collect() {
	local name=$1 rc p f
	cat "$OUT/$name.out"
	read -r rc p f <"$OUT/$name.sum" || { rc=1; p=0; f=1; }
	[ "$rc" -eq 0 ] && [ "$f" -eq 0 ] || failed_scripts+=("$name")
	passed=$((passed + p))
	failed=$((failed + f))
}

shopt -s nullglob
scripts=("$HERE"/integration/test_*.sh)
if [ ${#scripts[@]} -eq 0 ]; then
	echo "run-integration: no tests in $HERE/integration"
fi
serial=() parallel=()
for t in "${scripts[@]}"; do
	name=$(basename "$t" .sh)
	if [ -n "$FILTER" ] && [[ $name != *$FILTER* ]]; then
		continue
	fi
	case "$SERIAL" in *" $name "*) serial+=("$t") ;; *) parallel+=("$t") ;; esac
done
for t in "${serial[@]}"; do
	name=$(basename "$t" .sh)
	run_one "$name" "$t"
	collect "$name"
done
declare -A running=()
for t in "${parallel[@]}"; do
	while [ ${#running[@]} -ge "$JOBS" ]; do
		sleep 0.5
		for name in "${!running[@]}"; do
			if [ -e "$OUT/$name.sum" ]; then
				wait "${running[$name]}" 2>/dev/null
				unset "running[$name]"
				collect "$name"
			fi
		done
	done
	name=$(basename "$t" .sh)
	run_one "$name" "$t" &
	running[$name]=$!
done
for name in "${!running[@]}"; do
	wait "${running[$name]}" 2>/dev/null
	collect "$name"
done

[ ${#failed_scripts[@]} -gt 0 ] && echo "run-integration: failed: ${failed_scripts[*]}"
echo "integration: $passed passed, $failed failed"
[ ${#failed_scripts[@]} -eq 0 ]
