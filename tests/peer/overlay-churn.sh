#!/usr/bin/env bash
# overlay-churn.sh: data survives churn (RFC 6940 10.4, 10.6, 10.7).
#  1. 16 peers; alice stores 20 values (Kind 4004, NODE-MULTIPLE, one
#     Resource-ID each, spread over the ring).
#  2. Two peers that are responsible for some of the values are killed
#     (SIGKILL: no Leave); the ring repairs (10.7.1) and every value is
#     fetched again, now from the former replicas.
#  3. While a background client keeps storing new values and fetching old
#     ones, 3 peers join (10.5) and 2 others stop with SIGTERM (a Leave and
#     a handover of their data, 10.6). At the end every value whose store
#     was answered with success is fetched with its value: nothing lost.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

N=16
NVALUES=20
TAG=$$-$RANDOM
# Every value stored with success: "I VALUE" lines (Resource node-multiple:I).
VALUES="$TMP/values"
: > "$VALUES"

# id_map: "NODE-ID INDEX" for every peer started so far.
id_map() { for _i in $(all_peers); do echo "$(node_id "$_i") $_i"; done; }
# fetch_all PEER OUT: fetch every value of $VALUES through PEER; OUT gets
# one "I ok|bad GOT" line per value; prints how many were right.
fetch_all() {
  awk '{ print "fetch 4004 node-multiple:" $1 }' "$VALUES" > "$TMP/fetch.batch"
  client_batch "$1" alice "$TMP/fetch.batch" |
    jq -r '(if .ok then (.kinds[0].values[0].value // "-") else "ERROR:\(.error)" end)' |
    paste -d' ' "$VALUES" - | awk '{ print $1, ($2 == $3 ? "ok" : "bad"), $3 }' > "$2"
  grep -c ' ok ' "$2"
}

section "$N peers"
overlay_start "$N"
if ! wait_ring 100; then
  fail "ring of $N peers"
  finish
  exit 1
fi
echo "ok: ring of $N peers (${RING_SECS}s)"

section "alice stores $NVALUES values through peer 0"
for i in $(seq 1 "$NVALUES"); do echo "store 4004 node-multiple:$i v$i-$TAG"; done > "$TMP/store.batch"
client_batch 0 alice "$TMP/store.batch" > "$TMP/store.out"
jq -r '"\(.ok) \(.responder // "-")"' "$TMP/store.out" > "$TMP/store.res"
expect_eq "stores answered ok" "$(grep -c '^true ' "$TMP/store.res")" "$NVALUES"
for i in $(seq 1 "$NVALUES"); do
  sed -n "${i}p" "$TMP/store.res" | grep -q '^true ' && echo "$i v$i-$TAG"
done > "$VALUES"

# Which peer is responsible for what ('responder' of the store answers).
id_map > "$TMP/ids"
awk 'NR == FNR { idx[$1] = $2; next } $1 == "true" { n[idx[$2]]++ }
  END { for (p in n) print n[p], p }' "$TMP/ids" "$TMP/store.res" | sort -rn > "$TMP/load"
echo "   values per responsible peer (count peer): $(tr '\n' ';' < "$TMP/load")"
ids_sorted=$(cut -d' ' -f1 "$TMP/ids" | sort)
# neighbours I: the indexes of the ring neighbours of peer I.
neighbours() {
  _me=$(node_id "$1")
  echo "$ids_sorted" | awk -v me="$_me" '{ id[NR] = $0; if ($0 == me) at = NR }
    END { n = NR; print id[(at + n - 2) % n + 1]; print id[at % n + 1] }' |
    while read -r _id; do awk -v id="$_id" '$1 == id { print $2 }' "$TMP/ids"; done
}
# Victims: the peer responsible for most values, and the next most loaded
# peer that is not its ring neighbour (so that every value keeps a
# replica); never peer 0, everyone's bootstrap node.
v1=$(awk '$2 != 0 { print $2; exit }' "$TMP/load")
nb1=" $(neighbours "$v1" | tr '\n' ' ')"
v2=$(awk -v v1="$v1" -v nb="$nb1" '$2 != 0 && $2 != v1 && index(nb, " " $2 " ") == 0 { print $2; exit }' "$TMP/load")
if [ -z "$v1" ] || [ -z "$v2" ]; then
  fail "two responsible peers to kill (load: $(tr '\n' ';' < "$TMP/load"))"
  finish
  exit 1
fi
nv=$(awk -v a="$v1" -v b="$v2" '$2 == a || $2 == b { s += $1 } END { print s + 0 }' "$TMP/load")
section "SIGKILL peers $v1 and $v2 (responsible for $nv of the $NVALUES values)"
t_kill=$(now)
ov kill "$v1" "$v2"
check "killed peers are gone" wait_exit 5 "$v1" "$v2"
if wait_ring 60; then
  pass
  echo "ok: ring repaired after the kills in ${RING_SECS}s"
else
  fail "ring repaired after the kills"
