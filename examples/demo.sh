#!/bin/sh
# `make demo`: the pipeline that exists today, end to end:
# text -> assembler -> bytecode -> validator -> interpreter (checked) -> result,
# then the embedding API, then a malformed program being refused.
set -eu
: "${UBEE:=build/ubee}"
: "${BUILD:=build}"
out=$BUILD/demo
mkdir -p "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "1. An eBPF program in assembly (llvm-objdump syntax)"
cat examples/sum.s

step "2. Assemble it to raw bytecode"
show "$UBEE" asm examples/sum.s -o "$out/sum.bin"
printf '%s bytes of bytecode\n' "$(wc -c < "$out/sum.bin")"

step "3. Disassemble the bytecode"
show "$UBEE" disasm "$out/sum.bin"

step "4. Run it on input bytes (r1 = data, r2 = length)"
printf 'hello, eBPF' > "$out/input.bin"
show "$UBEE" run "$out/sum.bin" --data "$out/input.bin"
show "$UBEE" run "$out/sum.bin" --data "$out/input.bin" --repeat 100000 --json

step "5. A bpf-to-bpf call with its own stack frame: fib(50)"
"$UBEE" asm examples/fib.s -o "$out/fib.bin"
printf '\062' > "$out/n.bin"
show "$UBEE" run "$out/fib.bin" --data "$out/n.bin"

step "6. Embedding: a C program with its own helper (examples/embed.c)"
show "$BUILD/examples/embed"

step "7. A malformed program is refused, naming the instruction"
"$UBEE" asm examples/bad.s -o "$out/bad.bin"
if "$UBEE" run "$out/bad.bin"; then
	echo "demo: the malformed program was accepted" >&2
	exit 1
fi

if command -v clang-19 >/dev/null 2>&1; then
	step "8. A clang-compiled object, disassembled by section and function"
	cat > "$out/xdp.c" <<'C'
#define SEC(n) __attribute__((section(n), used))
SEC("xdp") int pass_big(unsigned long *ctx) { return ctx[0] > 100 ? 2 : 1; }
char LICENSE[] SEC("license") = "GPL";
C
	clang-19 -O2 -g -target bpf -c "$out/xdp.c" -o "$out/xdp.o"
	show "$UBEE" disasm "$out/xdp.o"
fi
if [ -f "$BUILD/examples/bpf/xdp_parser.o" ] && command -v python3 >/dev/null 2>&1; then
	step "9. A real XDP program: the packet parser (examples/bpf/xdp_parser.c) on generated frames"
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
