#!/bin/bash
# test_bad_input.sh — bad input gets a precise error that names the problem,
# the CLI exits non-zero with the message on stderr, and nothing changes.
#
# "Nothing changes" is checked after every refused command by comparing a
# snapshot taken just before it: `croft vm list --json` (minus the fields
# that move on their own: uptime, balloon size, allocation), the files (name
# and inode) under $T/state/pools/default and $T/state/vm, and the rows of
# every table in $T/state/croft.db.  Raw API cases go through apiraw.py.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

itest_setup

POOL=$T/state/pools/default
NPROC=$(nproc)
MEM_MIB=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
itest_share_tools

# If the script dies while the pool has a tmpfs over it, unmount it before
# lib.sh's teardown removes $T.
trap 'rc=$?; mountpoint -q "$POOL" 2>/dev/null && umount "$POOL"; (exit $rc); itest_teardown' EXIT

# --- the "nothing changed" snapshot ----------------------------------------

snapshot() {
	echo "== vms"
	croft vm list --json | jq -S 'map(del(.uptime_s, .memory_actual_mib, .cpu_time_ms)
		| .disks |= map(del(.allocated_bytes)))'
	echo "== files"
	find "$POOL" "$T/state/vm" -printf '%P %i %y\n' | sort
	echo "== store"
	sqlite3 "$DB" "select 'vms', count(*) from vms;
		select 'disks', count(*) from disks;
		select 'settings', count(*) from settings;
		select * from vms order by id;
		select * from disks order by id;
		select * from settings order by key;"
}

snap_take() {
	SNAP=$(snapshot 2>&1)
}

snap_check() {   # WHAT
	local now
	now=$(snapshot 2>&1)
	[ "$now" == "$SNAP" ] && return 0
	local d
	d=$(diff <(echo "$SNAP") <(echo "$now") | grep '^[<>]' | tr -s ' \t' ' ' | head -n 12 | tr '\n' '|')
	fail "state changed after $1: ${d:0:400}"
}

# refuse RC SUBSTRING CMD... — a snapshot, then CMD must exit with status RC
# ("any" for any non-zero) with SUBSTRING on stderr (not only on stdout),
# and the snapshot must be unchanged.
refuse() {
	local want_rc=$1 want=$2 rc=0
	shift 2
	snap_take
	_itest_capture "$@" </dev/null || rc=$?
	R_OUT=$EXPECT_OUT
	R_ERR=$EXPECT_ERR
	if [ "$rc" -eq 0 ]; then
		fail "'$*' succeeded (stdout: ${R_OUT:0:200})"
	else
		[ "$want_rc" = any ] || assert_eq "$want_rc" "$rc" "exit status of '$*'"
		assert_contains "$R_ERR" "$want" "stderr of '$*'"
	fi
	snap_check "'$*'"
}

# api_reply ID JSON... — run apiraw with the given lines; print the reply
# whose id is ID (a JSON value: 7 or "x"), or, for ID '-', the first reply
# without an id.
api_reply() {
	local id=$1
	shift
	if [ "$id" = - ]; then
		APIRAW "$@" | jq -c 'select(has("event") | not) | select(has("id") | not)' | head -n 1
	else
		APIRAW "$@" | jq -c --argjson id "$id" 'select(.id == $id)' | head -n 1
	fi
}

# api_expect REPLY CODE SUBSTRING [WHAT] — REPLY is an error with CODE whose
# message contains SUBSTRING.
api_expect() {
	local reply=$1 code=$2 want=$3 what=${4:-reply}
	if [ -z "$reply" ]; then
		fail "$what: no reply"
		return 1
	fi
	assert_eq false "$(jq -r .ok <<<"$reply")" "$what: ok" || return 1
	assert_eq "$code" "$(jq -r .error.code <<<"$reply")" "$what: error code ($reply)" || return 1
	assert_contains "$(jq -r .error.message <<<"$reply")" "$want" "$what: message"
}

