#!/usr/bin/env python3
"""netdraw.py — a test driver that speaks croft-netd's protocol directly.

The protocol is common/netd_proto.h: one fixed-size struct netd_msg per
SOCK_SEQPACKET packet, host byte order, addresses in network byte order.
This driver packs the structs with `struct` (layout checked against the
header's sizes below) so tests can drive netd without croftd.

  netdraw.py SOCK apply STATE.json   send HELLO, the whole state, COMMIT
  netdraw.py SOCK check NET.json     CHECK_NET for one network
  netdraw.py SOCK uplink             DEFAULT_UPLINK
  netdraw.py SOCK leases             LEASES, one "NET MAC IP EXPIRES HOST" line each
  netdraw.py SOCK protocol           malformed sequences; asserts netd's answers
  netdraw.py SOCK hello VERSION      HELLO with any version

Replies: status 0 prints the text on stdout and exits 0; an error prints
"netd: TEXT (status N)" on stderr and exits 1; a connection or usage
problem exits 2.

STATE.json: {"nets": [{"id": 1, "mode": "nat"|"host-only"|"bridged",
  "name": "lan", "subnet": "10.0.0.0/24", "gateway": "10.0.0.1",
  "dhcp": "10.0.0.2-10.0.0.254", "uplink": "uplink0"}],
 "nics": [{"id": 1, "net": 1, "mac": "52:54:00:00:00:01", "vlan": 0,
  "ip": "10.0.0.5", "rate": 0, "uid": 0, "vm": "web"}],
 "fwds": [{"id": 1, "net": 1, "proto": "tcp", "host_port": 8080,
  "guest_port": 80, "guest_ip": "10.0.0.5"}]}
Missing keys default to zero / empty.
"""
import json
import socket
import struct
import sys

MSG_SIZE = 528          # sizeof(struct netd_msg) on x86-64
PROTO_VERSION = 2

(HELLO, STATE_BEGIN, STATE_NET, STATE_NIC, STATE_FWD, STATE_COMMIT, CHECK_NET,
 DEFAULT_UPLINK, LEASES, REPLY, LEASE, END) = range(1, 13)
MODES = {"nat": 1, "host-only": 2, "bridged": 3}
PROTOS = {"tcp": 6, "udp": 17}

NET_FMT = "=II64s4sI4s4s4s16sI"    # struct netd_net, 112 bytes
NIC_FMT = "=II6sH4sII64s"          # struct netd_nic, 92 bytes
FWD_FMT = "=IIIHH4s"               # struct netd_fwd, 20 bytes
LEASE_FMT = "=I6s2x4sq64s"         # struct netd_lease, 88 bytes
REPLY_FMT = "=i512s"

assert struct.calcsize(NET_FMT) == 112
assert struct.calcsize(NIC_FMT) == 92
assert struct.calcsize(FWD_FMT) == 20
assert struct.calcsize(LEASE_FMT) == 88


class Netd:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(30)
        self.s.connect(path)
        self.seq = 0

    def send(self, mtype, body=b"", seq=None, size=MSG_SIZE):
        if seq is None:
            self.seq += 1
            seq = self.seq
        pkt = struct.pack("=II", mtype, seq) + body
        pkt = pkt.ljust(size, b"\0")[:size]
        self.s.send(pkt)
        return seq

    def recv(self):
        pkt = self.s.recv(MSG_SIZE + 64)
        if len(pkt) != MSG_SIZE:
            raise SystemExit("netdraw: got a %d-byte packet, expected %d" % (len(pkt), MSG_SIZE))
        mtype, seq = struct.unpack_from("=II", pkt)
        return mtype, seq, pkt[8:]

    def reply(self):
        mtype, seq, body = self.recv()
        if mtype != REPLY:
            raise SystemExit("netdraw: expected a REPLY, got message type %d" % mtype)
        status, text = struct.unpack_from(REPLY_FMT, body)
        return seq, status, text.split(b"\0", 1)[0].decode(errors="replace")

    def hello(self, version=PROTO_VERSION):
        seq = self.send(HELLO, struct.pack("=I", version))
        rseq, status, text = self.reply()
        assert rseq == seq, "HELLO reply seq %d != %d" % (rseq, seq)
        return status, text


def ip4(s):
    return socket.inet_aton(s or "0.0.0.0")


