#!/bin/bash
# test_lifecycle.sh — a VM's whole life against a real croftd and real TCG
# guests: create, list, start (as croft-qemu, sandboxed), disk seen by the
# guest, pause/resume, console, reset, live and offline edit, ACPI shutdown,
# guest-initiated poweroff, shutdown timeout (with and without --force), hard
# stop, QEMU crash and restart, delete (plain, --keep-disks, --force), and the
# vm.state events all of that produces.
#
# Three guests, one at a time (1 vCPU, direct kernel boot):
#   lc  192M, --disk 64M: most of the cases, booted five times
#   po  128M, --disk 32M, croft.poweroff=2: powers itself off
#   ia  128M, --disk 32M, croft.ignore_acpi=1: ignores the power button
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

APPEND="console=ttyS0 quiet no_timer_check"
POOL=

# listed VM JQ-FILTER — a field of VM's element of `croft vm list --json`.
listed() {
	croft vm list --json | jq -r --arg n "$1" ".[] | select(.name == \$n) | $2"
}

# reply_state STATE REASON WHAT — the state and reason in the JSON reply in
# $EXPECT_OUT (the last expect_ok's).
reply_state() {
	assert_eq "$1 $2" "$(jq -r '"\(.state) \(.state_reason)"' <<<"$EXPECT_OUT")" "$3"
}

# serial_at_least VM ERE N — at least N serial.log lines match ERE.
serial_at_least() {
	[ "$(serial_count "$1" "$2")" -ge "$3" ]
}

# check_gone PID — the QEMU process PID must exit within 10 s.
check_gone() {
	[ -n "$1" ] || return 0
	local end=$((SECONDS + 10))
	while proc_alive "$1"; do
		[ "$SECONDS" -ge "$end" ] && { fail "QEMU pid $1 still alive"; return 1; }
		sleep 0.2
	done
}

itest_setup
POOL="$T/state/pools/default"
read -r QEMU_UID_BASE QEMU_UID_N < <(awk -F: '$1 == "croft-qemu" { print $2, $3; exit }' /etc/subuid)
[ -n "${QEMU_UID_BASE:-}" ] || die "no uid range for croft-qemu in /etc/subuid (installer/setup-host.sh)"

# --- create and list -----------------------------------------------------------
t_begin "create with --disk 64M is stopped and listed"
if expect_ok croft vm create lc --vcpus 1 --memory 192M --disk 64M \
	--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "$APPEND"; then
	check_state lc stopped created
	got=$(listed lc '"\(.state) \(.vcpus) \(.memory_mib) \(.memory_min_mib) \(.pid)"')
	assert_eq "stopped 1 192 192 null" "$got" "lc in vm list"
	got=$(croft vm list --json | jq -r '.[] | select(.name == "lc") |
		[has("name"), has("state"), has("vcpus"), has("memory_mib"),
		 has("memory_min_mib"), has("pid")] | all')
	assert_eq true "$got" "vm list --json fields"
	got=$(vmf lc '.disks | length as $n | .[0] | "\($n) \(.format) \(.size_bytes) \(.owned)"')
	assert_eq "1 qcow2 67108864 true" "$got" "disk"
	DISK_LC=$(vmf lc '.disks[0].path')
	assert_eq "$POOL/lc-disk0.qcow2" "$DISK_LC" "disk path"
	[ -f "$DISK_LC" ] || fail "$DISK_LC was not created"
fi
t_end

# The event watcher: started now, checked at the end.  It has subscribed once
# a vm.changed caused by us shows up in its output.
SINCE_S=$(date +%s)
croft events --json >"$T/events.json" 2>"$T/events.err" &
EVENTS_PID=$!
t_begin "events subscription is live"
end=$((SECONDS + 10))
until grep -q '"vm.changed"' "$T/events.json" 2>/dev/null; do
	croft vm edit lc --memory-min 192M >/dev/null 2>&1
	[ "$SECONDS" -ge "$end" ] && { fail "croft events printed no vm.changed within 10 s: $(cat "$T/events.err")"; break; }
	sleep 0.3
done
t_end

# --- start ---------------------------------------------------------------------
t_begin "start: running, QEMU as its own uid from croft-qemu's range with -sandbox on"
PID_LC=
if expect_ok croft vm start lc --json; then
	reply_state running user "start reply"
	check_state lc running user
	PID_LC=$(vmf lc '.pid')
	case "$PID_LC" in ''|null|*[!0-9]*) fail "no pid in vm info: '$PID_LC'"; PID_LC= ;; esac
	assert_eq "$PID_LC" "$(listed lc .pid)" "pid in vm list"
	assert_eq "$PID_LC" "$(vm_pid lc)" "pid in qemu.pid"
	if [ -n "$PID_LC" ] && proc_alive "$PID_LC"; then
		uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$PID_LC/status")
		u=${uids%% *}
		assert_eq "$u $u $u $u" "$uids" "QEMU uids (real, effective, saved, fs)"
		[ "$u" -ge "$QEMU_UID_BASE" ] && [ "$u" -lt $((QEMU_UID_BASE + QEMU_UID_N)) ] ||
			fail "QEMU's uid $u is not in croft-qemu's range $QEMU_UID_BASE+$QEMU_UID_N"
		cmd=$(tr '\0' ' ' <"/proc/$PID_LC/cmdline")
		assert_contains "$cmd" "qemu-system" "QEMU command line"
		assert_contains "$cmd" " -sandbox on" "QEMU command line"
	else
		fail "QEMU pid '$PID_LC' is not alive"
	fi
