#!/bin/sh
# `ubee filter` against tcpdump: for every expression below, the packets
# ubee selects from generated captures (tests/tools/mkcap.py: many
# protocols, VLAN and QinQ tags, IPv6 extension headers, fragments,
# truncated packets; pcap, nanosecond pcap and pcapng; Ethernet and raw IP)
# must be byte for byte the file `tcpdump -r IN -w OUT EXPRESSION` writes.
# Also: the engines agree, --cbpf takes tcpdump -dd/-ddd output, invalid
# expressions give libpcap's message, broken captures name the packet.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
t=$T_TMP

if ! command -v tcpdump >/dev/null 2>&1; then
	skip filter "tcpdump is not installed (scripts/deps.sh)"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	skip filter "python3 is not installed"
	exit 0
fi
gen() { python3 tests/tools/mkcap.py "$@" || fail filter.gen "mkcap.py $*"; }
gen -o "$t/eth.pcap" --count 3000 --seed 1
gen -o "$t/eth.pcapng" --count 1500 --seed 2 --format pcapng
gen -o "$t/eth-ns.pcap" --count 800 --seed 3 --format pcap-ns
gen -o "$t/raw.pcap" --count 1000 --seed 4 --link raw
caps_eth="eth.pcap eth.pcapng eth-ns.pcap"

# Packet records in a pcap file.
count() {
	python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
o, n = 24, 0
while o + 16 <= len(d):
    o += 16 + struct.unpack_from("<I", d, o + 8)[0]
    n += 1
print(n)' "$1"
}

# same NAME CAPTURE EXPRESSION [ubee options]: ubee's output is tcpdump's.
# Prints nothing when equal, else the reason.
same() {
	cap=$1 expr=$2
	shift 2
	rm -f "$t/td.pcap" "$t/ub.pcap"
	tcpdump -r "$t/$cap" -w "$t/td.pcap" "$expr" 2>"$t/td.err"
	tdrc=$?
	"$UBEE" filter "$expr" -r "$t/$cap" -w "$t/ub.pcap" "$@" 2>"$t/ub.err"
	ubrc=$?
	if [ $tdrc -ne 0 ] || [ $ubrc -ne 0 ]; then
		echo "$cap: tcpdump exit $tdrc ($(cat "$t/td.err" | tail -1)), ubee exit $ubrc ($(cat "$t/ub.err"))"
	elif ! cmp -s "$t/td.pcap" "$t/ub.pcap"; then
		echo "$cap: ubee selects $(count "$t/ub.pcap") packets, tcpdump $(count "$t/td.pcap")"
	fi
}

exprs=$t/exprs
cat > "$exprs" <<'EOF'
ip
ip6
arp
rarp
tcp
udp
icmp
icmp6
sctp
igmp
ip proto gre
ip proto 47
ip6 proto 17
ether proto 0x88cc
ether proto \ip
llc
not llc
vlan
vlan 100
vlan 4095
vlan 1 or vlan 200
vlan and ip
vlan and ip6 and tcp
vlan 100 and udp port 53
vlan 10 and vlan 300
vlan and vlan
not vlan and tcp
port 53
port 80 or port 443
tcp port 22
udp port 123
tcp dst port 80
udp src port 5353
src port 40000
dst port 65535
portrange 1-1024
portrange 0-100
tcp portrange 20-25
udp dst portrange 1000-2000
ip6 and portrange 40000-65535
sctp port 80
host 10.0.0.1
src host 192.168.1.10
dst host 8.8.8.8
host 224.0.0.251
net 10.0.0.0/8
net 10.1.2.0/24
src net 192.168.0.0/16
dst net 172.16.5.0 mask 255.255.255.0
not net 10.0.0.0/8
ip host 10.0.0.5 or ip host 10.0.0.6
host 2001:db8::1
src host fe80::1
net 2001:db8::/32
dst net ff02::/16
ip6 net 2001:db8:1::/48
ether host 02:00:00:00:00:01
ether src 00:11:22:33:44:55
ether dst ff:ff:ff:ff:ff:ff
ether broadcast
ether multicast
not ether multicast
ip multicast
ip6 multicast
ip broadcast
tcp[13] & 2 != 0
tcp[13] = 0x12
tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn
tcp[tcpflags] & tcp-rst != 0
tcp[tcpflags] & (tcp-fin|tcp-push|tcp-urg) = (tcp-fin|tcp-push|tcp-urg)
ip[6:2] & 0x1fff = 0
ip[6:2] & 0x1fff != 0
ip[6] & 0x20 != 0
ip[6] & 0x40 != 0
ip[0] & 0xf > 5
ip[8] = 1
ip[1] & 0xfc = 0
ip[2:2] > 100
ip6[6] = 44
ip6[6] = 0 and ip6[40] = 17
udp[4:2] > 20
udp[8:2] = 0
tcp[2:2] < 1024
tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420
icmp[icmptype] = icmp-echo
icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply
icmp6[icmp6type] = icmp6-echo
icmp6[0] = 135
ether[12:2] = 0x86dd
ether[0] & 1 = 1
ether[14] = 0x45
ether[20:4] & 0xffff0000 = 0
len > 100
len <= 60
len = 54
greater 200
less 64
greater 64 and less 128
tcp and not port 22
udp or icmp
not ip and not ip6
not (tcp or udp)
(tcp or udp) and (port 53 or port 443)
ip and (tcp[2:2] > 1000 or udp)
ip and ip[8] = 64 and not ip multicast
arp and ether src 02:00:00:00:00:01
arp[6:2] = 2
tcp and (ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2)) != 0
ip and ip[2:2] * 2 > 200
ip and ip[2:2] / 4 = 16
ip and ip[2:2] % 7 = 3
ip and (ip[9] ^ 6) = 0
ip and (ip[2:2] & 0xff | 0x100) > 0x180
ip and -ip[8] & 0xff = 0xc0
udp and udp[4:2] - 8 = 0
tcp or udp or icmp or icmp6 or arp or sctp
ip6 and not ip6 multicast and ip6[53] & 0x3f != 0

