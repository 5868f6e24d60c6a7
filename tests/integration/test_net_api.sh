#!/bin/bash
# test_net_api.sh — networks, NICs and port forwards through the CLI and the
# API, against a real croftd and a real croft-netd inside the test's network
# namespaces (no guest traffic: test_net_guest_*.sh send packets).
#
#   - croftd without netd: network ops answer "unavailable", VMs without
#     NICs still work, and croftd catches up once netd starts;
#   - create/list/info/delete of nat, host-only and bridged (on lan1)
#     networks, with their JSON shapes and the bridges they leave in $NS_HOST;
#   - every bad input of the issue gets a precise error and changes nothing:
#     `croft net list --json`, the store's networking rows, and in $NS_HOST
#     `ip -d link` and `nft list ruleset` are compared before and after;
#   - NICs on stopped VMs (add, list, remove, deleted with their VM),
#     port forwards (add, list, remove, duplicates), delete --force;
#   - hot-plug into a running VM (no OS: SeaBIOS on a blank disk) until its
#     PCIe ports run out, and an unplug the guest never answers (15 s, the
#     NIC stays);
#   - netd stopped: refused ops, a VM with NICs does not start; a tap
#     deleted while netd or croftd was down is back once it restarts (the
#     state is pushed on every new connection).
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

itest_net_setup
itest_setup
itest_share_tools

# --- "nothing changed" --------------------------------------------------------

snapshot() {
	echo "== croft"
	croft net list --json | jq -S .
	croft vm list --json | jq -S 'map({name, nics})'
	echo "== store"
	sqlite3 "$DB" "select * from networks order by id; select * from nics order by id;
		select * from forwards order by id;"
	echo "== links"
	# timers and carrier (a tap nobody has opened loses it a moment after
	# it is made) move on their own; the rest must not
	in_host ip -d -o link show | sed -E 's/ (link-netns|link-netnsid) [^ ]+//g;
		s/ [a-z_]+_timer +[0-9.]+//g; s/NO-CARRIER,//; s/,LOWER_UP//;
		s/ state [A-Z]+ / /; s/bridge_slave state [a-z]+/bridge_slave/' | sort
	echo "== nft"
	in_host nft list ruleset
}

snap_take() {
	SNAP=$(snapshot 2>&1)
}

snap_check() {   # WHAT
	local now d
	now=$(snapshot 2>&1)
	[ "$now" == "$SNAP" ] && return 0
	# the words that differ, line by line (link lines are long)
	d=$(python3 - "$SNAP" "$now" <<'PY'
import difflib, sys
a, b = sys.argv[1].splitlines(), sys.argv[2].splitlines()
out = []
for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
    if op == "equal":
        continue
    for x, y in zip(a[i1:i2], b[j1:j2]):
        xs, ys = x.split(), y.split()
        words = [f"{p}->{q}" for p, q in zip(xs, ys) if p != q]
        out.append(f"{' '.join(xs[:2])}: {' '.join(words) or 'length'}")
    for x in a[i1 + (j2 - j1):i2]:
        out.append(f"gone: {x[:160]}")
    for y in b[j1 + (i2 - i1):j2]:
        out.append(f"new: {y[:160]}")
print(" | ".join(out)[:600])
PY
)
	fail "state changed after $1: $d"
}

# refuse SUBSTRING CMD... — CMD fails with SUBSTRING on stderr and nothing
# changes.
refuse() {
	local want=$1 rc=0 errf
	shift
	snap_take
	errf=$(mktemp)
	"$@" >/dev/null 2>"$errf" </dev/null || rc=$?
	R_ERR=$(cat "$errf")
	rm -f "$errf"
	if [ "$rc" -eq 0 ]; then
		fail "'$*' succeeded"
	else
		assert_contains "$R_ERR" "$want" "stderr of '$*'"
	fi
	snap_check "'$*'"
}

# api_refuse CODE SUBSTRING OP ARGS-JSON — a raw request fails with CODE and
# SUBSTRING in its message, and nothing changes.
api_refuse() {
	local code=$1 want=$2 op=$3 args=$4 reply
	snap_take
	reply=$(APIRAW "{\"id\":1,\"op\":\"$op\",\"args\":$args}" | jq -c 'select(.id == 1)')
	assert_eq false "$(jq -r .ok <<<"$reply")" "$op $args: ok" &&
		assert_eq "$code" "$(jq -r .error.code <<<"$reply")" "$op $args: code ($reply)" &&
		assert_contains "$(jq -r .error.message <<<"$reply")" "$want" "$op $args: message"
	snap_check "$op $args"
}

