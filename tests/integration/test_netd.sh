#!/bin/bash
# test_netd.sh — croft-netd alone (no croftd), driven by netdraw.py over its
# socket, inside the test namespaces of netlib.sh: a nat network (uplink
# uplink0), a host-only network and a bridged network on lan1, with NICs
# and a port forward.  Checks the kernel with ip/bridge/nft, the dnsmasq
# processes and files; idempotence (same ifindexes, same dnsmasq pids);
# reconciliation after kill -9 and tampering; dnsmasq supervision; bad
# states refused with precise messages and nothing changed; the empty
# state leaving the namespace exactly as it was before.
# shellcheck shell=bash
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/netlib.sh"

itest_net_setup
itest_netd_only_setup

SOCK="$T/run/netd.sock"
draw() { python3 "$HERE/netdraw.py" "$SOCK" "$@"; }

VLAN_OK=0
vlan_supported && VLAN_OK=1

# Non-croft things that must survive everything: a veth pair, a host
# bridge with an enslaved NIC, and an nft table with a rule.  (veth, not
# dummy: some test kernels lack the dummy driver.)
in_host ip link add keep0 type veth peer name keep1
in_host ip link add hostbr0 type bridge
in_host ip link add ens0 type veth peer name ens1
in_host ip link set ens0 master hostbr0
in_host nft add table inet keepme
in_host nft add chain inet keepme input '{ type filter hook input priority 10; policy accept; }'
in_host nft add rule inet keepme input tcp dport 2222 counter accept

# snapshot FILE — links, addresses, routes, VLANs and nft ruleset of $NS_HOST.
snapshot() {
	{
		echo "== links"
		# without the bridge timers, which tick
		in_host ip -d link show | sed -E 's/ [a-z_]*timer +[0-9.]+//g'
		echo "== addresses"
		in_host ip -4 -o addr show | awk '{ print $2, $4 }'
		echo "== routes"
		in_host ip -4 route show table all
		echo "== vlans"
		in_host bridge vlan show 2>/dev/null
		echo "== nft"
		in_host nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	} >"$1"
}

# summary — what reconciling must restore, without the ifindexes and MACs a
# recreated tap changes, nor carrier flags (the kernel sets those a moment
# later): links (flags, master, kind), addresses, nft.
summary() {
	in_host ip -j -d link show | jq -c '.[] | [.ifname, .flags - ["NO-CARRIER", "LOWER_UP", "M-DOWN"], .master, .linkinfo.info_kind]' | sort
	in_host ip -4 -o addr show | awk '{ print $2, $4 }' | sort
	in_host nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
}

# ifidx NAME — ifindex in $NS_HOST ("" if none).
ifidx() { in_host cat "/sys/class/net/$1/ifindex" 2>/dev/null; }
# master NAME — its master's name ("" if none).
master() { in_host ip -o link show dev "$1" 2>/dev/null | grep -o ' master [^ ]*' | awk '{ print $2 }'; }
# dnsmasq_pid ID — the pid of network ID's dnsmasq (running in $NS_HOST).
dnsmasq_pid() {
	local pid
	for pid in $(ip netns pids "$NS_HOST" 2>/dev/null); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dnsmasq ] || continue
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--conf-file=$T/run/net/$1/dnsmasq.conf" && echo "$pid"
	done
	return 0
}
dnsmasq_count() {
	local pid n=0
	for pid in $(ip netns pids "$NS_HOST" 2>/dev/null); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dnsmasq ] && n=$((n + 1))
	done
	echo "$n"
}
# state_with JQ-FILTER — the base state transformed, into a new file; prints its path.
NSTATE=0
state_with() {
	NSTATE=$((NSTATE + 1))
	jq "$1" "$T/state.json" >"$T/state.$NSTATE.json" || fail "jq '$1'"
	echo "$T/state.$NSTATE.json"
}

