#!/bin/bash
# test_console_snap.sh — the console's Snapshots screen ("7 Snaps") with one
# running TCG guest, driven in tmux at 80x24:
#   - S on the VM list opens it on the selected VM: the empty tree,
#     schedules and backups say how to make one;
#   - a snapshot taken from the form, after the form showed snap.estimate's
#     pause with and without RAM, is in the tree (current position marked)
#     and in `croft snap list`; a RAM snapshot follows it;
#   - revert asks first: without RAM it says the guest restarts from its
#     disks and its unsaved work is lost; n changes nothing, y reverts
#     (snap.list's current moves); a RAM snapshot's revert says it runs on
#     where it was;
#   - delete names the snapshot and says its children stay; they do;
#   - a schedule added with a calendar croftd cannot read shows croftd's
#     words under the Calendar field and stays open; a good one is listed
#     with its next run; the editor changes it; it runs now; it is removed;
#   - backups: made to a pool picked in the form with a live bar, verified,
#     restored as a new VM, deleted after the confirmation;
#   - TERM=vt100: the screen in ASCII only.
# An op croftd does not have yet is said so on the screen (unknown_op),
# and the test says which op it missed.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"

itest_setup
itest_share_tools
tmux_install_teardown

# have_op OP — croftd knows OP (an unknown op answers unknown_op).
have_op() {
	! APIRAW "{\"id\":1,\"op\":\"$1\",\"args\":{}}" | grep -q '"unknown_op"'
}

# missing OP — say which op this croftd lacks (the lead reads it).
missing() {
	echo "  missing op: $1 (its case checks the console says so)" >&2
}

# scheds — `croft schedule list --json`'s schedules, as an array.
scheds() {
	croft schedule list --json 2>/dev/null | jq -c 'if type == "array" then . else .schedules end'
}

# snaps FIELD — jq FIELD of `croft snap list web --json`'s answer.
snaps() {
	croft snap list web --json 2>/dev/null | jq -r "$1"
}

expect_ok croft vm create web --vcpus 1 --memory 128M --disk 32M "${KARGS[@]}"
expect_ok croft vm start web
expect_ok croft pool create bak --path "$T/bak"

t_begin "80x24: S opens the Snaps screen on the selected VM"
tmux_start s 80 24 xterm-256color
tmux_wait s '^web +running' 10
tmux_keys s S
tmux_wait s '^VM web \(running\)' 5
tmux_wait s ' 7 Snaps' 2
if have_op snap.list; then
	tmux_wait s '^SNAPSHOT +CREATED +RAM +SIZE +PAUSE +FLAGS' 5
	tmux_wait s 'No snapshots\. n takes one' 5
else
	missing snap.list
	tmux_wait s 'This croftd has no snapshots: it answered snap.list with unknown_op' 5
fi
if have_op schedule.list; then
	tmux_wait s '^ +ID +CALENDAR +NEXT RUN +LAST RESULT' 5
	tmux_wait s 'No schedules\.' 5
else
	missing schedule.list
	tmux_wait s 'This croftd has no schedules: it answered schedule.list with unknown_op' 5
fi
if have_op backup.list; then
	tmux_wait s '^BACKUP +CREATED +POOL +SIZE' 5
	tmux_wait s 'No backups\.' 5
else
	missing backup.list
	tmux_wait s 'This croftd has no backups: it answered backup.list with unknown_op' 5
fi
[ "$(tmux_longest s)" -le 80 ] || fail "a row is longer than 80 columns"
# ? lists the screen's keys
tmux_keys s '?'
tmux_wait s 'Keys' 5
tmux_keys s Escape
t_end

