#!/bin/bash
# build-iso.sh OUTDIR CROFT.DEB — `make iso`: the croft appliance image,
# OUTDIR/croft-VERSION-amd64.iso.
#
#   root      Debian 12 (bookworm) by mmdebstrap from Debian's archive only
#             (the apt sources of this machine, or $CROFT_MIRROR): a kernel,
#             live-boot, systemd (with systemd-resolved, which writes the
#             DHCP server's resolvers for the installed system's networkd),
#             QEMU, dnsmasq, nftables, the tools an
#             install needs (parted, mkfs, GRUB for BIOS and UEFI), SSH,
#             and the croft package; packed as a squashfs (xz)
#   boot      GRUB for BIOS and UEFI by grub-mkrescue, written by xorriso as
#             a hybrid image: the same file boots from a CD or a USB stick;
#             its menu is on the screen and on the serial line, with an
#             entry for each as the system console
#   live      root logs in by itself on tty1 and ttyS0; croftd and
#             croft-netd run (from the package's units)
#
# Needs root (mmdebstrap in root mode) and installer/install-deps.sh's
# packages.  The image must stay within 350 MB (CROFT_ISO_MAX_MB); a larger
# one is an error.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 OUTDIR CROFT.DEB" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "build-iso: must run as root (mmdebstrap builds the root as root)" >&2
	exit 2
