"""Game tables: TABLE NEW/LIST/SIT/STAND/START/RESIGN/REMATCH, MOVE, the
GAME START/STATE/TURN/OVER lines, the turn timer, forfeits, hidden
information and the game_results / table_moves rows (docs/protocol.md,
"Game tables")."""

import json
import os
import time

import pytest

from conftest import T, registered
from dbtools import MariaDb, SqliteDb, mariadb_server  # noqa: F401 (fixture)


def is_game(table, verb):
    return lambda m: m.command == "GAME" and m.params[:2] == [table, verb]


def is_fail(command, code):
    return lambda m: m.command == "FAIL" and m.params[:2] == [command, code]


def expect_game(c, table, verb, timeout=5.0):
    return c.expect(is_game(table, verb), timeout)


def expect_text(c, table, verb, timeout=5.0):
    """The JSON text of the next GAME <table> <verb> line, joined with the
    GAME MORE parts sent just before it when it was too long for one line
    (docs/protocol.md, "Long lines")."""
    got = c.collect_until(is_game(table, verb), timeout)
    parts = [got[-1].params[2]]
    for m in reversed(got[:-1]):
        if not is_game(table, "MORE")(m):
            break
        parts.append(m.params[2])
    return "".join(reversed(parts))


def expect_json(c, table, verb, timeout=5.0):
    return json.loads(expect_text(c, table, verb, timeout))


def eventually(fn, timeout=10.0):
    deadline = time.monotonic() + T(timeout)
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {T(timeout):.1f}s (last: {last!r})")


def new_table(c, lobby, game, *options):
    c.send(f"TABLE NEW {lobby} {game} {' '.join(options)}".rstrip())
    m = c.expect(lambda m: (m.command == "TABLE" and m.params[0] == "CREATED")
                 or m.command == "FAIL")
    assert m.command == "TABLE", m.raw
    table = m.params[1]
    c.expect(lambda m: m.command == "TABLE" and m.params[:3] == ["SEATED", table, c.nick])
    return table


def start_two(clients, srv, game="tictactoe"):
    """alice opens a table, bob sits: the game starts. Returns (a, b, table)."""
    a, b = registered(clients, srv, "alice", "bob", join=["#lobby"])
    table = new_table(a, "#lobby", game)
    b.send(f"TABLE SIT {table}")
    for c in (a, b):
        start = expect_json(c, table, "START")
        assert start["game"] == game and start["players"] == ["alice", "bob"]
        # no seed before the end: it determines the deck (hidden information)
        assert "seed" not in start and start["seats"] == 2
    return a, b, table


def test_tictactoe_to_a_win_and_rematch(start_server, clients):
    srv = start_server()
    a, b, table = start_two(clients, srv)
    assert table == "&1"
    for seat, c in enumerate((a, b)):
        st = expect_json(c, table, "STATE")
        assert st["you"] == seat and st["to_move"] == 0 and st["board"] == ["...", "...", "..."]
        turn = expect_game(c, table, "TURN")
        assert turn.params[2] == "alice"
        assert int(turn.params[3]) > time.time() * 1000 + 30_000  # default 60 s
    # alice: top row; bob: middle row
    plays = [(a, "a1"), (b, "3"), (a, "1"), (b, "4"), (a, "2")]
    for i, (mover, cell) in enumerate(plays):
        mover.send(f"MOVE {table} {cell}")
        for seat, c in enumerate((a, b)):
            st = expect_json(c, table, "STATE")
            assert st["ply"] == i + 1 and st["you"] == seat
            if i < len(plays) - 1:
                nxt = expect_game(c, table, "TURN")
                assert nxt.params[2] == ("bob" if mover is a else "alice")
    for c in (a, b):
        over = expect_json(c, table, "OVER")
        assert over["over"] is True and over["winner"] == "alice"
        assert over["reason"] == "line" and over["scores"] == [1, 0]
        assert over["players"] == ["alice", "bob"]
        assert isinstance(over["seed"], int) and 0 <= over["seed"] < 2**53  # revealed at the end

    db = SqliteDb(srv.workdir / "lobbyd.db")
    rows = eventually(lambda: db.sql(
        "SELECT table_id, game, lobby, players, outcome, moves FROM game_results"))
    assert len(rows) == 1
    table_id, game, lobby, players, outcome, moves = rows[0]
    assert (table_id, game, lobby) == ("1", "tictactoe", "#lobby")
    assert json.loads(players) == ["alice", "bob"]
    assert json.loads(outcome)["winner"] == "alice"
    assert json.loads(moves) == [[0, "0"], [1, "3"], [0, "1"], [1, "4"], [0, "2"]]
    moves_rows = db.sql("SELECT ply, seat, nick, move FROM table_moves WHERE table_id = 1 ORDER BY id")
    assert moves_rows == [["1", "0", "alice", "0"], ["2", "1", "bob", "3"], ["3", "0", "alice", "1"],
                          ["4", "1", "bob", "4"], ["5", "0", "alice", "2"]]

    # A move after the end is refused; a rematch starts a new round.
    b.send(f"MOVE {table} 8")
    b.expect(is_fail("MOVE", "GAME_OVER"))
    a.send(f"TABLE REMATCH {table}")
    b.expect(is_game(table, "REMATCH"))
    b.send(f"TABLE REMATCH {table}")
    for c in (a, b):
        start = expect_json(c, table, "START")
        assert start["round"] == 2
        assert expect_json(c, table, "STATE")["ply"] == 0


