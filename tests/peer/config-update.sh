#!/usr/bin/env bash
# config-update.sh: ConfigUpdate (RFC 6940 6.5.4) and signed configuration
# documents (11.1) on a live overlay of three reference peers.
#
#   - the peers start with configuration sequence 1, signed by the
#     configuration-signer "cfgsigner" (reload-ca config --signer,
#     reload-ca sign-config), started by reload-overlay start --config;
#   - a ConfigUpdate with sequence 2 is refused with Error_Forbidden when it
#     is unsigned, signed by a node that is not a configuration-signer, or
#     changed after signing (11.1: "Recipients MUST verify the signature");
#   - one that is not newer (sequence 1 again) is refused with
#     Error_Config_Too_Old: 6.5.4.2 asks for "appropriate errors" and
#     Error_Config_Too_Old is the code 6.3.2.1 gives to "a configuration
#     sequence that is too old";
#   - the signed sequence 2, which adds Kind 4100, is accepted by peer 0;
#     the other peers get it from peer 0: their requests carry sequence 1,
#     peer 0 answers Error_Config_Too_Old and pushes its configuration with
#     a ConfigUpdate (6.3.2.1), seen in the logs; then every peer stores
#     Kind 4100;
#   - a client still on sequence 1 gets Error_Config_Too_Old and its peer
#     pushes a ConfigUpdate to it, once a minute at most;
#   - ConfigUpdates of type kind: a kind-block signed by the kind-signer
#     (reload-ca sign-kind) is learned by every peer and its Kind stored;
#     one signed by another node, or for a Kind the configuration defines,
#     is refused with Error_Forbidden (6.5.4.2, 11.1).
# Run by make check (after building tests/peer/push_config); by hand from
# the build directory: bash tests/peer/config-update.sh (RL_KEEP=1 keeps the
# logs).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/peer/lib-overlay.sh"

PUSH="${PUSH_CONFIG:-$top_builddir/tests/peer/push_config}"
if [ ! -x "$PUSH" ]; then
  echo "$0: $PUSH is not built (make tests/peer/push_config)" >&2
  exit 99
fi

CAD="$TMP/ca"
"$CA" init --dir "$CAD" --overlay "$OVERLAY_NAME" --bits 2048 >/dev/null || exit 99
for u in cfgsigner mallory; do
  "$CA" issue --dir "$CAD" --user "$u" --bits 2048 >/dev/null || exit 99
done
BPORT=$((20000 + RANDOM % 20000))
# The certificate Kinds (8) are there for the peers to publish theirs.
KINDS=(--kind 4000,SINGLE,USER-MATCH,1,4096 --kind 3,ARRAY,NODE-MATCH,4,8192
  --kind 16,ARRAY,USER-MATCH,4,8192)
# conf NAME SEQUENCE [OPTIONS...]: an unsigned configuration $TMP/NAME.xml
conf() {
  _name=$1 _seq=$2
  shift 2
  "$CA" config --dir "$CAD" --bootstrap "127.0.0.1:$BPORT" --sequence "$_seq" \
    --signer cfgsigner "${KINDS[@]}" "$@" --out "$TMP/$_name.xml" || exit 99
}
# sign IN OUT SIGNER
sign() {
  "$CA" sign-config --dir "$CAD" --config "$TMP/$1.xml" --signer "$3" --out "$TMP/$2.xml" \
    >/dev/null || exit 99
}
conf v1-unsigned 1
sign v1-unsigned v1 cfgsigner
conf v2-unsigned 2 --kind 4100,DICTIONARY,USER-MATCH,8,1024
sign v2-unsigned v2 cfgsigner
sign v2-unsigned v2-mallory mallory
# One byte changed inside the signed configuration element.
sed 's|<max-size>1024</max-size>|<max-size>1025</max-size>|' "$TMP/v2.xml" > "$TMP/v2-changed.xml"
check "sign-config wrote a signature element" grep -q '<signature' "$TMP/v1.xml"
check "reload-ca verify-config accepts sequence 2 after sequence 1" \
  "$CA" verify-config --config "$TMP/v2.xml" --previous "$TMP/v1.xml"

# The ring sometimes does not form at all (a join race in the topology code
# that plain reload-overlay start shows too; nothing here has run yet): one
# second start, said aloud.
for attempt in 1 2; do
  if ! ov start -n 3 --config "$TMP/v1.xml" --ca "$CAD"; then
    echo "FAIL: reload-overlay start --config"
    exit 1
  fi
  wait_ring 40 && break
  if [ "$attempt" = 2 ]; then
    fail "ring of 3 peers"
    finish
    exit 1
  fi
  echo "note: the ring did not form; stopping and starting the overlay once more"
  ov stop >/dev/null 2>&1
