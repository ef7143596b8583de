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
# VALGRIND=1: every test binary under memcheck; an error or a definite or
# indirect leak fails it (exit status 99). JIT code is written and run
# from anonymous memory: --smc-check=all-non-file makes valgrind notice.
# The randomized tests run fewer programs (each count can still be set);
# docs/TESTING.md lists what runs reduced and why. The shell tests run the
# CLI ($UBEE) through a wrapper that logs memcheck's reports to files,
# whatever the scripts do with its output; a report fails "valgrind-cli".
vg=""
vgdir=""
if [ "${VALGRIND:-}" = 1 ]; then
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --smc-check=all-non-file --suppressions=$(pwd)/tests/valgrind.supp"
	: "${UBEE_RT_COUNT:=2000}" "${UBEE_JIT_DIFF_COUNT:=1000}" "${UBEE_MUT_RANDOM:=30}"
	export UBEE_RT_COUNT UBEE_JIT_DIFF_COUNT UBEE_MUT_RANDOM
	if [ -n "${UBEE:-}" ]; then
		vgdir=$(mktemp -d) || exit 1
		trap 'rm -f "$out"; rm -rf "$vgdir"' EXIT
		printf '#!/bin/sh\nexec %s --log-file=%s/log.%%p %s "$@"\n' \
			"$vg" "$vgdir" "$UBEE" >"$vgdir/ubee"
		chmod +x "$vgdir/ubee"
		UBEE=$vgdir/ubee
		export UBEE
	fi
fi
for t in "$@"; do
	run "$(basename "$t")" $vg "$t"
done
for s in tests/sh/*.sh; do
	[ -e "$s" ] || continue
	[ "$(basename "$s")" = lib.sh ] && continue # sourced by the others
	run "$(basename "$s")" sh "$s"
done
if [ -n "$vgdir" ]; then
	for l in "$vgdir"/log.*; do
		# memcheck's reports start with ==pid==; --pid-- lines are
		# valgrind's own warnings (a bpf() command it does not know).
		grep -q '^==[0-9]*==' "$l" || continue
		echo "FAIL valgrind-cli: memcheck report of the CLI (pid ${l##*.})" | tee -a "$out"
		head -n 40 "$l" | sed 's/^/    /'
	done
fi
p=$(grep -c '^PASS ' "$out")
f=$(grep -c '^FAIL ' "$out")
s=$(grep -c '^SKIP ' "$out")
echo
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
