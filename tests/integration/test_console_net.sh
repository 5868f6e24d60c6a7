#!/bin/bash
# test_console_net.sh — the console's Networks screen and the guests' IPs,
# driven through tmux at 80x24 against a real croftd and a real croft-netd
# running inside the test's network namespaces (netlib.sh):
#   - the Networks tab: the table's columns, the key bar;
#   - the create form: a bad name refused as typed, a good nat network
#     created and listed, an overlapping subnet refused by croftd with its
#     message while the form keeps the input, then fixed and created;
#   - a network created from the CLI appears with no key pressed;
#   - the details of a network: a NIC added from the CLI shows up live, a
#     port forward added through its form (a duplicate refused by croftd
#     inside the form), seen by the CLI and in nftables, then removed; a
#     NIC added and removed through the NIC form;
#   - deleting a network that a VM uses: croftd refuses, the console
#     offers to delete the NICs too, and that works; deleting an unused
#     network asks first (n keeps it, y deletes it and its bridge);
#   - a running guest (croft.dhcp=1) gets its lease and its IP shows in the
#     VMs table and in the network's details;
#   - every line fits at 80x24, and a wider terminal widens the tables.
#
# VMs (1 vCPU, 128M, stopped unless said): web (NIC on wan; started at the
# end), db (NICs on wan2, then wan and off again).
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/tmuxlib.sh"

itest_net_setup
itest_setup
tmux_install_teardown
netd_start || die "croft-netd did not start"

net_vm_create web || fail "vm create web"
net_vm_create db || fail "vm create db"

# go_row C N — select row N (1-based) of the current table.
go_row() {
	local i
	tmux_keys "$1" g
	for ((i = 1; i < $2; i++)); do
		tmux_keys "$1" j
	done
}

# body_gone C ERE SECS — wait until the pattern has left rows 1-22 (the
# status line keeps the last action's result).
body_gone() {
	local end=$((SECONDS + $3))
	while tmux_cap "$1" | head -n 22 | grep -qE -- "$2"; do
		[ "$SECONDS" -ge "$end" ] && { fail "$1: '$2' still above the status line after $3s"; return 1; }
		sleep 0.1
	done
	return 0
}

net_exists() { croft net info "$1" >/dev/null 2>&1; }
link_exists() { in_host ip link show dev "$1" >/dev/null 2>&1; }

t_begin "the Networks tab: an empty table, its columns and keys"
tmux_start c1 80 24 xterm-256color
tmux_wait c1 '^NAME +STATE +VCPU +MEMORY +CPU% +UPTIME +IP *$' 10
tmux_wait c1 '^web +stopped +1 +128M +- +- +- *$' 5
assert_contains "$(tmux_line c1 1)" "4 Networks" "tabs"
tmux_keys c1 4
tmux_wait c1 '^NAME +MODE +SUBNET/UPLINK +BRIDGE +GUESTS +FORWARDS *$' 5
tmux_wait c1 'No networks yet. Press n \(or F2\) to create one.' 5
assert_contains "$(tmux_line c1 24)" "F1Help F2New F4NIC F8Delete F10Quit mLog EnterDetails EscBack" "key bar"
t_end

