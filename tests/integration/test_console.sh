#!/bin/bash
# test_console.sh — the ncurses console, driven through tmux against a real
# croftd and real TCG guests: the VM table, starting a VM and seeing it run,
# the guest's serial console and coming back with Ctrl-], the create form
# with rejected input (its own checks and croftd's) and the Jobs view
# listing the job that made the new VM's disk, delete with its
# confirmation (n keeps, y deletes the VM and its disk image), a guest that
# powers itself off updating the row with no key pressed, and two consoles
# plus the CLI seeing each other's actions.
#
# Guests (1 vCPU, 128M, direct kernel boot; the test kernel needs more than 64M):
#   web   started from the console, used for the serial console
#   db    started from the other console
#   off   croft.poweroff=4: started by the CLI, powers itself off
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"

APPEND="console=ttyS0 quiet no_timer_check"

new_vm() {   # NAME MEMORY [APPEND-EXTRA]
	expect_ok croft vm create "$1" --vcpus 1 --memory "$2" \
		--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "$APPEND${3:+ $3}"
}

# row C NAME — the table row of VM NAME on console C ("" if none).
row() {
	tmux_cap "$1" | grep -E "^$2 " | head -n1
}

itest_setup
tmux_install_teardown

new_vm web 128M
new_vm db 128M

t_begin "the console opens on the VM table"
tmux_start c1 100 30 xterm-256color
tmux_wait c1 '^NAME +STATE +VCPU +MEMORY +CPU% +UPTIME' 10
tmux_wait c1 '^db +stopped +1 +128M' 5
tmux_wait c1 '^web +stopped +1 +128M' 5
assert_contains "$(tmux_line c1 1)" "croft  $(hostname)" "title row"
assert_contains "$(tmux_line c1 1)" "1 VMs" "tabs"
assert_contains "$(tmux_line c1 1)" "3 Events" "tabs"
assert_contains "$(tmux_line c1 2)" "CPU [" "CPU meter"
assert_contains "$(tmux_line c1 2)" "Mem [" "memory meter"
assert_contains "$(tmux_line c1 3)" "Guests 0/2" "guests"
assert_contains "$(tmux_line c1 3)" "vCPU:pCPU 0:$(nproc)" "vCPU ratio"
assert_contains "$(tmux_line c1 3)" "TCG" "accelerator"
assert_contains "$(tmux_line c1 30)" "F1Help F2New F3Find F4Edit F5Start F6Shutdown F7Stop F8Del F9Pause F10Quit mLog" "key bar"
t_end

t_begin "start a VM from the console and see it running"
# rows are sorted by name: db, web; j moves to web
tmux_keys c1 j s
tmux_wait c1 'Starting web|Started web|^web +(starting|running)' 10
tmux_wait c1 '^web +running +1 +128M' 60
tmux_wait c1 'Started web' 10
tmux_wait c1 'Guests 1/2' 5
assert_eq running "$(vm_state web)" "croftd's state of web"
# CPU% and uptime fill in within a couple of refreshes, with no key pressed
tmux_wait c1 '^web +running +1 +128M +[0-9]+\.[0-9] +[0-9]+s' 10
t_end

t_begin "the serial console shows the guest and Ctrl-] returns"
tmux_keys c1 c
tmux_wait c1 "Connected to web's serial console -- Ctrl-\] returns" 10
# the boot markers while it boots, or the shell once it is up
wait_serial web 'CROFT-GUEST: ready' 120
tmux_keys c1 Enter
tmux_wait c1 'croft-guest:.*#' 30
tmux_type c1 'echo CROFT-$((6*7))-MARK'
tmux_keys c1 Enter
tmux_wait c1 '^CROFT-42-MARK' 20
tmux_type c1 'cat /proc/cmdline'
tmux_keys c1 Enter
tmux_wait c1 '^console=ttyS0 quiet' 20
tmux_keys c1 C-]
tmux_wait c1 '^NAME +STATE' 10
tmux_wait c1 "Back from web's serial console" 5
tmux_wait c1 '^web +running' 5
tmux_wait_gone c1 'CROFT-42-MARK' 2
t_end

