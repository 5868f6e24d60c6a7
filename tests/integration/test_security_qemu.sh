#!/bin/bash
# test_security_qemu.sh — a compromised QEMU holds only its own VM, and no
# console client stalls croftd (issue 9, attacks 2, 3, 4, 6 (console) and 7).
# Each attack is made for real:
#   - as VM a's QEMU uid (setpriv): plant a symlink at serial.sock, rewrite
#     or replace the pidfile, create files in a's run directory: all refused
#     (croftd's directory, mode 0700 root), nothing changed;
#   - even a pidfile naming another process (or a FIFO, planted as root):
#     `vm stop` kills only QEMU, and never reads it;
#   - a symlink planted at serial.sock (as root): the console still reaches
#     the guest, never the link's target;
#   - from a's uid, TUNSETIFF on stopped VM b's tap: refused, b's tap
#     unchanged (b's own uid may: the helper works);
#   - a croft-group member opens 5 consoles of one VM: the 5th gets "busy"
#     at once, and other requests still answer;
#   - a guest floods its serial port: serial.log stays within 1 MiB plus one
#     rotated copy, and `croft vm log` shows the tail;
#   - croftd is killed; a decoy whose command line is d's QEMU's (as root)
#     waits while d's real QEMU is gone: the next croftd re-adopts a (by its
#     uid and command line), marks d crashed and leaves the decoy alone.
# Guests: TCG, 1 vCPU, 128M; a and b on a host-only network.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

itest_net_guest_setup
itest_share_tools

read -r UID_BASE UID_N < <(awk -F: '$1 == "croft-qemu" { print $2, $3; exit }' /etc/subuid)
read -r GID_BASE _ < <(awk -F: '$1 == "croft-qemu" { print $2, $3; exit }' /etc/subgid)
[ -n "${UID_BASE:-}" ] && [ -n "${GID_BASE:-}" ] || die "no range for croft-qemu in /etc/subuid, /etc/subgid"

# vm_ids VM — "UID GID" of the VM's QEMU, from its uid slot in the store.
vm_ids() {
	local slot
	slot=$(sqlite3 "$DB" "SELECT uid_slot FROM vm_host JOIN vms ON vms.id = vm_host.vm_id WHERE vms.name = '$1'")
	[ -n "$slot" ] && echo "$((UID_BASE + slot)) $((GID_BASE + slot))"
}

# as_vm VM CMD... — run CMD as VM's QEMU uid and gid, no other groups.
as_vm() {
	local ids
	ids=$(vm_ids "$1") || return 99
	shift
	# shellcheck disable=SC2086
	set -- ${ids% *} ${ids#* } "$@"
	local u=$1 g=$2
	shift 2
	setpriv --reuid="$u" --regid="$g" --clear-groups -- "$@"
}

# snap FILE — type, owner, mode, inode and (but for serial.log, which the
# guest may be writing to) content digest of FILE.
snap() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		echo "$(stat -c '%F %U %a %i' "$1") $( [ -f "$1" ] && [ "${1##*/}" != serial.log ] &&
			sha1sum <"$1" | cut -c1-12)"
	else
		echo absent
	fi
}

cat >"$T/tunsetiff.py" <<'PY'
import fcntl, os, struct, sys
TUNSETIFF = 0x400454ca
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000
fd = os.open("/dev/net/tun", os.O_RDWR)
try:
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", sys.argv[1].encode(),
                                           IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
except OSError as e:
    print("refused: %s" % e.strerror)
    sys.exit(1)
print("attached")
PY

cat >"$T/consoles.py" <<'PY'
# consoles.py SOCKET VM N — open N vm.console connections (each its own API
# connection) and hold them; print one line per attempt: "ok MS" or
# "CODE MS".  Then "held" and wait for stdin to close.
import array, json, socket, sys, time
path, vm, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
held = []
def call(s, line):
    s.sendall((json.dumps(line) + "\n").encode())
    buf, fds = b"", []
    while not buf.endswith(b"\n"):
        data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(16))
        if not data:
            break
        buf += data
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                a = array.array("i")
                a.frombytes(raw[:len(raw) - len(raw) % a.itemsize])
                fds += list(a)
    return json.loads(buf.decode().splitlines()[-1]), fds
