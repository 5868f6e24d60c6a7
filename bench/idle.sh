#!/usr/bin/env bash
# bench/idle.sh BUILD [BASELINE] — what an idle croftd costs a box that
# runs all day: croftd's CPU time (the run time of /proc/PID/schedstat),
# as seconds per hour, in three windows of BENCH_IDLE_SECS (60) s each:
#
#   1. no VM, croft-netd absent (croftd keeps trying to reach it);
#   2. 10 VMs defined, none running, netd absent;
#   3. the same with croft-netd running and connected.
#
# BUILD's croftd against BASELINE's (a build of an earlier commit, same
# windows, run one after the other, each with a fresh store), as a ratio.
# Without BASELINE, BUILD's figures alone.  croftd and netd run inside a
# network namespace of their own; nothing touches the host's network.
# Not pass/fail: exits 0 unless the setup fails.  Everything is torn down.
set -euo pipefail

BENCH_NAME="bench idle"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
SECS=${BENCH_IDLE_SECS:-60}
DEFINED=10
NS=croft-idle$$
NETD_PID=

bench_setup "${1:-build}"
NEW=$BUILD
BASE=
if [ -n "${2:-}" ]; then
	bench_build_dir "$2"
	BASE=$BUILD
	for f in croftd croft croft-netd; do
		[ -x "$BASE/$f" ] || die "no $f in $BASE"
	done
	BUILD=$NEW
fi
bench_need_tools ip
bench_tmpdir croft-idlebench
export CROFT_SOCKET=$T/run/croftd.sock

netd_stop() {
	[ -n "$NETD_PID" ] || return 0
	kill -TERM "$NETD_PID" 2>/dev/null || true
	wait "$NETD_PID" 2>/dev/null || true
	NETD_PID=
}

cleanup() {
	netd_stop
	bench_croftd_stop
	if ip netns list 2>/dev/null | grep -q "^$NS\b"; then
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$NS"
	fi
}
bench_traps cleanup "$T/croftd.log" croftd
bench_guest
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up

# croftd of build $1 inside the namespace, with a fresh state and run dir
croftd_in_ns() {
	rm -rf "$T/state" "$T/run"
	CROFT_ACCEL=tcg ip netns exec "$NS" "$1/croftd" --state-dir "$T/state" --run-dir "$T/run" \
		--foreground >>"$T/croftd.log" 2>&1 &
	CROFTD_PID=$!
	for _ in $(seq 100); do
		[ -S "$CROFT_SOCKET" ] && "$1/croft" version >/dev/null 2>&1 && return 0
		kill -0 "$CROFTD_PID" 2>/dev/null || die "croftd exited"
		sleep 0.1
	done
	die "croftd did not come up"
}

# seconds of CPU an hour croftd spends over one window
per_hour() {
	local a b
	a=$(awk '{ print $1 }' "/proc/$CROFTD_PID/schedstat")
	sleep "$SECS"
	b=$(awk '{ print $1 }' "/proc/$CROFTD_PID/schedstat")
	awk -v ns=$((b - a)) -v s="$SECS" 'BEGIN { printf "%.3f", ns / 1e9 * 3600 / s }'
}

# "EMPTY DEFINED NETD": build $1's three windows
measure() {
	local b=$1 empty defined withnetd i
	croftd_in_ns "$b"
	"$b/croft" host set allow-path "$T" >/dev/null
	sleep 8         # past start-up, and past the reconnect's first tries
	empty=$(per_hour)
	for i in $(seq "$DEFINED"); do
		"$b/croft" vm create "idle$i" --vcpus 1 --memory 96M --kernel "$KERNEL" \
			--initrd "$INITRD" >/dev/null || die "vm create idle$i failed"
	done
	sleep 2
	defined=$(per_hour)
	ip netns exec "$NS" "$b/croft-netd" --run-dir "$T/run" --foreground >>"$T/netd.log" 2>&1 \
		</dev/null &
	NETD_PID=$!
	for _ in $(seq 100); do
		grep -q "connected to croft-netd" "$T/croftd.log" && break
		sleep 0.1
	done
	grep -q "connected to croft-netd" "$T/croftd.log" || die "croftd did not connect to netd"
	sleep 2
	withnetd=$(per_hour)
	netd_stop
	bench_croftd_stop
	: >"$T/croftd.log"
	echo "$empty $defined $withnetd"
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

echo "idle croftd: CPU seconds an hour over ${SECS} s windows (schedstat run time)"
read -r n_empty n_defined n_netd <<<"$(measure "$NEW")"
if [ -n "$BASE" ]; then
	read -r b_empty b_defined b_netd <<<"$(measure "$BASE")"
	printf '  %-34s %10s %10s %8s\n' "" "this" "baseline" "ratio"
	printf '  %-34s %10s %10s %8s\n' "0 VMs, netd absent" "$n_empty" "$b_empty" \
		"$(ratio "$n_empty" "$b_empty")"
	printf '  %-34s %10s %10s %8s\n' "$DEFINED VMs defined, netd absent" "$n_defined" \
		"$b_defined" "$(ratio "$n_defined" "$b_defined")"
	printf '  %-34s %10s %10s %8s\n' "$DEFINED VMs defined, netd running" "$n_netd" "$b_netd" \
		"$(ratio "$n_netd" "$b_netd")"
	echo "  (baseline: $BASE)"
else
	printf '  %-34s %10s\n' "0 VMs, netd absent" "$n_empty" \
		"$DEFINED VMs defined, netd absent" "$n_defined" \
		"$DEFINED VMs defined, netd running" "$n_netd"
fi
