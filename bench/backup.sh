#!/usr/bin/env bash
# bench/backup.sh BUILD — what a backup costs (bench/run.sh calls it;
# BENCH_ONLY=backup runs it alone).
#
# A VM with a 1 GiB qcow2 disk holding BENCH_BACKUP_MIB (default 512) MiB
# of random data, backed up into a second pool on the same file system,
# BENCH_BACKUP_RUNS pairs (default 3), the order alternating within each
# pair, a sync between runs, each backup deleted after its run:
#
#   stopped  `croft backup create` (the CLI's wall time from the request to
#            the job's end: qemu-img convert of the disk's chain as
#            croft-qemu, then the hash of the image's content) against bare
#            `qemu-img convert -O qcow2` of the same disk as croft-qemu
#   running  the same VM booted (TCG, idle): one QMP transaction of
#            blockdev-backup into an image croftd made and QEMU copies,
#            then the hash, against the same bare convert
#
# The hash (qemu-img convert to raw into an O_TMPFILE, sha256sum) is what
# backup verify compares later; its bare cost is measured too, and the
# ratio against convert + hash is the fair one.  Ratios are the median of
# the pairs' ratios.  BENCH_OUT=DIR leaves backup.json there.  Not
# pass/fail: exits 0 unless the setup fails.
set -euo pipefail

BENCH_NAME="bench backup"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${BENCH_BACKUP_RUNS:-3}
MIB=${BENCH_BACKUP_MIB:-512}

bench_setup "${1:-build}"
bench_need_tools qemu-img python3 setpriv sha256sum
bench_tmpdir croft-bbench
OUT=${BENCH_OUT:-$T}
export CROFT_SOCKET=$T/run/croftd.sock
bench_traps bench_stop_everything "$T/croftd.log" croftd
bench_guest
bench_croftd_start
POOL=$T/state/pools/default
as_qemu() { setpriv --reuid=croft-qemu --regid=croft-qemu --clear-groups "$@"; }

"$CROFT" pool create vault --path "$T/vault" >/dev/null
mkdir -m 0700 "$T/vault/bare"
chown croft-qemu:croft-qemu "$T/vault/bare"
"$CROFT" vol create default/disk --size 1G >/dev/null
head -c "${MIB}M" /dev/urandom >"$T/data.raw"
chmod 0644 "$T/data.raw"
as_qemu qemu-img convert -q -n -f raw -O qcow2 "$T/data.raw" "$POOL/disk"
rm -f "$T/data.raw"
(cd / && "$CROFT" vm create bk --memory 128M --disk default/disk --kernel "$KERNEL" \
	--initrd "$INITRD" --append "console=ttyS0 quiet no_timer_check" >/dev/null)

pairs() {   # LABEL — RUNS pairs of croft backup create vs bare convert (+ hash)
	python3 - "$CROFT" "$POOL/disk" "$T/vault/bare" "$RUNS" "$1" "$OUT/backup.json" <<'EOF'
import json, os, subprocess, sys, time
croft, disk, bare, runs, label, out = sys.argv[1:7]
runs = int(runs)
asq = ["setpriv", "--reuid=croft-qemu", "--regid=croft-qemu", "--clear-groups"]
res = json.load(open(out)) if os.path.exists(out) else {}
r = res.setdefault(label, {"croft": [], "bare": [], "hash": [], "job_ms": []})

def run_croft():
    t = time.monotonic()
    subprocess.run([croft, "backup", "create", "bk", "--to", "vault"], check=True,
                   stdout=subprocess.DEVNULL)
    r["croft"].append(time.monotonic() - t)
    b = json.loads(subprocess.run([croft, "backup", "list", "--json"], check=True,
                                  capture_output=True, text=True).stdout)[-1]
    subprocess.run([croft, "backup", "delete", str(b["id"])], check=True,
                   stdout=subprocess.DEVNULL)

def run_bare():
    img = os.path.join(bare, "copy.qcow2")
    t = time.monotonic()
    subprocess.run(asq + ["qemu-img", "convert", "-q", "-U", "-O", "qcow2", disk, img], check=True)
    r["bare"].append(time.monotonic() - t)
    t = time.monotonic()
    subprocess.run(asq + ["sh", "-c", 'qemu-img convert -q -f qcow2 -O raw "$1" "$2" && '
                          'sha256sum "$2" >/dev/null && rm -f "$2"', "sh", img,
                          os.path.join(bare, "raw")], check=True)
    r["hash"].append(time.monotonic() - t)
    os.unlink(img)

for i in range(runs):
    for f in ((run_croft, run_bare) if i % 2 == 0 else (run_bare, run_croft)):
        subprocess.run(["sync"])
        f()
jobs = json.loads(subprocess.run([croft, "job", "list", "--json"], check=True,
                                 capture_output=True, text=True).stdout)
done = sorted((j for j in jobs if j["kind"] == "backup.create" and j["state"] == "done"),
              key=lambda j: j["id"])[-runs:]
r["job_ms"] = [j["finished_ms"] - j["started_ms"] for j in done]
r["copy_ms"] = [j["result"]["copy_ms"] for j in done]
r["hash_ms"] = [j["result"]["hash_ms"] for j in done]
json.dump(res, open(out, "w"))

def med(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2

mib = os.path.getsize(disk) / 2**20
print("%-8s croft backup create: median %.2f s (job %.2f s: copy %.2f s, hash %.2f s); bare "
      "qemu-img convert %.2f s, its hash %.2f s" % (label, med(r["croft"]),
      med(r["job_ms"]) / 1000, med(r["copy_ms"]) / 1000, med(r["hash_ms"]) / 1000,
      med(r["bare"]), med(r["hash"])))
print("%-8s ratio (median of pairs): the copy against convert %.2f; the whole backup against "
      "convert + hash %.2f; croft %.0f MiB/s of allocated data" % (label,
      med([c / 1000 / b for c, b in zip(r["copy_ms"], r["bare"])]),
      med([c / (b + h) for c, b, h in zip(r["croft"], r["bare"], r["hash"])]),
      mib / med(r["croft"])))
EOF
}

echo "== backup of a stopped VM (1 GiB disk, ${MIB} MiB of data) vs bare qemu-img convert, $RUNS pairs"
pairs stopped
echo
echo "== backup of the running VM (blockdev-backup) vs the same bare convert, $RUNS pairs"
"$CROFT" vm start bk >/dev/null
# QEMU copies whether or not the guest has finished booting; an idle guest
# is the usual case, so wait for it (at most 2 minutes) but go on anyway
[ "$(bench_guests_ready bk 1)" = 1 ] || echo "(the guest has not finished booting; measuring anyway)"
pairs running
