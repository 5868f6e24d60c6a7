# tests/integration/netlib.sh — network namespaces for croft's network tests.
#
# Source after lib.sh and call itest_net_setup BEFORE itest_setup:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/netlib.sh"
#   itest_net_setup          # namespaces, veth; croftd will run in $NS_HOST
#   itest_setup              # temp dir, croftd (inside $NS_HOST)
#   netd_start               # croft-netd inside $NS_HOST, same run dir
#
# (itest_net_guest_setup does all three, and starts the upstream HTTP
# server when asked.)
#
# Two namespaces, never the root one:
#
#   $NS_HOST  plays the croft host: croftd, croft-netd, QEMU, dnsmasq run
#             here.  Link "uplink0" 198.51.100.1/24, default route via
#             198.51.100.2.  Link "lan1" (no address) is a spare NIC for
#             bridged networks.
#   $NS_UP    plays the LAN/internet upstream: "wan0" 198.51.100.2/24 (the
#             peer of uplink0) and "lan1p" (the peer of lan1, no address).
#
# Everything a test sends stays inside these namespaces.  Teardown (run by
# lib.sh's itest_teardown, and by run-integration.sh after a kill) stops
# netd, kills every process left in either namespace and deletes them.
# shellcheck shell=bash

NS_HOST=
NS_UP=
NETD_PID=
HOST_UP_IP=198.51.100.1
UPSTREAM_IP=198.51.100.2

in_host() { ip netns exec "$NS_HOST" "$@"; }
in_up() { ip netns exec "$NS_UP" "$@"; }

itest_net_setup() {
	local id=$$
	NS_HOST=croft-h$id
	NS_UP=croft-u$id
	export NS_HOST NS_UP
	[ -n "${ITEST_RESULTS:-}" ] && { echo "netns $NS_HOST" >>"$ITEST_RESULTS"; echo "netns $NS_UP" >>"$ITEST_RESULTS"; }
	ip netns add "$NS_HOST" || exit 2
	ip netns add "$NS_UP" || exit 2
	in_host ip link set lo up
	in_up ip link set lo up
	# create the veth pairs inside $NS_HOST, then move one end: the root
	# namespace never holds them
	in_host ip link add uplink0 type veth peer name wan0 || exit 2
	in_host ip link set wan0 netns "$NS_UP" || exit 2
	in_host ip link add lan1 type veth peer name lan1p || exit 2
	in_host ip link set lan1p netns "$NS_UP" || exit 2
	in_host ip addr add "$HOST_UP_IP/24" dev uplink0
	in_host ip link set uplink0 up
	in_host ip link set lan1 up
	in_host ip route add default via "$UPSTREAM_IP"
	in_up ip addr add "$UPSTREAM_IP/24" dev wan0
	in_up ip link set wan0 up
	in_up ip link set lan1p up
	export ITEST_NETNS=$NS_HOST
}

# _netd_sock_fresh — is netd.sock bound anew by this netd?  (A stale one
# is older than netd.start.)
_netd_sock_fresh() {
	[ -S "$T/run/netd.sock" ] && [ -n "$(find "$T/run/netd.sock" -newer "$T/netd.start" 2>/dev/null)" ]
}

# itest_net_guest_setup [HTTP-PORT] — what the tests with guests on croft
# networks start from: the namespaces, itest_setup (croftd in $NS_HOST),
# croft-netd and, with HTTP-PORT, the upstream HTTP server on it (see
# up_http_start); dies unless all of them start.
itest_net_guest_setup() {
	itest_net_setup
	itest_setup
	netd_start || die "croft-netd did not start"
	[ -z "${1:-}" ] || up_http_start "$1" || die "no upstream HTTP server"
}

netd_start() {
	local up=0
	printf -- '--- netd start %(%T)T\n' -1 >>"$T/netd.log"
	touch -d '-1 second' "$T/netd.start"
	itest_spawn "$T/netd.log" ip netns exec "$NS_HOST" "$BUILD/croft-netd" --run-dir "$T/run" --foreground
	NETD_PID=$ITEST_SPAWNED
	itest_wait_up "$NETD_PID" 100 _netd_sock_fresh || up=$?
	case "$up" in
	0) return 0 ;;
	1) fail "croft-netd exited during start-up"; NETD_PID=; return 1 ;;
	esac
	fail "croft-netd socket did not appear within 10 s"
}

netd_stop() {
	[ -n "$NETD_PID" ] || return 0
	itest_stop "$NETD_PID" 5 || true
	NETD_PID=
}

