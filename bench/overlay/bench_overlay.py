#!/usr/bin/env python3
"""make bench-overlay: the overlay benchmark of issue 4 (bench/overlay/README.md).

Runs one put/get workload against two overlays on loopback, one after the
other, inside a network namespace that has only loopback:

  reload   N reference peers started by tools/reload-overlay, driven by
           reload-client --batch (see RELOAD INTERFACE below);
  OpenDHT  N dhtnode processes (Debian package dhtnode), driven by
           bench/overlay/dht_driver (a node of its own built on libopendht).

and prints one table: metric | reload | OpenDHT | target | met?, written
also as TSV and JSON beside it. A side that cannot run shows why in its
column ("n/a (...)"); no figure is ever made up.
"""

import argparse
import json
import math
import os
import random
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
NETNS_ENV = "BENCH_OVERLAY_NETNS"

# --------------------------------------------------------------------------
# RELOAD INTERFACE: the one place that knows how tools/reload-overlay and
# reload-client are called and what they print. Edit here when they change.
#
#   reload-overlay start -n N --dir DIR       makes a CA, certificates, the
#       overlay configuration, starts N reload-peer processes on 127.0.0.1
#       (pid in DIR/peerI.pid) and returns;
#   reload-overlay wait --dir DIR --timeout S  returns 0 once the ring is stable;
#   reload-overlay status --dir DIR --json     a JSON array, one object a peer,
#       with "listen" ("127.0.0.1:PORT"), "node_id" and "links";
#   reload-overlay stop --dir DIR              SIGTERM to every peer (Leave).
#   reload-client --config DIR/overlay.xml --cert DIR/alice.crt
#       --key DIR/alice.key --peer ADDRESS --json --batch FILE
#       runs FILE's commands, one a line, over one connection to ADDRESS:
#         store KIND RESOURCE VALUE
#         fetch KIND RESOURCE
#       printing one JSON object a line per command, in order, with "ok",
#       "latency_us" (wall time of that operation), "hops" and, for a fetch,
#       the value at kinds[0].values[0].value.
#
# Distinct keys: Kind 4004 of reload-overlay's configuration is SINGLE with
# NODE-MULTIPLE access (RFC 6940 7.3.4): alice may write the Resource-IDs
# hash(her Node-ID || i) for i in 1..max-node-multiple, which the client
# names "node-multiple:I". The workload needs warmup + ops of them.
# --------------------------------------------------------------------------
RELOAD_KIND = 4004
RELOAD_START = ["{overlay}", "start", "-n", "{n}", "--dir", "{dir}",
                "--update-interval", "{interval}", "--key-type", "{key_type}"]
RELOAD_WAIT = ["{overlay}", "wait", "--dir", "{dir}", "--timeout", "{timeout}"]
RELOAD_STATUS = ["{overlay}", "status", "--dir", "{dir}", "--json"]
RELOAD_STOP = ["{overlay}", "stop", "--dir", "{dir}"]
RELOAD_CLIENT = ["{client}", "--config", "{dir}/overlay.xml", "--cert", "{dir}/alice.crt",
                 "--key", "{dir}/alice.key", "--peer", "{peer}", "--json", "--batch", "{batch}"]
RELOAD_CLIENT_PATHS = ["reload-client", "tools/reload-client"]
RELOAD_PEER_NAME = "reload-peer"  # process name, to find peers left behind
RELOAD_START_TIMEOUT = 600        # 50 peers: a key pair and a certificate each
RELOAD_WAIT_TIMEOUT = 180


def reload_key_space(overlay_dir):
    """How many distinct Resource-IDs Kind RELOAD_KIND gives one user."""
    import xml.etree.ElementTree as ET
    try:
        root = ET.parse(os.path.join(overlay_dir, "overlay.xml")).getroot()
    except (OSError, ET.ParseError) as e:
        raise BenchError("cannot read overlay.xml: %s" % e)
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "kind" and el.get("id") == str(RELOAD_KIND):
            for c in el:
                if c.tag.rsplit("}", 1)[-1] == "max-node-multiple":
                    return int(c.text.strip())
    raise BenchError("overlay.xml has no Kind %d with max-node-multiple" % RELOAD_KIND)


def reload_store_line(index, value):
    return "store %d node-multiple:%d %s" % (RELOAD_KIND, index + 1, value)


def reload_fetch_line(index):
    return "fetch %d node-multiple:%d" % (RELOAD_KIND, index + 1)


def reload_result(obj):
    """One reload-client JSON line as the harness's result record."""
    out = {"ok": obj.get("ok") is True, "latency_us": obj.get("latency_us"),
           "hops": obj.get("hops")}
    for k in ("error", "text"):
        if k in obj:
            out[k] = obj[k]
    try:
        out["value"] = obj["kinds"][0]["values"][0]["value"]
    except (KeyError, IndexError, TypeError):
        pass
    return out


