#!/bin/bash
# test_pool_full.sh — a full pool pauses its guests, it does not corrupt
# them (issue 10 item 6); discard gives space back; virtio-scsi hot-plug.
#
# A pool on a 128 MiB tmpfs the test mounts holds one TCG guest's qcow2
# disk; a file the test writes fills most of the rest.  The guest writes
# more than is left: QEMU stops it (werror=enospc), croftd records the
# reason pool-full with the pool and the volume (vm info, pool.full
# event, pool info's paused_vms), which survive a croftd restart, while a
# second guest on another pool keeps running.  `croft vm resume` is
# refused while the pool is full, and continues the guest once the file
# is gone: its write completes.  With auto-resume on, the pool watch
# resumes it by itself once space is freed.  A guest's blkdiscard makes
# the volume's allocation shrink (discard=unmap), and qemu-img check
# finds the volume clean.  Last, a volume hot-plugged on the virtio-scsi
# bus is /dev/sda in the guest and detaches after a croftd restart, and a
# VM created with --bus virtio-scsi boots with its disk as /dev/sda.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"      # guest_run

itest_setup
itest_share_tools
# Under a loaded host TCG can be too slow for the kernel's IO-APIC timer
# check ("IO-APIC + timer doesn't work" panics); the check is not what
# this test is about.
KARGS=(--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check")

MNT=$T/mnt
cleanup_mount() {
	mountpoint -q "$MNT" && umount -l "$MNT"
	return 0
}

vm_field() {     # vm_field VM FIELD
	croft vm info "$1" --json | json_get "$2"
}
avail_mib() {    # the tmpfs's free MiB
	df --output=avail -B1M "$MNT" | tail -n1 | tr -dc '0-9'
}
# fill_to MIB — a file in the pool leaving about MIB MiB free
fill_to() {
	local n
	n=$(($(avail_mib) - $1))
	[ "$n" -gt 0 ] || die "the tmpfs has only $(avail_mib) MiB free"
	dd if=/dev/zero of="$MNT/pool/filler" bs=1M count="$n" status=none 2>/dev/null
}
# guest_write VM SEEK_MIB COUNT_MIB TAG — in the background in the guest,
# non-zero data (zeroes would become holes), then "CROFT-WRITE-TAG" on the
# console once it is on the disk; it starts after guest_run has its answer
# (a guest paused at once could not print it)
guest_write() {
	guest_run "$1" "dd if=/dev/urandom of=/tmp/r bs=1M count=1 2>/dev/null;
		( sleep 2; i=0; while [ \$i -lt $3 ]; do dd if=/tmp/r of=/dev/vda bs=1M seek=\$(($2 + i)) count=1 conv=notrunc 2>/dev/null; i=\$((i + 1)); done; sync; echo CROFT-WRITE-$4 >/dev/console ) >/dev/null 2>&1 &" 30 >/dev/null ||
		fail "cannot start the guest's write"
}
events_have() {  # events_have KIND
	"$T/croft" events --since 10m --no-follow --json | grep -q "\"$1\""
}

mkdir "$MNT"
mount -t tmpfs -o size=128m,mode=0755 croft-test "$MNT" || die "cannot mount a tmpfs"
trap 'rc=$?; cleanup_mount; (exit $rc); itest_teardown' EXIT

t_begin "setup: a guest with its disk in a small pool, another on the default pool"
expect_ok croft pool create tight --path "$MNT/pool"
expect_ok croft vol create tight/data --size 256M
expect_ok croft vol create default/other --size 16M
(cd / && croft vm create writer --memory 128M --disk tight/data "${KARGS[@]}") >/dev/null ||
	die "vm create writer"
(cd / && croft vm create bystander --memory 96M --disk default/other "${KARGS[@]}") >/dev/null ||
	die "vm create bystander"
expect_ok croft vm start writer
expect_ok croft vm start bystander
wait_state writer running 60
wait_serial writer 'CROFT-GUEST: ready' 120 || die "the writer guest did not boot"
QEMU_CMD=$(tr '\0' ' ' <"/proc/$(vm_pid writer)/cmdline")
assert_contains "$QEMU_CMD" "werror=enospc,rerror=report" "the disk's error policy"
assert_contains "$QEMU_CMD" '"discard":"unmap","detect-zeroes":"unmap"' "discard and zero detection"
t_end

t_begin "a full pool pauses the writing guest with pool-full; the other guest runs on"
fill_to 24
guest_write writer 0 48 ONE
wait_state writer paused 180
assert_eq pool-full "$(vm_field writer pause_reason)" "pause_reason"
assert_eq tight "$(vm_field writer pause_pool)" "pause_pool"
assert_eq tight/data "$(vm_field writer pause_volume)" "pause_volume"
assert_eq pool-full "$(vm_field writer state_reason)" "state_reason"
expect_ok croft vm list
assert_contains "$EXPECT_OUT" "paused: pool-full"
expect_ok croft vm info writer
assert_contains "$EXPECT_OUT" "tight is full (writing tight/data)"
assert_eq running "$(vm_state bystander)" "the guest on another pool"
assert_eq '["writer"]' "$(croft pool info tight --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["paused_vms"]))')" \
	"pool info: the VMs paused by it"
wait_for 10 events_have pool.full
"$T/croft" events --since 10m --no-follow --json | grep '"pool.full"' | grep -q '"volume": *"tight/data"' ||
	fail "the pool.full event names the volume"
t_end

t_begin "vm resume is refused while the pool is still full; the reason survives a croftd restart"
expect_fail "still has only" croft vm resume writer
assert_contains "$EXPECT_ERR" "free space in pool tight"
assert_eq paused "$(vm_state writer)" "state after the refusal"
croftd_restart || die "croftd did not restart"
wait_state writer paused 30
assert_eq pool-full "$(vm_field writer pause_reason)" "pause_reason after a restart"
assert_eq tight "$(vm_field writer pause_pool)" "pause_pool after a restart"
t_end

t_begin "space freed: vm resume continues the guest, whose write completes"
rm -f "$MNT/pool/filler"
expect_ok croft vm resume writer
wait_state writer running 10
assert_eq "" "$(vm_field writer pause_reason)" "pause_reason once running"
wait_serial writer 'CROFT-WRITE-ONE' 120
assert_eq 0 "$(sqlite3 "$DB" "SELECT COUNT(*) FROM vm_pause")" "the store forgot the pause"
t_end

t_begin "auto-resume: the pool watch resumes the guest once space is freed"
expect_fail "auto-resume must be on or off" croft pool set tight auto-resume maybe
expect_fail "unknown pool setting 'speed'" croft pool set tight speed on
expect_fail "no pool named 'nopool'" croft pool set nopool auto-resume on
expect_ok croft pool set tight auto-resume on
assert_eq true "$(croft pool info tight --json | json_get auto_resume)" "auto_resume"
fill_to 8
guest_write writer 48 40 TWO
wait_state writer paused 180
assert_eq pool-full "$(vm_field writer pause_reason)" "pause_reason"
sleep 2
assert_eq paused "$(vm_state writer)" "no auto-resume while the pool is full"
rm -f "$MNT/pool/filler"
wait_state writer running 15
assert_eq auto-resume "$(vm_field writer state_reason)" "state_reason after the auto-resume"
wait_serial writer 'CROFT-WRITE-TWO' 120
t_end

t_begin "a guest's discard gives space back to the pool"
before=$(stat -c '%b*%B' "$MNT/pool/data")
before=$((before))
guest_run writer 'blkdiscard /dev/vda && sync' 120 >/dev/null || fail "blkdiscard in the guest"
after=$(($(stat -c '%b*%B' "$MNT/pool/data")))
[ "$after" -lt $((before / 4)) ] ||
	fail "the volume still holds $after bytes after the guest's discard (before: $before)"
t_end

t_begin "qemu-img check finds the volume clean"
expect_ok croft vm stop writer
out=$(qemu-img check -f qcow2 "$MNT/pool/data" 2>&1) || fail "qemu-img check: $out"
assert_contains "$out" "No errors were found"
t_end

t_begin "virtio-scsi hot-plug: /dev/sda in the guest; detach after a croftd restart"
expect_ok croft vol create default/scsivol --size 16M
wait_state bystander running 10
wait_serial bystander 'CROFT-GUEST: ready' 120 || die "the bystander guest did not boot"
expect_fail "must be virtio-blk or virtio-scsi, not 'ide'" croft vm disk attach bystander default/scsivol --bus ide
out=$(APIRAW '{"id":1,"op":"vm.disk.attach","args":{"name":"bystander","volume":"default/scsivol","bus":"ide"}}')
assert_contains "$out" "bus 'ide' is not virtio-blk or virtio-scsi"
expect_ok croft vm disk attach bystander default/scsivol --bus virtio-scsi
assert_eq 32768 "$(guest_run bystander 'i=0; while [ ! -e /sys/block/sda ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done; cat /sys/block/sda/size' 60)" \
	"sda's sectors in the guest"
assert_eq virtio-scsi "$(sqlite3 "$DB" "SELECT bus FROM disks WHERE path LIKE '%/scsivol'")" "the stored bus"
croftd_restart || die "croftd did not restart"
wait_state bystander running 30
expect_ok croft vm disk detach bystander default/scsivol
assert_contains "$EXPECT_OUT" "bystander: volume default/scsivol detached"
guest_run bystander 'sleep 1; test -e /sys/block/sda' 30 >/dev/null && fail "sda after the detach"
expect_ok croft vm stop bystander
t_end

t_begin "vm create --bus virtio-scsi: the guest boots with /dev/sda; a second one hot-plugs beside it"
out=$(APIRAW '{"id":1,"op":"vm.create","args":{"name":"bad","memory_mib":64,"vcpus":1,"disks":[{"size_bytes":16777216,"bus":"ide"}]}}')
assert_contains "$out" "disks[0].bus must be virtio-blk or virtio-scsi"
expect_fail "no VM named 'bad'" croft vm info bad
(cd / && croft vm create scsivm --memory 96M --disk 16M --bus virtio-scsi "${KARGS[@]}") >/dev/null ||
	fail "vm create --bus virtio-scsi"
assert_eq virtio-scsi "$(sqlite3 "$DB" "SELECT bus FROM disks JOIN vms ON vms.id = disks.vm_id WHERE vms.name = 'scsivm'")" \
	"the stored bus"
expect_ok croft vm start scsivm
wait_serial scsivm 'CROFT-GUEST: ready' 120 || die "the scsi guest did not boot"
assert_contains "$(tr '\0' ' ' <"/proc/$(vm_pid scsivm)/cmdline")" "scsi-hd,bus=scsi0.0,drive=disk0" "QEMU's device"
assert_eq 32768 "$(guest_run scsivm 'cat /sys/block/sda/size' 60)" "sda's sectors in the guest"
expect_ok croft vm disk attach scsivm default/scsivol --bus virtio-scsi
assert_eq 32768 "$(guest_run scsivm 'i=0; while [ ! -e /sys/block/sdb ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done; cat /sys/block/sdb/size' 60)" \
	"sdb's sectors in the guest"
expect_ok croft vm disk detach scsivm default/scsivol
expect_ok croft vm delete scsivm --force
t_end

t_begin "cleanup: the pool empties and goes"
expect_ok croft vm delete writer
expect_ok croft vol delete tight/data
expect_ok croft pool delete tight
cleanup_mount
t_end
