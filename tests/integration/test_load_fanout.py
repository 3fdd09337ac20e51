"""Functional load: 2,000 clients in 40 lobbies, every message fanned out exactly once."""

import asyncio
import random
import resource
import time

from conftest import T, parse_line

N_CLIENTS = 2000
N_LOBBIES = 40
MSGS_PER_CLIENT = 3
CONNECT_CONCURRENCY = 200
TEST_BUDGET_S = 120


class LoadClient:
    def __init__(self, idx):
        self.idx = idx
        self.nick = f"u{idx}"
        self.lobby = f"#game{idx % N_LOBBIES}"
        self.reader = None
        self.writer = None
        self.received = {}     # sender nick -> [seq, ...]
        self.bad = []          # unexpected PRIVMSGs / errors (raw lines)
        self.expected = 0
        self.done = asyncio.Event()
        self.closed_early = False

    async def send(self, *lines):
        self.writer.write(b"".join(l.encode() + b"\r\n" for l in lines))
        await self.writer.drain()

    async def read_msg(self):
        line = await self.reader.readline()
        if not line:
            raise ConnectionError(f"{self.nick}: connection closed by server")
        return parse_line(line.rstrip(b"\r\n").decode("utf-8", "replace"))

    async def connect_and_join(self, host, port):
        self.reader, self.writer = await asyncio.open_connection(host, port, limit=1 << 16)
        await self.send(f"NICK {self.nick}", f"USER {self.nick} 0 * :load {self.idx}")
        while True:
            m = await self.read_msg()
            if m.command in ("376", "422"):
                break
            if m.command == "PING":
                await self.send(f"PONG :{m.trailing}")
            elif m.command in ("432", "433", "ERROR") or m.command.startswith("4"):
                raise AssertionError(f"{self.nick}: registration failed: {m.raw}")
        await self.send(f"JOIN {self.lobby}")
        while True:
            m = await self.read_msg()
            if m.command == "366":
                break
            if m.command == "PING":
                await self.send(f"PONG :{m.trailing}")
            elif m.command.startswith("4") or m.command == "ERROR":
                raise AssertionError(f"{self.nick}: JOIN failed: {m.raw}")

    async def read_loop(self):
        try:
            while True:
                m = await self.read_msg()
                if m.command == "PRIVMSG":
                    sender = m.nick
                    if sender == self.nick or m.params[0] != self.lobby:
                        self.bad.append(m.raw)
                        continue
                    snd, _, seq = m.params[-1].partition(":")
                    if snd != sender:
                        self.bad.append(m.raw)
                        continue
                    self.received.setdefault(sender, []).append(int(seq))
                    if sum(map(len, self.received.values())) >= self.expected:
                        self.done.set()
                elif m.command == "PING":
                    await self.send(f"PONG :{m.trailing}")
                elif m.command in ("ERROR", "KILL") or m.command.startswith("4"):
                    self.bad.append(m.raw)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.closed_early = True
            self.done.set()

    async def send_messages(self, start_delay):
        await asyncio.sleep(start_delay)
        for seq in range(MSGS_PER_CLIENT):
            await self.send(f"PRIVMSG {self.lobby} :{self.nick}:{seq}")
            await asyncio.sleep(random.uniform(0.3, 0.7))

    def close(self):
        if self.writer is not None:
            self.writer.close()


async def run_load(host, port):
    rnd = random.Random(1234)
    random.seed(1234)
    clients = [LoadClient(i) for i in range(N_CLIENTS)]
    sem = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def bounded(c):
        async with sem:
            await c.connect_and_join(host, port)

    t0 = time.monotonic()
    await asyncio.gather(*(bounded(c) for c in clients))
    t_joined = time.monotonic() - t0

    members = {}
    for c in clients:
        members.setdefault(c.lobby, []).append(c)
    for c in clients:
        c.expected = (len(members[c.lobby]) - 1) * MSGS_PER_CLIENT

    readers = [asyncio.create_task(c.read_loop()) for c in clients]
    # every member already saw the JOINs of later joiners (they were queued
    # before 366 of the last joiner); the read loop simply ignores them.
    t1 = time.monotonic()
    await asyncio.gather(*(c.send_messages(rnd.uniform(0.0, 1.0)) for c in clients))
    t_sent = time.monotonic() - t1
    try:
        await asyncio.wait_for(asyncio.gather(*(c.done.wait() for c in clients)),
                               timeout=T(30))
    except asyncio.TimeoutError:
        pass
    t_delivered = time.monotonic() - t1
    # give stray duplicates a moment to show up
    await asyncio.sleep(0.5)
    for r in readers:
        r.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    for c in clients:
        c.close()
    await asyncio.sleep(0.2)
    return clients, members, (t_joined, t_sent, t_delivered)


def test_fanout_2000_clients_40_lobbies(start_server):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = N_CLIENTS + 500
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    srv = start_server(
        lobbies=[{"name": f"#game{i}", "topic": f"Game {i}", "capacity": 100}
                 for i in range(N_LOBBIES)],
        threads=2, flood_rate=1000.0, flood_burst=1000, recvq_bytes=1 << 20,
        sendq_bytes=16 << 20, max_clients=19000, max_clients_per_ip=0,
        ping_interval_s=600, client_timeout_s=1200, registration_timeout_s=120)

    started = time.monotonic()
    clients, members, timing = asyncio.run(
        asyncio.wait_for(run_load(srv.host, srv.port), timeout=min(T(TEST_BUDGET_S), 800)))
    elapsed = time.monotonic() - started

    problems = []
    for c in clients:
        if c.closed_early:
            problems.append(f"{c.nick}: disconnected during the test")
        if c.bad:
            problems.append(f"{c.nick}: unexpected lines: {c.bad[:3]}")
        if c.nick in c.received:
            problems.append(f"{c.nick}: got its own messages back")
        others = {o.nick for o in members[c.lobby] if o is not c}
        if set(c.received) - others:
            problems.append(f"{c.nick}: messages from non-members {set(c.received) - others}")
        for o in others:
            seqs = c.received.get(o, [])
            if seqs != list(range(MSGS_PER_CLIENT)):
                problems.append(f"{c.nick}: from {o} got {seqs}, "
                                f"expected {list(range(MSGS_PER_CLIENT))}")
        if len(problems) > 40:
            break
    total = sum(sum(map(len, c.received.values())) for c in clients)
    expected = sum(c.expected for c in clients)
    assert not problems, (f"{len(problems)}+ problems; delivered {total}/{expected}; "
                          f"timing (joined, sent, delivered) = {timing}:\n"
                          + "\n".join(problems[:40]))
    assert total == expected
    assert srv.alive(), "server died under load"
    print(f"load: joined in {timing[0]:.1f}s, sent in {timing[1]:.1f}s, "
          f"all {total} deliveries after {timing[2]:.1f}s; total {elapsed:.1f}s")
