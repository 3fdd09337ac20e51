"""Held seats: a player with an account who disconnects keeps the seat for
resume_grace_s and gets it back, with the lines missed and the state, by
logging in again (a new connection, or one that replaces a dead link);
unfinished tables come back after a restart or a crash (docs/protocol.md,
"Resuming a seat")."""

import base64
import json
import signal
import time

from conftest import T, registered
from dbtools import SqliteDb
from test_accounts import PASSWORD, is_cmd, register_account, sasl_login, state_at


def game_json(c, table, verb, timeout=5.0):
    return json.loads(c.expect(is_cmd("GAME", table, verb), timeout).params[2])


def open_table(a, others, game, *options):
    a.send(f"TABLE NEW #lobby {game} {' '.join(options)}".rstrip())
    table = a.expect(is_cmd("TABLE", "CREATED")).params[1]
    for o in others:
        o.send(f"TABLE SIT {table}")
        o.expect(is_cmd("TABLE", "SEATED", table, o.nick))
    return table


def accounts(clients, srv, *names):
    out = [register_account(clients, srv, n) for n in names]
    for c in out:
        c.join("#lobby")
    return out


def relogin(clients, srv, nick, account):
    c = clients(srv)
    assert sasl_login(c, nick, account, PASSWORD).command == "903"
    return c


def test_disconnect_and_resume_with_missed_lines(start_server, clients):
    srv = start_server(resume_grace_s=30)
    a, b = accounts(clients, srv, "amy", "bo")
    table = open_table(a, [b], "tictactoe")
    for c in (a, b):
        c.expect(state_at(table, 0))
    a.send(f"MOVE {table} 4")
    b.expect(state_at(table, 1))
    b.close()  # bob's link drops while it is his turn
    away = a.expect(is_cmd("TABLE", "AWAY", table, "bo"))
    assert int(away.params[3]) > time.time() * 1000 + 20_000
    a.send(f"PRIVMSG {table} :come back bo")
    a.send(f"MOVE {table} 0")  # not a's turn: refused, nothing changes
    assert a.expect(is_cmd("FAIL", "MOVE")).params[1] == "NOT_YOUR_TURN"

    b2 = relogin(clients, srv, "bo_", "bo")  # another nick, same account
    lines = b2.collect_until(is_cmd("GAME", table, "TURN"))
    joins = [m for m in lines if m.command == "JOIN" and m.params[0] == table]
    assert joins, "the resumed player is back in the table's channel"
    resumed = next(m for m in lines if m.command == "TABLE" and m.params[:2] == ["RESUMED", table])
    assert resumed.params[2] == "1" and int(resumed.params[3]) >= 1
    raw = "\n".join(m.raw for m in lines)
    assert "come back bo" in raw, raw  # the chat line it missed
    start = next(json.loads(m.params[2]) for m in lines if m.params[:2] == [table, "START"])
    assert start["resumed"] is True and start["players"] == ["amy", "bo_"]
    state = next(json.loads(m.params[2]) for m in lines if m.params[:2] == [table, "STATE"])
    assert state["you"] == 1 and state["ply"] == 1 and state["board"] == ["...", ".0.", "..."]
    assert lines[-1].params[2] == "bo_"  # TURN: still bo's turn
    back = a.expect(is_cmd("TABLE", "BACK", table))
    assert back.params[2:4] == ["bo_", "1"]
    # the game goes on to its end with the new connection
    for ply, (mover, cell) in enumerate([(b2, 0), (a, 3), (b2, 1), (a, 5)], start=1):
        mover.send(f"MOVE {table} {cell}")
        for c in (a, b2):
            c.expect(state_at(table, ply + 1))
    over = game_json(b2, table, "OVER")
    assert over["winner"] == "amy" and over["reason"] == "line" and over["rated"] is True


