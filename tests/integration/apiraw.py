#!/usr/bin/python3
"""apiraw.py — send raw lines to croftd's API socket, print what comes back.

usage: apiraw.py [--socket PATH] [--no-hello] [--idle SECS] [LINE ...]

Connects to PATH (default $CROFT_SOCKET), sends the handshake
{"id":"hello","op":"hello","args":{"version":1}} unless --no-hello, then
sends each LINE followed by a newline.  After each line it reads replies:
when the line is a JSON object with an "id", until the reply carrying that
id (or a reply without any id, which answers a malformed line) arrives, or
30 s pass; otherwise until nothing has arrived for SECS
(default 1).  Every line received is printed on stdout as is; "EOF" is
printed when croftd closes the connection.  A LINE of the form @big:N is
replaced by a syntactically valid request line N bytes long, and one of
the form @pad:N:TEXT by N bytes of 'x' followed by TEXT (same line).
Exits 0 unless the socket cannot be opened (exit 3, message on stderr).
"""
import json
import os
import select
import socket
import sys
import time


def big_line(n):
    head = '{"id":"big","op":"vm.info","args":{"name":"'
    tail = '"}}'
    return head + "x" * max(0, n - len(head) - len(tail)) + tail


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.eof = False

    def send(self, line):
        data = line.encode("utf-8", "surrogateescape") + b"\n"
        self.s.sendall(data)

    def read_line(self, timeout):
        """One line, or None after timeout / at EOF."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            if self.eof:
                return None
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return None
            try:
                chunk = self.s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.eof = True
                print("EOF", flush=True)
                if self.buf:
                    rest, self.buf = self.buf, b""
                    return rest.decode("utf-8", "replace")
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")


def request_id(line):
    try:
        v = json.loads(line)
    except ValueError:
        return None
    if isinstance(v, dict) and "id" in v:
        return v["id"]
    return None


def main(argv):
    path = os.environ.get("CROFT_SOCKET", "/run/croft/croftd.sock")
    hello = True
    idle = 1.0
    lines = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--socket":
            path = argv[i + 1]
            i += 2
            continue
        if a == "--no-hello":
            hello = False
        elif a == "--idle":
            idle = float(argv[i + 1])
            i += 1
        else:
            lines.append(a)
        i += 1
    try:
        c = Conn(path)
    except OSError as e:
        print("apiraw: cannot connect to %s: %s" % (path, e), file=sys.stderr)
        return 3
    if hello:
        lines.insert(0, '{"id":"hello","op":"hello","args":{"version":1,"client":"apiraw"}}')
    for line in lines:
        if line.startswith("@big:"):
            line = big_line(int(line[5:]))
            want = None  # the overlong line's reply has no id
        elif line.startswith("@pad:"):
            n, rest = line[5:].split(":", 1)
            line = "x" * int(n) + rest
            want = None
        else:
            want = request_id(line)
        try:
            c.send(line)
        except OSError as e:
            # croftd may have answered and closed already (a refused peer):
            # print what it sent before giving up.
            print("apiraw: send failed: %s" % e, file=sys.stderr)
            while not c.eof:
                r = c.read_line(idle)
                if r is None:
                    break
                print(r, flush=True)
            break
        if want is not None:
            end = time.monotonic() + 30
            while time.monotonic() < end and not c.eof:
                r = c.read_line(end - time.monotonic())
                if r is None:
                    continue
                print(r, flush=True)
                try:
                    v = json.loads(r)
                except ValueError:
                    continue
                if not isinstance(v, dict) or "ok" not in v:
                    continue
                # our reply, or a line-level error (no id) answering this line
                if v.get("id") == want or "id" not in v:
                    break
        else:
            while not c.eof:
                r = c.read_line(idle)
                if r is None:
                    break
                print(r, flush=True)
        if c.eof:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
