#!/usr/bin/env bash
# overlay-ring.sh: 16 reference peers on loopback form a CHORD-RELOAD ring
# (RFC 6940 section 10); values of the three data models stored through one
# peer are fetched through every peer, with the replicas on the successors
# (10.4: "the responsible peer ... stores replicas on its successors").
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

N=16
ALICE="alice@$OVERLAY_NAME"
TAG=$$-$RANDOM

section "$N peers (update interval ${INTERVAL} ms)"
overlay_start "$N"
t0=$(now)
check "reload-overlay wait: the ring becomes stable" ov wait --timeout 100
echo "   (stable after $(since "$t0")s)"
check "every peer's successors and predecessors are its neighbours in Node-ID order" wait_ring 20

section "the ring"
ov status
nfing=$(live_status | jq '[.[] | select(.fingers > 0)] | length')
expect_ge "peers with at least one finger" "$nfing" $((N * 3 / 4))
nsucc=$(live_status | jq '[.[] | select((.successors | length) >= 3 and (.predecessors | length) >= 3)] | length')
expect_eq "peers with >= 3 successors and >= 3 predecessors (10.7)" "$nsucc" "$N"

# The stored-value counts before our stores: each peer's certificates are
# stored too (section 8), so compare differences, once the replication of
# those has settled (a replica Store refused while the ring formed is
# retried).
wait_replication_idle 40
# And the counts are steady: a peer's own certificate Stores (not
# replication work) can still be landing, one value at the responsible
# peer and each replica. Two fresh rounds alike, within 15 s.
before=$(live_status | jq -c 'map({(.node_id): .stored_values}) | add')
for _ in $(seq 1 10); do
  fresh_status
  again=$(live_status | jq -c 'map({(.node_id): .stored_values}) | add')
  [ "$again" = "$before" ] && break
  before=$again
done

section "alice stores through peer 3: a single value, two array entries, two dictionary keys"
cat > "$TMP/store.batch" <<EOF
store 4000 $ALICE single-$TAG
store 4001 $ALICE array-a-$TAG
store 4001 $ALICE array-b-$TAG
store 4002 $ALICE key=home dict-home-$TAG
store 4002 $ALICE key=work dict-work-$TAG
EOF
client_batch 3 alice "$TMP/store.batch" > "$TMP/store.out"
cat "$TMP/store.out"
expect_eq "stores answered ok" "$(jq -s '[.[] | select(.ok)] | length' "$TMP/store.out")" 5
expect_eq "every store answer lists 2 replicas" \
  "$(jq -s '[.[] | select((.kinds[0].replicas | length) == 2)] | length' "$TMP/store.out")" 5
expect_eq "array generation counts the two appends" \
  "$(jq -s -c '[.[] | select(.kind == 4001) | .kinds[0].generation]' "$TMP/store.out")" "[1,2]"
