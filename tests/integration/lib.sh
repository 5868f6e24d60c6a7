# tests/integration/lib.sh — helpers for croft integration tests.
#
# Sourced by tests/integration/test_*.sh, which run as root with
#   BUILD=<build dir holding croftd, croft and guest/{vmlinuz,initrd.img,guest.iso}>
#
# A test looks like:
#
#   . "$(dirname "$0")/lib.sh"
#   itest_setup                       # temp dir, fixture copy, croftd running
#                                     # ($DB the store, $KARGS boot the guest)
#   t_begin "create and start"
#   croft vm create a --vcpus 1 --memory 256M --kernel "$GUEST_KERNEL" \
#       --initrd "$GUEST_INITRD" --append "console=ttyS0 quiet" || fail "create"
#   croft vm start a || fail "start"
#   wait_state a running 30
#   wait_serial a 'CROFT-GUEST: ready' 60
#   t_end
#
# Each sub-case prints one line ("PASS name" or "FAIL name: why"); the script
# exits non-zero if any sub-case (or a check outside a sub-case) failed.
# Teardown (stop croftd, kill leftover QEMUs, remove the temp dir) runs on
# EXIT by itself.
#
# The guest fixture prints these markers on its serial console:
#   CROFT-GUEST: booted | booted from iso, cpus N, mem KIB,
#   disk vdX SECTORS, cdrom srN, nic ethN MAC, ready,
#   acpi-poweroff, self-poweroff, self-reboot
# and honours croft.poweroff=N, croft.reboot=N, croft.ignore_acpi=1 on the
# kernel command line (see tests/fixtures/build-guest.sh).
# shellcheck shell=bash

if [ -z "${BUILD:-}" ]; then
	echo "lib.sh: BUILD is not set (the build dir with croftd, croft, guest/)" >&2
	exit 2
fi
BUILD=$(cd "$BUILD" && pwd) || exit 2
export BUILD
ITEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ITEST_NAME=$(basename "${0%.sh}")
ITEST_PASSED=0
ITEST_FAILED=0
ITEST_CASE=
ITEST_CASE_FAILED=0
ITEST_CASE_WHY=
ITEST_LOOSE_FAILS=0
CROFTD_PID=
ITEST_MEMBER=
T=

# --- reporting -------------------------------------------------------------

_itest_record() {   # pass|fail NAME — for tests/run-integration.sh
	[ -n "${ITEST_RESULTS:-}" ] && echo "$1 $2" >>"$ITEST_RESULTS"
	return 0
}

# t_begin NAME — start a sub-case (ends an open one first).
t_begin() {
	[ -n "$ITEST_CASE" ] && t_end
	ITEST_CASE=$1
	ITEST_CASE_FAILED=0
	ITEST_CASE_WHY=
	ITEST_CASE_START=$SECONDS
}

# t_end — finish the current sub-case and print its one line.
t_end() {
	[ -n "$ITEST_CASE" ] || return 0
	local secs=$((SECONDS - ITEST_CASE_START))
	if [ "$ITEST_CASE_FAILED" -eq 0 ]; then
		ITEST_PASSED=$((ITEST_PASSED + 1))
		echo "PASS $ITEST_NAME: $ITEST_CASE (${secs}s)"
		_itest_record pass "$ITEST_CASE"
	else
		ITEST_FAILED=$((ITEST_FAILED + 1))
		echo "FAIL $ITEST_NAME: $ITEST_CASE (${secs}s):$ITEST_CASE_WHY"
		_itest_record fail "$ITEST_CASE"
	fi
	ITEST_CASE=
	return 0
}

# fail MSG — record a failure (of the current sub-case, or of the script).
# Returns 1, so `cmd || fail "why"` works and `fail ...; return` reads well.
fail() {
	echo "  fail: $*" >&2
	if [ -n "$ITEST_CASE" ]; then
		ITEST_CASE_FAILED=$((ITEST_CASE_FAILED + 1))
		ITEST_CASE_WHY="$ITEST_CASE_WHY $*;"
	else
		ITEST_LOOSE_FAILS=$((ITEST_LOOSE_FAILS + 1))
	fi
	return 1
}

