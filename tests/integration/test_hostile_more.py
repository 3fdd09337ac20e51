"""Hostile clients, part 2 (issue 13): the attacks test_hostile.py does not
cover, each run through its run_attack() beside the same chatting group and
held to the same checks (a)-(e); see that file's docstring. Each attack is
bounded in count and time (every loop stops by itself), loopback only:

  command floods: JOIN (many lines, many channels), TABLE NEW, MOVE at a
    running table, REGISTER and SASL PLAIN with wrong passwords;
  slowloris at scale: 1,000 connections from 200 addresses, trickling or
    idle, closed by registration_timeout_s;
  half-open sockets: peers that vanish without FIN or RST (a network
    namespace whose link goes down; needs root), and clients that stop
    answering PING;
  WebSocket: oversized, fragmented, binary and malformed frames;
  TLS: 1,000 handshakes at once;
  connection storms with RST closes from 127.0.0.2..127.0.0.250;
  the 500-member reply probe (NAMES/WHO/LIST within the line rate).

Attackers come from 127.0.0.2 and up; the harness (127.0.0.1) is exempt
from the per-address limits."""

import base64
import ctypes
import hashlib
import http.client
import json
import os
import resource
import selectors
import shutil
import socket
import sqlite3
import ssl
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import T, pump, registered
from test_hostile import ATTACKER, cpu_seconds, new_player_registers, read_all, run_attack
from test_tls import cert  # noqa: F401 (fixture)

RATE, BURST = 10.0, 20  # flood_rate, flood_burst defaults (docs/operations.md)


def attacker(clients, srv, nick, source=ATTACKER, join=()):
    c = clients(srv, nick, source=source)
    c.register(nick)
    for lobby in join:
        assert c.join(lobby)[-1].command == "366"
    return c


# The server's CPU time one flood of these may cost: a throttled client
# gets a small share of one worker, not a worker (measured: 0.01-0.03 s).
FLOOD_CPU_S = 0.3


def flood(c, lines, timeout=30, srv=None):
    """Sends every line at once, then waits for the answer to a PING sent
    after them: returns (seconds until then, the lines received). With srv,
    also checks the server's CPU time for it against FLOOD_CPU_S."""
    t0 = time.monotonic()
    cpu0 = cpu_seconds(srv) if srv else 0.0
    c.send(*lines)
    got = c.sync(timeout=timeout)
    if srv:
        cpu = cpu_seconds(srv) - cpu0
        assert cpu <= FLOOD_CPU_S, f"{len(lines)} lines cost the server {cpu:.2f} s of CPU"
    return time.monotonic() - t0, got


def held(n_lines):
    """The least time n_lines (and the sync PING) can take at flood_rate once
    the burst is spent, with 20 % slack for the clock."""
    return 0.8 * (n_lines + 1 - BURST) / RATE


def fails(got, command, code):
    return [m for m in got if m.command == "FAIL" and m.params[:2] == [command, code]]


def metric(srv, name):
    conn = http.client.HTTPConnection(*srv.endpoints["http"], timeout=T(5))
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name)] in " {":
            total += float(line.rsplit(" ", 1)[1])
    return total


# --------------------------------------------------------------------------
# 1. Command floods
# --------------------------------------------------------------------------

def test_join_flood_many_lines_many_channels(start_server, clients):
    def attack(srv):
        c = attacker(clients, srv, "joiner")
        # 10 lines of 30 new names each (the first creates and joins 20, the
        # limit max_lobbies_per_client; every other name is 405), then JOIN 0
        # and 29 single JOINs of new names: 40 lines, all at once.
        wide = ["JOIN " + ",".join(f"#j{i}_{k}" for k in range(30)) for i in range(10)]
        narrow = [f"JOIN #n{i}" for i in range(29)]
        took, got = flood(c, wide + ["JOIN 0"] + narrow, srv=srv)
        joins = [m for m in got if m.command == "JOIN" and m.nick == "joiner"]
        parts = [m for m in got if m.command == "PART" and m.nick == "joiner"]
        too_many = [m for m in got if m.command == "405"]
        # (d) 20 channels at most, each name refused past them answered 405;
        # the lines are held at flood_rate (and replies weighed on top).
        assert len(joins) == 40 and len(parts) == 20, (len(joins), len(parts))
        assert len(too_many) == 300 - 20 + 29 - 20, len(too_many)
        assert took >= held(40), took
        c.send("QUIT :done")
        c.expect_closed()
        # Created lobbies go with their last member.
        (w,) = registered(clients, srv, "watcher")
        w.send("LIST")
        listed = {m.params[1] for m in w.collect_until(lambda m: m.command == "323") if m.command == "322"}
        assert listed == {"#lobby", "#other"}, listed
        w.send("QUIT")
        return {"lines": 40, "seconds": round(took, 2), "joined": len(joins), "refused_405": len(too_many)}

    run_attack(start_server, clients, attack, allow_create_lobbies=True)


