#!/usr/bin/env bash
# nat-turn-service.sh: the TURN Server Usage (RFC 6940 9) end to end, on
# the internet of nat-ice.sh (tests/lib-netns.sh, doc/nat-tests.md):
#   - the public bootstrap peer (203.0.113.30) offers coturn, which runs
#     next to it on 203.0.113.10, with --turn-service: it stores a
#     TurnServer under TURN-SERVICE at H(Node-ID || d), d = 1..2
#     (turn-density 2);
#   - the peers in home1 and home2 (endpoint-independent NATs) have no TURN
#     server; those in home3 and home4 (address-and-port-dependent NATs)
#     start with --find-turn and the TURN credentials but no --turn: they
#     must find coturn through the overlay (Find at random Resource-IDs,
#     then Fetch) and use it for their later ICE agents.
# Checked: the ring of 5 forms; the bootstrap peer published; both apdm
# peers found and use 203.0.113.10:3478; the two apdm peers get linked,
# which only a relay can do, and the status "links" shows relayed pairs;
# find-relay node:ID (peer 0's H(Node-ID || d)) from home2 prints coturn's
# address, and still does after the entries' lifetime (refreshed); a
# random find-relay from home1 is run and printed, not checked; a
# private --turn-service is refused (9: SHOULD NOT) and the log says why.
# Needs root, network namespaces, nftables and coturn (SKIP otherwise).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/net/lib-nat-overlay.sh"

nat_topology
# A sixth certificate: the peer that offers a private --turn-service.
nat_overlay_ca 6 --kind 2,SINGLE,NODE-MULTIPLE,1,256,20 --turn-density 2

# Lifetime 9 s: the entries are stored again every 6 s, and would be gone
# by the time of the later find-relay were they not.
T0=$(date +%s)
start_peer 0 boot "$BOOT:$BPORT" --first --turn-service "$S1" --turn-service-lifetime 9
sleep 0.5
# home1 and home2 (eim): server-reflexive candidates from the bootstrap
# peer's STUN answers; home3 and home4 (apdm): a TURN server found in the
# overlay (9), with the credentials given here (9 carries none).
for h in 1 2; do start_peer "$h" "home$h" "192.168.$h.2:0"; done
for h in 3 4; do
  start_peer "$h" "home$h" "192.168.$h.2:0" --find-turn --turn-user test --turn-password test
done

wait_ring

echo "== TURN-SERVICE published by the bootstrap peer (9)"
pub=no
grep -q "publishing TURN server $S1:3478 at H(Node-ID || d), d = 1..2" "$D/peer0.log" && pub=yes
expect_eq "peer 0 stores TurnServer entries d = 1..2" "$pub" yes
for _ in $(seq 50); do
  [ "$(jq '.turn_service.stores_ok // 0' "$D/peer0.json")" -ge 2 ] && break
  sleep 0.1
done
expect_eq "both Stores accepted (status turn_service.stores_ok >= 2)" \
  "$([ "$(jq '.turn_service.stores_ok // 0' "$D/peer0.json")" -ge 2 ] && echo yes || echo no)" yes

echo "== the apdm peers find coturn through the overlay (30 s at most)"
found_all() {
  grep -q "using TURN server $S1:3478" "$D/peer3.log" &&
    grep -q "using TURN server $S1:3478" "$D/peer4.log"
}
for _ in $(seq 300); do found_all && break; sleep 0.1; done
for i in 3 4; do
  f=no
  grep -q "using TURN server $S1:3478" "$D/peer$i.log" && f=yes
  expect_eq "peer $i uses the TURN server it found" "$f" yes
  expect_eq "peer $i status turn_service.using" \
    "$(jq -r '.turn_service.using // "none"' "$D/peer$i.json")" "$S1:3478"
done

