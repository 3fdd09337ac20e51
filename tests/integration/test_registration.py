"""Connection registration, CAP negotiation, basic errors and per-IP limits."""

import re
import socket
import time

from conftest import (NETWORK, SERVER_NAME, T, Client, ConnectionClosed, command, numeric,
                      registered)


def isupport_tokens(lines):
    toks = {}
    for m in lines:
        if m.command == "005":
            # :srv 005 nick TOKEN TOKEN=value ... :are supported by this server
            for t in m.params[1:-1]:
                k, _, v = t.partition("=")
                toks[k.upper()] = v
    return toks


def test_welcome_burst_isupport_and_motd(start_server, clients):
    srv = start_server(motd="Have fun playing")
    c = clients(srv)
    lines = c.register("alice", user="auser", realname="Alice Liddell")
    cmds = [m.command for m in lines]

    for code in ("001", "002", "003", "004", "005", "375", "372", "376"):
        assert code in cmds, f"missing {code}; got {cmds}"
    order = [cmds.index(x) for x in ("001", "002", "003", "004", "005", "375", "372", "376")]
    assert order == sorted(order), f"numerics out of order: {cmds}"
    assert "422" not in cmds

    welcome = lines[cmds.index("001")]
    assert welcome.source == SERVER_NAME, welcome.raw
    assert welcome.params[0] == "alice", welcome.raw
    assert welcome.params[-1].startswith(f"Welcome to the {NETWORK} network"), welcome.raw
    assert re.search(r"alice!~?auser@127\.0\.0\.1$", welcome.params[-1]), welcome.raw
    for m in lines:
        if m.command.isdigit():
            assert m.source == SERVER_NAME, m.raw
            assert m.params[0] == "alice", m.raw

    toks = isupport_tokens(lines)
    for key in ("CHANTYPES", "NICKLEN", "CHANNELLEN", "CASEMAPPING", "NETWORK"):
        assert key in toks, f"005 lacks {key}: {toks}"
    assert "#" in toks["CHANTYPES"]
    assert int(toks["NICKLEN"]) >= 9
    assert int(toks["CHANNELLEN"]) >= 10
    assert toks["NETWORK"] == NETWORK
    assert toks["CASEMAPPING"].lower() in ("ascii", "rfc1459", "strict-rfc1459")

    motd = " ".join(m.params[-1] for m in lines if m.command == "372")
    assert "Have fun playing" in motd, motd

    # the connection is usable afterwards
    c.send("PING :after-welcome")
    c.expect(lambda m: m.command == "PONG" and m.params[-1] == "after-welcome")


def test_empty_motd_gives_422(start_server, clients):
    srv = start_server(motd="")
    c = clients(srv)
    lines = c.register("bob")
    cmds = [m.command for m in lines]
    assert cmds[-1] == "422", cmds
    assert "001" in cmds and "005" in cmds
    assert "375" not in cmds and "372" not in cmds and "376" not in cmds, cmds

    # MOTD command after registration also reports 422
    c.send("MOTD")
    c.expect(numeric(422))


def test_cap_ls_suspends_registration_until_cap_end(server, clients):
    c = clients(server, "capper")
    c.send("CAP LS 302")
    ls = c.expect(command("CAP"))
    assert ls.source == SERVER_NAME, ls.raw
    assert ls.params[0] == "*" and ls.params[1] == "LS", ls.raw
    # multi-line LS ("CAP * LS * :...") ends with a line without the '*' marker
    while len(ls.params) > 3 and ls.params[2] == "*":
        ls = c.expect(command("CAP"))

    c.send("NICK capper", "USER capper 0 * :Cap Tester")
    early = c.read_for(T(1.0))
    assert not any(m.command in ("001", "376", "422") for m in early), \
        "registration completed before CAP END: " + " | ".join(m.raw for m in early)

    c.send("CAP END")
    lines = c.collect_until(numeric(376, 422))
    assert "001" in [m.command for m in lines]


