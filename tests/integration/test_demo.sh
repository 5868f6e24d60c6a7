#!/bin/bash
# test_demo.sh — `make run`'s demo (tests/run-local.sh) shows off
# networking, run inside a network namespace that plays the host: on
# first run it defines the demo VM with a NIC on a new NAT network and a
# port forward to the guest's web page; the started guest takes a DHCP
# lease, so the console at 80x24 shows its IP; the forwarded page answers
# on the host's 127.0.0.1 and from another namespace (the LAN).  A host
# service already on 8080 makes the demo take the next port, and a forward
# made onto that service's port anyway comes with a warning.  Guests never
# reach the host's loopback through the bridge, although route_localnet is
# on there.  The VM form puts a new VM on the network; `make run` prints
# its instructions before the console and again after it.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/tmuxlib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)

itest_net_setup
itest_setup
tmux_install_teardown

LOCAL=$T/local
DEMO_SOCK=$LOCAL/run/croftd.sock
run_local() {   # ACTION
	in_host env CROFT_LOCAL_DIR="$LOCAL" CROFT_ACCEL=tcg "$REPO/tests/run-local.sh" "$BUILD" "$1"
}
# dcroft ARGS... — the CLI against the demo's croftd
dcroft() {
	CROFT_SOCKET=$DEMO_SOCK "$BUILD/croft" "$@"
}

# a host service on 8080 (loopback only), there before the demo
in_host python3 -c '
import http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"HOST-SERVICE\n")
    def log_message(self, *a): pass
socketserver.TCPServer(("127.0.0.1", 8080), H).serve_forever()' &
HOSTSVC_PID=$!
wait_for 10 eval 'in_host ss -Hltn "sport = :8080" | grep -q .' || die "the host service did not start"

t_begin "first run: demo, a NAT network, its NIC and a forward on a free port"
out=$(run_local daemon 2>&1) || fail "run-local.sh daemon failed: $out"
assert_contains "$out" "defined VM 'demo'" "run-local output"
assert_contains "$out" "network 'demonet' (NAT) with demo's NIC; host port 8081 forwards to demo's web page" \
	"run-local output"
assert_contains "$out" "curl http://127.0.0.1:8081/" "the instructions name the page"
assert_eq nat "$(dcroft net info demonet --json | jq -r .mode)" "demonet's mode"
assert_eq demonet "$(dcroft vm info demo --json | jq -r '.nics[0].net')" "demo's NIC"
assert_eq "tcp 8081 demo 80" "$(dcroft net forward list demonet --json |
	jq -r '.[0] | "\(.proto) \(.host_port) \(.vm) \(.port)"')" "the forward"
assert_contains "$(dcroft vm info demo --json | jq -r .append)" "croft.dhcp=1" "demo's kernel arguments"
t_end

t_begin "a second run keeps what is there"
out=$(run_local daemon 2>&1) || fail "run-local.sh daemon failed: $out"
assert_contains "$out" "croftd already running" "second run"
assert_eq 1 "$(dcroft net forward list demonet --json | jq 'length')" "forwards"
t_end

t_begin "the demo gets an IP, shown in the console at 80x24"
expect_ok dcroft vm start demo
end=$((SECONDS + 120))
IP=
while [ -z "$IP" ] && [ "$SECONDS" -lt "$end" ]; do
	IP=$(dcroft vm info demo --json | jq -r '.nics[0].ip // empty')
	[ -n "$IP" ] || sleep 1
done
[ -n "$IP" ] || fail "demo has no IP after 120 s"
CROFT_SOCKET=$DEMO_SOCK tmux_start c 80 24 xterm-256color
tmux_wait c "^demo +running .* ${IP//./\\.} *\$" 10
t_end

t_begin "the forwarded page answers on the host's loopback and from the LAN"
wait_for 60 eval 'in_host curl -s -m 3 http://127.0.0.1:8081/ | grep -q "CROFT-GUEST-HTTP demo"' ||
	fail "no page on 127.0.0.1:8081: $(in_host curl -sS -m 3 http://127.0.0.1:8081/ 2>&1)"
page=$(in_up curl -s -m 5 "http://$HOST_UP_IP:8081/")
assert_contains "$page" "CROFT-GUEST-HTTP demo" "the page from the LAN namespace"
# the host service on 8080 is untouched
assert_eq HOST-SERVICE "$(in_host curl -s -m 3 http://127.0.0.1:8080/)" "the host service"
t_end

t_begin "a forward onto a host service's port warns"
expect_ok dcroft net forward add demonet --proto tcp --host-port 8080 --to demo:80
assert_contains "$EXPECT_OUT" "warning: a service of the host listens on tcp port 8080 (127.0.0.1)" \
	"the CLI's warning"
dcroft events --since 1m --no-follow | grep -q "port 8080 forwarded to demo.*warning: a service of the host" ||
	fail "the event lacks the warning"
expect_ok dcroft net forward remove demonet --proto tcp --host-port 8080
t_end

