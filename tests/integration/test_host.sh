#!/bin/bash
# test_host.sh — `croft host info` and `croft host set accel`.
#
# host info reports the host (CPUs, memory, QEMU, its user), the VM counts
# and the accelerator: what was asked for, by whom (CROFT_ACCEL or the
# stored setting), what is in effect and why.  On the development machines
# /dev/kvm is 0600 root, so croft-qemu cannot use it: `kvm` must make
# vm.start fail with an explanation, `auto` must fall back to TCG with a
# warning.  croftd is restarted without CROFT_ACCEL for that, and with
# CROFT_ACCEL=tcg again at the end.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

itest_setup
itest_share_tools

host_json() {
	croft host info --json
}

# hj FILTER — a jq filter over host info
hj() {
	host_json | jq -r "$1"
}

stored_accel() {
	sqlite3 "$DB" "select value from settings where key = 'accel'"
}

# Can croft-qemu open /dev/kvm read-write?
KVM_OK_FOR_QEMU=no
if [ -c /dev/kvm ] && setpriv --reuid=croft-qemu --regid="$(id -g croft-qemu)" --init-groups \
	sh -c 'exec 3<>/dev/kvm' 2>/dev/null; then
	KVM_OK_FOR_QEMU=yes
fi

t_begin "host info --json describes the host"
J=$(host_json)
assert_eq "$(nproc)" "$(jq -r .cpus <<<"$J")" "cpus"
mt=$(jq -r .memory_total_mib <<<"$J")
want_mt=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
[ "${mt:-0}" -gt 0 ] 2>/dev/null || fail "memory_total_mib is '$mt'"
[ $((mt - want_mt)) -ge -1 ] && [ $((mt - want_mt)) -le 1 ] || fail "memory_total_mib $mt, MemTotal says $want_mt"
ma=$(jq -r .memory_available_mib <<<"$J")
[ "${ma:-0}" -gt 0 ] && [ "$ma" -le "$mt" ] 2>/dev/null || fail "memory_available_mib is '$ma' (total $mt)"
assert_eq "$(hostname)" "$(jq -r .hostname <<<"$J")" "hostname"
assert_ne "" "$(jq -r '.version // ""' <<<"$J")" "version"
assert_eq tcg "$(jq -r .accel.setting <<<"$J")" "accel.setting"
assert_eq env "$(jq -r .accel.source <<<"$J")" "accel.source"
assert_eq tcg "$(jq -r .accel.effective <<<"$J")" "accel.effective"
assert_eq true "$(jq -r .accel.usable <<<"$J")" "accel.usable"
assert_contains "$(jq -r .accel.reason <<<"$J")" "CROFT_ACCEL" "accel.reason"
qv=$(jq -r '.qemu.version // ""' <<<"$J")
assert_ne "" "$qv" "qemu.version"
assert_ne unknown "$qv" "qemu.version"
assert_contains "$(qemu-system-x86_64 --version | head -n 1)" "$qv" "qemu.version matches the binary"
assert_ne "" "$(jq -r '.qemu.binary // ""' <<<"$J")" "qemu.binary"
assert_eq croft-qemu "$(jq -r .qemu_user <<<"$J")" "qemu_user"
assert_eq "$(realpath "$T/state")" "$(jq -r .state_dir <<<"$J")" "state_dir"
assert_eq "$(realpath "$T/run")" "$(jq -r .run_dir <<<"$J")" "run_dir"
assert_eq 0 "$(jq -r .vms_total <<<"$J")" "vms_total"
assert_eq 0 "$(jq -r .vms_running <<<"$J")" "vms_running"
t_end

t_begin "host info (text) says where the accelerator comes from"
expect_ok croft host info
assert_contains "$EXPECT_OUT" "tcg" "accel line"
assert_contains "$EXPECT_OUT" "CROFT_ACCEL" "accel source"
assert_contains "$EXPECT_OUT" "croft-qemu" "qemu user"
assert_contains "$EXPECT_OUT" "$(nproc)" "cpus"
t_end

