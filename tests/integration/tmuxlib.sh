# tests/integration/tmuxlib.sh — drive croft's console in tmux.
#
# Sourced after lib.sh (and after itest_setup, which sets $T, $BUILD and
# $CROFT_SOCKET).  Every session lives on a private tmux server whose socket
# is $T/tmux.sock, so a test never touches anyone's tmux; tmux_teardown
# kills that server (call it from the EXIT trap, see tmux_install_teardown).
#
#   tmux_start c1 100 30 xterm-256color     # the console, 100x30, that TERM
#   tmux_wait c1 '^web +running' 30          # poll capture-pane for an ERE
#   tmux_keys c1 j s                         # tmux key names (Enter, C-], F5)
#   tmux_type c1 'echo hi'                   # literal text
#   tmux_wait_gone c1 'Delete VM' 10
#   tmux_cap c1                              # the screen, one line per row
#
# Waits poll every 0.1 s up to a timeout; none relies on a fixed sleep.
# shellcheck shell=bash

TMUX_SOCK=
TMUX_LAST=

# tmux_cmd ARGS... — tmux on this test's private server, no user config.
tmux_cmd() {
	tmux -S "$TMUX_SOCK" -f /dev/null "$@"
}

# tmux_start NAME COLS ROWS TERM [EXTRA-ENV...] — open the console in a new
# detached session.  The shell that runs croft writes croft's exit status to
# $T/tmux-NAME.status (tmux_dead reads it: tmux's own pane_dead_status
# lags, sometimes by seconds); the pane stays after exit (remain-on-exit).
tmux_start() {
	local name=$1 cols=$2 rows=$3 term=$4
	shift 4
	TMUX_SOCK=${TMUX_SOCK:-$T/tmux.sock}
	rm -f "$T/tmux-$name.status"
	tmux_cmd new-session -d -s "$name" -x "$cols" -y "$rows" \
		"env CROFT_SOCKET=$CROFT_SOCKET TERM=$term $* $BUILD/croft; echo \$? >$T/tmux-$name.status" \; \
		set-option -t "$name" remain-on-exit on ||
		{ fail "tmux could not start session $name"; return 1; }
	# the window follows resize-window, not the (absent) clients
	tmux_cmd set-option -t "$name" window-size manual >/dev/null 2>&1 || true
	return 0
}

# tmux_cap NAME — the visible screen as text.
tmux_cap() {
	tmux_cmd capture-pane -p -t "$1"
}

# tmux_cap_raw NAME — the screen with attributes as escape sequences.
tmux_cap_raw() {
	tmux_cmd capture-pane -p -e -t "$1"
}

# tmux_keys NAME KEY... — send tmux key names.
tmux_keys() {
	local name=$1
	shift
	tmux_cmd send-keys -t "$name" "$@"
}

# tmux_type NAME TEXT — send TEXT literally.
tmux_type() {
	tmux_cmd send-keys -t "$1" -l -- "$2"
}

# tmux_has NAME ERE — is the pattern on screen now?
tmux_has() {
	TMUX_LAST=$(tmux_cap "$1" 2>/dev/null)
	grep -qE -- "$2" <<<"$TMUX_LAST"
}

_tmux_show_last() {
	echo "  --- screen of $1:" >&2
	sed 's/^/  | /' <<<"$TMUX_LAST" >&2
}

# tmux_wait NAME ERE SECS — poll until the pattern is on screen.
tmux_wait() {
	local name=$1 pat=$2 secs=${3:-10} end
	end=$(($(date +%s%N) / 1000000 + secs * 1000))
	while :; do
		tmux_has "$name" "$pat" && return 0
		[ "$(($(date +%s%N) / 1000000))" -ge "$end" ] && break
		sleep 0.1
	done
	_tmux_show_last "$name"
	fail "$name: '$pat' not on screen after ${secs}s"
}

