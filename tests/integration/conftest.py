"""Shared helpers for the lobbyd black-box integration tests.

Every test starts its own lobbyd process on an ephemeral port (127.0.0.1:0)
with a config written to a private temporary directory, so test files can run
in parallel (ctest -j2) without sharing anything.

Environment:
  LOBBYD_BIN        path to the server binary (set by ctest); defaults to
                    <repo>/build/bin/lobbyd
  LOBBYD_SANITIZED  "1" for ASan/UBSan builds: all timeouts are scaled by 3
"""

from __future__ import annotations

import itertools
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SANITIZED = os.environ.get("LOBBYD_SANITIZED", "") not in ("", "0")
SCALE = 3.0 if SANITIZED else 1.0

SERVER_NAME = "lobbyd.test"
NETWORK = "TestNet"


def T(seconds: float) -> float:
    """A timeout scaled for slow (sanitized) builds."""
    return seconds * SCALE


def lobbyd_bin() -> str:
    path = os.environ.get("LOBBYD_BIN") or str(REPO_ROOT / "build" / "bin" / "lobbyd")
    if not os.access(path, os.X_OK):
        pytest.fail(f"lobbyd binary not found or not executable: {path} (set LOBBYD_BIN)")
    return path


# --------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------

def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        r = repr(v)
        return r if any(c in r for c in ".eE") else r + ".0"
    if isinstance(v, str):
        out = ['"']
        for ch in v:
            if ch == '"':
                out.append('\\"')
            elif ch == "\\":
                out.append("\\\\")
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\t":
                out.append("\\t")
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append("\\u%04X" % ord(ch))
            else:
                out.append(ch)
        out.append('"')
        return "".join(out)
    raise TypeError(f"unsupported TOML value {v!r}")


DEFAULT_LOBBIES = [
    {"name": "#lobby", "topic": "Welcome to the lobby", "capacity": 500},
    {"name": "#other", "topic": "Other games", "capacity": 500},
]


def make_config(lobbies: Optional[list] = None, **overrides) -> str:
    """TOML text: test defaults, overridden by keyword arguments."""
    cfg = {
        "server_name": SERVER_NAME,
        "network": NETWORK,
        "threads": 2,
        "log_level": "info",
        "motd": "Welcome to lobbyd",
    }
    cfg.update(overrides)
    lines = [f"{k} = {_toml_value(v)}" for k, v in cfg.items()]
    for lobby in DEFAULT_LOBBIES if lobbies is None else lobbies:
        lines.append("")
        lines.append("[[lobby]]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in lobby.items())
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------

class LobbydServer:
    def __init__(self, workdir: Path, config_text: str):
        self.workdir = workdir
        self.config_path = workdir / "lobbyd.toml"
        self.port_file = workdir / "ports.txt"
        self.log_path = workdir / "lobbyd.log"
        self.config_path.write_text(config_text)
        self.proc: Optional[subprocess.Popen] = None
        self.host = "127.0.0.1"
        self.port = 0
        self.listeners: list[tuple[str, int]] = []
        # Other endpoints from the port file ("http HOST:PORT", "tls HOST:PORT").
        self.endpoints: dict[str, tuple[str, int]] = {}
        self.extra_args: list[str] = []
        self.returncode: Optional[int] = None
        self._signalled = False

    def start(self, timeout: float = 10.0) -> "LobbydServer":
        cmd = [lobbyd_bin(), "--config", str(self.config_path),
               "--listen", "127.0.0.1:0", "--port-file", str(self.port_file),
               "--http", "127.0.0.1:0", *self.extra_args]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir)
        deadline = time.monotonic() + T(timeout)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"lobbyd exited early with code {self.proc.returncode}\n{self.log_tail()}")
            listeners = self._read_port_file()
            if listeners:
                self.listeners = listeners
                self.host, self.port = listeners[0]
                return self
            time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        raise AssertionError(f"lobbyd did not write {self.port_file} within {T(timeout)}s\n"
                             f"{self.log_tail()}")

    def _read_port_file(self) -> list:
        try:
            text = self.port_file.read_text()
        except FileNotFoundError:
            return []
        out = []
        self.endpoints = {}
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            kind, sp, rest = line.partition(" ")
            if sp:  # "http 127.0.0.1:8080", "tls ..."
                host, _, port = rest.rpartition(":")
                if port.isdigit():
                    self.endpoints[kind] = (host.strip("[]"), int(port))
                continue
            host, sep, port = line.rpartition(":")
            if not sep or not port.isdigit() or int(port) == 0:
                return []  # partially written; retry
            out.append((host.strip("[]") or "127.0.0.1", int(port)))
        return out

    @property
    def address(self) -> tuple:
        return (self.host, self.port)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self._signalled = True
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float) -> Optional[int]:
        """Waits (scaled timeout) for the process to exit by itself; its code or None."""
        assert self.proc is not None
        if self.returncode is None:
            try:
                self.returncode = self.proc.wait(timeout=T(timeout))
            except subprocess.TimeoutExpired:
                return None
            self._log.close()
        return self.returncode

    def stop(self, grace: float = 10.0) -> int:
        """SIGTERM (unless a signal was already sent), wait up to `grace`
        (scaled) seconds, then SIGKILL. Returns the exit code (-9999 if it had
        to be killed). Idempotent."""
        if self.returncode is not None:
            return self.returncode
        assert self.proc is not None
        if self.proc.poll() is None and not self._signalled:
            self.signal(signal.SIGTERM)
        if self.wait_exit(grace) is None:
            self.proc.kill()
            self.proc.wait()
            self.returncode = -9999
            self._log.close()
        return self.returncode

    def log_tail(self, n: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no server log)"
        return "---- lobbyd log (tail) ----\n" + "\n".join(lines[-n:])