def test_table_new_flood(start_server, clients):
    def attack(srv):
        c = attacker(clients, srv, "tabler", join=["#lobby"])
        lines = [f"TABLE NEW #lobby tictactoe" for _ in range(40)]
        lines += ["TABLE NEW #lobby nosuchgame", "TABLE NEW #lobby tictactoe seats=99",
                  "TABLE NEW #nowhere tictactoe", "TABLE NEW"]
        took, got = flood(c, lines, srv=srv)
        created = [m.params[1] for m in got if m.command == "TABLE" and m.params[0] == "CREATED"]
        # (d) 19 tables (with #lobby, max_lobbies_per_client = 20 channels),
        # then TOO_MANY_CHANNELS; bad requests get their codes; held.
        assert len(created) == 19, len(created)
        assert len(fails(got, "TABLE", "TOO_MANY_CHANNELS")) == 21
        assert len(fails(got, "TABLE", "UNKNOWN_GAME")) == 1
        assert len(fails(got, "TABLE", "BAD_OPTION")) == 1
        assert len(fails(got, "TABLE", "NO_SUCH_LOBBY")) == 1
        assert len(fails(got, "TABLE", "NEED_MORE_PARAMS")) == 1
        assert took >= held(len(lines)), took
        c.send("PART " + ",".join(created))
        c.send("TABLE LIST #lobby")
        listed = c.collect_until(lambda m: m.command == "TABLE" and m.params[0] == "END")
        # A table goes with its last member.
        assert not [m for m in listed if m.command == "TABLE" and m.params[0] == "INFO"], listed
        return {"lines": len(lines), "seconds": round(took, 2), "created": len(created)}

    run_attack(start_server, clients, attack)


def test_move_flood_at_a_running_table(start_server, clients):
    def attack(srv):
        a = attacker(clients, srv, "mover_a", join=["#lobby"])
        b = attacker(clients, srv, "mover_b", join=["#lobby"])
        a.send("TABLE NEW #lobby tictactoe")
        table = a.expect(lambda m: m.command == "TABLE" and m.params[0] == "CREATED").params[1]
        b.send(f"TABLE SIT {table}")
        for c in (a, b):
            c.expect(lambda m: m.command == "GAME" and m.params[:2] == [table, "TURN"]
                     and m.params[2] == "mover_a")
        garbage = ["zz", "99", "-1", "4 4", "x" * 300, "\x01ACTION\x01", "d4", "9"]
        a_lines = [f"MOVE {table} {garbage[i % len(garbage)]}" for i in range(40)]
        b_lines = [f"MOVE {table} {i % 9}" for i in range(40)]  # out of turn
        t0 = time.monotonic()
        cpu0 = cpu_seconds(srv)
        a.send(*a_lines)
        b.send(*b_lines)
        got_b = b.sync(timeout=30)
        got_a = a.sync(timeout=30)
        took = time.monotonic() - t0
        assert cpu_seconds(srv) - cpu0 <= FLOOD_CPU_S
        # (d) every line answered, in turn; nothing changes: still ply 0.
        assert len(fails(got_b, "MOVE", "NOT_YOUR_TURN")) == 40, [m.raw for m in got_b[-3:]]
        bad = fails(got_a, "MOVE", "BAD_SYNTAX") + fails(got_a, "MOVE", "ILLEGAL_MOVE")
        assert len(bad) == 40, [m.raw for m in got_a if m.command == "FAIL"][:5]
        assert not [m for m in got_a + got_b if m.command == "GAME" and m.params[1] == "STATE"]
        assert took >= held(40), took
        # The game goes on: one legal move, then the same cell again.
        a.send(f"MOVE {table} 4")
        for c in (a, b):
            c.expect(lambda m: m.command == "GAME" and m.params[:2] == [table, "TURN"]
                     and m.params[2] == "mover_b")
        b.send(f"MOVE {table} 4")
        b.expect(lambda m: m.command == "FAIL" and m.params[:2] == ["MOVE", "ILLEGAL_MOVE"])
        # Only the accepted move reached the database (durable_moves: the
        # TURN above came after its commit).
        db = sqlite3.connect(str(srv.workdir / "lobbyd.db"), timeout=5)
        rows = db.execute("SELECT move FROM table_moves").fetchall()
        db.close()
        assert rows == [("4",)], rows
        return {"lines": 80, "seconds": round(took, 2), "refused": 80, "stored": len(rows)}

    run_attack(start_server, clients, attack)


def sasl_start(c, nick):
    c.nick = nick
    c.send("CAP LS 302", f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP REQ :sasl")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")


def sasl_try(c, account, password):
    c.send("AUTHENTICATE PLAIN")
    c.expect(lambda m: m.command == "AUTHENTICATE" and m.params == ["+"])
    c.send("AUTHENTICATE " + base64.b64encode(f"\0{account}\0{password}".encode()).decode())


def make_account(clients, srv, name, password):
    c = clients(srv, name)
    c.register(name)
    c.send(f"REGISTER {name} * :{password}")
    m = c.expect(lambda m: m.command in ("REGISTER", "FAIL"), timeout=10)
    assert m.params[:2] == ["SUCCESS", name], m.raw
    c.send("QUIT")
    c.expect_closed()


