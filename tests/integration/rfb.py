#!/usr/bin/python3
"""rfb.py — a minimal VNC (RFB 3.8) client for croft's display tests.

usage: rfb.py HOST PORT PASSWORD

Connects, reads the server's banner, asks for VNC authentication (type 2),
answers the challenge with PASSWORD (DES, as RFB does it) and prints one
line: "banner RFB 003.008", then "auth ok" or "auth failed: REASON", or
"connect failed: ERROR" / "no vnc auth offered: TYPES".  Exits 0 when
authentication succeeded, 1 when it failed, 2 when the connection did.
"""
import socket
import struct
import sys

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        part = s.recv(n - len(buf))
        if not part:
            raise EOFError("the server closed the connection")
        buf += part
    return buf


def vnc_response(password, challenge):
    # RFB's DES key: the password's bytes with each byte's bits reversed.
    key = bytes(int("{:08b}".format(b)[::-1], 2) for b in password.encode()[:8].ljust(8, b"\0"))
    enc = Cipher(TripleDES(key), modes.ECB()).encryptor()
    return enc.update(challenge) + enc.finalize()


def main():
    host, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    try:
        s = socket.create_connection((host, port), timeout=10)
        banner = recv_exact(s, 12)
    except (OSError, EOFError) as e:
        print("connect failed: %s" % e)
        return 2
    print("banner %s" % banner.decode(errors="replace").strip())
    s.sendall(b"RFB 003.008\n")
    n = recv_exact(s, 1)[0]
    if n == 0:
        reason_len = struct.unpack(">I", recv_exact(s, 4))[0]
        print("connect failed: %s" % recv_exact(s, reason_len).decode(errors="replace"))
        return 2
    types = list(recv_exact(s, n))
    if 2 not in types:
        print("no vnc auth offered: %s" % types)
        return 2
    s.sendall(b"\x02")
    challenge = recv_exact(s, 16)
    s.sendall(vnc_response(password, challenge))
    result = struct.unpack(">I", recv_exact(s, 4))[0]
    if result == 0:
        print("auth ok")
        return 0
    try:
        reason_len = struct.unpack(">I", recv_exact(s, 4))[0]
        reason = recv_exact(s, reason_len).decode(errors="replace")
    except (OSError, EOFError):
        reason = "(no reason)"
    print("auth failed: %s" % reason)
    return 1


if __name__ == "__main__":
    sys.exit(main())
