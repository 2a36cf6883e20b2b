#!/usr/bin/env bash
# overlay-durability.sh: no acknowledged value is lost (RFC 6940 10.4, 10.9;
# the durability rule of doc/peer.md).
#  1. 6 peers; alice stores a 1 MiB resource: 256 dictionary values of
#     4,000 bytes (Kind 4006, USER-MATCH: at H(alice's user name)), one
#     Store each. Every answer must list the
#     replicas that acknowledged the value (the full replica set on a
#     healthy ring).
#  2. The responsible peer is SIGKILLed (no Leave, no handover): once the
#     ring has repaired, every acknowledged value is fetched, key by key,
#     with its value, from the former replica.
#  3. The peer now responsible leaves (SIGTERM: Leave and handover in
#     parts, 10.9): every value is fetched again from the next one.
#  4. The whole 1 MiB dictionary in one fetch command: the answer does not
#     fit one message, and the client fetches it in parts.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

N=6
NVALUES=256
TAG=$$-$RANDOM

section "$N peers"
overlay_start "$N"
if ! wait_ring 60; then
  fail "ring of $N peers"
  finish
  exit 1
fi
echo "ok: ring of $N peers (${RING_SECS}s)"

# USER-MATCH: alice stores under her own user name (7.3.1).
RES=alice@overlay.test
printf 'fetch 4006 %s key=k001\n' "$RES" > "$TMP/who.batch"
# responsible_peer: the index of the peer answering for $RES, asked
# through peer $1.
responsible_peer() { peer_of "$(client_batch "$1" alice "$TMP/who.batch" | jq -r '.responder // empty')"; }
# A peer to send requests through that is not $1 or $2.
other_peer() { live_peers | grep -vx "$1" | grep -vx "${2:--}" | head -n 1; }
owner=$(responsible_peer 0)
if [ -z "$owner" ]; then
  fail "the peer responsible for $RES"
  finish
  exit 1
fi
via=$(other_peer "$owner")
echo "   $RES: responsible peer $owner; requests go through peer $via"

section "alice stores $NVALUES values of 4000 bytes under $RES"
# Value i: 4000 bytes, different for every key.
for i in $(seq 1 "$NVALUES"); do
  printf 'store 4006 %s key=k%03d ' "$RES" "$i"
  head -c 2000 /dev/urandom | od -An -tx1 -v | tr -d ' \n' | head -c 4000
  echo
done > "$TMP/store.batch"
awk '{ sub(/^key=/, "", $4); print $4, $5 }' "$TMP/store.batch" > "$TMP/values.all"
t_store=$(now)
client_batch "$via" alice "$TMP/store.batch" > "$TMP/store.out"
echo "   $NVALUES stores in $(since "$t_store")s"
jq -r '"\(.ok) \(.kinds[0].replicas // [] | length) \(.error // "")"' "$TMP/store.out" > "$TMP/store.res"
paste -d' ' "$TMP/values.all" "$TMP/store.res" | awk '$3 == "true" { print $1, $2 }' > "$TMP/values"
expect_eq "stores answered ok" "$(wc -l < "$TMP/values")" "$NVALUES"
expect_eq "answers listing both replicas as acknowledged" \
  "$(awk '$1 == "true" && $2 == 2' "$TMP/store.res" | wc -l)" "$NVALUES"
grep -v '^true' "$TMP/store.res" | sort | uniq -c | head -n 5 | sed 's/^/   refused: /'
fresh_status
jq -c '{node_id: .node_id[0:8], stored_values, replication}' "$DIR"/peer*.json | sed 's/^/   /'

# fetch_all PEER OUT: every value of $TMP/values fetched by key through
# PEER; OUT gets "KEY ok|bad"; prints how many came back right.
fetch_all() {
  awk -v r="$RES" '{ print "fetch 4006 " r " key=" $1 }' "$TMP/values" > "$TMP/fetch.batch"
  client_batch "$1" alice "$TMP/fetch.batch" |
    jq -r 'if .ok then (.kinds[0].values[0].value // "-") else "ERROR:\(.error)" end' |
    paste -d' ' "$TMP/values" - | awk '{ print $1, ($2 == $3 ? "ok" : "bad " substr($3, 1, 40)) }' > "$2"
  grep -c ' ok$' "$2"
}
# fetch_until PEER OUT SECONDS: fetch_all until all are right or time is up.
fetch_until() {
  local deadline=$((SECONDS + $3)) got
  while :; do
    got=$(fetch_all "$1" "$2")
    [ "$got" -eq "$NVALUES" ] || [ "$SECONDS" -ge "$deadline" ] && break
    sleep 1
  done
  echo "$got"
}

section "SIGKILL peer $owner, responsible for $RES"
t_kill=$(now)
ov kill "$owner"
check "killed peer is gone" wait_exit 5 "$owner"
if wait_ring 60; then
  pass
  echo "ok: ring repaired in ${RING_SECS}s"
else
  fail "ring repaired after the kill"
fi
got=$(fetch_until "$via" "$TMP/after-kill" 20)
expect_eq "acknowledged values fetched after the kill (of $NVALUES)" "$got" "$NVALUES"
grep -v ' ok$' "$TMP/after-kill" | head -n 5 | sed 's/^/   lost: /'
echo "   all values back $(since "$t_kill")s after the kill"

section "the peer now responsible leaves (SIGTERM: Leave and handover)"
owner2=$(responsible_peer "$via")
if [ -z "$owner2" ] || [ "$owner2" = "$owner" ]; then
  fail "the new responsible peer (got '${owner2:-none}')"
else
  [ "$owner2" != "$via" ] || via=$(other_peer "$owner2")
  echo "   responsible now: peer $owner2; requests go through peer $via"
  kill -TERM "$(peer_pid "$owner2")"
  check "leaving peer exits within 15 s" wait_exit 15 "$owner2"
  grep -h 'handed over' "$DIR/peer$owner2.log" | tail -n 3 | sed 's/^/   /'
  if wait_ring 60; then
    pass
    echo "ok: ring after the leave in ${RING_SECS}s"
  else
    fail "ring after the leave"
  fi
  got=$(fetch_until "$via" "$TMP/after-leave" 20)
  expect_eq "acknowledged values fetched after the leave (of $NVALUES)" "$got" "$NVALUES"
  grep -v ' ok$' "$TMP/after-leave" | head -n 5 | sed 's/^/   lost: /'
fi

section "the whole dictionary in one fetch command"
printf 'fetch 4006 %s\n' "$RES" > "$TMP/all.batch"
client_batch "$via" alice "$TMP/all.batch" > "$TMP/all.out"
expect_eq "whole-dictionary fetch answered" "$(jq -r .ok "$TMP/all.out")" true
jq -r '.kinds[0].values[] | select(.exists) | "\(.key) \(.value)"' "$TMP/all.out" 2>/dev/null |
  sort > "$TMP/all.got"
expect_eq "values in the whole-dictionary fetch that match (of $NVALUES)" \
  "$(sort "$TMP/values" | comm -12 - "$TMP/all.got" | wc -l)" "$NVALUES"
jq -c '{ok, error, text, parts}' "$TMP/all.out" | sed 's/^/   /'

finish
