#!/bin/bash
# test_backup.sh — backups to another pool (issue 11 item 5).
#
# One TCG guest with a qcow2 disk in the default pool and a NIC on a
# host-only network.  Stopped, it is backed up with qemu-img; running,
# with one QMP transaction of blockdev-backup while the guest goes on
# writing, its file systems frozen by its agent for the instant and thawed
# after: the marker it wrote before the backup is in the backup, the one
# it wrote after is not.  A UEFI VM's variable store comes back with it.  Verify passes, fails naming the disk once a byte
# of the image's content is changed, passes again when it is put back.
# The VM is deleted, restored from the backup under its own name (same
# uuid and MAC) and boots with the marker of the backup's instant; a
# restore --as gets a new name, uuid and MAC.  A restore --force over a
# stopped VM whose definition the store refuses leaves the old VM, its
# disk and NIC as they were (it boots with its own marker); then it
# replaces it.  Bad input (unknown VM,
# pool or backup, the VM's own pool, a restore over a running VM, a name
# taken, a pool without room) changes nothing.  A croft-group member backs
# up and deletes.  croftd killed with -9 during a live backup (its copy
# slowed with "speed") and during the hash of a backup: after the restart
# the job has failed, no row, no directory, and the QEMU no longer holds
# the half-written image.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"      # guest_run

itest_net_setup
itest_setup
itest_share_tools
netd_start || die "croft-netd did not start"

POOL=$T/state/pools/default
VAULT=$T/vault
nbackups() { sqlite3 "$DB" "SELECT count(*) FROM backups"; }
last_id() { croft backup list --json | jq -r '.[-1].id'; }
mark() {   # mark VM TEXT — write TEXT at byte 4096 of the guest's disk
	guest_run "$1" "printf '%s' '$2' | dd of=/dev/vda bs=512 seek=8 conv=notrunc 2>/dev/null && sync && echo ok" 60
}
read_mark() { guest_run "$1" 'dd if=/dev/vda bs=512 skip=8 count=1 2>/dev/null | head -c 12; echo' 60; }

t_begin "setup: a VM with a disk in the default pool and a NIC, a second pool"
expect_ok croft net create bkn --mode host-only --subnet 10.82.0.0/24
# the test guest's agent (croft.agent=1) answers guest-fsfreeze-*
(cd / && croft vm create bk --memory 128M --disk 64M "${KARGS[@]:0:4}" \
	--append "console=ttyS0 quiet no_timer_check croft.agent=1") >/dev/null || die "vm create bk"
# vm create's job keeps the whole definition: the agent channel (on by
# default) survives the making of the disk
assert_eq "$(vmf bk .agent)" true "vm create --disk keeps the agent channel"
expect_ok croft vm nic add bk --net bkn
expect_ok croft pool create vault --path "$VAULT"
MAC=$(vmf bk '.nics[0].mac') UUID=$(vmf bk .uuid)
t_end

t_begin "bad input: unknown VM, unknown pool, the VM's own pool, unknown backup; nothing made"
expect_fail "no VM named 'ghost'" croft backup create ghost --to vault
expect_fail "no pool named 'nope'" croft backup create bk --to nope
expect_fail "pool 'default' holds VM 'bk''s disk $POOL/bk-disk0.qcow2: a backup must go to another pool" \
	croft backup create bk --to default
expect_fail "needs --to POOL" croft backup create bk
expect_fail "no backup 999" croft backup verify 999
expect_fail "no backup 999" croft backup restore 999
expect_fail "no backup 999" croft backup delete 999
assert_eq 0 "$(nbackups)" "backup rows after the refusals"
[ -e "$VAULT/.backups" ] && fail "a refused backup left a directory"
t_end

t_begin "a stopped VM: qemu-img copies its disk; list shows it; delete removes it"
expect_ok croft backup create bk --to vault
assert_contains "$EXPECT_OUT" "of bk: in pool vault"
B0=$(last_id)
B=$(croft backup list bk --json | jq -c '.[-1]')
assert_eq stopped "$(jq -r .method <<<"$B")" "method of a stopped VM's backup"
D0=$(jq -r .dir <<<"$B")
qemu-img check -q "$D0/disk0.qcow2" || fail "the stopped VM's backup image is damaged"
qemu-img compare -q "$POOL/bk-disk0.qcow2" "$D0/disk0.qcow2" || fail "the copy differs from the disk"
jq -e '.vm.name == "bk" and (.nics | length) == 1' "$D0/config.json" >/dev/null ||
	fail "config.json lacks the definition: $(cat "$D0/config.json")"
