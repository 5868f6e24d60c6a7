#!/bin/bash
# test_net_guest_hotplug.sh — guest NICs come and go while the guest runs:
#   - a NIC added to a running guest (`croft vm nic add`, QMP netdev_add +
#     device_add on a free PCIe root port) appears in the guest with the MAC
#     croft chose, gets its assigned address by DHCP, `vm info` shows its
#     lease, and it carries traffic;
#   - removed (`croft vm nic remove --net`, device_del + netdev_del), the
#     guest reports it gone, `vm nic list` no longer shows it, its tap is
#     gone from the host, and the first NIC still works;
#   - plugged again with --mac and --ip pinned, the guest sees that MAC and
#     gets that address (a static lease);
#   - after a stop and start the guest boots with both NICs, same MACs, same
#     addresses (MACs and addresses are stable).
# Guest: h1 (128M, 1 vCPU, TCG), first NIC on nat "wan", hot-plugged ones on
# host-only "lab".
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

# nic_count VM — entries in `croft vm nic list VM --json`.
nic_count() {
	croft vm nic list "$1" --json | jq length
}

# serial_mark VM — remember how many lines VM's serial.log has.
serial_mark() {
	MARK=$(wc -l <"$T/run/vm/$1/serial.log")
}

# wait_serial_after VM ERE SECS — like wait_serial, but only lines after MARK.
wait_serial_after() {
	local vm=$1 pat=$2 secs=$3 end
	end=$((SECONDS + secs))
	while :; do
		tail -n +$((MARK + 1)) "$T/run/vm/$vm/serial.log" | tr -d '\r' | grep -aqE -- "$pat" && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.3
	done
	fail "$vm: '$pat' not on the console within ${secs}s (since line $MARK)"
}

itest_net_guest_setup 8000

