#!/bin/sh
# Differential test of the examples against the kernel: every example
# program the kernel can run (socket filter, xdp, tc) is run on every
# named frame of tests/tools/mkpkt.py twice, from scratch each time (same
# initial map contents: the object's own):
#  - in the kernel: tests/tools/kernel_run.c (libbpf: open, load, then
#    BPF_PROG_TEST_RUN), built here with -lbpf;
#  - in ubee: `ubee -j run OBJ --program P --data F --dump-maps`.
# Both outcomes go through tests/tools/mapcanon.py (retval, output frame,
# every map's contents with entries sorted and per-CPU values summed) and
# must be identical. One PASS/FAIL line per program (all frames), plus
# runs with --repeat and with a context. SKIP with the reason when
# libbpf is missing, bpf() is refused or the kernel rejects a program.
. "$(dirname "$0")/lib.sh"

CC=${CC:-cc}
EX=$BUILD/examples/bpf
TOOLS=$(dirname "$0")/../tools

if ! command -v python3 >/dev/null 2>&1; then
	skip kernel_examples "python3 is not available"
	exit 0
fi
if [ ! -x "$UBEE" ]; then
	fail kernel_examples.ubee "$UBEE is missing (run make first)"
	exit 1
fi
if ! printf '#include <bpf/libbpf.h>\nint main(void){return libbpf_major_version() < 1;}\n' |
	"$CC" -x c - -o "$T_TMP/probe" -lbpf -lelf -lz >/dev/null 2>&1; then
	skip kernel_examples "libbpf (libbpf-dev) is not available to $CC"
	exit 0
fi
if [ ! -f "$EX/counter.o" ]; then
	skip kernel_examples "no example objects in $EX (make builds them)"
	exit 0
fi
if ! "$CC" -std=gnu11 -Wall -Wextra -o "$T_TMP/kernel_run" \
	"$TOOLS/kernel_run.c" -lbpf -lelf -lz 2>"$T_TMP/err"; then
	fail kernel_examples.build "cannot build tests/tools/kernel_run.c: $(head -n 3 "$T_TMP/err")"
	exit 1
fi
python3 "$TOOLS/mkpkt.py" --named "$T_TMP/pkts" || {
	fail kernel_examples.mkpkt "cannot generate the frames"
	exit 1
}
# A __sk_buff for tc runs: mark 42 (offset 8), priority 7 (offset 32);
# and the same with len (offset 0) set, which the kernel refuses.
python3 -c '
import struct, sys
ctx = bytearray(192)
struct.pack_into("<I", ctx, 8, 42)
struct.pack_into("<I", ctx, 32, 7)
open(sys.argv[1], "wb").write(ctx)
struct.pack_into("<I", ctx, 0, 5)
open(sys.argv[2], "wb").write(ctx)' "$T_TMP/skb_ctx.bin" "$T_TMP/skb_ctx_len.bin"

# Probe once: when the kernel refuses the simplest example, skip all.
"$T_TMP/kernel_run" "$EX/counter.o" --program count_ethertype \
	--data "$T_TMP/pkts/ipv4_udp.bin" >/dev/null 2>"$T_TMP/err"
case $? in
0) ;;
2)
	skip kernel_examples "$(grep 'refused:' "$T_TMP/err" | tail -n 1)"
	exit 0 ;;
*)
	fail kernel_examples.probe "kernel_run failed: $(tail -n 3 "$T_TMP/err")"
	exit 1 ;;
esac

# outcome DIR LABEL OBJ PROG FRAME [OPTS...]: run in both; the outcomes go
# to DIR/LABEL.k and DIR/LABEL.u (JSON, or "error: ..." when the test run
# refuses the input) and "LABEL DIR/LABEL.k DIR/LABEL.u" onto DIR/list.
# Returns 0; 1 when kernel_run failed (reason in $T_TMP/reason); 2 when
# the kernel refuses the program (reason in $T_TMP/reason).
outcome() {
	dir=$1 label=$2 obj=$3 prog=$4 frame=$5
	shift 5
	"$T_TMP/kernel_run" "$EX/$obj.o" --program "$prog" \
		--data "$T_TMP/pkts/$frame.bin" "$@" >"$dir/$label.k" 2>"$T_TMP/k.err"
	case $? in
	0) ;;
	2)
		grep 'refused:' "$T_TMP/k.err" | tail -n 1 >"$T_TMP/reason"
		return 2 ;;
	3)
		echo "error: $(tail -n 1 "$T_TMP/k.err")" >"$dir/$label.k" ;;
	*)
		echo "kernel_run failed on $frame: $(tail -n 2 "$T_TMP/k.err" | tr '\n' ' ')" >"$T_TMP/reason"
		return 1 ;;
	esac
	if ! "$UBEE" -j run "$EX/$obj.o" --program "$prog" --data "$T_TMP/pkts/$frame.bin" \
		--dump-maps "$@" >"$dir/$label.u" 2>"$T_TMP/u.err"; then
		echo "error: $(head -n 1 "$T_TMP/u.err")" >"$dir/$label.u"
	fi
	echo "$label $dir/$label.k $dir/$label.u" >>"$dir/list"
	return 0
}