for i in range(n):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    call(s, {"id": "h", "op": "hello", "args": {"version": 1}})
    t = time.monotonic()
    reply, fds = call(s, {"id": i, "op": "vm.console", "args": {"name": vm}})
    ms = int((time.monotonic() - t) * 1000)
    if reply.get("ok") and fds:
        print("ok %d" % ms, flush=True)
        held.append((s, fds))
    else:
        print("%s %d %s" % (reply.get("error", {}).get("code"), ms,
                            reply.get("error", {}).get("message")), flush=True)
print("held", flush=True)
sys.stdin.read()
PY
chmod 0644 "$T/tunsetiff.py" "$T/consoles.py"

t_begin "setup: a running and b stopped on a host-only network, each its own uid"
expect_ok croft net create lan --mode host-only || die "net create"
for vm in a b; do
	net_vm_create "$vm" || fail "vm create $vm"
	expect_ok croft vm nic add "$vm" --net lan
done
expect_ok croft vm start a
wait_serial a 'CROFT-GUEST: ready' 120
PID_A=$(vm_pid a)
read -r UA GA <<<"$(vm_ids a)"
read -r UB GB <<<"$(vm_ids b)"
[ -n "$UA" ] && [ -n "$UB" ] && [ "$UA" != "$UB" ] || fail "a and b have no distinct uids ('$UA' '$UB')"
assert_eq "$UA" "$(awk '$1 == "Uid:" { print $2 }' "/proc/$PID_A/status")" "a's QEMU runs as a's uid"
# QEMU ignores SIGPIPE: its stdout and stderr (a pipe to croftd) cannot
# kill it once croftd is gone.
sigign=$(awk '$1 == "SigIgn:" { print $2 }' "/proc/$PID_A/status")
[ $((0x$sigign & (1 << 12))) -ne 0 ] || fail "QEMU does not ignore SIGPIPE (SigIgn $sigign)"
TAP_A=$(nic_get a 0 tap)
TAP_B=$(nic_get b 0 tap)
assert_eq "$UA" "$(in_host ip -j -d link show dev "$TAP_A" | jq -r '.[0].linkinfo.info_data.user')" "a's tap owner"
assert_eq "$UB" "$(in_host ip -j -d link show dev "$TAP_B" | jq -r '.[0].linkinfo.info_data.user')" "b's tap owner"
t_end

RUN_A=$T/run/vm/a
t_begin "as a's QEMU uid: no symlink at serial.sock, no pidfile rewrite, no file in the run dir"
before=""
for f in serial.sock qmp.sock qemu.pid serial.log x; do before+="$f: $(snap "$RUN_A/$f")"$'\n'; done
as_vm a ln -sf "$CROFT_SOCKET" "$RUN_A/serial.sock" 2>/dev/null && fail "a's uid planted a symlink at serial.sock"
as_vm a sh -c "echo 1 >'$RUN_A/qemu.pid'" 2>/dev/null && fail "a's uid rewrote qemu.pid"
as_vm a mv -f "$RUN_A/qemu.pid" "$RUN_A/x" 2>/dev/null && fail "a's uid moved qemu.pid"
as_vm a mkfifo "$RUN_A/x" 2>/dev/null && fail "a's uid made a FIFO in the run dir"
as_vm a touch "$RUN_A/x" 2>/dev/null && fail "a's uid created a file in the run dir"
as_vm a rm -f "$RUN_A/serial.log" 2>/dev/null && [ ! -e "$RUN_A/serial.log" ] && fail "a's uid removed serial.log"
after=""
for f in serial.sock qmp.sock qemu.pid serial.log x; do after+="$f: $(snap "$RUN_A/$f")"$'\n'; done
assert_eq "$before" "$after" "the run dir after the attempts"
assert_eq "700 root" "$(stat -c '%a %U' "$RUN_A")" "a's run dir"
t_end