EOF

n=0
while IFS= read -r e; do
	[ -n "$e" ] || continue
	n=$((n + 1))
	why=""
	for c in $caps_eth; do
		r=$(same "$c" "$e")
		[ -n "$r" ] && why="$why $r"
	done
	if [ -z "$why" ]; then pass "filter.expr '$e'"; else fail "filter.expr '$e'" "$why"; fi
done < "$exprs"

# Raw IP captures (no link-layer header).
for e in ip ip6 tcp "udp port 53" "net 10.0.0.0/8" "ip[6:2] & 0x1fff != 0" \
	 "ip6[6] = 17" "len > 80" "tcp[13] & 2 != 0" "host fe80::1 or host 10.0.0.1"; do
	r=$(same raw.pcap "$e")
	[ -z "$r" ] && pass "filter.raw '$e'" || fail "filter.raw '$e'" "$r"
done

# Every engine: the interpreter, the checked interpreter, the JIT.
for e in "tcp port 80" "vlan 100 and udp" "ip[6:2] & 0x1fff != 0" "ip6 and ip6[6] = 44" \
	 "ip and ip[2:2] / 4 = 16" "len > 100 or arp"; do
	for o in "--engine interp" "--checked" "--engine jit"; do
		r=$(same eth.pcap "$e" $o)
		[ -z "$r" ] && pass "filter.engine '$e' $o" || fail "filter.engine '$e' $o" "$r"
	done
done

# An empty expression selects everything.
r=$(same eth.pcapng "")
[ -z "$r" ] && pass filter.empty-expr || fail filter.empty-expr "$r"
# Several words make one expression, as with tcpdump.
tcpdump -r "$t/eth.pcap" -w "$t/td.pcap" tcp and port 80 2>/dev/null
"$UBEE" filter -r "$t/eth.pcap" -w "$t/ub.pcap" tcp and port 80
cmp -s "$t/td.pcap" "$t/ub.pcap" && pass filter.words || fail filter.words "outputs differ"

