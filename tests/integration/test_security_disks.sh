#!/bin/bash
# test_security_disks.sh — disks live in pools: a croft-group member cannot
# make croftd (root) hand QEMU, open, chown or describe a file of its
# choosing.
#
# Each attack is made for real by a temporary croft-group user (or by the
# image user croft-qemu, which owns the pool directories, standing in for a
# compromised qemu-img): attaching a root-owned copy of /etc/shadow and an
# authorized_keys by path, a symlink in the pool to a root file (at the
# end and in the middle of the path), a loop block device, swapping a
# volume for a symlink after create, a qcow2 whose backing file or data
# file names a root file (at attach and, rewritten later, at start; a
# backing chain inside the pool works, each layer passed by fd), a
# FIFO and a vmdk whose extent is a FIFO (croftd answers another request
# meanwhile), and an existence probe.  Each asserts the clear error and
# that the target did not change (owner, mode, content).  Then a real
# guest boots from a pool volume and a root-only file in an allowed
# directory, both passed as descriptors, and writes to both; QEMU's uid
# cannot open that file or another VM's UEFI variables by path (nor, once
# QEMU runs as its own uid, the pool's files).
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"      # guest_run

itest_setup
itest_share_tools

POOL=$T/state/pools/default
QUSER=croft-qemu
MSG_OUTSIDE="is not inside a pool or an allowed path"

# Only the guest's kernel and initrd and $T/allowed are allowed (not all of $T).
expect_ok croft host set disallow-path "$T"
expect_ok croft host set allow-path "$GUEST_KERNEL"
expect_ok croft host set allow-path "$GUEST_INITRD"
mkdir -m 0755 "$T/allowed"
expect_ok croft host set allow-path "$T/allowed"

# Root's secrets, in a directory only root can read.
ROOTDIR=$T/root
mkdir -m 0700 "$ROOTDIR"
install -m 0600 /etc/shadow "$ROOTDIR/shadow"
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIcroftTESTKEY root@host\n' >"$ROOTDIR/authorized_keys"
chmod 0600 "$ROOTDIR/authorized_keys"
printf 'root data file\n' >"$ROOTDIR/data00.raw"
chmod 0600 "$ROOTDIR/data00.raw"
TARGETS=("$ROOTDIR/shadow" "$ROOTDIR/authorized_keys" "$ROOTDIR/data00.raw")

# snap — owner, mode, size and content hash of every target, one line each.
snap() {
	local f
	for f in "${TARGETS[@]}"; do
		echo "$f $(stat -c '%U:%G %a %s' "$f") $(sha256sum <"$f" | cut -c1-16)"
	done
}
BEFORE=$(snap)
unchanged() {   # unchanged WHAT
	assert_eq "$BEFORE" "$(snap)" "root's files after $1"
}

