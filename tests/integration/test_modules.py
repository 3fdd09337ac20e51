"""Game modules in Lua through a real server (docs/modules.md): a row in
game_modules makes a game available while the server runs; a new version
never disturbs a table in progress (each table keeps its version, across
rematches and restarts); a source that does not load is refused with its
error in the row and the previous version stays; PUT /api/modules and
--modules DIR make new versions; a module that fails ends its own table
(OVER module_error, unrated) and nothing else."""

import json
import shutil
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import T, registered
from dbtools import SqliteDb, db, mariadb_server  # noqa: F401 (fixtures)
from test_accounts import is_cmd
from test_resume import accounts, game_json, open_table, relogin, restart, wait_rows

MODULES = Path(__file__).resolve().parents[2] / "modules"
CONNECT4 = (MODULES / "connect4.lua").read_text()
TOKEN = "modules-test-token"

# A view with a mark of its edition: v2 of connect4_lua is the same game
# whose views say so, which tells which code a table runs.
EDITION_2 = CONNECT4.replace(
    "\nreturn game",
    "\nlocal view1 = game.view\n"
    "function game.view(s, seat) local v = view1(s, seat); v.edition = 2; return v end\n"
    "return game")
assert EDITION_2 != CONNECT4


def sql_text(db_, text):
    """A string literal for either database (MariaDB also escapes backslashes)."""
    if db_.kind == "mariadb":
        text = text.replace("\\", "\\\\")
    return "'" + text.replace("'", "''") + "'"


def insert(db_, name, version, source, active=1):
    db_.sql(f"INSERT INTO game_modules (name, version, source, active) "
            f"VALUES ('{name}', {version}, {sql_text(db_, source)}, {active})")


def games_list(c):
    c.send("GAMES")
    lines = c.collect_until(is_cmd("GAMES", "END"))
    return {m.params[1]: m for m in lines if m.params[:1] == ["ENTRY"]}


def wait_game(c, label, timeout=5.0):
    deadline = time.monotonic() + T(timeout)
    while time.monotonic() < deadline:
        found = games_list(c)
        if label in found:
            return found[label]
        time.sleep(0.1)
    raise AssertionError(f"{label} not in GAMES: {sorted(games_list(c))}")


def module_error(db_, name, version, timeout=5.0):
    deadline = time.monotonic() + T(timeout)
    while time.monotonic() < deadline:
        rows = db_.sql(f"SELECT COALESCE(error, '') FROM game_modules WHERE name = '{name}' AND version = {version}")
        if rows and rows[0][0]:
            return rows[0][0]
        time.sleep(0.05)
    raise AssertionError(f"no error written for {name}@{version}")


def play_vertical_win(a, b, table, first_ply=0):
    """Seat 0 (a) stacks four in column 1, b plays column 2."""
    ply = first_ply
    for _ in range(3):
        for mover, col in ((a, 1), (b, 2)):
            mover.send(f"MOVE {table} {col}")
            ply += 1
            a.expect(lambda m, p=ply: m.command == "GAME" and m.params[:2] == [table, "STATE"]
                     and json.loads(m.params[2])["ply"] == p)
    a.send(f"MOVE {table} 1")
    return game_json(b, table, "OVER")


def state(c, table, timeout=5.0):
    return game_json(c, table, "STATE", timeout)


def state_at(c, table, ply, timeout=5.0):
    m = c.expect(lambda m: m.command == "GAME" and m.params[:2] == [table, "STATE"]
                 and json.loads(m.params[2])["ply"] == ply, timeout)
    return json.loads(m.params[2])


