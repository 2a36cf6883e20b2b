#!/usr/bin/env python3
"""frame-proxy.py: a TCP proxy between reload-conform (--link tcp) and a
reference peer started with --insecure-tcp, which breaks the framing
layer (RFC 6940 6.6.2) on purpose, so that tests/conformance/framing.sh
can check that the framing scenarios catch it.

  frame-proxy.py MODE UPSTREAM_PORT PORT_FILE

MODE: pass (forward as is), drop-acks (the peer's ack frames never reach
the runner), zero-mask (the peer's acks say received 0), renumber (the
peer's data frames are numbered from 7; the runner's acks are numbered
back, so the peer's link stays healthy). Listens on 127.0.0.1, any port,
written to PORT_FILE; runs until killed."""
import os
import socket
import struct
import sys
import threading

DATA, ACK = 128, 129
SHIFT = 7


class Stream:
    """One direction, read as frames as the bytes come: ack frames (9
    bytes) and data frame headers (8) are rewritten whole, a data frame's
    message is passed on as it arrives (an oversized frame's first bytes
    must reach the peer without the rest), and after a type that is
    neither data nor ack every byte goes through as it is."""

    def __init__(self, mode, from_peer):
        self.mode, self.from_peer = mode, from_peer
        self.buf = b""
        self.body = 0  # bytes of the current data frame's message still to pass
        self.raw = False

    def feed(self, chunk):
        out = []
        self.buf += chunk
        while self.buf:
            if self.raw:
                out.append(self.buf)
                self.buf = b""
            elif self.body:
                n = min(self.body, len(self.buf))
                out.append(self.buf[:n])
                self.buf, self.body = self.buf[n:], self.body - n
            elif self.buf[0] == ACK:
                if len(self.buf) < 9:
                    break
                out.append(self.ack(self.buf[:9]))
                self.buf = self.buf[9:]
            elif self.buf[0] == DATA:
                if len(self.buf) < 8:
                    break
                out.append(self.data_header(self.buf[:8]))
                self.body = struct.unpack(">I", b"\0" + self.buf[5:8])[0]
                self.buf = self.buf[8:]
            else:
                self.raw = True
        return b"".join(out)

    def ack(self, f):
        if self.from_peer and self.mode == "drop-acks":
            return b""
        if self.from_peer and self.mode == "zero-mask":
            return f[:5] + b"\0\0\0\0"
        if not self.from_peer and self.mode == "renumber":
            seq = struct.unpack(">I", f[1:5])[0]
            return f[:1] + struct.pack(">I", (seq - SHIFT) & 0xFFFFFFFF) + f[5:]
        return f

    def data_header(self, h):
        if self.from_peer and self.mode == "renumber":
            seq = struct.unpack(">I", h[1:5])[0]
            return h[:1] + struct.pack(">I", (seq + SHIFT) & 0xFFFFFFFF) + h[5:]
        return h


def pipe(src, dst, mode, from_peer):
    st = Stream(mode, from_peer)
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                break
            out = st.feed(chunk)
            if out:
                dst.sendall(out)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    mode, upstream, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode not in ("pass", "drop-acks", "zero-mask", "renumber"):
        sys.exit("frame-proxy.py: unknown mode " + mode)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    while True:
        c, _ = ls.accept()
        u = socket.create_connection(("127.0.0.1", upstream))
        for s in (c, u):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pipe, args=(c, u, mode, False), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c, mode, True), daemon=True).start()


if __name__ == "__main__":
    main()