def test_new_login_replaces_a_dead_link_and_takes_the_seat(start_server, clients):
    srv = start_server(resume_grace_s=30)
    a, b = accounts(clients, srv, "cy", "di")
    table = open_table(a, [b], "connect4")
    for c in (a, b):
        c.expect(state_at(table, 0))
    # di's old connection stays open (a link the server thinks is alive)
    b2 = relogin(clients, srv, "di2", "di")
    assert any("Logged in from another connection" in m.raw for m in b.expect_closed())
    b2.expect(is_cmd("TABLE", "RESUMED", table, "1"))
    state = game_json(b2, table, "STATE")
    assert state["you"] == 1 and state["to_move"] == 0
    a.send(f"MOVE {table} 3")
    b2.expect(state_at(table, 1))
    b2.send(f"MOVE {table} 3")
    a.expect(state_at(table, 2))


def test_grace_runs_out_and_the_seat_is_forfeited(start_server, clients):
    srv = start_server(resume_grace_s=1)
    a, b = accounts(clients, srv, "ed", "flo")
    table = open_table(a, [b], "tictactoe")
    a.expect(state_at(table, 0))
    b.close()
    a.expect(is_cmd("TABLE", "AWAY", table, "flo"))
    a.expect(is_cmd("TABLE", "GONE", table, "flo"), timeout=5)
    over = game_json(a, table, "OVER")
    assert over["winner"] == "ed" and over["reason"] == "timeout"
    # too late: logging in again gives no seat back
    b2 = relogin(clients, srv, "flo", "flo")
    assert not [m for m in b2.read_for(T(0.5)) if m.command == "TABLE" and m.params[:1] == ["RESUMED"]]


def test_four_players_crazy_eights_with_a_resume_to_the_end(start_server, clients):
    srv = start_server(resume_grace_s=60)
    players = accounts(clients, srv, "p0", "p1", "p2", "p3")
    table = open_table(players[0], players[1:], "crazyeights", "seats=4")
    views = {}
    for i, p in enumerate(players):
        views[i] = game_json(p, table, "STATE")
        assert views[i]["you"] == i
    resumed = False
    for _ in range(400):
        if views[0]["result"]["over"]:
            break
        mover = views[0]["to_move"]
        ply = views[0]["ply"]
        if not resumed and ply >= 4:
            # p2 drops and comes back between two moves
            hand = [v for v in views.values() if v["you"] == 2][0]["hand"]
            players[2].close()
            players[0].expect(is_cmd("TABLE", "AWAY", table, "p2"))
            players[2] = relogin(clients, srv, "p2", "p2")
            players[2].expect(is_cmd("TABLE", "RESUMED", table, "2"))
            views[2] = game_json(players[2], table, "STATE")
            assert views[2]["hand"] == hand and views[2]["ply"] == ply
            for j in (0, 1, 3):  # the others never see p2's cards
                assert all(f'"{card}"' not in json.dumps(views[j]) for card in hand)
            resumed = True
            continue
        players[mover].send(f"MOVE {table} {views[mover]['legal'][0]}")
        for i, p in enumerate(players):
            views[i] = json.loads(p.expect(state_at(table, ply + 1)).params[2])
    assert resumed and views[0]["result"]["over"]
    over = game_json(players[1], table, "OVER")
    assert over["players"] == ["p0", "p1", "p2", "p3"] and over["rated"] is True
    assert sum(d for d in over["rating_change"]) in (-1, 0, 1)  # zero-sum up to rounding


def restart(srv, sig=signal.SIGTERM):
    if sig == signal.SIGTERM:
        assert srv.stop() == 0
    else:
        srv.proc.send_signal(sig)
        srv.proc.wait()
        srv._log.close()
    srv.port_file.unlink()
    srv.returncode, srv._signalled = None, False
    (srv.workdir / "lobbyd.log").rename(srv.workdir / f"lobbyd-before-{time.monotonic_ns()}.log")
    return srv.start()


def wait_rows(db, query, want, timeout=5.0):
    deadline = time.monotonic() + T(timeout)
    while time.monotonic() < deadline:
        rows = db.sql(query)
        if rows == want:
            return rows
        time.sleep(0.05)
    raise AssertionError(f"{query}: {db.sql(query)} != {want}")


