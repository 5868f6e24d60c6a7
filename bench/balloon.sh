#!/usr/bin/env bash
# bench/balloon.sh BUILD — croft's balloon policy against Proxmox's rule
# (80 % host target, at most 100 MiB per VM every 10 s), both run by
# bench/balloon_sim.c on the same recorded inputs: bench/balloon_trace.txt,
# recorded by bench/balloon_record.sh from real TCG guests in the scenario
# of tests/integration/test_balloon.sh (four guests of 512M, memory-min
# 128M, under a 1 GiB budget, a 1.25 GiB host for Proxmox's 80 %, booted
# at their maximum; one of them fills 300 MiB of a tmpfs): what each guest
# used and reported second by second, the host's pressure and swapping,
# and how fast their balloons moved.  croft's side is the real policy code.
#
# Prints, per policy: seconds from the shortfall (the 1 GiB the four
# balloons must give at once) until they fit the budget, MiB reclaimed per
# second over that time, target changes over the recording (oscillation),
# seconds a guest was out of memory, and host swap in MiB-seconds.
# Not pass/fail.  BENCH_TRACE=FILE replays another recording.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/croft-balloonbench.XXXXXX)
trap 'rm -rf "$T"' EXIT

make -C "$ROOT" -s BUILD="$BUILD" "$BUILD/libcore.a" "$BUILD/libcommon.a" >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -I"$ROOT" -o "$T/balloon_sim" "$ROOT/bench/balloon_sim.c" \
	"$BUILD/libcore.a" "$BUILD/libcommon.a" -ljansson

cp "${BENCH_TRACE:-$ROOT/bench/balloon_trace.txt}" "$T/trace"
echo "balloon policy, same recorded inputs (4 x 512M TCG guests, 1 GiB budget, one fills 300 MiB):"
sed -n 's/^# //p' "$T/trace" | head -n 5
printf '%-8s %10s %14s %8s %8s %12s\n' policy "budget met" "reclaimed/s" changes "OOM s" "swap MiB*s"
"$T/balloon_sim" <"$T/trace" | while IFS=$'\t' read -r name met rate changes oom swap; do
	printf '%-8s %9ss %12s M %8s %8s %12s\n' "$name" "$met" "$rate" "$changes" "$oom" "$swap"
done
