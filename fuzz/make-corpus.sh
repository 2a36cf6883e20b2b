#!/bin/sh
# make-corpus.sh: write the fuzz seed corpora from the codec test vectors.
#
#   fuzz/make-corpus.sh [SRCDIR]      (SRCDIR: the source tree, default .)
#
# Reads src/codec/testdata/vectors/*.vec and malformed/*.vec (the annotated
# hex of each vector; see src/codec/testdata) and writes binary seeds named
# after the vector into fuzz/corpus/TARGET/:
#   message, client_message   every Message vector as is
#   framed_message            FramedMessage vectors; every Message in a data frame
#   message_body              message_code (2 bytes) + MessageBody of every
#                             Message, plus codes no vector uses
#   stored_data               every StoredData of StoreReq/FetchAns vectors,
#                             after a byte naming its data model (0 single,
#                             1 array, 2 dictionary; see fuzz_stored_data.c)
#   destination_list          destination and via lists of the Messages,
#                             Destination vectors (a one-element list)
#   forwarding_options        the options lists of the Messages
#   json_message              the JSON of every Message vector
#   kind_value                Kind value types (fuzz_kind_value.c)
# Seeds named regress-* are found crashes and are never touched. The
# output is committed; rerun after changing the vectors.
set -eu

top=${1:-.}
vec="$top/src/codec/testdata/vectors"
bad="$top/src/codec/testdata/malformed"
out="$top/fuzz/corpus"

if ! command -v xxd >/dev/null 2>&1; then
  echo "make-corpus.sh: needs xxd (Debian package xxd)" >&2
  exit 1
fi
[ -d "$vec" ] || { echo "make-corpus.sh: no $vec" >&2; exit 1; }

targets="message client_message framed_message message_body stored_data
destination_list forwarding_options json_message kind_value"
for t in $targets; do
  mkdir -p "$out/$t"
  # Regenerate: remove old seeds, keep regression inputs.
  find "$out/$t" -maxdepth 1 -type f ! -name 'regress-*' -exec rm -f {} +
done

field() { sed -n "s/^$1: *//p" "$2" | head -n 1; }

