#!/bin/bash
# test_schedule.sh — schedules with retention (issue 11 item 4).
#
# Bad input first, against a stopped VM and croftd's own answers: an
# invalid calendar (the error names the column and the part), negative
# keeps (CLI and API), an unknown VM or tag, a tag not everyone may use,
# a missing target: each refused, no schedule made.  VM tags: create and
# edit with --tag, shown in vm info.  schedule simulate prints what the
# retention keeps.  Then one running guest with a schedule every minute
# and keep-last 2: after four runs exactly two of its scheduled
# snapshots are left, a manual snapshot of the same VM is still there,
# the last result says so, and the decisions are events.  A missed run:
# croftd stopped over a minute boundary runs the schedule once at start.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

itest_setup
itest_share_tools

sched_count() {   # the number of schedules
	croft schedule list --json | jq 'length'
}
snaps_of() {      # snaps_of VM: "name schedule" lines
	croft snap list "$1" --json | jq -r '.snapshots[] | "\(.name) \(.schedule)"'
}

croft vm create sv --vcpus 1 --memory 128M --disk 64M --tag web --tag prod \
	"${KARGS[@]}" >/dev/null || die "create sv"

t_begin "VM tags"
assert_eq '["prod","web"]' "$(croft vm info sv --json | jq -c .tags)" "tags"
expect_ok croft vm info sv
assert_contains "$EXPECT_OUT" "prod, web" "vm info shows the tags"
expect_fail "may hold only" croft vm edit sv --tag 'Bad Tag'
assert_eq '["prod","web"]' "$(croft vm info sv --json | jq -c .tags)" "bad tag changes nothing"
expect_ok croft vm edit sv --tag web --tag nightly
assert_eq '["nightly","web"]' "$(croft vm info sv --json | jq -c .tags)" "tags replaced"
t_end

t_begin "bad input changes nothing"
expect_fail "column 10: '25'" croft schedule add sv --at 'mon..fri 25:00' --keep-last 2
assert_contains "$EXPECT_ERR" "hour 25 is out of range 0..23"
expect_fail "'frx' is not a weekday" croft schedule add sv --at 'mon..frx' --keep-last 1
expect_fail "never happens again" croft schedule add sv --at '2015-10-21'
expect_fail "--keep-daily -1 is negative" croft schedule add sv --at daily --keep-daily -1
out=$(APIRAW '{"id":5,"op":"schedule.add","args":{"vm":"sv","at":"daily","keep_weekly":-3}}')
assert_contains "$out" "keep-weekly -3 is negative" "API refuses a negative keep"
assert_contains "$out" '"invalid_argument"'
expect_fail "no VM named 'nosuch'" croft schedule add nosuch --at daily
expect_fail "no VM has tag 'nosuch'" croft schedule add --tag nosuch --at daily
expect_fail "needs one of a VM, --all or --tag" croft schedule add --at daily
out=$(APIRAW '{"id":6,"op":"schedule.add","args":{"vm":"sv","all":true,"at":"daily"}}')
assert_contains "$out" "exactly one of a VM, all or a tag" "API refuses two targets"
expect_fail "no disk pool named 'nopool'" croft schedule add sv --at daily --backup-to nopool
expect_fail "no schedule 999" croft schedule remove 999
expect_fail "no schedule 999" croft schedule run-now 999
assert_eq 0 "$(sched_count)" "no schedule was made"
t_end

t_begin "schedule simulate"
expect_ok croft schedule simulate --at daily --days 30 --keep-last 3 --keep-weekly 2
assert_contains "$EXPECT_OUT" "30 runs, 5 kept, 25 removed"
assert_contains "$EXPECT_OUT" "keep-weekly"
n=$(croft schedule simulate --at '*:0/15' --days 1 --keep-hourly 4 --json |
	jq '[.snapshots[] | select(.kept)] | length')
assert_eq 4 "$n" "keep-hourly 4 over 96 quarter-hour runs"
expect_fail "column 1: 'xyz'" croft schedule simulate --at 'xyz'
t_end

t_begin "add, list, set, remove"
expect_ok croft schedule add --tag web --at 'sat *-1..7 15:00' --keep-daily 7 --keep-monthly 6
id=$(croft schedule list --json | jq '.[0].id')
expect_ok croft schedule list
assert_contains "$EXPECT_OUT" "tag web"
assert_contains "$EXPECT_OUT" "daily=7 monthly=6"
next=$(croft schedule list --json | jq '.[0].next_run')
assert_eq 6 "$(date -d "@$next" +%u)" "next run on a Saturday"
assert_eq 15:00 "$(date -d "@$next" +%H:%M)" "at 15:00"
[ "$(date -d "@$next" +%-d)" -le 7 ] || fail "next run in the first week: $(date -d "@$next")"
expect_ok croft schedule set "$id" --at hourly --keep-last 5
assert_eq hourly "$(croft schedule list --json | jq -r '.[0].at')" "at changed"
assert_eq 5 "$(croft schedule list --json | jq '.[0].keep_last')" "keep-last changed"
assert_eq 7 "$(croft schedule list --json | jq '.[0].keep_daily')" "keep-daily stays"
assert_eq 1 "$(croft schedule list sv --json | jq 'length')" "sv's schedules"
expect_ok croft schedule remove "$id"
assert_eq 0 "$(sched_count)" "removed"
t_end


