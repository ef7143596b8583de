#!/bin/sh
# `ubee xdp|tc|socket` over captures: counters, output packets byte for
# byte (against the kernel's BPF_PROG_TEST_RUN on the same frames where
# bpf() is allowed), pcap and pcapng inputs, broken captures, JSON, usage
# errors. Captures come from tests/tools/pktcap.py.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
t=$T_TMP
TOOLS=tests/tools
EX=$BUILD/examples/bpf
P=$BUILD/bpf/pktpath.v3.o
: "${CC:=cc}"

if [ ! -f "$P" ] || [ ! -f "$EX/xdp_parser.o" ]; then
	skip pkt "no BPF objects in $BUILD (make test builds them)"
	exit 0
fi
python3 $TOOLS/pktcap.py "$t/named.pcap" --raw "$t/raw" || { fail pkt.gen "pktcap.py failed"; exit 1; }
python3 $TOOLS/pktcap.py "$t/named.pcapng" --ng
python3 $TOOLS/pktcap.py "$t/mix.pcap" --count 1000 --vary --raw "$t/mixraw"

# recs FILE: one line per record, "caplen wirelen hex".
recs() {
	python3 - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
le = b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
e = "<" if le else ">"
o = 24
while o + 16 <= len(b):
    _, _, cl, wl = struct.unpack_from(e + "IIII", b, o)
    print(cl, wl, b[o + 16:o + 16 + cl].hex())
    o += 16 + cl
EOF
}

# ---- xdp_parser: counters, and the output against the kernel ------------
out=$("$UBEE" xdp "$EX/xdp_parser.o" --pcap "$t/named.pcap" --stats -w "$t/parser.pcap" 2>"$t/err")
rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '^packets: 23 (' &&
	echo "$out" | grep -q '^  drop      1$' && echo "$out" | grep -q '^  pass      19$' &&
	echo "$out" | grep -q '^  tx        3$' &&
	echo "$out" | grep -q '^return values: XDP_DROP 1 XDP_PASS 19 XDP_TX 3$' &&
	echo "$out" | grep -q "^written: 22 packets to $t/parser.pcap\$" &&
	pass pkt.xdp.parser.counts || fail pkt.xdp.parser.counts "rc $rc: $out $(cat "$t/err")"

# The kernel on each frame: retval and data_out. Passed and transmitted
# frames, as the kernel left them, must be ubee's output in order.
if "$CC" -std=gnu11 -o "$t/kernel_run" $TOOLS/kernel_run.c -lbpf -lelf -lz 2>/dev/null &&
	"$t/kernel_run" "$EX/xdp_parser.o" --program parse --data "$t/raw/0.bin" >/dev/null 2>&1; then
	: >"$t/kexp"
	n=0
	while [ -f "$t/raw/$n.bin" ]; do
		"$t/kernel_run" "$EX/xdp_parser.o" --program parse --data "$t/raw/$n.bin" >"$t/k.json" 2>/dev/null
		python3 - "$t/k.json" >>"$t/kexp" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
