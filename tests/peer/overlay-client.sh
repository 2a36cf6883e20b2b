#!/usr/bin/env bash
# overlay-client.sh: a RELOAD client (RFC 6940 4.2) against a small overlay
# of reference peers: stores and fetches, the four access control policies
# of 7.3 (each allowed and forbidden: Error_Forbidden), Kinds missing from
# the configuration, Ping, Probe (6.4.2.5) and RouteQuery (6.4.2.4) answers,
# and that a client never becomes part of any peer's Routing Table.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

N=4
ALICE="alice@$OVERLAY_NAME"
BOB="bob@$OVERLAY_NAME"
CAROL="carol@$OVERLAY_NAME"
TAG=$$-$RANDOM

# H(bytes given in hex): the overlay hash (SHA-1, first 128 bits, 10.2).
hash_hex() { printf '%b' "$(echo "$1" | sed 's/../\\x&/g')" | sha1sum | cut -c1-32; }
# answer PEER USER ARGS...: "ok" or the error name, then the text if any.
answer() {
  client "$@" | jq -r 'if .ok then "ok" else "\(.error)\(if .text then ": " + .text else "" end)" end'
}
# expect_answer NAME GOT WANT-PREFIX
expect_answer() {
  case "$2" in
    "$3"*) pass; echo "ok: $1 ($2)" ;;
    *) fail "$1"; echo "  got:  $2"; echo "  want: $3..." ;;
  esac
}

section "$N peers"
overlay_start "$N"
if ! wait_ring 60; then
  fail "ring of $N peers"
  finish
  exit 1
fi
echo "ok: ring of $N peers (${RING_SECS}s)"
ALICE_ID=$(cert_node_id "$DIR/alice.crt")
BOB_ID=$(cert_node_id "$DIR/bob.crt")
# carol: a user whose Node-ID is printable ("carol-node-id-16"), so that
# reload-client can give it as a dictionary key (USER-NODE-MATCH, 7.3.3).
CAROL_KEY=carol-node-id-16
CAROL_ID=$(printf '%s' "$CAROL_KEY" | od -An -tx1 | tr -d ' \n')
if ! "$CA" issue --dir "$DIR/ca" --user "$CAROL" --node-id "$CAROL_ID" --out carol --bits 2048 \
  >/dev/null || ! mv "$DIR/ca/carol.crt" "$DIR/ca/carol.key" "$DIR/"; then
  fail "issue carol's certificate"
  exit 1
fi
expect_eq "carol's certificate carries her Node-ID" "$(cert_node_id "$DIR/carol.crt")" "$CAROL_ID"

section "store and fetch through a client"
expect_answer "alice stores her single value" "$(answer 1 alice store 4000 "$ALICE" "a-$TAG")" ok
got=$(client 2 bob fetch 4000 "$ALICE" | jq -r '.kinds[0].values[0] | "\(.value) \(.signature) \(.signer)"')
expect_eq "bob fetches it: value, signature, signer" "$got" "a-$TAG valid signed by $ALICE"
# 7.4.2.2: a key nobody stored comes back as a synthetic, unsigned value.
got=$(client 2 bob fetch 4002 "$ALICE" "key=none-$TAG" |
  jq -r '.kinds[0].values[0] | "\(.exists) \(.signature) \(.storage_time)"')
expect_eq "bob fetches a key alice never stored: exists, signature, storage_time" "$got" \
  "false none 0"

section "USER-MATCH (7.3.1): the user name must hash to the Resource-ID"
expect_answer "bob stores at his own name" "$(answer 1 bob store 4000 "$BOB" "b-$TAG")" ok
expect_answer "alice stores a single value at bob's name" \
  "$(answer 1 alice store 4000 "$BOB" "forged-$TAG")" "Error_Forbidden"
expect_answer "alice appends to an array at bob's name" \
  "$(answer 1 alice store 4001 "$BOB" "forged-$TAG")" "Error_Forbidden"
expect_answer "alice stores a dictionary key at bob's name" \
  "$(answer 1 alice store 4002 "$BOB" key=k "forged-$TAG")" "Error_Forbidden"
expect_eq "bob's value is unchanged" \
  "$(client 3 alice fetch 4000 "$BOB" | jq -r '.kinds[0].values[0].value')" "b-$TAG"