# --- with a running guest and real snapshots -------------------------------------

sched_snaps() {   # the names of schedule $2's snapshots of VM $1, oldest first
	croft snap list "$1" --json |
		jq -r --argjson id "$2" '[.snapshots[] | select(.schedule == $id)] | sort_by(.created) | .[].name'
}
sched_result() {  # schedule $1's last result
	croft schedule list --json | jq -r --argjson id "$1" '.[] | select(.id == $id) | .last_result'
}
events_of() {     # events_of KIND ID: schedule ID's events of KIND since $RUN_MARK, one a line
	croft events --since "$RUN_MARK" --no-follow --json |
		jq -c --arg k "$1" --argjson id "$2" 'select(.event == $k and .data.schedule == $id)'
}
count_ge() {      # count_ge KIND ID N
	[ "$(events_of "$1" "$2" | wc -l)" -ge "$3" ]
}
result_ok() {     # result_ok ID: its last result says ok
	sched_result "$1" | grep -q '^ok:'
}
sched_snaps_are() {   # sched_snaps_are VM ID N
	[ "$(sched_snaps "$1" "$2" | wc -l)" -eq "$3" ]
}

t_begin "every minute, keep-last 2: two scheduled snapshots after four runs"
expect_ok croft vm start sv
wait_state sv running 30
wait_serial sv 'CROFT-GUEST: ready' 120
expect_ok croft snap create sv manual --description "by hand"
expect_ok croft snap create sv precious --protected
RUN_MARK=$(date +%s)
expect_ok croft schedule add sv --at minutely --keep-last 2
id=$(croft schedule list --json | jq '.[0].id')
# The first run just after the next minute turns, then one a minute.
wait_for 330 count_ge schedule.kept "$id" 4
# No more runs: the fifth would be next minute.
expect_ok croft schedule set "$id" --at 2099-01-01
wait_for 60 sched_snaps_are sv "$id" 2
wait_for 30 result_ok "$id"
names=$(sched_snaps sv "$id" | tr '\n' ' ')
newest=$(events_of schedule.taken "$id" | tail -n 2 | jq -r .message | sed 's/.*snapshot \(sched[^ ]*\) of.*/\1/' | tr '\n' ' ')
assert_eq "$newest" "$names" "the two newest runs' snapshots stay"
assert_eq 2 "$(sched_snaps sv "$id" | wc -l)" "scheduled snapshots left"
croft snap list sv --json | jq -e '.snapshots[] | select(.name == "manual" and .schedule == null)' >/dev/null ||
	fail "the manual snapshot is gone"
croft snap list sv --json | jq -e '.snapshots[] | select(.name == "precious")' >/dev/null ||
	fail "the protected snapshot is gone"
pruned=$(events_of schedule.pruned "$id" | wc -l)
[ "$pruned" -ge 2 ] || fail "pruned events: $pruned"
assert_contains "$(events_of schedule.pruned "$id" | head -n 1)" "no retention rule keeps it"
assert_contains "$(events_of schedule.run "$id" | head -n 1)" "('minutely', due): snapshot of sv"
assert_contains "$(sched_result "$id")" "ok: snapshot sched$id-"
grep -q "schedule $id: prunes snapshot sched$id-" "$T/croftd.log" || fail "the prune is not in the log"
t_end

t_begin "a run missed while croftd was down happens once at start"
expect_ok croft schedule set "$id" --at hourly
croftd_stop
# Three hours of runs missed: last run three hours ago.
sqlite3 "$DB" "UPDATE schedules SET last_run = strftime('%s','now') - 3 * 3600 WHERE id = $id" ||
	fail "cannot edit the store"
RUN_MARK=$(date +%s)
croftd_start || die "croftd does not start again"
wait_for 60 count_ge schedule.kept "$id" 1
assert_eq 1 "$(events_of schedule.run "$id" | wc -l)" "one run for three missed"
assert_contains "$(events_of schedule.run "$id")" "missed while croftd was down"
last=$(croft schedule list --json | jq '.[0].last_run')
[ $(($(date +%s) - last)) -lt 120 ] || fail "last run $last is not now"
t_end

t_begin "busy VM: the run waits for the job"
expect_ok croft schedule set "$id" --at 2099-01-01
RUN_MARK=$(date +%s)
# A snapshot by hand queued right before run-now: the run waits its turn.
expect_ok croft snap create sv busy1 --no-wait
expect_ok croft schedule run-now "$id"
wait_for 90 count_ge schedule.kept "$id" 1
# Whether the job was still running when the run looked depends on timing;
# if it was, the run said so and waited (the unit tests pin this down).
w=$(events_of schedule.waiting "$id")
[ -z "$w" ] || assert_contains "$w" "snap.create"
wait_for 30 result_ok "$id"
expect_ok croft schedule remove "$id"
expect_ok croft vm stop sv
t_end
