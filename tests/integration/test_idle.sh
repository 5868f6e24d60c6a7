#!/bin/bash
# test_idle.sh — what an idle croftd costs, with croft-netd absent and
# present (no guests; croftd inside the test's network namespace).
#
#   - netd absent: an op that needs it is refused at once with an error
#     naming croft-netd, and croftd says once in its log that netd is not
#     running, not at every reconnect attempt;
#   - croftd's CPU time over 10 s (the run time of /proc/PID/schedstat)
#     without netd, then with netd connected: without netd it stays under
#     1 % of a CPU and under twice (plus 20 ms) what it is with netd, so
#     reconnecting costs nothing worth measuring.  Both figures are
#     printed.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

itest_net_setup
itest_setup

WINDOW=10

cpu_ns() {
	awk '{ print $1 }' "/proc/$CROFTD_PID/schedstat"
}

# idle_ns SECS — croftd's CPU time in ns over SECS seconds
idle_ns() {
	local a b
	a=$(cpu_ns)
	sleep "$1"
	b=$(cpu_ns)
	echo $((b - a))
}

t_begin "netd absent: an op that needs it is refused at once, naming croft-netd"
t0=$(date +%s%N)
expect_fail "croft-netd is not running" croft net create lan --mode host-only
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 3000 ] || fail "the refusal took $ms ms"
assert_eq "[]" "$(croft net list --json)" "networks after the refused create"
t_end

t_begin "netd absent: croftd idles (CPU over ${WINDOW} s against croftd with netd)"
# the reconnect's backoff reaches its longest delay (5 s) after 6.3 s
sleep 7
without=$(idle_ns "$WINDOW")
assert_eq 1 "$(grep -c 'networks are unavailable until it starts' "$T/croftd.log")" \
	"log lines saying netd is not running"
netd_start || die "croft-netd did not start"
wait_for 10 grep -q "connected to croft-netd" "$T/croftd.log"
with=$(idle_ns "$WINDOW")
echo "  croftd CPU over ${WINDOW} s: $((without / 1000)) us without netd, $((with / 1000)) us with netd" \
	"(ratio $(awk -v a="$without" -v b="$with" 'BEGIN { printf "%.2f", b ? a / b : 0 }'))"
[ "$without" -lt $((WINDOW * 10000000)) ] ||
	fail "croftd without netd used $((without / 1000000)) ms of CPU in ${WINDOW} s (1 % is $((WINDOW * 10)) ms)"
[ "$without" -le $((2 * with + 20000000)) ] ||
	fail "croftd without netd used $((without / 1000)) us, with netd $((with / 1000)) us"
t_end
