#!/bin/bash
# test_console_newcomer.sh — the console at 80x24 as a newcomer meets it
# (issue 16): a start failure's long message is readable whole on the
# screen, in the message log (m) and in the Events screen and `croft
# events`; quitting (also after the serial console, also on SIGTERM) gives
# the shell back its screen as it was; with croftd stopped the VM list
# stays on screen, greyed and marked; a stopped or crashed VM says why and
# since when, a paused one's serial console says it is paused; an invalid
# form submission focuses the bad field and says why; a live memory
# decrease from the edit form keeps memory_mib and memory_min_mib.  (The
# demo's networking and the VM form's NIC: test_demo.sh; network delete
# asking once: test_console_net.sh.)
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"

itest_setup
tmux_install_teardown

# A kernel swapped for a symlink after create: croftd refuses to start the
# VM with a long message naming the file.
PRIV=$T/private-dir-with-a-rather-long-name
mkdir -p "$PRIV"
chmod 0700 "$PRIV"
cp "$GUEST_KERNEL" "$GUEST_INITRD" "$PRIV/"
expect_ok croft vm create bad --vcpus 1 --memory 128M \
	--kernel "$PRIV/vmlinuz" --initrd "$PRIV/initrd.img" --append "console=ttyS0"
mv "$PRIV/vmlinuz" "$PRIV/vmlinuz.real"
ln -s vmlinuz.real "$PRIV/vmlinuz"
expect_ok croft vm create web --vcpus 1 --memory 128M "${KARGS[@]}"

# screen_text NAME — the screen with the rows joined, so a wrapped message
# reads as one line again.
screen_text() {
	tmux_cap "$1" | sed 's/ *$//' | tr '\n' ' '
}

t_begin "a long start failure is readable in full at 80x24"
tmux_start c 80 24 xterm-256color
tmux_wait c '^web +stopped' 10
# rows sort by name: bad is first
tmux_keys c s
tmux_wait c 'Starting bad failed' 20
wait_for 3 eval '[[ "$(screen_text c)" == *"$PRIV/vmlinuz'"'"': symbolic links are not followed inside pools and allowed paths"* ]]' ||
	{ TMUX_LAST=$(tmux_cap c); _tmux_show_last c; fail "the failure is not on screen whole"; }
# a key folds it to one row that points at the log...
tmux_keys c j
tmux_wait c '\[m: in full\]$' 3
[ "$(tmux_cap c | sed 's/ *$//' | awk '{ if (length($0) > 80) print }' | wc -l)" -eq 0 ] ||
	fail "a row is wider than 80 columns"
# ...which shows it whole, wrapped
tmux_keys c m
tmux_wait c 'Messages' 3
for piece in "private-dir-with-a-rather-long-name/vmlinuz'" "symbolic links are not followed" "allowed paths"; do
	tmux_has c "$piece" || { _tmux_show_last c; fail "the log lacks '$piece'"; }
done
tmux_keys c Escape
tmux_wait_gone c 'Messages' 3
t_end

t_begin "events record a start failure's full text"
croft events --since 1m --no-follow >"$T/events.txt"
grep -q "bad.*vm.start by root: .*$PRIV/vmlinuz': symbolic links are not followed inside pools and allowed paths" \
	"$T/events.txt" || fail "croft events lacks the full text: $(grep bad "$T/events.txt")"
croft events --since 1m --no-follow --json |
	jq -se --arg p "$PRIV/vmlinuz" 'any(.[]; .event == "api.request" and .data.op == "vm.start"
		and (.message // "" | contains($p)))' >/dev/null ||
	fail "the api.request event's message does not name the file"
# the Events screen: Enter shows the events on screen whole
tmux_keys c 3
tmux_wait c 'TIME +EVENT +TARGET' 5
tmux_wait c 'api\.request +bad' 5
tmux_keys c Enter
tmux_wait c 'Events on screen, in full' 3
for piece in "root: vm.start invalid_argument: kernel" \
	"private-dir-with-a-rather-long-name/vmlinuz': symbolic" "allowed paths"; do
	tmux_has c "$piece" || { _tmux_show_last c; fail "the Events screen lacks '$piece'"; }
done
tmux_keys c Escape 1
tmux_wait c '^web +stopped' 5
t_end

t_begin "a stopped or crashed VM says why and since when; a paused one's console says paused"
expect_ok croft vm start web
tmux_wait c '^web +running' 30
kill -9 "$(vm_pid web)"
wait_state web crashed 10
tmux_keys c j
tmux_wait c '^web since [0-9:]+: crashed \(was running\), reason qemu-exited' 5
expect_ok croft vm start web
tmux_wait c '^web +running' 30
wait_serial web 'CROFT-GUEST: ready' 60
expect_ok croft vm pause web
tmux_wait c '^web +paused' 5
tmux_keys c c
tmux_wait c "web is paused: nothing shows here until it is resumed" 5
tmux_keys c C-]
tmux_wait c "Back from web's serial console" 5
expect_ok croft vm resume web
tmux_wait c '^web +running' 5
t_end

t_begin "an invalid form submission focuses the bad field and says why"
tmux_keys c n
tmux_wait c 'New VM' 5
tmux_type c fresh
tmux_keys c Tab Tab C-u
tmux_type c 8M
tmux_keys c BTab BTab
tmux_wait c 'memory must be between 16M and 16T, not 8M' 3
tmux_keys c Enter
tmux_wait c '^Fix Memory first: memory must be between 16M and 16T, not 8M' 3
row=$(tmux_cap c | grep -n ' Memory ' | head -n1 | cut -d: -f1)
assert_eq "$((row - 1))" "$(tmux_cmd display-message -p -t c '#{cursor_y}')" "the cursor is on Memory"
tmux_keys c Escape
tmux_wait_gone c 'New VM' 3
expect_fail "no VM named" croft vm info fresh
t_end

