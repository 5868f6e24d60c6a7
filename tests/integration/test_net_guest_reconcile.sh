#!/bin/bash
# test_net_guest_reconcile.sh — the kernel keeps matching the store across
# restarts, with a real TCG guest r1 on nat network "wan" serving httpd
# through the forward tcp 8080 -> r1:80, and foreign objects in $NS_HOST
# (bridge "mybr0", nft table "inet ctest") that croft must never touch:
#   - croft-netd stopped: the guest keeps its network (kernel state stays),
#     and croft refuses network changes with a clear error;
#   - croft-netd killed -9, then the kernel tampered with (r1's tap deleted,
#     a stale croftbr999 bridge added, a rule added to table inet croft),
#     croft-netd started: within seconds croftd has pushed the state again
#     and the kernel matches the snapshot taken before exactly (tap back,
#     stale bridge and rule gone, foreign objects still there, one dnsmasq),
#     and r1 is reachable through the forward again;
#   - croft-netd restarted without tampering: nothing is recreated (same
#     ifindexes, same dnsmasq);
#   - croftd killed -9 and started: nothing changes for the running guest.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

FWD_URL="http://$HOST_UP_IP:8080/"

# fwd_ok — does upstream get r1's page through the forward?
fwd_ok() {
	in_up wget -q -t 1 -T 3 -O - "$FWD_URL" 2>/dev/null | grep -q "CROFT-GUEST-HTTP r1"
}

# wait_snapshot FILE SECS — poll until net_snapshot equals FILE.
wait_snapshot() {
	local want=$1 secs=$2 end
	end=$((SECONDS + secs))
	while :; do
		net_snapshot >"$T/snap.now"
		cmp -s "$want" "$T/snap.now" && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.5
	done
	fail "host state differs from the snapshot after ${secs}s: $(net_snapshot_brief "$want" "$T/snap.now")"
}

# ids — ifindexes of r1's tap and bridge, and the dnsmasq pids.
ids() {
	echo "tap $(link_ifindex "$TAP") bridge $(link_ifindex "$BR") dnsmasq $(host_dnsmasq_pids | tr '\n' ' ')"
}

# rebaseline — if an earlier case left r1 unreachable, restart it so the
# next case starts from a working guest, and take the snapshot again.
rebaseline() {
	fwd_ok && cmp -s "$T/snap.0" <(net_snapshot) && return 0
	echo "  note: r1 unreachable or host changed after the previous case; restarting r1" >&2
	croft vm stop r1 >/dev/null 2>&1
	croft vm start r1 >/dev/null || { fail "cannot restart r1"; return 1; }
	guest_dhcp_addr r1 eth0 90 >/dev/null
	wait_for 30 fwd_ok || { fail "r1 unreachable even after a restart"; return 1; }
	QEMU_PID=$(vm_pid r1)
	net_snapshot >"$T/snap.0"
}

itest_net_guest_setup 8000

t_begin "setup: r1 on wan behind a forward; foreign bridge and nft table"
in_host ip link add mybr0 type bridge || fail "foreign bridge"
in_host nft -f - <<'EOF' || fail "foreign nft table"
table inet ctest {
	chain in {
		type filter hook input priority 10; policy accept;
		tcp dport 9999 counter
	}
}
EOF
expect_ok croft net create wan --mode nat || die "net create"
net_vm_create r1 || die "vm create"
expect_ok croft vm nic add r1 --net wan
expect_ok croft net forward add wan --proto tcp --host-port 8080 --to r1:80
expect_ok croft vm start r1 || die "vm start"
R1_IP=$(guest_dhcp_addr r1 eth0 90)
[ -n "$R1_IP" ] || die "r1 got no address"
TAP=$(nic_get r1 0 tap)
BR=$(link_master "$TAP")
QEMU_PID=$(vm_pid r1)
wait_for 30 fwd_ok || die "the forward to r1 does not work; nothing to reconcile"
net_snapshot >"$T/snap.0"
[ -n "$(host_dnsmasq_pids)" ] || fail "no dnsmasq for wan"
t_end

