#!/bin/bash
# test_security.sh — who may talk to croftd, how QEMU is confined, and what
# croftd refuses at start-up.
#
# The API socket is 0660 root:croft and each connection is checked with
# SO_PEERCRED; QEMU runs as croft-qemu with -sandbox on and no_new_privs,
# VNC only on a unix socket; a second croftd on the same state is refused.
# (The files QEMU gets, which croftd opens and passes as descriptors, are
# attacked in test_security_disks.sh.)
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

itest_setup

CROFT_GID=$(getent group croft | cut -d: -f3)
itest_share_tools

# as_user SETPRIV-ARGS... -- CMD... — run CMD through setpriv.
as_user() {
	setpriv "$@"
}

# refused_croftd STATE-DIR RUN-DIR SUBSTRING WHAT — another croftd on these
# dirs must exit non-zero at once, with SUBSTRING in its output.
refused_croftd() {
	local rc=0 out
	out=$(CROFT_ACCEL=tcg timeout 20 "$BUILD/croftd" --state-dir "$1" --run-dir "$2" \
		--foreground 2>&1 </dev/null) || rc=$?
	[ "$rc" -eq 124 ] && fail "$4 kept running"
	assert_ne 0 "$rc" "$4: exit status"
	assert_contains "$out" "$3" "$4: message"
}

store_rows() {
	sqlite3 "$DB" "select count(*) from vms; select count(*) from disks; select * from vms order by id;"
}

t_begin "the API socket is mode 0660, group croft"
[ -n "$CROFT_GID" ] || fail "group croft does not exist on this host"
assert_eq "660 root croft" "$(stat -c '%a %U %G' "$CROFT_SOCKET")" "socket mode/owner/group"
t_end

t_begin "SO_PEERCRED: nobody (not in group croft) is refused even with a 0666 socket"
before=$(store_rows)
chmod 0666 "$CROFT_SOCKET"
out=$(as_user --reuid=nobody --regid=nogroup --clear-groups \
	/usr/bin/python3 "$T/apiraw.py" --socket "$CROFT_SOCKET" \
	'{"id":1,"op":"vm.create","args":{"name":"intruder","vcpus":1,"memory_mib":64,"disks":[{"size_bytes":1048576}]}}' 2>&1)
r=$(grep '^{' <<<"$out" | head -n 1)
assert_eq permission_denied "$(jq -r .error.code <<<"$r" 2>/dev/null)" "error code ($out)"
assert_contains "$(jq -r .error.message <<<"$r" 2>/dev/null)" "not in group croft" "message"
assert_contains "$(jq -r .error.message <<<"$r" 2>/dev/null)" "nobody" "message names the user"
assert_eq "" "$(jq -r 'select(.id != null) | .id' <<<"$r" 2>/dev/null)" "the refusal has no id"
assert_contains "$out" "EOF" "croftd closes the connection"
assert_eq 0 "$(grep -c '"ok":true' <<<"$out")" "successful replies to nobody"
assert_eq "$before" "$(store_rows)" "store after nobody's create"
[ -e "$T/state/pools/default/intruder-disk0.qcow2" ] && fail "intruder's disk was created"
grep -q "refused API connection.*nobody" "$T/croftd.log" || fail "croftd.log has no 'refused API connection' line for nobody"
chmod 0660 "$CROFT_SOCKET"
t_end

t_begin "SO_PEERCRED: the croft CLI run by nobody shows why it was refused"
chmod 0666 "$CROFT_SOCKET"
rc=0
err=$(as_user --reuid=nobody --regid=nogroup --clear-groups \
	"$T/croft" --socket "$CROFT_SOCKET" vm list 2>&1 >/dev/null) || rc=$?
chmod 0660 "$CROFT_SOCKET"
assert_ne 0 "$rc" "exit status"
assert_contains "$err" "not in group croft" "croft's stderr"
t_end

t_begin "with the socket at 0660, nobody cannot even connect (exit 3, says why)"
rc=0
err=$(as_user --reuid=nobody --regid=nogroup --clear-groups \
	"$T/croft" --socket "$CROFT_SOCKET" vm list 2>&1 >/dev/null) || rc=$?
