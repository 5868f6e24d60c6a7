#!/bin/bash
# run-local.sh BUILD [console|daemon|stop] — croft to try by hand (`make run`).
#
# Starts croftd and croft-netd in the background on a local state dir, ./.croft-local/ in
# the repo (git-ignored), or /var/tmp/croft-local when user croft-qemu cannot
# traverse the repo or the socket path would be too long ($CROFT_LOCAL_DIR
# picks another).  On first run it defines a VM "demo" from the test-guest
# kernel/initrd that takes a DHCP lease and serves a small web page, a NAT
# network "demonet" with the demo's NIC on it, and a port forward from the
# host's port 8080 (or the next free one) to the page; prints how to reach
# croftd, then opens the console (`croft` with no arguments) on it: press
# s to start demo, c to watch it boot on its serial console.  The
# instructions are printed again when the console closes.  When stdin or
# stdout is not a terminal it prints how to open the console instead.
# `daemon` (make run ARGS=daemon) only starts the daemons; `stop` (make run
# ARGS=stop) stops them.  croft-netd runs in this machine's own network
# namespace and changes only croft's own links and nft tables: the demo
# network's bridge, NAT and forward (the demo guest sends nothing but its
# DHCP request).  Without croft-netd, or where the network cannot be made,
# the demo VM is defined without a NIC and the reason is printed.
#
# CROFT_ACCEL, when set, is passed to croftd; otherwise croftd uses its
# host setting (auto: KVM when croft-qemu can use /dev/kvm, else TCG).
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD [console|daemon|stop]" >&2
	exit 2
fi
BUILD_ARG=$1
BUILD=$(cd "$1" && pwd)
ACTION=${2:-console}
REPO=$(cd "$(dirname "$0")/.." && pwd)

# --- where ------------------------------------------------------------------

can_traverse() {   # DIR — can croft-qemu reach DIR?
	id croft-qemu >/dev/null 2>&1 || return 0   # no such user yet: don't care
	[ "$(id -u)" -eq 0 ] || return 0            # can't check without root
	runuser -u croft-qemu -- test -x "$1" 2>/dev/null
}

pick_dir() {
	local d=$REPO/.croft-local
	if [ -n "${CROFT_LOCAL_DIR:-}" ]; then
		mkdir -p "$CROFT_LOCAL_DIR"
		echo "$CROFT_LOCAL_DIR"; return
	fi
	# unix socket paths are limited to 108 bytes; leave room for vm/NAME/qmp.sock
	if [ ${#d} -gt 60 ]; then
		echo "run-local: $d is too long a path for sockets; using /var/tmp/croft-local" >&2
		echo /var/tmp/croft-local; return
	fi
	mkdir -p "$d"
	chmod 0755 "$d"
	if can_traverse "$d"; then
		echo "$d"
	else
		echo "run-local: user croft-qemu cannot reach $d; using /var/tmp/croft-local" >&2
		echo /var/tmp/croft-local
	fi
}
LOCAL=$(pick_dir)
mkdir -p "$LOCAL/state" "$LOCAL/run"
chmod 0755 "$LOCAL" "$LOCAL/state" "$LOCAL/run"
SOCK=$LOCAL/run/croftd.sock
PIDFILE=$LOCAL/croftd.pid
LOG=$LOCAL/croftd.log
NETD_PIDFILE=$LOCAL/netd.pid
NETD_LOG=$LOCAL/netd.log
export CROFT_SOCKET=$SOCK

pid_of() {   # PIDFILE PATTERN — prints the pid if that process is running
	local pid
	[ -s "$1" ] || return 1
	pid=$(tr -dc '0-9' <"$1")
	[ -n "$pid" ] || return 1
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "$2" || return 1
	echo "$pid"
}
running_pid() { pid_of "$PIDFILE" "croftd.*$LOCAL/state"; }
netd_pid() { pid_of "$NETD_PIDFILE" "croft-netd.*$LOCAL/run"; }

stop_pid() {   # PID NAME PIDFILE
	kill -TERM "$1"
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "$2 ($1) did not stop on SIGTERM; killing it"
		kill -KILL "$1"
	fi
	rm -f "$3"
}

# --- stop -------------------------------------------------------------------

if [ "$ACTION" = stop ]; then
	if pid=$(running_pid); then
		stop_pid "$pid" croftd "$PIDFILE"
		echo "croftd stopped ($LOCAL); guests keep running until stopped with croft"
	else
		echo "croftd is not running ($LOCAL)"
	fi
	if pid=$(netd_pid); then
		stop_pid "$pid" croft-netd "$NETD_PIDFILE"
		echo "croft-netd stopped; networks keep working (croft's links and rules stay)"
	fi
	exit 0
fi
case "$ACTION" in
console|daemon) ;;
start) ACTION=console ;;
*)
	echo "usage: $0 BUILD [console|daemon|stop]" >&2
	exit 2 ;;
esac

# --- start ------------------------------------------------------------------

for f in croftd croft croft-netd; do
	[ -x "$BUILD/$f" ] || { echo "run-local: $BUILD/$f missing (make all)" >&2; exit 1; }
done

# croft-netd first, so croftd finds it at once.
if pid=$(netd_pid); then
	echo "croft-netd already running (pid $pid)"
else
	echo "--- croft-netd start $(date '+%F %T')" >>"$NETD_LOG"
	setsid "$BUILD/croft-netd" --run-dir "$LOCAL/run" --foreground \
		>>"$NETD_LOG" 2>&1 </dev/null &
	echo "$!" >"$NETD_PIDFILE"
	for _ in $(seq 50); do
		[ -S "$LOCAL/run/netd.sock" ] && break
		sleep 0.1
	done
	if kill -0 "$(cat "$NETD_PIDFILE")" 2>/dev/null; then
		echo "croft-netd started (pid $(cat "$NETD_PIDFILE"), log $NETD_LOG)"
	else
		echo "run-local: croft-netd exited (see $NETD_LOG); networks unavailable" >&2
		rm -f "$NETD_PIDFILE"
	fi