# The hex: section without comments and spaces, lowercase.
hexof() {
  awk '/^hex:/ { h = 1; next } /^(json|error):/ { h = 0 }
       h { sub(/#.*/, ""); gsub(/[ \t\r]/, ""); printf "%s", tolower($0) }' "$1"
}

# Write hex text (stdin) as binary to $1.
bin() { xxd -r -p > "$1"; }

# Everything after the json: line.
jsonof() { sed -n '/^json:/,$p' "$1" | sed 1d; }

# Cut the regions of a Message (hex in $1, params in $2, name in $3) and
# print lines "TARGET NAME HEX" for the sub-structure targets. awk does
# the arithmetic on the hex string: offsets below are in bytes.
regions() {
  printf '%s\n' "$1" | awk -v params="$2" -v name="$3" '
    function u(off, w,   i, v) {
      v = 0
      for (i = 0; i < w; i++)
        v = v * 256 + (index("0123456789abcdef", substr(hx, 2 * (off + i) + 1, 1)) - 1) * 16 + \
            index("0123456789abcdef", substr(hx, 2 * (off + i) + 2, 1)) - 1
      return v
    }
    function cut(off, n) { return substr(hx, 2 * off + 1, 2 * n) }
    function num(s,   v, i) {
      if (s ~ /^0[xX]/) {
        v = 0
        for (i = 3; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
        return v
      }
      return s + 0
    }
    # Every StoredData in a list of (kind u32, counter u64, StoredData<4>).
    function stored(off, end,   kind, vend, k, n, m) {
      k = 0
      while (off + 16 <= end) {
        kind = u(off, 4)
        vend = off + 16 + u(off + 12, 4)
        off += 16
        while (off + 4 <= vend) {
          n = u(off, 4)
          m = (kind in model) ? model[kind] : ""
          if (m != "")
            printf "stored_data %s-%d %02x%s\n", name, k++, m, cut(off, 4 + n)
          off += 4 + n
        }
        off = vend
      }
    }
    { hx = $0 }
    END {
      nw = split(params, w, " ")
      for (i = 1; i <= nw; i++) {
        if (w[i] !~ /^kind\./) continue
        split(substr(w[i], 6), kv, "=")
        model[num(kv[1])] = (kv[2] == "single_value") ? 0 : (kv[2] == "array") ? 1 : 2
      }
      if (length(hx) < 76) exit
      vl = u(32, 2); dl = u(34, 2); ol = u(36, 2)
      if (vl) printf "destination_list %s-via %s\n", name, cut(38, vl)
      if (dl) printf "destination_list %s %s\n", name, cut(38 + vl, dl)
      if (ol) printf "forwarding_options %s %s\n", name, cut(38 + vl + dl, ol)
      b = 38 + vl + dl + ol
      code = u(b, 2); bl = u(b + 2, 4)
      printf "message_body %s %s\n", name, cut(b, 2) cut(b + 6, bl)
      b += 6
      if (code == 7) {            # store_req: resource, replica_number, kind_data<4>
        k = b + 1 + u(b, 1) + 1
        stored(k + 4, k + 4 + u(k, 4))
      } else if (code == 10) {    # fetch_ans: kind_responses<4>
        stored(b + 4, b + 4 + u(b, 4))
      }
    }'
}

# A 3-byte big-endian length of a hex string, as hex.
len24() { printf '%06x' $(( ${#1} / 2 )); }

n=0
for f in "$vec"/*.vec "$bad"/*.vec; do
  base=$(basename "$f" .vec)
  case "$f" in "$bad"/*) base="malformed-$base" ;; esac
  type=$(field type "$f")
  params=$(field params "$f")
  hex=$(hexof "$f")
  case "$type" in
  Message)
    printf '%s' "$hex" | bin "$out/message/$base.bin"
    printf '%s' "$hex" | bin "$out/client_message/$base.bin"
    printf '80%08x%s%s' 1 "$(len24 "$hex")" "$hex" | bin "$out/framed_message/$base.bin"
    if grep -q '^json:' "$f"; then jsonof "$f" > "$out/json_message/$base.json"; fi
    regions "$hex" "$params" "$base" | while read -r t name h; do
      printf '%s' "$h" | bin "$out/$t/$name.bin"
    done
    ;;
  FramedMessage) printf '%s' "$hex" | bin "$out/framed_message/$base.bin" ;;
  Destination) printf '%s' "$hex" | bin "$out/destination_list/$base.bin" ;;
  # kind_value: first byte = index into the Kinds with a value type in
  # rl_kinds[] order (0 TURN-SERVICE, 1 SIP-REGISTRATION, 2 REDIR,
  # 3 ACCESS-CONTROL-LIST), +4 for variable_resource_names_enabled.
  SipRegistration) printf '01%s' "$hex" | bin "$out/kind_value/$base.bin" ;;
  RedirServiceProvider) printf '02%s' "$hex" | bin "$out/kind_value/$base.bin" ;;
  AccessControlListItem)
    case "$params" in
    *variable_resource_names_enabled=true*) printf '07%s' "$hex" ;;
    *) printf '03%s' "$hex" ;;
    esac | bin "$out/kind_value/$base.bin" ;;
  IpAddressPort)   # TurnServer = iteration + IpAddressPort
    printf '0005%s' "$hex" | bin "$out/kind_value/turn_server-$base.bin" ;;
  *) continue ;;
  esac
  n=$((n + 1))
done

# MessageBody seeds for the codes no vector carries: the experimental
# codes, invalid 0, and a code this codec does not know (kept raw).
for c in 0023:exp_a_req 0024:exp_a_ans 0025:exp_b_req 0026:exp_b_ans \
         0000:invalid_code 4242:unknown_code; do
  printf '%s0001020304' "${c%%:*}" | bin "$out/message_body/code-${c#*:}.bin"
done

echo "make-corpus.sh: $n vectors;" $(for t in $targets; do
  printf '%s=%s ' "$t" "$(ls "$out/$t" | wc -l)"; done)
