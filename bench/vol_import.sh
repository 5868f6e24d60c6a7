#!/usr/bin/env bash
# bench/vol_import.sh BUILD — what an import costs (bench/run.sh calls it;
# BENCH_ONLY=import runs it alone).
#
# 1. `croft vol import` of a 1 GiB vmdk (BENCH_IMPORT_MIB of random data,
#    default 1024, so every byte is copied) into the default pool as qcow2,
#    against bare `qemu-img convert -f vmdk -O qcow2` of the same file into
#    the same file system, BENCH_IMPORT_RUNS pairs (default 5), the order
#    alternating within each pair, a sync between runs (bench/import_pairs.py);
#    the ratio is the median of the pairs' ratios.  The source is read once
#    first, so both read it from the page cache.  croft's figure is the
#    CLI's wall time from the request to the job's end (it follows the
#    job's events).  CPU time too: bare's, and croft's (the CLI, croftd and
#    every child it ran for the import), steadier than wall time on a
#    loaded machine.
# 2. vm.list latency with BENCH_CLIENTS (24; the busy loop's CLI makes one
#    more, under the 32 connections a uid may hold) clients for BENCH_CLIENT_SECS
#    (5) s (bench/list_clients.c), 20 VMs defined: idle, then while imports
#    of the same vmdk run back to back; p99 against idle.
#
# BENCH_OUT=DIR leaves import.json, import-clients-idle.json and
# import-clients-busy.json there for bench/report.py summary.  Not
# pass/fail: exits 0 unless the setup fails.  croftd and the temp dir are
# torn down on exit.
set -euo pipefail

BENCH_NAME="bench vol_import"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${BENCH_IMPORT_RUNS:-5}
MIB=${BENCH_IMPORT_MIB:-1024}
CLIENTS=${BENCH_CLIENTS:-24}
CLIENT_SECS=${BENCH_CLIENT_SECS:-5}

bench_setup "${1:-build}"
bench_need_tools qemu-img python3 "${CC:-cc}"
bench_tmpdir croft-ibench
OUT=${BENCH_OUT:-$T}
export CROFT_SOCKET=$T/run/croftd.sock
BUSY_STOP=$T/busy.stop
BUSY_PID=

cleanup() {
	touch "$BUSY_STOP"
	[ -n "$BUSY_PID" ] && wait "$BUSY_PID" 2>/dev/null
	bench_stop_everything
}
bench_traps cleanup "$T/croftd.log" croftd

bench_cc list_clients
bench_guest
bench_croftd_start
POOL=$T/state/pools/default
mkdir -m 755 "$T/src" "$T/bare"

echo "== vol import of a ${MIB} MiB vmdk (random data) vs bare qemu-img convert, $RUNS pairs"
head -c "${MIB}M" /dev/urandom >"$T/src/disk.raw"
qemu-img convert -f raw -O vmdk "$T/src/disk.raw" "$T/src/disk.vmdk"
rm -f "$T/src/disk.raw"
chmod 644 "$T/src/disk.vmdk"
cat "$T/src/disk.vmdk" >/dev/null          # both runs read it from the page cache

python3 "$HERE/import_pairs.py" --croft "$CROFT" --croftd-pid "$CROFTD_PID" \
	--src "$T/src/disk.vmdk" --bare-dir "$T/bare" --mib "$MIB" -n "$RUNS" "$OUT/import.json"
python3 "$HERE/report.py" import "$OUT"
echo

echo "== vm.list with $CLIENTS concurrent clients, ${CLIENT_SECS} s: idle, then during imports"
for i in $(seq -w 1 20); do
	"$CROFT" vm create "list$i" --vcpus 1 --memory 64M --kernel "$KERNEL" --initrd "$INITRD" \
		>/dev/null
done
"$T/list_clients" "$CROFT_SOCKET" "$CLIENTS" "$CLIENT_SECS" >"$OUT/import-clients-idle.json" ||
	die "list_clients failed (idle)"
# imports back to back until told to stop
(
	n=0
	while [ ! -e "$BUSY_STOP" ]; do
		"$CROFT" vol import "default/busy$n" --from "$T/src/disk.vmdk" >/dev/null 2>&1 || break
		"$CROFT" vol delete "default/busy$n" >/dev/null 2>&1 || break
		n=$((n + 1))
	done
) &
BUSY_PID=$!
for _ in $(seq 100); do
	ls "$POOL"/.import-* >/dev/null 2>&1 && break
	sleep 0.05
done
"$T/list_clients" "$CROFT_SOCKET" "$CLIENTS" "$CLIENT_SECS" >"$OUT/import-clients-busy.json" ||
	die "list_clients failed (during imports)"
touch "$BUSY_STOP"
wait "$BUSY_PID" 2>/dev/null || true
BUSY_PID=
python3 "$HERE/report.py" import-clients "$OUT"
