"""Replies are weighed (issue 13): a command's replies cost flood tokens by
size (reply_bytes_per_token, default 1024 bytes a line), so one client
alternating NAMES/WHO/LIST on a full lobby pulls a bounded number of bytes
per second, not as many as its line rate times the reply size."""

import select
import time

import pytest

from conftest import SANITIZED, T, registered


def pull(c, seconds, rate):
    """Sends NAMES/WHO/LIST in turn at `rate` lines/s - within the line-rate
    limit, as the attack did - for `seconds`; returns the reply bytes
    received meanwhile."""
    c.sock.setblocking(False)
    got, sent = 0, 0
    cmds = [b"NAMES #lobby\r\n", b"WHO #lobby\r\n", b"LIST\r\n"]
    start = time.monotonic()
    end = start + seconds
    while (now := time.monotonic()) < end:
        if sent < (now - start) * rate:
            c.sock.send(cmds[sent % 3])
            sent += 1
        r, _, _ = select.select([c.sock], [], [], 0.01)
        if r:
            data = c.sock.recv(1 << 20)
            assert data, "closed by the server"  # held, never cut
            got += len(data)
    c.sock.setblocking(True)
    return got


def members(clients, srv, n):
    nicks = [f"member{i:02d}_{'x' * 18}" for i in range(n)]
    return registered(clients, srv, *nicks, join=["#lobby"])


def test_large_replies_are_throttled_by_size(start_server, clients):
    rate, burst, per = 10.0, 20, 1024
    srv = start_server(flood_rate=rate, flood_burst=burst, reply_bytes_per_token=per,
                       recvq_bytes=1 << 20)
    members(clients, srv, 80)
    (puller,) = registered(clients, srv, "puller", join=["#lobby"])
    seconds = 4.0
    got = pull(puller, seconds, rate)
    # Tokens: burst + rate x seconds, each worth `per` reply bytes, plus one
    # reply in flight and the debt cap's slack.
    bound = (burst + rate * seconds) * per + 12 * 1024
    assert 5_000 < got <= bound, (got, bound)


def test_without_weighing_the_same_client_pulls_far_more(start_server, clients):
    # The proof that the test above can fail: reply_bytes_per_token = 0.
    # It needs the server to keep up with 10 large replies a second: not
    # asserted under a sanitizer, which would measure the sanitizer.
    if SANITIZED:
        pytest.skip("a throughput floor; run in the release suite")
    rate, burst = 10.0, 20
    srv = start_server(flood_rate=rate, flood_burst=burst, reply_bytes_per_token=0,
                       recvq_bytes=1 << 20)
    members(clients, srv, 80)
    (puller,) = registered(clients, srv, "puller", join=["#lobby"])
    got = pull(puller, 4.0, rate)
    assert got > 2 * ((burst + rate * 4.0) * 1024 + 12 * 1024), got
