#!/usr/bin/env bash
# overlay-load.sh: heavy or hostile load through one peer (issue 22).
#   - 8 reload-client processes presenting the same certificate (alice's),
#     each over its own link to the same peer, each running a batch of 25
#     stores and fetches at once: every answer reaches the client that
#     sent the request (answers follow the link the request came in on,
#     src/peer/backlink.h; 6.1.2 Via Lists name only the Node-ID), none
#     is lost;
#   - a peer started with --link-rate 10,5: a client that sends 40 Pings
#     as fast as it can gets each one answered, the excess with
#     Error_Request_Timeout "rate limit" (6.3.3.1), none silently dropped;
#     the peer's status counts them (rate_limited).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

N=3
# RL_LOAD_CLIENTS, RL_LOAD_REQUESTS: more clients or requests, by hand.
CLIENTS=${RL_LOAD_CLIENTS:-8}
PER_CLIENT=${RL_LOAD_REQUESTS:-25}
ALICE="alice@$OVERLAY_NAME"
TAG=$$-$RANDOM

section "$N peers"
overlay_start "$N"
ring_or_exit "$N"

section "$CLIENTS clients with alice's certificate through peer 1, $PER_CLIENT requests each"
# Dictionary entries at alice's name (USER-MATCH, 7.3.1), one key per
# client and request (7 each: 56, within the Kind's max-count of 64), and
# fetches of names spread over the ring: most
# requests are forwarded by peer 1, so their answers come back to it
# naming alice's Node-ID, which all 8 links share.
stores=0
for c in $(seq 1 "$CLIENTS"); do
  for i in $(seq 1 "$PER_CLIENT"); do
    if [ $((i % 4)) = 1 ] && [ "$stores" -lt 64 ]; then
      echo "store 4002 $ALICE key=c$c-$i v-$TAG-$c-$i"
      stores=$((stores + 1))
    else
      echo "fetch 4000 name-$TAG-$c-$i"
    fi
  done > "$TMP/batch$c"
done
t0=$(now)
pids=""
for c in $(seq 1 "$CLIENTS"); do
  CLIENT_TIMEOUT=15000 client_batch 1 alice "$TMP/batch$c" > "$TMP/out$c" 2>"$TMP/err$c" &
  pids="$pids $!"
  BG_PIDS="$BG_PIDS $!"
done
for p in $pids; do wait "$p"; done
BG_PIDS=""
echo "  $((CLIENTS * PER_CLIENT)) requests in $(since "$t0")s"
answered=$(cat "$TMP"/out* | jq -s 'map(select(.ok == true)) | length')
lost=$(cat "$TMP"/out* | jq -s 'map(select(.error == "RL_ERR_TIMEOUT")) | length')
lines=$(cat "$TMP"/out* | wc -l)
expect_eq "one answer line per request" "$lines" "$((CLIENTS * PER_CLIENT))"
expect_eq "answers lost (client timed out)" "$lost" 0
expect_eq "requests answered ok" "$answered" "$((CLIENTS * PER_CLIENT))"
if [ "$answered" != "$((CLIENTS * PER_CLIENT))" ]; then
  cat "$TMP"/out* | jq -c 'select(.ok != true)' | head -5
fi
got=$(client 2 bob fetch 4002 "$ALICE" | jq -r '.kinds[0].values | length')
expect_eq "every client's store is there (fetched by bob through peer 2)" "$got" "$stores"

section "a peer with --link-rate 10,5"
if ! ov add -n 1 --peer-args "--link-rate 10,5"; then
  fail "reload-overlay add"
  finish
  exit 1
fi
ring_or_exit "$((N + 1))"
P=$N
for i in $(seq 1 40); do echo "ping"; done > "$TMP/pings"
t0=$(now)
client_batch "$P" alice "$TMP/pings" > "$TMP/pings.out" 2>/dev/null
secs=$(since "$t0")
lines=$(wc -l < "$TMP/pings.out")
ok=$(jq -s 'map(select(.ok == true)) | length' "$TMP/pings.out")
limited=$(jq -s 'map(select(.error == "Error_Request_Timeout" and (.text | test("rate limit"))))
  | length' "$TMP/pings.out")
echo "  40 Pings in ${secs}s: $ok answered, $limited refused by the rate limit"
expect_eq "every Ping answered (ok or rate limit)" "$((ok + limited))" 40
expect_eq "one answer line per Ping" "$lines" 40
expect_ge "Pings refused by the rate limit" "$limited" 1
expect_ge "Pings answered within the budget (burst 5)" "$ok" 5
fresh_status
expect_eq "the peer's status counts them" "$(jq .rate_limited "$DIR/peer$P.json")" "$limited"
# The other peers (default budget) answer the same burst in full.
client_batch 1 alice "$TMP/pings" > "$TMP/pings1.out" 2>/dev/null
expect_eq "a peer with the default budget answers all 40" \
  "$(jq -s 'map(select(.ok == true)) | length' "$TMP/pings1.out")" 40

finish