done
pass
echo "ok: ring of 3 peers with the signed configuration (${RING_SECS}s)"
ID0=$(node_id 0)
ID1=$(node_id 1)
ID2=$(node_id 2)
ALICE=$(cert_node_id "$DIR/alice.crt")

# push DOC [ARGS...]: one ConfigUpdate to peer 0 as bob, with the
# configuration in force (sequence 1) unless --config is given.
push() {
  _doc=$1
  shift
  "$PUSH" --config "$TMP/v1.xml" --cert "$DIR/bob.crt" --key "$DIR/bob.key" \
    --peer "127.0.0.1:$(peer_port 0)" --to "$ID0" --doc "$TMP/$_doc.xml" "$@" 2>&1
}
# expect_answer NAME GOT PREFIX [SUBSTRING]
expect_answer() {
  case "$2" in
    "$3"*)
      if [ -z "${4:-}" ] || [[ "$2" == *"$4"* ]]; then pass; echo "ok: $1 ($2)"; return; fi ;;
  esac
  fail "$1"
  echo "  got:  $2"
  echo "  want: $3 ... ${4:-}"
}

expect_answer "unsigned configuration refused" "$(push v2-unsigned)" \
  "error Error_Forbidden" "not signed"
expect_answer "configuration signed by a non-signer refused" "$(push v2-mallory)" \
  "error Error_Forbidden" "mallory@$OVERLAY_NAME"
expect_answer "configuration changed after signing refused" "$(push v2-changed)" \
  "error Error_Forbidden" "does not verify"
expect_answer "configuration that is not newer refused" "$(push v1)" \
  "error Error_Config_Too_Old" "not newer"
expect_answer "a configuration document sent as a kind-block refused" \
  "$(push v2 --type kind)" "error Error_Invalid_Message" "not a kind-block"
got=$(client 1 alice --config "$TMP/v2.xml" ping "node:$ID1" | jq -r .error)
expect_eq "a sequence 2 client before the update: Error_Config_Too_New" "$got" Error_Config_Too_New
# (Error_Unknown_Kind or Error_Config_Too_New, whichever the peer finds first)
got=$(client 1 alice --config "$TMP/v2.xml" store 4100 "alice@$OVERLAY_NAME" key=k before | jq -r .ok)
expect_eq "no store of Kind 4100 before the update" "$got" false

expect_answer "signed sequence 2 accepted by peer 0" "$(push v2)" "ok config_update_ans"
check "peer 0 logs the new configuration" \
  grep -q "configuration sequence 1 -> 2 accepted from .* signed by cfgsigner@$OVERLAY_NAME" \
  "$DIR/peer0.log"

# The others learn it from peer 0 (6.3.2.1): wait until both logged it.
t0=$(now)
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
  n=0
  for i in 1 2; do grep -q "configuration sequence 1 -> 2 accepted" "$DIR/peer$i.log" && n=$((n + 1)); done
  [ "$n" = 2 ] && break
  sleep 0.3
done
expect_eq "peers 1 and 2 took sequence 2 from peer 0 ($(since "$t0")s)" "$n" 2
# Who pushed to whom: each of peers 1 and 2 accepted the document from a
# peer whose log shows an Error_Config_Too_Old answer and the push to it
# (peer 0, or a peer that already had it from peer 0).
for i in 1 2; do
  eval "idi=\$ID$i"
  from=$(sed -n 's/.*configuration sequence 1 -> 2 accepted from \([0-9a-f]*\),.*/\1/p' \
    "$DIR/peer$i.log" | head -n 1)
  j=$(peer_of "$from")
  if [ -n "$j" ] && grep -q "error Error_Config_Too_Old .*configuration sequence 1, this peer has 2" \
    "$DIR/peer$j.log" && grep -q "ConfigUpdate with configuration sequence 2 .* sent to $idi" \
    "$DIR/peer$j.log"; then
    pass
    echo "ok: peer $j answered Error_Config_Too_Old to peer $i and pushed it the configuration"
  else
    fail "peer $i got sequence 2 by a push after Error_Config_Too_Old (from ${from:-nobody})"
  fi
done

# Kind 4100 is now stored and fetched through every peer.
for i in 0 1 2; do
  got=$(client "$i" alice --config "$TMP/v2.xml" store 4100 "alice@$OVERLAY_NAME" "key=via$i" "value$i" |
    jq -r .ok)
  expect_eq "store of the new Kind 4100 through peer $i" "$got" true
done
got=$(client 0 alice --config "$TMP/v2.xml" fetch 4100 "alice@$OVERLAY_NAME" | jq -r '[.kinds[0].values[].value] | sort | join(",")' 2>/dev/null)
expect_eq "fetch of Kind 4100" "$got" "value0,value1,value2"
if ! wait_ring 30; then fail "ring after the update"; else pass; echo "ok: ring after the update"; fi