netd_kill9() {
	[ -n "$NETD_PID" ] || return 0
	kill -KILL "$NETD_PID" 2>/dev/null || true
	wait "$NETD_PID" 2>/dev/null || true
	NETD_PID=
}

# itest_netd_only_setup — like itest_setup (temp dir $T with run/, the
# EXIT teardown) but without croftd or the guest fixture: for tests that
# drive croft-netd alone (tests/integration/netdraw.py).  Call it after
# itest_net_setup, then netd_start.  On failure the teardown shows the
# tail of $T/netd.log.
itest_netd_only_setup() {
	itest_need_root netlib.sh
	if [ ! -x "$BUILD/croft-netd" ]; then
		echo "netlib.sh: $BUILD/croft-netd missing (make all)" >&2
		exit 2
	fi
	itest_tmpdir '_itest_netd_log_tail; itest_teardown'
	: >"$T/netd.log"
}

_itest_netd_log_tail() {
	local rc=$?
	if [ "$BASHPID" = "${ITEST_MAIN_PID:-}" ] && [ -f "$T/netd.log" ] &&
		{ [ "$rc" -ne 0 ] || [ $((ITEST_FAILED + ITEST_LOOSE_FAILS)) -gt 0 ]; }; then
		echo "--- $ITEST_NAME: last lines of netd.log" >&2
		tail -n 40 "$T/netd.log" >&2
	fi
	return "$rc"
}

# Kill every process inside a namespace, then delete it.
_itest_netns_del() {
	local ns=$1 pid
	ip netns list 2>/dev/null | grep -q "^$ns\b" || return 0
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	sleep 0.2
	ip netns del "$ns" 2>/dev/null
}

itest_net_teardown() {
	declare -F up_http_stop >/dev/null && { up_http_stop; up_dnsmasq_stop; }
	netd_stop
	[ -n "$NS_HOST" ] && _itest_netns_del "$NS_HOST"
	[ -n "$NS_UP" ] && _itest_netns_del "$NS_UP"
	return 0
}

# --- guests, upstream servers, snapshots (network tests with real guests) ----
#
#   NET_APPEND               kernel command line for a networked test guest
#                            (DHCP on every NIC, httpd, NIC watcher); add
#                            "croft.name=NAME" to tell guests apart
#   guest_run VM CMD [SECS]  run CMD in the guest's serial-console shell
#   nic_get VM IDX FIELD     a field of `vm info --json` .nics[IDX]
#   wait_nic_ip VM IDX SECS  wait for .nics[IDX].ip (the DHCP lease)
#   up_http_start [PORT]     HTTP server in $NS_UP (all its addresses;
#                            GET / and /blob/N, POST anything)
#   up_http_clients          client addresses it has logged, one per line
#   up_dnsmasq_start [VLAN]  DHCP server in $NS_UP on lan1p (+ lan1p.VLAN)
#   net_snapshot             host namespace's links, addresses, routes,
#                            bridge VLANs and nft ruleset, normalised
#   vlan_supported           can this kernel do bridge VLAN filtering and
#                            802.1Q sub-interfaces?

NET_APPEND="console=ttyS0 quiet no_timer_check croft.dhcp=1 croft.httpd=1"
UP_HTTP_PID=
UP_HTTP_PORT=8000
UP_DNSMASQ_PID=
UP_LAN_IP=198.51.101.1
UP_VLAN_IP=198.51.102.1
GUEST_RUN_SEQ=0