def cstr(s, size):
    b = s.encode() if isinstance(s, str) else s
    return b[:size]


def pack_net(n):
    subnet, prefix = (n.get("subnet") or "0.0.0.0/0").split("/")
    first, last = (n.get("dhcp") or "0.0.0.0-0.0.0.0").split("-")
    return struct.pack(NET_FMT, n.get("id", 0), MODES.get(n.get("mode"), n.get("mode_num", 0)),
                       cstr(n.get("name", ""), 64), ip4(subnet), int(n.get("prefix", prefix)),
                       ip4(n.get("gateway")), ip4(first), ip4(last), cstr(n.get("uplink", ""), 16),
                       n.get("host_access", 0))


def pack_nic(c):
    mac = bytes(int(x, 16) for x in c.get("mac", "00:00:00:00:00:00").split(":"))
    return struct.pack(NIC_FMT, c.get("id", 0), c.get("net", 0), mac, c.get("vlan", 0),
                       ip4(c.get("ip")), c.get("rate", 0), c.get("uid", 0),
                       cstr(c.get("vm", ""), 64))


def pack_fwd(f):
    return struct.pack(FWD_FMT, f.get("id", 0), f.get("net", 0),
                       PROTOS.get(f.get("proto"), f.get("proto_num", 0)),
                       f.get("host_port", 0), f.get("guest_port", 0), ip4(f.get("guest_ip")))


def finish(status, text):
    if status == 0:
        print(text)
        return 0
    print("netd: %s (status %d)" % (text, status), file=sys.stderr)
    return 1


def cmd_apply(d, path):
    with open(path) as f:
        st = json.load(f)
    nets, nics, fwds = st.get("nets", []), st.get("nics", []), st.get("fwds", [])
    status, text = d.hello()
    if status:
        return finish(status, text)
    d.send(STATE_BEGIN, struct.pack("=III", len(nets), len(nics), len(fwds)))
    for n in nets:
        d.send(STATE_NET, pack_net(n))
    for c in nics:
        d.send(STATE_NIC, pack_nic(c))
    for f in fwds:
        d.send(STATE_FWD, pack_fwd(f))
    seq = d.send(STATE_COMMIT)
    rseq, status, text = d.reply()
    if rseq != seq:
        raise SystemExit("netdraw: COMMIT reply has seq %d, expected %d" % (rseq, seq))
    return finish(status, text)


def cmd_check(d, path):
    with open(path) as f:
        net = json.load(f)
    d.hello()
    seq = d.send(CHECK_NET, pack_net(net))
    rseq, status, text = d.reply()
    assert rseq == seq
    return finish(status, text)


def cmd_uplink(d):
    d.hello()
    d.send(DEFAULT_UPLINK)
    _, status, text = d.reply()
    return finish(status, text)


def cmd_leases(d):
    d.hello()
    seq = d.send(LEASES)
    while True:
        mtype, rseq, body = d.recv()
        assert rseq == seq, "lease answer seq %d != %d" % (rseq, seq)
        if mtype == END:
            return 0
        if mtype == REPLY:
            status, text = struct.unpack_from(REPLY_FMT, body)
            return finish(status, text.split(b"\0", 1)[0].decode())
        assert mtype == LEASE, "unexpected message type %d" % mtype
        net, mac, ip, exp, host = struct.unpack_from(LEASE_FMT, body)
        print("%d %s %s %d %s" % (net, ":".join("%02x" % b for b in mac),
                                 socket.inet_ntoa(ip), exp,
                                 host.split(b"\0", 1)[0].decode() or "*"))


def expect(d, seq, want_status, want_text):
    rseq, status, text = d.reply()
    ok = (rseq == seq and (status == 0) == (want_status == 0) and want_text in text)
    print("%s: seq %d status %d: %s" % ("ok" if ok else "FAILED", rseq, status, text))
    if not ok:
        raise SystemExit("netdraw: expected seq %d, %s status, text containing %r"
                         % (seq, "zero" if want_status == 0 else "an error", want_text))


