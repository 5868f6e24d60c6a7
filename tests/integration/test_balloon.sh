#!/bin/bash
# test_balloon.sh — the automatic balloon policy and KSM with real TCG
# guests:
#   - bad settings (a budget larger than the host or below the running
#     guests' minimums, a reserve that leaves nothing, shares out of
#     range) are refused with the numbers and change nothing;
#   - four guests of 512M (memory-min 128M) under a 1 GiB budget: the
#     policy brings their targets within the budget, never below 128M;
#   - a fifth guest whose memory-min does not fit is refused at start
#     with the numbers, and starts with --force (with --ksm off: QEMU's
#     mem-merge=off);
#   - the guest left the least fills 300 MiB of a tmpfs, in steps: it grows, the others
#     shrink, no guest's kernel logs an OOM kill, every target stays in
#     [min, max], and the decisions (with their reasons) are events;
#   - croftd killed and started again keeps the guests' targets;
#   - with `ksm on`, KSM merges the identical guests' pages (the real
#     /sys/kernel/mm/ksm, restored afterwards).
# The machine has 2 busy cores: every wait polls with a generous limit.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

itest_setup
itest_share_tools
croft host set metrics-listen off >/dev/null || die "metrics-listen off"

KSM=/sys/kernel/mm/ksm
KSM_SAVED=
if [ -w "$KSM/run" ]; then
	KSM_SAVED="$(cat "$KSM/run") $(cat "$KSM/pages_to_scan") $(cat "$KSM/sleep_millisecs")"
fi
ksm_restore() {
	[ -n "$KSM_SAVED" ] || return 0
	read -r r p s <<<"$KSM_SAVED"
	echo "$p" >"$KSM/pages_to_scan" 2>/dev/null
	echo "$s" >"$KSM/sleep_millisecs" 2>/dev/null
	echo "$r" >"$KSM/run" 2>/dev/null
	KSM_SAVED=
}
trap '_rc=$?; ksm_restore; (exit $_rc); itest_teardown' EXIT

# mem FILTER — a jq filter over `croft host memory --json`
mem() {
	croft host memory --json 2>/dev/null | jq -r "$1"
}

# until_true SECS FILTER — poll host memory until FILTER gives true.
until_true() {
	local secs=$1 filter=$2 end out=
	end=$((SECONDS + secs))
	while :; do
		out=$(mem "$filter")
		[ "$out" = true ] && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 1
	done
	fail "'$filter' not true within ${secs}s (last: '$out'; $(mem '[.vms[] | "\(.name) t\(.target_mib) a\(.actual_mib) u\(.guest_used_mib) \(.stats)"] | join(", ")'))"
	return 1
}

RUNNING='[.vms[] | select(.state == "running")]'
IN_RANGE="$RUNNING | all(.target_mib >= .memory_min_mib and .target_mib <= .memory_mib)"

t_begin "bad settings are refused with the numbers and change nothing"
expect_fail "larger than the host's memory" croft host set memory-budget 100T
expect_fail "memory-reserve 64.0G leaves nothing" croft host set memory-reserve 64G
expect_fail "balloon must be on or off" croft host set balloon maybe
expect_fail "balloon-interval-ms must be a number from 500 to 60000" croft host set balloon-interval-ms 5
expect_fail "ksm must be auto, on or off" croft host set ksm sometimes
assert_eq "default" "$(mem .budget_source)" "budget after the refusals"
expect_ok croft host set memory-budget 1G
assert_eq "1024 setting" "$(mem '"\(.budget_mib) \(.budget_source)"')" "budget"
croft metrics | grep -qE '^croft_host_memory_budget_bytes 1073741824$' ||
	fail "/metrics: $(croft metrics | grep budget)"
t_end

t_begin "four guests of 512M (min 128M) are ballooned into a 1 GiB budget"
for g in b1 b2 b3 b4; do
	croft vm create "$g" --vcpus 1 --memory 512M --memory-min 128M --kernel "$GUEST_KERNEL" \
		--initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check croft.name=$g" >/dev/null ||
		die "vm create $g"
done
expect_fail "memory-shares must be a number from 1 to 50000" croft vm edit b4 --memory-shares 0
expect_fail "ksm must be on or off" croft vm edit b4 --ksm maybe
assert_contains "$(APIRAW '{"op":"vm.edit","args":{"name":"b4","memory_shares":60000}}')" \
	"memory-shares must be between 1 and 50000, not 60000" "vm.edit with 60000 shares"
