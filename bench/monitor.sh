#!/usr/bin/env bash
# bench/monitor.sh BUILD — what the host monitor costs (bench/run.sh calls
# it; it also runs alone).
#
# 1. The sampler's CPU time: croftd's own CPU time (the run time of
#    /proc/PID/schedstat, in ns) over BENCH_MON_SECS (60) s with 50 VMs defined and 0,
#    then 10 running (TCG, 96M, a 1M disk each), no client asking anything;
#    per sample and per running VM.  Everything croftd does in that time
#    counts: /proc reads, the QMP questions and answers, history and alerts.
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
SECS=${BENCH_MON_SECS:-60}
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

# croftd's CPU time in ns: schedstat's run time, exact where utime + stime
# count 10 ms ticks (croftd has one thread)
cpu_ns() {  # PID
	awk '{ print $1 }' "/proc/$1/schedstat"
}

# croftd's CPU us over SECS s
cpu_over() {
	local a b
	a=$(cpu_ns "$CROFTD_PID")
	sleep "$SECS"
	b=$(cpu_ns "$CROFTD_PID")
	echo $(((b - a) / 1000))
}

echo "== monitor: $DEFINED VMs defined, $RUNNING running (TCG); $(nproc) CPUs; work dir $T"
for i in $(seq -w 1 "$DEFINED"); do
	"$CROFT" vm create "m$i" --vcpus 1 --memory 96M --disk 1M --kernel "$KERNEL" \
		--initrd "$INITRD" --append console=ttyS0 >/dev/null
done
sleep 4
idle_ms=$(cpu_over)
for i in $(seq -w 1 "$RUNNING"); do
	"$CROFT" vm start "m$i" >/dev/null
done
ready=$(bench_guests_ready 'm*' "$RUNNING")
sleep 4
busy_ms=$(cpu_over)
samples=$((SECS * 1000 / 2000))
python3 - "$idle_ms" "$busy_ms" "$samples" "$RUNNING" "$DEFINED" "$ready" <<'PY'
import sys
idle, busy, samples, running, defined, ready = map(int, sys.argv[1:])
print(f"1. croftd CPU over {samples} samples: {idle / 1000:.1f} ms with 0 running, {busy / 1000:.1f} ms "
      f"with {running} running ({ready} booted)")
print(f"   per sample: {idle / samples:.0f} us with {defined} defined and 0 running "
      f"({idle / samples / defined:.1f} us per defined VM), {busy / samples:.0f} us with {running} running")
print(f"   per running VM per sample: {(busy - idle) / samples / running:.0f} us "
      f"(all of croftd's time, less the idle run's); target <= 50 us")
PY

# BENCH_MON_ONLY=cpu: the sampler's CPU time alone
[ "${BENCH_MON_ONLY:-}" = cpu ] && exit 0

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