# The base state.  NIC 3 has VLAN 10 when the kernel can filter VLANs.
cat >"$T/state.json" <<EOF
{
 "nets": [
  {"id": 1, "mode": "nat", "name": "lan", "subnet": "10.73.0.0/24", "gateway": "10.73.0.1",
   "dhcp": "10.73.0.100-10.73.0.200", "uplink": "uplink0"},
  {"id": 2, "mode": "host-only", "name": "priv", "subnet": "10.74.0.0/24", "gateway": "10.74.0.1",
   "dhcp": "10.74.0.2-10.74.0.254"},
  {"id": 3, "mode": "bridged", "name": "lanbr", "uplink": "lan1"}
 ],
 "nics": [
  {"id": 1, "net": 1, "mac": "52:54:00:00:01:01", "ip": "10.73.0.5", "uid": 65534, "vm": "web"},
  {"id": 2, "net": 2, "mac": "52:54:00:00:02:01", "ip": "10.74.0.5", "uid": 65534, "vm": "db"},
  {"id": 3, "net": 3, "mac": "52:54:00:00:03:01", "vlan": $([ $VLAN_OK = 1 ] && echo 10 || echo 0), "uid": 65534, "vm": "edge"},
  {"id": 4, "net": 3, "mac": "52:54:00:00:03:02", "uid": 0, "vm": "edge2"}
 ],
 "fwds": [
  {"id": 1, "net": 1, "proto": "tcp", "host_port": 8080, "guest_port": 80, "guest_ip": "10.73.0.5"}
 ]
}
EOF
echo '{}' >"$T/empty.json"

snapshot "$T/snap.before"

t_begin "command line and start-up"
expect_fail "unknown option '--bogus'" "$BUILD/croft-netd" --bogus
expect_fail "unexpected argument 'x'" "$BUILD/croft-netd" x
expect_fail "needs a value" "$BUILD/croft-netd" --run-dir
rc=0
"$BUILD/croft-netd" --bogus 2>/dev/null || rc=$?
assert_eq 2 "$rc" "exit status for a bad option"
FWD_ALL=$(in_host cat /proc/sys/net/ipv4/conf/all/forwarding)
netd_start || die "netd did not start"
assert_eq 600 "$(stat -c %a "$SOCK")" "socket mode"
expect_fail "already running" in_host "$BUILD/croft-netd" --run-dir "$T/run" --foreground
[ -S "$SOCK" ] || fail "the refused second netd removed the socket"
expect_ok draw uplink
assert_eq uplink0 "$EXPECT_OUT" "DEFAULT_UPLINK"
expect_fail "version 1 is not supported" draw hello 1
# no kernel change before the first COMMIT
snapshot "$T/snap.start"
diff -u "$T/snap.before" "$T/snap.start" >/dev/null || fail "netd changed the kernel before any COMMIT"
t_end

t_begin "protocol violations are answered precisely"
expect_ok draw protocol
assert_contains "$EXPECT_OUT" "all answers as expected"
expect_ok draw uplink
t_end

t_begin "apply nat, host-only and bridged networks"
expect_ok draw apply "$T/state.json"
assert_contains "$EXPECT_OUT" "applied 3 networks, 4 NICs, 1 forward"
for br in croftbr1 croftbr2 croftbr3; do
	in_host ip -d link show "$br" | grep -q ' bridge ' || fail "$br is not a bridge"
	in_host ip -o link show "$br" | grep -q '[<,]UP[,>]' || fail "$br is not up"
done
if [ $VLAN_OK = 1 ]; then
	in_host ip -d link show croftbr3 | grep -q 'vlan_filtering 1' || fail "croftbr3 without VLAN filtering"
fi
in_host ip -d link show croftbr1 | grep -q 'vlan_filtering 1' && fail "croftbr1 (nat) has VLAN filtering"
for t in croftt1 croftt2 croftt3 croftt4; do
	d=$(in_host ip -d link show "$t")
	assert_contains "$d" "tun type tap" "$t"
	assert_contains "$d" "vnet_hdr on" "$t"
	assert_contains "$d" "persist on" "$t"
	in_host ip -o link show "$t" | grep -q '[<,]UP[,>]' || fail "$t is not up"