itest_member_add "cdisk$$" || die "useradd cdisk$$ failed"
# as_member CROFT-ARGS... — the croft CLI as the croft-group test user.
as_member() {
	setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		"$T/croft" --socket "$CROFT_SOCKET" "$@"
}
# as_qemu CMD... — as the image user croft-qemu (owner of the pools).
as_qemu() {
	setpriv --reuid="$QUSER" --regid="$QUSER" --clear-groups "$@"
}
# no_vm NAME — the refused create left no VM and no volume.
no_vm() {
	croft vm info "$1" >/dev/null 2>&1 && fail "VM $1 exists after a refused create"
	ls "$POOL/$1"-disk* >/dev/null 2>&1 && fail "a volume of $1 was left in the pool"
	return 0
}
KARGS_M=(--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check")

t_begin "root's files by path (shadow, authorized_keys as disk, cdrom, kernel, initrd): refused, untouched"
expect_fail "disk image '$ROOTDIR/shadow' $MSG_OUTSIDE" \
	as_member vm create a1 --memory 64M --disk "$ROOTDIR/shadow" "${KARGS_M[@]}"
assert_contains "$EXPECT_ERR" "croft host set allow-path" "the message says how to widen it"
expect_fail "disk image '$ROOTDIR/authorized_keys' $MSG_OUTSIDE" \
	as_member vm create a1 --memory 64M --disk "$ROOTDIR/authorized_keys" "${KARGS_M[@]}"
expect_fail "cdrom image '$ROOTDIR/shadow' $MSG_OUTSIDE" \
	as_member vm create a1 --memory 64M --cdrom "$ROOTDIR/shadow"
expect_fail "kernel '$ROOTDIR/authorized_keys' $MSG_OUTSIDE" \
	as_member vm create a1 --memory 64M --kernel "$ROOTDIR/authorized_keys"
expect_fail "initrd '$ROOTDIR/shadow' $MSG_OUTSIDE" \
	as_member vm create a1 --memory 64M --kernel "$GUEST_KERNEL" --initrd "$ROOTDIR/shadow"
expect_fail "disk image '/etc/shadow' $MSG_OUTSIDE" \
	as_member vm create a1 --memory 64M --disk /etc/shadow "${KARGS_M[@]}"
no_vm a1
# by vm edit too
expect_ok as_member vm create e1 --memory 64M "${KARGS_M[@]}"
expect_fail "cdrom image '$ROOTDIR/shadow' $MSG_OUTSIDE" as_member vm edit e1 --cdrom "$ROOTDIR/shadow"
expect_fail "kernel '/etc/shadow' $MSG_OUTSIDE" as_member vm edit e1 --kernel /etc/shadow
assert_eq "$GUEST_KERNEL" "$(vm_json e1 | json_get kernel)" "e1's kernel after the refused edits"
assert_eq "" "$(vm_json e1 | json_get cdrom)" "e1's cdrom after the refused edits"
# root is no exception
expect_fail "disk image '$ROOTDIR/shadow' $MSG_OUTSIDE" croft vm create a1 --memory 64M --disk "$ROOTDIR/shadow"
unchanged "attaching them by path"
t_end

t_begin "existence probe: a missing file outside the pools gets the same answer as a real one"
probe() {   # probe PATH — the error object croftd sends the member, the path replaced by X
	local req
	req=$(printf '{"id":1,"op":"vm.create","args":{"name":"probe","vcpus":1,"memory_mib":64,"disks":[{"path":"%s"}]}}' "$1")
	setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		/usr/bin/python3 "$T/apiraw.py" --socket "$CROFT_SOCKET" "$req" 2>&1 |
		grep '"id": *1\|"id":1' | jq -c '.error' | sed "s|$1|X|g"
}
real=$(probe "$ROOTDIR/shadow")
missing=$(probe "$ROOTDIR/no-such-file")
missing_dir=$(probe "$ROOTDIR/no-such-dir/x")
assert_contains "$real" "permission_denied" "answer for a real root file"
assert_contains "$real" "$MSG_OUTSIDE" "answer for a real root file"
assert_eq "$real" "$missing" "answer for a missing file next to it"
assert_eq "$real" "$missing_dir" "answer for a file in a missing directory"
no_vm probe
t_end

t_begin "a symlink in the pool to a root file (at the end and in the middle): refused, untouched"
as_qemu ln -s "$ROOTDIR/shadow" "$POOL/evil.qcow2" || fail "ln -s as $QUSER"
as_qemu ln -s "$ROOTDIR" "$POOL/evildir" || fail "ln -s as $QUSER"
expect_fail "symbolic links are not followed" \
	as_member vm create s1 --memory 64M --disk "$POOL/evil.qcow2" "${KARGS_M[@]}"
expect_fail "symbolic links are not followed" \
	as_member vm create s1 --memory 64M --disk "$POOL/evildir/authorized_keys" "${KARGS_M[@]}"
# (root's own CLI resolves a link it can read: croftd then sees the target)
expect_fail "$MSG_OUTSIDE" croft vm create s1 --memory 64M --cdrom "$POOL/evildir/shadow"
no_vm s1
rm -f "$POOL/evil.qcow2" "$POOL/evildir"
unchanged "symlinks in the pool"
t_end

t_begin "a loop block device: refused by path, in an allowed directory, and allowed by its own path only by root"
LOOPIMG=$T/root/loop.img
head -c 1048576 /dev/urandom >"$LOOPIMG"
chmod 0600 "$LOOPIMG"
LOOPSUM=$(sha256sum <"$LOOPIMG")
LOOP=$(losetup -f --show "$LOOPIMG" 2>/dev/null) || LOOP=
if [ -z "$LOOP" ]; then
	fail "losetup failed (no loop devices?)"
else
	expect_fail "disk image '$LOOP' $MSG_OUTSIDE" \
		as_member vm create b1 --memory 64M --disk "$LOOP" "${KARGS_M[@]}"
	# a device node planted in an allowed directory is not enough
	mknod -m 0600 "$T/allowed/blk" b $((16#$(stat -c '%t' "$LOOP"))) $((16#$(stat -c '%T' "$LOOP")))
	expect_fail "is a block device; an administrator must allow it by its own path" \
		as_member vm create b1 --memory 64M --disk "$T/allowed/blk" "${KARGS_M[@]}"
	rm -f "$T/allowed/blk"
	# only root may allow it
	expect_fail "only root can allow host paths" as_member host set allow-path "$LOOP"
	assert_eq "" "$(croft host info --json | jq -r --arg l "$LOOP" '.allowed_paths[] | select(. == $l)')" \
		"allowed paths after the member's try"
	expect_fail "only root can disallow" as_member host set disallow-path "$T/allowed"
	no_vm b1
	# root allows the device itself: a member may then attach it (as raw)
	expect_ok croft host set allow-path "$LOOP"
	expect_ok as_member vm create b2 --memory 64M --disk "$LOOP" "${KARGS_M[@]}"
	assert_eq "raw 1048576" "$(vm_json b2 | jq -r '.disks[0] | "\(.format) \(.size_bytes)"')" "b2's disk"
	expect_ok croft vm delete b2
	expect_ok croft host set disallow-path "$LOOP"
	losetup -d "$LOOP"
fi
assert_eq "$LOOPSUM" "$(sha256sum <"$LOOPIMG")" "the loop device's backing file"
unchanged "the loop device"
t_end

t_begin "a volume swapped for a symlink after create: start refused, root's file untouched"
expect_ok as_member vm create swap --memory 64M --disk 32M "${KARGS_M[@]}"
V=$POOL/swap-disk0.qcow2
[ -f "$V" ] || fail "no volume $V"
assert_eq "$QUSER 600" "$(stat -c '%U %a' "$V")" "a new volume's owner and mode"
{ as_qemu mv "$V" "$V.orig" && as_qemu ln -s "$ROOTDIR/shadow" "$V"; } || fail "swap as $QUSER"
expect_fail "symbolic links are not followed" as_member vm start swap
assert_eq stopped "$(vm_state swap)" "swap's state"
# also a hard link attempt: the kernel refuses it to croft-qemu (protected_hardlinks)
as_qemu rm -f "$V"
as_qemu ln "$ROOTDIR/shadow" "$V" 2>/dev/null && fail "$QUSER could hard-link root's shadow"
as_qemu mv "$V.orig" "$V"
unchanged "the swapped volume"
t_end

t_begin "qcow2 with a backing file or data file naming a root file: refused at attach and at start"
as_qemu qemu-img create -q -f qcow2 -F raw -b "$ROOTDIR/shadow" -u "$POOL/back.qcow2" 1M ||
	fail "qemu-img create (backing) as $QUSER"
expect_fail "has a backing file ($ROOTDIR/shadow)" \
	as_member vm create q1 --memory 64M --disk "$POOL/back.qcow2" "${KARGS_M[@]}"
# a data_file image: made by root with a decoy name of the same length,
# then pointed at root's file, as an attacker could write it
mkdir -m 0700 "$T/mk"
qemu-img create -q -f qcow2 -o "data_file=$ROOTDIR/dataXX.raw,data_file_raw=on" "$T/mk/data.qcow2" 1M ||
	fail "qemu-img create (data_file)"
python3 - "$T/mk/data.qcow2" <<'EOF' || fail "patching the data file name"
import sys
p = sys.argv[1]
b = open(p, 'rb').read()
assert b.count(b'dataXX.raw') == 1
open(p, 'wb').write(b.replace(b'dataXX.raw', b'data00.raw'))
EOF
rm -f "$ROOTDIR/dataXX.raw"
install -o "$QUSER" -g "$QUSER" -m 0600 "$T/mk/data.qcow2" "$POOL/data.qcow2"
expect_fail "has an external data file ($ROOTDIR/data00.raw)" \
	as_member vm create q2 --memory 64M --disk "$POOL/data.qcow2" "${KARGS_M[@]}"
no_vm q1
no_vm q2
# a clean volume, rewritten after create to name a backing file: refused at start
expect_ok as_member vm create rebased --memory 64M --disk 32M "${KARGS_M[@]}"
as_qemu qemu-img rebase -q -u -F raw -b "$ROOTDIR/shadow" "$POOL/rebased-disk0.qcow2" ||
	fail "qemu-img rebase as $QUSER"
expect_fail "has a backing file ($ROOTDIR/shadow)" as_member vm start rebased
assert_eq stopped "$(vm_state rebased)" "rebased's state"
unchanged "backing and data files"
t_end

t_begin "a backing chain inside the pool: each layer passed as a descriptor, the guest writes to the top only"
as_qemu qemu-img create -q -f qcow2 "$POOL/base.qcow2" 32M || fail "qemu-img create base as $QUSER"
# shellcheck disable=SC2016  # $1 is the inner shell's
as_qemu sh -c 'cd "$1" && qemu-img create -q -f qcow2 -F qcow2 -b base.qcow2 linked.qcow2' sh "$POOL" ||
	fail "qemu-img create overlay as $QUSER"
BASESUM=$(sha256sum <"$POOL/base.qcow2")
expect_ok as_member vm create linked --memory 128M --disk "$POOL/linked.qcow2" "${KARGS_M[@]}"
if expect_ok as_member vm start linked; then
	wait_state linked running 60
	if wait_serial linked 'CROFT-GUEST: ready' 120; then
		grep -aq 'CROFT-GUEST: disk vda 65536' "$T/run/vm/linked/serial.log" || fail "no vda of 65536 sectors"
		guest_ok linked "printf CROFT-WROTE-LINKED | dd of=/dev/vda bs=512 seek=8 conv=notrunc 2>/dev/null && sync" 60
	fi
	PID=$(vm_pid linked)
	cmd=$(tr '\0' ' ' <"/proc/$PID/cmdline")
	assert_contains "$cmd" '"backing":"disk0-b1"' "the overlay's blockdev names its backing node"
	case "$cmd" in *base.qcow2* | *linked.qcow2*) fail "QEMU's command line names a pool file: $cmd" ;; esac
	expect_ok croft vm stop linked
	wait_state linked stopped 30
fi
assert_eq "$BASESUM" "$(sha256sum <"$POOL/base.qcow2")" "the base image after the run"
qemu-img convert -f qcow2 -O raw "$POOL/linked.qcow2" "$T/mk/linked.raw" &&
	{ grep -aq CROFT-WROTE-LINKED "$T/mk/linked.raw" || fail "the guest's write did not reach the overlay"; }
# the same overlay outside the pools (in an allowed directory): refused
cp "$POOL/linked.qcow2" "$T/allowed/linked.qcow2"
expect_fail "images with backing files must lie in a pool" \
	as_member vm create linked2 --memory 64M --disk "$T/allowed/linked.qcow2" "${KARGS_M[@]}"
no_vm linked2
t_end

t_begin "a FIFO as a disk and a vmdk whose extent is a FIFO: refused at once, croftd keeps answering"
as_qemu mkfifo "$POOL/fifo.qcow2" || fail "mkfifo as $QUSER"
printf '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 2048 FLAT "fifo.qcow2" 0\n' |
	as_qemu tee "$POOL/ext.vmdk" >/dev/null
start=$SECONDS
expect_fail "is not a regular file" \
	timeout 20 setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
	"$T/croft" --socket "$CROFT_SOCKET" vm create f1 --memory 64M --disk "$POOL/fifo.qcow2"
expect_fail "is a vmdk image" \
	timeout 20 setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
	"$T/croft" --socket "$CROFT_SOCKET" vm create f2 --memory 64M --disk "$POOL/ext.vmdk"
[ $((SECONDS - start)) -le 5 ] || fail "the refusals took $((SECONDS - start)) s"
# a FIFO writer would be stuck forever if croftd had opened it; croftd answers
expect_ok timeout 5 "$BUILD/croft" vm list
no_vm f1
no_vm f2
rm -f "$POOL/fifo.qcow2" "$POOL/ext.vmdk"
t_end

t_begin "a guest boots from a pool volume and a root-only allowed file passed as descriptors, and writes to both"
# root's file in an allowed directory: mode 0600, owned by root, never chowned
head -c 16777216 /dev/zero >"$T/allowed/data.raw"
chmod 0600 "$T/allowed/data.raw"
expect_ok as_member vm create good --memory 128M --disk 32M --disk "$T/allowed/data.raw" "${KARGS_M[@]}"
expect_ok as_member vm create other --memory 64M --disk 16M "${KARGS_M[@]}"
expect_ok as_member vm create efiother --memory 64M --firmware uefi "${KARGS_M[@]}"
if expect_ok as_member vm start good; then
	wait_state good running 60
	if wait_serial good 'CROFT-GUEST: ready' 120; then
		grep -aq 'CROFT-GUEST: disk vda 65536' "$T/run/vm/good/serial.log" || fail "no vda of 65536 sectors"
		grep -aq 'CROFT-GUEST: disk vdb 32768' "$T/run/vm/good/serial.log" || fail "no vdb of 32768 sectors"
		guest_ok good "printf CROFT-WROTE-VDB | dd of=/dev/vdb bs=512 seek=8 conv=notrunc 2>/dev/null && printf CROFT-WROTE-VDA | dd of=/dev/vda bs=512 seek=8 conv=notrunc 2>/dev/null && sync" 60
	fi
	PID=$(vm_pid good)
	# QEMU holds the files croftd opened; it was never given their paths
	cmd=$(tr '\0' ' ' <"/proc/$PID/cmdline")
	case "$cmd" in *"$T/allowed/data.raw"* | *"$POOL/good-disk0"* | *"$GUEST_KERNEL"*)
		fail "QEMU's command line names a file path: $cmd" ;; esac
	assert_contains "$cmd" "/dev/fdset/" "QEMU's command line"
	held=0
	for fd in "/proc/$PID/fd"/*; do
		[ "$(readlink "$fd")" = "$T/allowed/data.raw" ] && held=1
	done
	[ "$held" = 1 ] || fail "QEMU has no descriptor on data.raw"
	# QEMU's uid cannot open pool files or the other VM's disk by path
	quid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$PID/status")
	qgid=$(awk '$1 == "Gid:" { print $2 }' "/proc/$PID/status")
	# the file QEMU writes through its descriptor, and another VM's UEFI
	# variables (croftd's own, never chowned): not by path
	for f in "$T/allowed/data.raw" "$T/state/vm/efiother/OVMF_VARS.fd"; do
		[ -e "$f" ] || fail "$f missing"
		setpriv --reuid="$quid" --regid="$qgid" --clear-groups cat "$f" >/dev/null 2>&1 &&
			fail "QEMU's uid $quid can read $f"
		# shellcheck disable=SC2016  # $1 is the inner shell's
		setpriv --reuid="$quid" --regid="$qgid" --clear-groups sh -c ': >>"$1"' sh "$f" 2>/dev/null &&
			fail "QEMU's uid $quid can write $f"
	done
	if [ "$quid" = "$(id -u "$QUSER")" ]; then
		echo "  note: QEMU runs as the image user $QUSER (no per-VM uid yet): its path access to the pool is not tested" >&2
	else
		for f in "$POOL/other-disk0.qcow2" "$POOL/good-disk0.qcow2"; do
			setpriv --reuid="$quid" --regid="$qgid" --clear-groups cat "$f" >/dev/null 2>&1 &&
				fail "QEMU's uid $quid can read $f"
		done
	fi
	expect_ok croft vm stop good
	wait_state good stopped 30
fi
grep -aq CROFT-WROTE-VDB "$T/allowed/data.raw" || fail "the guest's write did not reach data.raw"
assert_eq "root 600" "$(stat -c '%U %a' "$T/allowed/data.raw")" "data.raw's owner and mode after the run"
qemu-img convert -f qcow2 -O raw "$POOL/good-disk0.qcow2" "$T/mk/good.raw" &&
	{ grep -aq CROFT-WROTE-VDA "$T/mk/good.raw" || fail "the guest's write did not reach its pool volume"; }
assert_eq "$QUSER 600" "$(stat -c '%U %a' "$POOL/good-disk0.qcow2")" "the volume's owner and mode after the run"
unchanged "the guest's run"
t_end

t_begin "allowed paths show in host info; a disallowed directory stops the VM from starting; the ISO pool"
info=$(croft host info --json)
assert_contains "$(jq -c .allowed_paths <<<"$info")" "\"$T/allowed\"" "allowed_paths"
assert_contains "$(jq -c '.pools | map(.name)' <<<"$info")" '"default","iso"' "pools"
assert_contains "$(croft host info)" "allowed-path" "host info text"
expect_ok croft host set disallow-path "$T/allowed"
expect_fail "disk image '$T/allowed/data.raw' $MSG_OUTSIDE" as_member vm start good
assert_eq stopped "$(vm_state good)" "good's state"
expect_fail "is not an allowed path" croft host set disallow-path "$T/allowed"
# the ISO pool: ISOs, kernels and initrds a member may use without any allowed path
install -o "$QUSER" -g "$QUSER" -m 0600 "$GUEST_ISO" "$T/state/pools/iso/guest.iso"
expect_ok as_member vm create isovm --memory 64M --cdrom "$T/state/pools/iso/guest.iso"
assert_eq "$T/state/pools/iso/guest.iso" "$(vm_json isovm | json_get cdrom)" "isovm's cdrom"
assert_eq "$QUSER:$QUSER 700" "$(stat -c '%U:%G %a' "$T/state/pools/iso")" "the ISO pool's owner and mode"
expect_ok croft vm delete isovm
# a root-only image an administrator copied into a pool: attached by its header
qemu-img create -q -f qcow2 "$T/mk/rootimg.qcow2" 8M
install -m 0600 "$T/mk/rootimg.qcow2" "$POOL/rootimg.qcow2"
expect_ok as_member vm create rootimg --memory 64M --disk "$POOL/rootimg.qcow2" "${KARGS_M[@]}"
assert_eq "qcow2 8388608" "$(vm_json rootimg | jq -r '.disks[0] | "\(.format) \(.size_bytes)"')" "rootimg's disk"
assert_eq "root 600" "$(stat -c '%U %a' "$POOL/rootimg.qcow2")" "the root-only image's owner and mode"
t_end

itest_member_del
