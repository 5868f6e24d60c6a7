#!/bin/bash
# test_console_term.sh — the console on different terminals and through
# trouble: resized to 80x24 and 200x60 (the layout follows), TERM=vt100 and
# TERM=linux (nothing but ASCII reaches the terminal, checked on the raw
# bytes croft writes, captured with tmux pipe-pane), xterm-256color,
# screen-256color and tmux-256color; croftd absent at start, and croftd
# killed with SIGKILL and started again while the console is open (the
# console says so plainly, stays responsive, and recovers by itself; the
# Jobs view shows the job the restart failed, the Events screen the
# history from before the console started and from the restart).
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"

itest_setup
tmux_install_teardown

expect_ok croft vm create web --vcpus 1 --memory 128M \
	--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check"
expect_ok croft vm create db --vcpus 1 --memory 128M \
	--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check"
expect_ok croft vm start web

# col_of NAME ROW WORD — 0-based column of WORD in screen row ROW.
col_of() {
	tmux_line "$1" "$2" | awk -v w="$3" '{ print index($0, w) - 1 }'
}

t_begin "80x24: everything fits"
tmux_start r 80 24 xterm-256color
tmux_wait r '^web +running' 10
assert_eq 80x24 "$(tmux_size r)" "pane size"
assert_eq 24 "$(tmux_cap r | wc -l)" "rows"
[ "$(tmux_longest r)" -le 80 ] || fail "a row is longer than 80 columns"
assert_eq "F1Help F2New F3Find F4Edit F5Start F6Shutdown F7Stop F8Del F9Pause F10Quit mLog" \
	"$(tmux_line r 24 | sed 's/ *$//')" "key bar at 80 columns"
assert_contains "$(tmux_line r 4)" "UPTIME" "the last column fits"
assert_contains "$(tmux_line r 3)" "TCG" "accelerator on the meter row"
NAME80=$(col_of r 4 STATE)
t_end

t_begin "resized to 200x60: the layout redraws wider and taller"
tmux_resize r 200 60
tmux_wait r '^NAME +STATE' 5
wait_for 5 test "$(tmux_cap r | wc -l)" -eq 60
assert_eq 200x60 "$(tmux_size r)" "pane size"
tmux_wait r '^web +running' 5
wait_for 5 eval '[[ "$(tmux_line r 60)" == *F10Quit* ]]'
[ "$(col_of r 4 STATE)" -gt "$NAME80" ] || fail "the NAME column did not widen ($NAME80 -> $(col_of r 4 STATE))"
[ "$(col_of r 2 'Mem [')" -ge 100 ] || fail "the memory meter did not move right ($(tmux_line r 2))"
# the old key bar row (24) is now part of the body: nothing stale left there
assert_ne "F10Quit" "$(tmux_line r 24 | grep -o F10Quit)" "stale key bar at row 24"
t_end

t_begin "resized back to 80x24"
tmux_resize r 80 24
wait_for 5 test "$(tmux_cap r | wc -l)" -eq 24
tmux_wait r '^web +running' 5
wait_for 5 eval '[[ "$(tmux_line r 24)" == F1Help*F10Quit* ]]'
[ "$(tmux_longest r)" -le 80 ] || fail "a row is longer than 80 columns after shrinking"
assert_eq "$NAME80" "$(col_of r 4 STATE)" "STATE column back at its 80-column place"
t_end

# exercise every screen, a dialog and the form; Ctrl-L repaints it all
tour() {   # NAME
	tmux_keys "$1" C-l
	tmux_wait "$1" '^web +running' 5
	tmux_keys "$1" 2
	tmux_wait "$1" 'Acceleration' 5
	tmux_keys "$1" 3
	tmux_wait "$1" 'TIME +EVENT +TARGET' 5
	tmux_keys "$1" 1 '?'
	tmux_wait "$1" 'Keys' 5
	tmux_keys "$1" Escape n
	tmux_wait "$1" 'Boot order' 5
	tmux_keys "$1" Escape x
	tmux_wait "$1" 'Delete VM db\?' 5
	tmux_keys "$1" n
	tmux_wait_gone "$1" 'Delete VM' 5
	tmux_wait "$1" '^db +stopped' 5
}

