"""The HTTP server: static files, /metrics (parsed with prometheus_client's
parser) and the operator API /api/* (Bearer token), observed through real
IRC clients."""

import http.client
import json
import time

from prometheus_client.parser import text_string_to_metric_families

from conftest import T, registered

TOKEN = "s3cret-token"


def request(srv, method, path, body=None, token=None, headers=None):
    conn = http.client.HTTPConnection(*srv.endpoints["http"], timeout=T(10))
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode() if not isinstance(body, (bytes, str)) else body
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    payload = r.read()
    conn.close()
    return r.status, r.headers, payload


def api(srv, method, path, body=None, token=TOKEN):
    status, headers, payload = request(srv, method, path, body, token)
    assert headers["Content-Type"].startswith("application/json"), headers
    return status, json.loads(payload)


def metrics(srv, token=None):
    status, headers, payload = request(srv, "GET", "/metrics", token=token)
    assert status == 200, payload
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for fam in text_string_to_metric_families(payload.decode()):
        assert fam.documentation, f"{fam.name} has no HELP"
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = (fam.type, s.value)
    return out


def value(m, name, **labels):
    return m[(name, tuple(sorted(labels.items())))][1]


def test_static_files_and_no_traversal(start_server, tmp_path):
    root = tmp_path / "www"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<h1>play</h1>")
    (root / "admin.html").write_text("<h1>admin</h1>")
    (root / "assets" / "app.js").write_text("console.log(1)")
    (root / "assets" / "style.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("do not serve")
    srv = start_server(http_root=str(root))

    status, h, body = request(srv, "GET", "/")
    assert (status, body) == (200, b"<h1>play</h1>") and h["Content-Type"].startswith("text/html")
    status, h, body = request(srv, "GET", "/admin")
    assert (status, body) == (200, b"<h1>admin</h1>")
    status, h, body = request(srv, "GET", "/assets/app.js")
    assert status == 200 and h["Content-Type"].startswith("text/javascript")
    status, h, body = request(srv, "GET", "/assets/style.css")
    assert status == 200 and h["Content-Type"].startswith("text/css")
    status, h, body = request(srv, "HEAD", "/assets/style.css")
    assert status == 200 and body == b"" and h["Content-Length"] == "6"
    for bad in ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                "/assets/%2E%2E/%2e%2e/secret.txt", "/nope.html", "/assets"]:
        status, h, body = request(srv, "GET", bad)
        assert status in (400, 404), (bad, status)
        assert b"do not serve" not in body
    status, h, body = request(srv, "POST", "/index.html", body=b"x")
    assert status == 405


def test_metrics_reflect_activity(start_server, clients):
    srv = start_server()
    a, b = registered(clients, srv, "alice", "bob", join=["#lobby"])
    m0 = metrics(srv)
    for i in range(5):
        a.send(f"PRIVMSG #lobby :line {i}")
    for i in range(5):
        b.expect(lambda m, i=i: m.command == "PRIVMSG" and m.trailing == f"line {i}")
    m = metrics(srv)
    assert m[("lobbyd_connections", (("transport", "tcp"),))] == ("gauge", 2)
    assert value(m, "lobbyd_connections", transport="ws") == 0
    assert value(m, "lobbyd_registered_clients") == 2
    assert value(m, "lobbyd_messages_in_total") - value(m0, "lobbyd_messages_in_total") >= 5
    # Each line went to bob (alice does not get her own): 5 deliveries at least.
    assert value(m, "lobbyd_messages_out_total") - value(m0, "lobbyd_messages_out_total") >= 5
    assert value(m, "lobbyd_bytes_in_total") > value(m0, "lobbyd_bytes_in_total")
    assert m[("lobbyd_messages_in_total", ())][0] == "counter"
    assert value(m, "lobbyd_sendq_drops_total") == 0
    assert value(m, "lobbyd_games_running") == 0 and value(m, "lobbyd_games_finished_total") == 0
    assert value(m, "lobbyd_profiler_enabled") == 0
    assert value(m, "lobbyd_db_connected") == 1
    for w in ("0", "1"):  # threads = 2 in the test config
        assert 0 <= value(m, "lobbyd_worker_busy_ratio", worker=w) <= 1
    assert value(m, "lobbyd_worker_connections", worker="0") + \
        value(m, "lobbyd_worker_connections", worker="1") == 2
    # the loop's handler histogram: cumulative buckets, +Inf == count, and
    # the handlers that read these lines were counted
    buckets = sorted((float(dict(k[1])["le"]), v[1]) for k, v in m.items()
                     if k[0] == "lobbyd_loop_handler_seconds_bucket")
    assert m[("lobbyd_loop_handler_seconds_bucket", (("le", "+Inf"),))][0] == "histogram"
    assert all(x[1] <= y[1] for x, y in zip(buckets, buckets[1:]))
    assert buckets[-1][1] == value(m, "lobbyd_loop_handler_seconds_count") >= 5
    # the start-up read of the database's tables counts as applied changes
    assert value(m, "lobbyd_db_apply_seconds_count") >= 4
    assert 0 < value(m, "lobbyd_db_apply_seconds_sum") < 10
    assert value(m, "lobbyd_db_poll_interval_seconds") == 0.25

    # A finished game shows up.
    a.send("TABLE NEW #lobby tictactoe")
    t = a.expect(lambda m: m.command == "TABLE" and m.params[0] == "CREATED").params[1]
    b.send(f"TABLE SIT {t}")
    a.expect(lambda m: m.command == "GAME" and m.params[:2] == [t, "START"])
    assert value(metrics(srv), "lobbyd_games_running") == 1
    a.send(f"TABLE RESIGN {t}")
    a.expect(lambda m: m.command == "GAME" and m.params[:2] == [t, "OVER"])
    m = metrics(srv)
    assert value(m, "lobbyd_games_finished_total") == 1 and value(m, "lobbyd_games_running") == 0