class _Reaper:
    """Collects servers that were sent SIGTERM at the end of their test and
    checks their exit codes later, so the server's shutdown grace period
    (a few seconds) overlaps with the following tests instead of adding up.

    Every server must still exit with code 0 within 10 s (scaled) of its
    SIGTERM; a failure is reported, naming the test that started it, at the
    teardown of the first later test that checks, or at the end of the session."""

    MAX_PENDING = 4

    def __init__(self):
        self.pending: list = []  # (server, nodeid, deadline, tmpdir)
        self.clean_dirs: set = set()

    def add(self, srv: "LobbydServer", nodeid: str, tmpdir: Path) -> None:
        if srv.returncode is None and srv._signalled is False and srv.alive():
            srv.signal(signal.SIGTERM)
        self.pending.append((srv, nodeid, time.monotonic() + T(10), tmpdir))

    def check(self, block_all: bool) -> list:
        """Waits for finished/overdue servers (all of them if block_all, else
        enough to keep at most MAX_PENDING running); returns problem texts."""
        problems = []
        keep = []
        for i, (srv, nodeid, deadline, tmpdir) in enumerate(self.pending):
            must_wait = block_all or len(self.pending) - i > self.MAX_PENDING
            if not must_wait and srv.alive() and time.monotonic() < deadline:
                keep.append((srv, nodeid, deadline, tmpdir))
                continue
            rc = srv.wait_exit(max(0.0, deadline - time.monotonic()) / SCALE)
            if rc is None:
                srv.proc.kill()
                srv.proc.wait()
                srv.returncode = -9999
                problems.append(f"lobbyd started by {nodeid} did not exit within "
                                f"{T(10):.0f} s of SIGTERM (killed)\n{srv.log_tail()}")
            elif rc != 0:
                problems.append(f"lobbyd started by {nodeid} exited with code {rc} "
                                f"after SIGTERM\n{srv.log_tail()}")
            else:
                self.clean_dirs.add(tmpdir)
        self.pending = keep
        self.clean_dirs -= {p[3] for p in self.pending}
        return problems


@pytest.fixture(scope="session")
def _reaper():
    r = _Reaper()
    yield r
    problems = r.check(block_all=True)
    if not problems:
        for d in r.clean_dirs:
            shutil.rmtree(d, ignore_errors=True)
    assert not problems, "\n\n".join(problems)


