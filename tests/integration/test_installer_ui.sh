#!/bin/bash
# test_installer_ui.sh — the attended installer, croft-installer, in tmux
# at 80x24, driving the real croft-install in --dry-run mode against a fake
# sysfs tree ($T/sys: two disks, one with partitions, and two NICs).
#
#   xterm, 80x24   every screen in order (in colour; r rescans the disks);
#                  invalid input is refused as it is typed (hostname,
#                  address, gateway, password, key); the summary; the
#                  dry-run install to its end with the progress bar; the
#                  answer file written is checked (and croft-install takes
#                  it again), the private copy is gone
#   vt100 and TERM=linux, 80x24
#                  the same walk with DHCP and an SSH key only, Esc going
#                  back, and nothing but ASCII on the wire
#   --answer       an answer file with problems: they are listed on the
#                  welcome screen, its good answers are filled in, its
#                  disk and NIC chosen
#   a failure      the chosen disk vanishes before the install: the
#                  engine's error is shown, retry fails the same, Back
#                  returns to the summary, and once the disk is back retry
#                  installs; croft-install missing: the disk screen says so
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"

itest_need_root test_installer_ui.sh
for f in croft-install croft-installer; do
	[ -x "$BUILD/$f" ] || { echo "test_installer_ui: $BUILD/$f missing (make all)" >&2; exit 2; }
done
itest_tmpdir 'rc=$?; tmux_teardown; (exit $rc); itest_teardown'
TMUX_SOCK=$T/tmux.sock
mkdir -p "$T/tmp"

KEY="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP4K9ySMGK0yOkr6bFUWDpjfwIRFf1GJ8UlnXzRVZ5vE admin@laptop"

# --- the fake sysfs -------------------------------------------------------------

SYS=$T/sys
fake_disk() {   # NAME SECTORS MODEL SERIAL REMOVABLE ROTATIONAL
	mkdir -p "$SYS/block/$1/device" "$SYS/block/$1/queue"
	echo "$2" >"$SYS/block/$1/size"
	echo "$3" >"$SYS/block/$1/device/model"
	echo "$4" >"$SYS/block/$1/device/serial"
	echo "$5" >"$SYS/block/$1/removable"
	echo "$6" >"$SYS/block/$1/queue/rotational"
}
fake_part() {   # DISK PART SECTORS
	mkdir -p "$SYS/block/$1/$2"
	echo "$3" >"$SYS/block/$1/$2/size"
}
fake_nic() {   # NAME MAC CARRIER DRIVER
	mkdir -p "$SYS/class/net/$1" "$SYS/devices/pci/$1" "$SYS/bus/pci/drivers/$4"
	ln -sfn "$SYS/devices/pci/$1" "$SYS/class/net/$1/device"
	ln -sfn "$SYS/bus/pci/drivers/$4" "$SYS/devices/pci/$1/driver"
	echo "$2" >"$SYS/class/net/$1/address"
	echo "$3" >"$SYS/class/net/$1/carrier"
}
fake_disk sda 41943040 "QEMU HARDDISK" QM00001 0 1      # 20 GiB
fake_part sda sda1 1048576                              # 512 MiB
fake_part sda sda2 40890368
fake_disk sdb 31266816 "Cruzer Blade" 4C530001 1 0      # 14.9 GiB, a USB stick
fake_nic enp1s0 52:54:00:12:34:56 1 virtio_net
fake_nic enp2s0 52:54:00:ab:cd:ef 0 e1000e
export CROFT_SYSFS_ROOT=$SYS
# what croft-install's dry run wants of the system to install
mkdir -p "$T/live"
: >"$T/live/filesystem.squashfs"
: >"$T/live/vmlinuz"
: >"$T/live/initrd.img"