# -c counts; without -w the count is printed too; -j as JSON.
want=$(tcpdump -r "$t/eth.pcap" -w - udp 2>/dev/null | python3 -c '
import struct, sys
d = sys.stdin.buffer.read(); o, n = 24, 0
while o + 16 <= len(d):
    o += 16 + struct.unpack_from("<I", d, o + 8)[0]; n += 1
print(n)')
got=$("$UBEE" filter udp -r "$t/eth.pcap" -c)
[ "$got" = "$want" ] && [ "$want" -gt 0 ] && pass filter.count || fail filter.count "ubee $got, tcpdump $want"
got=$("$UBEE" -j filter udp -r "$t/eth.pcap")
[ "$got" = "{\"packets\":3000,\"selected\":$want}" ] && pass filter.json || fail filter.json "got $got"

# --cbpf: tcpdump -dd and -ddd output.
e="ip6 and tcp port 443 or vlan"
tcpdump -r "$t/eth.pcap" -w "$t/td.pcap" "$e" 2>/dev/null
for d in dd ddd; do
	tcpdump -r "$t/eth.pcap" -$d "$e" > "$t/prog.$d" 2>/dev/null
	"$UBEE" filter --cbpf "$t/prog.$d" -r "$t/eth.pcap" -w "$t/ub.pcap" 2>"$t/err"
	cmp -s "$t/td.pcap" "$t/ub.pcap" && pass "filter.cbpf-$d" || fail "filter.cbpf-$d" "$(cat "$t/err")"
done
printf '{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 9, 0x00000800 },\n' > "$t/bad.dd"
"$UBEE" filter --cbpf "$t/bad.dd" -r "$t/eth.pcap" 2>"$t/err"
rc=$?
[ $rc -eq 1 ] && grep -q "^ubee: filter: 1: jump out of range (jt +0, jf +9)" "$t/err" &&
	pass filter.cbpf-invalid || fail filter.cbpf-invalid "exit $rc: $(cat "$t/err")"
printf '{ 0x28, 0, 0 },\n' > "$t/bad.dd"
"$UBEE" filter --cbpf "$t/bad.dd" -r "$t/eth.pcap" 2>"$t/err"
rc=$?
[ $rc -eq 1 ] && grep -q "bad.dd: line 1: expected ','" "$t/err" &&
	pass filter.cbpf-syntax || fail filter.cbpf-syntax "exit $rc: $(cat "$t/err")"

# -d prints the classic program as tcpdump -d does, then the eBPF.
"$UBEE" filter -d "tcp port 80" -r "$t/eth.pcap" -c > "$t/d.out"
tcpdump -d "tcp port 80" -r "$t/eth.pcap" 2>/dev/null > "$t/td.d"
sed -n '/^classic BPF/,/^eBPF/p' "$t/d.out" | sed '1d;$d' > "$t/ub.d"
if cmp -s "$t/td.d" "$t/ub.d" && grep -q '^    0: r6 = r1$' "$t/d.out" &&
	grep -q 'r0 = \*(u16 \*)skb\[0xc\]' "$t/d.out"; then
	pass filter.dump
else
	fail filter.dump "$(head -5 "$t/d.out")"
fi

# Invalid expressions: libpcap's message, exit 1.
for e in "tcp port" "host 999.1.1.1" "vlan 5000" "ip[0:3] = 1" "foo" \
	 "ip6 and tcp[13] & 2 != 0" "ip broadcast and"; do
	tdmsg=$(tcpdump -r "$t/eth.pcap" -w /dev/null "$e" 2>&1 >/dev/null | sed -n 's/^tcpdump: //p' | tail -1)
	"$UBEE" filter "$e" -r "$t/eth.pcap" -c >/dev/null 2>"$t/err"
	rc=$?
	if [ $rc -eq 1 ] && [ -n "$tdmsg" ] && [ "$(cat "$t/err")" = "ubee: filter: $tdmsg" ]; then
		pass "filter.invalid '$e'"
	else
		fail "filter.invalid '$e'" "exit $rc: $(cat "$t/err") (tcpdump: $tdmsg)"
	fi
done

# libpcap's protochain loops backwards, which classic BPF as the kernel
# checks it cannot: refused with the instruction named.
"$UBEE" filter "ip6 protochain 6" -r "$t/eth.pcap" -c 2>"$t/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^ubee: filter: [0-9]*: backward jump (ja -[0-9]*): classic BPF jumps only forward" "$t/err" &&
	pass filter.protochain-refused || fail filter.protochain-refused "exit $rc: $(cat "$t/err")"

# Usage errors exit 2.
"$UBEE" filter tcp 2>/dev/null; rc=$?
[ $rc -eq 2 ] && pass filter.usage-no-input || fail filter.usage-no-input "exit $rc"
"$UBEE" filter tcp -r "$t/eth.pcap" --bogus 2>/dev/null; rc=$?
[ $rc -eq 2 ] && pass filter.usage-option || fail filter.usage-option "exit $rc"
"$UBEE" filter tcp -r "$t/eth.pcap" --checked --engine jit 2>/dev/null; rc=$?
[ $rc -eq 2 ] && pass filter.usage-checked-jit || fail filter.usage-checked-jit "exit $rc"

# Missing and malformed captures.
"$UBEE" filter tcp -r "$t/none.pcap" -c 2>"$t/err"; rc=$?
[ $rc -eq 1 ] && grep -q "none.pcap" "$t/err" && pass filter.no-file || fail filter.no-file "exit $rc: $(cat "$t/err")"
printf 'not a capture file at all' > "$t/junk.pcap"
"$UBEE" filter tcp -r "$t/junk.pcap" -c 2>"$t/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^ubee: filter: unknown file format" "$t/err" &&
	pass filter.bad-magic || fail filter.bad-magic "exit $rc: $(cat "$t/err")"
# Cut in the middle of a record: the packets before it are written (as
# tcpdump writes them) and the error names the packet.
head -c 5000 "$t/eth.pcap" > "$t/cut.pcap"
tcpdump -r "$t/cut.pcap" -w "$t/td.pcap" 2>/dev/null
"$UBEE" filter -r "$t/cut.pcap" -w "$t/ub.pcap" "" 2>"$t/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "cut.pcap: packet [0-9]*: truncated dump file" "$t/err" &&
	cmp -s "$t/td.pcap" "$t/ub.pcap"; then
	pass filter.truncated-file
else
	fail filter.truncated-file "exit $rc: $(cat "$t/err")"
fi

echo "filter: $n expressions on $(echo $caps_eth | wc -w) Ethernet captures (5300 packets) compared with tcpdump"
exit $T_FAILED
