"""Interoperability with a third-party client library (python3-irc, irc.client)."""

import time

import irc.client

from conftest import T


class Recorder:
    def __init__(self, reactor):
        self.reactor = reactor
        self.events = []  # (connection name, Event)
        self.names = {}
        reactor.add_global_handler("all_events", self._on_event, -100)

    def _on_event(self, conn, event):
        self.events.append((self.names.get(id(conn), "?"), event))

    def track(self, conn, name):
        self.names[id(conn)] = name

    def of(self, who, etype):
        return [e for n, e in self.events if n == who and e.type == etype]

    def run_until(self, cond, timeout, what):
        deadline = time.monotonic() + T(timeout)
        while not cond():
            if time.monotonic() > deadline:
                summary = [(n, e.type, str(e.source), e.target, e.arguments)
                           for n, e in self.events[-30:]]
                raise AssertionError(f"timed out waiting for {what}; recent events: {summary}")
            self.reactor.process_once(0.05)


def test_two_pyirc_clients_chat_rename_and_quit(server):
    reactor = irc.client.IRC()
    rec = Recorder(reactor)

    alice = reactor.server()
    rec.track(alice, "alice")
    alice.connect(server.host, server.port, "alice", username="alice", ircname="Alice")
    bob = reactor.server()
    rec.track(bob, "bob")
    bob.connect(server.host, server.port, "bob", username="bob", ircname="Bob")
    try:
        rec.run_until(lambda: rec.of("alice", "welcome") and rec.of("bob", "welcome"), 10,
                      "welcome (001) for both")
        rec.run_until(lambda: rec.of("alice", "endofmotd") or rec.of("alice", "nomotd"), 5,
                      "end of MOTD")
        assert alice.get_nickname() == "alice"
        assert alice.get_server_name() == "lobbyd.test"

        alice.join("#lobby")
        rec.run_until(lambda: rec.of("alice", "endofnames"), 5, "alice's JOIN")
        bob.join("#lobby")
        rec.run_until(
            lambda: any(e.source.nick == "bob" for e in rec.of("alice", "join")), 5,
            "alice seeing bob's JOIN")
        rec.run_until(lambda: rec.of("bob", "endofnames"), 5, "bob's NAMES")
        names = " ".join(e.arguments[-1] for e in rec.of("bob", "namreply"))
        assert {"alice", "bob"} <= {n.lstrip("@+") for n in names.split()}, names

        alice.privmsg("#lobby", "hi bob, ready?")
        rec.run_until(lambda: rec.of("bob", "pubmsg"), 5, "bob receiving alice's message")
        (m,) = rec.of("bob", "pubmsg")
        assert m.source.nick == "alice" and m.source.user.lstrip("~") == "alice"
        assert m.source.host == "127.0.0.1"
        assert m.target == "#lobby" and m.arguments == ["hi bob, ready?"]

        bob.privmsg("#lobby", "ready!")
        bob.privmsg("alice", "private hello")
        rec.run_until(lambda: rec.of("alice", "pubmsg") and rec.of("alice", "privmsg"), 5,
                      "alice receiving bob's messages")
        (m,) = rec.of("alice", "pubmsg")
        assert m.source.nick == "bob" and m.arguments == ["ready!"]
        (m,) = rec.of("alice", "privmsg")
        assert m.source.nick == "bob" and m.target == "alice"
        assert m.arguments == ["private hello"]
        # no echo of own messages
        assert len(rec.of("bob", "pubmsg")) == 1

        bob.nick("bobby")
        rec.run_until(lambda: rec.of("alice", "nick"), 5, "alice seeing bob's NICK")
        (m,) = rec.of("alice", "nick")
        assert m.source.nick == "bob" and m.target == "bobby"
        rec.run_until(lambda: rec.of("bob", "nick"), 5, "bob's own NICK confirmation")
        assert bob.get_nickname() == "bobby"

        alice.privmsg("bobby", "nice name")
        rec.run_until(lambda: rec.of("bob", "privmsg"), 5, "bobby receiving a message")
        assert rec.of("bob", "privmsg")[0].arguments == ["nice name"]

        bob.quit("time for dinner")
        rec.run_until(lambda: rec.of("alice", "quit"), 5, "alice seeing bob's QUIT")
        (m,) = rec.of("alice", "quit")
        assert m.source.nick == "bobby"
        assert m.arguments == ["Quit: time for dinner"], m.arguments
        rec.run_until(lambda: rec.of("bob", "disconnect"), 5, "bob being disconnected")
        assert not bob.is_connected()
        assert alice.is_connected()
    finally:
        for c in (alice, bob):
            if c.is_connected():
                c.disconnect("bye")
