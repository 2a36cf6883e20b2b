#!/usr/bin/env bash
# call-setup.sh: call setup time through a RELOAD overlay (issue 6): the
# time from a phone's INVITE to the 180 it gets back, for N calls from a
# sipp phone (alice) attached to one reference peer to a sipp phone (bob)
# attached to another, on an overlay of P peers on loopback started by
# reload-overlay --sip. Each call: the caller's peer Fetches bob's
# SIP-REGISTRATION, AppAttaches to the peer that stored it (or reuses the
# connection) and forwards the INVITE, which delivers it to bob (RFC 7904
# 4). The anchor, in the same run: the same two phones calling each other
# directly, no proxy at all.
#
#   bench/sip/call-setup.sh [-n CALLS] [-r CALLS_PER_S] [-l MAX_CONCURRENT]
#                           [--peers P] [--stock]
#   make bench-sip-call [BENCH_SIP_CALL_ARGS="-n 500"]
#
# Defaults: 200 calls at 20 calls/s, at most 10 at once, 20 peers. Times
# are the phones' own: sipp's -trace_shortmsg stamps every message sent or
# received in microseconds (its rtd counters count whole milliseconds, too
# coarse for loopback); the setup time of a call is its first 180 minus its
# first INVITE, at alice's phone. Prints median, 99th percentile (nearest
# rank) and max per path. Needs sipp, jq, python3.
#
# --stock: the phones run sipp's own uac and uas scenarios, unmodified
# (sipp -sn uac -s bob PEER, sipp -sn uas): the uac's Request-URI is
# sip:bob@PEER_ADDRESS:PORT, which the peer resolves as the AOR
# bob@DOMAIN (RFC 3261 16.5; doc/sip-usage.md); its ACK and BYE go to
# the same URI (the stock uac keeps no route set). bob's uas registers
# first with tests/sip/sipp/register.xml from the same port.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
export top_srcdir
. "$top_srcdir/tests/peer/lib-overlay.sh"
. "$top_srcdir/tests/sip/lib-sip.sh"

CALLS=200
RATE=20
LIMIT=10
PEERS=20
STOCK=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n) CALLS=$2; shift ;;
    -r) RATE=$2; shift ;;
    -l) LIMIT=$2; shift ;;
    --peers) PEERS=$2; shift ;;
    --stock) STOCK=1 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "call-setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for v in "$CALLS" "$RATE" "$LIMIT" "$PEERS"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "call-setup.sh: want positive integers" >&2; exit 2; }
done
[ "$PEERS" -ge 2 ] || { echo "call-setup.sh: --peers 2 at least" >&2; exit 2; }

D=$SIP_DOMAIN
# alice's peer and bob's: two peers apart in index order, which says
# nothing of their places on the ring (random Node-IDs).
PA=1 PB=$((PEERS - 2))
mapfile -t PORTS < <(free_ports 4)
ALICE_PORT=${PORTS[0]} BOB_PORT=${PORTS[1]} ALICE_DIRECT=${PORTS[2]} BOB_DIRECT=${PORTS[3]}
# Every call is within reach of the phones' timeouts.
PHONE_TIMEOUT=$((CALLS / RATE + 60))
PHONE_RECV_MS=20000

# calls NAME_SUFFIX ALICE_PORT BOB_PORT TARGET: CALLS calls from alice to
# bob, alice sending to TARGET; statuses in the phones' PHONE_RC.
calls() {
  local uas=uas-call.xml uac=uac-call.xml
  [ "$STOCK" = 1 ] && uas=sn:uas uac=sn:uac
  # 4 MiB socket buffers: a phone busy for a moment under load drops no
  # datagram (a lost 180 fails a call: provisional responses are not
  # retransmitted).
  phone_bg "bob-$1" "$uas" "$3" -m "$CALLS" -key user bob -buff_size 4194304
  phone_listening "$3"
  rm -f "$TMP"/sipp/uac-call_*_rtt.csv
  run_phone "alice-$1" "$uac" "$2" -m "$CALLS" -r "$RATE" -l "$LIMIT" -buff_size 4194304 \
    -trace_shortmsg -shortmessage_file "$TMP/sipp/alice-$1.short" -trace_rtt -rtt_freq 1 \
    -s bob -key user alice -key callee bob -key domain "$D" "$4"
  # bob is done a moment after alice (his last BYE); if calls were lost he
  # would wait for them until his timeout.
  local bob _
  read -r bob < "$TMP/sipp/bob-$1.pid"
  for _ in $(seq 50); do kill -0 "$bob" 2>/dev/null || break; sleep 0.1; done
  kill "$bob" 2>/dev/null
  wait_phone "bob-$1"
  cat "$TMP"/sipp/uac-call_*_rtt.csv > "$TMP/sipp/alice-$1.rtt" 2>/dev/null
}

