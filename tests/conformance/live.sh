#!/bin/sh
# The suite against the reference peer over the network (doc/conformance.md,
# "Running against a real implementation"): a 3-peer overlay
# (tools/reload-overlay) whose configuration has a sequence number (so
# that the configuration_sequence tests have something to check), and
# reload-conform --target on peer 1 over TLS with alice's credentials.
# Every test must PASS, or SKIP with a reason. Then peer-join and
# peer-join-leave as a peer just before peer 1 on the ring (peer 1 is its
# Admitting Peer). Then the suite is tested too: a peer started with
# --break ignore-ttl joins the overlay, and the TTL test must FAIL against
# it, in the RFC's words, while the tests around it still pass and another
# peer of the same overlay passes it. Last, oversize-message over --link
# tcp against a peer started with --insecure-tcp. About a minute (the
# waits of the "no answer" tests).
# One overlay test at a time per build tree (why: tests/lib-serial.sh).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib-serial.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/lib.sh"
need_conform
BIN=$(cd "$top_builddir" && pwd)
for p in reload-peer reload-client tools/reload-ca; do
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

prev_id() { # prev_id HEX: the Node-ID just before HEX on the ring (HEX - 1)
  _s=$1 _out="" _borrow=1
  while [ -n "$_s" ]; do
    _d=${_s#"${_s%?}"}
    _s=${_s%?}
    _v=$((0x$_d - _borrow))
    if [ "$_v" -lt 0 ]; then _v=15 _borrow=1; else _borrow=0; fi
    _out=$(printf %x "$_v")$_out
  done
  echo "$_out"
}
start() { # start ARGS...: a fresh overlay from $TMP/overlay.xml
  bash "$OVL" start -n 3 --dir "$OV" --update-interval 1000 \
    --config "$TMP/overlay.xml" --ca "$TMP/ca" "$@" >"$TMP/start.log" 2>&1 &&
    bash "$OVL" wait --dir "$OV" --timeout 60 >>"$TMP/start.log" 2>&1 ||
    { echo "$0: the overlay did not start:"; cat "$TMP/start.log"; show_peers; exit 99; }
}
show_peers() { # the peers' status and the end of their logs, when the overlay fails us
  for f in "$OV"/peer*.json; do
    echo "== $f"
    jq -c '{node_id, joined, predecessors, successors}' "$f" 2>&1
  done
  for f in "$OV"/peer*.log; do
    echo "== $f"
    tail -n 15 "$f"
  done
}
# An answer normally takes milliseconds; --timeout is how long an expect
# waits for one (tests of "no answer" give their own times), generous for
# a busy machine: it costs nothing while the answers come.
conform() { # conform PEER OUT ARGS...: the suite against peer PEER as alice
  _peer=$1
  _out=$2
  shift 2
  "$CONFORM" --no-progress --requirements "$TABLE" --link tls \
    --target "127.0.0.1:$(cat "$OV/peer$_peer.port")" --overlay overlay.test \
    --ca "$OV/ca/ca.crt" --cert "$OV/alice.crt" --key "$OV/alice.key" \
    --target-node-id "$(jq -r .node_id "$OV/peer$_peer.json")" --config-seq 1 --timeout 10 \
    --kind single_value=4000 --kind array=4001 --kind dictionary=4002 "$@" >"$_out" 2>&1
}

# A CA and a configuration with sequence 1 and the Kinds of reload-overlay.
port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000))
"$CA" init --dir "$TMP/ca" --overlay overlay.test --bits 2048 >/dev/null &&
  "$CA" config --dir "$TMP/ca" --bootstrap "127.0.0.1:$port" --sequence 1 \
    --kind 4000,SINGLE,USER-MATCH,1,4096 --kind 4001,ARRAY,USER-MATCH,64,4096 \
    --kind 4002,DICTIONARY,USER-MATCH,64,4096 --out "$TMP/overlay.xml" >/dev/null ||
  { echo "$0: reload-ca failed" >&2; exit 99; }
start

