#!/usr/bin/env bash
# bench-links.sh: the link layers of RFC 6940 (6.6) compared on one
# machine (make bench-links; doc/bench-links.md). For each link mode --
# tls (TLS-TCP-FH-NO-ICE, the anchor), dtls (DTLS-UDP-SR-NO-ICE) and
# dtls-ice (DTLS-UDP-SR, every Attach with full ICE through libnice) --
# N reference peers (P-256 keys) on loopback, started by
# tools/reload-overlay, and measured in the same run:
#   - join time of each peer: its "joined the ring" log line, whose
#     timestamp counts milliseconds from the node's start (its first line,
#     "listening on", is at 0), median and max over the peers that join
#     (peer 0 starts the overlay and never joins); ring formation: from
#     peer 0's start (its pid file) until the status files show the
#     ring of reload-overlay wait: the mtime of the newest of them when
#     they first do (a peer looks at its status every second: up to 1 s
#     late);
#   - fetch latency: batches of F Fetches (alternately of alice's and
#     bob's values) by reload-client --batch through the last peer, one
#     batch after the other until L seconds are over (at least one), their
#     latency_us, p50 and p99;
#   - memory and CPU per link: the peers' RSS and USS (/proc/PID/
#     smaps_rollup) and utime+stime (/proc/PID/stat), summed over the
#     peers and divided by the number of links of their status files
#     ("links"), idle over W seconds and under the fetch load (CPU also
#     per Fetch answered).
# Then, as root with network namespaces (tests/lib-netns.sh), the NAT
# topology of tests/net/nat-ice.sh over dtls-ice: fetch latency between
# two peers behind endpoint-independent NATs without TURN (direct
# server-reflexive pairs) and between two behind address-and-port-
# dependent NATs with TURN (coturn; they can only meet through a relay).
# Skipped with a message otherwise.
#
#   bench/links/bench-links.sh [--peers N] [--fetches F] [--idle W]
#       [--load-min L] [--modes "tls dtls dtls-ice"] [--no-nat] [--json FILE]
#   defaults N=10 F=500 W=10 L=5; environment: BENCH_LINKS_PEERS,
#   BENCH_LINKS_FETCHES, BENCH_LINKS_IDLE, BENCH_LINKS_LOAD_MIN,
#   BENCH_LINKS_NAT_FETCHES (200)
# from the build tree (or RELOAD_BINDIR=the build tree). Prints a table and
# writes one JSON line per mode (and per NAT pair) to FILE
# (default bench/links/results.jsonl).
set -uo pipefail
N=${BENCH_LINKS_PEERS:-10}
F=${BENCH_LINKS_FETCHES:-500}
IDLE=${BENCH_LINKS_IDLE:-10}
LOADMIN=${BENCH_LINKS_LOAD_MIN:-5}
MODES="tls dtls dtls-ice"
NAT=1
JSON=bench/links/results.jsonl
while [ $# -gt 0 ]; do
  case $1 in
  --peers) N=$2; shift 2 ;;
  --fetches) F=$2; shift 2 ;;
  --idle) IDLE=$2; shift 2 ;;
  --load-min) LOADMIN=$2; shift 2 ;;
  --modes) MODES=$2; shift 2 ;;
  --no-nat) NAT=0; shift ;;
  --json) JSON=$2; shift 2 ;;
  *) echo "bench-links: unknown option $1" >&2; exit 2 ;;
  esac
