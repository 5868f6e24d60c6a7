#!/bin/bash
# test_security_net.sh — guests stay in their network, in IPv6 too.  Attacks
# made from inside a real TCG guest, through its NIC, with the fixture's
# /bin/rogue (tests/fixtures/guest-rogue.c):
#   - router advertisements and ICMPv6 redirects: the host namespace's IPv6
#     routes and addresses stay as they were, and the other guest neither
#     receives them nor configures an address or a default route from them;
#   - rogue DHCP: a DHCPOFFER from the guest, and a DHCP server in the guest
#     answering every request at once: the other guest still gets croft's
#     (or the LAN's) lease;
#   - a DHCPv6 ADVERTISE from the guest never reaches the other guest;
#   - an unsolicited neighbour advertisement for the other guest's address
#     reaches neither that guest nor the host's neighbour cache;
#   - IPv6 from a spoofed source (another link-local address, a global one)
#     reaches neither the other guest nor the host; from the guest's own
#     link-local address it does;
#   - a service the host runs on the gateway address (tcp 2222, started by
#     the test) is out of reach until `croft net edit --host-access on`, and
#     again after off; DHCP, DNS, ping and a port forward (hairpin and from
#     upstream) keep working;
#   - croft's links take no router advertisements, autoconfiguration or
#     redirects, taps have no IPv6, and forwarding is on per link only.
# Guests r (the attacker) and v (the victim), each with one NIC on nat
# network "wan" (eth0) and one on bridged network "lanb" (eth1, on lan1,
# whose LAN has the upstream dnsmasq of netlib.sh).  128M, 1 vCPU, TCG.
# Sniffing is done in $NS_HOST on v's taps (frames croft lets through to v).
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

HOSTSVC_PORT=2222
FWD_PORT=8080

