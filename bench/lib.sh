# bench/lib.sh — sourced by the benchmarks that run a private croftd
# (run.sh, vm_list.sh): starting and stopping it, stopping its guests, and
# killing a QEMU named by a pidfile only when it is one of this run's (its
# command line names the run's temp dir).
#
# The caller defines die(), calls bench_setup BUILD (which sets ROOT, BUILD,
# CROFTD, CROFT), makes its temp dir T, exports CROFT_SOCKET and calls
# bench_traps; croftd logs to $T/croftd.log and its pid is CROFTD_PID.

CROFTD_PID=

bench_setup() {  # BUILD
	ROOT=$(cd "$HERE/.." && pwd)
	BUILD=$1
	[ -d "$BUILD" ] || BUILD=$ROOT/$BUILD
	BUILD=$(cd "$BUILD" && pwd)
	CROFTD=$BUILD/croftd
	CROFT=$BUILD/croft
	[ "$(id -u)" = 0 ] || die "must run as root (croftd drops QEMU to croft-qemu)"
	[ -x "$CROFTD" ] && [ -x "$CROFT" ] || die "no $CROFTD or $CROFT; run make all"
	[ -r "$BUILD/guest/vmlinuz" ] && [ -r "$BUILD/guest/initrd.img" ] ||
		die "no test guest in $BUILD/guest; run make guest"
}

# On exit, also on failure: everything down, the temp dir gone, and on a
# failure croftd's last words.
bench_cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	stop_everything
	if [ "$rc" != 0 ] && [ -s "$T/croftd.log" ]; then
		echo "bench: failed; last lines of croftd's log:" >&2
		tail -n 20 "$T/croftd.log" >&2
	fi
	rm -rf "$T"
	exit "$rc"
}

bench_traps() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

croftd_start() {
	CROFT_ACCEL=tcg "$CROFTD" --state-dir "$T/state" --run-dir "$T/run" --foreground \
		>>"$T/croftd.log" 2>&1 &
	CROFTD_PID=$!
	for _ in $(seq 100); do
		[ -S "$CROFT_SOCKET" ] && "$CROFT" version >/dev/null 2>&1 && return 0
		kill -0 "$CROFTD_PID" 2>/dev/null || die "croftd exited: $(cat "$T/croftd.log")"
		sleep 0.1
	done
	die "croftd did not come up"
}

croftd_stop() {
	kill -TERM "$CROFTD_PID" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$CROFTD_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$CROFTD_PID" 2>/dev/null || true
	wait "$CROFTD_PID" 2>/dev/null || true
	CROFTD_PID=
}

kill_pidfile() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$T/" || return 0
	kill -KILL "$pid" 2>/dev/null || true
	for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
}

# How many of the guests named by GLOB (under $T/run/vm) have booted, once
# N have or after 2 minutes.
guests_ready() {  # GLOB N
	local n=0
	for _ in $(seq 240); do
		n=$( (grep -l 'CROFT-GUEST: ready' "$T"/run/vm/$1/serial.log 2>/dev/null || true) | wc -l)
		[ "$n" -ge "$2" ] && break
		sleep 0.5
	done
	echo "$n"
}

# Stop every guest croftd still runs, kill what is left of this run's QEMUs
# (also the bare ones of run.sh), stop croftd.
stop_everything() {
	local name f
	if [ -n "$CROFTD_PID" ] && kill -0 "$CROFTD_PID" 2>/dev/null; then
		for name in $("$CROFT" vm list --json 2>/dev/null | python3 -c '
import json, sys
for v in json.load(sys.stdin):
    if v.get("state") not in ("stopped", "crashed"):
        print(v["name"])' 2>/dev/null); do
			timeout 20 "$CROFT" vm stop "$name" >/dev/null 2>&1
		done
	fi
	for f in "$T"/run/vm/*/qemu.pid "$T"/bare/qemu.pid; do
		[ -e "$f" ] && kill_pidfile "$f"
	done
	[ -n "$CROFTD_PID" ] && croftd_stop
}
