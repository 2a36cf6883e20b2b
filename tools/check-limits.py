#!/usr/bin/env python3
"""check-limits.py: the size and layering limits of issue 16, for the
directories given (default: src/peer src/net src/overlay src/storage
src/security src/codec):

  * no source file over 1,000 lines;
  * no function over 100 lines (universal-ctags gives each function's
    first and last line);
  * no include circle between headers, and no call circle between files:
    file A calls a function file B defines and B calls one of A's (read
    off the built objects with nm: what each defines, what it needs).

What exists today and breaks a limit is listed in the allowance file
(tools/limits-allowed.txt) with its size then, so that the check passes
and nothing new or bigger gets in: a listed file or function that grew,
or a circle that gained a file, fails as a new one does. A listed item
that no longer breaks its limit is reported, to be removed from the list.

  check-limits.py [--allowed FILE] [--build DIR] [DIR...]
Exit status 0: within the limits; 1: a violation; 2: a tool is missing.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

MAX_FILE = 1000
MAX_FUNC = 100
DEFAULT_DIRS = ["src/peer", "src/net", "src/overlay", "src/storage", "src/security", "src/codec"]


def sources(top, dirs):
    out = []
    for d in dirs:
        for ext in ("*.c", "*.h"):
            out += sorted(glob.glob(os.path.join(top, d, ext)))
    return out


def rel(top, p):
    return os.path.relpath(p, top)


def file_sizes(top, files):
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            n = sum(1 for _ in fh)
        if n > MAX_FILE:
            yield ("file", rel(top, f), n)


def function_sizes(top, files):
    cfiles = [f for f in files if f.endswith(".c")]
    if not cfiles:
        return
    res = subprocess.run(["ctags", "--fields=+ne", "--c-kinds=f", "-o", "-"] + cfiles,
                         capture_output=True, text=True, check=True)
    for line in res.stdout.splitlines():
        cols = line.split("\t")
        start = end = None
        for c in cols:
            if c.startswith("line:"):
                start = int(c[5:])
            elif c.startswith("end:"):
                end = int(c[4:])
        if start and end and end - start + 1 > MAX_FUNC:
            yield ("function", "%s:%s" % (rel(top, cols[1]), cols[0]), end - start + 1)


def sccs(graph):
    """Tarjan's strongly connected components with more than one node."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def include_circles(top, files):
    graph = {}
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    headers = {rel(os.path.join(top, "src"), f): rel(top, f) for f in files if f.endswith(".h")}
    for f in files:
        if not f.endswith(".h"):
            continue
        with open(f, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                m = inc.match(line)
                if m and m.group(1) in headers:
                    graph.setdefault(rel(top, f), set()).add(headers[m.group(1)])
    for comp in sccs(graph):
        yield ("include-circle", " ".join(comp), len(comp))


def object_of(build, src):
    d, base = os.path.split(src)
    stem = os.path.splitext(base)[0]
    cands = glob.glob(os.path.join(build, d, stem + ".o")) + \
        glob.glob(os.path.join(build, d, "*-" + stem + ".o"))
    return sorted(cands)[0] if cands else None


def call_circles(top, build, files):
    defined, needed = {}, {}
    for f in files:
        if not f.endswith(".c"):
            continue
        src = rel(top, f)
        obj = object_of(build, src)
        if not obj:
            continue
        res = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=True)
        for line in res.stdout.splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            sym, kind = parts[0], parts[1]
            if kind == "U":
                needed.setdefault(src, set()).add(sym)
            elif kind in "TDBR":
                defined[sym] = src
    graph = {}
    for src, syms in needed.items():
        for s in syms:
            if s in defined and defined[s] != src:
                graph.setdefault(src, set()).add(defined[s])
    for comp in sccs(graph):
        yield ("call-circle", " ".join(comp), len(comp))


def load_allowed(path):
    allowed = {}
    if not os.path.exists(path):
        return allowed
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            kind, size, what = line.split(None, 2)
            allowed[(kind, what)] = int(size)
    return allowed


def main(argv):
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    allowed_path = os.path.join(top, "tools", "limits-allowed.txt")
    build = os.environ.get("top_builddir", top)
    dirs = []
    args = argv[1:]
    while args:
        a = args.pop(0)
        if a == "--allowed":
            allowed_path = args.pop(0)
        elif a == "--build":
            build = args.pop(0)
        elif a == "--list":
            allowed_path = None
        else:
            dirs.append(a)
    dirs = dirs or DEFAULT_DIRS
    for tool in ("ctags", "nm"):
        if not shutil.which(tool):
            print("check-limits: %s is needed (universal-ctags, binutils)" % tool, file=sys.stderr)
            return 2
    files = sources(top, dirs)
    found = list(file_sizes(top, files)) + list(function_sizes(top, files)) + \
        list(include_circles(top, files)) + list(call_circles(top, build, files))
    if allowed_path is None:  # --list: what the allowance file would hold
        for kind, what, size in found:
            print("%s %d %s" % (kind, size, what))
        return 0
    allowed = load_allowed(allowed_path)
    bad = 0
    seen = set()
    for kind, what, size in found:
        key = (kind, what)
        seen.add(key)
        if key not in allowed:
            print("NEW    %-15s %5d  %s" % (kind, size, what))
            bad += 1
        elif size > allowed[key]:
            print("GREW   %-15s %5d  %s (allowed %d)" % (kind, size, what, allowed[key]))
            bad += 1
    for key, size in sorted(allowed.items()):
        if key not in seen:
            print("FIXED  %-15s        %s: remove it from %s" % (key[0], key[1],
                                                              os.path.basename(allowed_path)))
    limits = "files <= %d lines, functions <= %d lines, no include or call circle" % (MAX_FILE, MAX_FUNC)
    print("check-limits: %s in %s: %d violation(s) beyond the %d allowed" %
          (limits, " ".join(dirs), bad, len(allowed)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
