#!/bin/bash
# test_net_guest_nat.sh — NAT and host-only networks with real TCG guests,
# croftd and croft-netd inside $NS_HOST, an HTTP server in $NS_UP:
#   - a guest on a nat network (uplink defaults to uplink0, the interface of
#     the default route) gets its assigned address by DHCP, `vm info` shows
#     it, its DNS server is the gateway, and it fetches a page from upstream,
#     whose server sees the host's address (masquerade);
#   - upstream cannot reach a nat guest directly, even with a route to it;
#   - a port forward tcp 8080 -> guest:80 works from upstream (the guest sees
#     the real client), from the host itself and from the guest itself
#     (hairpin, with br_netfilter's IP hook off); a second forward of the same port is refused; after removal
#     the port is closed again;
#   - a host-only guest reaches the host but nothing beyond, in either
#     direction, even with routes added by hand.
# Guests: g1 (nat "wan"), h1 (host-only "lab"), 128M, 1 vCPU, TCG.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

itest_net_guest_setup 8000

# --- nat ------------------------------------------------------------------------
t_begin "nat: create with defaults (10.73.N.0/24, uplink of the default route)"
if expect_ok croft net create wan --mode nat --json; then
	got=$(croft net info wan --json | jq -r '"\(.mode) \(.uplink)"')
	assert_eq "nat uplink0" "$got" "net info mode/uplink"
	SUBNET=$(croft net info wan --json | jq -r .subnet)
	[[ $SUBNET =~ ^10\.73\.[0-9]+\.0/24$ ]] || fail "default subnet '$SUBNET' is not 10.73.N.0/24"
	croft net list --json | jq -e 'any(.[]; .name == "wan")' >/dev/null || fail "wan not in net list"
fi
t_end

t_begin "nat: the guest gets its address by DHCP and vm info shows it"
G1_IP= G1_GW= G1_BR=
net_vm_create g1 || fail "vm create g1"
if expect_ok croft vm nic add g1 --net wan; then
	G1_MAC=$(nic_get g1 0 mac)
	G1_ADDR=$(nic_get g1 0 address)
	G1_TAP=$(nic_get g1 0 tap)
	[[ $G1_MAC =~ ^52:54:00(:[0-9a-f]{2}){3}$ ]] || fail "MAC '$G1_MAC' is not 52:54:00:xx:xx:xx"
	[[ $G1_TAP =~ ^croftt[0-9]+$ ]] || fail "tap '$G1_TAP' is not croftt<id>"
	assert_eq "" "$(nic_get g1 0 ip)" "ip before any lease"
	if expect_ok croft vm start g1; then
		wait_serial g1 'CROFT-GUEST: ready' 90
		wait_serial g1 "CROFT-GUEST: nic eth0 $G1_MAC" 5
		G1_IP=$(guest_dhcp_addr g1 eth0 60)
		assert_eq "$G1_ADDR" "$G1_IP" "leased address vs the NIC's assigned address"
		assert_eq "$G1_IP" "$(wait_nic_ip g1 0 30)" "vm info .nics[0].ip"
		G1_BR=$(link_master "$G1_TAP")
		[[ $G1_BR =~ ^croftbr[0-9]+$ ]] || fail "tap $G1_TAP has master '$G1_BR', not a croftbr bridge"
		G1_GW=$(bridge_gateway "$G1_BR")
		assert_eq "${SUBNET%.0/24}.1" "$G1_GW" "gateway address on $G1_BR"
		croft vm list --json | jq -e --arg ip "$G1_IP" 'any(.[]; .name == "g1" and (tostring | contains($ip)))' >/dev/null ||
			fail "vm list does not show g1's address $G1_IP"
	fi
fi
t_end

t_begin "nat: the guest's default route and DNS server are the gateway"
if [ -n "$G1_GW" ] && guest_ok g1 'ip -4 route show default; cat /etc/resolv.conf'; then
	assert_contains "$GUEST_OUT" "default via $G1_GW dev eth0" "guest route"
	assert_contains "$GUEST_OUT" "nameserver $G1_GW" "guest resolv.conf"
	guest_ok g1 "ping -c 2 -W 2 $G1_GW" || true
