#!/bin/bash
# setup-host.sh — the host accounts and directories croft needs.  Idempotent.
#
#   group croft        may talk to croftd (/run/croft/croftd.sock is 0660 root:croft)
#   user  croft-qemu   runs the QEMU processes: system user, no login shell,
#                      no home, primary group croft-qemu, also in kvm (if the
#                      group exists).  Never in croft: a compromised QEMU must
#                      not be able to drive croftd.
#   /var/lib/croft     0711 root:croft   (only when run as root; QEMU may
#   /run/croft         0711 root:croft    traverse, not list)
set -euo pipefail

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

for d in /var/lib/croft /run/croft; do
	install -d -m 0711 -o root -g croft "$d"
done
echo "setup-host: ok (croft-qemu: $(id croft-qemu))"
