# bench/lib.sh — what the benchmark scripts share.  Sourced by bench/*.sh:
#
#   BENCH_NAME="bench net_apply"       # the prefix of its messages (die)
#   . "$(dirname "$0")/lib.sh"         # sets $HERE (bench/) and $ROOT
#   bench_build_dir "${1:-build}"      # $BUILD, absolute
#   bench_need_root "network namespaces"; bench_need_tools ip nft
#   bench_tmpdir croft-netbench        # $T
#   bench_traps cleanup "$T/netd.log" croft-netd
#
# On exit the script's cleanup runs its own teardown; then, when it failed,
# the log named shows its last lines, and $T is removed.
#
# The benchmarks with a private croftd call bench_setup instead of
# bench_build_dir, start it with bench_croftd_start (its pid in
# $CROFTD_PID, its log $T/croftd.log, its socket $CROFT_SOCKET) and tear
# down with bench_stop_everything.  A QEMU is killed by its pidfile only
# when it is one of this run's: its command line names $T.
# shellcheck shell=bash

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CROFTD_PID=

die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 1; }

# bench_build_dir DIR — the build dir (as given, or relative to the repo).
bench_build_dir() {
	BUILD=$1
	[ -d "$BUILD" ] || BUILD=$ROOT/$BUILD
	BUILD=$(cd "$BUILD" && pwd)
}

bench_need_root() {  # WHY
	[ "$(id -u)" = 0 ] || die "must run as root ($1)"
}

bench_need_tools() {  # TOOL...
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t is not installed"
	done
}

# bench_setup BUILD — for a benchmark with a private croftd: $BUILD, $CROFTD
# and $CROFT; refuses to go on without root, the binaries or the test guest.
bench_setup() {
	bench_build_dir "$1"
	CROFTD=$BUILD/croftd
	CROFT=$BUILD/croft
	bench_need_root "croftd drops QEMU to croft-qemu"
	[ -x "$CROFTD" ] && [ -x "$CROFT" ] || die "no $CROFTD or $CROFT; run make all"
	[ -r "$BUILD/guest/vmlinuz" ] && [ -r "$BUILD/guest/initrd.img" ] ||
		die "no test guest in $BUILD/guest; run make guest"
}

bench_tmpdir() {  # PREFIX
	T=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 755 "$T"
}

# bench_traps CLEANUP [LOG WHOSE] — on EXIT (INT and TERM exit 130 and 143):
# CLEANUP, errors ignored; on failure the tail of LOG, WHOSE log it is;
# then $T goes and the script exits with its status.
bench_traps() {
	BENCH_CLEANUP=$1
	BENCH_LOG=${2:-}
	BENCH_LOG_OF=${3:-}
	trap _bench_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

_bench_exit() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	"$BENCH_CLEANUP"
	if [ "$rc" != 0 ] && [ -n "$BENCH_LOG" ] && [ -s "$BENCH_LOG" ]; then
		echo "${BENCH_NAME:-bench}: failed; last lines of $BENCH_LOG_OF's log:" >&2
		tail -n 20 "$BENCH_LOG" >&2
	fi
	rm -rf "$T"
	exit "$rc"
}

# bench_cc NAME [CFLAGS...] — build bench/NAME.c into $T/NAME.
bench_cc() {
	local name=$1
	shift
	"${CC:-cc}" -O2 -Wall -Wextra "$@" -o "$T/$name" "$HERE/$name.c" ||
		die "cannot build bench/$name.c"
}

# bench_guest — the test guest's kernel and initrd, world-readable (QEMU
# runs as croft-qemu), as $KERNEL and $INITRD.
# shellcheck disable=SC2034  # KERNEL and INITRD are for the scripts
bench_guest() {
	mkdir -m 755 "$T/guest"
	install -m 644 "$BUILD/guest/vmlinuz" "$BUILD/guest/initrd.img" "$T/guest/"
	KERNEL=$T/guest/vmlinuz
	INITRD=$T/guest/initrd.img
}