t_begin "create form: bad input is refused with the API's words, then a VM is created"
tmux_keys c1 n
tmux_wait c1 'Name' 5
tmux_wait c1 'Memory' 5
tmux_type c1 '-bad'
tmux_wait c1 "VM name '-bad' must start with a letter or a digit" 5
tmux_keys c1 Enter
tmux_wait c1 "must start with a letter or a digit" 5
croft vm info -- -bad >/dev/null 2>&1 && fail "a VM '-bad' exists"
tmux_keys c1 C-u
tmux_type c1 'web'
tmux_keys c1 Tab Tab C-u
tmux_type c1 '8M'
tmux_wait c1 'memory must be between 16M and 16T, not 8M' 5
tmux_keys c1 C-u
tmux_type c1 '64M'
tmux_wait_gone c1 'not 8M' 5
# croftd refuses: the name is taken; the form stays open with its input
tmux_keys c1 Enter
tmux_wait c1 "a VM named 'web' already exists" 10
tmux_wait c1 'Memory +64M' 2
# the refusal names the name: the form focuses that field
tmux_keys c1 C-u
tmux_type c1 'fresh'
tmux_wait c1 'Name +fresh' 2
tmux_keys c1 Enter
tmux_wait c1 '^fresh +stopped +1 +64M' 15
tmux_wait c1 'Created fresh' 5
# its disk was made by a vm.create job, which the Jobs view lists
tmux_keys c1 5
tmux_wait c1 '^ +[0-9]+ +vm\.create +fresh +done +\[#+100%\]' 5
tmux_keys c1 1
tmux_wait c1 '^fresh +stopped' 5
assert_eq stopped "$(vm_state fresh)" "croftd's state of fresh"
assert_eq 64 "$(vm_json fresh | jq -r .memory_mib)" "memory of fresh"
[ -f "$T/state/pools/default/fresh-disk0.qcow2" ] || fail "fresh's disk image was not created"
t_end

t_begin "edit form: the new VM's memory changes"
# the created VM is selected; the edit form starts on vCPUs (the name is fixed)
tmux_keys c1 e
tmux_wait c1 'Edit VM fresh' 5
tmux_keys c1 Tab C-u
tmux_type c1 '96M'
tmux_keys c1 Enter
tmux_wait c1 'Saved fresh' 10
tmux_wait c1 '^fresh +stopped +1 +96M' 5
assert_eq 96 "$(vm_json fresh | jq -r .memory_mib)" "memory of fresh after the edit"
t_end

t_begin "delete asks first: n keeps the VM, y deletes it and its disk image"
tmux_keys c1 /
tmux_type c1 fresh
tmux_keys c1 Enter
tmux_wait c1 '^fresh +stopped' 5
tmux_wait_gone c1 '^web ' 5
tmux_keys c1 x
tmux_wait c1 'Delete VM fresh\?' 5
tmux_wait c1 "fresh-disk0.qcow2" 2
tmux_wait c1 'y = delete VM and disk images' 2
tmux_keys c1 n
tmux_wait_gone c1 'Delete VM fresh' 5
tmux_wait c1 'Cancelled; nothing was changed' 5
expect_ok croft vm info fresh
tmux_wait c1 '^fresh +stopped' 2
tmux_keys c1 F8
tmux_wait c1 'Delete VM fresh\?' 5
tmux_keys c1 y
tmux_wait c1 'Deleted fresh' 10
tmux_wait_gone c1 '^fresh ' 5
expect_fail "no VM named 'fresh'" croft vm info fresh
[ -e "$T/state/pools/default/fresh-disk0.qcow2" ] && fail "fresh's disk image is still there"
tmux_keys c1 Escape
tmux_wait c1 '^web +running' 5
tmux_wait c1 '^db +stopped' 5
t_end

