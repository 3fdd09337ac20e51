#!/usr/bin/python3
"""Hostile-client probe (issue 13), for lobbyd and other IRC servers side by
side: a group of well-behaved clients (from 127.0.0.1) chats in #lobby while
one attack at a time runs from --attacker (127.0.0.2); prints one JSON object
per attack: the group's round-trip p50/p99, lines lost or reordered, what
the attacker got, the server's RSS before and after (--pid).

  bench/hostile.py --port 6667 --pid $(pidof lobbyd) --label lobbyd
Attacks: none (the group alone: its floor), slowloris (200 unregistered connections trickling bytes), storm
(300 connections closed with RST), privmsg_flood (5,000 lines at once),
reply_probe (NAMES/WHO/LIST alternated at 10 lines/s on a lobby of --members
idle members, bytes of replies in --seconds); part 2 (issue 13, the attacks
of tests/integration/test_hostile_more.py that apply to any IRC server):
join_flood (40 JOIN lines at once: 10 of 30 new channels, JOIN 0, 29 single
JOINs), slowloris_many (1,000 unregistered connections from 200 addresses
127.0.1.x, 5 each), storm_many (40 rounds of one connection from each of
127.0.0.2..250, RST close; refusals within 0.1 s), reply_probe_many (10
probers from 10 addresses at once, one with 60 lobbies in each NAMES).
Idle members register in parallel (a server may take a second for each)."""

import argparse
import json
import re
import socket
import threading
import time


def rss_kb(pid):
    if not pid:
        return None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


