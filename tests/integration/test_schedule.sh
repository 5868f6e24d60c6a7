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

