"""lobbyd-load games against a real lobbyd with an SQLite database: bots play
whole games (tic-tac-toe, connect four, four-player crazy eights) with random
legal moves, and the tool's JSON, its game_results check and the rows in the
database agree (docs/load.md, "games").

The load generator is LOBBYD_LOAD_BIN, else lobbyd-load next to LOBBYD_BIN."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import T, lobbyd_bin
from dbtools import SqliteDb

LOBBIES = [{"name": "#games0", "topic": "bots", "capacity": 1000},
           {"name": "#games1", "topic": "bots", "capacity": 1000}]
# Bots move as soon as their view says so: the default flood limit (10 lines/s)
# would measure the throttle, not the tables (docs/load.md).
LOAD_CONFIG = dict(flood_rate=100000.0, flood_burst=100000, max_clients_per_ip=0, log_level="warn")


def load_bin() -> str:
    path = os.environ.get("LOBBYD_LOAD_BIN") or str(Path(lobbyd_bin()).parent / "lobbyd-load")
    if not os.access(path, os.X_OK):
        pytest.fail(f"lobbyd-load not found or not executable: {path} (set LOBBYD_LOAD_BIN)")
    return path


def run_games(srv, *args, expect_rc=0):
    cmd = [load_bin(), "games", "--host", srv.host, "--port", str(srv.port),
           "--lobby-prefix", "#games", "--lobbies", "2", "--no-progress", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=T(120))
    assert srv.alive(), f"lobbyd died during {args}\n{srv.log_tail()}"
    json_lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    assert len(json_lines) == 1, f"expected one JSON line:\n{proc.stdout}\n{proc.stderr}"
    assert proc.stdout.splitlines()[-1] == json_lines[0]  # the JSON line comes last
    report = json.loads(json_lines[0])
    assert proc.returncode == expect_rc, f"exit {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return report, proc


def nicks(players_json: str) -> list:
    return [p["nick"] if isinstance(p, dict) else p for p in json.loads(players_json)]


def rows_of(db: SqliteDb, prefix: str) -> list:
    rows = db.sql("SELECT game, players, outcome, moves FROM game_results ORDER BY id")
    return [r for r in rows if all(n.startswith(prefix) for n in nicks(r[1]))]


def assert_games_ok(report, games: int, by_game: dict):
    assert report["ok"] is True and report["status"] == "ok", report["failures"]
    assert report["scenario"] == "games"
    assert report["errors"]["total"] == 0, report["errors"]
    g = report["games"]
    assert g["started"] == g["finished"] == games, g
    assert g["unfinished"] == 0
    assert g["failed_moves"] == 0 and g["table_errors"] == 0 and g["view_errors"] == 0
    assert g["turn_timeouts"] == 0
    assert g["finished_per_s"] > 0 and g["moves_per_s"] > 0
    assert {k: v["finished"] for k, v in g["by_game"].items()} == by_game
    # Each game needs at least its shortest win (tic-tac-toe: 5 moves).
    assert g["moves"] >= 5 * games
    lat = report["move_latency_ms"]
    assert lat["count"] == g["moves"], (lat, g)  # every move got its STATE back
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]
    res = report["game_results"]
    assert res["checked"] is True and res["ok"] is True, res
    assert res["expected"] == res["found"] == games, res
    assert res["error"] == ""


@pytest.fixture
def games_server(start_server, tmp_path):
    db = SqliteDb(tmp_path / "games.db")
    srv = start_server(lobbies=LOBBIES, db=db.url, **LOAD_CONFIG)
    return srv, db


def test_tictactoe_and_connect4_rows_match(games_server):
    srv, db = games_server
    report, proc = run_games(srv, "--game", "tictactoe", "--games", "20", "--tables", "5",
                             "--nick-prefix", "ttt", "--db", db.url, "--seed", "7")
    assert_games_ok(report, 20, {"tictactoe": 20})
    assert report["config"]["tables"] == 5 and report["connections"]["joined"] == 10
    assert report["game_results"]["before"] == 0 and report["game_results"]["after"] == 20
    assert "games/s" in proc.stdout and "move latency" in proc.stdout  # the table for people

    rows = rows_of(db, "ttt")
    assert len(rows) == 20
    for game, players, outcome, moves in rows:
        assert game == "tictactoe"
        assert len(nicks(players)) == 2 and len(set(nicks(players))) == 2
        out = json.loads(outcome)
        assert out["over"] is True and out["reason"] in ("line", "board_full"), out
        mv = json.loads(moves)
        assert 5 <= len(mv) <= 9, mv
        assert [seat for seat, _ in mv] == [i % 2 for i in range(len(mv))]

    # A second run on the same database: the check counts only its own rows.
    report, _ = run_games(srv, "--game", "connect4", "--games", "6", "--tables", "3",
                          "--nick-prefix", "cfour", "--db", db.url)
    assert_games_ok(report, 6, {"connect4": 6})
    assert report["game_results"]["total_before"] == 20
    assert report["game_results"]["total_after"] == 26
    rows = rows_of(db, "cfour")
    assert len(rows) == 6
    for game, players, outcome, moves in rows:
        assert game == "connect4" and len(nicks(players)) == 2
        assert 7 <= len(json.loads(moves)) <= 42


def test_four_player_crazy_eights(games_server):
    srv, db = games_server
    report, _ = run_games(srv, "--game", "crazyeights", "--seats", "4", "--tables", "2",
                          "--games", "4", "--nick-prefix", "eights", "--db", db.url)
    assert_games_ok(report, 4, {"crazyeights": 4})
    rows = rows_of(db, "eights")
    assert len(rows) == 4
    for game, players, outcome, moves in rows:
        assert game == "crazyeights"
        assert len(set(nicks(players))) == 4
        assert json.loads(outcome)["reason"] == "hand_empty"
        mv = json.loads(moves)
        assert len(mv) >= 4 and {seat for seat, _ in mv} == {0, 1, 2, 3}


def test_bots_join_long_views(start_server, tmp_path):
    """With max_line_bytes=128 every view comes in GAME MORE parts
    (docs/protocol.md, "Long lines"): the bots join them and play to the end."""
    db = SqliteDb(tmp_path / "parts.db")
    srv = start_server(lobbies=LOBBIES, db=db.url, max_line_bytes=128, **LOAD_CONFIG)
    report, _ = run_games(srv, "--game", "crazyeights", "--seats", "4", "--tables", "2",
                          "--games", "4", "--nick-prefix", "parts", "--db", db.url)
    assert_games_ok(report, 4, {"crazyeights": 4})
    report, _ = run_games(srv, "--game", "reversi", "--tables", "1", "--games", "1",
                          "--nick-prefix", "rparts", "--db", db.url)
    assert_games_ok(report, 1, {"reversi": 1})


def test_duration_bound_and_mix(games_server):
    srv, db = games_server
    report, _ = run_games(srv, "--game", "mix", "--tables", "4", "--duration", "2", "--think-ms", "2",
                          "--nick-prefix", "mix", "--db", db.url)
    assert report["ok"] is True, report["failures"]
    g = report["games"]
    assert g["finished"] == g["started"] > 4
    assert set(g["by_game"]) == {"tictactoe", "connect4", "reversi", "crazyeights"}
    assert report["game_results"]["found"] == g["started"]
    assert len(rows_of(db, "mix")) == g["started"]


def test_wrong_database_fails_the_check(games_server, tmp_path):
    """The check can fail: pointed at a copy of the schema that lobbyd does not
    write, it finds no new rows and the run exits 1."""
    srv, db = games_server
    other = tmp_path / "other.db"
    db.sql(f"VACUUM INTO '{other}'")  # WAL mode: a file copy could miss the schema
    report, proc = run_games(srv, "--games", "4", "--tables", "2", "--nick-prefix", "wrong",
                             "--db", f"sqlite:{other}", "--results-wait", "1", expect_rc=1)
    assert report["ok"] is False and report["status"] == "failed"
    res = report["game_results"]
    assert res["expected"] == 4 and res["found"] == 0 and res["ok"] is False
    assert any("expected 4 new rows" in f for f in report["failures"]), report["failures"]
    assert "MISMATCH" in proc.stdout
    assert len(rows_of(db, "wrong")) == 4  # the real database has them


def test_bad_options_exit_2(games_server):
    srv, _ = games_server
    for args in (["--game", "chess"], ["--seats", "3", "--game", "tictactoe", "--clients", "9"],
                 ["--clients", "5"]):
        proc = subprocess.run([load_bin(), "games", "--host", srv.host, "--port", str(srv.port), *args],
                              capture_output=True, text=True, timeout=T(30))
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "{" not in proc.stdout
        assert proc.stderr.strip()