# tmux_wait_gone NAME ERE SECS — poll until the pattern has left the screen.
tmux_wait_gone() {
	local name=$1 pat=$2 secs=${3:-10} end
	end=$(($(date +%s%N) / 1000000 + secs * 1000))
	while :; do
		tmux_has "$name" "$pat" || return 0
		[ "$(($(date +%s%N) / 1000000))" -ge "$end" ] && break
		sleep 0.1
	done
	_tmux_show_last "$name"
	fail "$name: '$pat' still on screen after ${secs}s"
}

# tmux_line NAME N — row N (1-based) of the screen.
tmux_line() {
	tmux_cap "$1" | sed -n "${2}p"
}

# tmux_longest NAME — the width of the longest (right-trimmed) screen row,
# in cells (a sparkline's block element is one cell).
tmux_longest() {
	tmux_cap "$1" | sed 's/[▁▂▃▄▅▆▇█]/x/g; s/ *$//' |
		LC_ALL=C awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'
}

# tmux_ascii_only FILE WHAT — fail unless FILE (a tmux_pipe) holds only
# ASCII bytes: what a vt100 may be sent.
tmux_ascii_only() {
	LC_ALL=C grep -qaP '[\x80-\xff]' "$1" || return 0
	fail "$2: bytes >= 0x80 written: $(LC_ALL=C grep -aoP '[\x80-\xff]+' "$1" | head -c 40 | od -An -tx1 | head -n 2)"
}

# tmux_size NAME — "COLSxROWS" of the pane.
tmux_size() {
	tmux_cmd display-message -p -t "$1" '#{pane_width}x#{pane_height}'
}

# tmux_resize NAME COLS ROWS — resize the window (the console gets SIGWINCH).
tmux_resize() {
	tmux_cmd resize-window -t "$1" -x "$2" -y "$3"
}

# tmux_dead NAME — print croft's exit status if it has exited, else fail.
tmux_dead() {
	[ -s "$T/tmux-$1.status" ] || return 1
	cat "$T/tmux-$1.status"
}

# _tmux_show_procs NAME — what the pane's processes are doing (diagnosis).
_tmux_show_procs() {
	local pp p
	pp=$(tmux_cmd display-message -p -t "$1" '#{pane_pid}' 2>/dev/null) || return 0
	for p in $pp $(pgrep -P "$pp" 2>/dev/null); do
		echo "  --- pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) [$(cat "/proc/$p/wchan" 2>/dev/null)]" >&2
		command -v gdb >/dev/null && timeout 20 gdb -p "$p" -batch -ex 'thread apply all bt' 2>/dev/null |
			grep -E '^(#|Thread)' | head -n 30 | sed 's/^/  | /' >&2
	done
	return 0
}

# tmux_wait_dead NAME SECS — wait for croft to exit; print its status.
tmux_wait_dead() {
	local name=$1 secs=${2:-5} end st
	end=$(($(date +%s%N) / 1000000 + secs * 1000))
	while :; do
		st=$(tmux_dead "$name") && { echo "$st"; return 0; }
		[ "$(($(date +%s%N) / 1000000))" -ge "$end" ] && break
		sleep 0.1
	done
	TMUX_LAST=$(tmux_cap "$name" 2>/dev/null)
	_tmux_show_last "$name"
	_tmux_show_procs "$name"
	fail "$name: croft still running after ${secs}s"
}

# tmux_pipe NAME FILE — append everything croft writes to the terminal to
# FILE from now on (tmux pipe-pane); tmux_pipe NAME stops it.
tmux_pipe() {
	if [ $# -ge 2 ]; then
		tmux_cmd pipe-pane -o -t "$1" "cat >>'$2'"
	else
		tmux_cmd pipe-pane -t "$1"
	fi
}

# tmux_teardown — kill this test's tmux server (and so every console).
tmux_teardown() {
	[ -n "$TMUX_SOCK" ] && [ -S "$TMUX_SOCK" ] && tmux_cmd kill-server >/dev/null 2>&1
	return 0
}

# tmux_install_teardown — chain tmux_teardown before lib.sh's teardown on EXIT.
tmux_install_teardown() {
	TMUX_SOCK=${TMUX_SOCK:-$T/tmux.sock}
	trap 'rc=$?; tmux_teardown; (exit $rc); itest_teardown' EXIT
}
