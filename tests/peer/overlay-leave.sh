#!/usr/bin/env bash
# overlay-leave.sh: peers that stop with SIGTERM leave the overlay (RFC 6940
# 10.6: a Leave to their neighbours, their data handed to the peer that
# takes over): their neighbours' lists drop them within a few seconds, and
# the data they were responsible for stays fetchable.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

N=6
# Enough values that two peers other than peer 0, not neighbours, are
# responsible for some: with 12, the random Node-IDs of a 6-peer ring left
# only adjacent candidates in about one run in five.
NVALUES=30
TAG=$$-$RANDOM

section "$N peers"
overlay_start "$N"
if ! wait_ring 60; then
  fail "ring of $N peers"
  finish
  exit 1
fi
echo "ok: ring of $N peers (${RING_SECS}s)"

section "alice stores $NVALUES values (Kind 4004 at node-multiple:1..$NVALUES)"
for i in $(seq 1 "$NVALUES"); do echo "store 4004 node-multiple:$i v$i-$TAG"; done > "$TMP/store.batch"
client_batch 0 alice "$TMP/store.batch" > "$TMP/store.out"
expect_eq "stores answered ok" "$(jq -s '[.[] | select(.ok)] | length' "$TMP/store.out")" "$NVALUES"
for i in $(all_peers); do echo "$(node_id "$i") $i"; done > "$TMP/ids"
# "I PEER": the peer responsible for node-multiple:I.
jq -r .responder "$TMP/store.out" | awk 'NR == FNR { idx[$1] = $2; next } { print FNR, idx[$1] }' \
  "$TMP/ids" - > "$TMP/resp"
# The two peers (not peer 0) responsible for most values, not neighbours
# of each other in the ring.
sorted=$(cut -d' ' -f1 "$TMP/ids" | sort)
pos() { echo "$sorted" | grep -n "^$(node_id "$1")\$" | cut -d: -f1; }
mapfile -t cand < <(awk '$2 != 0 { n[$2]++ } END { for (p in n) print n[p], p }' "$TMP/resp" |
  sort -rn | cut -d' ' -f2)
# The first pair in that order that are not neighbours (not only pairs
# with the first: three consecutive candidates still give one).
l1=""
l2=""
for ((x = 0; x < ${#cand[@]}; x++)); do
  [ -n "$l2" ] && break
  for ((y = x + 1; y < ${#cand[@]}; y++)); do
    d=$(( ($(pos "${cand[y]}") - $(pos "${cand[x]}") + N) % N ))
    if [ "$d" != 1 ] && [ "$d" != $((N - 1)) ]; then l1=${cand[x]}; l2=${cand[y]}; break; fi
  done
done
if [ -z "$l1" ] || [ -z "$l2" ]; then
  fail "two responsible, non-adjacent peers to stop (responsible peers: ${cand[*]})"
  finish
  exit 1
fi
owned=$(awk -v a="$l1" -v b="$l2" '$2 == a || $2 == b { printf "%s ", $1 }' "$TMP/resp")
echo "   peers $l1 and $l2 are responsible for node-multiple: $owned"
ID1=$(node_id "$l1")
ID2=$(node_id "$l2")
fresh_status
check "before: some peers list peer $l1" test -n "$(peers_naming "$ID1")"

section "SIGTERM peers $l1 and $l2"
t0=$(now)
kill -TERM "$(peer_pid "$l1")" "$(peer_pid "$l2")"
check "both exit within 5 s" wait_exit 5 "$l1" "$l2"
echo "   exited after $(since "$t0")s"
# The status files are rewritten every second: wait for the lists to lose
# both peers, at most 5 s after the exits.
deadline=$((SECONDS + 5))
while :; do
  left=$( (peers_naming "$ID1"; peers_naming "$ID2") 2>&1)
  [ -z "$left" ] || [ "$SECONDS" -ge "$deadline" ] && break
  sleep 0.3
done
expect_eq "peers still listing a leaver (successors, predecessors, fingers)" "$left" ""
echo "   neighbour lists clean $(since "$t0")s after the SIGTERM"
for i in "$l1" "$l2"; do
  check "peer $i logged that it leaves" grep -q "leaving the overlay" "$DIR/peer$i.log"
  check "peer $i handed its data over" grep -q "handed over" "$DIR/peer$i.log"
  # The successor takes the handover Stores (10.9, 10.7.1: it becomes
  # responsible for the leaver's range) instead of refusing them.
  refused=$(grep -c "replica/handover Store failed" "$DIR/peer$i.log")
  expect_eq "handover Stores of peer $i refused by its successor" "$refused" 0
  grep -m 1 "replica/handover Store failed" "$DIR/peer$i.log" | sed 's/^/   /'
done
if wait_ring 20; then
  pass
  echo "ok: ring of the $((N - 2)) remaining peers (${RING_SECS}s)"
else
  fail "ring of the remaining peers"
fi

section "every value is fetched, through every remaining peer"
for i in $(seq 1 "$NVALUES"); do echo "fetch 4004 node-multiple:$i"; done > "$TMP/fetch.batch"
for i in $(seq 1 "$NVALUES"); do echo "v$i-$TAG"; done > "$TMP/want"
nbad=0
for p in $(live_peers); do
  client_batch "$p" alice "$TMP/fetch.batch" |
    jq -r 'if .ok then (.kinds[0].values[0].value // "(none)") else "ERROR \(.error)" end' > "$TMP/got.$p"
  if ! diff "$TMP/want" "$TMP/got.$p" > "$TMP/diff.$p"; then
    nbad=$((nbad + 1))
    echo "   through peer $p:"
    sed 's/^/     /' "$TMP/diff.$p"
  fi
done
expect_eq "peers through which a value was missing or wrong" "$nbad" 0

section "the values of the leavers have a responsible peer and 2 replicas again"
i=${owned%% *}
ans=$(client 0 alice store 4004 "node-multiple:$i" "again$i-$TAG")
live_ids=$(live_status | jq -r '[.[].node_id] | sort | .[]')
r=$(echo "$ans" | jq -r .responder)
want=$(echo "$live_ids" | awk -v r="$r" '{ id[NR] = $0; if ($0 == r) at = NR }
  END { n = NR; printf "%s,%s", id[at % n + 1], id[(at + 1) % n + 1] }')
expect_eq "replicas of node-multiple:$i (the new responsible peer's successors)" \
  "$(echo "$ans" | jq -r '.kinds[0].replicas | join(",")')" "$want"
check "the new responsible peer is alive" test -n "$(echo "$live_ids" | grep -x "$r")"

finish
