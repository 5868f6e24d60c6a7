#!/usr/bin/env bash
# Network apply benchmark: one nat network with 50 port forwards pushed to
# croft-netd as a full desired state (what croftd sends after any change),
# against loading the very same nftables ruleset with `nft -f`, in the same
# run; and croft-netd's memory holding that state.  Not pass/fail.
#
#   bench/net_apply.sh BUILD      (bench/run.sh calls it)
#
# Everything happens inside a private network namespace (croft-b<pid>) with
# uplink0 198.51.100.1/24 (a veth whose peer stays in there too) and a
# default route through it: no link, route or rule of the root namespace is
# touched, and no packet leaves the namespace.
# bench/net_apply.c pushes the states; the `nft -f` baseline loads the
# ruleset netd produced, dumped with `nft list table` (inet croft + bridge
# croft) and wrapped in the add/delete/define idiom so each load replaces the
# tables atomically, as netd's batch does.  Medians of BENCH_NET_RUNS (20).
#
# Reported: netd full push from empty (bridge + address + dnsmasq + ruleset),
# teardown to empty, ruleset re-apply (one forward changed: links and
# dnsmasq stay) and `nft -f`, ratio reapply / nft -f; VmRSS/VmHWM of
# croft-netd with the state applied (and of the network's dnsmasq).
set -euo pipefail

BENCH_NAME="bench net_apply"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_build_dir "${1:-build}"
NETD=$BUILD/croft-netd
RUNS=${BENCH_NET_RUNS:-20}
NFWD=${BENCH_NET_FWDS:-50}
NS=croft-b$$

bench_need_root "network namespaces, nftables"
[ -x "$NETD" ] || die "no $NETD; run make all"
bench_need_tools ip nft python3 "${CC:-cc}"

bench_tmpdir croft-netbench
NETD_PID=

cleanup() {
	local pid
	if [ -n "$NETD_PID" ]; then
		kill -TERM "$NETD_PID" 2>/dev/null
		wait "$NETD_PID" 2>/dev/null
	fi
	if ip netns list 2>/dev/null | grep -q "^$NS\b"; then
		# dnsmasq outlives netd by design: kill what is left in the namespace
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		sleep 0.2
		ip netns del "$NS"
	fi
}
bench_traps cleanup "$T/netd.log" croft-netd

in_ns() { ip netns exec "$NS" "$@"; }

bench_cc net_apply -I"$ROOT"
bench_cc runstat

ip netns add "$NS"
in_ns ip link set lo up
in_ns ip link add uplink0 type veth peer name uplink0p
in_ns ip link set uplink0p up
in_ns ip addr add 198.51.100.1/24 dev uplink0
in_ns ip link set uplink0 up
in_ns ip route add default via 198.51.100.2

mkdir -m 755 "$T/run"
ip netns exec "$NS" "$NETD" --run-dir "$T/run" --foreground >"$T/netd.log" 2>&1 </dev/null &
NETD_PID=$!
for _ in $(seq 100); do
	[ -S "$T/run/netd.sock" ] && break
	kill -0 "$NETD_PID" 2>/dev/null || die "croft-netd exited: $(tail -n 5 "$T/netd.log")"
	sleep 0.1
done
[ -S "$T/run/netd.sock" ] || die "croft-netd's socket did not appear"

read -r rss_idle hwm_idle < <(bench_rss "$NETD_PID")

echo "== network apply: 1 nat network + $NFWD port forwards through croft-netd vs nft -f, $RUNS runs each"
in_ns "$T/net_apply" "$T/run/netd.sock" uplink0 "$NFWD" "$RUNS" >"$T/netd.json"

# The state is applied now: netd's memory, and the ruleset it made.
read -r rss_full hwm_full < <(bench_rss "$NETD_PID")
dns_rss=
for pid in $(ip netns pids "$NS"); do
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dnsmasq ] && dns_rss=$(bench_rss "$pid" | cut -d' ' -f1)
done
{
	for fam in inet bridge; do
		if in_ns nft list table "$fam" croft >/dev/null 2>&1; then
			echo "add table $fam croft"
			echo "delete table $fam croft"
		fi
	done
	for fam in inet bridge; do
		in_ns nft list table "$fam" croft 2>/dev/null || true
	done
} >"$T/ruleset.nft"
rules=$(grep -c 'dnat ip to' "$T/ruleset.nft" || true)
[ "$rules" -ge "$NFWD" ] || die "expected >= $NFWD dnat rules in netd's ruleset, found $rules"
in_ns nft -c -f "$T/ruleset.nft" || die "nft cannot load the dumped ruleset"
in_ns "$T/runstat" "$RUNS" nft -f "$T/ruleset.nft" >"$T/nft.json"

python3 - "$T/netd.json" "$T/nft.json" "$NFWD" "$rules" "$(wc -l <"$T/ruleset.nft")" \
	"$rss_idle" "$hwm_idle" "$rss_full" "$hwm_full" "${dns_rss:-0}" <<'EOF'
import json, statistics, sys
netd = json.load(open(sys.argv[1]))
nft = json.load(open(sys.argv[2]))
nfwd, rules, lines = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rss_idle, hwm_idle, rss_full, hwm_full, dns = (int(x) for x in sys.argv[6:11])
ms = lambda v: statistics.median(v) * 1000
cold, down, re = ms(netd["cold"]), ms(netd["teardown"]), ms(netd["reapply"])
base = nft["median_ms"]
n = len(netd["reapply"])
print("net apply: netd ruleset re-apply (one forward changed) median %.2f ms; "
      "nft -f of the same ruleset median %.2f ms; ratio %.2f" % (re, base, re / base))
print("           netd full push from empty (bridge, address, dnsmasq, ruleset) median %.2f ms "
      "(ratio %.2f vs nft -f); teardown to empty median %.2f ms" % (cold, cold / base, down))
print("           re-apply min/max %.2f/%.2f ms, nft -f min/max %.2f/%.2f ms; %d runs each; "
      "ruleset: %d dnat rules (prerouting + output), %d lines"
      % (min(netd["reapply"]) * 1000, max(netd["reapply"]) * 1000,
         min(nft["wall_ms"]), max(nft["wall_ms"]), n, rules, lines))
print("croft-netd RSS: idle VmRSS %.2f MiB (VmHWM %.2f MiB); with the network and %d forwards "
      "VmRSS %.2f MiB (VmHWM %.2f MiB); its dnsmasq VmRSS %.2f MiB"
      % (rss_idle / 1024, hwm_idle / 1024, nfwd, rss_full / 1024, hwm_full / 1024, dns / 1024))
print()
print("| Benchmark | croft | Baseline (same run) | Ratio |")
print("| --- | --- | --- | --- |")
print("| nat network + %d forwards, ruleset re-apply through croft-netd (median of %d) | %.2f ms | `nft -f` same ruleset: %.2f ms | %.2f |"
      % (nfwd, n, re, base, re / base))
print("| same, full push from empty (bridge, dnsmasq, rules) | %.2f ms | `nft -f`: %.2f ms | %.2f |"
      % (cold, base, cold / base))
print("| croft-netd memory with that state | VmRSS %.2f MiB, VmHWM %.2f MiB | idle: VmRSS %.2f MiB | — |"
      % (rss_full / 1024, hwm_full / 1024, rss_idle / 1024))
EOF