done
in_host ip -d link show croftt1 | grep -qE 'user (nobody|65534)' || fail "croftt1 not owned by uid 65534"
in_host ip -d link show croftt4 | grep -qE 'user (root|0) ' || fail "croftt4 not owned by root"
assert_eq croftbr1 "$(master croftt1)" "master of croftt1"
assert_eq croftbr2 "$(master croftt2)" "master of croftt2"
assert_eq croftbr3 "$(master croftt3)" "master of croftt3"
assert_eq croftbr3 "$(master croftt4)" "master of croftt4"
assert_eq croftbr3 "$(master lan1)" "master of lan1"
in_host ip -o link show lan1 | grep -q '[<,]UP[,>]' || fail "lan1 is not up"
assert_eq "10.73.0.1/24" "$(in_host ip -4 -o addr show dev croftbr1 | awk '{ print $4 }')" "croftbr1 address"
assert_eq "10.74.0.1/24" "$(in_host ip -4 -o addr show dev croftbr2 | awk '{ print $4 }')" "croftbr2 address"
assert_eq "" "$(in_host ip -4 -o addr show dev croftbr3)" "croftbr3 addresses"
if [ $VLAN_OK = 1 ]; then
	v=$(in_host bridge vlan show dev croftt3)
	assert_contains "$v" "10 PVID Egress Untagged" "croftt3 VLANs"
	echo "$v" | grep -qE '^\S*\s+1( |$)' && fail "croftt3 still carries VLAN 1: $v"
	v=$(in_host bridge vlan show dev lan1)
	assert_contains "$v" "1 PVID Egress Untagged" "lan1 VLANs"
	echo "$v" | grep -qE '(^|\s)10\s*$' || fail "lan1 does not carry VLAN 10 tagged: $v"
fi
# forwarding per link, on the nat bridge and its uplink only; no link of
# croft's takes router advertisements or autoconfigures; taps have no IPv6
assert_eq 1 "$(in_host cat /proc/sys/net/ipv4/conf/croftbr1/forwarding)" "croftbr1 forwarding"
assert_eq 1 "$(in_host cat /proc/sys/net/ipv4/conf/uplink0/forwarding)" "uplink0 forwarding"
assert_eq "$FWD_ALL" "$(in_host cat /proc/sys/net/ipv4/conf/all/forwarding)" "conf/all/forwarding"
for l in croftbr1 croftbr2 croftbr3 croftt1 croftt2 croftt3; do
	for k in accept_ra autoconf accept_redirects; do
		assert_eq 0 "$(in_host cat /proc/sys/net/ipv6/conf/$l/$k)" "$l ipv6 $k"
	done
	assert_eq 0 "$(in_host cat /proc/sys/net/ipv4/conf/$l/accept_redirects)" "$l ipv4 accept_redirects"
done
for l in croftt1 croftt2 croftt3; do
	assert_eq 1 "$(in_host cat /proc/sys/net/ipv6/conf/$l/disable_ipv6)" "$l disable_ipv6"
done
r=$(in_host nft list table inet croft)
assert_contains "$r" "dnat ip to 10.73.0.5:80" "inet croft"
assert_contains "$r" 'oifname "uplink0" masquerade' "inet croft"
in_host nft list table bridge croft | grep -q 'croftt1' || fail "bridge croft has no rules for croftt1"
in_host nft list table inet keepme | grep -q 'dport 2222' || fail "table inet keepme was touched"
# dnsmasq: one per nat/host-only network, none for bridged
P1=$(dnsmasq_pid 1)
P2=$(dnsmasq_pid 2)
[ -n "$P1" ] || fail "no dnsmasq for network 1"
[ -n "$P2" ] || fail "no dnsmasq for network 2"
assert_eq 2 "$(dnsmasq_count)" "dnsmasq processes"
[ -e "$T/run/net/3" ] && fail "a bridged network has dnsmasq files"
c=$(cat "$T/run/net/1/dnsmasq.conf")
for want in interface=croftbr1 listen-address=10.73.0.1 except-interface=lo bind-interfaces \
	"dhcp-range=10.73.0.100,10.73.0.200,255.255.255.0,1h" dhcp-authoritative no-hosts \
	keep-in-foreground "dhcp-option=option:router,10.73.0.1" "dhcp-option=option:dns-server,10.73.0.1" \
	"dhcp-hostsfile=$T/run/net/1/hosts" "dhcp-leasefile=$T/run/net/1/leases"; do
	assert_contains "$c" "$want" "nat dnsmasq.conf"
