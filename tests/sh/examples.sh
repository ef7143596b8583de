#!/bin/sh
# Every example under examples/ runs with known results. Each BPF example
# (examples/bpf/*.c, built by make into $BUILD/examples/bpf) runs through
# `ubee -j run OBJ ... --dump-maps` on frames from tests/tools/mkpkt.py;
# retval, the output frame and the maps' contents (canonical form of
# tests/tools/mapcanon.py: entries sorted, per-CPU values summed, zero
# entries left out, only the maps named) must be exactly the expected
# ones below. Also: the ring buffer consumer's output, and that
# `ubee run ... --json --dump-maps` (the option after the command) prints
# JSON. One PASS/FAIL line per case.
. "$(dirname "$0")/lib.sh"

EX=$BUILD/examples/bpf
TOOLS=$(dirname "$0")/../tools
P=$T_TMP/pkts

if ! command -v python3 >/dev/null 2>&1; then
	skip examples "python3 is not available"
	exit 0
fi
if [ ! -x "$UBEE" ]; then
	fail examples.ubee "$UBEE is missing (run make first)"
	exit 1
fi
for o in counter globals subprogs tailcall loop ringbuf xdp_parser lpm_firewall core; do
	if [ ! -f "$EX/$o.o" ]; then
		fail examples.build "$EX/$o.o is missing (make builds examples/bpf/$o.c)"
		exit 1
	fi
done
python3 "$TOOLS/mkpkt.py" --named "$P" || {
	fail examples.mkpkt "cannot generate the frames"
	exit 1
}
# What xdp_parser must answer to ipv4_icmp_echo: the echo reply.
python3 "$TOOLS/mkpkt.py" -o "$T_TMP/echo_reply.bin" \
	eth:dst=02:00:00:00:00:01,src=02:00:00:00:00:02 \
	ipv4:src=10.0.0.2,dst=10.0.0.1 icmp:type=0,id=0x1234,seq=7 \
	payload:hex=6162636465666768
python3 "$TOOLS/mkpkt.py" -o "$T_TMP/vlan_echo_reply.bin" \
	eth:dst=02:00:00:00:00:01,src=02:00:00:00:00:02 vlan:vid=7 \
	ipv4:src=192.0.2.2,dst=192.0.2.1 icmp:type=0,id=0x4242,seq=1
# A __sk_buff context: mark 42 (offset 8), priority 7 (offset 32).
python3 -c '
import struct, sys
ctx = bytearray(192)
struct.pack_into("<I", ctx, 8, 42)
struct.pack_into("<I", ctx, 32, 7)
open(sys.argv[1], "wb").write(ctx)' "$T_TMP/skb_ctx.bin"

: >"$T_TMP/list"
# ex NAME OBJ FRAME RUN-OPTIONS... <EXPECTED: run OBJ on FRAME and queue
# the outcome for checking against EXPECTED (mapcanon.py --expect).
ex() {
	name=$1 obj=$2 frame=$3
	shift 3
	cat >"$T_TMP/$name.want"
	if ! "$UBEE" -j run "$EX/$obj.o" --data "$P/$frame.bin" --dump-maps "$@" \
		>"$T_TMP/$name.out" 2>"$T_TMP/$name.err"; then
		echo "error: $(head -n 1 "$T_TMP/$name.err")" >"$T_TMP/$name.out"
	fi
	echo "examples.$name $T_TMP/$name.out $T_TMP/$name.want $P/$frame.bin" >>"$T_TMP/list"
}

# ---- counter: a hash map per EtherType (a socket filter) -----------------
# A socket filter sees the frame from the network header on (len is 14
# less), and the kernel hands the frame back with the MAC header zeroed.
python3 -c '
import sys
f = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(bytes(14) + f[14:])' "$P/ipv4_udp.bin" "$T_TMP/ipv4_udp.sock_out"
ex counter.ipv4_x3 counter ipv4_udp --repeat 3 <<E
retval 44
data_out @$T_TMP/ipv4_udp.sock_out
map counts hash
  2048 => {"packets":3,"bytes":132}
E
ex counter.ipv6 counter ipv6_tcp <<'E'
retval 60
map counts hash
  34525 => {"packets":1,"bytes":60}
E
ex counter.arp counter arp_request <<'E'
retval 28
map counts hash
  2054 => {"packets":1,"bytes":28}
E
ex counter.vlan counter vlan_ipv4_udp --program count_ethertype <<'E'
retval 32
map counts hash
  33024 => {"packets":1,"bytes":32}