fi
t_end

t_begin "the guest sees the 64M disk as vda"
wait_serial lc 'CROFT-GUEST: ready' 90 &&
	{ [ "$(serial_count lc 'CROFT-GUEST: disk vda 131072')" -ge 1 ] ||
		fail "no 'disk vda 131072' on the serial console: $(grep -a 'disk' "$(vm_dir lc)/serial.log" | tr -d '\r')"; }
[ "$(serial_count lc 'CROFT-GUEST: disk vdb')" -eq 0 ] || fail "an unexpected vdb"
t_end

# --- pause / resume ------------------------------------------------------------
t_begin "pause and resume"
if expect_ok croft vm pause lc --json; then
	reply_state paused user "pause reply"
	check_state lc paused user
	assert_eq paused "$(listed lc .state)" "vm list state"
	assert_eq "$PID_LC" "$(vmf lc .pid)" "pid while paused"
	proc_alive "$PID_LC" || fail "QEMU gone while paused"
	expect_fail "paused" croft vm pause lc
	expect_fail "paused" croft vm shutdown lc --timeout 5
fi
if expect_ok croft vm resume lc --json; then
	assert_eq running "$(echo "$EXPECT_OUT" | jq -r .state)" "resume reply"
	check_state lc running user
	expect_fail "running, not paused" croft vm resume lc
fi
t_end

# --- console -------------------------------------------------------------------
t_begin "console: a line typed through croft vm console runs in the guest shell"
mark="marker-$RANDOM$RANDOM"
# The shell must compute the answer, so the tty echo of the typed line alone
# cannot match: "echo $mark-$((6*7))" prints "$mark-42".
out=$( (sleep 0.3; printf '\n'; echo "echo $mark-\$((6*7))") |
	CROFT_CONSOLE_LINGER_MS=1500 timeout 20 "$BUILD/croft" vm console lc 2>"$T/console.err")
rc=$?
assert_eq 0 "$rc" "croft vm console exit status ($(cat "$T/console.err"))"
if ! printf '%s\n' "$out" | tr -d '\r' | grep -qx -- "$mark-42"; then
	fail "'$mark-42' not echoed back on the console (got: $(printf '%s' "$out" | tr -d '\r' | tail -n 4 | tr '\n' '|'))"
fi
[ "$(serial_count lc "$mark-42")" -ge 1 ] || fail "'$mark-42' not in serial.log"
check_state lc running user
t_end

# --- reset ---------------------------------------------------------------------
t_begin "reset: the guest boots again in the same QEMU"
if expect_ok croft vm reset lc --json; then
	assert_eq running "$(echo "$EXPECT_OUT" | jq -r .state)" "reset reply"
	wait_for 90 serial_at_least lc 'CROFT-GUEST: booted' 2 &&
		wait_for 90 serial_at_least lc 'CROFT-GUEST: ready' 2
	[ "$(serial_count lc 'CROFT-GUEST: booted')" -ge 2 ] ||
		fail "only $(serial_count lc 'CROFT-GUEST: booted') 'booted' markers after reset"
	check_state lc running user
	assert_eq "$PID_LC" "$(vmf lc .pid)" "pid after reset"
fi
t_end

