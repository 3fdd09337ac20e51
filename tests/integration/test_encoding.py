"""Text encoding at the edges (issue 13; policy in docs/protocol.md, "Text
encoding"): IRC lines are bytes and are relayed as bytes; wherever text
becomes JSON or a WebSocket text frame, invalid UTF-8 becomes U+FFFD. Lobby
names must be UTF-8.

The crash this keeps gone: with allow_create_lobbies on, `JOIN #<not UTF-8>`
created the lobby and the next GET /api/status threw from nlohmann's dump();
nothing caught it and the process died."""

import json
import urllib.parse

from conftest import T, registered
from test_http_api import TOKEN, api
from wsclient import WsClient

FFFD = "\ufffd"


def test_non_utf8_lobby_name_is_refused_and_api_keeps_serving(start_server, clients):
    srv = start_server(allow_create_lobbies=True, http_admin_token=TOKEN)
    (alice,) = registered(clients, srv, "alice")
    for name in (b"#\xff\xfe", b"#caf\xe9", b"#\xc0\xaf", b"#\xed\xa0\x80"):
        alice.send_raw(b"JOIN " + name + b"\r\n")
        m = alice.expect(lambda m: m.command.isdigit() and m.command[0] in "345")
        assert m.command == "403", m.raw  # ERR_NOSUCHCHANNEL, as for any bad name
    # A UTF-8 name is still fine.
    assert alice.join("#caf\u00e9")[-1].command == "366"
    status, body = api(srv, "GET", "/api/status")
    assert status == 200
    names = json.dumps(body)
    assert "caf\\u00e9" in names or "caf\u00e9" in names
    assert srv.alive()


def test_invalid_utf8_topic_and_chat(start_server, clients):
    srv = start_server(allow_create_lobbies=True, http_admin_token=TOKEN)
    alice, bob = registered(clients, srv, "alice", "bob")
    assert alice.join("#bytes")[-1].command == "366"  # the creator is its operator
    assert bob.join("#bytes")[-1].command == "366"
    host, port = srv.endpoints["http"]
    w = WsClient(f"ws://{host}:{port}/ws", "wendy")
    try:
        w.register("wendy")
        w.send("JOIN #bytes")
        w.expect(lambda m: m.command == "366")
        bob.sync()

        alice.send_raw(b"TOPIC #bytes :caf\xe9 \xff night\r\n")
        alice.send_raw(b"PRIVMSG #bytes :\xc0\xaf raw \xfe bytes\r\n")
        bob.expect(lambda m: m.command == "PRIVMSG")  # (the bytes: test_irc_relays_bytes_unchanged)
        # Over WebSocket they arrive as valid text with U+FFFD.
        t = w.expect(lambda m: m.command == "TOPIC")
        assert t.trailing == f"caf{FFFD} {FFFD} night", t.raw
        p = w.expect(lambda m: m.command == "PRIVMSG")
        assert p.trailing == f"{FFFD}{FFFD} raw {FFFD} bytes", p.raw

        # In JSON (/api/lobby) too, and the API keeps answering.
        q = urllib.parse.quote("#bytes")
        status, body = api(srv, "GET", f"/api/lobby?name={q}")
        assert status == 200
        assert body["topic"] == f"caf{FFFD} {FFFD} night"
        status, _ = api(srv, "GET", "/api/status")
        assert status == 200
    finally:
        w.close()
    assert srv.alive()


def test_irc_relays_bytes_unchanged(start_server, clients):
    srv = start_server()
    alice, bob = registered(clients, srv, "alice", "bob", join=["#lobby"])
    payload = b"\xff\xfe caf\xe9 \x02bold\x02 \x01ACTION waves\x01"
    alice.send_raw(b"PRIVMSG #lobby :" + payload + b"\r\n")
    bob.sync()
    # Read bob's socket bytes directly: the relayed line carries the same bytes.
    alice.send_raw(b"PRIVMSG bob :" + payload + b"\r\n")
    bob.sock.settimeout(T(5))
    # Until the private line itself: with threads = 2 the channel line (alice
    # on the other worker) may reach bob after his sync's PONG, and it carries
    # the payload too (seen under TSan).
    want = b"PRIVMSG bob :" + payload + b"\r\n"
    data = b""
    while want not in data:
        chunk = bob.sock.recv(65536)
        assert chunk, "connection closed"
        data += chunk