# The test's Python helpers: "sniff SECS IFACE..." prints one line per frame
# the kernel sends out of those interfaces (to the guest behind them);
# "listen ADDR PORT" accepts TCP connections and logs each peer.
write_helpers() {
	cat >"$T/snet.py" <<'PY'
import socket, struct, sys, time

def sniff(secs, ifaces):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.settimeout(0.2)
    print("LISTENING", flush=True)
    end = time.time() + secs
    while time.time() < end:
        try:
            f, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[0] not in ifaces or addr[2] != socket.PACKET_OUTGOING or len(f) < 34:
            continue
        src = f[6:12].hex(":")
        et = struct.unpack("!H", f[12:14])[0]
        what = "other"
        if et == 0x86DD and len(f) >= 58:
            nh, s6 = f[20], socket.inet_ntop(socket.AF_INET6, f[22:38])
            if nh == 58 and f[54] == 136 and len(f) >= 78:
                what = "icmp6 type 136 src %s target %s" % (s6, socket.inet_ntop(socket.AF_INET6, f[62:78]))
            elif nh == 58:
                what = "icmp6 type %d src %s" % (f[54], s6)
            elif nh == 17:
                what = "udp6 sport %d src %s" % (struct.unpack("!H", f[54:56])[0], s6)
            else:
                what = "ip6 nh %d src %s" % (nh, s6)
        elif et == 0x0800:
            ihl = (f[14] & 15) * 4
            proto, l4 = f[23], 14 + ihl
            if proto == 17 and len(f) >= l4 + 4:
                what = "udp4 sport %d" % struct.unpack("!H", f[l4:l4 + 2])[0]
            elif proto == 1 and len(f) > l4:
                what = "icmp4 type %d" % f[l4]
            else:
                what = "ip4 proto %d" % proto
        print("FRAME %s from %s %s" % (addr[0], src, what), flush=True)
    print("DONE", flush=True)

def listen(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(8)
    print("LISTENING", flush=True)
    while True:
        c, peer = s.accept()
        print("CONN %s" % peer[0], flush=True)
        c.close()

if sys.argv[1] == "sniff":
    sniff(float(sys.argv[2]), sys.argv[3:])
else:
    listen(sys.argv[2], int(sys.argv[3]))
PY
}

SNIFF_PID=
# sniff_start SECS — sniff v's taps for SECS seconds into $T/sniff.log.
sniff_start() {
	: >"$T/sniff.log"
	itest_spawn "$T/sniff.log" ip netns exec "$NS_HOST" python3 "$T/snet.py" sniff "$1" "$V_TAP0" "$V_TAP1"
	SNIFF_PID=$ITEST_SPAWNED
	itest_wait_up "$SNIFF_PID" 50 grep -q '^LISTENING' "$T/sniff.log" ||
		fail "the sniffer did not start: $(tail -n 2 "$T/sniff.log")"
}

# sniff_wait — until the sniffer is done; its frames from r in $SNIFFED.
sniff_wait() {
	wait "$SNIFF_PID" 2>/dev/null
	grep -q '^DONE' "$T/sniff.log" || fail "the sniffer did not finish: $(tail -n 2 "$T/sniff.log")"
	SNIFFED=$(grep -E "^FRAME .* from ($R_MAC0|$R_MAC1) " "$T/sniff.log")
}

# host_v6 — the host namespace's IPv6 addresses and routes, without timers.
host_v6() {
	in_host ip -6 -o addr show | awk '{ print $2, $4 }' | sort
	in_host ip -6 route show table all | sed -E 's/ expires [0-9]+sec//; s/ (hoplimit|pref) [a-z0-9]+//g' | sort
}

itest_net_guest_setup 8000
write_helpers

t_begin "setup: r and v on nat network wan and bridged network lanb"
up_dnsmasq_start || die "upstream dnsmasq"
expect_ok croft net create wan --mode nat || die "net create wan"
expect_ok croft net create lanb --mode bridged --uplink lan1 || die "net create lanb"
expect_ok croft net info wan --json
assert_eq false "$(echo "$EXPECT_OUT" | jq -r .host_access)" "wan's host_access by default"
for vm in r v; do
	net_vm_create "$vm" || die "vm create $vm"
	expect_ok croft vm nic add "$vm" --net wan || die "nic add $vm wan"
	expect_ok croft vm nic add "$vm" --net lanb || die "nic add $vm lanb"
done
expect_ok croft vm start r
expect_ok croft vm start v
R_IP0=$(guest_dhcp_addr r eth0 150)
V_IP0=$(guest_dhcp_addr v eth0 150)
# The LAN's dnsmasq pings an address before it offers it, one client at a
# time; under TCG the guests' five boot-time tries may run out: try again.
for vm in r v; do
	guest_ok "$vm" "[ -e /run/dhcp.eth1 ] || udhcpc -i eth1 -n -q -t 10 -T 3 -x hostname:$vm -s /usr/share/udhcpc/croft.script >/dev/null 2>&1" 60
done
R_IP1=$(guest_dhcp_addr r eth1 10)
V_IP1=$(guest_dhcp_addr v eth1 10)
R_MAC0=$(nic_get r 0 mac) R_MAC1=$(nic_get r 1 mac)
V_TAP0=$(nic_get v 0 tap) V_TAP1=$(nic_get v 1 tap)
R_TAP0=$(nic_get r 0 tap) R_TAP1=$(nic_get r 1 tap)
WAN_BR=$(link_master "$V_TAP0") LANB_BR=$(link_master "$V_TAP1")
GW=$(bridge_gateway "$WAN_BR")
[ -n "$R_IP0" ] && [ -n "$V_IP0" ] && [ -n "$R_IP1" ] && [ -n "$V_IP1" ] && [ -n "$GW" ] ||
	die "no addresses (r '$R_IP0' '$R_IP1', v '$V_IP0' '$V_IP1', gateway '$GW')"
case "$V_IP1" in 198.51.101.*) ;; *) fail "v's lanb address $V_IP1 is not the LAN's" ;; esac
# the guests' kernels have their EUI-64 link-local addresses
guest_ok r "ip -6 addr show dev eth0" &&
	R_LL0=$(echo "$GUEST_OUT" | sed -nE 's/.*inet6 (fe80::[0-9a-f:]+)\/64.*/\1/p' | head -n1)
