#!/usr/bin/env python3
"""serial.py SOCKET LOG TIMEOUT PROMPT [COMMAND...] — drive a VM's serial line.

Connects to QEMU's serial chardev (a unix socket), copies everything the
guest prints to LOG, waits up to TIMEOUT seconds for PROMPT (a regular
expression, e.g. the autologin shell's prompt), then types each COMMAND
followed by a marker echo and waits for its marker, so the output of every
command lands in LOG in order.  Exit status 0 when every marker was seen,
1 on a timeout (LOG says how far it got).
"""
import re
import socket
import sys
import time


def main():
    if len(sys.argv) < 5:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    path, log_path, timeout, prompt = sys.argv[1:5]
    commands = sys.argv[5:]
    deadline = time.monotonic() + float(timeout)
    sock = None
    while sock is None:
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
        except OSError:
            sock = None
            if time.monotonic() > deadline:
                print(f"serial.py: cannot connect to {path}", file=sys.stderr)
                return 1
            time.sleep(0.2)
    sock.settimeout(0.5)
    seen = b""
    with open(log_path, "ab", buffering=0) as log:
        def wait_for(pattern, poke=False):
            nonlocal seen
            last_poke = 0.0
            while time.monotonic() < deadline:
                m = re.search(pattern, seen)
                if m:
                    seen = seen[m.end():]
                    return True
                if poke and time.monotonic() - last_poke > 10:
                    sock.sendall(b"\r")
                    last_poke = time.monotonic()
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    return False
                log.write(data)
                seen += data
            return False

        if not wait_for(prompt.encode(), poke=True):
            print(f"serial.py: no prompt /{prompt}/ within {timeout}s", file=sys.stderr)
            return 1
        for i, cmd in enumerate(commands):
            marker = f"CROFT-CMD-{i}-DONE"
            sock.sendall(f"{cmd}; echo {marker[:9]}''{marker[9:]} rc=$?\r".encode())
            if not wait_for(rf"{marker} rc=\d+".encode()):
                print(f"serial.py: command {cmd!r} did not finish", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
