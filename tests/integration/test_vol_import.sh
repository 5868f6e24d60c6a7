#!/bin/bash
# test_vol_import.sh — vol import, iso import and vol export (issue 10 item 3).
#
# A croft-group member imports images the test makes with qemu-img in every
# format croft reads (vmdk, vdi, vhd dynamic and fixed, vhdx, qcow2, raw);
# each volume compares equal to its source with qemu-img compare, and
# progress events are seen.  The member exports a volume to a file of its
# own (owned by it) and back.  The boundary: the member cannot import
# /etc/shadow, a symlink to a root-only file, a qcow2 whose backing file is
# root-only, a vmdk whose extent is root-only, or a FIFO (refused, croftd
# stays responsive); nor export over an existing file or into a directory
# it cannot write.  While an import's converter runs (one qemu-img, really
# nobody, effectively the member, confined by seccomp so that it can fork
# no process and make no socket to pass the file on), the member cannot
# open its pool file through /proc/PID/fd or by its path, read its
# environment or strace it, and croft-qemu can neither signal it nor reach
# its fds (each attack is first shown to work on a process of the
# attacker's own); afterwards the volume is croft-qemu's 0600 and no
# process of the member's holds it.  The member may kill its own
# converter: the job fails, nothing is left.  Bad input is refused and
# leaves nothing.  A copy
# throttled with the import_rate_limit setting is cancelled mid-way (no
# file, no volume), and another is interrupted by kill -9 of croftd: at
# restart the job is failed, no volume is listed and no temporary file
# is left.  An ISO goes into the iso pool; a non-ISO does not.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

itest_setup
itest_share_tools
itest_member_add croftimp

POOL=$T/state/pools/default
ISOPOOL=$T/state/pools/iso
SRC=$T/src
mkdir -m 0755 "$SRC"

# as the member: the CLI and the raw API
m() {
	setpriv --reuid=croftimp --regid=nogroup --init-groups "$T/croft" "$@"
}
mapi() {
	setpriv --reuid=croftimp --regid=nogroup --init-groups /usr/bin/python3 "$T/apiraw.py" \
		--socket "$CROFT_SOCKET" "{\"id\":1,\"op\":\"$1\",\"args\":$2}" |
		jq -c 'select(.id == 1)' | head -n 1
}
job_field() {
	APIRAW "{\"id\":1,\"op\":\"job.info\",\"args\":{\"id\":$1}}" | jq -c 'select(.id == 1)' |
		head -n 1 | jq -r ".result.$2"
}
wait_job_end() {   # wait_job_end ID — until it is no longer queued or running
	local i s
	for ((i = 0; i < 600; i++)); do
		s=$(job_field "$1" state)
		case "$s" in queued | running) sleep 0.1 ;; *) return 0 ;; esac
	done
	fail "job $1 did not end"
}
import_started() {   # import_started NAME — a member's import of big.raw, once it moves; its job id
	local id i
	id=$(m vol import "default/$1" --from "$SRC/big.raw" --no-wait --json | jq -r .job.id)
	for ((i = 0; i < 100; i++)); do
		[ "$(job_field "$id" "done")" -gt 0 ] 2>/dev/null && break
		sleep 0.1
	done
	echo "$id"
}
converter_pid() {   # the running converter of big.raw's import
	pgrep -f "^qemu-img convert .* $SRC/big.raw /proc/self/fd/3\$" | head -n 1
}
no_leftovers() {   # no_leftovers WHAT — no temporary file in the pools
	local left
	left=$(find "$POOL" "$ISOPOOL" -name '.import-*' 2>/dev/null)
	assert_eq "" "$left" "temporary files after $1"
}

# A raw image with data in a few places, as the member's own file.
head -c 3M /dev/urandom >"$SRC/base.raw"
truncate -s 24M "$SRC/base.raw"
dd if=/dev/urandom of="$SRC/base.raw" bs=1M count=2 seek=17 conv=notrunc status=none

t_begin "import each format as a croft member: equal to the source, progress seen"
for f in vmdk vdi vpc vhdx qcow2 raw; do
	qemu-img convert -f raw -O "$f" "$SRC/base.raw" "$SRC/img.$f"