echo "== reload-client find-relay from home1"
# Three rounds of 16 Finds at random Resource-IDs (9). Printed, not
# checked: from a client this search has come back empty (48 Finds, no
# entry) in some runs right after the ring formed, which is not
# understood yet (issue 15's note). The peers' own search (--find-turn)
# is checked above, and the entries themselves below.
out=$(client 1 find-relay 16 3)
echo "$out"
echo "random search from a client found coturn: $(echo "$out" |
  jq -r '[.servers[].address] | index("'"$S1"':3478") != null' 2>/dev/null)"

out=$(client 2 find-relay "node:$(jq -r .node_id "$D/peer0.json")")
echo "$out"
expect_eq "find-relay node:ID0 (H(Node-ID || d), d = 1..2) prints coturn" \
  "$(echo "$out" | jq -r '[.servers[].address] | index("'"$S1"':3478") != null' 2>/dev/null)" true

echo "== peer 3 and peer 4 (both behind apdm NATs) linked through a relay (45 s at most)"
id3=$(jq -r .node_id "$D/peer3.json")
id4=$(jq -r .node_id "$D/peer4.json")
linked34() {
  grep -q "link .* $id3 is up" "$D/peer4.log" || grep -q "link .* $id4 is up" "$D/peer3.log"
}
nrelay_of() {
  jq '[.links[] | select(.transport == "dtls-ice" and (.ice.local.type == "relay" or
       .ice.remote.type == "relay"))] | length' "$D/peer$1.json" 2>/dev/null || echo 0
}
t0=$(date +%s)
for _ in $(seq 450); do
  linked34 && [ $(($(nrelay_of 3) + $(nrelay_of 4))) -gt 0 ] && break
  sleep 0.1
done
for i in 0 1 2 3 4; do
  jq -r --arg i "$i" '.links[] | select(.transport == "dtls-ice") |
    "peer \($i) link \(.link): \(.ice.local.type // "?") \(.ice.local.addr // "") -> \(.ice.remote.type // "?") \(.ice.remote.addr // "")"' \
    "$D/peer$i.json"
done
l=no
linked34 && l=yes
expect_eq "peer 3 and peer 4 linked ($(($(date +%s) - t0)) s after the search)" "$l" yes
nrelay=$(($(nrelay_of 3) + $(nrelay_of 4)))
expect_eq "links of the apdm peers over a relay found in the overlay" \
  "$([ "$nrelay" -gt 0 ] && echo yes || echo "no ($nrelay)")" yes

echo "== the entries are refreshed before their lifetime (9 s) ends"
n=$(jq '.turn_service.stores_ok // 0' "$D/peer0.json")
expect_eq "Stores of the entries after the test's $(($(date +%s) - T0)) s: $n, more than 2" \
  "$([ "$n" -gt 2 ] && echo yes || echo "no ($n)")" yes
# The entries themselves (H(Node-ID || d)), not a random search: whether
# they outlived their 9 s lifetime is what the refresh is about.
out=$(client 1 find-relay "node:$(jq -r .node_id "$D/peer0.json")")
echo "$out"
expect_eq "find-relay node:ID0 still prints coturn after more than the lifetime" \
  "$(echo "$out" | jq -r '[.servers[].address] | index("'"$S1"':3478") != null' 2>/dev/null)" true

echo "== a private --turn-service is refused (9: SHOULD NOT)"
netns_exec home1 "$PEER" --config "$D/overlay.xml" --cert "$D/ca/peer5.crt" --key "$D/ca/peer5.key" \
  --listen 192.168.1.2:0 --bootstrap "$BOOT:$BPORT" --link dtls-ice --turn-service 192.168.1.2 \
  --log "$D/private.log" -v </dev/null >/dev/null 2>&1 &
ppid=$!
for _ in $(seq 200); do grep -q "TURN-SERVICE: not publishing" "$D/private.log" 2>/dev/null && break; sleep 0.1; done
kill "$ppid" 2>/dev/null
wait "$ppid" 2>/dev/null
r=no
grep -q "not publishing 192.168.1.2:3478: an RFC 1918 private address" "$D/private.log" && r=yes
expect_eq "a peer offering 192.168.1.2 logs why it does not publish" "$r" yes
finish
