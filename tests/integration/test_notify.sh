#!/bin/bash
# test_notify.sh — croftd and croft-netd tell systemd when they are ready
# (sd_notify from libsystemd, for their Type=notify units): with
# NOTIFY_SOCKET naming a datagram socket this test listens on, croft-netd
# (in its own network namespace) and then croftd each send READY=1 with a
# STATUS line once their sockets accept connections, and STOPPING=1 on
# SIGTERM.  Every other test, and make run, start them without
# NOTIFY_SOCKET: nothing is sent and nothing changes.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

itest_net_setup
itest_netd_only_setup
[ -x "$BUILD/croftd" ] || die "no $BUILD/croftd (make all)"
mkdir -p "$T/state" && chmod 0755 "$T/state"
export CROFT_SOCKET="$T/run/croftd.sock" CROFT_ACCEL=tcg
: >"$T/croftd.log"

# systemd's side: a datagram socket, each message one line of $T/notify
itest_spawn "$T/notify.log" python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")' "$T/notify.sock" "$T/notify"
RECV=$ITEST_SPAWNED
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
[ -S "$T/notify.sock" ] || die "the notify socket did not appear"
touch "$T/notify"
export NOTIFY_SOCKET=$T/notify.sock

# wait_notify REGEX — up to 10 s for a message matching REGEX
wait_notify() {
	local i
	for i in $(seq 100); do
		grep -Eq "$1" "$T/notify" && return 0
		sleep 0.1
	done
	return 1
}

t_begin "croft-netd: READY=1 once its socket listens"
netd_start || fail "croft-netd did not start"
wait_notify "READY=1 STATUS=croft-netd ready" || fail "no READY=1 from croft-netd: $(cat "$T/notify")"
t_end

t_begin "croftd: READY=1 once the API listens"
croftd_start || fail "croftd did not start"
wait_notify "READY=1 STATUS=croftd ready" || fail "no READY=1 from croftd: $(cat "$T/notify")"
croft version >/dev/null || fail "croftd does not answer after READY=1"
t_end

t_begin "SIGTERM: STOPPING=1 from each"
croftd_stop
netd_stop
[ "$(grep -c "^STOPPING=1" "$T/notify")" -eq 2 ] || fail "not two STOPPING=1: $(cat "$T/notify")"
t_end

itest_stop "$RECV" 2 || true
