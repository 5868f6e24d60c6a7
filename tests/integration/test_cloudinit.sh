#!/bin/bash
# test_cloudinit.sh — cloud-init NoCloud seeds (issue 10 item 5).
#
# A VM created with --cloud-init gets a seed croftd writes into the
# default pool (croft-qemu's, an ISO 9660 volume "cidata") and attaches
# as a read-only CD drive; the TCG test guest mounts it and reads back the
# host name, the user, the key, the password hash and the instance-id.
# An edit makes a new instance-id (the guest sees it at its next boot);
# --cloud-init off removes the drive and the file; deleting the VM removes
# the seed.  Bad input is refused with a precise error and changes
# nothing; a croft-group member cannot have croftd read a root-only file
# through user-data=FILE: the CLI reads it with the member's rights.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"      # guest_run
. "$(dirname "$0")/tmuxlib.sh"

itest_setup
itest_share_tools
tmux_install_teardown

ssh-keygen -q -t ed25519 -N '' -C 'alice@test' -f "$T/id_test" || die "ssh-keygen"
KEY=$(cat "$T/id_test.pub")
HASH=$(openssl passwd -6 -salt croftsalt secret) || die "openssl passwd"
SEED="$T/state/pools/default/.cidata/civm.iso"
printf '#cloud-config\nruncmd:\n  - [touch, /tmp/from-user-data]\n' >"$T/ud.yaml"

ci_field() {   # ci_field VM FIELD — .cloud_init.FIELD of vm info
	croft vm info "$1" --json | jq -r ".cloud_init.$2 // \"\""
}

# Mount the seed in the guest (the only CD drive: sr0) and print FILE.
seed_cat() {   # seed_cat VM FILE
	guest_run "$1" "mkdir -p /mnt/ci; mount -t iso9660 -o ro /dev/sr0 /mnt/ci 2>/dev/null; cat /mnt/ci/$2; umount /mnt/ci" 60
}

t_begin "vm create --cloud-init: settings stored and shown"
expect_ok croft vm create civm --memory 192M "${KARGS[@]}" \
	--cloud-init "user=alice,ssh-key=$T/id_test.pub,password-hash=$HASH,hostname=web1.lan,network=static:192.168.50.10/24:192.168.50.1:192.168.50.1,user-data=$T/ud.yaml"
assert_eq alice "$(ci_field civm user)" "user"
assert_eq "$KEY" "$(ci_field civm 'ssh_keys[0]')" "key (read from the file by the CLI)"
assert_eq "$HASH" "$(ci_field civm password_hash)" "hash"
assert_eq web1.lan "$(ci_field civm hostname)" "hostname"
assert_contains "$(ci_field civm user_data)" "from-user-data" "user data content"
UUID=$(croft vm info civm --json | json_get uuid)
IID1=$(ci_field civm instance_id)
assert_eq "croft-$UUID-1" "$IID1" "instance-id"
expect_ok croft vm info civm
assert_contains "$EXPECT_OUT" "user alice, 1 ssh key, password set, hostname web1.lan"
# a VM whose disk a job makes keeps its settings through the job
expect_ok croft vm create cijob --memory 128M --disk 16M --cloud-init hostname=jobvm
assert_eq jobvm "$(ci_field cijob hostname)" "settings after the vm.create job"
expect_ok croft vm delete cijob
t_end

t_begin "the guest reads its seed from the cidata CD drive"
expect_ok croft vm start civm
wait_state civm running 60
assert_eq "croft-qemu 600" "$(stat -c '%U %a' "$SEED")" "the seed: croft-qemu's, mode 0600"
assert_eq "croft-qemu 700" "$(stat -c '%U %a' "$(dirname "$SEED")")" "the seed directory"
croft vol list default --json | grep -q cidata && fail "vol list shows the seed"
if wait_serial civm 'CROFT-GUEST: ready' 120; then
	assert_eq cidata "$(guest_run civm 'dd if=/dev/sr0 bs=1 skip=32808 count=6 2>/dev/null; echo' 60)" \
		"volume id"
	meta=$(seed_cat civm meta-data)
	assert_contains "$meta" "instance-id: \"$IID1\"" "meta-data instance-id"
	assert_contains "$meta" 'local-hostname: "web1.lan"' "meta-data hostname"
	ud=$(seed_cat civm user-data)
	assert_contains "$ud" 'name: "alice"' "user-data user"
	assert_contains "$ud" "\"$KEY\"" "user-data key"
	assert_contains "$ud" "hashed_passwd: \"$HASH\"" "user-data hash"
	assert_contains "$ud" 'hostname: "web1"' "user-data hostname"
	assert_contains "$ud" "touch, /tmp/from-user-data" "the user's own part"
	net=$(seed_cat civm network-config)
	assert_contains "$net" '"192.168.50.10/24"' "network-config address"
	assert_contains "$net" 'via: "192.168.50.1"' "network-config gateway"
	assert_eq 1 "$(guest_run civm 'cat /sys/block/sr0/ro' 30)" "a read-only drive"