def test_cap_req_unknown_capability_is_naked(server, clients):
    c = clients(server, "capreq")
    c.send("CAP LS 302", "CAP REQ :x-lobbyd-no-such-cap")
    nak = c.expect(lambda m: m.command == "CAP" and len(m.params) > 1 and m.params[1] != "LS")
    assert nak.params[0] == "*" and nak.params[1] == "NAK", nak.raw
    assert "x-lobbyd-no-such-cap" in nak.params[-1], nak.raw
    c.send("NICK capreq", "USER capreq 0 * :x", "CAP END")
    c.expect(numeric(1))


def test_cap_ls_then_end_without_302(server, clients):
    c = clients(server, "cap1")
    c.send("CAP LS")
    ls = c.expect(command("CAP"))
    assert ls.params[:2] == ["*", "LS"], ls.raw
    c.send("CAP END", "NICK cap1", "USER cap1 0 * :x")
    c.expect(numeric(1))


def test_pass_is_an_account_login(server, clients):
    # PASS logs in to an account (docs/protocol.md, "Accounts"): a password
    # for no account is refused, never silently ignored.
    c = clients(server)
    c.send("PASS sekrit", "NICK passer", "USER passer 0 * :p")
    assert c.expect(lambda m: m.command == "464", timeout=10).trailing == "Password incorrect"
    assert any("Bad password" in m.raw for m in c.expect_closed())
    # PASS after registration is 462:
    d = clients(server)
    d.register("later")
    d.send("PASS sekrit")
    assert d.expect(lambda m: m.command == "462").params[0] == "later"


def test_commands_before_registration_get_451(server, clients):
    c = clients(server)
    for line in ("JOIN #lobby", "PRIVMSG #lobby :hi", "NAMES #lobby", "LIST", "WHOIS x"):
        c.send(line)
        m = c.expect(lambda m: m.command.isdigit())
        assert m.command == "451", f"{line!r} -> {m.raw}"
        assert m.source == SERVER_NAME
    # Only NICK, no USER yet: still not registered
    c.send("NICK halfway", "JOIN #lobby")
    m = c.expect(lambda m: m.command.isdigit() and m.command != "NICK")
    assert m.command == "451", m.raw
    # Registration still works afterwards, and nothing was joined
    c.send("USER halfway 0 * :x")
    c.expect(numeric(376, 422))
    c.send("NAMES #lobby")
    names = c.collect_until(numeric(366))
    listed = " ".join(m.params[-1] for m in names if m.command == "353")
    assert "halfway" not in listed.split(), listed


def test_unknown_command_gives_421(server, clients):
    (c,) = registered(clients, server, "alice")
    c.send("FROBNICATE a b :c")
    m = c.expect(lambda m: m.command.isdigit())
    assert m.command == "421", m.raw
    assert m.params[0] == "alice" and m.params[1].upper() == "FROBNICATE", m.raw
    c.send("PING :still-here")
    c.expect(lambda m: m.command == "PONG" and m.params[-1] == "still-here")


def test_nick_collision_gives_433(server, clients):
    registered(clients, server, "alice")
    b = clients(server)
    b.send("NICK alice")
    m = b.expect(lambda m: m.command.isdigit())
    assert m.command == "433", m.raw
    assert m.params[1] == "alice", m.raw
    # nicknames compare case-insensitively
    b.send("NICK ALICE")
    m = b.expect(lambda m: m.command.isdigit())
    assert m.command == "433", m.raw
    # a free nick still works
    b.register("bob")
    # a registered client cannot take an existing nick either
    b.send("NICK Alice")
    m = b.expect(lambda m: m.command.isdigit() or m.command == "NICK")
    assert m.command == "433", m.raw


def test_nick_freed_after_quit(server, clients):
    (a,) = registered(clients, server, "alice")
    a.send("QUIT :bye")
    a.expect_closed()
    b = clients(server)
    deadline = time.monotonic() + T(3)
    while True:
        b.send("NICK alice")
        m = b.read_line(0.5)
        if m is None:  # no error: the nick was accepted
            break
        assert m.command == "433", m.raw
        assert time.monotonic() < deadline, "nick never released after QUIT"
        time.sleep(0.1)
    b.send("USER alice 0 * :x")
    m = b.expect(numeric(1))
    assert m.params[0] == "alice"


