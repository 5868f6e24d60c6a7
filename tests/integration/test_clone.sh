#!/bin/bash
# test_clone.sh — templates, linked and full clones (issue 10 item 4).
#
# A VM with a real qcow2 volume (holding a marker and some random data) and
# a NIC on a host-only network becomes a template: its file read-only, and
# it refuses to start, change or lose its volume.  Linked clones are qcow2
# overlays beside it (backing named relative, format pinned) with new
# uuids and MACs (and cloud-init instance-ids); one boots under TCG, reads the template's marker through
# its backing chain and writes its own disk, while the template's file
# stays byte for byte the same and `qemu-img check` finds both clean.  An
# overlay volume hot-plugs into the running clone (each backing layer its
# own read-only node) and detaches again; then on virtio-scsi, detached
# after a croftd restart with every layer's node and fd set gone.  The
# template cannot be deleted while linked clones exist (the error lists
# them), nor its volume while overlays name it.  Full clones copy (a job), from the template or a
# stopped linked clone (flattened), into the source's pool or --pool, and
# stay whole after the template is gone.  Bad input (an unknown pool, a
# name taken, a running source, a clone that cannot fit its pool) changes
# nothing and leaves no file or VM behind, nor does a croftd killed with
# -9 in the middle of a copy.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"      # guest_run

itest_net_setup
itest_setup
itest_share_tools
netd_start || die "croft-netd did not start"

POOL=$T/state/pools/default
as_qemu() { setpriv --reuid=croft-qemu --regid=croft-qemu --clear-groups "$@"; }
backing_of() { qemu-img info --output=json "$1" | jq -r '."backing-filename" // ""'; }

t_begin "setup: a VM on a real qcow2 volume with a marker, and a NIC"
expect_ok croft net create hon --mode host-only --subnet 10.81.0.0/24
{ printf 'CROFT-BASE'; head -c 1M /dev/zero; head -c 3M /dev/urandom; } >"$T/base.raw"
chmod 0644 "$T/base.raw"
as_qemu qemu-img convert -q -f raw -O qcow2 "$T/base.raw" "$POOL/base" || die "qemu-img convert"
as_qemu qemu-img resize -q "$POOL/base" 64M || die "qemu-img resize"
(cd / && croft vm create tmpl --memory 128M --disk default/base "${KARGS[@]}") >/dev/null ||
	die "vm create tmpl"
expect_ok croft vm nic add tmpl --net hon
t_end

t_begin "a linked clone of a VM that is not a template is refused"
expect_fail 'linked clone needs a template: tmpl is not one; use --full or `croft vm template tmpl`' \
	croft vm clone tmpl nope --linked
[ -e "$POOL/nope-disk0.qcow2" ] && fail "a refused clone left a volume"
t_end

t_begin "vm template: read-only, shown as a template, refuses start, edit, resize, delete of its volume"
expect_ok croft vm template tmpl
assert_contains "$EXPECT_OUT" "tmpl: now a template"
assert_eq true "$(vmf tmpl .template)" "vm info .template"
case "$(stat -c %a "$POOL/base")" in *[2367]*) fail "the template's volume is still writable: $(stat -c %a "$POOL/base")" ;; esac
expect_ok croft vm list
assert_contains "$EXPECT_OUT" "template"
expect_fail "is a template already" croft vm template tmpl
expect_fail "VM 'tmpl' is a template and cannot be started" croft vm start tmpl
expect_fail "VM 'tmpl' is a template and cannot be edited" croft vm edit tmpl --vcpus 2
expect_fail "is a disk of a template" croft vol resize default/base --size 128M
expect_fail "volume default/base is a disk of template tmpl, which is read-only" \
	croft vol delete default/base
assert_eq stopped "$(vmf tmpl .state)" "state after the refusals"
SUM=$(sha256sum <"$POOL/base")
t_end

t_begin "linked clones: overlays in milliseconds, new uuids and MACs"
expect_ok croft vm clone tmpl c1
assert_contains "$EXPECT_OUT" "c1: created"
expect_ok croft vm clone tmpl c2 --linked --json
assert_eq c2 "$(echo "$EXPECT_OUT" | jq -r .name)" "--json shows the clone"
assert_eq base "$(backing_of "$POOL/c1-disk0.qcow2")" "the overlay names its base relative to the pool"
assert_eq qcow2 "$(qemu-img info --output=json "$POOL/c1-disk0.qcow2" | jq -r '."backing-filename-format"')" \
	"the base's format is pinned"
