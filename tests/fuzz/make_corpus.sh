#!/bin/sh
# Regenerate the seed corpora under tests/fuzz/corpus/ from what the build
# made (run `make all` and `make test` first, with the same BUILD):
#   fuzz_object    the clang objects of tests/bpf (-mcpu v1 and v3) and
#                  examples/bpf
#   fuzz_btf       their .BTF sections
#   fuzz_bytecode  their executable sections, and the programs of
#                  examples/*.s, tests/fuzz/seeds/*.s (helpers and maps,
#                  written for this target) and tests/data/*/*.data, each
#                  behind the target's 8-byte header (fuzz_bytecode.c)
#   fuzz_asm       the text of examples/*.s and tests/data, and `ubee
#                  disasm` of the v3 objects
#   fuzz_jit       the fuzz_bytecode seeds (same layout; git stores each
#                  file once)
# Also tests/fuzz/core_target.btf, the CO-RE target of fuzz_object (the
# .BTF of tests/bpf/loader_core_target.c).
# Usage: BUILD=build tests/fuzz/make_corpus.sh
set -eu
: "${BUILD:=build}"
UBEE=$BUILD/ubee
OBJCOPY=${OBJCOPY:-llvm-objcopy-19}
READELF=${READELF:-llvm-readelf-19}
C=tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rm -rf "$C"
mkdir -p "$C/fuzz_object" "$C/fuzz_btf" "$C/fuzz_bytecode" "$C/fuzz_asm" "$C/fuzz_jit"

# The header of a fuzz_bytecode input: type index, flags, data size 64,
# a data seed. Type indices follow ubee_prog_type_at(): 0 mem,
# 1 socket_filter, 3 sched_cls, 6 xdp.
hdr() { printf "\\$(printf %03o "$1")\\000\\100seed!"; }

# Executable sections of an object, each as one fuzz_bytecode input.
sections() { # obj, name prefix
	"$READELF" -S -W "$1" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) *PROGBITS .* AX .*/\1/p' |
	while read -r sec; do
		case $sec in
		xdp*) ty=6 ;; socket*) ty=1 ;; tc*|classifier*) ty=3 ;; *) ty=0 ;;
		esac
		"$OBJCOPY" --dump-section "$sec=$tmp/sec" "$1" "$tmp/junk" 2>/dev/null || continue
		[ -s "$tmp/sec" ] || continue
		{ hdr $ty; cat "$tmp/sec"; } >"$C/fuzz_bytecode/$2-$(echo "$sec" | tr / _)"
	done
}

for o in "$BUILD"/bpf/*.v1.o "$BUILD"/bpf/*.v3.o "$BUILD"/examples/bpf/*.o; do
	[ -e "$o" ] || continue
	b=$(basename "$o" .o)
	case $o in */examples/*) b=example-$b ;; esac
	cp "$o" "$C/fuzz_object/$b.o"
	case $b in *.v1) continue ;; esac
	"$OBJCOPY" --dump-section ".BTF=$C/fuzz_btf/$b.btf" "$o" "$tmp/junk" 2>/dev/null || true
	sections "$o" "$b"
	"$UBEE" disasm "$o" >"$C/fuzz_asm/$b.s" 2>/dev/null || rm -f "$C/fuzz_asm/$b.s"
done
"$OBJCOPY" --dump-section ".BTF=tests/fuzz/core_target.btf" \
	"$BUILD/bpf/loader_core_target.v3.o" "$tmp/junk"

# Assembly text: examples and the "-- asm" part of every data file.
for s in examples/*.s; do
	b=$(basename "$s" .s)
	cp "$s" "$C/fuzz_asm/example-$b.s"
	if "$UBEE" asm "$s" -o "$tmp/bin" 2>/dev/null; then
		{ hdr 0; cat "$tmp/bin"; } >"$C/fuzz_bytecode/example-$b"
	fi
done
for s in tests/fuzz/seeds/*.s; do
	b=$(basename "$s" .s)
	case $b in xdp) ty=6 ;; skb) ty=3 ;; *) ty=0 ;; esac
	cp "$s" "$C/fuzz_asm/seed-$b.s"
	"$UBEE" asm "$s" -o "$tmp/bin"
	{ hdr $ty; cat "$tmp/bin"; } >"$C/fuzz_bytecode/seed-$b"
done
for d in tests/data/*/*.data; do
	b=$(echo "$d" | sed 's|tests/data/||; s|/|-|; s|\.data$||')
	sed -n '/^-- asm/,/^-- /{/^-- /d;p}' "$d" >"$tmp/a.s"
	[ -s "$tmp/a.s" ] || continue
	cp "$tmp/a.s" "$C/fuzz_asm/$b.s"
	if "$UBEE" asm "$tmp/a.s" -o "$tmp/bin" 2>/dev/null; then
		{ hdr 0; cat "$tmp/bin"; } >"$C/fuzz_bytecode/$b"
	fi
done
cp "$C"/fuzz_bytecode/* "$C/fuzz_jit/"
du -sb "$C"/* tests/fuzz/core_target.btf
