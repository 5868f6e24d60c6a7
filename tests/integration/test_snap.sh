#!/bin/bash
# test_snap.sh — snapshots (issue 11 items 1-3, without RAM).
#
# One guest on two qcow2 disks.  Stopped, a snapshot is qemu-img's (method
# "stopped"); running, one QMP transaction over both disks with the guest
# stopped for a few milliseconds (the pause recorded).  A marker the guest
# writes to its disk comes back with a revert: of a stopped VM (read from
# the host), and of a running one, which needs --force and restarts the
# guest from its disks.  Reverting and snapshotting again makes a branch;
# deleting a snapshot while the guest runs takes it off both disks and
# leaves the rest of the tree.  A snapshot cancelled, or cut short by
# croftd's stop or kill -9, while half made (one disk has it) leaves no
# trace of it on any disk and no row; a guest croftd died with stopped for
# a snapshot goes on at its restart.  The guest agent freezes the file
# systems around a live snapshot; a UEFI VM's variable store is kept and
# put back, as are the VM's settings.  Bad input changes nothing; a croft group member may
# snapshot, anyone else cannot reach croftd at all.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"      # guest_run

itest_setup
itest_share_tools

POOL=$T/state/pools/default
D0=$POOL/s1-disk0.qcow2
D1=$POOL/s1-disk1.qcow2
snaps_of() { qemu-img snapshot -U -l "$1" | awk 'NR > 2 { print $2 }' | sort | tr '\n' ' '; }
sl() { croft snap list s1 --json | jq -r "$1"; }
# the 16 bytes at 4 KiB of the first disk, read from the host (VM stopped)
host_marker() { rm -f "$T/m.raw"; qemu-img convert -U -f qcow2 -O raw "$D0" "$T/m.raw" && dd if="$T/m.raw" bs=4096 skip=1 count=1 2>/dev/null | head -c 12 | tr -d '\0'; }
guest_marker() { guest_run s1 'dd if=/dev/vda bs=4096 skip=1 count=1 2>/dev/null | head -c 12; echo' 60; }
# wait for s1 to run another QEMU than BOOTS (a pid) and its guest to boot
# (a start begins a new serial.log)
boots() { vm_pid s1; }
wait_boot() {
	wait_for 60 sh -c "p=\$(tr -dc 0-9 <'$T/run/vm/s1/qemu.pid' 2>/dev/null); [ -n \"\$p\" ] && [ \"\$p\" != '$BOOTS' ]" ||
		die "s1 did not start again"
	wait_serial s1 'CROFT-GUEST: ready' 120 || die "s1 did not boot again"
}
guest_write() { guest_ok s1 "printf '$1' | dd of=/dev/vda bs=4096 seek=1 conv=notrunc 2>/dev/null && sync" 60; }

t_begin "setup: a VM with two qcow2 disks, one with a raw disk"
expect_ok croft vm create s1 --memory 128M --disk 64M --disk 16M --kernel "$GUEST_KERNEL" \
	--initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check croft.agent=1"
assert_eq true "$(croft vm info s1 --json | jq -r .agent)" "vm create --disk keeps the agent channel"
expect_ok croft vol create default/rawd --size 8M --format raw
expect_ok croft vm create r1 --memory 64M --disk default/rawd "${KARGS[@]}"
t_end

t_begin "a stopped VM: snapshot with qemu-img, listed as current"
expect_ok croft snap create s1 empty --description "before anything"
assert_contains "$EXPECT_OUT" "s1: snapshot empty taken"
assert_eq "empty " "$(snaps_of "$D0")" "disk0's snapshots"
assert_eq "empty " "$(snaps_of "$D1")" "disk1's snapshots"
assert_eq empty "$(sl .current)" "current"
assert_eq stopped "$(sl '.snapshots[0].method')" "method"
assert_eq null "$(sl '.snapshots[0].pause_ms')" "no pause for a stopped VM"
assert_eq "before anything" "$(sl '.snapshots[0].description')" "description"
assert_eq 0 "$(sl '.warnings | length')" "no warnings: the disks checked clean"
expect_ok croft snap info s1 empty --json
assert_eq 2 "$(echo "$EXPECT_OUT" | jq '.disks | length')" "snap info's disks"
t_end