# ui_start NAME TERM — the installer in a new 80x24 session; its exit status
# goes to $T/tmux-NAME.status, the answer file it writes to $T/NAME.ini.
ui_start() {
	rm -f "$T/tmux-$1.status"
	tmux_cmd new-session -d -s "$1" -x 80 -y 24 \
		"env TERM=$2 TMPDIR=$T/tmp CROFT_SYSFS_ROOT=$SYS $BUILD/croft-installer --dry-run \
		--engine $BUILD/croft-install --source $T/live --save-answer $T/$1.ini; echo \$? >$T/tmux-$1.status" \; \
		set-option -t "$1" remain-on-exit on || fail "tmux could not start $1"
	tmux_cmd set-option -t "$1" window-size manual >/dev/null 2>&1 || true
}

ini() {   # FILE KEY — the value of KEY in an answer file
	sed -n "s/^$2 = //p" "$1"
}

longest_line() {
	tmux_cap "$1" | sed 's/ *$//' | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'
}

# --- xterm: every screen ----------------------------------------------------------

t_begin "xterm 80x24: every screen, errors as typed, the summary"
ui_start x xterm-256color
tmux_wait x 'Welcome to croft' 5
tmux_wait x 'step 1 of 10' 1
tmux_keys x Enter
# the disks: model, size, serial, path; the removable one marked; the warning
tmux_wait x '^  sda +QEMU HARDDISK +20G +QM00001 +hdd' 5
tmux_has x '^  sdb +Cruzer Blade +14.9G +4C530001 +removable' || fail "sdb not listed as removable"
tmux_has x 'Installing erases ALL of /dev/sda \(QEMU HARDDISK, 20G, serial QM00001\):' ||
	fail "no erase warning for sda"
tmux_has x 'its 2 partitions sda1 512M, sda2 19.5G, and every file in them' ||
	fail "the warning does not name sda's partitions"
# colours are in use on this terminal
tmux_cap_raw x | grep -q $'\e\\[[0-9;]*3[0-7]m\\|\e\\[[0-9;]*4[0-7]m' || fail "no colour on xterm"
# r looks again: a disk plugged in now shows, and goes when it is gone
fake_disk sdc 62914560 "SanDisk Ultra" 0401ffff 1 0
tmux_keys x r
tmux_wait x '^  sdc +SanDisk Ultra +30G +0401ffff +removable' 3
rm -rf "$SYS/block/sdc"
tmux_keys x r
tmux_wait_gone x 'SanDisk' 3
tmux_keys x Down
tmux_wait x 'erases ALL of /dev/sdb \(Cruzer Blade, 14.9G, serial 4C530001,$' 3
tmux_has x '^  removable\):' || fail "sdb not called removable in the warning"
tmux_wait x 'This disk is removable' 1
tmux_keys x Up Enter
# the layout of a 20 GiB disk
tmux_wait x '/dev/sda \(20G\) gets a new GPT partition table' 3
tmux_has x '1  BIOS boot +1M  \(GRUB, legacy BIOS\)' || fail "layout: BIOS boot"
tmux_has x '2  EFI system \(FAT32\) +512M  /boot/efi' || fail "layout: ESP"
tmux_has x '3  root \(ext4\) +5G  /$' || fail "layout: root"
tmux_has x '4  croft data \(ext4\) +14.5G  /var/lib/croft/pools' || fail "layout: data"
tmux_keys x Space
tmux_wait x '\(\*\) xfs' 2
tmux_wait x '3  root \(xfs\) +5G' 1
[ "$(longest_line x)" -le 80 ] || fail "a row is longer than 80 columns"
tmux_keys x Enter
# the hostname, refused as typed
tmux_wait x 'The name of this box on your network' 3
tmux_type x 'Box_1'
tmux_wait x "hostname 'Box_1': only lower-case letters, digits, '-' and '\.'" 2
tmux_keys x Enter
tmux_wait x 'step 4 of 10' 1
tmux_keys x C-u
tmux_type x 'croft1'
tmux_wait_gone x 'only lower-case' 2
tmux_keys x Enter
# the NICs and the bridge
tmux_wait x '^  enp1s0 +52:54:00:12:34:56 +link up +virtio_net' 3
tmux_has x '^  enp2s0 +52:54:00:ab:cd:ef +no link +e1000e' || fail "enp2s0 not listed"
tmux_has x 'a bridge, croftbr0' || fail "croftbr0 is not explained"
tmux_has x 'croftbr0 goes over enp1s0 \(52:54:00:12:34:56, link up, virtio_net\)' ||
	fail "the NIC chosen is not named"
