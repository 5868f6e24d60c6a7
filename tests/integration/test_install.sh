#!/bin/bash
# test_install.sh — croft-install, the install engine, on this machine:
#
#   - --list-disks/--list-nics --json against a fake sysfs tree
#     (CROFT_SYSFS_ROOT): model, serial (virtio "serial", SCSI page 0x80),
#     size, removable, rotational; NICs with MAC, carrier and driver; lo,
#     bridges, loop and optical devices are not offered;
#   - --answer --dry-run: every check, the plan and the progress lines,
#     nothing written; a bad answer file, a filter that matches no disk or
#     several: exit 1, the line and the problem, nothing written;
#   - a real install onto a loop device (file-backed, partition scan on):
#     wipe, GPT (BIOS boot, ESP, root, data), mkfs, a tiny squashfs
#     unpacked, fstab by UUID, hostname, croftbr0 over the NIC, root's
#     hash, SSH key, the live-only files removed, units enabled; no GRUB
#     (--no-bootloader);
#   - one install at a time: while another installer holds the lock
#     (/run/croft-install.lock, here $CROFT_INSTALL_LOCK) a second one says
#     which console is installing and writes nothing; the install records
#     its own console (its controlling terminal, a pty from script(1));
#   - a failure mid-way (a corrupt squashfs): exit 1 with an error line
#     naming unsquashfs, and the loop device has no partition table left;
#   - --auto: no answer file, a bad one on the medium, croft.answer=PATH,
#     and the answer file on a partition labelled CROFT-AIS (an ext4 file
#     system on a second loop device, found by its label and mounted).
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

INSTALL=$BUILD/croft-install
[ -x "$INSTALL" ] || die "no $INSTALL (make all)"
for tool in sfdisk wipefs mkfs.fat mkfs.ext4 unsquashfs mksquashfs losetup blkid systemctl flock script; do
	command -v "$tool" >/dev/null || die "$tool missing (installer/install-deps.sh)"
done
itest_need_root test_install.sh
itest_tmpdir install_teardown
LOOP=
AISLOOP=
LOCKPID=
install_teardown() {
	[ "$BASHPID" = "${ITEST_MAIN_PID:-}" ] || return
	[ -n "$LOCKPID" ] && kill "$LOCKPID" 2>/dev/null
	grep -q " $T/mnt " /proc/self/mounts && umount "$T/mnt"
	grep -q " $T/ais " /proc/self/mounts && umount "$T/ais"
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	[ -n "$AISLOOP" ] && losetup -d "$AISLOOP"
	itest_teardown
}

SYS=$T/sys
# fake_disk NAME SECTORS MODEL SERIAL-ATTR|vpd:SERIAL REMOVABLE ROTATIONAL
fake_disk() {
	mkdir -p "$SYS/block/$1/device" "$SYS/block/$1/queue"
	echo "$2" >"$SYS/block/$1/size"
	echo "$3" >"$SYS/block/$1/device/model"
	case "$4" in
	vpd:*) printf '\0\200\0%b%s' "\\x$(printf %02x ${#4})" "${4#vpd:}    " >"$SYS/block/$1/device/vpd_pg80" ;;
	*) echo "$4" >"$SYS/block/$1/serial" ;;
	esac
	echo "$5" >"$SYS/block/$1/removable"
	echo "$6" >"$SYS/block/$1/queue/rotational"
}
# fake_nic NAME MAC CARRIER DRIVER
fake_nic() {
	mkdir -p "$SYS/class/net/$1" "$SYS/drivers/$4" "$SYS/devices/$1"
	echo "$2" >"$SYS/class/net/$1/address"
	echo "$3" >"$SYS/class/net/$1/carrier"
	ln -s "../../../devices/$1" "$SYS/class/net/$1/device"
	ln -s "../../drivers/$4" "$SYS/devices/$1/driver"
}
fake_disk vda 41943040 "" "QM-VIRTIO-1" 0 0
fake_disk sda 1953525168 "Samsung SSD 870" "vpd:S6PNNX0T123456" 0 0
fake_disk sdb 31260672 "USB Flash" "vpd:AA00000000001" 1 1
fake_disk loop0 2048 "" "" 0 0
fake_disk sr0 2048 "QEMU DVD-ROM" "" 1 0
fake_nic enp1s0 52:54:00:12:34:56 1 virtio_net
fake_nic enp2s0 52:54:00:ab:cd:ef 0 e1000e
mkdir -p "$SYS/class/net/lo" "$SYS/class/net/br0"