section "NODE-MATCH (7.3.2): the Resource-ID must be the hash of the signer's Node-ID"
expect_answer "alice stores at node: (H(her Node-ID))" "$(answer 1 alice store 4003 node: "n-$TAG")" ok
expect_eq "the value is at H(alice's Node-ID)" \
  "$(client 2 bob fetch 4003 "hex:$(hash_hex "$ALICE_ID")" | jq -r '.kinds[0].values[0].value')" "n-$TAG"
expect_answer "alice stores at some other name" \
  "$(answer 1 alice store 4003 "some-name-$TAG" "n-$TAG")" "Error_Forbidden"
expect_answer "bob stores at H(alice's Node-ID)" \
  "$(answer 1 bob store 4003 "hex:$(hash_hex "$ALICE_ID")" "n-$TAG")" "Error_Forbidden"
expect_answer "bob stores at H(his Node-ID)" \
  "$(answer 1 bob store 4003 "hex:$(hash_hex "$BOB_ID")" "nb-$TAG")" ok

section "USER-NODE-MATCH (7.3.3): user name -> Resource-ID and dictionary key = Node-ID"
expect_answer "carol stores at her name with her Node-ID as key" \
  "$(answer 1 carol store 4005 "$CAROL" "key=$CAROL_KEY" "c-$TAG")" ok
expect_eq "the entry is under her Node-ID" \
  "$(client 2 alice fetch 4005 "$CAROL" | jq -r '.kinds[0].values[] | "\(.key)=\(.value)"')" "$CAROL_KEY=c-$TAG"
expect_answer "carol stores at her name under another key" \
  "$(answer 1 carol store 4005 "$CAROL" key=carol-node-id-17 "c-$TAG")" "Error_Forbidden"
expect_answer "carol stores at alice's name with her Node-ID as key" \
  "$(answer 1 carol store 4005 "$ALICE" "key=$CAROL_KEY" "c-$TAG")" "Error_Forbidden"
expect_answer "alice stores at her name under carol's Node-ID" \
  "$(answer 1 alice store 4005 "$ALICE" "key=$CAROL_KEY" "a-$TAG")" "Error_Forbidden"

section "NODE-MULTIPLE (7.3.4): H(Node-ID || i) with 1 <= i <= max-node-multiple (255)"
expect_answer "alice stores at node-multiple:1" "$(answer 1 alice store 4004 node-multiple:1 "m1-$TAG")" ok
expect_answer "alice stores at node-multiple:255" \
  "$(answer 1 alice store 4004 node-multiple:255 "m255-$TAG")" ok
expect_eq "node-multiple:1 is H(Node-ID || 0x01)" \
  "$(client 2 bob fetch 4004 "hex:$(hash_hex "${ALICE_ID}01")" | jq -r '.kinds[0].values[0].value')" "m1-$TAG"
expect_answer "alice stores at H(Node-ID || 0x00) (i = 0)" \
  "$(answer 1 alice store 4004 "hex:$(hash_hex "${ALICE_ID}00")" "m0-$TAG")" "Error_Forbidden"
expect_answer "alice stores at an arbitrary name" \
  "$(answer 1 alice store 4004 "arbitrary-$TAG" "m-$TAG")" "Error_Forbidden"
expect_answer "bob stores at alice's node-multiple:1" \
  "$(answer 1 bob store 4004 "hex:$(hash_hex "${ALICE_ID}01")" "m-$TAG")" "Error_Forbidden"
expect_answer "the client refuses node-multiple:300" \
  "$(answer 1 alice store 4004 node-multiple:300 "m-$TAG")" "usage: node-multiple:I needs I in 1..255"
expect_answer "the client refuses node-multiple:0" \
  "$(answer 1 alice store 4004 node-multiple:0 "m-$TAG")" "usage: node-multiple:I needs I in 1..255"

section "Kinds missing from the configuration"
expect_answer "store of Kind 4999" "$(answer 1 alice store 4999 "$ALICE" "x")" \
  "usage: kind '4999' is not in the overlay configuration"
expect_answer "fetch of Kind 4999" "$(answer 1 alice fetch 4999 "$ALICE")" \
  "usage: kind '4999' is not in the overlay configuration"
client 1 alice store 4999 "$ALICE" x > /dev/null
expect_eq "reload-client's exit status for it" "$?" 1

section "Ping, Probe, RouteQuery"
ID2=$(node_id 2)
ID3=$(node_id 3)
t_ms=$(date +%s%3N)
p=$(client 2 alice ping)
expect_eq "ping without a destination: answered by the peer we are connected to" \
  "$(echo "$p" | jq -r '"\(.ok) \(.responder)"')" "true $ID2"
