#!/usr/bin/env bash
# overlay-links.sh: a small overlay over one link layer (RFC 6940 6.6):
# LINK=dtls (DTLS-UDP-SR-NO-ICE, 6.6.4 / 6.5.1.11), dtls-ice (DTLS-UDP-SR,
# every Attach with full ICE, 6.5.1.3), tcp-insecure or
# udp-insecure (the framing without security, for debugging). Five peers
# form the ring; a value stored through a client is fetched through every
# peer; the peers listen on the socket type of their layer and on no other;
# with DTLS, the peers log their session secrets to $SSLKEYLOGFILE and a
# client to its --keylog file, and a configuration whose
# overlay-link-protocol (11.1) does not permit DTLS is refused at start. Run through the wrappers overlay-dtls.sh,
# overlay-insecure-tcp.sh and overlay-insecure-udp.sh.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

LINK=${LINK:?set LINK to dtls, dtls-ice, tcp-insecure or udp-insecure}
N=5
ALICE="alice@$OVERLAY_NAME"
TAG=$$-$RANDOM
case "$LINK" in
  dtls) NAME="DTLS-UDP-SR-NO-ICE"; PROTO=udp ;;
  dtls-ice) NAME="DTLS-UDP-SR"; PROTO=udp ;;
  tcp-insecure) NAME="plain TCP framing, INSECURE"; PROTO=tcp ;;
  udp-insecure) NAME="plain UDP framing, INSECURE"; PROTO=udp ;;
  *) echo "LINK=$LINK: dtls, tcp-insecure or udp-insecure"; exit 99 ;;
esac

section "$N peers over $LINK"
[ "$LINK" = dtls ] && export SSLKEYLOGFILE="$TMP/peer-keys.log"
if ! ov start -n "$N" --key-type ec --link "$LINK"; then
  echo "FAIL: reload-overlay start --link $LINK"
  exit 1
fi
ring_or_exit "$N"

section "every peer speaks $NAME, on a $PROTO socket only"
nlog=0
for i in $(all_peers); do
  grep -q "listening on 127.0.0.1 port $(peer_port "$i") ($NAME)" "$DIR/peer$i.log" && nlog=$((nlog + 1))
done
expect_eq "peers whose log names the link layer" "$nlog" "$N"
port0=$(peer_port 0)
if command -v ss >/dev/null 2>&1; then
  other=tcp
  [ "$PROTO" = tcp ] && other=udp
  expect_eq "peer 0's $PROTO socket on its port" \
    "$(ss -Hln --"$PROTO" "sport = :$port0" | wc -l)" 1
  expect_eq "no $other socket on it" "$(ss -Hln --"$other" "sport = :$port0" | wc -l)" 0
fi

section "alice stores through peer 1 (a client over $LINK); every peer fetches it"
out=$(client 1 alice store 4000 "$ALICE" "v-$TAG")
echo "$out"
expect_eq "store answered ok" "$(echo "$out" | jq -r .ok)" true
nok=0
for i in $(all_peers); do
  v=$(client "$i" alice fetch 4000 "$ALICE" | jq -r '.kinds[0].values[0].value // "none"')
  [ "$v" = "v-$TAG" ] && nok=$((nok + 1))
done
expect_eq "peers through which the value is fetched" "$nok" "$N"

if [ "$LINK" = dtls-ice ]; then
  section "the Attaches ran ICE: links over nominated host pairs (status \"links\")"
  nice=0
  for i in $(all_peers); do
    # .ice is the pair, or "checking" while there is none.
    k=$(jq '[.links[] | select(.transport == "dtls-ice" and (.ice | type) == "object")
              | select(.ice.local.type == "host" and .ice.remote.type == "host")] | length' \
        "$DIR/peer$i.json")
    echo "peer $i: $k ICE links; $(jq -c '[.links[] | select(.transport == "dtls-ice") | .ice]' "$DIR/peer$i.json")"
    [ "$k" -gt 0 ] && nice=$((nice + 1))
  done
  # Peer 0 is everyone's bootstrap node: its links may all be the direct
  # ones the joining peers opened (11.4), which an Attach then finds up.
  expect_eq "peers besides peer 0 with at least one ICE link up" \
    "$(( nice >= N - 1 ? N - 1 : nice ))" "$((N - 1))"
fi

if [ "$LINK" = dtls ]; then
  section "key logs (SSLKEYLOGFILE for the peers, --keylog for a client)"
  klines=$(grep -c '^CLIENT_RANDOM [0-9a-f]\{64\} [0-9a-f]\{96\}$' "$SSLKEYLOGFILE")
  expect_ge "NSS key log lines of the peers (both ends of >= $((N - 1)) links)" "$klines" $((2 * (N - 1)))
  expect_eq "and no other lines" "$(grep -vc '^CLIENT_RANDOM ' "$SSLKEYLOGFILE")" 0
  client 2 alice --keylog "$TMP/client-keys.log" ping > /dev/null
  expect_eq "the client's --keylog file: its one session" \
    "$(grep -c '^CLIENT_RANDOM ' "$TMP/client-keys.log")" 1
  check "the peers' file has the client's session too (the peer's end)" \
    grep -qF "$(cat "$TMP/client-keys.log")" "$SSLKEYLOGFILE"

  section "a configuration that permits only TLS-TCP-FH-NO-ICE refuses a DTLS peer (11.1)"
  sed 's|</configuration>|<overlay-link-protocol>TLS-TCP-FH-NO-ICE</overlay-link-protocol></configuration>|' \
    "$DIR/overlay.xml" > "$TMP/tls-only.xml"
  "$top_builddir/reload-peer" --config "$TMP/tls-only.xml" --cert "$DIR/peer1.crt" \
    --key "$DIR/peer1.key" --link dtls --listen 127.0.0.1:0 > "$TMP/refused.out" 2>&1
  rc=$?
  cat "$TMP/refused.out"
  expect_eq "reload-peer --link dtls exits with 1" "$rc" 1
  check "and says the configuration does not permit DTLS-UDP-SR-NO-ICE" \
    grep -q "does not permit DTLS-UDP-SR-NO-ICE" "$TMP/refused.out"
fi
finish
