#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Packet generator for the example tests: Ethernet frames written to raw
files, as BPF_PROG_TEST_RUN and `ubee run --data` take them.

A frame is a list of layers, outermost first, each LAYER[:key=value,...]:

  eth      dst=MAC src=MAC type=N          (type follows the next layer)
  vlan     vid=N pcp=N tpid=0x8100|0x88a8  (802.1Q / 802.1ad tag)
  ipv4     src=A dst=A ttl=N id=N tos=N proto=N opts=HEX frag=N df=1
           csum=N (a wrong header checksum on purpose) trunc=N (cut to N
           bytes of header: a malformed frame)
  ipv6     src=A dst=A hlim=N nh=N
  udp      sport=N dport=N
  tcp      sport=N dport=N flags=S|SA|A|... seq=N
  icmp     type=N code=N id=N seq=N
  icmp6    type=N code=N id=N seq=N
  arp      op=N sha=MAC spa=A tha=MAC tpa=A
  payload  hex=HEX | len=N (bytes 0, 1, 2, ...)

Lengths, next-header fields and checksums (IPv4 header, UDP, TCP, ICMP,
ICMPv6) are filled in unless given.

  mkpkt.py -o FILE LAYER...     one frame into FILE
  mkpkt.py --named DIR          the named frames below into DIR/NAME.bin
  mkpkt.py --list               the named frames and their layers