t_begin "create form: a bad name is refused as typed, then a nat network is created"
tmux_keys c1 n
tmux_wait c1 'New network' 5
tmux_wait c1 'Mode +\(\*\) nat  \( \) host-only  \( \) bridged' 2
tmux_wait c1 'Tab/Down/Up move  Enter submit  Esc cancel' 2
tmux_type c1 '-bad'
tmux_wait c1 "network name '-bad' must start with a letter or a digit" 5
# Enter does not send it
tmux_keys c1 Enter
tmux_wait c1 "network name '-bad' must start with a letter or a digit" 2
net_exists -bad && fail "a network '-bad' exists"
tmux_keys c1 C-u
tmux_type c1 wan
tmux_wait_gone c1 "must start with a letter" 5
tmux_keys c1 Tab Tab
tmux_type c1 '10.50.0.5/24'
tmux_wait c1 "subnet '10.50.0.5/24' has host bits set; did you mean 10.50.0.0/24\?" 5
tmux_keys c1 C-u
tmux_type c1 '10.50.0.0/24'
tmux_keys c1 Enter
tmux_wait c1 'Created network wan' 15
tmux_wait_gone c1 'New network' 5
tmux_wait c1 '^wan +nat +10\.50\.0\.0/24 via uplink0 +croftbr[0-9]+ +0 +0 *$' 5
assert_eq "nat 10.50.0.0/24 uplink0" "$(croft net info wan --json | jq -r '"\(.mode) \(.subnet) \(.uplink)"')" \
	"croftd's wan"
t_end

t_begin "create form: croftd refuses an overlapping subnet, the form keeps the input"
tmux_keys c1 n
tmux_wait c1 'New network' 5
tmux_type c1 wan2
tmux_keys c1 Tab Tab
tmux_type c1 '10.50.0.0/16'
tmux_keys c1 Enter
tmux_wait c1 'subnet 10.50.0.0/16 overlaps network wan \(10\.50\.0\.0/24\)' 15
tmux_wait c1 'New network' 2
tmux_wait c1 'Name +wan2 ' 2
tmux_wait c1 'Subnet +10\.50\.0\.0/16 ' 2
net_exists wan2 && fail "wan2 was created despite the refusal"
# the refusal focused Subnet: retype it
tmux_keys c1 C-u
tmux_type c1 '10.51.0.0/24'
body_gone c1 'overlaps network wan' 5
tmux_keys c1 Enter
tmux_wait c1 'Created network wan2' 15
tmux_wait c1 '^wan2 +nat +10\.51\.0\.0/24 via uplink0 ' 5
assert_eq "10.51.0.0/24" "$(croft net info wan2 --json | jq -r .subnet)" "croftd's wan2"
t_end

t_begin "Esc cancels the form and changes nothing"
before=$(croft net list --json)
tmux_keys c1 n
tmux_wait c1 'New network' 5
tmux_type c1 never
tmux_keys c1 Escape
tmux_wait_gone c1 'New network' 5
tmux_wait c1 'Cancelled; nothing was changed' 5
assert_eq "$before" "$(croft net list --json)" "networks after Esc"
t_end

t_begin "a network created from the CLI appears without a key press"
expect_ok croft net create lab --mode host-only
tmux_wait c1 '^lab +host-only +10\.73\.[0-9]+\.0/24 +croftbr[0-9]+ +0 +0 *$' 5
t_end

t_begin "details: a NIC added from the CLI shows up live"
# rows by name: lab, wan, wan2
go_row c1 2
tmux_keys c1 Enter
tmux_wait c1 '^Network wan: nat, subnet 10\.50\.0\.0/24, gateway 10\.50\.0\.1' 5
tmux_wait c1 'PORT FORWARDS \(0\)' 2
tmux_wait c1 'NICS ON THIS NETWORK \(0\)' 2
expect_ok croft vm nic add web --net wan
WEB_MAC=$(nic_get web 0 mac)
WEB_ADDR=$(nic_get web 0 address)
tmux_wait c1 'NICS ON THIS NETWORK \(1\)' 5
tmux_wait c1 "^web +$WEB_MAC +- +$WEB_ADDR +stopped *$" 5
t_end

