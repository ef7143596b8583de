#!/bin/sh
# Parser cross-check against libbpf: for every object built from
# tests/bpf/*.c (all -mcpu versions) and the benchmark objects when they
# are built, libbpf's bpf_object__open_file (no kernel involved) and
# ubee's ubee_object_open_file must list the same programs (name,
# section, type, instruction count, autoload) and maps (name, type, key
# and value sizes, max_entries, flags). Two small tools print both in
# one format: tests/tools/libbpf_dump.c (linked with -lbpf) and
# tests/tools/ubee_dump.c (linked with $BUILD/libubee.a). One PASS/FAIL
# line per object.
#
# libbpf 1.x no longer reads legacy "maps" sections; for an object that
# has one, libbpf must refuse it with that reason and ubee must open it.
. "$(dirname "$0")/lib.sh"

CC=${CC:-cc}
SANFLAGS=
[ "${SANITIZE:-}" = 1 ] && SANFLAGS="-fsanitize=address,undefined"

if ! printf '#include <bpf/libbpf.h>\nint main(void){return libbpf_major_version() < 1;}\n' |
	"$CC" -x c - -o "$T_TMP/probe" -lbpf -lelf -lz >/dev/null 2>&1; then
	skip libbpf_xcheck "libbpf (libbpf-dev) is not available to $CC"
	exit 0
fi
if [ ! -f "$BUILD/libubee.a" ]; then
	skip libbpf_xcheck "$BUILD/libubee.a is missing (run make first)"
	exit 0
fi
set -- "$BUILD"/bpf/*.o
if [ ! -e "$1" ]; then
	skip libbpf_xcheck "no objects in $BUILD/bpf (make test builds them from tests/bpf/*.c)"
	exit 0
fi
for b in "$BUILD"/bench/bpf/*.o; do
	[ -e "$b" ] && set -- "$@" "$b"
done

if ! "$CC" -std=gnu11 -Wall -Wextra -o "$T_TMP/libbpf_dump" \
	tests/tools/libbpf_dump.c -lbpf -lelf -lz 2>"$T_TMP/err"; then
	fail libbpf_xcheck.build "cannot build tests/tools/libbpf_dump.c: $(head -n 3 "$T_TMP/err")"
	exit 1
fi
if ! "$CC" -std=gnu11 -Wall -Wextra $SANFLAGS -Iinclude -o "$T_TMP/ubee_dump" \
	tests/tools/ubee_dump.c "$BUILD/libubee.a" -pthread -lm 2>"$T_TMP/err"; then
	fail libbpf_xcheck.build "cannot build tests/tools/ubee_dump.c: $(head -n 3 "$T_TMP/err")"
	exit 1
fi

for obj in "$@"; do
	name=libbpf_xcheck.$(basename "$obj" .o)
	"$T_TMP/ubee_dump" "$obj" >"$T_TMP/ubee" 2>"$T_TMP/ubee.err"
	urc=$?
	"$T_TMP/libbpf_dump" "$obj" >"$T_TMP/libbpf" 2>"$T_TMP/libbpf.err"
	lrc=$?
	if [ $lrc -ne 0 ]; then
		if grep -q "legacy map definitions in 'maps' section" "$T_TMP/libbpf.err"; then
			if [ $urc -eq 0 ] && grep -q '^map ' "$T_TMP/ubee"; then
				pass "$name"
			else
				fail "$name" "libbpf refuses legacy maps; ubee must read them: $(head -n 2 "$T_TMP/ubee.err")"
			fi
		else
			fail "$name" "libbpf cannot open it: $(head -n 2 "$T_TMP/libbpf.err")"
		fi
		continue
	fi
	if [ $urc -ne 0 ]; then
		fail "$name" "ubee cannot open it: $(head -n 2 "$T_TMP/ubee.err")"
	elif cmp -s "$T_TMP/ubee" "$T_TMP/libbpf"; then
		pass "$name"
	else
		fail "$name" "differs (< ubee, > libbpf): $(diff "$T_TMP/ubee" "$T_TMP/libbpf" | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
	fi
done
exit $T_FAILED
