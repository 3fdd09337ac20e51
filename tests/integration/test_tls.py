"""TLS listener (--listen-tls): python3-irc over SSL chats with a plain TCP
client in one lobby; start-up errors for missing certificate files."""

import functools
import socket
import ssl
import subprocess
import time

import irc.client
import irc.connection
import pytest

from conftest import T, lobbyd_bin, make_config, registered


@pytest.fixture
def cert(tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return crt, key


def tls_server(start_server, cert):
    crt, key = cert
    return start_server(tls_cert=str(crt), tls_key=str(key),
                        extra_args=["--listen-tls", "127.0.0.1:0"])


def client_context(crt):
    ctx = ssl.create_default_context(cafile=str(crt))
    ctx.check_hostname = True
    return ctx


def test_pyirc_over_tls_chats_with_tcp_client(start_server, clients, cert):
    srv = tls_server(start_server, cert)
    host, port = srv.endpoints["tls"]
    (bob,) = registered(clients, srv, "bob", join=["#lobby"])

    ctx = client_context(cert[0])
    factory = irc.connection.Factory(
        wrapper=functools.partial(ctx.wrap_socket, server_hostname="127.0.0.1"))
    reactor = irc.client.IRC()
    events = []
    reactor.add_global_handler("all_events", lambda c, e: events.append(e), -100)
    alice = reactor.server()
    alice.connect(host, port, "alice", username="alice", ircname="Alice", connect_factory=factory)
    assert alice.socket.version() in ("TLSv1.2", "TLSv1.3")

    def run_until(cond, what, timeout=10):
        deadline = time.monotonic() + T(timeout)
        while not cond():
            assert time.monotonic() < deadline, f"timed out waiting for {what}: " \
                f"{[(e.type, e.arguments) for e in events[-20:]]}"
            reactor.process_once(0.05)

    try:
        run_until(lambda: any(e.type == "welcome" for e in events), "welcome")
        alice.join("#lobby")
        run_until(lambda: any(e.type == "endofnames" for e in events), "NAMES")
        bob.expect(lambda m: m.command == "JOIN" and m.nick == "alice")

        alice.privmsg("#lobby", "hello over TLS")
        m = bob.expect(lambda m: m.command == "PRIVMSG" and m.nick == "alice")
        assert m.params == ["#lobby", "hello over TLS"]

        bob.send("PRIVMSG #lobby :hello over TCP")
        run_until(lambda: any(e.type == "pubmsg" and e.arguments == ["hello over TCP"]
                              for e in events), "bob's message")
        alice.quit("done")
        m = bob.expect(lambda m: m.command == "QUIT" and m.nick == "alice")
        assert "done" in m.trailing
    finally:
        alice.close()


def test_server_closes_tls_politely_after_error_line(start_server, cert):
    srv = tls_server(start_server, cert)
    ctx = client_context(cert[0])
    raw = socket.create_connection(srv.endpoints["tls"], timeout=T(5))
    s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(b"NICK carol\r\nUSER carol 0 * :Carol\r\nQUIT :bye\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)  # b"" only after the server's close_notify
        if not chunk:
            break
        data += chunk
    assert b" 001 carol " in data
    assert b"ERROR :Closing Link" in data
    s.close()


@pytest.mark.parametrize("which", ["missing", "unreadable_key"])
def test_missing_certificate_is_a_clear_startup_error(tmp_path, cert, which):
    crt, key = cert
    cfg = {"tls_cert": str(crt), "tls_key": str(tmp_path / "nope.pem")}
    if which == "missing":
        cfg = {}
    (tmp_path / "lobbyd.toml").write_text(make_config(**cfg))
    p = subprocess.run([lobbyd_bin(), "--config", str(tmp_path / "lobbyd.toml"), "--listen",
                        "127.0.0.1:0", "--listen-tls", "127.0.0.1:0", "--http", "off",
                        "--db", f"sqlite:{tmp_path / 'x.db'}"],
                       capture_output=True, text=True, timeout=T(20))
    assert p.returncode == 2, p.stdout + p.stderr
    out = p.stdout + p.stderr
    if which == "missing":
        assert "tls_cert" in out
    else:
        assert "tls_key: cannot read" in out and "nope.pem" in out