def test_metrics_can_require_the_token(start_server):
    srv = start_server(metrics_public=False, http_admin_token=TOKEN)
    assert request(srv, "GET", "/metrics")[0] == 401
    assert request(srv, "GET", "/metrics", token="wrong")[0] == 403
    assert value(metrics(srv, token=TOKEN), "lobbyd_registered_clients") == 0


def test_api_disabled_without_token(start_server):
    srv = start_server()
    status, body = api(srv, "GET", "/api/status", token=None)
    assert status == 403 and "http_admin_token" in body["error"]


def test_api_auth_status_lobby_kick_broadcast(start_server, clients):
    srv = start_server(http_admin_token=TOKEN)
    status, body = api(srv, "GET", "/api/status", token=None)
    assert status == 401 and "error" in body
    status, body = api(srv, "GET", "/api/status", token="not-it")
    assert status == 403 and body == {"error": "wrong token"}

    a, b = registered(clients, srv, "alice", "bob", join=["#lobby"])
    a.send("TABLE NEW #lobby tictactoe")
    table = a.expect(lambda m: m.command == "TABLE" and m.params[0] == "CREATED").params[1]

    status, st = api(srv, "GET", "/api/status")
    assert status == 200
    assert st["server"] == "lobbyd.test" and st["version"] == "0.1.0"
    assert st["connections"] == 2 and st["registered"] == 2 and st["uptime_s"] >= 0
    assert [w["index"] for w in st["workers"]] == [0, 1]
    assert sum(w["connections"] for w in st["workers"]) == 2
    lobbies = {l["name"]: l for l in st["lobbies"]}
    assert lobbies["#lobby"]["members"] == 2 and lobbies["#lobby"]["topic"] == "Welcome to the lobby"
    assert lobbies["#other"]["members"] == 0
    assert st["tables"] == [{"id": table, "game": "tictactoe", "lobby": "#lobby", "seated": 1,
                             "seats": 2, "phase": "waiting"}]
    assert st["profiler"] == {"enabled": False} and st["db"]["connected"] is True

    status, lob = api(srv, "GET", "/api/lobby?name=%23lobby")
    assert status == 200 and lob["name"] == "#lobby" and sorted(lob["members"]) == ["alice", "bob"]
    assert api(srv, "GET", "/api/lobby?name=%23nope")[0] == 404
    assert api(srv, "GET", "/api/nothing")[0] == 404
    assert api(srv, "GET", "/api/kick")[0] == 405

    status, body = api(srv, "POST", "/api/broadcast", {"text": "maintenance at noon"})
    assert (status, body) == (200, {"ok": True})
    for c in (a, b):
        m = c.expect(lambda m: m.command == "NOTICE" and m.params[0] == "*")
        assert m.trailing == "maintenance at noon"
    assert api(srv, "POST", "/api/broadcast", {"text": "two\r\nlines"})[0] == 400
    assert api(srv, "POST", "/api/broadcast", b"not json")[0] == 400

    status, body = api(srv, "POST", "/api/kick", {"nick": "bob", "reason": "be nice"})
    assert (status, body) == (200, {"ok": True})
    lines = b.expect_closed()
    assert any(m.command == "ERROR" and "be nice" in m.trailing for m in lines), lines
    m = a.expect(lambda m: m.command == "QUIT" and m.nick == "bob")
    assert "be nice" in m.trailing
    assert api(srv, "POST", "/api/kick", {"nick": "bob"})[0] == 404


def test_api_profiler_start_report_stop(start_server, clients):
    srv = start_server(http_admin_token=TOKEN)
    status, body = api(srv, "POST", "/api/profile/start")
    assert status == 200 and body["ok"] and body["enabled"] is True
    assert api(srv, "GET", "/api/status")[1]["profiler"]["enabled"] is True
    a, b = registered(clients, srv, "alice", "bob", join=["#lobby"])
    for i in range(20):
        a.send(f"PRIVMSG #lobby :hi {i}")
    b.expect(lambda m: m.trailing == "hi 19")

    status, rep = api(srv, "GET", "/api/profile/report")
    assert status == 200 and rep["enabled"] is True
    zones = {z["name"]: z for z in rep["zones"]}
    assert "net.read" in zones, sorted(zones)
    z = zones["net.read"]
    assert z["calls"] > 0 and z["total_ns"] >= z["self_ns"] >= 0 and z["p99_ns"] >= z["p50_ns"]

    status, h, folded = request(srv, "GET", "/api/profile/folded", token=TOKEN)
    assert status == 200 and h["Content-Type"].startswith("text/plain")
    assert any(line.rsplit(" ", 1)[1].isdigit() for line in folded.decode().splitlines())
    status, h, trace = request(srv, "GET", "/api/profile/trace", token=TOKEN)
    assert status == 200 and "attachment" in h["Content-Disposition"]
    json.loads(trace)

    status, body = api(srv, "POST", "/api/profile/stop")
    assert status == 200 and body["enabled"] is False
    status, body = api(srv, "POST", "/api/profile/reset")
    assert status == 200 and body["ok"]
    assert api(srv, "GET", "/api/profile/start")[0] == 405