[ -n "${R_LL0:-}" ] || fail "r has no link-local address on eth0: $GUEST_OUT"
guest_ok v "ip -6 addr show dev eth0" &&
	V_LL0=$(echo "$GUEST_OUT" | sed -nE 's/.*inet6 (fe80::[0-9a-f:]+)\/64.*/\1/p' | head -n1)
[ -n "${V_LL0:-}" ] || fail "v has no link-local address on eth0: $GUEST_OUT"
V_MAC0=$(nic_get v 0 mac)
t_end

t_begin "croft's links: no RA, autoconf or redirects; no IPv6 on taps; forwarding per link"
for l in "$WAN_BR" "$LANB_BR" "$R_TAP0" "$R_TAP1" "$V_TAP0" "$V_TAP1"; do
	for k in accept_ra autoconf accept_redirects; do
		assert_eq 0 "$(in_host cat "/proc/sys/net/ipv6/conf/$l/$k")" "$l ipv6 $k"
	done
	assert_eq 0 "$(in_host cat "/proc/sys/net/ipv4/conf/$l/accept_redirects")" "$l ipv4 accept_redirects"
done
for l in "$R_TAP0" "$R_TAP1" "$V_TAP0" "$V_TAP1"; do
	assert_eq 1 "$(in_host cat "/proc/sys/net/ipv6/conf/$l/disable_ipv6")" "$l disable_ipv6"
done
assert_eq 1 "$(in_host cat "/proc/sys/net/ipv4/conf/$WAN_BR/forwarding")" "$WAN_BR forwarding"
assert_eq 1 "$(in_host cat /proc/sys/net/ipv4/conf/uplink0/forwarding)" "uplink0 forwarding"
assert_eq 0 "$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)" "IPv6 forwarding"
t_end

HOST_V6_BEFORE=$(host_v6)

t_begin "router advertisements and redirects from a guest reach no one"
sniff_start 14
guest_ok r "rogue ra eth0 4; rogue ra eth1 4; rogue redirect eth0 2; rogue redirect eth1 2; rogue ping6 eth0 $R_LL0 3" 40
sniff_wait
echo "$SNIFFED" | grep -q "icmp6 type 134" && fail "v got a router advertisement from r: $(echo "$SNIFFED" | grep -m1 'type 134')"
echo "$SNIFFED" | grep -q "icmp6 type 137" && fail "v got a redirect from r: $(echo "$SNIFFED" | grep -m1 'type 137')"
# the control: r's ping from its own link-local address does go through
echo "$SNIFFED" | grep -q "from $R_MAC0 icmp6 type 128 src $R_LL0" ||
	fail "r's ping6 from its own link-local address did not reach v (sniffer broken?): $(head -c 300 "$T/sniff.log")"
sleep 2
if guest_ok v "ip -6 addr show; ip -6 route show"; then
	case "$GUEST_OUT" in
	*2001:db8:bad*) fail "v configured an address from r's RA: $(echo "$GUEST_OUT" | grep -m1 2001:db8)" ;;
	esac
	case "$GUEST_OUT" in
	*default*) fail "v took a default route from r's RA: $(echo "$GUEST_OUT" | grep -m1 default)" ;;
	esac
fi
HOST_V6_AFTER=$(host_v6)
[ "$HOST_V6_BEFORE" = "$HOST_V6_AFTER" ] ||
	fail "the host's IPv6 addresses or routes changed: $(diff <(echo "$HOST_V6_BEFORE") <(echo "$HOST_V6_AFTER") | grep '^[<>]' | head -n 4 | tr '\n' '|')"
case "$HOST_V6_AFTER" in
*2001:db8:bad* | *default*) fail "the host took r's RA: $(echo "$HOST_V6_AFTER" | grep -m1 -E '2001:db8:bad|default')" ;;
esac
t_end

t_begin "neighbour advertisements for another guest's address reach no one"
# the host talks to v over IPv6, so its neighbour cache has v's address
# (a datagram to it makes the host resolve it: NS from the host, NA from v)
in_host python3 -c "import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendto(b'x', ('$V_LL0', 9, 0, socket.if_nametoindex('$WAN_BR')))" ||
	fail "the host cannot send to v's $V_LL0"