done
c=$(cat "$T/run/net/2/dnsmasq.conf")
assert_contains "$c" "port=0" "host-only dnsmasq.conf"
assert_contains "$c" "interface=croftbr2" "host-only dnsmasq.conf"
echo "$c" | grep -q '^dhcp-option=option:router,' && fail "host-only network announces a router"
assert_eq "52:54:00:00:01:01,10.73.0.5,web" "$(cat "$T/run/net/1/hosts")" "nat hosts file"
wait_for 5 grep -q "read $T/run/net/1/hosts" "$T/run/net/1/dnsmasq.log"
expect_ok draw leases
assert_eq "" "$EXPECT_OUT" "leases before any client"
t_end

t_begin "the same state again changes nothing"
declare -A IDX
for l in croftbr1 croftbr2 croftbr3 croftt1 croftt2 croftt3 croftt4; do IDX[$l]=$(ifidx $l); done
snapshot "$T/snap.applied"
expect_ok draw apply "$T/state.json"
assert_contains "$EXPECT_OUT" "(0 link changes)"
for l in "${!IDX[@]}"; do assert_eq "${IDX[$l]}" "$(ifidx "$l")" "ifindex of $l"; done
assert_eq "$P1" "$(dnsmasq_pid 1)" "dnsmasq pid of network 1"
assert_eq "$P2" "$(dnsmasq_pid 2)" "dnsmasq pid of network 2"
snapshot "$T/snap.again"
diff -u "$T/snap.applied" "$T/snap.again" >&2 || fail "the second apply changed the kernel"
t_end

t_begin "DHCP: a client on the nat bridge gets its static lease"
in_host ip link add dhcpc0 type veth peer name dhcpc1
in_host ip link set dhcpc1 netns "$NS_UP"
in_host ip link set dhcpc0 master croftbr1 up
in_up ip link set dhcpc1 address 52:54:00:00:01:01 up
out=$(in_up timeout 20 busybox udhcpc -i dhcpc1 -n -q -f -t 8 -T 1 -s /bin/true 2>&1)
assert_contains "$out" "lease of 10.73.0.5 obtained" "udhcpc"
expect_ok draw leases
assert_contains "$EXPECT_OUT" "1 52:54:00:00:01:01 10.73.0.5 " "LEASES"
assert_contains "$EXPECT_OUT" " web" "LEASES host name"
grep -q '10.73.0.5' "$T/run/net/1/leases" || fail "no lease in the lease file"
in_host ip link del dhcpc0
t_end

t_begin "static lease change: SIGHUP, not a restart; config change: restart"
s=$(state_with '.nics[0].ip = "10.73.0.6" | .fwds[0].guest_ip = "10.73.0.6"')
n0=$(grep -c "read $T/run/net/1/hosts" "$T/run/net/1/dnsmasq.log")
expect_ok draw apply "$s"
assert_eq "$P1" "$(dnsmasq_pid 1)" "dnsmasq pid after a hosts change"
assert_eq "52:54:00:00:01:01,10.73.0.6,web" "$(cat "$T/run/net/1/hosts")" "hosts file"
hosts_reread() { [ "$(grep -c "read $T/run/net/1/hosts" "$T/run/net/1/dnsmasq.log")" -gt "$n0" ]; }
wait_for 5 hosts_reread
in_host nft list table inet croft | grep -q 'dnat ip to 10.73.0.6:80' || fail "forward not moved to 10.73.0.6"
s=$(state_with '.nets[0].dhcp = "10.73.0.100-10.73.0.150"')
expect_ok draw apply "$s"
P1b=$(dnsmasq_pid 1)
[ -n "$P1b" ] && [ "$P1b" != "$P1" ] || fail "dnsmasq of network 1 not restarted on a config change ($P1 -> $P1b)"
assert_eq "$P2" "$(dnsmasq_pid 2)" "dnsmasq of network 2 untouched"
grep -q 'dhcp-range=10.73.0.100,10.73.0.150,' "$T/run/net/1/dnsmasq.conf" || fail "config not rewritten"
expect_ok draw apply "$T/state.json"
P1=$(dnsmasq_pid 1)
t_end

