#!/usr/bin/env bash
# dump-tls-suites.sh: reload-dump --keylog with the cipher suites our
# peers do not choose by default. openssl s_server and s_client (their
# -keylogfile) exchange a framed ping_req and ping_ans over TLS 1.2, TLS
# 1.3 and DTLS 1.2 with AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305,
# captured with dumpcap on loopback; reload-dump must decrypt every
# record (AEAD tags checked by OpenSSL: keys and nonces are right) and
# show both messages; tshark, with the same key log, must count as many
# application data records.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tools/lib.sh"

command -v openssl >/dev/null 2>&1 || { echo "openssl not found: skipped"; exit 77; }
command -v dumpcap >/dev/null 2>&1 || { echo "dumpcap not found (Debian: wireshark-common): skipped"; exit 77; }
if ! dumpcap -D 2>/dev/null | grep -qw lo; then
  echo "dumpcap cannot capture on lo here (not root?): skipped"
  exit 77
fi
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/k.pem" \
  -out "$TMP/c.pem" -subj /CN=test -days 2 2>/dev/null || { echo "openssl req failed"; exit 99; }
"$DUMP" --json "$VECTORS/ping_req.vec" | "$ENCODE" --framed 1 >"$TMP/req.bin"
"$DUMP" --json "$VECTORS/ping_ans.vec" | "$ENCODE" --framed 1 >"$TMP/ans.bin"

# one NAME PROTO SERVER-OPTIONS...: a connection, its capture and key log.
one() {
  local name=$1 proto=$2 port dc sp i copt=""
  shift 2
  port=$((41000 + RANDOM % 9000))
  [ "$proto" = udp ] && copt=-dtls1_2
  dumpcap -q -i lo -f "$proto port $port" -w "$TMP/$name.pcapng" 2>/dev/null &
  dc=$!
  PIDS="$PIDS $dc"
  i=0
  while [ "$i" -lt 50 ] && [ ! -s "$TMP/$name.pcapng" ]; do sleep 0.1; i=$((i + 1)); done
  sleep 0.3
  { sleep 1; cat "$TMP/ans.bin"; sleep 1; } |
    timeout 10 openssl s_server -quiet -naccept 1 -accept "127.0.0.1:$port" -cert "$TMP/c.pem" \
      -key "$TMP/k.pem" -keylogfile "$TMP/$name.keys" "$@" >/dev/null 2>&1 &
  sp=$!
  PIDS="$PIDS $sp"
  sleep 0.5
  { cat "$TMP/req.bin"; sleep 1.5; } |
    timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" $copt >/dev/null 2>&1
  wait "$sp" 2>/dev/null
  sleep 0.3
  kill -INT "$dc" 2>/dev/null
  wait "$dc" 2>/dev/null
  "$DUMP" --keylog "$TMP/$name.keys" -P "$port" "$TMP/$name.pcapng" >"$TMP/$name.out" 2>&1
  rc=$?
  expect_eq "$name: exit status 0" "$rc" 0
  check "$name: nothing left undecrypted" sh -c "! grep -q 'not decrypted\\|no keys' '$TMP/$name.out'"
  check "$name: the ping_req" grep -q ": ping_req$" "$TMP/$name.out"
  check "$name: the ping_ans" grep -q ": ping_ans$" "$TMP/$name.out"
  if command -v tshark >/dev/null 2>&1; then
    nrec=$(sed -n 's/.*application data: \([0-9]*\).*/\1/p' "$TMP/$name.out" | awk '{ s += $1 } END { print s + 0 }')
    nts=$(tshark -r "$TMP/$name.pcapng" -o "tls.keylog_file:$TMP/$name.keys" \
      -d "tcp.port==$port,tls" -d "udp.port==$port,dtls" \
      -Y "tls.app_data or dtls.app_data" -T fields -e tls.app_data -e dtls.app_data 2>/dev/null |
      awk -F'\t' '{ n += split($1 $2, a, ",") } END { print n + 0 }')
    expect_eq "$name: application data records, as tshark counts them" "$nrec" "$nts"
  fi
  echo "$name: $(grep -m1 'records:' "$TMP/$name.out")"
}

# suite NAME PROTO "VERSION, SUITE" SERVER-OPTIONS...: one connection, and
# reload-dump names the version and suite the server was limited to.
suite() {
  local name=$1 proto=$2 want=$3
  shift 3
  one "$name" "$proto" "$@"
  check "$name: $want" grep -q "($want;" "$TMP/$name.out"
}

suite tls12-aes128 tcp "TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" \
  -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
suite tls12-aes256 tcp "TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" \
  -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384
suite tls12-chacha tcp "TLS 1.2, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" \
  -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305
suite tls13-aes128 tcp "TLS 1.3, TLS_AES_128_GCM_SHA256" -ciphersuites TLS_AES_128_GCM_SHA256
suite tls13-chacha tcp "TLS 1.3, TLS_CHACHA20_POLY1305_SHA256" \
  -ciphersuites TLS_CHACHA20_POLY1305_SHA256
suite dtls12-aes128 udp "DTLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" \
  -dtls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
suite dtls12-chacha udp "DTLS 1.2, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" \
  -dtls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305
finish
