#!/usr/bin/env bash
# bench/balloon_record.sh BUILD [OUT] — record the inputs of the balloon
# benchmark from real TCG guests, for bench/balloon.sh to replay both
# policies on (croft's and the reimplementation of Proxmox's rule).
# OUT defaults to bench/balloon_trace.txt (the committed trace).
#
# The scenario of tests/integration/test_balloon.sh: four guests of 512M
# (memory-min 128M), booted at their maximum; one of them later fills
# 300 MiB of a tmpfs, 20 MiB a second.  croft's balloon policy is off
# while recording (`host set balloon off`): the guests' demand is recorded
# as they have it with their whole memory, not as one policy shaped it.
# Phases, after all four have booted:
#   idle       10 s at 512M each;
#   inflate    all four balloons asked down to 256M at once (`vm edit
#              --memory`, live), until they are there: how fast a TCG
#              guest's balloon gives memory back, four at a time;
#   deflate    back to 512M;
#   fill       b1 writes 300 MiB into a tmpfs, 20 MiB per second, then
#              everything is recorded for 40 s more.
# Every second (croftd samples every second, the guests report balloon
# statistics every second): per guest, from `croft metrics`, the balloon's
# size and the guest's own figures (MemTotal, MemAvailable, disk caches,
# swap-in, major faults); from the host, MemAvailable, memory pressure
# (some avg10) and pswpin/pswpout.  Then each guest's serial log is
# searched for OOM kills.  The trace format is in bench/balloon_sim.c.
set -euo pipefail

BENCH_NAME="bench balloon_record"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
OUT=${2:-$HERE/balloon_trace.txt}
GUESTS="b1 b2 b3 b4"

bench_setup "${1:-build}"
bench_need_tools python3 sqlite3
bench_tmpdir croft-balloonrec
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
export CROFT_SOCKET=$T/run/croftd.sock
bench_traps bench_stop_everything "$T/croftd.log" croftd
bench_guest
bench_croftd_start
"$CROFT" host set metrics-listen off >/dev/null
"$CROFT" host set balloon off >/dev/null
"$CROFT" host set memory-budget 1G >/dev/null
# a sample (and a guest's statistics) every second: a store setting with
# no API, read when croftd starts
bench_croftd_stop
sqlite3 "$T/state/croft.db" \
	"INSERT OR REPLACE INTO settings (key, value) VALUES ('sample-interval-ms', '1000')"
bench_croftd_start

for g in $GUESTS; do
	"$CROFT" vm create "$g" --vcpus 1 --memory 512M --memory-min 128M --kernel "$KERNEL" \
		--initrd "$INITRD" --append "console=ttyS0 quiet croft.name=$g" >/dev/null
done
for g in $GUESTS; do
	"$CROFT" vm start "$g" >/dev/null
done
[ "$(bench_guests_ready 'b*' 4)" = 4 ] || die "the four guests did not boot"

# phase MARK — a line in the poller's log: when each phase began
phase() {
	echo "phase $1 $(date +%s.%N)" >>"$T/raw"
}

# the poller: one JSON line a second
python3 - "$CROFT" "$T/raw" <<'PY' &
import json, os, re, subprocess, sys, time
croft, out = sys.argv[1:]
line = re.compile(r'^(croft_vm_[a-z_]+)\{vm="([^"]+)"[^}]*\} (\S+)$')
want = {"croft_vm_balloon_actual_bytes": "actual", "croft_vm_guest_memory_total_bytes": "total",
        "croft_vm_guest_memory_available_bytes": "available",
        "croft_vm_guest_memory_disk_caches_bytes": "caches",
        "croft_vm_guest_swap_in_bytes_total": "swap_in",
        "croft_vm_guest_major_faults_total": "major_faults",
        "croft_vm_guest_stats_stale": "stale"}

def kv(path):
    d = {}
    for l in open(path):
        p = l.replace(":", " ").split()
        if len(p) >= 2:
            d[p[0]] = p[1]
    return d

def psi():
    try:
        some = open("/proc/pressure/memory").readline()
        return float(re.search(r"avg10=([0-9.]+)", some).group(1))
    except (OSError, AttributeError):
        return -1.0

