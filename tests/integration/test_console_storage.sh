#!/bin/bash
# test_console_storage.sh — storage and memory in the console, with one
# running TCG guest, driven in tmux:
#   - 80x24: the Storage screen (6) shows the pools with their meters
#     (used, allocated, promised), the forecast, and the warnings of a
#     small tmpfs pool that is 80 % used and overcommitted;
#   - a volume created from the console is in `croft vol list`, with the
#     job's progress bar (a raw volume: vol.create's disk.create job);
#     it is resized, attached to the running VM, refused deletion while
#     attached (croftd's words), and another volume is deleted after the
#     dialog says what is lost;
#   - the import form: with vol.import in croftd, a qcow2 made by qemu-img
#     imports with a live bar; without it, croftd's refusal shows as is;
#   - the VM form picks a volume and an ISO from the pools, and its memory
#     shares and KSM fields round-trip to `croft vm info --json` (create,
#     then edit);
#   - the Host screen's memory settings form: croftd's refusal shown as
#     is, then the balloon policy switched off;
#   - 100x30: the VM list's MEM column shows the ballooned guest's use
#     against the balloon (what host.memory computes), not its MemTotal;
#   - TERM=vt100: the Storage screen in ASCII only.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"

itest_setup
itest_share_tools
SMALL=$T/small
trap 'rc=$?; tmux_teardown; mountpoint -q "$SMALL" 2>/dev/null && umount "$SMALL"; (exit $rc); itest_teardown' EXIT
TMUX_SOCK=$T/tmux.sock

# vol FIELD POOL NAME — a field of `croft vol info --json`
vol() {
	croft vol info "$2/$3" --json 2>/dev/null | jq -r ".$1"
}

expect_ok croft vm create web --vcpus 1 --memory 128M --disk 32M "${KARGS[@]}"
expect_ok croft vm start web
expect_ok croft pool create fast --path "$T/fast"
expect_ok croft vol create fast/old --size 16M
# a small pool 80 % full (a file as big as 52 of its 64 MiB) promising 1G
mkdir -p "$SMALL"
mount -t tmpfs -o size=64m,mode=0711 croft-itest-small "$SMALL" || die "cannot mount a tmpfs"
expect_ok croft pool create small --path "$SMALL"
expect_ok croft vol create small/thin --size 1G
fallocate -l 52M "$SMALL/filler" || die "fallocate"
# an ISO in the iso pool, a spare volume in the default pool
ISO_DIR=$(croft pool info iso --json | jq -r .dir)
DEF_DIR=$(croft pool info default --json | jq -r .dir)
cp "$GUEST_ISO" "$ISO_DIR/guest.iso"
expect_ok croft vol create default/spare --size 32M

t_begin "80x24: pools with meters, forecast and warnings"
tmux_start s 80 24 xterm-256color
tmux_wait s '^web +running' 10
tmux_keys s 6
tmux_wait s '^POOL +CONTENT +USED +ALLOC +PROMISED +SIZE +FORECAST' 10
tmux_wait s '^default +images +[0-9]+%' 5
tmux_wait s '^fast +images' 5
tmux_wait s '^small +images +8[0-9]% .* 1.[0-9]G! ' 5
tmux_wait s '^ Used +\[\|+ *[0-9.]+[KMGT] used of [0-9.]+[KMGT] \([0-9]+%\)\]' 5
tmux_wait s '^ Allocated +\[' 2
tmux_wait s '^ Promised +\[' 2
tmux_wait s 'not enough history$' 2
tmux_wait s '^ Forecast: not enough history \(24 h\), not enough history \(7 days\)' 2
tmux_wait s '^VOLUMES IN default' 2
tmux_wait s '^web-disk0.qcow2 +32M +[0-9.]+[KMG]? +qcow2 +web' 2
[ "$(tmux_longest s)" -le 80 ] || fail "a row is longer than 80 columns"
# the small pool: in the warning colour, with what to do
tmux_keys s G
tmux_wait s '^VOLUMES IN small \(2\)' 5
tmux_wait s '^ 8[0-9]% used \(warning at 80%\): free space or plan a bigger pool\.' 5
tmux_wait s '^ Overcommitted [0-9.]+x: volumes promise 1.[0-9]G on 64M' 2
tmux_wait s '^ Promised +\[!!!!' 2
tmux_cap_raw s | grep -a '8[0-9]% used (warning' | grep -qa $'\e\\[' ||
	fail "the warning has no colour of its own"
