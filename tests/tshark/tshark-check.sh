#!/bin/sh
# Cross-check of the codec with Wireshark's RELOAD dissector (run by
# make check; see tshark_check.py and KNOWN-DISSECTOR-ISSUES.md).
# Skips (exit 77) only when tshark is not installed.
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}

find_prog() {
  # $1: value from configure (may be empty), $2: program name
  if [ -n "$1" ] && [ -x "$1" ]; then
    echo "$1"
  else
    command -v "$2" 2>/dev/null
  fi
}

tshark=$(find_prog "${TSHARK:-}" tshark)
if [ -z "$tshark" ]; then
  echo "SKIP: tshark is not installed (Debian: apt-get install tshark)"
  exit 77
fi
text2pcap=$(find_prog "${TEXT2PCAP:-}" text2pcap)
if [ -z "$text2pcap" ]; then
  echo "FAIL: tshark is installed but text2pcap is not (Debian: wireshark-common)"
  exit 1
fi
python=${PYTHON:-}
if [ -z "$python" ] || [ "$python" = ":" ]; then
  python=$(command -v python3 2>/dev/null)
fi
if [ -z "$python" ]; then
  echo "FAIL: tshark is installed but python3, which drives this check, is not"
  exit 1
fi
if [ ! -x "$builddir/tests/tshark/vec2json" ]; then
  echo "FAIL: $builddir/tests/tshark/vec2json is not built (make check builds it)"
  exit 1
fi
exec "$python" "$srcdir/tests/tshark/tshark_check.py" --srcdir "$srcdir" \
  --vec2json "$builddir/tests/tshark/vec2json" --tshark "$tshark" \
  --text2pcap "$text2pcap"