tmux_keys x Down
tmux_wait x 'croftbr0 goes over enp2s0' 2
tmux_keys x Enter
# a static address; the gateway refused as typed
tmux_wait x 'Address from +\(\*\) DHCP' 3
tmux_keys x Space Tab
tmux_type x '192.168.1.10/33'
tmux_wait x "address: the prefix '33' is not 8-32" 2
tmux_keys x BSpace BSpace
tmux_type x '24'
tmux_keys x Tab
tmux_type x '10.0.0.1'
tmux_wait x "gateway is outside the address's subnet" 2
tmux_keys x C-u
tmux_type x '192.168.1.1'
tmux_keys x Tab
tmux_type x '1.1.1.1, 9.9.9.9'
tmux_wait_gone x 'outside the' 2
tmux_keys x Enter
# the root login: short, then different, then right
tmux_wait x 'A password for root, an SSH public key, or both' 3
tmux_type x 'short'
tmux_wait x 'the password is too short \(5 characters; at least 8\)' 2
tmux_has x 'Root password +! \*{5} +x$' || fail "the password is not masked"
tmux_keys x C-u
tmux_type x 'correct horse'
tmux_keys x Tab
tmux_type x 'correct horsf'
tmux_wait x 'the two passwords differ' 2
tmux_keys x BSpace
tmux_type x 'e'
tmux_keys x Tab
tmux_type x 'ssh-rsa AAAA'
tmux_wait x 'ssh key: ' 2
tmux_keys x C-u
tmux_type x "$KEY"
tmux_wait_gone x 'two passwords|ssh key: ' 2
tmux_keys x Enter
# the time zone, by search
tmux_wait x 'Search:' 3
tmux_type x 'berl'
tmux_wait x '^  Europe/Berlin' 3
tmux_wait x '1 of [0-9]+ zones' 1
tmux_keys x Enter
# the summary
tmux_wait x 'Target disk +/dev/sda  QEMU HARDDISK, 20G, serial QM00001  \(ERASED\)' 3
tmux_has x 'Layout +GPT: 1M BIOS boot, 512M EFI, 5G root \(xfs\), 14.5G for' || fail "summary: layout"
tmux_has x 'Hostname +croft1' || fail "summary: hostname"
tmux_has x 'Network +enp2s0 \(52:54:00:ab:cd:ef, no link, e1000e\), bridge croftbr0,' ||
	fail "summary: network"
tmux_has x '^ +192.168.1.10/24 via 192.168.1.1, DNS 1.1.1.1, 9.9.9.9$' || fail "summary: address"
tmux_has x 'Root login +password \(yescrypt hash\); SSH key ssh-ed25519 admin@laptop' ||
	fail "summary: login"
tmux_has x 'Time zone +Europe/Berlin' || fail "summary: time zone"
[ "$(longest_line x)" -le 80 ] || fail "a row is longer than 80 columns"
# resized, the screen follows; back at 80x24 nothing is left over
tmux_resize x 120 40
wait_for 5 eval '[[ "$(tmux_line x 40)" == EnterInstall* ]]'
tmux_resize x 80 24
wait_for 5 eval '[[ "$(tmux_line x 24)" == EnterInstall* ]]'
tmux_wait x 'Time zone +Europe/Berlin' 2
[ "$(longest_line x)" -le 80 ] || fail "a row is longer than 80 columns after the resize"
t_end

