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
. "$top_srcdir/tests/net/lib-nat-overlay.sh"

nat_topology
nat_overlay_ca 5
start_peer 0 boot "$BOOT:$BPORT" --first
sleep 0.5
# home1 and home2 (eim): server-reflexive candidates from the bootstrap
# peer's STUN answers; home3 and home4 (apdm): relayed ones from coturn.
for h in 1 2; do start_peer "$h" "home$h" "192.168.$h.2:0"; done
for h in 3 4; do
  start_peer "$h" "home$h" "192.168.$h.2:0" --turn "$S1" --turn-user test --turn-password test
done
wait_ring

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