netjson() {   # NAME FIELD — a field of `croft net info NAME --json`
	croft net info "$1" --json | jq -r ".$2 | if . == null then \"null\" else tostring end"
}

link_exists() { in_host ip link show dev "$1" >/dev/null 2>&1; }

# --- croftd without netd ---------------------------------------------------------

t_begin "netd not running: network ops are unavailable, VMs without NICs work"
expect_fail "croft-netd is not running (no answer at $T/run/netd.sock)" \
	croft net create lan --mode nat
expect_fail "croft-netd is not running" croft net create lan --mode nat --json
assert_eq unavailable "$(jq -r .error.code <<<"$EXPECT_OUT")" "error code"
assert_eq "[]" "$(croft net list --json)" "net list without netd"
expect_ok croft vm create plain --vcpus 1 --memory 128M "${KARGS[@]}"
expect_ok croft vm start plain
assert_eq running "$(vm_state plain)" "VM without NICs"
assert_eq "[]" "$(croft vm info plain --json | jq -c .nics)" "nics of a VM without NICs"
expect_ok croft vm stop plain
t_end

t_begin "netd starts: croftd connects by itself"
netd_start || die "croft-netd did not start"
wait_for 10 grep -q "connected to croft-netd" "$T/croftd.log"
t_end

# --- networks -------------------------------------------------------------------

t_begin "nat network with defaults"
if expect_ok croft net create lan --mode nat --json; then
	j=$EXPECT_OUT
	assert_eq '["bridge","created","dhcp_first","dhcp_last","forwards","gateway","host_access","mode","name","nics","subnet","uplink"]' \
		"$(jq -c 'keys' <<<"$j")" "network object keys"
	assert_eq "lan nat 10.73.0.0/24 10.73.0.1 10.73.0.2 10.73.0.254 uplink0" \
		"$(jq -r '"\(.name) \(.mode) \(.subnet) \(.gateway) \(.dhcp_first) \(.dhcp_last) \(.uplink)"' <<<"$j")" \
		"defaults"
	LAN_BR=$(jq -r .bridge <<<"$j")
	case "$LAN_BR" in croftbr[0-9]*) ;; *) fail "bridge name '$LAN_BR'" ;; esac
	wait_for 5 link_exists "$LAN_BR"
	in_host ip -o addr show dev "$LAN_BR" | grep -q '10.73.0.1/24' || fail "$LAN_BR has no 10.73.0.1/24"
fi
expect_ok croft net create lan2 --mode nat
assert_eq "10.73.1.0/24" "$(netjson lan2 subnet)" "second default subnet skips the first"
t_end

t_begin "host-only network with a subnet and a DHCP range"
expect_ok croft net create iso --mode host-only --subnet 10.80.0.0/24 --dhcp-range 10.80.0.100-10.80.0.150
assert_eq "10.80.0.0/24 10.80.0.1 10.80.0.100 10.80.0.150 null" \
	"$(croft net info iso --json | jq -r '"\(.subnet) \(.gateway) \(.dhcp_first) \(.dhcp_last) \(.uplink)"')" \
	"host-only network"
expect_ok croft net info iso
assert_contains "$EXPECT_OUT" "dhcp:        10.80.0.100 - 10.80.0.150" "net info text"
t_end

t_begin "bridged network on lan1"
if expect_ok croft net create br --mode bridged --uplink lan1; then
	assert_eq "bridged lan1 null null" \
		"$(croft net info br --json | jq -r '"\(.mode) \(.uplink) \(.subnet) \(.gateway)"')" "bridged network"
	BR_BR=$(netjson br bridge)
	wait_for 5 sh -c "ip netns exec $NS_HOST ip -o link show dev lan1 | grep -q 'master $BR_BR'"
fi
assert_eq "br iso lan lan2" "$(croft net list --json | jq -r 'map(.name) | join(" ")')" "net list"
expect_ok croft net list
assert_contains "$EXPECT_OUT" "NAME  MODE" "net list table"
t_end

