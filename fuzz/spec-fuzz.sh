#!/bin/sh
# spec-fuzz.sh: `make check` test. Mutated spec files through relgen's
# lexer, parser and model for a few seconds (fuzz/spec_lexer_fuzz.py):
# anything but a SpecError is a failure.
top_srcdir=${top_srcdir:-.}
PYTHON=${PYTHON:-python3}
if [ "$PYTHON" = ":" ]; then
  echo "SKIP: no python"
  exit 77
fi
exec "$PYTHON" "$top_srcdir/fuzz/spec_lexer_fuzz.py" --seconds 4 --seed 1 \
  --replay "$top_srcdir/fuzz/corpus/spec_lexer" \
  "$top_srcdir"/spec/*.spec
