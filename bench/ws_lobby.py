#!/usr/bin/env python3
"""CPU per delivered line for WebSocket clients in one lobby (issue 14).

Starts lobbyd (--bin) on loopback with a private config and database, opens
--clients raw WebSocket connections to /ws, registers them and joins them
to #lobby, then --chatters of them send --lines PRIVMSGs each at --rate
lines/s. The reading clients only count the lines they receive. Prints
lobbyd's CPU (utime+stime from /proc/PID/stat) over the chat phase divided
by the lines delivered. Bounded: loopback only, a few hundred sockets,
--timeout seconds in all. Run two binaries interleaved, e.g.
    for i in 1 2 3; do for b in /work/base-7caeee0/bin/lobbyd build/bin/lobbyd; do
        python3 bench/ws_lobby.py --bin $b; done; done
"""
import argparse, asyncio, os, signal, subprocess, sys, tempfile, time

MARK = b"MARKx"
TCK = os.sysconf("SC_CLK_TCK")


def frame(text: str) -> bytes:  # a masked client text frame
    data = text.encode()
    mask = b"\x01\x02\x03\x04"
    n = len(data)
    head = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0x80 | 126, n >> 8, n & 0xFF])
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TCK


class Client:
    def __init__(self, i):
        self.i, self.nick, self.got, self.joined, self.tail = i, f"w{i}", 0, False, b""

    async def open(self, host, port):
        self.r, self.w = await asyncio.open_connection(host, port)
        self.w.write((f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: text.ircv3.net\r\n\r\n").encode())
        head = await self.r.readuntil(b"\r\n\r\n")
        assert b" 101 " in head, head
        for line in (f"NICK {self.nick}", f"USER {self.nick} 0 * :bench", "JOIN #lobby"):
            self.w.write(frame(line))
        self.task = asyncio.ensure_future(self.read())

    async def read(self):
        while True:
            data = await self.r.read(1 << 16)
            if not data:
                return
            buf = self.tail + data
            if not self.joined and b" 366 " in buf:
                self.joined = True
            self.got += buf.count(MARK)
            self.tail = buf[-(len(MARK) - 1):]


async def run(a, host, port, pid):
    clients = [Client(i) for i in range(a.clients)]
    for k in range(0, len(clients), 50):  # the HTTP server bounds upgrades in flight
        await asyncio.gather(*(c.open(host, port) for c in clients[k:k + 50]))
    deadline = time.monotonic() + a.timeout
    while not all(c.joined for c in clients):
        assert time.monotonic() < deadline, "clients did not join"
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)
    chatters = clients[:a.chatters]
    pad = "y" * max(0, a.length - 40)
    c0, t0 = cpu(pid), time.monotonic()
    for n in range(a.lines):
        for c in chatters:
            c.w.write(frame(f"PRIVMSG #lobby :{MARK.decode()} {n} {pad}"))
        await asyncio.sleep(1.0 / a.rate)
    want = {c.i: a.lines * (a.chatters - (1 if c in chatters else 0)) for c in clients}
    while any(c.got < want[c.i] for c in clients):
        assert time.monotonic() < deadline, "lines missing: %d of %d" % (
            sum(c.got for c in clients), sum(want.values()))
        await asyncio.sleep(0.02)
    c1, t1 = cpu(pid), time.monotonic()
    delivered = sum(want.values())
    for c in clients:
        c.w.close()
    return delivered, c1 - c0, t1 - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--chatters", type=int, default=2)
    p.add_argument("--lines", type=int, default=300)
    p.add_argument("--rate", type=float, default=100.0, help="lines/s per chatter")
    p.add_argument("--length", type=int, default=80, help="bytes of a PRIVMSG line")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--timeout", type=float, default=120.0)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "lobbyd.toml")
        with open(cfg, "w") as f:
            f.write("flood_rate = 10000.0\nflood_burst = 10000\nmax_clients_per_ip = 0\n")
        pf = os.path.join(d, "ports")
        proc = subprocess.Popen([a.bin, "--config", cfg, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                                 "--port-file", pf, "--db", f"sqlite:{d}/db", "-t", str(a.threads),
                                 "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            http = None
            for _ in range(200):
                if os.path.exists(pf):
                    for line in open(pf):
                        if line.startswith("http "):
                            http = line.split()[1]
                if http:
                    break
                time.sleep(0.05)
            assert http, "no http port"
            host, port = http.rsplit(":", 1)
            delivered, cpu_s, wall = asyncio.run(run(a, host, int(port), proc.pid))
            print(f"{a.bin}: {delivered} lines delivered in {wall:.2f}s, lobbyd CPU {cpu_s:.2f}s, "
                  f"{cpu_s / delivered * 1e6:.2f} us/line")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    main()
