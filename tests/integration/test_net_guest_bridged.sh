#!/bin/bash
# test_net_guest_bridged.sh — bridged networks with real TCG guests: the
# network enslaves $NS_HOST's spare NIC lan1, whose peer lan1p sits in $NS_UP
# (the "LAN") with a dnsmasq this test runs there (198.51.101.0/24, leases
# .50-.99) and an HTTP server:
#   - create on lan1: lan1 becomes a port of the croftbr bridge; refused on
#     uplink0 (it has an address), on a NIC that does not exist, and on lan1
#     a second time;
#   - a guest gets its address from the LAN's DHCP server (not from croft),
#     reaches the LAN with its own address (no NAT), and the LAN reaches it;
#   - with VLAN support in the kernel (bridge VLAN filtering and 802.1Q): a NIC
#     with --vlan 42 is an untagged PVID port of VLAN 42, lan1 carries 42
#     tagged, and the guest gets its address from the DHCP server on lan1p.42
#     (198.51.102.0/24).  Without it the case is skipped and says so.
# Guests: b1, v1 (128M, 1 vCPU, TCG).
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

VLAN=42
HAVE_VLAN=0
vlan_supported && HAVE_VLAN=1

itest_net_guest_setup 8000
if [ "$HAVE_VLAN" = 1 ]; then
	up_dnsmasq_start "$VLAN" || die "no DHCP server on the LAN"
else
	up_dnsmasq_start || die "no DHCP server on the LAN"
fi

t_begin "bridged: create on lan1, which becomes a bridge port"
BR=
if expect_ok croft net create lan --mode bridged --uplink lan1; then
	assert_eq "bridged lan1" "$(croft net info lan --json | jq -r '"\(.mode) \(.uplink)"')" "net info"
	BR=$(link_master lan1)
	[[ $BR =~ ^croftbr[0-9]+$ ]] || fail "lan1's master is '$BR', not a croftbr bridge"
	assert_eq "" "$(in_host ip -4 -o addr show dev "$BR")" "addresses on the bridged network's bridge"
	in_host ip -j link show dev lan1 | jq -e '.[0].flags | index("UP")' >/dev/null || fail "lan1 is not up"
fi
t_end

t_begin "bridged: refused on a NIC with addresses, a missing NIC, an enslaved NIC"
links_before=$(net_snapshot)
expect_fail "uplink0" croft net create lan2 --mode bridged --uplink uplink0
expect_fail "nosuch0" croft net create lan3 --mode bridged --uplink nosuch0
expect_fail "lan1" croft net create lan4 --mode bridged --uplink lan1
expect_fail "bridged" croft net create lan5 --mode bridged --uplink lan1 --subnet 10.99.0.0/24
assert_eq 1 "$(croft net list --json | jq length)" "networks after the refused creates"
[ "$links_before" = "$(net_snapshot)" ] || fail "a refused create changed the host"
t_end

t_begin "bridged: the guest gets its address from the LAN's DHCP server"
B1_IP=
net_vm_create b1 || fail "vm create b1"
if expect_ok croft vm nic add b1 --net lan; then
	B1_MAC=$(nic_get b1 0 mac)
	assert_eq "$BR" "$(link_master "$(nic_get b1 0 tap)")" "b1's tap master"
	if expect_ok croft vm start b1; then
		B1_IP=$(guest_dhcp_addr b1 eth0 90)
		[[ $B1_IP =~ ^198\.51\.101\.([5-9][0-9])$ ]] || fail "b1's address '$B1_IP' is not from the LAN's range"
		grep -q " $B1_MAC $B1_IP " "$T/up_dnsmasq.leases" 2>/dev/null ||
			fail "the LAN's dnsmasq has no lease $B1_MAC $B1_IP: $(cat "$T/up_dnsmasq.leases" 2>/dev/null)"
		assert_eq 0 "$(host_dnsmasq_pids | wc -l)" "croft dnsmasq processes for a bridged network"
	fi
fi
t_end

