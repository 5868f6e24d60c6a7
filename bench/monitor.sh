#!/usr/bin/env bash
# bench/monitor.sh BUILD — what the host monitor costs (bench/run.sh calls
# it; it also runs alone).
#
# 1. The sampler's CPU time per running VM per sample, as a slope: croftd
#    counts the CPU time (its thread's, CLOCK_THREAD_CPUTIME_ID) of the
#    sampler's and the monitor's ticks (the /proc reads, the questions,
#    the model, history, alerts) and of QMP's reading and writing (the
#    answers), croft_croftd_cpu_seconds_total in /metrics.  With 50 VMs
#    defined (TCG, 96M, a 1M disk each), BENCH_MON_ROUNDS (2) rounds of
#    BENCH_MON_SECS (30) s windows at 0, 5, 10, 5 and 0 running VMs (the
#    last window of a round is the next one's first); each window gives
#    the cost of a sample, the slope of those over the running count is the
#    cost of a running VM.  The whole process's CPU time (the run time of
#    /proc/PID/schedstat) over the same windows is printed beside it, and
#    so is the direct figure of each window with VMs running: croftd's
#    time on the running VMs themselves (their samples, their monitor
#    rounds, and QMP) over their samples, which no other window's load
#    enters.
#    BENCH_MON_RT=1 runs croftd as SCHED_FIFO (its children, QEMU among
#    them, as usual: reset on fork), so that other work on a loaded host
#    does not preempt it in the middle of a sample.
# 2. croftd's RSS with 50 VMs, 10 running, after a full year of history for
#    all 50 was put in the store and read back (vm.stats --history 1y each).
# 3. The store: bytes per VM with every history tier full, and the growth
#    of one day of a running VM (the rows a day writes), measured on a copy
#    of the store.
# 4. A /metrics scrape with 10 running VMs against a node_exporter scrape
#    (Debian's prometheus-node-exporter, started here on a loopback port):
#    median of BENCH_SCRAPES (50) curl requests each, and the bytes.
# BENCH_MON_ONLY=cpu runs the first alone.
# Not pass/fail: exits 0 unless the setup fails.  Everything is torn down.
set -euo pipefail

BENCH_NAME="bench monitor"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
SECS=${BENCH_MON_SECS:-30}
DEFINED=50
RUNNING=10
SCRAPES=${BENCH_SCRAPES:-50}

bench_setup "${1:-build}"
bench_need_tools python3 sqlite3 curl prometheus-node-exporter
bench_tmpdir croft-monbench
export CROFT_SOCKET=$T/run/croftd.sock
bench_traps bench_stop_everything "$T/croftd.log" croftd
bench_guest
bench_croftd_start
"$CROFT" host set metrics-listen 127.0.0.1:0 >/dev/null
if [ "${BENCH_MON_RT:-0}" = 1 ]; then
	chrt -f -R -p 10 "$CROFTD_PID" >/dev/null || die "cannot make croftd SCHED_FIFO"
fi

# croftd's CPU time in ns: schedstat's run time, exact where utime + stime
# count 10 ms ticks (croftd has one thread)
cpu_ns() {  # PID
	awk '{ print $1 }' "/proc/$1/schedstat"
}

# "SAMPLE_NS TICKS BALLOON_NS PROCESS_NS VM_NS VM_SAMPLES": what croftd
# counted for the sampler, monitor and QMP, the sampler's ticks, the
# balloon policy's ticks, the whole process's run time, and the part
# spent on running VMs (their samples, their monitor rounds, QMP) with the
# number of VM samples
cpu_now() {
	local p
	p=$(cpu_ns "$CROFTD_PID")
	"$CROFT" metrics | awk -v p="$p" '
		/^croft_croftd_cpu_seconds_total\{part="(sampler|monitor|qmp)"\}/ { s += $2 }
		/^croft_croftd_cpu_seconds_total\{part="(sampler-vm|monitor-vm|qmp)"\}/ { v += $2 }
		/^croft_croftd_cpu_seconds_total\{part="balloon"\}/ { b = $2 }
		/^croft_croftd_calls_total\{part="sampler"\}/ { n = $2 }
		/^croft_croftd_calls_total\{part="sampler-vm"\}/ { k = $2 }
		END { printf "%.0f %d %.0f %s %.0f %d\n", s * 1e9, n, b * 1e9, p, v * 1e9, k }'
}

