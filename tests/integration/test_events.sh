#!/bin/bash
# test_events.sh — the event history and the audit trail.
#
# Every event croftd publishes goes through its bus to the log, to API
# subscribers and to the events table in the store.  Requests that may change
# something are recorded as "api.request" events with the peer's user, uid
# and the outcome.  The history survives a normal restart and a kill -9,
# numbering continues after it, it is bounded by the events-keep setting, and
# events.list refuses bad arguments.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

itest_setup
itest_share_tools

# api LINE... — raw requests; prints the replies (one JSON per line).
api() {
	APIRAW "$@" | grep '^{'
}

# has JQ-CONDITION — does an event on stdin (one per line) match?  (jq 1.6's
# -e looks only at the last input, so count the matches instead.)
has() {
	[ -n "$(jq -c "select($1)")" ]
}

# history [ARGS-JSON] — the events.list result's events, one per line.
history() {
	api "{\"id\":1,\"op\":\"events.list\",\"args\":${1:-{\}}}" |
		jq -c 'select(.id == 1) | .result.events[]'
}

t_begin "a VM created and a refused op are in the history with who did them"
expect_ok croft vm create ev1 --vcpus 1 --memory 128M "${KARGS[@]}"
api '{"id":2,"op":"vm.start","args":{"name":"nosuchvm"}}' >/dev/null
h=$(history)
created=$(jq -c 'select(.event == "vm.created" and .target == "ev1")' <<<"$h")
[ -n "$created" ] || fail "no vm.created event for ev1 in: $h"
assert_eq root "$(jq -r .user <<<"$created")" "vm.created user"
assert_eq 0 "$(jq -r .uid <<<"$created")" "vm.created uid"
assert_eq vm.create "$(jq -r .op <<<"$created")" "vm.created op"
ok=$(jq -c 'select(.event == "api.request" and .op == "vm.create" and .target == "ev1")' <<<"$h")
assert_eq ok "$(jq -r .result <<<"$ok")" "audit of vm.create ($h)"
bad=$(jq -c 'select(.event == "api.request" and .op == "vm.start")' <<<"$h")
assert_eq not_found "$(jq -r .result <<<"$bad")" "audit of the refused vm.start"
assert_eq nosuchvm "$(jq -r .target <<<"$bad")" "its target"
assert_contains "$(jq -r .message <<<"$bad")" "no VM named 'nosuchvm'" "its message"
# Reads are not audited.
assert_eq 0 "$(jq -c 'select(.event == "api.request" and .op == "events.list")' <<<"$h" | wc -l)" \
	"audit entries for reads"
# seq is strictly increasing, time_ms present
assert_eq "" "$(jq -s -r '[.[].seq] as $s | if $s == ($s | sort | unique) then "" else "not increasing: \($s)" end' <<<"$h")" "seq order"
assert_eq "" "$(jq -r 'select(.time_ms < 1700000000000) | .seq' <<<"$h")" "time_ms"
t_end

t_begin "a member of group croft is recorded by name and uid"
if itest_member_add "cevtest$$"; then
	out=$(setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		/usr/bin/python3 "$T/apiraw.py" --socket "$CROFT_SOCKET" \
		'{"id":2,"op":"vm.delete","args":{"name":"ev1"}}' 2>&1)
	assert_eq true "$(jq -r 'select(.id == 2) | .ok' <<<"$out" 2>/dev/null)" "delete as a member ($out)"
	h=$(history)
	del=$(jq -c 'select(.event == "api.request" and .op == "vm.delete")' <<<"$h")
	assert_eq "$ITEST_MEMBER" "$(jq -r .user <<<"$del")" "user of the delete"
	assert_eq "$(id -u "$ITEST_MEMBER")" "$(jq -r .uid <<<"$del")" "uid of the delete"
	gone=$(jq -c 'select(.event == "vm.deleted" and .target == "ev1")' <<<"$h")
	assert_eq "$ITEST_MEMBER" "$(jq -r .user <<<"$gone")" "vm.deleted carries the member's name"
else
	fail "useradd $ITEST_MEMBER failed"
fi
itest_member_del
t_end