# pass [MSG] — note progress inside a sub-case (does not end it).
pass() {
	[ $# -gt 0 ] && echo "  ok: $*" >&2
	return 0
}

# die MSG — fail and stop the script (teardown still runs).
die() {
	fail "$@"
	t_end
	exit 1
}

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
	if [ "$1" == "$2" ]; then
		return 0
	fi
	fail "${3:-value}: expected '$1', got '$2'"
}

# assert_ne UNEXPECTED ACTUAL [WHAT]
assert_ne() {
	if [ "$1" != "$2" ]; then
		return 0
	fi
	fail "${3:-value}: did not expect '$1'"
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	fail "${3:-output}: '$2' not in '$1'"
}

# _itest_capture CMD... — run CMD with its stdout and stderr kept in
# $EXPECT_OUT / $EXPECT_ERR; returns its exit status.
_itest_capture() {
	local rc=0 errf outf
	errf=$(mktemp)
	outf=$(mktemp)
	"$@" >"$outf" 2>"$errf" || rc=$?
	EXPECT_OUT=$(cat "$outf")
	EXPECT_ERR=$(cat "$errf")
	rm -f "$errf" "$outf"
	return "$rc"
}

# expect_fail SUBSTRING CMD... — CMD must exit non-zero with SUBSTRING in its
# stderr.  Its stdout/stderr are kept in $EXPECT_OUT / $EXPECT_ERR.
expect_fail() {
	local want=$1 rc=0
	shift
	_itest_capture "$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "expected failure from '$*', got exit 0 (stdout: ${EXPECT_OUT:0:200})"
		return 1
	fi
	case "$EXPECT_ERR" in
	*"$want"*) return 0 ;;
	esac
	fail "'$*' failed (exit $rc) but stderr lacks '$want': ${EXPECT_ERR:0:300}"
}

# expect_ok CMD... — CMD must succeed; its output is kept in $EXPECT_OUT / $EXPECT_ERR.
expect_ok() {
	local rc=0
	_itest_capture "$@" || rc=$?
	[ "$rc" -eq 0 ] && return 0
	fail "'$*' exited $rc: ${EXPECT_ERR:0:300}"
}

# --- background processes ----------------------------------------------------

# itest_spawn LOG CMD... — run CMD in the background (stdin /dev/null, output
# appended to LOG); its pid in $ITEST_SPAWNED.  It runs without this
# shell's traps: a child must never run the EXIT trap (itest_teardown).
itest_spawn() {
	local log=$1
	shift
	(
		trap - EXIT TERM INT
		exec "$@" >>"$log" 2>&1 </dev/null
	) &
	ITEST_SPAWNED=$!
}

# itest_wait_up PID TRIES CHECK... — run CHECK every 0.1 s, at most TRIES
# times, while PID lives: 0 once it succeeds, 1 when PID is gone first, 2
# when the tries ran out.
itest_wait_up() {
	local pid=$1 tries=$2 i
	shift 2
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 2
}

# itest_stop PID SECS — SIGTERM, SIGKILL if still alive after SECS, then
# reap it (if it is our child).  Returns 1 when it took the SIGKILL.
itest_stop() {
	local pid=$1 i killed=0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		killed=1
	fi
	wait "$pid" 2>/dev/null || true
	return "$killed"
}

# --- croft and croftd ------------------------------------------------------

# croft ARGS... — the CLI from $BUILD, talking to this test's croftd.
croft() {
	"$BUILD/croft" "$@"
}

# _itest_sock_ready — does $CROFT_SOCKET accept a connection?
_itest_sock_ready() {
	[ -S "$CROFT_SOCKET" ] || return 1
	if command -v socat >/dev/null 2>&1; then
		socat -u OPEN:/dev/null "UNIX-CONNECT:$CROFT_SOCKET" >/dev/null 2>&1
	else
		python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$CROFT_SOCKET" >/dev/null 2>&1
	fi
}