t_begin "bad input: precise errors, nothing changed"
expect_fail "no VM named 'nope'" croft snap create nope x
expect_fail "already has a snapshot named 'empty'" croft snap create s1 empty
expect_fail "snapshot name" croft snap create s1 'bad/name'
expect_fail "has no snapshot named 'nope'" croft snap revert s1 nope
expect_fail "has no snapshot named 'nope'" croft snap delete s1 nope
expect_fail "has no snapshot named 'nope'" croft snap info s1 nope
expect_fail "a snapshot with RAM needs a running guest" croft snap create s1 x --ram
expect_fail "is raw, which cannot hold snapshots; convert it to qcow2" croft snap create r1 x
assert_contains "$(croft snap list r1 --json | jq -r '.warnings[0]')" "is raw: new snapshots are refused"
assert_eq '"stopped" 0' "$(api snap.estimate '{"vm":"s1"}' | jq -r '"\(.result.method | tojson) \(.result.pause_ms)"')" "estimate of a stopped VM"
assert_eq 1 "$(sl '.snapshots | length')" "snapshots after the refusals"
assert_eq "empty " "$(snaps_of "$D0")" "disk0 after the refusals"
t_end

t_begin "a running VM: frozen, one transaction, a short measured pause; markers come back with revert --force"
expect_ok croft vm start s1
wait_serial s1 'CROFT-GUEST: ready' 120 || die "s1 did not boot"
# the agent has answered (croftd's own poll may hold it a moment): snapshots freeze
wait_for 30 "$BUILD/croft" vm agent s1 info
guest_write CROFT-MARK-A
expect_ok croft snap create s1 a
assert_eq transaction "$(sl '.snapshots[] | select(.name == "a") | .method')" "method"
# chain health of a running VM comes from QEMU (query-block), not qemu-img
wait_for 10 sh -c "'$BUILD/croft' snap list s1 --json | jq -e '[.health[] | select(.how == \"qmp\" and .ok)] | length == 2'" ||
	fail "no QMP health check of both disks: $(croft snap list s1 --json | jq -c .health)"
assert_eq true "$(sl '.snapshots[] | select(.name == "a") | .frozen')" "file systems frozen"
expect_ok croft vm agent s1 fsfreeze-status --json
assert_eq thawed "$(echo "$EXPECT_OUT" | jq -r .fsfreeze)" "thawed after the snapshot"
P=$(sl '.snapshots[] | select(.name == "a") | .pause_ms')
echo "  pause of snapshot a: $P ms"
awk -v p="$P" 'BEGIN { exit !(p >= 0 && p < 1000) }' || fail "pause $P ms is not a small number"
assert_eq running "$(vm_state s1)" "the guest runs on"
assert_eq transaction "$(api snap.estimate '{"vm":"s1"}' | jq -r .result.method)" "estimate of a running VM"
assert_eq "a empty " "$(snaps_of "$D0")" "disk0's snapshots"
assert_eq "a empty " "$(snaps_of "$D1")" "disk1's snapshots"
guest_write CROFT-MARK-B
expect_ok croft snap create s1 b
guest_write CROFT-MARK-C
assert_eq a "$(sl '.snapshots[] | select(.name == "b") | .parent')" "b's parent"
expect_fail "give --force" croft snap revert s1 b
assert_eq running "$(vm_state s1)" "refused revert leaves the guest running"
assert_eq CROFT-MARK-C "$(guest_marker)" "marker after the refused revert"
BOOTS=$(boots)
expect_ok croft snap revert s1 b --force
wait_boot
assert_eq running "$(vm_state s1)" "restarted after the revert"
assert_eq CROFT-MARK-B "$(guest_marker)" "marker after revert --force to b"
assert_eq b "$(sl .current)" "current after the revert"
t_end