t_begin "xterm: the dry-run install runs the real croft-install to its end"
tmux_keys x Enter
tmux_wait x 'Erase /dev/sda \(QEMU HARDDISK, 20G, serial QM00001\) and install croft on it\?' 2
tmux_keys x n
tmux_wait_gone x 'and install croft on it' 2
tmux_keys x Enter
tmux_wait x 'and install croft on it' 2
tmux_keys x y
tmux_wait x 'Installing croft onto /dev/sda' 5
tmux_wait x 'Dry run finished' 60
tmux_has x '^  \[#{70,}100%\]' || fail "the progress bar is not full"
tmux_has x '^  +[0-9]+%  ' || fail "no progress steps in the log"
tmux_has x '^  done' || fail "the log lacks 'done'"
tmux_keys x Enter
assert_eq 0 "$(tmux_wait_dead x 5)" "exit status"
t_end

t_begin "xterm: the answer file written"
A=$T/x.ini
[ -f "$A" ] || die "no answer file saved"
assert_eq 600 "$(stat -c %a "$A")" "answer file mode"
assert_eq croft1 "$(ini "$A" hostname)" "hostname"
assert_eq Europe/Berlin "$(ini "$A" timezone)" "timezone"
[[ "$(ini "$A" root-password-hashed)" == '$y$'* ]] || fail "no yescrypt hash: $(ini "$A" root-password-hashed)"
grep -q 'correct' "$A" && fail "the password is in the answer file in clear"
assert_eq "$KEY" "$(ini "$A" root-ssh-key)" "ssh key"
assert_eq static "$(ini "$A" source)" "source"
assert_eq 192.168.1.10/24 "$(ini "$A" cidr)" "cidr"
assert_eq 192.168.1.1 "$(ini "$A" gateway)" "gateway"
assert_eq "1.1.1.1, 9.9.9.9" "$(ini "$A" dns)" "dns"
assert_eq 52:54:00:ab:cd:ef "$(ini "$A" interface-mac)" "interface-mac"
assert_eq QM00001 "$(ini "$A" filter-serial)" "filter-serial"
assert_eq "QEMU HARDDISK" "$(ini "$A" filter-model)" "filter-model"
assert_eq 20971520K-20971520K "$(ini "$A" filter-size)" "filter-size"
assert_eq xfs "$(ini "$A" filesystem)" "filesystem"
# the password hash is the password's
python3 -c 'import crypt,sys; h=sys.argv[1]; sys.exit(crypt.crypt("correct horse", h) != h)' \
	"$(ini "$A" root-password-hashed)" 2>/dev/null || fail "the hash is not of 'correct horse'"
expect_ok "$BUILD/croft-install" --answer "$A" --dry-run --source "$T/live"
[ -z "$(ls -A "$T/tmp")" ] || fail "the private answer file was left behind: $(ls "$T/tmp")"
t_end

# --- vt100 ---------------------------------------------------------------------------