@pytest.fixture
def start_server(request, _reaper):
    """Factory: start_server(lobbies=[...], **config) -> LobbydServer.

    At teardown each server still running gets SIGTERM and must exit with
    code 0 within 10 s (checked by _Reaper); a server that died during the
    test fails the test at once.
    """
    tmp = Path(tempfile.mkdtemp(prefix="lobbyd-it-"))
    servers: list[LobbydServer] = []

    def _start(lobbies=None, extra_args=(), **cfg) -> LobbydServer:
        workdir = tmp / f"srv{len(servers)}"
        workdir.mkdir()
        srv = LobbydServer(workdir, make_config(lobbies, **cfg))
        srv.extra_args = list(extra_args)
        servers.append(srv)
        return srv.start()

    yield _start

    problems = []
    for srv in servers:
        if srv.proc is None:
            continue
        if srv.returncode is None and not srv._signalled and not srv.alive():
            srv.wait_exit(0)
            problems.append(f"lobbyd died during the test with code {srv.returncode}\n"
                            f"{srv.log_tail()}")
        elif srv.returncode is not None and srv.returncode != 0:
            problems.append(f"lobbyd exited with code {srv.returncode}\n{srv.log_tail()}")
    for srv in servers:
        if srv.proc is not None and srv.returncode is None:
            _reaper.add(srv, request.node.nodeid, tmp)
    problems += _reaper.check(block_all=False)
    if not problems and all(s.returncode == 0 or s.proc is None for s in servers):
        shutil.rmtree(tmp, ignore_errors=True)
    assert not problems, "\n\n".join(problems)


@pytest.fixture
def server(start_server) -> LobbydServer:
    """A server with the test defaults (lobbies #lobby and #other)."""
    return start_server()


# --------------------------------------------------------------------------
# Raw client
# --------------------------------------------------------------------------

@dataclass
class Msg:
    raw: str
    tags: str = ""
    source: str = ""
    command: str = ""
    params: list = field(default_factory=list)

    @property
    def nick(self) -> str:
        return self.source.split("!", 1)[0]

    @property
    def trailing(self) -> str:
        return self.params[-1] if self.params else ""

    def __str__(self) -> str:
        return self.raw


def parse_line(raw: str) -> Msg:
    m = Msg(raw=raw)
    rest = raw
    if rest.startswith("@"):
        m.tags, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")
    if rest.startswith(":"):
        m.source, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")
    trailing = None
    if " :" in rest:
        rest, trailing = rest.split(" :", 1)
    elif rest.startswith(":"):
        rest, trailing = "", rest[1:]
    parts = rest.split()
    if parts:
        m.command = parts[0].upper()
        m.params = parts[1:]
    if trailing is not None:
        m.params.append(trailing)
    return m


Pred = Union[str, Callable[[Msg], bool]]


def _as_pred(p: Pred) -> Callable[[Msg], bool]:
    if callable(p):
        return p
    rx = re.compile(p)
    return lambda m: rx.search(m.raw) is not None


def numeric(*codes) -> Callable[[Msg], bool]:
    wanted = {f"{int(c):03d}" for c in codes}
    return lambda m: m.command in wanted


def command(*names) -> Callable[[Msg], bool]:
    wanted = {n.upper() for n in names}
    return lambda m: m.command in wanted


class ConnectionClosed(Exception):
    pass


_tokens = itertools.count(1)