def test_a_module_row_goes_live_and_is_played(db, start_server, clients):
    srv = start_server(db=db.url)
    a, b = registered(clients, srv, "ann", "ben", join=["#lobby"])
    assert not any(k.startswith("connect4_lua") for k in games_list(a))
    a.send("TABLE NEW #lobby connect4_lua")
    assert a.expect(is_cmd("FAIL", "TABLE")).params[1] == "UNKNOWN_GAME"

    insert(db, "connect4_lua", 1, CONNECT4)
    entry = wait_game(a, "connect4_lua@1")
    assert entry.params[2:5] == ["2-2", "2", "connectfour_lua"]
    assert db.sql("SELECT COALESCE(error, 'none') FROM game_modules") == [["none"]]

    a.send("TABLE NEW #lobby connectfour_lua")  # the alias works too
    created = a.expect(is_cmd("TABLE", "CREATED"))
    table = created.params[1]
    assert created.params[2] == "connect4_lua@1"
    b.send(f"TABLE SIT {table}")
    start = game_json(b, table, "START")
    assert start["game"] == "connect4_lua" and start["version"] == 1 and start["module"] == "connect4_lua@1"
    view = state(a, table)
    assert view["board"] == ["......."] * 6 and view["to_move"] == 0 and view["you"] == 0
    over = play_vertical_win(a, b, table)
    assert over["winner"] == "ann" and over["reason"] == "line"
    wait_rows(db, f"SELECT game, game_version FROM game_results WHERE table_id = {table[1:]}",
              [["connect4_lua", "1"]])


