"""Databases for the control-plane tests, driven through their own command-line
clients (sqlite3 and mariadb), as an operator would."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MARIADB_SCRIPT = REPO_ROOT / "tools" / "mariadb-test-server.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SqliteDb:
    kind = "sqlite"

    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:{path}"

    def sql(self, statement: str) -> list[list[str]]:
        out = subprocess.run(["sqlite3", "-batch", "-separator", "\t", "-cmd", ".timeout 5000",
                              str(self.path), statement],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, f"sqlite3 failed: {out.stderr}"
        return [line.split("\t") for line in out.stdout.splitlines() if line]


class MariaDb:
    kind = "mariadb"
    _ids = itertools.count(1)

    def __init__(self, server: "MariaDbServer"):
        self.server = server
        self.name = f"lobbyd_t{os.getpid()}_{next(self._ids)}"
        server.root(f"CREATE DATABASE {self.name}; "
                    f"GRANT ALL ON {self.name}.* TO 'lobbyd'@'127.0.0.1'")
        self.url = f"mysql://lobbyd:lobbyd@127.0.0.1:{server.port}/{self.name}"

    def sql(self, statement: str) -> list[list[str]]:
        out = subprocess.run(["mariadb", "--no-defaults", "-ulobbyd", "-plobbyd", "-h127.0.0.1",
                              f"-P{self.server.port}", "-N", "-B", self.name, "-e", statement],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, f"mariadb failed: {out.stderr}"
        return [line.split("\t") for line in out.stdout.splitlines() if line]


class MariaDbServer:
    """A throw-away MariaDB on a free loopback port (tools/mariadb-test-server.sh)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="lobbyd-mariadb-"))
        # A free port can be taken before mariadbd binds it (a client socket of
        # a test running beside this one): then another one.
        for _ in range(3):
            self.port = free_port()
            out = subprocess.run(["bash", str(MARIADB_SCRIPT), "start", str(self.dir), str(self.port)],
                                 capture_output=True, text=True, timeout=120)
            if out.returncode == 0:
                break
        if out.returncode != 0:
            raise RuntimeError(f"could not start MariaDB: {out.stderr}")

    def root(self, statement: str) -> None:
        out = subprocess.run(["mariadb", "--no-defaults", "-uroot",
                              f"--socket={self.dir / 'mysqld.sock'}", "-e", statement],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr

    def stop(self) -> None:
        subprocess.run(["bash", str(MARIADB_SCRIPT), "stop", str(self.dir)], timeout=60)

    def restart(self) -> None:
        out = subprocess.run(["bash", str(MARIADB_SCRIPT), "restart", str(self.dir), str(self.port)],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def mariadb_server():
    if not (shutil.which("mariadb-install-db") and (Path("/usr/sbin/mariadbd").exists()
                                                    or Path("/usr/sbin/mysqld").exists())):
        pytest.fail("mariadb-server is not installed (run tools/install-deps.sh)")
    srv = MariaDbServer()
    yield srv
    srv.destroy()


@pytest.fixture(params=["sqlite", "mariadb"])
def db(request, tmp_path):
    if request.param == "sqlite":
        return SqliteDb(tmp_path / "control.db")
    return MariaDb(request.getfixturevalue("mariadb_server"))