bench_croftd_start() {
	CROFT_ACCEL=tcg "$BUILD/croftd" --state-dir "$T/state" --run-dir "$T/run" --foreground \
		>>"$T/croftd.log" 2>&1 &
	CROFTD_PID=$!
	for _ in $(seq 100); do
		if [ -S "$CROFT_SOCKET" ] && "$BUILD/croft" version >/dev/null 2>&1; then
			# VMs use files in pools or allowed paths: the bench's own live in $T
			"$BUILD/croft" host set allow-path "$T" >/dev/null 2>&1 || true
			return 0
		fi
		kill -0 "$CROFTD_PID" 2>/dev/null || die "croftd exited: $(tail -n 20 "$T/croftd.log")"
		sleep 0.1
	done
	die "croftd did not come up: $(tail -n 5 "$T/croftd.log")"
}

bench_croftd_stop() {
	[ -n "$CROFTD_PID" ] || return 0
	kill -TERM "$CROFTD_PID" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$CROFTD_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$CROFTD_PID" 2>/dev/null || true
	wait "$CROFTD_PID" 2>/dev/null || true
	CROFTD_PID=
}

# bench_kill_pidfile FILE — kill the QEMU a pidfile names, if the pid is
# alive and really is one of ours.
bench_is_our_qemu() {  # PID
	local cmd u
	cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
	case "$cmd" in *qemu-system*"$T/"*) return 0 ;; *qemu-system*) ;; *) return 1 ;; esac
	for u in $(sqlite3 "$T/state/croft.db" 'SELECT uuid FROM vms' 2>/dev/null); do
		case "$cmd" in *" -uuid $u "*) return 0 ;; esac
	done
	return 1
}

bench_kill_pidfile() {
	local pid
	pid=$(tr -dc 0-9 2>/dev/null <"$1") || return 0
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
	# croftd wrote the pidfile; a recycled pid is not a QEMU of this run's
	# store (QEMU names no path of $T: it gets descriptors)
	bench_is_our_qemu "$pid" || return 0
	kill -KILL "$pid" 2>/dev/null || true
	for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
}

# bench_guests_ready GLOB N — how many of the guests named by GLOB (under
# $T/run/vm) have booted, once N have or after 2 minutes.
bench_guests_ready() {
	local n=0
	for _ in $(seq 240); do
		# shellcheck disable=SC2086  # GLOB is a pattern
		n=$( (grep -l 'CROFT-GUEST: ready' "$T"/run/vm/$1/serial.log 2>/dev/null || true) | wc -l)
		[ "$n" -ge "$2" ] && break
		sleep 0.5
	done
	echo "$n"
}

# bench_stop_everything — stop the script's helper process, if it set
# BENCH_HELPER_PID, and every guest croftd still runs, kill what is left of
# this run's QEMUs (also the bare ones of run.sh), stop croftd.
bench_stop_everything() {
	local name f
	if [ -n "${BENCH_HELPER_PID:-}" ] && kill "$BENCH_HELPER_PID" 2>/dev/null; then
		wait "$BENCH_HELPER_PID" 2>/dev/null
	fi
	BENCH_HELPER_PID=
	if [ -n "$CROFTD_PID" ] && kill -0 "$CROFTD_PID" 2>/dev/null; then
		for name in $("$BUILD/croft" vm list --json 2>/dev/null | python3 -c '
import json, sys
for v in json.load(sys.stdin):
    if v.get("state") not in ("stopped", "crashed"):
        print(v["name"])' 2>/dev/null); do
			timeout 20 "$BUILD/croft" vm stop "$name" >/dev/null 2>&1
		done
	fi
	for f in "$T"/run/vm/*/qemu.pid "$T"/bare/qemu.pid; do
		[ -e "$f" ] && bench_kill_pidfile "$f"
	done
	bench_croftd_stop
}

# bench_rss PID — "VmRSS VmHWM" in kB.
bench_rss() {
	awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r, h }' "/proc/$1/status"
}