def reload_status(status_stdout):
    """The peers' objects of reload-overlay status --json."""
    try:
        status = json.loads(status_stdout)
    except ValueError:
        raise BenchError("reload-overlay status --json printed no JSON")
    if isinstance(status, dict):
        status = status.get("peers", [])
    return [p for p in status if isinstance(p, dict)]


def reload_peers(overlay_dir, status_stdout):
    """[(pid, "127.0.0.1:PORT")] of the running peers."""
    addrs = [p["listen"] for p in reload_status(status_stdout) if p.get("listen")]
    pids = []
    for name in sorted(os.listdir(overlay_dir)):
        if name.startswith("peer") and name.endswith(".pid"):
            with open(os.path.join(overlay_dir, name)) as f:
                pids.append(int(f.read().strip()))
    return pids, addrs


def expand(argv, **kw):
    return [a.format(**kw) for a in argv]


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def log(msg):
    print("bench-overlay: " + msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    """A side could not be measured; the message goes into its column."""


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(s)))
    return s[rank - 1]


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


def proc_sample(pid):
    """(utime+stime ticks, VmRSS kB, Pss kB, USS kB) of a live process.

    Pss and USS (Private_Clean + Private_Dirty) come from smaps_rollup and
    are None where the kernel has none.
    """
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    # Fields after the command name, which may hold spaces: state is field 3,
    # utime 14 and stime 15 (proc(5)).
    rest = stat[stat.rindex(")") + 2:].split()
    ticks = int(rest[11]) + int(rest[12])
    rss = None
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    pss = uss = None
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith(("Private_Clean:", "Private_Dirty:")):
                    uss = (uss or 0) + int(line.split()[1])
    except OSError:
        pass
    if rss is None:
        raise BenchError("process %d has no VmRSS (exited?)" % pid)
    return ticks, rss, pss, uss


def snapshot(pids):
    try:
        return {pid: proc_sample(pid) for pid in pids}
    except OSError as e:
        raise BenchError("a peer process is gone (%s)" % e)


def cpu_ms(before, after):
    """CPU time (ms) that the processes used between two snapshots."""
    return sum(after[p][0] - before[p][0] for p in before) * 1000.0 / CLK_TCK


def memory(snap):
    rss = [v[1] for v in snap.values()]
    out = {"rss_avg_kb": sum(rss) / len(rss), "rss_max_kb": max(rss),
           "rss_min_kb": min(rss)}
    for i, name in ((2, "pss_avg_kb"), (3, "uss_avg_kb")):
        vals = [v[i] for v in snap.values() if v[i] is not None]
        if len(vals) == len(rss):
            out[name] = sum(vals) / len(vals)
    return out