t_begin "--list-disks --json from a fake sysfs"
out=$(CROFT_SYSFS_ROOT=$SYS "$INSTALL" --list-disks --json) || fail "exit $?: $out"
assert_eq "$(jq -r '[.[].name] | join(",")' <<<"$out")" "sda,sdb,vda"
assert_eq "$(jq -r '.[0] | [.path, .model, .serial, .size, .removable, .rotational] | map(tostring) | join("|")' <<<"$out")" \
	"/dev/sda|Samsung SSD 870|S6PNNX0T123456|1000204886016|false|false"
assert_eq "$(jq -r '.[1] | [.serial, .removable, .rotational] | map(tostring) | join("|")' <<<"$out")" "AA00000000001|true|true"
assert_eq "$(jq -r '.[2] | [.serial, .size] | map(tostring) | join("|")' <<<"$out")" "QM-VIRTIO-1|21474836480"
t_end

t_begin "--list-nics --json: devices only, MAC, carrier, driver"
out=$(CROFT_SYSFS_ROOT=$SYS "$INSTALL" --list-nics --json) || fail "exit $?: $out"
assert_eq "$out" '[{"name":"enp1s0","mac":"52:54:00:12:34:56","carrier":true,"driver":"virtio_net"},{"name":"enp2s0","mac":"52:54:00:ab:cd:ef","carrier":false,"driver":"e1000e"}]'
t_end

# The system to install: a tiny root with what the engine edits.
SRC=$T/src
R=$T/root
mkdir -p "$R/lib/modules/6.1.0-99-amd64" "$R/etc/systemd/system/getty@tty1.service.d" \
	"$R/lib/systemd/system" "$R/etc/croft" "$R/usr/share/zoneinfo/Europe" "$SRC"
printf 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n' >"$R/etc/shadow"
echo autologin >"$R/etc/systemd/system/getty@tty1.service.d/autologin.conf"
echo /etc/systemd/system/getty@tty1.service.d/autologin.conf >"$R/etc/croft/live-only"
for u in croftd croft-netd systemd-networkd ssh networking; do
	printf '[Unit]\nDescription=%s\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n' "$u" \
		>"$R/lib/systemd/system/$u.service"
done
printf '[Unit]\nDescription=serial getty\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=getty.target\n' \
	>"$R/lib/systemd/system/serial-getty@.service"
cp /usr/share/zoneinfo/Europe/Berlin "$R/usr/share/zoneinfo/Europe/Berlin" 2>/dev/null || echo tz >"$R/usr/share/zoneinfo/Europe/Berlin"
echo marker-$$ >"$R/etc/croft/marker"
mksquashfs "$R" "$SRC/filesystem.squashfs" -noappend -no-progress -quiet >/dev/null || die "mksquashfs failed"
echo kernel >"$SRC/vmlinuz"
echo initrd >"$SRC/initrd.img"

