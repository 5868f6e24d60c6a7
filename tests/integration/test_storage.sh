#!/bin/bash
# test_storage.sh — pools, volumes, resize and hot-plug (issue 10).
#
# An administrator creates pools with real directories: a new one croftd
# makes, an empty one it takes over, one on a size-limited tmpfs the test
# mounts (its capacity is the tmpfs's).  Each becomes croft-qemu's with
# mode 0700, survives a restart, and reports capacity, free, allocated
# (what real qemu-img volumes hold) and promised (their virtual sizes)
# and the overcommit ratio.  Bad input changes nothing: a relative path, a
# file, a symlink, a directory that holds files, one inside a pool or
# holding one, a name taken, an unknown content type; a croft-group
# member may list but not create or delete; a pool with a volume cannot
# be deleted, nor a built-in one.  Volumes are made with real qemu-img
# jobs, listed with the VM using each, attached at vm create, grown
# offline (qemu-img resize) and online (block_resize, seen by the guest),
# and hot-plugged into a running TCG guest that sees and writes /dev/vdb,
# then detached.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"      # guest_run

itest_setup
itest_share_tools

pool_field() {   # pool_field POOL FIELD
	croft pool info "$1" --json | json_get "$2"
}

t_begin "pool create: a new directory, croft-qemu's, mode 0700"
expect_ok croft pool create fast --path "$T/fast"
assert_contains "$EXPECT_OUT" "fast: created at $T/fast"
assert_eq "croft-qemu 700" "$(stat -c '%U %a' "$T/fast")" "owner and mode of the new pool"
assert_eq "images" "$(pool_field fast content)" "content"
expect_ok croft pool list
assert_contains "$EXPECT_OUT" "default"
assert_contains "$EXPECT_OUT" "$T/fast"
t_end

t_begin "pool create: an empty directory is taken over; iso content"
mkdir -m 0755 "$T/isos"
expect_ok croft pool create isos --path "$T/isos/" --content iso
assert_eq "croft-qemu 700" "$(stat -c '%U %a' "$T/isos")" "owner and mode"
assert_eq "iso" "$(pool_field isos content)" "content"
assert_eq "$T/isos" "$(pool_field isos dir)" "the path is normalised"
t_end

t_begin "pool create: bad input is refused and changes nothing"
mkdir -m 0755 "$T/full" && echo keep >"$T/full/precious"
ln -s "$T/full" "$T/link"
mkdir "$T/real" && ln -s "$T/real" "$T/linkdir"
echo x >"$T/afile"
expect_fail "needs an absolute directory" croft pool create bad --path relative/dir
out=$(APIRAW '{"id":1,"op":"pool.create","args":{"name":"bad","path":"relative/dir"}}')
assert_contains "$out" "path 'relative/dir' must be absolute" "the API's answer to a relative path"
expect_fail "needs --path" croft pool create bad
expect_fail "must be images or iso" croft pool create bad --path "$T/x" --content movies
out=$(APIRAW '{"id":1,"op":"pool.create","args":{"name":"bad","path":"'"$T"'/x","content":"movies"}}')
assert_contains "$out" "content 'movies' is not images or iso" "the API's answer"
expect_fail "is not empty (precious)" croft pool create bad --path "$T/full"
assert_eq "root 755" "$(stat -c '%U %a' "$T/full")" "a directory with files is not taken over"
expect_fail "is a symlink" croft pool create bad --path "$T/link"
expect_fail "lies beneath a symlink" croft pool create bad --path "$T/linkdir/sub"
[ -e "$T/real/sub" ] && fail "a directory was made beneath a symlink"
expect_fail "is not a directory" croft pool create bad --path "$T/afile"
expect_fail "cannot create pool directory" croft pool create bad --path "$T/no/such/dir"
expect_fail "is inside pool 'fast'" croft pool create bad --path "$T/fast/sub"
expect_fail "holds pool 'default'" croft pool create bad --path "$T/state"
expect_fail "is pool 'fast' already" croft pool create other --path "$T/fast"
expect_fail "a pool named 'fast' exists already" croft pool create fast --path "$T/fast2"
expect_fail "a pool named 'default' exists already" croft pool create default --path "$T/d2"
expect_fail "cannot be the root directory" croft pool create bad --path /
expect_fail "pool name" croft pool create 'b@d' --path "$T/b"
[ -e "$T/fast2" ] || [ -e "$T/d2" ] || [ -e "$T/b" ] && fail "a refused create left a directory"
expect_ok croft pool list --json
assert_eq 4 "$(echo "$EXPECT_OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
	"pools after the refusals"
