#!/usr/bin/env bash
# dump-tls.sh: reload-dump --keylog on live captures. Two peers and a
# client over TLS (--link tls) and over DTLS (--link dtls), the peers'
# session secrets in $SSLKEYLOGFILE, dumpcap on loopback; the client stores
# a value and fetches it back. reload-dump --keylog shows the store_req
# with the value and the fetch_ans; tshark with the same key log
# decrypts as many records carrying application data; without the key
# log reload-dump names the streams "TLS stream, no keys" / "DTLS stream,
# no keys". LINKS="tls" or "dtls" runs one mode only.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

command -v dumpcap >/dev/null 2>&1 || { echo "SKIP: dumpcap not found (Debian: wireshark-common)"; exit 77; }
if ! dumpcap -D 2>/dev/null | grep -qw lo; then
  echo "SKIP: dumpcap cannot capture on lo here (not root?)"
  exit 77
fi
DUMP="$top_builddir/reload-dump"
TAG=$$-$RANDOM

# run LINK: capture an overlay of two peers over LINK and a client's
# store and fetch; the capture in $TMP/LINK.pcapng, the key log in
# $TMP/LINK.keys, the ports in $TMP/LINK.ports ("-P A -P B").
run() {
  local link=$1 p dc i
  p=$((20000 + RANDOM % 20000))
  echo "-P $p -P $((p + 1))" >"$TMP/$link.ports"
  dumpcap -q -i lo -f "port $p or port $((p + 1))" -w "$TMP/$link.pcapng" \
    2>"$TMP/$link.dumpcap" &
  dc=$!
  BG_PIDS="$BG_PIDS $dc"
  # dumpcap is capturing once it has written the file header.
  i=0
  while [ "$i" -lt 50 ] && [ ! -s "$TMP/$link.pcapng" ]; do sleep 0.1; i=$((i + 1)); done
  sleep 0.3
  if ! SSLKEYLOGFILE="$TMP/$link.keys" ov start -n 2 --base-port "$p" --key-type ec \
    --link "$link" >/dev/null; then
    echo "FAIL: reload-overlay start --link $link"
    exit 1
  fi
  ring_or_exit 2
  out=$(client 0 alice store 4000 "alice@$OVERLAY_NAME" "secret-$link-$TAG")
  expect_eq "$link: store answered ok" "$(echo "$out" | jq -r .ok)" true
  v=$(client 0 alice fetch 4000 "alice@$OVERLAY_NAME" | jq -r '.kinds[0].values[0].value // "none"')
  expect_eq "$link: fetched back" "$v" "secret-$link-$TAG"
  sleep 0.5
  kill -INT "$dc" 2>/dev/null
  wait "$dc" 2>/dev/null
  ov stop >/dev/null 2>&1
  cp "$DIR/overlay.xml" "$TMP/$link.xml" # Kind 4000's data model
}

# The hex of a string, as the tree shows opaque values.
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

check_link() {
  local link=$1 what=$2 ports nrec nts
  ports=$(cat "$TMP/$link.ports")
  section "$link: reload-dump without the key log"
  # shellcheck disable=SC2086
  "$DUMP" $ports "$TMP/$link.pcapng" >"$TMP/$link.nokeys" 2>&1
  head -n 6 "$TMP/$link.nokeys"
  check "$link: named \"$what stream, no keys\"" grep -q "^$what stream, no keys: " "$TMP/$link.nokeys"
  check "$link: no RELOAD token error" sh -c "! grep -q 'relo_token' '$TMP/$link.nokeys'"

  section "$link: reload-dump --keylog"
  # shellcheck disable=SC2086
  "$DUMP" --keylog "$TMP/$link.keys" --config "$TMP/$link.xml" $ports \
    "$TMP/$link.pcapng" >"$TMP/$link.out" 2>&1
  rc=$?
  grep -E "records:|^message|no keys" "$TMP/$link.out" | sort | uniq -c | sort -rn | head -n 12
  expect_eq "$link: exit status 0 (everything decrypted and decoded)" "$rc" 0
  check "$link: no stream left encrypted" sh -c "! grep -q 'no keys' '$TMP/$link.out'"
  check "$link: a store_req" grep -q ": store_req$" "$TMP/$link.out"
  check "$link: a fetch_ans" grep -q ": fetch_ans$" "$TMP/$link.out"
  check "$link: the stored value in clear" grep -q "$(hex "secret-$link-$TAG")" "$TMP/$link.out"
  check "$link: the suite named" grep -qE "records: .*(TLS_|DTLS)" "$TMP/$link.out"

  section "$link: cross-check with tshark"
  nrec=$(sed -n 's/.*application data: \([0-9]*\).*/\1/p' "$TMP/$link.out" | awk '{ s += $1 } END { print s + 0 }')
  if command -v tshark >/dev/null 2>&1; then
    # Records tshark decrypts to application data (one row per record).
    # shellcheck disable=SC2086
    nts=$(tshark -r "$TMP/$link.pcapng" -o "tls.keylog_file:$TMP/$link.keys" \
      -d "tcp.port==${ports##* },tls" -d "udp.port==${ports##* },dtls" \
      -d "tcp.port==$(echo "$ports" | cut -d' ' -f2),tls" \
      -d "udp.port==$(echo "$ports" | cut -d' ' -f2),dtls" \
      -Y "tls.app_data or dtls.app_data" -T fields -e tls.app_data -e dtls.app_data \
      -o tls.desegment_ssl_records:TRUE 2>/dev/null |
      awk -F'\t' '{ n += split($1 $2, a, ",") } END { print n + 0 }')
    echo "reload-dump: $nrec application data records; tshark: $nts"
    expect_eq "$link: tshark decrypts as many application data records" "$nrec" "$nts"
  else
    echo "(tshark not found: no cross-check)"
  fi
  expect_ge "$link: application data records" "$nrec" 4
}

for link in ${LINKS:-tls dtls}; do
  case "$link" in
    tls) run tls; check_link tls TLS ;;
    dtls) run dtls; check_link dtls DTLS ;;
    *) echo "LINKS: tls or dtls"; exit 99 ;;
  esac
done

section "key logs that do not fit"
first=${LINKS:-tls dtls}
first=${first%% *}
printf 'CLIENT_RANDOM 00112233 abcd\n' >"$TMP/bad.keys"
"$DUMP" --keylog "$TMP/bad.keys" "$TMP/$first.pcapng" >"$TMP/bad.out" 2>&1
rc=$?
cat "$TMP/bad.out"
expect_eq "a malformed key log: exit status 2" "$rc" 2
check "it names the line and the field" grep -q "line 1: the client random is not 64 hex digits" "$TMP/bad.out"
grep -v '^CLIENT_RANDOM\|TRAFFIC_SECRET_0' "$TMP/$first.keys" >"$TMP/partial.keys"
# shellcheck disable=SC2086
"$DUMP" --keylog "$TMP/partial.keys" $(cat "$TMP/$first.ports") "$TMP/$first.pcapng" >"$TMP/partial.out" 2>&1
grep "no keys" "$TMP/partial.out" | sort | uniq -c | head -n 3
check "keys of other sessions only: the reason, per stream" \
  grep -Eq "stream, no keys: [0-9]+ bytes not decoded \(no (CLIENT_RANDOM|CLIENT_TRAFFIC_SECRET_0)" "$TMP/partial.out"
finish
