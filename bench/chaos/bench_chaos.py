#!/usr/bin/env python3
"""make bench-chaos: durability and load under failures (issue 22).

Two phases against one overlay of reference peers on 127.0.0.1 (nothing
is sent anywhere else):

  chaos   N peers (default 40); two clients (through peers 1 and 2) store
          and fetch Kind 4004 values (NODE-MULTIPLE, one Resource-ID per
          key, spread over the ring) without pause, while every
          --kill-every seconds one random peer (never 0, 1 or 2) is
          SIGKILLed and started again --down seconds later, at most
          --max-dead at a time (fewer than the replication factor).
          At the end every peer is up again, the ring repaired, and each
          key is fetched: an acknowledged value that does not come back
          (or comes back older) is LOST. Must be 0.
  flood   --flood-conns TCP connections (default 2000) to one peer F that
          never finish a TLS handshake (half send nothing, half a partial
          ClientHello; closed ones are opened again), held for --flood
          seconds while the clients keep fetching: one through F, one
          through another peer. A third client is started through F during
          the flood. Reported per phase (before, during, after): fetch
          success rate, median and p99 latency, and F's RSS.

The figures are this toolkit's own: no other RELOAD implementation runs
here to put beside them (bench/chaos/README.md).
"""

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

KIND = 4004


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Overlay:
    """tools/reload-overlay, and the files it keeps in --dir."""

    def __init__(self, tool, d, interval, key_type, factor):
        self.tool, self.dir, self.interval = tool, d, interval
        self.key_type, self.factor = key_type, factor

    def run(self, *args, check=True):
        cmd = [self.tool, args[0], "--dir", self.dir, "--update-interval", str(self.interval)]
        cmd += list(args[1:])
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if check and r.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(cmd), r.stdout.strip()[-400:]))
        return r

    def start(self, n):
        args = ["start", "-n", str(n), "--key-type", self.key_type]
        if self.factor:
            args += ["--replication-factor", str(self.factor)]
        self.run(*args)

    def wait(self, timeout):
        return self.run("wait", "--timeout", str(timeout), check=False).returncode == 0

    def pid(self, i):
        with open(os.path.join(self.dir, "peer%d.pid" % i)) as f:
            return int(f.read())

    def port(self, i):
        with open(os.path.join(self.dir, "peer%d.port" % i)) as f:
            return int(f.read())

    def alive(self, i):
        try:
            with open("/proc/%d/stat" % self.pid(i)) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, ValueError):
            return False