t_begin "bad networks are refused and change nothing"
refuse "subnet 10.73.0.0/16 overlaps network lan (10.73.0.0/24)" \
	croft net create x --mode nat --subnet 10.73.0.0/16
refuse "198.51.100" croft net create x --mode host-only --subnet 198.51.100.0/24
refuse "198.51.100" croft net create x --mode nat --subnet 198.51.0.0/16
refuse "nosuch0" croft net create x --mode bridged --uplink nosuch0
refuse "lan1 is already the uplink of bridged network br" croft net create x --mode bridged --uplink lan1
refuse "lan1 is already the uplink of bridged network br" croft net create x --mode nat --uplink lan1
# a NIC enslaved to a bridge that is not croft's
in_host ip link add hostbr0 type bridge
in_host ip link add dum0 type veth peer name dum1
in_host ip link set dum0 master hostbr0
refuse "dum0" croft net create x --mode bridged --uplink dum0
refuse "bridged networks get addresses from the LAN" \
	croft net create x --mode bridged --uplink dum0 --subnet 10.90.0.0/24
refuse "host-only networks have no uplink" croft net create x --mode host-only --uplink uplink0
refuse "a network named 'lan' already exists" croft net create lan --mode host-only
refuse "has host bits set; did you mean 10.90.0.0/24?" croft net create x --mode nat --subnet 10.90.0.7/24
refuse "the prefix must be between /8 and /30, not /31" croft net create x --mode nat --subnet 10.90.0.0/31
refuse "DHCP range 10.91.0.10-10.91.0.5 ends before it starts" \
	croft net create x --mode nat --subnet 10.91.0.0/24 --dhcp-range 10.91.0.10-10.91.0.5
refuse "includes the gateway 10.91.0.1" \
	croft net create x --mode nat --subnet 10.91.0.0/24 --dhcp-range 10.91.0.1-10.91.0.5
refuse "is not inside the subnet 10.91.0.0/24" \
	croft net create x --mode nat --subnet 10.91.0.0/24 --dhcp-range 10.92.0.2-10.92.0.5
refuse "--mode must be nat, host-only or bridged, not 'routed'" croft net create x --mode routed
refuse "net create needs --mode" croft net create x
refuse "network name 'a b' contains ' '" croft net create "a b" --mode nat
api_refuse invalid_argument "network mode 'routed' is unknown" net.create '{"name":"x","mode":"routed"}'
api_refuse not_found "no network named 'nope'" net.info '{"name":"nope"}'
in_host ip link del dum0
in_host ip link del hostbr0
t_end

# --- NICs on stopped VMs ------------------------------------------------------------

t_begin "NICs: add with defaults and with pinned values"
expect_ok croft vm create web --vcpus 1 --memory 128M "${KARGS[@]}"
expect_ok croft vm create db --vcpus 1 --memory 128M "${KARGS[@]}"
if expect_ok croft vm nic add web --net lan --json; then
	j=$EXPECT_OUT
	assert_eq web "$(jq -r .name <<<"$j")" "nic add result name"
	assert_eq '["address","ip","mac","model","net","rate","tap","vlan"]' "$(jq -c '.nic | keys' <<<"$j")" \
		"NIC object keys"
	assert_eq "lan 10.73.0.2 null null null virtio" \
		"$(jq -r '.nic | "\(.net) \(.address) \(.ip) \(.vlan) \(.rate) \(.model)"' <<<"$j")" "default NIC"
	WEB_MAC=$(jq -r .nic.mac <<<"$j")
	WEB_TAP=$(jq -r .nic.tap <<<"$j")
	case "$WEB_MAC" in 52:54:00:??:??:??) ;; *) fail "generated MAC '$WEB_MAC'" ;; esac
	wait_for 5 link_exists "$WEB_TAP"
	in_host ip -o link show dev "$WEB_TAP" | grep -q "master $LAN_BR" || fail "$WEB_TAP is not on $LAN_BR"
