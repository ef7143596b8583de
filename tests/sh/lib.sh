# Shared by tests/sh/*.sh (sourced; not a test itself): the PASS/FAIL/SKIP
# protocol of tests/lib/test.h for shell tests, and a scratch directory.
: "${UBEE:=build/ubee}"
: "${BUILD:=build}"
T_FAILED=0
T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; T_FAILED=1; }
skip() { echo "SKIP $1: $2"; }
# check NAME CONDITION-COMMAND... : PASS when the command succeeds.
check() { n=$1; shift; if "$@"; then pass "$n"; else fail "$n" "failed: $*"; fi; }
