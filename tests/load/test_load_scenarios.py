"""lobbyd-load against a real lobbyd: every scenario briefly, checking its accounting.

Environment (set by ctest):
  LOBBYD_BIN       the server binary (default <repo>/build/bin/lobbyd)
  LOBBYD_LOAD_BIN  the load generator (default <repo>/build/bin/lobbyd-load)
  LOBBYD_SANITIZED "1" for sanitizer builds: timeouts scaled by 3
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCALE = 3.0 if os.environ.get("LOBBYD_SANITIZED", "") not in ("", "0") else 1.0

CONFIG = """\
server_name = "lobbyd.load"
network = "LoadNet"
threads = 2
log_level = "warn"
stats_interval_s = 0
flood_rate = 100000.0
flood_burst = 100000
recvq_bytes = 1048576
sendq_bytes = 16777216
max_clients = 10000
max_clients_per_ip = 0
ping_interval_s = 120
client_timeout_s = 240
allow_create_lobbies = false
"""
for i in range(4):
    CONFIG += f'\n[[lobby]]\nname = "#load{i}"\ntopic = "load test {i}"\ncapacity = 5000\n'


def binary(env: str, name: str) -> str:
    path = os.environ.get(env) or str(REPO_ROOT / "build" / "bin" / name)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{name} not found or not executable: {path} (set {env})")
    return os.path.abspath(path)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("lobbyd-load")
    cfg = work / "lobbyd.toml"
    cfg.write_text(CONFIG)
    port_file = work / "ports.txt"
    log = open(work / "lobbyd.log", "wb")
    proc = subprocess.Popen(
        [binary("LOBBYD_BIN", "lobbyd"), "--config", str(cfg), "--listen", "127.0.0.1:0",
         "--port-file", str(port_file)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=work)
    deadline = time.monotonic() + 10 * SCALE
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"lobbyd did not start:\n{(work / 'lobbyd.log').read_text()[-4000:]}")
        time.sleep(0.02)
    host, port = port_file.read_text().splitlines()[0].rsplit(":", 1)
    yield {"host": host, "port": int(port), "pid": proc.pid, "port_file": str(port_file),
           "proc": proc, "log": work / "lobbyd.log"}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def run_load(server, *args, expect_rc=0, timeout=120):
    cmd = [binary("LOBBYD_LOAD_BIN", "lobbyd-load"), *args, "--host", server["host"],
           "--port", str(server["port"])]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * SCALE)
    assert server["proc"].poll() is None, (
        f"lobbyd died during {args}:\n{server['log'].read_text()[-4000:]}")
    json_lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    assert len(json_lines) == 1, f"expected one JSON line:\n{proc.stdout}\n{proc.stderr}"
    report = json.loads(json_lines[0])
    if expect_rc is not None:
        assert proc.returncode == expect_rc, (
            f"exit {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return report, proc


def assert_clean(report):
    assert report["ok"] is True and report["status"] == "ok", report
    assert report["failures"] == []
    assert report["errors"]["total"] == 0, report["errors"]
    lg = report["loadgen"]
    assert lg["cpu_percent"] >= 0 and lg["cpu_user_s"] >= 0 and lg["cpu_sys_s"] >= 0


def test_idle(server):
    report, proc = run_load(server, "idle", "--clients", "50", "--duration", "2",
                            "--server-pid", str(server["pid"]))
    assert_clean(report)
    assert report["scenario"] == "idle"
    assert report["connections"]["registered"] == 50
    reg = report["registration_ms"]
    assert reg["count"] == 50
    assert 0 < reg["p50"] <= reg["p99"] <= reg["max"]
    assert report["registration_total_s"] > 0
    mem = report["memory"]
    assert mem["server_pid"] == server["pid"]
    assert mem["rss_before_kb"] > 0 and mem["rss_after_kb"] > 0
    # The table is printed before the JSON line.
    assert "registration" in proc.stdout and "load generator CPU" in proc.stdout


def test_chat_accounting_is_exact(server):
    report, _ = run_load(server, "chat", "--clients", "100", "--lobbies", "4", "--rate", "2",
                         "--duration", "3", "--warmup", "1", "--json-only")
    assert_clean(report)
    chat = report["chat"]
    assert report["connections"]["joined"] == 100
    # 100 clients x 2 msg/s x 3 s, spread evenly by the schedule.
    assert chat["sent"] == 600
    # 25 members per lobby: each message is due to the 24 others.
    assert chat["expected"] == 600 * 24
    assert chat["received"] == chat["expected"]
    assert chat["delivery_ratio"] == 1.0
    assert chat["late"] == 0
    assert chat["out_of_order"] == 0 and chat["senders_out_of_order"] == 0
    assert chat["duplicates"] == 0 and chat["gaps"] == 0
    assert chat["misrouted"] == 0 and chat["echoed"] == 0 and chat["malformed"] == 0
    assert chat["sent_per_s"] == pytest.approx(200, rel=0.01)
    assert chat["deliveries_per_s"] == pytest.approx(4800, rel=0.01)
    lat = report["latency_ms"]
    assert lat["count"] == chat["received"]
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]


def test_chat_uneven_lobbies_and_padding(server):
    # 10 clients over 4 lobbies: sizes 3, 3, 2, 2.
    report, _ = run_load(server, "chat", "--clients", "10", "--lobbies", "4", "--rate", "5",
                         "--duration", "1", "--warmup", "0", "--msg-bytes", "200", "--json-only")
    assert_clean(report)
    chat = report["chat"]
    assert chat["sent"] == 50
    assert chat["expected"] == 5 * (3 * 2 + 3 * 2 + 2 * 1 + 2 * 1)
    assert chat["delivery_ratio"] == 1.0


def test_ramp(server):
    report, proc = run_load(server, "ramp", "--clients", "40", "--lobbies", "4", "--rate", "1",
                            "--step-duration", "1", "--step-factor", "2", "--max-steps", "3",
                            "--warmup", "0.5", "--drain", "2", "--p99-bound-ms", "500")
    assert_clean(report)
    ramp = report["ramp"]
    assert 1 <= len(ramp["steps"]) <= 3
    first = ramp["steps"][0]
    assert first["rate"] == 1
    assert first["sent"] == 40 and first["expected"] == 40 * 9
    assert first["pass"] is True and first["delivery_ratio"] == 1.0
    assert ramp["max_sustained_deliveries_per_s"] >= 360
    assert ramp["max_sustained_rate"] >= 1
    assert ramp["stop_reason"]
    assert [s["rate"] for s in ramp["steps"]] == [1, 2, 4][:len(ramp["steps"])]
    assert "highest sustained" in proc.stdout


def test_storm(server):
    report, _ = run_load(server, "storm", "--count", "200", "--concurrency", "20", "--json-only")
    assert_clean(report)
    storm = report["storm"]
    assert storm["attempted"] == 200
    assert storm["registered"] == 200
    assert storm["completed"] == 200
    assert storm["failed"] == 0
    assert storm["registrations_per_s"] > 0
    assert report["registration_ms"]["count"] == 200


def test_sources_spread_connections(server):
    report, _ = run_load(server, "idle", "--clients", "30", "--duration", "0", "--sources", "3",
                         "--json-only")
    assert_clean(report)
    assert report["connections"]["registered"] == 30


def test_missing_lobby_fails_the_run(server):
    report, proc = run_load(server, "chat", "--clients", "4", "--lobbies", "1", "--lobby-prefix",
                            "#nosuch", "--duration", "1", "--warmup", "0", "--json-only",
                            expect_rc=1)
    assert report["ok"] is False and report["status"] == "failed"
    assert report["errors"]["join"] == 4
    assert "#nosuch0" in report["errors"]["first"]


def test_unreachable_server_fails_fast(tmp_path):
    # A port nobody listens on (bound and closed again).
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    t0 = time.monotonic()
    proc = subprocess.run([binary("LOBBYD_LOAD_BIN", "lobbyd-load"), "idle", "--clients", "5",
                           "--duration", "1", "--port", str(port), "--json-only"],
                          capture_output=True, text=True, timeout=60 * SCALE)
    assert proc.returncode == 1
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["errors"]["connect"] == 5
    assert time.monotonic() - t0 < 30 * SCALE


def test_hard_timeout(server):
    report, proc = run_load(server, "idle", "--clients", "5", "--duration", "30", "--timeout", "2",
                            "--json-only", expect_rc=1, timeout=30)
    assert report["status"] == "timeout"
    assert report["wall_s"] < 10


def test_usage_errors_exit_2():
    proc = subprocess.run([binary("LOBBYD_LOAD_BIN", "lobbyd-load"), "chat", "--clients", "3",
                           "--lobbies", "5"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "lobbies" in proc.stderr
    proc = subprocess.run([binary("LOBBYD_LOAD_BIN", "lobbyd-load"), "bogus"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
