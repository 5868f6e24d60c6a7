#!/usr/bin/env python3
"""
Guest pause of a snapshot: croft's QMP sequences against plain
`snapshot-save`, on one QEMU per RAM size, in the same run.

For each RAM size a TCG guest (the test guest: kernel + busybox initrd,
a qcow2 disk) boots, fills 60 % of its RAM with non-zero data on a tmpfs
(zero pages cost nothing to save), and then, interleaved, RUNS times each:

  disk        croft's disk-only snapshot (core/snap.c): stop, one QMP
              transaction of blockdev-snapshot-internal-sync, cont
  ram-bg      croft's RAM snapshot (core/vmstate.c), method
              background-snapshot: migrate-set-capabilities, getfd of the
              state file, stop, the transaction, migrate fd: (QEMU 7.2
              restarts the guest itself once the RAM is write-protected)
  ram-stopped the same with method "stopped" (the fallback): an ordinary
              migration of the stopped guest, cont once it completed
  savevm      the baseline: snapshot-save of RAM and disk into the qcow2

Each command is sent after the previous one's reply, as croftd does.  The
pause is QEMU's own timestamps: RESUME's minus STOP's.  The snapshots and
state files are deleted between runs, outside the measurement.  QEMU runs
as root here (userfaultfd needs root or vm.unprivileged_userfaultfd=1).

With --shim LIB, a second QEMU per size then runs as the product runs it:
an unprivileged user (--uid, default nobody), croftd's -sandbox, and
/dev/userfaultfd opened by root and inherited with LD_PRELOAD=LIB and
CROFT_UFFD_FD (core/vm_uffd.h), vm.unprivileged_userfaultfd untouched; on
it, interleaved, RUNS times each:

  ram-bg-shim   the ram-bg sequence
  savevm-shim   snapshot-save, the baseline on that QEMU

Prints one JSON object: {"<MiB>": {"disk": [ms...], ...}, ...}.
"""
import argparse
import array
import json
import os
import socket
import subprocess
import sys
import time


class Qmp:
    """QMP with events kept (name, timestamp) and fd passing."""

    def __init__(self, path, timeout=120.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        self._read()
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, command, fd=None, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        data = json.dumps(msg).encode() + b"\n"
        if fd is None:
            self.sock.sendall(data)
        else:
            self.sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                        array.array("i", [fd]))])
        while True:
            m = self._read()
            if "event" in m:
                ts = m["timestamp"]
                self.events.append((m["event"], ts["seconds"] + ts["microseconds"] / 1e6,
                                    m.get("data")))
                continue
            if "error" in m:
                raise RuntimeError("QMP %s: %s" % (command, m["error"]["desc"]))
            return m.get("return")

    def wait_event(self, pred, secs=600):
        end = time.time() + secs
        while time.time() < end:
            for e in self.events:
                if pred(e):
                    return e
            m = self._read()
            if "event" in m:
                ts = m["timestamp"]
                self.events.append((m["event"], ts["seconds"] + ts["microseconds"] / 1e6,
                                    m.get("data")))
        raise RuntimeError("no such event within %d s" % secs)

    def pause_ms(self):
        stop = [t for e, t, _ in self.events if e == "STOP"]
        resume = [t for e, t, _ in self.events if e == "RESUME"]
        if len(stop) != 1 or len(resume) != 1:
            raise RuntimeError("wanted one STOP and one RESUME, got %r" % self.events)
        return (resume[0] - stop[0]) * 1000.0


class Serial:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.settimeout(1.0)
        self.seen = b""

    def wait(self, pat, secs):
        end = time.time() + secs
        while time.time() < end:
            try:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise RuntimeError("serial console closed")
                self.seen += chunk
            except socket.timeout:
                pass
            if pat.encode() in self.seen:
                return
        raise RuntimeError("%r not on the serial console after %d s (last: %r)"
                           % (pat, secs, self.seen[-300:]))

    def run(self, line):
        self.sock.sendall(line.encode() + b"\n")


SANDBOX = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"


