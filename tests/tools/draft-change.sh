#!/bin/sh
# A draft change end to end, in a temporary copy of the parts of the tree
# it needs (doc/regenerating.md is the walkthrough of the same steps):
#   1. a "draft" = RFC 6940's text with a new member `uint16 load;` at the
#      end of PingAns, a new ProbeInformationType value load(4), which
#      collides with exp-probe(4), ours by a known difference, and its
#      case in ProbeInformationData;
#   2. spec/FOLLOWS says rfc6940.spec follows that draft; the RFC-text
#      test (gen/tests/rfcdiff-rfcs.sh) then fails;
#   3. gen/rfcdiff.py --patch proposes the edits, `patch -p1` applies
#      them, and the RFC-text test passes;
#   4. gen/relgen.py regenerates the codec; the codec, reload-dump and
#      reload-encode are compiled (nothing else);
#   5. tools/migrate-vectors.py migrates the vectors (ping_ans.vec and
#      framed_message_data.vec, which embeds it as hex, get a marked
#      placeholder) and lists them, fuzz/make-corpus.sh regenerates the
#      seed corpora;
#   6. reload-dump decodes the migrated vector and a message carrying
#      load = 1234 made by reload-encode.
# Skipped (77) without the RFC texts ($RFC_DIR or ../shared/rfc).
# KEEP=1 keeps the temporary tree. Prints the time each step took.
set -u

srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd) || exit 99
PYTHON=${PYTHON:-python3}
CC=${CC:-cc}
dir=${RFC_DIR:-}
[ -z "$dir" ] && [ -f "$srcdir/../shared/rfc/rfc6940.txt" ] && dir=$srcdir/../shared/rfc
if [ -z "$dir" ] || [ ! -f "$dir/rfc6940.txt" ]; then
  echo "SKIP: no RFC texts (set RFC_DIR, or put them in ../shared/rfc)"
  exit 77
