#!/usr/bin/env python3
"""rfcdiff: compare the definitions of an RFC (or draft) text with spec/.

  gen/rfcdiff.py [options] RFC.txt SPEC...

Finds every struct / enum / select / typedef of the RFC text (across page
breaks), parses each tolerantly (RFC typos are reported, not fatal) and
compares it, definition by definition, with the spec files: member names,
types, sizes and ranges, selectors, case labels, enum values. Our
@-annotations and documented extensions are normalized away (see
gen/rfcdiff/shape.py and gen/rfcdiff/compare.py).

Each RFC definition is MATCH, KNOWN (a difference recorded in the
known-differences file, with its reason), DIFFERS (with a diff), MISSING
from spec/ or UNPARSED; each spec definition citing this RFC that the RFC
does not define is EXTRA. Exit status: 0 when everything is MATCH, KNOWN
or EXTRA and no known-difference entry for this RFC is stale; 1 otherwise;
2 on a usage or file error.

For every DIFFERS and MISSING definition it names the spec file and line
and proposes the edit that makes spec/ follow the text (the member to add
and after which member, the enum value, the whole new definition; see
gen/rfcdiff/guide.py); `--patch` prints those edits as a unified diff to
review and apply with `patch -p1` (nothing is changed here), and says on
stderr what has no edit (exit 1 then). A definition whose known difference
still holds, or that the text's change supersedes, is reported once, as
DIFFERS, with that known difference (never also as STALE).

The definitions of every *.spec next to the first SPEC are loaded too
(a usage RFC repeats or uses base definitions), but only the `extend`s of
the SPEC files named are applied.
"""

import argparse
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from relgen.lexer import SpecError  # noqa: E402
from rfcdiff.compare import OK_STATUSES, Known, SpecSet, compare, shown  # noqa: E402
from rfcdiff import guide  # noqa: E402


def context_specs(first):
    """Every spec file next to first, RFC 6940 first, then by name (RFC
    numbers grow with time, so a base comes before what extends it)."""
    d = os.path.dirname(os.path.abspath(first))
    files = sorted(glob.glob(os.path.join(d, "*.spec")))
    return sorted(files, key=lambda p: (not os.path.basename(p).startswith("rfc6940"), p))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("rfc", help="the RFC or draft text")
    ap.add_argument("specs", nargs="+", help="the spec files for this RFC")
    ap.add_argument("--known", help="known-differences file (default: "
                    "known-differences.txt next to the first SPEC, if any)")
    ap.add_argument("--rfc", dest="rfc_number", metavar="NUMBER",
                    help="the RFC number the spec files cite for this text (default: "
                    "from its \"Request for Comments:\" line or file name; needed "
                    "for a draft)")
    ap.add_argument("--no-context", action="store_true",
                    help="load only the SPEC files named")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also show the diff of KNOWN definitions and the "
                    "normalizations behind each MATCH")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="print only problems and the summary")
    ap.add_argument("--defined-only", action="store_true",
                    help="compare only the RFC definitions spec/ defines (for an "
                    "RFC spec/ borrows from, e.g. RFC 5246)")
    ap.add_argument("--patch", action="store_true",
                    help="print the proposed edits of spec/ (and of the known-differences "
                    "file) as a unified diff, to apply with `patch -p1` or `git apply` "
                    "from the current directory; what has no edit goes to stderr")
    ap.add_argument("--entries", action="store_true",
                    help="print a known-differences entry for each DIFFERS or "
                    "MISSING definition (the reason left to write), nothing else")
    a = ap.parse_args(argv)
    specs = [os.path.abspath(s) for s in a.specs]
    known_path = a.known
    if known_path is None:
        k = os.path.join(os.path.dirname(specs[0]), "known-differences.txt")
        known_path = k if os.path.exists(k) else None
    try:
        ctx = [] if a.no_context else context_specs(specs[0])
        spec_set = SpecSet(specs, ctx)
        known = Known(known_path)
        rfc, results, extra, broken = compare(a.rfc, spec_set, known, a.rfc_number)
    except (OSError, ValueError) as e:
        print("rfcdiff: %s" % e, file=sys.stderr)
        return 2
    except SpecError as e:
        print("rfcdiff: error in a spec file: %s" % e, file=sys.stderr)
        return 2
    if a.defined_only:
        # Only what spec/ defines: for RFCs spec/ borrows a few types from.
        results = [r for r in results if r.status not in ("MISSING", "UNPARSED")]
        broken = []
    proposals = plan(results, spec_set, known, rfc, specs)
    if a.patch:
        edits = [e for p in proposals.values() for e in p.edits]
        for x, y in guide.overlapping(edits):
            print("rfcdiff: two edits of %s: %s / %s; apply one by hand" % (
                x.where(), x.what, y.what), file=sys.stderr)
        sys.stdout.write(guide.patch(edits, FILES))
        manual = [m for p in proposals.values() for m in p.manual]
        for m in manual:
            print("rfcdiff: no edit proposed: %s" % m, file=sys.stderr)
        return 1 if manual else 0
    if a.entries:
        for r in results:
            if r.status in ("DIFFERS", "MISSING", "UNPARSED"):
                print("%s %s  REASON: why spec/ differs" % (rfc, r.name))
                for d in r.diff:
                    print("    " + d)
                print()
        return 0
    return report(a, rfc, results, extra, broken, known, proposals)


