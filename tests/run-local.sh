#!/bin/bash
# run-local.sh BUILD [console|daemon|stop] — croft to try by hand (`make run`).
#
# Starts croftd in the background on a local state dir, ./.croft-local/ in
# the repo (git-ignored), or /var/tmp/croft-local when user croft-qemu cannot
# traverse the repo or the socket path would be too long.  Defines a VM
# "demo" from the test-guest kernel/initrd on first run, prints how to reach
# croftd, then opens the console (`croft` with no arguments) on it: press
# s to start demo and Enter to watch it boot on its serial console.  When
# stdin or stdout is not a terminal it prints how to open the console
# instead.  `daemon` (make run ARGS=daemon) only starts croftd; `stop`
# (make run ARGS=stop) stops croftd.
#
# CROFT_ACCEL, when set, is passed to croftd; otherwise croftd uses its
# host setting (auto: KVM when croft-qemu can use /dev/kvm, else TCG).
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD [console|daemon|stop]" >&2
	exit 2
fi
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
export CROFT_SOCKET=$SOCK

running_pid() {   # prints croftd's pid if it is running
	local pid
	[ -s "$PIDFILE" ] || return 1
	pid=$(tr -dc '0-9' <"$PIDFILE")
	[ -n "$pid" ] || return 1
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "croftd.*$LOCAL/state" || return 1
	echo "$pid"
}

# --- stop -------------------------------------------------------------------

if [ "$ACTION" = stop ]; then
	if pid=$(running_pid); then
		kill -TERM "$pid"
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "croftd ($pid) did not stop on SIGTERM; killing it"
			kill -KILL "$pid"
		fi
		rm -f "$PIDFILE"
		echo "croftd stopped ($LOCAL); guests keep running until stopped with croft"
	else
		echo "croftd is not running ($LOCAL)"
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

for f in croftd croft; do
	[ -x "$BUILD/$f" ] || { echo "run-local: $BUILD/$f missing (make all)" >&2; exit 1; }
done

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

# The demo VM, from the test-guest fixture (copied: croft-qemu must read it).
KERNEL=$LOCAL/state/fixture/vmlinuz
INITRD=$LOCAL/state/fixture/initrd.img
if [ -s "$BUILD/guest/vmlinuz" ] && [ -s "$BUILD/guest/initrd.img" ]; then
	mkdir -p "$LOCAL/state/fixture"
	chmod 0755 "$LOCAL/state/fixture"
	install -m 0644 "$BUILD/guest/vmlinuz" "$KERNEL"
	install -m 0644 "$BUILD/guest/initrd.img" "$INITRD"
	[ -s "$BUILD/guest/guest.iso" ] && install -m 0644 "$BUILD/guest/guest.iso" "$LOCAL/state/fixture/guest.iso"
	if ! "$BUILD/croft" vm info demo >/dev/null 2>&1; then
		if "$BUILD/croft" vm create demo --vcpus 1 --memory 256M \
			--kernel "$KERNEL" --initrd "$INITRD" --append 'console=ttyS0'; then
			echo "defined VM 'demo' (the test guest)"
		else
			echo "run-local: could not define VM 'demo'" >&2
		fi
	fi
else
	echo "run-local: no guest fixture in $BUILD/guest (make guest); no demo VM" >&2
fi

cat <<EOT

To use it from another shell:
  export CROFT_SOCKET=$SOCK
  export PATH=$BUILD:\$PATH
  croft                          # the console (? lists every key, q quits)
  croft vm list
  croft vm start demo            # the test guest: boots in seconds
  croft vm console demo          # its serial console; Ctrl-] detaches
  croft vm shutdown demo
  croft vm create web --vcpus 1 --memory 512M --disk 2G --cdrom $LOCAL/state/fixture/guest.iso
Stop it with: make run ARGS=stop   (or $0 $1 stop)

EOT
if [ "$ACTION" = daemon ]; then
	exit 0
fi
if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "Not on a terminal, so not opening the console.  Open it with:"
	echo "  CROFT_SOCKET=$SOCK $BUILD/croft"
	exit 0
fi
echo "Opening the console (s starts demo, Enter shows its serial console, q quits)..."
sleep 1
exec "$BUILD/croft"