# croftd_start — start croftd in the background and wait up to 10 s for its
# socket to accept connections.  Appends to $T/croftd.log.
croftd_start() {
	local up=0 st=0
	printf -- '--- croftd start %(%T)T\n' -1 >>"$T/croftd.log"
	itest_spawn "$T/croftd.log" ${ITEST_NETNS:+ip netns exec "$ITEST_NETNS"} \
		"$BUILD/croftd" --state-dir "$T/state" --run-dir "$T/run" --foreground
	CROFTD_PID=$ITEST_SPAWNED
	[ -n "${ITEST_RESULTS:-}" ] && echo "croftd $CROFTD_PID" >>"$ITEST_RESULTS"
	# a stale socket (after croftd_kill9) exists but refuses connections
	itest_wait_up "$CROFTD_PID" 100 _itest_sock_ready || up=$?
	case "$up" in
	0) return 0 ;;
	1)
		wait "$CROFTD_PID" 2>/dev/null || st=$?
		fail "croftd exited during start-up (status $st)"
		CROFTD_PID=
		return 1 ;;
	esac
	fail "croftd socket $CROFT_SOCKET did not accept connections within 10 s"
}

# croftd_stop — SIGTERM croftd and wait for it (SIGKILL after 10 s).
croftd_stop() {
	[ -n "$CROFTD_PID" ] || return 0
	itest_stop "$CROFTD_PID" 10 || echo "  croftd did not stop on SIGTERM; killing it" >&2
	CROFTD_PID=
	return 0
}

# croftd_kill9 — kill croftd hard (QEMUs must survive it).
croftd_kill9() {
	[ -n "$CROFTD_PID" ] || return 0
	kill -KILL "$CROFTD_PID" 2>/dev/null || true
	wait "$CROFTD_PID" 2>/dev/null || true
	CROFTD_PID=
	return 0
}

# croftd_restart — stop (SIGTERM) and start again.
croftd_restart() {
	croftd_stop
	croftd_start
}

# itest_share_tools — world-readable copies of apiraw.py and the croft CLI
# in $T ($T/apiraw.py, $T/croft), for users who cannot reach the repo or
# $BUILD.  APIRAW runs the copy.
itest_share_tools() {
	install -m 0644 "$ITEST_DIR/apiraw.py" "$T/apiraw.py"
	install -m 0755 "$BUILD/croft" "$T/croft"
}

# APIRAW ARG... — apiraw.py on $CROFT_SOCKET: raw request lines, the
# replies printed (see its header).
APIRAW() {
	/usr/bin/python3 "$T/apiraw.py" --socket "$CROFT_SOCKET" "$@"
}

# itest_member_add NAME — a temporary system user NAME, member of group
# croft, primary group nogroup; it is $ITEST_MEMBER until itest_member_del
# (or the teardown) removes it.
itest_member_add() {
	ITEST_MEMBER=$1
	useradd --system --no-create-home --no-user-group --gid nogroup \
		--groups croft --shell /usr/sbin/nologin "$1"
}

itest_member_del() {
	if [ -n "$ITEST_MEMBER" ] && getent passwd "$ITEST_MEMBER" >/dev/null; then
		userdel "$ITEST_MEMBER" 2>/dev/null
	fi
	ITEST_MEMBER=
	return 0
}

# --- state and guests --------------------------------------------------------

# vm_json VM — print `croft vm info VM --json`.
vm_json() {
	croft vm info "$1" --json
}

# vmf VM JQ-FILTER — FILTER (jq -r) of `croft vm info VM --json`.
vmf() {
	vm_json "$1" | jq -r "$2"
}

# in_list VM — is VM in `croft vm list --json`?
in_list() {
	croft vm list --json | jq -e --arg n "$1" 'any(.[]; .name == $n)' >/dev/null
}

# check_state VM STATE REASON — state and state_reason from vm info --json.
check_state() {
	assert_eq "$2 $3" "$(vmf "$1" '"\(.state) \(.state_reason)"')" "$1 state/reason"
}

# api OP ARGS-JSON — the reply line to one request on the API socket.
api() {
	APIRAW "{\"id\":1,\"op\":\"$1\",\"args\":$2}" | jq -c 'select(.id == 1)' | head -n 1
}

# in_croftd CMD... — CMD in croftd's mount namespace.
in_croftd() {
	nsenter -m -t "$CROFTD_PID" "$@"
}

