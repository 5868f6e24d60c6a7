#!/usr/bin/env bash
# bench/snapshot.sh BUILD — the guest's pause while a snapshot is taken
# (bench/run.sh calls it; BENCH_ONLY=snapshot runs it alone).
#
# For 256 MiB and 1 GiB of guest RAM (BENCH_SNAP_SIZES, MiB), one TCG
# guest each with 60 % of its RAM filled with non-zero data, BENCH_SNAP_RUNS
# (default 3) rounds, interleaved within each round, of
#   disk         croft's disk-only snapshot: stop, one QMP transaction, cont
#   ram-bg       croft's RAM snapshot, method background-snapshot
#   ram-stopped  croft's RAM snapshot, method stopped (the fallback)
#   savevm       the baseline: plain snapshot-save of RAM and disk
# each as croftd sends it (bench/snapshot.py: one command after another's
# reply).  The pause is QEMU's RESUME event timestamp minus its STOP's; the
# figures are medians, with each method's ratio to savevm's.  QEMU runs as
# root (userfaultfd needs root or vm.unprivileged_userfaultfd=1).
#
# Then, where the kernel has /dev/userfaultfd, the product's path: a second
# QEMU per size as nobody, with croftd's sandbox and the device inherited
# through $BUILD/lib/croft-qemu-uffd.so (core/vm_uffd.h), the sysctl left
# as it is, BENCH_SNAP_RUNS rounds of
#   ram-bg-shim  croft's RAM snapshot, method background-snapshot
#   savevm-shim  plain snapshot-save on that QEMU, its baseline
#
# BENCH_OUT=DIR leaves snapshot.json there.  Not pass/fail: exits 0 unless
# the setup fails.  QEMU and the temp dir are torn down on exit.
set -euo pipefail

BENCH_NAME="bench snapshot"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${BENCH_SNAP_RUNS:-3}
SIZES=${BENCH_SNAP_SIZES:-256,1024}

bench_build_dir "${1:-build}"
bench_need_root "userfaultfd for QEMU's background snapshot"
bench_need_tools qemu-system-x86_64 qemu-img python3
[ -r "$BUILD/guest/vmlinuz" ] && [ -r "$BUILD/guest/initrd.img" ] ||
	die "no test guest in $BUILD/guest; run make guest"
bench_tmpdir croft-sbench
OUT=${BENCH_OUT:-$T}
SHIM=()
if [ -e /dev/userfaultfd ] && [ -r "$BUILD/lib/croft-qemu-uffd.so" ]; then
	SHIM=(--shim "$(cd "$BUILD/lib" && pwd)/croft-qemu-uffd.so")
	chmod 0755 "$T"
else
	echo "(no /dev/userfaultfd or no $BUILD/lib/croft-qemu-uffd.so: no unprivileged run)"
fi

cleanup() {
	local p
	for p in $(pgrep -f "croft-bench-snapshot-$T" || true); do
		kill "$p" 2>/dev/null
	done
}
bench_traps cleanup

echo "== guest pause of a snapshot (STOP to RESUME), ${SIZES} MiB guests, $RUNS rounds"
python3 "$HERE/snapshot.py" --guest "$BUILD/guest" --dir "$T" --runs "$RUNS" \
	--sizes "$SIZES" "${SHIM[@]}" >"$OUT/snapshot.json"
python3 - "$OUT/snapshot.json" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))
for mib, r in res.items():
    base = statistics.median(r["savevm"])
    print("%5s MiB (state file %d MiB):" % (mib, r["state_bytes"] >> 20))
    for k in ("disk", "ram-bg", "ram-stopped", "savevm"):
        m = statistics.median(r[k])
        print("  %-12s median %9.1f ms  (min %8.1f, max %8.1f)  ratio to savevm %.3f"
              % (k, m, min(r[k]), max(r[k]), m / base))
    if "ram-bg-shim" in r:
        sbase = statistics.median(r["savevm-shim"])
        print("  unprivileged QEMU through croft-qemu-uffd.so:")
        for k in ("ram-bg-shim", "savevm-shim"):
            m = statistics.median(r[k])
            print("  %-12s median %9.1f ms  (min %8.1f, max %8.1f)  ratio to savevm-shim %.3f"
                  % (k, m, min(r[k]), max(r[k]), m / sbase))
PY