def test_register_flood_with_bad_passwords(start_server, clients):
    def setup(srv):
        make_account(clients, srv, "victim", "correct horse")

    def attack(srv):
        c = attacker(clients, srv, "registrar")
        kinds = ["REGISTER victim * :wrong-password-{}", "REGISTER * * :short",
                 "REGISTER * * :" + "p" * 300, "REGISTER bad!name * :long enough {}"]
        lines = [kinds[i % 4].format(i) for i in range(40)]
        took, got = flood(c, lines, srv=srv)
        answered = [m for m in got if m.command == "FAIL" and m.params[0] == "REGISTER"]
        codes = {}
        for m in answered:
            codes[m.params[1]] = codes.get(m.params[1], 0) + 1
        # (d) every REGISTER answered with a FAIL code, none succeeds.
        assert len(answered) == 40, codes
        assert codes.get("WEAK_PASSWORD") == 10 and codes.get("UNACCEPTABLE_PASSWORD") == 10
        assert codes.get("BAD_ACCOUNT_NAME") == 10
        assert codes.get("ACCOUNT_EXISTS", 0) + codes.get("TEMPORARILY_UNAVAILABLE", 0) == 10, codes
        assert not [m for m in got if m.command == "REGISTER" or m.command == "900"]
        assert took >= held(40), took
        # A taken name, ten times, each after the last answer: refused
        # without hashing a password (it cost ~90 ms of CPU each).
        cpu0 = cpu_seconds(srv)
        for i in range(10):
            c.send(f"REGISTER victim * :another-wrong-one-{i}")
            m = c.expect(lambda m: m.command == "FAIL" and m.params[0] == "REGISTER", timeout=10)
            assert m.params[1] == "ACCOUNT_EXISTS", m.raw
        cpu = cpu_seconds(srv) - cpu0
        assert cpu < 0.3, f"{cpu:.2f} s of CPU for 10 REGISTERs of a taken name"
        return {"lines": 40, "seconds": round(took, 2), "codes": codes,
                "taken_name_x10_cpu_s": round(cpu, 2)}

    run_attack(start_server, clients, attack, setup=setup)


def test_sasl_wrong_passwords_slowed_limited_and_closed(start_server, clients):
    def setup(srv):
        make_account(clients, srv, "victim", "correct horse")

    def answer_of(c):
        m = c.expect(lambda m: m.command in ("903", "904"), timeout=10)
        return m, time.monotonic()

    def answers_as_they_come(cs, t0):
        """Each client's 903/904 with its arrival (s after t0), read together."""
        got = {}
        deadline = time.monotonic() + T(10)
        while len(got) < len(cs) and time.monotonic() < deadline:
            pump(cs, 0.02)
            now = time.monotonic()
            for c in cs:
                if c not in got:
                    for m in c.take():
                        if m.command in ("903", "904"):
                            got[c] = (m, now - t0)
                            break
        assert len(got) == len(cs), f"{len(cs) - len(got)} not answered"
        return [got[c] for c in cs]

    def attack(srv):
        # Five guessers from one address at the same moment: two checks run
        # (kMaxAuthPerAddress), the others are told to try again at once.
        five = []
        for i in range(5):
            c = clients(srv, f"crowd{i}", source="127.0.0.2")
            sasl_start(c, f"crowd{i}")
            five.append(c)
        t0 = time.monotonic()
        for c in five:
            sasl_try(c, "victim", "wrong")
        crowd = answers_as_they_come(five, t0)
        slow = [dt for m, dt in crowd if "try again later" not in m.params[-1]]
        busy = [dt for m, dt in crowd if "try again later" in m.params[-1]]
        assert all(m.command == "904" for m, _ in crowd), [m.raw for m, _ in crowd]
        # (d) per address: 2 checks, each failure answered 1 s late; the
        # rest "try again later" at once (not counted as failures).
        assert len(slow) == 2 and min(slow) >= 0.95, crowd
        assert len(busy) == 3 and max(busy) < T(0.5), crowd
        # Two guessers from another address, three wrong passwords each, one
        # after the other; meanwhile the account's owner logs in from a
        # third address.
        two = []
        for i in range(2):
            c = clients(srv, f"guess{i}", source="127.0.0.3")
            sasl_start(c, f"guess{i}")
            two.append(c)
        delays, owner_s = [], None
        for attempt in range(3):
            t0 = time.monotonic()
            for c in two:
                sasl_try(c, "victim", f"guess-{attempt}")
            if attempt == 1:
                u = clients(srv, "owner", source="127.0.0.9")
                sasl_start(u, "owner")
                tu = time.monotonic()
                sasl_try(u, "victim", "correct horse")
                ok, tok = answer_of(u)
                owner_s = tok - tu
                assert ok.command == "903", ok.raw
                u.send("QUIT")
            for c in two:
                m, t = answer_of(c)
                assert m.command == "904" and "try again" not in m.params[-1], m.raw
                delays.append(t - t0)
        for c in two:
            lines = c.expect_closed(timeout=5)
            errors = [m.raw for m in lines if m.command == "ERROR"]
            # (d) the third failure closes the connection.
            assert errors and "Too many failed logins" in errors[-1], errors
        assert min(delays) >= 0.95, delays
        # The owner waited for one hash, not for the guessers' queue.
        assert owner_s <= T(0.8), owner_s
        return {"same_address_at_once": 5, "checked": len(slow), "try_again": len(busy),
                "failure_answer_s": [round(min(delays), 2), round(max(delays), 2)],
                "closed_after_failures": 3, "owner_login_s": round(owner_s, 2)}

    run_attack(start_server, clients, attack, setup=setup)


# --------------------------------------------------------------------------
# 2. Slowloris at scale
# --------------------------------------------------------------------------

