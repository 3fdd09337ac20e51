"""The database control plane: an operator changes rows with the database's own
command-line client (sqlite3, mariadb) and the running server acts within a
second or two. Every test runs against SQLite and against a real MariaDB."""

import time

from conftest import T, registered
from dbtools import db, mariadb_server  # noqa: F401 (fixtures)


def eventually(fn, timeout=3.0, interval=0.1):
    """Calls fn until it returns a truthy value; returns it or fails."""
    deadline = time.monotonic() + T(timeout)
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {T(timeout):.1f}s (last: {last!r})")


def try_join(c, lobby):
    lines = c.join(lobby)
    return lines[-1].command == "366"


def test_new_lobby_row_is_joinable_and_listed(db, start_server, clients):
    srv = start_server(db=db.url)
    (a,) = registered(clients, srv, "alice")
    assert not try_join(a, "#chess")  # 403 before the row exists
    db.sql("INSERT INTO lobbies (name, topic, capacity) VALUES ('#chess', 'Chess here', 5)")
    eventually(lambda: try_join(a, "#chess"))
    a.send("LIST")
    lines = a.collect_until(lambda m: m.command == "323")
    rows = [m for m in lines if m.command == "322" and m.params[1] == "#chess"]
    assert rows and rows[0].params[2] == "1" and rows[0].params[3] == "Chess here", \
        [m.raw for m in lines]


def test_topic_and_capacity_changes_reach_members(db, start_server, clients):
    srv = start_server(db=db.url)
    db.sql("INSERT INTO lobbies (name, topic, capacity) VALUES ('#go', 'Go', 10)")
    a, b, c = registered(clients, srv, "alice", "bob", "carol")
    eventually(lambda: try_join(a, "#go"))
    assert try_join(b, "#go")
    db.sql("UPDATE lobbies SET topic = 'Tournament at 8' WHERE name = '#go'")
    for x in (a, b):
        m = x.expect(lambda m: m.command == "TOPIC", T(3))
        assert m.params == ["#go", "Tournament at 8"], m.raw
    db.sql("UPDATE lobbies SET capacity = 2 WHERE name = '#go'")

    def full():
        lines = c.join("#go")
        if lines[-1].command == "366":  # capacity not applied yet: leave and retry
            c.send("PART #go")
            c.sync()
            return False
        return lines[-1].command == "471"
    eventually(full)


def test_deactivated_or_deleted_lobby_parts_its_members(db, start_server, clients):
    srv = start_server(db=db.url)
    db.sql("INSERT INTO lobbies (name, topic, capacity) VALUES ('#a', '', 10), ('#b', '', 10)")
    (u,) = registered(clients, srv, "user")
    eventually(lambda: try_join(u, "#a"))
    assert try_join(u, "#b")
    db.sql("UPDATE lobbies SET active = 0 WHERE name = '#a'")
    lines = u.collect_until(lambda m: m.command == "PART" and m.params[0] == "#a", T(3))
    assert any(m.command == "NOTICE" and m.params[0] == "#a" for m in lines), [m.raw for m in lines]
    db.sql("DELETE FROM lobbies WHERE name = '#b'")
    u.expect(lambda m: m.command == "PART" and m.params[0] == "#b", T(3))
    lines = u.join("#a")
    assert lines[-1].command == "403", lines[-1].raw
    # the member's own view agrees: no longer in either lobby
    u.send("WHOIS user")
    lines = u.collect_until(lambda m: m.command == "318")
    assert not any(m.command == "319" for m in lines), [m.raw for m in lines]


def test_lowered_client_timeout_drops_an_idle_client(db, start_server, clients):
    srv = start_server(db=db.url, ping_interval_s=60, client_timeout_s=120)
    idle = clients(srv, "idle", auto_pong=False)
    idle.register("idle")
    db.sql("INSERT INTO settings (`key`, value) VALUES ('ping_interval_s', '1'), "
           "('client_timeout_s', '2')")
    lines = idle.expect_closed(T(8))
    errors = [m for m in lines if m.command == "ERROR"]
    assert errors and "Ping timeout" in errors[0].params[-1], [m.raw for m in lines]