fi
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
DEB=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
[ -f "$DEB" ] || { echo "build-iso: no package $DEB (make deb)" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(sed -n 's/^#define CROFT_VERSION "\(.*\)"/\1/p' "$REPO/common/proto.h")
ISO=$OUT/croft-$VERSION-amd64.iso
MAX_MB=${CROFT_ISO_MAX_MB:-350}
MIRROR=${CROFT_MIRROR:-}
for tool in mmdebstrap mksquashfs grub-mkrescue xorriso mformat; do
	command -v "$tool" >/dev/null || { echo "build-iso: $tool missing (installer/install-deps.sh)" >&2; exit 2; }
done

WORK=$OUT/work
rm -rf "$WORK"
mkdir -p "$WORK/iso/live" "$WORK/iso/boot/grub"
trap 'rm -rf "$WORK"' EXIT

PACKAGES=(
	linux-image-amd64 live-boot systemd-sysv udev kmod dbus
	ifupdown isc-dhcp-client iproute2 nftables dnsmasq-base
	qemu-system-x86 qemu-utils ovmf
	openssh-server ca-certificates less procps
	parted gdisk fdisk dosfstools e2fsprogs xfsprogs squashfs-tools tzdata
	grub-pc-bin grub-efi-amd64-bin grub2-common efibootmgr
	libinih1 libncursesw6 libjansson4 libsqlite3-0
)
include=$(IFS=,; echo "${PACKAGES[*]}")
# systemd-resolved comes with the croft package, in the last apt-get that
# downloads: its postinst points /etc/resolv.conf at its own stub, which
# does not answer in the chroot.

echo "build-iso: debootstrapping bookworm (mmdebstrap) into $WORK/root"
# shellcheck disable=SC2016
mmdebstrap --mode=root --variant=minbase --components=main \
	--include="$include" \
	--customize-hook='copy-in '"$DEB"' /tmp' \
	--customize-hook='chroot "$1" sh -ec "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/croft_*.deb systemd-resolved; rm -f /tmp/croft_*.deb"' \
	--customize-hook='echo croft-live >"$1/etc/hostname"' \
	--customize-hook='mkdir -p "$1/etc/systemd/system/getty@tty1.service.d" "$1/etc/systemd/system/serial-getty@ttyS0.service.d"' \
	--customize-hook='printf "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear %%I \$TERM\n" >"$1/etc/systemd/system/getty@tty1.service.d/autologin.conf"' \
	--customize-hook='printf "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %%I \$TERM\n" >"$1/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"' \
	--customize-hook='chroot "$1" systemctl enable serial-getty@ttyS0.service' \
	--customize-hook='printf "auto lo\niface lo inet loopback\n" >"$1/etc/network/interfaces"' \
	--customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
	--customize-hook='chroot "$1" sh -c "passwd -d root >/dev/null"' \
	--customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/usr/share/locale/*' \
	bookworm "$WORK/root" ${MIRROR:+"$MIRROR"} >"$OUT/mmdebstrap.log" 2>&1 || {
	tail -30 "$OUT/mmdebstrap.log" >&2
	echo "build-iso: mmdebstrap failed; the whole log is $OUT/mmdebstrap.log" >&2
	exit 1
}

# The SSH host keys are made on the live system's first boot, not here.
mkdir -p "$WORK/root/etc/systemd/system/multi-user.target.wants"
cat >"$WORK/root/etc/systemd/system/croft-ssh-keygen.service" <<'UNIT'
[Unit]
Description=SSH host keys for the croft live system
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
ln -sf ../croft-ssh-keygen.service "$WORK/root/etc/systemd/system/multi-user.target.wants/croft-ssh-keygen.service"

# The unattended install (croft-install --auto) when GRUB's automatic entry
# put croft.install=auto on the command line: it owns the console until it
# reboots (or powers off on a bad answer file), so the gettys wait.
cat >"$WORK/root/etc/systemd/system/croft-autoinstall.service" <<'UNIT'
[Unit]
Description=croft unattended install (answer file)
ConditionKernelCommandLine=croft.install=auto
After=systemd-udev-settle.service local-fs.target
Wants=systemd-udev-settle.service
Before=getty@tty1.service serial-getty@ttyS0.service

[Service]
Type=oneshot
ExecStart=/usr/sbin/croft-install --auto
StandardOutput=journal
StandardError=journal
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
ln -sf ../croft-autoinstall.service "$WORK/root/etc/systemd/system/multi-user.target.wants/croft-autoinstall.service"
# The attended installer: root's login on tty1 and ttyS0 (both log in by
# themselves) starts croft-installer; quitting it leaves a shell.
cat >"$WORK/root/root/.bash_profile" <<'PROFILE'
# croft live system: the installer on the local screen and the serial line.
case "$(tty)" in
/dev/tty1 | /dev/ttyS0)
	if [ -z "${CROFT_INSTALLER_RAN:-}" ]; then
		export CROFT_INSTALLER_RAN=1
		/usr/sbin/croft-installer
		echo "The installer has quit; croft-installer starts it again."
	fi ;;
esac
[ -f ~/.bashrc ] && . ~/.bashrc
PROFILE
# What only the live system has: croft-install removes these from the
# installed copy of this root.
mkdir -p "$WORK/root/etc/croft"
cat >"$WORK/root/etc/croft/live-only" <<'LIST'
/root/.bash_profile
/etc/systemd/system/getty@tty1.service.d/autologin.conf
/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf
/etc/systemd/system/croft-autoinstall.service
/etc/systemd/system/multi-user.target.wants/croft-autoinstall.service
LIST

kernel=$(find "$WORK/root/boot" -name 'vmlinuz-*' | sort | tail -1)
initrd=$(find "$WORK/root/boot" -name 'initrd.img-*' | sort | tail -1)
[ -n "$kernel" ] && [ -n "$initrd" ] || { echo "build-iso: no kernel or initrd in the root" >&2; exit 1; }
cp "$kernel" "$WORK/iso/live/vmlinuz"
cp "$initrd" "$WORK/iso/live/initrd.img"

echo "build-iso: squashfs"
mksquashfs "$WORK/root" "$WORK/iso/live/filesystem.squashfs" -comp xz -e boot -noappend \
	-no-progress >"$OUT/mksquashfs.log" 2>&1 || {
	tail -20 "$OUT/mksquashfs.log" >&2
	exit 1
}

cat >"$WORK/iso/boot/grub/grub.cfg" <<CFG
# croft $VERSION live image: the menu on the screen and on the serial line.
# With an answer file (/croft/answer.ini on this image, see croft-mkanswer,
# or a partition labelled CROFT-AIS) the automatic install is the default
# after 10 s.
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input console serial
terminal_output console serial
set timeout=5
set default=0
insmod part_gpt
insmod part_msdos
insmod fat
insmod ext2
set croft_ais=
search --no-floppy --label CROFT-AIS --set=croft_ais
if [ -f /croft/answer.ini -o -n "\$croft_ais" ]; then
	set default=auto
	set timeout=10
fi

menuentry "croft $VERSION (console on the screen)" {
	linux /live/vmlinuz boot=live components quiet console=ttyS0,115200n8 console=tty0
	initrd /live/initrd.img
}
menuentry "croft $VERSION (console on the serial line ttyS0)" {
	linux /live/vmlinuz boot=live components quiet console=tty0 console=ttyS0,115200n8
	initrd /live/initrd.img
}
menuentry "croft $VERSION automatic install (answer file; erases the disk it names)" --id auto {
	linux /live/vmlinuz boot=live components quiet console=tty0 console=ttyS0,115200n8 croft.install=auto
	initrd /live/initrd.img
}
CFG

echo "build-iso: GRUB (BIOS and UEFI) and the hybrid image"
rm -f "$ISO"
grub-mkrescue -o "$ISO" "$WORK/iso" -- -volid "CROFT_${VERSION//./_}" >"$OUT/grub-mkrescue.log" 2>&1 || {
	tail -20 "$OUT/grub-mkrescue.log" >&2
	exit 1
}
size_mb=$(( $(stat -c %s "$ISO") / 1048576 ))
if [ "$size_mb" -gt "$MAX_MB" ]; then
	echo "build-iso: $ISO is $size_mb MB, more than $MAX_MB MB" >&2
	exit 1
fi
echo "build-iso: $ISO ($size_mb MB)"