# guest_run VM CMD [SECS] — type CMD into VM's serial-console shell (through
# `croft vm console`, stdin not a tty) and wait up to SECS (default 30) for
# it to finish.  Prints CMD's output (stdout and stderr, CRs stripped) and
# returns its exit status; 124 if no answer came in time.  CMD runs with
# stdin from /dev/null, in a { } group of the guest's shell (so `cd` and
# variables stick, and CMD must not `exit`).  The answer is found in
# serial.log by a nonce that the echo of the typed line cannot produce.
# One guest_run at a time per VM (the console takes one client).
guest_run() {
	local vm=$1 cmd=$2 secs=${3:-30} log n in off end cpid rc=124 got
	log="$T/run/vm/$vm/serial.log"
	GUEST_RUN_SEQ=$((GUEST_RUN_SEQ + 1))
	n="$$x${GUEST_RUN_SEQ}x$RANDOM"
	in="$T/guest_run.$n"
	# In the echo, "$_p-RC-n" is literal; only the shell's output reads
	# CROFT-RC-n.  The marker comes twice: a byte the serial port garbles
	# now and then (seen under TCG) must not cost the answer.
	printf '{ %s\n} </dev/null >/tmp/.gr 2>&1; _r=$?; _p=CROFT; sed "s/^/$_p-OUT-%s|/" /tmp/.gr; echo "$_p-RC-%s=$_r"; echo "$_p-RC-%s=$_r"\n' \
		"$cmd" "$n" "$n" "$n" >"$in"
	off=$(stat -c %s "$log" 2>/dev/null || echo 0)
	echo "--- guest_run $vm [$n]: $cmd" >>"$T/guest_run.log"
	# The console stays attached until the answer is there: input the guest
	# has not read yet would be lost if we hung up early.
	CROFT_CONSOLE_LINGER_MS=$(((secs + 5) * 1000)) "$BUILD/croft" vm console "$vm" \
		<"$in" >/dev/null 2>>"$T/guest_run.log" &
	cpid=$!
	end=$((SECONDS + secs))
	while :; do
		got=$(tail -c +$((off + 1)) "$log" 2>/dev/null | tr -d '\r' | grep -a -o "CROFT-RC-$n=[0-9]*" | head -n1)
		if [ -n "$got" ]; then
			rc=${got#*=}
			break
		fi
		if ! kill -0 "$cpid" 2>/dev/null; then
			wait "$cpid" 2>/dev/null
			echo "guest_run: croft vm console $vm ended early (see $T/guest_run.log: $(tail -n 1 "$T/guest_run.log"))" >&2
			rc=125
			cpid=
			break
		fi
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.2
	done
	if [ -n "$cpid" ]; then
		kill -TERM "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
	fi
	rm -f "$in"
	tail -c +$((off + 1)) "$log" 2>/dev/null | tr -d '\r' | grep -a "CROFT-OUT-$n|" | sed "s/^.*CROFT-OUT-$n|//"
	echo "--- guest_run $vm [$n]: status $rc" >>"$T/guest_run.log"
	return "$rc"
}

# guest_ok VM CMD [SECS] — guest_run that must succeed; output in $GUEST_OUT.
guest_ok() {
	local rc=0
	GUEST_OUT=$(guest_run "$@") || rc=$?
	[ "$rc" -eq 0 ] && return 0
	fail "$1: '$2' exited $rc in the guest: $(echo "$GUEST_OUT" | tail -n 3 | tr '\n' '|')"
}

# guest_fails VM CMD [SECS] — guest_run that must fail (not time out);
# output in $GUEST_OUT.
guest_fails() {
	local rc=0
	GUEST_OUT=$(guest_run "$@") || rc=$?
	case "$rc" in
	0) fail "$1: '$2' succeeded in the guest, expected it to fail: $(echo "$GUEST_OUT" | tail -n 2 | tr '\n' '|')" ;;
	124 | 125) fail "$1: no answer from the guest to '$2' (status $rc)" ;;
	*) return 0 ;;
	esac
}

# nic_get VM IDX FIELD — .nics[IDX].FIELD of `croft vm info VM --json`
# ("" for null or absent).
nic_get() {
	croft vm info "$1" --json 2>/dev/null | jq -r --argjson i "$2" --arg f "$3" \
		'.nics[$i][$f] // "" | tostring'
}

# wait_nic_ip VM IDX SECS — wait until .nics[IDX].ip is set; prints it.
wait_nic_ip() {
	local vm=$1 idx=$2 secs=$3 end ip
	end=$((SECONDS + secs))
	while :; do
		ip=$(nic_get "$vm" "$idx" ip)
		[ -n "$ip" ] && { echo "$ip"; return 0; }
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.5
	done
	fail "$vm: nics[$idx].ip still null after ${secs}s ($(croft vm info "$vm" --json 2>&1 | jq -c '.nics' 2>/dev/null))"
}

