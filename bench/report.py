#!/usr/bin/env python3
"""
Turn the raw results of bench/run.sh (JSON files in its work dir) into the
ratio lines and the markdown summary.

    report.py start DIR | list DIR N | rss DIR | clients DIR LOAD... | reads DIR
            | import DIR | import-clients DIR | summary DIR
"""
import json
import os
import statistics
import sys

START_TARGET = 1.05
LIST_TARGET_MS = 2.0
CLIENTS_P99_TARGET_MS = 10.0
IMPORT_TARGET = 1.05


def load(d, name):
    with open(os.path.join(d, name)) as f:
        return json.load(f)


def have(d, name):
    return os.path.exists(os.path.join(d, name))


def start_numbers(d):
    r = load(d, "start.json")
    c, b = statistics.median(r["croft"]), statistics.median(r["bare"])
    return c, b, c / b, r


def list_numbers(d, n):
    lst, sql = load(d, "list%d.json" % n), load(d, "sqlite%d.json" % n)
    return lst, sql, lst["median_ms"] / sql["median_ms"]


def client_loads(d):
    """The loads measured, idle first: clients-LOAD.json files."""
    loads = sorted(f[len("clients-"):-len(".json")] for f in os.listdir(d)
                   if f.startswith("clients-") and f.endswith(".json"))
    return sorted(loads, key=lambda x: x != "idle")


def rss_rows(d):
    rows = []
    with open(os.path.join(d, "rss.txt")) as f:
        for line in f:
            label, rss, hwm = line.rstrip("\n").split("\t")
            rows.append((label, int(rss), int(hwm)))
    return rows


def mib(kb):
    return "%.2f MiB" % (kb / 1024.0)


def fmt_ratio(ratio, target):
    """Two decimals, three when two would hide which side of target it is."""
    s = "%.2f" % ratio
    return "%.3f" % ratio if float(s) == target and ratio != target else s


def paired_ms(r):
    return statistics.median(a - b for a, b in zip(r["croft"], r["bare"])) * 1000


def paired_ratio(r):
    """The median of each interleaved pair's croft/bare: steadier than the
    ratio of the medians when other work loads the machine unevenly."""
    return statistics.median(a / b for a, b in zip(r["croft"], r["bare"]))


def cmd_start(d):
    c, b, ratio, r = start_numbers(d)
    n = len(r["croft"])
    print("start: croft median %.3f s, bare qemu median %.3f s, ratio %s (target <= %.2f)%s"
          % (c, b, fmt_ratio(ratio, START_TARGET), START_TARGET,
             "" if ratio <= START_TARGET else "  ABOVE TARGET"))
    print("       croft min/max %.3f/%.3f s, bare min/max %.3f/%.3f s, %d runs each, interleaved"
          % (min(r["croft"]), max(r["croft"]), min(r["bare"]), max(r["bare"]), n))
    print("       croft - bare, paired: median %+.1f ms, median ratio %.3f; baseline drops "
          "privileges with %s, which by itself costs %.1f ms more than a plain fork+exec"
          % (paired_ms(r), paired_ratio(r), r.get("spawn", "setpriv"),
             r.get("spawn_extra", 0) * 1000))


def cmd_list(d, n):
    lst, sql, ratio = list_numbers(d, n)
    print("list (%d VM%s): croft vm list --json median %.2f ms, peak RSS %s (max %s); "
          "sqlite3 select median %.2f ms; ratio %.2f (target list <= %.0f ms)%s"
          % (n, "" if n == 1 else "s", lst["median_ms"], mib(lst["median_rss_kb"]),
             mib(lst["max_rss_kb"]), sql["median_ms"], ratio, LIST_TARGET_MS,
             "" if lst["median_ms"] <= LIST_TARGET_MS else "  ABOVE TARGET"))
    if have(d, "version%d.json" % n):
        print("       (of which the CLI's own start and handshake, `croft version`: median %.2f ms)"
              % load(d, "version%d.json" % n)["median_ms"])
    if n == 1 and have(d, "floor.json"):
        print("       (peak RSS floor of the measuring wrapper, from /bin/true: %s)"
              % mib(load(d, "floor.json")["median_rss_kb"]))


