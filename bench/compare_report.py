#!/usr/bin/env python3
"""Tables for bench/compare.sh (lobbyd side by side with other IRC servers).

  compare_report.py summary RUN.json          one line about one lobbyd-load run
  compare_report.py best-rate RAMP.json...    the best passing rate of these ramps (0: none)
  compare_report.py report RESDIR [--docs F]  the table; with --docs, replace the
                                              generated section of F (between markers)
"""
import argparse
import json
import re
import statistics
import sys
from pathlib import Path

BEGIN = "<!-- BEGIN bench/compare.sh: generated, edit the script instead -->"
END = "<!-- END bench/compare.sh -->"
TITLE = "## Side by side with IRC servers"
CAP_BEGIN = "<!-- BEGIN bench/compare.sh capacity: generated, edit the script instead -->"
CAP_END = "<!-- END bench/compare.sh capacity -->"
CAP_TITLE = "## Capacity side by side: every server held to the same share of a core"

NAMES = {"lobbyd": "lobbyd", "ngircd": "ngIRCd", "inspircd": "InspIRCd", "hybrid": "ircd-hybrid",
         "lobbyd-t2": "lobbyd --threads 2"}

# What each configuration loosens, and what it could not (checked against the
# servers' documentation, example configs and sources; see bench/compare.sh).
LIMITS = {
    "lobbyd": (
        "`flood_rate = 1e9`, `flood_burst = 1000000`, `recvq_bytes` 1 MiB, `sendq_bytes` 16 MiB, "
        "`max_clients = 19000` (the process has 20,000 descriptors), `max_clients_per_ip = 0`, "
        "`allow_create_lobbies = true` (`created_lobby_capacity = 100000`), `max_lobbies_per_client = 100`, "
        "ping 300 s / timeout 600 s. lobbyd does no DNS or ident lookups.",
        "nothing relevant (lines stay limited to 512 bytes, which the load does not reach)."),
    "ngircd": (
        "`MaxConnections = 0`, `MaxConnectionsIP = 0`, `MaxJoins = 0` (unlimited), `MaxPenaltyTime = 0` "
        "(no penalty time: this switches off the 1-second throttle for more than 3 commands per read "
        "or more than 256 bytes/s per client), `DNS = no`, `Ident = no`, `PAM = no`, "
        "`RequireAuthPing = no`, `PingTimeout = 300`.",
        "compile-time limits: a 2,048-byte read buffer per client (a client whose unprocessed input "
        "exceeds it is cut: \"Receive buffer space exhausted\"), a 32 KiB write buffer per client (the "
        "sendq: \"Write buffer space exhausted\"), at most 3 commands per client per pass of the main "
        "loop, a listen backlog of 10 (`listen(sock, 10)`: bursts of connects see dropped SYNs and "
        "retransmits after 1, 3, 7 s), and a main loop that walks every connection on each pass; one "
        "thread. User mode +F (relaxed flood limits) is for IRC operators only."),
    "inspircd": (
        "`<connect threshold=\"1000000\" commandrate=\"1000000000\" fakelag=\"yes\" hardsendq=softsendq=16 MiB "
        "recvq=1 MiB localmax=globalmax=limit=100000 maxchans=100 resolvehostnames=\"no\" useident=\"no\">`, "
        "`<cidr ipv4clone=\"32\">`, `<performance softlimit=\"19000\" somaxconn=\"4096\" netbuffersize=\"65536\" "
        "clonesonconnect=\"no\">`; no modules loaded (so no ident, connflood or DNSBL).",
        "registration completes on the server's once-a-second background pass "
        "(`UserManager::DoBackgroundUserStuff`, REG_NICKUSER -> CheckModulesReady): every registration "
        "waits 0-1 s whatever the load, so its registration times are not a speed figure and its "
        "registrations/s is bounded by the connections in flight (here `--concurrency`) per second; "
        "the command-penalty counter is also only decayed once a second (set so high that it never "
        "binds); one thread."),
    "hybrid": (
        "class `users`: `number_per_ip_local/global = 100000`, `number_per_cidr = 100000` (/32), "
        "`max_number = 100000`, `sendq = 16 megabytes`, `recvq = 8000 bytes` (its maximum), "
        "`max_channels = 100`; `auth { user = \"*@*\"; flags = can_flood, exceed_limit, no_tilde, ...}` "
        "(no flood limits on read lines), `exempt { ip = \"127.0.0.0/8\"; }` (no connection throttle); "
        "general: `disable_auth = yes` (no ident), `throttle_time = 0`, `default_floodcount = 0`, "
        "`anti_nick_flood = no`, `pace_wait = 0`, `max_targets = 999`; channel: "
        "`default_join_flood_count = 0`; `default_max_clients = 19000`.",
        "the reverse-DNS lookup of every client (ircd-hybrid 8.2 has no option for it; `disable_auth` "
        "only stops ident). This machine's resolver answers about 50 queries of a burst and drops the "
        "rest, so without help hybrid's registrations waited 4-12 s for its retries (storm: 10 "
        "registrations/s). compare.sh therefore starts hybrid in a private mount namespace whose "
        "/etc/resolv.conf names a stub on 127.0.0.153 (`bench/compare_dnsstub.py`, NXDOMAIN at once): "
        "the lookup still happens, at the cost of a loopback round trip, as with a local caching resolver; "
        "if the stub cannot be set up the report says its registration times are not a speed figure; "
        "recvq at most 8,000 bytes; one thread."),
}


