#!/bin/sh
# `ubee prog dump jited PINPATH [opcodes]` on a pinned program: the JIT's
# x86-64 code under every eBPF instruction, in order, the same code that
# `ubee disasm --jited` shows for the object it was loaded from, bytes
# with opcodes; usage errors exit 2 and failures 1, one line each. Also
# `disasm --jited` of raw bytecode (loaded unverified: compiling runs
# nothing).
. tests/sh/lib.sh
export UBEE_PIN_DIR="$T_TMP/pins"
mkdir -p "$UBEE_PIN_DIR"
EX="$BUILD/examples/bpf"

# err NAME EXPECTED-RC STDERR-SUBSTRING ARGS...: one line on stderr.
err() {
	n=$1 rc=$2 want=$3
	shift 3
	"$UBEE" "$@" >/dev/null 2>"$T_TMP/err"
	r=$?
	e=$(cat "$T_TMP/err")
	if [ "$r" != "$rc" ]; then
		fail "$n" "exit $r, want $rc ($e)"
	elif [ "$(printf '%s\n' "$e" | wc -l)" != 1 ]; then
		fail "$n" "not one line: $e"
	else
		case $e in *"$want"*) pass "$n" ;; *) fail "$n" "stderr [$e] lacks [$want]" ;; esac
	fi
}

if ! "$UBEE" prog load "$EX/counter.o" counter 2>"$T_TMP/err"; then
	fail prog_load "$(cat "$T_TMP/err")"
	exit 1
fi

J="$T_TMP/jited"
if "$UBEE" prog dump jited counter >"$J" 2>"$T_TMP/err"; then
	pass dump_jited
else
	fail dump_jited "$(cat "$T_TMP/err")"
fi

# The program's name, the entry stub, then each instruction's block.
[ "$(head -n 1 "$J")" = "count_ethertype:" ] && grep -q '^<entry>:$' "$J" &&
	pass jited_header || fail jited_header "$(head -n 3 "$J")"

# One "; N: text" line per instruction slot that starts an instruction,
# in order: the indices `prog dump xlated` prints.
grep -E '^; [0-9]+: ' "$J" | sed -E 's/^; ([0-9]+): .*/\1/' >"$T_TMP/j_idx"
"$UBEE" prog dump xlated counter | grep -E '^ *[0-9]+: ' |
	sed -E 's/^ *([0-9]+): .*/\1/' >"$T_TMP/x_idx"
if [ -s "$T_TMP/j_idx" ] && cmp -s "$T_TMP/j_idx" "$T_TMP/x_idx"; then
	pass jited_every_insn
else
	fail jited_every_insn "jited $(wc -l <"$T_TMP/j_idx") blocks, xlated $(wc -l <"$T_TMP/x_idx") insns"
fi

# Each block is machine code: "   addr:<TAB>mnemonic<TAB>operands"; the
# first instruction's block (r6 = r1) is one mov, the exit a ret.
awk '/^; 0: /{getline; print; exit}' "$J" | grep -Eq '^ *[0-9a-f]+:	mov	rbx, rdi$' &&
	pass jited_first_block || fail jited_first_block "$(grep -A1 '^; 0: ' "$J")"
grep -A1 -E '^; [0-9]+: exit$' "$J" | grep -Eq '	ret' &&
	pass jited_exit_ret || fail jited_exit_ret "$(grep -A1 'exit$' "$J")"

# The same code as disasm --jited of the object (addresses of maps and
# helpers may differ between loads: compare the mnemonics).
mnem() { grep -E '^ *[0-9a-f]+:	' | cut -f2; }
"$UBEE" disasm --jited --no-show-raw-insn "$EX/counter.o" | mnem >"$T_TMP/d_m"
mnem <"$J" >"$T_TMP/j_m"
if [ -s "$T_TMP/j_m" ] && cmp -s "$T_TMP/d_m" "$T_TMP/j_m"; then
	pass jited_same_as_disasm
else
	fail jited_same_as_disasm "$(diff "$T_TMP/d_m" "$T_TMP/j_m" | head -n 4)"
fi

# opcodes: the bytes between the address and the mnemonic.
"$UBEE" prog dump jited counter opcodes >"$T_TMP/op" 2>&1 &&
	grep -Eq '^ *[0-9a-f]+:	c3 +	ret' "$T_TMP/op" &&
	[ "$(grep -cE '^ *[0-9a-f]+:	[0-9a-f]{2}( [0-9a-f]{2})* *	[a-z]' "$T_TMP/op")" \
		-eq "$(wc -l <"$T_TMP/j_m")" ] &&
	pass jited_opcodes || fail jited_opcodes "$(sed -n 3,5p "$T_TMP/op")"

# Errors.
err jited_no_path 2 "missing PINPATH" prog dump jited
err jited_extra_arg 2 "unexpected argument 'linum'" prog dump jited counter linum
err jited_json 2 "text only" -j prog dump jited counter
err jited_missing 1 "No such file" prog dump jited nothere
"$UBEE" map create m1 type array key 4 value 4 entries 1 name m1 2>/dev/null
err jited_a_map 1 "a pinned map, not a program" prog dump jited m1
err dump_kind 2 "'xlated' or 'jited'" prog dump native counter

# disasm --jited of raw bytecode (unverifiable: r1 is memory of unknown
# size) compiles and prints.
printf 'r0 = *(u8 *)(r1 + 0x0)\nr0 += 0x1\nexit\n' >"$T_TMP/p.s"
if "$UBEE" asm "$T_TMP/p.s" -o "$T_TMP/p.bin" 2>"$T_TMP/err" &&
	"$UBEE" disasm --jited --no-show-raw-insn "$T_TMP/p.bin" >"$T_TMP/raw" 2>"$T_TMP/err" &&
	grep -q '^; 2: exit$' "$T_TMP/raw"; then
	pass disasm_jited_raw
else
	fail disasm_jited_raw "$(cat "$T_TMP/err")"
fi

exit $T_FAILED
