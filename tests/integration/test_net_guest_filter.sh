#!/bin/bash
# test_net_guest_filter.sh — what table "bridge croft" enforces on guest NICs,
# seen from real TCG guests on one nat network "wan":
#   - anti-spoofing: a guest that sends from an IPv4 address that is not its
#     own (an extra address it adds, or the address of its neighbour) gets
#     those packets dropped on the bridge, while its real address keeps
#     working; the same for a MAC address it changes to;
#   - the drops happen before the host sees the packets: counters in a table
#     of this test's own ("inet ctest", input hook, in $NS_HOST) count the
#     packets that arrive with each source; croft must leave that table alone;
#   - rate limit: a NIC added with --rate 2 (Mbit/s) downloads and uploads
#     2 MB at most at about that rate, and much slower than an unlimited NIC.
# Guests: s1 (no limit) and s2 (--rate 2), 128M, 1 vCPU, TCG.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

SPOOF_MAC=52:54:00:66:66:66
BLOB=2000000     # bytes moved in the rate test
RATE=2           # Mbit/s on s2

# ctest_count MATCH — packets counted by the ctest rule whose text has
# "MATCH " (the space keeps 10.73.0.2 from matching 10.73.0.250).
ctest_count() {
	in_host nft list chain inet ctest in | grep -F -- "$1 " | sed -nE 's/.*counter packets ([0-9]+).*/\1/p' | head -n1
}

# transfer VM up|down — seconds VM takes to move $BLOB bytes to/from upstream.
transfer() {
	local vm=$1 dir=$2 cmd a b
	if [ "$dir" = down ]; then
		cmd="timeout 120 wget -q -O /dev/null http://$UPSTREAM_IP:8000/blob/$BLOB"
	else
		cmd="timeout 120 wget -q -O - --post-file /tmp/blob http://$UPSTREAM_IP:8000/sink-$vm"
	fi
	GUEST_OUT=
	guest_ok "$vm" "a=\$(cut -d' ' -f1 /proc/uptime); $cmd; r=\$?; b=\$(cut -d' ' -f1 /proc/uptime); echo \"T \$a \$b\"; [ \$r = 0 ]" 150 ||
		return 1
	[ "$dir" = up ] && { assert_contains "$GUEST_OUT" "GOT $BLOB" "$vm's upload" || return 1; }
	read -r a b < <(echo "$GUEST_OUT" | awk '$1 == "T" { print $2, $3 }')
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f\n", b - a }'
}

itest_net_guest_setup 8000

t_begin "setup: guests s1 and s2 (--rate $RATE) on nat network wan"
expect_ok croft net create wan --mode nat || die "net create"
net_vm_create s1 || fail "vm create s1"
net_vm_create s2 || fail "vm create s2"
expect_ok croft vm nic add s1 --net wan
expect_ok croft vm nic add s2 --net wan --rate "$RATE"
assert_eq "$RATE" "$(nic_get s2 0 rate)" "s2's rate in vm info"
assert_eq "" "$(nic_get s1 0 rate)" "s1's rate in vm info"
expect_ok croft vm start s1
expect_ok croft vm start s2
S1_IP=$(guest_dhcp_addr s1 eth0 120)
S2_IP=$(guest_dhcp_addr s2 eth0 120)
S1_MAC=$(nic_get s1 0 mac)
S1_TAP=$(nic_get s1 0 tap)
S2_TAP=$(nic_get s2 0 tap)
GW=$(bridge_gateway "$(link_master "$S1_TAP")")
[ -n "$S1_IP" ] && [ -n "$S2_IP" ] && [ -n "$GW" ] || die "no addresses (s1 '$S1_IP', s2 '$S2_IP', gateway '$GW')"
SPOOF_IP=${GW%.*}.250
in_host nft list table bridge croft | grep -q "$S1_TAP" || fail "no rule for $S1_TAP in table bridge croft"
in_host nft -f - <<EOF || fail "cannot create table inet ctest"
table inet ctest {
	chain in {
		type filter hook input priority -300; policy accept;
		ip saddr $SPOOF_IP counter
		ip saddr $S2_IP icmp type echo-request counter
		ip saddr $S1_IP icmp type echo-request counter
		ether saddr $SPOOF_MAC counter
	}
}
EOF
t_end

