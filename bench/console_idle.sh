#!/usr/bin/env bash
# bench/console_idle.sh BUILD — the console's terminal output and key latency.
#
# A private croftd with 20 VMs defined, 10 of them running (TCG, 96M, the
# test guest).  The console runs in a private tmux server at 80x24
# (TERM=xterm-256color); once the guests have booted and the console has
# settled:
#   1. bytes per second the idle console writes to its terminal, counted
#      with tmux pipe-pane over BENCH_IDLE_SECS (default 30) seconds;
#      baseline: procps `top -d 1` in the same pane size, same run;
#   2. keypress to completed redraw: BENCH_KEYS (default 60) presses of j/k,
#      timed inside the console (CROFT_CONSOLE_TRACE logs the time from
#      reading a key to the end of the doupdate() that shows its effect).
# Not pass/fail; exits 0 unless the setup fails.  Everything (guests,
# croftd, tmux, the temp dir) is torn down on exit.
set -euo pipefail

BENCH_NAME="console bench"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_setup "${1:-build}"
DEFINED=20
RUNNING=10
IDLE_SECS=${BENCH_IDLE_SECS:-30}
KEYS=${BENCH_KEYS:-60}
TARGET_BPS=2048

bench_need_tools tmux top python3

bench_tmpdir croft-cbench
mkdir -m 755 "$T/state" "$T/run"
bench_guest
export CROFT_SOCKET=$T/run/croftd.sock
TMUX_SOCK=$T/tmux.sock

tm() { tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }

cleanup() {
	tm kill-server >/dev/null 2>&1
	bench_stop_everything
}
bench_traps cleanup "$T/croftd.log" croftd

bench_croftd_start

echo "== console: $DEFINED VMs defined, $RUNNING running (TCG, 96M each); console at 80x24"
for i in $(seq -w 1 "$DEFINED"); do
	"$CROFT" vm create "cb$i" --vcpus 1 --memory 96M --kernel "$KERNEL" \
		--initrd "$INITRD" --append "console=ttyS0 quiet" >/dev/null
done
for i in $(seq -w 1 "$RUNNING"); do
	"$CROFT" vm start "cb$i" >/dev/null
done
# let the guests boot: the idle figure is about the console, not boot noise
n=$(bench_guests_ready 'cb*' "$RUNNING")
echo "(guests ready: $n of $RUNNING)"

# idle_bytes NAME CMD — start CMD in an 80x24 pane, settle, count bytes.
idle_bytes() {
	local name=$1 cmd=$2 out=$T/$1.out
	tm new-session -d -s "$name" -x 80 -y 24 "$cmd"
	sleep 5
	: >"$out"
	tm pipe-pane -o -t "$name" "cat >>'$out'"
	sleep "$IDLE_SECS"
	tm pipe-pane -t "$name"
	sleep 0.3
	stat -c %s "$out"
}

CONSOLE="env CROFT_SOCKET=$CROFT_SOCKET TERM=xterm-256color CROFT_CONSOLE_TRACE=$T/trace $CROFT"
cb=$(idle_bytes console "$CONSOLE")
tm capture-pane -p -t console >"$T/screen.txt"
grep -q "Guests $RUNNING/$DEFINED" "$T/screen.txt" || {
	cat "$T/screen.txt" >&2
	die "the console does not show $RUNNING/$DEFINED guests"
}
tb=$(idle_bytes top "env TERM=xterm-256color top -d 1")

# key latency: j/k alternately, each waited for in the trace
: >"$T/trace"
for i in $(seq "$KEYS"); do
	if [ $((i % 2)) = 1 ]; then k=j; else k=k; fi
	tm send-keys -t console "$k"
	for _ in $(seq 50); do
		[ "$(grep -c '^key ' "$T/trace")" -ge "$i" ] && break
		sleep 0.02
	done
	sleep 0.05
done

python3 - "$cb" "$tb" "$IDLE_SECS" "$T/trace" "$TARGET_BPS" <<'EOF'
import statistics, sys
cb, tb, secs, trace, target = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
c, t = cb / secs, tb / secs
print("1. idle output, 80x24, %d s: croft console %.0f bytes/s; baseline top -d 1 %.0f bytes/s; "
      "ratio %.2f; target <= %d bytes/s: %s" % (secs, c, t, c / t if t else float("nan"), target,
                                                 "met" if c <= target else "NOT met"))
lat = [int(l.split()[2]) / 1000.0 for l in open(trace) if l.startswith("key ")]
if lat:
    lat.sort()
    p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
    print("2. keypress to completed redraw (j/k, %d presses, inside the console): "
          "median %.2f ms, p95 %.2f ms, max %.2f ms" % (len(lat), statistics.median(lat), p95, lat[-1]))
else:
    print("2. keypress to completed redraw: no trace lines (CROFT_CONSOLE_TRACE)")
EOF