t_end

t_begin "pool accounting: allocated and promised from real qemu-img volumes"
mkdir "$T/mnt"
mount -t tmpfs -o size=64m,mode=0755 croft-test "$T/mnt" || die "cannot mount a tmpfs"
expect_ok croft pool create small --path "$T/mnt/pool"
assert_eq 67108864 "$(pool_field small capacity_bytes)" "capacity of a 64 MiB tmpfs"
assert_eq 0 "$(pool_field small promised_bytes)" "promised of an empty pool"
setpriv --reuid=croft-qemu --regid=croft-qemu --clear-groups \
	qemu-img create -q -f qcow2 "$T/mnt/pool/a.qcow2" 1G || fail "qemu-img create qcow2"
setpriv --reuid=croft-qemu --regid=croft-qemu --clear-groups \
	qemu-img create -q -f raw -o preallocation=full "$T/mnt/pool/b.raw" 16M || fail "qemu-img create raw"
want_alloc=$(( $(stat -c '%b*%B' "$T/mnt/pool/a.qcow2") + $(stat -c '%b*%B' "$T/mnt/pool/b.raw") ))
assert_eq $((1073741824 + 16777216)) "$(pool_field small promised_bytes)" "promised: the virtual sizes"
assert_eq "$want_alloc" "$(pool_field small allocated_bytes)" "allocated: the blocks held"
assert_eq 2 "$(pool_field small volumes)" "volumes"
oc=$(pool_field small overcommit)
assert_eq "16.25" "$(printf '%.2f' "$oc")" "overcommit: promised / capacity"
free=$(pool_field small free_bytes)
[ "$free" -lt $((64 * 1048576 - 16 * 1048576)) ] || fail "free $free does not count the raw volume"
expect_ok croft pool info small
assert_contains "$EXPECT_OUT" "a.qcow2  qcow2  virtual 1.0G"
assert_contains "$EXPECT_OUT" "promised:    1.0G"
assert_contains "$(echo "$EXPECT_OUT" | grep overcommit)" "16.25"
t_end

t_begin "pool delete: refused while volumes exist, then the directory goes"
expect_fail "still holds 2 volumes (" croft pool delete small
assert_contains "$EXPECT_ERR" "a.qcow2"
assert_contains "$EXPECT_ERR" "b.raw"
[ -f "$T/mnt/pool/a.qcow2" ] || fail "a refused delete removed a volume"
expect_fail "built in and cannot be deleted" croft pool delete default
expect_fail "no pool named 'nope'" croft pool delete nope
rm -f "$T/mnt/pool/a.qcow2" "$T/mnt/pool/b.raw"
expect_ok croft pool delete small
[ -e "$T/mnt/pool" ] && fail "the deleted pool's directory is still there"
umount "$T/mnt" || fail "cannot unmount the test's tmpfs"
expect_fail "no pool named 'small'" croft pool info small
t_end

t_begin "pools are stored: they survive a restart"
croftd_restart || die "croftd did not restart"
expect_ok croft pool list --json
assert_contains "$EXPECT_OUT" '"fast"'
assert_contains "$EXPECT_OUT" '"isos"'
case "$EXPECT_OUT" in *'"small"'*) fail "the deleted pool came back" ;; esac
assert_eq "fast|$T/fast|images" "$(sqlite3 "$DB" "SELECT name, dir, content FROM pools WHERE name='fast'")" \
	"the store's row"
t_end