fi
expect_ok croft vm nic add db --net lan --mac 52:54:00:12:34:56 --ip 10.73.0.50 --rate 100
expect_ok croft vm nic add db --net lan
assert_eq "10.73.0.3" "$(croft vm nic list db --json | jq -r '.[1].address')" "next free address"
# a VLAN tag needs bridge VLAN filtering in the kernel
if vlan_supported; then
	VLAN=10
	VLAN_ARGS=(--vlan 10)
else
	VLAN=null
	VLAN_ARGS=()
fi
expect_ok croft vm nic add web --net br "${VLAN_ARGS[@]}"
assert_eq "br $VLAN null" "$(croft vm nic list web --json | jq -r '.[1] | "\(.net) \(.vlan) \(.address)"')" \
	"bridged NIC"
assert_eq 2 "$(croft vm info web --json | jq '.nics | length')" "vm info nics"
assert_eq "100" "$(croft vm info db --json | jq -r '.nics[0].rate')" "rate"
expect_ok croft vm nic list db
assert_contains "$EXPECT_OUT" "52:54:00:12:34:56" "vm nic list table"
expect_ok croft vm list
assert_contains "$EXPECT_OUT" "  IP" "vm list has an IP column"
expect_ok croft net info lan
assert_contains "$EXPECT_OUT" "db 52:54:00:12:34:56 10.73.0.50" "net info lists the NICs"
t_end

t_begin "bad NICs are refused and change nothing"
refuse "MAC 52:54:00:12:34:56 is already used by VM db" croft vm nic add web --net lan --mac 52:54:00:12:34:56
refuse "address 10.73.0.50 is already used by VM db on network lan" \
	croft vm nic add web --net lan --ip 10.73.0.50
refuse "address 10.73.0.1 is network lan's gateway" croft vm nic add web --net lan --ip 10.73.0.1
refuse "outside network lan's subnet" croft vm nic add web --net lan --ip 10.99.0.5
refuse "multicast" croft vm nic add web --net lan --mac 01:00:5e:00:00:01
refuse "--vlan must be between 1 and 4094, not 0" croft vm nic add web --net br --vlan 0
refuse "--vlan must be between 1 and 4094, not 5000" croft vm nic add web --net br --vlan 5000
refuse "VLANs need a bridged network; lan is nat" croft vm nic add web --net lan --vlan 10
refuse "--rate must be between 1 and 100000" croft vm nic add web --net lan --rate 0
refuse "no network named 'nope'" croft vm nic add web --net nope
refuse "no VM named 'nope'" croft vm nic add nope --net lan
refuse "needs --net NAME" croft vm nic add web
api_refuse invalid_argument "VLAN must be between 1 and 4094, not 0" vm.nic.add '{"name":"web","net":"br","vlan":0}'
api_refuse invalid_argument "VLAN must be between 1 and 4094, not 5000" vm.nic.add '{"name":"web","net":"br","vlan":5000}'
api_refuse invalid_argument "MAC 'zz' must look like 52:54:00:12:34:56" vm.nic.add '{"name":"web","net":"lan","mac":"zz"}'
api_refuse not_found "VM web has no NIC with MAC 52:54:00:99:99:99" vm.nic.remove '{"name":"web","mac":"52:54:00:99:99:99"}'
api_refuse invalid_argument "either \"mac\" or \"net\"" vm.nic.remove '{"name":"web"}'
refuse "VM db has 2 NICs on network lan; say which with --mac" croft vm nic remove db --net lan
t_end

# --- port forwards ---------------------------------------------------------------

t_begin "port forwards"
if expect_ok croft net forward add lan --proto tcp --host-port 8080 --to web:80 --json; then
	assert_eq '{"address":"10.73.0.2","host_port":8080,"net":"lan","port":80,"proto":"tcp","vm":"web"}' \
		"$(jq -cS . <<<"$EXPECT_OUT")" "forward object"
fi
expect_ok croft net forward add lan --proto udp --host-port 8080 --to db:53
refuse "VM web has no NIC on network lan2" croft net forward add lan2 --proto tcp --host-port 2222 --to web:22
refuse "tcp port 8080 is already forwarded to web:80 on network lan" \
	croft net forward add lan --proto tcp --host-port 8080 --to db:80
refuse "port forwards need a nat network; iso is host-only" \
	croft net forward add iso --proto tcp --host-port 9000 --to web:80