else
	fail "no gateway from the previous case"
fi
t_end

t_begin "nat: the guest reaches upstream, which sees the host's address"
if [ -z "$G1_IP" ]; then
	fail "g1 has no address"
elif guest_ok g1 "timeout 10 wget -q -O - http://$UPSTREAM_IP:8000/from-g1" 40; then
	assert_contains "$GUEST_OUT" "CROFT-UPSTREAM-HTTP" "page fetched by g1"
	got=$(awk '$1 == "CLIENT" && $3 == "/from-g1" { print $2 }' "$T/up_http.log" | sort -u)
	assert_eq "$HOST_UP_IP" "$got" "client address seen upstream"
fi
t_end

t_begin "nat: upstream cannot reach the guest directly, even with a route"
if [ -n "$G1_IP" ]; then
	in_up ip route add "$SUBNET" via "$HOST_UP_IP" || fail "route in $NS_UP"
	in_up wget -q -t 1 -T 3 -O - "http://$G1_IP/" >/dev/null 2>&1 && fail "upstream fetched http://$G1_IP/ without a forward"
	in_up ping -c 2 -W 1 "$G1_IP" >/dev/null 2>&1 && fail "upstream pinged $G1_IP"
	in_up ip route del "$SUBNET" via "$HOST_UP_IP"
	# control: the probe itself works (the host reaches g1 over the bridge)
	in_host wget -q -t 1 -T 5 -O - "http://$G1_IP/" 2>/dev/null | grep -q "CROFT-GUEST-HTTP g1" ||
		fail "the host cannot fetch http://$G1_IP/ either (probe broken?)"
else
	fail "g1 has no address"
fi
t_end

# --- port forwards ----------------------------------------------------------------
t_begin "forward: tcp 8080 -> g1:80 from upstream and from the host itself"
if expect_ok croft net forward add wan --proto tcp --host-port 8080 --to g1:80; then
	got=$(croft net forward list wan --json | jq -c '[.[] | select(.host_port == 8080)] | length')
	assert_eq 1 "$got" "forwards on 8080 in forward list --json"
	got=$(croft net forward list wan)
	assert_contains "$got" "8080" "forward list"
	assert_contains "$got" "g1" "forward list"
	page=$(in_up wget -q -t 1 -T 10 -O - "http://$HOST_UP_IP:8080/" 2>&1)
	assert_contains "$page" "CROFT-GUEST-HTTP g1 $G1_MAC" "page through the forward from upstream"
	page=$(in_up wget -q -t 1 -T 10 -O - "http://$HOST_UP_IP:8080/cgi-bin/peer" 2>&1)
	assert_contains "$page" "CROFT-GUEST-PEER $UPSTREAM_IP" "client address the guest sees (forward keeps it)"
	page=$(in_host wget -q -t 1 -T 10 -O - "http://$HOST_UP_IP:8080/" 2>&1)
	assert_contains "$page" "CROFT-GUEST-HTTP g1" "page through the forward from the host"
	in_host nft list table inet croft | grep -q "dnat ip to $G1_IP:80" ||
		fail "no 'dnat ip to $G1_IP:80' in table inet croft"
fi
t_end

# With br_netfilter's IP hook on (net.bridge.bridge-nf-call-iptables=1, as
# on this kernel and wherever Docker runs), the kernel bridges a guest's
# DNATed packet back towards the port it came from and the bridge drops it:
# a known limit, documented in docs/networking.md.  A plain host has the hook
# off; the case runs that way, the sysctl changed in $NS_HOST only.
t_begin "forward: the guest reaches its own forward through the host's address (hairpin)"
brnf=$(in_host sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null || echo absent)
[ "$brnf" = 1 ] && in_host sysctl -qw net.bridge.bridge-nf-call-iptables=0
if [ -n "$G1_IP" ]; then
	guest_ok g1 "timeout 10 wget -q -O - http://$HOST_UP_IP:8080/" 40 &&
		assert_contains "$GUEST_OUT" "CROFT-GUEST-HTTP g1" "page through the forward from g1 itself"
else
	fail "g1 has no address"
fi
[ "$brnf" = 1 ] && in_host sysctl -qw net.bridge.bridge-nf-call-iptables=1
t_end