expect_ok croft backup list
assert_contains "$EXPECT_OUT" "vault"
expect_ok croft backup delete "$B0"
assert_contains "$EXPECT_OUT" "backup $B0: deleted"
[ -e "$D0" ] && fail "the deleted backup's directory is still there"
assert_eq 0 "$(nbackups)" "rows after the delete"
t_end

t_begin "a UEFI VM: its variable store is in the backup and comes back with the restore"
expect_ok croft vol create default/ubase --size 8M
(cd / && croft vm create ubk --memory 64M --firmware uefi --disk default/ubase) >/dev/null ||
	fail "vm create ubk"
printf 'CROFT-NVRAM' | dd of="$T/state/vm/ubk/OVMF_VARS.fd" bs=1 seek=100000 conv=notrunc status=none
cp "$T/state/vm/ubk/OVMF_VARS.fd" "$T/vars.want"
expect_ok croft backup create ubk --to vault
BU=$(last_id)
cmp -s "$T/vars.want" "$(croft backup list ubk --json | jq -r '.[-1].dir')/OVMF_VARS.fd" ||
	fail "the backup's UEFI variables are not the VM's"
expect_ok croft vm delete ubk --keep-disks
expect_ok croft backup restore "$BU" --pool vault
cmp -s "$T/vars.want" "$T/state/vm/ubk/OVMF_VARS.fd" || fail "the restored VM's UEFI variables"
assert_eq "$VAULT/ubk-disk0.qcow2" "$(vmf ubk '.disks[0].path')" "--pool puts the restored disk there"
expect_ok croft vm delete ubk
expect_ok croft backup delete "$BU"
expect_ok croft vol delete default/ubase
t_end

t_begin "a running VM: one transaction while the guest writes; the marker of the instant is in it"
expect_ok croft vm start bk
wait_serial bk 'CROFT-GUEST: ready' 120 || die "bk did not boot"
# 4 MiB of random data after the marker, so the disk has something to copy
assert_eq ok "$(guest_run bk 'dd if=/dev/urandom of=/dev/vda bs=1M seek=1 count=4 2>/dev/null && sync && echo ok' 60)" "random data"
assert_eq ok "$(mark bk CROFT-MARK-1)" "marker 1 written"
wait_for 60 croft vm agent bk info      # the agent has answered: the backup freezes
expect_ok croft backup create bk --to vault
assert_contains "$EXPECT_OUT" "of bk: in pool vault"
B1=$(last_id)
assert_eq ok "$(mark bk CROFT-MARK-2)" "marker 2 written after the backup"
B=$(croft backup list --json | jq -c ".[] | select(.id == $B1)")
assert_eq live "$(jq -r .method <<<"$B")" "method of a running VM's backup"
assert_eq true "$(jq -r .frozen <<<"$B")" "the guest's file systems were frozen for it"
expect_ok croft vm agent bk fsfreeze-status
assert_contains "$EXPECT_OUT" "thawed" "and thawed after"
D1=$(jq -r .dir <<<"$B")
qemu-img check -q "$D1/disk0.qcow2" || fail "the live backup's image is damaged"
grep -aq CROFT-MARK-1 "$D1/disk0.qcow2" || fail "the backup lacks the marker of its instant"
grep -aq CROFT-MARK-2 "$D1/disk0.qcow2" && fail "the backup has the marker written after it"
assert_eq running "$(vm_state bk)" "the guest ran on"
[ "$(jq -r .size <<<"$B")" -gt 4000000 ] || fail "size of the backup: $B"
t_end

t_begin "verify: passes, fails naming the disk when content changed, passes again"
expect_ok croft backup verify "$B1"
assert_contains "$EXPECT_OUT" "backup $B1: ok"
OFF=$(grep -oba CROFT-MARK-1 "$D1/disk0.qcow2" | head -1 | cut -d: -f1)
printf 'X' | dd of="$D1/disk0.qcow2" bs=1 seek="$OFF" conv=notrunc 2>/dev/null
expect_fail "disk 0 (disk0.qcow2): content changed" croft backup verify "$B1"
assert_contains "$(croft backup list --json | jq -r ".[] | select(.id == $B1) | .verify_result")" \
	"disk 0 (disk0.qcow2): content changed" "the stored result"
printf 'C' | dd of="$D1/disk0.qcow2" bs=1 seek="$OFF" conv=notrunc 2>/dev/null
expect_ok croft backup verify "$B1"
assert_eq ok "$(croft backup list --json | jq -r ".[] | select(.id == $B1) | .verify_result")" "stored"
t_end

