#!/bin/bash
# test_agent.sh — the QEMU guest agent against real TCG guests running the
# test guest's minimal agent (croft.agent=MODE, tests/fixtures/build-guest.sh):
# every VM gets the virtio-serial channel; `croft vm agent` pings, reads the
# guest's OS, host name and addresses (then shown by vm info and vm list) and
# its fsfreeze state; --agent off removes the channel; bad requests fail by
# name; and hostile agents (silent, garbage, a flood, a 200 KB reply) fail
# the request with a precise error while croftd keeps answering at once.
#
# Two guests, one at a time (1 vCPU, 128M, direct kernel boot):
#   ga  croft.agent=1 croft.name=agentguest croft.ignore_acpi=1 (shut down
#       through its agent: after the ignored power button, and with --agent),
#       later --agent off
#   ha  croft.agent=silent|garbage|flood|huge, booted once per mode
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"

itest_setup
tmux_install_teardown

# responsive — croftd answers vm list within a second, now.
responsive() {
	local t0 t1
	t0=$(date +%s%N)
	croft vm list >/dev/null || { fail "vm list failed while an agent misbehaves"; return 1; }
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 1000 ] ||
		fail "vm list took $(((t1 - t0) / 1000000)) ms while an agent misbehaves"
}

# --- a well-behaved agent --------------------------------------------------------
t_begin "create: the agent is on by default; bad --agent values are refused"
expect_fail "--agent must be on or off, not 'maybe'" \
	croft vm create bad --memory 128M --agent maybe --kernel "$GUEST_KERNEL"
expect_ok croft vm create ga --vcpus 1 --memory 128M --kernel "$GUEST_KERNEL" \
	--initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check croft.agent=1 croft.name=agentguest croft.ignore_acpi=1"
assert_eq "true null" "$(vmf ga '"\(.agent) \(.guest)"')" "agent and guest before start"
expect_fail "is stopped; its guest agent answers only while it runs" croft vm agent ga ping
t_end

t_begin "start: QEMU has the org.qemu.guest_agent.0 port, the guest finds it"
expect_ok croft vm start ga
pid=$(vm_pid ga)
cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
assert_contains "$cmd" "name=org.qemu.guest_agent.0" "QEMU command line"
[ -S "$T/run/vm/ga/agent.sock" ] || fail "no agent.sock in the run directory"
wait_serial ga 'CROFT-GUEST: ready' 120
wait_serial ga 'CROFT-GUEST: agent 1 /dev/vport' 5
t_end

t_begin "vm agent ping, info, fsfreeze-status"
expect_ok croft vm agent ga ping && assert_contains "$EXPECT_OUT" "answered" "ping"
if expect_ok croft vm agent ga info --json; then
	assert_eq "agentguest" "$(jq -r .guest.hostname <<<"$EXPECT_OUT")" "hostname"
	assert_eq "croft test guest (busybox)" "$(jq -r .guest.os <<<"$EXPECT_OUT")" "os"
	assert_eq "croft-test-1" "$(jq -r .guest.agent_version <<<"$EXPECT_OUT")" "agent version"
	assert_eq '["192.0.2.7/24"]' "$(jq -c .guest.addresses <<<"$EXPECT_OUT")" \
		"addresses (loopback's 127.0.0.1 left out)"
fi
expect_ok croft vm agent ga fsfreeze-status && assert_contains "$EXPECT_OUT" "thawed" "fsfreeze"
t_end

t_begin "vm info and vm list show what the agent said"
assert_eq "agentguest 192.0.2.7/24" "$(vmf ga '"\(.guest.hostname) \(.guest.addresses[0])"')" "vm info"
assert_eq "agentguest" "$(croft vm list --json | jq -r '.[] | select(.name == "ga") | .guest.hostname')" "vm list"
expect_ok croft vm info ga && assert_contains "$EXPECT_OUT" "guest-hostname: agentguest" "vm info text"
# ga has no NIC, so no lease of croft's: vm list's IP is the agent's.
assert_eq "192.0.2.7" "$(croft vm list | awk '$1 == "ga" { print $NF }')" "vm list IP column"
# the console: the IP column, and the agent's facts in the VM's details
tmux_start c1 120 30 xterm-256color
tmux_wait c1 '^ga +running.*192\.0\.2\.7' 10
tmux_keys c1 Enter
tmux_wait c1 'guest agent: croft test guest \(busybox\), host name agentguest, address 192\.0\.2\.7' 10
tmux_keys c1 Escape
t_end