t_begin "from a's uid, TUNSETIFF on stopped b's tap is refused; b's tap unchanged"
tap_b_before=$(in_host ip -d link show dev "$TAP_B" | grep -v -e 'RX\|TX\|^ *[0-9]')
out=$(in_host setpriv --reuid="$UA" --regid="$GA" --clear-groups -- /usr/bin/python3 "$T/tunsetiff.py" "$TAP_B" 2>&1)
assert_contains "$out" "refused: Operation not permitted" "TUNSETIFF from a's uid"
assert_eq "$tap_b_before" "$(in_host ip -d link show dev "$TAP_B" | grep -v -e 'RX\|TX\|^ *[0-9]')" "b's tap"
# the check works: b's own uid may attach to it
out=$(in_host setpriv --reuid="$UB" --regid="$GB" --clear-groups -- /usr/bin/python3 "$T/tunsetiff.py" "$TAP_B" 2>&1)
assert_eq attached "$out" "TUNSETIFF from b's own uid"
t_end

t_begin "a symlink planted at serial.sock (as root) does not redirect the console"
ln -sf "$CROFT_SOCKET" "$RUN_A/serial.sock"
if guest_ok a "echo CROFT-STILL-THE-GUEST"; then
	assert_contains "$GUEST_OUT" "CROFT-STILL-THE-GUEST" "the console reached the guest"
fi
rm -f "$RUN_A/serial.sock"
t_end

t_begin "5 consoles of one VM by a croft-group member: the 5th is busy at once, others still answer"
itest_member_add "citq$$" || die "useradd"
coproc CONS { setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups -- \
	/usr/bin/python3 "$T/consoles.py" "$CROFT_SOCKET" a 5 2>&1; }
lines=()
while read -r -t 30 line <&"${CONS[0]}"; do
	[ "$line" = held ] && break
	lines+=("$line")
done
assert_eq 5 "${#lines[@]}" "answers to 5 vm.console calls"
for i in 0 1 2 3; do
	case "${lines[$i]:-}" in ok\ *) ;; *) fail "console $((i + 1)): ${lines[$i]:-none}" ;; esac
done
case "${lines[4]:-}" in
busy\ *)
	ms=$(awk '{ print $2 }' <<<"${lines[4]}")
	[ "$ms" -lt 2000 ] || fail "the busy answer took $ms ms"
	assert_contains "${lines[4]}" "already has 4 clients" "busy message" ;;
*) fail "5th console: ${lines[4]:-none}" ;;
esac
t0=$SECONDS
out=$(setpriv --reuid="$ITEST_MEMBER" --regid=nogroup --init-groups -- "$T/croft" vm list 2>&1) ||
	fail "vm list while 4 consoles are held: $out"
[ $((SECONDS - t0)) -le 5 ] || fail "vm list took $((SECONDS - t0)) s"
assert_contains "$out" "running" "vm list output"
exec {CONS[1]}>&-
wait "$CONS_PID" 2>/dev/null
itest_member_del
t_end

t_begin "a guest flooding its serial port: serial.log stays at 1 MiB plus one rotated copy"
expect_ok croft vm create f --vcpus 1 --memory 128M "${KARGS[@]}"
expect_ok croft vm start f
wait_serial f 'CROFT-GUEST: ready' 120
printf 'yes CROFT-FLOOD-0123456789abcdefghijklmnopqrstuvwxyz\n' |
	CROFT_CONSOLE_LINGER_MS=1000 croft vm console f >/dev/null 2>&1
end=$((SECONDS + 240))
while [ ! -e "$T/run/vm/f/serial.log.1" ] && [ "$SECONDS" -lt "$end" ]; do sleep 1; done
[ -e "$T/run/vm/f/serial.log.1" ] || fail "no rotation within 240 s (serial.log is $(stat -c %s "$T/run/vm/f/serial.log") bytes)"
for i in 1 2 3 4 5; do
	for f in serial.log serial.log.1; do
		size=$(stat -c %s "$T/run/vm/f/$f" 2>/dev/null || echo 0)
		[ "$size" -le 1048576 ] || fail "$f is $size bytes"
	done
	sleep 1
