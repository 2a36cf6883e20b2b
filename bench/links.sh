#!/usr/bin/env bash
# bench/links.sh: TLS-TCP-FH-NO-ICE against DTLS-UDP-SR-NO-ICE (issue 15)
# on one machine's loopback: for each link mode, N reference peers (P-256
# keys) are started by tools/reload-overlay; measured are the time from
# `start` until `wait` sees a stable ring, the latency of F Fetches of one
# value by a client through the last peer (reload-client --batch, its
# latency_us: p50, p90, max), and each peer's resident memory and links.
#
#   bench/links.sh [N] [F]        (defaults 8 and 200), from the build tree
#
# One line per mode, tab-separated:
#   mode  peers  join_s  fetch_p50_us  fetch_p90_us  fetch_max_us  rss_kib_per_peer  links_per_peer
set -euo pipefail
N=${1:-8}
F=${2:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
export RELOAD_BINDIR=${RELOAD_BINDIR:-$(pwd)}
OV="$top/tools/reload-overlay"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-links-bench.XXXXXX")
cleanup() { for m in tls dtls; do "$OV" stop --dir "$tmp/$m" >/dev/null 2>&1 || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100); if (i < 1) i = 1; print v[i] }'; }
printf 'mode\tpeers\tjoin_s\tfetch_p50_us\tfetch_p90_us\tfetch_max_us\trss_kib_per_peer\tlinks_per_peer\n'
for m in tls dtls; do
  d="$tmp/$m"
  t0=$(date +%s.%N)
  "$OV" start -n "$N" --dir "$d" --link "$m" --key-type ec --update-interval 500 >/dev/null
  "$OV" wait --dir "$d" --timeout 120 >/dev/null
  join=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  "$OV" client --dir "$d" --peer 1 -- --json store 4000 alice@overlay.test bench-value >/dev/null
  for _ in $(seq "$F"); do echo "fetch 4000 alice@overlay.test"; done > "$tmp/batch"
  "$OV" client --dir "$d" --peer $((N - 1)) -- --json --batch "$tmp/batch" > "$tmp/$m.out"
  lat=$(jq -r 'select(.ok) | .latency_us' "$tmp/$m.out")
  [ "$(echo "$lat" | wc -l)" -eq "$F" ] || { echo "$m: not every fetch answered" >&2; exit 1; }
  rss=0
  for i in $(seq 0 $((N - 1))); do
    rss=$((rss + $(ps -o rss= -p "$(cat "$d/peer$i.pid")")))
  done
  links=$(jq -s '[.[].links] | add / length' "$d"/peer*.json)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$N" "$join" "$(echo "$lat" | pct 50)" \
    "$(echo "$lat" | pct 90)" "$(echo "$lat" | pct 100)" $((rss / N)) "$links"
  "$OV" stop --dir "$d" >/dev/null
done