wait_for 10 sh -c "ip netns exec '$NS_HOST' ip -6 neigh show '$V_LL0' dev '$WAN_BR' | grep -q '$V_MAC0'" ||
	fail "the host did not resolve v's $V_LL0: $(in_host ip -6 neigh show dev "$WAN_BR")"
sniff_start 8
guest_ok r "rogue na eth0 $V_LL0 3; rogue na eth1 $V_LL0 3" 40
sniff_wait
echo "$SNIFFED" | grep "icmp6 type 136" | grep -qv "target $R_LL0\$" &&
	fail "v got r's neighbour advertisement for another address: $(echo "$SNIFFED" | grep 'type 136' | grep -v "target $R_LL0\$" | head -n1)"
n=$(in_host ip -6 neigh show "$V_LL0" dev "$WAN_BR")
case "$n" in
*"$R_MAC0"*) fail "the host now sends v's traffic to r: $n" ;;
*"$V_MAC0"*) ;;
*) fail "the host's neighbour entry for v: '$n'" ;;
esac
t_end

t_begin "DHCP and DHCPv6 server replies from a guest reach no one"
sniff_start 8
guest_ok r "rogue dhcp-offer eth0 3; rogue dhcp-offer eth1 3; rogue dhcp6-adv eth0 3; rogue dhcp6-adv eth1 3" 40
sniff_wait
echo "$SNIFFED" | grep -q "udp4 sport 67" && fail "v got a DHCP server reply from r"
echo "$SNIFFED" | grep -q "udp6 sport 547" && fail "v got a DHCPv6 server reply from r"
t_end

t_begin "rogue DHCP server in r: v still gets croft's and the LAN's leases"
# r answers every DISCOVER and REQUEST at once (rogue dhcp-server), on both
# networks, while v asks three times on each
guest_ok v "printf '#!/bin/sh\n[ \"\$1\" = bound ] && echo \"LEASE \$interface \$ip server \$serverid router \$router\"\nexit 0\n' >/tmp/ls; chmod +x /tmp/ls"
guest_ok r "(rogue dhcp-server eth0 45 >/tmp/rs0.log 2>&1 &); (rogue dhcp-server eth1 45 >/tmp/rs1.log 2>&1 &); sleep 1; cat /tmp/rs0.log /tmp/rs1.log"
assert_contains "$GUEST_OUT" "serving" "the rogue DHCP server in r"
for try in 1 2 3; do
	guest_ok v "udhcpc -i eth0 -n -q -t 4 -T 2 -s /tmp/ls 2>/dev/null; udhcpc -i eth1 -n -q -t 4 -T 2 -s /tmp/ls 2>/dev/null" 60 || break
	assert_contains "$GUEST_OUT" "LEASE eth0 $V_IP0 server $GW router $GW" "v's wan lease (try $try)"
	assert_contains "$GUEST_OUT" "LEASE eth1 $V_IP1 server $UP_LAN_IP" "v's lanb lease (try $try)"
	case "$GUEST_OUT" in *192.0.2.*) fail "v took r's lease: $GUEST_OUT" ;; esac
done
# r's server did hear v and answer (the attack was made)
guest_ok r "while pidof rogue >/dev/null; do sleep 1; done; cat /tmp/rs0.log /tmp/rs1.log" 70
answered=$(echo "$GUEST_OUT" | sed -nE 's/^answered ([0-9]+)$/\1/p' | awk '{ s += $1 } END { print s + 0 }')
[ "$answered" -ge 6 ] || fail "r's rogue DHCP server answered only $answered requests: $GUEST_OUT"
t_end

