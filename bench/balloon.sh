#!/usr/bin/env bash
# bench/balloon.sh BUILD — croft's balloon policy against Proxmox's rule
# (80 % host target, at most 100 MiB per VM every 10 s), both run by
# bench/balloon_sim.c on the same input: the scenario of
# tests/integration/test_balloon.sh, as a trace of what each guest uses,
# second by second.  Four guests of 512M (memory-min 128M) under a 1 GiB
# budget (a 1.25 GiB host for Proxmox's 80 %), booted at their maximum
# and using 40M each; at 60 s one of them fills 300 MiB at 10 MiB/s.
# The simulated balloons move at 256 MiB/s (a KVM guest's is faster; a
# TCG guest's slower).  croft's side is the real policy code.
#
# Prints, per policy: seconds from the shortfall (the 1 GiB the four
# balloons must give at once) until they fit the budget, MiB reclaimed per
# second over that time, target changes over the 3 minutes (oscillation),
# seconds a guest was out of memory, and host swap in MiB-seconds.
# Not pass/fail.  BENCH_TRACE=FILE replays a trace of one's own (the
# format is in balloon_sim.c).
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/croft-balloonbench.XXXXXX)
trap 'rm -rf "$T"' EXIT

make -C "$ROOT" -s BUILD="$BUILD" "$BUILD/libcore.a" "$BUILD/libcommon.a" >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -I"$ROOT" -o "$T/balloon_sim" "$ROOT/bench/balloon_sim.c" \
	"$BUILD/libcore.a" "$BUILD/libcommon.a" -ljansson

if [ -n "${BENCH_TRACE:-}" ]; then
	cp "$BENCH_TRACE" "$T/trace"
else
	awk 'BEGIN {
		print "budget 1024 host 1280"
		for (i = 1; i <= 4; i++) print "vm b" i " 512 128"
		for (t = 0; t < 180; t++) {
			u = 40
			if (t >= 60) u = 40 + 10 * (t < 90 ? t - 60 : 30)
			print "t", u, 40, 40, 40
		}
	}' >"$T/trace"
fi

echo "balloon policy, same trace (4 x 512M guests, 1 GiB budget, one fills 300 MiB at 60 s):"
printf '%-8s %10s %14s %8s %8s %12s\n' policy "budget met" "reclaimed/s" changes "OOM s" "swap MiB*s"
"$T/balloon_sim" <"$T/trace" | while IFS=$'\t' read -r name met rate changes oom swap; do
	printf '%-8s %9ss %12s M %8s %8s %12s\n' "$name" "$met" "$rate" "$changes" "$oom" "$swap"
done
