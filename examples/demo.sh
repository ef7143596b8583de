#!/bin/sh
# `make demo`: the whole pipeline on a fresh machine, in under a minute.
# Part 1, the packet path: the example XDP firewall compiled by clang,
# verified (verdict and statistics), run with the JIT over a generated
# capture with a realistic mix of traffic, with per-action counts,
# throughput and the firewall's maps at the end.
# Part 2, the pieces: assembler, disassembler, raw programs, a bpf-to-bpf
# call, the embedding API, and bad programs being refused with the reason.
set -eu
: "${UBEE:=build/ubee}"
: "${BUILD:=build}"
out=$BUILD/demo
mkdir -p "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "1. The example XDP firewall (examples/bpf/lpm_firewall.c), compiled by clang-19"
show clang-19 -O2 -g -target bpf -mcpu=v3 -I/usr/include/x86_64-linux-gnu \
	-c examples/bpf/lpm_firewall.c -o "$out/lpm_firewall.o"
fw=$out/lpm_firewall.o

step "2. Verify it: every path proven safe before it may run unchecked"
show "$UBEE" verify "$fw"

step "3. A capture with a realistic mix of traffic (20000 packets, pcap)"
show python3 tests/tools/pktcap.py "$out/mix.pcap" --count 20000 --vary
printf '%s bytes\n' "$(wc -c < "$out/mix.pcap")"

step "4. Run the firewall over every packet with the JIT"
show "$UBEE" xdp "$fw" --pcap "$out/mix.pcap" --write "$out/passed.pcap" \
	--stats --dump-maps
printf 'packets passed, written to %s: %s bytes\n' "$out/passed.pcap" \
	"$(wc -c < "$out/passed.pcap")"

step "5. An eBPF program in assembly (llvm-objdump syntax)"
cat examples/sum.s

step "6. Assemble it to raw bytecode"
show "$UBEE" asm examples/sum.s -o "$out/sum.bin"
printf '%s bytes of bytecode\n' "$(wc -c < "$out/sum.bin")"

step "7. Disassemble the bytecode"
show "$UBEE" disasm "$out/sum.bin"

step "8. Run it on input bytes (r1 = data, r2 = length)"
printf 'hello, eBPF' > "$out/input.bin"
echo "The verifier cannot prove this loop stays inside the 11 bytes (it is"
echo "bounded by the value in r2, not by a proven range), so it refuses it:"
if show "$UBEE" run "$out/sum.bin" --data "$out/input.bin"; then
	echo "demo: the verifier accepted an unprovable access" >&2
	exit 1
fi
echo "--no-verify runs it anyway, in checked mode (every access bounds-checked):"
show "$UBEE" run "$out/sum.bin" --data "$out/input.bin" --no-verify
show "$UBEE" run "$out/sum.bin" --data "$out/input.bin" --no-verify --repeat 100000 --json

step "9. A bpf-to-bpf call with its own stack frame: fib(50)"
"$UBEE" asm examples/fib.s -o "$out/fib.bin"
printf '\062' > "$out/n.bin"
show "$UBEE" run "$out/fib.bin" --data "$out/n.bin"

step "10. Embedding: a C program with its own helper (examples/embed.c)"
show "$BUILD/examples/embed"

step "11. A malformed program is refused, naming the instruction"
"$UBEE" asm examples/bad.s -o "$out/bad.bin"
if "$UBEE" run "$out/bad.bin"; then
	echo "demo: the malformed program was accepted" >&2
	exit 1
fi

if command -v clang-19 >/dev/null 2>&1; then
	step "12. A clang-compiled object, disassembled by section and function"
	cat > "$out/xdp.c" <<'C'
#define SEC(n) __attribute__((section(n), used))
SEC("xdp") int pass_big(unsigned long *ctx) { return ctx[0] > 100 ? 2 : 1; }
char LICENSE[] SEC("license") = "GPL";
C
	clang-19 -O2 -g -target bpf -c "$out/xdp.c" -o "$out/xdp.o"
	show "$UBEE" disasm "$out/xdp.o"
fi
if [ -f "$BUILD/examples/bpf/xdp_parser.o" ] && command -v python3 >/dev/null 2>&1; then
	step "13. A real XDP program: the packet parser (examples/bpf/xdp_parser.c) on generated frames"
	python3 tests/tools/mkpkt.py --named "$out/pkts"
	for f in qinq_ipv6_tcp vlan_arp ipv4_truncated; do
		printf '$ %s | tests/tools/mapcanon.py --nonzero --no-data\n' \
			"$UBEE -j run $BUILD/examples/bpf/xdp_parser.o --data $out/pkts/$f.bin --dump-maps"
		"$UBEE" -j run "$BUILD/examples/bpf/xdp_parser.o" --data "$out/pkts/$f.bin" \
			--dump-maps | python3 tests/tools/mapcanon.py --nonzero --no-data
	done
	echo "(keys: 0 eth, 1 vlan, 2 arp, 3 ipv4, 4 ipv6, 5 tcp, ..., 10 malformed; per-CPU values summed)"
	echo "An ICMP echo request is answered in place: XDP_TX (3), data_out is the reply:"
	show "$UBEE" -j run "$BUILD/examples/bpf/xdp_parser.o" --data "$out/pkts/ipv4_icmp_echo.bin"
fi
printf '\ndemo: done\n'