E

# ---- globals: .rodata config, .bss counters, .data ------------------------
ex globals.blocked_port globals ipv4_tcp_telnet <<'E'
retval 1
data_out =
map .bss array
  - => {".bss":[{"seen":1},{"dropped_len":0},{"dropped_port":1}]}
map .data array
  - => {".data":[{"min_len":54}]}
map .rodata array
  - => {".rodata":[{"blocked_port":23},{"max_len":1500}]}
E
ex globals.too_long globals ipv4_big <<'E'
retval 1
map .bss array
  - => {".bss":[{"seen":1},{"dropped_len":1},{"dropped_port":0}]}
map .data array
  - => {".data":[{"min_len":1602}]}
E
ex globals.pass_x2 globals ipv4_udp --repeat 2 <<'E'
retval 2
map .bss array
  - => {".bss":[{"seen":2},{"dropped_len":0},{"dropped_port":0}]}
map .data array
  - => {".data":[{"min_len":58}]}
E
ex globals.ipv6_port22 globals qinq_ipv6_tcp <<'E'
retval 2
map .bss array
  - => {".bss":[{"seen":1},{"dropped_len":0},{"dropped_port":0}]}
E

# ---- subprogs: static and global subprograms (tc) -------------------------
ex subprogs.telnet subprogs ipv4_tcp_telnet --section tc <<'E'
retval 2
data_out =
map classes array
  1 => 1
E
ex subprogs.tcp subprogs ipv4_tcp <<'E'
retval 0
map classes array
  1 => 1
E
ex subprogs.udp subprogs ipv4_udp <<'E'
retval 0
map classes array
  2 => 1
E
ex subprogs.icmp subprogs ipv4_icmp_echo <<'E'
retval 0
map classes array
  3 => 1
E
ex subprogs.arp subprogs arp_request <<'E'
retval 0
map classes array
  0 => 1
E
ex subprogs.vlan subprogs vlan_ipv4_udp <<'E'
retval 0
map classes array
  0 => 1
E
# The kernel's skb test runs refuse an IPv4 frame shorter than 34 bytes.
ex subprogs.truncated subprogs ipv4_truncated <<'E'
error
E

# ---- tailcall: a prog array dispatcher -------------------------------------
ex tailcall.tcp tailcall ipv4_tcp --program dispatch <<'E'
retval 2
map hits percpu_array
  0 => 1
E
ex tailcall.udp6 tailcall ipv6_udp --program dispatch <<'E'
retval 2
map hits percpu_array
  1 => 1
E
ex tailcall.icmp_x4 tailcall ipv4_icmp_echo --program dispatch --repeat 4 <<'E'
retval 1
data_out =
map hits percpu_array
  2 => 4
E
ex tailcall.missed tailcall ipv6_icmp6 --program dispatch <<'E'
retval 2
map hits percpu_array
  3 => 1
E
ex tailcall.not_ip tailcall arp_request --program dispatch <<'E'
retval 2
map hits percpu_array
  4 => 1
E
ex tailcall.handler_alone tailcall ipv4_udp --program handle_icmp <<'E'
retval 1
map hits percpu_array
  2 => 1
E

# ---- loop: bpf_loop over the IPv4 header's words ---------------------------
ex loop.good loop ipv4_udp <<'E'
retval 0
data_out =
map .bss array
  - => {".bss":[{"words":10},{"bad":0},{"good":1}]}
E
ex loop.bad_csum loop ipv4_bad_csum <<'E'
retval 2
map .bss array
  - => {".bss":[{"words":10},{"bad":1},{"good":0}]}
E
ex loop.options loop ipv4_options <<'E'
retval 0
map .bss array
  - => {".bss":[{"words":12},{"bad":0},{"good":1}]}
E
ex loop.big loop ipv4_big <<'E'
retval 0
map .bss array
  - => {".bss":[{"words":10},{"bad":0},{"good":1}]}
E
ex loop.ipv6 loop ipv6_udp <<'E'
retval 0
map .bss array
E
ex loop.vlan loop vlan_ipv4_udp <<'E'
retval 0
map .bss array
E

# ---- ringbuf: events into a ring buffer --------------------------------------
ex ringbuf.udp_x2 ringbuf ipv4_udp --repeat 2 <<'E'
retval 2
data_out =
map .bss array
  - => {".bss":[{"lost":0},{"submitted":2}]}
E
ex ringbuf.tcp6 ringbuf ipv6_tcp <<'E'
retval 2
map .bss array
  - => {".bss":[{"lost":0},{"submitted":1}]}