t_begin "details: add a port forward through its form"
tmux_keys c1 n
tmux_wait c1 'New port forward on wan' 5
tmux_wait c1 'VM +\(\*\) web' 2
tmux_keys c1 Tab
tmux_type c1 0
tmux_wait c1 'host port must be between 1 and 65535, not 0' 5
tmux_keys c1 BSpace
tmux_type c1 8080
tmux_keys c1 Tab Tab
tmux_type c1 80
tmux_keys c1 Enter
tmux_wait c1 'Forwarded tcp port 8080 to web:80 on wan' 15
tmux_wait c1 'PORT FORWARDS \(1\)' 5
tmux_wait c1 "^tcp +8080 +web +80 +$WEB_ADDR *$" 5
assert_eq "tcp 8080 web 80" "$(croft net forward list wan --json | jq -r '.[] | "\(.proto) \(.host_port) \(.vm) \(.port)"')" \
	"croftd's forwards"
in_host nft list table inet croft | grep -q "tcp dport 8080" || fail "no tcp dport 8080 rule in table inet croft"
t_end

t_begin "details: croftd refuses a forward of the same port, inside the form"
tmux_keys c1 n
tmux_wait c1 'New port forward on wan' 5
tmux_keys c1 Tab
tmux_type c1 8080
tmux_keys c1 Tab Tab
tmux_type c1 81
tmux_keys c1 Enter
tmux_wait c1 'tcp port 8080 is already forwarded to web:80 on network wan' 15
tmux_wait c1 'New port forward on wan' 2
tmux_wait c1 'Guest port +81 ' 2
tmux_keys c1 Escape
tmux_wait_gone c1 'New port forward' 5
assert_eq 1 "$(croft net forward list wan --json | jq length)" "forwards after the refusal"
t_end

t_begin "details: remove the port forward (asks first)"
# the forward is the first item
tmux_keys c1 g x
tmux_wait c1 'Remove port forward\?' 5
tmux_wait c1 "tcp port 8080 of the host -> web:80 \($WEB_ADDR\) on network wan" 2
tmux_keys c1 y
tmux_wait c1 'Removed the forward of tcp port 8080 on wan' 15
tmux_wait c1 'PORT FORWARDS \(0\)' 5
assert_eq 0 "$(croft net forward list wan --json | jq length)" "croftd's forwards after removal"
in_host nft list table inet croft | grep -q "tcp dport 8080" && fail "tcp dport 8080 rule still in table inet croft"
t_end

t_begin "details: a NIC added and removed through the NIC form"
tmux_keys c1 a
tmux_wait c1 'New NIC on wan' 5
tmux_wait c1 'VLAN +n/a: VLANs need a bridged network' 2
# the VM choice: a letter picks db
tmux_type c1 d
tmux_wait c1 'VM +\(\*\) db' 2
tmux_keys c1 Tab
tmux_type c1 '10.50.0.300'
tmux_wait c1 "address '10.50.0.300' is not an IPv4 address" 5
tmux_keys c1 BSpace BSpace BSpace
tmux_type c1 '77'
tmux_keys c1 Enter
tmux_wait c1 'Added a NIC on wan for db' 15
tmux_wait c1 'NICS ON THIS NETWORK \(2\)' 5
DB_MAC=$(croft vm info db --json | jq -r '.nics[] | select(.net == "wan") | .mac')
tmux_wait c1 "^db +$DB_MAC +- +10\.50\.0\.77 +stopped *$" 5
# select it (the last row) and remove it
tmux_keys c1 G x
tmux_wait c1 'Remove a NIC from db\?' 5
tmux_wait c1 "NIC $DB_MAC of VM db on network wan \(address 10\.50\.0\.77\)" 2
tmux_keys c1 y
tmux_wait c1 "Removed NIC $DB_MAC from db" 15
tmux_wait c1 'NICS ON THIS NETWORK \(1\)' 5
assert_eq 0 "$(croft vm info db --json | jq '.nics | length')" "db's NICs"
tmux_keys c1 Escape
tmux_wait c1 '^NAME +MODE +SUBNET/UPLINK' 5
t_end