t_begin "a branch: revert to a, snapshot again; delete b while running leaves the rest"
BOOTS=$(boots)
expect_ok croft snap revert s1 a --force --no-wait
expect_fail "has job" croft snap create s1 during
wait_boot
wait_for 30 sh -c "[ \"\$('$BUILD/croft' snap list s1 --json | jq -r .current)\" = a ]" || fail "revert to a did not finish"
assert_eq CROFT-MARK-A "$(guest_marker)" "marker after revert to a"
expect_ok croft snap create s1 a2
assert_eq a "$(sl '.snapshots[] | select(.name == "a2") | .parent')" "a2's parent"
assert_eq '["a2","b"]' "$(sl '[.snapshots[] | select(.name == "a") | .children[]] | sort' | jq -c .)" "a's children"
expect_ok croft snap list s1
assert_contains "$EXPECT_OUT" "a2 *"
expect_ok croft snap delete s1 b
assert_eq running "$(vm_state s1)" "the guest runs on after the delete"
assert_eq "a a2 empty " "$(snaps_of "$D0")" "disk0 after deleting b"
assert_eq "a a2 empty " "$(snaps_of "$D1")" "disk1 after deleting b"
assert_eq '["a2"]' "$(sl '[.snapshots[] | select(.name == "a") | .children[]]' | jq -c .)" "a's children after the delete"
expect_ok croft snap delete s1 a
assert_eq empty "$(sl '.snapshots[] | select(.name == "a2") | .parent')" "a2 moved up to a's parent"
guest_marker >/dev/null
t_end

t_begin "a stopped VM: revert puts the disks back"
expect_ok croft vm stop s1
wait_state s1 stopped 30 || fail "s1 did not stop"
assert_eq CROFT-MARK-A "$(host_marker)" "marker on the stopped disk"
expect_ok croft vm edit s1 --vcpus 2
expect_ok croft snap revert s1 empty
assert_eq "" "$(host_marker)" "marker after revert to empty"
assert_eq 1 "$(croft vm info s1 --json | jq -r .vcpus)" "the definition's vCPUs came back"
expect_ok croft snap revert s1 a2
assert_eq CROFT-MARK-A "$(host_marker)" "marker after revert to a2"
qemu-img check -q "$D0" || fail "qemu-img check of disk0"
t_end

t_begin "a croft group member can snapshot; others cannot reach croftd"
itest_member_add snapmember
out=$(setpriv --reuid=snapmember --regid=nogroup --init-groups "$T/croft" --socket "$CROFT_SOCKET" snap create s1 bymember 2>&1) ||
	fail "snap create as a member: $out"
assert_eq bymember "$(sl '.snapshots[] | select(.name == "bymember") | .name')" "the member's snapshot"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/croft" --socket "$CROFT_SOCKET" snap create s1 bynobody 2>&1) &&
	fail "snap create as nobody succeeded"
assert_eq "" "$(sl '.snapshots[] | select(.name == "bynobody") | .name')" "nobody's snapshot"
itest_member_del
t_end

