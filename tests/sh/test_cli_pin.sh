#!/bin/sh
# The map, prog and btf commands driven as a user would: create and update
# pinned maps, load and pin a program, run it from one process while
# others read and update its maps, check printed lines, JSON fields and
# exit codes (2 usage, 1 failure, nothing changed on error), and compare
# `btf dump` with bpftool's output for the same files when bpftool exists.
. tests/sh/lib.sh
export UBEE_PIN_DIR="$T_TMP/pins"
mkdir -p "$UBEE_PIN_DIR"
EX="$BUILD/examples/bpf"
PK="$T_TMP/pkts"
python3 tests/tools/mkpkt.py --named "$PK" >/dev/null 2>&1

# out NAME EXPECTED-RC EXPECTED-STDOUT ARGS...: run ubee, compare both.
out() {
	n=$1 rc=$2 want=$3
	shift 3
	outcmd "$n" "$rc" "$want" "$UBEE" "$@"
}
# outcmd NAME EXPECTED-RC EXPECTED-STDOUT COMMAND...: the same for any command.
outcmd() {
	n=$1 rc=$2 want=$3
	shift 3
	got=$("$@" 2>"$T_TMP/err")
	r=$?
	if [ "$r" != "$rc" ]; then
		fail "$n" "exit $r, want $rc ($(cat "$T_TMP/err"))"
	elif [ "$got" != "$want" ]; then
		fail "$n" "got [$got] want [$want]"
	else
		pass "$n"
	fi
}
# err NAME EXPECTED-RC STDERR-SUBSTRING ARGS...
err() {
	n=$1 rc=$2 want=$3
	shift 3
	"$UBEE" "$@" >/dev/null 2>"$T_TMP/err"
	r=$?
	e=$(cat "$T_TMP/err")
	if [ "$r" != "$rc" ]; then
		fail "$n" "exit $r, want $rc ($e)"
	elif [ "$(printf '%s\n' "$e" | wc -l)" != 1 ]; then
		fail "$n" "not one line: $e"
	else
		case $e in *"$want"*) pass "$n" ;; *) fail "$n" "stderr [$e] lacks [$want]" ;; esac
	fi
}

# ---- maps ------------------------------------------------------------------
out create_array 0 "" map create arr type array key 4 value 8 entries 3 name arr
out update_array 0 "" map update arr key 1 0 0 0 value 1 2 3 4 5 6 7 0x08
out lookup_array 0 "key: 01 00 00 00  value: 01 02 03 04 05 06 07 08" \
	map lookup arr key 1 0 0 0
out lookup_hex 0 "key: 01 00 00 00  value: 01 02 03 04 05 06 07 08" \
	map lookup arr key hex 01000000
out lookup_json 0 '{"key":["0x01","0x00","0x00","0x00"],"value":["0x01","0x02","0x03","0x04","0x05","0x06","0x07","0x08"]}' \
	-j map lookup arr key 1 0 0 0
out dump_array 0 "key: 00 00 00 00  value: 00 00 00 00 00 00 00 00
key: 01 00 00 00  value: 01 02 03 04 05 06 07 08
key: 02 00 00 00  value: 00 00 00 00 00 00 00 00
Found 3 elements" map dump arr
out getnext_first 0 "key: None
next key:
00 00 00 00" map getnext arr
out getnext_json 0 '{"key":["0x01","0x00","0x00","0x00"],"next_key":["0x02","0x00","0x00","0x00"]}' \
	-j map getnext arr key 1 0 0 0
err getnext_last 1 "can't get next key" map getnext arr key 2 0 0 0
"$UBEE" map show arr | head -n 1 | grep -Eq '^[0-9]+: array  name arr  flags 0x0$' &&
	pass show_array || fail show_array "$("$UBEE" map show arr)"
"$UBEE" map show arr | sed -n 2p | grep -q "key 4B  value 8B  max_entries 3  memlock" &&
	pass show_array_geometry || fail show_array_geometry "$("$UBEE" map show arr)"
