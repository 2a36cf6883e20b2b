#!/bin/sh
# sim.sh: reload-sim runs whole reference peers (the node core of
# src/peer) over simulated links: a ring of 100 peers forms, every peer
# stores a value, fetches under churn (median session 10 min) succeed, no
# acknowledged value is lost, successors are right, hops stay within
# CHORD's bound, and the same seed gives the same run (every JSON line
# except wall time, memory and bytes, which ECDSA's varying signature
# length changes). No sockets: nothing leaves the process.
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
args="--peers 100 --seed 11 --settle 20 --fetches 1000 --fetch-rate 20 --session-median 600 --window 5 --form-limit 300"
for run in 1 2; do
  "$SIM" $args --json "$TMP/run$run.jsonl" > "$TMP/run$run.txt" 2>&1 || {
    echo "FAIL: reload-sim exited $?"; cat "$TMP/run$run.txt"; exit 1; }
done
cat "$TMP/run1.txt"
s=$TMP/run1.txt
fetches=$(awk '/^fetches/ {print $2}' "$s" | tr -d :)
ok=$(awk '/^fetches/ {print $3}' "$s")
lost=$(awk '/^stored values/ {print $7}' "$s")
acked=$(awk '/^stored values/ {print $3}' "$s")
hops=$(awk '/^hops/ {print $3}' "$s" | tr -d ,)
ring=$(awk '/^ring correct/ {print $5}' "$s")
fails_churn=$(awk '/^peers at the end/ {print $11}' "$s")
check "fetches done ($fetches)" "$([ "$fetches" -ge 950 ] && echo true)"
check "success >= 99% under churn ($ok of $fetches)" "$([ $((ok * 100)) -ge $((fetches * 99)) ] && echo true)"
check "churn happened ($fails_churn failures)" "$([ "$fails_churn" -ge 5 ] && echo true)"
check "every peer's value acknowledged ($acked >= 100)" "$([ "$acked" -ge 100 ] && echo true)"
check "no acknowledged value lost ($lost)" "$([ "$lost" = 0 ] && echo true)"
check "mean hops within 0.5 log2 N + 1 = 4.3 ($hops)" "$(awk -v h="$hops" 'BEGIN { print (h > 0 && h <= 4.3) ? "true" : "false" }')"
check "ring correct at the end ($ring)" "$(awk -v r="$ring" 'BEGIN { print (r >= 0.99) ? "true" : "false" }')"
strip() { jq -c 'del(.wall_s, .mem_per_peer_kib, .bytes_per_peer_s)' "$1"; }
check "same seed, same run ($(wc -l < "$TMP/run1.jsonl") windows)" \
  "$([ "$(strip "$TMP/run1.jsonl")" = "$(strip "$TMP/run2.jsonl")" ] && echo true)"
"$SIM" $args --seed 12 --fetches 100 --json "$TMP/run3.jsonl" > /dev/null 2>&1
check "another seed, another run" "$([ "$(strip "$TMP/run1.jsonl")" != "$(strip "$TMP/run3.jsonl")" ] && echo true)"
"$SIM" --peers 0 > "$TMP/bad.txt" 2>&1
check "a bad option is refused with a reason" "$(grep -q 'expected a number in 1..131072' "$TMP/bad.txt" && echo true)"
[ "$fails" = 0 ] || exit 1
