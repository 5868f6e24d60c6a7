# bench/lib.sh — what the benchmark scripts share.  Sourced by bench/*.sh:
#
#   BENCH_NAME="bench net_apply"       # the prefix of its messages
#   . "$(dirname "$0")/lib.sh"
#   bench_build_dir "${1:-build}"      # $BUILD, absolute
#   bench_need_root "network namespaces"; bench_need_tools ip nft
#   bench_tmpdir croft-netbench        # $T
#   bench_traps cleanup "$T/netd.log" croft-netd
#
# On exit the script's cleanup runs its own teardown; then, when it
# failed, the log named shows its last lines, and $T is removed.
# The private croftd (bench_croftd_start/_stop) keeps its pid in
# $CROFTD_PID, its log in $T/croftd.log and its socket at $CROFT_SOCKET.
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
		[ -S "$CROFT_SOCKET" ] && "$BUILD/croft" version >/dev/null 2>&1 && return 0
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
# alive and really is one of ours (its command line names $T).
bench_kill_pidfile() {
	local pid
	pid=$(tr -dc 0-9 2>/dev/null <"$1") || return 0
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$T/" || return 0
	kill -KILL "$pid" 2>/dev/null || true
	for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
}

# bench_rss PID — "VmRSS VmHWM" in kB.
bench_rss() {
	awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r, h }' "/proc/$1/status"
}
