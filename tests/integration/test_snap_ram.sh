#!/bin/bash
# test_snap_ram.sh — snapshots with RAM (issue 11 item 2).
#
# One guest keeps a counter in its memory (a shell loop on the initramfs,
# writing to /tmp every 0.2 s) and a marker in /tmp.  A RAM snapshot
# (method as snap.estimate said before: background-snapshot where the
# kernel has /dev/userfaultfd, which croftd hands the unprivileged QEMU
# with the preload library, vm.unprivileged_userfaultfd staying 0; else
# stopped) records its measured pause, shown by snap info, and a state
# file in the pool.  The
# marker is changed and the counter runs on; a revert (no --force needed)
# starts QEMU from the state file: the marker is the old one, the same
# loop (same pid) continues from the snapshot's value, lower than before
# the revert.  A RAM snapshot of a stopped VM is refused, and snap.estimate
# says the method and pause first.  croftd killed with -9 while a RAM
# snapshot is taken leaves no state file without its snapshot, and the
# guest running, and a QEMU adopted after the restart still holds the
# device.  Only QEMU holds it: its user cannot open it again through
# /proc/PID/fd, a croft-group member cannot see QEMU's fds or change the
# host setting ram-snapshot-fast.  With that setting off a QEMU started
# afterwards goes without: method stopped, a longer pause than the
# background one, and snap.estimate says why (also after a croftd restart
# adopted it).  Deleting the snapshot removes its state file, deleting
# the VM all of them.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"      # guest_run

itest_setup
itest_share_tools

# The sysctl is never touched: the fast path must work with it at 0.
SYSCTL=$(cat /proc/sys/vm/unprivileged_userfaultfd)
[ -e /dev/userfaultfd ] && [ "$SYSCTL" = 0 ] && UFFD_DEV=1 || UFFD_DEV=

POOL=$T/state/pools/default
sl() { croft snap list r1 --json | jq -r "$1"; }
counter() { guest_run r1 'cat /tmp/counter' 60 | tr -dc 0-9; }
states() { find "$POOL" -name '*.vmstate' | sort | tr '\n' ' '; }
# counter_above N SECS — wait until the guest's counter exceeds N
counter_above() {
	local end=$((SECONDS + $2)) c
	while [ "$SECONDS" -lt "$end" ]; do
		c=$(counter)
		[ -n "$c" ] && [ "$c" -gt "$1" ] && return 0
		sleep 1
	done
	return 1
}

# counter_start — the guest's marker and its counter loop (pid in /tmp/counter.pid)
counter_start() {
	guest_run r1 'echo before >/tmp/mark; (i=0; while :; do i=$((i+1)); echo $i >/tmp/counter; sleep 0.2; done) </dev/null >/dev/null 2>&1 & echo $! >/tmp/counter.pid' 60 >/dev/null ||
		die "cannot start the guest's counter"
	counter_above 0 60 || die "the guest's counter does not run"
}

t_begin "setup: a guest with a counter in its memory; RAM of a stopped VM refused"
expect_ok croft vm create r1 --memory 256M --disk 32M "${KARGS[@]}"
expect_fail "a snapshot with RAM needs a running guest" croft snap create r1 x --ram
assert_contains "$(api snap.estimate '{"vm":"r1","ram":true}')" "only a running or paused VM has RAM to save"
assert_eq 0 "$(sl '.snapshots | length')" "no snapshot after the refusals"
expect_ok croft vm start r1
wait_serial r1 'CROFT-GUEST: ready' 120
counter_start
t_end

t_begin "a RAM snapshot: the method estimated first, the pause measured and shown"
EST=$(api snap.estimate '{"vm":"r1","ram":true}')
METHOD=$(echo "$EST" | jq -r .result.method)
case "$METHOD" in
background-snapshot | stopped) ;;
*) fail "snap.estimate with RAM: $EST" ;;
esac
assert_eq 268435456 "$(echo "$EST" | jq -r .result.ram_bytes)" "the RAM the estimate counts"
if [ -n "$UFFD_DEV" ]; then
	assert_eq background-snapshot "$METHOD" "the method with /dev/userfaultfd (sysctl 0): $EST"
	[ "$(stat -c %u /proc/"$(vm_pid r1)")" != 0 ] || fail "QEMU runs as root"
