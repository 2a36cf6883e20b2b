#!/usr/bin/env bash
# overlay-replication-factor.sh: a replication factor from the overlay
# configuration (ext:replication-factor, doc/peer.md) and what it buys.
#  1. 10 peers with replication factor 5: each value is held by its
#     responsible peer and 4 successors (10.4, generalised); every Store
#     answer lists the 4 replicas as having acknowledged it.
#  2. The 4 other holders of one value, its responsible peer among them,
#     are SIGKILLed at the same moment: once the ring has repaired, every
#     value (that one included) is fetched with its value.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

N=10
NVALUES=20
TAG=$$-$RANDOM

section "$N peers, replication factor 5"
if ! ov start -n "$N" --replication-factor 5; then
  echo "FAIL: reload-overlay start -n $N --replication-factor 5"
  exit 1
fi
check "the configuration carries the factor" grep -q 'replication-factor>5<' "$DIR/overlay.xml"
if ! wait_ring 100; then
  fail "ring of $N peers"
  finish
  exit 1
fi
echo "ok: ring of $N peers (${RING_SECS}s)"

section "alice stores $NVALUES values through peer 0"
for i in $(seq 1 "$NVALUES"); do echo "store 4004 node-multiple:$i v$i-$TAG"; done > "$TMP/store.batch"
client_batch 0 alice "$TMP/store.batch" > "$TMP/store.out"
expect_eq "stores answered ok" "$(jq -r .ok "$TMP/store.out" | grep -c true)" "$NVALUES"
expect_eq "answers listing 4 acknowledged replicas" \
  "$(jq -r '.kinds[0].replicas // [] | length' "$TMP/store.out" | grep -c '^4$')" "$NVALUES"

# The holders of one value: its responsible peer and the 4 replicas its
# answer names; a value none of whose holders is peer 0 (the client's).
victims=""
for i in $(seq 1 "$NVALUES"); do
  holders=$(sed -n "${i}p" "$TMP/store.out" | jq -r '[.responder] + .kinds[0].replicas | .[]')
  idx=$(for h in $holders; do peer_of "$h"; done | tr '\n' ' ')
  case " $idx" in *" 0 "*) continue ;; esac
  [ "$(echo "$idx" | wc -w)" -eq 5 ] || continue
  victims=$(echo "$idx" | cut -d' ' -f1-4)
  value=$i
  break
done
if [ -z "$victims" ]; then
  fail "a value whose 5 holders do not include peer 0"
  finish
  exit 1
fi
section "SIGKILL peers $victims at once: 4 of the 5 holders of node-multiple:$value"
# shellcheck disable=SC2086
ov kill $victims
# shellcheck disable=SC2086
check "killed peers are gone" wait_exit 5 $victims
if wait_ring 60; then
  pass
  echo "ok: ring of $(live_peers | wc -l) peers repaired in ${RING_SECS}s"
else
  fail "ring repaired after the kills"
fi
for i in $(seq 1 "$NVALUES"); do echo "fetch 4004 node-multiple:$i"; done > "$TMP/fetch.batch"
deadline=$((SECONDS + 20))
while :; do
  client_batch 0 alice "$TMP/fetch.batch" |
    jq -r '.kinds[0].values[0].value // ("ERROR:" + (.error // "?"))' > "$TMP/fetched"
  got=0
  for i in $(seq 1 "$NVALUES"); do
    [ "$(sed -n "${i}p" "$TMP/fetched")" = "v$i-$TAG" ] && got=$((got + 1))
  done
  [ "$got" -eq "$NVALUES" ] || [ "$SECONDS" -ge "$deadline" ] && break
  sleep 1
done
expect_eq "values fetched after 4 holders died (of $NVALUES)" "$got" "$NVALUES"
expect_eq "node-multiple:$value fetched" "$(sed -n "${value}p" "$TMP/fetched")" "v$value-$TAG"

finish
