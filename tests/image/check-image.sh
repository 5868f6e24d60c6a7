#!/bin/bash
# check-image.sh BUILD — `make check-image`: the appliance image end to end,
# under QEMU (TCG) on this machine.
#
#   1. the image: `make iso` (unless $CROFT_ISO names one), then two copies
#      by croft-mkanswer: one with a good answer file, one with a bad one;
#      the copies keep the image's boot structures (El Torito, MBR, GPT,
#      the Mac's APM and HFS+);
#   2. the image without an answer file, booted with SeaBIOS: the attended
#      installer's first screen on the serial line, then power off; then
#      the unattended install, booted with SeaBIOS (the image's BIOS boot)
#      onto a blank virtio disk: partitions, unpacks, GRUB for BIOS and
#      UEFI, reboots;
#   3. the installed disk booted with OVMF (its UEFI boot loader): on the
#      serial line the banner with the host's address and the ssh command,
#      root's login, the croft console drawing on ttyS0, a shell after it;
#      over SSH (a host-forwarded port on 127.0.0.1): croftd and croft-netd
#      active, the DHCP server's resolver (QEMU's 10.0.2.3) in
#      /etc/resolv.conf, croftbr0 with the host's address, the default pool on the
#      data partition, `croft host info` answering (and saying TCG: this
#      virtual CPU's emulated SVM is no usable KVM), a tiny VM (a multiboot
#      kernel that prints one line) created and started, a bridged network
#      on croftbr0 with a VLAN-tagged NIC (802.1Q + bridge VLAN filtering,
#      which this machine's own kernel lacks); then an upgrade to a newer
#      package (this tree with the version bumped, built in the background)
#      with that VM running: the same QEMU keeps running, the new croftd
#      answers and lists it running;
#   4. the installed disk booted with SeaBIOS (its BIOS boot loader): the
#      login prompt, croftd active over SSH;
#   5. a bad answer, booted with OVMF (the image's UEFI boot): GRUB starts
#      the automatic install by itself, which prints the line and the
#      problem on the serial line and powers off; the blank disk stays
#      blank.
#
# Each boot has its own timeout (CROFT_IMAGE_BOOT_TIMEOUT, default 900 s;
# the install 1800 s); the times are printed.  CHECK_IMAGE_KEEP=1 keeps
# the temp dir (serial logs, disks).
set -uo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "check-image: must run as root (make iso)" >&2
	exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=$(mkdir -p "$1" && cd "$1" && pwd)
VERSION=$(sed -n 's/^#define CROFT_VERSION "\(.*\)"/\1/p' "$REPO/common/proto.h")
TIMEOUT=${CROFT_IMAGE_BOOT_TIMEOUT:-900}
INSTALL_TIMEOUT=${CROFT_IMAGE_INSTALL_TIMEOUT:-1800}
OVMF=/usr/share/ovmf/OVMF.fd
PASSWORD=croft-image-test
START=$SECONDS

ISO=${CROFT_ISO:-}
if [ -z "$ISO" ]; then
	make -C "$REPO" BUILD="$BUILD" iso || { echo "check-image: make iso failed" >&2; exit 1; }
	ISO=$BUILD/iso/croft-$VERSION-amd64.iso
fi
[ -f "$ISO" ] || { echo "check-image: no image $ISO" >&2; exit 1; }
echo "check-image: image $ISO ready after $((SECONDS - START))s"

T=$(mktemp -d /tmp/ci.XXXXXX)
QPID=
DEBPID=
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	[ -n "$DEBPID" ] && wait "$DEBPID" 2>/dev/null   # its build in $T
	[ -n "${CHECK_IMAGE_KEEP:-}" ] && { echo "check-image: kept $T"; return; }
	rm -rf "$T"
}
trap cleanup EXIT

passed=0 failed=0
result() {   # pass|fail NAME [WHY]
	if [ "$1" = pass ]; then
		passed=$((passed + 1)); echo "PASS check-image: $2"
	else
		failed=$((failed + 1)); echo "FAIL check-image: $2: $3"
	fi
}
check() {   # NAME CMD... — pass when CMD succeeds, else fail with its output
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		result pass "$name"
	else
		result fail "$name" "$(tail -5 <<<"$out" | tr '\n' '|')"
	fi
}

# --- the answer files and the images that carry them -----------------------
ssh-keygen -q -t ed25519 -N '' -C check-image -f "$T/id" || exit 1
HASH=$(openssl passwd -6 -salt checkimage "$PASSWORD") || exit 1
cat >"$T/answer.ini" <<INI
[global]
hostname = croft-test.home.example
timezone = UTC
root-password-hashed = $HASH
root-ssh-key = $(cat "$T/id.pub")

[network]
source = dhcp

