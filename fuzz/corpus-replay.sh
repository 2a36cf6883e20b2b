#!/bin/sh
# corpus-replay.sh: `make check` test. Every file of fuzz/corpus/TARGET
# goes through fuzz/replay-TARGET (LLVMFuzzerTestOneInput without
# libFuzzer): the seeds from the test vectors and every regress-* input of
# a crash once found must decode or fail cleanly and pass the round trip.
# Prints one line per target and "N passed, N failed" for all files.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
corpus="$top_srcdir/fuzz/corpus"
passed=0
failed=0
targets=0
for dir in "$corpus"/*/; do
  t=$(basename "$dir")
  # The spec language fuzzer is Python: fuzz/spec-fuzz.sh replays its
  # regression inputs.
  [ "$t" = spec_lexer ] && continue
  prog="$top_builddir/fuzz/replay-$t"
  targets=$((targets + 1))
  if [ ! -x "$prog" ]; then
    echo "FAIL $t: no program $prog for corpus $dir"
    failed=$((failed + 1))
    continue
  fi
  out=$("$prog" -q "$dir" 2>&1)
  status=$?
  # Failures (with the sanitizer or abort report) are shown in full.
  [ $status -eq 0 ] || printf '%s\n' "$out"
  summary=$(printf '%s\n' "$out" | tail -n 1)
  p=$(printf '%s\n' "$summary" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
  f=$(printf '%s\n' "$summary" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
  if [ -z "$p" ] || [ -z "$f" ]; then
    echo "FAIL $t: replay did not finish (status $status)"
    failed=$((failed + 1))
    continue
  fi
  if [ "$p" -eq 0 ]; then
    echo "FAIL $t: empty corpus"
    failed=$((failed + 1))
  fi
  echo "$t: $p passed, $f failed"
  passed=$((passed + p))
  failed=$((failed + f))
done
if [ $targets -eq 0 ]; then
  echo "FAIL: no corpus directories in $corpus"
  failed=1
fi
echo "fuzz corpus replay ($targets targets): $passed passed, $failed failed"
[ $failed -eq 0 ]
