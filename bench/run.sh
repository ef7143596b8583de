#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench`, three parts:
#  1. programs: compile every bench/progs/*.c three times (eBPF bytecode
#     extracted raw from its "xdp" section, native code linked into the
#     harness, and an XDP object for the kernel: bench/kernel.c with the
#     program included), build bench/harness.c against $BUILD/libubee.a
#     (with libbpf, for the kernel column, when it links) and run it;
#  2. maps: compile every bench/maps/*.c into a BPF object, build
#     bench/maps_harness.c (with libbpf, for the kernel column, when it
#     links) and run it: map operations per op on ubee and in the kernel;
#  3. verification: bench/verify.c verifies the examples, the bench
#     programs and large generated ones with ubee and (root) the kernel,
#     side by side: processed instructions and time ($BUILD/bench-verify.json);
#  4. packets: compile bench/pkt/*.c (XDP programs) and run
#     bench/pkt_harness.c: packets per second on a generated capture held
#     in memory, the kernel's BPF_PROG_TEST_RUN on the same programs and
#     packets, classic filters against libpcap's bpf_filter, and
#     `ubee filter` against tcpdump end to end ($BUILD/bench-pkt.json).
# Everything goes into $BUILD/bench; the results also into
# $BUILD/bench.json (the maps under "maps"). Exits non-zero when a program
# does not build self-contained, any engine's result differs from the
# native one, or a map program's checksum is wrong.
#
# Environment: BUILD (default build), CC (default cc), BPF_CLANG (clang-19),
# LLVM (19: the llvm-readelf/objdump/objcopy version),
# BENCH_ARGS (extra harness options, e.g. "--time 0.05 --only crc32"),
# BENCH_MAPS_ARGS (extra maps_harness options, e.g. "--only hash"),
# BENCH_PKT_ARGS (extra pkt_harness options, e.g. "--packets 200000"),
# BENCH_PROGS=0 / BENCH_MAPS=0 / BENCH_VERIFY=0 / BENCH_PKT=0 (skip a part),
# LIBBPF_LIBS (-lbpf -lelf -lz).
# shellcheck disable=SC2086 # CC, WARN, SAN, LIBBPF_LIBS and *_ARGS are option lists
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
mkdir -p "$OUT/bpf" "$OUT/native" "$OUT/kernel"
rm -f "$OUT"/bpf/* "$OUT"/native/* "$OUT"/kernel/*

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
	# The kernel's copy: an old clang (no may_goto, no arenas) costs the
	# program its kernel cell, not the run.
	"$BPF_CLANG" -O2 -g -target bpf -mcpu=v4 -I/usr/include/x86_64-linux-gnu \
		-Wall -Wextra -DBENCH_KERNEL -DBENCH_PROG="\"progs/$name.c\"" \
		-c bench/kernel.c -o "$OUT/kernel/$name.o" ||
		echo "bench: $src: no kernel object (see above)" >&2
done

# A library built with SANITIZE=1 needs the same runtime in the harness.
SAN=
if nm "$BUILD/libubee.a" 2>/dev/null | grep -q __asan_; then
	SAN="-fsanitize=address,undefined"
fi
# Both harnesses have a kernel column when libbpf links.
LIBBPF_LIBS=${LIBBPF_LIBS:--lbpf -lelf -lz}
printf '#include <bpf/libbpf.h>\nint main(void) { return !libbpf_major_version(); }\n' \
	>"$OUT/libbpf_probe.c"
if $CC -o "$OUT/libbpf_probe" "$OUT/libbpf_probe.c" $LIBBPF_LIBS 2>/dev/null; then
	NO_LIBBPF=
else
	echo "bench: no libbpf to link ($LIBBPF_LIBS): no kernel column" >&2
	NO_LIBBPF=1 LIBBPF_LIBS=
fi
$CC -std=gnu11 -O2 $WARN $SAN ${NO_LIBBPF:+-DBENCH_NO_LIBBPF} -Iinclude \
	-Ibench/progs -o "$OUT/harness" bench/harness.c "$OUT"/native/*.o \
	"$BUILD/libubee.a" $LIBBPF_LIBS -pthread -lm

# The map objects are loaded whole (maps, several programs), by ubee and
# by libbpf: compiled with BTF, as libbpf needs for BTF-defined maps.
mkdir -p "$OUT/maps"
rm -f "$OUT"/maps/*
for src in bench/maps/*.c; do
	name=$(basename "$src" .c)
	grep -q "{ \"$name\"," bench/maps_harness.c ||
		fail "$src has no row in mb_maps (bench/maps_harness.c)"
	"$BPF_CLANG" -O2 -g -target bpf -mcpu=v3 -I/usr/include/x86_64-linux-gnu \
		-Ibench/maps -Wall -Wextra -c "$src" -o "$OUT/maps/$name.o"
done
$CC -std=gnu11 -O2 $WARN $SAN ${NO_LIBBPF:+-DMB_NO_LIBBPF} -Iinclude -Ibench/maps \
	-o "$OUT/maps_harness" bench/maps_harness.c "$BUILD/libubee.a" \
	$LIBBPF_LIBS -pthread -lm

# Verification: ubee's verifier next to the kernel's on the same programs.
$CC -std=gnu11 -O2 $WARN $SAN ${NO_LIBBPF:+-DBENCH_NO_LIBBPF} -Iinclude \
	-o "$OUT/verify" bench/verify.c "$BUILD/libubee.a" $LIBBPF_LIBS \
	-pthread -lm -lpcap

# The packet path: XDP objects (with BTF, for libbpf) and the harness.
mkdir -p "$OUT/pkt"
rm -f "$OUT"/pkt/*
for src in bench/pkt/*.c; do
	name=$(basename "$src" .c)
	"$BPF_CLANG" -O2 -g -target bpf -mcpu=v3 -I/usr/include/x86_64-linux-gnu \
		-Wall -Wextra -c "$src" -o "$OUT/pkt/$name.o"
done
$CC -std=gnu11 -O2 $WARN $SAN ${NO_LIBBPF:+-DBENCH_NO_LIBBPF} -Iinclude -Ibench \
	-o "$OUT/pkt_harness" bench/pkt_harness.c "$BUILD/libubee.a" \
	$LIBBPF_LIBS -lpcap -pthread -lm

status=0
if [ "${BENCH_PROGS:-1}" != 0 ]; then
	"$OUT/harness" --bin "$OUT/bpf" --kernel "$OUT/kernel" \
		--json "$BUILD/bench.json" ${BENCH_ARGS:-} || status=1
fi
if [ "${BENCH_MAPS:-1}" != 0 ]; then
	"$OUT/maps_harness" --obj "$OUT/maps" --json "$BUILD/bench.json" \
		${BENCH_MAPS_ARGS:-} || status=1
fi
if [ "${BENCH_VERIFY:-1}" != 0 ]; then
	"$OUT/verify" --examples "$BUILD/examples/bpf" --bin "$OUT/bpf" \
		--json "$BUILD/bench-verify.json" || status=1
fi
if [ "${BENCH_PKT:-1}" != 0 ]; then
	"$OUT/pkt_harness" --obj "$OUT/pkt" --out "$OUT/pkt" --ubee "$BUILD/ubee" \
		--json "$BUILD/bench-pkt.json" ${BENCH_PKT_ARGS:-} || status=1
fi
exit $status