def test_bad_rows_are_reported_and_the_last_good_value_stays(db, start_server, clients):
    srv = start_server(db=db.url, motd="from the file")
    db.sql("INSERT INTO settings (`key`, value) VALUES ('motd', 'from the database')")

    def motd():
        c = clients(srv)
        lines = c.register(f"m{time.monotonic_ns() % 100000}")
        c.close()
        return [m.params[-1] for m in lines if m.command == "372"]
    eventually(lambda: motd() == ["- from the database"])
    db.sql("INSERT INTO settings (`key`, value) VALUES ('flood_rate', 'fast'), ('no_such_key', '1')")
    db.sql("UPDATE settings SET value = 'x' WHERE `key` = 'motd'")  # still valid: proves it applies
    errors = eventually(lambda: db.sql("SELECT ref, message FROM config_errors ORDER BY id")
                        if len(db.sql("SELECT id FROM config_errors")) >= 2 else None)
    refs = {r[0]: r[1] for r in errors}
    assert "flood_rate" in refs and "expected a number" in refs["flood_rate"], errors
    assert "no_such_key" in refs and "unknown setting" in refs["no_such_key"], errors
    eventually(lambda: motd() == ["- x"])
    # a bad value for a key that had a good one keeps the good one
    db.sql("UPDATE settings SET value = '5' WHERE `key` = 'flood_rate'")
    time.sleep(T(1))  # let the server see '5' before it turns bad
    db.sql("UPDATE settings SET value = '-3' WHERE `key` = 'flood_rate'")
    eventually(lambda: any("last good value '5'" in r[1]
                           for r in db.sql("SELECT ref, message FROM config_errors")))
    assert srv.alive()


def test_bans_disconnect_refuse_and_expire(db, start_server, clients):
    srv = start_server(db=db.url)
    good, bad = registered(clients, srv, "goodguy", "badguy", join=["#lobby"])
    db.sql("INSERT INTO bans (mask, reason) VALUES ('bad*!*@*', 'cheating')")
    lines = bad.expect_closed(T(4))
    assert any(m.command == "465" for m in lines), [m.raw for m in lines]
    err = [m for m in lines if m.command == "ERROR"]
    assert err and "Banned: cheating" in err[0].params[-1], [m.raw for m in lines]
    q = good.expect(lambda m: m.command == "QUIT" and m.nick == "badguy", T(3))
    assert "cheating" in q.params[-1]
    # a new client matching the mask is refused at registration
    again = clients(srv, "badguy2")
    again.send("NICK badguy2", "USER x 0 * :x")
    lines = again.expect_closed(T(3))
    assert any(m.command == "ERROR" and "cheating" in m.params[-1] for m in lines)
    # an expired IP ban is ignored; the same ban without expiry refuses at connect
    db.sql("INSERT INTO bans (mask, reason, expires_at) VALUES ('127.0.0.0/8', 'all of you', 1000)")
    time.sleep(T(0.8))
    late = clients(srv, "late")
    late.register("late")
    db.sql("UPDATE bans SET expires_at = NULL WHERE mask = '127.0.0.0/8'")
    good.expect_closed(T(4))  # connected clients in the range are cut too

    def refused():
        c = clients(srv)
        return any(m.command == "ERROR" and "all of you" in m.params[-1]
                   for m in c.expect_closed(T(3)))
    eventually(refused)


def test_admin_commands_run_once_and_are_marked(db, start_server, clients):
    srv = start_server(db=db.url)
    a, b = registered(clients, srv, "alice", "bob", join=["#lobby"])
    db.sql("INSERT INTO admin_commands (verb, args) VALUES "
           "('broadcast', 'maintenance at noon'), ('announce', '#lobby tournament soon'), "
           "('kick', 'bob no cheating'), ('frobnicate', 'x'), ('kick', 'nobody')")
    a.expect(lambda m: m.command == "NOTICE" and m.params == ["*", "maintenance at noon"], T(3))
    a.expect(lambda m: m.command == "NOTICE" and m.params == ["#lobby", "tournament soon"], T(3))
    lines = b.expect_closed(T(3))
    assert any(m.command == "ERROR" and "no cheating" in m.params[-1] for m in lines)
    rows = eventually(lambda: (lambda r: r if all(x[2] not in ("NULL", "running") for x in r) else None)(
        db.sql("SELECT id, applied_at, COALESCE(result, 'NULL') FROM admin_commands ORDER BY id")))
    results = [r[2] for r in rows]
    assert results[0] == "ok" and results[1] == "ok", results
    assert results[2].startswith("ok: kicked bob"), results
    assert results[3].startswith("error: unknown verb"), results
    assert results[4].startswith("error: no such nick"), results
    applied = [r[1] for r in rows]
    # exactly once, also across a restart on the same database
    assert srv.stop() == 0
    srv.port_file.unlink()
    srv2 = srv.__class__(srv.workdir, srv.config_path.read_text()).start()
    try:
        (c,) = registered(clients, srv2, "carol", join=["#lobby"])
        time.sleep(T(1))
        assert not any(m.command == "NOTICE" for m in c.read_for(0.5)), "a command ran twice"
        assert [r[1] for r in db.sql("SELECT id, applied_at FROM admin_commands ORDER BY id")] == applied
    finally:
        assert srv2.stop() == 0


