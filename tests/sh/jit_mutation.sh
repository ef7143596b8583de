#!/bin/sh
# SPDX-License-Identifier: MIT
# The JIT's differential test must be able to fail. Build it three times
# in a private directory against the library, each time with the JIT's
# sources compiled with -DUBEE_JIT_MUTATE=N (their objects take the place
# of the library's JIT):
#   0  no mutation: the test passes;
#   1  signed > compiles to unsigned > (a wrong condition code);
#   2  64-bit left shifts by a constant mask the count with 31 (a wrong
#      shift mask);
# and assert that the mutated builds FAIL it, with mismatches reported.
# Environment: BUILD, CC, JIT_MUTATION_COUNT (programs per run, 600).
. tests/sh/lib.sh
CC=${CC:-cc}
LIB=$BUILD/libubee.a
OUT=$BUILD/jit-mutation
COUNT=${JIT_MUTATION_COUNT:-600}

if [ ! -f "$LIB" ]; then
	skip jit.mutation "$LIB is missing"
	exit 0
fi
case $(uname -m) in
x86_64) ;;
*) skip jit.mutation "the JIT is x86-64 only"; exit 0 ;;
esac
# A sanitized library needs the same runtime in what links against it.
SAN=
if nm "$LIB" 2>/dev/null | grep -q __asan_; then
	SAN="-fsanitize=address,undefined"
fi
FLAGS="-std=gnu11 -O1 -Iinclude -Isrc -Itests/lib -pthread $SAN"
rm -rf "$OUT"
mkdir -p "$OUT"

# compile OUTDIR DEFINES SOURCES...: objects named after their sources
compile() {
	dir=$1 defs=$2
	shift 2
	mkdir -p "$dir"
	for src in "$@"; do
		# shellcheck disable=SC2086 # FLAGS and defs are option lists
		$CC $FLAGS $defs -c "$src" -o "$dir/$(basename "$src" .c).o" ||
			return 1
	done
}

if ! compile "$OUT/test" "" tests/unit/test_jit_diff.c tests/lib/*.c; then
	fail jit.mutation.build "cannot compile the differential test"
	exit 1
fi

for m in 0 1 2; do
	case $m in
	0) name=jit.mutation.none ;;
	1) name=jit.mutation.condition-code ;;
	2) name=jit.mutation.shift-mask ;;
	esac
	if ! compile "$OUT/m$m" "-DUBEE_JIT_MUTATE=$m" src/jit/*.c ||
		! $CC $SAN -o "$OUT/diff-m$m" "$OUT"/test/*.o "$OUT/m$m"/*.o \
			"$LIB" -pthread -lm; then
		fail "$name" "cannot build the mutated JIT"
		continue
	fi
	UBEE_JIT_DIFF_COUNT=$COUNT "$OUT/diff-m$m" >"$OUT/m$m.log" 2>&1
	rc=$?
	if [ $m = 0 ]; then
		if [ $rc -eq 0 ] && ! grep -q '^FAIL' "$OUT/m$m.log"; then
			pass "$name"
		else
			fail "$name" "the unmutated build fails: $(grep -m1 '^FAIL' "$OUT/m$m.log")"
		fi
	elif [ $rc -ne 0 ] && grep -q '^FAIL jit_diff programs' "$OUT/m$m.log"; then
		n=$(awk '/^    batch .* mismatches$/ { s += $3 } END { print s + 0 }' "$OUT/m$m.log")
		pass "$name (caught: $n of $COUNT programs differ)"
	else
		fail "$name" "the differential test did not catch mutation $m (status $rc)"
	fi
done
exit $T_FAILED
