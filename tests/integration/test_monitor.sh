#!/bin/bash
# test_monitor.sh — the host monitor with a real TCG guest, croftd and
# croft-netd in $NS_HOST:
#   - a guest's disk writes (dd in the guest) show as write bytes and a
#     write rate in `croft vm stats`;
#   - pings through its NIC on a host-only network show as rx/tx bytes and
#     rates;
#   - with the guest's QEMU and a CPU hog pinned to the same CPU (taskset)
#     and the guest busy, its vCPU's ready % rises above 30 % and agrees
#     within 2 points with this test's own reading of the thread's
#     schedstat over the same time; a CPU ready alert (short windows set
#     through host settings) is raised, and cleared when the hog stops,
#     both in the event history;
#   - /metrics, scraped over HTTP and from `croft metrics`, passes
#     `promtool check metrics`, as does the golden file of the unit test;
#   - the history is still there after croftd restarts.
# The machine may have 2 busy cores: every wait polls with a generous
# limit, and the ready % is compared as averages over the same 16 s.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

itest_net_guest_setup

HOG=
BUSY_CPU=$(( $(nproc) - 1 ))
cleanup_hog() {
	[ -n "$HOG" ] && kill "$HOG" 2>/dev/null && wait "$HOG" 2>/dev/null
	HOG=
	return 0
}

# stats VM FILTER — a jq filter over `croft vm stats VM --json`
stats() {
	croft vm stats "$1" --json 2>/dev/null | jq -r "$2"
}

# max_seen SECS VM FILTER — poll FILTER every 0.5 s for SECS; the largest
# number it gave ("0" when none).
max_seen() {
	local end=$((SECONDS + $1)) v best=0
	while [ "$SECONDS" -lt "$end" ]; do
		v=$(stats "$2" "$3")
		case "$v" in '' | null) ;; *) best=$(awk -v a="$best" -v b="$v" 'BEGIN { print (b > a) ? b : a }') ;; esac
		sleep 0.5
	done
	echo "$best"
}

# until_true SECS FILTER CMD... — poll CMD's JSON (every 0.5 s) until the jq
# FILTER gives true.
until_true() {
	local secs=$1 filter=$2 end out=
	shift 2
	end=$((SECONDS + secs))
	while :; do
		out=$("$@" 2>/dev/null | jq -r "$filter" 2>/dev/null)
		[ "$out" = true ] && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.5
	done
	fail "'$filter' not true of '$*' within ${secs}s (last: '$out')"
	return 1
}

t_begin "setup: a host-only network and a guest with a disk and a NIC"
expect_ok croft host set metrics-listen 127.0.0.1:0
expect_ok croft net create lab --mode host-only
croft vm create m1 --vcpus 1 --memory 128M --disk 64M --kernel "$GUEST_KERNEL" \
	--initrd "$GUEST_INITRD" --append "$NET_APPEND croft.name=m1" >/dev/null || die "vm create m1"
expect_ok croft vm nic add m1 --net lab
expect_ok croft vm start m1 || die "vm start m1"
wait_serial m1 'CROFT-GUEST: ready' 120
M1_IP=$(guest_dhcp_addr m1 eth0 90)
M1_TAP=$(nic_get m1 0 tap)
GW=$(bridge_gateway "$(link_master "$M1_TAP")")
[ -n "$GW" ] || fail "no gateway address on the lab bridge"
QPID=$(vm_pid m1)
until_true 30 '.vcpus | length == 1' croft vm stats m1 --json
TID=$(stats m1 '.vcpus[0].tid')
[ -r "/proc/$QPID/task/$TID/schedstat" ] || fail "vCPU thread $TID of QEMU $QPID has no schedstat"
t_end

t_begin "disk writes in the guest show as write bytes and a write rate"
w0=$(stats m1 '.disks[] | select(.device == "disk0") | .write_bytes')
guest_ok m1 'ls /dev/vda && dd if=/dev/zero of=/dev/vda bs=1M count=32 && sync' 120
rate=$(max_seen 8 m1 '.disks[] | select(.device == "disk0") | .write_bytes_per_s')
w1=$(stats m1 '.disks[] | select(.device == "disk0") | .write_bytes')
[ $((w1 - ${w0:-0})) -ge $((32 << 20)) ] || fail "write_bytes grew by $((w1 - ${w0:-0})), wanted 32 MiB"
awk -v r="$rate" 'BEGIN { exit !(r > 0) }' || fail "no write rate seen (max $rate)"
t_end

t_begin "traffic through the NIC shows as rx/tx bytes and rates"
rx0=$(stats m1 '.nics[0].rx_bytes')
tx0=$(stats m1 '.nics[0].tx_bytes')
assert_eq "$M1_TAP" "$(stats m1 '.nics[0].interface')" "the NIC's tap"
guest_ok m1 "ping -c 8 -s 4000 $GW" 60
rate=$(max_seen 6 m1 '.nics[0].tx_bytes_per_s')
rx1=$(stats m1 '.nics[0].rx_bytes')
tx1=$(stats m1 '.nics[0].tx_bytes')
[ $((tx1 - ${tx0:-0})) -ge 32000 ] || fail "tx_bytes grew by $((tx1 - ${tx0:-0})), wanted 8 x 4000"
[ $((rx1 - ${rx0:-0})) -ge 32000 ] || fail "rx_bytes grew by $((rx1 - ${rx0:-0})), wanted 8 x 4000 (replies)"
awk -v r="$rate" 'BEGIN { exit !(r > 0) }' || fail "no tx rate seen (max $rate)"
t_end