if d["retval"] in (2, 3):
    out = d["data_out"]
    # Not cut by a snapshot length: the wire length is the length.
    print(len(out) // 2, len(out) // 2, out)
EOF
		n=$((n + 1))
	done
	recs "$t/parser.pcap" >"$t/uexp"
	if cmp -s "$t/kexp" "$t/uexp"; then
		pass pkt.xdp.parser.vs-kernel
	else
		fail pkt.xdp.parser.vs-kernel "$(diff "$t/kexp" "$t/uexp" | head -n 4)"
	fi
else
	skip pkt.xdp.parser.vs-kernel "the kernel's BPF_PROG_TEST_RUN is not available here"
fi

# pcapng in: the same output (time stamps included) as pcap in.
"$UBEE" xdp "$EX/xdp_parser.o" --pcap "$t/named.pcapng" -w "$t/parser_ng.pcap" 2>"$t/err" &&
	cmp -s "$t/parser.pcap" "$t/parser_ng.pcap" &&
	pass pkt.xdp.pcapng || fail pkt.xdp.pcapng "$(cat "$t/err"; cmp "$t/parser.pcap" "$t/parser_ng.pcap")"

# ---- the test programs over the 1000-frame mix -----------------------------
# What each frame is, from the generator's raw frames.
python3 - "$t/mixraw" >"$t/mixcount" <<'EOF'
import os, sys
d = sys.argv[1]
udp = tcp = ip4 = tcp_len = n = 0
i = 0
while os.path.exists(os.path.join(d, "%d.bin" % i)):
    f = open(os.path.join(d, "%d.bin" % i), "rb").read()
    i += 1
    if f[12:14] == b"\x08\x00":
        ip4 += 1
        udp += f[23] == 17
        if f[23] == 6:
            tcp += 1
            tcp_len += len(f) > 54
print(i, ip4, udp, tcp, tcp_len)
EOF
read -r n ip4 udp tcp tcplong <"$t/mixcount"

out=$("$UBEE" -j xdp "$P" --program xdp_drop_all --pcap "$t/mix.pcap" -w "$t/none.pcap")
echo "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert d['packets'] == $n and d['actions']['drop'] == $n and d['written'] == 0, d
assert d['retvals'] == {'1': $n} and d['complete'] and d['packets_per_second'] > 0, d
" && [ "$(wc -c <"$t/none.pcap")" -eq 24 ] &&
	pass pkt.xdp.drop-all || fail pkt.xdp.drop-all "$out"

out=$("$UBEE" -j xdp "$P" --program xdp_sort --pcap "$t/mix.pcap" -w "$t/sort.pcap" --dump-maps)
echo "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
a = d['actions']
assert a['drop'] == $udp and a['tx'] == $tcp and a['pass'] == $n - $udp - $tcp, a
seen = [m for m in d['maps'] if m['name'] == 'seen'][0]['elements'][0]['value']
assert seen == $n, seen
assert d['written'] == $n - $udp, d
" && pass pkt.xdp.sort || fail pkt.xdp.sort "$out"
# Transmitted frames went out with their MACs swapped.
recs "$t/sort.pcap" | python3 -c "
import sys
for line in sys.stdin:
    cl, wl, h = line.split()
    f = bytes.fromhex(h)
    if f[12:14] == b'\x08\x00' and f[23] == 6:
        # the generator's MACs: 02:..:02 to 02:..:01 now
        assert f[0:12] == bytes.fromhex('020000000001020000000002'), h
" && pass pkt.xdp.sort.tx-bytes || fail pkt.xdp.sort.tx-bytes "swapped MACs not found"

# adjust_head/adjust_tail: 4 bytes before, 4 after, every frame.
"$UBEE" xdp "$P" --program xdp_grow --pcap "$t/named.pcap" -w "$t/grow.pcap" &&
	recs "$t/grow.pcap" | python3 -c "
import os, sys
i = 0
for line in sys.stdin:
    cl, wl, h = line.split()
    orig = open(os.path.join('$t/raw', '%d.bin' % i), 'rb').read()
    assert h == 'feedf00d' + orig.hex() + 'deadbeef', (i, h)
    assert int(cl) == len(orig) + 8 and int(wl) == len(orig) + 8, (cl, wl)
    i += 1
assert i == 23, i
" && pass pkt.xdp.grow || fail pkt.xdp.grow "output frames are not the grown inputs"

# Redirects through a devmap filled from the command line (ifindex 7).
out=$("$UBEE" -j xdp "$P" --program xdp_redirect --pcap "$t/named.pcap" --devmap tx_ports 0 7)
echo "$out" | grep -q '"redirect":23}' && echo "$out" | grep -q '"redirects":\[{"ifindex":7,"packets":23}\]' &&
	pass pkt.xdp.redirect.devmap || fail pkt.xdp.redirect.devmap "$out"
out=$("$UBEE" -j xdp "$P" --program xdp_redirect --pcap "$t/named.pcap")
echo "$out" | grep -q '"drop":23,' && pass pkt.xdp.redirect.empty || fail pkt.xdp.redirect.empty "$out"

# tc: UDP shot, the rest passes unchanged.
out=$("$UBEE" -j tc "$P" --pcap "$t/mix.pcap" -w "$t/tc.pcap")
echo "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert d['program_type'] == 'tc' and d['actions']['drop'] == $udp and d['actions']['pass'] == $n - $udp, d
assert d['retvals'] == {'0': $n - $udp, '2': $udp}, d
" && pass pkt.tc.counts || fail pkt.tc.counts "$out"
recs "$t/tc.pcap" | python3 -c "
import os, sys
i = 0
for line in sys.stdin:
    cl, wl, h = line.split()
    while True:
        f = open(os.path.join('$t/mixraw', '%d.bin' % i), 'rb').read()
        i += 1
        if not (f[12:14] == b'\x08\x00' and f[23] == 17):
            break
    assert h == f.hex(), i
" && pass pkt.tc.output || fail pkt.tc.output "tc output differs from the input"

# socket: non-IPv4 dropped, TCP cut to 54 bytes (wire length kept).
out=$("$UBEE" -j socket "$P" --pcap "$t/mix.pcap" -w "$t/sock.pcap")
echo "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert d['actions']['drop'] == $n - $ip4 and d['actions']['pass'] == $ip4, d
assert d['truncated'] == $tcplong, d
" && recs "$t/sock.pcap" | python3 -c "
import sys
for line in sys.stdin:
    cl, wl, h = line.split()
    f = bytes.fromhex(h)
    if f[23] == 6:
        assert int(cl) == min(54, int(wl)), line
    else:
        assert int(cl) == int(wl), line
" && pass pkt.socket.truncate || fail pkt.socket.truncate "$out"

# ---- captures that are cut or wrong ---------------------------------------
python3 $TOOLS/pktcap.py "$t/cut.pcap" --count 10 --cut-file 5
out=$("$UBEE" -j xdp "$P" --program xdp_drop_all --pcap "$t/cut.pcap" 2>"$t/err")
rc=$?
[ $rc -eq 1 ] && grep -q "^ubee: $t/cut.pcap: packet 10 (byte offset [0-9]*): truncated dump file" "$t/err" &&
	echo "$out" | grep -q '"packets":9,' && echo "$out" | grep -q '"complete":false' &&
	pass pkt.capture.truncated || fail pkt.capture.truncated "rc $rc: $out $(cat "$t/err")"

python3 $TOOLS/pktcap.py "$t/cut.pcapng" --ng --count 5 --cut-file 3
"$UBEE" xdp "$P" --program xdp_drop_all --pcap - <"$t/cut.pcapng" 2>"$t/err"
rc=$?
[ $rc -eq 1 ] && grep -q "^ubee: -: packet 5 (byte offset 400): truncated pcapng dump file" "$t/err" &&
	pass pkt.capture.truncated-pcapng-stdin || fail pkt.capture.truncated-pcapng-stdin "rc $rc: $(cat "$t/err")"

python3 $TOOLS/pktcap.py "$t/badlen.pcap" --count 6 --bad-len 4
out=$("$UBEE" -j xdp "$P" --program xdp_drop_all --pcap "$t/badlen.pcap" 2>"$t/err")
rc=$?
[ $rc -eq 1 ] && grep -q "packet 4 (byte offset [0-9]*): " "$t/err" && echo "$out" | grep -q '"packets":3,' &&
	pass pkt.capture.bad-record || fail pkt.capture.bad-record "rc $rc: $out $(cat "$t/err")"

python3 $TOOLS/pktcap.py "$t/short.pcap" --count 5 --short 2
out=$("$UBEE" -j xdp "$P" --program xdp_drop_all --pcap "$t/short.pcap" 2>"$t/err")
rc=$?
[ $rc -eq 0 ] && grep -q "^ubee: xdp: packet 2: 0: a packet of 10 bytes is shorter than an Ethernet header" "$t/err" &&
	echo "$out" | grep -q '"packets":4,' && echo "$out" | grep -q '"skipped":1,' &&
	pass pkt.capture.short-packet || fail pkt.capture.short-packet "rc $rc: $out $(cat "$t/err")"

# caplen < len: the program sees the captured bytes; the wire length stays.
python3 $TOOLS/pktcap.py "$t/snap.pcap" ipv4_big ipv4_udp --snap 100
"$UBEE" xdp "$P" --program xdp_grow --pcap "$t/snap.pcap" -w "$t/snap_out.pcap" &&
	[ "$(recs "$t/snap_out.pcap" | cut -d' ' -f1,2 | tr '\n' ' ')" = "108 1610 66 66 " ] &&
	pass pkt.capture.snaplen || fail pkt.capture.snaplen "$(recs "$t/snap_out.pcap" | cut -d' ' -f1,2)"

printf 'this is not a capture at all' >"$t/junk.pcap"
"$UBEE" xdp "$P" --pcap "$t/junk.pcap" 2>"$t/err"
rc=$?
[ $rc -eq 1 ] && grep -q "not a capture libpcap can read: unknown file format" "$t/err" &&
	pass pkt.capture.bad-magic || fail pkt.capture.bad-magic "rc $rc: $(cat "$t/err")"

python3 -c '
import struct, sys
open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101) +
    struct.pack("<IIII", 0, 0, 20, 20) + bytes(20))' "$t/raw.pcap"