# up_http_start [PORT] — an HTTP server in $NS_UP on every address there
# (wan0's 198.51.100.2 and lan1p's addresses): "/" answers
# "CROFT-UPSTREAM-HTTP", "/blob/N" N zero bytes; every request is logged to
# $T/up_http.log as "CLIENT ADDR PATH"; a POST is answered "GOT N" (N
# bytes read) and logged as "CLIENT ADDR PATH POST N".
up_http_start() {
	local port=${1:-8000}
	UP_HTTP_PORT=$port
	cat >"$T/up_http.py" <<'PY'
import http.server, socketserver, sys

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print("CLIENT %s %s" % (self.client_address[0], self.path), flush=True)
        if self.path.startswith("/blob/"):
            n = int(self.path[6:])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"\0" * 65536
            while n > 0:
                k = min(n, len(chunk))
                self.wfile.write(chunk[:k])
                n -= k
            return
        body = b"CROFT-UPSTREAM-HTTP\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        got = 0
        while got < n:
            b = self.rfile.read(min(65536, n - got))
            if not b:
                break
            got += len(b)
        print("CLIENT %s %s POST %d" % (self.client_address[0], self.path, got), flush=True)
        body = ("GOT %d\n" % got).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

srv = S(("0.0.0.0", int(sys.argv[1])), H)
print("LISTENING", flush=True)
srv.serve_forever()
PY
	: >"$T/up_http.log"
	itest_spawn "$T/up_http.log" ip netns exec "$NS_UP" python3 "$T/up_http.py" "$port"
	UP_HTTP_PID=$ITEST_SPAWNED
	itest_wait_up "$UP_HTTP_PID" 100 grep -q '^LISTENING' "$T/up_http.log" && return 0
	fail "upstream HTTP server did not start: $(tail -n 3 "$T/up_http.log")"
}

up_http_stop() {
	[ -n "$UP_HTTP_PID" ] || return 0
	itest_stop "$UP_HTTP_PID" 5
	UP_HTTP_PID=
}

# up_http_clients — the client address of every request so far.
up_http_clients() {
	awk '$1 == "CLIENT" { print $2 }' "$T/up_http.log" 2>/dev/null
}

# vlan_supported — can this kernel filter VLANs on a bridge and make 802.1Q
# sub-interfaces?  (Tried in a throw-away namespace.)
vlan_supported() {
	local ns=croft-v$$ ok=1
	ip netns add "$ns" 2>/dev/null || return 1
	ip netns exec "$ns" ip link add croftvt0 type bridge vlan_filtering 1 2>/dev/null || ok=0
	ip netns exec "$ns" ip link add croftvd0 type veth peer name croftvd1 2>/dev/null &&
		{ ip netns exec "$ns" ip link add link croftvd0 name croftvd0.5 type vlan id 5 2>/dev/null || ok=0; }
	ip netns del "$ns" 2>/dev/null
	[ "$ok" = 1 ]
}

# up_dnsmasq_start [VLAN] — dnsmasq in $NS_UP serving DHCP (no DNS) on lan1p
# ($UP_LAN_IP/24, range .50-.99) and, with VLAN, on the 802.1Q sub-interface
# lan1p.VLAN ($UP_VLAN_IP/24, range .50-.99).  Its lease, pid and log files
# are $T/up_dnsmasq.*.
up_dnsmasq_start() {
	local vlan=${1:-} args
	in_up ip addr add "$UP_LAN_IP/24" dev lan1p 2>/dev/null
	args=(--conf-file=/dev/null --keep-in-foreground --port=0 --bind-interfaces
		--except-interface=lo --interface=lan1p --dhcp-authoritative --log-dhcp
		--dhcp-range=lan1p,198.51.101.50,198.51.101.99,255.255.255.0,1h
		--dhcp-leasefile="$T/up_dnsmasq.leases" --pid-file="$T/up_dnsmasq.pid"
		--log-facility="$T/up_dnsmasq.log" --user=root --group=root)
	if [ -n "$vlan" ]; then
		in_up ip link add link lan1p name "lan1p.$vlan" type vlan id "$vlan" || {
			fail "cannot create lan1p.$vlan in $NS_UP"
			return 1
		}
		in_up ip addr add "$UP_VLAN_IP/24" dev "lan1p.$vlan"
		in_up ip link set "lan1p.$vlan" up
		args+=(--interface="lan1p.$vlan" --dhcp-range="lan1p.$vlan,198.51.102.50,198.51.102.99,255.255.255.0,1h")
	fi
	: >"$T/up_dnsmasq.log"
	itest_spawn "$T/up_dnsmasq.log" ip netns exec "$NS_UP" dnsmasq "${args[@]}"
	UP_DNSMASQ_PID=$ITEST_SPAWNED
	itest_wait_up "$UP_DNSMASQ_PID" 50 test -s "$T/up_dnsmasq.pid" && return 0
	fail "upstream dnsmasq did not start: $(tail -n 3 "$T/up_dnsmasq.log")"
}