expect_ok croft vm edit b4 --memory-shares 2000
assert_eq "2000 on" "$(croft vm info b4 --json | jq -r '"\(.memory_shares) \(.ksm)"')" "b4's shares"
for g in b1 b2 b3 b4; do
	expect_ok croft vm start "$g" || die "vm start $g"
done
for g in b1 b2 b3 b4; do
	wait_serial "$g" 'CROFT-GUEST: ready' 180
done
# the budget cannot go under what the running guests need at least
expect_fail "smaller than the running guests' minimums" croft host set memory-budget 256M
assert_eq 1024 "$(mem .budget_mib)" "budget after the refusal"
until_true 120 "($RUNNING | map(.target_mib) | add) <= 1024 and ($RUNNING | length) == 4"
until_true 90 "$RUNNING | all(.actual_mib <= .target_mib + 8)"
until_true 5 "$IN_RANGE"
t_end

t_begin "a guest whose memory-min does not fit is refused at start, --force starts it"
croft vm create big --vcpus 1 --memory 640M --memory-min 600M --kernel "$GUEST_KERNEL" \
	--initrd "$GUEST_INITRD" --append "console=ttyS0 quiet no_timer_check" >/dev/null || die "vm create big"
expect_fail "its memory-min 600M does not fit the memory budget 1.0G, of which the running guests' minimums take 512M" \
	croft vm start big
assert_eq stopped "$(vm_state big)" "big after the refusal"
expect_ok croft vm edit big --ksm off
expect_ok croft vm start big --force
wait_state big running 30
# the VM that opted out of KSM runs with mem-merge=off
tr '\0' ' ' <"/proc/$(vm_pid big)/cmdline" | grep -q 'accel=tcg,mem-merge=off' ||
	fail "big's QEMU has no mem-merge=off: $(tr '\0' ' ' <"/proc/$(vm_pid big)/cmdline" | grep -o -- '-machine [^ ]*')"
expect_ok croft vm stop big
wait_state big stopped 30
t_end

t_begin "one guest fills 300 MiB: it grows, the others shrink, no OOM kill"
# the guest the policy left the least: it must grow to hold 300 MiB more
B=$(mem "$RUNNING | min_by(.target_mib) | .name")
before_busy=$(mem ".vms[] | select(.name == \"$B\") | .target_mib")
before_others=$(mem "[$RUNNING[] | select(.name != \"$B\") | .target_mib] | add")
guest_ok "$B" 'mkdir -p /mnt/fill && mount -t tmpfs -o size=400m fill /mnt/fill' 60
for i in $(seq 1 15); do
	guest_ok "$B" "dd if=/dev/zero of=/mnt/fill/f$i bs=1M count=20 2>/dev/null; sleep 1" 90 || break
done
until_true 60 "(.vms[] | select(.name == \"$B\") | .target_mib) >= 370"
after_busy=$(mem ".vms[] | select(.name == \"$B\") | .target_mib")
after_others=$(mem "[$RUNNING[] | select(.name != \"$B\") | .target_mib] | add")
[ "$after_busy" -gt "$before_busy" ] || fail "$B did not grow: $before_busy -> $after_busy"
# the others give what the budget's room did not cover (a host under
# memory pressure from other work has had them squeezed to their need
# already, leaving room)
room=$((1024 - before_busy - before_others))
if [ $((after_busy - before_busy)) -gt "$room" ]; then
	[ "$after_others" -lt "$before_others" ] ||
		fail "the others did not shrink: $before_others -> $after_others ($B: $before_busy -> $after_busy, room $room)"
fi
until_true 5 "$IN_RANGE"
until_true 5 "($RUNNING | map(.target_mib) | add) <= 1024"
guest_ok "$B" 'cat /mnt/fill/f15 | wc -c' 60
assert_eq $((20 << 20)) "$(echo "$GUEST_OUT" | tr -dc 0-9)" "the last file $B wrote"
for g in b1 b2 b3 b4; do
	n=$(serial_count "$g" 'Out of memory|oom-kill|invoked oom-killer')
	assert_eq 0 "$n" "OOM messages in $g's serial log"
done
croft events --since 10m --no-follow >"$T/events.txt"
grep -qE "$B: balloon [0-9.]+[MG] -> [0-9.]+[MG] \($B had only [0-9]+M available inside" "$T/events.txt" ||
	fail "no growth decision for $B in the events: $(grep balloon "$T/events.txt" | tail -n 3 | tr '\n' '|')"
