#!/bin/sh
# The README's main job (for now): decode and print a sample message set.
# Usage: sh tools/demo.sh [BUILDDIR [SRCDIR]]   (make demo runs it)
set -u
# Absolute paths: the demo runs in a scratch directory, so that file names
# in its output are short.
builddir=$(cd "${1:-.}" && pwd) || exit 2
srcdir=$(cd "${2:-.}" && pwd) || exit 2
dump=$builddir/reload-dump
encode=$builddir/reload-encode
vectors=$srcdir/src/codec/testdata/vectors
for prog in "$dump" "$encode"; do
  [ -x "$prog" ] || { echo "demo: $prog is not built (run make)" >&2; exit 2; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/reload-demo.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2

# The bytes of a test vector (the lines after "hex:"), comments kept.
vec_bytes() {
  awk '/^hex:/ { h = 1; next } /^(json|error):/ { h = 0 } h' "$vectors/$1.vec"
}

# Shorten the tree for the screen: subtrees named in $1 (a regex) become
# one line; everything else is reload-dump's output as it is.
elide() {
  awk -v names="$1" '
    BEGIN { skip = -1 }
    function indent(s) { match(s, /^ */); return RLENGTH }
    skip >= 0 && indent($0) > skip { n++; next }
    skip >= 0 { printf "%*s%s: ... (%d lines not shown)\n", skip, "", what, n; skip = -1 }
    { line = $0; sub(/^ */, "", line) }
    line ~ "^(" names ")$" { skip = indent($0); what = line; n = 0; next }
    { print }
    END { if (skip >= 0) printf "%*s%s: ... (%d lines not shown)\n", skip, "", what, n }'
}

say() { printf '\n%s\n' "$*"; }
run() { printf '$ %s\n' "$*"; }

{
  echo "# Four RELOAD messages (RFC 6940), as hex with comments"
  echo "# 1. StoreReq: two SIP registrations (RFC 7904)"
  vec_bytes store_req_sip_registration
  echo "# 2. AttachReq: ICE candidates (RFC 6940 6.5.1)"
  vec_bytes attach_req
  echo "# 3. FetchAns: a single value and a dictionary entry"
  vec_bytes fetch_ans
  echo "# 4. An error response: Error_Not_Found"
  vec_bytes error_not_found
} >"sample.hex"

echo "== reload-dump: RELOAD messages as text =="
echo "sample.hex: four messages from src/codec/testdata/vectors, as commented hex."
echo "Kinds 0xf0000001 and 0xf0000003 are private: \$P gives their data models."
echo "Subtrees marked '...' are cut short here; reload-dump prints them all."
P="--param kind.0xf0000001=single_value,kind.0xf0000003=dictionary"
say "$(run reload-dump \$P sample.hex)"
"$dump" $P "sample.hex" >"sample.txt"
status=$?
awk -v first="first.txt" -v rest="rest.txt" '
  /^message 2 / { later = 1 } { print > (later ? rest : first) }' sample.txt
elide 'destination_list\[0\]|signature|security_block' <"first.txt"
elide 'forwarding_header|signature|security_block|candidates\[[123]\]|kind_responses\[1\]' <"rest.txt"
echo "(exit status $status)"

say "== Message 4 as JSON =="
echo "(--compact: one line per message. Folded here, and hex strings longer"
echo "than 40 digits shortened to their first 16.)"
vec_bytes error_not_found >"error.hex"
run "reload-dump --json --compact error.hex"
"$dump" --json --compact "error.hex" |
  sed -E 's/"([0-9a-f]{16})[0-9a-f]{25,}"/"\1..."/g' | fold -w 100

say "== Round trip: JSON back to bytes =="
run "reload-dump --json \$P sample.hex | reload-encode \$P > sample.bin"
"$dump" --json $P "sample.hex" | "$encode" $P >"sample.bin"
run "reload-dump --json \$P sample.bin | reload-encode \$P | cmp - sample.bin"
if "$dump" --json $P "sample.bin" | "$encode" $P | cmp - "sample.bin"; then
  echo "identical: $("$dump" $P "sample.bin" | grep -c '^message') messages, $(wc -c <"sample.bin") bytes"
fi
say "Lengths are computed, not copied: change the error text and re-encode."
run "reload-dump --json error.hex | sed 's/4e6f7420666f756e64/476f6e65/' | reload-encode | reload-dump"
"$dump" --json "error.hex" | sed 's/4e6f7420666f756e64/476f6e65/' | "$encode" |
  "$dump" | grep -E '^message|^    length:|unknown:'

say "== A malformed message: where and what =="
vec_bytes ping_req | sed '$d' >"cut.hex"
run "reload-dump cut.hex      # a PingReq missing its last 16 bytes"
"$dump" "cut.hex" 2>&1
echo "(exit status $?)"