t_begin "IPv6 from a spoofed source is dropped; from the guest's own link-local it passes"
in_host nft -f - <<EOF || fail "cannot create table inet stest"
table inet stest {
	chain in {
		type filter hook input priority -300; policy accept;
		ip6 saddr fe80::bad:1 counter
		ip6 saddr 2001:db8::66 counter
		ip6 saddr $R_LL0 icmpv6 type echo-request counter
	}
}
EOF
sniff_start 8
guest_ok r "rogue ping6 eth0 fe80::bad:1 3; rogue ping6 eth0 2001:db8::66 3; rogue ping6 eth1 fe80::bad:1 3; rogue ping6 eth0 $R_LL0 3" 40
sniff_wait
echo "$SNIFFED" | grep -qE "src (fe80::bad:1|2001:db8::66)$" && fail "v got IPv6 from a spoofed source: $(echo "$SNIFFED" | grep -m1 -E 'bad:1|::66')"
echo "$SNIFFED" | grep -q "icmp6 type 128 src $R_LL0" || fail "r's own link-local pings did not reach v"
cnt() { in_host nft list chain inet stest in | grep -F -- "$1 " | sed -nE 's/.*counter packets ([0-9]+).*/\1/p' | head -n1; }
assert_eq 0 "$(cnt "ip6 saddr fe80::bad:1")" "spoofed fe80::bad:1 packets that reached the host"
assert_eq 0 "$(cnt "ip6 saddr 2001:db8::66")" "spoofed 2001:db8::66 packets that reached the host"
[ "$(cnt "ip6 saddr $R_LL0")" -ge 1 ] 2>/dev/null || fail "the host saw none of r's own link-local pings"
in_host nft delete table inet stest
t_end

t_begin "host access off: a host service on the gateway is out of reach; DHCP, DNS, ping, forwards work"
: >"$T/hostsvc.log"
itest_spawn "$T/hostsvc.log" ip netns exec "$NS_HOST" python3 "$T/snet.py" listen "$GW" "$HOSTSVC_PORT"
HOSTSVC_PID=$ITEST_SPAWNED
itest_wait_up "$HOSTSVC_PID" 50 grep -q '^LISTENING' "$T/hostsvc.log" || fail "no host service on $GW:$HOSTSVC_PORT"
# the service is really there: the host itself reaches it
in_host python3 -c "import socket; socket.create_connection(('$GW', $HOSTSVC_PORT), 3).close()" ||
	fail "the host cannot reach its own service on $GW:$HOSTSVC_PORT"
guest_fails r "echo hi | nc -w 3 $GW $HOSTSVC_PORT" 30
grep -q "^CONN $R_IP0" "$T/hostsvc.log" && fail "r reached the host service with host-access off"
guest_ok r "ping -c 2 -W 2 $GW"
guest_ok r "nslookup v $GW" && assert_contains "$GUEST_OUT" "$V_IP0" "DNS from the gateway"
expect_ok croft net forward add wan --proto tcp --host-port "$FWD_PORT" --to "v:80"
guest_ok r "timeout 10 wget -q -O - http://$GW:$FWD_PORT/" 40 &&
	assert_contains "$GUEST_OUT" "CROFT-GUEST-HTTP v" "a port forward used from inside (hairpin)"
in_up python3 -c "import urllib.request; print(urllib.request.urlopen('http://$HOST_UP_IP:$FWD_PORT/', timeout=10).read().decode())" >"$T/fwd.out" 2>&1
assert_contains "$(cat "$T/fwd.out")" "CROFT-GUEST-HTTP v" "the port forward from upstream"
t_end

t_begin "host access on, then off again"
expect_fail "host-access is for nat and host-only networks" croft net edit lanb --host-access on
expect_fail "--host-access must be on or off" croft net edit wan --host-access maybe
expect_ok croft net edit wan --host-access on
assert_contains "$EXPECT_OUT" "host access: on" "net edit's answer"
assert_eq true "$(croft net info wan --json | jq -r .host_access)" "host_access in net info"
guest_ok r "echo hi | nc -w 3 $GW $HOSTSVC_PORT" 30
sleep 0.5
grep -q "^CONN $R_IP0" "$T/hostsvc.log" || fail "r did not reach the host service with host-access on"
expect_ok croft net edit wan --host-access off
n_before=$(grep -c "^CONN $R_IP0" "$T/hostsvc.log")
guest_fails r "echo hi | nc -w 3 $GW $HOSTSVC_PORT" 30
assert_eq "$n_before" "$(grep -c "^CONN $R_IP0" "$T/hostsvc.log")" "connections from r after host-access off"
guest_ok r "ping -c 1 -W 2 $GW"
itest_stop "$HOSTSVC_PID" 3
t_end