def udp_ports_bound():
    ports = set()
    for name in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    ports.add(int(line.split()[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def find_tool(paths, bases):
    for p in paths:
        for b in bases:
            if os.access(os.path.join(b, p), os.X_OK):
                return os.path.join(b, p)
    return None


def stop_processes(procs, timeout=5.0):
    """SIGTERM the given Popen objects (ours only), SIGKILL what is left."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    end = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# --------------------------------------------------------------------------
# The workload: the same keys, values and fetch order for both sides.
# --------------------------------------------------------------------------

class Workload:
    """ops stores of distinct keys, then rounds passes of fetches over all
    of them (each pass in a new random order, each fetch through a random
    entry point); warmup more keys stored and fetched once, untimed."""

    def __init__(self, ops, rounds, warmup, value_size, getters, seed):
        rng = random.Random(seed)
        run = "%08x" % rng.getrandbits(32)

        def value():
            # Printable (hex), so that it is one word on a batch line.
            return "%0*x" % (value_size, rng.getrandbits(4 * value_size))

        self.warm = [("bench-%s-w%d" % (run, i), value()) for i in range(warmup)]
        self.keys = [("bench-%s-%d" % (run, i), value()) for i in range(ops)]
        self.value = dict(self.warm + self.keys)
        # Key number, for overlays that name keys by index (reload-client's
        # node-multiple:I).
        self.index = {k: i for i, (k, _) in enumerate(self.warm + self.keys)}
        self.fetches = []
        for _ in range(rounds):
            order = list(range(ops))
            rng.shuffle(order)
            self.fetches += [(self.keys[i][0], rng.randrange(getters)) for i in order]
        self.warm_fetches = [(k, rng.randrange(getters)) for k, _ in self.warm]


def value_matches(got, want):
    return got == want or got == want.encode().hex()


def summarize_ops(results, kind, workload):
    ok = [r for r in results if r.get("ok")]
    out = {"count": len(results), "failed": len(results) - len(ok)}
    lat = [r["latency_us"] / 1000.0 for r in ok if isinstance(r.get("latency_us"), (int, float))]
    if lat:
        out.update(median_ms=median(lat), p99_ms=percentile(lat, 99),
                   mean_ms=sum(lat) / len(lat), max_ms=max(lat))
    if kind == "fetch":
        bad = [r for r in ok if "value" in r
               and not value_matches(r["value"], workload.value.get(r.get("key", ""), ""))]
        out["wrong_value"] = len(bad)
        hops = [r["hops"] for r in ok if isinstance(r.get("hops"), (int, float))]
        if hops:
            out["hops_mean"] = sum(hops) / len(hops)
            out["hops_max"] = max(hops)
        req = [r["get_requests"] for r in ok if isinstance(r.get("get_requests"), int)]
        if req:
            out["get_requests_mean"] = sum(req) / len(req)
    return out


# --------------------------------------------------------------------------
# OpenDHT side
# --------------------------------------------------------------------------

class Driver:
    """bench/overlay/dht_driver, spoken to one line at a time."""

    def __init__(self, argv, errlog):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=errlog, text=True, bufsize=1)

    def read(self):
        line = self.p.stdout.readline()
        if not line:
            raise BenchError("dht_driver exited (status %s)" % self.p.poll())
        return json.loads(line)

    def call(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        return self.read()

    def close(self):
        try:
            if self.p.poll() is None:
                self.p.stdin.close()  # end of input: the driver says bye and exits
            self.p.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            stop_processes([self.p])


def run_opendht(a, wl, workdir):
    if not a.dhtnode or not os.access(a.dhtnode, os.X_OK):
        raise BenchError("dhtnode missing (Debian package dhtnode)")
    if not a.driver or not os.access(a.driver, os.X_OK):
        raise BenchError("bench/overlay/dht_driver missing (needs libopendht-dev)")
    ports = [a.dht_port + i for i in range(a.peers)]
    taken = udp_ports_bound() & set(ports + [a.dht_port + 100 + i for i in range(a.getters + 1)])
    if taken:
        raise BenchError("UDP ports already in use: %s" % sorted(taken)[:5])
    nodes, driver = [], None
    t0 = time.monotonic()
    try:
        for i, port in enumerate(ports):
            argv = [a.dhtnode, "-s", "--no-rate-limit", "-n", str(a.dht_network), "-p", str(port)]
            if i:
                argv += ["-b", "127.0.0.1:%d" % ports[0]]
            out = open(os.path.join(workdir, "dhtnode-%d.log" % port), "w")
            nodes.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                          stderr=subprocess.STDOUT))
            out.close()
        deadline = time.monotonic() + 20
        while not set(ports) <= udp_ports_bound():
            if time.monotonic() > deadline or any(p.poll() is not None for p in nodes):
                raise BenchError("dhtnode processes did not all bind their ports")
            time.sleep(0.05)
        # Let the nodes' own bootstrap lookups fill their routing tables.
        time.sleep(a.settle)
        pids = [p.pid for p in nodes]
        errlog = open(os.path.join(workdir, "dht_driver.log"), "w")
        driver = Driver([a.driver, "--bootstrap-ports", ",".join(map(str, ports)),
                         "--port", str(a.dht_port + 100), "--getters", str(a.getters),
                         "--network", str(a.dht_network), "--min-nodes", str(a.min_nodes),
                         "--timeout-ms", str(a.op_timeout_ms), "--seed", str(a.seed)], errlog)
        errlog.close()
        ready = driver.read()
        if not ready.get("ok"):
            raise BenchError("driver nodes did not join (%s)" % json.dumps(ready))
        started_s = time.monotonic() - t0
        idle = idle_cpu(a, pids)

        for k, v in wl.warm:
            driver.call("store %s %s" % (k, v))
        for k, g in wl.warm_fetches:
            driver.call("fetch %s %d" % (k, g))
        c0 = proc_sample(driver.p.pid)[0]
        s0 = snapshot(pids)
        t_store = time.monotonic()
        stores = [dict(driver.call("store %s %s" % (k, v)), key=k) for k, v in wl.keys]
        s1 = snapshot(pids)
        t_fetch = time.monotonic()
        fetches = [dict(driver.call("fetch %s %d" % (k, g)), key=k) for k, g in wl.fetches]
        s2 = snapshot(pids)
        t_end = time.monotonic()
        client_ms = (proc_sample(driver.p.pid)[0] - c0) * 1000.0 / CLK_TCK
        # The putter keeps a copy of what it puts; the getters must hold
        # nothing, else a fetch could have been answered from local storage.
        bye = driver.call("quit")
        held = bye.get("stored_values") or [None]
        if any(v != 0 for v in held[1:]):
            raise BenchError("getter nodes stored values %s" % held[1:])
        return finish_side("opendht", a, wl, pids, s0, s1, s2, stores, fetches,
                           started_s, t_fetch - t_store, t_end - t_fetch,
                           {"join": ready, "dhtnode": a.dhtnode, "idle_cpu_ms_per_s": idle,
                            "client_cpu_ms": client_ms})
    finally:
        if driver:
            driver.close()
        stop_processes(nodes)


# --------------------------------------------------------------------------
# reload side
# --------------------------------------------------------------------------

def find_peer_pids(overlay_dir):
    """reload-peer processes whose command line names overlay_dir."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0].decode(errors="replace")) == RELOAD_PEER_NAME \
                and any(overlay_dir.encode() in x for x in argv):
            pids.append(int(d))
    return pids


def reload_batch(a, overlay_dir, peer, lines, workdir, name):
    """Run lines through one reload-client; its results, one per line."""
    batch = os.path.join(workdir, name + ".batch")
    with open(batch, "w") as f:
        f.write("".join(l + "\n" for l in lines))
    argv = expand(RELOAD_CLIENT, client=a.reload_client, dir=overlay_dir, peer=peer, batch=batch)
    timeout = 60 + len(lines) * a.op_timeout_ms / 1000.0
    with open(os.path.join(workdir, name + ".stderr"), "w") as err:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                           text=True, timeout=timeout)
    out = []
    for l in r.stdout.splitlines():
        if l.strip():
            try:
                out.append(reload_result(json.loads(l)))
            except ValueError:
                raise BenchError("reload-client printed a line that is not JSON: %.60s" % l)
    if len(out) != len(lines):
        raise BenchError("reload-client printed %d results for %d commands (exit %d)"
                         % (len(out), len(lines), r.returncode))
    return out


def overlay_cmd(a, argv, workdir, name, limit, **kw):
    """Run a reload-overlay command; its output goes to a file, not a pipe,
    since the peers that start leaves running inherit it."""
    logname = os.path.join(workdir, name + ".log")
    t = time.monotonic()
    with open(logname, "w") as logf:
        try:
            r = subprocess.run(expand(argv, overlay=a.reload_overlay, **kw),
                               stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                               timeout=limit)
        except subprocess.TimeoutExpired:
            raise BenchError("reload-overlay %s did not finish in %d s" % (name, limit))
    log("reload: reload-overlay %s: %.1f s" % (name, time.monotonic() - t))
    with open(logname) as logf:
        text = logf.read()
    if r.returncode != 0:
        last = (text.strip().splitlines() or [""])[-1]
        raise BenchError("reload-overlay %s failed (exit %d): %s" % (name, r.returncode, last))
    return text


def run_reload(a, wl, workdir):
    if not a.reload_overlay or not os.access(a.reload_overlay, os.X_OK):
        raise BenchError("tools/reload-overlay missing")
    if not a.reload_client or not os.access(a.reload_client, os.X_OK):
        raise BenchError("reload-client missing")
    overlay_dir = os.path.join(workdir, "reload-overlay")
    t0 = time.monotonic()
    try:
        overlay_cmd(a, RELOAD_START, workdir, "start", RELOAD_START_TIMEOUT, n=a.peers,
                    dir=overlay_dir, interval=a.reload_update_interval,
                    key_type=a.reload_key_type)
        overlay_cmd(a, RELOAD_WAIT, workdir, "wait", RELOAD_WAIT_TIMEOUT + 30, dir=overlay_dir,
                    timeout=RELOAD_WAIT_TIMEOUT)
        pids, addrs = reload_peers(overlay_dir, overlay_cmd(a, RELOAD_STATUS, workdir, "status",
                                                             60, dir=overlay_dir))
        if len(pids) != a.peers or len(addrs) != a.peers:
            raise BenchError("%d peer pids and %d addresses, wanted %d"
                             % (len(pids), len(addrs), a.peers))
        space = reload_key_space(overlay_dir)
        if len(wl.index) > space:
            raise BenchError("workload needs %d Resource-IDs, Kind %d allows %d"
                             % (len(wl.index), RELOAD_KIND, space))
        started_s = time.monotonic() - t0
        idle = idle_cpu(a, pids)
        # Stores go in through the first peer; fetch group g through a peer
        # picked at random (fixed by the seed), like the OpenDHT getters.
        rng = random.Random(a.seed)
        entry = [addrs[rng.randrange(len(addrs))] for _ in range(a.getters)]

        def stores_of(pairs, tag):
            out = reload_batch(a, overlay_dir, addrs[0],
                               [reload_store_line(wl.index[k], v) for k, v in pairs],
                               workdir, tag)
            return [dict(o, key=k) for (k, _), o in zip(pairs, out)]

        def fetches_of(fetches, tag):
            res = [None] * len(fetches)
            for g in range(a.getters):
                pos = [i for i, (_, gg) in enumerate(fetches) if gg == g]
                if pos:
                    out = reload_batch(a, overlay_dir, entry[g],
                                       [reload_fetch_line(wl.index[fetches[i][0]]) for i in pos],
                                       workdir, "%s-%d" % (tag, g))
                    for i, o in zip(pos, out):
                        res[i] = dict(o, key=fetches[i][0])
            return res

        if wl.warm:
            stores_of(wl.warm, "warm-store")
            fetches_of(wl.warm_fetches, "warm-fetch")
        c0 = children_cpu_ms()
        s0 = snapshot(pids)
        t_store = time.monotonic()
        stores = stores_of(wl.keys, "store")
        s1 = snapshot(pids)
        t_fetch = time.monotonic()
        fetches = fetches_of(wl.fetches, "fetch")
        s2 = snapshot(pids)
        t_end = time.monotonic()
        client_ms = children_cpu_ms() - c0
        extra = {"entry_peers": entry, "store_peer": addrs[0], "idle_cpu_ms_per_s": idle,
                 "client_cpu_ms": client_ms}
        # The floor under the peers' memory: a bare OpenSSL endpoint with as
        # many TLS links as a peer has, measured while the peers still run.
        try:
            extra["tls_floor"] = run_tls_floor(a, overlay_dir, workdir,
                                               average_links(overlay_dir, workdir, a))
        except BenchError as e:
            extra["tls_floor_error"] = str(e)
            log("reload: tls_floor: %s" % e)
        return finish_side("reload", a, wl, pids, s0, s1, s2, stores, fetches,
                           started_s, t_fetch - t_store, t_end - t_fetch, extra)
    finally:
        if os.path.isdir(overlay_dir):
            try:
                overlay_cmd(a, RELOAD_STOP, workdir, "stop", 120, dir=overlay_dir)
            except (BenchError, subprocess.TimeoutExpired) as e:
                log("reload-overlay stop: %s" % e)
            # Ours only: peers whose command line names our overlay directory.
            left = find_peer_pids(overlay_dir)
            if left:
                log("%d reload peers still running after stop; SIGKILL" % len(left))
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass


def average_links(overlay_dir, workdir, a):
    """The peers' average number of open links (reload-overlay status)."""
    status = reload_status(overlay_cmd(a, RELOAD_STATUS, workdir, "status-links", 60,
                                       dir=overlay_dir))
    links = [p["links"] for p in status if isinstance(p.get("links"), int)]
    if not links:
        raise BenchError("reload-overlay status gives no link counts")
    return max(1, int(round(sum(links) / float(len(links)))))


def run_tls_floor(a, overlay_dir, workdir, links):
    """Memory of bench/overlay/tls_floor (see its header): OpenSSL alone,
    with `links` mutually authenticated TLS links, every message signed and
    checked with the overlay's own keys. Its RSS is a floor under any peer
    built on OpenSSL."""
    if not a.tls_floor or not os.access(a.tls_floor, os.X_OK):
        raise BenchError("bench/overlay/tls_floor missing")
    argv = [a.tls_floor, "--cert", os.path.join(overlay_dir, "peer0.crt"),
            "--key", os.path.join(overlay_dir, "peer0.key"),
            "--ca", os.path.join(overlay_dir, "ca", "ca.crt"),
            "--peer-cert", os.path.join(overlay_dir, "alice.crt"),
            "--peer-key", os.path.join(overlay_dir, "alice.key"),
            "--links", str(links), "--messages", "400", "--size", str(a.value_size + 200)]
    with open(os.path.join(workdir, "tls_floor.stderr"), "w") as err:
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                             text=True)
    try:
        # Its report comes after the handshakes and 400 messages: seconds.
        if not select.select([p.stdout], [], [], 120)[0]:
            raise BenchError("tls_floor printed nothing in 120 s")
        line = p.stdout.readline()
        try:
            info = json.loads(line)
        except ValueError:
            info = {}
        if not info.get("ok"):
            p.wait(10)
            with open(os.path.join(workdir, "tls_floor.stderr")) as f:
                why = (f.read().strip().splitlines() or ["no output"])[-1]
            raise BenchError("tls_floor failed (exit %s): %s" % (p.returncode, why))
        mem = memory(snapshot([p.pid]))
        p.stdin.write("done\n")
        p.stdin.flush()
        if p.wait(10) != 0:
            raise BenchError("tls_floor exited %d" % p.returncode)
        info.update(mem)
        return info
    except subprocess.TimeoutExpired:
        raise BenchError("tls_floor did not finish")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


# --------------------------------------------------------------------------
# Both sides: the same summary
# --------------------------------------------------------------------------

def children_cpu_ms():
    """CPU (ms) of this process's waited-for children so far (reload-client)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (ru.ru_utime + ru.ru_stime) * 1000.0


def idle_cpu(a, pids):
    """CPU (ms per second, all peers together) while no operation runs."""
    before, t = snapshot(pids), time.monotonic()
    time.sleep(a.idle)
    return cpu_ms(before, snapshot(pids)) / (time.monotonic() - t)


def finish_side(name, a, wl, pids, s0, s1, s2, stores, fetches, started_s,
                store_s, fetch_s, extra):
    with open(os.path.join(a.out_dir, "ops-%s.jsonl" % name), "w") as f:
        for r in stores + fetches:
            f.write(json.dumps(r) + "\n")
    ns, nf = len(stores), len(fetches)
    side = {
        "peers": len(pids),
        "store": summarize_ops(stores, "store", wl),
        "fetch": summarize_ops(fetches, "fetch", wl),
        "cpu_ms_per_store": cpu_ms(s0, s1) / ns,
        "cpu_ms_per_fetch": cpu_ms(s1, s2) / nf,
        "cpu_ms_per_op": cpu_ms(s0, s2) / (ns + nf),
        "idle_cpu_ms_per_s": extra.pop("idle_cpu_ms_per_s"),
        "client_cpu_ms_per_op": extra.pop("client_cpu_ms") / (ns + nf),
        "memory_before": memory(s0),
        "memory": memory(s2),
        "seconds": {"start": started_s, "stores": store_s, "fetches": fetch_s},
    }
    side.update(extra)
    return side


def target_hops(n):
    return 0.5 * math.log2(n) + 1


def rows(res, a):
    """(metric, reload, opendht, target, met) with numbers or None."""
    r, o = res.get("reload"), res.get("opendht")

    def g(side, *path):
        v = side
        for k in path:
            if not isinstance(v, dict) or k not in v:
                return None
            v = v[k]
        return v

    def kb2mib(v):
        return None if v is None else v / 1024.0

    out = []

    def row(metric, path, conv=lambda v: v, target=None, met=None, why_not=None):
        rv, ov = conv(g(r, *path)), conv(g(o, *path))
        if ov is None and o is not None and why_not:
            ov = why_not
        out.append((metric, rv, ov, target, met(rv, ov) if met else None))

    row("store latency median (ms)", ("store", "median_ms"))
    row("store latency p99 (ms)", ("store", "p99_ms"))
    row("fetch latency median (ms)", ("fetch", "median_ms"),
        target="reload <= OpenDHT",
        met=lambda rv, ov: None if rv is None or ov is None else rv <= ov)
    row("fetch latency p99 (ms)", ("fetch", "p99_ms"))
    th = target_hops(a.peers)
    row("hops per fetch (mean)", ("fetch", "hops_mean"),
        target="%.2f +- 1 ((1/2)log2(%d)+1)" % (th, a.peers),
        met=lambda rv, ov: None if rv is None else abs(rv - th) <= 1.0,
        why_not="n/a (iterative lookups: next row)")
    row("OpenDHT get requests per fetch (mean)", ("fetch", "get_requests_mean"))
    row("RSS per peer, average (MiB)", ("memory", "rss_avg_kb"), kb2mib,
        target="reload <= OpenDHT / 4",
        met=lambda rv, ov: None if rv is None or ov is None else rv <= ov / 4.0)
    row("RSS per peer, max (MiB)", ("memory", "rss_max_kb"), kb2mib)
    # Not a peer: OpenSSL alone with a peer's links (bench/overlay/tls_floor.c).
    # The OpenDHT column is empty; "met" compares it with a quarter of a
    # dhtnode's RSS: "no" means no peer on OpenSSL can meet the RSS target.
    floor = kb2mib(g(r, "tls_floor", "rss_avg_kb"))
    dht_rss = kb2mib(g(o, "memory", "rss_avg_kb"))
    out.append(("RSS of OpenSSL alone with a peer's links (MiB)", floor,
                "n/a (reload's floor)" if o is not None else None,
                "<= OpenDHT / 4, else the RSS target is out of reach",
                None if floor is None or dht_rss is None else floor <= dht_rss / 4.0))
    row("PSS per peer, average (MiB)", ("memory", "pss_avg_kb"), kb2mib)
    row("USS per peer, average (MiB)", ("memory", "uss_avg_kb"), kb2mib)
    row("CPU per store, all peers (ms)", ("cpu_ms_per_store",))
    row("CPU per fetch, all peers (ms)", ("cpu_ms_per_fetch",))
    row("CPU per operation, all peers (ms)", ("cpu_ms_per_op",))
    row("idle CPU, all peers (ms per s)", ("idle_cpu_ms_per_s",))
    row("CPU per operation, client (ms)", ("client_cpu_ms_per_op",))
    row("failed stores", ("store", "failed"))
    row("failed fetches", ("fetch", "failed"))
    row("fetches with a wrong value", ("fetch", "wrong_value"))
    return out


def cell(v, side_err):
    if isinstance(v, str):
        return v
    if v is None:
        if not side_err:
            return "n/a"
        # The whole message is in results.json.
        return "n/a (%s)" % (side_err if len(side_err) <= 40 else side_err[:37] + "...")
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    return "%.3f" % v


def report(res, a):
    table = rows(res, a)
    err_r, err_o = res.get("reload_error"), res.get("opendht_error")
    lines = [("metric", "reload", "OpenDHT", "target", "met?")]
    for m, rv, ov, t, met in table:
        lines.append((m, cell(rv, err_r), cell(ov, err_o), t or "-",
                      "-" if t is None else cell(met, None)))
    widths = [max(len(l[i]) for l in lines) for i in range(5)]
    text = []
    for i, l in enumerate(lines):
        text.append(" | ".join(c.ljust(w) for c, w in zip(l, widths)).rstrip())
        if i == 0:
            text.append("-+-".join("-" * w for w in widths))
    with open(os.path.join(a.out_dir, "results.tsv"), "w") as f:
        f.write("metric\treload\topendht\ttarget\tmet\n")
        for m, rv, ov, t, met in table:
            f.write("\t".join([m, cell(rv, err_r), cell(ov, err_o), t or "",
                               "" if t is None else cell(met, None)]) + "\n")
    # Numbers or null in JSON; why a side is empty is in reload_error /
    # opendht_error, or in the row's note.
    res["table"] = [{"metric": m, "target": t, "met": met,
                     "reload": None if isinstance(rv, str) else rv,
                     "opendht": None if isinstance(ov, str) else ov,
                     "note": " ".join(x for x in (rv, ov) if isinstance(x, str)) or None}
                    for m, rv, ov, t, met in table]
    with open(os.path.join(a.out_dir, "results.json"), "w") as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write("\n")
    return "\n".join(text)


# --------------------------------------------------------------------------
# Network namespace
# --------------------------------------------------------------------------

def enter_netns(a):
    """Re-run this script in a new network namespace (loopback only).

    Returns None when this process should go on (already inside, or
    namespaces not permitted and --allow-host-loopback given), else the
    exit status of the child that ran the bench.
    """
    if os.environ.get(NETNS_ENV) == "1":
        r = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, text=True)
        if r.returncode != 0:
            log("cannot bring up lo in the namespace: " + r.stderr.strip())
            return 1
        with open("/proc/self/net/dev") as f:
            ifs = sorted(l.split(":")[0].strip() for l in f if ":" in l)
        if ifs != ["lo"]:
            log("the namespace has interfaces other than lo: %s" % ifs)
            return 1
        a.network = "network namespace, loopback only"
        return None
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, text=True) \
        if unshare else None
    if probe is not None and probe.returncode == 0:
        env = dict(os.environ, **{NETNS_ENV: "1"})
        child = subprocess.Popen([unshare, "-n", "--", sys.executable,
                                  os.path.abspath(__file__)] + sys.argv[1:], env=env)
        # A SIGTERM for us is one for the bench, so that it stops its peers.
        signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signum))
        return child.wait()
    why = "unshare not found" if probe is None else probe.stderr.strip()
    if not a.allow_host_loopback:
        log("cannot make a network namespace (%s). Run as root (or with CAP_SYS_ADMIN), "
            "or pass --allow-host-loopback to run on the host's 127.0.0.1." % why)
        return 77
    log("WARNING: no network namespace (%s); running on the host's loopback" % why)
    a.network = "host loopback (namespace not permitted: %s)" % why
    return None


# --------------------------------------------------------------------------

def main():
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", type=int, default=50)
    # 255 keys in all: what one reload identity can write (RELOAD INTERFACE).
    ap.add_argument("--ops", type=int, default=250, help="stores of distinct keys")
    ap.add_argument("--fetch-rounds", type=int, default=4,
                    help="fetches of every key (so ops * rounds fetches)")
    ap.add_argument("--warmup", type=int, default=5, help="keys stored and fetched untimed")
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--getters", type=int, default=4, help="entry points for fetches")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--settle", type=float, default=5.0,
                    help="seconds the dhtnodes get to fill their routing tables")
    # 30 s, not reload-overlay's 1 s (the tests' setting): see README.md.
    ap.add_argument("--reload-update-interval", type=int, default=30000, metavar="MS",
                    help="the peers' Chord update interval (reload-overlay --update-interval; "
                         "pings every 2 intervals)")
    ap.add_argument("--reload-key-type", choices=["rsa", "ec"], default="rsa",
                    help="the peers' and client's keys: RSA 2048 or P-256 (ECDSA)")
    ap.add_argument("--idle", type=float, default=2.0,
                    help="seconds of idle CPU measured before the workload")
    ap.add_argument("--min-nodes", type=int, default=8,
                    help="good nodes each driver node must know before the workload")
    ap.add_argument("--op-timeout-ms", type=int, default=15000)
    ap.add_argument("--dht-port", type=int, default=4300)
    ap.add_argument("--dht-network", type=int, default=4)
    ap.add_argument("--dhtnode", default=os.environ.get("DHTNODE") or shutil.which("dhtnode"))
    ap.add_argument("--driver", default=os.path.join(os.getcwd(), "bench/overlay/dht_driver"))
    ap.add_argument("--reload-overlay", default=None)
    ap.add_argument("--reload-client", default=None)
    ap.add_argument("--tls-floor", default=os.path.join(os.getcwd(), "bench/overlay/tls_floor"),
                    help="bench/overlay/tls_floor (the OpenSSL memory floor); built by "
                         "make bench-overlay")
    ap.add_argument("--out-dir", default=os.path.join(os.getcwd(), "bench/overlay"))
    ap.add_argument("--only", choices=["reload", "opendht"], default=None)
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    ap.add_argument("--allow-host-loopback", action="store_true",
                    help="run on the host's loopback when namespaces are not permitted")
    a = ap.parse_args()
    if a.peers < 2 or a.ops < 1 or a.fetch_rounds < 1 or a.getters < 1 or a.value_size < 1 \
            or a.warmup < 0:
        ap.error("--peers >= 2, --ops, --fetch-rounds, --getters, --value-size >= 1, "
                 "--warmup >= 0")
    # The build directory (the current one under make) first, then the sources.
    if a.reload_overlay is None:
        a.reload_overlay = find_tool(["tools/reload-overlay"], [os.getcwd(), top])
    if a.reload_client is None:
        a.reload_client = find_tool(RELOAD_CLIENT_PATHS, [os.getcwd(), top])
    a.network = None
    rc = enter_netns(a)
    if rc is not None:
        return rc

    os.makedirs(a.out_dir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="bench-overlay-")
    t0 = time.monotonic()
    wl = Workload(a.ops, a.fetch_rounds, a.warmup, a.value_size, a.getters, a.seed)
    keys = ("peers", "ops", "fetch_rounds", "warmup", "value_size", "getters", "seed",
            "settle", "min_nodes", "idle", "network", "reload_key_type", "reload_update_interval")
    res = {"config": {k: getattr(a, k) for k in keys},
           "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    sides = [("opendht", run_opendht), ("reload", run_reload)]

    def on_term(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)
    try:
        for name, fn in sides:
            if a.only and a.only != name:
                res[name + "_error"] = "not run (--only %s)" % a.only
                continue
            log("%s: %d peers, %d stores + %d fetches" % (name, a.peers, a.ops,
                                                          len(wl.fetches)))
            ts = time.monotonic()
            try:
                res[name] = fn(a, wl, workdir)
            except BenchError as e:
                res[name + "_error"] = str(e)
                log("%s: %s" % (name, e))
            except subprocess.TimeoutExpired as e:
                res[name + "_error"] = "timed out: %s" % " ".join(e.cmd[:2])
                log("%s: %s" % (name, res[name + "_error"]))
            log("%s: %.1f s" % (name, time.monotonic() - ts))
    finally:
        if a.keep:
            log("logs kept in " + workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    res["seconds"] = time.monotonic() - t0
    print(report(res, a))
    print("(%d peers, %d stores + %d fetches of %d-byte values, %s; reload: %s keys, "
          "update interval %d ms; %.0f s; %s/results.{tsv,json})"
          % (a.peers, a.ops, len(wl.fetches), a.value_size, a.network,
             "RSA 2048" if a.reload_key_type == "rsa" else "P-256", a.reload_update_interval,
             res["seconds"], a.out_dir))
    # Success means every side that could run ran its whole workload.
    for name in ("opendht", "reload"):
        side = res.get(name)
        if side and (side["store"]["failed"] or side["fetch"]["failed"]
                     or side["fetch"].get("wrong_value")):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