t_end

t_begin "create a volume (a raw one: its job's bar), resize it, attach it to the running VM"
tmux_keys s g j j
tmux_wait s '^VOLUMES IN fast \(1\)' 5
tmux_keys s n
tmux_wait s 'New volume in fast' 5
tmux_type s data
tmux_keys s Tab C-u
tmux_type s 96M
tmux_keys s Tab Space Enter
tmux_wait s 'Creating fast/data: (running|done) +\[[#]* *[0-9]+%\]' 10
tmux_wait s 'Creating fast/data: done +\[#+100%\]' 60
assert_eq "raw 100663296" "$(vol format fast data) $(vol virtual_bytes fast data)" "the new volume"
croft vol list fast | grep -qE '^fast/data +raw +96M' || fail "vol list: $(croft vol list fast)"
tmux_wait s '^data +96M +96(.0)?M +raw' 10
# the cursor is on the new volume: r resizes it
tmux_keys s r
tmux_wait s 'Resize fast/data' 5
tmux_type s 64M
tmux_wait s 'it can only grow' 5
tmux_keys s C-u
tmux_type s 128M
tmux_keys s Enter
tmux_wait_gone s 'Resize fast/data' 30
tmux_wait s '^data +128M ' 30
assert_eq 134217728 "$(vol virtual_bytes fast data)" "resized"
tmux_keys s a
tmux_wait s 'Attach fast/data to a VM' 5
tmux_keys s Enter
tmux_wait s 'Attached fast/data to web' 60
croft vm info web --json | jq -e --arg p "$T/fast/data" '[.disks[].path] | index($p)' >/dev/null ||
	fail "web has no disk fast/data: $(croft vm info web --json | jq -c '[.disks[].path]')"
tmux_wait s '^data +128M .* raw +web' 10
t_end

t_begin "delete asks, says what is lost; refused while attached; then removes"
tmux_keys s x
tmux_wait s 'Delete volume fast/data\?' 5
tmux_wait s 'Volume fast/data \(raw, 128M virtual, [0-9.]+[MG] on disk\) is removed' 2
tmux_wait s 'this cannot be undone' 2
tmux_wait s 'VM web uses it' 2
tmux_keys s y
tmux_wait s 'failed: volume fast/data is attached to VM web; detach' 10
croft vol list fast | grep -q '^fast/data ' || fail "fast/data went"
tmux_keys s j
tmux_wait s '^old +16M' 5
tmux_keys s x
tmux_wait s 'Delete volume fast/old\?' 5
tmux_wait s 'Volume fast/old \(qcow2, 16M virtual' 2
tmux_keys s n
tmux_wait_gone s 'Delete volume fast/old' 5
croft vol list fast | grep -q '^fast/old ' || fail "n deleted fast/old"
tmux_keys s x
tmux_wait s 'Delete volume fast/old\?' 5
tmux_keys s y
tmux_wait s 'Deleted volume fast/old' 10
croft vol list fast | grep -q '^fast/old ' && fail "fast/old is still listed"
tmux_wait_gone s '^old +16M' 10
t_end

t_begin "import: a live progress bar (or croftd's refusal when it has no vol.import)"
qemu-img create -q -f qcow2 "$T/src.qcow2" 64M || die "qemu-img create"
tmux_keys s Escape i
tmux_wait s 'Import an image into fast' 5
tmux_type s imported
tmux_keys s Tab
tmux_type s "$T/src.qcow2"
tmux_keys s Enter
if APIRAW '{"id":1,"op":"vol.import","args":{}}' | grep -q unknown_op; then
	tmux_wait s "unknown op 'vol.import'" 10
	tmux_keys s Escape
	tmux_wait_gone s 'Import an image into fast' 5
else
	tmux_wait s 'Importing fast/imported: (running|done|queued) +\[' 30
	tmux_wait s 'Importing fast/imported: done +\[#+100%\]' 120
	croft vol list fast | grep -q '^fast/imported ' || fail "the import is not listed"
fi
t_end

t_begin "pool create from the console: croftd's answer as is"
tmux_keys s p
tmux_wait s 'New pool' 5
tmux_type s bad
tmux_keys s Tab
tmux_type s "$T/fast/sub"
tmux_keys s Enter
tmux_wait s "is inside pool 'fast'" 10
tmux_keys s Escape
tmux_wait_gone s 'New pool' 5
t_end