# The target: a 6 GiB sparse file on a loop device with partition scan;
# the fake sysfs names it (loop devices are never offered from /sys).
truncate -s 6G "$T/disk.img"
LOOP=$(losetup --find --show --partscan "$T/disk.img") || die "losetup failed"
LNAME=${LOOP#/dev/}
SYS2=$T/sys2
mkdir -p "$SYS2/block/$LNAME/device" "$SYS2/class/net"
echo $((6 * 1024 * 1024 * 2)) >"$SYS2/block/$LNAME/size"
echo "TESTDISK-$$" >"$SYS2/block/$LNAME/serial"
cp -a "$SYS/class/net/enp1s0" "$SYS2/class/net/" && cp -a "$SYS/devices" "$SYS/drivers" "$SYS2/"
HASH='$6$saltsalt$KRbxVGaKmHjKQpMNoGodw2ZOLa1vt2S9Cb6kPbV0/XKh/GuOxY3Q0GyDZ1oU8HG8T4hGSojoRkNjKXS1Hq0Vz1'
KEY="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHQ6QqZ3VQ2p3v9m7Y8x6N3s4nq5r0jQWm2c1bJZ7y0t test@croft"
cat >"$T/answer.ini" <<INI
[global]
hostname = box.home.example
timezone = Europe/Berlin
root-password-hashed = $HASH
root-ssh-key = $KEY

[network]
source = static
cidr = 192.168.1.10/24
gateway = 192.168.1.1
dns = 192.168.1.1
interface-name = enp1*

[disk]
filter-serial = TESTDISK-*
INI

export CROFT_INSTALL_LOCK=$T/install.lock
run_install() {   # ARGS... — croft-install against the loop disk, progress on fd 3 → $T/progress
	CROFT_SYSFS_ROOT=$SYS2 CROFT_INSTALL_ALLOW_LOOP=1 "$INSTALL" --source "$SRC" --no-bootloader \
		--progress-fd 3 "$@" 3>"$T/progress"
}

t_begin "--dry-run: the plan and progress lines, nothing written"
out=$(run_install --answer "$T/answer.ini" --dry-run 2>&1) || fail "exit $?: $out"
assert_contains "$out" "disk: $LOOP  6.0 GiB"
assert_contains "$out" "croft-root"
assert_contains "$out" "run: sfdisk"
assert_contains "$out" "write: /etc/fstab"
assert_contains "$(cat "$T/progress")" "progress 2 partitioning $LOOP"
assert_eq "$(tail -1 "$T/progress")" "done"
[ -z "$(blkid -p "$LOOP" 2>/dev/null)" ] || fail "the dry run wrote to $LOOP: $(blkid -p "$LOOP")"
t_end

t_begin "a bad answer or a filter matching no disk: the line, nothing written"
sed 's/^hostname = .*/hostnme = x/' "$T/answer.ini" >"$T/bad.ini"
expect_fail "" run_install --answer "$T/bad.ini"
assert_contains "$(cat "$T/progress")" "error $T/bad.ini: line 2: unknown key 'hostnme'"
sed 's/^filter-serial = .*/filter-serial = NOPE*/' "$T/answer.ini" >"$T/none.ini"
expect_fail "" run_install --answer "$T/none.ini"
grep -q "^error .*line 14: the \[disk\] filters match none" "$T/progress" || fail "no error naming the filter's line: $(cat "$T/progress")"
[ -z "$(blkid -p "$LOOP" 2>/dev/null)" ] || fail "a bad answer wrote to $LOOP"
t_end

t_begin "one install at a time: another installer holds the lock, this one names it and writes nothing"
# the other installer: a process holding flock(1) on the lock file, which
# says who it is as croft-install writes it
echo "the installer on /dev/ttyS0 (pid 4242)" >"$CROFT_INSTALL_LOCK"
(exec 9<>"$CROFT_INSTALL_LOCK" && flock -x 9 && exec sleep 600) &
LOCKPID=$!
for _ in $(seq 50); do flock -n "$CROFT_INSTALL_LOCK" true || break; sleep 0.1; done
expect_fail "" run_install --answer "$T/answer.ini"
assert_contains "$(cat "$T/progress")" "error another install is running: the installer on /dev/ttyS0 (pid 4242) is installing"
assert_contains "$(cat "$T/progress")" "this one writes nothing"
[ -z "$(blkid -p "$LOOP" 2>/dev/null)" ] || fail "the refused install wrote to $LOOP: $(blkid -p "$LOOP")"
kill "$LOCKPID"
wait "$LOCKPID" 2>/dev/null
LOCKPID=
t_end

t_begin "an install onto a loop device: GPT, file systems, the configured root"
# on a terminal of its own (script(1)'s pty), which the lock names
script -qec "CROFT_SYSFS_ROOT='$SYS2' CROFT_INSTALL_ALLOW_LOOP=1 '$INSTALL' --source '$SRC' \
	--no-bootloader --progress-fd 3 --answer '$T/answer.ini' 3>'$T/progress'" /dev/null >"$T/script.out" 2>&1 ||
	fail "exit $?: $(cat "$T/script.out") $(cat "$T/progress")"
grep -Eq "^the installer on /dev/pts/[0-9]+ \(pid [0-9]+\)$" "$CROFT_INSTALL_LOCK" ||
	fail "the lock does not name the install's terminal: $(cat "$CROFT_INSTALL_LOCK")"
assert_eq "$(tail -1 "$T/progress")" "done"
table=$(sfdisk -d "$LOOP")
assert_contains "$table" "label: gpt"
for n in croft-bios croft-esp croft-root croft-data; do assert_contains "$table" "name=\"$n\""; done
assert_eq "$(blkid -o value -s TYPE "${LOOP}p2") $(blkid -o value -s TYPE "${LOOP}p3") $(blkid -o value -s TYPE "${LOOP}p4")" "vfat ext4 ext4"
M=$T/mnt
mkdir -p "$M"
mount -o ro "${LOOP}p3" "$M" || fail "cannot mount the root"
assert_eq "$(cat "$M/etc/croft/marker")" "marker-$$"
assert_contains "$(cat "$M/etc/fstab")" "UUID=$(blkid -o value -s UUID "${LOOP}p3")  /"
assert_contains "$(cat "$M/etc/fstab")" "UUID=$(blkid -o value -s UUID "${LOOP}p2")  /boot/efi"
assert_contains "$(cat "$M/etc/fstab")" "UUID=$(blkid -o value -s UUID "${LOOP}p4")  /var/lib/croft/pools"
assert_eq "$(cat "$M/etc/hostname")" "box"
assert_contains "$(cat "$M/etc/systemd/network/10-croftbr0.network")" "Address=192.168.1.10/24"
assert_contains "$(cat "$M/etc/systemd/network/20-croft-uplink.network")" "Name=enp1s0"
assert_eq "$(head -1 "$M/etc/shadow")" "root:$HASH:19000:0:99999:7:::"
assert_eq "$(cat "$M/root/.ssh/authorized_keys")" "$KEY"
assert_eq "$(readlink "$M/etc/localtime")" "/usr/share/zoneinfo/Europe/Berlin"
[ ! -e "$M/etc/systemd/system/getty@tty1.service.d/autologin.conf" ] || fail "the live autologin is still there"
[ -L "$M/etc/systemd/system/multi-user.target.wants/croftd.service" ] || fail "croftd is not enabled"
assert_eq "$(cat "$M/boot/vmlinuz-6.1.0-99-amd64")" "kernel"
umount "$M"
t_end

t_begin "a failure mid-way (corrupt squashfs): an error naming the step, no partition table left"
head -c 4096 /dev/urandom >"$SRC/filesystem.squashfs"
expect_fail "" run_install --answer "$T/answer.ini"
grep -q "^error .*unsquashfs.*no partition table" "$T/progress" || fail "no error naming unsquashfs: $(cat "$T/progress")"
[ -z "$(blkid -p "$LOOP" 2>/dev/null)" ] || fail "$LOOP still has $(blkid -p "$LOOP")"
sfdisk -d "$LOOP" >/dev/null 2>&1 && fail "$LOOP still has a partition table"
grep -q "/run/croft-install" /proc/self/mounts && fail "a mount was left behind"
t_end

# --auto, as the live system's unit runs it: consoles replaced by a file,
# no power-off (CROFT_INSTALL_NO_POWER), a fake medium and command line.
auto() {   # ARGS... — croft-install --auto against the loop disk
	CROFT_SYSFS_ROOT=$SYS2 CROFT_INSTALL_ALLOW_LOOP=1 CROFT_INSTALL_NO_POWER=1 \
		CROFT_INSTALL_CONSOLES="$T/console" CROFT_LIVE_MEDIUM=$T/medium \
		CROFT_PROC_CMDLINE=$T/cmdline "$INSTALL" --auto --source "$T/src-ok" --no-bootloader \
		--progress-fd 3 "$@" 3>"$T/progress"
}
mkdir -p "$T/medium/croft" "$T/src-ok"
mksquashfs "$R" "$T/src-ok/filesystem.squashfs" -noappend -no-progress -quiet >/dev/null || die "mksquashfs failed"
cp "$SRC/vmlinuz" "$SRC/initrd.img" "$T/src-ok/"
echo "BOOT_IMAGE=/live/vmlinuz boot=live croft.install=auto" >"$T/cmdline"
: >"$T/console"

t_begin "--auto: no answer file anywhere: says where it looked, writes nothing"
expect_fail "" auto
grep -q "^error unattended install: no answer file (croft.answer=PATH, $T/medium/croft/answer.ini" "$T/progress" ||
	fail "no 'no answer file' line: $(cat "$T/progress")"
assert_contains "$(cat "$T/console")" "no answer file"
t_end

t_begin "--auto: the image's /croft/answer.ini, a bad one: its line on the console, nothing written"
cp "$T/bad.ini" "$T/medium/croft/answer.ini"
: >"$T/console"
expect_fail "" auto
assert_contains "$(cat "$T/console")" "line 2: unknown key 'hostnme'"
assert_contains "$(cat "$T/console")" "powering off"
[ -z "$(blkid -p "$LOOP" 2>/dev/null)" ] || fail "a bad answer wrote to $LOOP"
t_end

t_begin "--auto: croft.answer=PATH on the kernel command line wins; a dry run of it"
echo "BOOT_IMAGE=/live/vmlinuz boot=live croft.install=auto croft.answer=$T/answer.ini quiet" >"$T/cmdline"
out=$(auto --dry-run 2>&1) || fail "exit $?: $out $(cat "$T/progress")"
assert_contains "$(cat "$T/progress")" "progress 0 unattended install with the answer file $T/answer.ini"
assert_eq "$(tail -1 "$T/progress")" "done"
assert_contains "$out" "disk: $LOOP"
t_end

t_begin "--auto: the answer file on a partition labelled CROFT-AIS, found and mounted"
rm -f "$T/medium/croft/answer.ini"
echo "BOOT_IMAGE=/live/vmlinuz boot=live croft.install=auto quiet" >"$T/cmdline"
mkdir -p "$T/aisfiles"
printf '[first-boot]\nscript = /first.sh\n' | cat "$T/answer.ini" - >"$T/aisfiles/answer.ini"
printf '#!/bin/sh\necho first boot\n' >"$T/aisfiles/first.sh"
# ext4 (this machine's kernel has no vfat; the live system's has both)
truncate -s 16M "$T/ais.img"
mkfs.ext4 -q -L CROFT-AIS -d "$T/aisfiles" "$T/ais.img" || die "mkfs.ext4 failed"
AISLOOP=$(losetup --find --show "$T/ais.img") || die "losetup failed"
out=$(CROFT_AIS_MOUNT=$T/ais auto --dry-run 2>&1) || fail "exit $?: $out $(cat "$T/progress")"
assert_contains "$(cat "$T/progress")" "progress 0 unattended install with the answer file $T/ais/answer.ini"
assert_eq "$(tail -1 "$T/progress")" "done"
# the first-boot script is a path on the same partition
assert_contains "$out" "$T/ais//first.sh"
assert_eq "$(findmnt -n -o SOURCE "$T/ais")" "$AISLOOP"
umount "$T/ais"
t_end
