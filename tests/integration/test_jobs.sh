#!/bin/bash
# test_jobs.sh — the job runner in a real croftd, before any op starts a
# job (vm.create will): job.list, job.info and job.cancel answer as
# docs/api.md says, and the jobs a croftd killed with SIGKILL left queued
# or running (written into its store while it is down, with a half-written
# image in the pool) are resolved when it starts again: failed with the
# reason, the image removed, the transitions kept in the event history.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

itest_setup
itest_share_tools
POOL="$T/state/pools/default"

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

# job_field ID FIELD — a field of job.info's result.
job_field() {
	api job.info "{\"id\":$1}" | jq -r ".result.$2"
}

# wait_job_progress ID — until the job runs and has written something.
wait_job_progress() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(job_field "$1" state)" = running ] && [ "$(job_field "$1" done)" -gt 0 ] && return 0
		sleep 0.05
	done
	fail "job $1 did not make progress: $(api job.info "{\"id\":$1}")"
}

t_begin "vm create with a raw disk is a job; the API keeps answering while it writes"
out=$(croft vm create big --memory 64M --cdrom "$GUEST_ISO" --disk 8G --format raw --no-wait --json)
id=$(jq -r .job.id <<<"$out")
assert_eq "big vm.create" "$(jq -r '"\(.name) \(.job.kind)"' <<<"$out")" "the reply names the job"
wait_job_progress "$id"
# What shows while it runs, read at once: on a fast disk even 8 GiB take
# only a few seconds.
line=$(croft job list | grep -E "^ *$id ")
info=$(croft job info "$id")
vms=$(croft vm list --json | jq -r '.[] | select(.name == "big") | .name')
still=$(job_field "$id" state)
assert_contains "$line" "vm.create" "croft job list shows the kind"
assert_contains "$line" "big" "croft job list shows the target"
if [ "$still" = running ]; then
	assert_contains "$line" "running" "croft job list shows the state"
	assert_contains "$info" "%" "croft job info shows progress"
	assert_eq "" "$vms" "no VM before the job is done"
fi
slow=0
for ((i = 0; i < 10; i++)); do
	start=$(date +%s%N)
	timeout 5 "$BUILD/croft" vm list --json >/dev/null || fail "vm list failed while the job ran"
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -gt 1000 ] && slow=$((slow + 1))
done
assert_eq 0 "$slow" "vm list calls slower than 1 s while the disk is written"
[ "$(job_field "$id" total)" = 8589934592 ] || fail "total $(job_field "$id" total)"
for ((i = 0; i < 600; i++)); do
	[ "$(job_field "$id" state)" = running ] || break
	sleep 0.2
done
assert_eq done "$(job_field "$id" state)" "the job's end"
assert_eq stopped "$(vm_state big)" "the VM after the job"
assert_eq "raw 8589934592" "$(vm_json big | jq -r '.disks[0] | "\(.format) \(.size_bytes)"')" "its disk"
[ "$(stat -c %b "$POOL/big-disk0.raw")" -ge $((8589934592 / 512)) ] || fail "the raw disk is not allocated"
croft vm delete big >/dev/null || fail "vm delete big"
t_end

t_begin "cancel: the job stops, its image goes, no VM is defined"
id=$(croft vm create gone --memory 64M --cdrom "$GUEST_ISO" --disk 8G --format raw --no-wait)
wait_job_progress "$id"
out=$(croft job cancel "$id" 2>&1) || fail "job cancel: $out"
assert_eq cancelled "$(job_field "$id" state)" "state"
[ -e "$POOL/gone-disk0.raw" ] && fail "the cancelled job's image is still there"
assert_eq "" "$(vm_state gone)" "no VM gone"
t_end

t_begin "kill -9 of croftd while a vm.create job writes: resolved at restart, nothing half-made"
id=$(croft vm create half --memory 64M --cdrom "$GUEST_ISO" --disk 8G --format raw --no-wait)
wait_job_progress "$id"
croftd_kill9
sleep 0.5
pgrep -f "qemu-img create.*half-disk0.raw" >/dev/null && fail "qemu-img outlived croftd"
croftd_start
assert_eq "failed: croftd restarted while the job was running" \
	"$(api job.info "{\"id\":$id}" | jq -r '.result | "\(.state): \(.error)"')" "the job"
[ -e "$POOL/half-disk0.raw" ] && fail "the half-written image is still there"
assert_eq "" "$(vm_state half)" "no VM half"
t_end

t_begin "vm create waits for its job by default (off a terminal, silently)"
out=$(croft vm create small --memory 64M --cdrom "$GUEST_ISO" --disk 16M --format raw 2>&1) ||
	fail "create: $out"
assert_eq stopped "$(vm_state small)" "the VM exists when the command returns"
expect_fail "--format: 'vmdk' is not qcow2 (thin) or raw (preallocated)" \
	croft vm create bad --memory 64M --disk 16M --format vmdk
expect_fail "--format applies to new disks (--disk SIZE), and there is none" \
	croft vm create bad --memory 64M --cdrom "$GUEST_ISO" --format raw
t_end