t_begin "the VM form picks a volume and an ISO from the pools; shares and KSM round-trip"
tmux_keys s 1
tmux_wait s '^web +running' 5
tmux_keys s n
tmux_wait s 'New VM' 5
tmux_type s pick
tmux_keys s Tab Tab Tab Tab C-u
tmux_type s 3000
tmux_keys s Tab Space Tab C-u Tab F3
tmux_wait s "pool default: $DEF_DIR" 5
tmux_wait s 'web-disk0.qcow2 +used by web' 2
tmux_type s sp
tmux_keys s Enter
tmux_wait_gone s 'pool default:' 5
tmux_keys s Tab F3
tmux_wait s "pool iso: $ISO_DIR" 5
tmux_type s gu
tmux_keys s Enter
tmux_wait_gone s 'pool iso:' 5
tmux_keys s Enter
tmux_wait s 'pick has memory shares 3000, KSM off' 30
info=$(croft vm info pick --json)
assert_eq "$DEF_DIR/spare" "$(jq -r '.disks[0].path' <<<"$info")" "the picked volume"
assert_eq "$ISO_DIR/guest.iso" "$(jq -r .cdrom <<<"$info")" "the picked ISO"
assert_eq "3000 off" "$(jq -r '"\(.memory_shares) \(.ksm)"' <<<"$info")" "shares and KSM"
# edit: the fields show what croftd has; a change is sent
tmux_wait s '^pick +stopped' 10
tmux_keys s g e
tmux_wait s 'Edit VM pick' 5
tmux_wait s 'Memory shares.*3000' 2
# the focus starts on vCPUs (the name stays)
tmux_keys s Tab Tab Tab C-u
tmux_type s 42
tmux_keys s Tab Space Enter
tmux_wait_gone s 'Edit VM pick' 10
sleep 0.5
assert_eq "42 on" "$(croft vm info pick --json | jq -r '"\(.memory_shares) \(.ksm)"')" "edited"
t_end

t_begin "the Host screen's memory settings: croftd's refusal as is, then balloon off"
tmux_keys s 2
tmux_wait s 'Acceleration' 10
tmux_keys s e
tmux_wait s 'Host memory' 5
tmux_type s 1000T
tmux_keys s Enter
tmux_wait s "memory-budget .* is larger than the host's memory" 10
tmux_keys s C-u Tab Tab Space Enter
tmux_wait_gone s 'Host memory' 10
assert_eq off "$(croft host memory --json | jq -r .balloon)" "balloon"
tmux_keys s q
tmux_wait_dead s 5 >/dev/null
t_end

t_begin "100x30: the MEM column shows guest-used against the balloon"
expect_ok croft vm edit web --memory 96M
tmux_start m 100 30 xterm-256color
tmux_wait m '^NAME +STATE .* MEM' 10
tmux_wait m '^web +running .* [0-9.]+[KM]/96M *$' 60
used=$(tmux_cap m | sed -nE 's/^web .* ([0-9.]+)M\/96M *$/\1/p' | head -n 1)
hm=$(croft host memory --json | jq -r '.vms[] | select(.name == "web") | .guest_used_mib')
[ -n "$used" ] && [ "${used%.*}" -le 96 ] || fail "MEM shows '$used' of 96M"
[ "$hm" != null ] || fail "host.memory: $(croft host memory --json | jq -c '.vms[]')"
[ "$hm" != null ] && [ $(( ${used%.*} - hm )) -le 8 ] && [ $(( hm - ${used%.*} )) -le 8 ] ||
	fail "MEM shows ${used}M, host.memory says ${hm}M"
tmux_keys m q
tmux_wait_dead m 5 >/dev/null
t_end

t_begin "TERM=vt100: the Storage screen in ASCII only"
raw=$T/raw-vt100.out
: >"$raw"
tmux_start v 80 24 vt100
tmux_pipe v "$raw"
tmux_wait v '^web +running' 10
tmux_keys v 6
tmux_wait v '^ Used +\[\|+' 10
tmux_keys v G
tmux_wait v '^ Overcommitted' 5
tmux_keys v q
tmux_wait_dead v 5 >/dev/null
tmux_ascii_only "$raw" vt100
t_end
