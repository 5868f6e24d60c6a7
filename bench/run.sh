#!/usr/bin/env bash
# croft benchmarks: each prints a ratio against a baseline measured in the
# same run.  Not pass/fail: exits 0 unless the setup itself fails.
#
#   bench/run.sh BUILD        (make bench runs: bench/run.sh build)
#
# 1. VM start to running: `croft vm start` against bare QEMU run with the
#    same argv by bench/qmp_start.py (10 each, interleaved).
# 2. reads (bench/vm_list.sh): `croft vm list --json` wall time and peak RSS
#    with 1 and 100 VMs against `sqlite3 croft.db 'select * from vms'` (20
#    each), and vm.list p50/p99 with 32 concurrent clients.
# 3. croftd's VmRSS/VmHWM with 0 and with 10 running guests.
# 4. the console (bench/console_idle.sh): bytes/s written by an idle console
#    with 20 VMs (10 running) against top -d 1, and keypress-to-redraw time.
# 6. the host monitor (bench/monitor.sh): sampler CPU per VM, croftd's RSS
#    with history, store growth, /metrics against node_exporter.
# 7. the balloon policy against Proxmox's rule on the same trace
#    (bench/balloon.sh).
#
# 8. vol import of a 1 GiB vmdk against bare qemu-img convert, and vm.list
#    p99 while imports run (bench/vol_import.sh).
#
# 9. templates and pools (bench/clone.sh): linked-clone time against bare
#    qemu-img create -b; pool.info and vol.list with 200 volumes against
#    du -s and qemu-img info.
#
# 10. backups (bench/backup.sh): backup create of a stopped and of a
#    running VM against bare qemu-img convert of the same disk.
#
# 11. snapshots (bench/snapshot.sh): the guest's pause for a disk-only and
#    a RAM snapshot (background-snapshot, stopped) at 256 MiB and 1 GiB
#    against plain snapshot-save.
#
# 12. the idle croftd (bench/idle.sh): CPU seconds an hour with no VM and
#    10 defined, croft-netd absent and running; against a baseline build
#    when run alone as bench/idle.sh BUILD BASELINE.  BENCH_ONLY=idle only.
#
# BENCH_ONLY=backup runs the tenth alone; BENCH_ONLY=snapshot the
# eleventh; BENCH_ONLY=start runs the first alone; BENCH_ONLY=import the
# import benchmark alone; BENCH_ONLY=clone the ninth.
#
# Everything lives in one temp dir with a private croftd; all of it (VMs,
# bare QEMU, croftd, the dir) is torn down on exit, also on failure.
# Guests have no network devices; nothing leaves the host.
set -euo pipefail

BENCH_NAME=bench
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
QEMU_USER=croft-qemu
START_RUNS=${BENCH_START_RUNS:-10}
RSS_VMS=10

bench_setup "${1:-build}"
# BENCH_ONLY=import: bench/vol_import.sh alone (its own croftd).
[ "${BENCH_ONLY:-}" = import ] && exec "$HERE/vol_import.sh" "$BUILD"
# BENCH_ONLY=backup: bench/backup.sh alone (its own croftd).
[ "${BENCH_ONLY:-}" = backup ] && exec "$HERE/backup.sh" "$BUILD"
[ "${BENCH_ONLY:-}" = snapshot ] && exec "$HERE/snapshot.sh" "$BUILD"
[ "${BENCH_ONLY:-}" = idle ] && exec "$HERE/idle.sh" "$BUILD"
bench_need_tools qemu-system-x86_64 python3 setpriv sqlite3
if ! id "$QEMU_USER" >/dev/null 2>&1; then
	if [ -x "$ROOT/installer/setup-host.sh" ]; then
		"$ROOT/installer/setup-host.sh"
	else
		useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$QEMU_USER"
	fi
fi

bench_tmpdir croft-bench
export CROFT_SOCKET=$T/run/croftd.sock
bench_traps bench_stop_everything "$T/croftd.log" croftd

bench_guest
mkdir -m 750 "$T/bare"
chown "$QEMU_USER:$QEMU_USER" "$T/bare"

bench_croftd_start

rss_sample() {  # LABEL
	local rss hwm
	read -r rss hwm < <(bench_rss "$CROFTD_PID")
	printf '%s\t%s\t%s\n' "$1" "$rss" "$hwm" >>"$T/rss.txt"
}

python3 - "$T/env.json" <<'EOF'
import json, os, platform, subprocess, sys, time
q = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.split()
deb = open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else "?"
json.dump({"date": time.strftime("%Y-%m-%d"), "qemu": q[3] if len(q) > 3 else "?",
           "cpus": os.cpu_count(), "debian": deb, "kernel": "Linux " + platform.release()},
          open(sys.argv[1], "w"))
EOF