t_begin "a tap whose owner changes is recreated; the others stay"
i1=$(ifidx croftt1)
i4=$(ifidx croftt4)
s=$(state_with '.nics[3].uid = 65534')
expect_ok draw apply "$s"
[ "$(ifidx croftt4)" != "$i4" ] || fail "croftt4 kept its ifindex although its owner changed"
in_host ip -d link show croftt4 | grep -qE 'user (nobody|65534)' || fail "croftt4 not owned by 65534"
assert_eq croftbr3 "$(master croftt4)" "master of the recreated croftt4"
assert_eq "$i1" "$(ifidx croftt1)" "ifindex of croftt1"
expect_ok draw apply "$T/state.json"
t_end

t_begin "kill -9, tampering, restart: reconciled exactly"
summary >"$T/sum.applied"
unset IDX
declare -A IDX
for l in croftbr1 croftbr2 croftbr3 croftt1 croftt3 croftt4; do IDX[$l]=$(ifidx $l); done
netd_kill9
in_host ip link del croftt2
in_host ip link add croftbr999 type bridge
in_host nft add rule inet croft input tcp dport 22 drop
in_host ip addr add 10.73.0.77/24 dev croftbr1
in_host ip link set croftbr2 down
assert_eq "$P1" "$(dnsmasq_pid 1)" "dnsmasq survives netd"
netd_start || die "netd did not restart"
expect_ok draw apply "$T/state.json"
[ -n "$(ifidx croftt2)" ] || fail "croftt2 not recreated"
assert_eq croftbr2 "$(master croftt2)" "master of croftt2"
[ -z "$(ifidx croftbr999)" ] || fail "stale croftbr999 still there"
in_host nft list table inet croft | grep -q 'dport 22' && fail "the foreign rule in inet croft survived"
assert_eq "10.73.0.1/24" "$(in_host ip -4 -o addr show dev croftbr1 | awk '{ print $4 }' | tr '\n' ' ' | sed 's/ $//')" \
	"croftbr1 addresses"
in_host ip -o link show croftbr2 | grep -q '[<,]UP[,>]' || fail "croftbr2 not brought up again"
for l in "${!IDX[@]}"; do assert_eq "${IDX[$l]}" "$(ifidx "$l")" "ifindex of $l"; done
assert_eq "$P1" "$(dnsmasq_pid 1)" "dnsmasq 1 adopted, not restarted"
assert_eq "$P2" "$(dnsmasq_pid 2)" "dnsmasq 2 adopted, not restarted"
assert_eq 2 "$(dnsmasq_count)" "dnsmasq processes (no duplicates)"
grep -q "adopted the running dnsmasq (pid $P1)" "$T/netd.log" || fail "no adoption in netd.log"
summary >"$T/sum.reconciled"
diff -u "$T/sum.applied" "$T/sum.reconciled" >&2 || fail "the reconciled kernel differs from the applied one"
t_end

t_begin "a dnsmasq that dies is restarted"
kill -KILL "$P2"
dnsmasq2_replaced() { local p; p=$(dnsmasq_pid 2); [ -n "$p" ] && [ "$p" != "$P2" ]; }
wait_for 10 dnsmasq2_replaced
P2b=$(dnsmasq_pid 2)
[ "$P2b" != "$P2" ] || fail "dnsmasq 2 has the old pid"
grep -q "network priv: restarting dnsmasq in" "$T/netd.log" || fail "restart not logged"
P2=$P2b
t_end