t_begin "forward: the same port again is refused and changes nothing"
before=$(croft net forward list wan --json)
nft_before=$(in_host nft list ruleset)
expect_fail "8080" croft net forward add wan --proto tcp --host-port 8080 --to g1:8081
assert_eq "$before" "$(croft net forward list wan --json)" "forward list after the refused add"
assert_eq "$nft_before" "$(in_host nft list ruleset)" "nft ruleset after the refused add"
# udp 8080 is another port
expect_ok croft net forward add wan --proto udp --host-port 8080 --to g1:53
assert_eq 2 "$(croft net forward list wan --json | jq length)" "forwards after adding udp 8080"
in_host nft list table inet croft | grep -q "udp dport 8080" || fail "no udp dport 8080 rule in table inet croft"
t_end

t_begin "forward remove: the port is closed again"
if expect_ok croft net forward remove wan --proto tcp --host-port 8080; then
	in_up wget -q -t 1 -T 5 -O - "http://$HOST_UP_IP:8080/" >/dev/null 2>&1 &&
		fail "upstream still reaches port 8080 after forward remove"
	in_host wget -q -t 1 -T 5 -O - "http://$HOST_UP_IP:8080/" >/dev/null 2>&1 &&
		fail "the host still reaches port 8080 after forward remove"
	in_host nft list table inet croft | grep -q "tcp dport 8080" && fail "tcp dport 8080 rule still in table inet croft"
	assert_eq "udp" "$(croft net forward list wan --json | jq -r '[.[].proto] | join(",")')" "forwards left"
fi
expect_ok croft net forward remove wan --proto udp --host-port 8080
assert_eq 0 "$(croft net forward list wan --json | jq length)" "forwards after removing both"
t_end

# --- host-only ----------------------------------------------------------------------
t_begin "host-only: the guest reaches the host, nothing beyond"
H1_IP=
if expect_ok croft net create lab --mode host-only; then
	net_vm_create h1 || fail "vm create h1"
	expect_ok croft vm nic add h1 --net lab
	LAB_SUBNET=$(croft net info lab --json | jq -r .subnet)
	H1_TAP=$(nic_get h1 0 tap)
	if expect_ok croft vm start h1; then
		H1_IP=$(guest_dhcp_addr h1 eth0 90)
		assert_eq "$(nic_get h1 0 address)" "$H1_IP" "h1's leased address"
		H1_BR=$(link_master "$H1_TAP")
		H1_GW=$(bridge_gateway "$H1_BR")
		[ -n "$H1_GW" ] || fail "no address on h1's bridge '$H1_BR'"
		guest_ok h1 "ping -c 2 -W 2 $H1_GW"
		# host-only hands out no default route; add one by hand: the host
		# must still not forward the guest's packets anywhere.
		guest_ok h1 "ip -4 route show default" && assert_eq "" "$GUEST_OUT" "h1's default route from DHCP"
		guest_ok h1 "ip route add default via $H1_GW"
		guest_fails h1 "ping -c 2 -W 2 $UPSTREAM_IP" 30
		guest_fails h1 "timeout 5 wget -q -O - http://$UPSTREAM_IP:8000/from-h1" 30
		[ -n "$(awk '$3 == "/from-h1"' "$T/up_http.log")" ] && fail "upstream saw a request from h1"
		# nor the other way round
		in_up ip route add "$LAB_SUBNET" via "$HOST_UP_IP"
		in_up ping -c 2 -W 1 "$H1_IP" >/dev/null 2>&1 && fail "upstream pinged host-only guest $H1_IP"
		in_up wget -q -t 1 -T 3 -O - "http://$H1_IP/" >/dev/null 2>&1 && fail "upstream fetched http://$H1_IP/"
		in_up ip route del "$LAB_SUBNET" via "$HOST_UP_IP"
		# and g1 on the nat network still works meanwhile
		guest_ok g1 "timeout 10 wget -q -O - http://$UPSTREAM_IP:8000/" 40
	fi
fi
t_end

t_begin "host-only: a forward on a host-only network is refused"
expect_fail "lab" croft net forward add lab --proto tcp --host-port 8081 --to h1:80
t_end
