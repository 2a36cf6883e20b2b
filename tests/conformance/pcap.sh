#!/bin/sh
# pcap.sh: reload-conform --pcap, the passive check of a capture
# (conformance/passive.h). A reference peer alone in its overlay over plain
# TCP (--insecure-tcp: a capture cannot read TLS), the suite's ping and
# store tests as the traffic, dumpcap on loopback filtered to the peer's
# port. The capture of a correct peer has no violation; the capture of a
# peer with --break fresh-txid,no-certificate has both, each named with
# its packet and requirement, and the exit status says so.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib-serial.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/lib.sh"
need_conform
BIN=$(cd "$top_builddir" && pwd)
command -v dumpcap >/dev/null 2>&1 || { echo "dumpcap not found (Debian: wireshark-common): skipped"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "$0: jq is needed (skipped)"; exit 77; }
if ! dumpcap -D 2>/dev/null | grep -qw lo; then
  echo "dumpcap cannot capture on lo here (not root?): skipped"
  exit 77
fi
CA="$BIN/tools/reload-ca"
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

"$CA" init --dir "$TMP/ca" --overlay overlay.test --key-type ec >/dev/null &&
  "$CA" config --dir "$TMP/ca" --bootstrap 127.0.0.1:1 --sequence 1 \
    --kind 4000,SINGLE,USER-MATCH,1,4096 --out "$TMP/overlay.xml" >/dev/null &&
  "$CA" issue --dir "$TMP/ca" --user peer@overlay.test --out peer --key-type ec >/dev/null &&
  "$CA" issue --dir "$TMP/ca" --user alice@overlay.test --out alice --key-type ec >/dev/null ||
  { echo "$0: reload-ca failed" >&2; exit 99; }

# capture NAME [BREAK]: a peer, the capture while the suite talks to it.
capture() {
  rm -f "$TMP/$1.port" "$TMP/$1.json"
  # shellcheck disable=SC2086
  "$BIN/reload-peer" --config "$TMP/overlay.xml" --cert "$TMP/ca/peer.crt" --key "$TMP/ca/peer.key" \
    --listen 127.0.0.1:0 --first --bootstrap 127.0.0.1:1 --insecure-tcp \
    --port-file "$TMP/$1.port" --status-file "$TMP/$1.json" --log "$TMP/$1.log" \
    ${2:+--break "$2"} 2>/dev/null &
  peer=$!
  PIDS="$PIDS $peer"
  i=0
  while [ "$i" -lt 100 ] && ! jq -e .joined "$TMP/$1.json" >/dev/null 2>&1; do
    sleep 0.1
    i=$((i + 1))
  done
  port=$(cat "$TMP/$1.port")
  dumpcap -q -i lo -f "tcp port $port" -w "$TMP/$1.pcapng" 2>"$TMP/$1.dumpcap" &
  dc=$!
  PIDS="$PIDS $dc"
  # dumpcap is capturing once it has written the file header.
  i=0
  while [ "$i" -lt 50 ] && [ ! -s "$TMP/$1.pcapng" ]; do
    sleep 0.1
    i=$((i + 1))
  done
  sleep 0.5
  "$CONFORM" --no-progress --requirements "$TABLE" --link tcp --target "127.0.0.1:$port" \
    --config "$TMP/overlay.xml" --cert "$TMP/ca/alice.crt" --key "$TMP/ca/alice.key" \
    --timeout 2 "$SCEN/ping-basic.scen" "$SCEN/store-single-fetch.scen" \
    "$SCEN/store-array-fetch.scen" >"$TMP/$1.suite" 2>&1
  sleep 0.5
  kill -INT "$dc" 2>/dev/null
  wait "$dc" 2>/dev/null
  kill "$peer" 2>/dev/null
  wait "$peer" 2>/dev/null
  echo "$port" >"$TMP/$1.cport"
}
passive() { # passive NAME: the check of NAME's capture
  "$CONFORM" --requirements "$TABLE" --config "$TMP/overlay.xml" \
    --pcap "$TMP/$1.pcapng" --port "$(cat "$TMP/$1.cport")" >"$TMP/$1.out" 2>&1
}

capture good ""
passive good
st=$?
# --config alone told the suite the Kinds (this overlay has no array
# Kind: that test skips, saying which Kind it needs) and the Node-ID came
# from the preflight.
contains "--config: the single-value store test ran" "$TMP/good.suite" "PASS  store-single-fetch"
contains "--config: no array Kind, a skip with the reason" "$TMP/good.suite" \
  "skipped: needs a USER-MATCH array Kind of the target's overlay"
contains "the preflight block" "$TMP/good.suite" "Preflight: 127.0.0.1:"
contains "the preflight took the Node-ID" "$TMP/good.suite" "(--target-node-id taken from it)"
echo "== a correct peer:"
cat "$TMP/good.out"
check "no violation in a correct peer's capture (exit 0)" test "$st" -eq 0
contains "no violation" "$TMP/good.out" "): 0 violations"
# The preflight's Ping and RouteQuery, ping-basic, a store and a fetch.
nreq=$(sed -n 's/.* messages (\([0-9]*\) requests, \([0-9]*\) answers).*/\1 \2/p' "$TMP/good.out")
check "every request checked with its answer (got: ${nreq:-none})" \
  test "${nreq% *}" -ge 5 -a "${nreq% *}" = "${nreq#* }"

capture broken "fresh-txid,no-certificate"
passive broken
st=$?
echo "== a peer with --break fresh-txid,no-certificate:"
cat "$TMP/broken.out"
check "exit status 1 on violations" test "$st" -eq 1
contains "an answer that echoes no request's transaction_id" "$TMP/broken.out" \
  "RFC 6940 6.3.2: ping_ans with transaction_id"
contains "the packet it is in" "$TMP/broken.out" "packet "
contains "no certificate, with the requirement and its words" "$TMP/broken.out" \
  "RFC6940-6.3.4-2 (RFC 6940 6.3.4, MUST): no certificate in the security block for its signer"

# A file that is not a capture: a clear error, exit 2.
printf 'not a capture' >"$TMP/x.pcap"
"$CONFORM" --requirements "$TABLE" --pcap "$TMP/x.pcap" >"$TMP/x.out" 2>&1
check "not a capture: exit 2" test $? -eq 2
contains "says what is wrong" "$TMP/x.out" "--pcap $TMP/x.pcap: "
finish
