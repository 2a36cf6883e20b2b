# shellcheck shell=bash
# lib-nat-overlay.sh: an overlay of reference peers over DTLS-UDP-SR with
# ICE (--link dtls-ice) on the small internet of tests/lib-netns.sh, for
# the NAT tests (nat-ice.sh, nat-turn-service.sh; doc/nat-tests.md).
# Sourced after setting top_srcdir/top_builddir; skips (77) without root,
# network namespaces, coturn, jq, ss or nft.
#
#   nat_topology           the public segment: coturn on $S1 and $S2 in
#                          namespace "stun", the bootstrap host $BOOT in
#                          "boot"; home1/home2 behind eim NATs, home3/home4
#                          behind apdm NATs (192.168.K.2)
#   nat_overlay_ca N ARGS  a CA, peer0..peerN-1 and alice in $D/ca, and
#                          $D/overlay.xml (reload-ca config ARGS added)
#   start_peer I NS LISTEN [ARGS]   reload-peer I in namespace NS
#   stop_peers             SIGTERM every peer (run before the teardown,
#                          while coturn still runs: agents release their
#                          TURN allocations)
#   ring_ok                peers 0..4 joined, their successors one cycle
#   wait_ring              ring_ok within 60 s, a pass or a fail (finish)
#   client I OP ARGS       reload-client as alice, through peer I, in its
#                          namespace
#   pass/fail/expect_eq/finish   the test's tally
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
. "$top_srcdir/tests/lib-netns.sh"

for c in turnserver jq ss nft; do
  if ! command -v "$c" >/dev/null 2>&1; then
    echo "SKIP: $c is not installed (coturn, jq, iproute2, nftables)"
    exit 77
  fi
done
PEER="$top_builddir/reload-peer"
CLIENT="$top_builddir/reload-client"
CA="$top_builddir/tools/reload-ca"
for p in "$PEER" "$CLIENT" "$CA"; do
  [ -x "$p" ] || { echo "FAIL: $p is not built"; exit 1; }
done
netns_require

npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "ok: $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL: $*"; }
expect_eq() { if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', want '$3'"; fi; }
finish() {
  echo "$npass passed, $nfail failed"
  [ "$nfail" = 0 ] || { [ -n "${D:-}" ] && tail -n 25 "$D"/peer*.log; exit 1; }
  exit 0
}

S1=203.0.113.10
S2=203.0.113.11
BOOT=203.0.113.30
BPORT=6084
D="$NETNS_TMP/overlay"
mkdir -p "$D"

nat_topology() {
  local h t
  echo "== topology (namespaces ${NETNS_TAG}-*)"
  netns_inet || { echo "FAIL: router namespace"; exit 1; }
  netns_public stun 10 11 || { echo "FAIL: public host stun"; exit 1; }
  netns_public boot 30 || { echo "FAIL: public host boot"; exit 1; }
  if ! { netns_home home1 eim && netns_home home2 eim && netns_home home3 apdm &&
    netns_home home4 apdm; }; then
    echo "FAIL: homes"
    exit 1
  fi
  netns_coturn_start stun "$S1" "$S2" || { echo "FAIL: coturn"; exit 1; }
  for h in 1 2 3 4; do
    t=eim
    [ "$h" -ge 3 ] && t=apdm
    echo "home$h: 192.168.$h.2 behind a $t NAT ($(netns_wan_addr "home$h"))"
  done
}

nat_overlay_ca() {
  local n=$1 i
  shift
  echo "== overlay: a CA, $n peers and alice (reload-ca)"
  "$CA" init --dir "$D/ca" --overlay nat.test --key-type ec >/dev/null || exit 1
  for i in $(seq 0 $((n - 1))); do
    "$CA" issue --dir "$D/ca" --user "peer$i@nat.test" --out "peer$i" --key-type ec >/dev/null ||
      exit 1
  done
  "$CA" issue --dir "$D/ca" --user "alice@nat.test" --out alice --key-type ec >/dev/null || exit 1
  "$CA" config --dir "$D/ca" --bootstrap "$BOOT:$BPORT" --kind 4000,SINGLE,USER-MATCH,1,4096 \
    --kind 3,ARRAY,NODE-MATCH,4,8192 --kind 16,ARRAY,USER-MATCH,4,8192 "$@" \
    --out "$D/overlay.xml" >/dev/null || exit 1
}

start_peer() {
  local i=$1 ns=$2 listen=$3
  shift 3
  netns_exec "$ns" "$PEER" --config "$D/overlay.xml" --cert "$D/ca/peer$i.crt" \
    --key "$D/ca/peer$i.key" --listen "$listen" --bootstrap "$BOOT:$BPORT" --link dtls-ice \
    --update-interval 5000 \
    --status-file "$D/peer$i.json" --log "$D/peer$i.log" -v "$@" </dev/null >/dev/null 2>&1 &
  echo $! > "$D/peer$i.pid"
}

stop_peers() {
  local f
  for f in "$D"/peer*.pid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  for _ in $(seq 30); do
    pgrep -f "$D/overlay.xml" >/dev/null || return 0
    sleep 0.1
  done
}
NETNS_BEFORE_TEARDOWN=stop_peers

ring_ok() {
  local i ids succ
  for i in 0 1 2 3 4; do
    [ -s "$D/peer$i.json" ] || return 1
    [ "$(jq -r .joined "$D/peer$i.json" 2>/dev/null)" = true ] || return 1
  done
  ids=$(for i in 0 1 2 3 4; do jq -r .node_id "$D/peer$i.json"; done | sort | tr '\n' ' ')
  succ=$(for i in 0 1 2 3 4; do jq -r '.successors[0] // empty' "$D/peer$i.json"; done |
    sort | tr '\n' ' ')
  [ "$ids" = "$succ" ]
}

wait_ring() {
  local t0
  echo "== the ring forms (60 s at most)"
  t0=$(date +%s)
  for _ in $(seq 600); do ring_ok && break; sleep 0.1; done
  if ring_ok; then
    pass "ring of 5 peers across four NATs ($(($(date +%s) - t0)) s)"
  else
    fail "no ring of 5"
    finish
  fi
}

client() {
  local i=$1 ns=boot addr
  shift
  if [ "$i" = 0 ]; then addr="$BOOT:$BPORT"; else
    ns="home$i"
    addr=$(jq -r '.listen // empty' "$D/peer$i.json")
  fi
  netns_exec "$ns" "$CLIENT" --config "$D/overlay.xml" --cert "$D/ca/alice.crt" \
    --key "$D/ca/alice.key" --peer "$addr" --link dtls-ice --timeout 15000 --json "$@"
}
