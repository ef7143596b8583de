#!/bin/sh
# Run fuzz targets one after the other, each for FUZZ_TIME seconds, and
# print one summary line per target:
#   fuzz_btf: 1234567 execs (20576/s), cov 2001 ft 9876, corpus 812, ok
# Environment: FUZZ_DIR (binaries; work/, artifacts/, logs/ go there too),
# FUZZ_TIME (seconds, default 60), FUZZ_ARGS (more libFuzzer options).
# Exit 1 when any target crashed, leaked, timed out or broke a property;
# the tail of its log and the saved input are printed.
set -u
: "${FUZZ_DIR:=build/fuzz}" "${FUZZ_TIME:=60}" "${FUZZ_ARGS:=}"
status=0
for t in "$@"; do
	bin=$FUZZ_DIR/$t
	work=$FUZZ_DIR/work/$t
	art=$FUZZ_DIR/artifacts/$t
	log=$FUZZ_DIR/logs/$t.log
	mkdir -p "$work" "$art" "$FUZZ_DIR/logs"
	if [ -d "tests/fuzz/corpus/$t" ]; then
		cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
	fi
	dict=
	[ -f "tests/fuzz/$t.dict" ] && dict=-dict=tests/fuzz/$t.dict
	# shellcheck disable=SC2086 # FUZZ_ARGS and dict are option lists
	"$bin" -max_total_time="$FUZZ_TIME" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$art/" $dict $FUZZ_ARGS \
		"$work" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	if [ $rc -eq 0 ]; then
		verdict=ok
	else
		verdict="FAILED (exit $rc)"
		status=1
	fi
	echo "$t: ${execs:-?} execs (${rate:-?}/s), cov ${cov:-?} ft ${ft:-?}, corpus ${corp:-?}, $verdict"
	if [ $rc -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|Test unit written|fuzz_.*\.c:[0-9]+:' "$log" | head -n 20 | sed 's/^/    /'
	fi
done
exit $status