"$UBEE" -j map show arr | python3 -c '
import json, sys
m = json.load(sys.stdin)
assert m["type"] == "array" and m["name"] == "arr" and m["bytes_key"] == 4
assert m["bytes_value"] == 8 and m["max_entries"] == 3 and m["frozen"] == 0
assert m["pinned"][0].endswith("/arr")' && pass show_json || fail show_json "bad JSON"

# Bad arguments: exit 2, one line naming the argument, map unchanged.
err bad_key_short 2 "key: expected 4 bytes, got 3" map update arr key 1 0 0 value 0 0 0 0 0 0 0 0
err bad_byte 2 "value: '0x100' is not a byte" map update arr key 1 0 0 0 value 0x100 0 0 0 0 0 0 0
err bad_hex 2 "key: 'zz' is not a hex byte string" map lookup arr key hex zz 0 0 0
err bad_value_long 2 "value: expected 8 bytes, got 9" map update arr key 1 0 0 0 value 1 2 3 4 5 6 7 8 9
err missing_key 2 "missing key" map update arr value 1 2 3 4 5 6 7 8
err bad_word 2 "value: 'bogus' is not a byte" map update arr key 1 0 0 0 value 1 2 3 4 5 6 7 8 bogus
err unknown_cmd 2 "unknown command 'frob'" map frob
"$UBEE" frobnicate >/dev/null 2>"$T_TMP/err"
[ $? = 2 ] && head -n 1 "$T_TMP/err" | grep -q "^ubee: unknown command 'frobnicate'$" &&
	pass unknown_top || fail unknown_top "$(head -n 1 "$T_TMP/err")"
err no_pin 1 "No such file" map dump nosuch
out unchanged_after_errors 0 "key: 01 00 00 00  value: 01 02 03 04 05 06 07 08" \
	map lookup arr key 1 0 0 0

# Hash: flags, delete, not found.
out create_hash 0 "" map create h type hash key 4 value 4 entries 8 name h
out noexist_ok 0 "" map update h key 7 0 0 0 value 1 0 0 0 noexist
err noexist_again 1 "update failed: File exists" map update h key 7 0 0 0 value 2 0 0 0 noexist
err exist_missing 1 "update failed: No such file" map update h key 8 0 0 0 value 2 0 0 0 exist
out lookup_missing 1 "key:
09 00 00 00

Not found" map lookup h key 9 0 0 0
out delete_ok 0 "" map delete h key 7 0 0 0
err delete_again 1 "delete failed" map delete h key 7 0 0 0
out dump_empty 0 "Found 0 elements" map dump h

# Per-CPU values: one value from the user, the same on every CPU.
out create_pca 0 "" map create pca type percpu_array key 4 value 4 entries 1
"$UBEE" map update pca key 0 0 0 0 value 5 0 0 0
"$UBEE" map dump pca >"$T_TMP/pca"
ncpu=$(grep -c '^value (CPU' "$T_TMP/pca")
[ "$ncpu" -ge 1 ] && [ "$(grep -c '^value (CPU [0-9]*): 05 00 00 00$' "$T_TMP/pca")" = "$ncpu" ] &&
	head -n 2 "$T_TMP/pca" | tr '\n' '|' | grep -q '^key:|00 00 00 00|$' &&
	pass percpu_dump || fail percpu_dump "$(cat "$T_TMP/pca")"

# Queue: push, peek, pop, empty.
out create_queue 0 "" map create q type queue key 0 value 2 entries 2
out push 0 "" map push q value 1 2
out peek 0 "value: 01 02" map peek q
out peek_json 0 '{"key":[],"value":["0x01","0x02"]}' -j map peek q
out pop 0 "value: 01 02" map pop q
err pop_empty 1 "empty map" map pop q

