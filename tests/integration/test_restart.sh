#!/bin/bash
# test_restart.sh — QEMU outlives croftd.  With four guests up, croftd is
# killed with SIGKILL; meanwhile one guest's QEMU is killed and another guest
# powers itself off.  The next croftd must re-adopt the two live guests (same
# pids, controllable), record the killed one as crashed and the powered-off
# one as stopped (quitting its QEMU, kept alive by -no-shutdown), and the
# store must be intact.  A SIGTERM of croftd leaves guests running too, and a
# paused guest is re-adopted as paused.
#
# Guests (1 vCPU, 128M, direct kernel boot):
#   r1, r2  plain guests, re-adopted
#   k       its QEMU is killed while croftd is down
#   p       croft.poweroff=3, started just before croftd dies
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

APPEND="console=ttyS0 quiet no_timer_check"

# is_qemu_of PID VM — is PID alive and a QEMU of this test's VM (its -name
# and its -uuid, from the store)?
is_qemu_of() {
	local cmd uuid
	proc_alive "$1" || return 1
	uuid=$(sqlite3 "$DB" "SELECT uuid FROM vms WHERE name = '$2'" 2>/dev/null)
	[ -n "$uuid" ] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	case "$cmd" in *qemu-system*"guest=$2,"*" -uuid $uuid "*) return 0 ;; esac
	return 1
}

# qemu_status_is VM STATUS — does the VM's QEMU answer query-status with
# STATUS?  Over its QMP socket directly: only while croftd is down (QEMU
# serves one QMP client at a time).
qemu_status_is() {
	python3 - "$T/run/vm/$1/qmp.sock" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
for cmd in ("qmp_capabilities", "query-status"):
    f.write(json.dumps({"execute": cmd}) + "\n")
    f.flush()
    while True:
        m = json.loads(f.readline())
        if "return" in m or "error" in m:
            break
sys.exit(0 if m.get("return", {}).get("status") == sys.argv[2] else 1)
PY
}

# integrity — sqlite's integrity_check of the store.
integrity() {
	local out
	out=$(sqlite3 "$T/state/croft.db" 'pragma integrity_check' 2>&1)
	assert_eq ok "$out" "integrity_check of $T/state/croft.db"
}

# new_vm NAME [APPEND-EXTRA] — create a small direct-boot guest.
new_vm() {
	expect_ok croft vm create "$1" --vcpus 1 --memory 128M \
		--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "$APPEND${2:+ $2}"
}

itest_setup

t_begin "four guests up, croftd killed with SIGKILL"
declare -A PID
T_START=$SECONDS
for v in r1 r2 k; do
	new_vm "$v" && expect_ok croft vm start "$v" && PID[$v]=$(vmf "$v" .pid)
done
for v in r1 r2 k; do
	wait_serial "$v" 'CROFT-GUEST: ready' 120
done
# p powers off 3 s after ready: start it, then kill croftd before it boots.
new_vm p croft.poweroff=3 && expect_ok croft vm start p && PID[p]=$(vmf p .pid)
for v in r1 r2 k p; do
	case "${PID[$v]:-}" in ''|null|*[!0-9]*) fail "$v has no pid ('${PID[$v]:-}')" ;; esac
	assert_eq running "$(vmf "$v" .state)" "$v state before the kill"
done
[ "$(serial_count p 'CROFT-GUEST: ready')" -eq 0 ] || fail "p was ready before croftd died (too slow a host?)"
croftd_kill9
croft vm list >/dev/null 2>&1 && fail "croftd still answers after kill -9"
t_end

t_begin "the QEMUs survive croftd's SIGKILL with the same pids"
for v in r1 r2 k p; do
	is_qemu_of "${PID[$v]}" "$v" || fail "$v: QEMU pid ${PID[$v]} is not alive"
	assert_eq "${PID[$v]}" "$(vm_pid "$v")" "$v pidfile"
done
t_end

t_begin "the store passes integrity_check after the SIGKILL"
integrity
t_end

# While croftd is down: kill k's QEMU; let p power itself off.
kill -KILL "${PID[k]}"
wait_pid_gone "${PID[k]}" 10
# The serial console is croftd's to log, so with croftd down ask QEMU itself.
wait_for 120 qemu_status_is p shutdown
sleep 1
P_ALIVE=0
is_qemu_of "${PID[p]}" p && P_ALIVE=1