[disk]
filter-serial = CROFTDISK*
filesystem = ext4
INI
sed 's/^timezone = UTC/timezon = UTC/' "$T/answer.ini" >"$T/bad.ini"
"$REPO/installer/croft-mkanswer" "$ISO" "$T/answer.ini" "$T/auto.iso" >/dev/null &&
	"$REPO/installer/croft-mkanswer" "$ISO" "$T/bad.ini" "$T/bad.iso" >/dev/null ||
	{ echo "check-image: croft-mkanswer failed" >&2; exit 1; }
result pass "croft-mkanswer writes the answer file onto copies of the image"
# boot_structures ISO — its MBR, GPT, APM (the Mac's HFS+ part) and El
# Torito boot images (the new session's catalog has a place of its own)
boot_structures() {
	xorriso -indev "$1" -report_system_area plain -report_el_torito plain 2>/dev/null |
		grep -E '^(GPT|APM|MBR|El Torito|Boot record)' | grep -v '^El Torito catalog'
}
if out=$(diff <(boot_structures "$ISO") <(boot_structures "$T/auto.iso")) &&
	grep -q 'HFSPLUS' <(boot_structures "$T/auto.iso") &&
	[ "$(blkid -p -o value -s UUID "$ISO")" = "$(blkid -p -o value -s UUID "$T/auto.iso")" ]; then
	result pass "croft-mkanswer keeps the image's boot structures (El Torito, MBR, GPT, APM and HFS+) and its volume id"
else
	result fail "croft-mkanswer keeps the image's boot structures" "$(head -5 <<<"$out" | tr '\n' '|')"
fi
as --32 -o "$T/tiny.o" "$HERE/tiny-kernel.S" && ld -m elf_i386 -Ttext=0x100000 -o "$T/tiny.elf" "$T/tiny.o" ||
	{ echo "check-image: cannot build the tiny guest kernel" >&2; exit 1; }

# qemu_start NAME FIRMWARE DISK ARGS... — a VM in the background with the
# virtio disk $T/DISK.qcow2 (serial CROFTDISK1, as the answer file asks),
# its serial line on $T/NAME.sock (logged by expect.py to $T/NAME.log);
# pid in QPID.
qemu_start() {
	local name=$1 fw=$2 fwargs=()
	# shellcheck disable=SC2054  # -device takes commas
	fwargs=(-drive "file=$T/$3.qcow2,if=none,id=d0,format=qcow2" -device virtio-blk-pci,drive=d0,serial=CROFTDISK1)
	shift 3
	[ "$fw" = uefi ] && fwargs+=(-bios "$OVMF")
	: >"$T/$name.log"
	qemu-system-x86_64 -accel tcg -machine q35 -m 2048 -smp 2 "${fwargs[@]}" \
		-display none -no-reboot -monitor none \
		-chardev "socket,id=ser0,path=$T/$name.sock,server=on,wait=off" -serial chardev:ser0 \
		"$@" >"$T/qemu-$name.log" 2>&1 &
	QPID=$!
}
qemu_wait_exit() {   # SECS — 0 when QEMU exited by itself within SECS
	local i
	for ((i = 0; i < $1; i++)); do
		kill -0 "$QPID" 2>/dev/null || { wait "$QPID"; QPID=; return 0; }
		sleep 1
	done
	return 1
}
qemu_stop() {
	[ -n "$QPID" ] || return 0
	kill "$QPID" 2>/dev/null
	wait "$QPID" 2>/dev/null
	QPID=
}
disk_blank() {   # QCOW2 — no data cluster was ever written
	qemu-img map --output=json "$1" | jq -e 'all(.[]; .data == false)' >/dev/null
}
expect() {   # NAME STEP... — drive NAME's serial line (expect.py)
	local name=$1
	shift
	python3 "$HERE/expect.py" "$T/$name.sock" "$T/$name.log" "$@" 2>"$T/$name.err"
}
lastlines() { tail -c 600 "$T/$1.log" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | tail -6 | tr '\n' '|'; }

