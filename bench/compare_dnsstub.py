#!/usr/bin/env python3
"""A DNS stub for bench/compare.sh: answers every query at once with NXDOMAIN.

ircd-hybrid looks up the reverse DNS of every client and has no option to
switch that off; it reads the name server from /etc/resolv.conf. compare.sh
starts hybrid in a private mount namespace whose /etc/resolv.conf names this
stub, so the lookup costs one loopback round trip instead of waiting for a
(rate-limited or slow) real resolver. Usage: compare_dnsstub.py ADDR [PORT]
Runs until killed; serves loopback only.
"""
import socket
import struct
import sys


def main():
    addr = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 53
    if not addr.startswith("127."):
        sys.exit("compare_dnsstub.py: loopback addresses only")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        q, peer = s.recvfrom(4096)
        if len(q) < 12:
            continue
        qid, flags, qd = struct.unpack(">HHH", q[:6])
        if flags & 0x8000:  # a response: ignore
            continue
        # copy the question section (QDCOUNT = 1 in practice)
        i = 12
        try:
            for _ in range(qd):
                while q[i] != 0:
                    i += q[i] + 1
                i += 5  # zero byte, QTYPE, QCLASS
        except IndexError:
            continue
        rd = flags & 0x0100
        resp = struct.pack(">HHHHHH", qid, 0x8000 | rd | 0x0080 | 3, qd, 0, 0, 0) + q[12:i]
        s.sendto(resp, peer)


if __name__ == "__main__":
    main()
