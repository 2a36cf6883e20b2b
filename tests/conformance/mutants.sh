#!/bin/sh
# mutants.sh: does the suite catch deviations? (doc/conformance.md,
# "Mutation testing"). For each of reload-peer's --break switches (a
# realistic way an implementation goes wrong, peer/breaks.h), a reference
# peer with that one switch runs alone in its overlay (so it is responsible
# for everything and answers every test itself), and reload-conform runs
# the scenarios that check the rule it breaks. The suite must FAIL, naming
# at least one requirement (an RFC 6940 section) in the failure. A control
# peer without a switch passes the same scenarios. Prints the kill ratio:
# deviations caught / deviations seeded; every one must be caught.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib-serial.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/lib.sh"
need_conform
BIN=$(cd "$top_builddir" && pwd)
for p in reload-peer tools/reload-ca; do
  [ -x "$BIN/$p" ] || { echo "$0: $BIN/$p is not built" >&2; exit 99; }
done
command -v jq >/dev/null 2>&1 || { echo "$0: jq is needed (skipped)"; exit 77; }
CA="$BIN/tools/reload-ca"
PEER_PID=""
stop_peer() {
  [ -n "$PEER_PID" ] || return 0
  kill "$PEER_PID" 2>/dev/null
  wait "$PEER_PID" 2>/dev/null
  PEER_PID=""
}
trap 'stop_peer; rm -rf "$TMP"' EXIT

# BREAK: SCENARIOS [OPTIONS] -- what each switch must be caught by.
cat >"$TMP/mutants" <<'EOF'
ignore-ttl: fwd-ttl-exhausted
wrong-ttl-error: fwd-ttl-exhausted
fresh-txid: ping-basic
bad-answer-signature: ping-basic --verify-signatures
no-certificate: ping-signed
ttl-above-initial: fwd-ttl-above-initial
ignore-overlay: fwd-overlay-hash
ignore-version: fwd-version
ignore-config-seq: fwd-config-too-old fwd-config-too-new
no-config-update: fwd-config-too-old
ignore-max-response-length: fwd-max-response-length
ignore-destination-critical: options-destination-critical
ignore-critical-extension: ext-critical-unknown
accept-bad-signature: security-bad-signature
answer-unknown-code: msg-unknown-code
wrong-unknown-kind-error: store-unknown-kind fetch-unknown-kind
ignore-generation: store-generation-too-low
accept-duplicate-destination: dest-duplicate
via-not-reversed: via-list-reversed
no-response-copy: options-response-copy
probe-extra-info: probe-requested-info
accept-fragment-low-bit: fwd-fragment-high-bit
EOF

# One CA, one configuration (sequence 1, the Kinds of reload-overlay), one
# peer certificate and alice's; P-256 keys (the switches are about
# messages, not key types, and ECDSA keys are quick to make).
"$CA" init --dir "$TMP/ca" --overlay overlay.test --key-type ec >/dev/null &&
  "$CA" config --dir "$TMP/ca" --bootstrap 127.0.0.1:1 --sequence 1 \
    --kind 4000,SINGLE,USER-MATCH,1,4096 --kind 4001,ARRAY,USER-MATCH,64,4096 \
    --kind 4002,DICTIONARY,USER-MATCH,64,4096 --out "$TMP/overlay.xml" >/dev/null &&
  "$CA" issue --dir "$TMP/ca" --user peer@overlay.test --out peer --key-type ec >/dev/null &&
  "$CA" issue --dir "$TMP/ca" --user alice@overlay.test --out alice --key-type ec >/dev/null ||
  { echo "$0: reload-ca failed" >&2; exit 99; }

# start_peer [BREAK]: the peer alone in its overlay (--first; its only
# bootstrap address answers nothing), until it has joined.
start_peer() {
  rm -f "$TMP/peer.port" "$TMP/peer.json"
  # shellcheck disable=SC2086
  "$BIN/reload-peer" --config "$TMP/overlay.xml" --cert "$TMP/ca/peer.crt" \
    --key "$TMP/ca/peer.key" --listen 127.0.0.1:0 --first --bootstrap 127.0.0.1:1 \
    --port-file "$TMP/peer.port" --status-file "$TMP/peer.json" --log "$TMP/peer-$1.log" \
    ${1:+--break "$1"} 2>/dev/null &
  PEER_PID=$!
  i=0
  while [ "$i" -lt 150 ] && ! jq -e .joined "$TMP/peer.json" >/dev/null 2>&1; do
    sleep 0.1
    i=$((i + 1))
  done
  jq -e .joined "$TMP/peer.json" >/dev/null 2>&1
}
# conform OUT SCENARIO... [OPTION...]
conform() {
  _out=$1
  shift
  _args=""
  for _a in "$@"; do
    case "$_a" in
      -*) _args="$_args $_a" ;;
      *) _args="$_args $SCEN/$_a.scen" ;;
    esac
  done
  # shellcheck disable=SC2086
  "$CONFORM" --no-progress --requirements "$TABLE" --link tls \
    --target "127.0.0.1:$(cat "$TMP/peer.port")" --overlay overlay.test \
    --ca "$TMP/ca/ca.crt" --cert "$TMP/ca/alice.crt" --key "$TMP/ca/alice.key" \
    --target-node-id "$(jq -r .node_id "$TMP/peer.json")" --config-seq 1 --timeout 3 \
    --kind single_value=4000 --kind array=4001 --kind dictionary=4002 $_args >"$_out" 2>&1
}