up_dnsmasq_stop() {
	[ -n "$UP_DNSMASQ_PID" ] || return 0
	itest_stop "$UP_DNSMASQ_PID" 5
	UP_DNSMASQ_PID=
}

# net_snapshot — the host namespace's network state as text that compares
# equal for equal configurations: `ip -d link` (as JSON, without ifindexes,
# bridge port numbers and ids, timers, and the MACs of croft's own links,
# which a re-created tap or bridge may change), IPv4 addresses, routes,
# bridge VLANs, and `nft list ruleset` with counters zeroed.
net_snapshot() {
	echo "== links"
	in_host ip -j -d link show | jq -S '
		map(del(.ifindex, .link_index)
		    | if (.ifname | startswith("croft")) then del(.address) else . end
		    | walk(if type == "object" then
			with_entries(select(.key | test("timer|^port_no$|^port_id$|^no$|^id$|bridge_id|root_id|root_port|root_path_cost|designated_|topology_change|^hash_|^mcast_|_seq$") | not))
		      else . end))
		| sort_by(.ifname) | .[]' -c
	echo "== addresses"
	in_host ip -4 -o addr show | awk '{ print $2, $4 }' | sort
	echo "== routes"
	in_host ip -4 route show table all | grep -v '^local\|^broadcast' | sort
	echo "== bridge vlans"
	in_host bridge -j vlan show 2>/dev/null | jq -S -c '.[]?' | sort
	echo "== nft"
	in_host nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/g; s/ expires [0-9a-z.]+//g'
}

# net_snapshot_diff A B — print a unified diff of two snapshot files
# (empty and status 0 when equal).
net_snapshot_diff() {
	diff -u "$1" "$2"
}

# net_snapshot_brief A B — the difference on one line, for a fail message:
# each changed line as -/+ and its first 100 characters (a link's line
# starts with its name), at most 8 of them; the whole diff goes to
# $T/snapshot.diff.
net_snapshot_brief() {
	diff -u "$1" "$2" >"$T/snapshot.diff"
	grep '^[-+][^-+]' "$T/snapshot.diff" |
		sed -E 's/^([-+])\{.*"ifname":"([^"]*)".*"operstate":"([^"]*)".*/\1link \2 (\3)/' |
		cut -c1-100 | head -n 8 | tr '\n' '|'
	echo " (full diff: $T/snapshot.diff)"
}

# net_vm_create VM [MEM] — a stopped test guest (direct kernel boot, 1 vCPU,
# MEM default 128M) with $NET_APPEND and croft.name=VM; no NICs yet.
net_vm_create() {
	croft vm create "$1" --vcpus 1 --memory "${2:-128M}" --kernel "$GUEST_KERNEL" \
		--initrd "$GUEST_INITRD" --append "$NET_APPEND croft.name=$1" >/dev/null
}

# guest_dhcp_addr VM IFACE SECS — wait for "CROFT-GUEST: dhcp IFACE A/P" on
# VM's console; prints A (the last such line's).
guest_dhcp_addr() {
	wait_serial "$1" "CROFT-GUEST: dhcp $2 [0-9.]+/" "$3" || return 1
	tr -d '\r' <"$T/run/vm/$1/serial.log" | grep -a -o "CROFT-GUEST: dhcp $2 [0-9.]*/" |
		tail -n1 | sed -E 's/.* ([0-9.]+)\/$/\1/'
}

# link_master IFACE — IFACE's master in $NS_HOST ("" if none or no IFACE).
link_master() {
	in_host ip -j link show dev "$1" 2>/dev/null | jq -r '.[0].master // ""'
}

# link_ifindex IFACE — its ifindex in $NS_HOST ("" if none).
link_ifindex() {
	in_host ip -j link show dev "$1" 2>/dev/null | jq -r '.[0].ifindex // ""'
}

# bridge_gateway BRIDGE — the IPv4 address on BRIDGE in $NS_HOST.
bridge_gateway() {
	in_host ip -j -4 addr show dev "$1" 2>/dev/null | jq -r '.[0].addr_info[0].local // ""'
}

# host_dnsmasq_pids — pids of every dnsmasq running in $NS_HOST.
host_dnsmasq_pids() {
	local pid
	for pid in $(ip netns pids "$NS_HOST" 2>/dev/null); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dnsmasq ] && echo "$pid"
	done
	return 0
}