# walk_dhcp NAME TERM — DHCP and an SSH key only, Esc going back on the
# way; nothing but ASCII reaches the terminal.
walk_dhcp() {
	local v=$1 raw=$T/raw-$1.out A=$T/$1.ini
	: >"$raw"
	ui_start "$v" "$2"
	tmux_cmd pipe-pane -o -t "$v" "cat >>'$raw'"
	tmux_wait "$v" 'Welcome to croft' 5
	tmux_keys "$v" Enter
	tmux_wait "$v" 'sda +QEMU HARDDISK' 3
	tmux_keys "$v" Enter
	tmux_wait "$v" 'gets a new GPT partition table' 3
	tmux_keys "$v" Escape
	tmux_wait "$v" 'Install croft onto which disk\?' 3
	tmux_keys "$v" Enter
	tmux_wait "$v" 'gets a new GPT partition table' 3
	tmux_keys "$v" Enter
	tmux_wait "$v" 'The name of this box' 3
	tmux_type "$v" 'croft-2.home.arpa'
	tmux_keys "$v" Enter
	tmux_wait "$v" 'enp1s0 +52:54:00:12:34:56' 3
	tmux_keys "$v" Escape
	tmux_wait "$v" 'The name of this box' 3
	tmux_wait "$v" 'Hostname +croft-2.home.arpa' 1
	tmux_keys "$v" Enter
	tmux_wait "$v" 'enp1s0 +52:54:00:12:34:56' 3
	tmux_keys "$v" Enter
	tmux_wait "$v" 'Address from' 3
	tmux_wait "$v" 'Address/prefix +from DHCP' 1
	tmux_keys "$v" Enter
	tmux_wait "$v" 'A password for root' 3
	tmux_keys "$v" Enter
	tmux_wait "$v" 'give a root password or an SSH key' 2
	tmux_type "$v" "$KEY"
	tmux_keys "$v" Enter
	tmux_wait "$v" 'Search:' 3
	tmux_type "$v" 'utc'
	tmux_wait "$v" '^  Etc/UTC' 3
	tmux_keys "$v" Down Enter
	tmux_wait "$v" 'Hostname +croft-2.home.arpa' 3
	tmux_has "$v" 'Time zone +UTC$' || fail "summary: UTC"
	tmux_has "$v" 'Network +enp1s0 \(52:54:00:12:34:56, link up, virtio_net\), bridge$' ||
		fail "summary: NIC"
	tmux_has "$v" '^ +croftbr0, address by DHCP$' || fail "summary: DHCP"
	tmux_has "$v" 'Root login +SSH key ssh-ed25519 admin@laptop' || fail "summary: key only"
	tmux_keys "$v" Enter
	tmux_wait "$v" 'and install croft on it' 2
	tmux_keys "$v" y
	tmux_wait "$v" 'Dry run finished' 60
	tmux_has "$v" '\[#{70,}100%\]' || fail "the progress bar is not full"
	tmux_keys "$v" Enter
	assert_eq 0 "$(tmux_wait_dead "$v" 5)" "exit status"
	tmux_cmd pipe-pane -t "$v"
	if LC_ALL=C grep -qaP '[\x80-\xff]' "$raw"; then
		fail "bytes >= 0x80 written on TERM=$2"
	fi
	[ "$(stat -c %s "$raw")" -gt 2000 ] || fail "pipe-pane captured only $(stat -c %s "$raw") bytes"
	assert_eq dhcp "$(ini "$A" source)" "source"
	assert_eq "" "$(ini "$A" cidr)" "no cidr with DHCP"
	assert_eq "" "$(ini "$A" root-password-hashed)" "no password"
	assert_eq "$KEY" "$(ini "$A" root-ssh-key)" "ssh key"
	assert_eq UTC "$(ini "$A" timezone)" "timezone"
	assert_eq 52:54:00:12:34:56 "$(ini "$A" interface-mac)" "interface-mac"
	assert_eq ext4 "$(ini "$A" filesystem)" "filesystem"
}

t_begin "vt100 80x24: DHCP and an SSH key, Esc goes back, ASCII only"
walk_dhcp v vt100
t_end

t_begin "the Linux console (TERM=linux) 80x24: the same, ASCII only"
walk_dhcp l linux
t_end

t_begin "an answer file with problems: listed, its good answers filled in"
cat >"$T/bad.ini" <<EOF
[global]
hostname = box7
timezone = Europe/Paris
bogus = 1
root-ssh-key = ssh-ed25519 AAAA
[network]
source = static
cidr = 10.1.2.3/16
gateway = 10.1.0.1
dns = 10.1.0.1
interface-mac = 52:54:00:ab:cd:ef
[disk]
filter-model = Cruzer*
EOF
rm -f "$T/tmux-b.status"
tmux_cmd new-session -d -s b -x 80 -y 24 \
	"env TERM=xterm TMPDIR=$T/tmp CROFT_SYSFS_ROOT=$SYS $BUILD/croft-installer --dry-run \
	--engine $BUILD/croft-install --source $T/live --answer $T/bad.ini; echo \$? >$T/tmux-b.status" \; \
	set-option -t b remain-on-exit on || fail "tmux could not start b"