t_begin "netd stopped: the guest keeps its network, croft refuses changes"
netd_stop
fwd_ok || fail "the forward stopped working when netd stopped"
guest_ok r1 "timeout 10 wget -q -O - http://$UPSTREAM_IP:8000/netd-down" 40
expect_fail "netd" croft net forward add wan --proto tcp --host-port 8081 --to r1:81
assert_eq 1 "$(croft net forward list wan --json | jq length)" "forwards after the refused add"
net_snapshot >"$T/snap.down"
cmp -s "$T/snap.0" "$T/snap.down" || fail "the host changed while netd was down"
netd_start || die "netd did not start again"
wait_snapshot "$T/snap.0" 15
t_end

t_begin "netd killed -9, kernel tampered, netd started: reconciled exactly"
netd_kill9
in_host ip link del "$TAP" || fail "could not delete $TAP"
in_host ip link add croftbr999 type bridge || fail "could not add croftbr999"
CHAIN=$(in_host nft -j list table inet croft | jq -r '[.nftables[] | select(.chain) | .chain.name][0]')
in_host nft add rule inet croft "$CHAIN" ip saddr 192.0.2.66 counter drop || fail "could not add a rule to inet croft $CHAIN"
net_snapshot >"$T/snap.tampered"
cmp -s "$T/snap.0" "$T/snap.tampered" && fail "tampering did not show in the snapshot (snapshot too coarse)"
netd_start || die "netd did not start again"
wait_snapshot "$T/snap.0" 20
in_host ip link show dev croftbr999 >/dev/null 2>&1 && fail "croftbr999 still exists"
in_host ip link show dev "$TAP" >/dev/null 2>&1 || fail "$TAP was not re-created"
assert_eq "$BR" "$(link_master "$TAP")" "$TAP's master"
in_host nft list table inet croft | grep -q 192.0.2.66 && fail "the added rule is still in inet croft"
in_host ip link show dev mybr0 >/dev/null 2>&1 || fail "the foreign bridge mybr0 is gone"
in_host nft list table inet ctest >/dev/null 2>&1 || fail "the foreign table inet ctest is gone"
assert_eq 1 "$(host_dnsmasq_pids | wc -l)" "dnsmasq processes after the restart"
# the guest's NIC was on the deleted tap: croft must bring it back
wait_for 60 fwd_ok || fail "r1 is not reachable through the forward again"
assert_eq "$QEMU_PID" "$(vm_pid r1)" "QEMU pid"
t_end

t_begin "netd restarted without tampering: nothing is recreated"
rebaseline
before=$(ids)
netd_stop
netd_start || die "netd did not start again"
wait_snapshot "$T/snap.0" 15
# give croftd's reconnect and push time to happen, then look again
wait_nic_ip r1 0 20 >/dev/null
sleep 2
wait_snapshot "$T/snap.0" 5
assert_eq "$before" "$(ids)" "ifindexes and dnsmasq pids"
fwd_ok || fail "the forward does not work after the netd restart"
t_end

t_begin "croftd killed -9 and started: nothing changes for the running guest"
rebaseline
before=$(ids)
MARK=$(wc -l <"$T/run/vm/r1/serial.log")
croftd_kill9
fwd_ok || fail "the forward stopped working with croftd down"
croftd_start || die "croftd did not start again"
wait_state r1 running 20
wait_nic_ip r1 0 20 >/dev/null
sleep 2
wait_snapshot "$T/snap.0" 5
assert_eq "$before" "$(ids)" "ifindexes and dnsmasq pids"
assert_eq "$QEMU_PID" "$(vm_pid r1)" "QEMU pid"
fwd_ok || fail "the forward does not work after the croftd restart"
tail -n +$((MARK + 1)) "$T/run/vm/r1/serial.log" | grep -aq "nic-gone" && fail "the guest lost a NIC during the croftd restart"
t_end
