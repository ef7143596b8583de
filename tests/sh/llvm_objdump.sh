#!/bin/sh
# `ubee disasm OBJ` against `llvm-objdump-19 -d` for every object built from
# tests/bpf/*.c (all of -mcpu=v1..v4): one PASS/FAIL line per object.
#
# llvm-objdump runs with --mcpu=v4: only from v3 on does it print 32-bit
# atomics with w registers ("lock *(u32 *)(r1 + 0x4) += w0"; with v1/v2 it
# prints r0, and even prints fetching atomics as plain "lock ... +="), and
# v3/v4 also print narrow zero-extending loads and stores with w registers.
# ubee prints that one form whatever the object's cpu version.
#
# Normalised before comparing: runs of blanks, llvm's "FILE:\tfile format
# elf64-bpf" header, and local calls: ubee prints them with an explicit
# sign ("call +0x2d", lossless: the sign tells a local call from a helper
# call), llvm without ("call 0x2d").
. "$(dirname "$0")/lib.sh"

OBJDUMP=llvm-objdump-19
if ! command -v "$OBJDUMP" >/dev/null 2>&1; then
	skip llvm_objdump "$OBJDUMP is not installed"
	exit 0
fi
set -- "$BUILD"/bpf/*.o
if [ ! -e "$1" ]; then
	skip llvm_objdump "no objects in $BUILD/bpf (make test builds them from tests/bpf/*.c)"
	exit 0
fi

norm() { sed -e 's/[[:space:]][[:space:]]*/ /g' -e 's/^ //' -e 's/ $//'; }

for obj in "$@"; do
	name=llvm_objdump.$(basename "$obj" .o)
	if ! "$UBEE" disasm "$obj" >"$T_TMP/ubee.raw" 2>"$T_TMP/err"; then
		fail "$name" "ubee disasm failed: $(head -n 3 "$T_TMP/err")"
		continue
	fi
	if ! "$OBJDUMP" -d --mcpu=v4 "$obj" >"$T_TMP/llvm.raw" 2>"$T_TMP/err"; then
		fail "$name" "$OBJDUMP failed: $(head -n 3 "$T_TMP/err")"
		continue
	fi
	sed -e 's/\tcall +0x/\tcall 0x/' "$T_TMP/ubee.raw" | norm >"$T_TMP/ubee"
	grep -v "file format elf64-bpf\$" "$T_TMP/llvm.raw" | sed '1{/^$/d}' |
		norm >"$T_TMP/llvm"
	if [ ! -s "$T_TMP/llvm" ] || ! grep -q ':' "$T_TMP/llvm"; then
		fail "$name" "$OBJDUMP printed no instructions"
	elif diff "$T_TMP/llvm" "$T_TMP/ubee" >"$T_TMP/diff"; then
		pass "$name"
	else
		fail "$name" "differs from $OBJDUMP (< llvm, > ubee): $(grep '^[<>]' "$T_TMP/diff" | head -n 4 | tr '\n' '|')"
	fi
done
exit $T_FAILED