for term in vt100 linux; do
	t_begin "TERM=$term: only ASCII bytes reach the terminal"
	raw=$T/raw-$term.out
	: >"$raw"
	tmux_start "t-$term" 80 24 "$term"
	tmux_pipe "t-$term" "$raw"
	tmux_wait "t-$term" '^web +running' 10
	tour "t-$term"
	tmux_keys "t-$term" q
	assert_eq 0 "$(tmux_wait_dead "t-$term" 5)" "exit status"
	[ "$(stat -c %s "$raw")" -gt 1000 ] || fail "pipe-pane captured only $(stat -c %s "$raw") bytes"
	tmux_ascii_only "$raw" "TERM=$term"
	t_end
done

for term in xterm-256color screen-256color tmux-256color; do
	t_begin "TERM=$term renders every screen"
	tmux_start "t-$term" 100 30 "$term"
	tmux_wait "t-$term" '^web +running' 10
	tour "t-$term"
	# colours are in use on these terminals
	tmux_cap_raw "t-$term" | grep -q $'\e\\[[0-9;]*3[0-7]m\|\e\\[[0-9;]*4[0-7]m' ||
		fail "TERM=$term: no colour in the rendering"
	tmux_keys "t-$term" q
	tmux_wait_dead "t-$term" 5 >/dev/null
	t_end
done

t_begin "croftd killed with SIGKILL: the console says so, stays responsive, recovers"
tmux_keys r Escape 1
tmux_wait r '^web +running' 5
WEB_PID=$(vm_json web | jq -r .pid)
croftd_kill9
# at 80 columns the status line is cut; the body wraps the whole message
tmux_wait r "^croftd is not running \(cannot connect to $T" 5
# the list stays, greyed, as last known, and says so where the meters were
tmux_wait r 'croftd unreachable since [0-9:]+: the last known state, greyed' 2
tmux_wait r 'Connection refused\) - retrying' 2
tmux_has r '^web +running' || fail "the VM list went blank while croftd is away"
# still answers keys: the help opens and closes, screens switch
tmux_keys r '?'
tmux_wait r 'Keys' 3
tmux_keys r Escape 3
tmux_wait_gone r 'Keys' 3
tmux_keys r 1
croftd_start
tmux_wait r 'Reconnected to croftd' 5
tmux_wait r '^web +running' 5
tmux_wait r '^db +stopped' 5
assert_eq "$WEB_PID" "$(vm_json web | jq -r .pid)" "web's QEMU survived"
# the Events screen logged the outage
tmux_keys r 3
tmux_wait r 'lost the connection to croftd' 5
tmux_keys r 1
# and the new connection carries events: a CLI stop shows at once
expect_ok croft vm stop web
tmux_wait r '^web +stopped' 3
t_end

t_begin "the Jobs view and the Events history across a croftd restart"
# a job croftd was running when it was killed (written into its store
# while it is down, as test_jobs.sh does): the restart fails it
croftd_kill9
tmux_wait r 'croftd unreachable since' 5
now=$(date +%s%3N)
sqlite3 "$T/state/croft.db" "
INSERT INTO jobs (kind, target, state, done_bytes, total_bytes, user, uid, created_ms, started_ms)
VALUES ('disk.create', 'web', 'running', 1048576, 4194304, 'alice', 1000, $now, $now);"
croftd_start
tmux_wait r 'Reconnected to croftd' 5
tmux_keys r 5
tmux_wait r '^ +1 +disk\.create +web +failed +\[#+ +25%\]' 5
tmux_wait r '^Job 1 \(disk\.create web, by alice\): failed: croftd restarted' 5
assert_contains "$(tmux_line r 24)" "F8Cancel" "the Jobs key bar"
tmux_keys r x
tmux_wait r 'Job 1 is failed: there is nothing to cancel' 3
# the history: from before this console started, and the job's end at
# the restart, which no console saw live
tmux_keys r 3
tmux_wait r 'vm\.created +web' 5
tmux_wait r 'job\.state +1 ' 5
tmux_keys r 1
tmux_wait r '^web +stopped' 5
t_end

t_begin "croftd not running when the console starts"
tmux_start nosock 160 24 xterm-256color "CROFT_SOCKET=$T/nowhere.sock"
tmux_wait nosock "croftd is not running \(cannot connect to $T/nowhere.sock: No such file or directory\) - retrying" 5
tmux_keys nosock q
assert_eq 0 "$(tmux_wait_dead nosock 5)" "exit status"
t_end

t_begin "croft console needs a terminal"
expect_fail "the console needs a terminal" "$BUILD/croft" </dev/null
expect_fail "unexpected argument 'bogus'" "$BUILD/croft" console bogus
t_end