def load(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def g(d, *keys, default=None):
    for k in keys:
        if not isinstance(d, dict) or k not in d or d[k] is None:
            return default
        d = d[k]
    return d


def fmt_num(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, Below):
        return "< " + fmt_num(float(v), unit) + " (step 1 failed)"
    if isinstance(v, str):
        return v
    a = abs(v)
    if a >= 1e6:
        s = f"{v / 1e6:.2f} M"
    elif a >= 10000:
        s = f"{v / 1e3:.1f} k"
    elif a >= 100:
        s = f"{v:.0f}"
    elif a >= 10:
        s = f"{v:.1f}"
    else:
        s = f"{v:.2f}"
    return s + unit


# ------------------------------------------------------------------ summary
def summary(doc):
    if doc is None:
        return "no result"
    sc = doc.get("scenario")
    parts = [doc.get("status", "?")]
    if sc == "chat":
        parts.append(f"{fmt_num(g(doc, 'chat', 'deliveries_per_s'))} deliveries/s, ratio "
                     f"{g(doc, 'chat', 'delivery_ratio')}, p50 {g(doc, 'latency_ms', 'p50')} ms, "
                     f"p99 {g(doc, 'latency_ms', 'p99')} ms")
    elif sc == "ramp":
        r = doc.get("ramp", {})
        parts.append(f"best {fmt_num(r.get('max_sustained_deliveries_per_s'))} deliveries/s at "
                     f"{r.get('max_sustained_rate')} msg/s/client (p99 {r.get('max_sustained_p99_ms')} ms); "
                     f"{len(r.get('steps', []))} steps; stop: {r.get('stop_reason') or 'max steps'}")
    elif sc == "storm":
        parts.append(f"{fmt_num(g(doc, 'storm', 'registrations_per_s'))} registrations/s, "
                     f"registration p50 {g(doc, 'registration_ms', 'p50')} ms p99 {g(doc, 'registration_ms', 'p99')} ms")
    elif sc == "idle":
        parts.append(f"{g(doc, 'connections', 'registered')} registered, "
                     f"{fmt_num(g(doc, 'memory', 'bytes_per_connection'))} B/connection, "
                     f"registration p99 {g(doc, 'registration_ms', 'p99')} ms, all in {doc.get('registration_total_s')} s")
    parts.append(f"server CPU {fmt_num(g(doc, 'server', 'cpu_percent'))}%")
    parts.append(f"load generator CPU {fmt_num(g(doc, 'loadgen', 'cpu_percent'))}%")
    parts.append(f"others {fmt_num(g(doc, 'machine', 'others_cpu_percent'))}%")
    if doc.get("failures"):
        parts.append("FAILED: " + "; ".join(doc["failures"]))
    return ", ".join(parts)


# ------------------------------------------------------------------ figures
def ramp_figures(rc, rf, *more):
    """Combine the coarse and fine (and finer) ramps."""
    out = {"best": None, "rate": None, "p99": None, "bound": None, "floor": False, "lg_max": None,
           "steps": 0, "ok": True, "failures": [], "first": None}
    docs = [d for d in (rc, rf) + more if d is not None]
    if not docs:
        return out
    best = (0.0, 0.0, 0.0, 0.0, None)  # deliveries/s, rate, p99, loadgen cpu, server cpu at that step
    fails = []
    lg = []
    for d in docs:
        out["steps"] += len(g(d, "ramp", "steps", default=[]))
        if not d.get("ok"):
            out["ok"] = False
            out["failures"] += d.get("failures", [])
        for st in g(d, "ramp", "steps", default=[]):
            lg.append(st.get("loadgen_cpu_percent") or 0)
            if st.get("pass"):
                if st["deliveries_per_s"] > best[0]:
                    best = (st["deliveries_per_s"], st["rate"], st["p99_ms"], st.get("loadgen_cpu_percent") or 0,
                            st.get("server_cpu_percent"))
            else:
                fails.append(st)
    out["lg_max"] = max(lg) if lg else None
    first_steps = g(docs[0], "ramp", "steps", default=[])
    if first_steps:
        out["first"] = first_steps[0]
    out["best"], out["rate"], out["p99"], out["server_cpu"] = best[0], best[1], best[2], best[4]
    above = sorted((s for s in fails if s["rate"] > best[1]), key=lambda s: s["rate"])
    if above:
        b = above[0]
        out["bound"] = b
        if "load generator" in (b.get("verdict") or "") or (b.get("loadgen_cpu_percent") or 0) > 90:
            out["floor"] = True
    else:
        out["floor"] = True  # never failed: the ramp ran out of steps
    if best[3] > 90:
        out["floor"] = True
    return out


def collect(res, prefix):
    runs = {k: load(res / f"{prefix}.{k}.json") for k in ("chat", "ramp", "ramp-fine", "ramp-finer", "storm", "idle")}
    f = {"runs": runs}
    f["ramp"] = ramp_figures(runs["ramp"], runs["ramp-fine"], runs["ramp-finer"])
    c = runs["chat"]
    if c:
        dps = g(c, "chat", "deliveries_per_s")
        cpu = g(c, "server", "cpu_percent")
        wall = c.get("wall_s")
        cfg = c.get("config", {})
        total = (dps or 0) * ((cfg.get("duration_s") or 0) + (cfg.get("warmup_s") or 0))
        f["chat"] = {
            "dps": dps, "ratio": g(c, "chat", "delivery_ratio"), "p50": g(c, "latency_ms", "p50"),
            "p99": g(c, "latency_ms", "p99"), "cpu": cpu,
            "us_per_delivery": (cpu / 100.0 * wall / total * 1e6) if (cpu and wall and total) else None,
        }
    s = runs["storm"]
    if s:
        f["storm"] = {"rps": g(s, "storm", "registrations_per_s"), "p50": g(s, "registration_ms", "p50"),
                      "p99": g(s, "registration_ms", "p99"), "failed": g(s, "storm", "failed")}
    i = runs["idle"]
    if i:
        f["idle"] = {"bpc": g(i, "memory", "bytes_per_connection"), "reg": g(i, "connections", "registered"),
                     "p50": g(i, "registration_ms", "p50"), "p99": g(i, "registration_ms", "p99"),
                     "total": i.get("registration_total_s")}
    lgs, others = [], []
    for k, d in runs.items():
        if d is None:
            continue
        v = g(d, "loadgen", "cpu_percent")
        if v is not None:
            lgs.append((k, v))
        o = g(d, "machine", "others_cpu_percent")
        if o is not None:
            others.append(o)
    f["loadgen"] = lgs
    f["others"] = others
    return f


class Below(float):
    """'less than this': the first ramp step failed at this many deliveries/s."""


def ramp_best(f):
    r = f.get("ramp", {})
    if r.get("best"):
        return r["best"]
    if r.get("first") and not r["first"].get("pass"):
        return Below(r["first"]["deliveries_per_s"])
    return None


def ratio(v, ref):
    if v is None or ref in (None, 0):
        return "n/a"
    if isinstance(ref, Below):
        return "n/a"
    return ("< " if isinstance(v, Below) else "") + f"{v / ref:.2f}"


def build_table(servers, figs):
    """Rows: (label, better, key function)."""
    rows = [
        ("chat ramp: highest sustained deliveries/s (p99 <= 50 ms, none lost)", "higher", ramp_best),
        ("  at msg/s per client", "", lambda f: g(f, "ramp", "rate") or None),
        ("  p99 at that step, ms", "", lambda f: g(f, "ramp", "p99") or None),
        ("chat at a fixed rate: deliveries/s", "", lambda f: g(f, "chat", "dps")),
        ("  latency p50, ms", "lower", lambda f: g(f, "chat", "p50")),
        ("  latency p99, ms", "lower", lambda f: g(f, "chat", "p99")),
        ("  server CPU, % of one core (whole run)", "lower", lambda f: g(f, "chat", "cpu")),
        ("  server CPU time per delivery, µs (whole run incl. set-up)", "lower", lambda f: g(f, "chat", "us_per_delivery")),
        ("storm: registrations/s", "higher", lambda f: g(f, "storm", "rps")),
        ("  registration p50, ms", "lower", lambda f: g(f, "storm", "p50")),
        ("  registration p99, ms", "lower", lambda f: g(f, "storm", "p99")),
        ("idle: memory per connection, bytes (VmRSS)", "lower", lambda f: g(f, "idle", "bpc")),
        ("  registration p99, ms", "lower", lambda f: g(f, "idle", "p99")),
        ("  time to register all, s", "lower", lambda f: g(f, "idle", "total")),
    ]
    head = "| figure | better | " + " | ".join(
        NAMES[s] + ("" if s == "lobbyd" else " (ratio)") for s in servers) + " |"
    sep = "|---|---|" + "---:|" * len(servers)
    lines = [head, sep]
    ref = figs["lobbyd"]
    for label, better, fn in rows:
        cells = []
        r = fn(ref)
        for s in servers:
            v = fn(figs[s])
            if s == "lobbyd":
                cells.append(fmt_num(v))
            else:
                cells.append(f"{fmt_num(v)} ({ratio(v, r)})")
        lines.append(f"| {label} | {better} | " + " | ".join(cells) + " |")
    # context rows (no ratios): what else ran, and how busy the load generator was
    cells = []
    for s in servers:
        o = figs[s]["others"]
        cells.append(f"{statistics.median(o):.0f} ({min(o):.0f}-{max(o):.0f})" if o else "n/a")
    lines.append("| other processes' CPU during its runs, % of a core: median (range) | context | "
                 + " | ".join(cells) + " |")
    cells = []
    for s in servers:
        lg = [v for _, v in figs[s]["loadgen"]]
        rl = figs[s]["ramp"]["lg_max"]
        m = max(lg + ([rl] if rl is not None else [])) if lg else None
        cells.append("n/a" if m is None else f"{m:.0f}" + (" (> 90: figures are floors)" if m > 90 else ""))
    lines.append("| load generator CPU, highest of its runs and ramp steps, % of its core | context | "
                 + " | ".join(cells) + " |")
    # flags row
    cells = []
    for s in servers:
        rf = figs[s]["ramp"]
        flag = []
        if rf["best"] and rf["floor"]:
            flag.append("yes: " + ("load generator at its limit" if rf["bound"] else "no step failed"))
        if rf["lg_max"] is not None and rf["lg_max"] > 90:
            flag.append(f"load generator up to {rf['lg_max']:.0f}% in a step")
        cells.append(", ".join(flag) or "no")
    lines.append("| ramp figure only a floor? | | " + " | ".join(cells) + " |")
    cells = []
    for s in servers:
        b = figs[s]["ramp"]["bound"]
        cells.append(f"{b['rate']:g}/s: {b['verdict']} (load generator {b.get('loadgen_cpu_percent') or 0:.0f}%)"
                     if b else "none failed (--max-steps)")
    lines.append("| ramp stopped by the step (msg/s per client: verdict) | | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def notes_for(servers, figs, meta):
    notes = []
    for s in servers + (["lobbyd-t2"] if "lobbyd-t2" in figs else []):
        f = figs[s]
        for k, d in f["runs"].items():
            if d is None:
                if not (k in ("ramp-fine", "ramp-finer") or (s == "lobbyd-t2" and k == "idle")):
                    notes.append(f"{NAMES[s]} {k}: no result (see the .err file)")
                continue
            if not d.get("ok"):
                notes.append(f"{NAMES[s]} {k}: run **failed**: " + "; ".join(d.get("failures", [])))
            lgc = g(d, "loadgen", "cpu_percent")
            if lgc is not None and lgc > 90:
                notes.append(f"{NAMES[s]} {k}: the load generator used {lgc:.0f}% of its core: the figure is a "
                             f"floor for the server")
            for n in d.get("notes", []):
                if "other processes" in n:
                    continue
                notes.append(f"{NAMES[s]} {k}: {n}")
        rf = f["ramp"]
        if rf["best"] is not None and rf["floor"]:
            b = rf["bound"]
            if b:
                why = (f"the next step ({b['rate']:g} msg/s per client) failed with the load generator at "
                       f"{b.get('loadgen_cpu_percent', 0):.0f}% of its core: the load generator, not the "
                       f"server, was the limit")
            else:
                why = "no step failed before `--max-steps`"
            notes.append(f"{NAMES[s]} ramp: {why}; the highest sustained rate is a **floor** for the server")
    load = machine_load(figs)
    lat_fail = [NAMES[s] for s in servers + (["lobbyd-t2"] if "lobbyd-t2" in figs else [])
                if (figs[s]["ramp"]["bound"] or {}).get("verdict", "").startswith("p99 latency")]
    if load and load[1] > 25 and lat_fail:
        notes.append(
            f"the ramps of {', '.join(lat_fail)} stopped on the p99 bound while other processes used a median "
            f"{load[1]:.0f}% of a core (both cores were shared): at these rates the servers used well under a "
            "core, so the p99 is mostly time spent waiting for a CPU. These ramp figures measure the machine's "
            "contention, **not the servers' capacity**.")
    if load and load[1] > 25:
        notes.append(
            "server CPU at the fixed chat rate also moves with the contention: a server that gets its core less "
            "often handles more lines per wake-up (fewer system calls per message), so compare those CPU "
            "figures only within a run with similar \"other processes\" figures.")
    ins = figs.get("inspircd")
    if ins and g(ins, "storm", "p50") is not None:
        notes.append("InspIRCd: registrations complete on its 1-second background pass; its registration "
                     "times are not a speed figure, and its registrations/s follow `--concurrency`.")
    hyb = figs.get("hybrid")
    if hyb:
        p50 = g(hyb, "storm", "p50") or g(hyb, "idle", "p50")
        stub = meta.get("hybrid_dns") == "stub"
        how = ("answered by the DNS stub" if stub else "answered by the machine's resolver (no stub)")
        if p50 is not None and p50 > 1000:
            notes.append(f"ircd-hybrid: registration p50 {p50:.0f} ms: it waits for its reverse-DNS lookup "
                         f"({how}; it cannot be switched off): its registration times are **not a speed figure** here.")
        elif p50 is not None:
            notes.append(f"ircd-hybrid: registration p50 {p50:.1f} ms with its reverse-DNS lookup {how}: "
                         "its registration times are a speed figure here" +
                         (", with a local resolver that answers at once." if stub else "."))
    if "ngircd" in figs:
        notes.append("ngIRCd: its clients for chat, ramp and idle are set up 8 at a time "
                     "(`--connect-concurrency 8`; its listen backlog is 10), the others' 256 at a time: "
                     "idle's registration times are not comparable for it. Storm uses the same "
                     "`--concurrency` for every server, so ngIRCd's storm figure includes SYNs dropped "
                     "at its backlog.")
    inc = meta.get("_incidents")
    if inc:
        for line in inc:
            notes.append("rerun: " + line)
    return notes


def machine_load(figs):  # noqa: E302 (used above)
    allv = []
    for f in figs.values():
        allv += f["others"]
    if not allv:
        return None
    return min(allv), statistics.median(allv), max(allv)


def name_of(prefix):
    if prefix.endswith("-cap"):
        return NAMES[prefix[:-4]] + " (capped)"
    return NAMES[prefix]


# ------------------------------------------------------------------ capacity phase
def cap_limited_by(f, cap):
    """Who ran out first at the step above the best one: the server (at its quota) or the load generator."""
    b = f["ramp"]["bound"]
    if not f["ramp"]["best"]:
        return "n/a"
    if not b:
        return "nobody: no step failed (--max-steps)"
    lg = b.get("loadgen_cpu_percent") or 0
    sv = b.get("server_cpu_percent")
    if lg > 90:
        return f"load generator ({lg:.0f}%): a floor"
    if sv is not None and sv >= 0 and sv >= 0.9 * cap:
        return f"server at its quota ({sv:.0f}% of {cap}%)"
    return f"unclear (server {sv if sv is not None else -1:.0f}%, load generator {lg:.0f}%)"


def build_cap_table(servers, figs, cap):
    ref = figs["lobbyd"]
    def storm_cpu(f):
        return g(f["runs"].get("storm") or {}, "server", "cpu_percent")
    def storm_lg(f):
        return g(f["runs"].get("storm") or {}, "loadgen", "cpu_percent")
    rows = [
        (f"chat ramp: highest sustained deliveries/s (p99 <= 50 ms, none lost), server held to {cap}% of a core",
         "higher", ramp_best),
        ("  at msg/s per client", "", lambda f: g(f, "ramp", "rate") or None),
        ("  p99 at that step, ms", "", lambda f: g(f, "ramp", "p99") or None),
        ("  server CPU at that step, % of one core", "", lambda f: g(f, "ramp", "server_cpu")),
        ("storm: registrations/s, server held to the same share", "higher", lambda f: g(f, "storm", "rps")),
        ("  registration p99, ms", "lower", lambda f: g(f, "storm", "p99")),
        ("  server CPU, % of one core", "", storm_cpu),
        ("  load generator CPU, % of its core", "", storm_lg),
    ]
    head = "| figure | better | " + " | ".join(
        NAMES[s] + ("" if s == "lobbyd" else " (ratio)") for s in servers) + " |"
    lines = [head, "|---|---|" + "---:|" * len(servers)]
    for label, better, fn in rows:
        cells = []
        r = fn(ref)
        for s in servers:
            v = fn(figs[s])
            cells.append(fmt_num(v) if s == "lobbyd" or not better else f"{fmt_num(v)} ({ratio(v, r)})")
        lines.append(f"| {label} | {better} | " + " | ".join(cells) + " |")
    cells = []
    for s in servers:
        b = figs[s]["ramp"]["bound"]
        if b:
            sv = b.get("server_cpu_percent")
            cells.append(f"{b['rate']:g}/s: {b['verdict']} (server {sv if sv is not None else -1:.0f}%, "
                         f"load generator {b.get('loadgen_cpu_percent') or 0:.0f}%)")
        else:
            cells.append("none failed (--max-steps)")
    lines.append("| ramp stopped by the step (msg/s per client: verdict) | | " + " | ".join(cells) + " |")
    lines.append("| who ran out first at that step | | " + " | ".join(cap_limited_by(figs[s], cap) for s in servers) + " |")
    cells = []
    for s in servers:
        o = figs[s]["others"]
        cells.append(f"{statistics.median(o):.0f} ({min(o):.0f}-{max(o):.0f})" if o else "n/a")
    lines.append("| other processes' CPU during its runs, % of a core: median (range) | context | "
                 + " | ".join(cells) + " |")
    return "\n".join(lines)


def cap_report(res, meta, servers, docs):
    prefixes = [s + "-cap" for s in servers if (res / f"{s}-cap.ramp.json").exists()
                or (res / f"{s}-cap.storm.json").exists()]
    if "lobbyd-cap" not in prefixes:
        return
    cap = int(meta.get("cap", "0") or 0)
    caps = [p[:-4] for p in prefixes]
    figs = {p[:-4]: collect(res, p) for p in prefixes}
    table = build_cap_table(caps, figs, cap)
    notes = []
    for s in caps:
        for k, d in figs[s]["runs"].items():
            if d is None:
                if k in ("ramp", "storm"):
                    notes.append(f"{NAMES[s]} (capped) {k}: no result (see the .err file)")
                continue
            if not d.get("ok"):
                notes.append(f"{NAMES[s]} (capped) {k}: run **failed**: " + "; ".join(d.get("failures", [])))
    inc = [x for x in meta.get("_incidents", []) if "-cap." in x]
    notes += ["rerun: " + x for x in inc]
    print(f"\ncapacity: every server held to {meta.get('cap_text')}; ratio = server / lobbyd\n")
    print(table)
    for n in notes:
        print("  - " + n.replace("**", ""))
    if docs:
        write_cap_docs(Path(docs), res, meta, prefixes, table, notes, cap)


def write_cap_docs(path, res, meta, prefixes, table, notes, cap):
    quick = meta.get("quick") == "1"
    L = [CAP_BEGIN, CAP_TITLE, ""]
    L.append(
        "On two cores, one pinned load-generator process reaches its limit (70-110 k deliveries/s here, "
        "depending on how many lines the server puts in a segment) before lobbyd, InspIRCd or ircd-hybrid "
        f"do, so the ramp of the run above can only give floors. Here every server is held to **{meta.get('cap_text')}** by a CPU cgroup "
        "(CFS bandwidth control; a throttled server waits at most the rest of a 10 ms period, far below "
        "the 50 ms p99 bound), so the server runs out before the load "
        "generator, and the ramp (coarse x2, fine x1.19, then one step x1.09 above the best) and the storm "
        "measure each server's **capacity for the same CPU**. The kernel's work in the server's system "
        "calls (the TCP send path, and on loopback the receive path it triggers) counts against the "
        "server's share, as it would on a real core. Same servers, configurations, load and order as "
        "above; a fresh server for each run.")
    if quick:
        L += ["", "**This is a `--quick` smoke run: small numbers, not figures to compare.**"]
    L += ["", "```sh", f"bench/compare.sh{(' ' + meta['args']) if meta.get('args') else ''}   # as root",
          "```", "", "The runs:", "", "```sh"] + cmd_lines(res, [], prefixes) + ["```", "",
          f"Measured {meta.get('date')}, commit {meta.get('commit')}, {meta.get('cpu')}, Linux {meta.get('kernel')}.",
          "", table]
    if notes:
        L += ["", "Notes from the runs:", ""] + [f"- {n}" for n in notes]
    L.append(CAP_END)
    block = "\n".join(L) + "\n"
    text = path.read_text()
    if CAP_BEGIN in text and CAP_END in text:
        a = text.index(CAP_BEGIN)
        b = text.index(CAP_END) + len(CAP_END)
        if b < len(text) and text[b] == "\n":
            b += 1
        text = text[:a] + block + ("" if text[b:].startswith("\n") else "\n") + text[b:]
    elif END in text:
        b = text.index(END) + len(END)
        text = text[:b] + "\n\n" + block + "\n" + text[b:].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def read_meta(res):
    meta = {}
    for line in (res / "meta.txt").read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            meta[k] = v
    return meta


def scaling(figs):
    if "lobbyd-t2" not in figs:
        return None
    a, b = figs["lobbyd"], figs["lobbyd-t2"]
    rows = [("chat ramp: highest sustained deliveries/s", g(a, "ramp", "best"), g(b, "ramp", "best")),
            ("storm: registrations/s", g(a, "storm", "rps"), g(b, "storm", "rps")),
            ("chat at a fixed rate: latency p99, ms", g(a, "chat", "p99"), g(b, "chat", "p99")),
            ("chat at a fixed rate: server CPU, % of one core", g(a, "chat", "cpu"), g(b, "chat", "cpu"))]
    out = ["| figure | --threads 1, pinned | --threads 2, unpinned | ratio |", "|---|---:|---:|---:|"]
    for label, x, y in rows:
        out.append(f"| {label} | {fmt_num(x)} | {fmt_num(y)} | {ratio(y, x)} |")
    fl = []
    for name, f in (("--threads 1", a), ("--threads 2", b)):
        if f["ramp"]["floor"] and f["ramp"]["best"]:
            fl.append(name)
    return "\n".join(out), fl


def report(res, docs):
    res = Path(res)
    meta = read_meta(res)
    if (res / "incidents.txt").exists():
        meta["_incidents"] = [x for x in (res / "incidents.txt").read_text().splitlines() if x.strip()]
    servers = meta["servers"].split()
    if not any((res / f"lobbyd.{k}.json").exists() for k in ("chat", "ramp", "storm", "idle")):
        cap_report(res, meta, servers, docs)  # --only-cap
        return
    prefixes = servers + (["lobbyd-t2"] if (res / "lobbyd-t2.chat.json").exists() or
                          (res / "lobbyd-t2.ramp.json").exists() else [])
    figs = {p: collect(res, p) for p in prefixes}
    table = build_table(servers, figs)
    notes = notes_for(servers, figs, meta)
    load = machine_load(figs)
    sc = scaling(figs)
    limits_md = []
    for s in servers:
        loosened, not_ = LIMITS[s]
        limits_md.append(f"- **{NAMES[s]}**: loosened: {loosened} Could not be loosened: {not_}")
    (res / "limits.md").write_text("\n".join(limits_md) + "\n")

    # console
    print(f"\nlobbyd side by side ({meta.get('date')}; {'QUICK smoke run, not figures' if meta.get('quick') == '1' else 'full run'}); "
          f"ratio = server / lobbyd\n")
    print(table)
    if sc:
        print("\nscaling of lobbyd (--threads 2 unpinned vs --threads 1 pinned):\n")
        print(sc[0])
    if load:
        print(f"\nother processes' CPU during the runs (load generator's estimate, % of one core): "
              f"min {load[0]:.0f}, median {load[1]:.0f}, max {load[2]:.0f}")
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  - " + n.replace("**", ""))
    print(f"\nwhat could not be loosened: {res / 'limits.md'}")

    if docs:
        write_docs(Path(docs), res, meta, servers, figs, table, notes, load, sc, limits_md)
    cap_report(res, meta, servers, docs)
    if docs:
        print(f"updated {docs}")


def cmd_lines(res, servers, prefixes=None):
    out = []
    for s in (prefixes if prefixes is not None else servers + ["lobbyd-t2"]):
        sc = res / f"{s}.server.cmd"
        if not sc.exists():
            continue
        out.append(f"# {name_of(s)}: server (a fresh one for each run; the temporary directory holds the config)")
        out.append(sc.read_text().strip())
        for k in ("chat", "ramp", "ramp-fine", "ramp-finer", "storm", "idle"):
            c = res / f"{s}.{k}.cmd"
            if c.exists():
                out.append(c.read_text().strip())
    return out


def write_docs(path, res, meta, servers, figs, table, notes, load, sc, limits_md):
    quick = meta.get("quick") == "1"
    elapsed = int(meta.get("elapsed_s", "0") or 0)
    L = [BEGIN, TITLE, ""]
    L.append(
        "The same lobbyd-load scenarios against lobbyd and three IRC servers from Debian 12, each "
        "configured with its flood controls, penalties, queues, connection limits and throttles "
        "loosened as far as it allows, and without ident and DNS lookups where the server can do "
        "without (ircd-hybrid cannot: a local stub answers its lookups). Each run starts a fresh server "
        f"pinned to CPU {meta.get('server_cpu')} (`taskset`); the load generator runs pinned to CPU "
        f"{meta.get('load_cpu')}. Ratios are the server's figure divided by lobbyd's.")
    if quick:
        L += ["", "**This is a `--quick` smoke run: small numbers, not figures to compare.**"]
    L += ["", "### Command", "", "```sh",
          f"bench/compare.sh{(' ' + meta['args']) if meta.get('args') else ''}   # as root; about {max(1, round(elapsed / 60))} min; writes this section",
          "bench/compare.sh --quick   # smoke check, < 3 min, leaves this file alone",
          "```", "",
          "It installs `inspircd` and `ircd-hybrid` with apt-get, and unpacks `ngircd` (which conflicts "
          "with ircd-hybrid as a package) with `apt-get download ngircd && dpkg-deb -x` under "
          "`build/compare-ircds/`. InspIRCd and ircd-hybrid refuse to run as root: every other server is "
          "started as user `irc` with `setpriv --reuid=irc --regid=irc --init-groups`, from a temporary "
          "directory owned by irc. Results (every run's JSON, the table) are kept in "
          "`build/compare/<date>/`.", "",
          "The runs, for each server (PORT and PID are the fresh server's; `--conn-timeout 60` because "
          "ngIRCd's listen backlog of 10 makes bursts of connects wait for SYN retransmits):", "", "```sh"]
    L += cmd_lines(res, servers)
    cfg = lambda k: g(figs["lobbyd"]["runs"].get(k) or {}, "config", default={}) or {}
    c, st, idl = cfg("chat"), cfg("storm"), cfg("idle")
    L += ["```", "",
          f"- **chat** (fixed rate): {c.get('clients')} clients in {c.get('lobbies')} lobbies (`#load0..`, "
          f"created by JOIN), {c.get('rate')} msg/s per client for {c.get('duration_s')} s after "
          f"{c.get('warmup_s')} s of warm-up: latency and server CPU at the same offered load for every server.",
          "- **ramp**: the same clients, the rate doubled per step, then a fine ramp (x1.19 per step) "
          "above the best coarse step; the figure is the best step with p99 <= 50 ms, nothing lost or "
          "late, no connection closed, and the load generator below 95% of its core.",
          f"- **storm**: connect, register, QUIT, as fast as possible with {st.get('concurrency')} "
          f"connections in flight, at most {st.get('count')} connections or {st.get('storm_duration_s')} s.",
          f"- **idle**: {idl.get('clients')} registered clients held {idl.get('duration_s')} s; memory per "
          "connection is the server's VmRSS growth divided by the clients (kernel socket buffers not included).",
          "", "### Servers", ""]
    for s in servers:
        L.append(f"- {meta.get('version_' + s, s)}" + (f" (commit {meta.get('commit')})" if s == "lobbyd" else ""))
    L += ["", "### What was loosened, and what could not be", ""] + limits_md
    L += ["", "### Machine", "",
          f"- {meta.get('cpu')}, {meta.get('cores')} cores, {meta.get('mem')}, {meta.get('os')}, "
          f"Linux {meta.get('kernel')}; open-files limit {meta.get('fdlimit')} per process",
          f"- measured {meta.get('date')}; the whole script took {elapsed // 60} min {elapsed % 60} s"]
    if load:
        L.append(
            f"- the machine is shared with other engineers: during the runs, other processes used "
            f"{load[0]:.0f}-{load[2]:.0f}% of one core (median {load[1]:.0f}%; lobbyd-load's estimate: "
            f"machine CPU time minus load generator minus server). Both CPUs were shared with them, so "
            "latencies include waiting for a CPU"
            + (" and the figures are **distorted**, ratios included (each server ran at another time, with "
               "other contention: see the \"other processes\" row); rerun on a quiet machine before "
               "quoting them." if load[1] > 25 else "."))
    if (res / "quiet.txt").exists():
        L.append("- waits for a quiet machine before each server: " +
                 "; ".join(x.strip() for x in (res / "quiet.txt").read_text().splitlines()))
    L += ["", "### Results", "",
          "Ratio = the server's figure / lobbyd's (in parentheses): below 1 in a \"higher\" row, or above 1 "
          "in a \"lower\" row, means the server does worse than lobbyd.", "", table]
    if sc:
        L += ["", "Scaling of lobbyd: `--threads 2`, neither server nor load generator pinned, against "
              "`--threads 1` pinned (two cores in all, shared by lobbyd's two workers, the load generator "
              "and everyone else, so this cannot approach 2x):", "", sc[0]]
        if sc[1]:
            L.append("")
            L.append(f"The ramp figure of {' and '.join(sc[1])} is only a floor (see the notes).")
    if notes:
        L += ["", "Notes from the runs:", ""] + [f"- {n}" for n in notes]
    L.append(END)
    block = "\n".join(L) + "\n"

    text = path.read_text()
    if BEGIN in text and END in text:
        a = text.index(BEGIN)
        b = text.index(END) + len(END)
        if b < len(text) and text[b] == "\n":
            b += 1
        text = text[:a] + block + text[b:]
    else:
        if not text.endswith("\n"):
            text += "\n"
        text += "\n" + block
    path.write_text(text)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("summary"); a.add_argument("file")
    a = sub.add_parser("best-rate"); a.add_argument("files", nargs="+")
    a = sub.add_parser("report"); a.add_argument("res"); a.add_argument("--docs")
    o = ap.parse_args()
    if o.cmd == "summary":
        print(summary(load(o.file)))
    elif o.cmd == "best-rate":
        print(max((g(load(f), "ramp", "max_sustained_rate", default=0) or 0) for f in o.files))
    else:
        report(o.res, o.docs)


if __name__ == "__main__":
    main()