assert_eq 3 "$rc" "exit status"
assert_contains "$err" "Permission denied" "stderr"
assert_contains "$err" "croft group" "stderr hints at the group"
t_end

t_begin "a process whose primary group is croft is allowed"
rc=0
out=$(as_user --reuid=nobody --regid="$CROFT_GID" --clear-groups \
	"$T/croft" --socket "$CROFT_SOCKET" vm list --json 2>&1) || rc=$?
assert_eq 0 "$rc" "exit status ($out)"
assert_eq "[]" "$(jq -c . <<<"$out" 2>/dev/null)" "vm list"
t_end

t_begin "a user who is a member of group croft is allowed"
if itest_member_add "citest$$"; then
	rc=0
	out=$(as_user --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		"$T/croft" --socket "$CROFT_SOCKET" vm create memberok --memory 64M \
		"${KARGS[@]}" 2>&1) || rc=$?
	assert_eq 0 "$rc" "create as a croft member ($out)"
	assert_eq stopped "$(vm_state memberok)" "memberok state"
	out=$(as_user --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups \
		/usr/bin/python3 "$T/apiraw.py" --socket "$CROFT_SOCKET" \
		'{"id":2,"op":"vm.delete","args":{"name":"memberok"}}' 2>&1)
	assert_eq true "$(jq -r 'select(.id == 2) | .ok' <<<"$out" 2>/dev/null)" "delete as a croft member ($out)"
else
	fail "useradd $ITEST_MEMBER failed"
fi
itest_member_del
getent passwd "citest$$" >/dev/null && fail "temporary user citest$$ still exists"
t_end

t_begin "QEMU runs as its VM's own uid from croft-qemu's range, sandboxed, no_new_privs, no VNC listener"
expect_ok croft vm create sec1 --vcpus 1 --memory 256M --disk 64M "${KARGS[@]}"
expect_ok croft vm start sec1
wait_state sec1 running 60
PID=$(vm_pid sec1)
read -r RANGE_UID RANGE_N < <(awk -F: '$1 == "croft-qemu" { print $2, $3; exit }' /etc/subuid)
read -r RANGE_GID _ < <(awk -F: '$1 == "croft-qemu" { print $2, $3; exit }' /etc/subgid)
if [ -z "$PID" ]; then
	fail "no QEMU pid for sec1"
elif [ -z "${RANGE_UID:-}" ]; then
	fail "no range for croft-qemu in /etc/subuid (installer/setup-host.sh)"