skew=$(echo "$p" | jq --argjson t "$t_ms" '((.time | tonumber) - $t) | fabs')
expect_eq "ping answer: every PingAns member (the codec's printer)" \
  "$(echo "$p" | jq -r '[.response_id, .time] | map(type) | join(" ")')" "string string"
expect_le "ping answer's time is the peer's clock, ms since 1970 (|skew| in ms)" "${skew%.*}" 30000
p=$(client 2 alice ping "node:$ID3")
expect_eq "ping node:peer3 through peer 2" "$(echo "$p" | jq -r '"\(.ok) \(.responder)"')" "true $ID3"
expect_ge "ping node:peer3 took at least one hop" "$(echo "$p" | jq .hops)" 1

# Probe every peer: its share of the ring (responsible_ppb) adds up to the
# whole ring, its num_resources is what its status says, its uptime is
# within the test's.
fresh_status
sum=0
nbad=0
for i in $(live_peers); do
  pr=$(client 0 alice probe "node:$(node_id "$i")")
  info=$(echo "$pr" | jq -r '[.responder,
      (.probe.probe_info[] | select(.type == "responsible_set") | .value.responsible_ppb),
      (.probe.probe_info[] | select(.type == "num_resources") | .value.num_resources),
      (.probe.probe_info[] | select(.type == "uptime") | .value.uptime)] | join(" ")')
  read -r who ppb nres up <<< "$info"
  want_nres=$(jq .stored_resources "$DIR/peer$i.json")
  up_max=$(elapsed)
  up_ok=0
  case "${up:-x}" in *[!0-9]*) ;; *) [ "$up" -le "${up_max%.*}" ] && up_ok=1 ;; esac
  if [ "$who" != "$(node_id "$i")" ] || [ "$nres" != "$want_nres" ] || [ "$up_ok" = 0 ]; then
    nbad=$((nbad + 1))
    echo "   probe of peer $i: $info (want responder $(node_id "$i"), num_resources $want_nres, uptime <= ${up_max}s)"
  fi
  sum=$((sum + ${ppb:-0}))
done
expect_eq "probes with a wrong responder, num_resources or uptime" "$nbad" 0
# Each share is rounded down: at most N parts per billion short.
expect_ge "sum of responsible_ppb (1e9 = the whole ring)" "$sum" $((1000000000 - N))
expect_le "sum of responsible_ppb (1e9 = the whole ring)" "$sum" 1000000000

# RouteQuery: for a peer's own Node-ID the next peer is that peer; for a
# Resource-ID it is the responsible peer, the first at or after it.
rq=$(client 0 alice route-query "node:$ID3")
expect_eq "route-query node:peer3" "$(echo "$rq" | jq -r '"\(.ok) \(.next_peer)"')" "true $ID3"
rid=$(printf '%s' "$ALICE" | sha1sum | cut -c1-32)
resp=$(live_status | jq -r --arg r "$rid" '[.[].node_id] | sort | (map(select(. >= $r)) + .)[0]')
rq=$(client 0 alice route-query "$ALICE")
expect_eq "route-query $ALICE: the responsible peer" "$(echo "$rq" | jq -r '"\(.ok) \(.next_peer)"')" "true $resp"

section "a client never enters a peer's Routing Table"
# alice stays connected to peer 1 for several Update intervals.
mkfifo "$TMP/cmds"
client 1 alice --batch "$TMP/cmds" > "$TMP/long.out" &
LONG=$!
BG_PIDS="$BG_PIDS $LONG"
# Read-write: opening does not wait for the reader.
exec 3<> "$TMP/cmds"
echo "ping" >&3
sleep 2
echo "store 4001 $ALICE long-$TAG" >&3
sleep 2
fresh_status
naming=$(peers_naming "$ALICE_ID")
expect_eq "peers listing the client's Node-ID as successor, predecessor or finger" "$naming" ""
echo "fetch 4001 $ALICE" >&3
exec 3>&-
wait "$LONG"
expect_eq "the long-lived client's three commands succeeded" \
  "$(jq -s '[.[] | select(.ok)] | length' "$TMP/long.out")" 3
expect_eq "peer 1 is not joined to the client's Node-ID either (status lists)" \
  "$(jq -r --arg id "$ALICE_ID" '(.successors + .predecessors + .finger_peers) | index($id)' "$DIR/peer1.json")" null
for u in bob carol; do
  id=$(cert_node_id "$DIR/$u.crt")
  expect_eq "no peer lists $u's Node-ID" "$(peers_naming "$id")" ""
done

finish