t_begin "a guest that powers itself off updates the row with no key pressed"
new_vm off 128M croft.poweroff=4
tmux_wait c1 '^off +stopped' 5
# the CLI starts it: another client's action shows up too
expect_ok croft vm start off
tmux_wait c1 '^off +running' 5
wait_serial off 'CROFT-GUEST: self-poweroff' 120
tmux_wait c1 '^off +stopped' 5
assert_eq stopped "$(vm_state off)" "croftd's state of off"
t_end

t_begin "two consoles and the CLI see each other's actions"
tmux_start c2 100 30 tmux-256color
tmux_wait c2 '^web +running' 10
tmux_wait c2 '^db +stopped' 5
# c2 starts db (rows: db, off, web; db is first)
tmux_keys c2 s
tmux_wait c2 '^db +running' 60
tmux_wait c1 '^db +running' 3
# c1 pauses web (select it by filter)
tmux_keys c1 / w e b Enter
tmux_wait c1 'Filter: web' 3
tmux_keys c1 p
tmux_wait c1 '^web +paused' 10
tmux_wait c2 '^web +paused' 3
# the CLI resumes it: both consoles follow
expect_ok croft vm resume web
tmux_wait c1 '^web +running' 3
tmux_wait c2 '^web +running' 3
tmux_keys c1 Escape
tmux_wait c1 '^db +running' 3
# c2 shuts db down (ACPI): the guest powers off, both show it
wait_serial db 'CROFT-GUEST: ready' 120
tmux_keys c2 h
tmux_wait c2 'Shutting down db' 5
tmux_wait c2 '^db +(shutting-down|stopped)' 10
tmux_wait c1 '^db +(shutting-down|stopped)' 3
tmux_wait c2 '^db +stopped' 60
tmux_wait c1 '^db +stopped' 3
tmux_wait c2 'db powered off' 5
# the Events screen of c1 logged it
tmux_keys c1 3
tmux_wait c1 'vm.state +db +stopped \(was shutting-down\), reason user' 5
tmux_keys c1 1
t_end

t_begin "force stop asks first and stops at once"
tmux_keys c1 Escape
tmux_wait c1 '^web +running' 3
tmux_keys c1 / w e b Enter f
tmux_wait c1 'Force stop web\?' 5
tmux_keys c1 Escape
tmux_wait_gone c1 'Force stop web' 5
assert_eq running "$(vm_state web)" "web after Esc"
tmux_keys c1 F7
tmux_wait c1 'Force stop web\?' 5
tmux_keys c1 y
tmux_wait c1 '^web +stopped' 15
tmux_wait c2 '^web +stopped' 3
assert_eq stopped "$(vm_state web)" "web after y"
t_end

t_begin "an action croftd refuses shows its message and leaves the rows right"
# web is stopped: pausing it is refused
tmux_keys c1 p
tmux_wait c1 "Pausing web failed: cannot pause VM 'web': it is stopped" 10
tmux_wait c1 '^web +stopped' 2
t_end

t_begin "help lists the keys; q quits at once"
tmux_keys c1 '?'
tmux_wait c1 'Keys' 3
tmux_wait c1 'q F10 +quit the console' 3
tmux_keys c1 NPage
tmux_wait c1 'x Delete F8 +delete the selected VM' 3
# the serial console's keys come after every screen's (at the end)
for _ in 1 2 3 4 5 6; do
	tmux_has c1 'Ctrl-\]' && break
	tmux_keys c1 NPage
	sleep 0.3
done
tmux_wait c1 'Ctrl-\]' 3
tmux_keys c1 Escape
tmux_wait_gone c1 'x Delete F8' 3
tmux_keys c1 q
assert_eq 0 "$(tmux_wait_dead c1 5)" "croft's exit status"
tmux_keys c2 F10
tmux_wait_dead c2 5 >/dev/null
t_end