t_begin "a process that only names a network's config is not adopted nor signalled"
# netd is down and network priv's dnsmasq gone; in its place a script whose
# command line names priv's config and whose pid is in the pid file
netd_stop
kill -KILL "$P2"
printf '#!/bin/sh\ntrap "echo TERM >>%s/decoy.sig" TERM HUP\nwhile :; do sleep 0.2; done\n' "$T" >"$T/decoy"
chmod 0755 "$T/decoy"
ip netns exec "$NS_HOST" setsid "$T/decoy" "--conf-file=$T/run/net/2/dnsmasq.conf" </dev/null >/dev/null 2>&1 &
DECOY=$!
sleep 0.3
echo "$DECOY" >"$T/run/net/2/dnsmasq.pid"
netd_start || die "netd did not restart"
expect_ok draw apply "$T/state.json"
wait_for 10 dnsmasq2_replaced
P2=$(dnsmasq_pid 2)
[ -n "$P2" ] && [ "$P2" != "$DECOY" ] || fail "no fresh dnsmasq for priv (got '$P2', decoy $DECOY)"
kill -0 "$DECOY" 2>/dev/null || fail "the decoy was killed"
[ -e "$T/decoy.sig" ] && fail "the decoy was signalled: $(cat "$T/decoy.sig")"
grep -q "pid $DECOY names this network's config but is left alone: it runs" "$T/netd.log" ||
	fail "netd did not say why it left pid $DECOY alone"
kill -KILL "$DECOY" 2>/dev/null
wait "$DECOY" 2>/dev/null
t_end

t_begin "bad states are refused and change nothing"
snapshot "$T/snap.bad0"
bad() {   # WANT JQ-FILTER
	local s
	s=$(state_with "$2")
	expect_fail "$1" draw apply "$s"
}
bad "subnet 10.73.0.0/16 of network over overlaps subnet 10.73.0.0/24 of network lan" \
	'.nets += [{"id": 4, "mode": "nat", "name": "over", "subnet": "10.73.0.0/16", "gateway": "10.73.1.1", "dhcp": "10.73.2.2-10.73.2.9", "uplink": "uplink0"}]'
bad "subnet 198.51.100.0/25 overlaps the route 198.51.100.0/24 on uplink0" \
	'.nets += [{"id": 4, "mode": "host-only", "name": "clash", "subnet": "198.51.100.0/25", "gateway": "198.51.100.1", "dhcp": "198.51.100.2-198.51.100.9"}]'
bad "uplink eth9 of network nope does not exist" \
	'.nets += [{"id": 4, "mode": "bridged", "name": "nope", "uplink": "eth9"}]'
bad "uplink ens0 is enslaved to hostbr0" \
	'.nets += [{"id": 4, "mode": "bridged", "name": "slave", "uplink": "ens0"}]'
# (a state of its own: the base state's nat network masquerades out of uplink0)
bad "uplink uplink0 has addresses (198.51.100.1/24); bridged mode needs a NIC without addresses" \
	'{"nets": [{"id": 4, "mode": "bridged", "name": "addr", "uplink": "uplink0"}]}'
bad "VLAN 5000 is outside 1..4094" '.nics[3].vlan = 5000'
bad "tcp port 8080 is forwarded twice" \
	'.fwds += [{"id": 2, "net": 1, "proto": "tcp", "host_port": 8080, "guest_port": 81, "guest_ip": "10.73.0.5"}]'
bad "VLANs are only for bridged networks" '.nics[0].vlan = 7'
bad "network 9 does not exist" '.nics[0].net = 9'
bad "have the same MAC 52:54:00:00:01:01" '.nics[1].mac = "52:54:00:00:01:01"'
bad "is a multicast address" '.nics[1].mac = "01:00:5e:00:00:01"'
bad "port forwards need a nat network" '.fwds[0].net = 2 | .fwds[0].guest_ip = "10.74.0.5"'
bad "bridged networks lanbr and br2 both use uplink lan1" \
	'.nets += [{"id": 4, "mode": "bridged", "name": "br2", "uplink": "lan1"}]'
