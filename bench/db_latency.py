#!/usr/bin/env python3
"""Database control-plane figures (docs/benchmarks.md):

1. change-to-effect latency: an operator row (admin_commands 'announce') is
   inserted with the database's own CLI; a client in the lobby timestamps the
   NOTICE it causes. 100 changes per backend; p50/p99/max.
2. event-loop latency while the database is stalled: PING->PONG round trips
   from a client, measured with the database idle and while another client
   holds a lock on the tables lobbyd polls (sqlite3: BEGIN EXCLUSIVE;
   MariaDB: LOCK TABLES ... WRITE) for several seconds.

Usage: bench/db_latency.py [--lobbyd build/bin/lobbyd] [--changes 100] [--backends sqlite,mariadb]
Everything runs on loopback; each phase is bounded in count and time.
"""
import argparse
import random
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from dbtools import MariaDb, MariaDbServer, SqliteDb  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


class Line:
    def __init__(self, port, nick):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        self.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        self.until(lambda l: " 376 " in l or " 422 " in l, 10)

    def send(self, *lines):
        self.s.sendall("".join(l + "\r\n" for l in lines).encode())

    def until(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                text = line.decode(errors="replace").rstrip("\r")
                if text.startswith("PING"):
                    self.send("PONG" + text[4:])
                    continue
                if pred(text):
                    return text, time.monotonic()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching line")
            self.s.settimeout(left)
            data = self.s.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data


def start_lobbyd(binary, db_url, workdir):
    pf = workdir / "port"
    cfg = workdir / "lobbyd.toml"
    cfg.write_text('threads = 2\nlog_level = "warn"\ndb_poll_ms = 250\nflood_rate = 100000.0\nflood_burst = 100000\n[[lobby]]\nname = "#bench"\n')
    p = subprocess.Popen([binary, "--config", str(cfg), "--db", db_url, "--listen", "127.0.0.1:0",
                          "--port-file", str(pf)], cwd=workdir, stdout=subprocess.DEVNULL,
                         stderr=open(workdir / "log", "w"))
    for _ in range(200):
        if pf.exists():
            return p, int(pf.read_text().split(":")[-1])
        time.sleep(0.05)
    p.kill()
    raise RuntimeError("lobbyd did not start")


def change_latency(db, port, n):
    c = Line(port, "watcher")
    c.send("JOIN #bench")
    c.until(lambda l: " 366 " in l, 5)
    lat = []
    rng = random.Random(1)
    for i in range(n):
        time.sleep(rng.uniform(0, 0.3))  # don't phase-lock with the poll period
        t0 = time.monotonic()
        db.sql(f"INSERT INTO admin_commands (verb, args) VALUES ('announce', '#bench change {i}')")
        _, t1 = c.until(lambda l, i=i: l.endswith(f"change {i}"), 10)
        lat.append((t1 - t0) * 1000)
    return lat


def ping_rtts(port, seconds):
    c = Line(port, f"pinger{int(time.monotonic() * 1000) % 100000}")
    out = []
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        i += 1
        t0 = time.monotonic()
        c.send(f"PING :p{i}")
        _, t1 = c.until(lambda l, i=i: l.endswith(f"p{i}"), 5)
        out.append((t1 - t0) * 1000)
        time.sleep(0.005)
    return out


def store_polls(port):
    c = Line(port, f"stats{int(time.monotonic() * 1000) % 100000}")
    c.send("STATS")
    line, _ = c.until(lambda l: "database:" in l, 5)
    return int(line.split("polls=")[1].split()[0])


def stall(db, seconds):
    if db.kind == "sqlite":
        # WAL readers are never blocked, so stall the store on a write: a
        # command is queued, then sqlite3 holds an exclusive lock, and the
        # store's claim (an UPDATE) waits for it.
        return subprocess.Popen(["sqlite3", str(db.path)], stdin=subprocess.PIPE, text=True), \
            "INSERT INTO admin_commands (verb, args) VALUES ('announce', '#bench after the stall');\n" \
            f"BEGIN EXCLUSIVE;\nUPDATE revision SET rev = rev;\n.shell sleep {seconds}\nCOMMIT;\n"
    return subprocess.Popen(["mariadb", "--no-defaults", "-ulobbyd", "-plobbyd", "-h127.0.0.1",
                             f"-P{db.server.port}", db.name], stdin=subprocess.PIPE, text=True), \
        f"LOCK TABLES revision WRITE, settings WRITE, lobbies WRITE, bans WRITE, admin_commands WRITE;\n" \
        f"SELECT SLEEP({seconds});\nUNLOCK TABLES;\n"


def summarize(xs):
    return f"p50 {statistics.median(xs):7.2f} ms  p99 {pct(xs, 99):7.2f} ms  max {max(xs):7.2f} ms  (n={len(xs)})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lobbyd", default=str(ROOT / "build" / "bin" / "lobbyd"))
    ap.add_argument("--changes", type=int, default=100)
    ap.add_argument("--backends", default="sqlite,mariadb")
    ap.add_argument("--stall-seconds", type=int, default=4)
    a = ap.parse_args()
    maria = None
    for backend in a.backends.split(","):
        work = Path(tempfile.mkdtemp(prefix=f"lobbyd-dbbench-{backend}-"))
        if backend == "sqlite":
            db = SqliteDb(work / "bench.db")
        else:
            maria = maria or MariaDbServer()
            db = MariaDb(maria)
        proc, port = start_lobbyd(a.lobbyd, db.url, work)
        try:
            lat = change_latency(db, port, a.changes)
            print(f"[{backend}] change-to-effect ({a.changes} admin_commands rows): {summarize(lat)}")
            idle = ping_rtts(port, 2)
            locker, script = stall(db, a.stall_seconds)
            threading.Thread(target=lambda: locker.communicate(script), daemon=True).start()
            time.sleep(0.5)
            polls0 = store_polls(port)
            stalled = ping_rtts(port, a.stall_seconds - 1)
            polls_during = store_polls(port) - polls0
            locker.wait(timeout=a.stall_seconds + 10)
            log = (work / "log").read_text(errors="replace")
            errors = sum(1 for l in log.splitlines() if "database" in l and ("error" in l or "locked" in l))
            print(f"[{backend}] PING RTT, database idle:    {summarize(idle)}")
            print(f"[{backend}] PING RTT, database locked:  {summarize(stalled)}"
                  f"  (store polls meanwhile: {polls_during}, errors logged: {errors})")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    if maria:
        maria.destroy()


if __name__ == "__main__":
    main()
