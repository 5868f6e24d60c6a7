#!/usr/bin/env python3
"""expect.py SOCKET LOG STEP... — a small expect over a VM's serial line.

Connects to QEMU's serial chardev (a unix socket; retried until it is
there), copies everything the guest prints to LOG, and runs the steps in
order:
  expect:SECS:REGEX   wait up to SECS seconds for REGEX (Python syntax) in
                      what arrived since the last match
  send:TEXT           type TEXT (backslash escapes: \\r, \\x1b, ...)
  poke:SECS:REGEX     as expect, typing a carriage return every 10 s
Exit status 0 when every step passed, 1 at the first expect that timed
out (stderr names it; LOG has what arrived).
"""
import codecs
import re
import socket
import sys
import time


def connect(path, secs):
    deadline = time.monotonic() + secs
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.settimeout(0.5)
            return s
        except OSError:
            if time.monotonic() > deadline:
                return None
            time.sleep(0.2)


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    path, log_path = sys.argv[1:3]
    sock = connect(path, 60)
    if sock is None:
        print(f"expect.py: cannot connect to {path}", file=sys.stderr)
        return 1
    seen = b""
    with open(log_path, "ab", buffering=0) as log:
        for step in sys.argv[3:]:
            kind, _, rest = step.partition(":")
            if kind == "send":
                sock.sendall(codecs.decode(rest, "unicode_escape").encode("latin-1"))
                continue
            secs, _, pattern = rest.partition(":")
            deadline = time.monotonic() + float(secs)
            last_poke = time.monotonic()
            rx = re.compile(pattern.encode())
            while True:
                m = rx.search(seen)
                if m:
                    seen = seen[m.end():]
                    break
                now = time.monotonic()
                if now > deadline:
                    print(f"expect.py: no /{pattern}/ within {secs}s", file=sys.stderr)
                    return 1
                if kind == "poke" and now - last_poke > 10:
                    sock.sendall(b"\r")
                    last_poke = now
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    print(f"expect.py: the line closed while waiting for /{pattern}/", file=sys.stderr)
                    return 1
                log.write(data)
                seen += data
    return 0


if __name__ == "__main__":
    sys.exit(main())