# The control: every scenario of the table against a peer without a switch.
all=$(sed 's/^[^:]*: //; s/ --[a-z-]*//g' "$TMP/mutants" | tr ' ' '\n' | sort -u | tr '\n' ' ')
if start_peer ""; then
  # shellcheck disable=SC2086
  conform "$TMP/control" $all --verify-signatures
  st=$?
  check "the control peer passes the mutants' scenarios (exit 0)" test "$st" -eq 0
  if [ "$st" -ne 0 ]; then grep -A40 '^FAIL  ' "$TMP/control" | head -60; fi
  echo "== control (no --break): $(tail -n 1 "$TMP/control")"
  # --signer-identity is what goes out: a made-up identity is refused.
  conform "$TMP/signer" ping-basic --signer-identity=raw:0011
  check "--signer-identity raw:0011 is refused by the control peer (exit 1)" test $? -eq 1
  contains "... with Error_Forbidden" "$TMP/signer" "Error_Forbidden"
  conform "$TMP/signer2" ping-basic --signer-identity=cert_hash
  check "--signer-identity cert_hash is accepted (exit 0)" test $? -eq 0
else
  fail "the control peer did not start"
  tail -n 5 "$TMP/peer-.log"
fi
stop_peer

seeded=0
caught=0
while IFS= read -r line; do
  brk=${line%%:*}
  scen=${line#*: }
  seeded=$((seeded + 1))
  if ! start_peer "$brk"; then
    fail "--break $brk: the peer did not start"
    tail -n 5 "$TMP/peer-$brk.log"
    stop_peer
    continue
  fi
  # shellcheck disable=SC2086
  conform "$TMP/out-$brk" $scen
  st=$?
  stop_peer
  # Caught: exit 1, a FAIL, and a requirement of RFC 6940 named in it.
  failed=$(grep -E '^FAIL  ' "$TMP/out-$brk" | awk '{print $2}' | tr '\n' ' ')
  req=$(sed -n '/^FAIL  /,$p' "$TMP/out-$brk" | grep -oE 'RFC6940-[0-9.]+-[0-9]+|RFC 6940 [0-9.]+' | head -n 1)
  if [ "$st" -eq 1 ] && [ -n "$failed" ] && [ -n "$req" ]; then
    caught=$((caught + 1))
    pass
    echo "caught   --break $brk: FAIL $failed($req)"
  else
    fail "--break $brk not caught by $scen (exit $st)"
    sed 's/^/  | /' "$TMP/out-$brk" | head -40
  fi
done <"$TMP/mutants"
echo "kill ratio: $caught of $seeded deviations caught"
check "every deviation caught" test "$caught" -eq "$seeded"

# A target that answers nothing at all (a TCP listener that reads and
# never writes): the preflight says so, and a test that passes on
# silence is INCONCLUSIVE, not PASS.
python3 -c '
import socket, sys, threading, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
def drain(c):
    try:
        while c.recv(65536): pass
    except OSError: pass
end = time.time() + 60
s.settimeout(1)
while time.time() < end:
    try: c, _ = s.accept()
    except OSError: continue
    threading.Thread(target=drain, args=(c,), daemon=True).start()
' >"$TMP/silent.port" &
PEER_PID=$!
i=0
while [ "$i" -lt 50 ] && [ ! -s "$TMP/silent.port" ]; do sleep 0.1; i=$((i + 1)); done
"$CONFORM" --no-progress --requirements "$TABLE" --link tcp --target "127.0.0.1:$(cat "$TMP/silent.port")" \
  --overlay overlay.test --cert "$TMP/ca/alice.crt" --key "$TMP/ca/alice.key" \
  --target-node-id 00112233445566778899aabbccddeeff --config-seq 1 --timeout 1 \
  "$SCEN/security-unsigned.scen" "$SCEN/ping-basic.scen" >"$TMP/silent" 2>&1
stop_peer
contains "a silent target is said to be silent up front" "$TMP/silent" "The target answered nothing"
contains "a test passing on silence is INCONCLUSIVE" "$TMP/silent" "INCONCLUSIVE  security-unsigned"
contains "... counted apart" "$TMP/silent" ", 1 inconclusive"
contains "an answer that does not come is still a FAIL" "$TMP/silent" "FAIL  ping-basic"
finish