t_begin "delete a network in use: asked once, naming the VMs, forced in the same step"
expect_ok croft vm nic add db --net wan2
tmux_wait c1 '^wan2 +nat +10\.51\.0\.0/24 via uplink0 +croftbr[0-9]+ +1 +0 *$' 5
WAN2_BR=$(croft net info wan2 --json | jq -r .bridge)
go_row c1 3
tmux_keys c1 x
tmux_wait c1 'Delete network wan2\?' 5
tmux_wait c1 'The NIC of db on it is removed too' 2
tmux_wait c1 'y = delete the NICs and the network' 2
tmux_has c1 'force' && fail "the dialog speaks of --force"
net_exists wan2 || fail "wan2 is gone before the answer"
assert_eq 1 "$(croft vm info db --json | jq '.nics | length')" "db's NICs before the answer"
tmux_keys c1 y
tmux_wait c1 'Deleted network wan2 and the NICs on it' 20
tmux_wait_gone c1 '^wan2 ' 5
net_exists wan2 && fail "wan2 still exists"
assert_eq 0 "$(croft vm info db --json | jq '.nics | length')" "db's NICs after the forced delete"
link_exists "$WAN2_BR" && fail "bridge $WAN2_BR of wan2 is still there"
t_end

t_begin "delete an unused network: n keeps it, y deletes it"
LAB_BR=$(croft net info lab --json | jq -r .bridge)
go_row c1 1
tmux_keys c1 x
tmux_wait c1 'Delete network lab\?' 5
tmux_wait c1 'its bridge, its nftables rules, its DHCP server and leases' 2
tmux_keys c1 n
tmux_wait c1 'Cancelled; nothing was changed' 5
net_exists lab || fail "n deleted lab"
tmux_keys c1 F8
tmux_wait c1 'Delete network lab\?' 5
tmux_keys c1 y
tmux_wait c1 'Deleted network lab' 15
tmux_wait_gone c1 '^lab ' 5
net_exists lab && fail "lab still exists"
link_exists "$LAB_BR" && fail "bridge $LAB_BR of lab is still there"
t_end

t_begin "a running guest's IP shows in the VMs table and the details"
WEB_IP=
if expect_ok croft vm start web; then
	WEB_IP=$(wait_nic_ip web 0 120)
	assert_eq "$WEB_ADDR" "$WEB_IP" "web's lease vs its assigned address"
fi
if [ -n "$WEB_IP" ]; then
	tmux_keys c1 1
	tmux_wait c1 "^web +running +1 +128M +[0-9.]+ +[0-9]+[sm] +${WEB_IP//./\\.} *\$" 10
	tmux_wait c1 '^db +stopped +1 +128M +- +- +- *$' 2
	tmux_keys c1 4
	tmux_wait c1 '^wan +nat ' 5
	tmux_keys c1 g Enter
	tmux_wait c1 "^web +$WEB_MAC +${WEB_IP//./\\.} +$WEB_ADDR +running *\$" 10
	tmux_keys c1 Escape
fi
t_end

t_begin "80x24: every line fits; wider terminals widen the tables"
tmux_keys c1 1
tmux_wait c1 '^NAME +STATE' 5
cap=$(tmux_cap c1)
assert_eq 24 "$(wc -l <<<"$cap")" "rows at 80x24"
long=$(awk 'length($0) > 80' <<<"$cap")
assert_eq "" "$long" "lines longer than 80"
assert_eq "80x24" "$(tmux_size c1)" "pane size"
tmux_resize c1 140 40
tmux_wait c1 "^web {10,}running .*${WEB_IP//./\\.}" 10
tmux_keys c1 4
tmux_wait c1 '^NAME +MODE +SUBNET/UPLINK +BRIDGE +GUESTS +FORWARDS' 5
tmux_resize c1 80 24
tmux_wait c1 '^wan +nat +10\.50\.0\.0/24 via uplink0 +croftbr[0-9]+ +1 +0 *$' 10
tmux_keys c1 q
assert_eq 0 "$(tmux_wait_dead c1 5)" "croft's exit status"
t_end
