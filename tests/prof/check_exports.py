#!/usr/bin/env python3
"""Runs prof_export_gen and parses every format it writes (ctest prof_exports).

usage: check_exports.py PROF_EXPORT_GEN OUTDIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

OUTER, MID, LEAF = "gen.outer", "gen.mid", "gen.leaf"
ODD = 'gen."odd" name;semi\\slash'
THREADS, ITERS = 3, 100
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def main():
    gen, out = sys.argv[1], sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([gen, out], check=True)

    # profile.json: a JSON document with exact call counts.
    with open(os.path.join(out, "profile.json")) as f:
        prof = json.load(f)
    zones = {z["name"]: z for z in prof["zones"]}
    check(zones[OUTER]["calls"] == THREADS * ITERS, "json: outer calls")
    check(zones[MID]["calls"] == THREADS * ITERS, "json: mid calls")
    check(zones[LEAF]["calls"] == THREADS * ITERS * 3, "json: leaf calls")
    check(zones[ODD]["calls"] == THREADS * ITERS, "json: odd name escaped and counted")
    for z in prof["zones"]:
        check(z["self_ns"] <= z["total_ns"], f"json: self <= total for {z['name']}")
        check(z["p50_ns"] <= z["p99_ns"] <= z["max_ns"] + 1, f"json: percentiles for {z['name']}")
        check(z["threads"] == THREADS, f"json: thread count for {z['name']}")
    edges = {(e["parent"], e["child"]): e["calls"] for e in prof["edges"]}
    check(edges.get((None, OUTER)) == THREADS * ITERS, "json: root -> outer edge")
    check(edges.get((MID, LEAF)) == THREADS * ITERS * 2, "json: mid -> leaf edge")
    check(edges.get((OUTER, LEAF)) == THREADS * ITERS, "json: outer -> leaf edge")
    check(len(prof["threads"]) == THREADS, "json: threads")
    check(sorted(t["name"] for t in prof["threads"]) == ["gen-0", "gen-1", "gen-2"],
          "json: thread names")

    # trace.json: Chrome trace-event JSON, properly nested per thread.
    with open(os.path.join(out, "trace.json")) as f:
        trace = json.load(f)
    evs = trace["traceEvents"]
    xs = [e for e in evs if e["ph"] == "X"]
    meta = [e for e in evs if e["ph"] == "M"]
    check(len(xs) == THREADS * ITERS * 6, f"trace: {len(xs)} X events")
    check(any(m["name"] == "thread_name" and m["args"]["name"] == "gen-1" for m in meta),
          "trace: thread_name metadata")
    by_tid = {}
    for e in xs:
        for k, t in (("name", str), ("ts", (int, float)), ("dur", (int, float)),
                     ("pid", int), ("tid", int)):
            check(isinstance(e.get(k), t), f"trace: field {k} in {e}")
        check(e["ts"] >= 0 and e["dur"] >= 0, f"trace: negative time in {e}")
        by_tid.setdefault(e["tid"], []).append(e)
    for tid, lst in by_tid.items():
        lst.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []
        for e in lst:
            while stack and e["ts"] >= stack[-1]["ts"] + stack[-1]["dur"] - 1e-3:
                stack.pop()
            if stack:
                top = stack[-1]
                check(e["ts"] + e["dur"] <= top["ts"] + top["dur"] + 1e-3,
                      f"trace: {e['name']} overlaps {top['name']} on tid {tid}")
            stack.append(e)

    # profile.folded: "frame;frame;... <integer>" per line.
    line_re = re.compile(r"^[^;\n]+(;[^;\n]+)* [0-9]+$")
    stacks = {}
    with open(os.path.join(out, "profile.folded")) as f:
        for line in f:
            line = line.rstrip("\n")
            check(line_re.match(line) is not None, f"folded: bad line {line!r}")
            stack, _, value = line.rpartition(" ")
            stacks[stack] = int(value)
    check(f"{OUTER};{MID};{LEAF}" in stacks, "folded: outer;mid;leaf")
    check(f"{OUTER};{LEAF}" in stacks, "folded: outer;leaf")
    check(any(s.endswith('gen."odd" name:semi\\slash') for s in stacks), "folded: ';' replaced")
    total_outer = zones[OUTER]["total_ns"]
    check(abs(sum(stacks.values()) - total_outer) <= 50 + total_outer * 1e-6,
          "folded: self times add up to the outermost total")

    # callgrind.out.lobbyd: header, fn blocks, calls= followed by a cost line.
    with open(os.path.join(out, "callgrind.out.lobbyd")) as f:
        cg = f.read().split("\n")
    check(cg[0] == "# callgrind format", "callgrind: first line")
    check("events: ns" in cg, "callgrind: events")
    check(f"fn={OUTER}" in cg and f"fn={LEAF}" in cg, "callgrind: fn lines")
    summary = None
    selfsum = 0
    fn = None
    for i, line in enumerate(cg):
        if line.startswith("summary: "):
            summary = int(line.split()[1])
        elif line.startswith("fn="):
            fn = line[3:]
            m = re.match(r"^[0-9]+ ([0-9]+)$", cg[i + 1])
            check(m is not None, f"callgrind: no self cost after {line}")
            if m:
                selfsum += int(m.group(1))
        elif line.startswith("calls="):
            check(re.match(r"^calls=[0-9]+ [0-9]+$", line) is not None, f"callgrind: {line}")
            check(re.match(r"^[0-9]+ [0-9]+$", cg[i + 1]) is not None,
                  f"callgrind: no cost after {line}")
            check(cg[i - 1].startswith("cfn=") and cg[i - 2].startswith("cfl="),
                  f"callgrind: calls= without cfl/cfn in {fn}")
    check(summary == selfsum, f"callgrind: summary {summary} != sum of self {selfsum}")

    with open(os.path.join(out, "profile.txt")) as f:
        txt = f.read()
    check(txt.startswith("lobbyd profile: stopped"), "text: header")
    check(re.search(r"gen\.outer +\(all\) +300 ", txt) is not None, "text: outer row")

    if failures:
        for m in failures[:50]:
            print("FAIL:", m)
        return 1
    print("exports OK:", ", ".join(sorted(os.listdir(out))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
