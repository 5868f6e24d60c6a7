#!/usr/bin/env python3
"""
import_pairs.py — the paired runs of bench/vol_import.sh: `croft vol import`
of SRC against bare `qemu-img convert -f vmdk -O qcow2 SRC` into the same
file system, N pairs, the order alternating, a sync before each run.

    import_pairs.py --croft CROFT --croftd-pid PID --src SRC --bare-dir DIR
                    --mib MIB -n N OUT.json

Wall time of each, and CPU time: bare's is the child's (user + system);
croft's is the CLI's plus what croftd and the children it reaped (qemu-img
info, the qemu-img convert that does the copy, the probe) used meanwhile, from
/proc/PID/stat (utime, stime, cutime, cstime), read after the volume is
deleted, when croftd has reaped them all.
"""
import argparse
import json
import os
import resource
import subprocess
import time

TICK = os.sysconf("SC_CLK_TCK")


def croftd_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the ")": state is field 3, utime 14 .. cstime 17 (1-based)
    return sum(int(x) for x in fields[11:15]) / TICK


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def croft_run(a, i):
    name = "default/b%d" % i
    os.sync()
    c0, d0 = children_cpu(), croftd_cpu(a.croftd_pid)
    t0 = time.monotonic()
    subprocess.run([a.croft, "vol", "import", name, "--from", a.src], check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    subprocess.run([a.croft, "vol", "delete", name], check=True, stdout=subprocess.DEVNULL)
    time.sleep(0.2)                      # every child is reaped
    return wall, children_cpu() - c0 + croftd_cpu(a.croftd_pid) - d0


def bare_run(a, i):
    out = os.path.join(a.bare_dir, "b%d.qcow2" % i)
    os.sync()
    c0 = children_cpu()
    t0 = time.monotonic()
    subprocess.run(["qemu-img", "convert", "-f", "vmdk", "-O", "qcow2", a.src, out], check=True)
    wall = time.monotonic() - t0
    cpu = children_cpu() - c0
    os.unlink(out)
    return wall, cpu


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--croft", required=True)
    p.add_argument("--croftd-pid", type=int, required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--bare-dir", required=True)
    p.add_argument("--mib", type=int, required=True)
    p.add_argument("-n", type=int, default=5)
    p.add_argument("out")
    a = p.parse_args()
    r = {"mib": a.mib, "croft": [], "bare": [], "croft_cpu": [], "bare_cpu": []}
    for i in range(a.n):
        order = (croft_run, bare_run) if i % 2 else (bare_run, croft_run)
        for fn in order:
            wall, cpu = fn(a, i)
            key = "croft" if fn is croft_run else "bare"
            r[key].append(wall)
            r[key + "_cpu"].append(cpu)
    with open(a.out, "w") as f:
        json.dump(r, f)


if __name__ == "__main__":
    main()