t_begin "bad requests: an unknown command, an unknown VM"
expect_fail "unknown guest agent command 'shutdown-now'" croft vm agent ga shutdown-now
expect_fail "needs a VM name and ping, info or fsfreeze-status" croft vm agent ga
expect_fail "no VM named 'nosuch'" croft vm agent nosuch ping
out=$(python3 "$(dirname "$0")/apiraw.py" \
	'{"id":1,"op":"vm.agent","args":{"name":"ga","command":"guest-exec"}}' 2>&1)
assert_contains "$out" "unknown guest agent command 'guest-exec'" "raw API"
t_end

t_begin "shutdown: the guest ignores ACPI; halfway to the timeout its agent powers it off"
t0=$SECONDS
if expect_ok croft vm shutdown ga --timeout 12 --json; then
	assert_eq "stopped user" "$(jq -r '"\(.state) \(.state_reason)"' <<<"$EXPECT_OUT")" "shutdown reply"
	[ $((SECONDS - t0)) -ge 5 ] || fail "stopped after $((SECONDS - t0)) s, before the fallback"
fi
grep -q "the guest ignores the ACPI power button; trying its guest agent" "$T/croftd.log" ||
	fail "croftd.log does not say it fell back to the agent"
assert_eq "null" "$(vmf ga .guest)" "guest after the VM stopped"
t_end

t_begin "shutdown --agent: the agent first, at once"
expect_ok croft vm start ga
wait_serial ga 'CROFT-GUEST: agent 1' 120
t0=$SECONDS
expect_ok croft vm shutdown ga --agent --timeout 30 &&
	[ $((SECONDS - t0)) -lt 10 ] || fail "shutdown --agent took $((SECONDS - t0)) s"
assert_eq "stopped" "$(vmf ga .state)" "state"
t_end

t_begin "--agent off removes the channel; --display virtio gives virtio-vga"
expect_fail "--display must be none, std or virtio, not 'cirrus'" croft vm edit ga --display cirrus
out=$(python3 "$(dirname "$0")/apiraw.py" \
	'{"id":2,"op":"vm.edit","args":{"name":"ga","display":"qxl"}}' 2>&1)
assert_contains "$out" "display 'qxl' is unknown; use none, std or virtio" "raw API display"
assert_eq "std" "$(vmf ga .display)" "display unchanged"
expect_ok croft vm edit ga --display virtio
expect_ok croft vm edit ga --agent off
assert_eq "false" "$(vmf ga .agent)" "agent after edit"
expect_ok croft vm start ga
pid=$(vm_pid ga)
cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
case "$cmd" in *guest_agent*) fail "QEMU has an agent channel after --agent off" ;; esac
assert_contains "$cmd" "-device virtio-vga" "QEMU command line after --display virtio"
expect_fail "has no guest agent channel" croft vm agent ga ping
expect_fail "has no guest agent channel (--agent off)" croft vm shutdown ga --agent
expect_ok croft vm stop ga
expect_ok croft vm delete ga
t_end

# --- hostile agents --------------------------------------------------------------
expect_ok croft vm create ha --vcpus 1 --memory 128M --kernel "$GUEST_KERNEL" \
	--initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check" || die "cannot create ha"

# hostile MODE MESSAGE — boot ha with croft.agent=MODE; `vm agent ha info`
# fails with MESSAGE, and croftd answers at once while it runs (and, for
# the silent agent, refuses a second request meanwhile).
hostile() {
	local mode=$1 want=$2 apid
	t_begin "a hostile agent ($mode): $want"
	croft vm stop ha >/dev/null 2>&1
	expect_ok croft vm edit ha --append "console=ttyS0 quiet no_timer_check croft.agent=$mode"
	expect_ok croft vm start ha
	wait_serial ha "CROFT-GUEST: agent $mode" 120
	croft vm agent ha info >"$T/agent.out" 2>"$T/agent.err" &
	apid=$!
	sleep 0.5
	responsive
	# One conversation at a time: a second waits for nothing, it is refused.
	[ "$mode" = silent ] && expect_fail "is busy with another request" croft vm agent ha ping
	wait "$apid" && fail "vm agent info succeeded against the $mode agent"
	assert_contains "$(cat "$T/agent.err")" "$want" "vm agent info against $mode"
	responsive
	t_end
}

hostile silent "no guest agent answered in VM 'ha' within 5 s"
hostile garbage "the guest agent sent something that is not JSON"
hostile flood "the guest agent sent more than 1024 KiB"
hostile huge "the guest agent sent a line longer than 64 KiB"

t_begin "after the hostile agents croftd still starts and stops guests"
expect_ok croft vm stop ha
expect_ok croft vm delete ha
t_end

