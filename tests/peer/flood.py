#!/usr/bin/env python3
"""flood.py: a connection flood against a RELOAD peer on loopback, for the
admission-control test (tests/peer/overlay-flood.sh).

Opens COUNT TCP connections to 127.0.0.1:PORT that never finish a TLS
handshake: most send nothing, PARTIAL of them send the first bytes of a
ClientHello and stop. They are held open for HOLD seconds; a connection the
peer closes is opened again, at most REOPEN a second (0: never), so the
pressure lasts. Then every socket is closed and one line of JSON counts
what happened. Loopback only: the address is fixed. Everything is bounded:
the number of sockets, the reopen rate, the run time."""
import argparse
import errno
import json
import resource
import selectors
import socket
import sys
import time

HOST = "127.0.0.1"
# A TLS record header (handshake, TLS 1.0 record version, 512 bytes) and
# the start of a ClientHello announcing more than follows.
PARTIAL_HELLO = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]) + bytes(32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--partial", type=int, default=100)
    ap.add_argument("--hold", type=float, default=20.0)
    ap.add_argument("--reopen", type=float, default=100.0, help="reopens a second at most")
    ap.add_argument("--ready-file", help="written once COUNT connects were started")
    a = ap.parse_args()
    if a.count > 10000 or a.hold > 120:
        sys.exit("flood.py: at most 10000 connections for 120 s")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, a.count + 64)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    sel = selectors.DefaultSelector()
    st = {"opened": 0, "connected": 0, "closed_by_peer": 0, "reopened": 0,
          "errors": 0, "partial_sent": 0, "max_open": 0}
    socks = {}  # fileno -> [socket, partial?, connected?]

    def open_one(partial):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((HOST, a.port))
        except BlockingIOError:
            pass
        except OSError:
            st["errors"] += 1
            s.close()
            return False
        socks[s.fileno()] = [s, partial, False]
        sel.register(s, selectors.EVENT_WRITE)
        st["opened"] += 1
        st["max_open"] = max(st["max_open"], len(socks))
        return True

    def drop(fd):
        s = socks.pop(fd)[0]
        sel.unregister(s)
        s.close()

    end = time.monotonic() + a.hold
    for i in range(a.count):
        open_one(i < a.partial)
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write("%d\n" % st["opened"])
    want_open = a.count
    tokens, last = 0.0, time.monotonic()
    buf = bytearray(4096)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        for key, ev in sel.select(timeout=min(0.1, end - now)):
            fd = key.fd
            ent = socks.get(fd)
            if ent is None:
                continue
            s = ent[0]
            if not ent[2]:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    st["errors"] += 1
                    drop(fd)
                    continue
                ent[2] = True
                st["connected"] += 1
                if ent[1]:
                    try:
                        s.send(PARTIAL_HELLO)
                        st["partial_sent"] += 1
                    except OSError:
                        pass
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                n = s.recv_into(buf)
            except BlockingIOError:
                continue
            except OSError:
                n = 0
            if n == 0:  # the peer closed it (evicted, refused or timed out)
                st["closed_by_peer"] += 1
                drop(fd)
        # Keep the pressure: reopen what the peer closed, rate-limited.
        tokens = min(a.reopen, tokens + (now - last) * a.reopen)
        last = now
        while len(socks) < want_open and tokens >= 1:
            tokens -= 1
            if not open_one(False):
                break
            st["reopened"] += 1
    for fd in list(socks):
        drop(fd)
    print(json.dumps(st))


if __name__ == "__main__":
    main()