# --- live edit -----------------------------------------------------------------
t_begin "live edit: memory moves the balloon, the configured maximum and floor stay"
if expect_ok croft vm edit lc --memory 160M --json; then
	assert_eq "192 192" "$(echo "$EXPECT_OUT" | jq -r '"\(.memory_mib) \(.memory_min_mib)"')" "edit reply"
	assert_eq "192 192 running" "$(vmf lc '"\(.memory_mib) \(.memory_min_mib) \(.state)"')" "after shrinking"
	wait_for 20 eval '[ "$(vmf lc .memory_actual_mib)" -le 170 ]' ||
		fail "the balloon did not shrink the guest: actual $(vmf lc .memory_actual_mib)M"
fi
# back up to the configured maximum, live
expect_ok croft vm edit lc --memory 192M
wait_for 20 eval '[ "$(vmf lc .memory_actual_mib)" -ge 190 ]' ||
	fail "the balloon did not give the memory back: actual $(vmf lc .memory_actual_mib)M"
expect_fail "stop it to raise the maximum" croft vm edit lc --memory 256M
assert_contains "$EXPECT_ERR" "256M" "grow error"
assert_eq "192 running" "$(vmf lc '"\(.memory_mib) \(.state)"')" "after the refused grow"
expect_fail "stop it to change vcpus" croft vm edit lc --vcpus 2
assert_eq 1 "$(vmf lc .vcpus)" "vcpus after the refused live edit"
t_end

# --- ACPI shutdown -------------------------------------------------------------
t_begin "shutdown: the guest obeys the ACPI power button"
if expect_ok croft vm shutdown lc --timeout 60 --json; then
	reply_state stopped user "shutdown reply"
	check_state lc stopped user
	assert_eq null "$(vmf lc .pid)" "pid after shutdown"
	[ "$(serial_count lc 'CROFT-GUEST: acpi-poweroff')" -ge 1 ] || fail "no acpi-poweroff on the serial console"
	check_gone "$PID_LC"
fi
t_end

t_begin "shutdown of a stopped VM is refused"
expect_fail "stopped" croft vm shutdown lc --timeout 5
check_state lc stopped user
expect_fail "not running" croft vm stop lc
t_end

# --- offline edit --------------------------------------------------------------
t_begin "offline edit: --vcpus 2 reaches the guest"
if expect_ok croft vm edit lc --vcpus 2 --json; then
	assert_eq 2 "$(echo "$EXPECT_OUT" | jq -r .vcpus)" "edit reply"
	assert_eq "2 stopped" "$(vmf lc '"\(.vcpus) \(.state)"')" "after edit"
	if expect_ok croft vm start lc; then
		PID_LC=$(vmf lc .pid)
		wait_serial lc 'CROFT-GUEST: ready' 90
		[ "$(serial_count lc 'CROFT-GUEST: cpus 2')" -ge 1 ] ||
			fail "no 'cpus 2' on the serial console: $(grep -a cpus "$(vm_dir lc)/serial.log" | tr -d '\r')"
		[ "$(serial_count lc 'CROFT-GUEST: booted')" -eq 1 ] || fail "serial.log was not fresh on start"
		# 160M since the live edit
		kib=$(grep -ao 'CROFT-GUEST: mem [0-9]*' "$(vm_dir lc)/serial.log" | awk '{ print $3 }')
		[ -n "$kib" ] && [ "$kib" -le $((160 * 1024)) ] || fail "guest memory '$kib' KiB, wanted <= 160M"
	fi
fi
t_end

# --- hard stop -----------------------------------------------------------------
t_begin "stop: hard stop of a running VM"
if expect_ok croft vm stop lc --json; then
	reply_state stopped user "stop reply"
	check_state lc stopped user
	assert_eq null "$(vmf lc .pid)" "pid after stop"
	check_gone "$PID_LC"
	[ "$(serial_count lc 'acpi-poweroff')" -eq 0 ] || fail "the guest saw an ACPI shutdown on a hard stop"
fi
t_end

# --- crash ---------------------------------------------------------------------
t_begin "crash: kill -9 of QEMU gives crashed, and start works again"
if expect_ok croft vm start lc; then
	PID_LC=$(vmf lc .pid)
	wait_serial lc 'CROFT-GUEST: booted' 90
	kill -KILL "$PID_LC" || fail "kill -9 $PID_LC"
	wait_state lc crashed 15
	check_state lc crashed qemu-exited
	assert_eq null "$(vmf lc .pid)" "pid after the crash"
	assert_eq crashed "$(listed lc .state)" "vm list state"
	if expect_ok croft vm start lc --json; then
		reply_state running user "restart reply"
		new=$(vmf lc .pid)
		assert_ne "$PID_LC" "$new" "pid after restart"
		PID_LC=$new
		wait_serial lc 'CROFT-GUEST: booted' 90
	fi