"""
import ipaddress
import os
import struct
import sys

ETH_P = {"ipv4": 0x0800, "arp": 0x0806, "ipv6": 0x86DD, "vlan": 0x8100}
IPPROTO = {"icmp": 1, "tcp": 6, "udp": 17, "icmp6": 58}
TCP_FLAGS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}

DEFAULTS = {
    "eth": {"dst": "02:00:00:00:00:02", "src": "02:00:00:00:00:01"},
    "vlan": {"vid": "1", "pcp": "0", "tpid": "0x8100"},
    "ipv4": {"src": "10.0.0.1", "dst": "10.0.0.2", "ttl": "64", "id": "1",
             "tos": "0", "opts": "", "frag": "0", "df": "0"},
    "ipv6": {"src": "2001:db8::1", "dst": "2001:db8::2", "hlim": "64"},
    "udp": {"sport": "1234", "dport": "53"},
    "tcp": {"sport": "40000", "dport": "80", "flags": "S", "seq": "1"},
    "icmp": {"type": "8", "code": "0", "id": "0x1234", "seq": "1"},
    "icmp6": {"type": "128", "code": "0", "id": "0x1234", "seq": "1"},
    "arp": {"op": "1", "sha": "02:00:00:00:00:01", "spa": "10.0.0.1",
            "tha": "00:00:00:00:00:00", "tpa": "10.0.0.2"},
    "payload": {},
}


def num(s):
    return int(s, 0)


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def csum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def parse_layer(text):
    name, _, args = text.partition(":")
    if name not in DEFAULTS:
        raise SystemExit("mkpkt: unknown layer '%s'" % name)
    opts = dict(DEFAULTS[name])
    for kv in filter(None, args.split(",")):
        k, sep, v = kv.partition("=")
        if not sep:
            raise SystemExit("mkpkt: '%s' in layer %s is not key=value" % (kv, name))
        opts[k] = v
    return name, opts


def build(layers, i=0):
    """The bytes of layers[i:], with the pseudo-header for L4 checksums
    passed down from the IP layer."""
    return _build(layers, i, None)


def _next_type(layers, i):
    if i + 1 >= len(layers):
        return 0
    return layers[i + 1][0]


def _build(layers, i, pseudo):
    if i >= len(layers):
        return b""
    name, o = layers[i]
    nxt = _next_type(layers, i)
    if name == "eth":
        t = num(o["type"]) if "type" in o else (
            num(layers[i + 1][1]["tpid"]) if nxt == "vlan" else ETH_P.get(nxt, 0))
        return mac(o["dst"]) + mac(o["src"]) + struct.pack("!H", t) + _build(layers, i + 1, None)
    if name == "vlan":
        t = num(o["type"]) if "type" in o else (
            num(layers[i + 1][1]["tpid"]) if nxt == "vlan" else ETH_P.get(nxt, 0))
        tci = num(o["pcp"]) << 13 | num(o["vid"])
        return struct.pack("!HH", tci, t) + _build(layers, i + 1, None)
    if name == "arp":
        ip = lambda a: ipaddress.IPv4Address(a).packed
        return (struct.pack("!HHBBH", 1, 0x0800, 6, 4, num(o["op"])) + mac(o["sha"]) +
                ip(o["spa"]) + mac(o["tha"]) + ip(o["tpa"]) + _build(layers, i + 1, None))
    if name == "ipv4":
        src = ipaddress.IPv4Address(o["src"]).packed
        dst = ipaddress.IPv4Address(o["dst"]).packed
        proto = num(o["proto"]) if "proto" in o else IPPROTO.get(nxt, 0xFF)
        opts = bytes.fromhex(o["opts"])
        if len(opts) % 4:
            raise SystemExit("mkpkt: ipv4 opts must be a multiple of 4 bytes")
        body = _build(layers, i + 1, ("v4", src, dst, proto))
        ihl = 5 + len(opts) // 4
        frag = num(o["frag"]) | (0x4000 if num(o["df"]) else 0)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, num(o["tos"]), ihl * 4 + len(body),
                          num(o["id"]), frag, num(o["ttl"]), proto, 0, src, dst) + opts
        c = num(o["csum"]) if "csum" in o else csum(hdr)
        hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
        if "trunc" in o:
            return hdr[:num(o["trunc"])]
        return hdr + body
    if name == "ipv6":
        src = ipaddress.IPv6Address(o["src"]).packed
        dst = ipaddress.IPv6Address(o["dst"]).packed
        nh = num(o["nh"]) if "nh" in o else IPPROTO.get(nxt, 59)
        body = _build(layers, i + 1, ("v6", src, dst, nh))
        return struct.pack("!IHBB16s16s", 6 << 28, len(body), nh, num(o["hlim"]), src, dst) + body
    if name in ("udp", "tcp", "icmp", "icmp6"):
        rest = _build(layers, i + 1, None)
        if name == "udp":
            seg = struct.pack("!HHHH", num(o["sport"]), num(o["dport"]), 8 + len(rest), 0) + rest
            at = 6
        elif name == "tcp":
            flags = sum(TCP_FLAGS[f] for f in o["flags"])
            seg = struct.pack("!HHIIBBHHH", num(o["sport"]), num(o["dport"]), num(o["seq"]),
                              0, 5 << 4, flags, 65535, 0, 0) + rest
            at = 16
        else:
            seg = struct.pack("!BBHHH", num(o["type"]), num(o["code"]), 0,
                              num(o["id"]), num(o["seq"])) + rest
            at = 2
        if name == "icmp":
            c = csum(seg)
        elif pseudo is None:
            c = 0
        else:
            fam, src, dst, proto = pseudo
            if fam == "v4":
                ph = struct.pack("!4s4sBBH", src, dst, 0, proto, len(seg))
            else:
                ph = struct.pack("!16s16sIxxxB", src, dst, len(seg), proto)
            c = csum(ph + seg)
            if name == "udp" and c == 0:
                c = 0xFFFF
        return seg[:at] + struct.pack("!H", c) + seg[at + 2:]
    if name == "payload":
        if "hex" in o:
            data = bytes.fromhex(o["hex"])
        else:
            data = bytes(j & 0xFF for j in range(num(o.get("len", "0"))))
        return data + _build(layers, i + 1, None)
    raise AssertionError(name)


# The named frames the tests use: name -> layers.
NAMED = {
    "ipv4_udp": "eth ipv4 udp payload:len=16",
    "ipv4_tcp": "eth ipv4:dst=192.168.1.10 tcp:sport=40000,dport=80,flags=S",
    "ipv4_tcp_telnet": "eth ipv4:src=10.0.0.9,dst=10.0.0.2 tcp:sport=40001,dport=23,flags=S",
    "ipv4_icmp_echo": "eth ipv4 icmp:type=8,id=0x1234,seq=7 payload:hex=6162636465666768",
    "ipv4_icmp_reply": "eth ipv4 icmp:type=0,id=0x1234,seq=7",
    "ipv4_bad_csum": "eth ipv4:csum=0x1234 udp payload:len=8",
    "ipv4_options": "eth ipv4:opts=01010100,ttl=3 udp:sport=7,dport=9 payload:len=4",
    "ipv4_truncated": "eth ipv4:trunc=10 udp",
    "ipv4_big": "eth ipv4 udp:dport=4789 payload:len=1560",
    "ipv4_fw_deny": "eth ipv4:src=10.9.8.7,dst=10.0.0.2 udp",
    "ipv4_fw_allow": "eth ipv4:src=10.1.2.3,dst=10.0.0.2 tcp:dport=443",
    "ipv4_fw_host": "eth ipv4:src=10.1.2.99,dst=10.0.0.2 tcp:dport=22",
    "ipv4_fw_other": "eth ipv4:src=8.8.8.8,dst=10.0.0.2 udp:sport=53,dport=33000",
    "ipv4_fw_net192": "eth ipv4:src=192.168.7.1,dst=10.0.0.2 icmp",
    "ipv6_udp": "eth ipv6 udp:sport=5353,dport=5353 payload:len=12",
    "ipv6_tcp": "eth ipv6:src=2001:db8:1::10,dst=2001:db8:2::20 tcp:sport=50000,dport=443,flags=SA",
    "ipv6_icmp6": "eth ipv6 icmp6:type=128",
    "arp_request": "eth:dst=ff:ff:ff:ff:ff:ff arp",
    "vlan_ipv4_udp": "eth vlan:vid=100 ipv4:src=172.16.0.1,dst=172.16.0.2 udp:sport=68,dport=67",
    "qinq_ipv6_tcp": "eth vlan:vid=10,tpid=0x88a8 vlan:vid=20 ipv6 tcp:dport=22",
    "vlan_arp": "eth vlan:vid=5 arp:op=2",
    "vlan_icmp_echo": "eth vlan:vid=7 ipv4:src=192.0.2.1,dst=192.0.2.2 icmp:type=8,id=0x4242,seq=1",
    "eth_only": "eth:type=0x88cc payload:len=2",
}


def frame(spec_words):
    return build([parse_layer(w) for w in spec_words])


def main(argv):
    if len(argv) == 2 and argv[0] == "--named":
        os.makedirs(argv[1], exist_ok=True)
        for name, spec in NAMED.items():
            with open(os.path.join(argv[1], name + ".bin"), "wb") as f:
                f.write(frame(spec.split()))
        return 0
    if argv == ["--list"]:
        for name, spec in NAMED.items():
            print("%-16s %s" % (name, spec))
        return 0
    if len(argv) >= 3 and argv[0] == "-o":
        with open(argv[1], "wb") as f:
            f.write(frame(argv[2:]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
