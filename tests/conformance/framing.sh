#!/bin/sh
# The framing scenarios (conformance/tests/framing-*.scen, RFC 6940 6.6.2)
# are tested too: a one-peer reference overlay over plain TCP with the
# framing header (--insecure-tcp; reload-conform --link tcp), reached
# through frame-proxy.py. Through a proxy that forwards everything, every
# framing scenario passes; through one that drops the peer's acks, clears
# their received masks or renumbers the peer's data frames, the scenario
# that checks that must FAIL, saying why, while the others still pass.
# About 15 seconds.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/lib.sh"
need_conform
BIN=$(cd "$top_builddir" && pwd)
for p in reload-peer tools/reload-ca; do
  [ -x "$BIN/$p" ] || { echo "$0: $BIN/$p is not built" >&2; exit 99; }
done
for c in python3 jq bash; do
  command -v $c >/dev/null 2>&1 || { echo "$0: $c is needed (skipped)"; exit 77; }
done
export RELOAD_BINDIR="$BIN"
OVL="$top_srcdir/tools/reload-overlay"
OV="$TMP/ov"
PROXY=""
stop() {
  [ -n "$PROXY" ] && kill "$PROXY" 2>/dev/null
  bash "$OVL" stop --dir "$OV" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap stop EXIT

bash "$OVL" start -n 1 --insecure-tcp --dir "$OV" >"$TMP/start.log" 2>&1 &&
  bash "$OVL" wait --dir "$OV" --timeout 30 >>"$TMP/start.log" 2>&1 ||
  { echo "$0: the peer did not start:"; cat "$TMP/start.log" "$OV"/peer0.log; exit 99; }

# through MODE OUT SCENARIO...: the scenarios through a proxy in MODE;
# reload-conform's exit status in $st. Each answer is waited for
# $through_timeout seconds (2: the runs that must fail name that figure).
through() {
  _mode=$1
  _out=$2
  shift 2
  rm -f "$TMP/pport"
  python3 "$top_srcdir/tests/conformance/frame-proxy.py" "$_mode" "$(cat "$OV/peer0.port")" \
    "$TMP/pport" &
  PROXY=$!
  for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    [ -s "$TMP/pport" ] && break
    sleep 0.1
  done
  "$CONFORM" --no-progress --requirements "$TABLE" --link tcp \
    --target "127.0.0.1:$(cat "$TMP/pport")" --overlay overlay.test --ca "$OV/ca/ca.crt" \
    --cert "$OV/alice.crt" --key "$OV/alice.key" \
    --target-node-id "$(jq -r .node_id "$OV/peer0.json")" --timeout "${through_timeout:-2}" "$@" >"$_out" 2>&1
  st=$?
  kill "$PROXY" 2>/dev/null
  wait "$PROXY" 2>/dev/null
  PROXY=""
}

# Control: a proxy that changes nothing; a slow machine gets time to answer.
through_timeout=10 through pass "$TMP/pass" "$SCEN"/framing-*.scen "$SCEN/ping-basic.scen"
echo "== through a transparent proxy:"
grep -E '^(PASS|FAIL|SKIP)  ' "$TMP/pass"
check "exit status 0 through a transparent proxy" test "$st" -eq 0
check "every framing scenario ran and passed" \
  test "$(grep -c '^PASS  framing-' "$TMP/pass")" -eq "$(ls "$SCEN"/framing-*.scen | wc -l)"

# The peer's acks never arrive.
through drop-acks "$TMP/drop" "$SCEN/framing-data-acked.scen" "$SCEN/ping-basic.scen"
echo "== the peer's acks dropped:"
grep -E '^(PASS|FAIL|SKIP)  |^      [^ ]' "$TMP/drop"
check "exit status 1 without acks" test "$st" -eq 1
contains "framing-data-acked fails" "$TMP/drop" "FAIL  framing-data-acked"
contains "and says why" "$TMP/drop" "2 of our 2 data frames not acked within 2s (0 acks received)"
contains "in the RFC's words" "$TMP/drop" "RFC6940-6.6.2-1 (RFC 6940 6.6.2 Framing Header, SHOULD): \"When the receiver receives a message, it SHOULD immediately send an ACK message.\""
contains "the link's figures" "$TMP/drop" "    our data frames: 2 sent, 2 not acked"
contains "messages still pass" "$TMP/drop" "PASS  ping-basic"

# The acks' received masks are 0.
through zero-mask "$TMP/mask" "$SCEN/framing-ack-mask.scen" "$SCEN/framing-data-acked.scen"
echo "== the peer's received masks cleared:"
grep -E '^(PASS|FAIL|SKIP)  |^      [^ ]' "$TMP/mask"
check "exit status 1 with empty masks" test "$st" -eq 1
contains "framing-ack-mask fails" "$TMP/mask" "FAIL  framing-ack-mask"
contains "and says why" "$TMP/mask" "the acks do not match within 2s: last_ack.received is 0, expected in [6,3,1610612736,3221225472]"
contains "the last ack" "$TMP/mask" "acks received: 3 (the last: ack_sequence 2, received 0x00000000)"
contains "the acks are still there" "$TMP/mask" "PASS  framing-data-acked"

# The peer's data frames numbered from 7 (its acks are untouched).
through renumber "$TMP/renum" "$SCEN/framing-data-acked.scen" "$SCEN/framing-ack-mask.scen"
echo "== the peer's data frames renumbered:"
grep -E '^(PASS|FAIL|SKIP)  |^      [^ ]' "$TMP/renum"
check "exit status 1 with renumbered frames" test "$st" -eq 1
contains "framing-data-acked fails" "$TMP/renum" "FAIL  framing-data-acked"
contains "and says why" "$TMP/renum" "the acks do not match within 2s: data_out_of_sequence is 1, expected == 0"
contains "the numbers" "$TMP/renum" "the last numbered 8, 1 out of sequence"
contains "the acks are fine" "$TMP/renum" "PASS  framing-ack-mask"
finish
