#!/bin/bash
# test_jobs.sh — the job runner in a real croftd, before any op starts a
# job (vm.create will): job.list, job.info and job.cancel answer as
# docs/api.md says, and the jobs a croftd killed with SIGKILL left queued
# or running (written into its store while it is down, with a half-written
# image in the pool) are resolved when it starts again: failed with the
# reason, the image removed, the transitions kept in the event history.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
itest_setup
cp "$HERE/apiraw.py" "$T/apiraw.py"
APIRAW() { /usr/bin/python3 "$T/apiraw.py" --socket "$CROFT_SOCKET" "$@"; }
DB="$T/state/croft.db"
POOL="$T/state/pools/default"

# api OP ARGS — the reply to one request, compact.
api() {
	APIRAW "{\"id\":1,\"op\":\"$1\",\"args\":$2}" | jq -c 'select(.id == 1)' | head -n 1
}

# error_of REPLY — "code: message".
error_of() {
	jq -r '"\(.error.code): \(.error.message)"' <<<"$1"
}

t_begin "job ops before any job: empty list, unknown ids named"
assert_eq '{"jobs":[]}' "$(api job.list '{}' | jq -c .result)" "job.list"
assert_eq '{"jobs":[]}' "$(api job.list '{"all":true}' | jq -c .result)" "job.list all"
assert_eq "not_found: no job 12" "$(error_of "$(api job.info '{"id":12}')")" "job.info"
assert_eq "not_found: no job 12" "$(error_of "$(api job.cancel '{"id":12}')")" "job.cancel"
assert_contains "$(error_of "$(api job.info '{"id":"12"}')")" 'argument "id" must be an integer' "job.info id type"
assert_contains "$(error_of "$(api job.list '{"all":1}')")" 'argument "all" must be true or false' "job.list all type"
t_end

t_begin "after a SIGKILL: jobs left running or queued fail with the reason, their images removed"
croftd_kill9
now=$(date +%s%3N)
head -c 1048576 /dev/zero >"$POOL/web-disk0.raw"
sqlite3 "$DB" "
INSERT INTO jobs (kind, target, state, done_bytes, total_bytes, args, cleanup, user, uid,
  created_ms, started_ms)
VALUES ('disk.create', 'web', 'running', 1048576, 4194304,
  '{\"disks\":[{\"path\":\"$POOL/web-disk0.raw\",\"format\":\"raw\",\"size_bytes\":4194304}]}',
  '[\"$POOL/web-disk0.raw\"]', 'alice', 1000, $now, $now);
INSERT INTO jobs (kind, target, state, args, user, uid, created_ms)
VALUES ('disk.create', 'db', 'queued', '{\"disks\":[]}', 'alice', 1000, $now);
INSERT INTO jobs (kind, target, state, user, uid, created_ms, started_ms, finished_ms)
VALUES ('disk.create', 'old', 'done', 'bob', 1001, 1000, 2000, 3000);"
croftd_start
[ -e "$POOL/web-disk0.raw" ] && fail "the half-written image is still there"
r=$(api job.info '{"id":1}' | jq -c .result)
assert_eq failed "$(jq -r .state <<<"$r")" "job 1 state"
assert_eq "croftd restarted while the job was running" "$(jq -r .error <<<"$r")" "job 1 error"
assert_eq "alice 1000 web disk.create" "$(jq -r '"\(.user) \(.uid) \(.target) \(.kind)"' <<<"$r")" "job 1 owner"
assert_eq "1048576 4194304 null null" "$(jq -r '"\(.done) \(.total) \(.rate) \(.eta_s)"' <<<"$r")" "job 1 progress"
[ "$(jq -r .finished_ms <<<"$r")" -ge "$now" ] || fail "job 1 finished_ms $(jq -r .finished_ms <<<"$r") is before $now"
assert_eq "failed: croftd restarted before the job started" \
	"$(api job.info '{"id":2}' | jq -r '.result | "\(.state): \(.error)"')" "job 2"
assert_eq "[]" "$(sqlite3 "$DB" "select coalesce(cleanup, '[]') from jobs where id = 1")" "job 1 cleanup in the store"
t_end

t_begin "job.list: recent jobs by default, all with --all, newest first; ended jobs cannot be cancelled"
assert_eq "2 1" "$(api job.list '{}' | jq -r '[.result.jobs[].id] | join(" ")')" "recent jobs"
assert_eq "3 2 1" "$(api job.list '{"all":true}' | jq -r '[.result.jobs[].id] | join(" ")')" "all jobs"
assert_eq "invalid_state: job 1 is already failed" "$(error_of "$(api job.cancel '{"id":1}')")" "cancel failed"
assert_eq "invalid_state: job 3 is already done" "$(error_of "$(api job.cancel '{"id":3}')")" "cancel done"
t_end

t_begin "the restart's job.state events are in the history, on behalf of the jobs' creators"
ev=$(api events.list '{}' | jq -c '.result.events[] | select(.event == "job.state") | .data')
assert_contains "$ev" '{"id":1,"kind":"disk.create","target":"web","state":"failed","previous":"running","error":"croftd restarted while the job was running"}' "job 1 event"
assert_contains "$ev" '"id":2,"kind":"disk.create","target":"db","state":"failed","previous":"queued"' "job 2 event"
assert_eq "1 alice" "$(api events.list '{}' | jq -r '.result.events[] | select(.event == "job.state" and .data.id == 1) | "\(.target) \(.user)"')" \
	"job 1 event: target the job id, on behalf of its creator"
t_end