def cmd_clients(d, loads):
    idle = load(d, "clients-idle.json") if have(d, "clients-idle.json") else None
    for name in loads:
        r = load(d, "clients-%s.json" % name)
        vs = ""
        if idle and name != "idle":
            vs = "; vs idle: p50 x%.2f, p99 x%.2f" % (r["p50_ms"] / idle["p50_ms"],
                                                     r["p99_ms"] / idle["p99_ms"])
        print("clients (%s): %d clients, %d vm.list in %.1f s (%.0f/s): p50 %.2f ms, "
              "p90 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 <= %.0f ms)%s%s"
              % (name, r["clients"], r["count"], r["secs"], r["rps"], r["p50_ms"], r["p90_ms"],
                 r["p99_ms"], r["max_ms"], CLIENTS_P99_TARGET_MS,
                 "" if r["p99_ms"] <= CLIENTS_P99_TARGET_MS else "  ABOVE TARGET", vs))


def read_rows(d):
    """Markdown rows for the read benchmarks (bench/vm_list.sh)."""
    for n in (1, 100):
        if not have(d, "list%d.json" % n):
            continue
        lst, sql, ratio = list_numbers(d, n)
        print("| `croft vm list --json`, %d VM%s (median of %d) | %.2f ms, peak RSS %s | `sqlite3 ... 'select * from vms'`: %.2f ms | %.2f | <= %.0f ms |"
              % (n, "" if n == 1 else "s", len(lst["wall_ms"]), lst["median_ms"],
                 mib(lst["median_rss_kb"]), sql["median_ms"], ratio, LIST_TARGET_MS))
    idle = load(d, "clients-idle.json") if have(d, "clients-idle.json") else None
    for name in client_loads(d):
        r = load(d, "clients-%s.json" % name)
        base, ratio = "—", "—"
        if idle and name != "idle":
            base = "idle, same run: p99 %.2f ms" % idle["p99_ms"]
            ratio = "%.2f" % (r["p99_ms"] / idle["p99_ms"])
        print("| `vm.list`, %d concurrent clients, 100 VMs, %s (%d requests) | p50 %.2f ms, p99 %.2f ms | %s | %s | p99 <= %.0f ms |"
              % (r["clients"], name, r["count"], r["p50_ms"], r["p99_ms"], base, ratio,
                 CLIENTS_P99_TARGET_MS))


def import_numbers(d):
    r = load(d, "import.json")
    return statistics.median(r["croft"]), statistics.median(r["bare"]), paired_ratio(r), r


def cpu_ratio(r):
    return statistics.median(a / b for a, b in zip(r["croft_cpu"], r["bare_cpu"]))


def cmd_import(d):
    c, b, ratio, r = import_numbers(d)
    print("import: croft vol import of a %d MiB vmdk median %.3f s, bare qemu-img convert median "
          "%.3f s; paired ratio %s (target <= %.2f)%s"
          % (r["mib"], c, b, fmt_ratio(ratio, IMPORT_TARGET), IMPORT_TARGET,
             "" if ratio <= IMPORT_TARGET else "  ABOVE TARGET"))
    print("        croft min/max %.3f/%.3f s, bare min/max %.3f/%.3f s, %d pairs, croft - bare "
          "paired median %+.1f ms"
          % (min(r["croft"]), max(r["croft"]), min(r["bare"]), max(r["bare"]), len(r["croft"]),
             paired_ms(r)))
    if "croft_cpu" in r:
        print("        CPU time (user + system, every process): croft median %.3f s, bare median "
              "%.3f s, paired ratio %.2f"
              % (statistics.median(r["croft_cpu"]), statistics.median(r["bare_cpu"]),
                 cpu_ratio(r)))


