#!/bin/sh
# `ubee verify`: selection of programs, --type, --section, JSON shape, exit
# status, usage errors; verdicts where this ubee has its verifier.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
t=$T_TMP
ex=$BUILD/examples/bpf

# Usage errors exit 2.
"$UBEE" verify >/dev/null 2>&1; [ $? = 2 ] && pass verify.usage.no-file || fail verify.usage.no-file "exit $?"
"$UBEE" verify x --log-level 3 >/dev/null 2>&1; [ $? = 2 ] && pass verify.usage.level || fail verify.usage.level "exit $?"
"$UBEE" verify x --bogus 1 >/dev/null 2>&1; [ $? = 2 ] && pass verify.usage.option || fail verify.usage.option "exit $?"
"$UBEE" verify "$ex/loop.o" --type lirc_mode2 >/dev/null 2>"$t/err"; rc=$?
if [ $rc = 2 ] && grep -q "program type 'lirc_mode2' is not supported" "$t/err" && grep -q "^  sock_ops$" "$t/err"; then
	pass verify.type.unsupported
else
	fail verify.type.unsupported "exit $rc: $(cat "$t/err")"
fi
"$UBEE" verify "$t/nonexistent.o" >/dev/null 2>&1; [ $? = 1 ] && pass verify.missing-file || fail verify.missing-file "exit $?"

# Raw bytecode: is the verifier in this ubee?
printf 'r0 = 0\nexit\n' > "$t/ok.s"
"$UBEE" asm "$t/ok.s" -o "$t/ok.bin"
out=$("$UBEE" verify "$t/ok.bin" 2>&1)
case "$out" in *"built without the verifier"*) have=0 ;; *) have=1 ;; esac
printf 'abc' > "$t/bad.bin"
"$UBEE" verify "$t/bad.bin" >/dev/null 2>"$t/err"; rc=$?
[ $rc = 1 ] && grep -q "multiple of 8 bytes" "$t/err" && pass verify.raw.size || fail verify.raw.size "exit $rc"

