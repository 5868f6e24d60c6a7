#!/bin/bash
# test_security_api.sh — no client stalls croftd (docs/security.md, "The API
# socket"), attacked as a croft-group user.
#
# A croft user opens connections until refused: past 32 the refusal is one
# clear "busy" line, croftd's CPU stays low (utime+stime from
# /proc/PID/stat), its log does not balloon, and root and another croft
# user still list VMs.  With croftd's descriptor limit lowered (prlimit) so
# that two users' connections exhaust it, croftd stops accepting instead of
# spinning, logs once, and accepts again once they are gone.  A subscriber
# that never reads while big events are published is dropped, and croftd's
# RSS stays bounded.  A huge request line is refused with a clear error.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

itest_setup
itest_share_tools

# The attacker's tool: world-readable, run as the croft users.
cat >"$T/hold.py" <<'EOF'
#!/usr/bin/python3
"""hold.py SOCKET N SECS OUT — open N connections, say hello on each, keep
them SECS seconds (or until killed).  OUT gets one JSON line: how many were
answered ok, how many refused (and the first refusal), how many got no
answer (none came for 3 s)."""
import json, select, socket, sys, time

path, n, secs, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
pending, ok, refused, first, kept = {}, 0, 0, None, []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:                     # connect waits while croftd's backlog is full
        s.connect(path)
        s.setblocking(False)
        s.send(b'{"id":1,"op":"hello","args":{"version":1,"client":"hold"}}\n')
    except OSError:
        s.close()
        continue
    pending[s] = b""
last = time.monotonic()
while pending and time.monotonic() - last < 3:
    r, _, _ = select.select(list(pending), [], [], 0.5)
    for s in r:
        try:
            b = s.recv(4096)
        except OSError:
            b = b""
        pending[s] += b
        if b and b"\n" not in pending[s]:
            continue
        last = time.monotonic()
        line = pending.pop(s).split(b"\n")[0].decode()
        if line.startswith("{") and json.loads(line).get("ok"):
            ok += 1
            kept.append(s)
        else:
            refused += 1
            first = first or line
            s.close()
with open(out, "w") as f:
    f.write(json.dumps({"ok": ok, "refused": refused, "failed": n - ok - refused,
                        "first": first}) + "\n")
time.sleep(secs)
EOF

# The silent subscriber: subscribes, reads nothing for SECS, then reads all.
cat >"$T/silent.py" <<'EOF'
#!/usr/bin/python3
"""silent.py SOCKET SECS OUT — subscribe to events, read nothing until the
file OUT.go appears (SECS at most), then read to the end (10 s at most).
OUT gets one JSON line: bytes read afterwards, whether croftd closed the
connection, the last bytes."""
import json, os, socket, sys, time

path, secs, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
f = s.makefile("rb")
s.sendall(b'{"id":1,"op":"hello","args":{"version":1}}\n')
f.readline()
s.sendall(b'{"id":2,"op":"events.subscribe"}\n')
f.readline()
open(out + ".ready", "w").close()
end = time.monotonic() + secs
while not os.path.exists(out + ".go") and time.monotonic() < end:
    time.sleep(0.1)
s.settimeout(10)
total, eof, last = 0, False, b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            eof = True
            break
        total += len(b)
        last = (last + b)[-300:]
except OSError:
    pass
with open(out, "w") as o:
    o.write(json.dumps({"bytes": total, "eof": eof, "last": last.decode("utf-8", "replace")}) + "\n")
EOF
chmod 0755 "$T/hold.py" "$T/silent.py"
# where the croft users' tools write their reports
U=$T/u
mkdir -p "$U"
chmod 1777 "$U"

# cpu_ticks PID — utime + stime of PID, in clock ticks.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# rss_kib PID — resident set size of PID.
rss_kib() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"
}

log_size() {
	stat -c %s "$T/croftd.log"
}

# as_member USER CMD... — run CMD as USER with its groups (croft).  It
# execs, so a job started with it in the background is CMD's own pid.
as_member() {
	local u=$1
	shift
	exec setpriv --reuid="$u" --regid=nogroup --init-groups "$@"
}

# wait_file PATH SECS
wait_file() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

HZ=$(getconf CLK_TCK)
A=capi$$
B=capib$$
# lib.sh's teardown removes one member ($B); the trap removes $A first.
api_teardown() {
	local rc=$?
	[ "$BASHPID" = "$ITEST_MAIN_PID" ] && userdel "$A" 2>/dev/null
	(exit "$rc")
	itest_teardown
}
trap api_teardown EXIT
useradd --system --no-create-home --no-user-group --gid nogroup --groups croft \
	--shell /usr/sbin/nologin "$A" || die "useradd $A"