t_begin "vms_total / vms_running follow create, start, stop, delete"
expect_ok croft vm create h1 --vcpus 1 --memory 256M "${KARGS[@]}"
expect_ok croft vm create h2 --vcpus 1 --memory 128M "${KARGS[@]}"
assert_eq "2 0" "$(hj '"\(.vms_total) \(.vms_running)"')" "after 2 creates"
expect_ok croft vm start h1
wait_state h1 running 60
assert_eq "2 1" "$(hj '"\(.vms_total) \(.vms_running)"')" "after a start"
expect_ok croft vm stop h1
wait_state h1 stopped 30
assert_eq "2 0" "$(hj '"\(.vms_total) \(.vms_running)"')" "after a stop"
expect_ok croft vm delete h2
assert_eq "1 0" "$(hj '"\(.vms_total) \(.vms_running)"')" "after a delete"
t_end

t_begin "host set accel: invalid values are refused and nothing is stored"
before=$(stored_accel)
expect_fail "bogus" croft host set accel bogus
assert_contains "$EXPECT_ERR" "auto, kvm or tcg" "message lists the choices"
rc=0
croft host set accel bogus >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "exit status for a bad value"
rc=0
croft host set accel >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "exit status without a value"
rc=0
croft host set speed fast >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "exit status for an unknown setting"
out=$(APIRAW '{"id":1,"op":"host.set","args":{"accel":"fast"}}' \
	'{"id":2,"op":"host.set","args":{}}' \
	'{"id":3,"op":"host.set","args":{"accel":1}}' \
	'{"id":4,"op":"host.set","args":{"accel":"KVM"}}' \
	'{"id":5,"op":"host.set","args":{"speed":"fast"}}')
assert_eq "invalid_argument|accel 'fast' is not one of auto, kvm, tcg" \
	"$(jq -r 'select(.id == 1) | "\(.error.code)|\(.error.message)"' <<<"$out")" "host.set accel fast"
assert_eq invalid_argument "$(jq -r 'select(.id == 2) | .error.code' <<<"$out")" "host.set {}"
assert_contains "$(jq -r 'select(.id == 2) | .error.message' <<<"$out")" "needs a setting" "host.set {} message"
assert_contains "$(jq -r 'select(.id == 3) | .error.message' <<<"$out")" 'argument "accel" must be a string' "host.set accel 1"
assert_eq invalid_argument "$(jq -r 'select(.id == 4) | .error.code' <<<"$out")" "host.set accel KVM"
assert_contains "$(jq -r 'select(.id == 5) | .error.message' <<<"$out")" '"speed"' "host.set speed"
assert_eq "$before" "$(stored_accel)" "stored accel after refusals"
assert_eq "tcg env" "$(hj '"\(.accel.setting) \(.accel.source)"')" "accel after refusals"
t_end

t_begin "host set accel kvm is stored; CROFT_ACCEL still wins (and croft says so)"
expect_ok croft host set accel kvm
assert_contains "$EXPECT_ERR" "CROFT_ACCEL" "note about the override"
assert_eq kvm "$(stored_accel)" "stored accel"
assert_eq "tcg env tcg true" "$(hj '"\(.accel.setting) \(.accel.source) \(.accel.effective) \(.accel.usable)"')" "accel while CROFT_ACCEL=tcg"
t_end

t_begin "restart without CROFT_ACCEL: setting kvm from the store; KVM not usable -> start fails"
unset CROFT_ACCEL
croftd_restart
J=$(host_json)
assert_eq kvm "$(jq -r .accel.setting <<<"$J")" "accel.setting"
assert_eq setting "$(jq -r .accel.source <<<"$J")" "accel.source"
if [ "$KVM_OK_FOR_QEMU" = yes ]; then
	echo "  note: croft-qemu can open /dev/kvm here; only checking that KVM is reported usable" >&2
	assert_eq "kvm true" "$(jq -r '"\(.accel.effective) \(.accel.usable)"' <<<"$J")" "accel with a usable KVM"
