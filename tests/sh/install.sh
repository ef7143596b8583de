#!/bin/sh
# `make install` into a scratch prefix, then build the embedding example
# against the installed library through pkg-config, as a user would.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
if [ "${SANITIZE:-}" = 1 ]; then
	skip install.pkg-config "the sanitizer build installs an instrumented library; covered by the plain build"
	exit 0
fi
if ! command -v pkg-config >/dev/null 2>&1; then
	skip install.pkg-config "pkg-config is not installed"
	exit 0
fi
d=$T_TMP/root
if ! make -s install BUILD="$BUILD" DESTDIR="$d" PREFIX=/usr >"$T_TMP/log" 2>&1; then
	fail install.make "$(tail -n 5 "$T_TMP/log")"
	exit 1
fi
pass install.make
for f in bin/ubee lib/libubee.a lib/libubee.so.0 lib/libubee.so include/ubee/ubee.h \
	 include/ubee/asm.h include/ubee/object.h lib/pkgconfig/ubee.pc; do
	[ -e "$d/usr/$f" ] || { fail install.files "missing $f"; exit 1; }
done
pass install.files
export PKG_CONFIG_PATH="$d/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$d"
flags=$(pkg-config --cflags --libs --static ubee) || { fail install.pkg-config "pkg-config failed"; exit 1; }
if ${CC:-cc} examples/embed.c $flags -o "$T_TMP/embed" 2>"$T_TMP/cc"; then
	out=$(LD_LIBRARY_PATH="$d/usr/lib" "$T_TMP/embed")
	[ "$out" = "scale(7) * 6 + 1 = 43" ] && pass install.pkg-config || fail install.pkg-config "got: $out"
else
	fail install.pkg-config "$(head -n 5 "$T_TMP/cc")"
fi
[ "$("$d/usr/bin/ubee" version)" = "ubee $(scripts/version.sh)" ] && pass install.version || fail install.version "$("$d/usr/bin/ubee" version)"
exit $T_FAILED
