#!/bin/bash
# test_screen.sh — a guest's VGA text screen without a viewer, and keys
# sent to it, against a real TCG guest (std VGA, BIOS):
#   - croft vm screen shows what the guest wrote on its Linux console
#     (/dev/tty1, VGA text mode), with the cursor; --json has cols/rows;
#   - the guest is stopped only for the register reads: no pause shows in
#     the VM's state or events, and a VM the user paused stays paused;
#   - croft vm sendkey (key names and --text) reaches the guest's keyboard:
#     a read on tty1 in the guest gets the typed line;
#   - refused by name: a stopped VM, a VM without a display, an unknown
#     key, a character without a key;
#   - the console's V shows the same screen and passes keystrokes to the
#     guest (80x24 and vt100), Ctrl-] returns to the list.
# One guest (1 vCPU, 128M, direct kernel boot), booted once.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"
. "$(dirname "$0")/netlib.sh"      # guest_run

itest_setup
tmux_install_teardown

t_begin "refused: a stopped VM, a VM without a display, bad keys"
expect_ok croft vm create vs --vcpus 1 --memory 128M "${KARGS[@]}"
expect_fail "VM 'vs' is stopped; its screen exists only while it runs" croft vm screen vs
expect_fail "VM 'vs' is stopped; keys reach only a running guest" croft vm sendkey vs ret
expect_fail "needs keys (like ret or ctrl-alt-delete) or --text" croft vm sendkey vs
expect_ok croft vm create nd --vcpus 1 --memory 128M --display none "${KARGS[@]}"
expect_ok croft vm start nd
expect_fail "VM 'nd' has no display (--display none)" croft vm screen nd
expect_ok croft vm stop nd
t_end

t_begin "vm screen: the guest's tty1 as text, the cursor where the guest left it"
expect_ok croft vm start vs
wait_serial vs 'CROFT-GUEST: ready' 120
guest_run vs 'printf "\033[2J\033[HCROFT-VGA-LINE one\nsecond line \304\n" >/dev/tty1' 30 >/dev/null ||
	fail "the guest could not write to tty1"
if expect_ok croft vm screen vs; then
	assert_contains "$EXPECT_OUT" "CROFT-VGA-LINE one" "first line"
	assert_contains "$EXPECT_OUT" "second line" "second line"
fi
if expect_ok croft vm screen vs --json; then
	assert_eq "text 80 25" "$(jq -r '"\(.mode) \(.cols) \(.rows)"' <<<"$EXPECT_OUT")" "mode and size"
	assert_eq "CROFT-VGA-LINE one" "$(jq -r '.lines[0]' <<<"$EXPECT_OUT")" "line 0"
	assert_eq "2 0 true" "$(jq -r '"\(.cursor.row) \(.cursor.col) \(.cursor.visible)"' <<<"$EXPECT_OUT")" \
		"cursor after two lines"
fi
t_end

t_begin "a screen read is not a pause: state and events stay running; a paused VM stays paused"
since=$(date +%s)
for _ in 1 2 3 4 5; do croft vm screen vs >/dev/null || fail "vm screen failed"; sleep 0.25; done
assert_eq running "$(croft vm info vs --json | jq -r .state)" "state after reads"
ev=$(croft events --json --no-follow --since "$since" 2>/dev/null | grep -c '"vm.state"' || true)
assert_eq 0 "$ev" "vm.state events during the reads"
expect_ok croft vm pause vs
expect_ok croft vm screen vs
assert_contains "$EXPECT_OUT" "CROFT-VGA-LINE one" "screen of a paused VM"
sleep 0.5
assert_eq paused "$(croft vm info vs --json | jq -r .state)" "a paused VM stays paused"
expect_ok croft vm resume vs
ev=$(croft events --json --no-follow --since "$since" 2>/dev/null | grep -c '"vm.state"' || true)
[ "$ev" -ge 2 ] || fail "the pause and resume are not seen as vm.state events ($ev): the count above proves nothing"
t_end

t_begin "vm sendkey: keys and text reach the guest's keyboard"
expect_fail "unknown key 'nosuchkey' in 'ctrl-nosuchkey'" croft vm sendkey vs ctrl-nosuchkey
expect_fail "has no key on a US keyboard" croft vm sendkey vs --text "caf$(printf '\303\251')"
# A reader on tty1 in the guest, its answer on the serial port
guest_run vs '(read -r l </dev/tty1; echo "CROFT-TTY1-GOT[$l]" >/dev/ttyS0) >/dev/null 2>&1 &' 30 >/dev/null
expect_ok croft vm sendkey vs --text 'Hello, World! 42'
expect_ok croft vm sendkey vs ret
wait_serial vs 'CROFT-TTY1-GOT\[Hello, World! 42\]' 30 || fail "the guest did not read the typed line"
if expect_ok croft vm screen vs; then
	assert_contains "$EXPECT_OUT" "Hello, World! 42" "the typed line echoed on the screen"
fi
t_end

t_begin "the console: V shows the screen, keys reach the guest, Ctrl-] returns (80x24)"
tmux_start c1 80 24 xterm-256color
tmux_wait c1 '^ *vs +running' 20 || fail "vs not in the list"
tmux_keys c1 j V
tmux_wait c1 "vs: its screen, keys go to the guest" 10 || fail "no screen view title"
tmux_wait c1 'Hello, World! 42' 10 || fail "the guest's screen is not shown"
guest_run vs '(read -r l </dev/tty1; echo "CROFT-TTY1-GOT[$l]" >/dev/ttyS0) >/dev/null 2>&1 &' 30 >/dev/null
tmux_keys c1 -l 'typed in the console'
tmux_keys c1 Enter
wait_serial vs 'CROFT-TTY1-GOT\[typed in the console\]' 30 || fail "the console's keys did not reach the guest"
tmux_wait c1 'typed in the console' 10 || fail "the echo of the keys is not on the screen view"
tmux_keys c1 C-]
tmux_wait c1 "Back from vs's screen" 10 || fail "Ctrl-] did not return to the list"
tmux_keys c1 q
t_end

t_begin "the console in vt100 mode: the same screen, ASCII only"
tmux_start c2 80 24 vt100
tmux_wait c2 '^ *vs +running' 20 || fail "vs not in the list"
tmux_keys c2 j V
tmux_wait c2 'typed in the console' 10 || fail "the guest's screen is not shown in vt100 mode"
tmux_keys c2 C-]
tmux_wait c2 "Back from vs's screen" 10 || fail "Ctrl-] did not return to the list"
t_end

t_begin "a UEFI guest: OVMF draws in a framebuffer mode, and croft says a viewer is needed"
tmux_keys c2 q
expect_ok croft vm stop vs
expect_ok croft vm create efi --vcpus 1 --memory 256M --firmware uefi "${KARGS[@]}"
expect_ok croft vm start efi
mode=
for _ in $(seq 1 90); do
	out=$(croft vm screen efi --json 2>/dev/null) || true
	mode=$(jq -r .mode <<<"$out" 2>/dev/null)
	[ "$mode" = graphics ] && grep -q "linear framebuffer" <<<"$out" && break
	sleep 1
done
assert_eq graphics "$mode" "mode of a UEFI guest's screen"
assert_contains "$(croft vm screen efi)" "use croft vm display and a VNC viewer" "the text output says what to do"
expect_ok croft vm stop efi
t_end
