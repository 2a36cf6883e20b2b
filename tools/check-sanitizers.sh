#!/bin/sh
# Build the library, tools and tests with ASan + UBSan in a separate build
# directory and run the whole test suite there. Any sanitizer report fails
# the run (-fno-sanitize-recover, halt_on_error).
set -eu
srcdir=$1
builddir=$2
mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ]; then
  "$srcdir/configure" --enable-sanitizers --disable-silent-rules >configure.out 2>&1 || {
    cat configure.out; exit 1; }
fi
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
make -j2 >build.out 2>&1 || { tail -50 build.out; exit 1; }
make -j2 check
