#!/bin/bash
# test_display.sh — croft vm display against a real TCG guest: the screen
# is served on 127.0.0.1 only, speaks RFB, asks for a VNC password that a
# wrong one does not pass and the printed one does; a second display gives
# a new password (the old one stops working); --close and the end of the
# time stop the port answering; a stopped VM, a VM without a display and a
# bad --ttl are refused by name.  The console's v shows the same in a
# dialog, and that password works.  The RFB handshake is tests/integration/rfb.py.
#
# One guest (1 vCPU, 128M, direct kernel boot), booted once.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmuxlib.sh"

RFB="python3 $(dirname "$0")/rfb.py"
itest_setup
tmux_install_teardown

t_begin "refused: a stopped VM, a VM without a display, a bad --ttl"
expect_ok croft vm create vd --vcpus 1 --memory 128M "${KARGS[@]}"
expect_fail "VM 'vd' is stopped; its screen exists only while it runs" croft vm display vd
expect_fail "--ttl needs a number of seconds from 10 to 86400, got '5'" croft vm display vd --ttl 5
expect_ok croft vm create nd --vcpus 1 --memory 128M --display none "${KARGS[@]}"
expect_ok croft vm start nd
expect_fail "VM 'nd' has no display device (--display none)" croft vm display nd
expect_ok croft vm stop nd
t_end

t_begin "display: a port on 127.0.0.1 that speaks RFB and wants the password"
expect_ok croft vm start vd
PORT= PW=
if expect_ok croft vm display vd --json; then
	PORT=$(jq -r .port <<<"$EXPECT_OUT")
	PW=$(jq -r .password <<<"$EXPECT_OUT")
	assert_eq "127.0.0.1:$PORT" "$(jq -r .address <<<"$EXPECT_OUT")" "address"
	assert_contains "$(jq -r .ssh <<<"$EXPECT_OUT")" "ssh -L 5901:127.0.0.1:$PORT root@" "ssh command"
	assert_eq 8 "${#PW}" "password length"
	ss -Hltn "sport = :$PORT" | grep -q "127.0.0.1:$PORT" || fail "nothing listens on 127.0.0.1:$PORT"
	ss -Hltn "sport = :$PORT" | grep -vq "127.0.0.1:$PORT" && fail "the port listens beyond 127.0.0.1"
	out=$($RFB 127.0.0.1 "$PORT" wrongpw1)
	assert_eq 1 "$?" "exit status with a wrong password ($out)"
	assert_contains "$out" "banner RFB 003.008" "RFB banner"
	assert_contains "$out" "auth failed" "wrong password"
	out=$($RFB 127.0.0.1 "$PORT" "$PW")
	assert_eq 0 "$?" "exit status with the password ($out)"
	assert_contains "$out" "auth ok" "right password"
fi
t_end

t_begin "display again: a new password, the old one no longer works; text output"
if expect_ok croft vm display vd --ttl 10; then
	assert_contains "$EXPECT_OUT" "ssh -L 5901:127.0.0.1:$PORT root@" "ssh line"
	NEW=$(sed -n 's/.*VNC password: \([A-Za-z0-9]*\).*/\1/p' <<<"$EXPECT_OUT")
	assert_eq 8 "${#NEW}" "new password in the text output"
	[ "$NEW" != "$PW" ] || fail "the password did not change"
	out=$($RFB 127.0.0.1 "$PORT" "$PW")
	assert_contains "$out" "auth failed" "old password"
	out=$($RFB 127.0.0.1 "$PORT" "$NEW")
	assert_contains "$out" "auth ok" "new password"
fi
t_end

t_begin "after its time the port stops answering"
sleep 11
out=$($RFB 127.0.0.1 "$PORT" "$NEW")
assert_contains "$out" "connect failed" "after expiry"
grep -q "the display's time is up" "$T/croftd.log" || fail "croftd.log does not say the time was up"
t_end

t_begin "--port: a chosen port, a port in use refused by name, a bad one refused"
# a port something else holds on 127.0.0.1
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1); print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T/busyport" &
BUSYPID=$!
for _ in $(seq 1 50); do [ -s "$T/busyport" ] && break; sleep 0.1; done
BUSY=$(cat "$T/busyport")
expect_fail "port $BUSY on 127.0.0.1 is in use; choose another --port" croft vm display vd --port "$BUSY"
kill "$BUSYPID" 2>/dev/null; wait "$BUSYPID" 2>/dev/null
expect_fail "--port needs a port from 1024 to 65535, got '80'" croft vm display vd --port 80
FREE=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if expect_ok croft vm display vd --port "$FREE" --json; then
	assert_eq "127.0.0.1:$FREE" "$(jq -r .address <<<"$EXPECT_OUT")" "the chosen port"
	out=$($RFB 127.0.0.1 "$FREE" "$(jq -r .password <<<"$EXPECT_OUT")")
	assert_contains "$out" "auth ok" "RFB on the chosen port"
	expect_fail "is open on port $FREE; close it first" croft vm display vd --port "$BUSY"
	expect_ok croft vm display vd --close
fi
t_end

t_begin "the console: v shows the port, the password and the ssh command"
tmux_start c1 110 30 xterm-256color
tmux_wait c1 '^vd +running' 20
tmux_keys c1 j v
if tmux_wait c1 'VNC on 127\.0\.0\.1:[0-9]+, password: [A-Za-z0-9]{8}' 10; then
	line=$(tmux_cap c1 | grep -oE 'VNC on 127\.0\.0\.1:[0-9]+, password: [A-Za-z0-9]{8}' | head -1)
	PORT=${line#VNC on 127.0.0.1:}
	PORT=${PORT%%,*}
	PW=${line##* }
	tmux_wait c1 'ssh -L 5901:127\.0\.0\.1:'"$PORT"' root@' 5
	out=$($RFB 127.0.0.1 "$PORT" "$PW")
	assert_contains "$out" "auth ok" "the console's password"
fi
tmux_keys c1 Escape
tmux_keys c1 q
t_end

t_begin "--close ends it early; a second --close says there is none"
if expect_ok croft vm display vd --json; then
	PORT=$(jq -r .port <<<"$EXPECT_OUT")
	PW=$(jq -r .password <<<"$EXPECT_OUT")
	expect_ok croft vm display vd --close
	out=$($RFB 127.0.0.1 "$PORT" "$PW")
	assert_contains "$out" "connect failed" "after --close"
	expect_fail "VM 'vd' has no open display" croft vm display vd --close
fi
t_end

t_begin "stopping the VM closes its display"
if expect_ok croft vm display vd --json; then
	PORT=$(jq -r .port <<<"$EXPECT_OUT")
	expect_ok croft vm stop vd
	out=$($RFB 127.0.0.1 "$PORT" x)
	assert_contains "$out" "connect failed" "after stop"
fi
t_end
