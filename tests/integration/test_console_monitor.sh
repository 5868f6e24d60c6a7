#!/bin/bash
# test_console_monitor.sh — the monitor in the console, with a running TCG
# guest, at 80x24:
#   - the Host screen shows CPU with steal, memory, swap ("no swap" here:
#     the test machine has none), pressure, the alerts and the last hour's
#     sparklines, which fill in from the history;
#   - Enter on a VM opens its detail view (CPU, ready per vCPU, memory as
#     the guest sees it and as the host pays, disks), t switches the graphs
#     to 24 h, Esc goes back, and c still opens the serial console;
#   - TERM=vt100: the same screens, and only ASCII bytes reach the
#     terminal; with a UTF-8 locale the sparklines are Unicode blocks.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"

itest_setup
tmux_install_teardown

expect_ok croft vm create web --vcpus 1 --memory 128M --disk 32M \
	--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check"
expect_ok croft vm start web

t_begin "80x24: the Host screen is a monitor"
tmux_start h 80 24 xterm-256color
tmux_wait h '^web +running' 10
tmux_keys h 2
tmux_wait h '^ CPU +[0-9.]+% busy, steal [0-9.]+%, iowait' 10
tmux_wait h '^ Memory +[0-9.]+[MG] of [0-9.]+[MG] used' 2
if [ "$(awk '/^SwapTotal:/ { print $2 }' /proc/meminfo)" = 0 ]; then
	tmux_wait h '^ Swap +no swap' 2
else
	tmux_wait h '^ Swap +[0-9.]+[MG] of [0-9.]+[MG] used, si [0-9]+ so [0-9]+ pages/s' 2
fi
tmux_wait h '^ Pressure +cpu [0-9.-]+%? mem [0-9.-]+%? io' 2
tmux_wait h '^ Alerts +(none|[0-9]+ active)' 2
tmux_wait h 'last hour' 2
tmux_wait h 'Acceleration' 2
# the sparklines fill in once the history has a point (10 s buckets)
tmux_wait h '^ CPU .{50,}([▁▂▃▄▅▆▇█]|[_.~=+*#-])' 40
[ "$(tmux_longest h)" -le 80 ] || fail "a row is longer than 80 columns"
t_end

t_begin "80x24: Enter opens the VM's details, t switches to 24 h, Esc goes back"
tmux_keys h 1
tmux_wait h '^web +running' 5
tmux_keys h Enter
tmux_wait h '^ web  running' 5
tmux_wait h '^ CPU +[0-9.]+% of a CPU, QEMU.s RSS' 10
tmux_wait h '^ Ready +[0-9.-]+%? mean' 10
tmux_wait h 'vCPU 0 +[0-9.-]' 10
tmux_wait h '^ Memory +guest ' 5
tmux_wait h 'host pays: balloon [0-9.]+[MG] of 128M' 10
tmux_wait h '^ Disks +disk0 +r ' 10
tmux_wait h 'graphs: last hour' 2
tmux_keys h t
tmux_wait h 'graphs: last 24 h' 5
tmux_wait h 'Graphs over the last 24 hours' 5
[ "$(tmux_longest h)" -le 80 ] || fail "a row is longer than 80 columns"
tmux_keys h Escape
tmux_wait h '^NAME +STATE' 5
# the help lists the keys
tmux_keys h '?'
tmux_wait h 'Keys' 5
for _ in 1 2 3 4 5 6; do
	tmux_has h "the VM's details: CPU ready per vCPU" && break
	tmux_keys h NPage
	sleep 0.3
done
tmux_wait h "the VM's details: CPU ready per vCPU" 2
tmux_wait h "^ +x +c +the VM's serial console" 2
tmux_keys h Escape
t_end

t_begin "c opens the serial console; Ctrl-] returns"
tmux_keys h c
tmux_wait h "Connected to web's serial console -- Ctrl-\] returns" 10
tmux_keys h C-]
tmux_wait h "Back from web's serial console" 10
tmux_keys h q
tmux_wait_dead h 5 >/dev/null
t_end

t_begin "TERM=vt100: the monitor screens in ASCII only"
raw=$T/raw-vt100.out
: >"$raw"
tmux_start v 80 24 vt100
tmux_pipe v "$raw"
tmux_wait v '^web +running' 10
tmux_keys v 2
tmux_wait v '^ CPU .{50,}[_.~=+*#-]' 30
tmux_keys v 1 Enter
tmux_wait v '^ Ready ' 10
tmux_keys v t
tmux_wait v 'graphs: last 24 h' 5
tmux_keys v Escape q
tmux_wait_dead v 5 >/dev/null
tmux_ascii_only "$raw" vt100
t_end

t_begin "a UTF-8 locale gets Unicode sparklines"
tmux_start u 80 24 xterm-256color LANG=C.UTF-8 LC_ALL=
tmux_wait u '^web +running' 10
tmux_keys u 2
tmux_wait u '^ CPU .*[▁▂▃▄▅▆▇█]' 30
tmux_keys u q
tmux_wait_dead u 5 >/dev/null
t_end
