#!/bin/bash
# install-deps.sh — install the Debian 12 packages croft needs to build, test
# and run.  Idempotent and fast when everything is present: only the missing
# packages are installed (apt-get update runs only then).
set -euo pipefail

PACKAGES=(
	# build
	build-essential pkg-config
	libsqlite3-dev sqlite3 libjansson-dev libcmocka-dev libncurses-dev
	libmnl-dev libnftnl-dev libmicrohttpd-dev
	libcrypt-dev            # the console hashes cloud-init passwords
	libsystemd-dev          # croftd and croft-netd: sd_notify (Type=notify units)
	clang libclang-rt-dev   # make fuzz: libFuzzer, ASan, UBSan
	# guests
	qemu-system-x86 qemu-utils ovmf
	# the test-guest fixture and the appliance ISO
	busybox-static cpio kmod xz-utils zstd gzip
	grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools
	mmdebstrap squashfs-tools
	# the install engine's tests (a loop-device install) and make check-image
	fdisk dosfstools e2fsprogs openssh-client openssl
	# make deb and the answer-file parser
	debhelper dpkg-dev fakeroot lintian libinih-dev
	libcrypt-dev   # croft-installer hashes the root password (yescrypt)
	# networking
	dnsmasq-base nftables iproute2
	# tests and tools
	tmux socat procps time python3 jq python3-cryptography
	openssh-client openssl  # test_cloudinit: ssh-keygen, openssl passwd
	# the monitor: promtool checks /metrics, node_exporter is the benchmark's baseline
	prometheus prometheus-node-exporter
)

# One dpkg-query for all; a package dpkg has never heard of prints nothing.
declare -A have=()
while read -r name status; do
	[ "$status" = installed ] && have[${name%%:*}]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for p in "${PACKAGES[@]}"; do
	[ -n "${have[$p]:-}" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: must run as root to install: ${missing[*]}" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
