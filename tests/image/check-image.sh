#!/bin/bash
# check-image.sh BUILD — `make check-image`, the part that exists so far:
# build the appliance image (make iso) unless $CROFT_ISO names one, boot it
# under QEMU (TCG) once with SeaBIOS and once with OVMF, and check over the
# serial line that the live system comes up: GRUB's menu shows on the
# serial line, root is logged in on ttyS0, croftd and croft-netd are active
# (with KillMode=process), and `croft host info` answers (once croftd's
# socket is there: the units are Type=simple, croftd has no sd_notify).
#
# Not yet: the unattended install onto a blank disk, the reboot into it,
# and the checks on the installed system (issue 14, item 6) — the
# installer does not exist yet.  Each boot gets CROFT_IMAGE_BOOT_TIMEOUT
# seconds (default 900; TCG on a busy machine is slow).
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
OVMF=/usr/share/ovmf/OVMF.fd

ISO=${CROFT_ISO:-}
if [ -z "$ISO" ]; then
	make -C "$REPO" BUILD="$BUILD" iso || { echo "check-image: make iso failed" >&2; exit 1; }
	ISO=$BUILD/iso/croft-$VERSION-amd64.iso
fi
[ -f "$ISO" ] || { echo "check-image: no image $ISO" >&2; exit 1; }

T=$(mktemp -d /tmp/ci.XXXXXX)
QPID=
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	[ -n "${CHECK_IMAGE_KEEP:-}" ] || rm -rf "$T"
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

# boot FIRMWARE — boot the image, run the checks over ttyS0.
boot() {
	local fw=$1 log=$T/serial-$1.log sock=$T/serial-$1.sock start=$SECONDS fwargs=()
	[ "$fw" = uefi ] && fwargs=(-bios "$OVMF")
	: >"$log"
	qemu-system-x86_64 -accel tcg -machine q35 -m 1536 -smp 2 "${fwargs[@]}" \
		-cdrom "$ISO" -boot d -display none -no-reboot \
		-chardev "socket,id=ser0,path=$sock,server=on,wait=off" -serial chardev:ser0 \
		-monitor none -nic none >"$T/qemu-$fw.log" 2>&1 &
	QPID=$!
	if ! python3 "$HERE/serial.py" "$sock" "$log" "$TIMEOUT" 'root@croft-live[^#]*# ' \
		'systemctl is-active croft-netd croftd' \
		'systemctl show -p KillMode croftd croft-netd' \
		'for i in $(seq 60); do [ -S /run/croft/croftd.sock ] && break; sleep 1; done; croft host info' \
		'systemctl poweroff' 2>"$T/serial-$fw.err"; then
		# poweroff ends the line before its marker: that is fine
		grep -q 'croft host info' "$log" && grep -q 'CROFT-CMD-2-DONE' "$log" ||
			{ result fail "$fw: boot to the live system" "$(cat "$T/serial-$fw.err"); last lines: $(tail -5 "$log" | tr -d '\r')"; kill "$QPID"; wait "$QPID"; QPID=; return; }
	fi
	result pass "$fw: boot to the live system, root on ttyS0 ($((SECONDS - start))s)"
	# without carriage returns and terminal escapes (bracketed paste, colours)
	tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' >"$log.txt"
	grep -q "croft $VERSION" "$log.txt" && result pass "$fw: GRUB menu on the serial line" ||
		result fail "$fw: GRUB menu on the serial line" "no 'croft $VERSION' menu entry seen"
	if [ "$(grep -c '^active$' "$log.txt")" -ge 2 ]; then
		result pass "$fw: croftd and croft-netd active"
	else
		result fail "$fw: croftd and croft-netd active" "$(grep -A3 'is-active' "$log.txt" | tail -3)"
	fi
	[ "$(grep -c '^KillMode=process$' "$log.txt")" -ge 2 ] &&
		result pass "$fw: KillMode=process" ||
		result fail "$fw: KillMode=process" "$(grep KillMode= "$log.txt")"
	grep -q 'CROFT-CMD-2-DONE rc=0' "$log.txt" && grep -qi 'qemu' "$log.txt" &&
		result pass "$fw: croft host info answers" ||
		result fail "$fw: croft host info answers" "$(grep -A8 'croft host info' "$log.txt" | head -8)"
	local i
	for i in $(seq 60); do kill -0 "$QPID" 2>/dev/null || break; sleep 1; done
	kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null; QPID=
}

boot bios
boot uefi
echo "check-image: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