def test_illegal_and_out_of_turn_moves(start_server, clients):
    srv = start_server()
    a, b, table = start_two(clients, srv)
    for c in (a, b):
        expect_game(c, table, "TURN")
    b.send(f"MOVE {table} 4")
    m = b.expect(lambda m: m.command == "FAIL")
    assert m.params[:3] == ["MOVE", "NOT_YOUR_TURN", table], m.raw
    a.send(f"MOVE {table} 4")
    for c in (a, b):
        expect_game(c, table, "TURN")
    b.send(f"MOVE {table} 4")
    m = b.expect(lambda m: m.command == "FAIL")
    assert m.params[:3] == ["MOVE", "ILLEGAL_MOVE", table], m.raw
    b.send(f"MOVE {table} z9")
    m = b.expect(lambda m: m.command == "FAIL")
    assert m.params[:3] == ["MOVE", "BAD_SYNTAX", table], m.raw
    b.send("MOVE &99 1")
    assert b.expect(lambda m: m.command == "FAIL").params[:3] == ["MOVE", "NO_SUCH_TABLE", "&99"]
    # Nothing changed: no GAME line for anyone, and bob's next move is ply 2.
    for c in (a, b):
        assert not [m for m in c.sync() if m.command == "GAME"]
    b.send(f"MOVE {table} 0")
    assert expect_json(a, table, "STATE")["ply"] == 2


def test_spectator_sees_public_state_and_chat(start_server, clients):
    srv = start_server()
    a, b, table = start_two(clients, srv)
    (carol,) = registered(clients, srv, "carol", join=["#lobby"])
    lines = carol.join(table)
    assert lines[-1].command == "366", lines[-1].raw
    names = [m for m in lines if m.command == "353"]
    assert set(names[0].trailing.lstrip("@").replace("@", "").split()) == {"alice", "bob", "carol"}
    st = json.loads(next(m for m in carol.collect_until(is_game(table, "TURN"))
                         if m.command == "GAME" and m.params[1] == "STATE").params[2])
    assert st["you"] is None and st["ply"] == 0
    a.send(f"MOVE {table} 4")
    st = expect_json(carol, table, "STATE")
    assert st["you"] is None and st["board"] == ["...", ".0.", "..."]
    # A spectator cannot move; chat on the table channel reaches everyone.
    carol.send(f"MOVE {table} 0")
    carol.expect(is_fail("MOVE", "NOT_SEATED"))
    carol.send(f"PRIVMSG {table} :good move")
    for c in (a, b):
        m = c.expect(lambda m: m.command == "PRIVMSG")
        assert m.params == [table, "good move"] and m.nick == "carol"