itest_member_add "$B" || die "useradd $B"
expect_ok croft vm create quiet1 --memory 64M "${KARGS[@]}"

t_begin "a croft user opening connections is capped at 32 with a clear busy line; croftd stays idle"
log0=$(log_size)
as_member "$A" /usr/bin/python3 "$T/hold.py" "$CROFT_SOCKET" 100 30 "$U/hold-a.json" &
HOLD_A=$!
wait_file "$U/hold-a.json" 30 || fail "hold.py did not report"
r=$(cat "$U/hold-a.json" 2>/dev/null)
assert_eq 32 "$(jq -r .ok <<<"$r")" "connections served ($r)"
assert_eq 68 "$(jq -r .refused <<<"$r")" "connections refused ($r)"
assert_eq 0 "$(jq -r .failed <<<"$r")" "connections that got no answer ($r)"
first=$(jq -r .first <<<"$r")
assert_eq busy "$(jq -r .error.code <<<"$first" 2>/dev/null)" "refusal code ($first)"
assert_contains "$(jq -r .error.message <<<"$first" 2>/dev/null)" \
	"$A already has 32 connections to croftd (limit 32 per user)" "refusal message"
# while they are held: croftd sleeps
t0=$(cpu_ticks "$CROFTD_PID")
sleep 3
used=$(($(cpu_ticks "$CROFTD_PID") - t0))
[ "$used" -le $((HZ * 3 / 10)) ] || fail "croftd used $used ticks of CPU in 3 s while the connections were held (more than 10 %)"
# root and another croft user still get in
expect_ok croft vm list --json
assert_contains "$EXPECT_OUT" quiet1 "root's vm list"
out=$(as_member "$B" "$T/croft" --socket "$CROFT_SOCKET" vm list --json 2>&1) || fail "vm list as $B: $out"
assert_contains "$out" quiet1 "$B's vm list"
grown=$(($(log_size) - log0))
[ "$grown" -le 8192 ] || fail "croftd.log grew by $grown bytes for 68 refusals"
n=$(grep -c "refused API connection" "$T/croftd.log")
[ "$n" -le 6 ] || fail "$n 'refused API connection' lines (rate limit: 5 per 10 s)"
kill "$HOLD_A" 2>/dev/null
wait "$HOLD_A" 2>/dev/null
t_end

# wait_conns_gone USER — until no process of USER runs (its connections
# to croftd are then closed).
wait_conns_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		pgrep -u "$1" >/dev/null || return 0
		sleep 0.1
	done
	fail "processes of $1 still run"
}
wait_conns_gone "$A"

t_begin "out of descriptors: croftd stops accepting, stays idle, logs once, and recovers"
# the soft limit only: raising a hard limit again may not be allowed here
soft=$(prlimit --pid "$CROFTD_PID" --nofile --output SOFT --noheadings | tr -d ' ')
hard=$(prlimit --pid "$CROFTD_PID" --nofile --output HARD --noheadings | tr -d ' ')
prlimit --pid "$CROFTD_PID" --nofile=64:"$hard" || fail "prlimit"
nfd=$(ls "/proc/$CROFTD_PID/fd" | wc -l)
# A takes 32 descriptors, B more than are left
nb=$((64 - nfd - 32 + 10))
rm -f "$U/hold-a.json" "$U/hold-b.json"
as_member "$A" /usr/bin/python3 "$T/hold.py" "$CROFT_SOCKET" 32 30 "$U/hold-a.json" &
HOLD_A=$!
wait_file "$U/hold-a.json" 30 || fail "hold.py ($A) did not report"
as_member "$B" /usr/bin/python3 "$T/hold.py" "$CROFT_SOCKET" "$nb" 30 "$U/hold-b.json" &
HOLD_B=$!
wait_file "$U/hold-b.json" 60 || fail "hold.py ($B) did not report"
served=$(($(jq -r .ok "$U/hold-a.json") + $(jq -r .ok "$U/hold-b.json")))
[ "$served" -lt $((32 + nb)) ] || fail "all $((32 + nb)) connections were served with $nfd descriptors open and a limit of 64"
first=$(jq -r .first "$U/hold-b.json")
[ "$first" = null ] || assert_eq busy "$(jq -r .error.code <<<"$first" 2>/dev/null)" \
	"$B's refusal out of descriptors (not permission_denied: $first)"
for _ in $(seq 1 50); do
	grep -q "API socket: cannot accept a connection: Too many open files" "$T/croftd.log" && break
	sleep 0.1
