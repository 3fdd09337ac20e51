"""1,000 TLS handshakes at once, for test_hostile_more.py: run as its own
process (niced) so that the attacker's own crypto and Python's GIL do not
count against the well-behaved group the test measures, as a remote
attacker's would not. Connects N sockets from 200 loopback addresses, sends
every ClientHello before reading any answer, drives all handshakes with one
selector, prints one JSON line, keeps them open until a line on stdin.

  hostile_tls_attacker.py HOST PORT CAFILE [N] [TIMEOUT_S]"""

import json
import selectors
import socket
import ssl
import sys
import time


def main():
    host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 20.0
    ctx = ssl.create_default_context(cafile=cafile)
    raws = []
    for i in range(n):  # 5 per address: max_unregistered_per_ip
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((f"127.0.{1 + (i % 200) // 250}.{1 + (i % 200) % 250}", 0))
        s.settimeout(timeout)
        s.connect((host, port))
        s.setblocking(False)
        raws.append(s)
    t0 = time.monotonic()
    socks = [ctx.wrap_socket(r, server_hostname="127.0.0.1", do_handshake_on_connect=False)
             for r in raws]
    done, failed = [], []
    sel = selectors.DefaultSelector()

    def step(s):
        try:
            s.do_handshake()
        except ssl.SSLWantReadError:
            return selectors.EVENT_READ
        except ssl.SSLWantWriteError:
            return selectors.EVENT_WRITE
        except (ssl.SSLError, OSError) as e:
            failed.append(repr(e))
            return None
        done.append(time.monotonic() - t0)
        return None

    for s in socks:  # every ClientHello goes out before any answer is read
        ev = step(s)
        if ev:
            sel.register(s, ev)
    deadline = t0 + timeout
    while len(done) + len(failed) < n and time.monotonic() < deadline:
        for k, _ in sel.select(timeout=0.5):
            sel.unregister(k.fileobj)
            ev = step(k.fileobj)
            if ev:
                sel.register(k.fileobj, ev)
    d = sorted(done) or [float("nan")]
    print(json.dumps({"done": len(done), "failed": failed[:3], "n_failed": len(failed),
                      "all_done_s": round(d[-1], 3), "median_s": round(d[len(d) // 2], 3)}),
          flush=True)
    sys.stdin.readline()
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
