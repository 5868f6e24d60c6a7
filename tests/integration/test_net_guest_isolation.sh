#!/bin/bash
# test_net_guest_isolation.sh — networks are isolated from each other, guests
# on one network are not: real TCG guests a1 and a2 on nat network "blue",
# b1 on nat network "red" (croftd and croft-netd inside $NS_HOST):
#   - a1 and a2 ping each other and fetch each other's httpd page (same
#     bridge: switched, never filtered);
#   - a1 and b1 cannot reach each other in either direction (ping, TCP),
#     although each has a default route through its gateway, which is the
#     host that routes between the two subnets;
#   - both still reach upstream (masquerade) meanwhile.
# Guests: 3 x 128M, 1 vCPU, TCG, running at the same time.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

itest_net_guest_setup 8000

declare -A IP=()

t_begin "setup: two nat networks, three guests with leases"
expect_ok croft net create blue --mode nat || die "net create blue"
expect_ok croft net create red --mode nat || die "net create red"
BLUE=$(croft net info blue --json | jq -r .subnet)
RED=$(croft net info red --json | jq -r .subnet)
assert_ne "$BLUE" "$RED" "subnets of blue and red"
for vm in a1 a2 b1; do
	net=blue
	[ "$vm" = b1 ] && net=red
	net_vm_create "$vm" || fail "vm create $vm"
	expect_ok croft vm nic add "$vm" --net "$net" || continue
	expect_ok croft vm start "$vm"
done
for vm in a1 a2 b1; do
	IP[$vm]=$(guest_dhcp_addr "$vm" eth0 120)
	assert_eq "$(nic_get "$vm" 0 address)" "${IP[$vm]}" "$vm's leased address"
done
[ "$(link_master "$(nic_get a1 0 tap)")" = "$(link_master "$(nic_get a2 0 tap)")" ] ||
	fail "a1 and a2 are not on one bridge"
[ "$(link_master "$(nic_get a1 0 tap)")" != "$(link_master "$(nic_get b1 0 tap)")" ] ||
	fail "a1 and b1 share a bridge"
[ -n "${IP[a1]}" ] && [ -n "${IP[a2]}" ] && [ -n "${IP[b1]}" ] || die "a guest has no address; cannot go on"
t_end

t_begin "same network: a1 and a2 reach each other"
guest_ok a1 "ping -c 2 -W 2 ${IP[a2]}"
guest_ok a2 "ping -c 2 -W 2 ${IP[a1]}"
if guest_ok a1 "timeout 10 wget -q -O - http://${IP[a2]}/" 30; then
	assert_contains "$GUEST_OUT" "CROFT-GUEST-HTTP a2" "a2's page fetched by a1"
fi
if guest_ok a2 "timeout 10 wget -q -O - http://${IP[a1]}/cgi-bin/peer" 30; then
	assert_contains "$GUEST_OUT" "CROFT-GUEST-PEER ${IP[a2]}" "a1 sees a2's own address"
fi
t_end

t_begin "different networks: a1 cannot reach b1"
guest_fails a1 "ping -c 2 -W 2 ${IP[b1]}" 30
guest_fails a1 "timeout 5 wget -q -O - http://${IP[b1]}/" 30
t_end

t_begin "different networks: b1 cannot reach a1 or a2"
guest_fails b1 "ping -c 2 -W 2 ${IP[a1]}" 30
guest_fails b1 "timeout 5 wget -q -O - http://${IP[a1]}/" 30
guest_fails b1 "timeout 5 wget -q -O - http://${IP[a2]}/" 30
t_end

t_begin "both networks still reach upstream"
guest_ok a1 "timeout 10 wget -q -O - http://$UPSTREAM_IP:8000/from-a1" 40 &&
	assert_contains "$GUEST_OUT" "CROFT-UPSTREAM-HTTP" "a1's upstream page"
guest_ok b1 "timeout 10 wget -q -O - http://$UPSTREAM_IP:8000/from-b1" 40 &&
	assert_contains "$GUEST_OUT" "CROFT-UPSTREAM-HTTP" "b1's upstream page"
got=$(awk '$1 == "CLIENT" && ($3 == "/from-a1" || $3 == "/from-b1") { print $2 }' "$T/up_http.log" | sort -u)
assert_eq "$HOST_UP_IP" "$got" "client address upstream saw"
t_end