assert_eq "$POOL/c1-disk0.qcow2" "$(vmf c1 '.disks[0].path')" "c1's disk"
assert_eq false "$(vmf c1 .template)" "a clone is no template"
U0=$(vmf tmpl .uuid) U1=$(vmf c1 .uuid) U2=$(vmf c2 .uuid)
M0=$(vmf tmpl '.nics[0].mac') M1=$(vmf c1 '.nics[0].mac') M2=$(vmf c2 '.nics[0].mac')
[ -n "$M1" ] && [ -n "$M2" ] || fail "the clones have no NIC: '$M1' '$M2'"
[ "$U0" != "$U1" ] && [ "$U1" != "$U2" ] && [ "$U0" != "$U2" ] || fail "uuids repeat: $U0 $U1 $U2"
[ "$M0" != "$M1" ] && [ "$M1" != "$M2" ] && [ "$M0" != "$M2" ] || fail "MACs repeat: $M0 $M1 $M2"
assert_eq "$(vmf tmpl .memory_mib) $(vmf tmpl .kernel)" "$(vmf c2 .memory_mib) $(vmf c2 .kernel)" \
	"the clone has the template's settings"
[ "$(sqlite3 "$DB" "SELECT count(DISTINCT uid_slot) FROM vm_host")" = 3 ] || fail "uid slots are not one per VM"
t_end

t_begin "a UEFI template's clone gets a copy of its variable store (its boot entries)"
expect_ok croft vol create default/ubase --size 8M
(cd / && croft vm create utmpl --memory 64M --firmware uefi --disk default/ubase) >/dev/null ||
	fail "vm create utmpl"
printf 'CROFT-NVRAM' | dd of="$T/state/vm/utmpl/OVMF_VARS.fd" bs=1 seek=100000 conv=notrunc status=none
expect_ok croft vm template utmpl
expect_ok croft vm clone utmpl uc1
cmp -s "$T/state/vm/utmpl/OVMF_VARS.fd" "$T/state/vm/uc1/OVMF_VARS.fd" ||
	fail "the clone's UEFI variables are not the template's"
expect_ok croft vm delete uc1
expect_ok croft vm delete utmpl
t_end

t_begin "a clone carries the template's cloud-init settings, with an instance-id of its own"
expect_ok croft vol create default/cibase --size 8M
(cd / && croft vm create citmpl --memory 64M --disk default/cibase --cloud-init "user=alice,hostname=tpl") \
	>/dev/null || fail "vm create citmpl"
expect_ok croft vm template citmpl
expect_ok croft vm clone citmpl cic1
assert_eq "$(vmf citmpl '.cloud_init | del(.instance_id)')" "$(vmf cic1 '.cloud_init | del(.instance_id)')" \
	"the clone's cloud-init settings"
assert_contains "$(vmf cic1 .cloud_init.hostname)" tpl "the clone's cloud-init hostname"
IID0=$(vmf citmpl .cloud_init.instance_id) IID1=$(vmf cic1 .cloud_init.instance_id)
[ -n "$IID1" ] && [ "$IID1" != null ] && [ "$IID0" != "$IID1" ] ||
	fail "the clone's instance-id is not its own: '$IID0' '$IID1'"
expect_ok croft vm delete cic1
expect_ok croft vm delete citmpl
expect_ok croft vol delete default/cibase
t_end

