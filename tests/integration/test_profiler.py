"""The live profiler switched while the server runs: by an operator's PROFILE
command, by the database (setting and admin command) and by SIGUSR2."""

import json
import signal
import subprocess
import time

from conftest import T, lobbyd_bin, registered
from dbtools import SqliteDb


def password_hash(pw):
    out = subprocess.run([lobbyd_bin(), "--hash-password"], input=pw + "\n", capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("$argon2id$"), out.stdout
    return out.stdout.strip()


def notices(c, cmd):
    c.send(cmd)
    return [m.params[-1] for m in c.sync() if m.command == "NOTICE"]


def report(c):
    return notices(c, "PROFILE REPORT 30")


def test_operator_switches_profiler_and_reports_exact_counts(start_server, clients, tmp_path):
    out_dir = tmp_path / "prof"
    srv = start_server(oper_name="admin", oper_password_hash=password_hash("hunter2"),
                       profiler_dir=str(out_dir))
    op, other = registered(clients, srv, "op", "other", join=["#lobby"])
    # not an operator yet
    op.send("PROFILE ON")
    assert op.expect(lambda m: m.command.isdigit()).command == "481"
    op.send("OPER admin wrong")
    assert op.expect(lambda m: m.command in ("381", "464"), T(5)).command == "464"
    op.send("OPER admin hunter2")
    assert op.expect(lambda m: m.command in ("381", "464"), T(5)).command == "381"

    assert notices(op, "PROFILE ON") == ["ok: profiler on"]
    for i in range(25):
        other.send(f"PRIVMSG #lobby :msg {i}")
    other.sync()
    time.sleep(0.2)
    lines = report(op)
    assert lines[0].startswith("profiler on"), lines
    rows = {l.split()[0]: l.split() for l in lines if l.split() and l.split()[0].startswith("cmd.")}
    # 25 PRIVMSGs and the PING of sync(): exact counts of a deterministic workload
    assert rows["cmd.PRIVMSG"][2] == "25", lines
    assert "core.fanout" in " ".join(lines) and "net.read" in " ".join(lines), lines

    off = notices(op, "PROFILE OFF")
    assert off and off[0].startswith("ok: profiler off, wrote 5 files"), off
    trace = json.loads((out_dir / "trace.json").read_text())
    assert "traceEvents" in trace
    folded = (out_dir / "profile.folded").read_text().splitlines()
    assert folded and all(l.rsplit(" ", 1)[1].isdigit() for l in folded), folded[:5]
    assert any("cmd.PRIVMSG" in l for l in folded)
    assert (out_dir / "callgrind.out.lobbyd").read_text().startswith("# callgrind format")
    # RESET drops the figures
    assert notices(op, "PROFILE RESET") == ["ok: profiler reset"]
    assert not any(l.startswith("cmd.PRIVMSG") for l in report(op))


def test_database_and_sigusr2_switch_the_profiler(start_server, clients, tmp_path):
    db = SqliteDb(tmp_path / "p.db")
    srv = start_server(db=db.url, oper_name="admin", oper_password_hash=password_hash("pw"))
    (op,) = registered(clients, srv, "op")
    op.send("OPER admin pw")
    assert op.expect(lambda m: m.command in ("381", "464"), T(5)).command == "381"

    def state():
        return report(op)[0].split()[1]  # "profiler on|off ..."
    assert state() == "off"
    db.sql("INSERT INTO settings (`key`, value) VALUES ('profiler_enabled', '1')")
    deadline = time.monotonic() + T(3)
    while state() != "on" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert state() == "on"
    db.sql("INSERT INTO admin_commands (verb, args) VALUES ('profiler', 'off')")
    deadline = time.monotonic() + T(3)
    while state() != "off" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert state() == "off"
    deadline = time.monotonic() + T(3)
    while db.sql("SELECT result FROM admin_commands") == [["running"]] and time.monotonic() < deadline:
        time.sleep(0.1)  # the result is written after the command ran
    rows = db.sql("SELECT result FROM admin_commands")
    assert rows and rows[0][0].startswith("ok: profiler off"), rows
    srv.proc.send_signal(signal.SIGUSR2)
    deadline = time.monotonic() + T(3)
    while state() != "on" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert state() == "on"
    srv.proc.send_signal(signal.SIGUSR2)
    deadline = time.monotonic() + T(3)
    while state() != "off" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert state() == "off"
