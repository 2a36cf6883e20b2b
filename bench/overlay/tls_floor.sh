#!/bin/sh
# make check: bench/overlay/tls_floor (the OpenSSL memory floor of make
# bench-overlay) works: with a fresh P-256 CA and two certificates it opens
# its TLS links, checks and makes the signatures, reports, stays up (links
# open) until told to exit, and fails with a reason when the far end's
# certificate is not from the trusted CA.
set -u
builddir=${top_builddir:-.}
floor=$builddir/bench/overlay/tls_floor
ca=$builddir/tools/reload-ca
[ -x "$ca" ] || ca=$builddir/reload-ca
[ -x "$floor" ] || { echo "FAIL: no $floor"; exit 1; }
[ -x "$ca" ] || { echo "FAIL: no reload-ca"; exit 1; }

d=$(mktemp -d "${TMPDIR:-/tmp}/tls-floor.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for c in ca other; do
  "$ca" init --dir "$d/$c" --overlay floor.test --key-type ec >/dev/null || fail "reload-ca init $c"
done
"$ca" issue --dir "$d/ca" --user peer0@floor.test --out peer0 --key-type ec >/dev/null &&
  "$ca" issue --dir "$d/ca" --user alice@floor.test --out alice --key-type ec >/dev/null &&
  "$ca" issue --dir "$d/other" --user mallory@floor.test --out mallory --key-type ec >/dev/null ||
  fail "reload-ca issue"

# The good run: the JSON line, then the process is still there until a
# line arrives on its standard input.
mkfifo "$d/in" || fail "mkfifo"
"$floor" --cert "$d/ca/peer0.crt" --key "$d/ca/peer0.key" --ca "$d/ca/ca.crt" \
  --peer-cert "$d/ca/alice.crt" --peer-key "$d/ca/alice.key" --links 4 --messages 40 \
  <"$d/in" >"$d/out" 2>"$d/err" &
pid=$!
exec 3>"$d/in"
i=0
while [ ! -s "$d/out" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
line=$(cat "$d/out")
echo "tls_floor: $line"
case "$line" in
  *'"ok":true'*'"links":4,"messages":40'*'"key":"EC 256 bits"'*) ;;
  *) cat "$d/err"; fail "unexpected report: $line" ;;
esac
grep -q '^VmRSS:' "/proc/$pid/status" 2>/dev/null || fail "tls_floor did not wait for its input"
echo done >&3
exec 3>&-
wait $pid || fail "tls_floor exited $? after its report"

# A far end whose certificate another CA issued: the handshake must fail.
"$floor" --cert "$d/ca/peer0.crt" --key "$d/ca/peer0.key" --ca "$d/ca/ca.crt" \
  --peer-cert "$d/other/mallory.crt" --peer-key "$d/other/mallory.key" --links 1 \
  --messages 1 </dev/null >"$d/out2" 2>"$d/err2"
rc=$?
cat "$d/err2"
[ "$rc" != 0 ] || fail "tls_floor accepted a certificate from an untrusted CA"
grep -q "TLS accept\|TLS connect" "$d/err2" || fail "no reason given for the failed handshake"
[ ! -s "$d/out2" ] || fail "tls_floor reported after a failed handshake"
echo "PASS: tls_floor"