fi

if pid=$(running_pid); then
	echo "croftd already running (pid $pid, $LOCAL)"
else
	echo "--- croftd start $(date '+%F %T')" >>"$LOG"
	setsid "$BUILD/croftd" --state-dir "$LOCAL/state" --run-dir "$LOCAL/run" --foreground \
		>>"$LOG" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$PIDFILE"
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "run-local: croftd exited; last lines of $LOG:" >&2
			tail -n 20 "$LOG" >&2
			rm -f "$PIDFILE"
			exit 1
		fi
		sleep 0.1
	done
	[ -S "$SOCK" ] || { echo "run-local: no socket $SOCK after 10 s (see $LOG)" >&2; exit 1; }
	echo "croftd started (pid $pid, state in $LOCAL, log $LOG)"
	"$BUILD/croft" --socket "$SOCK" host info | grep -E "^accel" || true
fi

# free_port FROM — the first TCP port from FROM on that no host service
# listens on.
free_port() {
	local p=$1
	while [ "$p" -lt $(($1 + 20)) ]; do
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
		p=$((p + 1))
	done
	echo "$1"
}

# demo_network — the NAT network "demonet", demo's NIC on it and a forward
# from the host to demo's page; says why not where it cannot.
demo_network() {
	local port err
	if ! err=$("$BUILD/croft" net info demonet 2>&1 >/dev/null) &&
		! err=$("$BUILD/croft" net create demonet --mode nat 2>&1 >/dev/null); then
		echo "run-local: no demo network ($err); demo has no NIC" >&2
		return 0
	fi
	if ! err=$("$BUILD/croft" vm nic add demo --net demonet 2>&1 >/dev/null); then
		echo "run-local: demo gets no NIC on demonet ($err)" >&2
		return 0
	fi
	port=$(free_port 8080)
	if err=$("$BUILD/croft" net forward add demonet --proto tcp --host-port "$port" --to demo:80 2>&1 >/dev/null); then
		echo "network 'demonet' (NAT) with demo's NIC; host port $port forwards to demo's web page"
	else
		echo "run-local: no port forward to demo's page ($err)" >&2
	fi
}

# The demo VM, from the test-guest fixture (copied: croft-qemu must read it).
KERNEL=$LOCAL/state/fixture/vmlinuz
INITRD=$LOCAL/state/fixture/initrd.img
if [ -s "$BUILD/guest/vmlinuz" ] && [ -s "$BUILD/guest/initrd.img" ]; then
	mkdir -p "$LOCAL/state/fixture"
	chmod 0755 "$LOCAL/state/fixture"
	install -m 0644 "$BUILD/guest/vmlinuz" "$KERNEL"
	install -m 0644 "$BUILD/guest/initrd.img" "$INITRD"
	[ -s "$BUILD/guest/guest.iso" ] && install -m 0644 "$BUILD/guest/guest.iso" "$LOCAL/state/fixture/guest.iso"
	"$BUILD/croft" host set allow-path "$LOCAL/state/fixture" >/dev/null 2>&1 || true   # VMs use files in pools or allowed paths
	if ! "$BUILD/croft" vm info demo >/dev/null 2>&1; then
		if "$BUILD/croft" vm create demo --vcpus 1 --memory 256M \
			--kernel "$KERNEL" --initrd "$INITRD" \
			--append 'console=ttyS0 croft.dhcp=1 croft.httpd=1 croft.name=demo'; then
			echo "defined VM 'demo' (the test guest: takes a DHCP lease, serves a page on port 80)"
			demo_network
		else
			echo "run-local: could not define VM 'demo'" >&2
		fi
	fi
else
	echo "run-local: no guest fixture in $BUILD/guest (make guest); no demo VM" >&2
fi

# demo_port — the host port forwarded to demo's page, if any.
demo_port() {
	"$BUILD/croft" net forward list demonet 2>/dev/null |
		awk '$1 == "tcp" && $3 == "demo" && $4 == "80" { print $2; exit }'
}

instructions() {
	local port
	port=$(demo_port)
	cat <<EOT

To use it from another shell:
  export CROFT_SOCKET=$SOCK
  export PATH=$BUILD:\$PATH
  croft                          # the console (? lists every key, m the messages, q quits)
  croft vm list                  # demo's IP shows once it has booted
  croft vm start demo            # the test guest: boots in seconds, takes a DHCP lease
  croft vm console demo          # its serial console; Ctrl-] detaches
EOT
	[ -n "$port" ] && cat <<EOT
  curl http://127.0.0.1:$port/     # demo's web page, through the port forward
EOT
	cat <<EOT
  croft vm shutdown demo
  croft net info demonet         # the demo's NAT network, its NIC and forward
  croft vm create web --vcpus 1 --memory 512M --disk 2G --cdrom $LOCAL/state/fixture/guest.iso
Stop it with: make run ARGS=stop   (or $0 $BUILD_ARG stop)

EOT
}
instructions
if [ "$ACTION" = daemon ]; then
	exit 0
fi
if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "Not on a terminal, so not opening the console.  Open it with:"
	echo "  CROFT_SOCKET=$SOCK $BUILD/croft"
	exit 0
fi
echo "Opening the console (s starts demo, c shows its serial console, Enter its details, q quits)..."
sleep 1
rc=0
"$BUILD/croft" || rc=$?
instructions
exit "$rc"
