#!/bin/sh
# sim.sh: reload-sim runs whole reference peers (the node core of
# src/peer) over simulated links, no sockets: nothing leaves the process.
#  1. 1,000 peers with churn (median session 10 min), simulated signatures:
#     the ring forms, every peer stores a value, fetches under churn
#     succeed (>= 99%), no acknowledged value is lost, successors are
#     right, mean hops within CHORD's 0.5 log2 N + 1.
#  2. 60 peers with real ECDSA signatures, twice with one seed: the same
#     run (every JSON line but wall time, memory and bytes, which ECDSA's
#     varying signature length changes); another seed, another run.
RL_SERIAL_LOCKED=none
. "${srcdir:-.}/tests/lib-serial.sh"
set -u
SIM=${top_builddir:-.}/reload-sim
TMP=$(mktemp -d /tmp/rlsim.XXXXXX) || exit 99
trap 'rm -rf "$TMP"' EXIT
command -v jq >/dev/null || { echo "SKIP: jq is needed"; exit 77; }
fails=0
check() { # name condition-result
  if [ "$2" = true ]; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
field() { awk -v k="$1" -v f="$2" 'index($0, k) == 1 { print $f }' "$3" | tr -d ':,'; }
big="--peers 1000 --seed 3 --cheap-signatures --join-spacing 20 --settle 10 --fetches 1000 --fetch-rate 100 --session-median 600 --form-limit 600"
start=$(date +%s)
"$SIM" $big --json "$TMP/big.jsonl" > "$TMP/big.txt" 2>&1 || {
  echo "FAIL: reload-sim exited $?"; cat "$TMP/big.txt"; exit 1; }
cat "$TMP/big.txt"
echo "   (in $(($(date +%s) - start)) s of wall time)"
s=$TMP/big.txt
fetches=$(field fetches 2 "$s")
ok=$(field fetches 3 "$s")
lost=$(field "stored values" 7 "$s")
acked=$(field "stored values" 3 "$s")
hops=$(field hops 3 "$s")
ring=$(field "ring correct" 5 "$s")
failures=$(field "peers at the end" 11 "$s")
check "fetches done ($fetches)" "$([ "$fetches" -ge 950 ] && echo true)"
check "success >= 99% under churn ($ok of $fetches)" "$([ $((ok * 100)) -ge $((fetches * 99)) ] && echo true)"
check "churn happened ($failures failures)" "$([ "$failures" -ge 5 ] && echo true)"
check "every peer's value acknowledged ($acked >= 1000)" "$([ "$acked" -ge 1000 ] && echo true)"
check "no acknowledged value lost ($lost)" "$([ "$lost" = 0 ] && echo true)"
check "mean hops within 0.5 log2 N + 1 = 5.98 ($hops)" "$(awk -v h="$hops" 'BEGIN { print (h > 0 && h <= 5.98) ? "true" : "false" }')"
check "ring correct at the end ($ring)" "$(awk -v r="$ring" 'BEGIN { print (r >= 0.99) ? "true" : "false" }')"
check "the summary names the simulated signatures" "$(grep -q 'signatures simulated' "$s" && echo true)"

small="--peers 60 --seed 11 --settle 5 --fetches 200 --fetch-rate 50 --session-median 300 --window 5"
for run in 1 2; do
  "$SIM" $small --json "$TMP/run$run.jsonl" > "$TMP/run$run.txt" 2>&1 || {
    echo "FAIL: reload-sim exited $?"; cat "$TMP/run$run.txt"; exit 1; }
done
check "real signatures: fetches succeed ($(field fetches 3 "$TMP/run1.txt") of $(field fetches 2 "$TMP/run1.txt"))" \
  "$([ "$(field fetches 3 "$TMP/run1.txt")" -ge 198 ] && echo true)"
check "the summary names the real signatures" "$(grep -q 'signatures real (ECDSA' "$TMP/run1.txt" && echo true)"
strip() { jq -c 'del(.wall_s, .mem_per_peer_kib, .bytes_per_peer_s)' "$1"; }
check "same seed, same run ($(wc -l < "$TMP/run1.jsonl") windows)" \
  "$([ "$(strip "$TMP/run1.jsonl")" = "$(strip "$TMP/run2.jsonl")" ] && echo true)"
"$SIM" $small --cheap-signatures --seed 12 --json "$TMP/run3.jsonl" > /dev/null 2>&1
check "another seed, another run" "$([ "$(strip "$TMP/run1.jsonl")" != "$(strip "$TMP/run3.jsonl")" ] && echo true)"
"$SIM" --peers 0 > "$TMP/bad.txt" 2>&1
check "a bad option is refused with a reason" "$(grep -q 'expected a number in 1..131072' "$TMP/bad.txt" && echo true)"
[ "$fails" = 0 ] || exit 1