tmux_wait b 'The answer file has problems' 5
tmux_has b "bad.ini: line 4: unknown key 'bogus' in \[global\]" || fail "the unknown key is not shown"
tmux_has b "bad.ini: line 5: root-ssh-key: " || fail "the bad key is not shown"
tmux_keys b Enter
tmux_wait b 'erases ALL of /dev/sdb' 3
tmux_keys b Enter
tmux_wait b '/dev/sdb \(14.9G\) gets a new GPT partition table' 3
tmux_keys b Enter
tmux_wait b 'Hostname +box7' 3
tmux_keys b Enter
tmux_wait b 'Which network interface' 3
tmux_wait b 'croftbr0 goes over enp2s0 \(52:54:00:ab:cd:ef, no link, e1000e\)' 1
tmux_keys b Enter
tmux_wait b 'Address from +\( \) DHCP  \(\*\) static address' 3
tmux_has b 'Address/prefix +10.1.2.3/16' || fail "the address is not filled in"
tmux_has b 'Gateway +10.1.0.1' || fail "the gateway is not filled in"
tmux_keys b F10
assert_eq 1 "$(tmux_wait_dead b 5)" "exit status after quitting"
t_end

# --- a failure -------------------------------------------------------------------------

t_begin "the engine fails: its error, retry, back, never stuck"
ui_start f xterm-256color
tmux_wait f 'Welcome to croft' 5
tmux_keys f Enter
tmux_wait f 'sda +QEMU HARDDISK' 3
tmux_keys f Enter Enter
tmux_wait f 'The name of this box' 3
tmux_type f 'box'
tmux_keys f Enter
tmux_wait f 'enp1s0' 3
tmux_keys f Enter
tmux_wait f 'Address from' 3
tmux_keys f Enter
tmux_wait f 'A password for root' 3
tmux_type f 'password1'
tmux_keys f Tab
tmux_type f 'password1'
tmux_keys f Enter
tmux_wait f 'Search:' 3
tmux_keys f Enter
tmux_wait f 'Target disk' 3
# the disk goes away between the summary and the install
mv "$SYS/block/sda" "$T/sda.away"
tmux_keys f Enter y
tmux_wait f 'The install failed: answer file: line 1[0-9]: the \[disk\] filters match none of' 30
tmux_wait f 'the 1 disks found; nothing was written' 1
tmux_has f 'rRetry +b/EscBack to the summary' || fail "no retry offered"
tmux_keys f r
tmux_wait f 'Installing croft onto /dev/sda \(attempt 2\)' 5
tmux_wait f 'The install failed: answer file: line 1[0-9]: the \[disk\] filters match none of' 30
tmux_keys f b
tmux_wait f 'Target disk +/dev/sda' 3
mv "$T/sda.away" "$SYS/block/sda"
tmux_keys f Enter y
tmux_wait f 'Installing croft onto /dev/sda \(attempt 3\)' 5
tmux_wait f 'Dry run finished' 60
tmux_keys f Enter
assert_eq 0 "$(tmux_wait_dead f 5)" "exit status"
t_end

t_begin "croft-install cannot be run: the disk screen says so, r tries again"
rm -f "$T/tmux-n.status"
tmux_cmd new-session -d -s n -x 80 -y 24 \
	"env TERM=xterm $BUILD/croft-installer --engine $T/no-such-engine; echo \$? >$T/tmux-n.status" \; \
	set-option -t n remain-on-exit on || fail "tmux could not start n"
tmux_wait n 'Welcome to croft' 5
tmux_keys n Enter
tmux_wait n "no-such-engine --list-disks exited with status 127: cannot" 3
tmux_has n "run $T/no-such-engine: No such file or directory" || fail "the reason is not shown"
tmux_keys n Enter
tmux_wait n 'no disk to choose; press r to look again' 2
tmux_keys n r C-c
assert_eq 1 "$(tmux_wait_dead n 5)" "exit status"
t_end

t_begin "croft-installer needs a terminal"
expect_fail "needs a terminal" "$BUILD/croft-installer" </dev/null
expect_fail "unexpected argument 'x'" "$BUILD/croft-installer" x
t_end
