#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Captures for the packet-path tests and benchmarks: pcap or pcapng
files of frames built by mkpkt.py (same directory).

  pktcap.py OUT [options] [FRAME ...]

A FRAME is a mkpkt.py layer list in one argument ("eth ipv4 udp") or
the name of one of mkpkt.py's named frames ("ipv4_icmp_echo").
Without FRAMEs: every named frame, in mkpkt.py's order.

  --count N        write N records, cycling through the frames
  --vary           vary addresses and ports per record (seeded, repeatable)
  --ng             pcapng instead of pcap
  --nsec           pcap with nanosecond time stamps
  --snap N         cut every record to N captured bytes (caplen < len)
  --cut-file N     drop the last N bytes of the file (a truncated capture)
  --bad-len K      record K (1-based) claims a captured length over the
                   snapshot length (a malformed capture)
  --short K        record K is 10 bytes: shorter than an Ethernet header
  --raw DIR        also write each distinct frame to DIR/<i>.bin
Time stamps: record i at 1700000000 s + i * 1001 us (+ 7 ns with --nsec).
"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkpkt  # noqa: E402


def frames_from(args):
    if not args:
        return [mkpkt.frame(s.split()) for s in mkpkt.NAMED.values()]
    out = []
    for a in args:
        spec = mkpkt.NAMED.get(a, a)
        out.append(mkpkt.frame(spec.split()))
    return out


def vary(i, rng):
    """A frame of the realistic mix: mostly TCP/UDP over IPv4, some IPv6,
    ICMP, ARP and VLAN, addresses and ports from rng."""
    a = "10.%d.%d.%d" % (rng.randrange(4), rng.randrange(256), 1 + rng.randrange(254))
    b = "192.168.%d.%d" % (rng.randrange(4), 1 + rng.randrange(254))
    sp, dp = 1024 + rng.randrange(60000), rng.choice([22, 53, 80, 443, 8080, 3306])
    n = rng.randrange(100)
    pl = "payload:len=%d" % rng.choice([0, 6, 18, 100, 512, 1400])
    if n < 45:
        spec = "eth ipv4:src=%s,dst=%s tcp:sport=%d,dport=%d,flags=%s %s" % (
            a, b, sp, dp, rng.choice(["S", "SA", "A", "PA", "FA"]), pl)
    elif n < 70:
        spec = "eth ipv4:src=%s,dst=%s udp:sport=%d,dport=%d %s" % (a, b, sp, dp, pl)
    elif n < 80:
        spec = "eth ipv6:src=2001:db8::%x,dst=2001:db8:1::%x tcp:sport=%d,dport=%d %s" % (
            rng.randrange(65536), rng.randrange(65536), sp, dp, pl)
    elif n < 87:
        spec = "eth ipv4:src=%s,dst=%s icmp:type=8,seq=%d payload:len=32" % (a, b, i & 0xffff)
    elif n < 92:
        spec = "eth:dst=ff:ff:ff:ff:ff:ff arp:spa=%s,tpa=%s" % (a, b)
    elif n < 97:
        spec = "eth vlan:vid=%d ipv4:src=%s,dst=%s udp:sport=%d,dport=%d %s" % (
            1 + rng.randrange(4094), a, b, sp, dp, pl)
    else:
        spec = "eth ipv6 icmp6:type=128"
    return mkpkt.frame(spec.split())


def pcap_header(nsec, snap):
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snap, 1)


def pcap_record(i, data, wire, nsec, caplen=None):
    sec = 1700000000 + (i * 1001) // 1000000
    sub = (i * 1001) % 1000000
    if nsec:
        sub = sub * 1000 + 7
    cl = len(data) if caplen is None else caplen
    return struct.pack("<IIII", sec, sub, cl, wire) + data


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def ng_block(btype, body):
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng_header(snap):
    shb = ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = ng_block(1, struct.pack("<HHI", 1, 0, snap))
    return shb + idb


def pcapng_record(i, data, wire, caplen=None):
    ts = (1700000000 * 1000000) + i * 1001  # microseconds (if_tsresol 6)
    cl = len(data) if caplen is None else caplen
    body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, cl, wire) + pad4(data)
    return ng_block(6, body)


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    out, args = argv[0], argv[1:]
    opts = {"count": None, "vary": False, "ng": False, "nsec": False,
            "snap": None, "cut-file": 0, "bad-len": 0, "short": 0, "raw": None}
    frames_args = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--vary", "--ng", "--nsec"):
            opts[a[2:]] = True
        elif a in ("--count", "--snap", "--cut-file", "--bad-len", "--short"):
            opts[a[2:]] = int(args[i + 1])
            i += 1
        elif a == "--raw":
            opts["raw"] = args[i + 1]
            i += 1
        else:
            frames_args.append(a)
        i += 1
    rng = random.Random(7)
    base = frames_from(frames_args)
    count = opts["count"] if opts["count"] is not None else len(base)
    snap = opts["snap"] or 65535
    buf = [pcapng_header(snap) if opts["ng"] else pcap_header(opts["nsec"], snap)]
    if opts["raw"]:
        os.makedirs(opts["raw"], exist_ok=True)
    for k in range(count):
        data = vary(k, rng) if opts["vary"] else base[k % len(base)]
        if opts["raw"] and (opts["vary"] or k < len(base)):
            with open(os.path.join(opts["raw"], "%d.bin" % k), "wb") as f:
                f.write(data)
        wire = len(data)
        caplen = None
        if opts["short"] == k + 1:
            data = data[:10]
        if opts["snap"]:
            data = data[:opts["snap"]]
        if opts["bad-len"] == k + 1:
            caplen = 0x7FFFFFF0
        if opts["ng"]:
            buf.append(pcapng_record(k, data, wire, caplen))
        else:
            buf.append(pcap_record(k, data, wire, opts["nsec"], caplen))
    blob = b"".join(buf)
    if opts["cut-file"]:
        blob = blob[:-opts["cut-file"]]
    with open(out, "wb") as f:
        f.write(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