t_begin "setup: h1 running with one NIC on wan"
expect_ok croft net create wan --mode nat || die "net create wan"
expect_ok croft net create lab --mode host-only || die "net create lab"
LAB_SUBNET=$(croft net info lab --json | jq -r .subnet)
LAB_BASE=${LAB_SUBNET%.0/*}
net_vm_create h1 || die "vm create h1"
expect_ok croft vm nic add h1 --net wan
expect_ok croft vm start h1 || die "vm start h1"
H1_IP0=$(guest_dhcp_addr h1 eth0 90)
[ -n "$H1_IP0" ] || die "h1 got no address on eth0"
assert_eq 1 "$(nic_count h1)" "NICs in vm nic list"
QEMU_PID=$(vm_pid h1)
t_end

t_begin "hot-plug: a NIC added to the running guest appears and gets a lease"
serial_mark h1
if expect_ok croft vm nic add h1 --net lab; then
	assert_eq 2 "$(nic_count h1)" "NICs in vm nic list after add"
	MAC1=$(croft vm nic list h1 --json | jq -r '.[] | select(.net == "lab") | .mac')
	ADDR1=$(croft vm nic list h1 --json | jq -r '.[] | select(.net == "lab") | .address')
	TAP1=$(croft vm nic list h1 --json | jq -r '.[] | select(.net == "lab") | .tap')
	[[ $ADDR1 == "$LAB_BASE".* ]] || fail "the lab NIC's address '$ADDR1' is not in $LAB_SUBNET"
	wait_serial_after h1 "CROFT-GUEST: nic eth1 $MAC1" 30
	wait_serial_after h1 "CROFT-GUEST: dhcp eth1 $ADDR1/" 60
	LAB_BR=$(link_master "$TAP1")
	[[ $LAB_BR =~ ^croftbr[0-9]+$ ]] || fail "$TAP1's master is '$LAB_BR'"
	LAB_GW=$(bridge_gateway "$LAB_BR")
	got=$(croft vm info h1 --json | jq -r --arg m "$MAC1" '.nics[] | select(.mac == $m) | .ip')
	end=$((SECONDS + 30))
	while [ "$got" != "$ADDR1" ] && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.5
		got=$(croft vm info h1 --json | jq -r --arg m "$MAC1" '.nics[] | select(.mac == $m) | .ip')
	done
	assert_eq "$ADDR1" "$got" "vm info ip of the hot-plugged NIC"
	guest_ok h1 "ping -c 2 -W 2 -I eth1 $LAB_GW"
	assert_eq "$QEMU_PID" "$(vm_pid h1)" "QEMU pid (hot-plug must not restart the guest)"
fi
t_end

t_begin "hot-unplug: the guest reports the NIC gone, croft and the host forget it"
serial_mark h1
if expect_ok croft vm nic remove h1 --net lab; then
	wait_serial_after h1 "CROFT-GUEST: nic-gone eth1" 30
	assert_eq 1 "$(nic_count h1)" "NICs in vm nic list after remove"
	assert_eq "wan" "$(croft vm nic list h1 --json | jq -r '[.[].net] | join(",")')" "networks of the NICs left"
	in_host ip link show dev "$TAP1" >/dev/null 2>&1 && fail "tap $TAP1 still exists"
	guest_ok h1 "ip -o link show" && [[ $GUEST_OUT == *eth1* ]] && fail "the guest still has eth1"
	guest_ok h1 "timeout 10 wget -q -O - http://$UPSTREAM_IP:8000/after-unplug" 40 &&
		assert_contains "$GUEST_OUT" "CROFT-UPSTREAM-HTTP" "eth0 after the unplug"
	assert_eq "$QEMU_PID" "$(vm_pid h1)" "QEMU pid"
fi
t_end

t_begin "hot-plug with --mac and --ip: the guest gets exactly those"
PIN_MAC=52:54:00:c0:ff:ee
PIN_IP=$LAB_BASE.77
serial_mark h1
if expect_ok croft vm nic add h1 --net lab --mac "$PIN_MAC" --ip "$PIN_IP"; then
	assert_eq "$PIN_IP" "$(croft vm nic list h1 --json | jq -r --arg m "$PIN_MAC" '.[] | select(.mac == $m) | .address')" \
		"pinned address in vm nic list"
	wait_serial_after h1 "CROFT-GUEST: nic eth[0-9]+ $PIN_MAC" 30
	wait_serial_after h1 "CROFT-GUEST: dhcp eth[0-9]+ $PIN_IP/" 60
fi
expect_fail "$PIN_MAC" croft vm nic add h1 --net lab --mac "$PIN_MAC"
t_end

t_begin "stop and start: the guest boots with both NICs, same MACs and addresses"
MAC0=$(nic_get h1 0 mac)
expect_ok croft vm stop h1
if expect_ok croft vm start h1; then
	# serial.log starts afresh with each start
	MARK=0
	wait_serial_after h1 "CROFT-GUEST: ready" 90
	wait_serial_after h1 "CROFT-GUEST: nic eth[0-9]+ $MAC0" 5
	wait_serial_after h1 "CROFT-GUEST: nic eth[0-9]+ $PIN_MAC" 5
	wait_serial_after h1 "CROFT-GUEST: dhcp eth[0-9]+ $H1_IP0/" 60
	wait_serial_after h1 "CROFT-GUEST: dhcp eth[0-9]+ $PIN_IP/" 60
	assert_eq "$MAC0" "$(nic_get h1 0 mac)" "first NIC's MAC after restart"
fi
t_end

t_begin "hot-unplug by --mac"
serial_mark h1
if expect_ok croft vm nic remove h1 --mac "$PIN_MAC"; then
	wait_serial_after h1 "CROFT-GUEST: nic-gone eth[0-9]+" 30
	assert_eq 1 "$(nic_count h1)" "NICs after remove --mac"
fi
expect_fail "$PIN_MAC" croft vm nic remove h1 --mac "$PIN_MAC"
t_end