fi
for t in patch xxd; do
  command -v $t >/dev/null 2>&1 || { echo "SKIP: needs $t"; exit 77; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/draft-change.XXXXXX") || exit 99
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
step_t0=$(now)
step() {
  t=$(now)
  awk -v a="$step_t0" -v b="$t" -v s="$1" 'BEGIN { printf "step: %-52s %6.2f s\n", s, b - a }'
  step_t0=$t
}

# The tree: what the steps read or build.
mkdir -p "$tmp/src" "$tmp/texts" "$tmp/fuzz" "$tmp/tools" "$tmp/gen"
cp -R "$srcdir/spec" "$tmp/"
cp -R "$srcdir/gen/relgen.py" "$srcdir/gen/relgen" "$srcdir/gen/rfcdiff.py" \
  "$srcdir/gen/rfcdiff" "$tmp/gen/"
mkdir -p "$tmp/gen/tests" && cp "$srcdir/gen/tests/rfcdiff-rfcs.sh" "$tmp/gen/tests/"
for d in runtime codec overlay; do
  mkdir -p "$tmp/src/$d"
  cp "$srcdir/src/$d"/*.[ch] "$tmp/src/$d/"
done
cp -R "$srcdir/src/codec/testdata" "$tmp/src/codec/"
cp "$srcdir"/tools/*.[ch] "$srcdir/tools/migrate-vectors.py" "$tmp/tools/"
cp "$srcdir/fuzz/make-corpus.sh" "$tmp/fuzz/"
for f in "$dir"/rfc*.txt; do ln -s "$f" "$tmp/texts/"; done
cd "$tmp" || exit 99
step "copy the tree"

# 1. The draft.
draft=draft-ietf-p2psip-base-99
sed -e '/^           uint64                 time;$/a\
           uint16                 load;' \
    -e 's/num_resources(2), uptime(3), (255) }/num_resources(2), uptime(3), load(4), (255) }/' \
    -e '/^               uint32             uptime;$/a\
\
             case load:\
               uint16             load;' \
    "$dir/rfc6940.txt" > "texts/$draft.txt"
[ "$(diff "$dir/rfc6940.txt" "texts/$draft.txt" | grep -c '^>')" = 5 ] ||
  fail "the draft text is not RFC 6940 plus five changed lines (did the RFC text change?)"

# 2. Follow the draft.
sed -i "s/^rfc6940.spec\( *\)rfc6940 /rfc6940.spec\1$draft /" spec/FOLLOWS
grep -q "^rfc6940.spec *$draft *6940" spec/FOLLOWS || fail "spec/FOLLOWS not changed"
if RFC_DIR=$tmp/texts top_srcdir=$tmp sh gen/tests/rfcdiff-rfcs.sh > before.log 2>&1; then
  cat before.log; fail "the RFC-text test passes before spec/ follows the draft"
fi
grep -q "follows $draft" before.log || fail "the RFC-text test did not read $draft"
step "the draft; spec/FOLLOWS; RFC-text test fails"

# 3. rfcdiff: the report names the spec lines, --patch proposes the edits.
"$PYTHON" gen/rfcdiff.py -q --rfc 6940 "texts/$draft.txt" spec/rfc6940.spec > report.log
grep -q "edit spec/rfc6940.spec:616: PingAns: add \`uint16 load;\` after time" report.log ||
  { cat report.log; fail "rfcdiff does not propose the PingAns edit"; }
grep -q "edit spec/rfc6940.spec:519: ProbeInformationData: add case load after case uptime" report.log ||
  { cat report.log; fail "rfcdiff does not propose the new case of ProbeInformationData"; }
grep -q "STALE" report.log && { cat report.log; fail "rfcdiff reports a STALE entry"; }
"$PYTHON" gen/rfcdiff.py --patch --rfc 6940 "texts/$draft.txt" spec/rfc6940.spec > draft.diff ||
  fail "rfcdiff --patch left edits to do by hand"
patch -s -p1 < draft.diff || fail "the patch of rfcdiff --patch does not apply"
RFC_DIR=$tmp/texts top_srcdir=$tmp sh gen/tests/rfcdiff-rfcs.sh > after.log 2>&1 ||
  { cat after.log; fail "the RFC-text test fails after the patch"; }
step "rfcdiff --patch, patch -p1, RFC-text test passes"

# 4. Regenerate and build the codec and the two tools.
specs="spec/rfc6940.spec spec/rfc7904-sip-usage.spec spec/rfc7851-diagnostics.spec
spec/rfc7374-redir.spec spec/rfc7363-self-tuning.spec spec/rfc7263-direct-response.spec
spec/rfc7264-relay-peer.spec spec/rfc8076-shared-resources.spec"
mkdir -p src/gen
# shellcheck disable=SC2086
"$PYTHON" gen/relgen.py --werror --header src/gen/reload_codec.h \
  --source src/gen/reload_codec.c $specs || fail "relgen"
# shellcheck disable=SC2086
"$PYTHON" gen/relgen.py --werror --profile client --prefix rlc_ \
  --header src/gen/reload_client.h --source src/gen/reload_client.c $specs || fail "relgen client"
grep -q "load" src/gen/reload_codec.h || fail "no load member in the generated header"
step "regenerate the codec"
xml_cflags=$(pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
xml_libs=$(pkg-config --libs libxml-2.0 2>/dev/null || echo -lxml2)
flags="-std=c11 -O0 -w -Isrc $xml_cflags -DRL_TOOLS_VERSION=\"draft-test\""
objs=""
# reload-dump --config reads overlay configurations (src/overlay/config*.c).
for c in src/runtime/*.c src/codec/*.c src/gen/reload_codec.c src/gen/reload_client.c \
    src/overlay/config.c src/overlay/config_model.c src/overlay/config_value.c \
    src/overlay/config_write.c \
    tools/tool_util.c tools/input.c tools/tree.c tools/capture.c tools/tlsdec.c tools/tlscap.c; do
  o=${c%.c}.o
  # shellcheck disable=SC2086
  $CC $flags -c "$c" -o "$o" || fail "compile $c"
  objs="$objs $o"
done
wait
# shellcheck disable=SC2086
$CC $flags tools/reload-dump.c $objs -ljansson -lpcap $xml_libs -lcrypto -o reload-dump || fail "build reload-dump"
# shellcheck disable=SC2086
$CC $flags tools/reload-encode.c $objs -ljansson -lpcap $xml_libs -lcrypto -o reload-encode || fail "build reload-encode"
step "build the codec, reload-dump, reload-encode"

# 5. Migrate the vectors, regenerate the corpora.
"$PYTHON" tools/migrate-vectors.py --build "$tmp" > migrate.log 2>&1 ||
  { cat migrate.log; fail "migrate-vectors"; }
cat migrate.log
grep -q "^LOOK  src/codec/testdata/vectors/ping_ans.vec: placeholder Message.message_contents.message_body.ping_ans.load" migrate.log ||
  fail "ping_ans.vec not listed with its placeholder"
grep -q "^LOOK  src/codec/testdata/vectors/framed_message_data.vec: placeholder .*ping_ans.load (embedded message)" migrate.log ||
  fail "framed_message_data.vec (embeds ping_ans as hex) not listed"
grep -q "PLACEHOLDER Message.message_contents.message_body.ping_ans.load" \
  src/codec/testdata/vectors/ping_ans.vec || fail "no marked placeholder in ping_ans.vec"
"$PYTHON" tools/migrate-vectors.py --build "$tmp" --check > again.log 2>&1 ||
  { cat again.log; fail "a second migration would still change vectors"; }
sh fuzz/make-corpus.sh . > corpus.log 2>&1 || { cat corpus.log; fail "make-corpus.sh"; }
[ -s fuzz/corpus/message/ping_ans.bin ] || fail "no seed fuzz/corpus/message/ping_ans.bin"
step "migrate the vectors, regenerate the corpora"

# 6. Decode the migrated vector, and a message carrying load = 1234.
hex=$(awk '/^hex:/ {h=1; next} /^json:/ {h=0} h {sub(/#.*/, ""); printf "%s", $0}' \
  src/codec/testdata/vectors/ping_ans.vec | tr -d ' ')
echo "$hex" | ./reload-dump -i hex -p NodeIdLength=16 - > dump.log 2>&1 ||
  { cat dump.log; fail "reload-dump does not decode the migrated ping_ans.vec"; }
grep -q "^        load: 0$" dump.log || { cat dump.log; fail "no load: 0 in the dump"; }
sed -n '/^json:/,$p' src/codec/testdata/vectors/ping_ans.vec | sed 1d |
  sed 's/"load": 0/"load": 1234/' > load.json
grep -q '"load": 1234' load.json || fail "no load member in the migrated JSON"
./reload-encode --hex -p NodeIdLength=16 load.json > load.hex || fail "reload-encode"
./reload-dump -i hex -p NodeIdLength=16 load.hex > load.log 2>&1 ||
  { cat load.log; fail "reload-dump does not decode the message with load = 1234"; }
grep -q "^        load: 1234$" load.log || { cat load.log; fail "no load: 1234"; }
step "decode the vector and a message with load = 1234"
echo "PASS: a draft change end to end"
