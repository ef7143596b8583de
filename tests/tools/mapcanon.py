#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Canonical text of a run's outcome, for comparing runs that print it
differently: `ubee -j run ... --dump-maps` and tests/tools/kernel_run
(same JSON shape). The canonical text is:

  retval N                  (as the kernel reports it: 32 bits, unsigned)
  data_out HEX
  map NAME TYPE             (maps sorted by name)
    KEY => VALUE            (compact JSON; entries sorted by key; "-" for
                             global data, which has no key)

or the single line "error" for a run that failed (an outcome file that
is not JSON but starts with "error:"). Per-CPU values are summed over
the CPUs, leaf by leaf (the kernel runs a test on one CPU, ubee on
whichever the thread is on: only sums compare); a leaf that is not a
number keeps its value when every CPU agrees, else shows the distinct
values as a list.

  mapcanon.py [--nonzero] [--maps A,B] [--no-data] < OUTCOME
      print the canonical text; --nonzero drops entries whose value is
      all zeros (array slots never written), --maps keeps only those
      maps, --no-data leaves out data_out
  mapcanon.py --pairs LIST
      LIST has lines "LABEL FILE_A FILE_B": compare each pair's
      canonical texts; print the first difference (< A, > B) and exit 1,
      or "N equal" and exit 0 (one process for many runs: Python starts
      slowly)
  mapcanon.py --expect LIST
      LIST has lines "NAME OUTCOME EXPECTED INPUT": check each outcome
      against the expected canonical text (as with --nonzero, and only
      the maps EXPECTED names; "data_out =" stands for the input's
      bytes, "data_out @FILE" for FILE's); print PASS/FAIL NAME lines,
      exit 1 on any failure
"""
import difflib
import json
import sys


def leaf_sum(vals):
    first = vals[0]
    if isinstance(first, dict):
        return {k: leaf_sum([v[k] for v in vals]) for k in first}
    if isinstance(first, list):
        return [leaf_sum([v[i] for v in vals]) for i in range(len(first))]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return sum(vals)
    distinct = []
    for v in vals:
        if v not in distinct:
            distinct.append(v)
    return distinct[0] if len(distinct) == 1 else distinct


def is_zero(v):
    if isinstance(v, dict):
        return all(is_zero(x) for x in v.values())
    if isinstance(v, list):
        return all(is_zero(x) for x in v)
    return v in (0, "0x0", "0x00", False)


def dumps(v):
    return json.dumps(v, separators=(",", ":"))


def canon(text, nonzero=False, only=None, no_data=False):
    """The canonical lines of one outcome (JSON text or "error: ...")."""
    if text.startswith("error:"):
        return ["error"]
    doc = json.loads(text)
    out = ["retval %d" % (doc["retval"] & 0xFFFFFFFF)]
    if not no_data:
        out.append("data_out %s" % doc.get("data_out", ""))
    for m in sorted(doc.get("maps", []), key=lambda m: m["name"]):
        if only is not None and m["name"] not in only:
            continue
        out.append("map %s %s" % (m["name"], m["type"]))
        lines = []
        for e in m["elements"]:
            value = e["value"] if "value" in e else leaf_sum([c["value"] for c in e["values"]])
            if nonzero and is_zero(value):
                continue
            lines.append("  %s => %s" % (dumps(e["key"]) if "key" in e else "-", dumps(value)))
        out.extend(sorted(lines))
    return out


def pairs(list_file):
    n = 0
    with open(list_file) as f:
        for line in f:
            label, a, b = line.split()
            texts = [open(p).read() for p in (a, b)]
            try:
                ca, cb = canon(texts[0]), canon(texts[1])
            except (ValueError, KeyError) as e:
                print("%s: cannot read an outcome (%s)" % (label, e))
                return 1
            if ca != cb:
                print("%s: (< %s, > %s)" % (label, a, b))
                for t in texts:
                    if t.startswith("error:"):
                        print("  " + t.strip())
                diff = [d for d in difflib.ndiff(ca, cb) if d[:1] in "+-"]
                for d in diff[:8]:
                    print("  " + ("<" if d[0] == "-" else ">") + d[1:])
                return 1
            n += 1
    print("%d equal" % n)
    return 0


def expect(list_file):
    failed = 0
    with open(list_file) as f:
        for line in f:
            name, outcome, expected, data = line.split()
            want = open(expected).read().splitlines()
            for i, w in enumerate(want):
                if w == "data_out =":
                    want[i] = "data_out " + open(data, "rb").read().hex()
                elif w.startswith("data_out @"):
                    want[i] = "data_out " + open(w[10:], "rb").read().hex()
            maps = [w.split()[1] for w in want if w.startswith("map ")]
            text = open(outcome).read()
            try:
                got = canon(text, nonzero=True, only=maps,
                            no_data=not any(w.startswith("data_out ") for w in want))
            except (ValueError, KeyError) as e:
                got = ["(not an outcome: %s) %s" % (e, text[:200])]
            if got == want:
                print("PASS %s" % name)
                continue
            failed = 1
            diff = [d for d in difflib.ndiff(want, got) if d[:1] in "+-"]
            print("FAIL %s: (- expected, + got) %s%s" % (
                name, " | ".join(d.strip() for d in diff[:6]),
                " | " + text.strip() if got == ["error"] else ""))
    return failed


def main(argv):
    if len(argv) == 2 and argv[0] == "--expect":
        return expect(argv[1])
    if len(argv) == 2 and argv[0] == "--pairs":
        return pairs(argv[1])
    only = None
    if "--maps" in argv:
        only = argv[argv.index("--maps") + 1].split(",")
    lines = canon(sys.stdin.read(), "--nonzero" in argv, only, "--no-data" in argv)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