# The upgrade test's newer package: this tree with the version bumped,
# built by make deb in the background while the image boots.
V2=${VERSION%.*}.$((${VERSION##*.} + 1))
bumped_deb() {
	local src=$T/src2
	mkdir -p "$src"
	tar -C "$REPO" --exclude=./.git --exclude=./build --exclude=./.croft-local \
		--exclude=./debian/build --exclude=./debian/croft --exclude=./debian/.debhelper -cf - . |
		tar -C "$src" -xf -
	sed -i "s/^#define CROFT_VERSION \".*\"/#define CROFT_VERSION \"$V2\"/" "$src/common/proto.h"
	{
		printf 'croft (%s-1) UNRELEASED; urgency=medium\n\n  * The upgrade test of make check-image.\n\n' "$V2"
		printf ' -- croft developers <croft@example.org>  %s\n\n' "$(date -R)"
		cat "$src/debian/changelog"
	} >"$src/debian/changelog.new" && mv "$src/debian/changelog.new" "$src/debian/changelog"
	"$src/installer/build-deb.sh" "$T/deb2" >"$T/deb2.log" 2>&1
}
bumped_deb &
DEBPID=$!

# --- 2. the live image without an answer file: the attended installer -----
# on the serial line (root logs in by itself there); ^C quits it, and at
# the shell's prompt (typed only then: leaving the installer flushes the
# terminal's input) the live system powers off.
qemu-img create -q -f qcow2 "$T/live.qcow2" 1G
t0=$SECONDS
qemu_start live bios live -cdrom "$ISO" -nic none
if expect live \
	"expect:$TIMEOUT:"'Welcome(\x1b\[[0-9;]*[A-Za-z]| )+to(\x1b\[[0-9;]*[A-Za-z]| )+croft' \
	"send:\x03" "expect:60:The installer has quit" "poke:60:(:~|bash-[0-9.]+)# " \
	"send:systemctl poweroff\r" "expect:180:reboot: Power down" &&
	qemu_wait_exit 60; then
	result pass "live image, no answer file: the attended installer's first screen on ttyS0, then power off ($((SECONDS - t0))s)"
else
	result fail "live image, no answer file: the attended installer on ttyS0" "$(cat "$T/live.err") last: $(lastlines live)"
	qemu_stop
fi
disk_blank "$T/live.qcow2" || result fail "the attended installer left the disk alone" "data on $T/live.qcow2"

# --- 2b. the unattended install --------------------------------------------
qemu-img create -q -f qcow2 "$T/disk.qcow2" 10G
t0=$SECONDS
qemu_start install bios disk -cdrom "$T/auto.iso" \
	-nic user,model=virtio-net-pci
if expect install "expect:$TIMEOUT:automatic install" "expect:$INSTALL_TIMEOUT:croft is installed|error" &&
	grep -aq "croft is installed" "$T/install.log" && qemu_wait_exit 300; then
	result pass "bios: the unattended install onto a blank disk ($((SECONDS - t0))s)"
else
	result fail "bios: the unattended install" "$(cat "$T/install.err") last: $(lastlines install)"
	qemu_stop
	echo "check-image: $passed passed, $failed failed ($((SECONDS - START))s)"
	exit 1
fi

# --- 3. the installed system, UEFI ------------------------------------------
PORT=$((20000 + RANDOM % 20000))
SSH=(ssh -i "$T/id" -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ConnectTimeout=20 -o BatchMode=yes root@127.0.0.1)
on() { "${SSH[@]}" "$@"; }
t0=$SECONDS
qemu_start uefi uefi disk \
	-nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$PORT-:22"
if expect uefi "poke:$TIMEOUT:ssh root@10\.0\.2\.15" "expect:60:login: "; then
	result pass "uefi: the installed system boots; the banner names its address and ssh ($((SECONDS - t0))s)"
else
	result fail "uefi: the installed system boots to the login banner" "$(cat "$T/uefi.err") last: $(lastlines uefi)"
fi
if expect uefi "send:root\r" "expect:60:Password: " "send:$PASSWORD\r" "expect:120:Quit" \
	"send:q" "expect:60:the console has ended" "send:echo SHELL-\$((6*7))\r" "expect:30:SHELL-42"; then
	result pass "uefi: root logs in on ttyS0, the croft console draws there, leaving it gives a shell"
else
	result fail "uefi: login and the console on ttyS0" "$(cat "$T/uefi.err") last: $(lastlines uefi)"
fi
for _ in $(seq 60); do on true 2>/dev/null && break; sleep 2; done
check "ssh: root logs in with the answer file's key" on true
check "croftd and croft-netd are active" on 'systemctl is-active croftd croft-netd'
check "the DHCP server's DNS resolver in /etc/resolv.conf (systemd-resolved)" \
	on 'systemctl is-active systemd-resolved && grep -q "^nameserver 10\.0\.2\.3$" /etc/resolv.conf'
check "croftbr0 carries the host's address" on 'ip -4 -o addr show dev croftbr0 | grep -q "10\.0\.2\.15/"'
check "the default pool lives on the data partition" \
	on 'findmnt -n -o SOURCE /var/lib/croft/pools | grep -q "vda4" && croft pool list | grep -q "/var/lib/croft/pools/default"'
out=$(on 'for i in $(seq 60); do [ -S /run/croft/croftd.sock ] && break; sleep 1; done; croft host info' 2>&1)
if grep -qi qemu <<<"$out"; then result pass "croft host info answers"; else result fail "croft host info answers" "$out"; fi
if grep -qi "tcg" <<<"$out" && ! grep -qi "KVM: /dev/kvm is usable" <<<"$out"; then
	result pass "croft host info: TCG inside TCG (no KVM claimed)"
else
	result fail "croft host info: TCG inside TCG" "$(grep -i -E 'kvm|tcg|accel' <<<"$out")"
fi
scp -q -i "$T/id" -P "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-o LogLevel=ERROR "$T/tiny.elf" root@127.0.0.1:/var/lib/croft/pools/iso/tiny.elf
check "a tiny VM is created and started, its line on its serial console" on '
	croft vm create tiny --memory 64M --kernel /var/lib/croft/pools/iso/tiny.elf &&
	croft vm start tiny &&
	for i in $(seq 120); do croft vm log tiny 2>/dev/null | grep -q "hello from inside" && exit 0; sleep 1; done
	croft vm log tiny; exit 1'
check "a bridged network on croftbr0" on '
	croft net create lan --mode bridged --uplink croftbr0 && croft net list | grep -q croftbr0'
check "a VLAN-tagged NIC on the bridged network (802.1Q, bridge VLAN filtering)" on '
	croft vm stop tiny >/dev/null 2>&1; sleep 2
	croft vm nic add tiny --net lan --vlan 42 && croft vm start tiny &&
	for i in $(seq 30); do [ "$(bridge vlan show | grep -c "\<42\>")" -ge 2 ] && exit 0; sleep 1; done
	bridge vlan show; exit 1'
debrc=0
wait "$DEBPID" || debrc=$?
DEBPID=
DEB2=$T/deb2/croft_$V2-1_$(dpkg --print-architecture).deb
if [ "$debrc" -eq 0 ] && [ -f "$DEB2" ]; then
	scp -q -i "$T/id" -P "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR "$DEB2" root@127.0.0.1:/root/croft-new.deb
	# the guest runs (whatever the VLAN check left); [g] keeps pgrep off its own shell
	before=$(on 'croft vm start tiny >/dev/null 2>&1
		for i in $(seq 30); do croft vm list | grep -Eq "tiny +running" && break; sleep 1; done
		pgrep -f "[g]uest=tiny," | head -1')
	out=$(on "dpkg -i /root/croft-new.deb >/root/upgrade.log 2>&1 || { tail -5 /root/upgrade.log; exit 1; }
		for i in \$(seq 60); do croft version 2>/dev/null | grep -q '^croftd $V2' && break; sleep 1; done
		croft version; dpkg-query -W croft; croft vm list" 2>&1)
	after=$(on 'pgrep -f "[g]uest=tiny," | head -1')
	if [ -n "$before" ] && [ "$before" = "$after" ] && grep -q "$V2-1" <<<"$out" &&
		grep -q "^croftd $V2" <<<"$out" && grep -E -q "tiny +running" <<<"$out"; then
		result pass "an upgrade to croft $V2 with a guest running: the guest keeps running (pid $before), re-adopted"
	else
		result fail "an upgrade to croft $V2 with a guest running" "pid $before -> $after; $(tr '\n' '|' <<<"$out")"
	fi
else
	result fail "an upgrade to croft $V2" "the newer package was not built: $(tail -5 "$T/deb2.log" | tr '\n' '|')"
fi
on 'systemctl poweroff' >/dev/null 2>&1
qemu_wait_exit 120 || qemu_stop

# --- 4. the installed system, BIOS ------------------------------------------
t0=$SECONDS
qemu_start bios bios disk \
	-nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$PORT-:22"
if expect bios "poke:$TIMEOUT:login: "; then
	for _ in $(seq 60); do on true 2>/dev/null && break; sleep 2; done
	check "bios: the installed system boots (GRUB for BIOS), croftd active ($((SECONDS - t0))s)" \
		on 'systemctl is-active croftd'
else
	result fail "bios: the installed system boots" "$(cat "$T/bios.err") last: $(lastlines bios)"
fi
on 'systemctl poweroff' >/dev/null 2>&1
qemu_wait_exit 120 || qemu_stop

# --- 5. a bad answer: stops before any disk is written, powers off -----------
qemu-img create -q -f qcow2 "$T/bad.qcow2" 10G
t0=$SECONDS
qemu_start bad uefi bad -cdrom "$T/bad.iso" -nic none
if expect bad "expect:$TIMEOUT:automatic install" "expect:$TIMEOUT:line 3: unknown key 'timezon'" &&
	qemu_wait_exit 180; then
	result pass "uefi: a bad answer file: the line on the serial line, then power off ($((SECONDS - t0))s)"
else
	result fail "uefi: a bad answer file" "$(cat "$T/bad.err") last: $(lastlines bad)"
	qemu_stop
fi
check "a bad answer file wrote nothing to the disk" disk_blank "$T/bad.qcow2"

echo "check-image: $passed passed, $failed failed ($((SECONDS - START))s)"
[ "$failed" -eq 0 ]