if have_op snap.create; then
	t_begin "take a snapshot from the form: the pause estimate first, then the tree"
	tmux_keys s n
	tmux_wait s 'New snapshot of web' 5
	if have_op snap.estimate; then
		tmux_wait s 'Guest pause ~[0-9.]+ m?s without RAM' 5
	else
		missing snap.estimate
		tmux_wait s 'No pause estimate: this croftd has no snap.estimate' 5
	fi
	tmux_type s pre
	tmux_keys s Tab Tab
	tmux_type s 'before the change'
	tmux_keys s Enter
	tmux_wait_gone s 'New snapshot of web' 10
	tmux_wait s 'Snapshot pre of web: (queued|running|done)' 10
	tmux_wait s '^pre \* +[0-9:]+ +- ' 60
	tmux_wait s 'Snapshot pre of web: done' 60
	assert_eq pre "$(snaps .current)" "snap.list's current"
	assert_eq "before the change" "$(snaps '.snapshots[] | select(.name == "pre") | .description')" \
		"the description"
	# a RAM snapshot of the running guest: the choice says its pause; a
	# croftd that cannot save RAM yet refuses in the form, and the second
	# snapshot is of the disks
	tmux_keys s n
	tmux_wait s 'New snapshot of web' 5
	tmux_type s mem
	tmux_keys s Tab Space
	tmux_wait s 'yes: with ([0-9.]+[KMG]? of )?RAM' 5
	tmux_keys s Enter
	SECOND=
	for _ in $(seq 1 300); do
		tmux_has s 'Taking snapshot mem of web failed: ' && SECOND=post && break
		tmux_has s 'New snapshot of web' || { SECOND=mem; break; }
		sleep 0.1
	done
	if [ "$SECOND" = post ]; then
		missing "snap.create with ram (RAM snapshots): $(tmux_cap s | grep -o 'failed: .*' | head -n 1)"
		tmux_keys s Escape
		tmux_wait_gone s 'New snapshot of web' 5
		tmux_keys s n
		tmux_wait s 'New snapshot of web' 5
		tmux_type s post
		tmux_keys s Enter
	elif [ -z "$SECOND" ]; then
		fail "the RAM snapshot's form neither closed nor showed croftd's refusal"
		SECOND=mem
	fi
	tmux_wait_gone s 'New snapshot of web' 10
	tmux_wait s "^$SECOND \* +[0-9:]+ +$([ $SECOND = mem ] && echo RAM || echo -) " 120
	tmux_wait s '^pre +[0-9:]+ +- ' 2
	assert_eq "$SECOND $([ $SECOND = mem ] && echo true || echo false)" \
		"$(snaps '.current + " " + (.snapshots[] | select(.name == "'$SECOND'") | .ram | tostring)')" \
		"the second snapshot"
	t_end

	t_begin "revert asks first, saying what is lost; n keeps, y reverts"
	tmux_keys s g
	tmux_keys s r
	tmux_wait s 'Revert web to snapshot pre\?' 5
	tmux_wait s 'has no RAM: VM web is stopped and' 2
	tmux_wait s 'unsaved work' 2
	tmux_keys s n
	tmux_wait_gone s 'Revert web to snapshot pre' 5
	assert_eq "$SECOND" "$(snaps .current)" "n reverted"
	tmux_keys s r
	tmux_wait s 'Revert web to snapshot pre\?' 5
	tmux_keys s y
	tmux_wait s 'Revert of web to pre: done' 120
	assert_eq pre "$(snaps .current)" "current after the revert"
	tmux_wait s '^pre \* ' 10
	wait_state web running 60
	# to the second: with RAM it runs on where it was
	tmux_keys s j r
	tmux_wait s "Revert web to snapshot $SECOND\\?" 5
	if [ "$SECOND" = mem ]; then
		tmux_wait s 'runs on exactly where it' 2
	else
		tmux_wait s 'restarts from the disks' 2
	fi
	tmux_keys s y
	tmux_wait s "Revert of web to $SECOND: done" 120
	assert_eq "$SECOND" "$(snaps .current)" "current after the second revert"
	wait_state web running 60
	t_end

	t_begin "delete names the snapshot and keeps its children"
	tmux_keys s g x
	tmux_wait s 'Delete snapshot pre of web\?' 5
	tmux_wait s "Its child $SECOND stays" 2
	tmux_keys s y
	tmux_wait s 'Delete of snapshot pre: done' 120
	tmux_wait_gone s '^pre ' 10
	tmux_wait s "^$SECOND \\* " 5
	assert_eq "$SECOND" "$(snaps '[.snapshots[].name] | join(",")')" "the tree after the delete"
	t_end
else
	missing snap.create
fi