fi
expect_ok croft snap create r1 live --ram --description "counter running"
C1=$(counter)
if [ "$METHOD" = background-snapshot ]; then
	assert_contains "$EXPECT_ERR" "r1: RAM saved while the guest runs (background-snapshot); expected pause about"
else
	assert_contains "$EXPECT_ERR" "r1: the guest stays stopped while its RAM is written; expected pause about"
fi
guest_run r1 'echo after >/tmp/mark' 60 >/dev/null
assert_eq true "$(sl '.snapshots[0].ram')" "ram"
assert_eq "$METHOD" "$(sl '.snapshots[0].method')" "the method the estimate said"
PAUSE=$(sl '.snapshots[0].pause_ms')
echo "$PAUSE" | grep -qE '^[0-9.]+$' || fail "no measured pause: $PAUSE"
expect_ok croft snap info r1 live
assert_contains "$EXPECT_OUT" "$METHOD"
assert_eq "$PAUSE" "$(croft snap info r1 live --json | jq -r .pause_ms)" "snap info's pause"
assert_eq 1 "$(states | wc -w)" "one state file in the pool"
echo "  RAM snapshot: method $METHOD, guest paused ${PAUSE} ms, counter $C1 just after"
PAUSE_BG=$PAUSE
t_end

t_begin "only QEMU holds /dev/userfaultfd: not its user, not a croft-group member"
QP=$(vm_pid r1)
QUID=$(stat -c %u "/proc/$QP")
QGID=$(awk '/^Gid:/ { print $2 }' "/proc/$QP/status")
UFD=$(tr '\0' '\n' <"/proc/$QP/environ" | sed -n 's/^CROFT_UFFD_FD=//p')
if [ -n "$UFFD_DEV" ]; then
	[ -n "$UFD" ] || fail "QEMU has no CROFT_UFFD_FD"
	assert_eq /dev/userfaultfd "$(readlink "/proc/$QP/fd/$UFD")" "QEMU's fd $UFD"
	LIBFD=$(tr '\0' '\n' <"/proc/$QP/environ" | sed -n 's|^LD_PRELOAD=/proc/self/fd/||p')
	[ -n "$LIBFD" ] && readlink "/proc/$QP/fd/$LIBFD" | grep -q '/croft-qemu-uffd.so$' ||
		fail "QEMU has no LD_PRELOAD of the library as a descriptor"
	grep -q 'croft-qemu-uffd.so' "/proc/$QP/maps" || fail "the library is not loaded in QEMU"
	# QEMU's user (no other process runs as it) may list QEMU's fds, but
	# opening the device through the link checks the device's own mode
	out=$(setpriv --reuid="$QUID" --regid="$QGID" --clear-groups \
		sh -c "exec 3<>/proc/$QP/fd/$UFD && echo opened" 2>&1) &&
		fail "QEMU's user reopened /dev/userfaultfd through /proc: $out"
	out=$(setpriv --reuid="$QUID" --regid="$QGID" --clear-groups \
		sh -c 'exec 3<>/dev/userfaultfd && echo opened' 2>&1) &&
		fail "QEMU's user opened /dev/userfaultfd: $out"
fi
if itest_member_add "ctuf$$"; then
	out=$(setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		ls "/proc/$QP/fd" 2>&1) && fail "a member lists QEMU's fds: $out"
	out=$(setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		sh -c 'exec 3<>/dev/userfaultfd && echo opened' 2>&1) &&
		fail "a member opened /dev/userfaultfd: $out"
	out=$(setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		env CROFT_SOCKET="$CROFT_SOCKET" "$T/croft" host set ram-snapshot-fast off 2>&1) &&
		fail "a member changed ram-snapshot-fast: $out"
	assert_contains "$out" "only root can change whether QEMU gets /dev/userfaultfd"
	itest_member_del
else
	fail "useradd failed"
fi
expect_fail "must be on or off" croft host set ram-snapshot-fast maybe
assert_eq on "$(croft host info --json | jq -r .ram_snapshot_fast.setting)" "the setting after the refusals"
assert_eq "$SYSCTL" "$(cat /proc/sys/vm/unprivileged_userfaultfd)" "the sysctl"
t_end

