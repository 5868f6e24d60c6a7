#!/usr/bin/env python3
"""
Start-to-running benchmark: `croft vm start` against bare QEMU.

The croft side is the wall time of `croft vm start NAME` (croftd makes the
QMP and serial sockets, forks QEMU as the VM's uid with them as fds, waits
until QEMU serves QMP (SO_PEERCRED), connects QMP and the serial console,
sends cont (QEMU starts paused, -S) and asks query-status; the CLI returns
when the VM is running).  The baseline runs the very argv croftd gave QEMU
(read from /proc/PID/cmdline of a croft-started VM) with its own listening
sockets at the same fd numbers, as the QEMU user through setpriv, in a new
session, and stops the clock when its own QMP client (connected at once:
the connection waits in the backlog) has sent cont and sees query-status
say "running".  Both clocks start just before the first fork and both
include one fork/exec from this script.  Runs are interleaved; the VM is
stopped between runs, outside the timed region.  setpriv costs one exec
more than croftd's fork+setuid+exec; --spawn direct drops privileges in the
forked child instead, and the cost of the chosen way is measured and
reported.

Prints one line of JSON: {"croft": [...], "bare": [...], "spawn": ...,
"spawn_extra": ...}, times in seconds.
"""
import argparse
import fcntl
import json
import os
import select
import socket
import subprocess
import sys
import time


