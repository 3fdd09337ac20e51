"""Lobby (channel) behaviour: JOIN/PART, messaging, queries and errors."""

import random
import re
import time

import pytest

from conftest import SERVER_NAME, command, numeric, registered

LOBBIES = [
    {"name": "#lobby", "topic": "Welcome to the lobby", "capacity": 500},
    {"name": "#other", "topic": "Other games", "capacity": 500},
    {"name": "#quiet", "capacity": 500},  # no topic
    {"name": "#small", "topic": "Two seats", "capacity": 2},
]


@pytest.fixture
def server(start_server):
    return start_server(lobbies=LOBBIES)


def src_re(nick, user=None):
    return rf"^{re.escape(nick)}!~?{re.escape(user or nick)}@127\.0\.0\.1$"


def is_from(m, nick):
    return re.match(src_re(nick), m.source) is not None


def names_of(lines, lobby):
    out = []
    for m in lines:
        if m.command == "353" and m.params[2].lower() == lobby.lower():
            assert m.params[1] in ("=", "*", "@"), m.raw
            out.extend(m.params[-1].split())
    return out


def plain(names):
    return {n.lstrip("@+~&%") for n in names}


def first_numeric(c):
    return c.expect(lambda m: m.command.isdigit())


def no_command(lines, *cmds):
    return not any(m.command in cmds for m in lines)


def raws(lines):
    return [m.raw for m in lines]


# ---------------------------------------------------------------- JOIN/PART

def test_join_sequence_and_broadcast(server, clients):
    a, b = registered(clients, server, "alice", "bob")
    lines = a.join("#lobby")
    cmds = [m.command for m in lines]
    join = next(m for m in lines if m.command == "JOIN")
    assert is_from(join, "alice"), join.raw
    assert join.params[0] == "#lobby", join.raw
    assert "332" in cmds and "353" in cmds and cmds[-1] == "366", cmds
    assert cmds.index("JOIN") < cmds.index("332") < cmds.index("353"), cmds
    topic = lines[cmds.index("332")]
    assert topic.source == SERVER_NAME
    assert topic.params == ["alice", "#lobby", "Welcome to the lobby"], topic.raw
    assert plain(names_of(lines, "#lobby")) == {"alice"}
    assert lines[-1].params[:2] == ["alice", "#lobby"], lines[-1].raw

    lines = b.join("#lobby")
    assert plain(names_of(lines, "#lobby")) == {"alice", "bob"}, raws(lines)
    seen = a.expect(command("JOIN"))
    assert is_from(seen, "bob") and seen.params[0] == "#lobby", seen.raw
    assert re.match(r"^:bob!~?bob@127\.0\.0\.1 JOIN :?#lobby$", seen.raw), seen.raw