def test_tables_survive_a_restart_and_a_crash(start_server, clients):
    srv = start_server(resume_grace_s=60)
    db = SqliteDb(srv.workdir / "lobbyd.db")
    a, b = accounts(clients, srv, "gus", "hal")
    (g1,) = registered(clients, srv, "guest1", join=["#lobby"])
    t1 = open_table(a, [b], "connect4")
    a.expect(state_at(t1, 0))
    t2 = open_table(a, [g1], "tictactoe")  # a guest's seat cannot come back
    for ply, (mover, col) in enumerate([(a, 3), (b, 3), (a, 4)]):
        mover.send(f"MOVE {t1} {col}")
        a.expect(state_at(t1, ply + 1))
    for c in (a, b):  # the guest stays until the restart: nobody forfeits for a shutdown
        c.close()
    restart(srv)
    log = (srv.workdir / "lobbyd.log").read_text()
    assert "restored 2 unfinished table(s)" in log, log
    # the tic-tac-toe table ended: the guest forfeited, gus won
    (res,) = wait_rows(db, "SELECT table_id FROM game_results", [[t2[1:]]])
    a = relogin(clients, srv, "gus", "gus")
    a.expect(is_cmd("TABLE", "RESUMED", t1, "0"))
    state = game_json(a, t1, "STATE")
    assert state["ply"] == 3 and state["to_move"] == 1
    b = relogin(clients, srv, "hal", "hal")
    b.expect(is_cmd("TABLE", "RESUMED", t1, "1"))
    assert game_json(b, t1, "STATE")["ply"] == 3
    b.send(f"MOVE {t1} 4")
    a.expect(state_at(t1, 4))
    # new tables never reuse an id the database has seen
    a.join("#lobby")
    a.send("TABLE NEW #lobby tictactoe")
    t3 = a.expect(is_cmd("TABLE", "CREATED")).params[1]
    assert int(t3[1:]) > int(t2[1:])

    # a crash: every move the database has is replayed
    wait_rows(db, f"SELECT COUNT(*) FROM table_moves WHERE table_id = {t1[1:]}", [["4"]])
    restart(srv, signal.SIGKILL)
    a = relogin(clients, srv, "gus", "gus")
    a.expect(is_cmd("TABLE", "RESUMED", t1, "0"))
    st = game_json(a, t1, "STATE")
    assert st["ply"] == 4 and st["to_move"] == 0
    a.send(f"MOVE {t1} 5")
    a.expect(state_at(t1, 5))


def test_a_tcp_player_resumes_over_websocket(start_server, clients):
    """The seat belongs to the account, not the transport: a TCP player whose
    link drops comes back in a browser (WebSocket, SASL PLAIN)."""
    from wsclient import WsClient

    srv = start_server(resume_grace_s=30)
    a, b = accounts(clients, srv, "ivy", "jo")
    table = open_table(a, [b], "tictactoe")
    for c in (a, b):
        c.expect(state_at(table, 0))
    a.send(f"MOVE {table} 0")
    b.expect(state_at(table, 1))
    b.close()
    a.expect(is_cmd("TABLE", "AWAY", table, "jo"))
    host, port = srv.endpoints["http"]
    ws = WsClient(f"ws://{host}:{port}/ws", "jo")
    try:
        ws.send("CAP LS 302", "NICK jo", "USER jo 0 * :jo", "CAP REQ :sasl", "AUTHENTICATE PLAIN")
        ws.expect(lambda m: m.command == "AUTHENTICATE")
        ws.send("AUTHENTICATE " + base64.b64encode(f"\0jo\0{PASSWORD}".encode()).decode())
        assert ws.expect(lambda m: m.command in ("903", "904")).command == "903"
        ws.send("CAP END")
        ws.expect(is_cmd("TABLE", "RESUMED", table, "1"))
        st = json.loads(ws.expect(lambda m: m.command == "GAME" and m.params[:2] == [table, "STATE"]).params[2])
        assert st["you"] == 1 and st["ply"] == 1
        a.expect(is_cmd("TABLE", "BACK", table, "jo"))
        ws.send(f"MOVE {table} 4")
        a.expect(state_at(table, 2))
    finally:
        ws.close()
