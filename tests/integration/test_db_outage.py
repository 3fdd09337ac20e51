"""A MariaDB restart while lobbyd runs: clients keep being served with the last
known configuration, and operator rows written after the restart are applied."""

import time

from conftest import T, registered
from dbtools import MariaDb, mariadb_server  # noqa: F401 (fixture)


def test_mariadb_restart_keeps_serving(mariadb_server, start_server, clients):
    db = MariaDb(mariadb_server)
    db.sql("SELECT 1")
    srv = start_server(db=db.url)
    db.sql("INSERT INTO settings (`key`, value) VALUES ('motd', 'db motd')")
    a, b = registered(clients, srv, "alice", "bob", join=["#lobby"])
    mariadb_server.stop()
    # the database is gone: chat goes on, new players still register
    a.send("PRIVMSG #lobby :still here")
    m = b.expect(lambda m: m.command == "PRIVMSG", T(3))
    assert m.params == ["#lobby", "still here"]
    (c,) = registered(clients, srv, "carol")
    time.sleep(T(1))
    mariadb_server.restart()
    db.sql("INSERT INTO admin_commands (verb, args) VALUES ('broadcast', 'back again')")
    a.expect(lambda m: m.command == "NOTICE" and m.params[-1] == "back again", T(10))
    deadline = time.monotonic() + T(5)
    while time.monotonic() < deadline:
        rows = db.sql("SELECT result FROM admin_commands")
        if rows and rows[0][0] == "ok":
            break
        time.sleep(0.1)
    assert rows == [["ok"]], rows
    assert srv.alive()