"$UBEE" xdp "$P" --pcap "$t/raw.pcap" 2>"$t/err"
rc=$?
# (libpcap reads LINKTYPE_RAW 101 as DLT_RAW 12)
[ $rc -eq 1 ] && grep -q "link type 12 is not Ethernet" "$t/err" &&
	pass pkt.capture.linktype || fail pkt.capture.linktype "rc $rc: $(cat "$t/err")"

# ---- options -----------------------------------------------------------------
out=$("$UBEE" -j xdp "$P" --program xdp_drop_all --pcap "$t/mix.pcap" --count 100)
echo "$out" | grep -q '"packets":100,' && pass pkt.opt.count || fail pkt.opt.count "$out"

usage() {
	name=$1
	shift
	"$UBEE" "$@" >/dev/null 2>"$t/err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "^ubee: " "$t/err" && pass "pkt.usage.$name" ||
		fail "pkt.usage.$name" "rc $rc: $(cat "$t/err")"
}
usage no-input xdp "$P"
usage both-inputs xdp "$P" --pcap a --iface b
usage no-object xdp --pcap "$t/mix.pcap"
usage bad-count xdp "$P" --pcap "$t/mix.pcap" --count 0
usage bad-mode xdp "$P" --iface lo --mode warp
usage bad-devmap xdp "$P" --pcap "$t/mix.pcap" --devmap tx_ports x lo
usage unknown xdp "$P" --pcap "$t/mix.pcap" --frobnicate

"$UBEE" tc "$EX/xdp_parser.o" --pcap "$t/mix.pcap" 2>"$t/err"
[ $? -eq 1 ] && grep -q "no tc (sched_cls/sched_act) program in the object" "$t/err" &&
	pass pkt.wrong-type || fail pkt.wrong-type "$(cat "$t/err")"
"$UBEE" xdp "$P" --program tc_no_udp --pcap "$t/mix.pcap" 2>"$t/err"
[ $? -eq 1 ] && grep -q "program 'tc_no_udp' is of type sched_cls, not one \`ubee xdp\` runs" "$t/err" &&
	pass pkt.wrong-program || fail pkt.wrong-program "$(cat "$t/err")"

exit $T_FAILED