rss_sample "croftd just started, no VMs defined"
if [ "${BENCH_ONLY:-}" = clone ]; then
	BENCH_OUT=$T "$HERE/clone.sh" "$BUILD" || echo "bench: clone.sh failed (see above)"
	python3 "$HERE/report.py" summary "$T"
	exit 0
fi
BENCH_T0=$(date +%s)
echo "croft benchmarks (QEMU with TCG; $(nproc) CPUs); work dir $T"
echo

# --- 1. start to running ----------------------------------------------------
echo "== 1. VM start to running: croft vm start vs bare QEMU (same argv), $START_RUNS each, interleaved"
"$CROFT" vm create bench --vcpus 1 --memory 128M --agent off --kernel "$KERNEL" --initrd "$INITRD" \
	--append console=ttyS0 >/dev/null
python3 "$HERE/qmp_start.py" --croft "$CROFT" --socket "$CROFT_SOCKET" --name bench \
	--run-dir "$T/run" --bare-dir "$T/bare" --qemu-user "$QEMU_USER" -n "$START_RUNS" \
	--spawn "${BENCH_BARE_SPAWN:-setpriv}" --argv-out "$T/argv.json" >"$T/start.json"
python3 "$HERE/report.py" start "$T"
echo
# BENCH_ONLY=start: this benchmark alone.
[ "${BENCH_ONLY:-}" = start ] && exit 0

# --- 2. reads: vm list and concurrent vm.list (its own croftd and guests) ---
BENCH_OUT=$T "$HERE/vm_list.sh" "$BUILD" || echo "bench: vm_list.sh failed (see above)"
echo

# --- 3. croftd memory -------------------------------------------------------
echo "== 3. croftd RSS with 0 and $RSS_VMS running guests (96M each, TCG)"
# A fresh croftd, so the heap grown by the 100-VM list does not hide the
# difference that running guests make.
bench_croftd_stop
bench_croftd_start
for i in $(seq -w 1 "$RSS_VMS"); do
	"$CROFT" vm create "rss$i" --vcpus 1 --memory 96M --kernel "$KERNEL" --initrd "$INITRD" \
		--append console=ttyS0 >/dev/null
done
rss_sample "fresh croftd, $((RSS_VMS + 1)) VMs defined, 0 running"
for i in $(seq -w 1 "$RSS_VMS"); do
	"$CROFT" vm start "rss$i" >/dev/null
done
sleep 2
running=$("$CROFT" vm list --json | python3 -c 'import json,sys; print(sum(v["state"] == "running" for v in json.load(sys.stdin)))')
[ "$running" = "$RSS_VMS" ] || die "expected $RSS_VMS running VMs, croft lists $running"
rss_sample "$RSS_VMS of them running"
for i in $(seq -w 1 "$RSS_VMS"); do
	"$CROFT" vm stop "rss$i" >/dev/null
done
rss_sample "after stopping the $RSS_VMS"
python3 "$HERE/report.py" rss "$T"
echo

echo "== 4. nftables ruleset, croft-netd's batch vs nft -f of the same ruleset (private netns)"; make -s -C "$ROOT" BUILD="$BUILD" "$BUILD/bench/bench_nft" && "$BUILD/bench/bench_nft" 20 || echo "bench: bench_nft failed (see above)"; echo

echo "== 5. network apply end to end: a full state push through croft-netd vs nft -f; netd memory (private netns)"; "$HERE/net_apply.sh" "$BUILD" || echo "bench: net_apply.sh failed (see above)"; echo

# --- 4. the console: idle output, key latency (its own croftd and guests) ---
"$HERE/console_idle.sh" "$BUILD" || echo "bench: the console benchmark failed (see above)"
echo

# --- 6. the host monitor (its own croftd and guests) --------------------------
"$HERE/monitor.sh" "$BUILD" || echo "bench: monitor.sh failed (see above)"
"$HERE/balloon.sh" "$BUILD" || echo "bench: balloon.sh failed (see above)"
echo

# --- 8. imports (their own croftd) ----------------------------------------------
BENCH_OUT=$T "$HERE/vol_import.sh" "$BUILD" || echo "bench: vol_import.sh failed (see above)"
echo

# --- 9. templates and pools (its own croftd) -----------------------------------
BENCH_OUT=$T "$HERE/clone.sh" "$BUILD" || echo "bench: clone.sh failed (see above)"
echo

# --- 10. backups (their own croftd) ---------------------------------------------
BENCH_OUT=$T "$HERE/backup.sh" "$BUILD" || echo "bench: backup.sh failed (see above)"
echo

# --- 11. snapshots (their own QEMUs) ---------------------------------------------
BENCH_OUT=$T "$HERE/snapshot.sh" "$BUILD" || echo "bench: snapshot.sh failed (see above)"
echo

echo "== summary (paste into README, Performance) — whole bench took $(( $(date +%s) - BENCH_T0 )) s"
echo
python3 "$HERE/report.py" summary "$T"