E
ex ringbuf.arp ringbuf arp_request <<'E'
retval 2
map .bss array
E
ex ringbuf.icmp ringbuf ipv4_icmp_echo <<'E'
retval 2
map .bss array
E

# ---- xdp_parser: every header, stats, an echo responder --------------------
# proto_stats keys: 0 eth, 1 vlan, 2 arp, 3 ipv4, 4 ipv6, 5 tcp, 6 udp,
# 7 icmp, 8 icmpv6, 9 other, 10 malformed, 11 echo replied.
ex xdp_parser.echo xdp_parser ipv4_icmp_echo <<E
retval 3
data_out @$T_TMP/echo_reply.bin
map proto_stats percpu_array
  0 => {"packets":1,"bytes":50}
  11 => {"packets":1,"bytes":50}
  3 => {"packets":1,"bytes":50}
  7 => {"packets":1,"bytes":50}
E
ex xdp_parser.vlan_echo xdp_parser vlan_icmp_echo <<E
retval 3
data_out @$T_TMP/vlan_echo_reply.bin
map proto_stats percpu_array
  0 => {"packets":1,"bytes":46}
  1 => {"packets":1,"bytes":46}
  11 => {"packets":1,"bytes":46}
  3 => {"packets":1,"bytes":46}
  7 => {"packets":1,"bytes":46}
E
ex xdp_parser.echo_reply_passes xdp_parser ipv4_icmp_reply <<'E'
retval 2
data_out =
map proto_stats percpu_array
  0 => {"packets":1,"bytes":42}
  3 => {"packets":1,"bytes":42}
  7 => {"packets":1,"bytes":42}
E
ex xdp_parser.qinq xdp_parser qinq_ipv6_tcp <<'E'
retval 2
map proto_stats percpu_array
  0 => {"packets":1,"bytes":82}
  1 => {"packets":2,"bytes":164}
  4 => {"packets":1,"bytes":82}
  5 => {"packets":1,"bytes":82}
E
ex xdp_parser.truncated xdp_parser ipv4_truncated <<'E'
retval 1
data_out =
map proto_stats percpu_array
  0 => {"packets":1,"bytes":24}
  10 => {"packets":1,"bytes":24}
E
ex xdp_parser.vlan_arp xdp_parser vlan_arp <<'E'
retval 2
map proto_stats percpu_array
  0 => {"packets":1,"bytes":46}
  1 => {"packets":1,"bytes":46}
  2 => {"packets":1,"bytes":46}
E
ex xdp_parser.other xdp_parser eth_only <<'E'
retval 2
map proto_stats percpu_array
  0 => {"packets":1,"bytes":16}
  9 => {"packets":1,"bytes":16}
E
ex xdp_parser.icmp6 xdp_parser ipv6_icmp6 <<'E'
retval 2
map proto_stats percpu_array
  0 => {"packets":1,"bytes":62}
  4 => {"packets":1,"bytes":62}
  8 => {"packets":1,"bytes":62}
E
ex xdp_parser.options xdp_parser ipv4_options <<'E'
retval 2
map proto_stats percpu_array
  0 => {"packets":1,"bytes":50}
  3 => {"packets":1,"bytes":50}
  6 => {"packets":1,"bytes":50}
E
ex xdp_parser.vlan_udp xdp_parser vlan_ipv4_udp <<'E'
retval 2
map proto_stats percpu_array
  0 => {"packets":1,"bytes":46}
  1 => {"packets":1,"bytes":46}
  3 => {"packets":1,"bytes":46}
  6 => {"packets":1,"bytes":46}
E
ex xdp_parser.tcp_x3 xdp_parser ipv4_tcp --repeat 3 <<'E'
retval 2
map proto_stats percpu_array
  0 => {"packets":3,"bytes":162}
  3 => {"packets":3,"bytes":162}
  5 => {"packets":3,"bytes":162}
E

