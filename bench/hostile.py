#!/usr/bin/python3
"""Hostile-client probe (issue 13), for lobbyd and other IRC servers side by
side: a group of well-behaved clients (from 127.0.0.1) chats in #lobby while
one attack at a time runs from --attacker (127.0.0.2); prints one JSON object
per attack: the group's round-trip p50/p99, lines lost or reordered, what
the attacker got, the server's RSS before and after (--pid).

  bench/hostile.py --port 6667 --pid $(pidof lobbyd) --label lobbyd
Attacks: slowloris (200 unregistered connections trickling bytes), storm
(300 connections closed with RST), privmsg_flood (5,000 lines at once),
reply_probe (NAMES/WHO/LIST alternated at 10 lines/s on a lobby of --members
idle members, bytes of replies in --seconds)."""

import argparse
import json
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
    def __init__(self, addr, nick, source="127.0.0.1"):
        self.s = socket.socket()
        self.s.bind((source, 0))
        self.s.settimeout(10)
        self.s.connect(addr)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else Nagle adds 40 ms
        self.buf = b""
        self.lines = []
        self.nick = nick
        self.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
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
        self.cs = [Irc(addr, f"good{i}") for i in range(n)]
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


ATTACKS = {"slowloris": slowloris, "storm": storm, "privmsg_flood": privmsg_flood,
           "reply_probe": reply_probe}


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
    idle = [Irc(a, f"idle{i}") for i in range(args.members)]
    for c in idle:
        c.send("JOIN #lobby")
    for c in idle:
        c.until(lambda l: " 366 " in l)
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