t_begin "revert of the running VM: the guest goes on from the snapshot's memory"
PID1=$(guest_run r1 'cat /tmp/counter.pid' 60 | tr -dc 0-9)
counter_above $((C1 + 50)) 90 || fail "the counter did not run on"
C2=$(counter)
OLDQEMU=$(vm_pid r1)
expect_ok croft snap revert r1 live
wait_state r1 running 60
[ "$(vm_pid r1)" != "$OLDQEMU" ] || fail "the revert did not start a new QEMU"
assert_eq before "$(guest_run r1 'cat /tmp/mark' 60 | tr -d '\r\n')" "the marker in the guest's memory"
assert_eq "$PID1" "$(guest_run r1 'cat /tmp/counter.pid' 60 | tr -dc 0-9)" "the counter's loop"
C3=$(counter)
[ -n "$C3" ] && [ "$C3" -lt "$C2" ] || fail "the counter did not go back: $C2 before the revert, $C3 after"
counter_above "$C3" 60 || fail "the counter does not run on after the revert"
assert_eq "" "$(grep -a 'CROFT-GUEST: booted' "$T/run/vm/r1/serial.log")" "the guest did not boot again"
echo "  counter: $C1 after the snapshot, $C2 before the revert, $C3 after it"
t_end

t_begin "kill -9 croftd during a RAM snapshot: no orphan state file, the guest runs"
expect_ok croft snap create r1 k9 --ram --no-wait
croftd_kill9
croftd_start || die "croftd did not restart"
wait_for 30 sh -c "[ -z \"\$('$BUILD/croft' job list --json | jq -r '.[] | select(.state == \"running\" or .state == \"queued\") | .id')\" ]" ||
	fail "the interrupted snapshot's job did not end"
if [ -n "$(sl '.snapshots[] | select(.name == "k9") | .name')" ]; then
	assert_eq 2 "$(states | wc -w)" "state files: live and k9"
else
	assert_eq 1 "$(states | wc -w)" "state files: live's alone"
fi
wait_state r1 running 30
C4=$(counter)
counter_above "$C4" 60 || fail "the guest is not running after croftd's restart"
if [ -n "$UFFD_DEV" ]; then
	EST=$(api snap.estimate '{"vm":"r1","ram":true}')
	assert_eq background-snapshot "$(echo "$EST" | jq -r .result.method)" \
		"the adopted QEMU still holds the device: $EST"
fi
t_end

t_begin "ram-snapshot-fast off: a QEMU started afterwards goes without, and the estimate says why"
expect_ok croft host set ram-snapshot-fast off
assert_eq off "$(croft host info --json | jq -r .ram_snapshot_fast.setting)" "host info"
expect_ok croft vm stop r1
expect_ok croft vm start r1
wait_serial r1 'CROFT-GUEST: ready' 120
QP=$(vm_pid r1)
tr '\0' '\n' <"/proc/$QP/environ" | grep -q '^CROFT_UFFD_FD=' && fail "QEMU got the device"
EST=$(api snap.estimate '{"vm":"r1","ram":true}')
assert_eq stopped "$(echo "$EST" | jq -r .result.method)" "method with the setting off"
assert_contains "$(echo "$EST" | jq -r .result.why)" "the host setting ram-snapshot-fast is off"
guest_run r1 'dd if=/dev/urandom of=/tmp/fill bs=1M count=64 2>/dev/null; echo ok' 120 >/dev/null
expect_ok croft snap create r1 slow --ram
assert_contains "$EXPECT_ERR" "r1: the guest stays stopped while its RAM is written; expected pause about"
assert_contains "$EXPECT_ERR" "ram-snapshot-fast is off"
assert_eq stopped "$(sl '.snapshots[] | select(.name == "slow") | .method')" "the method taken"
PAUSE_ST=$(sl '.snapshots[] | select(.name == "slow") | .pause_ms')
echo "  pauses: background-snapshot ${PAUSE_BG} ms, stopped ${PAUSE_ST} ms"
if [ -n "$UFFD_DEV" ]; then
	awk -v b="$PAUSE_BG" -v s="$PAUSE_ST" 'BEGIN { exit !(b < s) }' ||
		fail "the background pause ($PAUSE_BG ms) is not under the stopped one ($PAUSE_ST ms)"