t_begin "bridged: guest and LAN reach each other without NAT"
if [ -n "$B1_IP" ]; then
	guest_ok b1 "ping -c 2 -W 2 $UP_LAN_IP"
	guest_ok b1 "timeout 10 wget -q -O - http://$UP_LAN_IP:8000/from-b1" 40 &&
		assert_contains "$GUEST_OUT" "CROFT-UPSTREAM-HTTP" "LAN page"
	got=$(awk '$1 == "CLIENT" && $3 == "/from-b1" { print $2 }' "$T/up_http.log" | sort -u)
	assert_eq "$B1_IP" "$got" "client address the LAN saw"
	page=$(in_up wget -q -t 1 -T 10 -O - "http://$B1_IP/cgi-bin/peer" 2>&1)
	assert_contains "$page" "CROFT-GUEST-PEER $UP_LAN_IP" "b1's httpd from the LAN"
else
	fail "b1 has no address"
fi
t_end

if [ "$HAVE_VLAN" = 1 ]; then
	t_begin "bridged: a NIC with --vlan $VLAN is on VLAN $VLAN of the LAN"
	net_vm_create v1 || fail "vm create v1"
	if expect_ok croft vm nic add v1 --net lan --vlan "$VLAN"; then
		assert_eq "$VLAN" "$(nic_get v1 0 vlan)" "v1's vlan in vm info"
		V1_TAP=$(nic_get v1 0 tap)
		got=$(in_host bridge -j vlan show dev "$V1_TAP" | jq -c '[.[0].vlans[] | {vlan, flags: (.flags // [] | sort)}]')
		assert_eq "[{\"vlan\":$VLAN,\"flags\":[\"Egress Untagged\",\"PVID\"]}]" "$got" "VLANs of $V1_TAP"
		in_host bridge -j vlan show dev lan1 | jq -e --argjson v "$VLAN" \
			'.[0].vlans | any(.vlan == $v and ((.flags // []) | index("Egress Untagged") | not))' >/dev/null ||
			fail "lan1 does not carry VLAN $VLAN tagged: $(in_host bridge -j vlan show dev lan1)"
		if expect_ok croft vm start v1; then
			V1_IP=$(guest_dhcp_addr v1 eth0 90)
			[[ $V1_IP =~ ^198\.51\.102\.([5-9][0-9])$ ]] || fail "v1's address '$V1_IP' is not from VLAN $VLAN's range"
			guest_ok v1 "ping -c 2 -W 2 $UP_VLAN_IP"
			guest_fails v1 "ping -c 2 -W 2 $UP_LAN_IP" 30
		fi
	fi
	t_end
else
	echo "SKIP $ITEST_NAME: bridged VLAN case: this kernel has no bridge VLAN filtering or no 802.1Q (CONFIG_BRIDGE_VLAN_FILTERING, CONFIG_VLAN_8021Q)"
	t_begin "bridged: --vlan is refused cleanly on a kernel without VLAN filtering, or works"
	# Without kernel support croft must either refuse the VLAN NIC with a
	# message or accept it; it must never break the untagged guest.
	net_vm_create v1 || fail "vm create v1"
	if croft vm nic add v1 --net lan --vlan "$VLAN" >/dev/null 2>"$T/vlan.err"; then
		pass "vlan NIC accepted"
	else
		assert_contains "$(cat "$T/vlan.err")" "VLAN" "error for a VLAN NIC without kernel support"
		assert_eq 0 "$(croft vm info v1 --json | jq '.nics | length')" "v1's NICs after the refused add"
	fi
	[ -n "$B1_IP" ] && guest_ok b1 "ping -c 2 -W 2 $UP_LAN_IP"
	t_end
fi

t_begin "bridged: deleting the network releases lan1 and leaves it up"
expect_ok croft vm stop b1
croft vm info v1 --json | jq -e '.state == "running"' >/dev/null 2>&1 && expect_ok croft vm stop v1
if expect_ok croft net delete lan --force; then
	assert_eq "" "$(link_master lan1)" "lan1's master after delete"
	in_host ip -j link show dev lan1 | jq -e '.[0].flags | index("UP")' >/dev/null || fail "lan1 is not up after delete"
	[ -n "$BR" ] && in_host ip link show dev "$BR" >/dev/null 2>&1 && fail "bridge $BR still exists"
	assert_eq 0 "$(croft vm info b1 --json | jq '.nics | length')" "b1's NICs after net delete --force"
fi
t_end