t_begin "the history survives a restart and a kill -9; numbering continues"
before=$(history | jq -s -c '[.[] | {seq, event, target, message}]')
last=$(jq -r '.[-1].seq' <<<"$before")
croftd_restart
after=$(history | jq -s -c '[.[] | {seq, event, target, message}]')
assert_eq "$before" "$(jq -c --argjson n "$(jq length <<<"$before")" '.[:$n]' <<<"$after")" \
	"the old events after a restart"
expect_ok croft vm create ev2 --vcpus 1 --memory 128M "${KARGS[@]}"
new=$(history "{\"after\":$last}")
first_new=$(head -n 1 <<<"$new" | jq -r .seq)
[ -n "$first_new" ] && [ "$first_new" -gt "$last" ] || fail "new events after $last: $new"
has '.event == "vm.created" and .target == "ev2"' <<<"$new" ||
	fail "no vm.created for ev2 after the restart"
last=$(history | tail -n 1 | jq -r .seq)
croftd_kill9
croftd_start
has '.event == "vm.created" and .target == "ev2"' <<<"$(history)" ||
	fail "vm.created for ev2 lost by kill -9"
api '{"id":3,"op":"vm.start","args":{"name":"nosuchvm2"}}' >/dev/null
next=$(history "{\"after\":$last}" | head -n 1 | jq -r .seq)
[ -n "$next" ] && [ "$next" -gt "$last" ] || fail "seq after kill -9: '$next' not after $last"
t_end

t_begin "a subscriber gets the new events with their seq after last_seq"
out=$(api '{"id":1,"op":"events.subscribe"}' '{"id":2,"op":"vm.start","args":{"name":"nosuchvm3"}}')
sub=$(jq -r 'select(.id == 1) | .result.last_seq' <<<"$out")
ev=$(jq -c 'select(.event == "api.request" and .target == "nosuchvm3")' <<<"$out")
[ -n "$ev" ] || fail "no live api.request event: $out"
[ "$(jq -r .seq <<<"$ev")" -gt "$sub" ] || fail "live seq $(jq -r .seq <<<"$ev") not after last_seq $sub"
assert_eq "$ev" "$(history "{\"after\":$sub}" | jq -c 'select(.target == "nosuchvm3")')" \
	"the live event and the stored one"
t_end

t_begin "events.list: since_ms and limit select; bad arguments are refused"
h=$(history)
n=$(wc -l <<<"$h")
mid=$(sed -n "$(((n + 1) / 2))p" <<<"$h" | jq -r .time_ms)
assert_eq "$(jq -r "select(.time_ms >= $mid) | .seq" <<<"$h")" \
	"$(history "{\"since_ms\":$mid}" | jq -r .seq)" "since_ms"
assert_eq "$(tail -n 2 <<<"$h" | jq -r .seq)" "$(history '{"limit":2}' | jq -r .seq)" \
	"limit keeps the newest"
r=$(api '{"id":1,"op":"events.list","args":{"limit":0}}')
assert_eq invalid_argument "$(jq -r 'select(.id == 1) | .error.code' <<<"$r")" "limit 0"
assert_contains "$(jq -r 'select(.id == 1) | .error.message' <<<"$r")" "limit must be between 1 and 10000" "message"
r=$(api '{"id":1,"op":"events.list","args":{"since_ms":"yesterday"}}')
assert_eq invalid_argument "$(jq -r 'select(.id == 1) | .error.code' <<<"$r")" "since_ms as a string"
r=$(api '{"id":1,"op":"events.list","args":{"after":-5}}')
assert_eq invalid_argument "$(jq -r 'select(.id == 1) | .error.code' <<<"$r")" "negative after"
t_end

t_begin "the history keeps the newest events-keep events"
croftd_stop
sqlite3 "$DB" "INSERT INTO settings (key, value) VALUES ('events-keep', '100')
	ON CONFLICT (key) DO UPDATE SET value = excluded.value"
croftd_start
reqs=()
for ((i = 0; i < 120; i++)); do
	reqs+=("{\"id\":$((i + 10)),\"op\":\"vm.start\",\"args\":{\"name\":\"flood$i\"}}")
done
api "${reqs[@]}" >/dev/null
h=$(history '{"limit":10000}')
assert_eq 100 "$(wc -l <<<"$h")" "events kept"
assert_eq flood119 "$(tail -n 1 <<<"$h" | jq -r .target)" "the newest is kept"
assert_eq 100 "$(sqlite3 "$DB" 'SELECT count(*) FROM events')" "rows in the store"
t_end