# judge NAME DIR: PASS/FAIL from the outcome pairs listed in DIR/list.
judge() {
	if python3 "$TOOLS/mapcanon.py" --pairs "$2/list" >"$T_TMP/verdict" 2>&1; then
		echo "PASS $1 ($(cat "$T_TMP/verdict"))"
	else
		fail "$1" "differs (< kernel, > ubee): $(cat "$T_TMP/verdict")"
	fi
}

# every OBJ PROG [OPTS...]: the program on every named frame.
every() {
	obj=$1 prog=$2
	shift 2
	name=kernel_examples.$obj.$prog
	[ $# -gt 0 ] && name=$name.opts
	dir=$(mktemp -d "$T_TMP/run.XXXXXX")
	for f in "$T_TMP"/pkts/*.bin; do
		frame=$(basename "$f" .bin)
		outcome "$dir" "$frame" "$obj" "$prog" "$frame" "$@"
		case $? in
		1) fail "$name" "$(cat "$T_TMP/reason")"; return ;;
		2) skip "$name" "$(cat "$T_TMP/reason")"; return ;;
		esac
	done
	judge "$name" "$dir"
}

# one NAME OBJ PROG FRAME [OPTS...]: a single comparison.
one() {
	name=kernel_examples.$1
	shift
	dir=$(mktemp -d "$T_TMP/run.XXXXXX")
	outcome "$dir" "$3" "$@"
	case $? in
	0) judge "$name" "$dir" ;;
	1) fail "$name" "$(cat "$T_TMP/reason")" ;;
	2) skip "$name" "$(cat "$T_TMP/reason")" ;;
	esac
}

every counter count_ethertype
every globals filter
every subprogs tc_classify
every tailcall dispatch
every tailcall handle_udp
every loop check_ipv4_csum
every ringbuf flow_events
every xdp_parser parse
every lpm_firewall firewall
every core core_fields
every core core_fields --ctx "$T_TMP/skb_ctx.bin"

one counter.repeat counter count_ethertype ipv4_tcp --repeat 5
one globals.repeat globals filter ipv4_udp --repeat 3
one tailcall.repeat tailcall dispatch ipv4_icmp_echo --repeat 4
one xdp_parser.repeat xdp_parser parse qinq_ipv6_tcp --repeat 3
one lpm_firewall.repeat lpm_firewall firewall ipv4_fw_allow --repeat 2
one subprogs.ctx subprogs tc_classify ipv4_tcp_telnet --ctx "$T_TMP/skb_ctx.bin"
# A context with a field the kernel does not take from user space (len):
# BPF_PROG_TEST_RUN refuses it (EINVAL); so must ubee.
one subprogs.ctx_len_set subprogs tc_classify ipv4_udp --ctx "$T_TMP/skb_ctx_len.bin"

# kernel_run's --map-update (initial map contents) on its own: `ubee run`
# has no such option yet, so it is not part of the comparisons above.
"$T_TMP/kernel_run" "$EX/counter.o" --program count_ethertype \
	--data "$T_TMP/pkts/ipv4_udp.bin" \
	--map-update counts 0008 0a00000000000000e803000000000000 2>&1 |
	python3 "$TOOLS/mapcanon.py" --maps counts --no-data >"$T_TMP/seeded" 2>&1
printf 'retval 44\nmap counts hash\n  2048 => {"packets":11,"bytes":1044}\n' >"$T_TMP/seeded.want"
if cmp -s "$T_TMP/seeded" "$T_TMP/seeded.want"; then
	pass kernel_examples.kernel_run_map_update
else
	fail kernel_examples.kernel_run_map_update "got: $(tr '\n' '|' <"$T_TMP/seeded")"
fi
exit $T_FAILED
