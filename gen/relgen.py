#!/usr/bin/env python3
"""relgen: generate the C codec from spec/*.spec.

  gen/relgen.py --header OUT.h --source OUT.c [--prefix rl_] [--profile NAME] SPEC...
  gen/relgen.py --check SPEC...      parse and check only

Errors are printed as file:line:col: message; exit status 1.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from relgen.emit_c import Emitter  # noqa: E402
from relgen.lexer import SpecError  # noqa: E402
from relgen.model import build_model  # noqa: E402
from relgen.parser import parse_file  # noqa: E402
from relgen.profile import restrict_to_profile  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("specs", nargs="+")
    ap.add_argument("--header")
    ap.add_argument("--source")
    ap.add_argument("--prefix", default="rl_")
    ap.add_argument("--profile")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--werror", action="store_true", help="treat warnings as errors")
    a = ap.parse_args(argv)
    try:
        defs = []
        for s in a.specs:
            defs += parse_file(s)
        model = build_model(defs)
        profile = None
        if a.profile:
            if a.profile not in model.profiles:
                print("relgen: no profile named %s" % a.profile, file=sys.stderr)
                return 1
            profile = model.profiles[a.profile]
            model = restrict_to_profile(model, profile)
    except SpecError as e:
        print(str(e), file=sys.stderr)
        ex = e.excerpt()
        if ex:
            print(ex, file=sys.stderr)
        return 1
    for w in model.warnings:
        print(w, file=sys.stderr)
    if a.werror and model.warnings:
        return 1
    if a.check:
        return 0
    if not a.header or not a.source:
        print("relgen: --header and --source are required (or --check)", file=sys.stderr)
        return 2
    # The banner names each spec by its directory and file name
    # ("spec/rfc6940.spec"), the same in every build tree.
    names = [os.path.join(os.path.basename(os.path.dirname(os.path.abspath(s))),
                          os.path.basename(s)) for s in a.specs]
    em = Emitter(model, prefix=a.prefix, sources=names,
                 header_name=os.path.basename(a.header), profile=profile)
    h, c = em.emit()
    for path, text in ((a.header, h), (a.source, c)):
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