def test_turn_timeout_forfeits(start_server, clients):
    srv = start_server(turn_timeout_s=1)
    a, b, table = start_two(clients, srv)
    turn = expect_game(a, table, "TURN")
    deadline_ms = int(turn.params[3])
    assert turn.params[2] == "alice" and deadline_ms <= time.time() * 1000 + 1100
    for c in (a, b):
        over = expect_json(c, table, "OVER", timeout=5)
        assert over["reason"] == "timeout" and over["winner"] == "bob", over
    assert time.time() * 1000 >= deadline_ms - 100  # not before the deadline
    assert any(m.command == "GAME" and m.params[1] == "TIMEOUT" and m.params[2] == "alice"
               for m in a.log)
    db = SqliteDb(srv.workdir / "lobbyd.db")
    rows = eventually(lambda: db.sql("SELECT seat, move FROM table_moves"))
    assert rows == [["0", "timeout"]]


def test_crazy_eights_hands_stay_hidden(start_server, clients):
    srv = start_server()
    players = registered(clients, srv, "p0", "p1", "p2", join=["#lobby"])
    (spec,) = registered(clients, srv, "watcher", join=["#lobby"])
    table = new_table(players[0], "#lobby", "crazyeights", "seats=3")
    spec.join(table)
    for p in players[1:]:  # one after the other: seats go in the order of arrival
        p.send(f"TABLE SIT {table}")
        p.expect(lambda m: m.command == "TABLE" and m.params[:3] == ["SEATED", table, p.nick])
    for p in players + [spec]:
        start = expect_json(p, table, "START")
        assert start["players"] == ["p0", "p1", "p2"] and start["seats"] == 3
        assert "seed" not in start  # the seed would give away every hand
    for ply in range(12):
        raw = {}
        views = {}
        for i, p in enumerate(players + [spec]):
            raw[i] = expect_text(p, table, "STATE")
            views[i] = json.loads(raw[i])
            assert views[i]["ply"] == ply
        for i in range(3):
            assert views[i]["you"] == i and len(views[i]["hand"]) == views[i]["hand_counts"][i]
        assert "hand" not in views[3] and views[3]["you"] is None
        for i in range(3):
            for j in list(range(3)) + [3]:
                if i == j:
                    continue
                for card in views[i]["hand"]:
                    assert f'"{card}"' not in raw[j], f"{card} of p{i} seen by viewer {j}"
        if views[0]["result"]["over"]:
            break
        mover = views[0]["to_move"]
        move = views[mover]["legal"][0]
        players[mover].send(f"MOVE {table} {move}")


def test_long_views_come_in_parts(start_server, clients):
    """A GAME line longer than max_line_bytes goes out as GAME MORE parts and
    then the verb's line with the last part, none over the limit; joined, the
    parts are the whole JSON (before, the line was cut and the JSON broken).
    A limit of 128 bytes makes every crazy-eights view long."""
    limit = 128
    srv = start_server(max_line_bytes=limit)
    a, b, table = start_two(clients, srv, "crazyeights")
    parted = 0
    for ply in range(12):
        views = []
        for c in (a, b):
            got = c.collect_until(is_game(table, "STATE"))
            game_lines = [m for m in got if m.command == "GAME"]
            for m in game_lines:
                assert len(m.raw.encode()) + 2 <= limit, m.raw
            more = [m for m in game_lines if m.params[1] == "MORE"]
            assert [m.params[0] for m in more] == [table] * len(more)
            parted += len(more)
            views.append(json.loads("".join(m.params[2] for m in more) + got[-1].params[2]))
        for i, v in enumerate(views):
            assert v["ply"] == ply and v["you"] == i and len(v["hand"]) == v["hand_counts"][i]
        if views[0]["result"]["over"]:
            break
        mover = views[0]["to_move"]
        (a, b)[mover].send(f"MOVE {table} {views[mover]['legal'][0]}")
    assert parted >= 4, "the views should not have fitted in 128-byte lines"
    # the ordinary limit: the same views fit in one line each
    srv2 = start_server(max_line_bytes=512)
    c, d = registered(clients, srv2, "carol", "dave", join=["#lobby"])
    table2 = new_table(c, "#lobby", "crazyeights")
    d.send(f"TABLE SIT {table2}")
    got = c.collect_until(is_game(table2, "STATE"))
    assert not [m for m in got if m.command == "GAME" and m.params[1] == "MORE"]
    json.loads(got[-1].params[2])