t0 = time.time()
with open(out, "a") as f:
    while True:
        t = time.time()
        text = subprocess.run([croft, "metrics"], capture_output=True, text=True).stdout
        vms = {}
        for l in text.splitlines():
            m = line.match(l)
            if m and m.group(1) in want:
                vms.setdefault(m.group(2), {})[want[m.group(1)]] = float(m.group(3))
        mem, vm = kv("/proc/meminfo"), kv("/proc/vmstat")
        f.write(json.dumps({"t": t, "vms": vms, "avail_kib": int(mem["MemAvailable"]),
                            "psi": psi(), "pswpin": int(vm["pswpin"]),
                            "pswpout": int(vm["pswpout"])}) + "\n")
        f.flush()
        # four times a second while the balloons are timed
        step = 0.25 if os.path.exists(out + ".fast") else 1.0
        time.sleep(max(0.0, step - (time.time() - t)))
PY
POLL_PID=$!
BENCH_HELPER_PID=$POLL_PID

# until_actual OP MIB — every guest's balloon at OP MIB (le/ge), 60 s at most
until_actual() {
	for _ in $(seq 120); do
		"$CROFT" host memory --json | python3 -c '
import json, sys
op, mib = sys.argv[1], int(sys.argv[2])
v = [x["actual_mib"] for x in json.load(sys.stdin)["vms"] if x["state"] == "running"]
ok = len(v) == 4 and all((a <= mib) if op == "le" else (a >= mib) for a in v if a is not None)
sys.exit(0 if ok and None not in v else 1)' "$1" "$2" && return 0
		sleep 0.5
	done
	echo "balloon_record: the balloons did not reach $1 $2 MiB within 60 s" >&2
}

# edit_all MIB — all four guests' balloons asked to MIB at once
edit_all() {
	local g pids=()
	for g in $GUESTS; do
		"$CROFT" vm edit "$g" --memory "$1" >/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
}

phase idle
sleep 10
touch "$T/raw.fast"
phase inflate
edit_all 256M
until_actual le 260
sleep 2
phase deflate
edit_all 512M
until_actual ge 508
rm -f "$T/raw.fast"
sleep 5
phase fill
# typed into b1's serial shell; the console lingers while the guest reads
printf '%s\n' 'mkdir -p /mnt/fill && mount -t tmpfs -o size=400m fill /mnt/fill && for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do dd if=/dev/zero of=/mnt/fill/f$i bs=1M count=20 2>/dev/null; sleep 1; done; echo CROFT-FILL-DONE' |
	CROFT_CONSOLE_LINGER_MS=3000 "$CROFT" vm console b1 >/dev/null 2>&1 || true
for _ in $(seq 120); do
	grep -aq '^CROFT-FILL-DONE' "$T/run/vm/b1/serial.log" && break
	sleep 1
done
grep -aq '^CROFT-FILL-DONE' "$T/run/vm/b1/serial.log" || die "b1 did not finish filling its tmpfs"
phase after
sleep 40
phase end
kill "$POLL_PID"
wait "$POLL_PID" 2>/dev/null || true
BENCH_HELPER_PID=

oom=0
for g in $GUESTS; do
	n=$(grep -acE 'Out of memory|oom-kill|invoked oom-killer' "$T/run/vm/$g/serial.log" || true)
	oom=$((oom + n))
done

python3 - "$T/raw" "$OUT" "$oom" "$(qemu-system-x86_64 --version | head -n1)" <<'PY'
import json, sys, time
raw, out, oom, qemu = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
names = ["b1", "b2", "b3", "b4"]
MIB = 1048576.0
samples, phases = [], []
for l in open(raw):
    if l.startswith("phase "):
        _, name, t = l.split()
        phases.append((name, float(t)))
    else:
        samples.append(json.loads(l))
t0 = dict(phases)["idle"]
samples = [s for s in samples if s["t"] >= t0 - 0.5]