done
qemu-img convert -f raw -O vpc -o subformat=fixed "$SRC/base.raw" "$SRC/fixed.vhd"
qemu-img convert -f raw -O vmdk -o subformat=monolithicFlat "$SRC/base.raw" "$SRC/flat.vmdk"
chmod 0644 "$SRC"/*
APIRAW --idle 3 '{"op":"events.subscribe"}' >"$T/events" &
evpid=$!
sleep 0.3
declare -A want=([vmdk]=vmdk [vdi]=vdi [vpc]=vhd [vhdx]=vhdx [qcow2]=qcow2 [raw]=raw)
for f in vmdk vdi vpc vhdx qcow2 raw; do
	expect_ok m vol import "default/from-$f" --from "$SRC/img.$f" || continue
	assert_contains "$EXPECT_OUT" "default/from-$f: imported (qcow2" "import of $f"
	qemu-img compare -q -f raw -F qcow2 "$SRC/base.raw" "$POOL/from-$f" ||
		fail "default/from-$f differs from its source"
	id=$(croft job list --json | jq -r "[.[] | select(.target == \"default/from-$f\")][0].id")
	assert_eq "${want[$f]}" "$(job_field "$id" result.source_format)" "the format detected for $f"
done
expect_ok m vol import default/fixed --from "$SRC/fixed.vhd" --format raw
assert_contains "$EXPECT_OUT" "default/fixed: imported (raw"
qemu-img compare -q -f raw -F raw "$SRC/base.raw" "$POOL/fixed" || fail "the fixed VHD differs"
expect_ok m vol import default/flat --from "$SRC/flat.vmdk"
qemu-img compare -q -f raw -F qcow2 "$SRC/base.raw" "$POOL/flat" || fail "the flat vmdk differs"
assert_eq "croft-qemu 600" "$(stat -c '%U %a' "$POOL/from-vmdk")" "the volume's owner and mode"
expect_ok croft vol list default --json
assert_eq 8 "$(jq length <<<"$EXPECT_OUT")" "volumes listed"
wait "$evpid"
grep -q '"event":"job.progress".*"kind":"vol.import"' "$T/events" ||
	fail "no job.progress event of a vol.import"
grep -q '"event":"vol.created".*"name":"default/from-vmdk"' "$T/events" || fail "no vol.created event for default/from-vmdk"
no_leftovers "the imports"
t_end

t_begin "relative --from is the CLI's working directory; the job is listed"
expect_ok bash -c "cd '$SRC' && setpriv --reuid=croftimp --regid=nogroup --init-groups '$T/croft' vol import default/rel --from img.qcow2"
assert_contains "$EXPECT_OUT" "default/rel: imported"
assert_contains "$(croft job list)" "vol.import"
t_end

t_begin "the boundary: a member cannot import what it may not read"
ln -s /etc/shadow "$SRC/shadow-link"
mkdir -m 0700 "$T/secret"
qemu-img create -q -f raw "$T/secret/root.raw" 16M
qemu-img create -q -f qcow2 -b "$T/secret/root.raw" -F raw "$SRC/backed.qcow2"
cp "$SRC/flat.vmdk" "$SRC/evil.vmdk"
sed -i "s|\"[^\"]*flat[^\"]*\"|\"$T/secret/root.raw\"|" "$SRC/evil.vmdk"
grep -q "$T/secret/root.raw" "$SRC/evil.vmdk" || fail "the vmdk descriptor was not rewritten"
mkfifo -m 0644 "$SRC/fifo"
chmod 0644 "$SRC/backed.qcow2" "$SRC/evil.vmdk"
expect_fail "cannot read /etc/shadow: permission denied" m vol import default/x --from /etc/shadow
expect_fail "cannot read $SRC/shadow-link: permission denied" m vol import default/x --from "$SRC/shadow-link"
expect_fail "cannot read $SRC/backed.qcow2" m vol import default/x --from "$SRC/backed.qcow2"
assert_contains "$EXPECT_ERR" "Permission denied" "the backing file's refusal"
expect_fail "cannot read $SRC/evil.vmdk" m vol import default/x --from "$SRC/evil.vmdk"
assert_contains "$EXPECT_ERR" "Permission denied" "the extent's refusal"
expect_fail "not a regular file" m vol import default/x --from "$SRC/fifo"
expect_fail "not a regular file" m vol import default/x --from /dev/zero
expect_fail "no such file" m vol import default/x --from "$T/secret/root.raw"
# root may (its own rights), which shows the member was refused for its rights
expect_ok croft vol import default/rootcopy --from "$SRC/backed.qcow2"
[ -e "$POOL/x" ] && fail "a refused import left a volume"
no_leftovers "the refused imports"
t_end

t_begin "bad input is refused and changes nothing"
expect_fail "no pool named 'nope'" m vol import nope/x --from "$SRC/img.raw"
expect_fail "pool 'default' has a volume named 'from-raw' already" m vol import default/from-raw --from "$SRC/img.raw"
expect_fail "--format must be qcow2 or raw, not 'vmdk'" m vol import default/x --from "$SRC/img.raw" --format vmdk
expect_fail "vol import needs --from FILE" m vol import default/x
expect_fail "holds ISOs, not volumes" m vol import iso/x --from "$SRC/img.raw"
expect_fail "holds volumes, not ISOs" m iso import default/x --from "$SRC/img.raw"
out=$(mapi vol.import '{"pool":"default","name":"x","from":"relative.img"}')
assert_contains "$out" "from needs an absolute path, not 'relative.img'" "the API on a relative path"
out=$(mapi vol.import '{"pool":"default","name":"x","from":"/a\nb"}')
assert_contains "$out" "control character" "the API on a newline"
printf 'QED\0%.0s' 1 >"$SRC/q.qed"; truncate -s 1M "$SRC/q.qed"
head -c 100000 /dev/urandom | gzip >"$SRC/disk.img.gz"
chmod 0644 "$SRC/q.qed" "$SRC/disk.img.gz"
expect_fail "unsupported source image format: QED" m vol import default/x --from "$SRC/q.qed"
expect_fail "unsupported source image format: gzip-compressed file" m vol import default/x --from "$SRC/disk.img.gz"
qemu-img create -q -f qcow2 "$SRC/huge.qcow2" 60T
chmod 0644 "$SRC/huge.qcow2"
expect_fail "as raw needs 60T (its virtual size) but pool 'default' has" m vol import default/x --from "$SRC/huge.qcow2" --format raw
expect_fail "is an ISO 9660 image; import it into an iso pool" m vol import default/x --from "$GUEST_ISO"
[ -e "$POOL/x" ] && fail "bad input left a volume"
no_leftovers "bad input"
t_end

t_begin "iso import: into the iso pool, byte for byte; a non-ISO is refused"
cp "$GUEST_ISO" "$SRC/guest.iso" && chmod 0644 "$SRC/guest.iso"
expect_ok m iso import iso/guest.iso --from "$SRC/guest.iso"
cmp -s "$SRC/guest.iso" "$ISOPOOL/guest.iso" || fail "the imported ISO differs"
expect_fail "is not an ISO 9660 image (it reads as vmdk)" m iso import iso/bad.iso --from "$SRC/img.vmdk"
[ -e "$ISOPOOL/bad.iso" ] && fail "a refused ISO import left a file"
t_end

t_begin "export: a new file of the member's, in each format, equal to the volume"
mkdir -m 0755 "$T/out" && chown croftimp "$T/out"
for f in qcow2 vmdk vhd raw; do
	expect_ok m vol export default/from-vdi --to "$T/out/e.$f" --format "$f" || continue
	assert_contains "$EXPECT_OUT" "default/from-vdi: exported to $T/out/e.$f"
	assert_eq "croftimp" "$(stat -c %U "$T/out/e.$f")" "the owner of the $f export"
	qemu-img compare -q -F raw "$T/out/e.$f" "$SRC/base.raw" || fail "the $f export differs"
done
expect_ok m vol import default/back --from "$T/out/e.vmdk"
qemu-img compare -q -f qcow2 -F raw "$POOL/back" "$SRC/base.raw" || fail "the round trip differs"
expect_fail "it exists already; croft does not overwrite files" m vol export default/from-vdi --to "$T/out/e.qcow2"
expect_fail "you cannot create files in /etc" m vol export default/from-vdi --to /etc/croft-export.qcow2
[ -e /etc/croft-export.qcow2 ] && fail "an export was written as root"
expect_fail "not one croft writes" m vol export default/from-vdi --to "$T/out/x" --format qed
expect_fail "no volume named 'nope'" m vol export default/nope --to "$T/out/x"
t_end

t_begin "split credentials: the member cannot reach the running converter or its pool file"
head -c 48M /dev/urandom >"$SRC/big.raw" && chmod 0644 "$SRC/big.raw"
sqlite3 "$DB" "INSERT OR REPLACE INTO settings (key, value) VALUES ('import_rate_limit', '4194304')"
muid=$(id -u croftimp)
as_qemu() { setpriv --reuid=croft-qemu --regid=croft-qemu --init-groups "$@"; }
as_member() { setpriv --reuid=croftimp --regid=nogroup --init-groups "$@"; }
# controls: the same attacks on a process of each user's own succeed
setpriv --reuid=croftimp --regid=nogroup --init-groups sleep 60 </dev/null >/dev/null 2>&1 &
mine=$!
setpriv --reuid=croft-qemu --regid=croft-qemu --init-groups sleep 60 </dev/null >/dev/null 2>&1 &
qemus=$!
sleep 0.2
id=$(import_started split)
cpid=$(converter_pid)
[ -n "$cpid" ] || fail "no converter running"
tmpf=$POOL/.import-$id
assert_eq "$tmpf" "$(readlink "/proc/$cpid/fd/3")" "the converter's fd 3"
assert_eq "65534 $muid $muid $muid" "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$cpid/status")" \
	"the converter's uids (real nobody; effective, saved and fs the member)"
assert_eq "2 1" "$(awk '/^Seccomp:/ { s = $2 } /^NoNewPrivs:/ { n = $2 } END { print s, n }' \
	"/proc/$cpid/status")" "the converter's seccomp filter (no fork, no socket) and no_new_privs"
assert_eq "croftimp 600" "$(stat -c '%U %a' "$tmpf")" "the pool file's owner during the copy"
pgrep -f "qemu-nbd" >/dev/null && fail "an NBD server runs for an import"
# the pool file through the converter's /proc fd, for writing
expect_ok as_member sh -c "exec 3<>/proc/$mine/fd/0"
expect_fail "Permission denied" as_member sh -c "exec 3<>/proc/$cpid/fd/3"
expect_fail "Permission denied" as_member ls "/proc/$cpid/fd"
# its environment and memory
expect_ok as_member cat "/proc/$mine/environ"
expect_fail "Permission denied" as_member cat "/proc/$cpid/environ"
# ptrace: strace attaches to the member's own process until killed (124)
as_member timeout 1 strace -p "$mine" -o /dev/null 2>/dev/null
assert_eq 124 "$?" "strace on the member's own process"
expect_fail "Operation not permitted" as_member timeout 5 strace -p "$cpid" -o /dev/null
# by its path: the file is the member's, the directory is not
expect_fail "Permission denied" as_member sh -c "exec 3<>'$tmpf'"
# croft-qemu, whose the pool is: no signal, no fds
expect_ok as_qemu kill -0 "$qemus"
expect_fail "Operation not permitted" as_qemu kill -0 "$cpid"
expect_fail "Permission denied" as_qemu ls "/proc/$cpid/fd"
expect_fail "Permission denied" as_qemu sh -c "exec 3<>/proc/$cpid/fd/3"
kill "$mine" "$qemus"
wait "$mine" "$qemus" 2>/dev/null
wait_job_end "$id"
assert_eq done "$(job_field "$id" state)" "the attacked import's state"
assert_eq "croft-qemu 600" "$(stat -c '%U %a' "$POOL/split")" "the volume's owner and mode"
qemu-img compare -q -f raw -F qcow2 "$SRC/big.raw" "$POOL/split" || fail "default/split differs"
held=
for p in $(pgrep -u croftimp); do
	ls -l "/proc/$p/fd" 2>/dev/null | grep -q "$POOL/" && held="$held $p"
done
assert_eq "" "$held" "the member's processes holding a pool file"
no_leftovers "the attacked import"
t_end

t_begin "the member may kill its own converter (exec made its saved uid the member's): the job fails, nothing is left"
id=$(import_started killed)
cpid=$(converter_pid)
[ -n "$cpid" ] || fail "no converter running"
expect_ok as_member kill -KILL "$cpid"
wait_job_end "$id"
assert_eq failed "$(job_field "$id" state)" "the job's state"
assert_contains "$(job_field "$id" error)" "killed by signal 9" "its error"
[ -e "$POOL/killed" ] && fail "the killed import left a volume"
no_leftovers "the killed converter"
t_end

t_begin "cancel mid-way: no file, no volume"
id=$(import_started big)
[ "$(job_field "$id" "done")" -gt 0 ] || fail "the import made no progress"
ls "$POOL"/.import-* >/dev/null 2>&1 || fail "no temporary file while importing"
expect_ok m job cancel "$id"
wait_job_end "$id"
assert_eq cancelled "$(job_field "$id" state)" "the job's state"
[ -e "$POOL/big" ] && fail "the cancelled import left a volume"
no_leftovers "the cancel"
pgrep -f "qemu-img convert .* $SRC/big.raw " >/dev/null && fail "qemu-img runs on after the cancel"
t_end

t_begin "kill -9 of croftd mid-import: the job fails at restart, nothing is left"
id=$(import_started big)
croftd_kill9
# the split converter outlives it (a secure exec clears PR_SET_PDEATHSIG);
# the restarted croftd kills it
pgrep -f "qemu-img convert .* $SRC/big.raw " >/dev/null || fail "no converter left to kill"
croftd_start
for ((i = 0; i < 50; i++)); do
	pgrep -f "qemu-img convert .* $SRC/big.raw " >/dev/null || break
	sleep 0.1
done
pgrep -f "qemu-img convert .* $SRC/big.raw " >/dev/null && fail "qemu-img outlived the restart"
assert_eq failed "$(job_field "$id" state)" "the job after the restart"
assert_contains "$(job_field "$id" error)" "croftd restarted" "its error"
expect_ok croft vol list default --json
assert_eq "" "$(jq -r '.[] | select(.name == "big") | .name' <<<"$EXPECT_OUT")" "no partial volume listed"
[ -e "$POOL/big" ] && fail "a partial volume is there"
no_leftovers "the restart"
sqlite3 "$DB" "DELETE FROM settings WHERE key = 'import_rate_limit'"
t_end

itest_member_del