# ---- lpm_firewall: longest prefix match ------------------------------------
fw_rules() { # the four rules, with hits for rule ids $1..$4
	cat <<E
map rules lpm_trie
  {"prefixlen":16,"addr":[10,1,0,0]} => {"action":"FW_ALLOW","id":2,"hits":$2}
  {"prefixlen":16,"addr":[192,168,0,0]} => {"action":"FW_DENY","id":4,"hits":$4}
  {"prefixlen":32,"addr":[10,1,2,99]} => {"action":"FW_DENY","id":3,"hits":$3}
  {"prefixlen":8,"addr":[10,0,0,0]} => {"action":"FW_DENY","id":1,"hits":$1}
E
}
{ echo "retval 1"; echo "data_out ="
  echo "map .bss array"
  echo '  - => {".bss":[{"installed":1},{"not_ipv4":0},{"no_match":0}]}'
  fw_rules 1 0 0 0; } | ex lpm_firewall.deny_8 lpm_firewall ipv4_fw_deny
{ echo "retval 2"; fw_rules 0 1 0 0; } | ex lpm_firewall.allow_16 lpm_firewall ipv4_fw_allow
{ echo "retval 1"; fw_rules 0 0 1 0; } | ex lpm_firewall.deny_32 lpm_firewall ipv4_fw_host
{ echo "retval 1"; fw_rules 0 0 0 1; } | ex lpm_firewall.deny_192 lpm_firewall ipv4_fw_net192
{ echo "retval 2"; fw_rules 0 2 0 0; } | ex lpm_firewall.allow_x2 lpm_firewall ipv4_fw_allow --repeat 2
{ echo "retval 2"
  echo "map .bss array"
  echo '  - => {".bss":[{"installed":1},{"not_ipv4":0},{"no_match":1}]}'
  fw_rules 0 0 0 0; } | ex lpm_firewall.no_match lpm_firewall ipv4_fw_other
ex lpm_firewall.ipv6 lpm_firewall ipv6_udp <<'E'
retval 2
map .bss array
  - => {".bss":[{"installed":1},{"not_ipv4":1},{"no_match":0}]}
E

# ---- core: CO-RE relocated accesses -----------------------------------------
ex core.ipv4_ctx core ipv4_options --ctx "$T_TMP/skb_ctx.bin" <<'E'
retval 0
data_out =
map .bss array
  - => {".bss":[{"out":{"len":50,"protocol":8,"mark":42,"priority":7,"ttl":3,"ihl":6,"version":4,"saddr":16777226,"has_missing":0,"has_hwtstamp":1,"len_size":4,"skb_size":192,"iphdr_size":20,"xdp_tx":3}}]}
E
ex core.ipv6 core ipv6_udp <<'E'
retval 0
map .bss array
  - => {".bss":[{"out":{"len":74,"protocol":56710,"mark":0,"priority":0,"ttl":0,"ihl":0,"version":0,"saddr":0,"has_missing":0,"has_hwtstamp":1,"len_size":4,"skb_size":192,"iphdr_size":20,"xdp_tx":3}}]}
E

python3 "$TOOLS/mapcanon.py" --expect "$T_TMP/list" || T_FAILED=1

# ---- the ring buffer's consumer (examples/ringbuf_consumer.c) -----------------
cat >"$T_TMP/consumer.want" <<'E'
event 1: ipv4 udp 10.0.0.1:1234 -> 10.0.0.2:53 (54 bytes)
event 2: ipv6 tcp [2001:db8::1]:50000 -> [2001:db8::2]:443 (74 bytes)
event 3: ipv4 tcp 192.168.1.7:40000 -> 192.168.1.1:22 (54 bytes)
event 4: ipv6 udp [fe80::1]:5353 -> [ff02::fb]:5353 (74 bytes)
4 events; .bss: submitted 4, lost 0
E
if [ ! -x "$BUILD/examples/ringbuf_consumer" ]; then
	fail examples.ringbuf_consumer "$BUILD/examples/ringbuf_consumer is missing (make builds it)"
elif "$BUILD/examples/ringbuf_consumer" "$EX/ringbuf.o" >"$T_TMP/consumer.out" 2>&1 &&
	cmp -s "$T_TMP/consumer.out" "$T_TMP/consumer.want"; then
	pass examples.ringbuf_consumer
else
	fail examples.ringbuf_consumer "got: $(head -n 6 "$T_TMP/consumer.out" | tr '\n' '|')"
fi

# ---- `run --json --dump-maps`: the maps inside the JSON are JSON too ---------
if "$UBEE" run "$EX/counter.o" --data "$P/ipv4_udp.bin" --json --dump-maps \
	>"$T_TMP/json.out" 2>&1 &&
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["maps"][0]["elements"][0]["key"] == 2048' \
	"$T_TMP/json.out" 2>/dev/null; then
	pass examples.run_json_dump_maps
else
	fail examples.run_json_dump_maps "not JSON: $(head -c 200 "$T_TMP/json.out" | tr '\n' ' ')"
fi
exit $T_FAILED