responder=$(jq -r -s '[.[].responder] | unique | join(",")' "$TMP/store.out")
replicas=$(jq -r -s '[.[].kinds[0].replicas] | unique | .[0] | join(",")' "$TMP/store.out")
# The responsible peer is the first peer at or after the Resource-ID; its
# replicas are its two successors in Node-ID order (10.4).
ids=$(live_status | jq -r '[.[].node_id] | sort | .[]')
want_rep=$(echo "$ids" | awk -v r="$responder" '{ id[NR] = $0; if ($0 == r) at = NR }
  END { n = NR; printf "%s,%s", id[at % n + 1], id[(at + 1) % n + 1] }')
expect_eq "replicas are the responsible peer's two successors" "$replicas" "$want_rep"
echo "   responsible peer $(peer_of "$responder") ($responder), replicas on peers" \
  "$(peer_of "${replicas%,*}") and $(peer_of "${replicas#*,}")"

# The replicas hold the appended array entries too: their signatures
# verify with the index the responsible peer filled in (7.4.2.2).
section "the responsible peer and the replicas hold the 5 values (status stored_values)"
fresh_status
after=$(live_status | jq -c 'map({(.node_id): .stored_values}) | add')
delta=$(jq -n -c --argjson a "$after" --argjson b "$before" \
  '[$a | keys[] | select($a[.] != $b[.]) | {(.[0:8]): ($a[.] - $b[.])}] | add // {}')
want_delta=$(jq -n -c --arg r "$responder" --arg s "$replicas" \
  '[$r, ($s | split(","))[]] | map({(.[0:8]): 5}) | add')
expect_eq "stored_values changes per peer" "$(echo "$delta" | jq -S -c .)" "$(echo "$want_delta" | jq -S -c .)"

section "fetch, stat and find through every peer"
cat > "$TMP/fetch.batch" <<EOF
fetch 4000 $ALICE
fetch 4001 $ALICE index=0
fetch 4001 $ALICE index=1
fetch 4001 $ALICE
fetch 4002 $ALICE key=home
fetch 4002 $ALICE key=work
fetch 4002 $ALICE
stat 4000 $ALICE
stat 4001 $ALICE
find 4002 $ALICE
EOF
# What each line must show: the values (array: index:value, dictionary:
# key:value; reload-client's check of each value's signature, 7.1, must
# say "valid", else the line shows it), the stat's length and hash of the
# single value, find's closest Resource-ID (alice's own: she stored kind
# 4002 there). Resource-ID: the overlay hash (SHA-1) of the name, its
# first 128 bits (10.2).
rid=$(printf '%s' "$ALICE" | sha1sum | cut -c1-32)
# 7.4.3: hash_value digests the DataValue's value field "including its 4
# leading length bytes".
sha=$(sha256_lv "single-$TAG")
cat > "$TMP/fetch.want" <<EOF
single-$TAG
0:array-a-$TAG
1:array-b-$TAG
0:array-a-$TAG 1:array-b-$TAG
home:dict-home-$TAG
work:dict-work-$TAG
home:dict-home-$TAG work:dict-work-$TAG
stat $((7 + ${#TAG})) sha256:$sha
stat 2 values
find $rid
EOF
# Text of the answers in the form of fetch.want.
summarize() {
  jq -r '
    if .ok | not then "ERROR \(.error) \(.text // "")"
    elif .command == "fetch" then
      [.kinds[0].values[] |
        (if has("index") then "\(.index):\(.value)"
         elif has("key") then "\(.key):\(.value)"
         else .value end) +
        (if .signature != "valid" then "[signature \(.signature)]" else "" end)] | join(" ")
    elif .command == "stat" and .kind == 4000 then
      (.stat.kind_responses[0].values[0]) as $v |
      "stat \($v.value_length) \($v.metadata.single_value_entry.hash_algorithm):\($v.metadata.single_value_entry.hash_value)"
    elif .command == "stat" then "stat \(.stat.kind_responses[0].values | length) values"
    elif .command == "find" then "find \(.kinds[0].closest)"
    else "?" end'
}
# The appended array entries verify although the index they were signed
# with was 0xffffffff (7.4.2.2: the index is set to zero for the
# signature).
bad=""
for i in $(live_peers); do
  client_batch "$i" alice "$TMP/fetch.batch" > "$TMP/fetch.$i.out"
  summarize < "$TMP/fetch.$i.out" > "$TMP/fetch.$i.got"
  if ! diff -u "$TMP/fetch.want" "$TMP/fetch.$i.got" > "$TMP/fetch.$i.diff"; then
    # The first wrong answer in full, the others by peer.
    [ -z "$bad" ] && { echo "   through peer $i:"; sed 's/^/   /' "$TMP/fetch.$i.diff"; }
    bad="$bad $i"
  fi
done
expect_eq "peers through which some fetch/stat/find answer was wrong" "${bad# }" ""
hops=$(cat "$TMP"/fetch.*.out | jq -s '[.[].hops] | max')
expect_le "most overlay hops of a fetch among $N peers" "$hops" 6
echo "   hops (count by number): $(cat "$TMP"/fetch.*.out |
  jq -s -c '[.[].hops] | group_by(.) | map({(.[0] | tostring): length}) | add'), mean $(cat "$TMP"/fetch.*.out |
  jq -s '[.[].hops] | add / length * 100 | floor / 100')"
expect_eq "every answer came from the responsible peer" \
  "$(cat "$TMP"/fetch.*.out | jq -r -s '[.[].responder] | unique | join(",")')" "$responder"

finish