t_begin "restore refused: over a running VM, without --force, --as a name taken, a pool without room"
expect_fail "VM 'bk' is running: a backup is never restored over a running VM" croft backup restore "$B1"
expect_fail "VM 'bk' is running" croft backup restore "$B1" --force
expect_fail "a VM named 'bk' already exists" croft backup restore "$B1" --as bk
mkdir "$T/mnt"
in_croftd mount -t tmpfs -o size=2m,mode=0755 croft-bk "$T/mnt" || die "cannot mount a tmpfs"
expect_ok croft pool create tiny --path "$T/mnt/pool"
expect_fail "pool 'tiny' has not room enough for the backup" croft backup create bk --to tiny
expect_fail "pool 'tiny' has not room enough" croft backup restore "$B1" --as bk2 --pool tiny
in_croftd ls -A "$T/mnt/pool" | grep -q . && fail "a refused backup left files in tiny"
expect_ok croft pool delete tiny
in_croftd umount "$T/mnt"
croft vm info bk2 >/dev/null 2>&1 && fail "a refused restore made VM bk2"
assert_eq 1 "$(nbackups)" "rows after the refusals"
t_end

t_begin "a croft-group member backs up a VM and deletes the backup"
if itest_member_add "ctbk$$"; then
	out=$(setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		env CROFT_SOCKET="$CROFT_SOCKET" "$T/croft" backup create bk --to vault 2>&1) ||
		fail "the member's backup failed: $out"
	assert_contains "$out" "of bk: in pool vault"
	BM=$(last_id)
	out=$(setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		env CROFT_SOCKET="$CROFT_SOCKET" "$T/croft" backup delete "$BM" 2>&1) ||
		fail "the member's delete failed: $out"
	itest_member_del
else
	fail "useradd failed"
fi
t_end

t_begin "kill -9 croftd during a live backup: job failed, no row, no files, QEMU lets go of the image"
QPID=$(vm_pid bk)
N=$(nbackups)
out=$(APIRAW '{"id":2,"op":"backup.create","args":{"vm":"bk","to":"vault","speed":1048576}}')
JID=$(jq -r 'select(.id == 2) | .result.job.id' <<<"$out")
[ "$JID" != null ] || fail "backup.create with speed: $out"
wait_for 20 sh -c "ls -l /proc/$QPID/fd 2>/dev/null | grep -q '$VAULT/.backups'" ||
	fail "QEMU never opened the backup image"
croftd_kill9
croftd_start || die "croftd did not restart"
JOB=$(croft job info "$JID" --json)
assert_eq failed "$(jq -r .state <<<"$JOB")" "the interrupted backup's job"
assert_contains "$(jq -r .error <<<"$JOB")" "croftd restarted"
assert_eq "$N" "$(nbackups)" "rows after the interrupted backup"
wait_for 20 sh -c "! ls -l /proc/$QPID/fd 2>/dev/null | grep -q '$VAULT/.backups'" ||
	fail "QEMU still holds the half-written image: $(ls -l /proc/"$QPID"/fd | grep vault)"
[ "$(ls "$VAULT/.backups/bk" | wc -l)" = 1 ] || fail "the half-written backup's directory remains: $(ls "$VAULT/.backups/bk")"
assert_eq running "$(vm_state bk)" "the guest after the restart"
t_end

t_begin "kill -9 croftd while a backup is hashed: job failed, nothing left"
mkdir -m 0755 "$T/slowbin"
printf '#!/bin/sh\n[ "$1" = convert ] && sleep 20\nexec /usr/bin/qemu-img "$@"\n' >"$T/slowbin/qemu-img"
chmod 0755 "$T/slowbin/qemu-img"
croftd_stop
PATH="$T/slowbin:$PATH" croftd_start || die "croftd did not start"
expect_ok croft backup create bk --to vault --no-wait
JID=$(croft job list --json | jq -r '[.[] | select(.kind == "backup.create")] | max_by(.id) | .id')
wait_for 20 pgrep -f "$T/slowbin/qemu-img convert" >/dev/null || fail "the hash never started"
expect_fail "has job $JID (backup.create) running" croft backup create bk --to vault
croftd_kill9
croftd_start || die "croftd did not restart"
assert_eq failed "$(croft job info "$JID" --json | jq -r .state)" "the interrupted job"
assert_eq "$N" "$(nbackups)" "rows"
[ "$(ls "$VAULT/.backups/bk" | wc -l)" = 1 ] || fail "the interrupted backup left files: $(ls "$VAULT/.backups/bk")"
t_end