# Every scenario but peer-join and peer-join-leave, which need a joining
# peer's Node-ID that peer 1 admits (below).
ls "$SCEN"/*.scen | grep -vE '/peer-join(-leave)?\.scen$' >"$TMP/scens"
# shellcheck disable=SC2046
conform 1 "$TMP/out" $(cat "$TMP/scens")
st=$?
echo "== the suite against peer 1 of the reference overlay:"
grep -E '^(PASS|FAIL|SKIP)  ' "$TMP/out"
tail -n 1 "$TMP/out"
check "it ran every scenario" test "$(grep -cE '^(PASS|FAIL|SKIP)  ' "$TMP/out")" -eq "$(wc -l <"$TMP/scens")"
for t in $(grep -E '^FAIL  ' "$TMP/out" | awk '{print $2}'); do
  fail "$t fails against the reference peer"
  sed -n "/^FAIL  $t /,/^[A-Z][A-Z]*  /p" "$TMP/out" | head -60
done
# The runner prints each skip's reason on the line after it.
grep -A1 -E '^SKIP  ' "$TMP/out" | grep -vE '^--$' >"$TMP/skips"
while read -r line; do
  case "$line" in
    "SKIP  "*) read -r reason || reason=""
      case "$reason" in skipped:*) pass ;; *) fail "a skip without a reason: $line" ;; esac ;;
  esac
done <"$TMP/skips"
check "exit status 0 (nothing failed)" test "$st" -eq 0
contains "the final line" "$TMP/out" " passed, "

# Join as alice: peer 1 may or may not be the Admitting Peer of her
# Node-ID. The preflight's RouteQuery tells; the test passes or skips with
# that reason, never fails (a precondition, not a deviation).
"$CONFORM" --no-progress --requirements "$TABLE" --target "127.0.0.1:$(cat "$OV/peer1.port")" \
  --config "$TMP/overlay.xml" --ca "$OV/ca/ca.crt" --cert "$OV/alice.crt" --key "$OV/alice.key" \
  --timeout 10 --keylog "$TMP/alice-keys.log" "$SCEN/peer-join.scen" >"$TMP/alice-join" 2>&1
check "peer-join as alice: no failure (exit 0)" test $? -eq 0
# --keylog (net/tls.h): the secrets of its TLS sessions, in NSS key log
# lines (TLS 1.3 with the reference peer: four traffic secrets each).
check "--keylog FILE holds TLS 1.3 traffic secrets" \
  grep -qE '^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]+$' "$TMP/alice-keys.log"
grep -E 'RouteQuery|^(PASS|FAIL|SKIP)  |skipped:' "$TMP/alice-join"
if grep -q '^SKIP  peer-join' "$TMP/alice-join"; then
  contains "... skipped with the reason" "$TMP/alice-join" "skipped: the target is not the Admitting Peer of our Node-ID"
else
  contains "... or passed" "$TMP/alice-join" "PASS  peer-join"
fi

# Join (10.5) as a peer whose Node-ID is just before peer 1's: peer 1 is
# its Admitting Peer. Then join again and leave (6.4.2.2, 10.9).
p1=$(jq -r .node_id "$OV/peer1.json")
jid=$(prev_id "$p1")
"$CA" issue --dir "$OV/ca" --user joiner@overlay.test --node-id "$jid" --out joiner --bits 2048 \
  >/dev/null || fail "reload-ca issue joiner"
"$CONFORM" --no-progress --requirements "$TABLE" --target "127.0.0.1:$(cat "$OV/peer1.port")" \
  --overlay overlay.test --ca "$OV/ca/ca.crt" --cert "$OV/ca/joiner.crt" --key "$OV/ca/joiner.key" \
  --target-node-id "$p1" --config-seq 1 --timeout 10 "$SCEN/peer-join.scen" \
  "$SCEN/peer-join-leave.scen" >"$TMP/join" 2>&1
check "peer-join and peer-join-leave pass (exit 0)" test $? -eq 0
grep -E '^(PASS|FAIL|SKIP)  ' "$TMP/join"
for t in peer-join peer-join-leave; do
  contains "$t" "$TMP/join" "PASS  $t  "
done
for t in $(grep -E '^FAIL  ' "$TMP/join" | awk '{print $2}'); do
  sed -n "/^FAIL  $t /,/^[A-Z][A-Z]*  /p" "$TMP/join" | head -60
done

# The suite is tested too: a fourth peer that forwards TTL-0 messages
# (the others are fine: it is the one the messages go to).
bash "$OVL" add -n 1 --dir "$OV" --update-interval 1000 --peer-args "--break ignore-ttl" \
  >"$TMP/add.log" 2>&1 && bash "$OVL" wait --dir "$OV" --timeout 60 >>"$TMP/add.log" 2>&1 ||
  { echo "$0: the fourth peer did not join:"; cat "$TMP/add.log"; show_peers; exit 99; }
conform 3 "$TMP/broken" --timeout 3 "$SCEN/fwd-ttl-exhausted.scen" \
  "$SCEN/fwd-ttl-above-initial.scen" "$SCEN/ping-basic.scen"
check "exit status 1 against --break ignore-ttl" test $? -eq 1
echo "== against --break ignore-ttl:"
grep -E '^(PASS|FAIL|SKIP)  ' "$TMP/broken"
contains "the TTL-0 test fails" "$TMP/broken" "FAIL  fwd-ttl-exhausted"
contains "in the RFC's words" "$TMP/broken" "RFC6940-6.3.2-6 (RFC 6940 6.3.2 Forwarding Header, MUST NOT)"
contains "the rest still passes" "$TMP/broken" "PASS  ping-basic"
# Control: in the same overlay, a peer without the break passes it.
conform 2 "$TMP/control" --timeout 3 "$SCEN/fwd-ttl-exhausted.scen"
check "fwd-ttl-exhausted passes against peer 2 (no --break)" test $? -eq 0
contains "the control passes" "$TMP/control" "PASS  fwd-ttl-exhausted"

# --link tcp against a peer started with --insecure-tcp, alone in its
# overlay: an oversized FIRST message, on a link not yet bound to a
# Node-ID (its signature never arrives), still gets Error_Message_Too_Large
# back over that link before it closes (6.6).
"$CA" issue --dir "$OV/ca" --user plain@overlay.test --out plain --bits 2048 >/dev/null ||
  fail "reload-ca issue plain"
"$BIN/reload-peer" --config "$TMP/overlay.xml" --cert "$OV/ca/plain.crt" --key "$OV/ca/plain.key" \
  --insecure-tcp --first --bootstrap 127.0.0.1:1 --port-file "$TMP/plain.port" \
  --status-file "$TMP/plain.json" --log "$TMP/plain.log" 2>/dev/null &
plain=$!
i=0
while [ "$i" -lt 100 ] && ! jq -e .joined "$TMP/plain.json" >/dev/null 2>&1; do
  sleep 0.1
  i=$((i + 1))
done
if jq -e .joined "$TMP/plain.json" >/dev/null 2>&1; then
  "$CONFORM" --no-progress --requirements "$TABLE" --link tcp \
    --target "127.0.0.1:$(cat "$TMP/plain.port")" --overlay overlay.test \
    --ca "$OV/ca/ca.crt" --cert "$OV/alice.crt" --key "$OV/alice.key" \
    --target-node-id "$(jq -r .node_id "$TMP/plain.json")" --config-seq 1 --timeout 10 \
    "$SCEN/oversize-message.scen" "$SCEN/ping-basic.scen" >"$TMP/plain" 2>&1
  check "--link tcp: oversize-message and ping-basic pass (exit 0)" test $? -eq 0
  echo "== --link tcp against --insecure-tcp:"
  grep -E '^(PASS|FAIL|SKIP)  ' "$TMP/plain"
  contains "oversize-message over --link tcp" "$TMP/plain" "PASS  oversize-message  "
  grep -A30 '^FAIL  ' "$TMP/plain" | head -40
else
  fail "the --insecure-tcp peer did not start"
  tail -n 15 "$TMP/plain.log"
fi
kill "$plain" 2>/dev/null
wait "$plain" 2>/dev/null
finish
