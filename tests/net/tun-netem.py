#!/usr/bin/env python3
"""tun-netem.py: netem in user space, for kernels without sch_netem.

Attaches to an existing TUN device (ip tuntap add DEV mode tun), reads every
IP packet the kernel routes into it, and writes it back (the kernel then
routes it on, tests/lib-netns.sh: policy routing sends packets arriving
from the TUN device on to their destination). On the way:
  --loss P      drop P percent of the packets
  --delay MS    hold each packet MS milliseconds ...
  --jitter MS   ... plus or minus up to MS (uniform): packets overtake
                each other
  --reorder P   P percent of the packets are not held at all (netem's
                "reorder": they overtake the held ones)
--stats FILE gets the counters as JSON at exit (SIGTERM) and every second.
"""
import argparse
import fcntl
import heapq
import json
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", required=True)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--jitter", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, default=0.0)
    ap.add_argument("--stats")
    ap.add_argument("--seed", type=int)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", a.dev.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    st = {"packets": 0, "dropped": 0, "delayed": 0, "immediate": 0, "forwarded": 0,
          "overtaken": 0}
    held = []  # (due, seq, packet)
    seq = 0
    last_out_seq = -1

    def dump():
        if a.stats:
            tmp = a.stats + ".tmp"
            with open(tmp, "w") as f:
                json.dump(st, f)
            os.replace(tmp, a.stats)

    def stop(*_):
        dump()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    dump()
    next_dump = time.monotonic() + 1.0

    def emit(s, pkt):
        nonlocal last_out_seq
        if s < last_out_seq:
            st["overtaken"] += 1
        else:
            last_out_seq = s
        try:
            os.write(fd, pkt)
            st["forwarded"] += 1
        except OSError:
            pass

    while True:
        now = time.monotonic()
        timeout = 1.0
        if held:
            timeout = max(0.0, min(timeout, held[0][0] - now))
        r, _, _ = select.select([fd], [], [], timeout)
        now = time.monotonic()
        if r:
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if not pkt:
                    break
                st["packets"] += 1
                seq += 1
                if rnd.random() * 100.0 < a.loss:
                    st["dropped"] += 1
                    continue
                if a.reorder and rnd.random() * 100.0 < a.reorder:
                    st["immediate"] += 1
                    emit(seq, pkt)
                    continue
                d = a.delay + (rnd.uniform(-a.jitter, a.jitter) if a.jitter else 0.0)
                if d <= 0:
                    emit(seq, pkt)
                    continue
                st["delayed"] += 1
                heapq.heappush(held, (now + d / 1000.0, seq, pkt))
        while held and held[0][0] <= now:
            _, s, pkt = heapq.heappop(held)
            emit(s, pkt)
        if now >= next_dump:
            dump()
            next_dump = now + 1.0


if __name__ == "__main__":
    main()