def test_join_already_joined_is_not_rebroadcast(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    b.send("JOIN #lobby")
    b.sync()
    got = a.sync()
    assert no_command(got, "JOIN"), raws(got)
    a.send("NAMES #lobby")
    names = names_of(a.collect_until(numeric(366)), "#lobby")
    assert sorted(plain(names)) == ["alice", "bob"] and len(names) == 2, names


def test_join_comma_list_and_case_insensitive_names(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    b.send("JOIN #OTHER,#Quiet")
    lines = b.collect_until(lambda m: m.command == "366" and m.params[1].lower() == "#quiet")
    joined = [m.params[0].lower() for m in lines if m.command == "JOIN"]
    assert joined == ["#other", "#quiet"], raws(lines)
    # #LOBBY is the same lobby as #lobby
    b.send("PART #LOBBY :case")
    m = a.expect(command("PART"))
    assert is_from(m, "bob") and m.params[0].lower() == "#lobby", m.raw


def test_part_with_reason(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    b.send("PART #lobby :see ya later")
    for c in (a, b):
        m = c.expect(command("PART"))
        assert is_from(m, "bob"), m.raw
        assert m.params == ["#lobby", "see ya later"], m.raw
    a.send("NAMES #lobby")
    assert plain(names_of(a.collect_until(numeric(366)), "#lobby")) == {"alice"}
    # bob is no longer a member: sending is refused
    b.send("PRIVMSG #lobby :ghost")
    m = first_numeric(b)
    assert m.command == "404", m.raw
    assert no_command(a.sync(), "PRIVMSG")


def test_part_without_reason(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    b.send("PART #lobby")
    m = a.expect(command("PART"))
    assert is_from(m, "bob") and m.params[0] == "#lobby", m.raw


# ---------------------------------------------------------------- messages

def test_privmsg_and_notice_to_lobby(server, clients):
    a, b, c = registered(clients, server, "alice", "bob", "carol", join=["#lobby"])
    (d,) = registered(clients, server, "dave", join=["#other"])
    text = "hello  all :) h\u00e9llo \u2603"
    a.send(f"PRIVMSG #lobby :{text}")
    for r in (b, c):
        m = r.expect(command("PRIVMSG"))
        assert is_from(m, "alice"), m.raw
        assert m.params == ["#lobby", text], m.raw
    a.send("NOTICE #lobby :game starts")
    for r in (b, c):
        m = r.expect(command("NOTICE"))
        assert is_from(m, "alice"), m.raw
        assert m.params == ["#lobby", "game starts"], m.raw
    got = a.sync()
    assert no_command(got, "PRIVMSG", "NOTICE"), f"echoed to sender: {raws(got)}"
    got = d.sync()
    assert no_command(got, "PRIVMSG", "NOTICE"), f"leaked to non-member: {raws(got)}"
    for r in (b, c):
        got = r.sync()
        assert no_command(got, "PRIVMSG", "NOTICE"), f"duplicate delivery: {raws(got)}"


def test_privmsg_to_nick(server, clients):
    a, b, c = registered(clients, server, "alice", "bob", "carol", join=["#lobby"])
    a.send("PRIVMSG bob :psst, bob")
    m = b.expect(command("PRIVMSG"))
    assert is_from(m, "alice") and m.params == ["bob", "psst, bob"], m.raw
    a.send("PRIVMSG BoB :case")
    m = b.expect(command("PRIVMSG"))
    assert m.params[-1] == "case", m.raw
    a.send("NOTICE bob :note")
    m = b.expect(command("NOTICE"))
    assert is_from(m, "alice") and m.params == ["bob", "note"], m.raw
    for r in (a, c):
        got = r.sync()
        assert no_command(got, "PRIVMSG", "NOTICE"), raws(got)


def test_privmsg_to_nick_sharing_no_lobby(server, clients):
    a, b = registered(clients, server, "alice", "bob")
    b.send("PRIVMSG alice :direct")
    m = a.expect(command("PRIVMSG"))
    assert is_from(m, "bob") and m.params == ["alice", "direct"], m.raw


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("line,code,param", [
    ("PRIVMSG nobody :x", {"401"}, "nobody"),
    ("JOIN #nosuch", {"403"}, "#nosuch"),
    ("PRIVMSG #other :x", {"404"}, "#other"),
    ("PRIVMSG #nosuch :x", {"401", "403"}, "#nosuch"),
    ("PRIVMSG bob", {"412"}, None),
    ("PRIVMSG bob :", {"412"}, None),
    ("PRIVMSG", {"411"}, None),
    ("JOIN", {"461"}, "JOIN"),
    ("PART", {"461"}, "PART"),
    ("TOPIC", {"461"}, "TOPIC"),
    ("PART #other", {"442"}, "#other"),
    ("PART #nosuch", {"403", "442"}, "#nosuch"),
    ("TOPIC #other :mine", {"442", "482"}, "#other"),
])
def test_error_numerics(server, clients, line, code, param):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    a.send(line)
    m = first_numeric(a)
    assert m.command in code, f"{line!r} -> {m.raw}"
    assert m.source == SERVER_NAME and m.params[0] == "alice", m.raw
    if param is not None:
        assert m.params[1].lower() == param.lower(), m.raw
    got = b.sync()
    assert no_command(got, "PRIVMSG", "JOIN", "PART", "TOPIC"), raws(got)
    # still usable
    a.send("PING :ok")
    a.expect(lambda m: m.command == "PONG" and m.params[-1] == "ok")


def test_capacity(server, clients):
    a, b, c = registered(clients, server, "alice", "bob", "carol")
    a.join("#small")
    b.join("#small")
    a.expect(lambda m: m.command == "JOIN" and m.nick == "bob")
    lines = c.join("#small")
    assert lines[-1].command == "471", raws(lines)
    assert lines[-1].params[1] == "#small", lines[-1].raw
    assert no_command(lines, "JOIN")
    assert no_command(a.sync(), "JOIN")
    c.send("PRIVMSG #small :let me in")
    assert first_numeric(c).command == "404"
    # a seat frees up
    b.send("PART #small")
    a.expect(command("PART"))
    lines = c.join("#small")
    assert lines[-1].command == "366", raws(lines)
    assert plain(names_of(lines, "#small")) == {"alice", "carol"}


def test_max_lobbies_per_client(start_server, clients):
    srv = start_server(lobbies=LOBBIES, max_lobbies_per_client=2)
    (a,) = registered(clients, srv, "alice", join=["#lobby", "#other"])
    lines = a.join("#quiet")
    assert lines[-1].command == "405", raws(lines)
    assert lines[-1].params[1] == "#quiet", lines[-1].raw
    a.send("PART #other")
    a.expect(command("PART"))
    assert a.join("#quiet")[-1].command == "366"


def test_create_lobby_when_allowed(start_server, clients):
    srv = start_server(lobbies=LOBBIES, allow_create_lobbies=True)
    a, b = registered(clients, srv, "alice", "bob")
    lines = a.join("#newroom")
    assert lines[-1].command == "366", raws(lines)
    join = next(m for m in lines if m.command == "JOIN")
    assert is_from(join, "alice") and join.params[0] == "#newroom"
    assert names_of(lines, "#newroom") == ["@alice"], raws(lines)

    lines = b.join("#newroom")
    assert sorted(names_of(lines, "#newroom")) == ["@alice", "bob"], raws(lines)
    a.expect(command("JOIN"))

    a.send("LIST")
    listing = {m.params[1]: m for m in a.collect_until(numeric(323)) if m.command == "322"}
    assert "#newroom" in listing and listing["#newroom"].params[2] == "2", listing

    # the creator (op) may set the topic; it is broadcast
    a.send("TOPIC #newroom :Fresh topic")
    for c in (a, b):
        m = c.expect(command("TOPIC"))
        assert is_from(m, "alice") and m.params == ["#newroom", "Fresh topic"], m.raw
    # a non-op may not
    b.send("TOPIC #newroom :hijack")
    m = first_numeric(b)
    assert m.command == "482" and m.params[1] == "#newroom", m.raw
    b.send("TOPIC #newroom")
    lines = b.collect_until(lambda m: m.command in ("331", "332"))
    assert lines[-1].command == "332" and lines[-1].params[-1] == "Fresh topic", lines[-1].raw
    more = b.sync()
    whotime = [m for m in more if m.command == "333"]
    if whotime:
        assert whotime[0].params[1] == "#newroom" and whotime[0].params[2].startswith("alice")


def test_create_lobby_refused_by_default(server, clients):
    (a,) = registered(clients, server, "alice")
    lines = a.join("#brandnew")
    assert lines[-1].command == "403", raws(lines)
    assert no_command(lines, "JOIN")


# ---------------------------------------------------------------- queries

def test_names(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    a.send("NAMES #lobby")
    lines = a.collect_until(numeric(366))
    assert lines[-1].params[:2] == ["alice", "#lobby"], lines[-1].raw
    m = next(m for m in lines if m.command == "353")
    assert m.source == SERVER_NAME and m.params[0] == "alice" and m.params[2] == "#lobby", m.raw
    names = names_of(lines, "#lobby")
    assert sorted(names) == ["alice", "bob"], names  # config lobbies have no ops


def test_list(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    (c,) = registered(clients, server, "carol", join=["#other"])
    a.send("LIST")
    lines = a.collect_until(numeric(323))
    rows = {m.params[1]: m for m in lines if m.command == "322"}
    assert set(rows) == {"#lobby", "#other", "#quiet", "#small"}, raws(lines)
    for m in rows.values():
        assert m.source == SERVER_NAME and m.params[0] == "alice", m.raw
    assert rows["#lobby"].params[2:] == ["2", "Welcome to the lobby"], rows["#lobby"].raw
    assert rows["#other"].params[2:] == ["1", "Other games"], rows["#other"].raw
    assert rows["#quiet"].params[2] == "0" and rows["#quiet"].params[3:] in ([], [""]), \
        rows["#quiet"].raw
    assert rows["#small"].params[2] == "0", rows["#small"].raw

    a.send("LIST #other")
    lines = a.collect_until(numeric(323))
    rows = [m.params[1] for m in lines if m.command == "322"]
    assert rows == ["#other"], raws(lines)


def test_topic_query_and_non_op_set(server, clients):
    (a,) = registered(clients, server, "alice", join=["#lobby", "#quiet"])
    a.send("TOPIC #lobby")
    m = a.expect(lambda m: m.command in ("331", "332"))
    assert m.command == "332" and m.params == ["alice", "#lobby", "Welcome to the lobby"], m.raw
    a.send("TOPIC #quiet")
    m = a.expect(lambda m: m.command in ("331", "332"))
    assert m.command == "331" and m.params[1] == "#quiet", m.raw

    a.send("TOPIC #lobby :I want a new topic")
    m = first_numeric(a)
    assert m.command == "482", m.raw
    assert m.params[1] == "#lobby", m.raw
    a.send("TOPIC #lobby")
    m = a.expect(lambda m: m.command in ("331", "332"))
    assert m.params[-1] == "Welcome to the lobby", m.raw


def test_who(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    a.send("WHO #lobby")
    lines = a.collect_until(numeric(315))
    rows = [m for m in lines if m.command == "352"]
    assert {m.params[5] for m in rows} == {"alice", "bob"}, raws(lines)
    for m in rows:
        assert m.params[0] == "alice" and m.params[1] == "#lobby", m.raw
        assert m.params[2].lstrip("~") == m.params[5], m.raw  # user = nick in these tests
        assert m.params[3] == "127.0.0.1", m.raw
        assert m.params[6][0] in "HG", m.raw
        assert m.params[-1].endswith("Real " + m.params[5]), m.raw
    assert lines[-1].params[1] == "#lobby", lines[-1].raw


def test_whois(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    a.send("WHOIS bob")
    lines = a.collect_until(numeric(318, 401))
    cmds = [m.command for m in lines]
    assert cmds[-1] == "318" and "311" in cmds, cmds
    u = lines[cmds.index("311")]
    assert u.params[:5] == ["alice", "bob", u.params[2], "127.0.0.1", "*"], u.raw
    assert u.params[2].lstrip("~") == "bob", u.raw
    assert u.params[-1] == "Real bob", u.raw
    if "319" in cmds:
        chans = lines[cmds.index("319")].params[-1].split()
        assert "#lobby" in {x.lstrip("@+") for x in chans}, chans
    assert lines[-1].params[1] == "bob", lines[-1].raw

    a.send("WHOIS nobody")
    lines = a.collect_until(numeric(318))
    assert [m.command for m in lines] == ["401", "318"], raws(lines)
    assert lines[0].params[1] == "nobody", lines[0].raw


def test_mode_query(server, clients):
    (a,) = registered(clients, server, "alice", join=["#lobby"])
    a.send("MODE #lobby")
    m = first_numeric(a)
    assert m.command == "324", m.raw
    assert m.params[0] == "alice" and m.params[1] == "#lobby", m.raw
    assert m.params[2].startswith("+"), m.raw
    a.send("MODE #nosuch")
    m = a.expect(lambda m: m.command.isdigit() and m.command not in ("324", "329"))
    assert m.command in ("401", "403"), m.raw


def test_away(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    b.send("AWAY :gone fishing")
    m = first_numeric(b)
    assert m.command == "306", m.raw

    a.send("PRIVMSG bob :are you there?")
    m = a.expect(numeric(301))
    assert m.params == ["alice", "bob", "gone fishing"], m.raw
    m = b.expect(command("PRIVMSG"))
    assert m.params[-1] == "are you there?", m.raw

    a.send("WHOIS bob")
    lines = a.collect_until(numeric(318))
    away = [m for m in lines if m.command == "301"]
    assert away and away[0].params[-1] == "gone fishing", raws(lines)

    # lobby messages do not trigger 301
    a.send("PRIVMSG #lobby :everyone")
    b.expect(command("PRIVMSG"))
    assert not any(m.command == "301" for m in a.sync())

    b.send("AWAY")
    m = first_numeric(b)
    assert m.command == "305", m.raw
    a.send("PRIVMSG bob :back?")
    b.expect(command("PRIVMSG"))
    assert not any(m.command == "301" for m in a.sync())
    a.send("WHOIS bob")
    lines = a.collect_until(numeric(318))
    assert not any(m.command == "301" for m in lines), raws(lines)


def test_nick_change_seen_once(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby", "#other"])
    (c,) = registered(clients, server, "carol", join=["#quiet"])
    b.send("NICK robert")
    m = b.expect(command("NICK"))
    assert is_from(m, "bob") and m.params[0] == "robert", m.raw
    m = a.expect(command("NICK"))
    assert is_from(m, "bob") and m.params[0] == "robert", m.raw
    got = a.sync()
    assert no_command(got, "NICK"), f"NICK relayed more than once: {raws(got)}"
    assert no_command(c.sync(), "NICK"), "NICK leaked to a client sharing no lobby"

    a.send("NAMES #lobby")
    assert plain(names_of(a.collect_until(numeric(366)), "#lobby")) == {"alice", "robert"}
    a.send("PRIVMSG bob :old name")
    assert first_numeric(a).command == "401"
    a.send("PRIVMSG robert :new name")
    m = b.expect(command("PRIVMSG"))
    assert m.params == ["robert", "new name"], m.raw
    # the old nick is free again
    c.send("NICK bob")
    m = c.expect(lambda m: m.command == "NICK" or m.command.isdigit())
    assert m.command == "NICK" and m.params[0] == "bob", m.raw
    # case-only change of one's own nick is allowed
    b.send("NICK Robert")
    m = a.expect(command("NICK"))
    assert m.params[0] == "Robert", m.raw


def test_quit_relayed_once_with_reason(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby", "#other"])
    b.send("QUIT :gone for dinner")
    m = a.expect(command("QUIT"))
    assert is_from(m, "bob"), m.raw
    assert m.params == ["Quit: gone for dinner"], m.raw
    got = a.sync()
    assert no_command(got, "QUIT"), raws(got)
    lines = b.expect_closed()
    assert any(m.command == "ERROR" for m in lines), raws(lines)
    a.send("NAMES #other")
    assert plain(names_of(a.collect_until(numeric(366)), "#other")) == {"alice"}


def test_stats(server, clients):
    (a,) = registered(clients, server, "alice")
    a.send("STATS")
    lines = a.collect_until(lambda m: m.command in ("219", "461", "421", "481"))
    assert lines[-1].command == "219", raws(lines)
    rows = [m for m in lines if m.command == "249"]
    assert rows, raws(lines)
    for m in rows:
        assert m.source == SERVER_NAME and m.params[0] == "alice", m.raw


# ---------------------------------------------------------------- edge cases

def test_privmsg_multiple_targets(server, clients):
    a, b, c = registered(clients, server, "alice", "bob", "carol", join=["#lobby"])
    (d,) = registered(clients, server, "dave", join=["#other"])
    a.send("PRIVMSG bob,carol :to both of you")
    for r in (b, c):
        m = r.expect(command("PRIVMSG"))
        assert is_from(m, "alice") and m.params[-1] == "to both of you", m.raw
    a.send("PRIVMSG dave,nobody :partly")
    m = d.expect(command("PRIVMSG"))
    assert m.params == ["dave", "partly"], m.raw
    m = first_numeric(a)
    assert m.command == "401" and m.params[1] == "nobody", m.raw
    for r in (b, c):
        assert no_command(r.sync(), "PRIVMSG")


def test_relayed_line_is_cut_to_512_bytes_on_utf8_boundary(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    head = "PRIVMSG #lobby :"
    body = "\u00e9" * ((510 - len(head)) // 2)  # 2-byte characters, line = 510 bytes
    a.send(head + body)
    m = b.expect(command("PRIVMSG"))
    assert "\ufffd" not in m.raw, "relayed line was cut inside a UTF-8 sequence"
    assert len(m.raw.encode()) <= 510, f"relayed line is {len(m.raw.encode())} bytes + CRLF"
    assert is_from(m, "alice") and m.params[0] == "#lobby"
    assert body.startswith(m.params[-1]) and len(m.params[-1]) > 200, m.raw


def test_ctcp_action_is_relayed_verbatim(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    a.send("PRIVMSG #lobby :\x01ACTION waves\x01")
    m = b.expect(command("PRIVMSG"))
    assert m.params == ["#lobby", "\x01ACTION waves\x01"], repr(m.raw)


def test_long_names_reply_is_split(server, clients):
    nicks = [f"player_with_long_name_{i:02d}" for i in range(30)]  # ~30 x 26 bytes
    cs = registered(clients, server, *nicks, join=["#lobby"])
    a = cs[0]
    a.send("NAMES #lobby")
    lines = a.collect_until(numeric(366))
    rows = [m for m in lines if m.command == "353"]
    assert len(rows) >= 2, f"{len(nicks)} long names in one 353 line?"
    for m in rows:
        assert len(m.raw.encode()) <= 510, f"353 line of {len(m.raw.encode())} bytes"
    names = names_of(lines, "#lobby")
    assert sorted(names) == sorted(nicks), names
    assert len(names) == len(set(names))


def test_nick_change_to_same_nick_is_silent(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    b.send("NICK bob")
    assert no_command(a.sync(), "NICK")
    got = b.sync()
    assert no_command(got, "NICK", "433"), raws(got)


def test_pipelined_input_before_close_is_processed(server, clients):
    (a,) = registered(clients, server, "alice", join=["#lobby"])
    b = clients(server, "bob")
    # everything in one write, then the socket is closed immediately
    b.send_raw(b"NICK bob\r\nUSER bob 0 * :Bob\r\nJOIN #lobby\r\n"
               b"PRIVMSG #lobby :first and last words\r\nQUIT :bye now\r\n")
    b.close()
    m = a.expect(command("JOIN"))
    assert is_from(m, "bob"), m.raw
    m = a.expect(lambda m: m.command in ("PRIVMSG", "QUIT"))
    assert m.command == "PRIVMSG" and m.params[-1] == "first and last words", m.raw
    m = a.expect(command("QUIT"))
    assert is_from(m, "bob") and m.params[-1] == "Quit: bye now", m.raw


def test_line_split_across_many_packets(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    data = b"PRIVMSG #lobby :trickled in\r\nPRIVMSG #lobby :second\n"
    for i in range(len(data)):
        a.send_raw(data[i:i + 1])
        if i % 7 == 0:
            time.sleep(0.01)
    m = b.expect(command("PRIVMSG"))
    assert m.params == ["#lobby", "trickled in"], m.raw
    m = b.expect(command("PRIVMSG"))
    assert m.params == ["#lobby", "second"], m.raw


def test_join_with_key_argument_and_join_zero(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    b.send("JOIN #other somekey")
    lines = b.collect_until(lambda m: m.command == "366" or m.command[0] in "45")
    assert lines[-1].command == "366", raws(lines)
    # RFC 2812 3.2.1: "JOIN 0" leaves all lobbies. Each lobby's PART is its own
    # event, so alice watches both lobbies rather than racing bob's second PART.
    assert a.join("#other")[-1].command == "366"
    a.take()
    b.send("JOIN 0")
    parts = {a.expect(command("PART")).params[0] for _ in range(2)}
    assert parts == {"#lobby", "#other"}, parts
    a.send("NAMES #other")
    assert plain(names_of(a.collect_until(numeric(366)), "#other")) == {"alice"}


def test_abrupt_disconnect_is_relayed_as_quit(server, clients):
    a, b = registered(clients, server, "alice", "bob", join=["#lobby"])
    b.close()
    m = a.expect(command("QUIT"))
    assert is_from(m, "bob"), m.raw
    a.send("PRIVMSG bob :hello?")
    got = a.sync()
    assert any(m.command == "401" for m in got), \
        f"PRIVMSG to bob after seeing bob's QUIT was not answered with 401: {raws(got)}"


def test_member_counts_follow_quits_and_disconnects(server, clients):
    a, b, c = registered(clients, server, "alice", "bob", "carol", join=["#lobby", "#other"])

    def counts():
        a.send("LIST")
        return {m.params[1]: m.params[2] for m in a.collect_until(numeric(323))
                if m.command == "322"}

    assert counts() == {"#lobby": "3", "#other": "3", "#quiet": "0", "#small": "0"}
    b.send("QUIT :bye")
    a.expect(lambda m: m.command == "QUIT" and m.nick == "bob")
    c.close()
    a.expect(lambda m: m.command == "QUIT" and m.nick == "carol")
    assert counts() == {"#lobby": "1", "#other": "1", "#quiet": "0", "#small": "0"}
    a.send("PART #lobby,#other :leaving both")
    parts = [a.expect(command("PART")) for _ in range(2)]
    assert sorted(m.params[0] for m in parts) == ["#lobby", "#other"]
    assert all(m.params[-1] == "leaving both" for m in parts)
    assert counts() == {"#lobby": "0", "#other": "0", "#quiet": "0", "#small": "0"}


def test_departed_nick_is_gone_once_its_quit_is_seen(server, clients):
    """When a member sees X's QUIT, X must already be gone: a PRIVMSG to X gets
    401 (not silently dropped) and NAMES no longer lists X. Repeated, alternating
    QUIT and an abrupt close, because the bug this guards against is a race."""
    (a,) = registered(clients, server, "watcher", join=["#lobby"])
    for i in range(40):
        nick = f"gone{i}"
        (b,) = registered(clients, server, nick, join=["#lobby"])
        a.expect(lambda m: m.command == "JOIN" and m.nick == nick)
        if i % 2:
            b.close()
        else:
            b.send("QUIT :bye")
        a.expect(lambda m: m.command == "QUIT" and m.nick == nick)
        a.send(f"PRIVMSG {nick} :are you gone?", "NAMES #lobby")
        lines = a.collect_until(numeric(366))
        first = next((m for m in lines if m.command.isdigit()), None)
        assert first is not None and first.command == "401", \
            f"round {i}: PRIVMSG to {nick} right after its QUIT: {raws(lines)}"
        assert nick not in plain(names_of(lines, "#lobby")), f"round {i}: {raws(lines)}"
        b.close()


def test_input_in_any_chunking_arrives_whole_and_in_order(start_server, clients):
    """Lines of every length, written in chunks that straddle the server's
    read buffers (256 bytes per connection, then the worker's scratch), each
    reach the other member exactly once, intact and in order."""
    srv = start_server(lobbies=LOBBIES, flood_rate=1e6, flood_burst=1000000)
    alice, bob = registered(clients, srv, "alice", "bob", join=["#lobby"])
    alice.take()
    bob.take()
    rng = random.Random(7)
    texts = []
    for i in range(400):
        # up to 420: the relayed line (with alice's prefix) stays within 512 bytes
        n = rng.choice([1, 10, 100, 200, 230, 231, 232, 240, 255, 256, 300, 420])
        texts.append(f"{i:03d}:" + "".join(rng.choice("abcxyz0189 ") for _ in range(n)).strip("x") + "!")
    blob = b"".join(f"PRIVMSG #lobby :{t}\r\n".encode() for t in texts)
    sizes = [1, 7, 255, 256, 257, 511, 512, 513, 4096, 70000]
    pos = 0
    while pos < len(blob):
        step = rng.choice(sizes)
        alice.send_raw(blob[pos:pos + step])
        pos += step
        if rng.random() < 0.3:
            time.sleep(0.002)  # let some chunks arrive alone
    got = bob.collect_until(lambda m: m.command == "PRIVMSG" and m.trailing.startswith("399:"), timeout=20)
    msgs = [m.trailing for m in got if m.command == "PRIVMSG"]
    assert msgs == texts, f"{len(msgs)} of {len(texts)}; first difference at " \
        f"{next((i for i, (a, b) in enumerate(zip(msgs, texts)) if a != b), min(len(msgs), len(texts)))}"
