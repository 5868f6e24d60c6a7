#!/usr/bin/env bash
# bench/clone.sh BUILD — templates and pools (bench/run.sh calls it; it also
# runs alone).
#
# 1. Linked clone: `croft vm clone TMPL NEW --linked` (the CLI's start and
#    handshake, the vm.clone job: a qemu-img create -b as croft-qemu, the
#    VM defined, the job followed to its end) against bare
#    `qemu-img create -f qcow2 -F qcow2 -b base` run as croft-qemu in the
#    same pool, BENCH_CLONE_RUNS (20) each, interleaved.  The template has
#    a 1 GiB qcow2 volume holding 64 MiB of data.
# 2. Pool statistics with 200 volumes: `croft pool info` and `croft vol
#    list` of a pool holding 200 qcow2 volumes (croftd reads each file's
#    header and allocation) against `du -s` of the same directory (stat of
#    each file: the least a tool can do for the allocation) and one
#    `qemu-img info` per volume (the naive way to the virtual sizes), each
#    timed by bench/runstat.c.
#
# BENCH_OUT=DIR leaves clone.json and poolstats.json there for
# bench/report.py summary.  Not pass/fail.  Everything (croftd, the temp
# dir) is torn down on exit.  No guest runs.
set -euo pipefail

BENCH_NAME="bench clone"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${BENCH_CLONE_RUNS:-20}
STAT_RUNS=${BENCH_POOL_RUNS:-20}
VOLS=200

bench_setup "${1:-build}"
bench_need_tools qemu-img python3 setpriv du "${CC:-cc}"

bench_tmpdir croft-cbench
OUT=${BENCH_OUT:-$T}
export CROFT_SOCKET=$T/run/croftd.sock
bench_traps bench_stop_everything "$T/croftd.log" croftd
bench_cc runstat
bench_guest
bench_croftd_start
POOL=$T/state/pools/default
as_qemu() { setpriv --reuid=croft-qemu --regid=croft-qemu --clear-groups "$@"; }

echo "== linked clone: croft vm clone --linked vs bare qemu-img create -b, $RUNS each, interleaved"
"$CROFT" vol create default/base --size 1G >/dev/null
head -c 64M /dev/urandom >"$T/data.raw"
chmod 0644 "$T/data.raw"
as_qemu qemu-img convert -q -n -f raw -O qcow2 "$T/data.raw" "$POOL/base"
(cd / && "$CROFT" vm create tmpl --memory 128M --disk default/base --kernel "$KERNEL" \
	--initrd "$INITRD" --append console=ttyS0 >/dev/null)
"$CROFT" vm template tmpl >/dev/null
python3 - "$CROFT" "$POOL" "$RUNS" "$OUT/clone.json" <<'EOF'
import json, statistics, subprocess, sys, time
croft, pool, runs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
bare_cmd = ["setpriv", "--reuid=croft-qemu", "--regid=croft-qemu", "--clear-groups",
            "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "base"]
res = {"croft": [], "bare": [], "job_ms": []}
for i in range(runs):
    t = time.monotonic()
    subprocess.run([croft, "vm", "clone", "tmpl", "l%02d" % i, "--linked"], check=True,
                   stdout=subprocess.DEVNULL)
    res["croft"].append(time.monotonic() - t)
    t = time.monotonic()
    subprocess.run(bare_cmd + ["%s/bare%02d.qcow2" % (pool, i)], check=True)
    res["bare"].append(time.monotonic() - t)
jobs = json.loads(subprocess.run([croft, "job", "list", "--json"], check=True,
                                 capture_output=True, text=True).stdout)
res["job_ms"] = [j["finished_ms"] - j["started_ms"] for j in jobs
                 if j["kind"] == "vm.clone" and j["state"] == "done"]
json.dump(res, open(out, "w"))
EOF
python3 "$HERE/report.py" clone "$OUT"
echo

echo "== pool statistics with $VOLS volumes: pool.info and vol.list vs du -s and qemu-img info"
"$CROFT" pool create many --path "$T/many" >/dev/null
as_qemu sh -c "for i in \$(seq -w 1 $VOLS); do qemu-img create -q -f qcow2 '$T/many/v'\$i 1G; done"
"$T/runstat" "$STAT_RUNS" "$CROFT" pool info many --json >"$T/pinfo.json"
"$T/runstat" "$STAT_RUNS" "$CROFT" vol list many --json >"$T/vlist.json"
"$T/runstat" "$STAT_RUNS" "$CROFT" version >"$T/version.json"
"$T/runstat" "$STAT_RUNS" du -s "$T/many" >"$T/du.json"
"$T/runstat" 3 sh -c "for f in '$T/many'/*; do qemu-img info --output=json \"\$f\"; done" >"$T/qinfo.json"
python3 - "$T" "$OUT/poolstats.json" "$VOLS" <<'EOF'
import json, os, sys
t, out, vols = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = {k: json.load(open(os.path.join(t, k + ".json")))["median_ms"]
     for k in ("pinfo", "vlist", "version", "du", "qinfo")}
r["volumes"] = vols
json.dump(r, open(out, "w"))
EOF
python3 "$HERE/report.py" poolstats "$OUT"
