#!/bin/sh
# `ubee xdp --iface` on live interfaces, in network namespaces of its own:
#
#   ns S: vA  <--veth-->  vB :ns M: vC  <--veth-->  vD :ns D
#
# ubee runs in M on vB (AF_XDP, then AF_PACKET); frames are sent from vA
# (an AF_PACKET socket in Python) and captured with tcpdump on vA (what
# XDP_TX sent back) and on vD (what was redirected through vC). Checks:
# the frames arriving are the ones sent (byte for byte, MACs swapped for
# XDP_TX), the counters, a clean SIGINT shutdown with no frame leaked.
# Skipped where namespaces cannot be made (not root, no netns support).
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
t=$T_TMP
P=$BUILD/bpf/pktpath.v3.o
S=ubee_s$$ M=ubee_m$$ D=ubee_d$$

if [ ! -f "$P" ]; then
	skip pkt_live "no BPF objects in $BUILD (make test builds them)"
	exit 0
fi
for tool in ip tcpdump python3; do
	command -v $tool >/dev/null || { skip pkt_live "$tool is not installed"; exit 0; }
done
cleanup() {
	for n in $S $M $D; do ip netns del $n 2>/dev/null; done
	rm -rf "$T_TMP"
}
trap cleanup EXIT
if ! ip netns add $S 2>"$t/err"; then
	skip pkt_live "cannot create network namespaces: $(cat "$t/err")"
	exit 0
fi
ip netns add $M && ip netns add $D &&
	ip link add vA netns $S type veth peer name vB netns $M &&
	ip link add vC netns $M type veth peer name vD netns $D || {
	fail pkt_live.setup "cannot create the veth pairs"
	exit 1
}
for n in $S $M $D; do
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n $S link set vA address 02:00:00:00:00:01 up
ip -n $M link set vB address 02:00:00:00:00:02 up
ip -n $M link set vC address 02:00:00:00:00:0c up
ip -n $D link set vD address 02:00:00:00:00:0d up

# The frames: mkpkt's named ones that fit the MTU.
python3 tests/tools/pktcap.py "$t/all.pcap" --raw "$t/raw"
cat >"$t/send.py" <<'EOF'
import os, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
d = sys.argv[2]
i = 0
while os.path.exists(os.path.join(d, "%d.bin" % i)):
    f = open(os.path.join(d, "%d.bin" % i), "rb").read()
    i += 1
    if len(f) <= 1514:
        s.send(f)
        time.sleep(0.002)
EOF
# hexes PCAP: one hex line per frame.
hexes() {
	python3 - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
o = 24
while o + 16 <= len(b):
    cl = struct.unpack_from("<I", b, o + 8)[0]
    print(b[o + 16:o + 16 + cl].hex())
    o += 16 + cl
EOF
}
python3 -c '
import os, sys
d = sys.argv[1]; i = 0
while os.path.exists(os.path.join(d, "%d.bin" % i)):
    f = open(os.path.join(d, "%d.bin" % i), "rb").read(); i += 1
    if len(f) <= 1514: print(f.hex())' "$t/raw" >"$t/sent.hex"
nsent=$(wc -l <"$t/sent.hex")

# capture NS IFACE FILE: tcpdump in the background, inbound only; waits
# until it listens. stop_capture ends it (and flushes the file).
capture() {
	ip netns exec "$1" tcpdump -U -Q in -i "$2" -w "$3" 2>"$3.err" &
	cap_pid=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$3.err" 2>/dev/null && return 0
		sleep 0.1
	done
}
stop_capture() {
	sleep 0.3
	kill -INT $cap_pid 2>/dev/null
	wait $cap_pid 2>/dev/null
}

# run_case NAME MODE PROGRAM [ubee options]: ubee on vB until SIGINT,
# frames sent from vA meanwhile; captures on vA and vD.
run_case() {
	name=$1 mode=$2 prog=$3
	shift 3
	capture $S vA "$t/$name.A.pcap"
	capA=$cap_pid
	capture $D vD "$t/$name.D.pcap"
	capD=$cap_pid
	ip netns exec $M "$UBEE" -j xdp "$P" --program "$prog" --iface vB --mode "$mode" "$@" \
		>"$t/$name.json" 2>"$t/$name.err" &
	ubee_pid=$!
	# Attaching takes milliseconds; a refusal ends ubee at once.
	sleep 1
	ip netns exec $S python3 "$t/send.py" vA "$t/raw"
	sleep 0.5
	kill -INT $ubee_pid 2>/dev/null
	wait $ubee_pid
	ubee_rc=$?
	cap_pid=$capA stop_capture
	cap_pid=$capD stop_capture
}