t_begin "a croft-group member lists pools but cannot create or delete them"
itest_member_add croftpooltest
expect_ok setpriv --reuid=croftpooltest --regid=nogroup --init-groups "$T/croft" pool list
assert_contains "$EXPECT_OUT" "fast"
expect_fail "only root can create pools" setpriv --reuid=croftpooltest --regid=nogroup \
	--init-groups "$T/croft" pool create mine --path /tmp/croft-mine-pool
[ -e /tmp/croft-mine-pool ] && fail "a member's create made a directory"
expect_fail "only root can delete pools" setpriv --reuid=croftpooltest --regid=nogroup \
	--init-groups "$T/croft" pool delete fast
itest_member_del
expect_ok croft pool info fast
t_end

t_begin "a disk in a created pool boots a guest"
setpriv --reuid=croft-qemu --regid=croft-qemu --clear-groups \
	qemu-img create -q -f qcow2 "$T/fast/disk0.qcow2" 64M || fail "qemu-img create"
croft host set disallow-path "$T" >/dev/null || fail "disallow $T"
croft host set allow-path "$GUEST_KERNEL" >/dev/null
croft host set allow-path "$GUEST_INITRD" >/dev/null
expect_ok croft vm create pooled --memory 256 --disk "$T/fast/disk0.qcow2" "${KARGS[@]}" --no-wait
expect_ok croft vm start pooled
wait_state pooled running 30 || fail "the VM with a disk in pool fast did not run"
expect_fail "still holds 1 volume (disk0.qcow2)" croft pool delete fast
expect_ok croft vm stop pooled
t_end

t_begin "vol create: a thin qcow2 and a preallocated raw, as jobs"
expect_ok croft vol create fast/data --size 1G
assert_contains "$EXPECT_OUT" "fast/data: created (qcow2, 1G)"
assert_eq "croft-qemu 600" "$(stat -c '%U %a' "$T/fast/data")" "owner and mode of the volume"
assert_eq "qcow2 1073741824" "$(qemu-img info --output=json "$T/fast/data" |
	python3 -c 'import json,sys; i=json.load(sys.stdin); print(i["format"], i["virtual-size"])')" \
	"what qemu-img says of it"
expect_ok croft vol create fast/db --size 8M --format raw
assert_eq 8388608 "$(stat -c %s "$T/fast/db")" "raw size"
[ $(( $(stat -c '%b*%B' "$T/fast/db") )) -ge 8388608 ] || fail "the raw volume is not preallocated"
expect_ok croft vol list fast
assert_contains "$EXPECT_OUT" "fast/data"
assert_contains "$EXPECT_OUT" "fast/db"
expect_ok croft vol info fast/disk0.qcow2 --json
assert_eq pooled "$(echo "$EXPECT_OUT" | json_get used_by)" "the VM using disk0.qcow2"
assert_eq 1073741824 "$(croft vol info fast/data --json | json_get virtual_bytes)" "virtual size"
t_end

t_begin "vol: bad input is refused and changes nothing"
expect_fail "already exists" croft vol create fast/data --size 2G
assert_eq 1073741824 "$(croft vol info fast/data --json | json_get virtual_bytes)" "the volume kept its size"
expect_fail "no pool named 'nope'" croft vol create nope/x --size 1G
expect_fail "a volume is POOL/NAME" croft vol create data --size 1G
expect_fail "needs --size" croft vol create fast/y
expect_fail "must be qcow2 or raw" croft vol create fast/y --size 1G --format vmdk
expect_fail "holds ISOs, not volumes" croft vol create isos/y --size 1G
expect_fail "volume name" croft vol create 'fast/..' --size 1G
out=$(APIRAW '{"id":1,"op":"vol.create","args":{"pool":"fast","name":"../../etc/x","size_bytes":1048576}}')
assert_contains "$out" "invalid_argument" "a path as a volume name"
expect_fail "no volume named 'y'" croft vol info fast/y
[ -e "$T/fast/y" ] && fail "a refused create left a file"
expect_fail "is attached to VM pooled" croft vol delete fast/disk0.qcow2
[ -f "$T/fast/disk0.qcow2" ] || fail "an attached volume was deleted"
t_end