t_begin "anti-spoofing: packets from a foreign IPv4 address are dropped"
if guest_ok s1 "ip addr add $SPOOF_IP/32 dev eth0"; then
	guest_ok s1 "ping -c 2 -W 2 $GW"
	before=$(ctest_count "ip saddr $S1_IP")
	guest_fails s1 "ping -c 3 -W 2 -I $SPOOF_IP $GW" 30
	guest_ok s1 "ping -c 2 -W 2 -I $S1_IP $GW"
	assert_eq 0 "$(ctest_count "ip saddr $SPOOF_IP")" "packets from $SPOOF_IP that reached the host"
	after=$(ctest_count "ip saddr $S1_IP")
	[ "${after:-0}" -ge $((${before:-0} + 2)) ] || fail "the host counted ${before:-?} -> ${after:-?} pings from $S1_IP (counter table broken?)"
	# the spoofed address must not reach upstream either (through masquerade)
	guest_fails s1 "ping -c 2 -W 2 -I $SPOOF_IP $UPSTREAM_IP" 30
	guest_ok s1 "ip addr del $SPOOF_IP/32 dev eth0"
fi
t_end

t_begin "anti-spoofing: s1 cannot send as its neighbour s2"
if guest_ok s1 "ip addr add $S2_IP/32 dev eth0"; then
	before=$(ctest_count "ip saddr $S2_IP")
	guest_fails s1 "ping -c 3 -W 2 -I $S2_IP $GW" 30
	assert_eq "${before:-0}" "$(ctest_count "ip saddr $S2_IP")" "pings from '$S2_IP' that reached the host"
	guest_ok s1 "ip addr del $S2_IP/32 dev eth0"
	guest_ok s2 "ping -c 2 -W 2 $GW"
	[ "$(ctest_count "ip saddr $S2_IP")" -ge $((${before:-0} + 2)) ] || fail "s2's own pings were not counted"
fi
t_end

t_begin "anti-spoofing: frames from a foreign MAC are dropped"
if guest_ok s1 "ip link set dev eth0 address $SPOOF_MAC"; then
	guest_fails s1 "ping -c 3 -W 2 $GW" 30
	assert_eq 0 "$(ctest_count "ether saddr $SPOOF_MAC")" "packets from $SPOOF_MAC that reached the host"
	guest_ok s1 "ip link set dev eth0 address $S1_MAC"
	guest_ok s1 "ping -c 2 -W 3 $GW" 30
fi
guest_ok s1 "timeout 10 wget -q -O - http://$UPSTREAM_IP:8000/after-spoof" 40 &&
	assert_contains "$GUEST_OUT" "CROFT-UPSTREAM-HTTP" "s1 after the spoofing attempts"
t_end

t_begin "rate limit: --rate $RATE bounds s2's download and upload"
nominal=$(awk -v b="$BLOB" -v r="$RATE" 'BEGIN { printf "%.1f", b * 8 / (r * 1000000) }')
# busybox wget --post-file sends the file as a C string: no NUL bytes in it
for vm in s1 s2; do
	guest_ok "$vm" "dd if=/dev/zero bs=1000 count=$((BLOB / 1000)) 2>/dev/null | tr '\\0' x >/tmp/blob; wc -c </tmp/blob" &&
		assert_eq "$BLOB" "${GUEST_OUT// /}" "size of $vm's /tmp/blob"
done
for dir in down up; do
	free=$(transfer s1 "$dir") || { fail "s1 $dir failed"; continue; }
	limited=$(transfer s2 "$dir") || { fail "s2 $dir failed"; continue; }
	pass "$dir $BLOB bytes: s1 ${free}s, s2 (--rate $RATE) ${limited}s, nominal ${nominal}s"
	awk -v l="$limited" -v n="$nominal" 'BEGIN { exit !(l >= n / 2) }' ||
		fail "s2's $dir took ${limited}s, under half the ${nominal}s that $RATE Mbit/s allows"
	awk -v l="$limited" -v f="$free" 'BEGIN { exit !(l >= 2 * f) }' ||
		fail "s2's $dir (${limited}s) is not clearly slower than s1's (${free}s)"
done
t_end

t_begin "the test's own nft table survived every croft change"
in_host nft list table inet ctest >/dev/null 2>&1 || fail "table inet ctest is gone"
# one more croft change (a NIC on s1's network) re-applies croft's tables
net_vm_create s3 && expect_ok croft vm nic add s3 --net wan
in_host nft list chain inet ctest in | grep -q "ether saddr $SPOOF_MAC counter" || fail "table inet ctest was changed"
t_end