def need_fds(n):
    """Raises this process's descriptor limit (the server inherits it) or skips."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return
    if hard != resource.RLIM_INFINITY and hard < n:
        pytest.skip(f"needs {n} file descriptors, the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))


def many_addresses(n):
    """n loopback source addresses away from the harness: 127.0.1.1 ..."""
    return [f"127.0.{1 + i // 250}.{1 + i % 250}" for i in range(n)]


def bound_socket(source, dest, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(T(timeout))
    s.connect(dest)
    return s


def watch_closes(socks, until, trickle=(), every=0.5):
    """Waits (epoll, any number of sockets) until every socket in `socks` is
    closed by the server or `until` (monotonic) passes; meanwhile sends one
    byte every `every` s on the sockets in `trickle`. Returns {sock: (time
    closed, bytes received)} for the closed ones."""
    sel = selectors.DefaultSelector()
    data = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        data[s] = b""
    closed = {}
    next_trickle = time.monotonic()
    live_trickle = set(trickle)
    while len(closed) < len(socks) and time.monotonic() < until:
        now = time.monotonic()
        if now >= next_trickle:
            for s in list(live_trickle):
                try:
                    s.send(b"N")
                except OSError:
                    live_trickle.discard(s)
            next_trickle = now + every
        for key, _ in sel.select(timeout=max(0.0, min(next_trickle, until) - time.monotonic())):
            s = key.fileobj
            try:
                chunk = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if chunk:
                data[s] += chunk
                continue
            closed[s] = (time.monotonic(), data[s])
            live_trickle.discard(s)
            sel.unregister(s)
    sel.close()
    return closed


def test_slowloris_1000_from_200_addresses(start_server, clients):
    need_fds(4096)
    timeout_s = 3

    def attack(srv):
        addrs = many_addresses(200)
        socks, opened = [], {}
        for _ in range(5):  # max_unregistered_per_ip = 5: all of these are kept
            for a in addrs:
                s = bound_socket(a, srv.address)
                opened[s] = time.monotonic()
                socks.append(s)
        # (d) a 6th unregistered connection from an address is refused.
        refused = 0
        for a in addrs[:20]:
            s = bound_socket(a, srv.address)
            data, closed = read_all(s, T(2))
            s.close()
            refused += closed and b"Too many unregistered connections" in data
        assert refused == 20, refused
        # (a) a player registers while the 1,000 are held.
        new_player_registers(clients, srv, "midcomer")
        trickle = socks[::2]  # half trickle a byte each 0.5 s, half stay idle
        closed = watch_closes(socks, time.monotonic() + timeout_s + T(4), trickle=trickle)
        # (d) every one closed by registration_timeout_s (a 1 s tick), with
        # the documented line, none before.
        assert len(closed) == 1000, f"{1000 - len(closed)} still open"
        after = [t - opened[s] for s, (t, _) in closed.items()]
        assert min(after) >= timeout_s - 0.2, min(after)
        assert max(after) <= timeout_s + T(2.5), max(after)
        texts = {d.split(b"(", 1)[-1] for _, d in closed.values()}
        assert texts == {b"Registration timeout)\r\n"}, texts
        for s in socks:
            s.close()
        return {"connections": 1000, "addresses": 200, "sixth_refused": refused,
                "closed_after_s": [round(min(after), 2), round(max(after), 2)]}

    run_attack(start_server, clients, attack, registration_timeout_s=timeout_s)


# --------------------------------------------------------------------------
# 3. Half-open sockets
# --------------------------------------------------------------------------

CLONE_NEWNET = 0x40000000


class NetNs:
    """A network namespace joined to this one by a veth pair: sockets made
    in it reach the server over a real link, and cut() takes that link down,
    so a peer can vanish without FIN or RST, as a crashed host or a pulled
    cable does. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and iproute2."""

    def __init__(self):
        n = os.getpid() % 200 + 20
        self.name = f"lobbyd-half-{os.getpid()}"
        self.host_if, self.ns_if = f"lbh{os.getpid()}", f"lbn{os.getpid()}"
        self.host_ip, self.ns_ip = f"10.231.{n}.1", f"10.231.{n}.2"
        self._ip("netns", "add", self.name)
        try:
            self._ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if,
                     "netns", self.name)
            self._ip("addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            self._ip("link", "set", self.host_if, "up")
            self._ip("-n", self.name, "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if)
            self._ip("-n", self.name, "link", "set", self.ns_if, "up")
        except Exception:
            self.close()
            raise

    @staticmethod
    def _ip(*args):
        r = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            raise OSError(f"ip {' '.join(args)}: {r.stderr.strip()}")

    def inside(self, fn):
        """Runs fn() with this thread in the namespace (sockets keep the
        namespace they were made in)."""
        libc = ctypes.CDLL(None, use_errno=True)
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            try:
                return fn()
            finally:
                if libc.setns(own, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(own)
            os.close(target)

    def cut(self):
        self._ip("-n", self.name, "link", "set", self.ns_if, "down")

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=10)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True, timeout=10)


@pytest.fixture
def netns():
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("half-open sockets need root and iproute2 (a network namespace)")
    try:
        ns = NetNs()
    except OSError as e:
        pytest.skip(f"no network namespace here: {e}")
    yield ns
    ns.close()


def connections_open(srv):
    return metric(srv, "lobbyd_connections")


def test_half_open_sockets_peer_vanishes(start_server, clients, netns):
    ping_s, timeout_s = 1, 3

    def attack(srv):
        listener = next(l for l in srv.listeners if l[0] == netns.host_ip)
        (watcher,) = registered(clients, srv, "watcher", join=["#lobby"])
        base_conns = connections_open(srv)

        def connect_ghosts():
            ghosts = []
            for i in range(10):
                c = clients(listener, f"ghost{i}")
                c.register(f"ghost{i}")
                assert c.join("#lobby")[-1].command == "366"
                ghosts.append(c)
            idle = [socket.create_connection(listener, timeout=T(5)) for _ in range(3)]
            return ghosts, idle

        ghosts, idle = netns.inside(connect_ghosts)
        for g in ghosts:
            g.sync()
        assert connections_open(srv) == base_conns + 13
        last_heard = time.monotonic()
        netns.cut()  # from now on nothing the ghosts' host sends arrives
        for g in ghosts:
            g.close()
        for s in idle:
            s.close()
        quits = {}
        deadline = last_heard + timeout_s + T(3)
        while len(quits) < 10 and time.monotonic() < deadline:
            m = watcher.read_line(max(0.05, deadline - time.monotonic()))
            if m is not None and m.command == "QUIT" and m.nick.startswith("ghost"):
                quits[m.nick] = (time.monotonic() - last_heard, m.trailing)
        # (d) each registered ghost is dropped at client_timeout_s after its
        # last line (PING unanswered), the lobby told why.
        assert len(quits) == 10, quits
        assert all(q[1].startswith("Ping timeout") for q in quits.values()), quits
        took = [q[0] for q in quits.values()]
        assert min(took) >= timeout_s - 0.2 and max(took) <= timeout_s + T(2), took
        # ... and the unregistered ones by registration_timeout_s: the server
        # holds nothing for the vanished host.
        while connections_open(srv) > base_conns and time.monotonic() < deadline + T(2):
            time.sleep(0.1)
        assert connections_open(srv) == base_conns
        watcher.send("QUIT")
        return {"registered_dropped": 10, "unregistered_dropped": 3,
                "dropped_after_s": [round(min(took), 2), round(max(took), 2)]}

    run_attack(start_server, clients, attack, ping_interval_s=ping_s, client_timeout_s=timeout_s,
               registration_timeout_s=timeout_s, extra_args=["--listen", f"{netns.host_ip}:0"])


def test_clients_that_stop_answering_ping(start_server, clients):
    # No namespace needed: the peers are alive but mute (auto_pong off).
    ping_s, timeout_s = 1, 3

    def attack(srv):
        mutes = []
        for i in range(10):
            c = clients(srv, f"mute{i}", source=ATTACKER, auto_pong=False)
            c.register(f"mute{i}")
            mutes.append(c)
        last = time.monotonic()
        got = {}
        for c in mutes:
            lines = c.expect_closed(timeout=timeout_s + 3)
            got[c.nick] = (time.monotonic() - last, [m.raw for m in lines])
        # (d) PING after ping_interval_s, then the documented ERROR.
        for nick, (_, lines) in got.items():
            assert any(l.startswith("PING") for l in lines), lines
            assert "Ping timeout" in lines[-1], lines
        took = [g[0] for g in got.values()]
        assert min(took) >= timeout_s - 0.2 and max(took) <= timeout_s + T(2), took
        return {"mute": 10, "closed_after_s": [round(min(took), 2), round(max(took), 2)]}

    run_attack(start_server, clients, attack, ping_interval_s=ping_s, client_timeout_s=timeout_s)


# --------------------------------------------------------------------------
# 4. WebSocket frames (RFC 6455, by hand: the library would refuse to send
#    most of these)
# --------------------------------------------------------------------------

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BIN, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def ws_frame(opcode, payload=b"", fin=True, mask=True, rsv=0, claimed_len=None):
    """One frame; claimed_len puts another length in the header than sent."""
    n = len(payload) if claimed_len is None else claimed_len
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 1 << 16:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class RawWs:
    """A WebSocket client over a plain socket: the handshake, then frames."""

    def __init__(self, srv, source=ATTACKER, protocol="text.ircv3.net"):
        host, port = srv.endpoints["http"]
        self.sock = bound_socket(source, (host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n")
                          .encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            assert chunk, f"closed during the handshake: {buf!r}"
            buf += chunk
        head, _, self.buf = buf.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest())
        assert accept in head, head
        self.lines = []

    def send(self, data):
        self.sock.sendall(data)

    def text(self, line):
        self.send(ws_frame(OP_TEXT, line.encode()))

    def _need(self, n, deadline):
        while len(self.buf) < n:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except OSError:
                chunk = b""
            if not chunk:
                raise EOFError
            self.buf += chunk
        return True

    def frame(self, timeout=5.0):
        """(opcode, payload) of the next server frame; None on timeout;
        EOFError at the end of the stream."""
        deadline = time.monotonic() + T(timeout)
        if not self._need(2, deadline):
            return None
        b0, b1 = self.buf[0], self.buf[1]
        assert not b1 & 0x80, "the server masked a frame"
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._need(4, deadline)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10, deadline)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        if not self._need(off + n, deadline):
            return None
        payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
        assert b0 & 0x80, "the server fragmented a message"
        return b0 & 0x0F, payload

    def expect(self, pred, timeout=5.0):
        """Text lines until pred(line); answers PING lines."""
        deadline = time.monotonic() + T(timeout)
        while time.monotonic() < deadline:
            f = self.frame(max(0.01, (deadline - time.monotonic()) / T(1)))
            if f is None:
                continue
            op, payload = f
            assert op in (OP_TEXT, OP_PONG), (op, payload)
            if op == OP_TEXT:
                line = payload.decode()
                self.lines.append(line)
                if line.startswith("PING"):
                    self.text("PONG" + line[4:])
                if pred(line):
                    return line
        raise AssertionError(f"no matching line; last: {self.lines[-5:]}")

    def register(self, nick):
        self.text(f"NICK {nick}")
        self.text(f"USER {nick} 0 * :{nick}")
        self.expect(lambda l: " 376 " in l or " 422 " in l)
        self.text("JOIN #lobby")
        self.expect(lambda l: " 366 " in l)

    def outcome(self, timeout=5.0):
        """What the server does next: ("close", code, reason, text lines
        seen first) when it closes, ("open",) if it is still serving lines
        after `timeout`."""
        deadline = time.monotonic() + T(timeout)
        seen = []
        try:
            while time.monotonic() < deadline:
                f = self.frame(max(0.01, (deadline - time.monotonic()) / T(1)))
                if f is None:
                    continue
                op, payload = f
                if op == OP_CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                    # The TCP close follows the close frame: at once when the
                    # server fails the connection; after the closing handshake
                    # (which this client never completes: at most 3 s) when
                    # it closes a session.
                    t_close = time.monotonic()
                    try:
                        while self.frame(4) is not None:
                            pass
                        raise AssertionError("the TCP connection outlived the close frame by 4 s")
                    except EOFError:
                        pass
                    return ("close", code, payload[2:].decode(errors="replace"), seen,
                            round(time.monotonic() - t_close, 2))
                if op == OP_TEXT:
                    seen.append(payload.decode(errors="replace"))
        except EOFError:
            return ("eof", None, "", seen)
        return ("open", None, "", seen)

    def close(self):
        self.sock.close()


def test_websocket_frames(start_server, clients):
    recvq = 16384  # recvq_bytes: the largest message (net/ws_transport.cpp)

    def attack(srv):
        (watcher,) = registered(clients, srv, "watcher", join=["#lobby"])
        results = {}

        def one(name, nick, frames, want_line=None):
            w = RawWs(srv)
            w.register(nick)
            w.send(b"".join(frames))
            if want_line is not None:
                # Served: the line arrives at the watcher, the socket stays.
                m = watcher.expect(lambda m: m.command == "PRIVMSG" and m.nick == nick, timeout=5)
                w.text("PING :still-there")
                w.expect(lambda l: "still-there" in l)
                results[name] = ("served", m.params[-1])
                assert m.params[-1] == want_line, (name, m.raw)
            else:
                try:
                    results[name] = w.outcome()
                except AssertionError as e:
                    raise AssertionError(f"{name}: {e}") from None
            w.close()
            return results[name]

        big = b"PRIVMSG #lobby :" + b"x" * (recvq + 100)
        # Over the limit: one frame, a header promising 1 GiB, or fragments.
        one("oversized", "ws_big", [ws_frame(OP_TEXT, big)])
        one("oversized_header", "ws_huge", [ws_frame(OP_TEXT, b"PRIVMSG", claimed_len=1 << 30)])
        parts = [big[i:i + 2000] for i in range(0, len(big), 2000)]
        one("oversized_fragments", "ws_bigfrag",
            [ws_frame(OP_TEXT if i == 0 else OP_CONT, p, fin=i == len(parts) - 1)
             for i, p in enumerate(parts)])
        # Fragmented within the limit, with a PING between the fragments.
        msg = b"PRIVMSG #lobby :fragmented-ok"
        frags = [ws_frame(OP_TEXT if i == 0 else OP_CONT, msg[i:i + 1], fin=i == len(msg) - 1)
                 for i in range(len(msg))]
        frags.insert(5, ws_frame(OP_PING, b"between"))
        one("fragmented", "ws_frag", frags, want_line="fragmented-ok")
        # Binary messages carry UTF-8 text like text messages.
        one("binary", "ws_bin", [ws_frame(OP_BIN, b"PRIVMSG #lobby :binary-ok")], want_line="binary-ok")
        # ... and their bytes as they are, like a line over TCP.
        one("binary_not_utf8", "ws_binbad", [ws_frame(OP_BIN, b"PRIVMSG #lobby :bin\xff\xfe")],
            want_line="bin\ufffd\ufffd")
        one("text_not_utf8", "ws_txtbad", [ws_frame(OP_TEXT, b"PRIVMSG #lobby :txt\xff\xfe")])
        # Protocol errors.
        one("continuation_first", "ws_cont", [ws_frame(OP_CONT, b"PRIVMSG #lobby :x")])
        one("text_inside_fragments", "ws_nest",
            [ws_frame(OP_TEXT, b"PRIVMSG", fin=False), ws_frame(OP_TEXT, b"PRIVMSG #lobby :x")])
        one("fragmented_ping", "ws_fping", [ws_frame(OP_PING, b"a", fin=False)])
        one("ping_over_125", "ws_bping", [ws_frame(OP_PING, b"p" * 200)])
        one("unmasked", "ws_nomask", [ws_frame(OP_TEXT, b"PRIVMSG #lobby :x", mask=False)])
        one("rsv_bits", "ws_rsv", [ws_frame(OP_TEXT, b"PRIVMSG #lobby :x", rsv=4)])
        one("opcode_3", "ws_op3", [ws_frame(3, b"x")])
        one("close_1000", "ws_bye", [ws_frame(OP_CLOSE, struct.pack("!H", 1000) + b"bye")])
        # A flood of small messages is a line flood: held, then Excess Flood.
        one("message_flood", "ws_flood",
            [ws_frame(OP_TEXT, b"PRIVMSG #lobby :flood %d" % i) for i in range(3000)])
        # Pings are answered below the line throttle: they have a budget
        # of their own (flood_burst at once, flood_rate/s), then the
        # connection closes.
        w = RawWs(srv)
        w.register("ws_ping")
        w.send(ws_frame(OP_PING, b"p" * 100) * 2000)
        pongs = 0
        try:
            while (f := w.frame(5)) is not None:
                pongs += f[0] == OP_PONG
        except EOFError:
            pass
        w.close()
        m = watcher.expect(lambda m: m.command == "QUIT" and m.nick == "ws_ping")
        results["ping_flood"] = ("closed", m.params[-1], f"{pongs} pongs of 2000")
        assert m.params[-1] == "Excess Flood" and pongs <= BURST + 5, results["ping_flood"]
        # What the lobby hears when a WebSocket client is failed.
        quits = {m.nick: m.params[-1] for m in watcher.log if m.command == "QUIT"}
        results["quit_reasons"] = {k: quits.get(k) for k in ("ws_big", "ws_txtbad", "ws_cont")}
        watcher.send("QUIT")
        return results

    outcome = run_attack(start_server, clients, attack)
    assert outcome["quit_reasons"] == {"ws_big": "WebSocket message too big",
                                       "ws_txtbad": "WebSocket text not UTF-8",
                                       "ws_cont": "WebSocket protocol error"}, outcome["quit_reasons"]
    # (d) what docs/protocol.md ("WebSocket") promises.
    assert outcome["oversized"][:2] == ("close", 1009), outcome["oversized"]
    assert outcome["oversized_header"][:2] == ("close", 1009), outcome["oversized_header"]
    assert outcome["oversized_fragments"][:2] == ("close", 1009), outcome["oversized_fragments"]
    for name in ("continuation_first", "text_inside_fragments", "fragmented_ping",
                 "ping_over_125", "unmasked", "rsv_bits", "opcode_3"):
        assert outcome[name][:2] == ("close", 1002), (name, outcome[name])
    assert outcome["text_not_utf8"][:2] == ("close", 1007), outcome["text_not_utf8"]
    assert outcome["close_1000"][:2] == ("close", 1000), outcome["close_1000"]
    flood_close = outcome["message_flood"]
    assert flood_close[0] == "close" and any("Excess Flood" in l for l in flood_close[3]), flood_close


# --------------------------------------------------------------------------
# 5. TLS: 1,000 handshakes at once
# --------------------------------------------------------------------------

def test_tls_1000_handshakes_at_once(start_server, clients, cert):
    need_fds(4096)
    crt, key = cert

    def attack(srv):
        host, port = srv.endpoints["tls"]
        # The attacker runs as its own, niced process: on this 2-core machine
        # its client-side crypto (and Python's GIL, in this process) would
        # otherwise take the CPU the server and the group need, which a
        # remote attacker's does not. It still sends every ClientHello before
        # it reads any answer.
        p = subprocess.Popen(["nice", "-n", "19", sys.executable,
                              str(Path(__file__).with_name("hostile_tls_attacker.py")),
                              host, str(port), str(crt), "1000", str(T(20))],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            r = json.loads(p.stdout.readline() or "{}")
            # All 1,000 are open at once on the server, as TLS connections.
            open_tls = metric(srv, 'lobbyd_connections{transport="tls"}')
            p.stdin.write("close\n")
            p.stdin.flush()
            p.wait(timeout=T(10))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        # (d) every handshake completes; none is refused (5 per address).
        assert r.get("n_failed") == 0, r
        assert r["done"] == 1000, r
        assert open_tls == 1000, open_tls
        # ... and every one is gone once the attacker is.
        deadline = time.monotonic() + T(5)
        while metric(srv, 'lobbyd_connections{transport="tls"}') > 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert metric(srv, 'lobbyd_connections{transport="tls"}') == 0
        return {"handshakes": 1000, "all_done_s": r["all_done_s"], "median_s": r["median_s"],
                "open_at_once": int(open_tls)}

    # 1,000 full TLS handshakes cost CPU on the same two cores the group's
    # server runs on; paced (4 per handler) they kept the group's p99 under
    # 50 ms on a quiet machine, and a CI run beside other work measured
    # 57.5 ms: this attack's bound is 100 ms (docs/benchmarks.md).
    run_attack(start_server, clients, attack, p99_bound_s=0.100, tls_cert=str(crt), tls_key=str(key),
               extra_args=["--listen-tls", "127.0.0.1:0"])


# --------------------------------------------------------------------------
# 6. Connection storms from many addresses, RST closes
# --------------------------------------------------------------------------

RST = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST


def test_storm_from_249_addresses_with_rst(start_server, clients):
    need_fds(4096)
    rounds = 40

    def attack(srv):
        addrs = [f"127.0.0.{i}" for i in range(2, 251)]
        accepted = {a: 0 for a in addrs}
        reasons = {}
        t0 = time.monotonic()
        for _ in range(rounds):
            socks = {}
            for a in addrs:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind((a, 0))
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RST)
                s.settimeout(T(5))
                s.connect(srv.address)
                s.setblocking(False)
                socks[s] = a
            # A refusal is written at accept; an accepted connection is silent.
            sel = selectors.DefaultSelector()
            for s in socks:
                sel.register(s, selectors.EVENT_READ)
            refused = set()
            end = time.monotonic() + T(0.1)
            while time.monotonic() < end and len(refused) < len(socks):
                for k, _ in sel.select(timeout=max(0.0, end - time.monotonic())):
                    s = k.fileobj
                    sel.unregister(s)
                    try:
                        data = s.recv(4096)
                    except OSError:
                        data = b""
                    refused.add(s)
                    why = data.split(b"(", 1)[-1].split(b")")[0].decode(errors="replace") or "closed"
                    reasons[why] = reasons.get(why, 0) + 1
            sel.close()
            for s, a in socks.items():
                accepted[a] += s not in refused
                s.close()  # RST
        took = time.monotonic() - t0
        # (d) per address: the burst (20) at once, then connect_rate_per_ip
        # (2/s); every refusal says why.
        cap = BURST + 2.0 * took + 1
        over = {a: n for a, n in accepted.items() if n > cap}
        assert not over, (cap, over)
        assert min(accepted.values()) >= BURST, sorted(accepted.values())[:5]
        assert set(reasons) <= {"Connecting too fast; try again in a few seconds"}, reasons
        n_refused = sum(reasons.values())
        # The server forgets nothing it must not and keeps nothing open.
        deadline = time.monotonic() + T(5)
        while connections_open(srv) > 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert connections_open(srv) == 5  # the group
        tracked = metric(srv, "lobbyd_addresses_tracked")
        return {"connections": rounds * len(addrs), "addresses": len(addrs), "seconds": round(took, 2),
                "accepted": sum(accepted.values()), "refused": n_refused, "tracked": int(tracked)}

    run_attack(start_server, clients, attack)


# --------------------------------------------------------------------------
# 7. The 500-member reply probe
# --------------------------------------------------------------------------

def test_reply_probe_on_a_500_member_lobby(start_server, clients):
    need_fds(4096)
    seconds, per = 4.0, 1024
    members = []
    sizes = {}

    def setup(srv):
        # 500 idle members (from the exempt harness address) that never read.
        for i in range(500):
            s = socket.create_connection(srv.address, timeout=T(5))
            s.sendall(f"NICK member{i:03d}_idle\r\nUSER m 0 * :idle member\r\nJOIN #lobby\r\n".encode())
            members.append(s)
        (m,) = registered(clients, srv, "measurer")
        deadline = time.monotonic() + T(20)
        while True:
            m.send("LIST #lobby")
            n = int(m.expect(lambda x: x.command == "322").params[2])
            m.expect(lambda x: x.command == "323")
            if n >= 500 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert n == 500, n
        # The size of each reply on its own (a 505-member lobby once the
        # group is in): the bound allows one reply in flight.
        for cmd in ("NAMES #lobby", "WHO #lobby", "LIST", "NAMES " + ",".join(["#lobby"] * 60)):
            m.sync()
            sizes[cmd.split(",")[0] + (" x60" if "," in cmd else "")] = \
                sum(len(x.raw) + 2 for x in (m.send(cmd) or m.sync(timeout=10)))
        m.send("QUIT")

    def attack(srv):
        # 10 probers from 10 addresses at once, each alternating NAMES, WHO
        # and LIST at 10 lines/s (within the line rate), one with 60 targets
        # in each NAMES.
        probers = [attacker(clients, srv, f"prober{i}", source=f"127.0.0.{2 + i}", join=["#lobby"])
                   for i in range(10)]
        for p in probers:
            p.sync()
            p.sock.setblocking(False)
        cmds = [[b"NAMES #lobby\r\n", b"WHO #lobby\r\n", b"LIST\r\n"]] * 9 + \
               [[b"NAMES " + b",".join([b"#lobby"] * 60) + b"\r\n", b"WHO #lobby\r\n", b"LIST\r\n"]]
        got = [0] * 10
        sent = 0
        start = time.monotonic()
        end = start + seconds
        sel = selectors.DefaultSelector()
        for i, p in enumerate(probers):
            sel.register(p.sock, selectors.EVENT_READ, i)
        while (now := time.monotonic()) < end:
            if sent < (now - start) * RATE:
                for i, p in enumerate(probers):
                    p.sock.send(cmds[i][sent % 3])
                sent += 1
            for k, _ in sel.select(timeout=0.005):
                data = k.fileobj.recv(1 << 20)
                assert data, f"prober{k.data} was closed"  # held, never cut
                got[k.data] += len(data)
        sel.close()
        for p in probers:
            p.sock.setblocking(True)
        # (d) each pulls at most its tokens' worth (burst + rate x seconds,
        # each worth reply_bytes_per_token) plus one line's replies.
        biggest = max(sizes.values())
        bound = (BURST + RATE * seconds) * per + biggest
        assert max(got) <= bound, (got, bound, sizes)
        unweighed = sent / 3 * (sizes["NAMES #lobby"] + sizes["WHO #lobby"] + sizes["LIST"])
        return {"probers": 10, "lines_each": sent, "reply_bytes": got, "bound": int(bound),
                "unweighed_bytes_each": int(unweighed), "sizes": sizes}

    big = [{"name": "#lobby", "topic": "Welcome to the lobby", "capacity": 600},
           {"name": "#other", "topic": "Other games", "capacity": 500}]
    try:
        run_attack(start_server, clients, attack, setup=setup, lobbies=big)
    finally:
        for s in members:
            s.close()