class Irc:
    def __init__(self, addr, nick, source="127.0.0.1", wait=True):
        self.s = socket.socket()
        self.s.bind((source, 0))
        self.s.settimeout(10)
        self.s.connect(addr)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else Nagle adds 40 ms
        self.buf = b""
        self.lines = []
        self.nick = nick
        self.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        if wait:
            self.registered()

    def registered(self):
        self.until(lambda l: " 376 " in l or " 422 " in l)

    def send(self, *lines):
        self.s.sendall(b"".join(l.encode() + b"\r\n" for l in lines))

    def until(self, pred, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                l = line.rstrip(b"\r").decode("utf-8", "replace")
                if l.startswith("PING"):
                    self.send("PONG" + l[4:])
                self.lines.append(l)
                if pred(l):
                    return l
            self.s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        raise TimeoutError(f"{self.nick}: {self.lines[-3:]}")


class Group:
    def __init__(self, addr, n):
        self.cs = [Irc(addr, f"good{i}", wait=False) for i in range(n)]  # in parallel
        for c in self.cs:
            c.registered()
        for c in self.cs:
            c.send("JOIN #lobby")
            c.until(lambda l: " 366 " in l)
        self.sent = {c.nick: 0 for c in self.cs}
        self.rtts, self.stop, self.error = [], threading.Event(), None
        self.tok = 0

    def run(self):
        try:
            for _ in range(2000):
                if self.stop.is_set():
                    return
                for c in self.cs:
                    c.send(f"PRIVMSG #lobby :{c.nick} {self.sent[c.nick]}")
                    self.sent[c.nick] += 1
                    self.tok += 1
                    t = f"t{self.tok}"
                    t0 = time.monotonic()
                    c.send(f"PING :{t}")
                    c.until(lambda l, t=t: " PONG " in l and l.endswith(t))
                    self.rtts.append(time.monotonic() - t0)
                time.sleep(0.25)
        except Exception as e:
            self.error = repr(e)

    def verdict(self):
        bad = 0
        for c in self.cs:
            c.send("PING :end")
            c.until(lambda l: " PONG " in l and l.endswith("end"))
            for o in self.cs:
                if o is c:
                    continue
                seqs = [int(l.rsplit(" ", 1)[1]) for l in c.lines
                        if f":{o.nick}!" in l and " PRIVMSG #lobby :" in l]
                bad += seqs != list(range(self.sent[o.nick]))
            c.lines.clear()
        r = sorted(self.rtts) or [float("nan")]
        return {"p50_ms": round(r[len(r) // 2] * 1000, 2),
                "p99_ms": round(r[min(len(r) - 1, int(len(r) * 0.99))] * 1000, 2),
                "round_trips": len(self.rtts), "receivers_with_loss_or_reorder": bad,
                "error": self.error}


def closed_with(s, timeout):
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                return True, data
            data += c
    except socket.timeout:
        return False, data
    except OSError:
        return True, data


def slowloris(a, args):
    socks, failed = [], 0
    for _ in range(200):
        try:
            s = socket.socket()
            s.bind((args.attacker, 0))
            s.settimeout(5)
            s.connect(a)
            socks.append(s)
        except OSError:
            failed += 1
    for _ in range(int(args.seconds)):
        for s in socks:
            try:
                s.send(b"N")
            except OSError:
                pass
        time.sleep(1)
    kept, texts = 0, set()
    for s in socks:
        closed, data = closed_with(s, 0.05)
        kept += not closed
        if closed and data:
            texts.add(data.decode(errors="replace").strip()[:90])
        s.close()
    return {"connections": 200, "kept_open": kept, "connect_failed": failed, "said": sorted(texts)[:2]}


def storm(a, args):
    refused = 0
    t0 = time.monotonic()
    for _ in range(300):
        s = socket.socket()
        s.bind((args.attacker, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        try:
            s.connect(a)
            closed, data = closed_with(s, 0.02)
            refused += closed
        except OSError:
            refused += 1
        s.close()
    return {"connections": 300, "refused": refused, "seconds": round(time.monotonic() - t0, 2)}


def privmsg_flood(a, args):
    c = Irc(a, "flooder", args.attacker)
    c.send("JOIN #lobby")
    try:
        c.send(*[f"PRIVMSG #lobby :flood {i}" for i in range(5000)])
        l = c.until(lambda l: l.startswith("ERROR"), timeout=args.seconds + 5)
        return {"lines": 5000, "outcome": l[:90]}
    except (ConnectionError, OSError) as e:
        return {"lines": 5000, "outcome": "closed " + repr(e)[:60]}
    except TimeoutError:
        return {"lines": 5000, "outcome": "not cut"}


def reply_probe(a, args):
    c = Irc(a, "prober", args.attacker)
    c.send("JOIN #lobby")
    c.until(lambda l: " 366 " in l)
    c.s.setblocking(False)
    got, cmds, i = 0, ["NAMES #lobby", "WHO #lobby", "LIST"], 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < args.seconds:
        try:
            c.send(cmds[i % 3])
            i += 1
        except BlockingIOError:
            pass
        end = time.monotonic() + 0.1
        while time.monotonic() < end:
            try:
                d = c.s.recv(1 << 20)
                if not d:
                    return {"sent": i, "reply_bytes": got, "outcome": "closed"}
                got += len(d)
            except BlockingIOError:
                time.sleep(0.005)
    return {"sent": i, "reply_bytes": got, "bytes_per_s": round(got / args.seconds), "outcome": "open"}


def join_flood(a, args):
    c = Irc(a, "joiner", args.attacker)
    wide = ["JOIN " + ",".join(f"#j{i}_{k}" for k in range(30)) for i in range(10)]
    narrow = [f"JOIN #n{i}" for i in range(29)]
    t0 = time.monotonic()
    c.lines.clear()
    c.send(*wide, "JOIN 0", *narrow, "PING :joined")
    try:
        c.until(lambda l: " PONG " in l and l.endswith("joined"), timeout=args.seconds + 20)
        outcome = "all processed"
    except TimeoutError:
        outcome = f"not done after {args.seconds + 20:.0f} s"
    except (ConnectionError, OSError) as e:
        outcome = "closed " + (next((l for l in c.lines if l.startswith("ERROR")), repr(e)))[:80]
    took = time.monotonic() - t0
    joins = sum(1 for l in c.lines if l.startswith(":joiner!") and " JOIN " in l)
    refused = sum(1 for l in c.lines if " 405 " in l)
    try:
        c.send("QUIT :done")
    except OSError:
        pass
    return {"lines": 40, "seconds": round(took, 2), "joined": joins, "refused_405": refused,
            "outcome": outcome}


def slowloris_many(a, args):
    socks, failed = [], 0
    addrs = [f"127.0.1.{i}" for i in range(1, 201)]
    for _ in range(5):
        for src in addrs:
            try:
                s = socket.socket()
                s.bind((src, 0))
                s.settimeout(5)
                s.connect(a)
                socks.append(s)
            except OSError:
                failed += 1
    for _ in range(int(args.seconds)):
        for s in socks:
            try:
                s.send(b"N")
            except OSError:
                pass
        time.sleep(1)
    kept, texts = 0, {}
    for s in socks:
        closed, data = closed_with(s, 0.01)
        kept += not closed
        if closed:
            # One entry per kind of answer: InspIRCd names each connection.
            t = re.sub(r"\([^)]*@[^)]*\)|127\.0\.\d+\.\d+", "*",
                       data.decode(errors="replace").strip())[:90] or "closed"
            texts[t] = texts.get(t, 0) + 1
        s.close()
    return {"connections": 1000, "addresses": 200, "kept_open": kept, "connect_failed": failed,
            "said": texts}


def storm_many(a, args):
    import selectors
    addrs = [f"127.0.0.{i}" for i in range(2, 251)]
    accepted = {x: 0 for x in addrs}
    refused = 0
    t0 = time.monotonic()
    for _ in range(40):
        socks = {}
        for src in addrs:
            s = socket.socket()
            s.bind((src, 0))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            s.settimeout(5)
            try:
                s.connect(a)
            except OSError:
                refused += 1
                s.close()
                continue
            s.setblocking(False)
            socks[s] = src
        sel = selectors.DefaultSelector()
        for s in socks:
            sel.register(s, selectors.EVENT_READ)
        gone = set()
        end = time.monotonic() + 0.1
        while time.monotonic() < end and len(gone) < len(socks):
            for k, _ in sel.select(max(0.0, end - time.monotonic())):
                sel.unregister(k.fileobj)
                gone.add(k.fileobj)
        sel.close()
        refused += len(gone)
        for s, src in socks.items():
            accepted[src] += s not in gone
            s.close()
    n = sorted(accepted.values())
    return {"connections": 40 * len(addrs), "seconds": round(time.monotonic() - t0, 2),
            "refused": refused, "accepted_per_address_min_max": [n[0], n[-1]]}


def reply_probe_many(a, args):
    import selectors
    ps = [Irc(a, f"prober{i}", f"127.0.0.{2 + i}", wait=False) for i in range(10)]
    for p in ps:
        p.registered()
    for p in ps:
        p.send("JOIN #lobby")
        p.until(lambda l: " 366 " in l)
        p.s.setblocking(False)
    many = "NAMES " + ",".join(["#lobby"] * 60)
    cmds = [["NAMES #lobby", "WHO #lobby", "LIST"]] * 9 + [[many, "WHO #lobby", "LIST"]]
    got = [0] * 10
    closed = [False] * 10
    sel = selectors.DefaultSelector()
    for i, p in enumerate(ps):
        sel.register(p.s, selectors.EVENT_READ, i)
    sent, t0 = 0, time.monotonic()
    while (now := time.monotonic()) - t0 < args.seconds:
        if sent < (now - t0) * 10:
            for i, p in enumerate(ps):
                if not closed[i]:
                    try:
                        p.s.send((cmds[i][sent % 3] + "\r\n").encode())
                    except (BlockingIOError, OSError):
                        pass
            sent += 1
        for k, _ in sel.select(0.005):
            try:
                d = k.fileobj.recv(1 << 20)
            except (BlockingIOError, OSError):
                d = b"?"
            if not d:
                closed[k.data] = True
                sel.unregister(k.fileobj)
            elif d != b"?":
                got[k.data] += len(d)
    sel.close()
    for p in ps:
        p.s.close()
    return {"probers": 10, "lines_each": sent, "reply_bytes_each_9": sorted(got[:9])[4],
            "reply_bytes_60_names": got[9], "bytes_per_s_each": round(sorted(got[:9])[4] / args.seconds),
            "closed": sum(closed)}


def idle_members(a, n):
    """n members of #lobby from 127.0.0.1 that never read, registered in
    parallel; returns their sockets once a NAMES shows them all."""
    socks = []
    for i in range(n):
        s = socket.create_connection(a, timeout=10)
        s.sendall(f"NICK idle{i:03d}_member\r\nUSER m 0 * :idle\r\nJOIN #lobby\r\n".encode())
        socks.append(s)
    m = Irc(a, "counter")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        m.lines.clear()
        m.send("NAMES #lobby")
        m.until(lambda l: " 366 " in l)
        names = sum(len(l.split(" :", 1)[1].split()) for l in m.lines if " 353 " in l)
        if names >= n:
            break
        time.sleep(0.5)
    m.send("QUIT")
    return socks


def none(a, args):
    """No attack: the group's own round trips, the floor of the others."""
    time.sleep(args.seconds)
    return {}


ATTACKS = {"none": none, "slowloris": slowloris, "storm": storm, "privmsg_flood": privmsg_flood,
           "reply_probe": reply_probe, "join_flood": join_flood,
           "slowloris_many": slowloris_many, "storm_many": storm_many,
           "reply_probe_many": reply_probe_many}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, default=0)
    p.add_argument("--label", default="server")
    p.add_argument("--attacker", default="127.0.0.2")
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--group", type=int, default=20)
    p.add_argument("--members", type=int, default=0, help="idle #lobby members (from 127.0.0.1)")
    p.add_argument("--attacks", default=",".join(ATTACKS))
    args = p.parse_args()
    a = (args.host, args.port)
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    idle = idle_members(a, args.members) if args.members else []
    for name in args.attacks.split(","):
        g = Group(a, args.group)
        before = rss_kb(args.pid)
        t = threading.Thread(target=g.run, daemon=True)
        t.start()
        time.sleep(0.5)
        outcome = ATTACKS[name](a, args)
        time.sleep(1)
        g.stop.set()
        t.join(30)
        v = g.verdict()
        for c in g.cs:
            c.send("QUIT :done")
            c.s.close()
        time.sleep(2)
        print(json.dumps({"server": args.label, "attack": name, **v, "attacker": outcome,
                          "rss_kb_before": before, "rss_kb_after": rss_kb(args.pid)}), flush=True)


if __name__ == "__main__":
    main()