FILES = guide.Files()


def plan(results, spec_set, known, rfc, primary):
    """{result name: guide.Proposal} for every DIFFERS/MISSING result."""
    out = {}
    prev = None
    for r in results:
        if r.spec is not None and r.spec[1] in primary:
            prev = r.spec
        if r.status not in ("DIFFERS", "MISSING") or r.node is None:
            continue
        sd, spath = r.spec if r.spec else (None, None)
        out[r.name] = guide.propose(r, r.node, sd, spath, FILES, known, rfc,
                                    {"prev": prev, "primary": primary[0]})
    return out


def report(a, rfc, results, extra, broken, known, proposals=None):
    proposals = proposals or {}
    out = sys.stdout
    rel = [shown(os.path.abspath(s)) for s in a.specs]
    print("rfcdiff: %s (RFC %s) vs %s" % (a.rfc, rfc, " ".join(rel)), file=out)
    counts = {s: 0 for s in ("MATCH", "KNOWN", "DIFFERS", "MISSING", "UNPARSED", "EXTRA")}
    for r in results + extra:
        counts[r.status] += 1
        if a.quiet and r.status in OK_STATUSES:
            continue
        sec = r.section or "-"
        print("%-8s %-28s %-9s %s" % (r.status, r.name, sec, r.where), file=out)
        if r.status == "KNOWN":
            print("           known: %s" % r.reason, file=out)
        if r.status not in ("MATCH", "KNOWN", "EXTRA") or (a.verbose and r.status == "KNOWN"):
            diff = r.diff
            if r.known is not None and r.known_rest is not None:
                diff = r.known_rest
            for d in diff:
                print("           %s" % d, file=out)
            p = proposals.get(r.name)
            drops = p is not None and any(e.path == known.path for e in p.edits)
            if r.known is not None:
                kw = "%s:%d" % (shown(known.path), r.known["line"])
                if drops:
                    print("           the change replaces the known difference %s (%s):"
                          % (kw, r.known["reason"]), file=out)
                    for d in r.known["diff"]:
                        print("             %s" % d, file=out)
                elif r.known_rest is not None:
                    print("           known difference %s (%s) still holds:" % (kw, r.known["reason"]),
                          file=out)
                    for d in r.known["diff"]:
                        print("             %s" % d, file=out)
                else:
                    print("           the known difference %s (%s) no longer matches; "
                          "it recorded:" % (kw, r.known["reason"]), file=out)
                    for d in r.known["diff"]:
                        print("             %s" % d, file=out)
        if r.spec is not None and r.status == "DIFFERS":
            print("           spec: %s:%d" % (shown(r.spec[1]), r.spec[0].loc.line), file=out)
        p = proposals.get(r.name)
        if p is not None and r.status in ("DIFFERS", "MISSING"):
            for e in p.edits:
                print("           edit %s: %s" % (e.where(), e.what), file=out)
            for m in p.manual:
                print("           by hand: %s" % m, file=out)
        if a.verbose and r.notes:
            for n in r.notes:
                print("           normalized: %s" % n, file=out)
    typos = [t for r in results for t in r.typos]
    for t in typos:
        print("%-8s %s" % (t.kind, t), file=out)
    for lineno, why in broken:
        print("BROKEN   %s:%d: %s" % (os.path.basename(a.rfc), lineno, why), file=out)
    stale = known.stale(rfc)
    for e in stale:
        print("STALE    %s:%d: known difference %s %s no longer occurs: remove or update it"
              % (shown(known.path), e["line"], e["rfc"], e["name"]), file=out)
    if any(p.edits for p in proposals.values()):
        print("edits: `%s --patch ...` prints them as a unified diff (review, then "
              "`patch -p1` or `git apply`)" % os.path.basename(sys.argv[0] or "rfcdiff.py"),
              file=out)
    print("summary: RFC %s: %d definitions; MATCH %d, KNOWN %d, DIFFERS %d, MISSING %d, "
          "UNPARSED %d, EXTRA %d; typos %d, broken %d, stale %d" % (
              rfc, len(results), counts["MATCH"], counts["KNOWN"], counts["DIFFERS"],
              counts["MISSING"], counts["UNPARSED"], counts["EXTRA"],
              len([t for t in typos if t.kind == "TYPO"]),
              len(broken), len(stale)), file=out)
    bad = counts["DIFFERS"] + counts["MISSING"] + counts["UNPARSED"] + len(broken) + len(stale)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