def cmd_protocol(path):
    """Protocol violations, each on the wire, each answered precisely."""
    d = Netd(path)
    # before HELLO
    expect(d, d.send(DEFAULT_UPLINK), -1, "before HELLO")
    # wrong version
    seq = d.send(HELLO, struct.pack("=I", 99))
    expect(d, seq, -1, "version 99 is not supported")
    status, _ = d.hello()
    assert status == 0
    # a short packet and an oversized one
    expect(d, d.send(DEFAULT_UPLINK, size=100), -1, "a message of 100 bytes")
    expect(d, d.send(DEFAULT_UPLINK, size=MSG_SIZE + 8), -1, "a message of 536 bytes")
    # unknown type; netd's own types
    expect(d, d.send(77), -1, "unknown message type 77")
    expect(d, d.send(REPLY), -1, "REPLY is netd's message")
    # state messages outside a transfer
    expect(d, d.send(STATE_NET, pack_net({"id": 1})), -1, "STATE_NET outside a state transfer")
    expect(d, d.send(STATE_COMMIT), -1, "STATE_COMMIT without STATE_BEGIN")
    # counts that do not match: one REPLY, to the COMMIT
    d.send(STATE_BEGIN, struct.pack("=III", 2, 0, 0))
    d.send(STATE_NET, pack_net({"id": 1, "mode": "host-only", "name": "a", "subnet": "10.9.0.0/24",
                                "gateway": "10.9.0.1", "dhcp": "10.9.0.2-10.9.0.9"}))
    expect(d, d.send(STATE_COMMIT), -1, "after 1 of 2 networks")
    # too many; and a wrong-size packet inside: first problem wins, rest ignored
    d.send(STATE_BEGIN, struct.pack("=III", 0, 0, 0))
    d.send(STATE_NET, pack_net({"id": 1}))
    d.send(STATE_NIC, b"", size=12)
    expect(d, d.send(STATE_COMMIT), -1, "more networks than STATE_BEGIN announced")
    # order: a network after a NIC
    d.send(STATE_BEGIN, struct.pack("=III", 1, 1, 0))
    d.send(STATE_NIC, pack_nic({"id": 1, "net": 1}))
    d.send(STATE_NET, pack_net({"id": 1}))
    expect(d, d.send(STATE_COMMIT), -1, "send networks, then NICs, then forwards")
    # a request inside a transfer: answered at once, and the transfer fails
    d.send(STATE_BEGIN, struct.pack("=III", 0, 0, 0))
    expect(d, d.send(LEASES), -1, "LEASES inside a state transfer")
    expect(d, d.send(STATE_COMMIT), -1, "LEASES inside a state transfer")
    # unterminated name, too many announced
    bad = pack_net({"id": 1, "mode": "host-only", "subnet": "10.9.0.0/24", "gateway": "10.9.0.1",
                    "dhcp": "10.9.0.2-10.9.0.9"})
    bad = bad[:8] + b"x" * 64 + bad[72:]
    d.send(STATE_BEGIN, struct.pack("=III", 1, 0, 0))
    d.send(STATE_NET, bad)
    expect(d, d.send(STATE_COMMIT), -1, "name is not NUL-terminated")
    d.send(STATE_BEGIN, struct.pack("=III", 100000, 0, 0))
    expect(d, d.send(STATE_COMMIT), -1, "announces 100000 networks")
    # CHECK_NET with a bad prefix
    expect(d, d.send(CHECK_NET, pack_net({"id": 1, "mode": "nat", "name": "x", "uplink": "uplink0",
                                          "subnet": "10.0.0.0/31", "gateway": "10.0.0.1",
                                          "dhcp": "10.0.0.1-10.0.0.1"})), -1,
           "the prefix must be between /8 and /30, not /31")
    # the connection still works
    expect(d, d.send(DEFAULT_UPLINK), 0, "")
    print("protocol: all answers as expected")
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sock, cmd, args = argv[1], argv[2], argv[3:]
    try:
        if cmd == "protocol":
            return cmd_protocol(sock)
        d = Netd(sock)
        if cmd == "apply" and len(args) == 1:
            return cmd_apply(d, args[0])
        if cmd == "check" and len(args) == 1:
            return cmd_check(d, args[0])
        if cmd == "uplink" and not args:
            return cmd_uplink(d)
        if cmd == "leases" and not args:
            return cmd_leases(d)
        if cmd == "hello" and len(args) == 1:
            return finish(*d.hello(int(args[0])))
    except (OSError, socket.timeout) as e:
        print("netdraw: %s: %s" % (sock, e), file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