t_begin "guests never reach the host's loopback through the bridge"
assert_eq 1 "$(in_host cat "/proc/sys/net/ipv4/conf/$(dcroft net info demonet --json | jq -r .bridge)/route_localnet")" \
	"route_localnet on the bridge"
in_host nft list chain inet croft input | grep -q 'ip daddr 127.0.0.0/8 ct status ! dnat drop' ||
	fail "no input rule keeps guests off the host's loopback: $(in_host nft list chain inet croft input)"
# The attack: the guest routes 127.0.0.1 to the host through the bridge
# and connects to it.  A counter of the test's own, hooked after croft's
# input chain, sees what croft lets through to the host's loopback.
in_host nft -f - <<'EOF2'
table inet probe {
	chain input {
		type filter hook input priority 300; policy accept;
		iifname "croftbr*" ip daddr 127.0.0.0/8 counter
	}
}
EOF2
probe_count() {
	in_host nft list chain inet probe input | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
GW=$(dcroft net info demonet --json | jq -r .gateway)
demo_run() {   # CMD — guest_run on the demo's croftd
	(T=$LOCAL CROFT_SOCKET=$DEMO_SOCK guest_run demo "$1" 40)
}
demo_run "echo 1 >/proc/sys/net/ipv4/conf/eth0/route_localnet; echo 1 >/proc/sys/net/ipv4/conf/all/route_localnet; ip route del 127.0.0.1 dev lo table local; ip route del 127.0.0.0/8 dev lo table local; ip route add 127.0.0.1/32 via $GW dev eth0; ip route get 127.0.0.1" >"$T/attack-setup.out" ||
	fail "could not set the guest up for the attack: $(cat "$T/attack-setup.out")"
SEND='nc -w 2 127.0.0.1 8080 </dev/null; ping -c 2 -W 1 127.0.0.1; true'
demo_run "$SEND" >"$T/attack-send.out"
assert_eq 0 "$(probe_count)" "packets from the guest that reached the host's loopback"
# ...which the guard alone stops: without it the same packets get through
h=$(in_host nft -a list chain inet croft input | sed -n 's/.*ip daddr 127.0.0.0\/8 ct status ! dnat drop.*# handle \([0-9]*\).*/\1/p' | head -n1)
[ -n "$h" ] && in_host nft delete rule inet croft input handle "$h"
demo_run "$SEND" >"$T/attack-send.out"
[ "$(probe_count)" -gt 0 ] ||
	fail "without the guard nothing arrived either, so the test proves nothing ($(cat "$T/attack-setup.out" "$T/attack-send.out"))"
in_host nft delete table inet probe
t_end

t_begin "the VM form creates a VM with a NIC on the network chosen"
tmux_keys c Escape 1 n
tmux_wait c 'New VM' 5
tmux_wait c 'Network +\( \) none +\(\*\) demonet' 3
tmux_type c web2
tmux_keys c Enter
tmux_wait c 'web2 has a NIC on demonet' 30
assert_eq demonet "$(dcroft vm info web2 --json | jq -r '.nics[0].net')" "web2's NIC"
t_end

t_begin "the forward form warns about a host service's port, in full"
tmux_keys c 4
tmux_wait c '^demonet +nat' 5
tmux_keys c Enter
tmux_wait c 'PORT FORWARDS \(1\)' 5
tmux_keys c n
tmux_wait c 'New port forward on demonet' 5
tmux_keys c Tab
tmux_type c 8080
tmux_keys c Tab Tab
tmux_type c 80
tmux_keys c Enter
tmux_wait c 'Forwarded tcp port 8080 to demo:80 on demonet; warning: a service of the host' 15
wait_for 3 eval 'tmux_cap c | tr -s " \n" " " | grep -q "the forward now takes that port.s connections to demo"' ||
	{ TMUX_LAST=$(tmux_cap c); _tmux_show_last c; fail "the warning is not on screen whole"; }
expect_ok dcroft net forward remove demonet --proto tcp --host-port 8080
tmux_keys c Escape 1
t_end

tmux_keys c q
tmux_wait_dead c 5 >/dev/null

t_begin "make run: the instructions before the console and again after it"
TMUX_SOCK=${TMUX_SOCK:-$T/tmux.sock}
tmux_cmd new-session -d -s run -x 80 -y 24 \
	"ip netns exec $NS_HOST env CROFT_LOCAL_DIR=$LOCAL TERM=xterm-256color $REPO/tests/run-local.sh $BUILD console; sleep 30"
tmux_cmd set-option -t run window-size manual >/dev/null 2>&1 || true
tmux_wait run '^NAME +STATE' 15
tmux_wait run '^demo +running' 5
tmux_keys run q
tmux_wait run 'To use it from another shell:' 5
tmux_wait run 'curl http://127.0.0.1:8081/' 2
tmux_has run '^NAME +STATE' && fail "the console's screen is left behind"
tmux_cmd kill-session -t run
t_end

run_local stop >/dev/null 2>&1
kill "$HOSTSVC_PID" 2>/dev/null