# proc_alive PID — is PID a live (not zombie) process?
proc_alive() {
	[ -n "$1" ] && [ -d "/proc/$1" ] || return 1
	! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# json_get FIELD — read JSON on stdin, print top-level FIELD ("" if absent).
json_get() {
	if command -v jq >/dev/null 2>&1; then
		jq -r --arg f "$1" '.[$f] | if . == null then "" else tostring end'
	else
		python3 -c 'import json,sys
v=json.load(sys.stdin).get(sys.argv[1], "")
print("" if v is None else (json.dumps(v) if isinstance(v,(dict,list)) else (str(v).lower() if isinstance(v,bool) else v)))' "$1"
	fi
}

# vm_state VM — print the VM's state ("" if croft fails).
vm_state() {
	vm_json "$1" 2>/dev/null | json_get state 2>/dev/null || true
}

# vm_dir VM — its runtime dir under $T/run.
vm_dir() {
	echo "$T/run/vm/$1"
}

# vm_pid VM — the QEMU pid from its pidfile ("" if none).
vm_pid() {
	local f="$T/run/vm/$1/qemu.pid"
	[ -s "$f" ] && tr -dc '0-9' <"$f"
	return 0
}

# wait_state VM STATE SECS — poll until the VM is in STATE.
wait_state() {
	local vm=$1 want=$2 secs=$3 st= end
	end=$((SECONDS + secs))
	while :; do
		st=$(vm_state "$vm")
		[ "$st" = "$want" ] && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.2
	done
	fail "$vm: state '$st' after ${secs}s, wanted '$want'"
}

# wait_serial VM PATTERN SECS — poll $T/run/vm/VM/serial.log for an ERE.
wait_serial() {
	local vm=$1 pat=$2 secs=$3 end f
	f="$T/run/vm/$vm/serial.log"
	end=$((SECONDS + secs))
	while :; do
		[ -f "$f" ] && grep -aqE -- "$pat" "$f" && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.2
	done
	fail "$vm: '$pat' not on the serial console after ${secs}s (last: $(tail -c 300 "$f" 2>/dev/null | tr -d '\r' | tail -n 3 | tr '\n' '|'))"
}

# serial_count VM PATTERN — how many serial.log lines match the ERE.
serial_count() {
	local f="$T/run/vm/$1/serial.log"
	if [ -f "$f" ]; then
		grep -acE -- "$2" "$f" || true
	else
		echo 0
	fi
}

# wait_for SECS CMD... — poll CMD (every 0.2 s) until it succeeds.
wait_for() {
	local secs=$1 end
	shift
	end=$((SECONDS + secs))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.2
	done
	fail "'$*' did not succeed within ${secs}s"
}

# wait_pid_gone PID SECS — wait for a process (not our child) to exit.
wait_pid_gone() {
	local pid=$1 secs=$2 end
	end=$((SECONDS + secs))
	while kill -0 "$pid" 2>/dev/null; do
		[ "$SECONDS" -ge "$end" ] && { fail "pid $pid still alive after ${secs}s"; return 1; }
		sleep 0.2
	done
	return 0
}

# --- setup and teardown ------------------------------------------------------

# itest_need_root LIBNAME — exit 2 unless root.
itest_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$1: integration tests must run as root" >&2
		exit 2
	fi
}

# itest_tmpdir EXIT-TRAP — the temp dir $T (mode 0755, with run/), torn
# down by EXIT-TRAP; TERM and INT exit through it.
itest_tmpdir() {
	ITEST_MAIN_PID=$BASHPID
	T=$(mktemp -d /tmp/ct.XXXXXX) || exit 2
	export T
	chmod 0755 "$T"
	mkdir -p "$T/run"
	chmod 0755 "$T/run"
	# shellcheck disable=SC2064
	trap "$1" EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	[ -n "${ITEST_RESULTS:-}" ] && echo "tmpdir $T" >>"$ITEST_RESULTS"
}