if have_op schedule.add; then
	t_begin "schedules: a calendar croftd cannot read is shown at the field; add, edit, run, remove"
	tmux_keys s Right
	tmux_keys s n
	tmux_wait s 'New schedule for web' 5
	tmux_keys s C-e C-u
	tmux_type s 'mon..fxi 02:00'
	tmux_keys s Enter
	tmux_wait s "calendar event 'mon..fxi 02:00'" 10
	tmux_wait s "fxi" 2
	tmux_wait s 'New schedule for web' 2
	[ "$(scheds | jq length)" = 0 ] || fail "a bad calendar was saved: $(scheds)"
	# the cursor is on the part croftd could not read: fix it there
	tmux_keys s DC DC DC
	tmux_type s fri
	tmux_keys s Enter
	tmux_wait_gone s 'New schedule for web' 10
	tmux_wait s '^ +[0-9]+ +mon\.\.fri 02:00 ' 10
	assert_eq "mon..fri 02:00" "$(scheds | jq -r '.[0].at')" "the fixed calendar"
	id=$(scheds | jq -r '.[0].id')
	# the editor: a bad calendar, then a good one
	tmux_keys s e
	tmux_wait s "Schedule $id" 5
	tmux_keys s C-e C-u
	tmux_type s '*:0/xx'
	tmux_keys s Enter
	tmux_wait s "calendar event '\*:0/xx'" 10
	tmux_keys s C-e C-u
	tmux_type s '*:0/15'
	tmux_keys s Tab Tab Tab C-u
	tmux_type s 2
	tmux_keys s Enter
	# the form's own footer goes (the selected schedule's line below the
	# tables also says "Schedule $id")
	tmux_wait_gone s 'Enter save  Esc cancel' 10
	tmux_wait s "^ +$id +\*:0/15 " 10
	assert_eq '*:0/15 2 7' "$(scheds | jq -r '.[0] | "\(.at) \(.keep_last) \(.keep_daily)"')" "edited"
	if have_op schedule.run-now; then
		tmux_keys s R
		tmux_wait s "Schedule $id started" 10
	else
		missing schedule.run-now
	fi
	tmux_keys s x
	tmux_wait s "Remove schedule $id\?" 5
	tmux_wait s 'The snapshots it made stay' 2
	tmux_keys s y
	tmux_wait s "Removed schedule $id" 10
	tmux_wait s 'No schedules\.' 10
	t_end
else
	missing schedule.add
fi

if have_op backup.create; then
	t_begin "backups: to a picked pool with a bar, verify, restore as a new VM, delete"
	# the cursor is in the schedules: Right moves it into the backups
	tmux_keys s Right
	tmux_wait s '^BACKUP +CREATED' 2
	tmux_keys s n
	tmux_wait s 'Back up web' 5
	tmux_wait s '\(\*\) default' 2
	tmux_keys s Space
	tmux_wait s '\(\*\) bak' 2
	tmux_keys s Enter
	tmux_wait s 'Backup of web to bak: (queued|running|done) +\[' 20
	tmux_wait s 'Backup of web to bak: done' 180
	bid=$(croft backup list --json | jq -r 'if type == "array" then .[0].id else .backups[0].id end')
	tmux_wait s "^ +$bid +[0-9:]+ +bak " 10
	if have_op backup.verify; then
		tmux_keys s v
		tmux_wait s "Verify of backup $bid: done" 180
	else
		missing backup.verify
	fi
	if have_op backup.restore; then
		tmux_keys s r
		tmux_wait s "Restore backup $bid of web" 5
		tmux_keys s Enter
		# a label too long for its column gives way to the state
		tmux_wait s "Restore of backup $bid as web-re.*: done" 180
		croft vm info web-restored >/dev/null 2>&1 || fail "no VM web-restored"
	else
		missing backup.restore
	fi
	tmux_keys s x
	tmux_wait s "Delete backup $bid of web\?" 5
	tmux_wait s 'in pool bak\) is deleted' 2
	tmux_keys s y
	tmux_wait s "Deleted backup $bid" 30
	tmux_wait s 'No backups\.' 10
	t_end
else
	missing backup.create
fi

t_begin "TERM=vt100: the Snaps screen in ASCII only"
tmux_keys s Escape Escape q
tmux_wait_dead s 5 >/dev/null
raw=$T/raw-vt100.out
: >"$raw"
tmux_start v 80 24 vt100
tmux_pipe v "$raw"
tmux_wait v '^web +running' 10
tmux_keys v 7
tmux_wait v '^VM web \(running\)' 10
tmux_keys v n
tmux_wait v 'New snapshot of web' 5
tmux_keys v Escape
tmux_wait_gone v 'New snapshot of web' 5
tmux_keys v q
tmux_wait_dead v 5 >/dev/null
tmux_ascii_only "$raw" vt100
t_end
