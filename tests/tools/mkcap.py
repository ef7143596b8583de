#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Capture generator for the filter tests: a deterministic mix of many
protocols written as a pcap (microsecond or nanosecond) or pcapng file.

  mkcap.py -o FILE [--count N] [--seed N] [--format pcap|pcap-ns|pcapng]
           [--link ether|raw]

The mix: ARP, IPv4 and IPv6 with TCP (all flag combinations, well-known
and random ports), UDP (DNS, NTP, random), ICMP, ICMPv6 (echo, neighbour
discovery), SCTP, IGMP, GRE; IPv4 options and fragments (first and later
pieces); IPv6 extension headers (hop-by-hop, routing, destination options,
fragment) chained in front of the transport; 802.1Q VLAN tags and QinQ
(0x88a8 outer); 802.3 LLC frames; broadcast and multicast destinations;
odd EtherTypes; addresses from a handful of networks so that host and net
filters match some packets. One packet in eight is captured short
(caplen < len), some down to a few bytes. --link raw writes LINKTYPE_RAW
(IP packets with no link-layer header) instead of Ethernet.
"""
import argparse
import ipaddress
import random
import struct
import sys

NETS4 = ["10.0.0.", "10.1.2.", "192.168.1.", "172.16.5.", "8.8.8.", "224.0.0."]
NETS6 = ["2001:db8::", "2001:db8:1::", "fe80::", "2a00:1450::", "ff02::"]
MACS = ["02:00:00:00:00:01", "02:00:00:00:00:02", "00:11:22:33:44:55",
        "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01", "33:33:00:00:00:01"]
PORTS = [20, 21, 22, 23, 25, 53, 67, 68, 80, 123, 137, 161, 443, 514, 1024,
         1900, 3306, 5353, 8080, 40000, 65535]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, seq):
        return self.r.choice(seq)

    # Half the hosts come from a few well-known numbers, so that host
    # filters select something.
    def ip4(self):
        host = self.pick([1, 2, 5, 6, 10, 251]) if self.r.random() < 0.5 else self.r.randint(1, 254)
        return self.pick(NETS4) + str(host)

    def ip6(self):
        host = self.pick([1, 2]) if self.r.random() < 0.5 else self.r.randint(1, 0xFFFF)
        return self.pick(NETS6) + "%x" % host

    def port(self):
        return self.pick(PORTS) if self.r.random() < 0.7 else self.r.randint(1, 65535)

    def payload(self, hi=64):
        if self.r.random() < 0.05:
            hi = 1400
        n = self.r.randint(0, hi)
        if n >= 4 and self.r.random() < 0.2:
            return b"GET " + bytes(self.r.randint(32, 126) for _ in range(n - 4))
        return bytes(self.r.randint(0, 255) for _ in range(n))

    # ---- transports ----------------------------------------------------
    def tcp(self):
        flags = self.r.randint(0, 0x3F) if self.r.random() < 0.5 else \
            self.pick([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14])
        opts = b"" if self.r.random() < 0.6 else struct.pack("!BBH", 2, 4, 1460) + b"\x01\x01\x04\x02"
        hdr = struct.pack("!HHIIBBHHH", self.port(), self.port() if self.r.random() < 0.7 else 80, self.r.getrandbits(32),
                          self.r.getrandbits(32), (5 + len(opts) // 4) << 4, flags,
                          self.r.randint(0, 65535), 0, 0)
        return 6, hdr + opts + self.payload()

    def udp(self):
        pl = self.payload()
        return 17, struct.pack("!HHHH", self.port(), self.port(), 8 + len(pl), 0) + pl

    def icmp(self):
        t = self.pick([0, 3, 8, 11, 13, 5])
        body = struct.pack("!BBHHH", t, self.r.randint(0, 3), 0, self.r.randint(0, 65535), 1) + self.payload(32)
        return 1, body

    def icmp6(self):
        t = self.pick([128, 129, 133, 134, 135, 136, 1])
        return 58, struct.pack("!BBHI", t, 0, 0, self.r.getrandbits(32)) + self.payload(24)

    def sctp(self):
        return 132, struct.pack("!HHII", self.port(), self.port(), self.r.getrandbits(32), 0) + \
            struct.pack("!BBH", 1, 0, 20) + bytes(16)

    def igmp(self):
        return 2, struct.pack("!BBH4s", 0x16, 0, 0, ipaddress.IPv4Address("224.0.0.251").packed)

    def gre(self):
        inner = self.ipv4_packet(self.pick([self.tcp, self.udp]))
        return 47, struct.pack("!HH", 0, 0x0800) + inner

    def transport(self, v6):
        kinds = [self.tcp, self.tcp, self.udp, self.udp, self.sctp]
        kinds += [self.icmp6] if v6 else [self.icmp, self.igmp, self.gre]
        return self.pick(kinds)

    # ---- network layer --------------------------------------------------
    def ipv4_packet(self, fn):
        proto, body = fn()
        opts = b""
        if self.r.random() < 0.15:
            opts = bytes([7, 7, 4, 0, 0, 0, 0, 1])  # record route, padded
        frag = 0
        if self.r.random() < 0.15:
            frag = self.pick([0x2000, 0x2000 | self.r.randint(1, 200), self.r.randint(1, 500)])
        elif self.r.random() < 0.5:
            frag = 0x4000  # DF
        hl = 5 + len(opts) // 4
        ttl = self.pick([1, 64, 128, 255])
        dst = self.ip4() if self.r.random() < 0.95 else "255.255.255.255"
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | hl, self.r.randint(0, 255) & 0xFC,
                          hl * 4 + len(body), self.r.randint(0, 65535), frag, ttl, proto, 0,
                          ipaddress.IPv4Address(self.ip4()).packed,
                          ipaddress.IPv4Address(dst).packed) + opts
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return hdr + body

    def ipv6_packet(self, fn):
        proto, body = fn()
        # Extension headers in front of the transport, innermost last.
        for _ in range(self.pick([0, 0, 0, 1, 1, 2, 3])):
            kind = self.pick([0, 43, 60, 44])
            if kind == 44:
                ext = struct.pack("!BBHI", proto, 0, self.r.randint(0, 0xFFFF) & 0xFFF9 |
                                  self.r.randint(0, 1), self.r.getrandbits(32))
            elif kind == 43:
                ext = struct.pack("!BBBB", proto, 2, 0, 1) + bytes(4) + \
                    ipaddress.IPv6Address(self.ip6()).packed
            else:
                ext = struct.pack("!BB", proto, 0) + bytes([1, 4, 0, 0, 0, 0])
            proto, body = kind, ext + body
        hdr = struct.pack("!IHBB", 0x60000000 | self.r.getrandbits(20), len(body), proto,
                          self.pick([1, 64, 255]))
        hdr += ipaddress.IPv6Address(self.ip6()).packed + ipaddress.IPv6Address(self.ip6()).packed
        return hdr + body

    def arp(self):
        mac = bytes.fromhex(self.pick(MACS[:3]).replace(":", ""))
        return struct.pack("!HHBBH", 1, 0x0800, 6, 4, self.pick([1, 2])) + mac + \
            ipaddress.IPv4Address(self.ip4()).packed + bytes(6) + \
            ipaddress.IPv4Address(self.ip4()).packed

    # ---- frames ---------------------------------------------------------
    def l3(self):
        """(EtherType, bytes) of a network-layer packet."""
        r = self.r.random()
        if r < 0.45:
            return 0x0800, self.ipv4_packet(self.transport(False))
        if r < 0.8:
            return 0x86DD, self.ipv6_packet(self.transport(True))
        if r < 0.9:
            return 0x0806, self.arp()
        return self.pick([0x88CC, 0x8863, 0x9000, 0x0842]), self.payload(46)

    def frame(self):
        dst = bytes.fromhex(self.pick(MACS).replace(":", ""))
        src = bytes.fromhex(self.pick(MACS[:3]).replace(":", ""))
        if self.r.random() < 0.05:  # 802.3 with an LLC header
            body = bytes([0x42, 0x42, 0x03]) + self.payload(40)
            return dst + src + struct.pack("!H", len(body)) + body
        etype, body = self.l3()
        tags = b""
        r = self.r.random()
        if r < 0.15:
            tags = struct.pack("!HH", 0x8100, self.pick([1, 100, 200, 4095]) |
                               self.r.randint(0, 7) << 13)
        elif r < 0.2:
            tags = struct.pack("!HHHH", 0x88A8, self.pick([10, 100]), 0x8100,
                               self.pick([100, 300]))
        return dst + src + tags + struct.pack("!H", etype) + body

    def raw(self):
        if self.r.random() < 0.55:
            return self.ipv4_packet(self.transport(False))
        return self.ipv6_packet(self.transport(True))


def write(path, fmt, link, packets):
    linktype = 1 if link == "ether" else 101
    with open(path, "wb") as f:
        if fmt == "pcapng":
            shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
            idb = struct.pack("<IIHHI", 1, 20, linktype, 0, 65535) + struct.pack("<I", 20)
            f.write(shb + idb)
        else:
            magic = 0xA1B23C4D if fmt == "pcap-ns" else 0xA1B2C3D4
            f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 65535, linktype))
        for i, (data, wirelen) in enumerate(packets):
            sec, frac = 1700000000 + i // 1000, (i % 1000) * 1000 + 7
            if fmt == "pcapng":
                ts = sec * 1000000 + frac
                pad = (-len(data)) % 4
                blen = 32 + len(data) + pad
                f.write(struct.pack("<IIIIIII", 6, blen, 0, ts >> 32, ts & 0xFFFFFFFF,
                                    len(data), wirelen) + data + bytes(pad) + struct.pack("<I", blen))
            else:
                if fmt == "pcap-ns":
                    frac *= 1000
                f.write(struct.pack("<IIII", sec, frac, len(data), wirelen) + data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", required=True)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=["pcap", "pcap-ns", "pcapng"], default="pcap")
    ap.add_argument("--link", choices=["ether", "raw"], default="ether")
    a = ap.parse_args()
    g = Gen(a.seed)
    packets = []
    for _ in range(a.count):
        data = g.frame() if a.link == "ether" else g.raw()
        if len(data) < 60 and a.link == "ether" and g.r.random() < 0.8:
            data += bytes(60 - len(data))  # Ethernet padding
        wirelen = len(data)
        if g.r.random() < 0.125:  # captured short
            data = data[:g.r.randint(1, max(1, len(data) - 1))]
        packets.append((data, wirelen))
    write(a.o, a.format, a.link, packets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