# Freeze: updates refused afterwards.
out freeze 0 "" map freeze arr
err frozen_update 1 "Operation not permitted" map update arr key 0 0 0 0 value 0 0 0 0 0 0 0 0
"$UBEE" map show arr | grep -q '^	frozen' && pass show_frozen || fail show_frozen "no frozen line"
err create_bad_type 2 "unknown map type 'nosuch'" map create x type nosuch key 4 value 4 entries 1
out unpin_queue 0 "" map unpin q
err unpinned 1 "No such file" map peek q

# ---- programs --------------------------------------------------------------
out prog_load 0 "" prog load "$EX/counter.o" counter
err prog_load_again 1 "already exists" prog load "$EX/counter.o" counter
"$UBEE" prog show counter >"$T_TMP/show"
head -n 1 "$T_TMP/show" | grep -Eq '^[0-9]+: socket_filter  name count_ethertype  tag [0-9a-f]{16}  gpl$' &&
	pass prog_show_fresh || fail prog_show_fresh "$(cat "$T_TMP/show")"
outcmd prog_run 0 "Return value: 44, duration (average): X" sh -c \
	'"$0" prog run counter --data "$1" --repeat 3 --data-out "$2" | sed "s/: [0-9]*ns$/: X/"' \
	"$UBEE" "$PK/ipv4_udp.bin" "$T_TMP/o"
"$UBEE" run "$EX/counter.o" --data "$PK/ipv4_udp.bin" --data-out "$T_TMP/o_run" >/dev/null
cmp -s "$T_TMP/o" "$T_TMP/o_run" && pass prog_run_data_out ||
	fail prog_run_data_out "data out differs from ubee run's"
"$UBEE" prog run counter --data "$PK/ipv4_udp.bin" | grep -Eq '^Return value: 44, duration: [0-9]+ns$' &&
	pass prog_run_line || fail prog_run_line "$("$UBEE" prog run counter --data "$PK/ipv4_udp.bin")"
"$UBEE" prog show counter | head -n 1 | grep -Eq ' run_time_ns [0-9]+ run_cnt 4$' &&
	pass prog_stats || fail prog_stats "$("$UBEE" prog show counter)"
out map_after_runs 0 '{
    "key": 2048,
    "value": {
        "packets": 4,
        "bytes": 176
    }
}' map lookup counts key hex 00 08

# Runs from 4 processes while 2 others update and read the map.
i=0
while [ $i -lt 4 ]; do
	"$UBEE" prog run counter --data "$PK/ipv4_udp.bin" --repeat 250 >/dev/null &
	i=$((i + 1))
done
j=0
while [ $j -lt 20 ]; do
	"$UBEE" map update counts key 1 0 value 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0 >/dev/null
	"$UBEE" map dump counts >/dev/null
	j=$((j + 1))
done
wait
"$UBEE" -j map lookup counts key 0 8 | python3 -c '
import json, sys
m = json.load(sys.stdin)["formatted"]["value"]
assert m["packets"] == 1004 and m["bytes"] == 1004 * 44, m' &&
	pass concurrent_runs_counted || fail concurrent_runs_counted "$("$UBEE" map lookup counts key 0 8)"
"$UBEE" prog show counter | head -n 1 | grep -q ' run_cnt 1004$' &&
	pass concurrent_stats || fail concurrent_stats "$("$UBEE" prog show counter)"
"$UBEE" -j prog show counter | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p["type"] == "socket_filter" and p["name"] == "count_ethertype"
assert p["run_cnt"] == 1004 and p["run_time_ns"] > 0 and p["insns"] > 0
assert len(p["tag"]) == 16 and p["gpl_compatible"] is True and len(p["map_ids"]) == 1' &&
	pass prog_show_json || fail prog_show_json "$("$UBEE" -j prog show counter)"
"$UBEE" prog dump xlated counter | head -n 3 | tr '\n' '|' |
	grep -q '^int count_ethertype(struct __sk_buff \* skb):|; int count_ethertype(struct __sk_buff \*skb)|   0: (bf) r6 = r1|$' &&
	pass dump_xlated || fail dump_xlated "$("$UBEE" prog dump xlated counter | head -n 3)"
