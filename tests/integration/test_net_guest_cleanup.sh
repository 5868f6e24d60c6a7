#!/bin/bash
# test_net_guest_cleanup.sh — deleting networks leaves nothing behind.
# A snapshot of $NS_HOST (`ip -d link`, addresses, routes, bridge VLANs,
# `nft list ruleset`; see net_snapshot) is taken before any network exists;
# then all three kinds are created and used by running TCG guests (nat "n1"
# with two forwards, host-only "n2", bridged "n3" on lan1), and everything is
# deleted again: a refused delete of a used network changes nothing, a
# forced delete hot-unplugs the NIC from a running guest, and at the end the
# snapshot matches exactly, no dnsmasq runs, $T/run/net is empty, and the
# foreign bridge and nft table created before the start are untouched.
# Guests: d1 (NICs on n1, n2, n3), d2 (NIC on n1); 128M, 1 vCPU, TCG.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

# run_net_files — files left under $T/run/net (netd's per-network dirs).
run_net_files() {
	[ -d "$T/run/net" ] && find "$T/run/net" -mindepth 1 | sort
	return 0
}

itest_net_guest_setup

t_begin "before: snapshot of the host with only foreign objects"
in_host ip link add mybr0 type bridge || fail "foreign bridge"
in_host ip link add other0 type veth peer name other0p || fail "foreign veth"
in_host nft -f - <<'EOF' || fail "foreign nft table"
table inet ctest {
	chain fw {
		type filter hook forward priority 5; policy accept;
		ip saddr 192.0.2.1 counter
	}
}
EOF
# croftd pushes its (empty) state when it connects to netd: let that settle
wait_for 10 croft net list
sleep 1
net_snapshot >"$T/snap.before"
grep -q croft "$T/snap.before" && fail "croft objects exist before any network: $(grep croft "$T/snap.before" | head -n 3)"
t_end

t_begin "create: nat, host-only and bridged networks used by running guests"
expect_ok croft net create n1 --mode nat || die "net create n1"
expect_ok croft net create n2 --mode host-only || die "net create n2"
# bridged is checked on its own too (test_net_guest_bridged.sh): if it
# fails here, go on with the two others
HAVE_N3=1
expect_ok croft net create n3 --mode bridged --uplink lan1 || HAVE_N3=0
net_vm_create d1 || die "vm create d1"
net_vm_create d2 || die "vm create d2"
expect_ok croft vm nic add d1 --net n1
expect_ok croft vm nic add d1 --net n2
[ "$HAVE_N3" = 1 ] && expect_ok croft vm nic add d1 --net n3
expect_ok croft vm nic add d2 --net n1
expect_ok croft net forward add n1 --proto tcp --host-port 8080 --to d1:80
expect_ok croft net forward add n1 --proto udp --host-port 5353 --to d2:53
expect_ok croft vm start d1
expect_ok croft vm start d2
guest_dhcp_addr d1 eth0 90 >/dev/null
guest_dhcp_addr d1 eth1 60 >/dev/null
guest_dhcp_addr d2 eth0 60 >/dev/null
in_up wget -q -t 1 -T 10 -O - "http://$HOST_UP_IP:8080/" 2>/dev/null | grep -q "CROFT-GUEST-HTTP d1" ||
	fail "forward to d1 does not work"
net_snapshot >"$T/snap.used"
assert_eq $((2 + HAVE_N3)) "$(grep -c '"ifname":"croftbr' "$T/snap.used")" "croft bridges"
assert_eq $((3 + HAVE_N3)) "$(grep -c '"ifname":"croftt' "$T/snap.used")" "croft taps"
assert_eq 2 "$(host_dnsmasq_pids | wc -l)" "dnsmasq processes (n1, n2)"
[ -n "$(run_net_files)" ] || fail "nothing under $T/run/net while networks exist"
t_end

t_begin "a used network is not deleted without --force, and nothing changes"
expect_fail "d1" croft net delete n1
assert_contains "$EXPECT_ERR" "d2" "error names every VM using n1"
want="n1 n2 n3"
[ "$HAVE_N3" = 1 ] || want="n1 n2"
assert_eq "$want" "$(croft net list --json | jq -r '[.[].name] | sort | join(" ")')" "networks after the refused delete"
net_snapshot >"$T/snap.refused"
cmp -s "$T/snap.used" "$T/snap.refused" || fail "the refused delete changed the host: $(net_snapshot_brief "$T/snap.used" "$T/snap.refused")"
t_end

t_begin "net delete --force hot-unplugs the NIC of a running guest"
MARK=$(wc -l <"$T/run/vm/d1/serial.log")
if [ "$HAVE_N3" = 0 ]; then
	fail "no bridged network n3 to delete (its create failed above)"
elif expect_ok croft net delete n3 --force; then
	wait_for 30 bash -c "tail -n +$((MARK + 1)) '$T/run/vm/d1/serial.log' | grep -aq 'CROFT-GUEST: nic-gone eth2'" ||
		fail "d1 did not report eth2 gone"
	assert_eq "n1 n2" "$(croft vm nic list d1 --json | jq -r '[.[].net] | sort | join(" ")')" "d1's networks"
	assert_eq "" "$(link_master lan1)" "lan1's master"
	assert_eq running "$(vm_state d1)" "d1's state"
fi
t_end

t_begin "delete everything: the host is exactly as before"
expect_ok croft vm stop d1
expect_ok croft vm stop d2
expect_ok croft net forward remove n1 --proto tcp --host-port 8080
expect_ok croft vm nic remove d1 --net n2
expect_ok croft net delete n2
expect_ok croft net delete n1 --force
assert_eq 0 "$(croft net list --json | jq length)" "networks left"
assert_eq 0 "$(croft vm nic list d1 --json | jq length)" "d1's NICs"
assert_eq 0 "$(croft vm nic list d2 --json | jq length)" "d2's NICs"
# netd may take a moment to reap dnsmasq
wait_for 10 bash -c "[ -z \"\$(ip netns pids $NS_HOST | while read -r p; do cat /proc/\$p/comm 2>/dev/null; done | grep -x dnsmasq)\" ]" ||
	fail "dnsmasq still running: $(host_dnsmasq_pids | tr '\n' ' ')"
net_snapshot >"$T/snap.after"
cmp -s "$T/snap.before" "$T/snap.after" ||
	fail "host differs from before: $(net_snapshot_brief "$T/snap.before" "$T/snap.after")"
assert_eq "" "$(run_net_files | tr '\n' ' ')" "files under $T/run/net"
in_host ip link show dev mybr0 >/dev/null 2>&1 || fail "foreign bridge mybr0 gone"
in_host ip link show dev other0 >/dev/null 2>&1 || fail "foreign link other0 gone"
in_host nft list table inet ctest >/dev/null 2>&1 || fail "foreign table inet ctest gone"
t_end

t_begin "the guests still start without NICs"
expect_ok croft vm start d1 && wait_serial d1 'CROFT-GUEST: ready' 90
assert_eq 0 "$(serial_count d1 'CROFT-GUEST: nic ')" "NICs the guest sees"
t_end
