#!/bin/bash
# test_boot.sh — how guests boot: from the GRUB ISO under SeaBIOS (default
# boot order cdrom,disk, and disk,cdrom falling through a blank disk), from
# the ISO under OVMF with a per-VM variable store, and with existing raw and
# qcow2 images attached by path (formats detected, both seen by the guest).
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

# stop_vm VM — hard stop, checked.
stop_vm() {
	expect_ok croft vm stop "$1" && assert_eq stopped "$(vmf "$1" .state)" "$1 state after stop"
}

# has_serial VM ERE — at least one serial.log line of VM matches.
has_serial() {
	[ "$(serial_count "$1" "$2")" -ge 1 ] || fail "$1: no '$2' on the serial console"
}

itest_setup
POOL="$T/state/pools/default"

# --- BIOS, ISO -------------------------------------------------------------------
t_begin "BIOS: boots the ISO with the default order cdrom,disk"
if expect_ok croft vm create iso --vcpus 1 --memory 256M --disk 32M --cdrom "$GUEST_ISO"; then
	got=$(vmf iso '"\(.firmware) \(.boot) \(.cdrom) \(.kernel) \(.disks | length)"')
	assert_eq "bios cdrom,disk $GUEST_ISO null 1" "$got" "vm info"
	if expect_ok croft vm start iso; then
		wait_serial iso 'CROFT-GUEST: ready' 120 &&
			{ has_serial iso 'CROFT-GUEST: booted from iso'
			  has_serial iso 'CROFT-GUEST: cdrom sr0'
			  has_serial iso 'CROFT-GUEST: disk vda 65536'; }
		assert_eq running "$(vmf iso .state)" "state"
		stop_vm iso
	fi
fi
t_end

t_begin "BIOS: boot order disk,cdrom falls through the blank disk to the CD"
if expect_ok croft vm edit iso --boot disk,cdrom; then
	assert_eq "disk,cdrom" "$(vmf iso .boot)" "boot after edit"
	if expect_ok croft vm start iso; then
		wait_serial iso 'CROFT-GUEST: ready' 120 && has_serial iso 'CROFT-GUEST: booted from iso'
		[ "$(serial_count iso 'CROFT-GUEST: booted')" -eq 1 ] || fail "serial.log not fresh, or booted twice"
		stop_vm iso
	fi
fi
if expect_ok croft vm delete iso; then
	[ -e "$POOL/iso-disk0.qcow2" ] && fail "iso's pool disk was not removed"
	[ -f "$GUEST_ISO" ] || fail "delete removed the cdrom image"
fi
t_end

# --- UEFI, ISO -------------------------------------------------------------------
t_begin "UEFI: per-VM OVMF_VARS.fd, boots the ISO, vars removed on delete"
VARS="$T/state/vm/efi/OVMF_VARS.fd"
if expect_ok croft vm create efi --vcpus 1 --memory 512M --firmware uefi --cdrom "$GUEST_ISO"; then
	assert_eq "uefi cdrom" "$(vmf efi '"\(.firmware) \(.boot)"')" "vm info"
	if [ -s "$VARS" ]; then
		tpl_size=$(stat -c %s /usr/share/OVMF/OVMF_VARS_4M.fd 2>/dev/null || stat -c %s /usr/share/OVMF/OVMF_VARS.fd)
		assert_eq "$tpl_size" "$(stat -c %s "$VARS")" "OVMF_VARS.fd size (the template's)"
	else
		fail "$VARS missing or empty after create"
	fi
	if expect_ok croft vm start efi; then
		pid=$(vmf efi .pid)
		cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
		assert_contains "$cmd" "opaque=pflash1" "QEMU command line (the variable store as an fd set)"
		# QEMU holds its own variable store, passed by croftd as a descriptor
		held=0
		for fd in "/proc/$pid/fd"/*; do
			[ "$(readlink "$fd")" = "$VARS" ] && held=1
		done
		[ "$held" = 1 ] || fail "QEMU has no descriptor on $VARS"
		wait_serial efi 'CROFT-GUEST: ready' 150 &&
			{ has_serial efi 'CROFT-GUEST: booted from iso'
			  has_serial efi 'CROFT-GUEST: cdrom sr0'; }
		assert_eq running "$(vmf efi .state)" "state"
		stop_vm efi
	fi
	[ -f "$VARS" ] || fail "$VARS gone after a run"
	if expect_ok croft vm delete efi; then
		in_list efi && fail "efi still listed"
		[ -e "$VARS" ] && fail "$VARS still exists after delete"
		[ -e "$T/state/vm/efi" ] && fail "$T/state/vm/efi still exists after delete"
	fi
fi
t_end

# --- attached images ---------------------------------------------------------------
t_begin "attach existing raw and qcow2 images by path"
IMG="$T/images"
mkdir -p "$IMG" && chmod 0755 "$IMG"
qemu-img create -q -f raw "$IMG/data.raw" 16M || fail "qemu-img create raw"
qemu-img create -q -f qcow2 "$IMG/data.qcow2" 48M || fail "qemu-img create qcow2"
if expect_ok croft vm create att --vcpus 1 --memory 128M --disk "$IMG/data.raw" --disk "$IMG/data.qcow2" \
	--kernel "$GUEST_KERNEL" --initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check"; then
	got=$(vmf att '[.disks[] | "\(.index):\(.path):\(.format):\(.size_bytes):\(.owned)"] | join(" ")')
	assert_eq "0:$IMG/data.raw:raw:16777216:false 1:$IMG/data.qcow2:qcow2:50331648:false" "$got" "disks"
	if expect_ok croft vm start att; then
		wait_serial att 'CROFT-GUEST: ready' 90 &&
			{ has_serial att 'CROFT-GUEST: disk vda 32768'
			  has_serial att 'CROFT-GUEST: disk vdb 98304'; }
		stop_vm att
	fi
	if expect_ok croft vm delete att --json; then
		assert_eq "" "$(echo "$EXPECT_OUT" | jq -r '.disks_removed | join(" ")')" "disks_removed"
		assert_eq "$IMG/data.raw $IMG/data.qcow2" "$(echo "$EXPECT_OUT" | jq -r '.disks_kept | join(" ")')" "disks_kept"
		[ -f "$IMG/data.raw" ] && [ -f "$IMG/data.qcow2" ] || fail "delete removed an attached image"
		assert_eq qcow2 "$(qemu-img info --output=json "$IMG/data.qcow2" | jq -r .format)" "qcow2 image after use"
	fi
fi
t_end