t_begin "one job per VM: lifecycle, edits and disks wait for a snapshot job; a snapshot waits for a volume job on its disks"
# qemu-img, as croftd runs it, takes 30 s over disk1's snapshot or resize
mkdir -m 0755 "$T/slowbin"
printf '#!/bin/sh\ncase "$*" in *-c*disk1*|resize*disk1*) sleep 30 ;; esac\nexec /usr/bin/qemu-img "$@"\n' >"$T/slowbin/qemu-img"
chmod 0755 "$T/slowbin/qemu-img"
croftd_stop
PATH="$T/slowbin:$PATH" croftd_start || die "croftd did not start"
expect_ok croft vol create default/spare --size 8M
expect_ok croft snap create s1 slow --no-wait
wait_for 10 sh -c "qemu-img snapshot -U -l '$D0' | grep -q ' slow '" || fail "disk0 never got snapshot slow"
SJ=$("$BUILD/croft" job list --json | jq -r '[.[] | select(.kind == "snap.create")] | max_by(.id) | .id')
BUSY="VM 's1' has job $SJ (snap.create) running; wait for it or cancel it"
V0=$(croft vol info default/s1-disk0.qcow2 --json | jq -r .virtual_bytes)
expect_fail "$BUSY" croft vm start s1
expect_fail "$BUSY" croft vm stop s1
expect_fail "$BUSY" croft vm shutdown s1
expect_fail "$BUSY" croft vm reset s1
expect_fail "$BUSY" croft vm edit s1 --memory 256M
expect_fail "$BUSY" croft vm delete s1 --force
expect_fail "$BUSY" croft vm disk attach s1 default/spare
expect_fail "$BUSY" croft vm disk detach s1 default/s1-disk1.qcow2
expect_fail "volume default/s1-disk0.qcow2 is a disk of VM s1: $BUSY" croft vol resize default/s1-disk0.qcow2 --size 128M
expect_fail "$BUSY" croft snap create s1 other
expect_fail "$BUSY" croft snap revert s1 a2
expect_fail "$BUSY" croft snap delete s1 a2
assert_eq busy "$(api vm.start '{"name":"s1"}' | jq -r .error.code)" "the error code"
assert_eq "stopped 128 2 $V0" "$(croft vm info s1 --json | jq -r '"\(.state) \(.memory_mib) \(.disks | length)"') $(croft vol info default/s1-disk0.qcow2 --json | jq -r .virtual_bytes)" \
	"the VM and its disk after the refusals"
expect_ok croft job cancel "$SJ"
wait_for 30 sh -c "'$BUILD/croft' job info $SJ --json | jq -e '.state == \"cancelled\"'" || fail "job $SJ was not cancelled"
wait_for 10 sh -c "[ -z \"\$('$BUILD/croft' job list --json | jq -r '.[] | select(.state == \"running\" or .state == \"queued\") | .id')\" ]" ||
	fail "the undo job did not end"
# the other way round: a volume job on one of its disks holds the VM
expect_ok croft vol resize default/s1-disk1.qcow2 --size 32M --no-wait
RJ=$("$BUILD/croft" job list --json | jq -r '[.[] | select(.kind == "vol.resize")] | max_by(.id) | .id')
BUSY="VM 's1' has job $RJ (vol.resize) running; wait for it or cancel it"
expect_fail "$BUSY" croft snap create s1 during
expect_fail "$BUSY" croft vm start s1
expect_ok croft job cancel "$RJ"
wait_for 30 sh -c "'$BUILD/croft' job info $RJ --json | jq -e '.state == \"cancelled\"'" || fail "job $RJ was not cancelled"
assert_eq "a2 bymember empty " "$(snaps_of "$D0")" "disk0's snapshots after it all"
assert_eq "" "$(sl '.snapshots[] | select(.name == "slow" or .name == "other" or .name == "during") | .name')" "no row for a refused or cancelled snapshot"
expect_ok croft vol delete default/spare
t_end

t_begin "a snapshot cancelled, or cut short by croftd's stop or kill -9, while half made: no trace of it"
expect_ok croft snap create s1 cancelme --no-wait
wait_for 10 sh -c "qemu-img snapshot -U -l '$D0' | grep -q ' cancelme '" || fail "disk0 never got snapshot cancelme"
CJ=$("$BUILD/croft" job list --json | jq -r '[.[] | select(.kind == "snap.create")] | max_by(.id) | .id')
expect_ok croft job cancel "$CJ"
wait_for 30 sh -c "'$BUILD/croft' job info $CJ --json | jq -e '.state == \"cancelled\"'" || fail "job $CJ was not cancelled"
wait_for 30 sh -c "! qemu-img snapshot -U -l '$D0' | grep -q ' cancelme '" || fail "the cancelled snapshot stayed on disk0"
assert_eq "" "$(snaps_of "$D1" | grep -o cancelme)" "disk1 never got the cancelled snapshot"
assert_eq "" "$(sl '.snapshots[] | select(.name == "cancelme") | .name')" "no row for the cancelled snapshot"
wait_for 10 sh -c "[ -z \"\$('$BUILD/croft' job list --json | jq -r '.[] | select(.state == \"running\" or .state == \"queued\") | .id')\" ]" ||
	fail "the undo job did not end"
