"""durable_moves (issue 13): a move is announced (GAME STATE / TURN) only once
its row is committed, so a move that both players saw accepted survives a
kill -9. Without it, writes wait for the next poll (db_poll_ms) and an
acknowledged move can vanish in a crash, as documented.

db_poll_ms is the maximum (60 s) here: nothing reaches the database by the
poll during the test, so what survives was written because a move waited
for it (group commit wakes the store thread)."""

import signal

from dbtools import SqliteDb
from test_accounts import is_cmd, state_at
from test_resume import accounts, game_json, open_table, relogin, restart

MOVES = [3, 3, 4, 4, 2, 2]  # connect four, no winner yet


def play_fast(a, b, table):
    a.expect(state_at(table, 0))
    players = (a, b)
    for ply, col in enumerate(MOVES):
        players[ply % 2].send(f"MOVE {table} {col}")
        # Both players see each move accepted; 2 s is far below db_poll_ms.
        for c in players:
            c.expect(state_at(table, ply + 1), timeout=2)


def moves_in(db, table):
    return int(db.sql(f"SELECT COUNT(*) FROM table_moves WHERE table_id = {table[1:]}")[0][0])


def test_acknowledged_moves_survive_kill_9(start_server, clients):
    srv = start_server(resume_grace_s=60, durable_moves=True, db_poll_ms=60000)
    db = SqliteDb(srv.workdir / "lobbyd.db")
    a, b = accounts(clients, srv, "gus", "hal")
    table = open_table(a, [b], "connect4")
    play_fast(a, b, table)
    restart(srv, signal.SIGKILL)  # at once: no poll, no shutdown flush
    assert moves_in(db, table) == len(MOVES)
    a = relogin(clients, srv, "gus", "gus")
    a.expect(is_cmd("TABLE", "RESUMED", table, "0"))
    st = game_json(a, table, "STATE")
    assert st["ply"] == len(MOVES) and st["to_move"] == 0
    b = relogin(clients, srv, "hal", "hal")
    b.expect(is_cmd("TABLE", "RESUMED", table, "1"))
    a.send(f"MOVE {table} 5")
    b.expect(state_at(table, len(MOVES) + 1))


def test_without_durable_moves_a_crash_loses_unpolled_moves(start_server, clients):
    # The documented trade-off, and the proof that the test above can fail:
    # the same game, the same crash, nothing written.
    srv = start_server(resume_grace_s=60, durable_moves=False, db_poll_ms=60000)
    db = SqliteDb(srv.workdir / "lobbyd.db")
    a, b = accounts(clients, srv, "gus", "hal")
    table = open_table(a, [b], "connect4")
    play_fast(a, b, table)
    restart(srv, signal.SIGKILL)
    assert moves_in(db, table) == 0
