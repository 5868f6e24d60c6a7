#!/bin/bash
# setup-host.sh — the host accounts and directories croft needs.  Idempotent.
#
#   group croft        may talk to croftd (/run/croft/croftd.sock is 0660 root:croft)
#   user  croft-qemu   runs the QEMU processes: system user, no login shell,
#                      no home, primary group croft-qemu, also in kvm (if the
#                      group exists).  Never in croft: a compromised QEMU must
#                      not be able to drive croftd.
#   uids and gids      one per VM: each VM's QEMU runs as its own uid and gid
#                      (no passwd entries) from croft-qemu's range in
#                      /etc/subuid and /etc/subgid, 65536 ids starting at
#                      1879048192 (0x70000000, above systemd's container
#                      range, below 2^31) or, if that overlaps another range
#                      or an existing user or group, the next free block of
#                      65536 up to 2^31.  croftd reads the range at start
#                      and gives each VM a slot of it (docs/security.md).
#   /var/lib/croft     0711 root:croft   (only when run as root; QEMU may
#   /run/croft         0711 root:croft    traverse, not list)
set -euo pipefail

RANGE_START=1879048192       # the documented default, 0x70000000
RANGE_COUNT=65536

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-host: not root; skipping accounts and directories (run as root: sudo $0)" >&2
	exit 0
fi

NOLOGIN=/usr/sbin/nologin
[ -x "$NOLOGIN" ] || NOLOGIN=/bin/false

if ! getent group croft >/dev/null; then
	groupadd --system croft
	echo "setup-host: created group croft"
fi

if ! getent passwd croft-qemu >/dev/null; then
	getent group croft-qemu >/dev/null || groupadd --system croft-qemu
	useradd --system --gid croft-qemu --no-create-home --home-dir /nonexistent \
		--shell "$NOLOGIN" --comment "croft QEMU guests" croft-qemu
	echo "setup-host: created user croft-qemu"
fi

# Supplementary group kvm, only if it exists.
if getent group kvm >/dev/null && ! id -nG croft-qemu | tr ' ' '\n' | grep -qx kvm; then
	usermod -a -G kvm croft-qemu
	echo "setup-host: added croft-qemu to group kvm"
fi
if id -nG croft-qemu | tr ' ' '\n' | grep -qx croft; then
	gpasswd -d croft-qemu croft >/dev/null
	echo "setup-host: removed croft-qemu from group croft"
fi

# QEMU (as croft-qemu) opens the persistent taps croft-netd creates for it
# through /dev/net/tun; the kernel's own default mode is 0666.
if [ ! -c /dev/net/tun ]; then
	mkdir -p /dev/net
	mknod -m 0666 /dev/net/tun c 10 200 && echo "setup-host: created /dev/net/tun"
elif [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
	chmod 0666 /dev/net/tun
	echo "setup-host: /dev/net/tun made 0666 (QEMU opens its taps through it)"
fi

# A subordinate-id file's range for croft-qemu: "START COUNT", or nothing.
subid_range() {
	awk -F: -v u=croft-qemu -v id="$(id -u croft-qemu)" \
		'($1 == u || $1 == id) && NF == 3 { print $2, $3; exit }' "$1" 2>/dev/null || true
}

# Is [start, start + count) free: no other entry of /etc/subuid or
# /etc/subgid overlaps it, and no user or group has an id inside?
range_free() {
	local start=$1 count=$2 f
	for f in /etc/subuid /etc/subgid; do
		[ -f "$f" ] || continue
		awk -F: -v s="$start" -v n="$count" \
			'NF == 3 && $2 < s + n && $2 + $3 > s { bad = 1 } END { exit bad }' "$f" || return 1
	done
	getent passwd | awk -F: -v s="$start" -v n="$count" \
		'$3 >= s && $3 < s + n { bad = 1 } END { exit bad }' || return 1
	getent group | awk -F: -v s="$start" -v n="$count" \
		'$3 >= s && $3 < s + n { bad = 1 } END { exit bad }' || return 1
}

uid_range=$(subid_range /etc/subuid)
gid_range=$(subid_range /etc/subgid)
if [ -z "$uid_range" ] || [ -z "$gid_range" ]; then
	start=$RANGE_START
	until range_free "$start" "$RANGE_COUNT"; do
		start=$((start + RANGE_COUNT))
		if [ "$start" -ge 2147483648 ]; then
			echo "setup-host: no free block of $RANGE_COUNT ids for croft-qemu below 2^31" >&2
			exit 1
		fi
	done
	for f in /etc/subuid /etc/subgid; do
		[ -f "$f" ] || install -m 0644 /dev/null "$f"
		if [ -z "$(subid_range "$f")" ]; then
			echo "croft-qemu:$start:$RANGE_COUNT" >>"$f"
			echo "setup-host: gave croft-qemu the ids $start-$((start + RANGE_COUNT - 1)) in $f"
		fi
	done
fi

for d in /var/lib/croft /run/croft; do
	install -d -m 0711 -o root -g croft "$d"
done
echo "setup-host: ok (croft-qemu: $(id croft-qemu); VM uids $(subid_range /etc/subuid | tr ' ' '+'))"