# croftd stopped (SIGTERM) with a snapshot half made: swept at the next start
expect_ok croft snap create s1 termed --no-wait
wait_for 10 sh -c "qemu-img snapshot -U -l '$D0' | grep -q ' termed '" || fail "disk0 never got snapshot termed"
croftd_stop
PATH="$T/slowbin:$PATH" croftd_start || die "croftd did not start"
wait_for 30 sh -c "! qemu-img snapshot -U -l '$D0' | grep -q ' termed '" || fail "snapshot termed stayed on disk0 after the restart"
assert_eq "" "$(sl '.snapshots[] | select(.name == "termed") | .name')" "no row for snapshot termed"
wait_for 10 sh -c "[ -z \"\$('$BUILD/croft' job list --json | jq -r '.[] | select(.state == \"running\" or .state == \"queued\") | .id')\" ]" ||
	fail "the undo job did not end"
expect_ok croft snap create s1 half --no-wait
wait_for 10 sh -c "qemu-img snapshot -U -l '$D0' | grep -q ' half '" || fail "disk0 never got the snapshot"
assert_eq "" "$(snaps_of "$D1" | grep -o half)" "disk1 has it not yet"
croftd_kill9
croftd_start || die "croftd did not restart"
job_half() { "$BUILD/croft" job list --json | jq -c '[.[] | select(.kind == "snap.create" and .target == "s1")] | max_by(.id)'; }
wait_for 30 sh -c "'$BUILD/croft' job list --json | jq -e '[.[] | select(.kind == \"snap.create\" and .target == \"s1\")] | max_by(.id) | .state == \"failed\"'" ||
	fail "the interrupted snapshot's job did not end"
JOB=$(job_half)
assert_eq failed "$(echo "$JOB" | jq -r .state)" "the interrupted snapshot's job"
assert_contains "$(echo "$JOB" | jq -r .error)" "croftd restarted"
assert_eq "" "$(sl '.snapshots[] | select(.name == "half") | .name')" "no row for it"
assert_eq "$(snaps_of "$D0")" "$(snaps_of "$D1")" "both disks hold the same snapshots"
assert_eq "$(sl '[.snapshots[].name] | sort | join(" ")') " "$(snaps_of "$D0")" "the disks hold what the store lists"
t_end

t_begin "UEFI: the variable store is kept with a snapshot and comes back with a revert; a guest a dead croftd left stopped goes on"
expect_ok croft vm create u1 --memory 128M --disk 16M --firmware uefi
expect_ok croft vm start u1
VARS=$T/state/vm/u1/OVMF_VARS.fd
expect_ok croft snap create u1 v1
[ -s "$T/state/vm/u1/snap-v1.OVMF_VARS.fd" ] || fail "no copy of the variable store with snapshot v1"
# croftd died with the guest stopped for a snapshot (its job still running,
# its mark in the VM's run directory): at the restart the guest goes on
expect_ok croft vm pause u1
croftd_stop
sqlite3 "$DB" "INSERT INTO jobs (kind, target, state, args, cleanup, created_ms, started_ms)
	VALUES ('snap.create', 'u1', 'running', '{\"vm\":\"u1\",\"name\":\"ghost\"}',
	        '[\"$T/run/vm/u1/snap-paused\"]', 1, 1)" ||
	fail "cannot plant the interrupted job"
: >"$T/run/vm/u1/snap-paused"
croftd_start || die "croftd did not restart"
wait_state u1 running 30 || fail "the guest the dead croftd had stopped did not go on"
wait_for 30 sh -c "'$BUILD/croft' job list --json | jq -e '[.[] | select(.target == \"u1\" and .kind == \"snap.create\")] | max_by(.id) | .state == \"failed\"'" ||
	fail "the planted job did not end failed"
