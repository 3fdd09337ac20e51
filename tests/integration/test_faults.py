"""The last line of defence at each boundary (issue 13): an exception that
escapes a command handler, an HTTP request, a posted task, a store callback,
a side-thread job or any other loop handler is logged and counted in
lobbyd_internal_errors_total{where}, costs at most the one connection
involved, and the server keeps serving.

`lobbyd --fault-injection` enables the FAULT command, which makes the next
request at one boundary throw (src/base/internal_error.h)."""

from conftest import T, registered
from test_http_api import TOKEN, api, metrics, request, value

PASSWORD = "correct horse battery"


def errors(srv):
    m = metrics(srv)
    return {w: value(m, "lobbyd_internal_errors_total", where=w)
            for w in ("command", "http", "task", "store", "blocking", "loop", "json")}


def arm(c, where):
    c.send(f"FAULT {where}")
    n = c.expect(lambda m: m.command == "NOTICE" and m.trailing.startswith(("armed", "error")))
    assert n.trailing == f"armed {where}", n.raw


def still_serving(srv, clients, nick):
    """A new client registers and a lobby still relays chat."""
    (c,) = registered(clients, srv, nick, join=["#lobby"])
    c.send("PRIVMSG #lobby :still here")
    c.sync()
    return c


def test_fault_command_is_unknown_without_the_flag(start_server, clients):
    srv = start_server()
    (alice,) = registered(clients, srv, "alice")
    alice.send("FAULT command")
    assert alice.expect(lambda m: m.command.isdigit()).command == "421"


def test_each_boundary_survives_an_exception(start_server, clients):
    srv = start_server(http_admin_token=TOKEN, extra_args=["--fault-injection"])
    alice, bob = registered(clients, srv, "alice", "bob", join=["#lobby"])
    before = errors(srv)
    assert set(before.values()) == {0}

    # command: the handler throws; only that session is closed.
    arm(alice, "command")
    alice.send("PING :boom")
    lines = alice.expect_closed()
    assert any(m.command == "ERROR" and "Internal error" in m.trailing for m in lines), lines
    bob.expect(lambda m: m.command == "QUIT" and m.nick == "alice")
    bob.sync()

    # http: one request gets a 500, the next one is served.
    arm(bob, "http")
    status, headers, payload = request(srv, "GET", "/api/status", token=TOKEN)
    assert status == 500 and b"internal error" in payload
    assert api(srv, "GET", "/api/status")[0] == 200

    # task and loop: a posted task / a bare loop handler throws.
    arm(bob, "task")
    arm(bob, "loop")
    bob.sync()

    # blocking (the side threads) and store (the store thread): REGISTER
    # needs both; each fault fails one REGISTER cleanly, the next succeeds.
    for where in ("blocking", "store"):
        arm(bob, where)
        bob.send(f"REGISTER bob * :{PASSWORD}")
        m = bob.expect(lambda m: m.command in ("REGISTER", "FAIL"), timeout=10)
        assert m.command == "FAIL" and "TEMPORARILY_UNAVAILABLE" in m.params, m.raw
    bob.send(f"REGISTER bob * :{PASSWORD}")
    m = bob.expect(lambda m: m.command in ("REGISTER", "FAIL"), timeout=10)
    assert m.params[:2] == ["SUCCESS", "bob"], m.raw

    after = errors(srv)
    for where in ("command", "http", "task", "loop", "blocking", "store"):
        assert after[where] == before[where] + 1, (where, before, after)
    assert after["json"] == 0
    still_serving(srv, clients, "carol")
    assert "internal error (command)" in srv.log_path.read_text(errors="replace")
    assert srv.alive()