t_begin "vol delete: the file goes"
expect_ok croft vol delete fast/db
assert_contains "$EXPECT_OUT" "fast/db: deleted"
[ -e "$T/fast/db" ] && fail "the deleted volume's file is still there"
expect_fail "no volume named 'db'" croft vol delete fast/db
t_end

t_begin "vm create --disk POOL/NAME attaches an existing volume and boots with it"
expect_ok croft vol create fast/shared --size 64M
(cd / && croft vm create withvol --memory 256 --disk fast/shared "${KARGS[@]}") >/dev/null ||
	fail "vm create --disk fast/shared"
assert_eq "$T/fast/shared" "$(croft vm info withvol --json | python3 -c \
	'import json,sys; print(json.load(sys.stdin)["disks"][0]["path"])')" "the disk's path"
assert_eq withvol "$(croft vol info fast/shared --json | json_get used_by)" "used_by"
expect_fail "is attached to VM withvol" croft vol delete fast/shared
(cd / && expect_fail "no volume named 'nothere' in pool 'fast'" croft vm create x1 --memory 256 --disk fast/nothere)
(cd / && expect_fail "no pool named 'nopool'" croft vm create x2 --memory 256 --disk nopool/x)
out=$(APIRAW '{"id":1,"op":"vm.create","args":{"name":"x3","vcpus":1,"memory_mib":256,"disks":[{"volume":"fast/shared","size_bytes":5}]}}')
assert_contains "$out" "disks[0].volume is a string" "volume and size together"
expect_fail "no VM named 'x1'" croft vm info x1
expect_ok croft vm start withvol
wait_state withvol running 30 || fail "withvol did not run"
expect_ok croft vm stop withvol
expect_ok croft vm delete withvol --keep-disks
expect_ok croft vol delete fast/shared
t_end

t_begin "vol resize offline: a job with qemu-img resize; grow only"
expect_ok croft vol resize fast/data --size 2G
assert_contains "$EXPECT_OUT" "fast/data: resized (qcow2, 2G)"
assert_eq 2147483648 "$(qemu-img info --output=json "$T/fast/data" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')" "qemu-img's size"
expect_fail "it can only grow" croft vol resize fast/data --size 1G
expect_fail "it can only grow" croft vol resize fast/data --size 2G
expect_fail "no volume named 'zz'" croft vol resize fast/zz --size 4G
out=$(APIRAW '{"id":1,"op":"vol.resize","args":{"pool":"fast","name":"data","size_bytes":3221225473}}')
assert_contains "$out" "a multiple of 512" "an odd size"
assert_eq 2147483648 "$(croft vol info fast/data --json | json_get virtual_bytes)" "size after refusals"
t_end

t_begin "vol resize online: block_resize, and the guest sees the new size"
expect_ok croft vol create fast/grow --size 32M
(cd / && croft vm create growvm --memory 128M --disk fast/grow "${KARGS[@]}") >/dev/null ||
	fail "vm create growvm"
expect_ok croft vm start growvm
wait_state growvm running 60
if wait_serial growvm 'CROFT-GUEST: ready' 120; then
	assert_eq 65536 "$(guest_run growvm 'cat /sys/block/vda/size' 60)" "sectors before"
	expect_ok croft vol resize fast/grow --size 64M
	assert_contains "$EXPECT_OUT" "fast/grow: resized (qcow2, 64M, online)"
	assert_eq 131072 "$(guest_run growvm 'cat /sys/block/vda/size' 60)" "sectors the guest sees after"
	assert_eq 67108864 "$(croft vol info fast/grow --json | json_get virtual_bytes)" "virtual size after"
fi
expect_ok croft vm stop growvm
t_end