grep -qE 'b[1-4]: balloon [0-9.]+[MG] -> [0-9.]+[MG] \(host budget 1.0G exceeded by [0-9.]+[MG]; b[1-4] had [0-9]+M available inside' "$T/events.txt" ||
	fail "no shrink decision in the events: $(grep balloon "$T/events.txt" | tail -n 3 | tr '\n' '|')"
croft host memory >"$T/memory.txt" || fail "croft host memory"
grep -qE "^$B +running +512M +128M +[0-9]+ " "$T/memory.txt" || fail "croft host memory: $(head -n 8 "$T/memory.txt" | tr '\n' '|')"
grep -q '^Last decisions:' "$T/memory.txt" || fail "no last decisions in croft host memory"
t_end

t_begin "croftd killed and started again keeps the targets"
# The filling guest's use still moves the policy's targets, so the policy
# is held (balloon off: targets change only by hand) while croftd is
# killed and started: what is compared is what the restart alone does.
targets() { mem "[$RUNNING[] | \"\(.name)=\(.target_mib)/\(.actual_mib)\"] | join(\" \")"; }
expect_ok croft host set balloon off
until_true 90 "$RUNNING | all(.actual_mib <= .target_mib + 8 and .actual_mib + 8 >= .target_mib)"
t0=$(targets)
croftd_kill9
croftd_start || die "croftd start"
until_true 30 "($RUNNING | length) == 4 and ($RUNNING | all(.stats == \"ok\"))"
sleep 4                              # two policy periods: nothing may move
t1=$(targets)
for kv in $t0; do
	name=${kv%%=*}
	v0=${kv#*=}
	v1=$(echo "$t1" | tr ' ' '\n' | sed -n "s/^$name=//p")
	a0=${v0#*/}
	a1=${v1#*/}
	t1v=${v1%/*}
	# the balloon stays where it was, and croftd carries on from it
	[ -n "$v1" ] && [ $((a1 - a0)) -le 8 ] && [ $((a0 - a1)) -le 8 ] && [ "$t1v" = "$a1" ] ||
		fail "$name's balloon moved across the restart: $v0 -> ${v1:-?} (target/actual; $t0 / $t1)"
done
until_true 5 "$IN_RANGE"
# the policy carries on from those targets, within the budget
expect_ok croft host set balloon on
sleep 4
until_true 60 "($IN_RANGE) and ($RUNNING | map(.target_mib) | add) <= 1024"
t_end

t_begin "KSM merges the identical guests' pages"
# /sys/kernel/mm/ksm is the host's, shared with every test and session on
# it: the pages counted are this test's QEMUs' own
# (/proc/PID/ksm_merging_pages), and croftd puts run back if another
# writer turns it off meanwhile.
ksm_ours() {
	local n=0 g p
	for g in $(mem "$RUNNING[] | .name"); do
		p=$(vm_pid "$g") && [ -r "/proc/$p/ksm_merging_pages" ] &&
			n=$((n + $(cat "/proc/$p/ksm_merging_pages")))
	done
	echo "$n"
}
if [ -z "$KSM_SAVED" ]; then
	echo "  (no writable $KSM: skipped)"
else
	s0=$(cat "$KSM/full_scans")
	expect_ok croft host set ksm on
	until_true 20 '.ksm.run == 1'
	# ksmd walks every guest's memory on the host, not only these: at the
	# rate croftd uses when the host is short (its maximum), so that the
	# other sessions' guests do not make a full scan take minutes
	echo 1250 >"$KSM/pages_to_scan"
	if [ -r /proc/self/ksm_merging_pages ]; then
		end=$((SECONDS + 240))
		while [ "$(ksm_ours)" -eq 0 ] && [ "$SECONDS" -lt "$end" ]; do
			sleep 2
		done
		[ "$(ksm_ours)" -gt 0 ] || fail "KSM merged none of the guests' pages in 240 s (run $(cat "$KSM/run"), full scans $s0 -> $(cat "$KSM/full_scans"))"
	fi
	until_true 30 '.ksm.pages_sharing > 0 and .ksm.saved_mib >= 1'
	[ "$(cat "$KSM/full_scans")" -gt "$s0" ] || fail "KSM made no full scan"
	expect_ok croft host set ksm off
	ksm_restore
fi
t_end

