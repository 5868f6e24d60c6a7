#!/bin/bash
# run-integration.sh BUILD — run every tests/integration/test_*.sh (sorted).
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

passed=0
failed=0
failed_scripts=()
shopt -s nullglob
scripts=("$HERE"/integration/test_*.sh)
if [ ${#scripts[@]} -eq 0 ]; then
	echo "run-integration: no tests in $HERE/integration"
fi
for t in "${scripts[@]}"; do
	name=$(basename "$t" .sh)
	if [ -n "$FILTER" ] && [[ $name != *$FILTER* ]]; then
		continue
	fi
	echo "=== $name"
	res=$(mktemp)
	start=$SECONDS
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
	rm -f "$res"
	if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "--- $name: ok ($p passed, ${secs}s)"
	else
		echo "--- $name: FAILED (exit $rc; $p passed, $f failed, ${secs}s)"
		failed_scripts+=("$name")
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

[ ${#failed_scripts[@]} -gt 0 ] && echo "run-integration: failed: ${failed_scripts[*]}"
echo "integration: $passed passed, $failed failed"
[ ${#failed_scripts[@]} -eq 0 ]
