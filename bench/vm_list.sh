#!/usr/bin/env bash
# bench/vm_list.sh BUILD — how fast croftd answers reads (bench/run.sh
# calls it; it also runs alone).
#
# 1. `croft vm list --json` wall time with 1 and 100 VMs defined, against
#    `sqlite3 croft.db 'select * from vms'` reading the same table
#    (BENCH_LIST_RUNS runs each, default 20, timed by bench/runstat.c);
#    also `croft version`, the CLI's own start and handshake, for scale.
# 2. vm.list latency with BENCH_CLIENTS (32) API clients asking at once,
#    one request in flight each, for BENCH_CLIENT_SECS (10) s
#    (bench/list_clients.c): p50 and p99, under each load of BENCH_LOADS
#    (default "idle"), each against the idle figure of the same run.
#
# Every VM has a 1 MiB qcow2 disk and BENCH_RUNNING (2) of the 100 run (TCG,
# 96M, the test guest), so a read that stats disks or reads /proc pays for
# it here.  croft-netd is not running (no leases to ask for).
#
# A load is two functions, load_NAME_start and load_NAME_stop: start puts
# croftd under the load in the background and returns, stop ends it and
# removes what it made.  "idle" does nothing; "raw4g" is a vm.create job
# writing a 4 GiB preallocated raw disk (qemu-img as a child of croftd, its
# progress polled on croftd's loop) for the whole measurement.
#
# BENCH_OUT=DIR leaves the raw figures there (listN.json, sqliteN.json,
# versionN.json, clients-LOAD.json, a line in rss.txt) for bench/report.py
# summary; by default they go with the temp dir.
# Not pass/fail: exits 0 unless the setup fails.  Everything (guests,
# croftd, the temp dir) is torn down on exit.
set -euo pipefail

BENCH_NAME="bench vm_list"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
LIST_RUNS=${BENCH_LIST_RUNS:-20}
LIST_VMS=100
RUNNING=${BENCH_RUNNING:-2}
CLIENTS=${BENCH_CLIENTS:-32}
CLIENT_SECS=${BENCH_CLIENT_SECS:-10}
LOADS=${BENCH_LOADS:-idle raw4g}

bench_setup "${1:-build}"
bench_need_tools qemu-system-x86_64 qemu-img python3 sqlite3 "${CC:-cc}"

bench_tmpdir croft-lbench
OUT=${BENCH_OUT:-$T}
export CROFT_SOCKET=$T/run/croftd.sock
bench_traps bench_stop_everything "$T/croftd.log" croftd

# --- loads: load_NAME_start / load_NAME_stop ----------------------------------

load_idle_start() { :; }
load_idle_stop() { :; }

# A 4 GiB raw disk is being written (the vm.create job of VM rawload).
RAW_JOB=
load_raw4g_start() {
	local i
	RAW_JOB=$("$CROFT" vm create rawload --memory 64M --disk 4G --format raw --no-wait \
		--kernel "$T/guest/vmlinuz" --initrd "$T/guest/initrd.img")
	for ((i = 0; i < 100; i++)); do
		"$CROFT" job info "$RAW_JOB" --json | grep -q '"state": *"running"' && return 0
		sleep 0.1
	done
	die "the vm.create job $RAW_JOB did not start"
}
load_raw4g_stop() {
	local state
	state=$("$CROFT" job info "$RAW_JOB" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
	echo "   (the raw disk's job was $state at the end of the measurement)"
	if [ "$state" = running ]; then
		"$CROFT" job cancel "$RAW_JOB" >/dev/null
	else
		"$CROFT" vm delete rawload >/dev/null
	fi
}

# --- setup -------------------------------------------------------------------------

bench_cc runstat
bench_cc list_clients
bench_guest
bench_croftd_start

new_vm() {  # NAME
	"$CROFT" vm create "$1" --vcpus 1 --memory 96M --disk 1M --kernel "$KERNEL" \
		--initrd "$INITRD" --append "console=ttyS0 quiet" >/dev/null
}
count_vms() { "$CROFT" vm list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
list_bench() {  # N
	"$T/runstat" "$LIST_RUNS" "$CROFT" vm list --json >"$OUT/list$1.json"
	"$T/runstat" "$LIST_RUNS" sqlite3 "$T/state/croft.db" 'select * from vms' >"$OUT/sqlite$1.json"
	"$T/runstat" "$LIST_RUNS" "$CROFT" version >"$OUT/version$1.json"
	python3 "$HERE/report.py" list "$OUT" "$1"
}

echo "== vm list --json vs sqlite3 select, $LIST_RUNS runs each; VMs with a 1M disk, $RUNNING of $LIST_VMS running"
# The measuring parent's own memory leaks into ru_maxrss; this is its floor.
"$T/runstat" "$LIST_RUNS" true >"$OUT/floor.json"
new_vm list000
[ "$(count_vms)" = 1 ] || die "expected 1 VM, croft lists $(count_vms)"
list_bench 1
for i in $(seq -w 1 $((LIST_VMS - 1))); do
	new_vm "list$i"
done
[ "$(count_vms)" = "$LIST_VMS" ] || die "expected $LIST_VMS VMs, croft lists $(count_vms)"
for i in $(seq 1 "$RUNNING"); do
	"$CROFT" vm start "$(printf 'list%02d' "$i")" >/dev/null
done
# The guests' boot is not what is measured: wait until they idle.
n=$(bench_guests_ready 'list*' "$RUNNING")
[ "$n" -ge "$RUNNING" ] || die "only $n of $RUNNING guests booted"
sleep 2
list_bench "$LIST_VMS"
read -r rss hwm < <(bench_rss "$CROFTD_PID")
printf '%s\t%s\t%s\n' "$LIST_VMS VMs defined, $RUNNING running" "$rss" "$hwm" >>"$OUT/rss.txt"
echo

echo "== vm.list with $CLIENTS concurrent clients, ${CLIENT_SECS} s per load ($LIST_VMS VMs)"
for load in $LOADS; do
	declare -F "load_${load}_start" >/dev/null || die "no load named $load (define load_${load}_start)"
	"load_${load}_start"
	"$T/list_clients" "$CROFT_SOCKET" "$CLIENTS" "$CLIENT_SECS" >"$OUT/clients-$load.json" ||
		die "list_clients failed under load $load"
	"load_${load}_stop"
done
# shellcheck disable=SC2086
python3 "$HERE/report.py" clients "$OUT" $LOADS
if [ -z "${BENCH_OUT:-}" ]; then
	echo
	python3 "$HERE/report.py" reads "$OUT"
fi