done
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "${RELOAD_BINDIR:-.}" && pwd)
export RELOAD_BINDIR=$BIN
OV="$top_srcdir/tools/reload-overlay"
CLIENT="$BIN/reload-client"
CA="$BIN/tools/reload-ca"
for p in "$BIN/reload-peer" "$CLIENT" "$CA"; do
  [ -x "$p" ] || { echo "bench-links: $p is not built (run from the build tree)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "bench-links: jq is needed" >&2; exit 2; }
mkdir -p "$(dirname "$JSON")"
: > "$JSON"
HZ=$(getconf CLK_TCK)
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/rl-bench-links.XXXXXX")
RUN_DIRS=""
bl_cleanup() {
  local d
  for d in $RUN_DIRS; do "$OV" stop --dir "$d" >/dev/null 2>&1 || true; done
  for d in $RUN_DIRS; do
    for f in "$d"/peer*.pid; do [ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
  done
  if [ -n "${RL_KEEP:-}" ]; then echo "kept $TMPD"; else rm -rf "$TMPD"; fi
}
trap bl_cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# newest_since T FILE...: seconds from T to the newest FILE's mtime.
newest_since() {
  local t=$1
  shift
  stat -c %.3Y "$@" | sort -n | tail -1 | awk -v a="$t" '{ printf "%.2f", $1 - a }'
}
# pct P: the P-th percentile (nearest rank) of the numbers on stdin.
pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { if (!NR) { print "null"; exit }
  i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'; }
# A log line's time in ms: its first field (milliseconds timestamp).
log_ms() { awk '{ print $1; exit }'; }

# sample PID...: "cpu_ticks rss_kib uss_kib" summed over the processes.
sample() {
  local p c=0 r=0 u=0 st f
  for p in "$@"; do
    read -r st < "/proc/$p/stat" || continue
    st=${st##*) }
    # shellcheck disable=SC2086
    set -- $st
    # after the comm: field 3 is state; utime and stime are fields 14, 15
    c=$((c + ${12} + ${13}))
    f=$(awk '/^Rss:/ { r = $2 } /^Private_(Clean|Dirty|Hugetlb):/ { u += $2 }
             END { print r + 0, u + 0 }' "/proc/$p/smaps_rollup")
    r=$((r + ${f% *}))
    u=$((u + ${f#* }))
  done
  echo "$c $r $u"
}
peer_pids() { local f; for f in "$1"/peer*.pid; do cat "$f"; done; }
# ring_ok DIR: every peer joined, and its first successor and predecessor
# are its neighbours in Node-ID order (reload-overlay's test).
ring_ok() {
  jq -e -s '
    (map(.node_id) | sort) as $ids | ($ids | length) as $k |
    all(.[]; .joined and ($k == 1 or (
      .node_id as $me | ($ids | index($me)) as $i |
      (.successors[0] // "") == $ids[($i + 1) % $k] and
      (.predecessors[0] // "") == $ids[($i + $k - 1) % $k])))' "$1"/peer*.json >/dev/null 2>&1
}
# links DIR: the links of the peers' status files, summed.
links() { jq -s '[.[].links | length] | add' "$1"/peer*.json; }

printf 'bench-links: %s peers per mode, %s fetches, idle window %s s, %s cores, %s\n' \
  "$N" "$F" "$IDLE" "$(nproc)" "$(uname -r)"
for m in $MODES; do
  d="$TMPD/$m"
  RUN_DIRS="$RUN_DIRS $d"
  echo "== $m: $N peers"
  if ! "$OV" start -n "$N" --dir "$d" --link "$m" --key-type ec --update-interval 500 >/dev/null; then
    echo "bench-links: $m: start failed" >&2; exit 1
  fi
  # Ring formation: from peer 0's start (its pid file) until the status
  # files show the ring: the newest of them when they first do.
  mapfile -t pids < <(peer_pids "$d")
  t0=$(stat -c %.3Y "$d/peer0.pid")
  deadline=$((SECONDS + 180))
  until ring_ok "$d"; do
    [ "$SECONDS" -ge "$deadline" ] && { echo "bench-links: $m: no stable ring in 180 s" >&2; exit 1; }
    sleep 0.05
  done
  ring_s=$(newest_since "$t0" "$d"/peer*.json)
  # A stabilization round more, as reload-overlay wait does (fingers).
  sleep 1
  joins=""
  for i in $(seq 1 $((N - 1))); do
    s=$(log_ms < "$d/peer$i.log")
    j=$(grep -m1 "joined the ring" "$d/peer$i.log" | log_ms)
    [ -n "$j" ] && joins="$joins $((j - s))"
  done
  jn=$(echo "$joins" | wc -w)
  join_med=$(echo "$joins" | tr ' ' '\n' | grep . | pct 50)
  join_max=$(echo "$joins" | tr ' ' '\n' | grep . | pct 100)
  "$OV" client --dir "$d" --peer 1 -- --json store 4000 alice@overlay.test bench-alice >/dev/null ||
    { echo "bench-links: $m: store failed" >&2; exit 1; }
  "$OV" client --dir "$d" --peer 2 -- --cert "$d/bob.crt" --key "$d/bob.key" --json \
    store 4000 bob@overlay.test bench-bob >/dev/null ||
    { echo "bench-links: $m: store (bob) failed" >&2; exit 1; }
  # Idle: a fresh status first (rewritten every second), then the window.
  sleep 2
  links_idle=$(links "$d")
  read -r c0 _ _ < <(sample "${pids[@]}")
  ti=$(now)
  sleep "$IDLE"
  read -r c1 rss_idle uss_idle < <(sample "${pids[@]}")
  idle_s=$(since "$ti")
  # Under load: F Fetches through the last peer, one after the other.
  for k in $(seq "$F"); do
    if [ $((k % 2)) = 0 ]; then echo "fetch 4000 alice@overlay.test"; else echo "fetch 4000 bob@overlay.test"; fi
  done > "$TMPD/batch"
  read -r c2 _ _ < <(sample "${pids[@]}")
  tl=$(now)
  # Batches one after the other until LOADMIN seconds are over: the CPU
  # counters tick at CLK_TCK (100 Hz), too coarse for the half second 500
  # Fetches take over TLS.
  : > "$TMPD/$m.out"
  batches=0
  while :; do
    "$OV" client --dir "$d" --peer $((N - 1)) -- --json --timeout 10000 --batch "$TMPD/batch" >> "$TMPD/$m.out"
    batches=$((batches + 1))
    awk -v a="$tl" -v b="$(now)" -v m="$LOADMIN" 'BEGIN { exit !(b - a >= m) }' && break
  done
  load_s=$(since "$tl")
  read -r c3 rss_load uss_load < <(sample "${pids[@]}")
  sleep 1.2
  links_load=$(links "$d")
  jq -r 'select(.ok) | .latency_us' "$TMPD/$m.out" > "$TMPD/$m.lat"
  nok=$(wc -l < "$TMPD/$m.lat")
  [ "$nok" -eq $((F * batches)) ] || echo "bench-links: $m: $nok of $((F * batches)) fetches answered" >&2
  p50=$(pct 50 < "$TMPD/$m.lat")
  p99=$(pct 99 < "$TMPD/$m.lat")
  # CPU: ms of CPU per second of wall time, per link.
  cpu_idle=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v s="$idle_s" -v l="$links_idle" \
    'BEGIN { printf "%.3f", c * 1000 / hz / s / l }')
  cpu_load=$(awk -v c=$((c3 - c2)) -v hz="$HZ" -v s="$load_s" -v l="$links_load" \
    'BEGIN { printf "%.3f", c * 1000 / hz / s / l }')
  jq -cn --arg mode "$m" --argjson peers "$N" --argjson ring_s "$ring_s" \
    --argjson joined "$jn" --argjson join_med "$join_med" --argjson join_max "$join_max" \
    --argjson fetches $((F * batches)) --argjson answered "$nok" --argjson p50 "$p50" --argjson p99 "$p99" \
    --argjson load_s "$load_s" --argjson idle_s "$idle_s" \
    --argjson links_idle "$links_idle" --argjson links_load "$links_load" \
    --argjson rss_idle "$rss_idle" --argjson uss_idle "$uss_idle" \
    --argjson rss_load "$rss_load" --argjson uss_load "$uss_load" \
    --argjson cpu_idle_ticks $((c1 - c0)) --argjson cpu_load_ticks $((c3 - c2)) --argjson hz "$HZ" \
    --argjson cpu_idle "$cpu_idle" --argjson cpu_load "$cpu_load" '
    { bench: "links", topology: "loopback", mode: $mode, peers: $peers, ring_s: $ring_s,
      joined: $joined, join_ms_median: $join_med, join_ms_max: $join_max,
      fetches: $fetches, answered: $answered, fetch_us_p50: $p50, fetch_us_p99: $p99,
      load_s: $load_s, idle_s: $idle_s, links_idle: $links_idle, links_load: $links_load,
      rss_kib_idle: $rss_idle, uss_kib_idle: $uss_idle, rss_kib_load: $rss_load, uss_kib_load: $uss_load,
      uss_kib_per_link_idle: ($uss_idle / $links_idle), uss_kib_per_link_load: ($uss_load / $links_load),
      rss_kib_per_link_idle: ($rss_idle / $links_idle),
      cpu_ticks_idle: $cpu_idle_ticks, cpu_ticks_load: $cpu_load_ticks, clk_tck: $hz,
      cpu_ms_per_s_per_link_idle: $cpu_idle, cpu_ms_per_s_per_link_load: $cpu_load,
      cpu_us_per_fetch: ($cpu_load_ticks * 1000000 / $hz / $answered),
      cpu_us_per_fetch_net: (($cpu_load_ticks / $hz - $cpu_idle_ticks / $hz / $idle_s * $load_s)
                             * 1000000 / $answered) }' >> "$JSON"
  "$OV" stop --dir "$d" >/dev/null 2>&1
  echo "   ring ${ring_s} s, $jn joins, fetch p50 ${p50} us, $links_idle links idle"
done

# ---------------------------------------------------------------- NAT
nat_part() {
  # A subshell: lib-netns.sh's EXIT trap (netns_cleanup) ends it, not us.
  (
    . "$top_srcdir/tests/lib-netns.sh"
    for c in turnserver nft ip; do
      command -v "$c" >/dev/null 2>&1 || { echo "SKIP: $c is not installed"; exit 77; }
    done
    netns_require
    S1=203.0.113.10 S2=203.0.113.11 BOOT=203.0.113.30 BPORT=6084
    D="$NETNS_TMP/overlay"
    mkdir -p "$D"
    if ! { netns_inet && netns_public stun 10 11 && netns_public boot 30 &&
      netns_home home1 eim && netns_home home2 eim && netns_home home3 apdm && netns_home home4 apdm &&
      netns_coturn_start stun "$S1" "$S2"; }; then
      echo "FAIL: topology"
      exit 1
    fi
    "$CA" init --dir "$D/ca" --overlay nat.test --key-type ec >/dev/null || exit 1
    for i in 0 1 2 3 4; do
      "$CA" issue --dir "$D/ca" --user "peer$i@nat.test" --out "peer$i" --key-type ec >/dev/null || exit 1
    done
    "$CA" config --dir "$D/ca" --bootstrap "$BOOT:$BPORT" --kind 4000,SINGLE,USER-MATCH,1,4096 \
      --kind 3,ARRAY,NODE-MATCH,4,8192 --kind 16,ARRAY,USER-MATCH,4,8192 --out "$D/overlay.xml" \
      >/dev/null || exit 1
    start_peer() {
      local i=$1 ns=$2 listen=$3
      shift 3
      netns_exec "$ns" "$BIN/reload-peer" --config "$D/overlay.xml" --cert "$D/ca/peer$i.crt" \
        --key "$D/ca/peer$i.key" --listen "$listen" --bootstrap "$BOOT:$BPORT" --link dtls-ice \
        --update-interval 5000 --status-file "$D/peer$i.json" --log "$D/peer$i.log" "$@" \
        </dev/null >/dev/null 2>&1 &
    }
    t0=$(now)
    start_peer 0 boot "$BOOT:$BPORT" --first
    sleep 0.5
    # home1, home2 (eim): no TURN, server-reflexive candidates only;
    # home3, home4 (apdm): relayed candidates from coturn.
    for h in 1 2; do start_peer "$h" "home$h" "192.168.$h.2:0"; done
    for h in 3 4; do
      start_peer "$h" "home$h" "192.168.$h.2:0" --turn "$S1" --turn-user test --turn-password test
    done
    ring_ok() {
      local i ids succ
      for i in 0 1 2 3 4; do
        [ "$(jq -r .joined "$D/peer$i.json" 2>/dev/null)" = true ] || return 1
      done
      ids=$(for i in 0 1 2 3 4; do jq -r .node_id "$D/peer$i.json"; done | sort | tr '\n' ' ')
      succ=$(for i in 0 1 2 3 4; do jq -r '.successors[0] // empty' "$D/peer$i.json"; done | sort | tr '\n' ' ')
      [ "$ids" = "$succ" ]
    }
    for _ in $(seq 900); do ring_ok && break; sleep 0.05; done
    ring_ok || { echo "FAIL: no ring of 5 behind the NATs in 90 s"; exit 1; }
    ring_s=$(newest_since "$t0" "$D"/peer*.json)
    njoins=$(for i in 1 2 3 4; do grep -m1 "joined the ring" "$D/peer$i.log" | log_ms; done)
    nj_med=$(echo "$njoins" | pct 50)
    nj_max=$(echo "$njoins" | pct 100)
    # user_on H: a user name whose resource (SHA-1 of the name, truncated
    # to the Node-ID's length, 6.2) lands on peer H (its successor).
    mapfile -t ids < <(for i in 0 1 2 3 4; do jq -r .node_id "$D/peer$i.json"; done)
    holder() {
      local rid best="" bi="" low="" li="" i
      rid=$(printf '%s' "$1" | sha1sum | cut -c1-${#ids[0]})
      for i in 0 1 2 3 4; do
        if [[ ! "${ids[$i]}" < "$rid" ]] && { [ -z "$best" ] || [[ "${ids[$i]}" < "$best" ]]; }; then
          best=${ids[$i]} bi=$i
        fi
        if [ -z "$low" ] || [[ "${ids[$i]}" < "$low" ]]; then low=${ids[$i]} li=$i; fi
      done
      echo "${bi:-$li}"
    }
    user_on() {
      local k
      for k in $(seq 0 999); do
        [ "$(holder "u$k@nat.test")" = "$1" ] && { echo "u$k"; return; }
      done
    }
    client() {
      local i=$1 u=$2 addr
      shift 2
      addr=$(jq -r '.listen // empty' "$D/peer$i.json")
      netns_exec "home$i" "$CLIENT" --config "$D/overlay.xml" --cert "$D/ca/$u.crt" \
        --key "$D/ca/$u.key" --peer "$addr" --link dtls-ice --timeout 15000 --json "$@"
    }
    # pair NAME FROM TO: values held by peer TO, fetched through peer FROM.
    pair() {
      local name=$1 from=$2 to=$3 u kind relays idto linked p50 p99 nok
      u=$(user_on "$to")
      [ -n "$u" ] || { echo "   $name: no user name lands on peer $to"; return 1; }
      "$CA" issue --dir "$D/ca" --user "$u@nat.test" --out "$u" --key-type ec >/dev/null || return 1
      client "$to" "$u" store 4000 "$u@nat.test" "v-$u" >/dev/null || { echo "   $name: store failed"; return 1; }
      for _ in $(seq "$NAT_F"); do echo "fetch 4000 $u@nat.test"; done > "$D/batch-$name"
      client "$from" "$u" --batch "$D/batch-$name" > "$D/out-$name"
      jq -r 'select(.ok) | .latency_us' "$D/out-$name" > "$D/lat-$name"
      nok=$(wc -l < "$D/lat-$name")
      p50=$(pct 50 < "$D/lat-$name")
      p99=$(pct 99 < "$D/lat-$name")
      sleep 1.2
      # The links of peer FROM over ICE and their nominated pairs (the
      # status does not name the far end's Node-ID; the log does say
      # whether FROM and TO are linked).
      kind=$(jq -r '[.links[] | select(.transport == "dtls-ice" and .ice.local) |
        "\(.ice.local.type)->\(.ice.remote.type) \(.ice.remote.addr // "")"] | join(", ")' \
        "$D/peer$from.json")
      relays=$(jq '[.links[] | select(.transport == "dtls-ice" and (.ice.local.type == "relay" or .ice.remote.type == "relay"))] | length' "$D/peer$from.json")
      idto=$(jq -r .node_id "$D/peer$to.json")
      linked=false
      grep -q "link .* $idto is up" "$D/peer$from.log" && linked=true
      jq -cn --arg name "$name" --argjson from "$from" --argjson to "$to" --argjson ring_s "$ring_s" \
        --argjson jmed "$nj_med" --argjson jmax "$nj_max" --argjson fetches "$NAT_F" --argjson answered "$nok" --argjson p50 "$p50" --argjson p99 "$p99" \
        --arg pairs "$kind" --argjson relay_links "$relays" --argjson linked "$linked" \
        --arg wan "$(netns_wan_addr "home$to")" '
        { bench: "links", topology: "nat", mode: "dtls-ice", pair: $name, from_peer: $from, to_peer: $to,
          peers: 5, ring_s: $ring_s, join_ms_median: $jmed, join_ms_max: $jmax, fetches: $fetches, answered: $answered,
          fetch_us_p50: $p50, fetch_us_p99: $p99, ice_pairs_at_from: $pairs,
          relay_links_at_from: $relay_links,
          linked_directly: $linked, to_wan: $wan }' >> "$JSON"
      echo "   $name: peer $from -> peer $to ($u), fetch p50 $p50 us p99 $p99 us, $nok/$NAT_F; linked $linked"
      echo "      ICE pairs at peer $from: $kind"
    }
    echo "== NAT topology (tests/lib-netns.sh): ring of 5 over dtls-ice in $ring_s s, joins $nj_med/$nj_max ms"
    pair nat-eim-srflx 1 2
    pair nat-apdm-turn 3 4
    exit 0
  )
}
NAT_F=${BENCH_LINKS_NAT_FETCHES:-200}
export NAT_F
if [ "$NAT" = 1 ]; then
  nat_part
  rc=$?
  [ "$rc" = 77 ] && echo "== NAT topology skipped (needs root, network namespaces, coturn, nft)"
  [ "$rc" != 0 ] && [ "$rc" != 77 ] && echo "bench-links: the NAT part failed ($rc)" >&2
fi

# ---------------------------------------------------------------- table
echo
jq -rs '
  def r(x): if x == null then "-" else (x * 10 | round / 10 | tostring) end;
  def ms(x): if x == null then "-" else (x / 1000 * 100 | round / 100 | tostring) end;
  (["mode", "topology", "peers", "ring s", "join median/max ms", "fetch p50/p99 ms",
    "USS KiB/link idle", "CPU ms/s/link idle", "CPU ms/s/link load", "CPU us/fetch net"] | @tsv),
  (sort_by(if .topology == "nat" then 2 elif .mode == "tls" then 0 else 1 end) |
   .[] | [ .mode + (if .topology == "nat" then " " + .pair else "" end)
          + (if .mode == "tls" then " (anchor)" else "" end),
          .topology, (.peers | tostring), (.ring_s | tostring),
          (if .join_ms_median then "\(.join_ms_median)/\(.join_ms_max)" else "-" end),
          "\(ms(.fetch_us_p50))/\(ms(.fetch_us_p99))",
          r(.uss_kib_per_link_idle), (.cpu_ms_per_s_per_link_idle // "-" | tostring),
          (.cpu_ms_per_s_per_link_load // "-" | tostring),
          (if .cpu_us_per_fetch_net then (.cpu_us_per_fetch_net | round | tostring) else "-" end)] | @tsv)' "$JSON" | column -t -s "$(printf '\t')"
echo "JSON lines: $JSON"