t_begin "a linked clone boots, reads its base and writes its own disk; the template stays unchanged"
expect_ok croft vm start c1
wait_state c1 running 60 || fail "c1 did not run"
if wait_serial c1 'CROFT-GUEST: ready' 120; then
	assert_eq CROFT-BASE "$(guest_run c1 'dd if=/dev/vda bs=10 count=1 2>/dev/null; echo' 60)" \
		"what the clone reads through its backing file"
	guest_ok c1 'printf CROFT-CLONE | dd of=/dev/vda bs=512 seek=8 conv=notrunc 2>/dev/null && sync' 60
	assert_eq CROFT-CLONE "$(guest_run c1 'dd if=/dev/vda bs=512 skip=8 count=1 2>/dev/null | head -c 11; echo' 60)" \
		"what the clone wrote"

	t_begin "hot-plug of an overlay volume: each backing layer its own read-only node"
	as_qemu qemu-img create -q -f qcow2 -F qcow2 -b base "$POOL/ov" || fail "qemu-img create ov"
	PID=$(vm_pid c1)
	HELD=$(ls -l "/proc/$PID/fd" | grep -c "$POOL/base")
	expect_ok croft vm disk attach c1 default/ov
	assert_eq CROFT-BASE "$(guest_run c1 'sleep 2; dd if=/dev/vdb bs=10 count=1 2>/dev/null; echo' 60)" \
		"the hot-plugged overlay reads its base"
	guest_ok c1 'printf CROFT-HOT | dd of=/dev/vdb bs=512 seek=16 conv=notrunc 2>/dev/null && sync' 60
	grep -aq CROFT-HOT "$POOL/ov" || fail "the write did not reach the overlay"
	[ "$(ls -l "/proc/$PID/fd" | grep -c "$POOL/base")" -gt "$HELD" ] ||
		fail "the overlay's base is not open in QEMU as a node of its own"
	expect_ok croft vm disk detach c1 default/ov
	for fd in "/proc/$PID/fd"/*; do
		[ "$(readlink "$fd")" = "$POOL/ov" ] && fail "QEMU still holds the detached overlay"
	done
	assert_eq "$HELD" "$(ls -l "/proc/$PID/fd" | grep -c "$POOL/base")" \
		"descriptors of the base QEMU holds after the detach"
	t_end

	t_begin "the overlay on virtio-scsi: /dev/sda reads its base; detach after a croftd restart frees every layer"
	expect_ok croft vm disk attach c1 default/ov --bus virtio-scsi
	assert_eq CROFT-BASE "$(guest_run c1 'i=0; while [ ! -e /dev/sda ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done; dd if=/dev/sda bs=10 count=1 2>/dev/null; echo' 60)" \
		"the scsi overlay reads its base"
	assert_contains "$(guest_run c1 'dd if=/dev/sda bs=512 skip=16 count=1 2>/dev/null | head -c 9; echo' 60)" \
		CROFT-HOT "what the first attach wrote"
	[ "$(ls -l "/proc/$PID/fd" | grep -c "$POOL/base")" -gt "$HELD" ] ||
		fail "the scsi overlay's base is not open in QEMU as a node of its own"
	NODE=$(sqlite3 "$DB" "SELECT node FROM disk_nodes JOIN vms ON vms.id = disk_nodes.vm_id
		JOIN disks ON disks.vm_id = vms.id AND disks.idx = disk_nodes.idx
		WHERE vms.name = 'c1' AND disks.path = '$POOL/ov'")
	case "$NODE" in hp*) ;; *) fail "the hot-plugged overlay's QEMU name is not in the store: '$NODE'" ;; esac
	croftd_restart || die "croftd did not restart"
	wait_state c1 running 30 || fail "c1 not running after the restart"
	expect_ok croft vm disk detach c1 default/ov
	guest_run c1 'sleep 1; test -e /sys/block/sda' 30 >/dev/null && fail "sda after the detach"
	for fd in "/proc/$PID/fd"/*; do
		[ "$(readlink "$fd")" = "$POOL/ov" ] && fail "QEMU still holds the detached scsi overlay"
	done
	assert_eq "$HELD" "$(ls -l "/proc/$PID/fd" | grep -c "$POOL/base")" \
		"descriptors of the base QEMU holds after the detach across a restart"
	expect_ok croft vol delete default/ov
	t_end
fi
expect_ok croft vol create default/spare --size 8M
expect_fail "VM 'tmpl' is a template and cannot be given another disk" croft vm disk attach tmpl default/spare
as_qemu qemu-img create -q -f qcow2 -F qcow2 -b spare "$POOL/spare-ov" || fail "qemu-img create spare-ov"
expect_fail "volume default/spare is the backing file of 1 other volume (volume spare-ov)" \
	croft vol delete default/spare
expect_ok croft vol delete default/spare-ov
expect_ok croft vol delete default/spare
expect_fail "VM 'c1' is running; a full clone copies a stopped VM's disks" croft vm clone c1 f9 --full
expect_ok croft vm stop c1
grep -aq CROFT-CLONE "$POOL/c1-disk0.qcow2" || fail "the guest's write is not in the overlay"
assert_eq "$SUM" "$(sha256sum <"$POOL/base")" "the template's volume after the clone wrote"
qemu-img check -q "$POOL/base" || fail "qemu-img check of the template's volume"
qemu-img check -q "$POOL/c1-disk0.qcow2" || fail "qemu-img check of the overlay"
t_end

t_begin "a template with linked clones cannot be deleted; the error lists them"
expect_fail "template 'tmpl' has linked clones: c1, c2" croft vm delete tmpl
assert_eq true "$(vmf tmpl .template)" "the template is still there"
t_end

t_begin "full clones: a copy job, flattened, into the source's pool or --pool"
expect_ok croft vm clone tmpl f1 --full
assert_contains "$EXPECT_OUT" "f1: created"
assert_eq "" "$(backing_of "$POOL/f1-disk0.qcow2")" "a full clone has no backing file"
expect_ok croft vm clone c1 f2 --full
assert_eq "" "$(backing_of "$POOL/f2-disk0.qcow2")" "a full clone of a linked clone is flattened"
grep -aq CROFT-CLONE "$POOL/f2-disk0.qcow2" && grep -aq CROFT-BASE "$POOL/f2-disk0.qcow2" ||
	fail "the copy of c1 lacks its own or its base's data"
expect_ok croft pool create other --path "$T/other"
expect_ok croft vm clone tmpl f3 --full --pool other
assert_eq "$T/other/f3-disk0.qcow2" "$(vmf f3 '.disks[0].path')" "--pool puts the copy there"
JOB=$(croft job list --json | jq -r '[.[] | select(.kind == "vm.clone" and .target == "f3")][0]')
assert_eq done "$(echo "$JOB" | jq -r .state)" "the copy's job"
[ "$(echo "$JOB" | jq -r .done)" -gt 0 ] || fail "the copy's job shows no progress: $JOB"
qemu-img compare -q "$POOL/base" "$T/other/f3-disk0.qcow2" || fail "the full copy differs from its source"
t_end

t_begin "bad input: unknown pool, name taken, unknown source, a clone too big for its pool; nothing left behind"
expect_fail "no pool named 'nope'" croft vm clone tmpl f4 --full --pool nope
expect_fail "a VM named 'c1' already exists" croft vm clone tmpl c1
expect_fail "no VM named 'ghost'" croft vm clone ghost f5
expect_fail "a clone needs a name of its own" croft vm clone tmpl tmpl
expect_fail "is for --full" croft vm clone tmpl f6 --linked --pool other
# a 2 MiB tmpfs in croftd's mount namespace (ip netns exec made it its own)
mkdir "$T/mnt"
in_croftd mount -t tmpfs -o size=2m,mode=0755 croft-clone "$T/mnt" || die "cannot mount a tmpfs"
expect_ok croft pool create tiny --path "$T/mnt/pool"
expect_fail "No space left on device" croft vm clone tmpl f7 --full --pool tiny
for v in f4 f5 f6 f7; do
	croft vm info "$v" >/dev/null 2>&1 && fail "VM $v exists after a refused clone"
	in_croftd ls "$POOL" "$T/other" "$T/mnt/pool" | grep -q "^$v-" &&
		fail "a volume of $v was left behind"
done
assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM vms WHERE name IN ('f4','f5','f6','f7')")" "store rows"
expect_ok croft pool delete tiny
in_croftd umount "$T/mnt"
t_end

t_begin "kill -9 croftd during a full clone: after the restart its job has failed, no volume, no VM"
# a qemu-img whose copies take a while, first in croftd's PATH
mkdir -m 0755 "$T/slowbin"
printf '#!/bin/sh\n[ "$1" = convert ] && sleep 20\nexec /usr/bin/qemu-img "$@"\n' >"$T/slowbin/qemu-img"
chmod 0755 "$T/slowbin/qemu-img"
croftd_stop
PATH="$T/slowbin:$PATH" croftd_start || die "croftd did not start"
expect_ok croft vm clone tmpl k1 --full --no-wait
wait_for 10 test -e "$POOL/k1-disk0.qcow2" || fail "the copy's volume was never claimed"
expect_fail "is being cloned" croft vm delete tmpl
croftd_kill9
croftd_start || die "croftd did not restart"
JOB=$(croft job list --json | jq -c '[.[] | select(.kind == "vm.clone" and .target == "k1")][0]')
assert_eq failed "$(echo "$JOB" | jq -r .state)" "the interrupted clone's job"
assert_contains "$(echo "$JOB" | jq -r .error)" "croftd restarted"
[ -e "$POOL/k1-disk0.qcow2" ] && fail "the interrupted copy was left behind"
croft vm info k1 >/dev/null 2>&1 && fail "VM k1 exists after the interrupted clone"
expect_ok croft vm clone tmpl k2 --linked
expect_ok croft vm delete k2
t_end

t_begin "once its linked clones are gone, the template goes; full clones stay whole"
expect_ok croft vm delete c1
expect_ok croft vm delete c2
expect_ok croft vm delete tmpl
assert_eq -rw "$(stat -c %A "$POOL/base" | cut -c1-3)" "the kept volume of the deleted template is writable again"
expect_ok croft vol delete default/base
qemu-img check -q "$POOL/f1-disk0.qcow2" || fail "qemu-img check of f1 after the template went"
qemu-img compare -q -f raw "$T/base.raw" "$POOL/f1-disk0.qcow2" || fail "f1 lost data with the template"
t_end

