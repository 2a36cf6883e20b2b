#!/bin/sh
# make check's smoke test of `make bench-overlay` (bench/overlay/README.md):
# the whole harness on a small network (8 dhtnodes, 20 stores + 20 fetches)
# to keep it from rotting. It checks that the OpenDHT side ran every
# operation and that the table, TSV and JSON hold its figures. The reload
# side is left out (--only opendht): starting a reload overlay takes longer
# than a check should, and its own tests cover it.
# Skips (77) without dhtnode, the driver (libopendht-dev) or permission to
# make a network namespace.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
py=${PYTHON:-python3}
driver=$builddir/bench/overlay/dht_driver

if [ -z "${DHTNODE:-}" ] || [ ! -x "$DHTNODE" ]; then
  echo "SKIP: no dhtnode (Debian package dhtnode)"; exit 77
fi
if [ ! -x "$driver" ]; then
  echo "SKIP: no $driver (needs libopendht-dev)"; exit 77
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/bench-overlay-smoke.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT

"$py" "$srcdir/bench/overlay/bench_overlay.py" --driver "$driver" --out-dir "$out" \
  --peers 8 --ops 20 --fetch-rounds 2 --warmup 2 --settle 1 --idle 0.2 --min-nodes 2 \
  --dht-port 14300 --only opendht >"$out/table.txt" 2>"$out/log.txt"
rc=$?
cat "$out/table.txt" "$out/log.txt"
[ "$rc" = 77 ] && { echo "SKIP: no network namespace"; exit 77; }
[ "$rc" = 0 ] || { echo "FAIL: bench_overlay.py exited $rc"; exit 1; }

"$py" - "$out" <<'EOF' || exit 1
import json, sys
out = sys.argv[1]
res = json.load(open(out + "/results.json"))
o = res.get("opendht")
if not o:
    sys.exit("FAIL: no OpenDHT figures: %s" % res.get("opendht_error"))
for kind, n in (("store", 20), ("fetch", 40)):
    s = o[kind]
    if s["count"] != n or s["failed"] or not 0 < s["median_ms"] <= s["p99_ms"]:
        sys.exit("FAIL: OpenDHT %s summary %r" % (kind, s))
if o["fetch"]["wrong_value"] or o["peers"] != 8:
    sys.exit("FAIL: OpenDHT fetched wrong values or lost peers: %r" % o)
if not 0 < o["memory"]["rss_avg_kb"] <= o["memory"]["rss_max_kb"]:
    sys.exit("FAIL: OpenDHT memory %r" % o["memory"])
rows = [l.rstrip("\n").split("\t") for l in open(out + "/results.tsv")]
if rows[0] != ["metric", "reload", "opendht", "target", "met"] or len(rows) < 10:
    sys.exit("FAIL: results.tsv header/rows %r" % rows[:2])
med = [r for r in rows if r[0] == "fetch latency median (ms)"][0]
if abs(float(med[2]) - o["fetch"]["median_ms"]) > 0.001:
    sys.exit("FAIL: TSV fetch median %s, JSON %s" % (med[2], o["fetch"]["median_ms"]))
if res.get("reload") or res.get("reload_error") != "not run (--only opendht)" \
        or not med[1].startswith("n/a (not run"):
    sys.exit("FAIL: the reload column should say it was not run: %r" % med)
print("PASS: bench-overlay smoke")
EOF