fi
t_end

# --- delete --force ------------------------------------------------------------
t_begin "delete --force on a running VM"
proc_alive "$PID_LC" || fail "lc's QEMU is not running before delete --force"
if expect_ok croft vm delete lc --force --json; then
	assert_eq "$DISK_LC" "$(echo "$EXPECT_OUT" | jq -r '.disks_removed | join(",")')" "disks_removed"
	check_gone "$PID_LC"
	in_list lc && fail "lc still in vm list"
	expect_fail "no VM named 'lc'" croft vm info lc
	[ -e "$DISK_LC" ] && fail "$DISK_LC still exists"
	[ -e "$(vm_dir lc)" ] && fail "$(vm_dir lc) still exists"
fi
# croftd survived (docs/api.md once listed a crash here)
[ -n "$CROFTD_PID" ] && kill -0 "$CROFTD_PID" 2>/dev/null || fail "croftd died"
expect_ok croft vm list --json
t_end

# --- guest-initiated poweroff ----------------------------------------------------
t_begin "guest poweroff: stopped with reason guest, by itself"
if expect_ok croft vm create po --vcpus 1 --memory 128M --disk 32M \
	--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "$APPEND croft.poweroff=2" &&
	expect_ok croft vm start po; then
	PID_PO=$(vmf po .pid)
	wait_serial po 'CROFT-GUEST: ready' 90
	# no command from us: just watch
	end=$((SECONDS + 30))
	while [ "$(vm_state po)" != stopped ] && [ "$SECONDS" -lt "$end" ]; do sleep 0.2; done
	check_state po stopped guest
	assert_eq null "$(vmf po .pid)" "pid"
	[ "$(serial_count po 'CROFT-GUEST: self-poweroff')" -ge 1 ] || fail "no self-poweroff on the serial console"
	check_gone "$PID_PO"
fi
t_end

t_begin "delete removes the VM and its owned disk"
DISK_PO="$POOL/po-disk0.qcow2"
[ -f "$DISK_PO" ] || fail "$DISK_PO missing before delete"
if expect_ok croft vm delete po --json; then
	assert_eq "$DISK_PO" "$(echo "$EXPECT_OUT" | jq -r '.disks_removed | join(",")')" "disks_removed"
	in_list po && fail "po still in vm list"
	[ -e "$DISK_PO" ] && fail "$DISK_PO still exists"
	[ -e "$(vm_dir po)" ] && fail "$(vm_dir po) still exists"
fi
t_end

# --- shutdown timeout ------------------------------------------------------------
t_begin "shutdown --timeout 3 of a guest that ignores ACPI fails, VM keeps running"
PID_IA=
if expect_ok croft vm create ia --vcpus 1 --memory 128M --disk 32M \
	--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "$APPEND croft.ignore_acpi=1" &&
	expect_ok croft vm start ia; then
	PID_IA=$(vmf ia .pid)
	wait_serial ia 'CROFT-GUEST: ready' 90
	t0=$SECONDS
	if expect_fail "timeout" croft vm shutdown ia --timeout 3; then
		assert_contains "$EXPECT_ERR" "--force" "timeout message"
	fi
	[ $((SECONDS - t0)) -ge 2 ] || fail "shutdown gave up after $((SECONDS - t0)) s, before its 3 s timeout"
	check_state ia running shutdown-timeout
	assert_eq "$PID_IA" "$(vmf ia .pid)" "pid"
	proc_alive "$PID_IA" || fail "QEMU gone after the timed-out shutdown"
	[ "$(serial_count ia 'acpi-poweroff')" -eq 0 ] || fail "the guest did power off"
fi
t_end

t_begin "shutdown --timeout 3 --force stops it"
if expect_ok croft vm shutdown ia --timeout 3 --force --json; then
	reply_state stopped user "reply"
	check_state ia stopped user
	assert_eq null "$(vmf ia .pid)" "pid"
	check_gone "$PID_IA"
fi
t_end

t_begin "delete --keep-disks keeps the owned disk"
DISK_IA="$POOL/ia-disk0.qcow2"
if expect_ok croft vm delete ia --keep-disks --json; then
	assert_eq "$DISK_IA" "$(echo "$EXPECT_OUT" | jq -r '.disks_kept | join(",")')" "disks_kept"
	assert_eq "" "$(echo "$EXPECT_OUT" | jq -r '.disks_removed | join(",")')" "disks_removed"
	in_list ia && fail "ia still in vm list"
	[ -f "$DISK_IA" ] || fail "$DISK_IA was removed"
	qemu-img info "$DISK_IA" >/dev/null 2>&1 || fail "$DISK_IA is no longer a valid image"