t_begin "delete the VM, restore it: same uuid and MAC, boots with the marker of the backup"
expect_ok croft vm delete bk --force
expect_ok croft backup restore "$B1"
assert_contains "$EXPECT_OUT" "bk: restored from backup $B1"
assert_eq "$UUID" "$(vmf bk .uuid)" "the restored VM's uuid"
# vm info shows a NIC from the model, filled at the next sample
wait_for 10 sh -c "$T/croft vm info bk --json | jq -e '.nics[0].mac' >/dev/null"
assert_eq "$MAC" "$(vmf bk '.nics[0].mac')" "the restored VM's MAC"
assert_eq "$POOL/bk-disk0.qcow2" "$(vmf bk '.disks[0].path')" "the restored disk is in the source's pool"
expect_ok croft vm start bk
wait_serial bk 'CROFT-GUEST: ready' 120 || die "the restored bk did not boot"
assert_eq CROFT-MARK-1 "$(read_mark bk)" "the restored guest's marker"
t_end

t_begin "restore --as: a new VM, new uuid and MAC, beside the restored one"
expect_ok croft backup restore "$B1" --as bk3
assert_contains "$EXPECT_OUT" "bk3: restored from backup $B1"
assert_ne "$UUID" "$(vmf bk3 .uuid)" "bk3's uuid"
wait_for 10 sh -c "$T/croft vm info bk3 --json | jq -e '.nics[0].mac' >/dev/null"
assert_ne "$MAC" "$(vmf bk3 '.nics[0].mac')" "bk3's MAC"
qemu-img compare -q "$D1/disk0.qcow2" "$POOL/bk3-disk0.qcow2" || fail "bk3's disk differs from the backup"
expect_ok croft vm delete bk3
t_end

t_begin "restore --force whose definition fails leaves the old VM as it was; then it replaces it"
assert_eq ok "$(mark bk CROFT-MARK-3)" "marker 3 on the VM to be replaced"
expect_ok croft vm stop bk
vmsum() { croft vm info bk --json | jq -c '{uuid, disks: [.disks[].path], nics: [.nics[].mac]}'; }
OLD=$(vmsum) OLDDISK=$(vmf bk '.disks[0].path')
expect_fail "--force replaces it" croft backup restore "$B1"
# the store refuses the restored VM's row: the swap's transaction fails
sqlite3 "$DB" "CREATE TRIGGER itest_no_vm BEFORE INSERT ON vms BEGIN SELECT RAISE(ABORT, 'itest: no VM now'); END"
expect_fail "itest: no VM now" croft backup restore "$B1" --force
sqlite3 "$DB" "DROP TRIGGER itest_no_vm"
assert_eq "$OLD" "$(vmsum)" "the old VM after the failed restore"
in_croftd test -f "$OLDDISK" || fail "the old VM's disk went"
assert_eq 1 "$(in_croftd ls "$POOL" | grep -c '^bk-disk0')" "the failed restore's volume is gone"
expect_ok croft vm start bk
wait_serial bk 'CROFT-GUEST: ready' 120 || die "the old bk did not boot after the failed restore"
assert_eq CROFT-MARK-3 "$(read_mark bk)" "the old VM's own disk"
expect_ok croft vm stop bk
expect_ok croft backup restore "$B1" --force
assert_eq "$UUID" "$(vmf bk .uuid)" "uuid after the restore over it"
wait_for 10 sh -c "$T/croft vm info bk --json | jq -e '.nics[0].mac' >/dev/null"
assert_eq "$MAC" "$(vmf bk '.nics[0].mac')" "the MAC after the restore over it"
qemu-img compare -q "$D1/disk0.qcow2" "$(vmf bk '.disks[0].path')" || fail "the replaced disk"
assert_eq 1 "$(in_croftd ls "$POOL" | grep -c '^bk-disk0')" "the old disk went"
t_end

t_begin "the QEMU user makes .backups a symlink in its pool: the backup is refused, the target keeps its owner"
mkdir -p "$T/victim" "$T/trap" && chmod 0755 "$T/victim"
expect_ok croft pool create trap --path "$T/trap"
setpriv --reuid=croft-qemu --regid=croft-qemu --clear-groups ln -s "$T/victim" "$T/trap/.backups" ||
	fail "croft-qemu could not write in its pool"
expect_fail "" croft backup create bk --to trap
assert_eq "root root" "$(stat -c '%U %G' "$T/victim")" "the symlink's target's owner"
assert_eq "" "$(ls -A "$T/victim")" "nothing made through the symlink"
t_end
