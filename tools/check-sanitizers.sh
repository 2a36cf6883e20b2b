#!/bin/sh
# Build the library, tools and tests with ASan + UBSan in a copy of the
# release tree (make distdir) and run the whole test suite there. Any
# sanitizer report fails the run (-fno-sanitize-recover, halt_on_error).
set -eu
dir=$1
cd "$dir"
./configure --enable-sanitizers >configure.out 2>&1 || { cat configure.out; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
make -j2 >build.out 2>&1 || { tail -50 build.out; exit 1; }
make -j2 check