def test_a_new_version_leaves_running_tables_on_theirs(start_server, clients):
    srv = start_server(http_admin_token=TOKEN)
    db_ = SqliteDb(srv.workdir / "lobbyd.db")
    a, b = registered(clients, srv, "cat", "dan", join=["#lobby"])
    insert(db_, "connect4_lua", 1, CONNECT4)
    wait_game(a, "connect4_lua@1")
    t1 = open_table(a, [b], "connect4_lua")
    assert "edition" not in state(a, t1)
    a.send(f"MOVE {t1} 4")
    assert state(a, t1)["ply"] == 1

    insert(db_, "connect4_lua", 2, EDITION_2)
    wait_game(a, "connect4_lua@2")
    assert "connect4_lua@1" not in games_list(a)  # new tables get the newest active version
    a.send("TABLE LIST #lobby")
    info = a.expect(is_cmd("TABLE", "INFO", t1))
    assert info.params[2] == "connect4_lua@1"
    # the running table goes on with version 1's code
    b.send(f"MOVE {t1} 4")
    v = state(a, t1)
    assert v["ply"] == 2 and "edition" not in v
    # a new table gets version 2
    c, d = registered(clients, srv, "eve", "fay", join=["#lobby"])
    t2 = open_table(c, [d], "connect4_lua")
    assert state(c, t2)["edition"] == 2
    # a rematch at the old table stays on its version
    a.send(f"TABLE RESIGN {t1}")
    assert game_json(b, t1, "OVER")["reason"] == "resign"
    a.send(f"TABLE REMATCH {t1}")
    b.send(f"TABLE REMATCH {t1}")
    start = game_json(a, t1, "START")
    assert start["module"] == "connect4_lua@1" and start["round"] == 2
    assert "edition" not in state(a, t1)
    # /api/status: every version, which one serves, how many tables run each
    status = http_json(srv, "/api/status")
    mods = {(m["name"], m["version"]): m for m in status["modules"]}
    assert mods[("connect4_lua", 1)]["tables"] == 1 and not mods[("connect4_lua", 1)]["serving"]
    assert mods[("connect4_lua", 2)]["tables"] == 1 and mods[("connect4_lua", 2)]["serving"]
    # deactivating every version: no new tables; the running ones go on
    db_.sql("UPDATE game_modules SET active = 0")
    deadline = time.monotonic() + T(5)
    while any(k.startswith("connect4_lua") for k in games_list(a)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(k.startswith("connect4_lua") for k in games_list(a))
    c.send(f"MOVE {t2} 3")
    state_at(d, t2, 1)


def test_a_broken_source_is_refused_and_the_previous_version_stays(db, start_server, clients):
    srv = start_server(db=db.url)
    (a,) = registered(clients, srv, "gil", join=["#lobby"])
    insert(db, "connect4_lua", 1, CONNECT4)
    wait_game(a, "connect4_lua@1")
    insert(db, "connect4_lua", 2, CONNECT4.replace("function game.to_move(s)", "function game.to_move(s) +"))
    err = module_error(db, "connect4_lua", 2)
    assert "connect4_lua@2" in err, err  # the Lua message names the version and the line
    assert any(ch.isdigit() for ch in err.split("connect4_lua@2", 1)[1][:4]), err
    # a view that is not JSON is found by the load-time self-check
    insert(db, "connect4_lua", 3, EDITION_2.replace("v.edition = 2", "v.edition = function() end"))
    assert "view" in module_error(db, "connect4_lua", 3)
    # a loaded version's source cannot change under its tables
    db.sql(f"UPDATE game_modules SET source = {sql_text(db, EDITION_2)} WHERE version = 1")
    assert "cannot change" in module_error(db, "connect4_lua", 1)
    # the name must agree with the module's own
    insert(db, "other", 1, CONNECT4)
    assert "must agree" in module_error(db, "other", 1)
    # a compiled-in game's name cannot be taken
    insert(db, "tictactoe", 1, CONNECT4.replace('name = "connect4_lua"', 'name = "tictactoe"'))
    assert "compiled-in" in module_error(db, "tictactoe", 1)
    games = games_list(a)
    assert "connect4_lua@1" in games and "connect4_lua@2" not in games and "connect4_lua@3" not in games
    # version 1 still plays (with its own source, not the changed row)
    a.send("TABLE NEW #lobby connect4_lua")
    assert a.expect(is_cmd("TABLE", "CREATED")).params[2] == "connect4_lua@1"
    # fixing a refused row in place loads it
    db.sql(f"UPDATE game_modules SET source = {sql_text(db, EDITION_2)} WHERE version = 3")
    wait_game(a, "connect4_lua@3")
    # the error column is cleared by the store thread's next write batch
    wait_rows(db, "SELECT COALESCE(error, 'none') FROM game_modules WHERE version = 3", [["none"]])
    assert srv.alive()


def test_a_restart_restores_each_table_with_its_version(start_server, clients):
    srv = start_server(resume_grace_s=60)
    db_ = SqliteDb(srv.workdir / "lobbyd.db")
    a, b = accounts(clients, srv, "hal", "ivy")
    insert(db_, "connect4_lua", 1, CONNECT4)
    wait_game(a, "connect4_lua@1")
    t1 = open_table(a, [b], "connect4_lua")
    for ply, (mover, col) in enumerate([(a, 3), (b, 3), (a, 4)], start=1):
        mover.send(f"MOVE {t1} {col}")
        state_at(a, t1, ply)
    insert(db_, "connect4_lua", 2, EDITION_2)
    wait_game(a, "connect4_lua@2")
    wait_rows(db_, f"SELECT COUNT(*) FROM table_moves WHERE table_id = {t1[1:]}", [["3"]])
    wait_rows(db_, f"SELECT game, game_version FROM game_tables WHERE id = {t1[1:]}", [["connect4_lua", "1"]])
    for c in (a, b):
        c.close()
    restart(srv, signal.SIGKILL)
    log = (srv.workdir / "lobbyd.log").read_text()
    assert "restored 1 unfinished table(s)" in log and "connect4_lua@1" in log, log
    a = relogin(clients, srv, "hal", "hal")
    # after a restart the missed TURN line comes first, then START and STATE
    lines = a.collect_until(is_cmd("GAME", t1, "STATE"))
    start = next(json.loads(m.params[2]) for m in lines if m.params[:2] == [t1, "START"])
    assert start["module"] == "connect4_lua@1" and start["resumed"] is True
    view = next(json.loads(m.params[2]) for m in lines if m.params[:2] == [t1, "STATE"])
    assert view["ply"] == 3 and "edition" not in view
    b = relogin(clients, srv, "ivy", "ivy")
    b.expect(is_cmd("TABLE", "RESUMED", t1, "1"))
    b.send(f"MOVE {t1} 4")
    assert "edition" not in state(a, t1)
    # and a new table after the restart gets version 2
    a.join("#lobby")
    a.send("TABLE NEW #lobby connect4_lua")
    assert a.expect(is_cmd("TABLE", "CREATED")).params[2] == "connect4_lua@2"


def http(srv, path, method="GET", body=None, token=TOKEN):
    host, port = srv.endpoints["http"]
    req = urllib.request.Request(f"http://{host}:{port}{path}", data=body, method=method,
                                 headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=T(10)) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def http_json(srv, path):
    code, body = http(srv, path)
    assert code == 200, (code, body)
    return body


def test_put_api_modules_uploads_a_version(start_server, clients):
    srv = start_server(http_admin_token=TOKEN, http_max_request_bytes=1 << 20)
    (a,) = registered(clients, srv, "jo", join=["#lobby"])
    code, body = http(srv, "/api/modules/connect4_lua", "PUT", CONNECT4.encode())
    assert (code, body) == (201, {"name": "connect4_lua", "version": 1})
    wait_game(a, "connect4_lua@1")
    code, body = http(srv, "/api/modules/connect4_lua", "PUT", EDITION_2.encode())
    assert (code, body) == (201, {"name": "connect4_lua", "version": 2})
    wait_game(a, "connect4_lua@2")
    # refused before it becomes a version: the Lua error comes back
    code, body = http(srv, "/api/modules/connect4_lua", "PUT", b"return {name = ")
    assert code == 422 and "connect4_lua" in body["error"], body
    code, body = http(srv, "/api/modules/other_name", "PUT", CONNECT4.encode())
    assert code == 422 and "must agree" in body["error"]
    code, body = http(srv, "/api/modules/Bad-Name", "PUT", CONNECT4.encode())
    assert code == 400
    code, _ = http(srv, "/api/modules/connect4_lua", "PUT", CONNECT4.encode(), token="wrong")
    assert code == 403  # as for every admin route: 401 no token, 403 a wrong one
    mods = http_json(srv, "/api/modules")["modules"]
    assert [(m["name"], m["version"], m["serving"]) for m in mods] == [
        ("connect4_lua", 1, False), ("connect4_lua", 2, True)]


def test_modules_dir_makes_a_version_of_each_changed_file(start_server, clients, tmp_path):
    mods = tmp_path / "mods"
    mods.mkdir()
    shutil.copy(MODULES / "connect4.lua", mods / "connect4.lua")
    (mods / "broken.lua").write_text("return {")
    srv = start_server(extra_args=["--modules", str(mods)])
    (a,) = registered(clients, srv, "kim", join=["#lobby"])
    wait_game(a, "connect4_lua@1")
    (mods / "connect4.lua").write_text(EDITION_2)
    wait_game(a, "connect4_lua@2")
    (mods / "tictactoe.lua").write_text((MODULES / "tictactoe.lua").read_text())
    wait_game(a, "tictactoe_lua@1")
    log = (srv.workdir / "lobbyd.log").read_text()
    assert "broken.lua" in log  # said in the log, never inserted
    db_ = SqliteDb(srv.workdir / "lobbyd.db")
    assert db_.sql("SELECT name, version FROM game_modules ORDER BY name, version") == [
        ["connect4_lua", "1"], ["connect4_lua", "2"], ["tictactoe_lua", "1"]]


# ---------------------------------------------------------------------------
# Hostile modules: each one through the real server, beside a well-behaved
# table whose move round trip is measured while the hostile call runs.

DRAWN = [0, 4, 8, 1, 7, 6, 2, 5, 3]  # a tic-tac-toe game that fills the board without a line

HOSTILE_BASE = """
local game = {name = "hostile", seats = 2}
function game.init(ctx) return {turn = 0, n = 0} end
function game.to_move(s) return s.turn end
function game.legal_moves(s) return {"ok", "bad"} end
function game.result(s) return nil end
function game.view(s, seat) return {n = s.n} end
function game.play(s, seat, text)
  if text == "ok" then s.n = s.n + 1; s.turn = 1 - s.turn; return "ok" end
  if text ~= "bad" then return nil, "BAD_SYNTAX", "ok or bad" end
  %s
  return "bad"
end
return game
"""

HOSTILE = {
    "infinite_loop": "while true do end",
    "memory_bomb": "local t = {} for i = 1, 1e9 do t[i] = {i, i, i} end",
    "deep_recursion": "local function f(n) return f(n + 1) + 1 end f(1)",
    "string_rep_1gb": "local x = string.rep('x', 1 << 30) s.x = x",
    "error": "error('a bug in the module')",
    "io": "io.open('/etc/passwd')",
    "os": "os.execute('touch /tmp/lobbyd-hostile')",
    "require": "require('os')",
    "load": "load('return 1')()",
    "debug": "debug.getregistry()",
    "host_globals": "_G.print = nil; string.format = nil; rawset(_G, 'x', 1); getmetatable('').__index = nil",
}


def test_hostile_modules_end_their_own_table_and_nothing_else(start_server, clients):
    srv = start_server(module_instructions_m=20, http_admin_token=TOKEN)
    db_ = SqliteDb(srv.workdir / "lobbyd.db")
    a, b, c, d = registered(clients, srv, "p1", "p2", "p3", "p4", join=["#lobby"])
    good = open_table(c, [d], "tictactoe")
    state(c, good)
    good_ply = 0
    version = 0
    for what, body in HOSTILE.items():
        version += 1
        # Each case is a new version of one module: the load-time self-check
        # plays random legal moves, so "bad" must not be one of them at load.
        src = (HOSTILE_BASE % body).replace('return {"ok", "bad"}', 'return {"ok"}')
        insert(db_, "hostile", version, src)
        wait_game(a, f"hostile@{version}", timeout=10)
        t = open_table(a, [b], "hostile")
        state(a, t)
        a.send(f"MOVE {t} bad")
        # while the module's call runs (a budget at most), the good table plays on
        mover = c if good_ply % 2 == 0 else d
        t0 = time.monotonic()
        mover.send(f"MOVE {good} {DRAWN[good_ply]}")
        v = state(c, good, timeout=10)
        rtt = time.monotonic() - t0
        good_ply += 1
        assert v["ply"] == good_ply, (what, v)
        fail = a.expect(is_cmd("FAIL", "MOVE"), timeout=15)
        assert fail.params[1] == "MODULE_ERROR", (what, fail.raw)
        over = game_json(b, t, "OVER", timeout=15)
        assert over["reason"] == "module_error" and over["rated"] is False and over["winner"] is None, (what, over)
        assert srv.alive(), what
        print(f"{what}: good table's move round trip {rtt * 1000:.1f} ms; {fail.params[-1][:80]}")
        if good_ply == 9:  # the good table's board is full: a new one
            good = open_table(c, [d], "tictactoe")
            state(c, good)
            good_ply = 0
    assert not Path("/tmp/lobbyd-hostile").exists()
    # counted and recorded with the module's version
    metrics = urllib.request.urlopen(urllib.request.Request(
        f"http://{srv.endpoints['http'][0]}:{srv.endpoints['http'][1]}/metrics",
        headers={"Authorization": f"Bearer {TOKEN}"}), timeout=T(10)).read().decode()
    assert f"lobbyd_module_failures_total {len(HOSTILE)}" in metrics, metrics
    # (rows are written by the store thread's next batch)
    wait_rows(db_, "SELECT ref FROM config_errors WHERE source = 'game_modules' ORDER BY id",
              [[f"hostile@{i}"] for i in range(1, len(HOSTILE) + 1)])


def test_a_module_whose_answers_change_is_refused(start_server, clients):
    """A module that answers differently for the same state (it keeps a
    counter outside its state table) is refused by the load-time self-check,
    which asks each view twice and plays every seat count twice from one seed.
    (The host asks to_move, result and legal_moves once per state and keeps
    the answers, and each table has a Lua state of its own, so a counter in
    those is a deterministic function of the moves: a strange game, not a
    changing one.)"""
    srv = start_server()
    db_ = SqliteDb(srv.workdir / "lobbyd.db")
    view_counter = CONNECT4.replace("function game.view(s, seat)\n",
                                    "local calls = 0\nfunction game.view(s, seat)\n  calls = calls + 1\n"
                                    "  if calls > 3 then return {calls = calls} end\n")
    assert view_counter != CONNECT4
    insert(db_, "connect4_lua", 1, view_counter)
    err = module_error(db_, "connect4_lua", 1)
    assert "self-check" in err and "two different answers" in err, err
    (a,) = registered(clients, srv, "lu", join=["#lobby"])
    assert not any(k.startswith("connect4_lua") for k in games_list(a))
    assert srv.alive()