vm_create_raw() {   # ID ARGS-JSON — a vm.create request line
	printf '{"id":%s,"op":"vm.create","args":%s}' "$1" "$2"
}

# api_refuse_table WHAT — a snapshot; then for each line
# "ID|REQUEST|CODE|SUBSTRING|CASE" on stdin, the reply with id ID (as for
# api_reply) to the raw line REQUEST must be an error with CODE whose
# message contains SUBSTRING; then the snapshot must be unchanged.
api_refuse_table() {
	local id req code want what
	snap_take
	while IFS='|' read -r id req code want what; do
		[ -n "$id" ] || continue
		api_expect "$(api_reply "$id" "$req")" "$code" "$want" "$what"
	done
	snap_check "$1"
}

# api_refuse_creates ID ARGS WHAT — api_refuse_table for vm.create requests
# (with id ID) whose arguments are ARGS and, from each line
# "MORE-ARGS|CODE|SUBSTRING" on stdin, MORE-ARGS (JSON members).
api_refuse_creates() {
	local id=$1 base=$2
	api_refuse_table "$3" < <(
		while IFS='|' read -r args code want; do
			[ -n "$args" ] || continue
			echo "$id|$(vm_create_raw "$id" "{$base,$args}")|$code|$want|vm.create $args"
		done)
}

# --- fixtures: a stopped VM with a disk, and a running guest ---------------

t_begin "setup: a stopped VM and a running guest"
expect_ok croft vm create base --vcpus 1 --memory 256M --disk 64M "${KARGS[@]}"
expect_ok croft vm create run1 --vcpus 1 --memory 256M --disk 64M "${KARGS[@]}"
expect_ok croft vm start run1
wait_state run1 running 60
wait_serial run1 'CROFT-GUEST: ready' 90
RUN_PID=$(vm_pid run1)
[ -n "$RUN_PID" ] || fail "run1 has no pidfile"
[ -f "$POOL/base-disk0.qcow2" ] || fail "base-disk0.qcow2 missing"
[ -f "$POOL/run1-disk0.qcow2" ] || fail "run1-disk0.qcow2 missing"
t_end

# run1_alive WHAT — the running guest is untouched: same pid, still running.
run1_alive() {
	kill -0 "$RUN_PID" 2>/dev/null || fail "$1: QEMU $RUN_PID of run1 is gone"
	assert_eq "$RUN_PID" "$(vm_pid run1)" "$1: run1 pid"
	assert_eq running "$(vm_state run1)" "$1: run1 state"
}

# --- unknown VMs ------------------------------------------------------------

t_begin "unknown VM: info/start/stop/delete/edit/console name it"
refuse 1 "no VM named 'nosuchvm'" croft vm info nosuchvm
refuse 1 "no VM named 'nosuchvm'" croft vm start nosuchvm
refuse 1 "no VM named 'nosuchvm'" croft vm stop nosuchvm
refuse 1 "no VM named 'nosuchvm'" croft vm delete nosuchvm
refuse 1 "no VM named 'nosuchvm'" croft vm delete nosuchvm --force
refuse 1 "no VM named 'nosuchvm'" croft vm edit nosuchvm --vcpus 1
refuse 1 "no VM named 'nosuchvm'" croft vm console nosuchvm
refuse 1 "no VM named 'nosuchvm'" croft vm pause nosuchvm
refuse 1 "no VM named 'nosuchvm'" croft vm shutdown nosuchvm
t_end

t_begin "unknown VM with --json: error object on stdout, message on stderr"
refuse 1 "no VM named 'nosuchvm'" croft vm info nosuchvm --json
assert_eq not_found "$(jq -r .error.code <<<"$R_OUT" 2>/dev/null)" "json error code"
t_end

# --- names --------------------------------------------------------------------

t_begin "duplicate name is refused and the first VM is unchanged"
refuse 1 "a VM named 'base' already exists" \
	croft vm create base --vcpus 2 --memory 128M --disk 32M