refuse "--host-port must be between 1 and 65535, not 70000" \
	croft net forward add lan --proto tcp --host-port 70000 --to web:80
refuse "--proto must be tcp or udp, not 'sctp'" croft net forward add lan --proto sctp --host-port 1 --to web:1
refuse "--to needs VM:PORT" croft net forward add lan --proto tcp --host-port 1 --to web
refuse "network lan has no tcp forward of port 9999" croft net forward remove lan --proto tcp --host-port 9999
assert_eq "tcp:8080:web:80 udp:8080:db:53" \
	"$(croft net forward list lan --json | jq -r 'map("\(.proto):\(.host_port):\(.vm):\(.port)") | join(" ")')" \
	"forward list"
expect_ok croft net forward list lan
assert_contains "$EXPECT_OUT" "HOST-PORT" "forward list table"
in_host nft list ruleset | grep -q 8080 || fail "no rule mentions port 8080"
expect_ok croft net forward remove lan --proto udp --host-port 8080
assert_eq 1 "$(croft net forward list lan --json | jq length)" "forwards after remove"
t_end

# --- deleting ---------------------------------------------------------------------

t_begin "a network in use is not deleted without --force"
expect_ok croft net forward add lan --proto udp --host-port 5353 --to db:53
expect_ok croft net forward add lan --proto udp --host-port 5354 --to db:53
refuse "network lan is used by VMs web, db; use --force to remove their NICs" croft net delete lan
api_refuse invalid_state "network lan is used by VMs web, db" net.delete '{"name":"lan"}'
expect_ok croft net forward remove lan --proto udp --host-port 5353
expect_ok croft net forward remove lan --proto udp --host-port 5354
t_end

t_begin "NIC removal on a stopped VM takes its tap and forwards"
BR_TAP=$(croft vm nic list web --json | jq -r '.[] | select(.net == "br") | .tap')
expect_ok croft vm nic remove web --net br
wait_for 5 sh -c "! ip netns exec $NS_HOST ip link show dev $BR_TAP"
assert_eq "lan" "$(croft vm nic list web --json | jq -r 'map(.net) | join(" ")')" "web's NICs"
if expect_ok croft vm nic remove web --mac "$WEB_MAC" --json; then
	assert_eq "tcp 8080" "$(jq -r '.forwards_removed[] | "\(.proto) \(.host_port)"' <<<"$EXPECT_OUT")" \
		"forwards removed with the NIC"
fi
assert_eq 0 "$(croft net forward list lan --json | jq length)" "forwards after the NIC went"
wait_for 5 sh -c "! ip netns exec $NS_HOST ip link show dev $WEB_TAP"
t_end

t_begin "deleting a VM deletes its NICs and forwards"
expect_ok croft net forward add lan --proto tcp --host-port 5432 --to db:5432
DB_TAPS=$(croft vm nic list db --json | jq -r '.[].tap')
if expect_ok croft vm delete db --json; then
	assert_eq 2 "$(jq '.nics_removed | length' <<<"$EXPECT_OUT")" "nics_removed"
	assert_eq "lan tcp 5432" "$(jq -r '.forwards_removed[] | "\(.net) \(.proto) \(.host_port)"' <<<"$EXPECT_OUT")" \
		"forwards_removed"
fi
for tap in $DB_TAPS; do
	wait_for 5 sh -c "! ip netns exec $NS_HOST ip link show dev $tap"
done
assert_eq 0 "$(croft net info lan --json | jq '.nics | length')" "NICs left on lan"
t_end

t_begin "net delete --force removes the NICs on it"
expect_ok croft vm nic add web --net lan
expect_ok croft vm nic add web --net iso
expect_ok croft net forward add lan --proto tcp --host-port 8080 --to web:80
if expect_ok croft net delete lan --force --json; then
	assert_eq "web" "$(jq -r '.nics_removed[].vm' <<<"$EXPECT_OUT")" "nics_removed"
	assert_eq 1 "$(jq '.forwards_removed | length' <<<"$EXPECT_OUT")" "forwards_removed"
fi
wait_for 5 sh -c "! ip netns exec $NS_HOST ip link show dev $LAN_BR"
assert_eq "iso" "$(croft vm nic list web --json | jq -r 'map(.net) | join(" ")')" "web keeps its iso NIC"
expect_ok croft net delete lan2
assert_eq "br iso" "$(croft net list --json | jq -r 'map(.name) | join(" ")')" "networks left"
t_end