if [ $VLAN_OK = 0 ]; then
	bad "VLAN 10 needs bridge VLAN filtering, which this kernel lacks" '.nics[2].vlan = 10'
fi
# CHECK_NET answers the same questions without a state
echo '{"id": 9, "mode": "host-only", "name": "clash", "subnet": "198.51.100.0/24", "gateway": "198.51.100.9", "dhcp": "198.51.100.10-198.51.100.20"}' >"$T/net.clash.json"
expect_fail "subnet 198.51.100.0/24 overlaps the route 198.51.100.0/24 on uplink0" draw check "$T/net.clash.json"
echo '{"id": 9, "mode": "bridged", "name": "b", "uplink": "lan1"}' >"$T/net.taken.json"
expect_fail "uplink lan1 is already enslaved to croftbr3" draw check "$T/net.taken.json"
echo '{"id": 9, "mode": "nat", "name": "ok", "subnet": "10.80.0.0/24", "gateway": "10.80.0.1", "dhcp": "10.80.0.2-10.80.0.9", "uplink": "uplink0"}' >"$T/net.ok.json"
expect_ok draw check "$T/net.ok.json"
snapshot "$T/snap.bad1"
diff -u "$T/snap.bad0" "$T/snap.bad1" >&2 || fail "a refused state changed the kernel"
assert_eq "$P1" "$(dnsmasq_pid 1)" "dnsmasq 1 after refused states"
assert_eq "$P2" "$(dnsmasq_pid 2)" "dnsmasq 2 after refused states"
t_end

t_begin "DEFAULT_UPLINK without a default route"
in_host ip route del default
expect_fail "no IPv4 default route" draw uplink
in_host ip route add default via "$UPSTREAM_IP"
expect_ok draw uplink
assert_eq uplink0 "$EXPECT_OUT" "DEFAULT_UPLINK"
t_end

t_begin "only root may talk to netd (SO_PEERCRED)"
cp "$HERE/netdraw.py" "$T/netdraw.py"
chmod 0644 "$T/netdraw.py"
chmod 0666 "$SOCK"     # past the file mode, the peer check must still refuse
expect_fail "netdraw" setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$T/netdraw.py" "$SOCK" uplink
wait_for 5 grep -q "refused a connection from uid 65534" "$T/netd.log"
chmod 0600 "$SOCK"
expect_ok draw uplink
t_end

t_begin "SIGHUP is ignored; SIGTERM: netd exits, the kernel state stays"
kill -HUP "$NETD_PID"
sleep 0.2
kill -0 "$NETD_PID" || fail "netd died of SIGHUP"
expect_ok draw uplink
i1=$(ifidx croftt1)
netd_stop
[ -S "$SOCK" ] && fail "socket left behind after SIGTERM"
assert_eq "$i1" "$(ifidx croftt1)" "croftt1 after netd stopped"
assert_eq "$P1" "$(dnsmasq_pid 1)" "dnsmasq 1 after netd stopped"
grep -q "signal 15: exiting" "$T/netd.log" || fail "no clean exit in netd.log"
netd_start || die "netd did not start again"
t_end

t_begin "the empty state removes everything croft, and nothing else"
expect_ok draw apply "$T/empty.json"
assert_contains "$EXPECT_OUT" "applied 0 networks"
in_host ip -o link show | grep -q ': croft' && fail "croft links left: $(in_host ip -o link show | grep ': croft')"
no_dnsmasq() { [ "$(dnsmasq_count)" = 0 ]; }
wait_for 5 no_dnsmasq
[ -z "$(ls -A "$T/run/net" 2>/dev/null)" ] || fail "files left under run/net: $(ls "$T/run/net")"
in_host ip -o link show lan1 | grep -q '[<,]UP[,>]' || fail "released uplink lan1 is not left up"
snapshot "$T/snap.after"
diff -u "$T/snap.before" "$T/snap.after" >&2 || fail "the namespace differs from before the first apply"
expect_ok draw apply "$T/empty.json"
assert_contains "$EXPECT_OUT" "(0 link changes)"
t_end

netd_stop