def speed(a, b, frm, to):
    """MiB/s per guest from phase a's start until every balloon got to `to`."""
    ta, tb = dict(phases)[a], dict(phases)[b]
    done = []
    for n in names:
        for s in samples:
            v = s["vms"].get(n, {}).get("actual")
            if s["t"] >= ta and s["t"] < tb and v is not None and \
               ((to < frm and v / MIB <= to + 4) or (to > frm and v / MIB >= to - 4)):
                done.append(s["t"] - ta)
                break
    if len(done) != len(names):
        sys.exit("balloon_record: the %s phase did not finish for every guest" % a)
    return abs(frm - to) / max(done), max(done)

inf, inf_s = speed("inflate", "deflate", 512, 256)
dfl, dfl_s = speed("deflate", "fill", 256, 512)
prev = None
with open(out, "w") as f:
    f.write("# Recorded by bench/balloon_record.sh on %s: %s, TCG; four guests of\n"
            "# 512M (memory-min 128M), croft's balloon policy off while recording.\n"
            "# Phases (s from the first line): %s.\n"
            "# Balloons measured four at a time: 512M -> 256M in %.1f s, back in %.1f s.\n"
            "# OOM kill messages in the guests' serial logs: %d.\n"
            "# Per line: t SEC host: MemAvailable MiB, PSI memory some avg10 %%, pswpin/s,\n"
            "# pswpout/s; then per guest: used MiB (balloon actual - MemAvailable, as the\n"
            "# policy computes it), MemTotal MiB, disk caches MiB, swap-in MiB/s, major faults/s,\n"
            "# balloon actual MiB (the recorded one; the replay moves its own); \"-\" while\n"
            "# the guest's balloon moved (its size and its figures are of different moments).\n"
            % (time.strftime("%Y-%m-%d"), qemu, ", ".join("%s %.0f" % (n, t - t0) for n, t in phases),
               inf_s, dfl_s, oom))
    f.write("budget 1024 host 1280\n")
    for n in names:
        f.write("vm %s 512 128\n" % n)
    f.write("speed inflate %.1f deflate %.1f\n" % (inf, dfl))
    kept = []
    for s in samples:                  # a line a second (faster while timing)
        if not kept or s["t"] - kept[-1]["t"] >= 0.95:
            kept.append(s)
    samples = kept
    for i, s in enumerate(samples):
        sec = s["t"] - t0
        rates = (0.0, 0.0)
        if prev:
            dt = s["t"] - prev["t"]
            rates = ((s["pswpin"] - prev["pswpin"]) / dt, (s["pswpout"] - prev["pswpout"]) / dt)
        cols = ["t %.1f" % sec, "%d" % (s["avail_kib"] // 1024), "%.2f" % s["psi"],
                "%.1f" % rates[0], "%.1f" % rates[1]]
        for n in names:
            g = s["vms"].get(n, {})
            gp = prev["vms"].get(n, {}) if prev else {}
            # while a balloon moves, its size (from QEMU's events) and the
            # guest's figures (polled) are of different moments: those
            # seconds, and the one after, are left out ("-")
            moved = any(abs(g.get("actual", 0) - p["vms"].get(n, {}).get("actual", 0)) > 2 * MIB
                        for p in samples[max(0, i - 2):i])
            if "available" not in g or "actual" not in g or g.get("stale", 0) or moved:
                cols.append("- - - - - -")
                continue
            a = g["actual"] / MIB
            used = max(0.0, a - g["available"] / MIB)
            swapin = majflt = 0.0
            if prev and "swap_in" in gp and "swap_in" in g:
                swapin = max(0.0, (g["swap_in"] - gp["swap_in"]) / MIB / dt)
            if prev and "major_faults" in gp and "major_faults" in g:
                majflt = max(0.0, (g["major_faults"] - gp["major_faults"]) / dt)
            cols.append("%.0f %.0f %.0f %.1f %.1f %.0f" % (used, g.get("total", 0) / MIB,
                        g.get("caches", 0) / MIB, swapin, majflt, a))
        f.write(" ".join(cols) + "\n")
        prev = s
print("balloon_record: %d seconds recorded into %s; balloons: 512M -> 256M in %.1f s "
      "(%.0f MiB/s each), back in %.1f s (%.0f MiB/s); %d OOM messages"
      % (len(samples), out, inf_s, inf, dfl_s, dfl, oom))
PY
