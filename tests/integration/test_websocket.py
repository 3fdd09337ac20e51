"""WebSocket transport (/ws on the HTTP server, IRCv3 WebSocket binding):
python3-websockets clients share lobbies and game tables with plain TCP
clients."""

import http.client
import json

import pytest
import websockets

from conftest import registered
from wsclient import WsClient


@pytest.fixture
def ws_clients():
    made = []

    def _make(srv, nick="", **kw):
        host, port = srv.endpoints["http"]
        c = WsClient(f"ws://{host}:{port}/ws", nick, **kw)
        made.append(c)
        return c

    yield _make
    for c in made:
        c.close()


def test_ws_and_tcp_chat_in_one_lobby(start_server, clients, ws_clients):
    srv = start_server()
    (alice,) = registered(clients, srv, "alice", join=["#lobby"])
    w = ws_clients(srv)
    assert w.subprotocol == "text.ircv3.net"
    w.register("wendy")
    w.send("JOIN #lobby")
    w.expect(lambda m: m.command == "366")
    alice.expect(lambda m: m.command == "JOIN" and m.nick == "wendy")

    w.send("PRIVMSG #lobby :hello from the browser")
    m = alice.expect(lambda m: m.command == "PRIVMSG" and m.nick == "wendy")
    assert m.params == ["#lobby", "hello from the browser"]

    alice.send("PRIVMSG #lobby :hello over tcp", "PRIVMSG wendy :just you")
    m = w.expect(lambda m: m.command == "PRIVMSG" and m.params[0] == "#lobby")
    assert m.nick == "alice" and m.trailing == "hello over tcp"
    m = w.expect(lambda m: m.command == "PRIVMSG" and m.params[0] == "wendy")
    assert m.trailing == "just you"

    # Binary messages carry UTF-8 text too; a trailing CRLF is tolerated.
    w.send_binary("PRIVMSG #lobby :caf\u00e9 binary\r\n".encode())
    m = alice.expect(lambda m: m.command == "PRIVMSG" and m.nick == "wendy")
    assert m.trailing == "caf\u00e9 binary"

    w.send("QUIT :bye")
    m = alice.expect(lambda m: m.command == "QUIT" and m.nick == "wendy")
    assert "bye" in m.trailing


def test_ws_without_subprotocol_and_invalid_utf8_from_tcp(start_server, clients, ws_clients):
    srv = start_server()
    w = ws_clients(srv, subprotocols=())
    assert w.subprotocol is None
    w.register("wendy")
    (alice,) = registered(clients, srv, "alice")
    # A TCP client may send Latin-1; a text frame must be UTF-8.
    alice.send_raw(b"PRIVMSG wendy :caf\xe9\r\n")
    m = w.expect(lambda m: m.command == "PRIVMSG")
    assert m.trailing == "caf\ufffd"


def test_line_break_inside_a_message_closes(start_server, clients, ws_clients):
    srv = start_server()
    (alice,) = registered(clients, srv, "alice", join=["#lobby"])
    w = ws_clients(srv)
    w.register("wendy")
    w.send("JOIN #lobby")
    w.expect(lambda m: m.command == "366")
    w.send("PRIVMSG #lobby :one\r\nPRIVMSG #lobby :two")
    with pytest.raises(websockets.ConnectionClosed):
        for _ in range(50):
            w.read(5)
    m = alice.expect(lambda m: m.command == "QUIT" and m.nick == "wendy")
    assert not any(x.command == "PRIVMSG" for x in alice.log)


def test_plain_get_on_ws_is_426(start_server):
    srv = start_server()
    conn = http.client.HTTPConnection(*srv.endpoints["http"], timeout=5)
    conn.request("GET", "/ws")
    r = conn.getresponse()
    assert r.status == 426
    assert "error" in json.loads(r.read())


def test_tictactoe_between_ws_and_tcp(start_server, clients, ws_clients):
    srv = start_server()
    (alice,) = registered(clients, srv, "alice", join=["#lobby"])
    bob = ws_clients(srv)
    bob.register("bob")
    bob.send("JOIN #lobby")
    bob.expect(lambda m: m.command == "366")

    alice.send("TABLE NEW #lobby tictactoe")
    m = alice.expect(lambda m: m.command == "TABLE" and m.params[0] == "CREATED")
    table = m.params[1]
    bob.send(f"TABLE SIT {table}")

    def is_game(t, verb):
        return lambda m: m.command == "GAME" and m.params[:2] == [t, verb]

    for c in (alice, bob):
        start = json.loads(c.expect(is_game(table, "START")).params[2])
        assert start["players"] == ["alice", "bob"]
    plays = [(alice, "0"), (bob, "3"), (alice, "1"), (bob, "4"), (alice, "2")]
    for i, (mover, cell) in enumerate(plays):
        mover.expect(lambda m: m.command == "GAME" and m.params[:2] == [table, "TURN"]
                     and m.params[2] == mover.nick)
        mover.send(f"MOVE {table} {cell}")
        for c in (alice, bob):
            c.expect(lambda m: is_game(table, "STATE")(m) and json.loads(m.params[2])["ply"] == i + 1)
    for c in (alice, bob):
        over = json.loads(c.expect(is_game(table, "OVER")).params[2])
        assert over["winner"] == "alice" and over["reason"] == "line"
