#!/usr/bin/env python3
"""Helper of bench/profiler_overhead.sh (docs/benchmarks.md, "Profiler overhead").

Subcommands:
  segments   during one lobbyd-load chat run: wait for steady sending, then
             measure the server's CPU and deliveries in consecutive segments,
             switching the profiler (SIGUSR2) or perf record between them
  profiler   switch a running lobbyd's profiler on/off with SIGUSR2 and wait
             until its log confirms
  rate       the chat rate that gives a target server CPU, from a segments file
  ramp-start the first ramp rate to use, from a calibration ramp's JSON
  callgrind  totals of a callgrind.out file (Ir, Ir in lobbyd::prof::)
  report     the tables (markdown) and summary.json from a results directory

Everything is bounded in time; nothing here starts a process that outlives
it (perf record is stopped and reaped in a finally block).
"""
import argparse
import glob
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def die(msg):
    print(f"profiler_overhead_tool: {msg}", file=sys.stderr)
    sys.exit(1)


def log(msg):
    print(f"[ovh {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ sampling
def proc_cpu(pid):
    """(on-CPU ns summed over all threads from schedstat, utime s, stime s)."""
    ns = 0
    for f in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(f) as fh:
                ns += int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that just ended
    with open(f"/proc/{pid}/stat") as fh:
        rest = fh.read().rsplit(")", 1)[1].split()
    # fields after the comm: state is index 0, utime is field 14 overall = index 11
    return ns, int(rest[11]) / CLK_TCK, int(rest[12]) / CLK_TCK


class IrcMonitor:
    """A registered client that asks STATS; lobbyd's counters are cumulative."""

    def __init__(self, host, port, nick, timeout=20.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.send(f"NICK {nick}\r\nUSER {nick} 0 * :profiler overhead monitor\r\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.readline()
            parts = line.split()
            if len(parts) > 1 and parts[1] in ("376", "422"):
                return
            if len(parts) > 1 and parts[1] in ("432", "433", "465"):
                raise RuntimeError(f"registration refused: {line}")
        raise RuntimeError("registration timed out")

    def send(self, text):
        self.sock.sendall(text.encode())

    def readline(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("server closed the monitor connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        text = line.decode("utf-8", "replace")
        if text.startswith("PING"):
            self.send("PONG" + text[4:] + "\r\n")
        return text

    def stats(self):
        """{'connections':..,'msgs_in':..,'msgs_out':..} from the 'total:' line."""
        self.send("STATS\r\n")
        total = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.readline()
            parts = line.split(" ", 3)
            if len(parts) > 1 and parts[1] == "219":
                if total is None:
                    raise RuntimeError("STATS without a total line")
                return total
            if "total:" in line:
                total = {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", line.split("total:", 1)[1])}
        raise RuntimeError("STATS timed out")

    def close(self):
        try:
            self.send("QUIT :done\r\n")
            self.sock.close()
        except OSError:
            pass


def sample(pid, mon):
    """lobbyd's counters and its CPU time at (nearly) the same moment: STATS is
    answered in turn with the clients' lines (late when the server is behind),
    so the CPU time is read when the answer arrives, not when it is asked."""
    t_ask = time.monotonic()
    s = mon.stats()
    t = time.monotonic()
    ns, ut, st = proc_cpu(pid)
    return {"t": t, "stats_rtt_s": t - t_ask, "cpu_ns": ns, "utime": ut, "stime": st,
            "msgs_out": s.get("msgs_out", 0), "msgs_in": s.get("msgs_in", 0),
            "bytes_out": s.get("bytes_out", 0), "connections": s.get("connections", 0)}


# ------------------------------------------------------------ profiler state
SIG_RE = re.compile(r"SIGUSR2: ok: profiler (?:already )?(on|off)")


def profiler_state_from_log(path):
    state, n = "off", 0
    try:
        with open(path, errors="replace") as fh:
            for line in fh:
                m = SIG_RE.search(line)
                if m:
                    state, n = m.group(1), n + 1
                elif "profiler_enabled = true: ok: profiler on" in line:
                    state = "on"
    except OSError:
        pass
    return state, n


def set_profiler(pid, log_path, want, timeout=5.0):
    state, n = profiler_state_from_log(log_path)
    if state == want:
        return
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state2, n2 = profiler_state_from_log(log_path)
        if n2 > n:
            if state2 != want:
                raise RuntimeError(f"SIGUSR2 gave profiler {state2}, wanted {want}")
            return
        time.sleep(0.02)
    raise RuntimeError(f"no SIGUSR2 confirmation in {log_path} within {timeout} s")


# ------------------------------------------------------------------ segments
def cmd_segments(a):
    plan = [p for p in a.plan.split(",") if p]
    for p in plan:
        if p not in ("off", "on", "perf", "co"):
            die(f"unknown segment mode {p}")
    host, port = a.host, a.port
    if a.port_file:
        with open(a.port_file) as fh:
            host, port = fh.readline().strip().rsplit(":", 1)
    port = int(port)
    want_in = a.clients * a.rate          # client lines/s while chatting
    deadline = time.monotonic() + a.start_timeout
    mon = None
    while mon is None:
        try:
            mon = IrcMonitor(host, port, a.nick)
        except (OSError, RuntimeError) as e:
            if time.monotonic() > deadline:
                die(f"monitor cannot register: {e}")
            time.sleep(0.2)
    perf_proc = None
    result = {"plan": plan, "clients": a.clients, "rate": a.rate, "seg_s": a.seg, "settle_s": a.settle,
              "segments": [], "warnings": []}
    try:
        # 1. all clients connected (the monitor is one more)
        while True:
            s = mon.stats()
            if s.get("connections", 0) >= a.clients + 1:
                break
            if time.monotonic() > deadline:
                die(f"only {s.get('connections')} connections after {a.start_timeout} s")
            time.sleep(0.25)
        time.sleep(a.warmup)
        # 2. steady sending: the client line rate within 20% of the offered rate, twice
        ok = 0
        prev = sample(a.pid, mon)
        while ok < 2:
            time.sleep(0.5)
            cur = sample(a.pid, mon)
            r = (cur["msgs_in"] - prev["msgs_in"]) / (cur["t"] - prev["t"])
            ok = ok + 1 if abs(r - want_in) <= 0.2 * want_in else 0
            prev = cur
            if time.monotonic() > deadline + 30:
                die(f"sending never became steady (client lines/s {r:.0f}, expected {want_in:.0f})")
        log(f"steady: {r:.0f} client lines/s; segments {','.join(plan)} of {a.seg} s")
        # 3. the segments
        for i, mode in enumerate(plan):
            if mode in ("off", "on", "perf"):
                set_profiler(a.pid, a.log, "on" if mode == "on" else "off")
            perf_info = None
            if mode == "perf":
                out = os.path.join(a.perf_dir, f"{a.label}.seg{i}.perf.data")
                perr = open(out + ".log", "w")
                cmd = ["taskset", "-c", str(a.perf_cpu), "perf", "record", "-F", str(a.perf_freq), "-g",
                       "-p", str(a.pid), "-o", out]
                perf_proc = subprocess.Popen(cmd, stdout=perr, stderr=subprocess.STDOUT)
                perf_info = {"cmd": " ".join(cmd), "data": out}
            time.sleep(a.settle)
            if perf_proc is not None and perf_proc.poll() is not None:
                raise RuntimeError(f"perf record exited at once (see {out}.log)")
            s0 = sample(a.pid, mon)
            time.sleep(a.seg)
            s1 = sample(a.pid, mon)
            if perf_proc is not None:
                perf_proc.send_signal(signal.SIGINT)
                try:
                    _, status, ru = os.wait4(perf_proc.pid, 0)
                except ChildProcessError:
                    status, ru = 0, None
                perf_proc.returncode = status
                perf_info["exit_status"] = status
                if ru is not None:
                    perf_info["perf_cpu_s"] = ru.ru_utime + ru.ru_stime
                perf_info["data_bytes"] = os.path.getsize(out) if os.path.exists(out) else 0
                try:
                    with open(out + ".log", errors="replace") as fh:
                        m = re.search(r"\((\d+) samples\)", fh.read())
                    perf_info["samples"] = int(m.group(1)) if m else None
                except OSError:
                    pass
                perf_proc = None
            dt = s1["t"] - s0["t"]
            cpu = (s1["cpu_ns"] - s0["cpu_ns"]) / 1e9
            dl = s1["msgs_out"] - s0["msgs_out"]
            lines_in = s1["msgs_in"] - s0["msgs_in"]
            seg = {"i": i, "mode": mode, "wall_s": dt, "cpu_s": cpu,
                   "user_s": s1["utime"] - s0["utime"], "sys_s": s1["stime"] - s0["stime"],
                   "deliveries": dl, "lines_in": lines_in,
                   "cpu_pct": 100 * cpu / dt, "deliveries_per_s": dl / dt,
                   "lines_in_per_s": lines_in / dt,
                   "stats_rtt_ms": [round(1e3 * s0["stats_rtt_s"], 1), round(1e3 * s1["stats_rtt_s"], 1)],
                   "bytes_per_delivery": (s1["bytes_out"] - s0["bytes_out"]) / dl if dl else None,
                   "cpu_us_per_delivery": 1e6 * cpu / dl if dl else None,
                   "valid": abs(lines_in / dt - want_in) <= 0.2 * want_in}
            if perf_info:
                seg["perf"] = perf_info
            if not seg["valid"]:
                result["warnings"].append(f"segment {i} ({mode}): client lines/s {lines_in / dt:.0f}, "
                                          f"expected {want_in:.0f}: not counted")
            result["segments"].append(seg)
            log(f"  seg {i} {mode:>4}: cpu {seg['cpu_pct']:.1f}% {seg['deliveries_per_s']:.0f} deliveries/s "
                f"{seg['cpu_us_per_delivery'] or 0:.3f} us/delivery, STATS rtt {seg['stats_rtt_ms'][1]:.0f} ms"
                f"{'' if seg['valid'] else ' (invalid)'}")
        if any(m in ("on", "off", "perf") for m in plan):
            set_profiler(a.pid, a.log, "off")
    finally:
        if perf_proc is not None and perf_proc.poll() is None:
            perf_proc.send_signal(signal.SIGINT)
            try:
                perf_proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                perf_proc.kill()
                perf_proc.wait()
        mon.close()
    with open(a.out, "w") as fh:
        json.dump(result, fh, indent=1)


def cmd_profiler(a):
    try:
        set_profiler(a.pid, a.log, a.want)
    except RuntimeError as e:
        die(str(e))


def cmd_rate(a):
    with open(a.file) as fh:
        d = json.load(fh)
    segs = [s for s in d["segments"] if s["valid"]]
    if not segs:
        die("no valid calibration segment")
    cpu = statistics.median(s["cpu_pct"] for s in segs)
    rate = d["rate"] * a.target / cpu
    rate = min(max(rate, d["rate"] / 4), d["rate"] * 4)   # one bounded step
    step = 0.05
    rate = max(step, round(rate / step) * step)
    log(f"calibration: {cpu:.1f}% server CPU at {d['rate']} msg/s per client -> rate {rate:.2f} "
        f"for ~{a.target:.0f}%")
    print(f"{rate:.2f}")


def load_json_line(path):
    try:
        with open(path, errors="replace") as fh:
            lines = [l for l in fh if l.startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, json.JSONDecodeError):
        return None


def cmd_ramp_start(a):
    d = load_json_line(a.file)
    best = (d or {}).get("ramp", {}).get("max_sustained_rate") or 0
    if not best:
        print(f"{a.fallback:.4g}")
        return
    print(f"{best * a.factor:.4g}")


# ----------------------------------------------------------------- callgrind
def callgrind_totals(path):
    """(total Ir, Ir in lobbyd::prof:: functions (self), calls of zone_begin)."""
    total = None
    names = {}            # callgrind's name compression: "(id) name" once, then "(id)"
    zone_calls = 0
    pending = False       # the last cfn= was zone_begin: the next calls= line counts
    with open(path, errors="replace") as fh:
        for line in fh:
            if line.startswith("totals:") or (total is None and line.startswith("summary:")):
                total = int(line.split()[1])
            elif line.startswith(("fn=", "cfn=")):
                m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    name = names.get(m.group(1), "")
                else:
                    name = line.split("=", 1)[1]
                pending = line.startswith("cfn=") and "prof::detail::zone_begin" in name
            elif line.startswith("calls=") and pending:
                zone_calls += int(line.split("=", 1)[1].split()[0])
                pending = False
    prof_ir = 0
    try:
        out = subprocess.run(["callgrind_annotate", "--inclusive=no", "--auto=no", "--threshold=100", path],
                             capture_output=True, text=True, timeout=300).stdout
        in_table = False
        for line in out.splitlines():
            if "file:function" in line:
                in_table = True      # the per-function table (self cost) follows this header
                continue
            if not in_table:
                continue
            m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*)", line)
            if m and ":lobbyd::prof::" in m.group(2):
                prof_ir += int(m.group(1).replace(",", ""))
    except (OSError, subprocess.TimeoutExpired):
        prof_ir = None
    return total, prof_ir, zone_calls


def cmd_callgrind(a):
    """One record of the callgrind phase: totals of the file (if any), the load's
    deliveries, the server's CPU time."""
    rec = {"label": a.label, "server_cpu_s": a.cpu_s}
    if a.file and a.file != "-":
        rec["file"] = a.file
        rec["ir"], rec["prof_ir"], rec["zone_calls"] = callgrind_totals(a.file)
    d = load_json_line(a.load) if a.load else None
    if d:
        c = d.get("chat", {})
        rec.update(deliveries=c.get("received"), expected=c.get("expected"), sent=c.get("sent"),
                   delivery_ratio=c.get("delivery_ratio"), load_status=d.get("status"),
                   load_wall_s=d.get("wall_s"))
    print(json.dumps(rec))


def cmd_cpu(a):
    ns, ut, st = proc_cpu(a.pid)
    print(f"{ns / 1e9:.6f}")


# -------------------------------------------------------------------- report
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def quart(xs):
    xs = sorted(x for x in xs if x is not None)
    if len(xs) < 4:
        return None
    q = statistics.quantiles(xs, n=4)
    return q[0], q[2]


def fmt(x, d=3):
    if x is None:
        return "–"
    return f"{x:,.{d}f}"


def pct(r):
    return "–" if r is None else f"{(r - 1) * 100:+.1f} %"


def cmd_report(a):
    res = a.dir
    summary = {"segments": {}, "ramp": {}, "callgrind": {}}
    # (a) fixed rate: every segments file
    by_mode = {"off": [], "on": [], "perf": [], "co": []}
    paired_on, paired_perf = [], []
    warnings = []
    rates = set()
    for f in sorted(glob.glob(os.path.join(res, "fixed.*.segments.json"))):
        with open(f) as fh:
            d = json.load(fh)
        rates.add(d["rate"])
        warnings += [f"{os.path.basename(f)}: {w}" for w in d["warnings"]]
        segs = d["segments"]
        for s in segs:
            if s["valid"] and s["cpu_us_per_delivery"]:
                by_mode[s["mode"]].append(s)
        # paired: each on/perf segment against the mean of its valid off neighbours in the same run
        offs = [s for s in segs if s["mode"] == "off" and s["valid"]]
        for s in segs:
            if s["mode"] in ("on", "perf") and s["valid"] and offs:
                near = sorted(offs, key=lambda o: abs(o["i"] - s["i"]))
                dist = abs(near[0]["i"] - s["i"])
                ref = [o["cpu_us_per_delivery"] for o in near if abs(o["i"] - s["i"]) == dist]
                r = s["cpu_us_per_delivery"] / (sum(ref) / len(ref))
                (paired_on if s["mode"] == "on" else paired_perf).append(r)
    # compiled out runs in its own process: pair each round's nozones run with the same
    # round's prof run (median over the run's segments, off segments only)
    paired_co = []
    for f in sorted(glob.glob(os.path.join(res, "fixed.r*.nozones.segments.json"))):
        g = f.replace(".nozones.", ".prof.")
        if not os.path.exists(g):
            continue
        with open(f) as fh:
            co_v = [s["cpu_us_per_delivery"] for s in json.load(fh)["segments"] if s["valid"]]
        with open(g) as fh:
            off_v = [s["cpu_us_per_delivery"] for s in json.load(fh)["segments"]
                     if s["valid"] and s["mode"] == "off"]
        if co_v and off_v:
            paired_co.append(statistics.median(co_v) / statistics.median(off_v))
    fixed = {}
    for mode, segs in by_mode.items():
        fixed[mode] = {
            "n": len(segs),
            "cpu_us_per_delivery": med(s["cpu_us_per_delivery"] for s in segs),
            "user_us_per_delivery": med(1e6 * s["user_s"] / s["deliveries"] for s in segs),
            "sys_us_per_delivery": med(1e6 * s["sys_s"] / s["deliveries"] for s in segs),
            "cpu_pct": med(s["cpu_pct"] for s in segs),
            "deliveries_per_s": med(s["deliveries_per_s"] for s in segs),
            "all_us": [round(s["cpu_us_per_delivery"], 4) for s in segs],
            "perf_cpu_s": med(s.get("perf", {}).get("perf_cpu_s") for s in segs) if mode == "perf" else None,
            "perf_samples_per_s": med((s.get("perf", {}).get("samples") or 0) / (s["wall_s"] + 1e-9)
                                      for s in segs) if mode == "perf" else None,
        }
    summary["segments"] = fixed
    summary["paired_on_off"] = {"n": len(paired_on), "median": med(paired_on),
                                "all": [round(x, 4) for x in paired_on]}
    summary["paired_perf_off"] = {"n": len(paired_perf), "median": med(paired_perf),
                                  "all": [round(x, 4) for x in paired_perf]}
    summary["paired_co_off_by_round"] = {"n": len(paired_co), "median": med(paired_co),
                                         "all": [round(x, 4) for x in paired_co]}
    summary["fixed_rate"] = sorted(rates)
    # zone calls per delivery while on, from the toggled server's own report (part (a) only)
    zpd = None
    pj = os.path.join(res, "prof-reports-fixed", "profile.json")
    if os.path.exists(pj) and fixed["on"]["deliveries_per_s"]:
        with open(pj) as fh:
            p = json.load(fh)
        calls = sum(z["calls"] for t in p.get("threads", []) if t["name"].startswith("worker")
                    for z in t["zones"])
        per_zone = {}
        for t in p.get("threads", []):
            if t["name"].startswith("worker"):
                for z in t["zones"]:
                    per_zone[z["name"]] = per_zone.get(z["name"], 0) + z["calls"]
        if p.get("profiled_ns"):
            zps = calls / (p["profiled_ns"] / 1e9)
            zpd = zps / fixed["on"]["deliveries_per_s"]
            summary["zones"] = {"calls": calls, "profiled_s": p["profiled_ns"] / 1e9,
                                "zones_per_s": zps, "zones_per_delivery": zpd,
                                "by_zone": dict(sorted(per_zone.items(), key=lambda kv: -kv[1]))}
    # (b) ramps
    ramps = {"off": [], "on": [], "co": [], "perf": []}
    ramp_notes = []
    for f in sorted(glob.glob(os.path.join(res, "ramp.r*.*.json"))):
        mode = os.path.basename(f).split(".")[2]
        d = load_json_line(f)
        if not d or "ramp" not in d:
            ramp_notes.append(f"{os.path.basename(f)}: no result")
            continue
        r = d["ramp"]
        best = r.get("max_sustained_deliveries_per_s") or 0
        ramps.setdefault(mode, []).append(best)
        steps = r.get("steps", [])
        lg = max((s.get("loadgen_cpu_percent") or 0) for s in steps) if steps else None
        ramp_notes.append(f"{os.path.basename(f)}: {best:,.0f} deliveries/s at {r.get('max_sustained_rate') or 0:.3g} "
                          f"msg/s per client; stop: {r.get('stop_reason')}; max loadgen CPU {lg:.0f} %")
    summary["ramp"] = {m: {"n": len(v), "median": med(v), "all": v} for m, v in ramps.items()}
    ramp_pairs = {"on": [], "co": []}
    for f in sorted(glob.glob(os.path.join(res, "ramp.r*.off.json"))):
        o = (load_json_line(f) or {}).get("ramp", {}).get("max_sustained_deliveries_per_s")
        for m in ramp_pairs:
            x = (load_json_line(f.replace(".off.", f".{m}.")) or {}).get("ramp", {}).get("max_sustained_deliveries_per_s")
            if o and x:
                ramp_pairs[m].append(x / o)
    summary["ramp_paired"] = {m: {"n": len(v), "median": med(v), "all": [round(x, 4) for x in v]}
                              for m, v in ramp_pairs.items()}
    summary["ramp_notes"] = ramp_notes
    # callgrind
    cg = {}
    for mode in ("native", "off", "on"):
        f = os.path.join(res, f"callgrind.{mode}.json")
        if os.path.exists(f):
            with open(f) as fh:
                cg[mode] = json.load(fh)
    summary["callgrind"] = cg
    summary["warnings"] = warnings
    with open(os.path.join(res, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)

    # ---------------------------------------------------------------- tables
    out = []
    off = fixed["off"]["cpu_us_per_delivery"]
    on = fixed["on"]["cpu_us_per_delivery"]
    co = fixed["co"]["cpu_us_per_delivery"]
    pf = fixed["perf"]["cpu_us_per_delivery"]
    rate_txt = ", ".join(f"{r:g}" for r in sorted(rates))
    out.append(f"(a) Fixed offered load ({a.clients} clients in {a.lobbies} lobbies, {rate_txt} msg/s per client): "
               f"server CPU per delivery, median of the segments (n = segments)")
    out.append("")
    out.append("| | profiler off | profiler on | compiled out | off + `perf record -F 999 -g` |")
    out.append("|---|---:|---:|---:|---:|")
    out.append(f"| segments (n) | {fixed['off']['n']} | {fixed['on']['n']} | {fixed['co']['n']} | {fixed['perf']['n']} |")
    out.append(f"| server CPU, % of one core | {fmt(fixed['off']['cpu_pct'], 1)} | {fmt(fixed['on']['cpu_pct'], 1)} | "
               f"{fmt(fixed['co']['cpu_pct'], 1)} | {fmt(fixed['perf']['cpu_pct'], 1)} |")
    out.append(f"| deliveries/s | {fmt(fixed['off']['deliveries_per_s'], 0)} | {fmt(fixed['on']['deliveries_per_s'], 0)} | "
               f"{fmt(fixed['co']['deliveries_per_s'], 0)} | {fmt(fixed['perf']['deliveries_per_s'], 0)} |")
    out.append(f"| **CPU per delivery, µs** | {fmt(off)} | {fmt(on)} | {fmt(co)} | {fmt(pf)} |")
    out.append(f"|   user / sys, µs | {fmt(fixed['off']['user_us_per_delivery'])} / {fmt(fixed['off']['sys_us_per_delivery'])} | "
               f"{fmt(fixed['on']['user_us_per_delivery'])} / {fmt(fixed['on']['sys_us_per_delivery'])} | "
               f"{fmt(fixed['co']['user_us_per_delivery'])} / {fmt(fixed['co']['sys_us_per_delivery'])} | "
               f"{fmt(fixed['perf']['user_us_per_delivery'])} / {fmt(fixed['perf']['sys_us_per_delivery'])} |")
    out.append(f"| ratio of medians to off | 1 | {fmt(on / off if on and off else None)} ({pct(on / off if on and off else None)}) | "
               f"{fmt(co / off if co and off else None)} ({pct(co / off if co and off else None)}) | "
               f"{fmt(pf / off if pf and off else None)} ({pct(pf / off if pf and off else None)}) |")
    def pr(xs):
        q = quart(xs)
        iq = f", IQR {q[0]:.3f}–{q[1]:.3f}" if q else ""
        return f"{fmt(med(xs))} ({pct(med(xs))}; n={len(xs)}{iq})"
    out.append(f"| **median of paired ratios**: on, perf: segment / adjacent off segment of the same run; "
               f"compiled out: run / the same round's off segments | – | {pr(paired_on)} | {pr(paired_co)} | "
               f"{pr(paired_perf)} |")
    co_q = quart([s["cpu_us_per_delivery"] for s in by_mode["co"]])
    off_q = quart([s["cpu_us_per_delivery"] for s in by_mode["off"]])
    on_q = quart([s["cpu_us_per_delivery"] for s in by_mode["on"]])
    pf_q = quart([s["cpu_us_per_delivery"] for s in by_mode["perf"]])
    iqr = lambda q: "–" if not q else f"{q[0]:.2f}–{q[1]:.2f}"
    out.append(f"| CPU per delivery, interquartile range, µs | {iqr(off_q)} | {iqr(on_q)} | {iqr(co_q)} | {iqr(pf_q)} |")
    if zpd and off:
        est = zpd * a.zone_ns / 1000 / off
        out.append(f"| zones per delivery while on (the server's own report) / expected cost at "
                   f"{a.zone_ns:g} ns a zone | | {zpd:.2f} / +{100 * est:.1f} % | | |")
    if fixed["perf"]["n"]:
        out.append(f"| perf's own CPU per segment, s / samples per s | | | | {fmt(fixed['perf']['perf_cpu_s'], 2)} / "
                   f"{fmt(fixed['perf']['perf_samples_per_s'], 0)} |")
    out.append("")
    r_off, r_on, r_co = (summary["ramp"].get(m, {}).get("median") for m in ("off", "on", "co"))
    if any(ramps.values()):
        out.append("(b) Ramp: highest sustained deliveries/s (p99 within the bound, nothing lost), median of the ramps")
        out.append("")
        out.append("| | profiler off | profiler on | compiled out |")
        out.append("|---|---:|---:|---:|")
        out.append(f"| ramps (n) | {summary['ramp'].get('off', {}).get('n', 0)} | {summary['ramp'].get('on', {}).get('n', 0)} | "
                   f"{summary['ramp'].get('co', {}).get('n', 0)} |")
        out.append(f"| each | {', '.join(f'{x:,.0f}' for x in ramps.get('off', []))} | "
                   f"{', '.join(f'{x:,.0f}' for x in ramps.get('on', []))} | {', '.join(f'{x:,.0f}' for x in ramps.get('co', []))} |")
        out.append(f"| **median deliveries/s** | {fmt(r_off, 0)} | {fmt(r_on, 0)} | {fmt(r_co, 0)} |")
        out.append(f"| ratio of medians to off | 1 | {fmt(r_on / r_off if r_on and r_off else None)} | "
                   f"{fmt(r_co / r_off if r_co and r_off else None)} |")
        rp = summary["ramp_paired"]
        out.append(f"| median of per-round ratios to off | 1 | {fmt(rp['on']['median'])} (n={rp['on']['n']}) | "
                   f"{fmt(rp['co']['median'])} (n={rp['co']['n']}) |")
        out.append("")
    if cg:
        out.append("(c) callgrind: instructions (Ir) of the whole server run for the same small workload")
        out.append("")
        out.append("| | profiler off | profiler on |")
        out.append("|---|---:|---:|")
        o, n = cg.get("off", {}), cg.get("on", {})
        out.append(f"| deliveries | {fmt(o.get('deliveries'), 0)} | {fmt(n.get('deliveries'), 0)} |")
        out.append(f"| total Ir | {fmt(o.get('ir'), 0)} | {fmt(n.get('ir'), 0)} |")
        ipd_o = o["ir"] / o["deliveries"] if o.get("ir") and o.get("deliveries") else None
        ipd_n = n["ir"] / n["deliveries"] if n.get("ir") and n.get("deliveries") else None
        out.append(f"| **Ir per delivery** | {fmt(ipd_o, 0)} | {fmt(ipd_n, 0)} |")
        out.append(f"| ratio | 1 | {fmt(ipd_n / ipd_o if ipd_n and ipd_o else None)} |")
        if ipd_n and ipd_o:
            out.append(f"| difference on − off, Ir per delivery | | {ipd_n - ipd_o:,.0f} |")
        out.append(f"| Ir in `lobbyd::prof::` functions (self), per delivery | {fmt((o.get('prof_ir') or 0) / o['deliveries'] if o.get('deliveries') else None, 1)} | "
                   f"{fmt((n.get('prof_ir') or 0) / n['deliveries'] if n.get('deliveries') else None, 1)} |")
        if n.get("zone_calls") and n.get("deliveries"):
            out.append(f"| zones per delivery / Ir per zone (on − off, over the zones) | | "
                       f"{n['zone_calls'] / n['deliveries']:.2f} / "
                       f"{(n['ir'] - o['ir']) / n['zone_calls']:,.0f} |")
        nat = cg.get("native", {})
        if nat.get("server_cpu_s") and o.get("server_cpu_s"):
            out.append(f"| server CPU, s (native, profiler off: {fmt(nat['server_cpu_s'], 2)} s) | "
                       f"{fmt(o.get('server_cpu_s'), 1)} | {fmt(n.get('server_cpu_s'), 1)} |")
            out.append(f"| callgrind slowdown (CPU time / native) | {fmt(o['server_cpu_s'] / nat['server_cpu_s'], 0)}× | "
                       f"{fmt(n['server_cpu_s'] / nat['server_cpu_s'] if n.get('server_cpu_s') else None, 0)}× |")
        out.append("")
    if warnings:
        out.append("Warnings: " + "; ".join(warnings))
        out.append("")
    if ramp_notes:
        out.append("Ramps: " + "; ".join(ramp_notes))
    text = "\n".join(out) + "\n"
    with open(os.path.join(res, "table.md"), "w") as fh:
        fh.write(text)
    print(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("segments")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--log", required=True, help="the server's log (SIGUSR2 confirmations)")
    p.add_argument("--port-file")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", default="6667")
    p.add_argument("--plan", required=True, help="comma-separated: off, on, perf, co")
    p.add_argument("--clients", type=int, required=True)
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--seg", type=float, default=6.0)
    p.add_argument("--settle", type=float, default=1.0)
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--start-timeout", type=float, default=90.0)
    p.add_argument("--perf-dir", default=".")
    p.add_argument("--perf-cpu", type=int, default=1)
    p.add_argument("--perf-freq", type=int, default=999)
    p.add_argument("--label", default="run")
    p.add_argument("--nick", default="ovhmon")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_segments)
    p = sub.add_parser("profiler")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("want", choices=["on", "off"])
    p.set_defaults(func=cmd_profiler)
    p = sub.add_parser("rate")
    p.add_argument("file")
    p.add_argument("--target", type=float, default=65.0)
    p.set_defaults(func=cmd_rate)
    p = sub.add_parser("ramp-start")
    p.add_argument("file")
    p.add_argument("--factor", type=float, default=0.8)
    p.add_argument("--fallback", type=float, default=1.0)
    p.set_defaults(func=cmd_ramp_start)
    p = sub.add_parser("callgrind")
    p.add_argument("--file", default="-")
    p.add_argument("--load", help="lobbyd-load output (JSON line)")
    p.add_argument("--cpu-s", type=float)
    p.add_argument("--label", default="")
    p.set_defaults(func=cmd_callgrind)
    p = sub.add_parser("cpu", help="on-CPU seconds of a process (all threads)")
    p.add_argument("pid", type=int)
    p.set_defaults(func=cmd_cpu)
    p = sub.add_parser("report")
    p.add_argument("dir")
    p.add_argument("--clients", type=int, default=2000)
    p.add_argument("--lobbies", type=int, default=40)
    p.add_argument("--zone-ns", type=float, default=35.9, help="a zone's cost while on (docs/profiler.md)")
    p.set_defaults(func=cmd_report)
    a = ap.parse_args()
    # SIGTERM from the script's trap: unwind through the finally blocks (perf is stopped)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    a.func(a)


if __name__ == "__main__":
    main()