class Client:
    """A line-oriented raw IRC client over a blocking socket.

    Every received line is appended to `log`. PINGs from the server are
    answered automatically unless auto_pong=False (they are still returned to
    the caller like any other line).
    """

    def __init__(self, address, nick: str = "", rcvbuf: Optional[int] = None,
                 auto_pong: bool = True, connect_timeout: float = 5.0,
                 source: Optional[str] = None):
        self.nick = nick
        self.auto_pong = auto_pong
        self.log: list[Msg] = []
        self.closed = False
        self._buf = b""
        self._pending: list[Msg] = []
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source is not None:  # another loopback address (127.0.0.x): per-address limits
            s.bind((source, 0))
        s.settimeout(T(connect_timeout))
        s.connect(tuple(address))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(None)
        self.sock = s
        self._send_lock = threading.Lock()
        self.traffic = None  # set by the clients fixture when recording seeds
        self.slot = 0

    # -- sending ---------------------------------------------------------
    def send_raw(self, data: bytes, timeout: float = 10.0) -> None:
        if self.traffic is not None:
            self.traffic.append((self.slot, data))
        with self._send_lock:
            self.sock.settimeout(T(timeout))
            try:
                self.sock.sendall(data)
            finally:
                self.sock.settimeout(None)

    def send(self, *lines: str) -> None:
        self.send_raw(b"".join(l.encode() + b"\r\n" for l in lines))

    # -- receiving -------------------------------------------------------
    def _fill(self, timeout: float) -> bool:
        """Reads more bytes; False on timeout. Raises ConnectionClosed on EOF."""
        if self.closed:
            raise ConnectionClosed("connection closed")
        r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not r:
            return False
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, ConnectionAbortedError):
            data = b""
        if not data:
            self.closed = True
            raise ConnectionClosed("connection closed by server")
        self._buf += data
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            msg = parse_line(line.rstrip(b"\r").decode("utf-8", "replace"))
            self.log.append(msg)
            self._pending.append(msg)
            if self.auto_pong and msg.command == "PING":
                try:
                    self.send("PONG :" + (msg.params[-1] if msg.params else ""))
                except OSError:
                    pass
        return True

    def read_line(self, timeout: float = 5.0) -> Optional[Msg]:
        """Next line, or None on timeout (timeout is scaled). Raises ConnectionClosed."""
        deadline = time.monotonic() + T(timeout)
        while not self._pending:
            if not self._fill(deadline - time.monotonic()) and time.monotonic() >= deadline:
                return None
        return self._pending.pop(0)

    def _context(self, n: int = 25) -> str:
        return "\n".join(f"    {m.raw}" for m in self.log[-n:]) or "    (nothing received)"

    def collect_until(self, pred: Pred, timeout: float = 5.0) -> list:
        """All lines up to and including the first one matching pred."""
        p = _as_pred(pred)
        deadline = time.monotonic() + T(timeout)
        got = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                m = self.read_line(remaining / SCALE) if remaining > 0 else None
            except ConnectionClosed:
                raise AssertionError(
                    f"[{self.nick}] connection closed while waiting for {pred!r}; "
                    f"last lines:\n{self._context()}")
            if m is None:
                raise AssertionError(
                    f"[{self.nick}] timed out after {T(timeout):.1f}s waiting for {pred!r}; "
                    f"last lines:\n{self._context()}")
            got.append(m)
            if p(m):
                return got

    def expect(self, pred: Pred, timeout: float = 5.0) -> Msg:
        return self.collect_until(pred, timeout)[-1]

    def expect_numeric(self, code: int, timeout: float = 5.0) -> Msg:
        return self.expect(numeric(code), timeout)

    def read_for(self, duration: float) -> list:
        """Everything received within `duration` seconds (not scaled)."""
        deadline = time.monotonic() + duration
        got = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return got
            try:
                m = self.read_line(remaining / SCALE)
            except ConnectionClosed:
                return got
            if m is not None:
                got.append(m)

    def sync(self, timeout: float = 5.0) -> list:
        """Round-trips a PING; returns every line received before its PONG."""
        token = f"sync{next(_tokens)}"
        self.send(f"PING :{token}")
        got = self.collect_until(
            lambda m: m.command == "PONG" and m.params and m.params[-1] == token, timeout)
        return got[:-1]

    def expect_closed(self, timeout: float = 5.0) -> list:
        """Reads until EOF; returns lines received meanwhile. Fails on timeout."""
        deadline = time.monotonic() + T(timeout)
        got = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"[{self.nick}] connection still open after {T(timeout):.1f}s; "
                    f"last lines:\n{self._context()}")
            try:
                m = self.read_line(remaining / SCALE)
            except ConnectionClosed:
                return got
            if m is not None:
                got.append(m)

    # -- registration ----------------------------------------------------
    def register(self, nick: str, user: Optional[str] = None, realname: Optional[str] = None,
                 timeout: float = 5.0) -> list:
        """NICK/USER; waits for end of MOTD (376) or no MOTD (422). Returns all lines."""
        self.nick = nick
        self.send(f"NICK {nick}", f"USER {user or nick} 0 * :{realname or 'Real ' + nick}")
        lines = self.collect_until(
            lambda m: m.command in ("376", "422") or m.command in ("432", "433", "ERROR"),
            timeout)
        if lines[-1].command not in ("376", "422"):
            raise AssertionError(f"registration of {nick} failed: {lines[-1].raw}")
        return lines

    def join(self, lobby: str, timeout: float = 5.0) -> list:
        """JOIN; waits for 366 (end of NAMES) for that lobby. Returns all lines."""
        self.send(f"JOIN {lobby}")
        return self.collect_until(
            lambda m: (m.command == "366" and len(m.params) > 1
                       and m.params[1].lower() == lobby.lower())
            or (m.command.isdigit() and m.command[0] in "45"),
            timeout)

    def take(self) -> list:
        """Returns and forgets all lines read but not yet consumed."""
        got, self._pending = self._pending, []
        return got

    def close(self) -> None:
        if self.traffic is not None and not self.closed:
            self.traffic.append((self.slot, None))  # a hang-up
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True