done
grep -q "API socket: cannot accept a connection: Too many open files" "$T/croftd.log" ||
	fail "croftd.log does not say it stopped accepting ($(cat "$U/hold-a.json" "$U/hold-b.json"), $nfd descriptors open)"
log0=$(log_size)
t0=$(cpu_ticks "$CROFTD_PID")
sleep 3
used=$(($(cpu_ticks "$CROFTD_PID") - t0))
[ "$used" -le $((HZ * 3 / 10)) ] || fail "croftd used $used ticks of CPU in 3 s out of descriptors (more than 10 %)"
grown=$(($(log_size) - log0))
[ "$grown" -le 2048 ] || fail "croftd.log grew by $grown bytes in 3 s out of descriptors"
assert_eq 1 "$(grep -c 'API socket: cannot accept a connection' "$T/croftd.log")" "lines saying so"
kill "$HOLD_A" "$HOLD_B" 2>/dev/null
wait "$HOLD_A" "$HOLD_B" 2>/dev/null
wait_conns_gone "$A"
wait_conns_gone "$B"
prlimit --pid "$CROFTD_PID" --nofile="$soft":"$hard" || fail "prlimit back to $soft:$hard"
ok=0
for _ in $(seq 1 50); do
	if croft vm list >/dev/null 2>&1; then ok=1; break; fi
	sleep 0.1
done
assert_eq 1 "$ok" "croftd accepts again once the connections are gone"
t_end

t_begin "a subscriber that never reads is dropped; croftd's memory stays bounded"
rss0=$(rss_kib "$CROFTD_PID")
rm -f "$U/silent.json" "$U/silent.json.ready" "$U/silent.json.go"
as_member "$A" /usr/bin/python3 "$T/silent.py" "$CROFT_SOCKET" 120 "$U/silent.json" &
SILENT=$!
for _ in $(seq 1 50); do [ -e "$U/silent.json.ready" ] && break; sleep 0.1; done
[ -e "$U/silent.json.ready" ] || fail "the subscriber did not subscribe"
# ~100 KiB events: each failed vm.start on a 50000-character name is audited
# with the name twice
peak=$rss0
/usr/bin/python3 - "$CROFT_SOCKET" >"$T/flood.out" 2>&1 <<'PY' &
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile("rb")
s.sendall(b'{"id":0,"op":"hello","args":{"version":1}}\n')
f.readline()
name = "x" * 50000
for i in range(1, 81):
    s.sendall(json.dumps({"id": i, "op": "vm.start", "args": {"name": name}}).encode() + b"\n")
    print(json.loads(f.readline())["error"]["code"])
PY
FLOOD=$!
while kill -0 "$FLOOD" 2>/dev/null; do
	r=$(rss_kib "$CROFTD_PID")
	[ "$r" -gt "$peak" ] && peak=$r
	sleep 0.1
done
wait "$FLOOD"
assert_eq 80 "$(grep -c '^not_found$' "$T/flood.out")" "the flood's replies ($(tail -n 3 "$T/flood.out"))"
grep -q "API client pid [0-9]* ($A) is [0-9]* bytes behind" "$T/croftd.log" ||
	fail "croftd.log does not say the subscriber was dropped"
touch "$U/silent.json.go"
grow=$((peak - rss0))
[ "$grow" -le $((32 * 1024)) ] || fail "croftd's RSS grew by $grow KiB (from $rss0 KiB) for one silent subscriber"
wait "$SILENT"
r=$(cat "$U/silent.json" 2>/dev/null)
assert_eq true "$(jq -r .eof <<<"$r")" "croftd closed the subscriber's connection ($r)"
# croftd serves on
expect_ok croft vm list
t_end

t_begin "a request line over 1 MiB is refused with a clear error; the connection stays usable"
out=$(as_member "$A" /usr/bin/python3 "$T/apiraw.py" --socket "$CROFT_SOCKET" '@big:3000000' \
	'{"id":2,"op":"vm.list"}' 2>&1)
r=$(grep -v '"id":"hello"' <<<"$out" | head -n 1)
assert_eq bad_request "$(jq -r .error.code <<<"$r" 2>/dev/null)" "code ($r)"
assert_eq "request line too long (limit 1 MiB)" "$(jq -r .error.message <<<"$r" 2>/dev/null)" "message"
assert_eq true "$(jq -r 'select(.id == 2) | .ok' <<<"$out" 2>/dev/null)" "the next request ($out)"
t_end

userdel "$A" 2>/dev/null
itest_member_del
if getent passwd "$A" >/dev/null; then
	fail "temporary user $A still exists"
fi
