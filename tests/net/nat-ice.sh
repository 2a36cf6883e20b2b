#!/usr/bin/env bash
# nat-ice.sh: peers behind NATs form one ring over DTLS-UDP-SR with full
# ICE (RFC 6940 6.5.1.3-6.5.1.13, libnice), on the small internet of
# tests/lib-netns.sh (doc/nat-tests.md):
#   - public segment 203.0.113.0/24: the bootstrap peer (203.0.113.30),
#     which is the STUN server of the peers in home1 and home2 (6.5.1.4:
#     no --stun given, they ask their bootstrap node), and coturn as the
#     TURN server of the peers in home3 and home4 (203.0.113.10 and .11);
#   - home1 and home2 behind endpoint-independent-mapping NATs, home3 and
#     home4 behind address-and-port-dependent-mapping ones; every NAT
#     drops unsolicited inbound datagrams. A peer in each home, listening
#     on its private address, gathering host, server-reflexive (STUN) and
#     relayed (TURN) candidates.
# Checked: the five peers form one ring; a value stored through the peer
# behind one NAT is fetched through the peer behind each other NAT; links
# between two homes exist and run over a nominated pair, which the status
# shows; a pair of homes behind address-and-port-dependent NATs can only
# meet through the relay, and its link's pair is a relayed one; the links
# between homes carried the messages (frames acked). The winning pairs
# are printed per link.
# Needs root, network namespaces, nftables and coturn (SKIP otherwise).
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

echo "== topology (namespaces ${NETNS_TAG}-*)"
netns_inet || { echo "FAIL: router namespace"; exit 1; }
netns_public stun 10 11 || { echo "FAIL: public host stun"; exit 1; }
netns_public boot 30 || { echo "FAIL: public host boot"; exit 1; }
netns_home home1 eim && netns_home home2 eim && netns_home home3 apdm && netns_home home4 apdm ||
  { echo "FAIL: homes"; exit 1; }
netns_coturn_start stun "$S1" "$S2" || { echo "FAIL: coturn"; exit 1; }
for h in 1 2 3 4; do
  t=eim
  [ "$h" -ge 3 ] && t=apdm
  echo "home$h: 192.168.$h.2 behind a $t NAT ($(netns_wan_addr "home$h"))"
done

echo "== overlay: a CA, five peers and alice (reload-ca)"
"$CA" init --dir "$D/ca" --overlay nat.test --key-type ec >/dev/null || exit 1
for i in 0 1 2 3 4; do
  "$CA" issue --dir "$D/ca" --user "peer$i@nat.test" --out "peer$i" --key-type ec >/dev/null || exit 1
done
"$CA" issue --dir "$D/ca" --user "alice@nat.test" --out alice --key-type ec >/dev/null || exit 1
"$CA" config --dir "$D/ca" --bootstrap "$BOOT:$BPORT" --kind 4000,SINGLE,USER-MATCH,1,4096 \
  --kind 3,ARRAY,NODE-MATCH,4,8192 --kind 16,ARRAY,USER-MATCH,4,8192 --out "$D/overlay.xml" \
  >/dev/null || exit 1

# start_peer I NS LISTEN [--first]
start_peer() {
  local i=$1 ns=$2 listen=$3
  shift 3
  netns_exec "$ns" "$PEER" --config "$D/overlay.xml" --cert "$D/ca/peer$i.crt" \
    --key "$D/ca/peer$i.key" --listen "$listen" --bootstrap "$BOOT:$BPORT" --link dtls-ice \
    --update-interval 5000 \
    --status-file "$D/peer$i.json" --log "$D/peer$i.log" -v "$@" </dev/null >/dev/null 2>&1 &
  echo $! > "$D/peer$i.pid"
}
# The peers leave (SIGTERM) before the namespaces go: their agents
# release the TURN allocations (netns_cleanup would kill them at once).
stop_peers() {
  local f
  for f in "$D"/peer*.pid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  for _ in $(seq 30); do
    pgrep -f "$D/overlay.xml" >/dev/null || return 0
    sleep 0.1
  done
}
NETNS_BEFORE_TEARDOWN=stop_peers
start_peer 0 boot "$BOOT:$BPORT" --first
sleep 0.5
# home1 and home2 (eim): server-reflexive candidates from the bootstrap
# peer's STUN answers; home3 and home4 (apdm): relayed ones from coturn.
for h in 1 2; do start_peer "$h" "home$h" "192.168.$h.2:0"; done
for h in 3 4; do
  start_peer "$h" "home$h" "192.168.$h.2:0" --turn "$S1" --turn-user test --turn-password test