fi
t_end

# --- events ----------------------------------------------------------------------
t_begin "events: vm.state transitions with reasons, in order"
sleep 0.5
kill "$EVENTS_PID" 2>/dev/null
wait "$EVENTS_PID" 2>/dev/null
# per VM, "previous>state:reason" in arrival order
seq_of() {
	jq -r --arg n "$1" 'select(.event == "vm.state" and .data.name == $n) |
		"\(.data.previous)>\(.data.state):\(.data.reason)"' "$T/events.json" | tr '\n' ' '
}
jq -s . "$T/events.json" >/dev/null 2>&1 || fail "events output is not JSON lines"
got=$(seq_of po)
assert_eq "stopped>starting:user starting>running:user running>stopped:guest " "$got" "po events"
got=$(seq_of ia)
assert_eq "stopped>starting:user starting>running:user running>shutting-down:user shutting-down>running:shutdown-timeout running>shutting-down:user shutting-down>stopped:user " "$got" "ia events"
got=$(seq_of lc)
# first start, pause/resume, ACPI shutdown, start, stop, start, crash, start;
# delete --force may or may not report its stop (running>stopped:user)
got=${got%running>stopped:user }
want="stopped>starting:user starting>running:user running>paused:user paused>running:user running>shutting-down:user shutting-down>stopped:user stopped>starting:user starting>running:user running>stopped:user stopped>starting:user starting>running:user running>crashed:qemu-exited crashed>starting:user starting>running:user "
assert_eq "$want" "$got" "lc events"
for v in lc po ia; do
	jq -se --arg n "$v" 'any(.[]; .event == "vm.deleted" and .data.name == $n)' "$T/events.json" >/dev/null ||
		fail "no vm.deleted event for $v"
done
t_end

t_begin "events --since: the kept history holds what the watcher saw, once each, then follows"
croft events --since "$SINCE_S" --no-follow --json >"$T/history.json" 2>"$T/history.err" ||
	fail "events --since --no-follow failed: $(cat "$T/history.err")"
dups=$(jq -r '.seq' "$T/history.json" | sort | uniq -d | tr '\n' ' ')
assert_eq "" "$dups" "seqs listed twice"
# every kept event the live watcher printed is in the history, the same
missing=$(jq -r 'select(.event != "job.progress") | "\(.seq) \(.event) \(.target)"' "$T/events.json" |
	grep -vxFf <(jq -r '"\(.seq) \(.event) \(.target)"' "$T/history.json") | head -3)
assert_eq "" "$missing" "live events missing from the history"
lines=$(croft events --since "$SINCE_S" --no-follow | wc -l)
assert_eq "$(wc -l <"$T/history.json")" "$lines" "human lines, one per event"
croft events --since "$SINCE_S" --no-follow | grep -q ' vm.state     lc           VM lc: stopped -> starting (user)$' ||
	fail "no human vm.state line for lc"
croft events --since "$SINCE_S" --no-follow | grep -q ' api.request  lc           vm.start by root: ok$' ||
	fail "no human api.request line for vm.start lc by root"
# history, then live: an event made now shows up after it, and nothing twice
croft events --since "$SINCE_S" --json >"$T/both.json" 2>"$T/both.err" &
BOTH_PID=$!
end=$((SECONDS + 10))
until grep -q '"op":"host.set"' "$T/both.json" 2>/dev/null; do
	croft host set accel tcg >/dev/null 2>&1
	[ "$SECONDS" -ge "$end" ] && { fail "events --since printed no live host.set within 10 s: $(cat "$T/both.err")"; break; }
	sleep 0.3
done
kill "$BOTH_PID" 2>/dev/null
wait "$BOTH_PID" 2>/dev/null
dups=$(jq -r '.seq' "$T/both.json" | sort | uniq -d | tr '\n' ' ')
assert_eq "" "$dups" "seqs printed twice by events --since (following)"
first=$(head -1 "$T/history.json" | jq -r .seq)
assert_eq "$first" "$(head -1 "$T/both.json" | jq -r .seq)" "history first, then live"
croft events --since 10x >/dev/null 2>"$T/bad.err"
assert_eq 2 "$?" "exit status of a bad --since"
assert_eq "croft: --since: '10x' has an unknown unit 'x'; use s, m, h or d" "$(head -1 "$T/bad.err")" "message"
t_end
