"""Accounts: REGISTER, SASL PLAIN, PASS, allow_guests, operator roles from
the database, one connection per account, ratings and TOP (docs/protocol.md,
"Accounts")."""

import base64
import json
import os
import time

import pytest

from conftest import T, registered
from dbtools import MariaDb, SqliteDb, mariadb_server  # noqa: F401 (fixture)

PASSWORD = "correct horse"


def is_cmd(command, *params):
    return lambda m: m.command == command and m.params[:len(params)] == list(params)


def sasl_login(c, nick, account, password, finish=True):
    """CAP LS 302, REQ sasl, AUTHENTICATE PLAIN; returns the 90x reply."""
    c.nick = nick
    c.send("CAP LS 302")
    ls = c.expect(is_cmd("CAP", "*", "LS"))
    assert "sasl=PLAIN" in ls.params[2].split()
    c.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP REQ :sasl")
    c.expect(is_cmd("CAP", nick, "ACK"))
    c.send("AUTHENTICATE PLAIN")
    c.expect(is_cmd("AUTHENTICATE", "+"))
    blob = base64.b64encode(f"\0{account}\0{password}".encode()).decode()
    c.send(f"AUTHENTICATE {blob}")
    reply = c.expect(lambda m: m.command in ("903", "904", "905"), timeout=10)
    if finish:
        c.send("CAP END")
        if reply.command == "903":
            c.expect(lambda m: m.command in ("376", "422"))
    return reply


def register_account(clients, srv, nick, password=PASSWORD):
    c = clients(srv, nick)
    c.register(nick)
    c.send(f"REGISTER {nick} * :{password}")
    m = c.expect(lambda m: m.command in ("REGISTER", "FAIL"), timeout=10)
    assert m.params[:2] == ["SUCCESS", nick], m.raw
    c.expect(lambda m: m.command == "900")
    return c


def test_register_then_sasl_login(start_server, clients):
    srv = start_server()
    c = clients(srv, "alice")
    c.register("alice")
    c.send("REGISTER * * :" + PASSWORD)
    assert c.expect(is_cmd("REGISTER", "SUCCESS")).params[1] == "alice"
    logged = c.expect(lambda m: m.command == "900")
    assert logged.params[2] == "alice"
    # the same name again, and bad requests
    d = clients(srv, "dora")
    d.register("dora")
    d.send("REGISTER alice * :" + PASSWORD)
    assert d.expect(is_cmd("FAIL", "REGISTER")).params[1:3] == ["ACCOUNT_EXISTS", "alice"]
    d.send("REGISTER dora * short")
    assert d.expect(is_cmd("FAIL", "REGISTER")).params[1] == "WEAK_PASSWORD"
    d.send("REGISTER #bad * :" + PASSWORD)
    assert d.expect(is_cmd("FAIL", "REGISTER")).params[1] == "BAD_ACCOUNT_NAME"
    c.send("REGISTER other * :" + PASSWORD)
    assert c.expect(is_cmd("FAIL", "REGISTER")).params[1] == "ALREADY_AUTHENTICATED"
    c.close()

    e = clients(srv)
    assert sasl_login(e, "al", "ALICE", PASSWORD).command == "903"
    e.send("WHOIS al")
    assert e.expect(lambda m: m.command == "330").params[1:3] == ["al", "alice"]

    f = clients(srv)
    t0 = time.monotonic()
    assert sasl_login(f, "eve", "alice", "wrong password", finish=False).command == "904"
    assert time.monotonic() - t0 >= 0.9  # wrong passwords are slowed
    f.send("AUTHENTICATE *")
    f.expect(lambda m: m.command == "906")
    # the password never reaches the log; the account row has an argon2id hash
    assert PASSWORD not in srv.log_tail(10000) and "wrong password" not in srv.log_tail(10000)
    db = SqliteDb(srv.workdir / "lobbyd.db")
    (row,) = db.sql("SELECT name, display, role, password_hash FROM accounts")
    assert row[:3] == ["alice", "alice", "player"] and row[3].startswith("$argon2id$")


def test_three_failures_close_the_connection(start_server, clients):
    srv = start_server()
    register_account(clients, srv, "bob")
    c = clients(srv)
    assert sasl_login(c, "x", "bob", "nope-nope", finish=False).command == "904"
    for _ in range(2):
        c.send("AUTHENTICATE PLAIN")
        c.expect(is_cmd("AUTHENTICATE", "+"))
        c.send("AUTHENTICATE " + base64.b64encode(b"\0bob\0still-wrong").decode())
        c.expect(lambda m: m.command == "904", timeout=10)
    assert any("Too many failed logins" in m.raw for m in c.expect_closed(timeout=5))


