#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench`: compile every bench/progs/*.c twice (eBPF bytecode extracted
# raw from its "xdp" section, and native code linked into the harness),
# build bench/harness.c against $BUILD/libubee.a and run it. Everything goes
# into $BUILD/bench; the results also into $BUILD/bench.json. Exits non-zero
# when a program does not build self-contained or any engine's result
# differs from the native one.
#
# Environment: BUILD (default build), CC (default cc), BPF_CLANG (clang-19),
# LLVM (19: the llvm-readelf/objdump/objcopy version),
# BENCH_ARGS (extra harness options, e.g. "--time 0.05 --only crc32").
# shellcheck disable=SC2086 # CC, WARN, SAN and BENCH_ARGS are option lists
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CC=${CC:-cc}
BPF_CLANG=${BPF_CLANG:-clang-19}
LLVM=${LLVM:-19}
READELF=llvm-readelf-$LLVM
OBJDUMP=llvm-objdump-$LLVM
OBJCOPY=llvm-objcopy-$LLVM
OUT=$BUILD/bench
WARN="-Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wmissing-prototypes"

fail() { echo "bench: $*" >&2; exit 1; }

[ -f "$BUILD/libubee.a" ] || fail "$BUILD/libubee.a is missing: run make first"
mkdir -p "$OUT/bpf" "$OUT/native"
rm -f "$OUT"/bpf/* "$OUT"/native/*

for src in bench/progs/*.c; do
	name=$(basename "$src" .c)
	grep -q "X($name," bench/harness.c ||
		fail "$src has no row in BENCH_PROGS (bench/harness.c)"
	obj=$OUT/bpf/$name.o
	"$BPF_CLANG" -O2 -target bpf -mcpu=v4 -I/usr/include/x86_64-linux-gnu \
		-Wall -Wextra -c "$src" -o "$obj"
	# The raw bytes of "xdp" must be the whole program: no relocations,
	# no data sections, no code outside it, no calls.
	bad=$("$READELF" -S --wide "$obj" | awk '
		/^ *\[ *[0-9]+\]/ {
			sub(/^ *\[ *[0-9]+\] */, "")
			name = $1; empty = $5 ~ /^0+$/
			if (name ~ /^\.(rel|rodata|data|bss|maps)/ ||
			    (name ~ /^\.text/ && !empty))
				printf "%s ", name
		}')
	[ -z "$bad" ] || fail "$src: not self-contained (sections: ${bad% })"
	if "$OBJDUMP" -d "$obj" | grep -Eq '[[:space:]]call[[:space:]]'; then
		fail "$src: contains a call (make helpers BENCH_INLINE)"
	fi
	"$OBJCOPY" -O binary --only-section=xdp "$obj" "$OUT/bpf/$name.bin"
	[ -s "$OUT/bpf/$name.bin" ] || fail "$src: empty xdp section"
	$CC -std=gnu11 -O2 $WARN -Dbench_main="native_$name" \
		-c "$src" -o "$OUT/native/$name.o"
done

# A library built with SANITIZE=1 needs the same runtime in the harness.
SAN=
if nm "$BUILD/libubee.a" 2>/dev/null | grep -q __asan_; then
	SAN="-fsanitize=address,undefined"
fi
$CC -std=gnu11 -O2 $WARN $SAN -Iinclude -o "$OUT/harness" bench/harness.c \
	"$OUT"/native/*.o "$BUILD/libubee.a" -pthread -lm
exec "$OUT/harness" --bin "$OUT/bpf" --json "$BUILD/bench.json" ${BENCH_ARGS:-}