done

# ring_ok: every peer joined, and the successors form one cycle of 5.
ring_ok() {
  local i ids succ
  for i in 0 1 2 3 4; do
    [ -s "$D/peer$i.json" ] || return 1
    [ "$(jq -r .joined "$D/peer$i.json" 2>/dev/null)" = true ] || return 1
  done
  ids=$(for i in 0 1 2 3 4; do jq -r .node_id "$D/peer$i.json"; done | sort | tr '\n' ' ')
  succ=$(for i in 0 1 2 3 4; do jq -r '.successors[0] // empty' "$D/peer$i.json"; done | sort | tr '\n' ' ')
  [ "$ids" = "$succ" ]
}
echo "== the ring forms (60 s at most)"
t0=$(date +%s)
for _ in $(seq 600); do ring_ok && break; sleep 0.1; done
if ring_ok; then pass "ring of 5 peers across four NATs ($(($(date +%s) - t0)) s)"; else fail "no ring of 5"; finish; fi

# client I OP ARGS...: reload-client in peer I's namespace, through peer I.
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

echo "== alice stores behind home1's NAT; every peer fetches"
TAG=$$-$RANDOM
out=$(client 1 store 4000 alice@nat.test "v-$TAG")
echo "$out"
expect_eq "store answered ok" "$(echo "$out" | jq -r .ok 2>/dev/null)" true
for i in 0 2 3 4; do
  v=$(client "$i" fetch 4000 alice@nat.test | jq -r '.kinds[0].values[0].value // "none"' 2>/dev/null)
  expect_eq "fetched through peer $i" "$v" "v-$TAG"
done

echo "== which candidate pair won, per link (status \"links\")"
for i in 0 1 2 3 4; do
  jq -r --arg i "$i" '.links[] | select(.transport == "dtls-ice") |
    "peer \($i) link \(.link): \(.ice.local.type // "?") \(.ice.local.addr // "") -> \(.ice.remote.type // "?") \(.ice.remote.addr // "") (frames acked \(.messages_acked // 0))"' \
    "$D/peer$i.json"
done
# Links between two homes: the far end's address is another home's NAT,
# its relay, or (from the NAT's side) its own public address.
nrelay=0
nice=0
for i in 1 2 3 4; do
  n=$(jq '[.links[] | select(.transport == "dtls-ice" and .ice.local)] | length' "$D/peer$i.json")
  nice=$((nice + n))
  r=$(jq '[.links[] | select(.transport == "dtls-ice" and (.ice.local.type == "relay" or
          .ice.remote.type == "relay"))] | length' "$D/peer$i.json")
  nrelay=$((nrelay + r))
done
expect_eq "ICE links up at the peers behind NATs" "$([ "$nice" -gt 0 ] && echo yes || echo "no ($nice)")" yes
# home3 and home4 both map a new port per destination: only a relay can
# join them. Is there a link between peer 3 and peer 4?
id3=$(jq -r .node_id "$D/peer3.json")
id4=$(jq -r .node_id "$D/peer4.json")
linked34=no
if grep -q "link .* $id3 is up" "$D/peer4.log" || grep -q "link .* $id4 is up" "$D/peer3.log"; then
  linked34=yes
fi
expect_eq "peer 3 and peer 4 (both behind apdm NATs) linked" "$linked34" yes
expect_eq "links over a TURN relay (an apdm pair has no other way)" \
  "$([ "$nrelay" -gt 0 ] && echo yes || echo "no ($nrelay)")" yes
expect_eq "the bootstrap peer answered STUN Binding requests" \
  "$([ "$(jq .stun_answered "$D/peer0.json")" -gt 0 ] && echo yes || echo "no ($(jq .stun_answered "$D/peer0.json"))")" yes
acked=0
for i in 1 2 3 4; do
  acked=$((acked + $(jq '[.links[] | select(.transport == "dtls-ice") | .messages_acked // 0] | add // 0' "$D/peer$i.json")))
done
expect_eq "messages acked on ICE links behind NATs" "$([ "$acked" -gt 0 ] && echo yes || echo "no ($acked)")" yes
finish