def test_pass_login_and_no_guests(start_server, clients):
    srv = start_server(allow_guests=False)
    # REGISTER works before registration completes (before-connect)
    r = clients(srv)
    r.send("CAP LS 302", "NICK carol", "USER carol 0 * :c", f"REGISTER carol * :{PASSWORD}")
    assert r.expect(is_cmd("REGISTER", "SUCCESS")).params[1] == "carol"
    r.send("CAP END")
    r.expect(lambda m: m.command in ("376", "422"))
    r.close()
    guest = clients(srv)
    guest.send("NICK guest", "USER guest 0 * :g")
    fail = guest.expect(lambda m: m.command == "FAIL")
    assert fail.params[:2] == ["*", "ACCOUNT_REQUIRED"]
    guest.expect_closed()
    ok = clients(srv)
    ok.send(f"PASS :carol:{PASSWORD}", "NICK carol", "USER carol 0 * :c")
    ok.expect(lambda m: m.command == "900")
    ok.expect(lambda m: m.command == "001")
    ok.close()
    ok2 = clients(srv)  # PASS <password> for the account named like the nick
    ok2.send(f"PASS :{PASSWORD}", "NICK carol", "USER carol 0 * :c")
    ok2.expect(lambda m: m.command == "001")
    bad = clients(srv)
    bad.send("PASS carol:wrong-one", "NICK carol2", "USER carol 0 * :c")
    bad.expect(lambda m: m.command == "464", timeout=10)
    bad.expect_closed()


def test_operator_role_from_the_database(start_server, clients):
    srv = start_server()
    boss = register_account(clients, srv, "boss")
    (victim,) = registered(clients, srv, "victim")
    boss.send(f"OPER boss :{PASSWORD}")
    boss.expect(lambda m: m.command == "464", timeout=10)  # a player, not an operator
    db = SqliteDb(srv.workdir / "lobbyd.db")
    db.sql("UPDATE accounts SET role = 'operator' WHERE name = 'boss'")
    boss.send("OPER boss wrong-password")
    boss.expect(lambda m: m.command == "464", timeout=10)
    boss.send(f"OPER boss :{PASSWORD}")
    boss.expect(lambda m: m.command == "381", timeout=10)
    boss.send("KILL victim :enough")
    assert any("Killed by boss" in m.raw for m in victim.expect_closed())


def test_one_connection_per_account(start_server, clients):
    srv = start_server()
    first = register_account(clients, srv, "dan")
    second = clients(srv)
    assert sasl_login(second, "dan2", "dan", PASSWORD).command == "903"
    assert any("Logged in from another connection" in m.raw for m in first.expect_closed())


def state_at(table, ply):
    return lambda m: (m.command == "GAME" and m.params[:2] == [table, "STATE"]
                      and json.loads(m.params[2])["ply"] == ply)


def play_tictactoe_win(a, b, table):
    """a (seat 0) wins along the top row."""
    for c in (a, b):
        c.expect(state_at(table, 0))
    for ply, (mover, cell) in enumerate([(a, 0), (b, 3), (a, 1), (b, 4), (a, 2)]):
        mover.send(f"MOVE {table} {cell}")
        for c in (a, b):
            c.expect(state_at(table, ply + 1))
    return json.loads(a.expect(is_cmd("GAME", table, "OVER")).params[2])


def test_ratings_and_top_survive_a_restart(start_server, clients):
    srv = start_server()
    a = register_account(clients, srv, "ann")
    b = register_account(clients, srv, "ben")
    for c in (a, b):
        c.join("#lobby")
    a.send("TABLE NEW #lobby tictactoe")
    table = a.expect(is_cmd("TABLE", "CREATED")).params[1]
    b.send(f"TABLE SIT {table}")
    over = play_tictactoe_win(a, b, table)
    assert over["winner"] == "ann" and over["rated"] is True
    assert over["rating_change"] == [16, -16] and over["rating"] == [1516, 1484]
    a.send("TOP tictactoe 5")
    lines = a.collect_until(is_cmd("TOP", "END"))
    entries = [m.params for m in lines if m.params[:1] == ["ENTRY"]]
    assert entries == [["ENTRY", "tictactoe", "1", "ann", "1516", "1", "1", "0", "0"],
                       ["ENTRY", "tictactoe", "2", "ben", "1484", "1", "0", "1", "0"]]
    a.send("TOP chess")
    assert a.expect(is_cmd("FAIL", "TOP")).params[1] == "UNKNOWN_GAME"
    # a guest at the table: unrated
    (g,) = registered(clients, srv, "guest", join=["#lobby"])
    a.send(f"TABLE REMATCH {table}", f"PART {table}")
    b.send(f"PART {table}")
    g.send("TABLE NEW #lobby tictactoe")
    t2 = g.expect(is_cmd("TABLE", "CREATED")).params[1]
    a.send(f"TABLE SIT {t2}")
    over2 = play_tictactoe_win(g, a, t2)
    assert over2["rated"] is False and over2["rating_change"] == [None, None]

    db = SqliteDb(srv.workdir / "lobbyd.db")
    rows = lambda: db.sql("SELECT account, rating, games FROM ratings ORDER BY account")
    deadline = time.monotonic() + T(5)
    while rows() != [["ann", "1516", "1"], ["ben", "1484", "1"]] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert rows() == [["ann", "1516", "1"], ["ben", "1484", "1"]]
    for c in (a, b, g):
        c.close()
    assert srv.stop() == 0
    srv.port_file.unlink()
    srv.returncode, srv._signalled = None, False
    srv.start()
    (c,) = registered(clients, srv, "later")
    c.send("TOP ttt")
    tops = [m.params[3:5] for m in c.collect_until(is_cmd("TOP", "END")) if m.params[:1] == ["ENTRY"]]
    assert tops == [["ann", "1516"], ["ben", "1484"]]