# --- a running VM without an OS ------------------------------------------------------
# SeaBIOS on a blank disk never answers ACPI: device_add works without the
# guest, device_del needs it.

t_begin "running VM: NICs on the command line, hot-plug until the ports run out"
expect_ok croft vm create bare --vcpus 1 --memory 64M --disk 1M
expect_ok croft vm nic add bare --net iso
expect_ok croft vm start bare
wait_state bare running 30
BARE_PID=$(vm_pid bare)
BARE_TAP=$(croft vm nic list bare --json | jq -r '.[0].tap')
BARE_CMD=$(tr '\0' '\n' <"/proc/$BARE_PID/cmdline")
assert_contains "$BARE_CMD" "tap,id=net${BARE_TAP#croftt},ifname=$BARE_TAP,script=no,downscript=no" "-netdev"
assert_contains "$BARE_CMD" "bus=nicport0" "NIC on the first port"
assert_eq 5 "$(grep -c 'pcie-root-port,id=nicport' <<<"$BARE_CMD")" "1 NIC + 4 spare NIC ports"
for i in 1 2 3 4; do
	expect_ok croft vm nic add bare --net iso || break
done
assert_eq 5 "$(croft vm nic list bare --json | jq length)" "NICs after 4 hot-plugs"
refuse "VM 'bare' has no free PCIe port for another NIC: all 5 are in use" croft vm nic add bare --net iso
t_end

t_begin "running VM: a guest that does not release a NIC keeps it"
LAST_MAC=$(croft vm nic list bare --json | jq -r '.[4].mac')
snap_take
SECONDS0=$SECONDS
expect_fail "the guest did not release NIC $LAST_MAC of VM 'bare' within 15 s (is it running an OS with PCIe hot-plug?)" \
	croft vm nic remove bare --mac "$LAST_MAC"
[ $((SECONDS - SECONDS0)) -ge 14 ] || fail "gave up after $((SECONDS - SECONDS0)) s"
snap_check "an unplug the guest ignored"
expect_ok croft vm stop bare
# stopped, the same NIC goes at once
expect_ok croft vm nic remove bare --mac "$LAST_MAC"
expect_ok croft vm delete bare
t_end

# --- netd stops and comes back -------------------------------------------------------

t_begin "netd stopped: ops refused, a VM with NICs does not start"
ISO_TAP=$(croft vm nic list web --json | jq -r '.[0].tap')
netd_stop
refuse "croft-netd is not running" croft net create again --mode host-only
refuse "croft-netd is not running" croft vm nic add web --net br
refuse "croft-netd is not running" croft net delete br
expect_fail "croft-netd" croft vm start web
assert_eq stopped "$(vm_state web)" "web after a refused start"
assert_eq 1 "$(croft vm info web --json | jq '.nics | length')" "vm info still works"
assert_eq null "$(croft vm info web --json | jq -r '.nics[0].ip')" "no lease without netd"
t_end

t_begin "netd restarts: the state is pushed again"
in_host ip link del "$ISO_TAP" || fail "cannot delete $ISO_TAP"
netd_start || die "croft-netd did not restart"
wait_for 10 link_exists "$ISO_TAP"
expect_ok croft net create again --mode host-only
expect_ok croft net delete again
t_end

t_begin "croftd restarts: the state is pushed again"
croftd_stop
in_host ip link del "$ISO_TAP" || fail "cannot delete $ISO_TAP"
croftd_start || die "croftd did not restart"
wait_for 10 link_exists "$ISO_TAP"
assert_eq "iso" "$(croft vm nic list web --json | jq -r 'map(.net) | join(" ")')" "web's NICs after the restart"
t_end

t_begin "everything deleted leaves no croft link"
expect_ok croft vm delete web
expect_ok croft net delete iso
expect_ok croft net delete br
assert_eq "[]" "$(croft net list --json)" "no networks"
wait_for 5 sh -c "! ip netns exec $NS_HOST ip -o link show | grep -q ': croft'"
in_host ip -o link show dev lan1 | grep -q master && fail "lan1 is still enslaved"
t_end