t_begin "croftd restarts and re-adopts the live guests (same pids, croftd-restart)"
if croftd_start; then
	for v in r1 r2; do
		check_state "$v" running croftd-restart
		assert_eq "${PID[$v]}" "$(vmf "$v" .pid)" "$v pid"
		is_qemu_of "${PID[$v]}" "$v" || fail "$v: QEMU pid ${PID[$v]} gone after the restart"
		# counted from the pidfile, not from the re-adoption
		up=$(vmf "$v" .uptime_s)
		case "$up" in
		''|null|*[!0-9]*) fail "$v uptime_s '$up'" ;;
		*) [ "$up" -ge $((SECONDS - T_START - 3)) ] ||
			fail "$v uptime_s $up, but QEMU started $((SECONDS - T_START)) s ago" ;;
		esac
	done
	got=$(croft vm list --json | jq -r '[.[] | select(.name == "r1" or .name == "r2") | "\(.name):\(.state):\(.pid)"] | join(" ")')
	assert_eq "r1:running:${PID[r1]} r2:running:${PID[r2]}" "$got" "vm list"
fi
t_end

t_begin "a QEMU killed while croftd was down shows crashed, never running"
st=$(vmf k '"\(.state) \(.state_reason) \(.pid)"')
assert_eq "crashed qemu-exited-while-croftd-was-down null" "$st" "k"
if expect_ok croft vm start k; then
	assert_eq running "$(vmf k .state)" "k after start"
	wait_serial k 'CROFT-GUEST: booted' 120
	expect_ok croft vm stop k
fi
t_end

t_begin "a guest that powered off while croftd was down shows stopped; its QEMU is quit"
[ "$P_ALIVE" -eq 1 ] || fail "p's QEMU had exited before croftd came back (no -no-shutdown?)"
st=$(vmf p '"\(.state) \(.state_reason) \(.pid)"')
assert_eq "stopped guest null" "$st" "p"
wait_pid_gone "${PID[p]}" 10 || fail "croftd did not quit p's QEMU (pid ${PID[p]})"
t_end

t_begin "re-adopted guests are controllable"
if expect_ok croft vm pause r1 --json; then
	assert_eq paused "$(echo "$EXPECT_OUT" | jq -r .state)" "r1 pause reply"
	assert_eq paused "$(vmf r1 .state)" "r1 after pause"
fi
if expect_ok croft vm resume r1 --json; then
	assert_eq running "$(echo "$EXPECT_OUT" | jq -r .state)" "r1 resume reply"
	assert_eq running "$(vmf r1 .state)" "r1 after resume"
fi
mark="readopt-$RANDOM"
out=$( (sleep 0.3; printf '\necho %s-$((6*7))\n' "$mark") |
	CROFT_CONSOLE_LINGER_MS=1500 timeout 20 "$BUILD/croft" vm console r1 2>&1)
printf '%s\n' "$out" | tr -d '\r' | grep -qx -- "$mark-42" ||
	fail "r1's console did not answer after the restart (got: $(printf '%s' "$out" | tr -d '\r' | tail -n 3 | tr '\n' '|'))"
if expect_ok croft vm shutdown r2 --timeout 60 --json; then
	assert_eq "stopped user" "$(echo "$EXPECT_OUT" | jq -r '"\(.state) \(.state_reason)"')" "r2 shutdown reply"
	check_state r2 stopped user
	[ "$(serial_count r2 'CROFT-GUEST: acpi-poweroff')" -ge 1 ] || fail "r2 did not see the ACPI power button"
	wait_pid_gone "${PID[r2]}" 10
fi
t_end

t_begin "croftd stopped with SIGTERM leaves guests running; a paused one stays paused"
expect_ok croft vm pause r1 && assert_eq paused "$(vmf r1 .state)" "r1 before SIGTERM"
croftd_stop
is_qemu_of "${PID[r1]}" r1 || fail "r1's QEMU died with croftd's SIGTERM"
integrity
sleep 1
is_qemu_of "${PID[r1]}" r1 || fail "r1's QEMU died after croftd's SIGTERM"
if croftd_start; then
	check_state r1 paused croftd-restart
	assert_eq "${PID[r1]}" "$(vmf r1 .pid)" "r1 pid"
	check_state r2 stopped user
	if expect_ok croft vm resume r1; then
		check_state r1 running user
	fi
	if expect_ok croft vm stop r1; then
		check_state r1 stopped user
		wait_pid_gone "${PID[r1]}" 10
	fi
fi
integrity
t_end