class Client:
    """One reload-client --batch - process: a command in, a JSON line out."""

    def __init__(self, binary, ov, peer, timeout_ms):
        d = ov.dir
        self.p = subprocess.Popen(
            [binary, "--config", d + "/overlay.xml", "--cert", d + "/alice.crt",
             "--key", d + "/alice.key", "--peer", "127.0.0.1:%d" % ov.port(peer), "--json",
             "--timeout", str(timeout_ms), "--batch", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def run(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        out = self.p.stdout.readline()
        if not out:
            return {"ok": False, "error": "client exited"}
        return json.loads(out)

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()


class Workload(threading.Thread):
    """Store then fetch, over and over, on its own keys (key % nclients ==
    index), recording the last acknowledged value of each key."""

    def __init__(self, client, index, nclients, keys, tag):
        super().__init__(daemon=True)
        self.c, self.index, self.nclients = client, index, nclients
        self.keys = [k for k in range(1, keys + 1) if k % nclients == index]
        self.tag, self.stop = tag, threading.Event()
        self.acked = {}
        self.log = []  # (time, op, ok, latency_ms, detail)
        self.phase = "chaos"
        self.seq = 0

    def run(self):
        while not self.stop.is_set():
            k = random.choice(self.keys)
            self.seq += 1
            v = "v%d-%d-%s" % (k, self.seq, self.tag)
            r = self.c.run("store %d node-multiple:%d %s" % (KIND, k, v))
            self.log.append((time.time(), self.phase, "store", bool(r.get("ok")),
                             r.get("latency_us", 0) / 1000.0, r.get("error")))
            if r.get("ok"):
                self.acked[k] = v
            if not self.acked:
                continue
            k = random.choice(list(self.acked))
            want = self.acked[k]
            r = self.c.run("fetch %d node-multiple:%d" % (KIND, k))
            got = None
            if r.get("ok"):
                vals = r.get("kinds", [{}])[0].get("values", [])
                got = vals[0].get("value") if vals else None
            self.log.append((time.time(), self.phase, "fetch", got == want,
                             r.get("latency_us", 0) / 1000.0, r.get("error")))


def chaos(ov, args, peers_fixed, rng):
    """Kill and restart peers; returns (kills, restarts, max dead at once)."""
    dead = {}  # peer -> time of death
    kills = restarts = maxdead = 0
    end = time.time() + args.duration
    next_kill = time.time() + args.kill_every
    while time.time() < end:
        now = time.time()
        for i, t in list(dead.items()):
            if now - t >= args.down:
                ov.run("restart", str(i))
                del dead[i]
                restarts += 1
        if now >= next_kill and len(dead) < args.max_dead:
            cand = [i for i in range(args.peers) if i not in peers_fixed and i not in dead]
            i = rng.choice(cand)
            ov.run("kill", str(i))
            dead[i] = now
            kills += 1
            maxdead = max(maxdead, len(dead))
            next_kill = now + args.kill_every
        time.sleep(0.2)
    for i in list(dead):
        ov.run("restart", str(i))
        restarts += 1
    return kills, restarts, maxdead


def verify(client, workloads, deadline_s):
    """Keys whose acknowledged value does not come back (retried)."""
    want = {}
    for w in workloads:
        want.update(w.acked)
    missing = dict(want)
    end = time.time() + deadline_s
    while missing and time.time() < end:
        for k in list(missing):
            r = client.run("fetch %d node-multiple:%d" % (KIND, k))
            vals = r.get("kinds", [{}])[0].get("values", []) if r.get("ok") else []
            if vals and vals[0].get("value") == want[k]:
                del missing[k]
        if missing:
            time.sleep(2)
    return len(want), missing


def flood(port, conns, seconds, stop_at):
    """Hold conns TCP connections to 127.0.0.1:port that never finish a
    TLS handshake; reopen those the peer closes. Returns counters."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = conns + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    # The first bytes of a ClientHello: a TLS record header, a handshake
    # header announcing more than follows.
    partial = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])
    socks, opened, failed = [], 0, 0
    while time.time() < stop_at:
        while len(socks) < conns and time.time() < stop_at:
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect_ex(("127.0.0.1", port))
                if opened % 2:
                    try:
                        s.send(partial)
                    except OSError:
                        pass
                socks.append(s)
                opened += 1
            except OSError:
                failed += 1
                s.close()
                time.sleep(0.01)
                break
        alive = []
        for s in socks:
            try:
                if s.recv(1, socket.MSG_PEEK) == b"":
                    s.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                continue
            alive.append(s)
        socks = alive
        time.sleep(0.2)
    for s in socks:
        s.close()
    return opened, failed


def summary(logs, phase, op):
    xs = [e for e in logs if e[1] == phase and e[2] == op]
    ok = [e for e in xs if e[3]]
    lat = [e[4] for e in ok]
    return len(xs), len(ok), pct(lat, 50), pct(lat, 99)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bindir", default=".")
    ap.add_argument("--srcdir", default=".")
    ap.add_argument("--peers", type=int, default=40)
    ap.add_argument("--keys", type=int, default=200)
    ap.add_argument("--duration", type=int, default=600, help="seconds of chaos")
    ap.add_argument("--kill-every", type=float, default=15)
    ap.add_argument("--down", type=float, default=10)
    ap.add_argument("--max-dead", type=int, default=1)
    ap.add_argument("--flood", type=int, default=60, help="seconds of flood (0: none)")
    ap.add_argument("--flood-conns", type=int, default=2000)
    ap.add_argument("--interval", type=int, default=1000, help="Chord update interval, ms")
    ap.add_argument("--key-type", default="ec")
    ap.add_argument("--replication-factor", type=int, default=0)
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    factor = args.replication_factor or 3
    if args.max_dead >= factor:
        sys.exit("--max-dead %d: must stay below the replication factor %d" % (args.max_dead, factor))
    rng = random.Random(args.seed)
    random.seed(args.seed)
    tool = os.path.join(args.srcdir, "tools", "reload-overlay")
    binary = os.path.join(args.bindir, "reload-client")
    os.environ["RELOAD_BINDIR"] = os.path.abspath(args.bindir)
    tmp = tempfile.mkdtemp(prefix="bench-chaos.")
    ov = Overlay(tool, os.path.join(tmp, "ov"), args.interval, args.key_type,
                 args.replication_factor)
    tag = "%d" % os.getpid()
    fig = {"peers": args.peers, "replication_factor": factor}
    clients = []
    try:
        t0 = time.time()
        ov.start(args.peers)
        if not ov.wait(300):
            sys.exit("bench-chaos: the ring of %d peers did not settle" % args.peers)
        print("ring of %d peers in %.0f s" % (args.peers, time.time() - t0), flush=True)
        clients = [Client(binary, ov, 1, 10000), Client(binary, ov, 2, 10000)]
        works = [Workload(c, i, 2, args.keys, tag) for i, c in enumerate(clients)]
        for w in works:
            w.start()
        if args.duration > 0:
            print("chaos: %d s, a kill every %.0f s, %.0f s down, at most %d dead"
                  % (args.duration, args.kill_every, args.down, args.max_dead), flush=True)
            kills, restarts, maxdead = chaos(ov, args, {0, 1, 2}, rng)
            fig.update(kills=kills, restarts=restarts, max_dead_at_once=maxdead)
            ov.wait(120)
        for w in works:
            w.phase = "settle"
        time.sleep(5)
        checker = Client(binary, ov, 0, 10000)
        clients.append(checker)
        for w in works:
            w.stop.set()
        for w in works:
            w.join(timeout=30)
        nkeys, missing = verify(checker, works, 60)
        logs = [e for w in works for e in w.log]
        n, ok, p50, p99 = summary(logs, "chaos", "store")
        fig.update(stores=n, stores_acked=ok)
        n, ok, p50, p99 = summary(logs, "chaos", "fetch")
        fig.update(fetches=n, fetch_ok=ok, fetch_p50_ms=p50, fetch_p99_ms=p99,
                   keys_acked=nkeys, acked_values_lost=len(missing))
        if missing:
            fig["lost_examples"] = sorted(missing)[:10]
        if args.flood > 0:
            fig["flood"] = flood_phase(ov, args, binary, tag)
    finally:
        for c in clients:
            c.close()
        ov.run("stop", check=False)
    report(fig)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(fig, f, indent=2)
    return 1 if fig.get("acked_values_lost") else 0


def flood_phase(ov, args, binary, tag):
    """Fetches through the flooded peer F and another, before, during and
    after a connection flood against F."""
    target, other = 3, 1
    pid = ov.pid(target)
    out = {"conns": args.flood_conns, "seconds": args.flood, "target_peer": target}
    via_f, via_o = Client(binary, ov, target, 5000), Client(binary, ov, other, 5000)
    for k in range(1, 21):
        via_o.run("store %d node-multiple:%d f%d-%s" % (KIND, k, k, tag))
    logs = []

    def fetch_loop(c, name, stop):
        while not stop.is_set():
            k = random.randint(1, 20)
            r = c.run("fetch %d node-multiple:%d" % (KIND, k))
            vals = r.get("kinds", [{}])[0].get("values", []) if r.get("ok") else []
            good = bool(vals) and vals[0].get("value") == "f%d-%s" % (k, tag)
            logs.append((time.time(), state["phase"], name, good, r.get("latency_us", 0) / 1000.0))

    state = {"phase": "before"}
    stop = threading.Event()
    ths = [threading.Thread(target=fetch_loop, args=(via_f, "via_flooded", stop), daemon=True),
           threading.Thread(target=fetch_loop, args=(via_o, "via_other", stop), daemon=True)]
    for t in ths:
        t.start()
    time.sleep(15)
    out["rss_before_kib"] = rss_kib(pid)
    state["phase"] = "during"
    stop_at = time.time() + args.flood
    res = {}
    ft = threading.Thread(target=lambda: res.update(r=flood(ov.port(target), args.flood_conns,
                                                            args.flood, stop_at)), daemon=True)
    ft.start()
    time.sleep(min(10, args.flood / 2))
    t1 = time.time()
    fresh = Client(binary, ov, target, 10000)
    r = fresh.run("fetch %d node-multiple:1" % KIND)
    out["new_client_during_flood"] = {"ok": bool(r.get("ok")), "seconds": round(time.time() - t1, 2),
                                      "error": r.get("error")}
    fresh.close()
    out["rss_during_kib"] = max(filter(None, [rss_kib(pid)]), default=None)
    ft.join()
    out["flood_opened"], out["flood_connect_failures"] = res.get("r", (0, 0))
    state["phase"] = "after"
    time.sleep(30)
    out["rss_after_kib"] = rss_kib(pid)
    stop.set()
    for t in ths:
        t.join(timeout=15)
    via_f.close()
    via_o.close()
    for phase in ("before", "during", "after"):
        for name in ("via_flooded", "via_other"):
            xs = [e for e in logs if e[1] == phase and e[2] == name]
            ok = [e[4] for e in xs if e[3]]
            out["%s_%s" % (phase, name)] = {"fetches": len(xs), "ok": len(ok),
                                            "p50_ms": pct(ok, 50), "p99_ms": pct(ok, 99)}
    with open(os.path.join(ov.dir, "peer%d.log" % target), errors="replace") as f:
        out["flooded_peer_log_lines"] = sum(1 for _ in f)
    return out


def report(fig):
    print()
    print("| metric | value |")
    print("|---|---|")
    for k in ("peers", "replication_factor", "kills", "restarts", "max_dead_at_once", "stores",
              "stores_acked", "fetches", "fetch_ok", "fetch_p50_ms", "fetch_p99_ms", "keys_acked",
              "acked_values_lost"):
        if k in fig:
            v = fig[k]
            print("| %s | %s |" % (k, "%.2f" % v if isinstance(v, float) else v))
    fl = fig.get("flood")
    if fl:
        print()
        print("flood: %d connections for %d s against peer %d (opened %d, connect failures %d)"
              % (fl["conns"], fl["seconds"], fl["target_peer"], fl["flood_opened"],
                 fl["flood_connect_failures"]))
        print("| phase | through | fetches | ok | p50 ms | p99 ms |")
        print("|---|---|---|---|---|---|")
        for phase in ("before", "during", "after"):
            for name in ("via_flooded", "via_other"):
                s = fl["%s_%s" % (phase, name)]
                print("| %s | %s | %d | %d | %.2f | %.2f |" % (phase, name, s["fetches"], s["ok"],
                                                          s["p50_ms"], s["p99_ms"]))
        print("flooded peer RSS (KiB): before %s, during %s, 30 s after %s"
              % (fl["rss_before_kib"], fl["rss_during_kib"], fl["rss_after_kib"]))
        print("a new client through the flooded peer during the flood: %s"
              % json.dumps(fl["new_client_during_flood"]))
        print("flooded peer's log: %d lines" % fl["flooded_peer_log_lines"])


if __name__ == "__main__":
    sys.exit(main())