# setup_times FILE: one line per call answered with 180, the milliseconds
# from its first INVITE to its first 180.
setup_times() {
  "$PYTHON" - "$1" <<'EOF'
import sys
inv, r180 = {}, {}
for line in open(sys.argv[1], errors="replace"):
    f = line.rstrip("\n").split("\t")
    if len(f) < 7:
        continue
    t, way, cid, first = float(f[2]), f[3], f[4], f[6]
    if way == "S" and first.startswith("INVITE "):
        inv.setdefault(cid, t)
    elif way == "R" and first.startswith("SIP/2.0 180"):
        r180.setdefault(cid, t)
for cid, t in inv.items():
    if cid in r180:
        print("%.3f" % ((r180[cid] - t) * 1000))
EOF
}
# stats LABEL FILE: calls, median, p99, max of FILE's times.
stats() {
  sort -n "$2" | awk -v label="$1" -v want="$CALLS" '
    { v[NR] = $1 }
    END {
      n = NR
      if (n == 0) { printf "%-28s %7s %10s %10s %10s\n", label, "0/" want, "-", "-", "-"; exit }
      med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      r = int(0.99 * n); if (r < 0.99 * n) r++; if (r < 1) r = 1
      printf "%-28s %7s %8.3f ms %8.3f ms %8.3f ms\n", label, n "/" want, med, v[r], v[n]
    }'
}

section "the anchor: alice calls bob directly, $CALLS calls at $RATE/s"
calls direct "$ALICE_DIRECT" "$BOB_DIRECT" "127.0.0.1:$BOB_DIRECT"
phone_ok "$CALLS direct calls" "" alice-direct bob-direct
setup_times "$TMP/sipp/alice-direct.short" > "$TMP/direct.ms"

section "$PEERS peers with --sip"
if ! ov start -n "$PEERS" --sip --sip-base 0; then
  echo "FAIL: reload-overlay start -n $PEERS --sip"
  exit 1
fi
check "reload-overlay wait: the ring becomes stable" ov wait --timeout 90
SIP_A=$(ov sip-port "$PA") && SIP_B=$(ov sip-port "$PB") || { fail "the peers' SIP ports"; finish; exit 1; }
run_phone alice-reg register.xml "$ALICE_PORT" -key user alice -key domain "$D" -set expires 3600 \
  "127.0.0.1:$SIP_A"
run_phone bob-reg register.xml "$BOB_PORT" -key user bob -key domain "$D" -set expires 3600 \
  "127.0.0.1:$SIP_B"
phone_ok "alice registers at peer $PA, bob at peer $PB" "$PA $PB" alice-reg bob-reg

section "alice (peer $PA) calls bob (peer $PB) through the overlay, $CALLS calls at $RATE/s"
calls overlay "$ALICE_PORT" "$BOB_PORT" "127.0.0.1:$SIP_A"
phone_ok "$CALLS calls through the overlay" "$PA $PB" alice-overlay bob-overlay
setup_times "$TMP/sipp/alice-overlay.short" > "$TMP/overlay.ms"

section "call setup: INVITE sent -> 180 received, at alice's phone"
printf '%-28s %7s %11s %11s %11s\n' path calls median p99 max
stats "direct (no overlay)" "$TMP/direct.ms"
stats "through $PEERS peers" "$TMP/overlay.ms"
# sipp's own count of the same interval (uac-call.xml's rtd "setup"), in
# whole milliseconds: a cross-check of the table.
for p in direct overlay; do
  awk -F';' '$3 == "setup" { print $2 }' "$TMP/sipp/alice-$p.rtt" 2>/dev/null > "$TMP/$p.rtd"
done
echo "sipp's rtd \"setup\" (1 ms steps): direct $(sort -n "$TMP/direct.rtd" |
  awk '{ v[NR] = $1 } END { if (NR) printf "median %d ms, max %d ms", v[int((NR + 1) / 2)], v[NR]; else printf "none" }');" \
  "overlay $(sort -n "$TMP/overlay.rtd" |
  awk '{ v[NR] = $1 } END { if (NR) printf "median %d ms, max %d ms", v[int((NR + 1) / 2)], v[NR]; else printf "none" }')"
# What alice's peer logged of its Fetches of bob's registration (overlay
# hops and time), when its log says so.
grep 'overlay: Fetch .*answer after' "$DIR/peer$PA.log" 2>/dev/null |
  sed -n 's/.*answer after \([0-9]*\) hop(s), \([0-9.]*\) ms.*/\1 \2/p' > "$TMP/fetch.txt"
if [ -s "$TMP/fetch.txt" ]; then
  echo "peer $PA's Fetches: $(wc -l < "$TMP/fetch.txt"); hops (hops:count)" \
    "$(cut -d' ' -f1 "$TMP/fetch.txt" | sort -n | uniq -c | awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }');" \
    "median $(cut -d' ' -f2 "$TMP/fetch.txt" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms"
fi
uname -srm
nproc | sed 's/^/cpus: /'

finish