done
t0=$SECONDS
out=$(croft vm log f --bytes 4K) || fail "croft vm log f failed"
[ $((SECONDS - t0)) -le 5 ] || fail "vm log took $((SECONDS - t0)) s during the flood"
[ "${#out}" -le 4096 ] || fail "vm log --bytes 4K printed ${#out} bytes"
assert_contains "$out" "CROFT-FLOOD-0123456789" "the tail of the log"
# --follow goes on past the first answer (across rotations)
n=$(timeout 5 "$BUILD/croft" vm log f --bytes 1K --follow 2>/dev/null | head -c 300000 | wc -c)
[ "$n" -gt 100000 ] || fail "vm log --follow printed only $n bytes of the flood"
expect_ok croft vm stop f
t_end

t_begin "vm stop kills only QEMU: a pidfile naming another process, or a FIFO, is never read"
expect_ok croft vm start b
wait_serial b 'CROFT-GUEST: ready' 120
PID_B=$(vm_pid b)
sleep 600 &
VICTIM=$!
echo "$VICTIM" >"$RUN_A/qemu.pid"
rm -f "$T/run/vm/b/qemu.pid"
mkfifo "$T/run/vm/b/qemu.pid"
expect_ok timeout 30 "$BUILD/croft" vm stop b
wait_pid_gone "$PID_B" 10
kill -0 "$VICTIM" 2>/dev/null || fail "the process named in a planted pidfile was killed"
t_end

t_begin "croftd restart: a re-adopted by uid and command line; a decoy of d is not adopted"
expect_ok croft vm create d --vcpus 1 --memory 128M "${KARGS[@]}"
expect_ok croft vm start d
PID_D=$(vm_pid d)
UUID_D=$(croft vm info d --json | jq -r .uuid)
croftd_kill9
kill -KILL "$PID_D"
wait_pid_gone "$PID_D" 10
# the decoy: root, and the very -name and -uuid of d's QEMU
setsid python3 -c 'import time; time.sleep(600)' qemu-system-x86_64 -name "guest=d,debug-threads=on" \
	-uuid "$UUID_D" -S </dev/null >/dev/null 2>&1 &
DECOY=$!
sleep 0.5
croftd_start || die "croftd did not come back"
assert_eq "running croftd-restart" "$(croft vm info a --json | jq -r '"\(.state) \(.state_reason)"')" "a after the restart"
assert_eq "$PID_A" "$(croft vm info a --json | jq -r .pid)" "a's pid"
assert_eq "crashed" "$(croft vm info d --json | jq -r .state)" "d after the restart"
assert_eq "null" "$(croft vm info d --json | jq -r .pid)" "d's pid (the decoy is not it)"
kill -0 "$DECOY" 2>/dev/null || fail "the decoy was signalled"
grep -q "re-adopted QEMU pid $PID_A (uid $UA)" "$T/croftd.log" || fail "no re-adoption by uid in croftd.log"
expect_ok croft vm stop a
wait_pid_gone "$PID_A" 10
kill -0 "$DECOY" 2>/dev/null || fail "the decoy was killed by vm stop"
kill "$DECOY" "$VICTIM" 2>/dev/null
t_end

t_begin "croftd says at startup when the QEMU users cannot reach its directories"
mkdir -p "$T/locked"
chmod 0700 "$T/locked"
sock=$T/locked/run/croftd.sock
"$BUILD/croftd" --state-dir "$T/locked/state" --run-dir "$T/locked/run" --foreground \
	>"$T/locked.log" 2>&1 </dev/null &
LOCKED=$!
wait_for 10 test -S "$sock"
info=$(CROFT_SOCKET=$sock "$BUILD/croft" host info --json 2>&1) || fail "host info: $info"
access=$(jq -r .qemu_access <<<"$info")
assert_contains "$access" "cannot reach the run directory: $T/locked (mode 0700" "host.info qemu_access"
assert_eq "$UID_BASE $UID_N" "$(jq -r '"\(.qemu_uids.first) \(.qemu_uids.count)"' <<<"$info")" "host.info qemu_uids"
grep -q "warning: the QEMU users (uids $UID_BASE-" "$T/locked.log" || fail "no startup warning in the log: $(tail -n 3 "$T/locked.log")"
kill "$LOCKED"
wait "$LOCKED" 2>/dev/null
# the test's own croftd: nothing to say
assert_eq null "$(croft host info --json | jq -r .qemu_access)" "qemu_access of a usable setup"
t_end
