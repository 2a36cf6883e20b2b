#!/bin/sh
# reload-ca-test.sh: `make check` test of tools/reload-ca. Makes a CA,
# node certificates and self-signed credentials, then checks them twice:
# with OpenSSL's own tools (openssl x509 -text, openssl verify, the digest
# of the public key) and with reload-ca show/verify (src/security).
top_builddir=${top_builddir:-.}
CA="$top_builddir/tools/reload-ca"
OV=test.example.org
tmp=$(mktemp -d "${TMPDIR:-/tmp}/reload-ca-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
checks=0
failed=0

pass() { checks=$((checks + 1)); }
fail() {
  checks=$((checks + 1))
  failed=$((failed + 1))
  echo "FAIL: $*"
  [ -f "$tmp/out" ] && sed 's/^/  | /' "$tmp/out"
}
# expect DESCRIPTION COMMAND...: the command succeeds (output in $tmp/out)
expect() {
  d=$1
  shift
  if "$@" >"$tmp/out" 2>&1; then pass; else fail "$d"; fi
}
# refuse DESCRIPTION PATTERN COMMAND...: fails, and says PATTERN
refuse() {
  d=$1
  p=$2
  shift 2
  if "$@" >"$tmp/out" 2>&1; then
    fail "$d (succeeded)"
  elif grep -q -- "$p" "$tmp/out"; then
    pass
  else
    fail "$d (no \"$p\" in the output)"
  fi
}
# has DESCRIPTION PATTERN FILE
has() {
  if grep -q -- "$2" "$3"; then pass; else fail "$1: no \"$2\" in $3"; cp "$3" "$tmp/out"; fi
}

if ! command -v openssl >/dev/null 2>&1; then
  echo "SKIP: openssl not installed"
  exit 77
fi

# --- the CA ---
expect "init" "$CA" init --dir "$tmp/ca" --overlay $OV
has "init output" "certificate $tmp/ca/ca.crt" "$tmp/out"
openssl x509 -in "$tmp/ca/ca.crt" -noout -text >"$tmp/ca.txt" 2>&1
has "CA basic constraints" "CA:TRUE" "$tmp/ca.txt"
has "CA subject" "CN *= *RELOAD CA $OV" "$tmp/ca.txt"
mode=$(stat -c %a "$tmp/ca/ca.key")
if [ "$mode" = 600 ]; then pass; else fail "ca.key has mode $mode, not 600"; fi
refuse "init twice" "exists" "$CA" init --dir "$tmp/ca" --overlay $OV

# --- a node certificate with three Node-IDs (11.3) ---
expect "issue alice" "$CA" issue --dir "$tmp/ca" --user alice --nodes 3
cp "$tmp/out" "$tmp/alice.out"
has "issued user" "^user alice@$OV\$" "$tmp/alice.out"
n=$(grep -c '^node-id [0-9a-f]\{32\}$' "$tmp/alice.out")
if [ "$n" = 3 ]; then pass; else fail "issue printed $n Node-IDs, not 3"; fi
openssl x509 -in "$tmp/ca/alice.crt" -noout -text >"$tmp/alice.txt" 2>&1
has "critical subjectAltName" "X509v3 Subject Alternative Name: critical" "$tmp/alice.txt"
has "user name as rfc822Name" "email:alice@$OV" "$tmp/alice.txt"
# openssl prints an empty subject as "Subject: " and nothing else
if grep -q '^ *Subject: *$' "$tmp/alice.txt"; then pass; else fail "subject is not empty"; fi
# each Node-ID as reload://01 10 <id> @ overlay / (a one-entry Destination List)
for id in $(sed -n 's/^node-id //p' "$tmp/alice.out"); do
  has "URI of $id" "URI:reload://0110$id@$OV/" "$tmp/alice.txt"
done
uris=$(grep -o 'URI:' "$tmp/alice.txt" | wc -l)
if [ "$uris" = 3 ]; then pass; else fail "$uris URIs in the certificate, not 3"; fi
expect "openssl verify" openssl verify -CAfile "$tmp/ca/ca.crt" "$tmp/ca/alice.crt"
expect "reload-ca verify" "$CA" verify --dir "$tmp/ca" "$tmp/ca/alice.crt"
has "verify says ok" "alice.crt: ok" "$tmp/out"
second=$(sed -n 's/^node-id //p' "$tmp/alice.out" | sed -n 2p)
expect "verify Node-ID" "$CA" verify --dir "$tmp/ca" --node-id "$second" "$tmp/ca/alice.crt"
refuse "verify a Node-ID it lacks" "RL_SEC_ERR_NODE_ID" \
  "$CA" verify --dir "$tmp/ca" --node-id 00000000000000000000000000000000 "$tmp/ca/alice.crt"
expect "show" "$CA" show "$tmp/ca/alice.crt"
has "show: identities" "identities ok" "$tmp/out"
grep '^node-id' "$tmp/out" >"$tmp/show.ids"
grep '^node-id' "$tmp/alice.out" >"$tmp/issue.ids"
if cmp -s "$tmp/show.ids" "$tmp/issue.ids"; then pass; else fail "show and issue list different Node-IDs"; fi
refuse "show: the CA is no node certificate" "identities bad" "$CA" show "$tmp/ca/ca.crt"
refuse "verify far in the future" "expired" "$CA" verify --dir "$tmp/ca" --at 4102444800 "$tmp/ca/alice.crt"

# --- a given 20-byte Node-ID, an existing key ---
id20=00112233445566778899aabbccddeeff01234567
expect "issue bob" "$CA" issue --dir "$tmp/ca" --user bob@example.net --node-id $id20 \
  --key "$tmp/ca/alice.key" --out bob
has "bob's Node-ID" "^node-id $id20\$" "$tmp/out"
openssl x509 -in "$tmp/ca/bob.crt" -noout -text >"$tmp/bob.txt" 2>&1
has "20-byte Node-ID URI" "URI:reload://0114$id20@$OV/" "$tmp/bob.txt"
if [ ! -e "$tmp/ca/bob.key" ]; then pass; else fail "--key given, but bob.key written"; fi
expect "verify bob" "$CA" verify --root "$tmp/ca/ca.crt" --overlay $OV "$tmp/ca/bob.crt"
refuse "bad user name" "not allowed" "$CA" issue --dir "$tmp/ca" --user 'eve smith'
refuse "bad Node-ID" "hex" "$CA" issue --dir "$tmp/ca" --user eve --node-id 0011

# --- a tampered certificate ---
openssl x509 -in "$tmp/ca/alice.crt" -outform DER -out "$tmp/alice.der"
size=$(wc -c <"$tmp/alice.der")
head -c $((size - 1)) "$tmp/alice.der" >"$tmp/tampered.der"
last=$(tail -c 1 "$tmp/alice.der" | od -An -tu1 | tr -d ' ')
printf "\\$(printf %03o $(((last + 1) % 256)))" >>"$tmp/tampered.der"
refuse "tampered signature" "RL_SEC_ERR_UNTRUSTED" "$CA" verify --dir "$tmp/ca" "$tmp/tampered.der"
expect "untampered DER" "$CA" verify --dir "$tmp/ca" "$tmp/alice.der"

# --- self-signed credentials (11.3.1) ---
expect "self-signed" "$CA" self-signed --dir "$tmp/ss" --overlay $OV --user carol --digest sha1
cp "$tmp/out" "$tmp/carol.out"
has "self-signed says so" "^self-signed yes" "$tmp/carol.out"
# The Node-ID is the first 16 bytes of SHA-1(subjectPublicKeyInfo).
spki=$(openssl x509 -in "$tmp/ss/carol.crt" -noout -pubkey | openssl pkey -pubin -outform DER |
  openssl dgst -sha1 -r | cut -c1-32)
has "Node-ID from the key" "^node-id $spki\$" "$tmp/carol.out"
expect "verify self-signed" "$CA" verify --self-signed sha1 --overlay $OV "$tmp/ss/carol.crt"
refuse "self-signed, other digest" "RL_SEC_ERR_SELF_SIGNED" \
  "$CA" verify --self-signed sha256 --overlay $OV "$tmp/ss/carol.crt"
refuse "self-signed, not permitted" "RL_SEC_ERR_SELF_SIGNED" "$CA" verify --dir "$tmp/ca" "$tmp/ss/carol.crt"
expect "self-signed, three Node-IDs" "$CA" self-signed --dir "$tmp/ss" --overlay $OV --user dave --nodes 3
expect "verify three" "$CA" verify --self-signed sha256 --overlay $OV "$tmp/ss/dave.crt"
refuse "self-signed with --node-id" "not allowed" \
  "$CA" self-signed --dir "$tmp/ss" --overlay $OV --user x --node-id $id20

# --- an overlay configuration with this CA (11.1) ---
expect "config" "$CA" config --dir "$tmp/ca" --bootstrap 127.0.0.1:6084 --bootstrap '[::1]:7000' \
  --kind 4000,ARRAY,NODE-MULTIPLE,10,1000,3 --sequence 7 --out "$tmp/overlay.xml"
has "config root-cert" "<root-cert>" "$tmp/overlay.xml"
has "config bootstrap" 'address="::1" port="7000"' "$tmp/overlay.xml"
has "config kind" '<kind id="4000">' "$tmp/overlay.xml"
expect "verify with the configuration" "$CA" verify --config "$tmp/overlay.xml" "$tmp/ca/alice.crt"
refuse "self-signed under that configuration" "RL_SEC_ERR_SELF_SIGNED" \
  "$CA" verify --config "$tmp/overlay.xml" "$tmp/ss/carol.crt"
refuse "config: bad kind" "NODE-MULTIPLE needs MULT" "$CA" config --dir "$tmp/ca" --kind 9,ARRAY,NODE-MULTIPLE,1,1

# --- signers and signed configurations (11.1) ---
expect "issue cfg" "$CA" issue --dir "$tmp/ca" --user cfg
cfgid=$(sed -n 's/^node-id //p' "$tmp/out")
expect "config --signer" "$CA" config --dir "$tmp/ca" --bootstrap 127.0.0.1:6084 --sequence 7 \
  --signer cfg --signer alice --out "$tmp/signers.xml"
has "configuration-signer cfg" "<configuration-signer>$cfgid</configuration-signer>" "$tmp/signers.xml"
has "kind-signer cfg" "<kind-signer>$cfgid</kind-signer>" "$tmp/signers.xml"
for id in $(sed -n 's/^node-id //p' "$tmp/alice.out"); do
  has "configuration-signer alice $id" "<configuration-signer>$id</configuration-signer>" "$tmp/signers.xml"
done
n=$(grep -c '<kind-signer>' "$tmp/signers.xml")
if [ "$n" = 4 ]; then pass; else fail "$n kind-signer elements, not 4"; fi
refuse "config --signer without a certificate" "nobody.crt" \
  "$CA" config --dir "$tmp/ca" --signer nobody
expect "sign-config" "$CA" sign-config --dir "$tmp/ca" --config "$tmp/signers.xml" --signer cfg \
  --out "$tmp/signed.xml"
has "sign-config names the signer" "^signer cfg@$OV\$" "$tmp/out"
has "signature element" '<signature xmlns="urn:ietf:params:xml:ns:p2p:config-base">' "$tmp/signed.xml"
# The document is kept byte for byte around the new element.
sed '/^<signature xmlns/,/<\/signature>/d' "$tmp/signed.xml" >"$tmp/unsigned-again.xml"
if cmp -s "$tmp/unsigned-again.xml" "$tmp/signers.xml"; then pass; else fail "sign-config changed the document"; fi
expect "verify-config" "$CA" verify-config --config "$tmp/signed.xml"
has "verify-config says who" "$OV: ok, sequence 7, signed by cfg@$OV (node-id $cfgid)" "$tmp/out"
# alice has three Node-IDs: her signature names one (cert_hash_node_id, 6.3.4)
expect "sign-config by a multi-node signer" "$CA" sign-config --dir "$tmp/ca" \
  --config "$tmp/signers.xml" --signer alice --out "$tmp/signed-alice.xml"
expect "verify-config of it" "$CA" verify-config --config "$tmp/signed-alice.xml"
refuse "verify-config: unsigned" "not signed" "$CA" verify-config --config "$tmp/signers.xml"
expect "issue erin" "$CA" issue --dir "$tmp/ca" --user erin
expect "sign-config by erin" "$CA" sign-config --dir "$tmp/ca" --config "$tmp/signers.xml" \
  --signer erin --out "$tmp/signed-erin.xml"
refuse "verify-config: erin is no configuration-signer" "RL_SEC_ERR_NODE_ID" \
  "$CA" verify-config --config "$tmp/signed-erin.xml"
sed 's/sequence="7"/sequence="8"/' "$tmp/signed.xml" >"$tmp/changed.xml"
refuse "verify-config: changed after signing" "RL_SEC_ERR_SIGNATURE" \
  "$CA" verify-config --config "$tmp/changed.xml"
refuse "verify-config: previous configuration names no signer" "RL_SEC_ERR_NODE_ID" \
  "$CA" verify-config --config "$tmp/signed.xml" --previous "$tmp/overlay.xml"
expect "verify-config against the previous one" "$CA" verify-config --config "$tmp/signed.xml" \
  --previous "$tmp/signers.xml"
# a kind-block signed by cfg, inside required-kinds, checked by verify-config
expect "sign-kind" "$CA" sign-kind --dir "$tmp/ca" --signer cfg --kind 4200,ARRAY,USER-MATCH,4,100 \
  --out "$tmp/kb.xml"
has "kind-signature" "<kind-signature>" "$tmp/kb.xml"
n=$(grep -n '</configuration>' "$tmp/signers.xml" | cut -d: -f1)
{ head -n $((n - 1)) "$tmp/signers.xml"; echo "<required-kinds>"; cat "$tmp/kb.xml"
  echo "</required-kinds>"; tail -n +"$n" "$tmp/signers.xml"; } >"$tmp/withkind.xml"
expect "sign-config with a kind-block" "$CA" sign-config --dir "$tmp/ca" \
  --config "$tmp/withkind.xml" --signer cfg --out "$tmp/withkind-signed.xml"
expect "verify-config checks the kind-signature" "$CA" verify-config --config "$tmp/withkind-signed.xml"
has "kind-signature ok" "$OV: kind 4200: ok, signed by cfg@$OV" "$tmp/out"
sed 's|<max-count>4</max-count>|<max-count>5</max-count>|' "$tmp/withkind.xml" >"$tmp/kindchanged.xml"
expect "sign-config with a changed kind" "$CA" sign-config --dir "$tmp/ca" \
  --config "$tmp/kindchanged.xml" --signer cfg --out "$tmp/kindchanged-signed.xml"
refuse "verify-config: kind changed after its signature" "kind 4200: RL_SEC_ERR_SIGNATURE" \
  "$CA" verify-config --config "$tmp/kindchanged-signed.xml"
refuse "sign-kind without --kind" "needs" "$CA" sign-kind --dir "$tmp/ca" --signer cfg
refuse "sign-config without --signer" "needs" "$CA" sign-config --dir "$tmp/ca" --config "$tmp/signers.xml"
refuse "sign-config: other overlay" "no configuration for other.example" \
  "$CA" sign-config --dir "$tmp/ca" --config "$tmp/signers.xml" --signer cfg --overlay other.example

# --- P-256 keys (--key-type ec): an EC CA issues EC node certificates;
# OpenSSL and reload-ca both verify them ---
expect "init --key-type ec" "$CA" init --dir "$tmp/ecca" --overlay $OV --key-type ec
expect "issue --key-type ec" "$CA" issue --dir "$tmp/ecca" --user erin --key-type ec
openssl x509 -in "$tmp/ecca/erin.crt" -noout -text >"$tmp/erin.txt" 2>&1
has "EC public key" "id-ecPublicKey" "$tmp/erin.txt"
has "P-256" "prime256v1" "$tmp/erin.txt"
has "ECDSA signature of the CA" "ecdsa-with-SHA256" "$tmp/erin.txt"
expect "openssl verify (EC)" openssl verify -CAfile "$tmp/ecca/ca.crt" "$tmp/ecca/erin.crt"
expect "reload-ca verify (EC)" "$CA" verify --dir "$tmp/ecca" "$tmp/ecca/erin.crt"
openssl pkey -in "$tmp/ecca/erin.key" -noout -text >"$tmp/erin-key.txt" 2>&1
has "EC private key" "ASN1 OID: prime256v1" "$tmp/erin-key.txt"
# An RSA node certificate from the EC CA, and an EC one from the RSA CA.
expect "issue RSA from the EC CA" "$CA" issue --dir "$tmp/ecca" --user frank
expect "verify RSA from the EC CA" "$CA" verify --dir "$tmp/ecca" "$tmp/ecca/frank.crt"
expect "issue EC from the RSA CA" "$CA" issue --dir "$tmp/ca" --user gina --key-type ec
expect "verify EC from the RSA CA" "$CA" verify --dir "$tmp/ca" "$tmp/ca/gina.crt"
expect "self-signed --key-type ec" "$CA" self-signed --dir "$tmp/ss-ec" --user hal --overlay $OV \
  --key-type ec
refuse "--key-type other" "neither rsa nor ec" "$CA" issue --dir "$tmp/ca" --user x --key-type dsa
refuse "--bits with ec" "--bits is for RSA keys" "$CA" issue --dir "$tmp/ca" --user x --key-type ec \
  --bits 2048

echo "reload-ca test: $checks checks, $failed failed"
[ "$failed" -eq 0 ]