else
	assert_eq false "$(jq -r .accel.usable <<<"$J")" "accel.usable"
	assert_ne tcg "$(jq -r .accel.effective <<<"$J")" "accel.effective (kvm was demanded, no silent TCG)"
	reason=$(jq -r .accel.reason <<<"$J")
	assert_contains "$reason" "not usable" "accel.reason"
	assert_contains "$reason" "/dev/kvm" "accel.reason names the device"
	assert_contains "$reason" "croft-qemu" "accel.reason names the QEMU user"
	expect_ok croft host info
	assert_contains "$EXPECT_OUT" "kvm" "text host info"
	assert_contains "$EXPECT_OUT" "not usable" "text host info says why"
	before=$(sqlite3 "$DB" "select state, state_reason from vms where name = 'h1'")
	expect_fail "KVM was requested but is not usable" croft vm start h1
	assert_contains "$EXPECT_ERR" "/dev/kvm" "start error names /dev/kvm"
	rc=0
	croft vm start h1 >/dev/null 2>&1 || rc=$?
	assert_eq 1 "$rc" "exit status of the refused start"
	assert_eq stopped "$(vm_state h1)" "h1 after the refused start"
	assert_eq "" "$(vm_pid h1)" "h1 has no QEMU"
	assert_eq "$before" "$(sqlite3 "$DB" "select state, state_reason from vms where name = 'h1'")" "h1's stored state"
	out=$(APIRAW '{"id":9,"op":"vm.start","args":{"name":"h1"}}')
	assert_eq invalid_state "$(jq -r 'select(.id == 9) | .error.code' <<<"$out")" "API error code of the refused start"
fi
t_end

t_begin "host set accel auto: TCG with a warning, and a VM starts under it"
expect_ok croft host set accel auto --json
assert_eq auto "$(jq -r .accel.setting <<<"$EXPECT_OUT")" "host.set result setting"
assert_eq auto "$(stored_accel)" "stored accel"
J=$(host_json)
assert_eq "auto setting" "$(jq -r '"\(.accel.setting) \(.accel.source)"' <<<"$J")" "setting and source"
if [ "$KVM_OK_FOR_QEMU" = yes ]; then
	echo "  note: croft-qemu can open /dev/kvm here; auto picks KVM, not starting a guest" >&2
	assert_eq kvm "$(jq -r .accel.effective <<<"$J")" "accel.effective"
else
	assert_eq "tcg true" "$(jq -r '"\(.accel.effective) \(.accel.usable)"' <<<"$J")" "effective and usable"
	reason=$(jq -r .accel.reason <<<"$J")
	assert_contains "$reason" "warning" "accel.reason is a warning"
	assert_contains "$reason" "TCG" "accel.reason says TCG"
	grep -q "warning.*KVM is not usable" "$T/croftd.log" || fail "croftd.log has no warning about KVM"
	expect_ok croft host info
	assert_contains "$EXPECT_OUT" "warning" "text host info shows the warning"
	expect_ok croft vm start h1
	wait_state h1 running 60
	PID=$(vm_pid h1)
	[ -n "$PID" ] && tr '\0' '\n' <"/proc/$PID/cmdline" | grep -q 'accel=tcg' ||
		fail "QEMU of h1 is not running with accel=tcg"
	wait_serial h1 'CROFT-GUEST: ready' 90
	assert_eq "1 1" "$(hj '"\(.vms_total) \(.vms_running)"')" "counts with h1 running"
	expect_ok croft vm stop h1
	wait_state h1 stopped 30
fi
t_end

t_begin "host set accel tcg without CROFT_ACCEL: from the setting"
expect_ok croft host set accel tcg
case "$EXPECT_ERR" in *CROFT_ACCEL*) fail "croft mentions CROFT_ACCEL although croftd has none: $EXPECT_ERR" ;; esac
assert_eq "tcg setting tcg true" "$(hj '"\(.accel.setting) \(.accel.source) \(.accel.effective) \(.accel.usable)"')" "accel"
assert_contains "$(hj .accel.reason)" "setting" "reason names the host setting"
t_end

t_begin "restore CROFT_ACCEL=tcg: env wins over a stored kvm again"
expect_ok croft host set accel kvm
export CROFT_ACCEL=tcg
croftd_restart
assert_eq "tcg env tcg true" "$(hj '"\(.accel.setting) \(.accel.source) \(.accel.effective) \(.accel.usable)"')" "accel"
assert_eq kvm "$(stored_accel)" "stored accel kept"
expect_ok croft vm start h1
wait_state h1 running 60
expect_ok croft vm stop h1
wait_state h1 stopped 30
t_end