# one window: "RUNNING SAMPLE_US BALLOON_US PROCESS_US VM_US" on stdout: per
# sample, and VM_US per running VM per sample
window() {  # RUNNING
	local a b
	sleep 4                      # the starts' and stops' own work is done
	a=$(cpu_now)
	sleep "$SECS"
	b=$(cpu_now)
	echo "$1 $a $b" | awk '{ t = $9 - $3; if (t < 1) t = 1; k = $13 - $7
		printf "%d %.1f %.1f %.1f %.1f\n", $1, ($8 - $2) / t / 1000, ($10 - $4) / t / 1000,
			($11 - $5) / t / 1000, (k > 0 ? ($12 - $6) / k / 1000 : 0) }'
}

vms_do() {  # start|stop FIRST LAST
	local i
	for i in $(seq "$2" "$3"); do
		"$CROFT" vm "$1" "$(printf 'm%02d' "$i")" >/dev/null
	done
}

echo "== monitor: $DEFINED VMs defined, up to $RUNNING running (TCG); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); croftd $(chrt -p "$CROFTD_PID" | sed -n 's/.*scheduling policy: //p' | head -n 1); work dir $T"
for i in $(seq -w 1 "$DEFINED"); do
	"$CROFT" vm create "m$i" --vcpus 1 --memory 96M --disk 1M --kernel "$KERNEL" \
		--initrd "$INITRD" --append console=ttyS0 >/dev/null
done
HALF=$((RUNNING / 2))
: >"$T/windows"
window 0 >>"$T/windows"
for _ in $(seq "${BENCH_MON_ROUNDS:-2}"); do
	vms_do start 1 "$HALF"
	bench_guests_ready 'm*' "$HALF" >/dev/null
	window "$HALF" >>"$T/windows"
	vms_do start $((HALF + 1)) "$RUNNING"
	ready=$(bench_guests_ready 'm*' "$RUNNING")
	[ "$ready" -ge "$RUNNING" ] || echo "   (only $ready of $RUNNING guests booted)"
	window "$RUNNING" >>"$T/windows"
	vms_do stop $((HALF + 1)) "$RUNNING"
	window "$HALF" >>"$T/windows"
	vms_do stop 1 "$HALF"
	window 0 >>"$T/windows"
done
echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$T/windows" "$RUNNING" "$DEFINED" "$SECS" <<'PY'
import statistics, sys
rows = [tuple(float(x) for x in l.split()) for l in open(sys.argv[1]) if l.strip()]
running, defined, secs = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def slope(col):
    xs = [r[0] for r in rows]
    ys = [r[col] for r in rows]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)

print(f"1. croftd CPU per sample, {len(rows)} windows of {secs} s (running: us sampler+monitor+qmp"
      f" / balloon policy / whole process):")
print("   " + ", ".join(f"{int(r[0])}: {r[1]:.0f}/{r[2]:.0f}/{r[3]:.0f}" for r in rows))
for n in sorted({r[0] for r in rows}):
    med = [statistics.median(r[c] for r in rows if r[0] == n) for c in (1, 2, 3)]
    print(f"   median with {int(n)} running ({defined} defined): {med[0]:.0f} us counted, "
          f"balloon policy {med[1]:.0f} us, the whole process {med[2]:.0f} us")
def med_slope(col):
    ns = sorted({r[0] for r in rows})
    m = {n: statistics.median(r[col] for r in rows if r[0] == n) for n in ns}
    return (m[ns[-1]] - m[ns[0]]) / (ns[-1] - ns[0])

direct = [r[4] for r in rows if r[0] > 0]
print(f"   per running VM per sample, counted on the VMs themselves in each window (their samples,"
      f" monitor rounds and all QMP, over their samples): median {statistics.median(direct):.1f} us"
      f" ({min(direct):.1f}-{max(direct):.1f}) (target <= 50 us)")
print(f"   per running VM per sample (slope over the windows; of the medians): {slope(1):.1f}; "
      f"{med_slope(1):.1f} us counted (target <= 50 us); balloon policy {slope(2):.1f}; "
      f"{med_slope(2):.1f} us; the whole process {slope(3):.1f}; {med_slope(3):.1f} us")
PY

# BENCH_MON_ONLY=cpu: the sampler's CPU time alone
[ "${BENCH_MON_ONLY:-}" = cpu ] && exit 0
vms_do start 1 "$RUNNING"
bench_guests_ready 'm*' "$RUNNING" >/dev/null

