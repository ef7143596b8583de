#!/bin/sh
# Run every test binary given as arguments and every tests/sh/*.sh script
# (but lib.sh, which the others source),
# echo their case lines, and end with "N passed, N failed, N skipped".
# A binary or script that exits non-zero without printing a FAIL line
# counts as one failed case (a crash is never silent). Exit 1 on failure.
set -u
: "${BUILD:=build}"
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
run() { # name, command...
	name=$1; shift
	log=$(mktemp)
	"$@" >"$log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|SKIP) ' "$log" | tee -a "$out"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
		echo "FAIL $name: exited with status $rc" | tee -a "$out"
		tail -n 20 "$log" | sed 's/^/    /'
	elif grep -q '^FAIL ' "$log"; then
		grep -v -E '^(PASS|FAIL|SKIP) ' "$log" | tail -n 20 | sed 's/^/    /'
	fi
	rm -f "$log"
}
# VALGRIND=1: every test binary under memcheck; an error or a leak fails it.
vg=""
if [ "${VALGRIND:-}" = 1 ]; then
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --suppressions=tests/valgrind.supp"
fi
for t in "$@"; do
	run "$(basename "$t")" $vg "$t"
done
for s in tests/sh/*.sh; do
	[ -e "$s" ] || continue
	[ "$(basename "$s")" = lib.sh ] && continue # sourced by the others
	run "$(basename "$s")" sh "$s"
done
p=$(grep -c '^PASS ' "$out")
f=$(grep -c '^FAIL ' "$out")
s=$(grep -c '^SKIP ' "$out")
echo
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