[ -e "$T/run/vm/u1/snap-paused" ] && fail "the mark stayed"
expect_ok croft vm stop u1
wait_state u1 stopped 30 || fail "u1 did not stop"
cp "$T/state/vm/u1/snap-v1.OVMF_VARS.fd" "$T/vars.v1"
printf 'CROFT-CHANGED-VARS' | dd of="$VARS" bs=1 seek=100 conv=notrunc 2>/dev/null
cmp -s "$VARS" "$T/vars.v1" && fail "the variable store did not change"
expect_ok croft snap revert u1 v1
cmp -s "$VARS" "$T/vars.v1" || fail "the variable store did not come back with the revert"
expect_ok croft snap delete u1 v1
[ -e "$T/state/vm/u1/snap-v1.OVMF_VARS.fd" ] && fail "the deleted snapshot's variable store copy stayed"
expect_ok croft snap create u1 v2
expect_ok croft vm delete u1
[ -e "$T/state/vm/u1" ] && fail "the deleted VM's state directory stayed: $(ls "$T/state/vm/u1")"
t_end

t_begin "chain health: a corrupted qcow2 is found by the next check, kept across a restart, shown by list and info"
wait_state s1 stopped 30 || fail "s1 is not stopped"
# overwrite the first L1 entry of the first snapshot's L1 table on disk1 with
# an entry whose L2 table is not cluster aligned (header: snapshots_offset
# at 64; a snapshot entry begins with its L1 table's offset)
be64() { od -An -tx1 -j "$2" -N 8 "$1" | tr -d ' \n'; }
SNAPS=$((16#$(be64 "$D1" 64)))
L1=$((16#$(be64 "$D1" "$SNAPS")))
[ "$L1" -gt 0 ] || die "cannot find a snapshot's L1 table on $D1"
printf '\x80\x00\x00\x00\x00\x00\x02\x00' | dd of="$D1" bs=1 seek="$L1" conv=notrunc 2>/dev/null
qemu-img check -q "$D1" 2>/dev/null && die "the corruption of $D1 did not take"
expect_ok croft snap create s1 hc
check_bad() {
	assert_eq "false qemu-img" "$(sl ".health[] | select(.volume == \"$D1\") | \"\(.ok) \(.how)\"")" "disk1's health $1"
	assert_contains "$(sl '.warnings | join("\n")')" "qemu-img check of $D1 found"
}
check_bad "after the check"
assert_eq "true" "$(sl ".health[] | select(.volume == \"$D0\") | .ok")" "disk0's health"
croftd_restart || die "croftd did not restart"
check_bad "after croftd's restart"
expect_ok croft snap list s1
assert_contains "$EXPECT_OUT" "warning: qemu-img check of $D1 found"
assert_contains "$EXPECT_OUT" "health: $D0 ok (qemu-img,"
expect_ok croft snap info s1 hc
assert_contains "$EXPECT_OUT" "qemu-img check of $D1 found"
assert_eq false "$(croft snap info s1 hc --json | jq -r ".health[] | select(.volume == \"$D1\") | .ok")" "snap info --json's health"
# running: QEMU's view.  disk0 loses snapshot 'empty' behind croft's back;
# the next snapshot's check (QMP query-block) finds it missing; QEMU's
# "fine" for disk1 leaves qemu-img's finding standing
qemu-img snapshot -d empty "$D0" || die "cannot delete snapshot empty from $D0"
expect_ok croft vm start s1
expect_ok croft snap create s1 live2
wait_for 10 sh -c "'$BUILD/croft' snap list s1 --json | jq -e '.health[] | select(.how == \"qmp\" and (.ok | not))'" ||
	fail "the QMP check did not find the missing snapshot: $(croft snap list s1 --json | jq -c .health)"
assert_contains "$(sl '.warnings | join("\n")')" "disk $D0 does not hold snapshot 'empty' that it should"
check_bad "after a QMP check"
expect_ok croft vm stop s1
wait_state s1 stopped 30 || fail "s1 did not stop"
t_end

t_begin "deleting the VM takes its snapshots' rows"
expect_ok croft vm delete s1
assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM snapshots")" "snapshot rows"
t_end
