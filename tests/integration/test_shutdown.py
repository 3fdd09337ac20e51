"""Graceful shutdown on SIGTERM."""

import signal
import time

from conftest import T, registered


def test_sigterm_notifies_clients_and_exits_zero(start_server, clients):
    srv = start_server()
    members = registered(clients, srv, "alice", "bob", "carol", join=["#lobby"])
    (loner,) = registered(clients, srv, "dave")
    unregistered = clients(srv)
    unregistered.send("NICK halfway")
    time.sleep(0.2)

    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    rc = srv.wait_exit(10)
    took = time.monotonic() - t0
    assert rc is not None, f"still running 10 s after SIGTERM\n{srv.log_tail()}"
    assert rc == 0, f"exit code {rc} after SIGTERM\n{srv.log_tail()}"
    assert took <= T(5), f"shutdown took {took:.1f}s"

    for c in members + [loner]:
        lines = c.expect_closed(timeout=5)
        errors = [m for m in lines if m.command == "ERROR"]
        assert errors, f"{c.nick}: no ERROR before close: {[m.raw for m in lines]}"
        assert errors[-1].params[-1] == "Server shutting down", errors[-1].raw

    # the not-yet-registered connection is closed too
    unregistered.expect_closed(timeout=5)


def test_sigint_also_shuts_down_cleanly(start_server, clients):
    srv = start_server()
    (a,) = registered(clients, srv, "alice", join=["#lobby"])
    srv.signal(signal.SIGINT)
    lines = a.expect_closed(timeout=5)
    assert any(m.command == "ERROR" and m.params[-1] == "Server shutting down" for m in lines), \
        [m.raw for m in lines]
    rc = srv.wait_exit(5)
    assert rc is not None, "still running 5 s after SIGINT"
    assert rc == 0, f"exit code {rc} after SIGINT\n{srv.log_tail()}"


def test_shutdown_with_busy_clients(start_server, clients):
    """SIGTERM while clients are sending: still exits 0 promptly."""
    srv = start_server(flood_rate=100000.0, flood_burst=100000)
    a, b = registered(clients, srv, "alice", "bob", join=["#lobby"])
    a.send(*[f"PRIVMSG #lobby :busy {i}" for i in range(500)])
    srv.signal(signal.SIGTERM)
    rc = srv.wait_exit(10)
    assert rc == 0, f"exit code {rc}\n{srv.log_tail()}"
    lines = b.expect_closed(timeout=5)
    assert lines and lines[-1].command == "ERROR", [m.raw for m in lines[-3:]]
    assert lines[-1].params[-1] == "Server shutting down", lines[-1].raw


def test_clients_hear_about_shutdown_promptly(start_server, clients):
    """Whether the server closes at once (ERROR) or first announces a drain
    period (e.g. a NOTICE "shutting down in N seconds"), the first word about
    it must reach clients right after the signal, not when it is over."""
    srv = start_server()
    (a,) = registered(clients, srv, "alice", join=["#lobby"])
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    m = a.read_line(timeout=6)
    first_at = time.monotonic() - t0
    assert m is not None, "nothing received within 6 s of SIGTERM"
    assert first_at <= T(1.0), f"first line after SIGTERM ({m.raw!r}) arrived after {first_at:.1f}s"
    rest = a.expect_closed(timeout=10)
    assert any(x.command == "ERROR" for x in [m] + rest)
    assert srv.wait_exit(10) == 0


def test_shutdown_does_not_wait_for_a_stuck_reader(start_server, clients):
    """A client that never reads keeps a full send queue; SIGTERM must not
    hang trying to flush it."""
    srv = start_server(flood_rate=100000.0, flood_burst=100000, sendq_bytes=64 << 20,
                       recvq_bytes=1 << 20)
    stuck = clients(srv, "stuck", rcvbuf=4096)
    stuck.register("stuck")
    stuck.join("#lobby")
    (talker,) = registered(clients, srv, "talker", join=["#lobby"])
    pad = "s" * 400
    for k in range(10):  # ~4.5 MB towards the stuck reader
        talker.send(*[f"PRIVMSG #lobby :{k}.{i} {pad}" for i in range(1000)])
    talker.sync(timeout=20)
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    rc = srv.wait_exit(10)
    took = time.monotonic() - t0
    assert rc is not None, f"still running 10 s after SIGTERM\n{srv.log_tail()}"
    assert rc == 0, f"exit code {rc}\n{srv.log_tail()}"
    assert took <= T(5), (f"shutdown took {took:.1f}s with a stuck reader (docs/operations.md: "
                          f"output is flushed for up to 3 s)")
    lines = talker.expect_closed(timeout=5)
    assert any(m.command == "ERROR" and m.params[-1] == "Server shutting down"
               for m in lines), [m.raw for m in lines[-3:]]