fi
t_end

t_begin "vm edit --cloud-init: a new instance-id, seen at the next boot"
expect_ok croft vm edit civm --cloud-init "user=bob,ssh-key=$KEY,hostname=web2"
IID2=$(ci_field civm instance_id)
assert_eq "croft-$UUID-2" "$IID2" "instance-id after the edit"
assert_eq bob "$(ci_field civm user)" "user after the edit"
assert_eq "" "$(ci_field civm network)" "settings are replaced, not merged"
expect_ok croft vm edit civm --cloud-init "user=bob,ssh-key=$KEY,hostname=web2"
assert_eq "$IID2" "$(ci_field civm instance_id)" "the same settings keep the instance-id"
expect_ok croft vm stop civm
wait_state civm stopped 30
expect_ok croft vm start civm
wait_state civm running 60
if wait_serial civm 'CROFT-GUEST: ready' 120; then
	meta=$(seed_cat civm meta-data)
	assert_contains "$meta" "instance-id: \"$IID2\"" "the guest sees the new instance-id"
	assert_contains "$meta" 'local-hostname: "web2"' "and the new hostname"
	assert_contains "$(seed_cat civm user-data)" 'name: "bob"' "and the new user"
fi
t_end

t_begin "bad input is refused with a precise error and changes nothing"
expect_fail "looks like a plain password" croft vm edit civm --cloud-init "user=bob,password-hash=hunter2"
expect_fail "private key" croft vm edit civm --cloud-init "user=bob,ssh-key=$T/id_test"
expect_fail "hostname 'bad_host' has '_'" croft vm edit civm --cloud-init "hostname=bad_host"
expect_fail "user 'root' cannot be" croft vm edit civm --cloud-init "user=root"
expect_fail "gateway 10.9.9.1 must be another address inside" croft vm edit civm --cloud-init "network=static:192.168.50.10/24:10.9.9.1"
expect_fail "'colour' is not a cloud-init setting" croft vm edit civm --cloud-init "colour=blue"
echo 'just some text' >"$T/bad-ud"
expect_fail "user-data must begin with a '#cloud-config' line" croft vm edit civm --cloud-init "user-data=$T/bad-ud"
expect_fail "is for vm edit" croft vm create civm2 --memory 128M "${KARGS[@]}" --cloud-init off
out=$(APIRAW '{"id":1,"op":"vm.edit","args":{"name":"civm","cloud_init":{"user":"bob","ssh_keys":["ssh-ed25519 AAAAC3NzaC1yc2EAAAADAQABAAABAQ== x"]}}}')
assert_contains "$out" "not a ssh-ed25519 key" "a key whose data names another type"
out=$(APIRAW '{"id":1,"op":"vm.edit","args":{"name":"civm","cloud_init":{"user":"bob","password_hash":"$6$salt$short"}}}')
assert_contains "$out" "cut short or damaged" "a truncated hash"
out=$(APIRAW '{"id":1,"op":"vm.edit","args":{"name":"civm","cloud_init":{"shell":"/bin/zsh"}}}')
assert_contains "$out" 'unknown member \"shell\"' "an unknown member"
out=$(APIRAW '{"id":1,"op":"vm.create","args":{"name":"civm3","vcpus":1,"memory_mib":128,"cloud_init":{}}}')
assert_contains "$out" "needs at least one of" "empty settings"
expect_fail "no VM named 'civm3'" croft vm info civm3
assert_eq "$IID2" "$(ci_field civm instance_id)" "instance-id after the refusals"
assert_eq bob "$(ci_field civm user)" "settings after the refusals"
t_end