def boot(args, d, mib, shim=None):
    """shim: (library, uid) for the product's unprivileged QEMU, else root's."""
    disk = os.path.join(d, "disk-%d.qcow2" % mib)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk, "1G"], check=True)
    qmp, ser = os.path.join(d, "qmp-%d.sock" % mib), os.path.join(d, "serial-%d.sock" % mib)
    argv = ["qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
            "-machine", "q35,accel=tcg", "-cpu", "max", "-smp", "1", "-m", str(mib),
            "-name", "croft-bench-snapshot-%s" % d,
            "-kernel", os.path.join(args.guest, "vmlinuz"),
            "-initrd", os.path.join(args.guest, "initrd.img"),
            "-append", "console=ttyS0 no_timer_check quiet",
            "-blockdev", "node-name=disk0,driver=qcow2,file.driver=file,file.filename=" + disk,
            "-device", "virtio-blk-pci,drive=disk0",
            "-chardev", "socket,id=qmp,path=%s,server=on,wait=off" % qmp,
            "-mon", "chardev=qmp,mode=control",
            "-chardev", "socket,id=s0,path=%s,server=on,wait=off" % ser,
            "-serial", "chardev:s0"]
    if shim is None:
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    else:
        lib, uid = shim
        os.chown(d, uid, uid)
        os.chown(disk, uid, uid)
        dev = os.open("/dev/userfaultfd", os.O_RDWR)
        env = dict(os.environ, LD_PRELOAD=lib, CROFT_UFFD_FD=str(dev))
        argv += ["-sandbox", SANDBOX]
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, pass_fds=(dev,), env=env,
                             user=uid, group=uid, extra_groups=[])
        os.close(dev)
    for _ in range(100):
        if os.path.exists(ser) and os.path.exists(qmp):
            break
        time.sleep(0.1)
    s = Serial(ser)
    q = Qmp(qmp)
    s.wait("CROFT-GUEST: ready", 300)
    s.run("")
    time.sleep(1)
    fill = mib * 6 // 10
    # 16 MiB of text, then whole chunks copied by cat (yes | head alone
    # crawls under TCG)
    s.run("mkdir -p /fill; mount -t tmpfs -o size=%dm none /fill; "
          "yes 0123456789abcdef | head -c 16777216 > /fill/c; "
          "for i in $(seq %d); do cat /fill/c; done > /fill/f; rm /fill/c; "
          "echo FILL-DONE-$?-$((40+2))" % (fill + 32, fill // 16))
    s.wait("FILL-DONE-0-42", 600)
    return p, q, disk


def ev_reset(q):
    q.events = []


def run_disk(q, tag):
    ev_reset(q)
    q.cmd("stop")
    q.cmd("transaction", actions=[{"type": "blockdev-snapshot-internal-sync",
                                   "data": {"device": "disk0", "name": tag}}])
    q.cmd("cont")
    q.wait_event(lambda e: e[0] == "RESUME")
    ms = q.pause_ms()
    q.cmd("blockdev-snapshot-delete-internal-sync", device="disk0", name=tag)
    return ms


def run_ram(q, d, tag, bg):
    path = os.path.join(d, "state")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    ev_reset(q)
    q.cmd("migrate-set-capabilities", capabilities=[
        {"capability": "events", "state": True},
        {"capability": "background-snapshot", "state": bg}])
    q.cmd("migrate-set-parameters", **{"max-bandwidth": 64 << 30})
    q.cmd("getfd", fd=fd, fdname="croft-vmstate")
    os.close(fd)
    q.cmd("stop")
    q.cmd("transaction", actions=[{"type": "blockdev-snapshot-internal-sync",
                                   "data": {"device": "disk0", "name": tag}}])
    q.cmd("migrate", uri="fd:croft-vmstate")
    q.wait_event(lambda e: e[0] == "MIGRATION" and e[2]["status"] in
                 ("completed", "failed", "cancelled"))
    st = q.cmd("query-migrate")
    if st["status"] != "completed":
        raise RuntimeError("migration %s: %s" % (st["status"], st.get("error-desc")))
    if not any(e[0] == "RESUME" for e in q.events):
        q.cmd("cont")
        q.wait_event(lambda e: e[0] == "RESUME")
    ms = q.pause_ms()
    size = os.path.getsize(path)
    os.unlink(path)
    q.cmd("blockdev-snapshot-delete-internal-sync", device="disk0", name=tag)
    return ms, size


def run_savevm(q, tag, n):
    ev_reset(q)
    job = "save%d" % n
    q.cmd("snapshot-save", **{"job-id": job, "tag": tag, "vmstate": "disk0",
                              "devices": ["disk0"]})
    q.wait_event(lambda e: e[0] == "JOB_STATUS_CHANGE" and e[2]["id"] == job
                 and e[2]["status"] == "concluded")
    jobs = [j for j in q.cmd("query-jobs") if j["id"] == job]
    q.cmd("job-dismiss", id=job)
    if jobs and jobs[0].get("error"):
        raise RuntimeError("snapshot-save: %s" % jobs[0]["error"])
    q.wait_event(lambda e: e[0] == "RESUME")
    ms = q.pause_ms()
    dj = "del%d" % n
    q.cmd("snapshot-delete", **{"job-id": dj, "tag": tag, "devices": ["disk0"]})
    q.wait_event(lambda e: e[0] == "JOB_STATUS_CHANGE" and e[2]["id"] == dj
                 and e[2]["status"] == "concluded")
    q.cmd("job-dismiss", id=dj)
    return ms


def quit_qemu(p, q):
    try:
        q.cmd("quit")
    except Exception:
        pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()


def log_round(mib, n, res, keys):
    print("%d MiB run %d: %s" % (mib, n, {k: round(res[k][-1], 1) for k in keys}),
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guest", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="256,1024")
    ap.add_argument("--shim", help="croft-qemu-uffd.so: also the unprivileged QEMU")
    ap.add_argument("--uid", type=int, default=65534)
    args = ap.parse_args()
    out = {}
    for mib in [int(x) for x in args.sizes.split(",")]:
        p, q, _ = boot(args, args.dir, mib)
        res = {"disk": [], "ram-bg": [], "ram-stopped": [], "savevm": [], "state_bytes": 0}
        try:
            for n in range(args.runs):
                res["disk"].append(run_disk(q, "d%d" % n))
                ms, size = run_ram(q, args.dir, "b%d" % n, True)
                res["ram-bg"].append(ms)
                res["state_bytes"] = size
                ms, _ = run_ram(q, args.dir, "s%d" % n, False)
                res["ram-stopped"].append(ms)
                res["savevm"].append(run_savevm(q, "v%d" % n, n))
                log_round(mib, n, res, ("disk", "ram-bg", "ram-stopped", "savevm"))
        finally:
            quit_qemu(p, q)
        if args.shim:
            d = os.path.join(args.dir, "shim-%d" % mib)
            os.mkdir(d)
            p, q, _ = boot(args, d, mib, (args.shim, args.uid))
            res["ram-bg-shim"], res["savevm-shim"] = [], []
            try:
                for n in range(args.runs):
                    ms, _ = run_ram(q, args.dir, "u%d" % n, True)
                    res["ram-bg-shim"].append(ms)
                    res["savevm-shim"].append(run_savevm(q, "w%d" % n, n))
                    log_round(mib, n, res, ("ram-bg-shim", "savevm-shim"))
            finally:
                quit_qemu(p, q)
        out[str(mib)] = res
    print(json.dumps(out))


if __name__ == "__main__":
    main()
