# lib.sh: helpers the tools tests share (sourced, not run).
# make check exports top_srcdir and top_builddir; by hand, run a test from
# the build directory: sh tests/tools/roundtrip.sh
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
DUMP="$top_builddir/reload-dump"
ENCODE="$top_builddir/reload-encode"
VECTORS="$top_srcdir/src/codec/testdata/vectors"
MALFORMED="$top_srcdir/src/codec/testdata/malformed"
for prog in "$DUMP" "$ENCODE"; do
  if [ ! -x "$prog" ]; then
    echo "$0: $prog is not built" >&2
    exit 99
  fi
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rltools.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT
npass=0
nfail=0

pass() { npass=$((npass + 1)); }
fail() {
  nfail=$((nfail + 1))
  echo "FAIL: $*"
}

# check NAME COMMAND...: pass when COMMAND succeeds.
check() {
  _check_name=$1
  shift
  if "$@"; then pass; else fail "$_check_name"; fi
}

# expect_eq NAME GOT WANT
expect_eq() {
  if [ "$2" = "$3" ]; then
    pass
  else
    fail "$1"
    echo "  got:  $2"
    echo "  want: $3"
  fi
}

# The "type:" / "params:" line of a .vec file.
vec_type() { sed -n 's/^type: *//p' "$1"; }
vec_params() { sed -n 's/^params: *//p' "$1"; }

# The bytes of a .vec file as one line of plain lowercase hex: the lines
# between "hex:" and "json:"/"error:", comments and spaces removed.
vec_hex() {
  awk '/^hex:/ { h = 1; next } /^(json|error):/ { h = 0 } h { sub(/#.*/, ""); printf "%s", $0 }' "$1" |
    tr -d ' \t\r' | tr 'A-F' 'a-f'
}

# Split every .vec file named on the command line into files in the
# directory $1, in one pass (process start-up is what makes shell tests
# slow): NAME.hex (the bytes as one line of lowercase hex), NAME.type,
# NAME.params, NAME.want (the text after "json:" or "error:").
vec_split() {
  _dir=$1
  shift
  awk -v dir="$_dir" '
    FNR == 1 {
      if (out != "") { printf "\n" > out; close_all() }
      name = FILENAME; sub(/.*\//, "", name); sub(/\.vec$/, "", name)
      out = dir "/" name ".hex"; mode = ""
      printf "" > out; printf "" > (dir "/" name ".want")
      printf "" > (dir "/" name ".type"); printf "" > (dir "/" name ".params")
    }
    function close_all() {
      close(out); close(dir "/" name ".want")
      close(dir "/" name ".type"); close(dir "/" name ".params")
    }
    mode == "" && /^type:/ { v = $0; sub(/^type: */, "", v); print v > (dir "/" name ".type"); next }
    mode == "" && /^params:/ { v = $0; sub(/^params: */, "", v); print v > (dir "/" name ".params"); next }
    /^hex:/ { mode = "hex"; next }
    /^(json|error):/ { mode = "want"; v = $0; sub(/^(json|error): */, "", v); if (v != "") print v > (dir "/" name ".want"); next }
    mode == "hex" { sub(/#.*/, ""); gsub(/[ \t\r]/, ""); printf "%s", tolower($0) > out; next }
    mode == "want" { print > (dir "/" name ".want") }
    END { if (out != "") printf "\n" > out }
  ' "$@"
}

# Plain hex, one packet per line, to the hex dump text2pcap reads.
hex_to_dump() {
  awk '{
    n = length($0) / 2
    for (i = 0; i < n; i++) {
      if (i % 16 == 0) printf "%s%06x", (i ? "\n" : ""), i
      printf " %s", substr($0, 2 * i + 1, 2)
    }
    printf "\n"
  }'
}

finish() {
  echo "$npass passed, $nfail failed"
  [ "$nfail" -eq 0 ]
}