t_begin "a live memory decrease from the edit form keeps memory_mib and memory_min_mib"
tmux_keys c g j e
tmux_wait c 'Edit VM web' 5
tmux_wait c 'only memory and shares can change' 3
tmux_keys c C-u
tmux_type c 96M
tmux_keys c Enter
tmux_wait_gone c 'Edit VM web' 15
assert_eq "128 128" "$(croft vm info web --json | jq -r '"\(.memory_mib) \(.memory_min_mib)"')" \
	"configured memory and floor"
wait_for 20 eval '[ "$(croft vm info web --json | jq -r .memory_actual_mib)" -le 100 ]' ||
	fail "the balloon did not shrink web: $(croft vm info web --json | jq -r .memory_actual_mib)M"
t_end

t_begin "a kept disk re-attached to a new VM: the delete dialog says it is external and kept"
expect_ok croft vm create keep1 --vcpus 1 --memory 128M --disk 64M
KEPT=$(croft vm info keep1 --json | jq -r '.disks[0].path')
expect_ok croft vm delete keep1 --keep-disks
expect_ok croft vm create keep2 --vcpus 1 --memory 128M --disk "$KEPT"
assert_contains "$(croft vm info keep2)" "external: kept when the VM is deleted" "vm info"
tmux_wait c '^keep2 +stopped' 5
tmux_keys c g j
tmux_keys c x
tmux_wait c 'Delete VM keep2\?' 5
tmux_wait c 'Kept, external \(attached, not made for this VM\):' 3
tmux_has c "It has no disk images of its own" || fail "the dialog does not say nothing of its own goes"
tmux_keys c y
tmux_wait c 'Deleted keep2' 10
[ -f "$KEPT" ] || fail "the kept disk was deleted with keep2"
t_end

t_begin "croftd stopped: the VM list stays, greyed and marked"
tmux_wait c '^web +running' 10
croftd_stop
tmux_wait c 'croftd unreachable since [0-9:]+: the last known state, greyed' 5
tmux_has c '^web +running' || fail "the list went blank"
tmux_has c '^bad +stopped' || fail "the list went blank"
# greyed: the rows are drawn in the theme's dim colour (bold blue)
tmux_cap_raw c | grep -E 'web' | grep -q $'\e\\[1m\e\\[34m\|\e\\[34m' ||
	fail "the stale rows are not greyed"
croftd_start
tmux_wait c 'Reconnected to croftd' 10
tmux_wait_gone c 'croftd unreachable' 5
tmux_wait c '^web +running' 5
tmux_keys c q
assert_eq 0 "$(tmux_wait_dead c 5)" "exit status"
t_end

# shell_start NAME — a plain shell in tmux at 80x24 (croft is run in it).
shell_start() {
	TMUX_SOCK=${TMUX_SOCK:-$T/tmux.sock}
	tmux_cmd new-session -d -s "$1" -x 80 -y 24 \
		"env -i PATH=/usr/bin:/bin HOME=$T TERM=xterm-256color CROFT_SOCKET=$CROFT_SOCKET PS1='$ ' bash --norc --noprofile"
	tmux_cmd set-option -t "$1" window-size manual >/dev/null 2>&1 || true
	tmux_wait "$1" '^\$ ?$' 5
}

# before_after NAME — the shell's screen before croft ran must be the top
# of its screen after croft quit (then the croft command, a new prompt).
before_after() {
	local before after
	before=$(cat "$T/before-$1")
	after=$(tmux_cap "$1" | head -n "$(wc -l <"$T/before-$1")")
	assert_eq "$before" "$after" "the shell's screen after croft quit"
	tmux_has "$1" 'CROFT-GUEST|serial console' && fail "guest output left on the shell's screen"
	return 0
}

t_begin "quitting restores the screen, also after the serial console"
shell_start sh
tmux_type sh 'printf "before-%s\n" 1 2 3'
tmux_keys sh Enter
tmux_wait sh '^before-3$' 3
tmux_cap sh | sed '/^\$ *$/,$d' >"$T/before-sh"
echo '$ '"$BUILD/croft" >>"$T/before-sh"
tmux_type sh "$BUILD/croft"
tmux_keys sh Enter
tmux_wait sh '^web +running' 10
tmux_keys sh j c
tmux_wait sh "Connected to web's serial console" 5
tmux_keys sh Enter
tmux_wait sh '# ?$' 10
tmux_keys sh C-]
tmux_wait sh "Back from web's serial console" 5
tmux_keys sh q
tmux_wait sh '^\$ ?$' 5
before_after sh
t_end

t_begin "SIGTERM restores the screen too"
tmux_keys sh C-l
tmux_wait_gone sh 'before-' 3
tmux_type sh 'echo second-run'
tmux_keys sh Enter
tmux_wait sh '^second-run$' 3
tmux_cap sh | sed '/^\$ *$/,$d' >"$T/before-sh"
echo '$ '"$BUILD/croft" >>"$T/before-sh"
tmux_type sh "$BUILD/croft"
tmux_keys sh Enter
tmux_wait sh '^web +running' 10
pane=$(tmux_cmd display-message -p -t sh '#{pane_pid}')
cpid=$(pgrep -P "$pane" -x croft) || fail "no croft in the shell"
kill -TERM "$cpid"
tmux_wait sh '^\$ ?$' 5
before_after sh
t_end