def pump(clients_, timeout: float = 0.0) -> None:
    """Reads whatever is available on any of the clients (one select round,
    waiting at most `timeout` seconds, unscaled). Lines go to each client's
    pending queue (see Client.take) and log. Closed connections are skipped."""
    socks = {c.sock: c for c in clients_ if not c.closed}
    if not socks:
        time.sleep(timeout)
        return
    r, _, _ = select.select(list(socks), [], [], timeout)
    for s in r:
        try:
            socks[s]._fill(0)
        except ConnectionClosed:
            pass


def _write_session_seed(directory: str, test_id: str, traffic: list) -> None:
    """What the test's clients sent, in order, as an input of fuzz_session
    (fuzz/fuzz_session.cpp): each line prefixed with its client's slot byte."""
    out = bytearray()
    for slot, data in traffic:
        if data is None:
            out += bytes([0xF0 | slot % 4]) + b"\n"
            continue
        for line in data.split(b"\n"):
            if line:
                out += bytes([slot % 4]) + line + b"\n"
    if out:
        name = "".join(ch if ch.isalnum() else "_" for ch in test_id)[-120:]
        # fuzz runs take at most 9000 bytes (make fuzz): cut at a line end.
        if len(out) > 8000:
            out = out[:out.rfind(b"\n", 0, 8000) + 1]
        Path(directory, name).write_bytes(bytes(out))


@pytest.fixture
def clients(request):
    """Factory for Clients that are all closed at teardown. With
    LOBBYD_SESSION_SEEDS=<dir> the lines they send are also written there as
    a fuzz_session seed (tools/fuzz-session-seeds.sh)."""
    made: list[Client] = []
    seeds = os.environ.get("LOBBYD_SESSION_SEEDS")
    traffic = [] if seeds else None

    def _make(server_or_addr, nick: str = "", **kw) -> Client:
        addr = server_or_addr.address if isinstance(server_or_addr, LobbydServer) \
            else server_or_addr
        c = Client(addr, nick, **kw)
        c.traffic, c.slot = traffic, len(made)
        made.append(c)
        return c

    yield _make
    for c in made:
        c.close()
    if seeds:
        _write_session_seed(seeds, request.node.nodeid, traffic)


def registered(clients, server, *nicks, join: Iterable[str] = ()) -> list:
    """Connects and registers one client per nick, and joins them to lobbies."""
    out = []
    for n in nicks:
        c = clients(server, n)
        c.register(n)
        out.append(c)
    for lobby in join:
        for c in out:
            lines = c.join(lobby)
            assert lines[-1].command == "366", f"{c.nick} could not join {lobby}: {lines[-1].raw}"
    # drain JOIN notifications of later joiners
    for c in out:
        c.sync()
    return out