fi
# The data: right away, and retried for a while (the replicas become
# responsible once their predecessor lists are repaired).
deadline=$((SECONDS + 20))
while :; do
  got=$(fetch_all 0 "$TMP/after-kill")
  [ "$got" -eq "$(wc -l < "$VALUES")" ] || [ "$SECONDS" -ge "$deadline" ] && break
  sleep 1
done
expect_eq "values fetched after the kills" "$got" "$(wc -l < "$VALUES")"
grep -v ' ok ' "$TMP/after-kill" | sed 's/^/   lost: node-multiple:/'
echo "   all values fetchable $(since "$t_kill")s after the kills (ring repair ${RING_SECS}s)"

# ---- churn with traffic
section "background traffic through peer 0: store a new value, fetch an old one"
: > "$TMP/bg.log"
background() {
  k=$((NVALUES + 1))
  cpid=""
  trap 'kill $cpid 2>/dev/null; exit 0' TERM
  while [ ! -e "$TMP/stop" ] && [ "$k" -le 255 ]; do
    old=$(shuf -n 1 "$VALUES")
    printf 'store 4004 node-multiple:%s b%s-%s\nfetch 4004 node-multiple:%s\n' \
      "$k" "$k" "$TAG" "${old%% *}" > "$TMP/bg.batch"
    client_batch 0 alice "$TMP/bg.batch" > "$TMP/bg.out" 2>/dev/null &
    cpid=$!
    wait "$cpid"
    if [ "$(sed -n 1p "$TMP/bg.out" | jq -r .ok 2>/dev/null)" = true ]; then
      echo "$k b$k-$TAG" >> "$VALUES"
      echo "store ok" >> "$TMP/bg.log"
    else
      echo "store failed $(sed -n 1p "$TMP/bg.out" | jq -r -c '[.error, .text]' 2>/dev/null)" >> "$TMP/bg.log"
    fi
    f=$(sed -n 2p "$TMP/bg.out" | jq -r '.kinds[0].values[0].value // ("ERROR:" + (.error // "?"))' 2>/dev/null)
    if [ "$f" = "${old#* }" ]; then
      echo "fetch ok" >> "$TMP/bg.log"
    else
      echo "fetch bad node-multiple:${old%% *}: ${f:-no answer}" >> "$TMP/bg.log"
    fi
    k=$((k + 1))
  done
}
background &
BG=$!
BG_PIDS="$BG_PIDS $BG"
sleep 2

section "3 peers join"
t_churn=$(now)
ov add -n 3 >/dev/null || fail "reload-overlay add -n 3"
new=$(all_peers | tail -n 3 | tr '\n' ' ')
echo "   new peers: $new"
# Two peers leave: responsible for values, not peer 0, not killed.
mapfile -t leavers < <(awk -v a="$v1" -v b="$v2" '$2 != 0 && $2 != a && $2 != b { print $2 }' "$TMP/load" | head -n 2)
[ "${#leavers[@]}" -eq 2 ] || leavers=(1 2)
section "SIGTERM peers ${leavers[*]} (they leave and hand their data over)"
for i in "${leavers[@]}"; do kill -TERM "$(peer_pid "$i")"; done
check "leaving peers exit within 10 s" wait_exit 10 "${leavers[@]}"
if wait_ring 60; then
  pass
  echo "ok: ring of $(live_peers | wc -l) peers after the joins and leaves, $(since "$t_churn")s after the churn began"
else
  fail "ring after the joins and leaves"
fi
expect_eq "live peers" "$(live_peers | wc -l)" $((N - 2 + 3 - 2))
sleep 2
touch "$TMP/stop"
wait "$BG"
echo "   background: $(sort "$TMP/bg.log" | cut -d' ' -f1,2 | uniq -c | tr -s ' ' | tr '\n' ';')"
grep -E 'failed|bad' "$TMP/bg.log" | sort | uniq -c | head -n 10 | sed 's/^/   /'
check "the background client stored values during the churn" grep -q "store ok" "$TMP/bg.log"
expect_eq "background fetches that returned a wrong value" \
  "$(grep 'fetch bad' "$TMP/bg.log" | grep -vc 'ERROR:\|no answer')" 0

section "every value stored with success is fetched: through peer 0 and through a new peer"
total=$(wc -l < "$VALUES")
last_new=$(all_peers | tail -n 1)
deadline=$((SECONDS + 15))
while :; do
  got0=$(fetch_all 0 "$TMP/final0")
  gotn=$(fetch_all "$last_new" "$TMP/finaln")
  [ "$got0" -eq "$total" ] && [ "$gotn" -eq "$total" ] && break
  [ "$SECONDS" -ge "$deadline" ] && break
  sleep 1
done
expect_eq "values fetched through peer 0 (of $total stored)" "$got0" "$total"
expect_eq "values fetched through peer $last_new (of $total stored)" "$gotn" "$total"
grep -v ' ok ' "$TMP/final0" | sed 's/^/   lost via peer 0: node-multiple:/'
grep -v ' ok ' "$TMP/finaln" | sed "s/^/   lost via peer $last_new: node-multiple:/"

finish
