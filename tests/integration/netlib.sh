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

netd_start() {
	local i
	printf -- '--- netd start %(%T)T\n' -1 >>"$T/netd.log"
	touch -d '-1 second' "$T/netd.start"
	(
		trap - EXIT TERM INT
		exec ip netns exec "$NS_HOST" "$BUILD/croft-netd" --run-dir "$T/run" --foreground \
			>>"$T/netd.log" 2>&1 </dev/null
	) &
	NETD_PID=$!
	for ((i = 0; i < 100; i++)); do
		# the socket is bound anew by this netd (a stale one is older)
		[ -S "$T/run/netd.sock" ] && [ -n "$(find "$T/run/netd.sock" -newer "$T/netd.start" 2>/dev/null)" ] && return 0
		kill -0 "$NETD_PID" 2>/dev/null || { fail "croft-netd exited during start-up"; NETD_PID=; return 1; }
		sleep 0.1
	done
	fail "croft-netd socket did not appear within 10 s"
}

netd_stop() {
	local i
	[ -n "$NETD_PID" ] || return 0
	kill -TERM "$NETD_PID" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$NETD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$NETD_PID" 2>/dev/null || true
	wait "$NETD_PID" 2>/dev/null || true
	NETD_PID=
}

netd_kill9() {
	[ -n "$NETD_PID" ] || return 0
	kill -KILL "$NETD_PID" 2>/dev/null || true
	wait "$NETD_PID" 2>/dev/null || true
	NETD_PID=
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
	netd_stop
	[ -n "$NS_HOST" ] && _itest_netns_del "$NS_HOST"
	[ -n "$NS_UP" ] && _itest_netns_del "$NS_UP"
	return 0
}
