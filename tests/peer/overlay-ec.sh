#!/usr/bin/env bash
# overlay-ec.sh: an overlay whose CA, peers and users have P-256 keys
# (reload-overlay --key-type ec, reload-ca --key-type ec): TLS links with
# ECDSA certificates, every message and stored value signed with ECDSA
# (SignatureAlgorithm ecdsa, RFC 6940 6.3.4, 7.1), checked by every peer
# and by the client. The ring forms, and values stored by alice are
# fetched through every peer with their signatures verified. Then two
# peers with RSA keys join: both kinds of key in one overlay.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"

N=6
TAG=$$-$RANDOM

section "$N peers with P-256 keys"
if ! ov start -n "$N" --key-type ec; then
  echo "FAIL: reload-overlay start -n $N --key-type ec"
  exit 1
fi
for f in ca/ca.crt peer0.crt alice.crt; do
  check "$f has a P-256 key" sh -c "openssl x509 -in '$DIR/$f' -noout -text | grep -q prime256v1"
done
if wait_ring 60; then
  pass
  echo "ok: ring of $N peers (${RING_SECS}s)"
else
  fail "ring of $N peers"
  finish
  exit 1
fi

section "alice stores 6 values through peer 0, each signed with her P-256 key"
for i in 1 2 3 4 5 6; do echo "store 4004 node-multiple:$i ec$i-$TAG"; done > "$TMP/store.batch"
client_batch 0 alice "$TMP/store.batch" > "$TMP/store.out"
expect_eq "stores answered ok" "$(jq -s '[.[] | select(.ok)] | length' "$TMP/store.out")" 6

section "fetched through every peer (the client checks each value's ECDSA signature)"
for i in 1 2 3 4 5 6; do echo "fetch 4004 node-multiple:$i"; done > "$TMP/fetch.batch"
for i in 1 2 3 4 5 6; do echo "ec$i-$TAG"; done > "$TMP/want"
# fetch_through PEER...: how many of the peers gave a value missing or wrong.
fetch_through() {
  local p nbad=0
  for p in "$@"; do
    client_batch "$p" alice "$TMP/fetch.batch" |
      jq -r 'if .ok then (.kinds[0].values[0].value // "(none)") else "ERROR \(.error)" end' \
        > "$TMP/got.$p"
    if ! diff "$TMP/want" "$TMP/got.$p" > "$TMP/diff.$p"; then
      nbad=$((nbad + 1))
      sed 's/^/   /' "$TMP/diff.$p" >&2
    fi
  done
  echo "$nbad"
}
# shellcheck disable=SC2046
nbad=$(fetch_through $(all_peers))
expect_eq "peers through which a value was missing or wrong" "$nbad" 0
section "2 peers with RSA keys join the P-256 overlay; the values are fetched through them"
echo rsa > "$DIR/key-type"
if ! ov add -n 2 >/dev/null; then fail "reload-overlay add -n 2 (RSA)"; fi
check "peer $N has an RSA key" sh -c "openssl x509 -in '$DIR/peer$N.crt' -noout -text | grep -q rsaEncryption"
if wait_ring 60; then pass; echo "ok: ring of $((N + 2)) mixed peers (${RING_SECS}s)"; else fail "mixed ring"; fi
nbad=$(fetch_through "$N" $((N + 1)))
expect_eq "RSA peers through which a value was missing or wrong" "$nbad" 0
# Nothing refused for a signature or an algorithm anywhere.
bad=$(grep -l -i -E "does not verify|signature algorithm|RL_SEC_ERR" "$DIR"/peer*.log | wc -l)
expect_eq "peer logs with a signature problem" "$bad" 0
finish