# The JSON shape, on every example object.
for o in "$ex"/*.o; do
	n=$(basename "$o" .o)
	"$UBEE" verify "$o" --json > "$t/$n.json" 2>"$t/err"
	rc=$?
	python3 - "$t/$n.json" "$rc" "$have" <<'EOF' && pass "verify.json.$n" || fail "verify.json.$n" "$(cat "$t/$n.json" "$t/err")"
import json, sys
d = json.load(open(sys.argv[1]))
rc, have = int(sys.argv[2]), int(sys.argv[3])
progs = d["programs"]
assert set(d) == {"programs"} and progs, d
for p in progs:
    assert set(p) == {"name", "section", "type", "accepted", "insns_processed",
                      "peak_states", "time_us", "error"}, p
    assert isinstance(p["accepted"], bool) and isinstance(p["insns_processed"], int)
    assert isinstance(p["peak_states"], int) and isinstance(p["time_us"], int)
    assert (p["error"] is None) == p["accepted"], p
    if have:
        # Examples are kept at zero precision gaps.
        assert p["accepted"] and p["insns_processed"] > 0, p
assert rc == (0 if all(p["accepted"] for p in progs) else 1), (rc, progs)
EOF
done

# --program picks one; --section all of a section; global -j works too.
out=$("$UBEE" verify "$ex/tailcall.o" --json --program handle_udp)
echo "$out" | python3 -c '
import json,sys
p=json.load(sys.stdin)["programs"]
assert [x["name"] for x in p]==["handle_udp"] and p[0]["section"]=="xdp" and p[0]["type"]=="xdp", p
' && pass verify.program || fail verify.program "$out"
out=$("$UBEE" -j verify "$ex/tailcall.o" --section xdp)
echo "$out" | python3 -c '
import json,sys
p=json.load(sys.stdin)["programs"]
assert len(p)==4 and all(x["section"]=="xdp" for x in p), p
' && pass verify.section || fail verify.section "$out"
"$UBEE" verify "$ex/subprogs.o" --program nope >/dev/null 2>"$t/err"; rc=$?
[ $rc = 1 ] && grep -q "no program named 'nope'" "$t/err" && pass verify.program.missing || fail verify.program.missing "exit $rc"

# --type overrides the section's type.
out=$("$UBEE" verify "$ex/tailcall.o" --json --program dispatch --type sched_cls)
case "$out" in *'"type":"sched_cls"'*) pass verify.type.override ;; *) fail verify.type.override "$out" ;; esac

# Raw programs: type, and a kernel-only helper under VERIFY_ONLY loads.
out=$("$UBEE" verify "$t/ok.bin" --type xdp --json)
case "$out" in *'"name":"ok.bin","section":"","type":"xdp"'*) pass verify.raw.type ;; *) fail verify.raw.type "$out" ;; esac
printf 'call 35\nr0 = 0\nexit\n' > "$t/task.s"   # bpf_get_current_task
"$UBEE" asm "$t/task.s" -o "$t/task.bin"
out=$("$UBEE" verify "$t/task.bin" --type kprobe --json)
case "$out" in *"cannot load"*) fail verify.kernel-helper "$out" ;; *'"type":"kprobe"'*) pass verify.kernel-helper ;; *) fail verify.kernel-helper "$out" ;; esac
printf 'call 59\nr0 = 0\nexit\n' > "$t/cb.s"   # bpf_sock_ops_cb_flags_set
"$UBEE" asm "$t/cb.s" -o "$t/cb.bin"
out=$("$UBEE" verify "$t/cb.bin" --type xdp --json)
case "$out" in *'"accepted":false'*"program of this type cannot use helper bpf_sock_ops_cb_flags_set#59"*) pass verify.kernel-helper.type ;; *) fail verify.kernel-helper.type "$out" ;; esac

# Sections libbpf would not load: .text as one program, an iproute2 "2/1".
if command -v clang-19 >/dev/null; then
	cat > "$t/sec.c" <<'EOF'
#define SEC(s) __attribute__((section(s), used))
static __attribute__((noinline)) int helper(int x) { return x & 1; }
SEC("2/1") int classify(void *ctx) { return helper((int)(long)ctx); }
EOF
	if clang-19 -O2 -g -target bpf -c "$t/sec.c" -o "$t/sec.o" 2>"$t/err"; then
		out=$("$UBEE" verify "$t/sec.o" --section .text --json)
		case "$out" in *'"name":".text","section":".text","type":"mem"'*) pass verify.section.text ;; *) fail verify.section.text "$out" ;; esac
		out=$("$UBEE" verify "$t/sec.o" --section 2/1 --type sched_cls --json)
		case "$out" in *'"name":"classify","section":"2/1","type":"sched_cls"'*) pass verify.section.iproute2 ;; *) fail verify.section.iproute2 "$out" ;; esac
	else
		skip verify.section.text "clang-19 failed: $(head -1 "$t/err")"
	fi
else
	skip verify.section.text "no clang-19"
fi

if [ $have = 0 ]; then
	skip verify.verdicts "this ubee is built without the verifier"
	exit $T_FAILED
fi

# Verdicts and logs.
"$UBEE" verify "$t/ok.bin" > "$t/out"; rc=$?
[ $rc = 0 ] && grep -q "^ok.bin (section , type mem): accepted, processed [1-9][0-9]* insns, peak_states [0-9]*, time [0-9]* us$" "$t/out" \
	&& pass verify.accept || fail verify.accept "exit $rc: $(cat "$t/out")"
printf 'r0 = 0\nexit\nr0 = 1\nexit\n' > "$t/dead.s"
"$UBEE" asm "$t/dead.s" -o "$t/dead.bin"
"$UBEE" verify "$t/dead.bin" > "$t/out"; rc=$?
[ $rc = 1 ] && grep -q "rejected, processed .*: 2: unreachable insn 2$" "$t/out" && pass verify.reject || fail verify.reject "exit $rc: $(cat "$t/out")"
out=$("$UBEE" verify "$t/dead.bin" --json)
case "$out" in *'"accepted":false'*'"error":"2: unreachable insn 2"'*) pass verify.reject.json ;; *) fail verify.reject.json "$out" ;; esac
printf 'r0 = *(u64 *)(r1 + 0)\nexit\n' > "$t/mem.s"   # r1 of a mem program without ctx_size
"$UBEE" asm "$t/mem.s" -o "$t/mem.bin"
"$UBEE" verify "$t/mem.bin" --type xdp > "$t/out"; rc=$?
[ $rc = 1 ] && tail -1 "$t/out" | grep -q "rejected, processed .*: 0: " && pass verify.reject.ctx || fail verify.reject.ctx "exit $rc: $(cat "$t/out")"
# An explicit level keeps the reason (not the statistics line) as the error.
out=$("$UBEE" verify "$t/dead.bin" --log-level 1 --json)
case "$out" in *'"error":"2: unreachable insn 2"'*) pass verify.reject.level1 ;; *) fail verify.reject.level1 "$out" ;; esac
# Level 2 logs every instruction: more lines than level 0.
l0=$("$UBEE" verify "$ex/loop.o" --log-level 0 | wc -l)
l2=$("$UBEE" verify "$ex/loop.o" --log-level 2 | wc -l)
[ "$l2" -gt "$l0" ] && pass verify.log-level || fail verify.log-level "level 0: $l0 lines, level 2: $l2"
exit $T_FAILED