t_begin "vm disk attach/detach: hot-plug into a running guest, which sees and writes /dev/vdb; detach lets go of it"
expect_ok croft vol create fast/hot --size 16M
expect_ok croft vm start growvm
wait_state growvm running 60
if wait_serial growvm 'CROFT-GUEST: ready' 120; then
	sleep 1
	guest_run growvm 'test -e /sys/block/vdb' 30 >/dev/null && fail "vdb before the attach"
	expect_ok croft vm disk attach growvm fast/hot
	assert_contains "$EXPECT_OUT" "growvm: volume fast/hot attached"
	assert_eq 32768 "$(guest_run growvm 'sleep 2; cat /sys/block/vdb/size' 60)" "vdb's sectors in the guest"
	guest_run growvm 'printf CROFT-HOTPLUG | dd of=/dev/vdb bs=512 seek=4 conv=notrunc 2>/dev/null && sync' 60 >/dev/null ||
		fail "the guest cannot write to vdb"
	# a qcow2 keeps the guest's bytes as they are in its clusters
	grep -aq CROFT-HOTPLUG "$T/fast/hot" || fail "the guest's write did not reach the volume"
	assert_eq growvm "$(croft vol info fast/hot --json | json_get used_by)" "used_by after attach"
	expect_fail "attached to VM growvm already" croft vm disk attach growvm fast/hot
	expect_fail "no volume named 'nope' in pool 'fast'" croft vm disk attach growvm fast/nope
	expect_fail "is attached to VM growvm" croft vol delete fast/hot
	# detach: the guest lets go, the definition and QEMU forget it
	expect_ok croft vm disk detach growvm fast/hot
	assert_contains "$EXPECT_OUT" "growvm: volume fast/hot detached"
	sleep 1
	guest_run growvm 'test -e /sys/block/vdb' 30 >/dev/null && fail "vdb after the detach"
	assert_eq "" "$(croft vol info fast/hot --json | json_get used_by)" "used_by after detach"
	PID=$(vm_pid growvm)
	for fd in "/proc/$PID/fd"/*; do
		[ "$(readlink "$fd")" = "$T/fast/hot" ] && fail "QEMU still holds fast/hot open"
	done
	expect_fail "is not a disk of VM growvm" croft vm disk detach growvm fast/hot
	# and again: the same volume plugs in anew
	expect_ok croft vm disk attach growvm fast/hot
	assert_eq 32768 "$(guest_run growvm 'sleep 2; cat /sys/block/vdb/size' 60)" "vdb after attaching again"
fi
expect_fail "needs a VM and a volume" croft vm disk attach growvm
expect_ok croft vm stop growvm
expect_fail "is not running" croft vm disk attach growvm fast/data
assert_eq 2 "$(croft vm info growvm --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["disks"]))')" \
	"disks in the definition"
t_end

t_begin "pool watch: a pool filling past 80 % and 95 % raises events; pool info shows the level and a forecast"
sqlite3 "$DB" "INSERT INTO settings (key, value) VALUES ('pool_sample_ms', '1000')
	ON CONFLICT (key) DO UPDATE SET value = excluded.value" || fail "cannot set pool_sample_ms"
mount -t tmpfs -o size=16m,mode=0755 croft-test "$T/mnt" || die "cannot mount a tmpfs"
expect_ok croft pool create tiny --path "$T/mnt/pool"
sleep 2
assert_eq ok "$(pool_field tiny level)" "level of an empty pool"
dd if=/dev/zero of="$T/mnt/pool/fill" bs=1M count=13 status=none
wait_for 10 sh -c "\"$T/croft\" events --since 1m --no-follow --json | grep -q '\"pool.warning\"'"
assert_eq warning "$(pool_field tiny level)" "level at 13 of 16 MiB"
dd if=/dev/zero of="$T/mnt/pool/fill" bs=1M count=16 status=none 2>/dev/null || true
wait_for 10 sh -c "\"$T/croft\" events --since 1m --no-follow --json | grep -q '\"pool.critical\"'"
expect_ok croft pool info tiny
assert_contains "$EXPECT_OUT" "forecast 24h: not enough history"
assert_contains "$EXPECT_OUT" "level:       critical"
rm -f "$T/mnt/pool/fill"
wait_for 10 sh -c "\"$T/croft\" events --since 1m --no-follow --json | grep -q '\"pool.ok\"'"
expect_ok croft pool delete tiny
umount "$T/mnt" || fail "cannot unmount the test's tmpfs"
t_end