else
	assert_eq "$PID" "$(vm_json sec1 | json_get pid)" "pid in vm info"
	uid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$PID/status")
	gid=$(awk '$1 == "Gid:" { print $2 }' "/proc/$PID/status")
	[ "$uid" -ge "$RANGE_UID" ] && [ "$uid" -lt $((RANGE_UID + RANGE_N)) ] ||
		fail "QEMU's uid $uid is outside croft-qemu's range $RANGE_UID+$RANGE_N"
	assert_eq $((uid - RANGE_UID)) $((gid - RANGE_GID)) "uid and gid take the same slot"
	for f in Uid Gid; do
		ids=$(awk -v f="$f:" '$1 == f { print $2, $3, $4, $5 }' "/proc/$PID/status")
		want=$uid
		[ "$f" = Gid ] && want=$gid
		assert_eq "$want $want $want $want" "$ids" "$f (real, effective, saved, fs)"
	done
	groups=$(awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$PID/status" | tr -s ' ')
	case " $groups " in *" 0 "* | *" $CROFT_GID "* | *" $(id -g croft-qemu) "*)
		fail "QEMU keeps privileged or shared groups:$groups" ;; esac
	assert_eq 0 "$(awk '$1 == "CapEff:" { print $2 + 0 }' "/proc/$PID/status")" "QEMU's effective capabilities"
	assert_eq 1 "$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$PID/status")" "NoNewPrivs"
	assert_eq 2 "$(awk '$1 == "Seccomp:" { print $2 }' "/proc/$PID/status")" "Seccomp mode (filter)"
	cmd=$(tr '\0' '\n' <"/proc/$PID/cmdline")
	sb=$(grep -A1 -x -- '-sandbox' <<<"$cmd" | tail -n 1)
	assert_eq "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny" "$sb" "-sandbox value"
	grep -qx -- '-daemonize' <<<"$cmd" && fail "QEMU runs with -daemonize"
	grep -qx -- '-pidfile' <<<"$cmd" && fail "QEMU writes a pidfile"
	assert_eq none,password=on "$(grep -A1 -x -- '-vnc' <<<"$cmd" | tail -n 1)" "-vnc value"
	grep -qE 'tcp:|websocket|0\.0\.0\.0|localhost:|127\.0\.0\.1' <<<"$cmd" && fail "QEMU has a TCP listener on its command line"
	tcp=$(ss -Hltnp 2>/dev/null | grep "pid=$PID," || true)
	assert_eq "" "$tcp" "TCP sockets QEMU listens on"
	# QEMU is croftd's child, in a session of its own
	assert_eq "$CROFTD_PID" "$(awk '{ print $4 }' "/proc/$PID/stat")" "QEMU's parent"
	assert_eq "$PID" "$(awk '{ print $6 }' "/proc/$PID/stat")" "QEMU's session"
	# the per-VM run directory and everything in it are root's alone
	assert_eq "700 root" "$(stat -c '%a %U' "$T/run/vm/sec1")" "run dir mode/owner"
	for s in qmp.sock serial.sock serial.log qemu.pid; do
		o=$(stat -c '%a %U' "$T/run/vm/sec1/$s" 2>/dev/null)
		[ -n "$o" ] || { fail "$s missing"; continue; }
		case "$o" in 6?0\ root) ;; *) fail "$s is $o, not root's" ;; esac
	done
	[ -e "$T/run/vm/sec1/vnc.sock" ] && fail "a VNC socket exists"
	# files reach QEMU as descriptors: the image is not handed to the VM's uid
	assert_eq "600 croft-qemu" "$(stat -c '%a %U' "$T/state/pools/default/sec1-disk0.qcow2")" "disk image mode/owner"
fi
t_end

t_begin "a second croftd on the same state dir is refused; the first keeps serving"
sock_ino=$(stat -c %i "$CROFT_SOCKET")
for rd in "$T/run2" "$T/run"; do
	refused_croftd "$T/state" "$rd" "another croftd" "second croftd (run dir $rd)"
done
[ -e "$T/run2/croftd.sock" ] && fail "the refused croftd left a socket in $T/run2"
kill -0 "$CROFTD_PID" 2>/dev/null || fail "the first croftd died"
assert_eq "$sock_ino" "$(stat -c %i "$CROFT_SOCKET" 2>/dev/null)" "socket inode (the first croftd's)"
expect_ok croft vm info sec1
assert_eq running "$(vm_state sec1)" "sec1 after the refused croftds"
# a second croftd with another state dir but this run dir must not steal the socket
refused_croftd "$T/state2" "$T/run" "$CROFT_SOCKET" "croftd on a busy run dir"
assert_eq "$sock_ino" "$(stat -c %i "$CROFT_SOCKET" 2>/dev/null)" "socket inode after a croftd on the same run dir"
expect_ok croft vm list
t_end

t_begin "croftd with CROFT_ACCEL=bogus exits 2 naming the value"
rc=0
out=$(CROFT_ACCEL=bogus timeout 20 "$BUILD/croftd" --state-dir "$T/bogus/state" \
	--run-dir "$T/bogus/run" --foreground 2>&1 </dev/null) || rc=$?
assert_eq 2 "$rc" "exit status"
assert_contains "$out" "CROFT_ACCEL='bogus'" "message"
assert_contains "$out" "auto, kvm, tcg" "message lists the choices"
[ -S "$T/bogus/run/croftd.sock" ] && fail "croftd with a bad CROFT_ACCEL left a socket"
t_end

t_begin "sec1 stops"
expect_ok croft vm stop sec1
t_end