t_begin "a croft-group member cannot have croftd read a root-only file through user-data=FILE"
printf '#cloud-config\n# root-secret-42\n' >"$T/secret.yaml"
chmod 0600 "$T/secret.yaml"
if itest_member_add "ctci$$"; then
	out=$(setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		env CROFT_SOCKET="$CROFT_SOCKET" "$T/croft" vm edit civm --cloud-init "user-data=$T/secret.yaml" 2>&1) &&
		fail "the member's edit with a root-only file succeeded: $out"
	assert_contains "$out" "cannot read user-data file $T/secret.yaml: Permission denied" "the CLI's refusal"
	# the API takes content only: a path is just text, refused as user data
	out=$(setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		/usr/bin/python3 "$T/apiraw.py" --socket "$CROFT_SOCKET" \
		'{"id":2,"op":"vm.edit","args":{"name":"civm","cloud_init":{"user_data":"'"$T"'/secret.yaml"}}}' 2>&1)
	assert_contains "$out" "user-data must begin with a '#cloud-config' line" "a path sent as user data"
	[ "$(ci_field civm user_data)" = "" ] || fail "user data changed"
	grep -q root-secret-42 "$SEED" && fail "the secret reached the seed"
	itest_member_del
else
	fail "useradd failed"
fi
t_end

t_begin "vm edit --cloud-init off: the seed file goes, and the drive at the next start"
expect_ok croft vm stop civm
wait_state civm stopped 30
[ -e "$SEED" ] || fail "the seed is there before off"
expect_ok croft vm edit civm --cloud-init off
assert_eq null "$(croft vm info civm --json | jq -c .cloud_init)" "cloud_init after off"
[ -e "$SEED" ] && fail "the seed file is still there after off"
expect_ok croft vm start civm
wait_state civm running 60
if wait_serial civm 'CROFT-GUEST: ready' 120; then
	guest_fails civm 'test -b /dev/sr0' 30
fi
expect_ok croft vm stop civm
t_end

t_begin "vm delete removes the seed"
expect_ok croft vm edit civm --cloud-init "hostname=again"
assert_eq "croft-$UUID-4" "$(ci_field civm instance_id)" "a new generation after off (3) and on (4)"
[ -e "$SEED" ] || fail "the seed is written when the settings change"
expect_ok croft vm delete civm
[ -e "$SEED" ] && fail "the seed is still there after the delete"
t_end

t_begin "console: F6 on the New VM form opens the cloud-init sub-form; the password is hashed there"
tmux_start c 100 30 xterm-256color
tmux_wait c 'F2New' 10
tmux_keys c n
tmux_wait c 'New VM' 5
tmux_type c ciform
tmux_keys c F6
tmux_wait c 'Cloud-init settings' 5
tmux_type c carol
tmux_keys c Tab
tmux_type c "$T/id_test.pub"
tmux_keys c Tab
tmux_type c pw-not-on-screen
tmux_wait c 'Password +\*{16}' 3
tmux_has c 'pw-not-on-screen' && fail "the password is shown in clear"
tmux_keys c Enter
tmux_wait c 'Cloud-init settings kept in the form' 5
tmux_wait c 'cloud-init: on for carol, 1 key' 3
tmux_keys c Enter
tmux_wait_gone c 'New VM' 15
wait_for 15 croft vm info ciform >/dev/null || fail "ciform was not created"
assert_eq carol "$(ci_field ciform user)" "user from the console"
assert_eq "$KEY" "$(ci_field ciform 'ssh_keys[0]')" "key read by the console from the file"
h=$(ci_field ciform password_hash)
assert_eq '$y$' "${h:0:3}" "a yescrypt hash"
assert_eq "$h" "$(python3 -W ignore -c 'import crypt,sys; print(crypt.crypt("pw-not-on-screen", sys.argv[1]))' "$h")" \
	"the hash is of the typed password"
tmux_keys c F10
expect_ok croft vm delete ciform
t_end

itest_teardown