refuse 1 "a VM named 'run1' already exists" croft vm create run1 --memory 64M
run1_alive "duplicate create"
t_end

LONG=$(printf 'a%.0s' $(seq 64))
t_begin "invalid names (CLI): empty, 64 chars, leading '-', '/', space, non-ASCII"
refuse 2 "VM name is empty" croft vm create '' --memory 64M
refuse 2 "is 64 characters long; the limit is 63" croft vm create "$LONG" --memory 64M
refuse 2 "VM name '-bad' must start with a letter or a digit" croft vm create --memory 64M -- -bad
refuse 2 "unknown option '-bad'" croft vm create -bad --memory 64M
refuse 2 "VM name 'a/b' contains '/'" croft vm create a/b --memory 64M
refuse 2 "VM name 'a b' contains ' '" croft vm create 'a b' --memory 64M
refuse 2 "non-ASCII byte (0xc3)" croft vm create 'vmé' --memory 64M
t_end

t_begin "invalid names (API): croftd checks them too"
snap_take
for pair in '""|VM name is empty' \
	"\"$LONG\"|is 64 characters long; the limit is 63" \
	'"-bad"|must start with a letter or a digit' \
	'"a/b"|contains '"'/'" \
	'"a b"|contains '"' '" \
	'"vmé"|non-ASCII byte (0xc3)' \
	'"../x"|must start with a letter or a digit'; do
	nm=${pair%%|*}
	want=${pair#*|}
	r=$(api_reply 1 "$(vm_create_raw 1 "{\"name\":$nm,\"vcpus\":1,\"memory_mib\":64}")")
	api_expect "$r" invalid_argument "$want" "vm.create name $nm"
done
snap_check "API creates with bad names"
t_end

# --- sizes and counts ---------------------------------------------------------

t_begin "memory and vcpus out of range (CLI)"
refuse 2 "memory-min (128M) is above memory (64M)" \
	croft vm create m1 --memory 64M --memory-min 128M
refuse 2 "vcpus must be between 1 and 255, not 0" croft vm create m1 --vcpus 0 --memory 64M
refuse 2 "'-1'" croft vm create m1 --vcpus -1 --memory 64M
refuse 2 "vcpus must be between 1 and 255, not 256" croft vm create m1 --vcpus 256 --memory 64M
refuse any "exceeds the host's $NPROC CPUs" croft vm create m1 --vcpus $((NPROC + 1)) --memory 64M
assert_contains "$R_ERR" "vcpus ($((NPROC + 1)))" "vcpus message names the count"
refuse 2 "memory must be between 16M and 16T, not 8M" croft vm create m1 --memory 8M
refuse any "exceeds the host's total memory" croft vm create m1 --memory $((MEM_MIB * 2))M
refuse 2 "size 'lots'" croft vm create m1 --memory lots
refuse 2 "--vcpus" croft vm create m1 --vcpus two --memory 64M
t_end

t_begin "memory and vcpus out of range (API)"
api_refuse_creates 5 '"name":"m1"' "API creates with bad sizes" <<EOF
"vcpus":0,"memory_mib":64|invalid_argument|vcpus must be between 1 and 255, not 0
"vcpus":-1,"memory_mib":64|invalid_argument|vcpus must be between 1 and 255, not -1
"vcpus":256,"memory_mib":64|invalid_argument|vcpus must be between 1 and 255, not 256
"vcpus":$((NPROC + 1)),"memory_mib":64|invalid_argument|vcpus ($((NPROC + 1))) exceeds the host's $NPROC CPUs
"vcpus":1,"memory_mib":8|invalid_argument|memory must be between 16M and 16T, not 8M
"vcpus":1,"memory_mib":0|invalid_argument|memory must be a positive number of MiB
"vcpus":1,"memory_mib":$((MEM_MIB * 2))|invalid_argument|exceeds the host's total memory
"vcpus":1,"memory_mib":64,"memory_min_mib":128|invalid_argument|memory-min (128M) is above memory (64M)
"vcpus":1,"memory_mib":64,"memory_min_mib":8|invalid_argument|memory-min must be at least 16M, not 8M
"vcpus":1,"memory_mib":64,"memory_min_mib":-1|invalid_argument|memory-min must not be negative
"vcpus":1|invalid_argument|vm.create needs the argument "memory_mib"
"vcpus":1.0,"memory_mib":64|invalid_argument|argument "vcpus" must be an integer
EOF
t_end

# --- files, disks, boot, firmware ---------------------------------------------

t_begin "disks, cdrom, kernel, boot and firmware (CLI)"
refuse any "disk image '$T/nope.qcow2' does not exist" croft vm create f1 --memory 64M --disk "$T/nope.qcow2"
refuse 2 "disk size must be between 1M and 64T" croft vm create f1 --memory 64M --disk 0
refuse 2 "disk size must be between 1M and 64T, not 100T" croft vm create f1 --memory 64M --disk 100T
refuse any "cdrom image '$T/nope.iso' does not exist" croft vm create f1 --memory 64M --cdrom "$T/nope.iso"
refuse any "kernel '$T/nope-vmlinuz' does not exist" croft vm create f1 --memory 64M --kernel "$T/nope-vmlinuz"
refuse any "initrd '$T/nope-initrd' does not exist" croft vm create f1 --memory 64M --kernel "$GUEST_KERNEL" --initrd "$T/nope-initrd"
refuse 2 "--initrd needs --kernel" croft vm create f1 --memory 64M --initrd "$GUEST_INITRD"
refuse 2 "--append needs --kernel" croft vm create f1 --memory 64M --append console=ttyS0
refuse any "boot order 'cdrom' names cdrom but the VM has no" croft vm create f1 --memory 64M --disk 64M --boot cdrom
refuse 2 "floppy" croft vm create f1 --memory 64M --boot floppy
refuse 2 "efi" croft vm create f1 --memory 64M --firmware efi
assert_contains "$R_ERR" "bios" "firmware message names the choices"
[ -e "$POOL/f1-disk0.qcow2" ] && fail "f1-disk0.qcow2 was created"
t_end

t_begin "disks, cdrom, kernel, boot and firmware (API)"
api_refuse_creates 6 '"name":"f1","vcpus":1,"memory_mib":64' "API creates with bad files" <<EOF
"disks":[{"path":"$T/nope.qcow2"}]|not_found|disk image '$T/nope.qcow2' does not exist
"disks":[{"path":"nope.qcow2"}]|invalid_argument|must be absolute
"disks":[{"path":"$T"}]|invalid_argument|is not a regular file
"disks":[{"size_bytes":0}]|invalid_argument|size_bytes must be a positive integer
"disks":[{"size_bytes":1000}]|invalid_argument|disk size must be between 1M and 64T, not 1000B
"disks":[{"size_bytes":109951162777600}]|invalid_argument|disk size must be between 1M and 64T
"disks":[{"sz":1048576}]|invalid_argument|disks[0] must be an object with either "size_bytes" or "path"
"disks":[{"size_bytes":1048576,"sz":1}]|invalid_argument|disks[0] has an unknown member "sz"
"disks":[{"size_bytes":1048576,"path":"$GUEST_ISO"}]|invalid_argument|disks[0] must be an object with either
"disks":[{"path":"$GUEST_ISO"},{"path":"$GUEST_ISO"}]|invalid_argument|is given twice
"cdrom":"$T/nope.iso"|not_found|cdrom image '$T/nope.iso' does not exist
"kernel":"$T/nope-vmlinuz"|not_found|kernel '$T/nope-vmlinuz' does not exist
"cdrom":"$GUEST_ISO","boot":"cdrom","initrd":"$GUEST_INITRD"|invalid_argument|initrd needs a kernel
"cdrom":"$GUEST_ISO","boot":"cdrom","append":"console=ttyS0"|invalid_argument|append needs a kernel
"disks":[]|invalid_argument|boot order 'disk' names disk but the VM has no disk
"boot":"cdrom"|invalid_argument|boot order 'cdrom' names cdrom but the VM has no
"boot":"floppy"|invalid_argument|boot device 'floppy' is unknown
"boot":"disk,disk"|invalid_argument|boot device 'disk' is listed twice
"firmware":"efi"|invalid_argument|firmware 'efi' is unknown; use bios or uefi
EOF
t_end

t_begin "a disk attached to another VM is refused"
refuse 1 "disk image $POOL/base-disk0.qcow2 is already attached to VM 'base'" \
	croft vm create att --memory 64M --disk "$POOL/base-disk0.qcow2"
refuse 1 "is already attached to VM 'run1'" \
	croft vm create att --memory 64M --disk "$POOL/run1-disk0.qcow2"
qemu-img create -q -f qcow2 "$T/ext.qcow2" 32M
expect_ok croft vm create ext1 --memory 64M --disk "$T/ext.qcow2" "${KARGS[@]}"
refuse 1 "disk image $T/ext.qcow2 is already attached to VM 'ext1'" \
	croft vm create ext2 --memory 64M --disk 64M --disk "$T/ext.qcow2"
[ -e "$POOL/ext2-disk0.qcow2" ] && fail "ext2-disk0.qcow2 left behind"
run1_alive "attached-disk refusals"
t_end

t_begin "the same image under another name is still attached (API path spelling, hard link); '..' is refused"
snap_take
r=$(api_reply 51 "$(vm_create_raw 51 "{\"name\":\"alias1\",\"vcpus\":1,\"memory_mib\":64,\"disks\":[{\"path\":\"$POOL/./base-disk0.qcow2\"}]}")")
api_expect "$r" invalid_state "already attached to VM 'base'" "API path with /./"
r=$(api_reply 52 "$(vm_create_raw 52 "{\"name\":\"alias2\",\"vcpus\":1,\"memory_mib\":64,\"disks\":[{\"path\":\"$T/state/pools/../pools/default/run1-disk0.qcow2\"}]}")")
api_expect "$r" invalid_argument "without '..'" "API path with .."
qemu-img create -q -f qcow2 "$T/free.qcow2" 32M
snap_take
r=$(api_reply 53 "$(vm_create_raw 53 "{\"name\":\"alias3\",\"vcpus\":1,\"memory_mib\":64,\"disks\":[{\"path\":\"$T/free.qcow2\"},{\"path\":\"$T//free.qcow2\"}]}")")
api_expect "$r" invalid_argument "given twice" "API same image twice, two spellings"
snap_check "API attaches of an attached image under other spellings"
# (delete whatever a buggy croftd created, so later snapshots stay meaningful)
for v in alias1 alias2 alias3; do croft vm delete "$v" >/dev/null 2>&1; done
ln "$T/ext.qcow2" "$T/ext-hardlink.qcow2"
refuse 1 "already attached to VM 'ext1'" \
	croft vm create alias4 --memory 64M --disk "$T/ext-hardlink.qcow2" "${KARGS[@]}"
croft vm delete alias4 >/dev/null 2>&1
ln -s "$T/ext.qcow2" "$T/ext-symlink.qcow2"
# (the CLI resolves a link its user can read; croftd itself never follows one)
refuse 1 "already attached to VM 'ext1'" \
	croft vm create alias5 --memory 64M --disk "$T/ext-symlink.qcow2" "${KARGS[@]}"
croft vm delete alias5 >/dev/null 2>&1
t_end

t_begin "a later bad disk leaves no earlier disk behind (checked before creating)"
printf 'QFI\373\0\0\0\3garbagegarbagegarbage' >"$T/corrupt.qcow2"
refuse 1 "$T/corrupt.qcow2" croft vm create atom --memory 64M --disk 64M --disk "$T/corrupt.qcow2"
[ -e "$POOL/atom-disk0.qcow2" ] && fail "atom-disk0.qcow2 left behind (corrupt second disk)"
# a stray image where the second new disk would go
qemu-img create -q -f qcow2 "$POOL/atom-disk1.qcow2" 1M
refuse 1 "$POOL/atom-disk1.qcow2 already exists in the pool" \
	croft vm create atom --memory 64M --disk 64M --disk 64M
[ -e "$POOL/atom-disk0.qcow2" ] && fail "atom-disk0.qcow2 left behind (pool collision)"
rm -f "$POOL/atom-disk1.qcow2"
t_end

t_begin "a disk that fails while being created removes the ones made before it"
# A tiny tmpfs over the pool: the 64M image fits, the 64T image's L1 table
# (1 MiB) does not, so qemu-img fails on disk1 after disk0 was created.
# Run with the pool empty of other VMs' images hidden under the mount.
if mount -t tmpfs -o size=600k,mode=0711 croft-itest-pool "$POOL"; then
	refuse 1 "atom-disk1.qcow2" croft vm create atom --memory 64M --disk 64M --disk 64T
	left=$(ls -A "$POOL")
	assert_eq "" "$left" "pool contents after the failed create"
	umount "$POOL" || fail "umount $POOL"
	refuse 1 "no VM named 'atom'" croft vm info atom
else
	fail "cannot mount a tmpfs over $POOL"
fi
t_end

# --- state errors on the running guest ----------------------------------------

t_begin "starting a running VM: invalid_state, same QEMU keeps running"
refuse 1 "VM 'run1' is already running" croft vm start run1
run1_alive "start while running"
t_end

t_begin "deleting a running VM without --force is refused; disk stays"
refuse 1 "VM 'run1' is running; stop it first, or delete with --force" croft vm delete run1
refuse 1 "VM 'run1' is running" croft vm delete run1 --keep-disks
[ -f "$POOL/run1-disk0.qcow2" ] || fail "run1-disk0.qcow2 is gone"
run1_alive "delete without --force"
t_end

t_begin "pause of a stopped VM, resume of a running VM"
refuse 1 "cannot pause VM 'base': it is stopped" croft vm pause base
refuse 1 "VM 'run1' is running, not paused" croft vm resume run1
refuse 1 "cannot resume VM 'base': it is stopped" croft vm resume base
refuse 1 "VM 'base' is stopped; start it to use its console" croft vm console base
run1_alive "pause/resume refusals"
t_end

t_begin "edit --vcpus on a running VM says stop; offline edit still validated"
refuse 1 "VM 'run1' is running; stop it to change vcpus" croft vm edit run1 --vcpus 1
refuse 1 "stop it to change boot" croft vm edit run1 --boot disk
refuse 1 "it can grow live up to that, not to 512M" croft vm edit run1 --memory 512M
refuse any "exceeds the host's $NPROC CPUs" croft vm edit base --vcpus $((NPROC + 1))
refuse any "vcpus must be between 1 and 255, not 0" croft vm edit base --vcpus 0
refuse any "memory-min (512M) is above memory (256M)" croft vm edit base --memory-min 512M
refuse any "cdrom image '$T/nope.iso' does not exist" croft vm edit base --cdrom "$T/nope.iso"
refuse 2 "efi" croft vm edit base --firmware efi
run1_alive "edit refusals"
t_end

t_begin "shutdown --timeout 0 is refused and the guest keeps running"
refuse any "timeout must be between 1 and 86400 seconds, not 0" croft vm shutdown run1 --timeout 0
refuse any "86401" croft vm shutdown run1 --timeout 86401
sleep 1
run1_alive "shutdown --timeout 0"
t_end

# --- the protocol, raw ----------------------------------------------------------

t_begin "api: malformed requests get bad_request"
api_refuse_table "malformed requests" <<'EOF'
-|not json|bad_request|request is not valid JSON|not JSON
-|[1,2,3]|bad_request|request must be a JSON object|array
11|{"id":11,"args":{"name":"base"}}|bad_request|request has no "op" string|missing op
12|{"id":12,"op":5}|bad_request|request has no "op" string|op not a string
13|{"id":13,"op":"vm.info","args":[1]}|bad_request|request "args" must be a JSON object|args an array
14|{"id":14,"op":"vm.list","extra":1}|bad_request|unknown member "extra"|extra member
-|{"id":1.5,"op":"vm.list"}|bad_request|request "id" must be an integer or a string|float id
-|{"id":1,"id":2,"op":"vm.list"}|bad_request|request is not valid JSON|duplicate keys
EOF
t_end

t_begin "api: unknown op names it; wrong and unknown arguments are named"
api_refuse_table "argument errors" <<'EOF'
21|{"id":21,"op":"vm.frobnicate","args":{"name":"base"}}|unknown_op|unknown op 'vm.frobnicate'|unknown op
22|{"id":22,"op":"vm.create","args":{"name":"typ","vcpus":"2","memory_mib":64}}|invalid_argument|argument "vcpus" must be an integer|vcpus as string
23|{"id":23,"op":"vm.info","args":{"name":"base","colour":"red"}}|invalid_argument|vm.info does not take an argument "colour"|unknown argument
24|{"id":24,"op":"vm.info","args":{}}|invalid_argument|vm.info needs the argument "name"|missing argument
25|{"id":25,"op":"vm.delete","args":{"name":"base","force":"yes"}}|invalid_argument|argument "force" must be true or false|force as string
26|{"id":26,"op":"vm.shutdown","args":{"name":"run1","timeout_s":0}}|invalid_argument|timeout must be between 1 and 86400 seconds, not 0|timeout 0
27|{"id":27,"op":"vm.edit","args":{"name":"base","memory_min_mib":null}}|invalid_argument|argument "memory_min_mib"|null for a non-nullable argument
EOF
run1_alive "argument errors"
t_end

t_begin "api: handshake required first; version 99 refused, connection usable"
snap_take
r=$(api_reply 31 --no-hello '{"id":31,"op":"vm.list"}')
api_expect "$r" handshake_required 'the first request must be "hello"' "before hello"
r=$(api_reply 32 --no-hello "$(vm_create_raw 32 '{"name":"pre","vcpus":1,"memory_mib":64}')")
api_expect "$r" handshake_required 'hello' "create before hello"
out=$(APIRAW --no-hello '{"id":33,"op":"hello","args":{"version":99}}' \
	'{"id":34,"op":"vm.list"}' \
	'{"id":35,"op":"hello","args":{"version":1}}' \
	'{"id":36,"op":"vm.list"}')
r=$(jq -c 'select(.id == 33)' <<<"$out")
api_expect "$r" version_mismatch "protocol version 99" "hello 99"
r=$(jq -c 'select(.id == 34)' <<<"$out")
api_expect "$r" handshake_required "hello" "after failed hello"
assert_eq true "$(jq -r 'select(.id == 35) | .ok' <<<"$out")" "hello 1 after a mismatch"
assert_eq "base,ext1,run1" "$(jq -r 'select(.id == 36) | .result.vms | map(.name) | join(",")' <<<"$out")" "vm.list after hello"
r=$(api_reply 37 --no-hello '{"id":37,"op":"hello","args":{"version":"1"}}')
api_expect "$r" invalid_argument 'argument "version" must be an integer' "hello version as string"
snap_check "handshake errors"
t_end

t_begin "api: ids are echoed (integer and string); no id, no id back"
out=$(APIRAW '{"id":7,"op":"vm.info","args":{"name":"base"}}' \
	'{"id":"req-α","op":"vm.info","args":{"name":"nosuchvm"}}' \
	'{"id":9007199254740993,"op":"vm.list"}' \
	'{"id":-4,"op":"host.info"}' \
	'{"op":"vm.list"}')
assert_eq 1 "$(jq -c 'select(.id == 7 and .ok == true and .result.name == "base")' <<<"$out" | wc -l)" "int id 7"
assert_eq '"req-α"' "$(jq -c 'select(.error.code == "not_found") | .id' <<<"$out")" "string id"
assert_contains "$out" '"id":9007199254740993,' "large int id echoed exactly"
assert_eq 1 "$(jq -c 'select(.id == -4 and .ok == true)' <<<"$out" | wc -l)" "negative id"
assert_eq 1 "$(jq -c 'select((has("id") | not) and .ok == true and (.result.vms | length) == 3)' <<<"$out" | wc -l)" "reply without id"
t_end

t_begin "api: a 2 MiB line gets bad_request 'too long'; the connection still works"
snap_take
out=$(APIRAW --idle 3 '@big:2097152' '{"id":41,"op":"vm.info","args":{"name":"base"}}')
r=$(jq -c 'select(has("id") | not)' <<<"$out" | head -n 1)
api_expect "$r" bad_request "request line too long (limit 1 MiB)" "2 MiB line"
assert_eq 1 "$(jq -c 'select(has("id") | not)' <<<"$out" | wc -l)" "replies to the long line"
assert_eq base "$(jq -r 'select(.id == 41) | .result.name' <<<"$out")" "next request after the long line"
snap_check "2 MiB line"
t_end

t_begin "api: the tail of an overlong line is not run as a request"
snap_take
tail_req=$(vm_create_raw '"tail"' '{"name":"tailvm","vcpus":1,"memory_mib":64,"disks":[{"size_bytes":1048576}]}')
out=$(APIRAW --idle 3 "@pad:1048600:$tail_req" '{"id":42,"op":"vm.list"}')
assert_eq "" "$(jq -c 'select(.id == "tail")' <<<"$out")" "reply to the tail"
assert_eq "base,ext1,run1" "$(jq -r 'select(.id == 42) | .result.vms | map(.name) | join(",")' <<<"$out")" "VMs after the overlong line"
[ -e "$POOL/tailvm-disk0.qcow2" ] && fail "tailvm-disk0.qcow2 was created"
snap_check "overlong line with a request at its end"
t_end

# --- CLI exit codes --------------------------------------------------------------

t_begin "CLI exit codes: 2 usage, 1 refusal, 3 unreachable"
refuse 2 "vm create needs a VM name" croft vm create
refuse 2 "unknown option '--colour'" croft vm create x --memory 64M --colour red
refuse 2 "--memory" croft vm create x
refuse 2 "" croft vm frobnicate x
refuse 2 "" croft vm start
refuse 2 "" croft vm info a b
refuse 1 "no VM named 'x'" croft vm start x
rc=0
err=$(CROFT_SOCKET="$T/nowhere/croftd.sock" "$BUILD/croft" vm list 2>&1 >/dev/null) || rc=$?
assert_eq 3 "$rc" "exit status with a missing socket"
assert_contains "$err" "$T/nowhere/croftd.sock" "message names the socket"
rc=0
err=$("$BUILD/croft" --socket "$T/nowhere2.sock" vm info base 2>&1 >/dev/null) || rc=$?
assert_eq 3 "$rc" "exit status with --socket to a missing socket"
assert_contains "$err" "$T/nowhere2.sock" "message names the --socket path"
: >"$T/notasocket"
rc=0
err=$(CROFT_SOCKET="$T/notasocket" "$BUILD/croft" vm list 2>&1 >/dev/null) || rc=$?
assert_eq 3 "$rc" "exit status with a non-socket path"
assert_contains "$err" "$T/notasocket" "message names the non-socket path"
t_end

t_begin "after all refusals: the guest ran on, the fixtures are intact"
run1_alive "the end"
assert_eq "base,ext1,run1" "$(croft vm list --json | jq -r 'map(.name) | join(",")')" "VM names"
assert_eq 3 "$(sqlite3 "$DB" 'select count(*) from vms')" "store VM rows"
assert_eq 3 "$(sqlite3 "$DB" 'select count(*) from disks')" "store disk rows"
expect_ok croft vm stop run1
wait_state run1 stopped 30
t_end