def test_table_list_and_errors(start_server, clients):
    srv = start_server()
    a, b, c = registered(clients, srv, "alice", "bob", "carol", join=["#lobby"])
    t1 = new_table(a, "#lobby", "tictactoe")
    t2 = new_table(b, "#lobby", "connect4")
    c.send(f"TABLE SIT {t1}")
    expect_json(a, t1, "START")
    c.send("TABLE LIST #lobby")
    lines = c.collect_until(lambda m: m.command == "TABLE" and m.params[0] == "END")
    info = [m.params[1:] for m in lines if m.command == "TABLE" and m.params[0] == "INFO"]
    assert info == [[t1, "tictactoe", "2/2", "playing"], [t2, "connect4", "1/2", "waiting"]]
    assert lines[-1].params == ["END", "#lobby"]
    c.send("TABLE LIST #other")
    lines = c.collect_until(lambda m: m.command == "TABLE" and m.params[0] == "END")
    assert [m.params[0] for m in lines if m.command == "TABLE"] == ["END"]

    c.send("TABLE NEW #lobby chess")
    m = c.expect(lambda m: m.command == "FAIL")
    assert m.params[:3] == ["TABLE", "UNKNOWN_GAME", "chess"], m.raw
    c.send("TABLE NEW #lobby tictactoe seats=3")
    assert c.expect(lambda m: m.command == "FAIL").params[:2] == ["TABLE", "BAD_OPTION"]
    c.send("TABLE NEW #other tictactoe")
    assert c.expect(lambda m: m.command == "FAIL").params[:2] == ["TABLE", "NOT_IN_LOBBY"]
    c.send("TABLE SIT &99")
    assert c.expect(lambda m: m.command == "FAIL").params[:3] == ["TABLE", "NO_SUCH_TABLE", "&99"]
    (d,) = registered(clients, srv, "dave", join=["#lobby"])
    d.send(f"TABLE SIT {t1}")
    assert d.expect(lambda m: m.command == "FAIL").params[:3] == ["TABLE", "TABLE_FULL", t1]
    b.send(f"TABLE START {t2}")
    assert b.expect(lambda m: m.command == "FAIL").params[:3] == ["TABLE", "NOT_ENOUGH_PLAYERS", t2]
    b.send(f"TABLE STAND {t2}")
    b.expect(lambda m: m.command == "TABLE" and m.params[:3] == ["STOOD", t2, "bob"])
    b.send("TABLE LIST #lobby")
    lines = b.collect_until(lambda m: m.command == "TABLE" and m.params[0] == "END")
    assert [t2, "connect4", "0/2", "waiting"] in [m.params[1:] for m in lines]


def test_lobby_games_column_limits_tables(start_server, clients):
    srv = start_server()
    db = SqliteDb(srv.workdir / "lobbyd.db")
    db.sql("INSERT INTO lobbies (name, topic, games) VALUES ('#c4', 'four', 'connect4')")
    (a,) = registered(clients, srv, "alice")
    eventually(lambda: a.join("#c4")[-1].command == "366")
    a.send("TABLE NEW #c4 tictactoe")
    m = a.expect(lambda m: m.command == "FAIL")
    assert m.params[:4] == ["TABLE", "NOT_ALLOWED", "#c4", "tictactoe"], m.raw
    new_table(a, "#c4", "connect_four")  # an alias of an allowed game


def test_disconnect_and_part_forfeit(start_server, clients):
    srv = start_server()
    a, b, table = start_two(clients, srv)
    expect_game(b, table, "TURN")
    a.close()
    over = expect_json(b, table, "OVER")
    assert over["winner"] == "bob" and over["reason"] == "resign", over
    db = SqliteDb(srv.workdir / "lobbyd.db")
    rows = eventually(lambda: db.sql("SELECT players, outcome FROM game_results"))
    assert json.loads(rows[0][1])["winner"] == "bob"

    # PART of a running game forfeits too.
    c, d = registered(clients, srv, "carol", "dave", join=["#lobby"])
    t2 = new_table(c, "#lobby", "connect4")
    d.send(f"TABLE SIT {t2}")
    expect_game(c, t2, "TURN")
    d.send(f"PART {t2}")
    over = expect_json(c, t2, "OVER")
    assert over["winner"] == "carol" and over["reason"] == "resign", over
    # The last one out closes the table.
    c.send(f"PART {t2}")
    c.sync()
    c.send(f"TABLE SIT {t2}")
    assert c.expect(lambda m: m.command == "FAIL").params[:3] == ["TABLE", "NO_SUCH_TABLE", t2]


