"""Per-address connection limits (issue 13; docs/operations.md, "Limits per
address"): one address cannot fill the server with connections that never
register, nor open connections faster than its rate; an exempt address
(a proxy, a load balancer) is not limited. Clients here connect from other
loopback addresses (127.0.0.2, ...) so that each test has addresses of its
own; 127.0.0.0/8 is exempt by default, so the tests clear the list."""

import socket
import time

from conftest import T
from test_http_api import metrics, value


def raw(srv, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(T(5))
    s.connect(srv.address)
    return s


def refusal(s):
    """The server's last words to a refused connection, or None if it stays open."""
    s.settimeout(T(0.5))
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return data.decode(errors="replace")
            data += chunk
    except socket.timeout:
        return None
    except ConnectionResetError:
        return data.decode(errors="replace")


def register_from(srv, source, nick):
    s = raw(srv, source)
    t0 = time.monotonic()
    s.sendall(f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode())
    buf = b""
    s.settimeout(T(5))
    while b" 376 " not in buf and b" 422 " not in buf:
        chunk = s.recv(65536)
        assert chunk, f"{nick} from {source} was closed: {buf!r}"
        buf += chunk
    return s, time.monotonic() - t0


def test_unregistered_flood_cannot_lock_out_another_address(start_server):
    srv = start_server(connection_limit_exempt="", max_unregistered_per_ip=3,
                       connect_rate_per_ip=1000.0, connect_burst_per_ip=1000)
    flood = [raw(srv, "127.0.0.2") for _ in range(30)]
    verdicts = [refusal(s) for s in flood]
    open_ = [s for s, v in zip(flood, verdicts) if v is None]
    refused = [v for v in verdicts if v is not None]
    assert len(open_) == 3, verdicts
    assert all("ERROR :Closing Link: 127.0.0.2 (Too many unregistered connections from your address)"
               in v for v in refused), refused
    # Meanwhile a new player from another address gets in at once.
    s, took = register_from(srv, "127.0.0.3", "newplayer")
    assert took < 1.0 * T(1), took
    # The same address may still register: registered ones do not count as
    # unregistered, and a closed one frees its place.
    open_[0].sendall(b"NICK flooder\r\nUSER f 0 * :f\r\n")
    open_[1].close()
    time.sleep(0.2)
    again = raw(srv, "127.0.0.2")
    assert refusal(again) is None
    m = metrics(srv)
    assert value(m, "lobbyd_address_refusals_total") == 27
    for x in flood + [again, s]:
        x.close()


def test_total_limit_and_the_exemption(start_server):
    srv = start_server(connection_limit_exempt="127.0.0.9, 10.0.0.0/8", max_clients_per_ip=4,
                       max_unregistered_per_ip=0, connect_rate_per_ip=0)
    # Total: four registered connections from one address, the fifth refused.
    held = [register_from(srv, "127.0.0.4", f"p{i}")[0] for i in range(4)]
    fifth = raw(srv, "127.0.0.4")
    assert "(Too many connections from your address)" in (refusal(fifth) or "")
    # Exempt: no limit of any kind.
    free = [raw(srv, "127.0.0.9") for _ in range(12)]
    assert [refusal(s) for s in free] == [None] * 12
    for s in held + [fifth] + free:
        s.close()


def test_connection_rate_per_address(start_server):
    srv = start_server(connection_limit_exempt="", max_clients_per_ip=0, max_unregistered_per_ip=0,
                       connect_rate_per_ip=0.5, connect_burst_per_ip=6)
    # A burst of 6, then one every 2 s; each address has its own bucket.
    ok = raw(srv, "127.0.0.5")
    assert refusal(ok) is None
    burst = [raw(srv, "127.0.0.6") for _ in range(8)]
    verdicts = [refusal(s) for s in burst]
    # (Two workers accept: the refused two need not be the last two.)
    assert verdicts.count(None) == 6, verdicts
    assert all("(Connecting too fast; try again in a few seconds)" in v for v in verdicts if v), verdicts
    time.sleep(2.2)  # one token back
    later = raw(srv, "127.0.0.6")
    assert refusal(later) is None
    for s in [ok, later] + burst:
        s.close()
