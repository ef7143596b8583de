#!/bin/sh
# `ubee run`, `ubee asm` and the examples through the command line.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
t=$T_TMP

"$UBEE" asm examples/sum.s -o "$t/sum.bin" 2>"$t/err" || fail cli.asm.sum "$(cat "$t/err")"
printf 'hello, eBPF' > "$t/in"
# sum.s loops until r2 reaches 0: the verifier cannot bound that by the
# memory's size, so it refuses; --no-verify runs it checked.
if "$UBEE" run "$t/sum.bin" --data "$t/in" >"$t/o" 2>"$t/e"; then
	fail cli.run.verify-refuses "accepted: $(cat "$t/o")"
else
	grep -q "2: invalid access to memory, mem_size=11 off=11 size=1" "$t/e" &&
		pass cli.run.verify-refuses || fail cli.run.verify-refuses "stderr: $(cat "$t/e")"
fi
out=$("$UBEE" run "$t/sum.bin" --data "$t/in" --no-verify)
# sum of the bytes of "hello, eBPF" = 925 = 0x39d
case "$out" in "retval: 0x39d (925)"*) pass cli.run.text ;; *) fail cli.run.text "got: $out" ;; esac
echo "$out" | grep -q '^duration (average): [0-9]*ns' && pass cli.run.duration || fail cli.run.duration "got: $out"

out=$("$UBEE" run "$t/sum.bin" --data "$t/in" --no-verify --json --repeat 3)
echo "$out" | python3 -c '
import json,sys
d=json.loads(sys.stdin.read())
assert d["retval"]==925 and d["repeat"]==3 and d["engine"]=="interp" and d["checked"] is True and isinstance(d["duration_ns"],int), d
' && pass cli.run.json || fail cli.run.json "got: $out"
out=$("$UBEE" -j run "$t/sum.bin" --data "$t/in" --no-verify)
case "$out" in '{"retval":925,'*) pass cli.run.global-json ;; *) fail cli.run.global-json "got: $out" ;; esac

# No data: r1 = NULL, r2 = 0.
out=$("$UBEE" run "$t/sum.bin" --no-verify --json)
case "$out" in '{"retval":0,'*) pass cli.run.no-data ;; *) fail cli.run.no-data "got: $out" ;; esac

# A program the verifier proves safe for its input runs unchecked, on the
# JIT by default.
printf 'r0 = *(u8 *)(r1 + 0x2)\nexit\n' > "$t/third.s"
"$UBEE" asm "$t/third.s" -o "$t/third.bin"
out=$("$UBEE" run "$t/third.bin" --data "$t/in" --json)
echo "$out" | python3 -c '
import json,sys
d=json.loads(sys.stdin.read())
assert d["retval"]==ord("l") and d["engine"]=="jit" and d["checked"] is False, d
' && pass cli.run.verified-jit || fail cli.run.verified-jit "got: $out"
out=$("$UBEE" run "$t/third.bin" --data "$t/in" --engine interp --json)
case "$out" in '{"retval":108,'*'"engine":"interp","checked":false'*) pass cli.run.verified-interp ;; *) fail cli.run.verified-interp "got: $out" ;; esac

# Full 64-bit r0 as unsigned decimal.
printf 'r0 = -0x1 ll\nexit\n' > "$t/m1.s"
"$UBEE" asm "$t/m1.s" -o "$t/m1.bin"
out=$("$UBEE" run "$t/m1.bin" --json)
case "$out" in '{"retval":18446744073709551615,'*) pass cli.run.u64 ;; *) fail cli.run.u64 "got: $out" ;; esac

# --data-out: the program writes into its memory.
printf '*(u32 *)(r1 + 0x0) = 0x64636261\nr0 = 0x0\nexit\n' > "$t/w.s"
"$UBEE" asm "$t/w.s" -o "$t/w.bin"
printf 'zzzzzz' > "$t/w.in"
"$UBEE" run "$t/w.bin" --data "$t/w.in" --data-out "$t/w.out" >/dev/null
[ "$(cat "$t/w.out")" = "abcdzz" ] && pass cli.run.data-out || fail cli.run.data-out "got: $(cat "$t/w.out")"

# --ctx: r1/r2 describe the ctx bytes; the data is the packet.
printf 'r0 = *(u8 *)skb[0x1]\nr2 = *(u8 *)(r1 + 0x0)\nr0 += r2\nexit\n' > "$t/c.s"
"$UBEE" asm "$t/c.s" -o "$t/c.bin"
printf '\005' > "$t/c.ctx"
printf '\001\002' > "$t/c.pkt"
out=$("$UBEE" run "$t/c.bin" --ctx "$t/c.ctx" --data "$t/c.pkt" --no-verify --json)
case "$out" in '{"retval":7,'*) pass cli.run.ctx ;; *) fail cli.run.ctx "got: $out" ;; esac