fi
expect_ok croft snap delete r1 slow
# an older QEMU croftd finds again after a restart: without, and said so
croftd_restart || die "croftd did not restart"
wait_state r1 running 30
EST=$(api snap.estimate '{"vm":"r1","ram":true}')
assert_eq stopped "$(echo "$EST" | jq -r .result.method)" "the adopted QEMU's method"
assert_contains "$(echo "$EST" | jq -r .result.why)" "was started without /dev/userfaultfd"
expect_ok croft host set ram-snapshot-fast on
t_end

# term_croftd — one SIGTERM (a second would stop it at once); it must be gone within 30 s
term_croftd() {
	local t0=$SECONDS
	kill -TERM "$CROFTD_PID"
	wait "$CROFTD_PID" 2>/dev/null || true
	CROFTD_PID=
	[ $((SECONDS - t0)) -lt 30 ] || fail "croftd took $((SECONDS - t0)) s to stop"
}
# after_term NAME — croftd again, its jobs ended; snapshot NAME is whole
# (row, disk's snapshot, state file with RAM) or not there at all; the
# guest runs (its counter goes on)
after_term() {
	local row disk c
	croftd_start || die "croftd did not restart"
	wait_for 30 sh -c "[ -z \"\$('$BUILD/croft' job list --json | jq -r '.[] | select(.state == \"running\" or .state == \"queued\") | .id')\" ]" ||
		fail "the jobs after the restart did not end"
	row=$(sl ".snapshots[] | select(.name == \"$1\") | .name")
	disk=$(qemu-img snapshot -U -l "$POOL/r1-disk0.qcow2" | awk -v n="$1" 'NR > 2 && $2 == n { print $2 }')
	assert_eq "$row" "$disk" "snapshot $1: in the store and on the disk alike"
	if [ -n "$2" ] && [ -n "$row" ]; then
		assert_contains "$(states)" "snap-$1."
	elif [ -n "$2" ]; then
		assert_eq "" "$(states | grep -o "snap-$1\.")" "no state file of the half snapshot $1"
	fi
	[ -e "$T/run/vm/r1/snap-paused" ] && fail "the paused mark stayed after $1"
	wait_state r1 running 30 || fail "r1 is not running after $1"
	c=$(counter)
	counter_above "$c" 60 || fail "the guest does not run after croftd's stop during $1"
	echo "  $1: $([ -n "$row" ] && echo taken || echo 'not taken')"
}

t_begin "SIGTERM to croftd while a snapshot has the guest stopped: croftd ends the pause first; the guest runs, no half snapshot"
counter_start                      # the guest was started again above
for i in 1 2 3; do
	# with RAM: the state file is made as the save begins, the pause follows
	expect_ok croft snap create r1 "rt$i" --ram --no-wait
	wait_for 10 sh -c "ls -a '$POOL' | grep -q 'snap-rt$i\.'" || fail "no state file for rt$i"
	[ "$i" -gt 1 ] && sleep "0.$((i * 2))"
	term_croftd
	after_term "rt$i" ram
done
for i in 1 2 3; do
	# without RAM: SIGTERM as soon as the guest is marked stopped for it
	expect_ok croft snap create r1 "dt$i" --no-wait
	end=$((SECONDS + 10))
	until [ -e "$T/run/vm/r1/snap-paused" ] || [ "$SECONDS" -ge "$end" ]; do :; done
	term_croftd
	after_term "dt$i" ""
done
echo "  croftd waited for a held guest $(grep -c 'holding a guest stopped' "$T/croftd.log") time(s)"
t_end

t_begin "delete: the state file goes with the snapshot, and all of them with the VM"
expect_ok croft snap delete r1 live
assert_eq "" "$(states | grep -o 'live')" "live's state file"
expect_ok croft snap create r1 last --ram
assert_contains "$(states)" ".r1.snap-last.vmstate"
expect_ok croft vm stop r1
expect_ok croft vm delete r1
assert_eq "" "$(states)" "state files after the VM's deletion"
t_end

itest_teardown