def test_creator_check_is_not_fooled_by_a_later_session(start_server, clients):
    """TABLE START belongs to the session that opened the table, not to
    whoever the allocator later puts at its address: the creator quits, the
    next connection lands on the creator's worker (round-robin, two workers)
    where the freed Session's memory is the first candidate for the new one.
    With the identity kept as a pointer, that newcomer could start the game."""
    srv = start_server()
    (alice,) = registered(clients, srv, "alice", join=["#lobby"])   # worker 0
    (bob,) = registered(clients, srv, "bob", join=["#lobby"])       # worker 1
    table = new_table(alice, "#lobby", "crazyeights", "seats=4")
    bob.join(table)
    bob.send(f"TABLE SIT {table}")
    bob.expect(lambda m: m.command == "TABLE" and m.params[:3] == ["SEATED", table, "bob"])
    alice.send("QUIT :bye")
    bob.expect(lambda m: m.command == "QUIT" and m.nick == "alice")
    # alice's seat is free again (a waiting table), the table stays: bob is there.
    # Give worker 0 a moment to release the closed session (a later turn).
    time.sleep(T(0.2))
    (carol,) = registered(clients, srv, "carol", join=["#lobby"])   # worker 0 again
    carol.join(table)
    carol.send(f"TABLE SIT {table}")
    carol.expect(lambda m: m.command == "TABLE" and m.params[:3] == ["SEATED", table, "carol"])
    for c in (carol, bob):
        c.send(f"TABLE START {table}")
        m = c.expect(lambda m: m.command == "FAIL" or is_game(table, "START")(m))
        assert m.params[:3] == ["TABLE", "NOT_CREATOR", table], m.raw
    carol.send("TABLE LIST #lobby")
    lines = carol.collect_until(lambda m: m.command == "TABLE" and m.params[0] == "END")
    assert [table, "crazyeights", "2/4", "waiting"] in [m.params[1:] for m in lines]


# MariaDB only on request: a third test file bootstrapping MariaDB in parallel
# with test_db_control/test_db_outage (ctest -j2) makes mariadb-install-db
# collide on temporary files in /tmp.
DIALECTS = ["sqlite"] + (["mariadb"] if os.environ.get("LOBBYD_TABLES_MARIADB") else [])


@pytest.mark.parametrize("kind", DIALECTS)
def test_moves_and_results_in_both_dialects(kind, request, tmp_path, start_server, clients):
    """The version 2 tables (LOBBYD_TABLES_MARIADB=1: also on MariaDB): a
    resigned connect four game."""
    db = SqliteDb(tmp_path / "tables.db") if kind == "sqlite" \
        else MariaDb(request.getfixturevalue("mariadb_server"))
    srv = start_server(db=db.url)
    a, b, table = start_two(clients, srv, game="connect4")
    a.send(f"MOVE {table} 4")
    b.expect(lambda m: is_game(table, "TURN")(m) and m.params[2] == "bob")
    b.send(f"TABLE RESIGN {table}")
    over = expect_json(a, table, "OVER")
    assert over["winner"] == "alice" and over["reason"] == "resign", over
    rows = eventually(lambda: db.sql("SELECT game, lobby, players, outcome, moves FROM game_results"))
    game, lobby, players, outcome, moves = rows[0]
    assert (game, lobby) == ("connect4", "#lobby")
    assert json.loads(players) == ["alice", "bob"]
    assert json.loads(outcome)["reason"] == "resign"
    assert json.loads(moves) == [[0, "4"], [1, "resign"]]
    assert db.sql("SELECT ply, seat, nick, move FROM table_moves ORDER BY id") == [
        ["1", "0", "alice", "4"], ["2", "1", "bob", "resign"]]