# Errors: non-zero exit, one line naming the problem, no result on stdout.
expect_err() { # name pattern command...
	n=$1; pat=$2; shift 2
	if "$@" >"$t/o" 2>"$t/e"; then fail "$n" "succeeded"; return; fi
	if [ -s "$t/o" ]; then fail "$n" "printed a result: $(cat "$t/o")"; return; fi
	grep -q -- "$pat" "$t/e" && pass "$n" || fail "$n" "stderr: $(cat "$t/e")"
}
"$UBEE" asm examples/bad.s -o "$t/bad.bin"
expect_err cli.run.malformed "1: jump out of range from insn 1 to 7" "$UBEE" run "$t/bad.bin"
printf 'abc' > "$t/odd.bin"
expect_err cli.run.odd-size "multiple of 8 bytes" "$UBEE" run "$t/odd.bin"
: > "$t/empty.bin"
expect_err cli.run.empty "multiple of 8 bytes" "$UBEE" run "$t/empty.bin"
expect_err cli.run.missing "cannot open" "$UBEE" run "$t/nope.bin"
expect_err cli.run.jit "the JIT runs verified or trusted programs only" "$UBEE" run "$t/sum.bin" --no-verify --engine jit
expect_err cli.run.bad-engine "interp or jit" "$UBEE" run "$t/sum.bin" --engine turbo
expect_err cli.run.bad-repeat "needs a number" "$UBEE" run "$t/sum.bin" --repeat 0
printf 'r0 = *(u64 *)(r1 + 0x8)\nexit\n' > "$t/oob.s"
"$UBEE" asm "$t/oob.s" -o "$t/oob.bin"
expect_err cli.run.oob-verifier "0: invalid access to memory, mem_size=2 off=8 size=8" "$UBEE" run "$t/oob.bin" --data "$t/c.pkt"
expect_err cli.run.oob "0: out-of-bounds" "$UBEE" run "$t/oob.bin" --data "$t/c.pkt" --no-verify
printf 'l:\ngoto l\n' > "$t/loop.s"
"$UBEE" asm "$t/loop.s" -o "$t/loop.bin"
expect_err cli.run.infinite-loop "infinite loop detected at insn 0" "$UBEE" run "$t/loop.bin"
expect_err cli.run.budget "budget" "$UBEE" run "$t/loop.bin" --no-verify
expect_err cli.run.unknown-helper "0: invalid func unknown#30583" sh -c "printf 'call 0x7777\nexit\n' > '$t/h.s' && '$UBEE' asm '$t/h.s' -o '$t/h.bin' && '$UBEE' run '$t/h.bin'"
printf 'r0 = 0x1\nbogus r1\nexit\n' > "$t/syn.s"
expect_err cli.asm.error "line 2" "$UBEE" asm "$t/syn.s" -o "$t/syn.bin"

# fib(50) through a bpf-to-bpf call.
"$UBEE" asm examples/fib.s -o "$t/fib.bin"
printf '\062' > "$t/n"
out=$("$UBEE" run "$t/fib.bin" --data "$t/n" --json)
case "$out" in '{"retval":12586269025,'*) pass cli.run.fib ;; *) fail cli.run.fib "got: $out" ;; esac

# ELF objects: programs in sections libbpf does not know run as plain
# memory programs; subprogram calls are linked by the loader.
obj=$BUILD/bpf/cli_prog.v3.o
if [ -e "$obj" ]; then
	printf '\051' > "$t/b"
	out=$("$UBEE" run "$obj" --data "$t/b" --json)
	case "$out" in '{"retval":42,'*) pass cli.run.elf ;; *) fail cli.run.elf "got: $out" ;; esac
	out=$("$UBEE" run "$obj" --program first_plus_one --data "$t/b" --json)
	case "$out" in '{"retval":42,'*) pass cli.run.elf-program ;; *) fail cli.run.elf-program "got: $out" ;; esac
	out=$("$UBEE" run "$obj" --program calls_sub --data "$t/b" --json)
	case "$out" in '{"retval":82,'*'"program":"calls_sub","type":"mem"'*) pass cli.run.elf-subprog ;; *) fail cli.run.elf-subprog "got: $out" ;; esac
	out=$("$UBEE" run "$obj" --section mem --data "$t/b" --json)
	case "$out" in '{"retval":42,'*) pass cli.run.elf-section ;; *) fail cli.run.elf-section "got: $out" ;; esac
	expect_err cli.run.elf-no-section "no program in section 'xdp'" "$UBEE" run "$obj" --section xdp
	expect_err cli.run.elf-missing "no program named 'nope'" "$UBEE" run "$obj" --program nope
else
	skip cli.run.elf "$obj not built"
fi
head -c 100 "$obj" > "$t/trunc.o" 2>/dev/null
expect_err cli.run.elf-truncated "$t/trunc.o: " "$UBEE" run "$t/trunc.o"

# Limits: an object whose maps exceed the memory cap is refused up front.
if [ -e "$BUILD/bpf/huge_map.v3.o" ]; then
	expect_err cli.run.max-memory "map 'huge': needs about" "$UBEE" run "$BUILD/bpf/huge_map.v3.o" --data "$t/b"
	expect_err cli.run.max-memory-small "over the limit of 100 bytes" \
		"$UBEE" run "$BUILD/bpf/concurrency.v3.o" --data "$t/b" --max-memory 100
fi

# The embedding example uses only the public API.
out=$("$BUILD/examples/embed")
[ "$out" = "scale(7) * 6 + 1 = 43" ] && pass examples.embed || fail examples.embed "got: $out"
exit $T_FAILED
