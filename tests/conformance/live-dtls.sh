#!/bin/sh
# live-dtls.sh: reload-conform --link dtls (conformance/transport_dtls.c)
# against peer 1 of a reference overlay of 3 peers on DTLS-UDP-SR-NO-ICE
# links (reload-overlay --link dtls, RFC 6940 6.6.4): every scenario but
# the joins passes or is skipped with a reason (the framing tests need
# bytes outside the framing, the other-CA test other credentials: the
# DTLS transport offers neither); attach-basic, whose Attach offers a
# TLS-TCP-FH-NO-ICE candidate, is answered Error_Incompatible_with_Overlay
# by a DTLS peer (6.5.1.11: no candidate of a protocol it speaks).
# LINK=dtls-ice (live-dtls-ice.sh): the same over DTLS-UDP-SR with ICE
# (reload-overlay and reload-conform --link dtls-ice: every connection of
# the suite an Attach with ICE candidates over a direct link, libnice's
# checks, then DTLS over the nominated pair, the target as client).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib-serial.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/lib.sh"
need_conform
LINK=${LINK:-dtls}
BIN=$(cd "$top_builddir" && pwd)
for p in reload-peer tools/reload-ca; do
  [ -x "$BIN/$p" ] || { echo "$0: $BIN/$p is not built" >&2; exit 99; }
done
command -v jq >/dev/null 2>&1 || { echo "$0: jq is needed (skipped)"; exit 77; }
command -v bash >/dev/null 2>&1 || { echo "$0: bash is needed (skipped)"; exit 77; }
export RELOAD_BINDIR="$BIN"
OVL="$top_srcdir/tools/reload-overlay"
CA="$BIN/tools/reload-ca"
OV="$TMP/ov"
stop() { bash "$OVL" stop --dir "$OV" >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap stop EXIT

port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000))
"$CA" init --dir "$TMP/ca" --overlay overlay.test --key-type ec >/dev/null &&
  "$CA" config --dir "$TMP/ca" --bootstrap "127.0.0.1:$port" --sequence 1 \
    --kind 4000,SINGLE,USER-MATCH,1,4096 --kind 4001,ARRAY,USER-MATCH,64,4096 \
    --kind 4002,DICTIONARY,USER-MATCH,64,4096 --out "$TMP/overlay.xml" >/dev/null ||
  { echo "$0: reload-ca failed" >&2; exit 99; }
bash "$OVL" start -n 3 --dir "$OV" --update-interval 1000 --config "$TMP/overlay.xml" \
  --ca "$TMP/ca" --link "$LINK" --key-type ec >"$TMP/start.log" 2>&1 &&
  bash "$OVL" wait --dir "$OV" --timeout 60 >>"$TMP/start.log" 2>&1 ||
  { echo "$0: the overlay did not start:"; cat "$TMP/start.log"; exit 99; }

conform() { # conform OUT SCENARIO...: the suite over DTLS against peer 1 as alice
  _out=$1
  shift
  "$CONFORM" --no-progress --requirements "$TABLE" --link "$LINK" \
    --target "127.0.0.1:$(cat "$OV/peer1.port")" --overlay overlay.test \
    --ca "$OV/ca/ca.crt" --cert "$OV/alice.crt" --key "$OV/alice.key" \
    --target-node-id "$(jq -r .node_id "$OV/peer1.json")" --config-seq 1 --timeout 10 \
    --kind single_value=4000 --kind array=4001 --kind dictionary=4002 "$@" >"$_out" 2>&1
}

ls "$SCEN"/*.scen | grep -vE '/(peer-join(-leave)?|attach-basic)\.scen$' >"$TMP/scens"
# shellcheck disable=SC2046
conform "$TMP/out" $(cat "$TMP/scens")
st=$?
echo "== the suite over $LINK against peer 1 of a $LINK overlay:"
grep -E '^(PASS|FAIL|SKIP)  ' "$TMP/out"
tail -n 1 "$TMP/out"
check "it ran every scenario" test "$(grep -cE '^(PASS|FAIL|SKIP)  ' "$TMP/out")" -eq "$(wc -l <"$TMP/scens")"
for t in $(grep -E '^FAIL  ' "$TMP/out" | awk '{print $2}'); do
  fail "$t fails against the reference peer over $LINK"
  sed -n "/^FAIL  $t /,/^[A-Z][A-Z]*  /p" "$TMP/out" | head -60
done
# The runner prints each skip's reason on the line after it.
nskip=$(grep -cE '^SKIP  ' "$TMP/out")
check "every skip has its reason ($nskip skips)" \
  test "$(grep -A1 -E '^SKIP  ' "$TMP/out" | grep -c '^      skipped: ')" -eq "$nskip"
check "exit status 0 (nothing failed)" test "$st" -eq 0
check "most scenarios pass (over 40)" test "$(grep -cE '^PASS  ' "$TMP/out")" -gt 40
contains "the framing tests are skipped: no bytes outside the framing over DTLS" "$TMP/out" \
  "SKIP  framing-data-acked"

conform "$TMP/attach" "$SCEN/attach-basic.scen"
contains "an Attach offering only TLS-TCP-FH-NO-ICE: refused by the DTLS peer" "$TMP/attach" \
  "error_code: Error_Incompatible_with_Overlay"
finish