for mode in xdp packet; do
	# XDP_TX: TCP back out of vB with MACs swapped, UDP dropped, rest passed.
	run_case tx_$mode $mode xdp_sort
	if [ $mode = xdp ] && grep -q "AF_XDP" "$t/tx_$mode.err" && [ $ubee_rc -ne 0 ]; then
		skip pkt_live.$mode "$(head -n 1 "$t/tx_$mode.err")"
		continue
	fi
	python3 - "$t/tx_$mode.json" "$t/sent.hex" $mode <<'EOF' >"$t/check" 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
sent = [bytes.fromhex(h) for h in open(sys.argv[2]).read().split()]
# What xdp_sort sees as IPv4 TCP / UDP: an untagged, complete IPv4 header.
ip4 = [f for f in sent if f[12:14] == b"\x08\x00" and len(f) >= 34]
tcp = sum(1 for f in ip4 if f[23] == 6)
udp = sum(1 for f in ip4 if f[23] == 17)
a = d["actions"]
assert d["packets"] == len(sent), (d["packets"], len(sent))
assert a["tx"] == tcp and a["drop"] == udp and a["pass"] == len(sent) - tcp - udp, a
i = d["iface"]
assert i["backend"] == ("af_xdp" if sys.argv[3] == "xdp" else "af_packet"), i
assert i["rx"] == len(sent) and i["tx"] == tcp and i["frames_leaked"] == 0, i
EOF
	[ $ubee_rc -eq 0 ] && [ ! -s "$t/check" ] && pass pkt_live.$mode.tx.counters ||
		fail pkt_live.$mode.tx.counters "rc $ubee_rc: $(cat "$t/check" "$t/tx_$mode.err" | tail -n 3)"
	hexes "$t/tx_$mode.A.pcap" >"$t/backA.hex"
	python3 -c '
import sys
sent = [bytes.fromhex(h) for h in open(sys.argv[1]).read().split()]
want = [(f[6:12] + f[0:6] + f[12:]).hex() for f in sent
        if f[12:14] == b"\x08\x00" and f[23] == 6]
got = open(sys.argv[2]).read().split()
assert got == want, (len(got), len(want))' "$t/sent.hex" "$t/backA.hex" 2>"$t/check" &&
		pass pkt_live.$mode.tx.frames || fail pkt_live.$mode.tx.frames "$(tail -n 1 "$t/check")"

	# REDIRECT through the devmap to vC: every frame arrives at vD as sent.
	run_case rd_$mode $mode xdp_redirect --devmap tx_ports 0 vC
	hexes "$t/rd_$mode.D.pcap" >"$t/atD.hex"
	if [ $ubee_rc -eq 0 ] && cmp -s "$t/sent.hex" "$t/atD.hex" &&
		grep -q "\"redirect\":$nsent}" "$t/rd_$mode.json"; then
		pass pkt_live.$mode.redirect
	else
		fail pkt_live.$mode.redirect "rc $ubee_rc: $(wc -l <"$t/atD.hex") of $nsent frames at vD; $(cat "$t/rd_$mode.json" "$t/rd_$mode.err" | head -n 3)"
	fi
done

# --duration ends the run by itself; the program's attachment is gone after.
ip netns exec $M "$UBEE" xdp "$P" --program xdp_drop_all --iface vB --mode xdp --duration 0.5 --stats \
	>"$t/dur.out" 2>&1
rc=$?
if grep -q "AF_XDP" "$t/dur.out" && [ $rc -ne 0 ]; then
	skip pkt_live.duration "$(head -n 1 "$t/dur.out")"
else
	[ $rc -eq 0 ] && grep -q "^interface vB (ifindex [0-9]*): af_xdp" "$t/dur.out" &&
		grep -q "frames leaked 0$" "$t/dur.out" &&
		! ip -n $M link show vB | grep -q "xdp" &&
		pass pkt_live.duration || fail pkt_live.duration "rc $rc: $(cat "$t/dur.out")"
fi

ip netns exec $M "$UBEE" xdp "$P" --iface nosuch0 2>"$t/err"
[ $? -eq 1 ] && grep -q "nosuch0: no such interface" "$t/err" &&
	pass pkt_live.no-such-iface || fail pkt_live.no-such-iface "$(cat "$t/err")"

exit $T_FAILED