def cmd_import_clients(d):
    idle, busy = load(d, "import-clients-idle.json"), load(d, "import-clients-busy.json")
    for name, r in (("idle", idle), ("during imports", busy)):
        print("clients (%s): %d clients, %d vm.list in %.1f s: p50 %.2f ms, p99 %.2f ms, "
              "max %.2f ms" % (name, r["clients"], r["count"], r["secs"], r["p50_ms"],
                               r["p99_ms"], r["max_ms"]))
    print("        p99 during imports / idle: %.2f (target p99 <= %.0f ms)"
          % (busy["p99_ms"] / idle["p99_ms"], CLIENTS_P99_TARGET_MS))


def import_rows(d):
    """Markdown rows for bench/vol_import.sh."""
    if have(d, "import.json"):
        c, b, ratio, r = import_numbers(d)
        print("| `croft vol import` of a %d MiB vmdk to qcow2 (median of %d pairs) | %.3f s (paired: %+.0f ms) | bare `qemu-img convert -O qcow2`: %.3f s | %s | <= %.2f |"
              % (r["mib"], len(r["croft"]), c, paired_ms(r), b, fmt_ratio(ratio, IMPORT_TARGET),
                 IMPORT_TARGET))
        if "croft_cpu" in r:
            print("| the same imports, CPU time of every process involved | %.3f s | bare `qemu-img convert`: %.3f s | %.2f | — |"
                  % (statistics.median(r["croft_cpu"]), statistics.median(r["bare_cpu"]),
                     cpu_ratio(r)))
    if have(d, "import-clients-idle.json") and have(d, "import-clients-busy.json"):
        idle, busy = load(d, "import-clients-idle.json"), load(d, "import-clients-busy.json")
        print("| `vm.list`, %d concurrent clients, 20 VMs, while imports run (%d requests) | p50 %.2f ms, p99 %.2f ms | idle, same run: p99 %.2f ms | %.2f | p99 <= %.0f ms |"
              % (busy["clients"], busy["count"], busy["p50_ms"], busy["p99_ms"], idle["p99_ms"],
                 busy["p99_ms"] / idle["p99_ms"], CLIENTS_P99_TARGET_MS))


def cmd_rss(d):
    for label, rss, hwm in rss_rows(d):
        print("croftd RSS, %s: VmRSS %s, VmHWM %s" % (label, mib(rss), mib(hwm)))


def cmd_summary(d):
    env = load(d, "env.json")
    print("| Benchmark | croft | Baseline (same run) | Ratio | Target |")
    print("| --- | --- | --- | --- | --- |")
    if have(d, "start.json"):
        c, b, ratio, r = start_numbers(d)
        print("| VM start to running (median of %d, TCG, 1 vCPU, 128M) | %.3f s (paired: %+.1f ms) | bare QEMU, same argv: %.3f s | %s | <= %.2f |"
              % (len(r["croft"]), c, paired_ms(r), b, fmt_ratio(ratio, START_TARGET), START_TARGET))
    read_rows(d)
    import_rows(d)
    if have(d, "rss.txt"):
        for label, rss, hwm in rss_rows(d):
            print("| croftd memory, %s | VmRSS %s, VmHWM %s | — | — | — |" % (label, mib(rss), mib(hwm)))
    print()
    print("_%s; QEMU %s, TCG; %s CPUs; Debian %s; %s._"
          % (env["date"], env["qemu"], env["cpus"], env["debian"], env["kernel"]))


def main():
    mode, d = sys.argv[1], sys.argv[2]
    if mode == "start":
        cmd_start(d)
    elif mode == "list":
        cmd_list(d, int(sys.argv[3]))
    elif mode == "rss":
        cmd_rss(d)
    elif mode == "clients":
        cmd_clients(d, sys.argv[3:])
    elif mode == "reads":
        read_rows(d)
    elif mode == "import":
        cmd_import(d)
    elif mode == "import-clients":
        cmd_import_clients(d)
    elif mode == "summary":
        cmd_summary(d)
    else:
        sys.exit("unknown mode %s" % mode)


if __name__ == "__main__":
    main()