# itest_setup — temp dir, fixture copy, environment, croftd.
itest_setup() {
	local f
	itest_need_root lib.sh
	for f in croftd croft guest/vmlinuz guest/initrd.img guest/guest.iso; do
		if [ ! -e "$BUILD/$f" ]; then
			echo "lib.sh: $BUILD/$f missing (make all guest)" >&2
			exit 2
		fi
	done
	itest_tmpdir itest_teardown
	mkdir -p "$T/state"
	chmod 0755 "$T/state"
	# The repo may sit where croft-qemu cannot read (e.g. /root): copy.
	cp "$BUILD/guest/vmlinuz" "$T/vmlinuz"
	cp "$BUILD/guest/initrd.img" "$T/initrd.img"
	cp "$BUILD/guest/guest.iso" "$T/guest.iso"
	chmod 0644 "$T/vmlinuz" "$T/initrd.img" "$T/guest.iso"
	export GUEST_KERNEL="$T/vmlinuz"
	export GUEST_INITRD="$T/initrd.img"
	export GUEST_ISO="$T/guest.iso"
	export CROFT_SOCKET="$T/run/croftd.sock"
	export CROFT_ACCEL=tcg
	# the store's file; `croft vm create` arguments that boot the test guest
	DB=$T/state/croft.db
	KARGS=(--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check")
	: >"$T/croftd.log"
	croftd_start || exit 1
	# VMs use files in pools or allowed paths: the test's own files live in $T
	croft host set allow-path "$T" >/dev/null || die "croft host set allow-path $T failed"
}

# itest_qemu_of_test PID — is PID a QEMU of this test: its command line
# names $T, or carries the -uuid of one of the VMs in $T's store (croftd
# passes QEMU no path of $T: sockets and files arrive as descriptors)?
itest_qemu_of_test() {
	local cmd u
	cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
	case "$cmd" in *qemu-system*) ;; *) return 1 ;; esac
	case "$cmd" in *"$T/"*) return 0 ;; esac
	[ -f "$T/state/croft.db" ] || return 1
	for u in $(sqlite3 "$T/state/croft.db" 'SELECT uuid FROM vms' 2>/dev/null); do
		case "$cmd" in *" -uuid $u "*) return 0 ;; esac
	done
	return 1
}

# itest_kill_qemus — kill every QEMU of this test: by croftd's pidfiles under
# $T/run/vm/*/qemu.pid, and any process itest_qemu_of_test recognises.
itest_kill_qemus() {
	local pf pid p
	[ -n "$T" ] && [ -d "$T" ] || return 0
	for pf in "$T"/run/vm/*/qemu.pid; do
		[ -s "$pf" ] || continue
		pid=$(tr -dc '0-9' <"$pf")
		[ -n "$pid" ] || continue
		# only if it still is a process of this test (pids get reused)
		itest_qemu_of_test "$pid" && itest_stop "$pid" 5
	done
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = "$$" ] && continue
		itest_qemu_of_test "$pid" && itest_stop "$pid" 5
	done
	return 0
}

# itest_teardown — runs on EXIT.
itest_teardown() {
	local rc=$? f
	# Only the test's own shell tears down, never a subshell of it.
	[ "$BASHPID" = "${ITEST_MAIN_PID:-}" ] || return "$rc"
	set +e
	trap - EXIT TERM INT
	itest_member_del
	if [ -n "$ITEST_CASE" ]; then
		# the script stopped inside a sub-case (die, set -e, a signal)
		[ "$rc" -ne 0 ] && [ "$ITEST_CASE_FAILED" -eq 0 ] &&
			fail "script exited with status $rc inside this case"
		t_end
	fi
	local failed=$((ITEST_FAILED + ITEST_LOOSE_FAILS))
	[ "$failed" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
	croftd_stop
	itest_kill_qemus
	declare -F itest_net_teardown >/dev/null && itest_net_teardown
	if [ "$rc" -ne 0 ] && [ -n "$T" ] && [ -f "$T/croftd.log" ]; then
		echo "--- $ITEST_NAME: last lines of croftd.log" >&2
		tail -n 40 "$T/croftd.log" >&2
		for f in "$T"/run/vm/*/serial.log; do
			[ -f "$f" ] || continue
			echo "--- $ITEST_NAME: tail of $f" >&2
			tail -c 1500 "$f" | tr -d '\r' >&2
			echo >&2
		done
	fi
	if [ -n "$T" ] && [ -d "$T" ] && [ -z "${ITEST_KEEP:-}" ]; then
		rm -rf "$T"
	elif [ -n "${ITEST_KEEP:-}" ]; then
		echo "--- $ITEST_NAME: kept $T" >&2
	fi
	echo "$ITEST_NAME: $ITEST_PASSED passed, $failed failed"
	exit "$rc"
}