def test_invalid_nicks_give_432(server, clients):
    c = clients(server)
    for bad in ("1abc", "-abc", "ab!c", "a@b", "#chan", "ab,c"):
        c.send(f"NICK {bad}")
        m = c.expect(lambda m: m.command.isdigit())
        assert m.command == "432", f"NICK {bad} -> {m.raw}"
    lines = c.register("good_one")
    nicklen = int(isupport_tokens(lines)["NICKLEN"])
    c.send("NICK " + "a" * (nicklen + 1))
    m = c.expect(lambda m: m.command.isdigit() or m.command == "NICK")
    assert m.command == "432", m.raw
    # a nick of exactly NICKLEN is fine
    c.send("NICK " + "b" * nicklen)
    m = c.expect(lambda m: m.command.isdigit() or m.command == "NICK")
    assert m.command == "NICK" and m.params[0] == "b" * nicklen, m.raw


def test_nick_without_argument_gives_431(server, clients):
    c = clients(server)
    c.send("NICK")
    m = c.expect(lambda m: m.command.isdigit())
    assert m.command == "431", m.raw
    c.register("later")
    c.send("NICK")
    m = c.expect(lambda m: m.command.isdigit())
    assert m.command == "431", m.raw


def test_user_missing_params_gives_461(server, clients):
    c = clients(server)
    c.send("NICK shorty", "USER shorty")
    m = c.expect(lambda m: m.command.isdigit())
    assert m.command == "461", m.raw
    assert "USER" in m.params, m.raw


def test_registration_twice_gives_462(server, clients):
    (c,) = registered(clients, server, "alice")
    c.send("USER again 0 * :again")
    m = c.expect(lambda m: m.command.isdigit())
    assert m.command == "462", m.raw


def test_registration_timeout(start_server, clients):
    srv = start_server(registration_timeout_s=2)
    idle = clients(srv, "idle")
    half = clients(srv, "half")
    half.send("NICK half")  # started, never finished
    ok = clients(srv)
    ok.register("finisher")
    t0 = time.monotonic()

    for c in (idle, half):
        lines = c.expect_closed(timeout=6)
        elapsed = time.monotonic() - t0
        errors = [m for m in lines if m.command == "ERROR"]
        assert errors, f"no ERROR before close: {[m.raw for m in lines]}"
        assert "Registration timeout" in errors[-1].params[-1], errors[-1].raw
        assert elapsed >= 1.0, f"cut after only {elapsed:.2f}s"

    # the registered client is not affected by the registration timeout
    time.sleep(0.5)
    ok.send("PING :alive")
    ok.expect(lambda m: m.command == "PONG" and m.params[-1] == "alive")


def test_overlong_line_gives_417_and_connection_survives(server, clients):
    (c,) = registered(clients, server, "alice")
    # 600 bytes: rejected with 417
    c.send("PRIVMSG alice :" + "x" * 600)
    m = c.expect(lambda m: m.command.isdigit() or m.command == "PRIVMSG")
    assert m.command == "417", m.raw
    c.send("PING :usable")
    c.expect(lambda m: m.command == "PONG" and m.params[-1] == "usable")

    # The part beyond the limit must not be interpreted as a new command.
    head = "PRIVMSG alice :"
    for cut in (510, 512):
        c.send(head + "y" * (cut - len(head)) + "NICK hacked")
        got = c.sync()
        assert any(m.command == "417" for m in got), [m.raw for m in got]
        assert not any(m.command in ("NICK", "PRIVMSG", "421") for m in got), \
            [m.raw for m in got]
    c.send("WHOIS hacked")
    m = c.expect(lambda m: m.command in ("311", "401"))
    assert m.command == "401", m.raw

    # A long line (several kB, below recvq_bytes) is discarded as a whole, too.
    c.send("PRIVMSG alice :" + "z" * 8000)
    got = c.sync()
    assert sum(m.command == "417" for m in got) == 1, [m.raw for m in got]
    assert not any(m.command in ("PRIVMSG", "421") for m in got), [m.raw for m in got]