t_begin "CPU ready: pinned with a hog, above 30 % and within 2 points of schedstat"
expect_ok croft host set alert-ready-warn-pct 20
expect_ok croft host set alert-ready-crit-pct 30
expect_ok croft host set alert-ready-window-s 4
SINCE=$(date +%s)
# the guest spins; QEMU's threads and a hog share one CPU
guest_ok m1 '(while :; do :; done) >/dev/null 2>&1 & echo $! >/tmp/spin.pid'
taskset -a -p -c "$BUSY_CPU" "$QPID" >/dev/null || fail "taskset QEMU"
taskset -c "$BUSY_CPU" sh -c 'while :; do :; done' &
HOG=$!
sleep 6
read -r _ d0 _ <"/proc/$QPID/task/$TID/schedstat"
t0=$(date +%s%N)
sum=0
n=0
for _ in 1 2 3 4 5 6 7 8; do
	sleep 2
	v=$(stats m1 '.vcpus[0].ready_pct')
	[ "$v" = null ] && continue
	sum=$(awk -v a="$sum" -v b="$v" 'BEGIN { print a + b }')
	n=$((n + 1))
done
read -r _ d1 _ <"/proc/$QPID/task/$TID/schedstat"
t1=$(date +%s%N)
own=$(awk -v d="$((d1 - d0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.2f", d * 100 / t }')
[ "$n" -ge 6 ] || fail "only $n ready % figures in 16 s"
theirs=$(awk -v s="$sum" -v n="$n" 'BEGIN { printf "%.2f", s / n }')
echo "  ready: croft $theirs %, schedstat $own % over 16 s"
awk -v a="$theirs" 'BEGIN { exit !(a > 30) }' || fail "ready % $theirs is not above 30"
awk -v a="$theirs" -v b="$own" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 2) }' ||
	fail "croft's ready % $theirs and schedstat's $own differ by more than 2 points"
t_end

t_begin "CPU ready: an alert is raised, and cleared when the hog stops"
until_true 30 '.alerts | any(.alert == "ready" and .level == "critical")' croft vm stats m1 --json
croft host stats --json | jq -e '.alerts | any(.subject == "m1")' >/dev/null || fail "host stats does not list m1's alert"
# the hog and the guest's spinner stop: the vCPU seldom waits any more,
# however busy the rest of the machine is
cleanup_hog
taskset -a -p -c "0-$BUSY_CPU" "$QPID" >/dev/null
guest_ok m1 'kill $(cat /tmp/spin.pid)'
until_true 60 '.alerts | length == 0' croft vm stats m1 --json
EV=$(croft events --since "$SINCE" --no-follow --json 2>/dev/null)
jq -e -s 'any(.[]; .event == "alert.raised" and .target == "m1" and .data.level == "critical")' <<<"$EV" >/dev/null ||
	fail "no alert.raised event for m1"
jq -e -s 'any(.[]; .event == "alert.cleared" and .target == "m1")' <<<"$EV" >/dev/null ||
	fail "no alert.cleared event for m1"
grep -q "alert cleared" "$T/croftd.log" || fail "the log does not say the alert cleared"
t_end

t_begin "/metrics passes promtool, over HTTP and from croft metrics"
PORT=$(croft host stats --json | jq -r .metrics.port)
[ "${PORT:-0}" -gt 0 ] || fail "no /metrics port ($PORT)"
in_host curl -sf "http://127.0.0.1:$PORT/metrics" >"$T/scrape.prom" || fail "scrape failed"
promtool check metrics <"$T/scrape.prom" || fail "promtool rejects the live scrape"
grep -q "^croft_vm_vcpu_delay_seconds_total{vm=\"m1\",vcpu=\"0\"} " "$T/scrape.prom" ||
	fail "no vCPU delay counter for m1"
grep -q "^croft_vm_info{vm=\"m1\"," "$T/scrape.prom" || fail "no croft_vm_info for m1"
croft metrics >"$T/cli.prom" || fail "croft metrics"
promtool check metrics <"$T/cli.prom" || fail "promtool rejects croft metrics"
promtool check metrics <"$ITEST_DIR/../golden/metrics.prom" || fail "promtool rejects the golden file"
expect_fail "metrics-listen 'nowhere' has no port" croft host set metrics-listen nowhere
assert_eq "127.0.0.1:0" "$(croft host stats --json | jq -r .metrics.listen)" "metrics-listen after a refused change"
# an address no interface has: refused, and the old one served again
expect_fail "cannot serve /metrics on 192.0.2.1:9597" croft host set metrics-listen 192.0.2.1:9597
assert_eq "127.0.0.1:0" "$(croft host stats --json | jq -r .metrics.listen)" "metrics-listen after a bind failure"
PORT=$(croft host stats --json | jq -r .metrics.port)
in_host curl -sf "http://127.0.0.1:$PORT/metrics" >/dev/null || fail "/metrics not served again on port $PORT"
t_end

t_begin "history survives a croftd restart"
until_true 40 '.history.t_ms | length >= 2' croft host stats --history 1h --json
first=$(croft vm stats m1 --history 1h --json | jq -r '.history.t_ms[0]')
[ "$first" != null ] || fail "m1 has no history"
croftd_restart
got=$(croft vm stats m1 --history 1h --json | jq -r '.history.t_ms[0]')
assert_eq "$first" "$got" "m1's oldest history point after the restart"
croft host stats --history 24h --json | jq -e '.history.series | index("steal_pct")' >/dev/null ||
	fail "host history has no steal_pct series"
t_end

t_begin "deleting the VM deletes its history"
id=$(sqlite3 "$DB" "select id from vms where name = 'm1'")
expect_ok croft vm delete m1 --force
assert_eq 0 "$(sqlite3 "$DB" "select count(*) from history where owner = $id")" "m1's history rows"
t_end

cleanup_hog