# --- 2 and 3: history -------------------------------------------------------
sqlite3 "$T/state/croft.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$T/state/croft.db" "$T/copy.db"
python3 - "$T/copy.db" "$T/state/croft.db" <<'PY'
import os, sqlite3, struct, sys, time
copy, live = sys.argv[1:]
tiers = [(10_000, 360), (60_000, 1440), (1_800_000, 1488), (21_600_000, 1464)]
blob = struct.pack("<20f", *([1.5] * 20))  # 10 figures x (avg, max)
now = int(time.time() * 1000)

def size(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    return n

db = sqlite3.connect(copy)
ids = [r[0] for r in db.execute("SELECT id FROM vms")]
db.execute("DELETE FROM history")
db.commit()
db.execute("VACUUM")
db.close()
s0 = size(copy)
# one day of a running VM: tier 0 full (360), a day of minutes, 48 + 4
db = sqlite3.connect(copy)
day = {0: 360, 1: 1440, 2: 48, 3: 4}
for vm in ids:
    for t, n in day.items():
        step, slots = tiers[t]
        db.executemany("INSERT OR REPLACE INTO history VALUES (?,?,?,?,?)",
                       [(vm, t, (now // step - k) % slots, (now // step - k) * step, blob) for k in range(n)])
db.commit()
db.close()
s1 = size(copy)
db = sqlite3.connect(copy)
for vm in ids:
    for t, (step, slots) in enumerate(tiers):
        db.executemany("INSERT OR REPLACE INTO history VALUES (?,?,?,?,?)",
                       [(vm, t, (now // step - k) % slots, (now // step - k) * step, blob) for k in range(slots)])
db.commit()
db.close()
s2 = size(copy)
n = len(ids)
print(f"3. store: {(s1 - s0) / n / 1024:.0f} KiB per VM for its first day of history "
      f"(1852 rows), {(s2 - s0) / n / 1024:.0f} KiB per VM with every tier full (4752 rows, a year); "
      f"{n} VMs: {s2 / 1048576:.1f} MiB in all")
# the live store gets the full year too, for croftd to read back
db = sqlite3.connect(live, timeout=30)
for vm in ids:
    for t, (step, slots) in enumerate(tiers):
        db.executemany("INSERT OR REPLACE INTO history VALUES (?,?,?,?,?)",
                       [(vm, t, (now // step - k) % slots, (now // step - k) * step, blob) for k in range(slots)])
    db.commit()
db.close()
PY
for i in $(seq -w 1 "$DEFINED"); do
	"$CROFT" vm stats "m$i" --history 1y --json >/dev/null
	"$CROFT" vm stats "m$i" --history 24h --json >/dev/null
done
read -r rss hwm < <(bench_rss "$CROFTD_PID")
echo "2. croftd with $DEFINED VMs ($RUNNING running) and a year of history for each, read back: VmRSS $((rss / 1024)).$(((rss % 1024) * 10 / 1024)) MiB, VmHWM $((hwm / 1024)).$(((hwm % 1024) * 10 / 1024)) MiB"

# --- 4. /metrics vs node_exporter --------------------------------------------
PORT=$("$CROFT" host stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["metrics"]["port"])')
NE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" >"$T/ne.log" 2>&1 &
BENCH_HELPER_PID=$!                  # bench_stop_everything stops it
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$NE_PORT/metrics" >/dev/null && break; sleep 0.1; done
scrape() {  # URL — the median seconds of SCRAPES scrapes, and the bytes
	local i
	for i in $(seq "$SCRAPES"); do
		curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "$1"
	done | sort -n | awk '{ t[NR] = $1; b = $2 } END { printf "%.2f %d\n", t[int((NR + 1) / 2)] * 1000, b }'
}
read -r c_ms c_bytes < <(scrape "http://127.0.0.1:$PORT/metrics")
read -r n_ms n_bytes < <(scrape "http://127.0.0.1:$NE_PORT/metrics")
python3 - "$c_ms" "$c_bytes" "$n_ms" "$n_bytes" "$SCRAPES" <<'PY'
import sys
c, cb, n, nb, k = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"4. /metrics with 10 running VMs: {c:.2f} ms, {cb} bytes; node_exporter: {n:.2f} ms, {nb} bytes "
      f"(median of {k}); ratio {c / n:.2f}")
PY
curl -s "http://127.0.0.1:$PORT/metrics" | promtool check metrics >/dev/null 2>&1 &&
	echo "   promtool check metrics: ok" || echo "   promtool check metrics: FAILED"