def croft(args, *rest, check=True):
    env = dict(os.environ, CROFT_SOCKET=args.socket)
    return subprocess.run([args.croft, *rest], env=env, check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Qmp:
    """Just enough QMP: greeting, qmp_capabilities, commands; events skipped."""

    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        greeting = self._read()
        if "QMP" not in greeting:
            raise RuntimeError("no QMP greeting: %r" % greeting)
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            m = self._read()
            if "event" in m:
                continue
            if "error" in m:
                raise RuntimeError("QMP %s: %s" % (name, m["error"]))
            return m.get("return")

    def close(self):
        self.sock.close()


def rm_runtime(d):
    for f in ("qmp.sock", "serial.sock"):
        try:
            os.unlink(os.path.join(d, f))
        except FileNotFoundError:
            pass


def listen_at(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(8)
    return s


def chardev_fds(argv):
    """The fd numbers QEMU's argv gives the qmp and serial0 chardevs."""
    fds = {}
    for a in argv:
        for cid in ("qmp", "serial0"):
            head = "socket,id=%s,fd=" % cid
            if a.startswith(head):
                fds[cid] = int(a[len(head):].split(",")[0])
    if set(fds) != {"qmp", "serial0"}:
        sys.exit("no chardev fd= for qmp and serial0 in QEMU's argv: %r" % argv)
    return fds


def croft_run(args):
    t0 = time.perf_counter()
    p = croft(args, "vm", "start", args.name, check=False)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("croft vm start failed: %s" % p.stderr.strip())
    info = json.loads(croft(args, "vm", "info", args.name, "--json").stdout)
    if info.get("state") != "running":
        raise RuntimeError("croft vm start returned with state %s" % info.get("state"))
    croft(args, "vm", "stop", args.name)
    return dt


def setpriv_cmd(args, argv):
    return ["setpriv", "--reuid", args.qemu_user, "--regid", args.qemu_user,
            "--clear-groups", "--no-new-privs", *argv]


def spawn(args, argv, **kw):
    """Run argv as the QEMU user, with setpriv (an extra exec) or, with
    --spawn direct, by dropping privileges between fork and exec as croftd
    does."""
    if args.spawn == "direct":
        return subprocess.Popen(argv, user=args.qemu_user, group=args.qemu_user,
                                extra_groups=[], **kw)
    return subprocess.Popen(setpriv_cmd(args, argv), **kw)


def file_fds(argv, info):
    """The fd numbers croftd gave QEMU for files, and the files: -kernel and
    -initrd name /proc/self/fd/N (sealed copies croftd made; the baseline
    opens the same files).  Disks (-add-fd) are not supported here."""
    files = {}
    for i, a in enumerate(argv[:-1]):
        if a == "-add-fd":
            sys.exit("the benchmark VM must have no disks (its argv has -add-fd)")
        if a in ("-kernel", "-initrd") and argv[i + 1].startswith("/proc/self/fd/"):
            files[int(argv[i + 1][len("/proc/self/fd/"):])] = info[a[1:]]
    return files


def bare_run(args, argv, fds):
    rm_runtime(args.bare_dir)
    socks = {cid: listen_at(os.path.join(args.bare_dir, cid.rstrip("0") + ".sock"))
             for cid in fds}
    # far above the target numbers, so placing one never overwrites another
    high = {cid: fcntl.fcntl(s.fileno(), fcntl.F_DUPFD, 100) for cid, s in socks.items()}
    opened = {n: os.open(path, os.O_RDONLY) for n, path in args.files.items()}
    for n, fd in list(opened.items()):
        opened[n] = fcntl.fcntl(fd, fcntl.F_DUPFD, 100)
        os.close(fd)

    def place():
        for cid, fd in fds.items():
            os.dup2(high[cid], fd)
        for n, fd in opened.items():
            os.dup2(fd, n)

    t0 = time.perf_counter()
    p = spawn(args, argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
              stderr=subprocess.PIPE, umask=0o027, start_new_session=True,
              preexec_fn=place, pass_fds=tuple(fds.values()) + tuple(opened))
    try:
        q = Qmp(os.path.join(args.bare_dir, "qmp.sock"))
        serial = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        serial.connect(os.path.join(args.bare_dir, "serial.sock"))
        q.cmd("cont")
        status = q.cmd("query-status")
        dt = time.perf_counter() - t0
    except (RuntimeError, OSError) as e:
        p.kill()
        raise RuntimeError("bare QEMU failed: %s (%s)" % (e, p.stderr.read().decode(errors="replace").strip()))
    finally:
        for fd in list(high.values()) + list(opened.values()):
            os.close(fd)
        for s in socks.values():
            s.close()
    if status.get("status") != "running":
        raise RuntimeError("bare QEMU is %s, not running" % status.get("status"))
    try:
        q.cmd("quit")
    except RuntimeError:
        pass                        # QEMU may close before answering
    q.close()
    serial.close()
    try:
        p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return dt


def median_time(fn, n=20):
    v = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        v.append(time.perf_counter() - t0)
    return sorted(v)[n // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--croft", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--run-dir", required=True, help="croftd's --run-dir")
    ap.add_argument("--bare-dir", required=True, help="run directory for bare QEMU")
    ap.add_argument("--qemu-user", default="croft-qemu")
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--spawn", choices=("setpriv", "direct"), default="setpriv")
    ap.add_argument("--argv-out", help="write the captured argv here (JSON)")
    args = ap.parse_args()

    # Capture the argv of a croft-started QEMU (this start is a warm-up too).
    croft(args, "vm", "start", args.name)
    info = json.loads(croft(args, "vm", "info", args.name, "--json").stdout)
    with open("/proc/%d/cmdline" % info["pid"], "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0")[:-1]]
    croft(args, "vm", "stop", args.name)

    args.bare_dir = os.path.abspath(args.bare_dir)
    fds = chardev_fds(argv)
    args.files = file_fds(argv, info)
    if args.argv_out:
        with open(args.argv_out, "w") as f:
            json.dump({"croft": argv, "bare": argv, "fds": fds}, f, indent=1)

    # One bare warm-up so neither side pays for cold page cache alone.
    bare_run(args, argv, fds)

    res = {"croft": [], "bare": []}
    for _ in range(args.n):
        res["croft"].append(croft_run(args))
        res["bare"].append(bare_run(args, argv, fds))
    # What the baseline's way of dropping privileges costs by itself
    # (setpriv is one exec more than croftd's fork, setuid, exec).
    res["spawn"] = args.spawn
    res["spawn_extra"] = (median_time(lambda: spawn(args, ["true"]).wait()) -
                          median_time(lambda: subprocess.run(["true"], check=True)))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
