#!/bin/sh
# reload-encode (reload-dump --json x) == x for every test vector, as hex
# text, as binary, one message per file and many in one file; and
# reload-dump --json prints the JSON each vector expects.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tools/lib.sh"

python=${PYTHON:-}
[ "$python" = ":" ] && python=
vec_split "$TMP" "$VECTORS"/*.vec
all16=$TMP/all16.hex
: >"$all16"
n16=0
for vec in "$VECTORS"/*.vec; do
  name=${vec##*/}
  name=${name%.vec}
  t=$TMP/$name
  type=
  params=
  hex=
  read -r type <"$t.type" || :
  read -r params <"$t.params" || :
  read -r hex <"$t.hex" || :
  if [ -z "$type" ] || [ -z "$hex" ]; then
    fail "$name: no type or no hex in the vector"
    continue
  fi

  # JSON out, wire bytes back: the same bytes.
  if "$DUMP" --json --type "$type" --param "$params" "$t.hex" >"$t.json"; then
    got=$("$ENCODE" --hex --type "$type" --param "$params" "$t.json")
    expect_eq "$name: encode(dump --json) differs from the vector" "$got" "$hex"
  else
    fail "$name: reload-dump --json exited $?"
  fi

  # The .vec file itself is input too: its type and params apply.
  "$DUMP" --json "$vec" >"$t.vec.json" 2>&1
  check "$name: dump of the .vec file differs from dump of its hex" \
    cmp -s "$t.vec.json" "$t.json"

  # Text mode decodes it and numbers it.
  "$DUMP" --type "$type" --param "$params" "$t.hex" >"$t.txt"
  first=
  read -r first <"$t.txt" || :
  case $type in Message) what=message ;; *) what=$type ;; esac
  case $first in
    "$what 1 at offset 0 ("*) pass ;;
    *) fail "$name: text mode starts with '$first'" ;;
  esac

  if [ "$type" = Message ] && [ "$params" = "NodeIdLength=16" ]; then
    printf '%s\n' "$hex" >>"$all16"
    n16=$((n16 + 1))
  fi
done

# JSON equal to the vectors' expected JSON (as values: spacing differs).
if [ -n "$python" ]; then
  "$python" - "$TMP" "$VECTORS" >"$TMP/json-compare.out" <<'PY'
import json, os, sys
tmp, vecdir = sys.argv[1], sys.argv[2]
bad = 0
names = sorted(f[:-4] for f in os.listdir(vecdir) if f.endswith(".vec"))
for n in names:
    try:
        got = json.load(open(os.path.join(tmp, n + ".json")))
        want = json.load(open(os.path.join(tmp, n + ".want")))
    except ValueError as e:
        got, want = None, str(e)
    if got != want:
        print("FAIL: %s: reload-dump --json differs from the vector's json" % n)
        bad += 1
print("json-compare %d %d" % (len(names) - bad, bad))
PY
  grep '^FAIL' "$TMP/json-compare.out"
  set -- $(sed -n 's/^json-compare \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$TMP/json-compare.out")
  npass=$((npass + ${1:-0}))
  nfail=$((nfail + ${2:-1}))
else
  echo "note: no Python, the JSON is not compared with the vectors' json"
fi

# Many messages in one file: hex text, then binary made by reload-encode.
want=$(tr -d '\n' <"$all16")
check "at least 20 Message vectors with NodeIdLength=16" test "$n16" -ge 20
"$DUMP" --json-array "$all16" >"$TMP/all16.json"
got=$("$ENCODE" --hex "$TMP/all16.json" | tr -d '\n')
expect_eq "$n16 messages in one hex file: encode(dump --json-array)" "$got" "$want"
check "--json-array holds $n16 messages" \
  test "$(grep -c '^    "forwarding_header"' "$TMP/all16.json")" -eq "$n16"

"$ENCODE" "$TMP/all16.json" >"$TMP/all16.bin"
check "binary output has the bytes of the hex" \
  test "$(wc -c <"$TMP/all16.bin")" -eq $((${#want} / 2))
got=$("$DUMP" --json --compact "$TMP/all16.bin" | "$ENCODE" --hex | tr -d '\n')
expect_eq "$n16 messages in one binary file: encode(dump --json --compact)" "$got" "$want"
check "--compact prints one line per message" \
  test "$("$DUMP" --json --compact "$TMP/all16.bin" | wc -l)" -eq "$n16"
got=$("$DUMP" "$TMP/all16.bin" | grep -c '^message [0-9]* at offset')
expect_eq "text mode shows every message of the binary file" "$got" "$n16"

finish