"$UBEE" -j prog dump xlated counter | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["disasm"] == "(bf) r6 = r1"' &&
	pass dump_xlated_json || fail dump_xlated_json "bad JSON"
out prog_load_pinmaps 0 "" prog load "$EX/globals.o" globals pinmaps gm
outcmd prog_run_globals 0 '{"retval":1}' sh -c \
	'"$0" -j prog run globals --data "$1" | sed "s/,\"duration\":[0-9]*//"' "$UBEE" "$PK/ipv4_tcp_telnet.bin"
"$UBEE" -j map dump gm/globals_bss | python3 -c '
import json, sys
v = json.load(sys.stdin)[0]["formatted"]["value"][".bss"]
assert v == [{"seen": 1}, {"dropped_len": 0}, {"dropped_port": 1}], v' &&
	pass globals_bss || fail globals_bss "$("$UBEE" map dump gm/globals_bss)"
err prog_is_not_map 1 "a pinned program, not a map" map dump counter
err map_is_not_prog 1 "a pinned map, not a program" prog show counts
err prog_run_usage 2 "unknown option '--bogus'" prog run counter --bogus
out prog_unpin 0 "" prog unpin counter
err prog_gone 1 "No such file" prog show counter

# The tag is the kernel's: compare with bpftool on the same object.
if command -v bpftool >/dev/null 2>&1 && [ -d /sys/fs/bpf ] &&
	bpftool prog load "$EX/counter.o" /sys/fs/bpf/ubee_test_$$ 2>/dev/null; then
	ktag=$(bpftool prog show pinned /sys/fs/bpf/ubee_test_$$ | sed -n 's/.* tag \([0-9a-f]*\).*/\1/p')
	rm -f /sys/fs/bpf/ubee_test_$$
	"$UBEE" prog load "$EX/counter.o" counter2 pinmaps c2 >/dev/null
	utag=$("$UBEE" prog show counter2 | sed -n 's/.* tag \([0-9a-f]*\).*/\1/p')
	[ -n "$ktag" ] && [ "$ktag" = "$utag" ] && pass tag_vs_kernel ||
		fail tag_vs_kernel "kernel $ktag ubee $utag"
else
	skip tag_vs_kernel "bpftool or bpf() unavailable"
fi

# ---- btf dump against bpftool ---------------------------------------------
if command -v bpftool >/dev/null 2>&1; then
	for o in "$EX"/*.o; do
		b=$(basename "$o" .o)
		for f in "" -j -p; do
			# shellcheck disable=SC2086 # f is empty or one option
			"$UBEE" $f btf dump "$o" >"$T_TMP/u" 2>&1
			# shellcheck disable=SC2086
			bpftool $f btf dump file "$o" >"$T_TMP/b" 2>&1
			cmp -s "$T_TMP/u" "$T_TMP/b" && pass "btf_dump_${b}${f}" ||
				fail "btf_dump_${b}${f}" "differs from bpftool"
		done
	done
	if [ -r /sys/kernel/btf/vmlinux ]; then
		"$UBEE" btf dump /sys/kernel/btf/vmlinux >"$T_TMP/u"
		bpftool btf dump file /sys/kernel/btf/vmlinux >"$T_TMP/b"
		cmp -s "$T_TMP/u" "$T_TMP/b" && pass btf_dump_vmlinux ||
			fail btf_dump_vmlinux "differs from bpftool"
	else
		skip btf_dump_vmlinux "no /sys/kernel/btf/vmlinux"
	fi
else
	skip btf_dump_bpftool "bpftool not installed"
fi
"$UBEE" btf dump gm/globals_bss | grep -q "^\[[0-9]*\] DATASEC '.bss' size=24 vlen=3$" &&
	pass btf_dump_pinned || fail btf_dump_pinned "no filled-in DATASEC"
exit $T_FAILED
