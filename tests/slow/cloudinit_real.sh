#!/bin/bash
# cloudinit_real.sh — real cloud-init reads croft's NoCloud seed (slow; not
# part of make check).
#
#   BUILD=<build dir> tests/slow/cloudinit_real.sh      (as root, network to
#                                                       deb.debian.org)
#
# Builds a tiny Debian 12 image with mmdebstrap (systemd, the stock kernel,
# Debian's cloud-init package, openssh-server; cached in
# $BUILD/ci-debian, about 1 GiB and several minutes the first time), boots
# it under TCG with croft's seed (--cloud-init user, key, password hash,
# hostname), waits for cloud-init to say it finished, shuts the guest down
# and reads its disk (debugfs): the host name, the user with the key and the hash,
# and the instance-id are what the seed said.
# shellcheck shell=bash
ITEST_SELF_DIR=$(cd "$(dirname "$0")" && pwd)
. "$ITEST_SELF_DIR/../integration/lib.sh"

CACHE=$BUILD/ci-debian
PKGS=systemd-sysv,udev,linux-image-amd64,initramfs-tools,cloud-init,openssh-server,sudo,ifupdown,isc-dhcp-client,e2fsprogs,kmod

build_image() {
	[ -s "$CACHE/root.img" ] && return 0
	rm -rf "$CACHE" && mkdir -p "$CACHE"
	echo "building the Debian image in $CACHE (mmdebstrap)..." >&2
	mmdebstrap --variant=apt --include="$PKGS" \
		--customize-hook='echo "/dev/vda / ext4 defaults 0 1" >"$1/etc/fstab"' \
		--customize-hook='echo "datasource_list: [ NoCloud, None ]" >"$1/etc/cloud/cloud.cfg.d/90-croft-test.cfg"' \
		bookworm "$CACHE/root" >"$CACHE/mmdebstrap.log" 2>&1 || { tail -20 "$CACHE/mmdebstrap.log" >&2; return 1; }
	cp "$CACHE"/root/boot/vmlinuz-* "$CACHE/vmlinuz" && cp "$CACHE"/root/boot/initrd.img-* "$CACHE/initrd.img" || return 1
	mkfs.ext4 -q -L root -d "$CACHE/root" "$CACHE/root.img" 3G || return 1
	rm -rf "$CACHE/root"
}

itest_setup
build_image || die "cannot build the Debian image (see $CACHE/mmdebstrap.log)"
cp --sparse=always "$CACHE/root.img" "$T/root.img"
cp "$CACHE/vmlinuz" "$CACHE/initrd.img" "$T/"
chmod 0644 "$T/vmlinuz" "$T/initrd.img"
ssh-keygen -q -t ed25519 -N '' -C 'alice@croft-test' -f "$T/id" || die "ssh-keygen"
KEY=$(cat "$T/id.pub")
HASH=$(openssl passwd -6 -salt croftreal secret) || die "openssl passwd"

t_begin "a Debian guest's cloud-init applies croft's seed"
expect_ok croft vm create real --memory 1G --disk "$T/root.img" --kernel "$T/vmlinuz" \
	--initrd "$T/initrd.img" --append "root=/dev/vda rw console=ttyS0" \
	--cloud-init "user=alice,ssh-key=$T/id.pub,password-hash=$HASH,hostname=ci-real"
IID=$(croft vm info real --json | jq -r .cloud_init.instance_id)
expect_ok croft vm start real
wait_serial real 'Cloud-init v\. .* finished' 1500 || true
expect_ok croft vm shutdown real --timeout 180 --force
wait_state real stopped 200
# the guest's files, read with debugfs (no loop device or mount needed)
# after e2fsck has replayed the journal
e2fsck -fy "$T/root.img" >"$T/e2fsck.log" 2>&1
[ $? -le 1 ] || fail "e2fsck of the guest's disk: $(tail -n 3 "$T/e2fsck.log")"
img_cat() {
	debugfs -R "cat $1" "$T/root.img" 2>/dev/null
}
assert_eq ci-real "$(img_cat /etc/hostname)" "/etc/hostname"
assert_contains "$(img_cat /etc/passwd | grep '^alice:')" "/home/alice:/bin/bash" "the user"
assert_eq "$HASH" "$(img_cat /etc/shadow | grep '^alice:' | cut -d: -f2)" "the password hash"
assert_contains "$(img_cat /home/alice/.ssh/authorized_keys)" "$KEY" "the key"
assert_eq "$IID" "$(img_cat /var/lib/cloud/data/instance-id)" "the instance-id"
# the image has no locales package: cloud-init's locale module fails, the
# rest must not
assert_eq "" "$(img_cat /var/lib/cloud/data/result.json |
	jq -r '.v1.errors[] | select(test("^\\(.locale.,") | not)')" "cloud-init errors"
t_end

itest_teardown