# Kinds by ConfigUpdate of type kind, signed by the kind-signer.
"$CA" sign-kind --dir "$CAD" --signer cfgsigner --kind 4200,ARRAY,USER-MATCH,4,100 \
  --out "$TMP/k4200.xml" || exit 99
"$CA" sign-kind --dir "$CAD" --signer mallory --kind 4201,ARRAY,USER-MATCH,4,100 \
  --out "$TMP/k4201-mallory.xml" || exit 99
"$CA" sign-kind --dir "$CAD" --signer cfgsigner --kind 4100,ARRAY,USER-MATCH,4,100 \
  --out "$TMP/k4100.xml" || exit 99
# The client's own configuration lists Kind 4200 so that it can encode the
# Store (it is not pushed to anyone).
conf c2 2 --kind 4100,DICTIONARY,USER-MATCH,8,1024 --kind 4200,ARRAY,USER-MATCH,4,100
got=$(client 0 alice --config "$TMP/c2.xml" store 4200 "alice@$OVERLAY_NAME" before | jq -r .ok)
expect_eq "no store of Kind 4200 before the kind update" "$got" false
for i in 0 1 2; do
  eval "idi=\$ID$i"
  expect_answer "kind-block 4200 learned by peer $i" \
    "$(push k4200 --config "$TMP/v2.xml" --type kind --to "$idi")" "ok config_update_ans"
  check "peer $i logs the learned Kind" grep -q "Kind 4200 (ARRAY) learned .* cfgsigner@" \
    "$DIR/peer$i.log"
done
expect_answer "kind-block signed by a non-kind-signer refused" \
  "$(push k4201-mallory --config "$TMP/v2.xml" --type kind)" "error Error_Forbidden" \
  "not signed by a kind-signer"
expect_answer "kind-block for a Kind of the configuration refused" \
  "$(push k4100 --config "$TMP/v2.xml" --type kind)" "error Error_Forbidden" \
  "defined by the configuration"
got=$(client 1 alice --config "$TMP/c2.xml" store 4200 "alice@$OVERLAY_NAME" learned | jq -r .ok)
expect_eq "store of the learned Kind 4200" "$got" true
got=$(client 2 alice --config "$TMP/c2.xml" fetch 4200 "alice@$OVERLAY_NAME" | jq -r '.kinds[0].values[0].value')
expect_eq "fetch of Kind 4200" "$got" learned

# Not newer once the peers have sequence 2 (the client now has it too).
expect_answer "sequence 1 refused after the update" "$(push v1 --config "$TMP/v2.xml")" \
  "error Error_Config_Too_Old" "not newer than this node's 2"

# A client still on sequence 1 (reload-overlay's overlay.xml is v1).
got=$(client 1 alice ping "node:$ID1" | jq -r .error)
expect_eq "a sequence 1 client gets Error_Config_Too_Old" "$got" Error_Config_Too_Old
sleep 0.5
check "peer 1 pushed its configuration to the client (6.3.2.1)" \
  grep -q "ConfigUpdate with configuration sequence 2 .* sent to $ALICE" "$DIR/peer1.log"
client 1 alice ping "node:$ID1" >/dev/null
sleep 0.5
got=$(grep -c "ConfigUpdate with configuration sequence 2 .* sent to $ALICE" "$DIR/peer1.log")
expect_eq "at most one push a minute to the same node" "$got" 1

# Sequence 3 makes peer 2 a bad-node (11.1). Peers 0 and 1 have checked
# peer 2's certificate many times (its Updates, every 500 ms) and remember
# that it was trusted; the new configuration must end that at once: its
# next messages are refused ("is a bad-node"), not trusted for a while.
conf v3-unsigned 3 --kind 4100,DICTIONARY,USER-MATCH,8,1024
sed "s|</configuration>|<bad-node>$ID2</bad-node></configuration>|" "$TMP/v3-unsigned.xml" \
  > "$TMP/v3-bad.xml"
check "v3 names peer 2 as a bad-node" grep -q "<bad-node>$ID2</bad-node>" "$TMP/v3-bad.xml"
sign v3-bad v3 cfgsigner
expect_answer "sequence 3 (peer 2 a bad-node) accepted by peer 0" \
  "$(push v3 --config "$TMP/v2.xml")" "ok config_update_ans"
t0=$(now)
deadline=$((SECONDS + 10))
while [ "$SECONDS" -lt "$deadline" ]; do
  grep -q "$ID2 of peer2@$OVERLAY_NAME is a bad-node" "$DIR/peer0.log" && break
  sleep 0.2
done
check "peer 0 refuses peer 2's messages after the update ($(since "$t0")s)" \
  grep -q "$ID2 of peer2@$OVERLAY_NAME is a bad-node" "$DIR/peer0.log"
grep -m 1 "is a bad-node" "$DIR/peer0.log" | sed 's/^/   /'

finish