def test_line_of_exactly_512_bytes_is_accepted(server, clients):
    (c,) = registered(clients, server, "alice")
    token = "t" * (510 - len("PING :"))
    c.send("PING :" + token)  # 510 + CRLF = 512 bytes
    m = c.expect(lambda m: m.command in ("PONG", "417"))
    assert m.command == "PONG", m.raw


def test_bare_lf_and_empty_lines_are_tolerated(server, clients):
    (c,) = registered(clients, server, "alice")
    c.send_raw(b"\r\n\r\nPING :lf-only\n\n")
    c.expect(lambda m: m.command == "PONG" and m.params[-1] == "lf-only")


def test_ping_pong(server, clients):
    (c,) = registered(clients, server, "alice")
    c.send("PING abc123")
    m = c.expect(lambda m: m.command.isdigit() or m.command == "PONG")
    assert m.command == "PONG" and m.params[-1] == "abc123", m.raw
    assert m.source == SERVER_NAME, m.raw
    c.send("PING :two words")
    m = c.expect(command("PONG"))
    assert m.params[-1] == "two words", m.raw


def test_quit_gives_error_and_close(server, clients):
    (c,) = registered(clients, server, "alice")
    c.send("QUIT :see you")
    lines = c.expect_closed()
    errs = [m for m in lines if m.command == "ERROR"]
    assert errs, [m.raw for m in lines]
    assert "see you" in errs[-1].params[-1], errs[-1].raw


def test_max_clients_per_ip(start_server, clients):
    srv = start_server(max_clients_per_ip=2, connection_limit_exempt="")  # loopback is exempt by default
    a = clients(srv)
    a.register("one")
    b = clients(srv)
    b.register("two")

    c = clients(srv)
    lines = c.expect_closed(timeout=5)
    errs = [m for m in lines if m.command == "ERROR"]
    assert errs, f"third connection from the same IP not refused with ERROR: {[m.raw for m in lines]}"

    # the two admitted clients are unaffected
    a.send("PING :a")
    a.expect(lambda m: m.command == "PONG")

    # when one leaves, its slot is freed
    b.send("QUIT :making room")
    b.expect_closed()
    deadline = time.monotonic() + T(5)
    while True:
        d = clients(srv)
        try:
            d.register("three", timeout=2)
            break
        except AssertionError:
            assert time.monotonic() < deadline, "slot not released after QUIT"
            d.close()
            time.sleep(0.2)


def test_user_before_nick(server, clients):
    c = clients(server)
    c.send("USER late 0 * :Late Nick")
    assert c.read_for(T(0.3)) == []
    c.send("NICK late")
    m = c.expect(numeric(1))
    assert m.params[0] == "late" and "late!late@127.0.0.1" in m.params[-1].replace("~", ""), m.raw


def test_max_clients(start_server, clients):
    srv = start_server(max_clients=3)
    admitted = [clients(srv) for _ in range(3)]
    for i, c in enumerate(admitted):
        c.register(f"user{i}")
    extra = clients(srv)
    lines = extra.expect_closed(timeout=5)
    assert any(m.command == "ERROR" for m in lines), [m.raw for m in lines]
    admitted[0].send("QUIT")
    admitted[0].expect_closed()
    deadline = time.monotonic() + T(5)
    while True:
        d = clients(srv)
        try:
            d.register("fourth", timeout=2)
            break
        except AssertionError:
            assert time.monotonic() < deadline, "slot not released after QUIT"
            d.close()
            time.sleep(0.2)


def test_registration_timeout_applies_during_cap_negotiation(start_server, clients):
    srv = start_server(registration_timeout_s=2)
    c = clients(srv)
    c.send("CAP LS 302", "NICK capstuck", "USER capstuck 0 * :x")
    lines = c.expect_closed(timeout=6)
    assert not any(m.command == "001" for m in lines), [m.raw for m in lines]
    errors = [m for m in lines if m.command == "ERROR"]
    assert errors and "Registration timeout" in errors[-1].params[-1], [m.raw for m in lines]