def test_operator_text_with_a_line_break_is_refused(db, start_server, clients):
    """Text from the database never becomes a line of its own: a broadcast,
    announce or kick reason, a lobby topic or a ban reason with CR/LF is
    refused with a clear error instead of reaching clients as two lines (the
    second of which a client would read as a command from the server)."""
    srv = start_server(db=db.url)
    a, b = registered(clients, srv, "alice", "bob", join=["#lobby"])
    db.sql("INSERT INTO admin_commands (verb, args) VALUES "
           "('broadcast', 'first\nKILL alice :injected'), ('announce', '#lobby a\r\nb'), "
           "('kick', 'bob two\nlines'), ('broadcast', 'one line')")
    db.sql("INSERT INTO lobbies (name, topic, capacity) VALUES ('#multi', 'top\nic', 10), ('#fine', 'ok', 10)")
    db.sql("INSERT INTO bans (mask, reason) VALUES ('x*!*@*', 'a\nb')")
    a.expect(lambda m: m.command == "NOTICE" and m.params == ["*", "one line"], T(3))
    rows = eventually(lambda: (lambda r: r if len(r) == 4 and all(x[0] not in ("NULL", "running") for x in r)
                               else None)(db.sql("SELECT COALESCE(result, 'NULL') FROM admin_commands ORDER BY id")))
    results = [r[0] for r in rows]
    assert all(r.startswith("error: the text must be one line") for r in results[:3]), results
    assert results[3] == "ok", results
    errors = eventually(lambda: (lambda r: r if len(r) >= 2 else None)(
        db.sql("SELECT source, message FROM config_errors ORDER BY id")))
    assert ["lobbies", "the topic must be one line (no CR, LF or NUL)"] in errors, errors
    assert ["bans", "the reason must be one line (no CR, LF or NUL)"] in errors, errors
    lines = a.sync() + b.sync()
    assert not [m.raw for m in lines if m.command in ("KILL", "B", "IC", "LINES")], [m.raw for m in lines]
    assert not b.closed
    a.send("LIST")
    listed = [m.params[1] for m in a.collect_until(lambda m: m.command == "323") if m.command == "322"]
    assert "#fine" in listed and "#multi" not in listed, listed


def test_shutdown_command_drains_and_exits(db, start_server, clients):
    srv = start_server(db=db.url)
    (a,) = registered(clients, srv, "alice")
    db.sql("INSERT INTO admin_commands (verb, args) VALUES ('shutdown', '1')")
    lines = a.expect_closed(T(8))
    assert any(m.command == "NOTICE" and "shutting down in 1" in m.params[-1] for m in lines), \
        [m.raw for m in lines]
    assert any(m.raw == "ERROR :Server shutting down" for m in lines), [m.raw for m in lines]
    assert srv.wait_exit(T(5)) == 0


def test_accounts_ratings_and_table_restore_in_both_dialects(db, start_server, clients):
    """Accounts, ratings and game tables on each backend (here rather than in
    test_accounts/test_resume: this file's MariaDB is started once for all)."""
    import json as _json
    from test_accounts import play_tictactoe_win, register_account, sasl_login, state_at, PASSWORD
    from test_resume import restart

    srv = start_server(db=db.url, resume_grace_s=60)
    a = register_account(clients, srv, "kim")
    b = register_account(clients, srv, "lee")
    for c in (a, b):
        c.join("#lobby")
    a.send("TABLE NEW #lobby tictactoe")
    t1 = a.expect(lambda m: m.command == "TABLE" and m.params[0] == "CREATED").params[1]
    b.send(f"TABLE SIT {t1}")
    assert play_tictactoe_win(a, b, t1)["rating"] == [1516, 1484]
    a.send("TABLE NEW #lobby connect4")
    t2 = a.expect(lambda m: m.command == "TABLE" and m.params[:1] == ["CREATED"]).params[1]
    b.send(f"TABLE SIT {t2}")
    a.expect(state_at(t2, 0))
    a.send(f"MOVE {t2} 4")
    b.expect(state_at(t2, 1))
    (hash_,) = db.sql("SELECT password_hash FROM accounts WHERE name = 'kim'")[0]
    assert hash_.startswith("$argon2id$")
    a.close()
    b.close()
    restart(srv)
    c = clients(srv)
    assert sasl_login(c, "kim", "kim", PASSWORD).command == "903"
    c.expect(lambda m: m.command == "TABLE" and m.params[:3] == ["RESUMED", t2, "0"])
    st = _json.loads(c.expect(lambda m: m.command == "GAME" and m.params[:2] == [t2, "STATE"]).params[2])
    assert st["ply"] == 1 and st["to_move"] == 1
    c.send("TOP tictactoe")
    tops = [m.params[3:5] for m in c.collect_until(lambda m: m.command == "TOP" and m.params[0] == "END")
            if m.params[0] == "ENTRY"]
    assert tops == [["kim", "1516"], ["lee", "1484"]]
    assert db.sql("SELECT account, rating FROM ratings ORDER BY account") == [["kim", "1516"], ["lee", "1484"]]
