#!/bin/sh
# make check: one iteration of every benchmark loop and the round-trip
# checks of the benchmark messages (reload_bench --smoke), so that the
# benchmark cannot rot. The timing itself is `make bench`.
exec "${top_builddir:-.}/bench/reload_bench" --smoke
