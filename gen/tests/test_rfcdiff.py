#!/usr/bin/env python3
"""Tests of gen/rfcdiff.py on small made-up RFC texts and specs: page
breaks inside a definition, tolerated RFC typos, each status (MATCH,
KNOWN, DIFFERS, MISSING, UNPARSED, EXTRA, STALE) and the exit status.

Run: python3 gen/tests/test_rfcdiff.py   (gen/tests/run-tests.sh runs it)
"""

import importlib.util
import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.dirname(HERE)
sys.path.insert(0, GEN)

from rfcdiff.compare import shown  # noqa: E402
from rfcdiff.extract import blocks, body_lines  # noqa: E402
from rfcdiff.tolerant import parse_block  # noqa: E402

# gen/rfcdiff.py (the command) has the same name as the package: load it
# from its path.
_spec = importlib.util.spec_from_file_location("rfcdiff_cli", os.path.join(GEN, "rfcdiff.py"))
cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cli)

FOOTER = "Doe, et al.                  Standards Track                   [Page %d]"
HEADER = "RFC 9999                      Test Protocol                 May 2030"


def page_break(n):
    return ["", "", FOOTER % n, "\f", HEADER, "", ""]


# A made-up RFC: a definition split by a page break, typos, an unparsable
# definition, one that spec/ writes differently, one spec/ lacks.
RFC_LINES = [
    "", "Request for Comments: 9999", "", "1.  Introduction", "",
    "   The struct below is a structure; select one of them.", "",
    "3.2.  Things", "",
    "      enum { none(0), small(1), big(2) (255) } Size;",     # 10: missing comma
    "",
    "      struct {",                                            # 12
    "        Size              size;",
    "        uint16            code;",
    "        uint8             items_length;",
] + page_break(3) + [                                            # 16-22
    "        Item              items[items_length];",            # 23
    "        select (size) {",
    "          case none;",                                      # 25: case x;
    "            uint8           tag;",
    "          case small: case big:",
    "            opaque<0..2^8-1>  data;",                       # 28: size first
    "        } payload;",                                        # 29: named select
    "      } Thing;",                                            # 30
    "",
    "      struct {",                                            # 32
    "        uint32            id;",
    "      } Item;",
    "",
    "      struct { uint8 a; int32 b; } Differs;",               # 36
    "",
    "      struct { uint8 x; } NotInSpec;",                      # 38
    "",
    "      enum { a(0), b(1), (255) } KnownOne;",                # 40
    "",
    "      struct { uint8 x $ } Garbage;",                       # 42
    "",
]
RFC = "\n".join(RFC_LINES) + "\n"

SPEC = """/* RFC 9999 3.2 */
enum { none(0), small(1), big(2), (255) } Size;

/* an enum of ours for the RFC's uint16 */
/* RFC 9999 3.2 */
enum { invalid(0), hello(1), (2^16-1) } Code;

/* RFC 9999 3.2 */
@pdu struct {
  Size                     size;
  Code                     code;
  @length_of(items) uint8  items_length;
  Item                     items<items_length>;
  @extensible select (size) {
    case none: uint8 tag;
    case small: case big:
      opaque               data<0..255>;
  };
} Thing;

/* RFC 9999 3.2 */
struct { uint32 id; } Item;

/* RFC 9999 3.2 */
@pdu struct { uint8 a; uint32 b; } Differs;

/* RFC 9999 3.2 */
@open enum { a(0), b(1), c(2), (255) } KnownOne;

/* RFC 9999 9 */
@pdu struct { KnownOne k; } OnlyInSpec;

/* RFC 1234 1 */
@pdu struct { uint8 z; } OtherRfc;
"""

KNOWN = """# test
9999 KnownOne  value c added on purpose
    + spec: c(2)
9999 NotInSpec  never needed
    not defined in spec/
9999 Stale  this entry matches nothing
    + spec: nothing
1234 OtherRfc  an entry of another RFC is never stale here
    + spec: x
9999 Thing  the RFC names its select
    - rfc:    select (size) payload
    + spec:   select (size)
"""


class Extract(unittest.TestCase):
    def test_page_furniture_removed(self):
        got = body_lines(RFC)
        texts = [t for _, t in got]
        self.assertNotIn(FOOTER % 3, texts)
        self.assertNotIn(HEADER, texts)
        self.assertFalse(any("\f" in t for t in texts))
        # Line numbers still point into the file.
        self.assertIn((23, "        Item              items[items_length];"), got)

    def test_blocks_and_sections(self):
        found, broken = blocks(RFC)
        self.assertEqual(broken, [])
        self.assertEqual([(b.line, b.section) for b in found],
                         [(10, "3.2"), (12, "3.2"), (32, "3.2"), (36, "3.2"),
                          (38, "3.2"), (40, "3.2"), (42, "3.2")])
        thing = found[1]
        self.assertEqual(thing.linenos[0], 12)
        self.assertEqual(thing.linenos[-1], 30)
        self.assertNotIn(HEADER, thing.lines)
        self.assertNotIn(20, thing.linenos)   # the form feed line

    def test_unterminated_definition(self):
        found, broken = blocks("   struct {\n     uint8 x;\n" + "   prose\n" * 130)
        self.assertEqual(found, [])
        self.assertEqual(broken, [(1, "a definition starts here but no closing "
                                      "'} Name;' follows within 120 lines")])

    def test_typos_are_tolerated(self):
        found, _ = blocks(RFC)
        node, typos, err = parse_block(found[0], "rfc9999.txt")
        self.assertIsNone(err)
        self.assertEqual([it.name for it in node.items], ["none", "small", "big"])
        self.assertEqual([str(t) for t in typos], [
            "rfc9999.txt:10:40: expected ',' or '}' in enum, found '(': "
            "enum { none(0), small(1), big(2) (255) } Size;"])
        node, typos, err = parse_block(found[1], "rfc9999.txt")
        self.assertIsNone(err)
        self.assertEqual([(t.kind, str(t)) for t in typos], [
            ("TYPO", "rfc9999.txt:25:20: expected ':' after the case label, found ';': "
                     "case none;"),
            ("TYPO", "rfc9999.txt:28:19: the size goes after the member name: "
                     "opaque<0..2^8-1>  data;"),
            ("NOTE", "rfc9999.txt:29:11: a select inside a struct has no name "
                     "(found 'payload'): } payload;")])

    def test_unparsable(self):
        found, _ = blocks(RFC)
        node, typos, err = parse_block(found[-1], "rfc9999.txt")
        self.assertIsNone(node)
        self.assertEqual(err, "rfc9999.txt:42:24: unexpected character '$': "
                              "struct { uint8 x $ } Garbage;")


class Command(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        self.rfc = os.path.join(d, "rfc9999.txt")
        self.spec = os.path.join(d, "rfc9999.spec")
        self.known = os.path.join(d, "known.txt")
        for path, text in ((self.rfc, RFC), (self.spec, SPEC), (self.known, KNOWN)):
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)

    def tearDown(self):
        self.dir.cleanup()

    def run_cli(self, *args):
        buf = io.StringIO()
        with redirect_stdout(buf):
            rc = cli.main(list(args))
        return rc, buf.getvalue()

    def test_report(self):
        rc, out = self.run_cli("--known", self.known, "-v", self.rfc, self.spec)
        lines = out.splitlines()[1:]  # after the title
        self.assertEqual(lines, [
            "MATCH    Size                         3.2       rfc9999.txt:10",
            "KNOWN    Thing                        3.2       rfc9999.txt:12",
            "           known: the RFC names its select",
            "           - rfc:    select (size) payload",
            "           + spec:   select (size)",
            "           normalized: code: spec enum Code for the RFC's uint16",
            "MATCH    Item                         3.2       rfc9999.txt:32",
            "DIFFERS  Differs                      3.2       rfc9999.txt:36",
            "           - rfc:    int32 b",
            "           + spec:   uint32 b",
            "KNOWN    NotInSpec                    3.2       rfc9999.txt:38",
            "           known: never needed",
            "           not defined in spec/",
            "KNOWN    KnownOne                     3.2       rfc9999.txt:40",
            "           known: value c added on purpose",
            "           + spec: c(2)",
            "UNPARSED ?                            3.2       rfc9999.txt:42",
            "           cannot parse: rfc9999.txt:42:24: unexpected character '$': "
            "struct { uint8 x $ } Garbage;",
            "EXTRA    Code                         3.2       " + shown(self.spec) + ":6",
            "EXTRA    OnlyInSpec                   9         " + shown(self.spec) + ":31",
            "TYPO     rfc9999.txt:10:40: expected ',' or '}' in enum, found '(': "
            "enum { none(0), small(1), big(2) (255) } Size;",
            "TYPO     rfc9999.txt:25:20: expected ':' after the case label, found ';': case none;",
            "TYPO     rfc9999.txt:28:19: the size goes after the member name: "
            "opaque<0..2^8-1>  data;",
            "NOTE     rfc9999.txt:29:11: a select inside a struct has no name "
            "(found 'payload'): } payload;",
            "STALE    %s:6: known difference 9999 Stale no longer occurs: remove or update it"
            % self.known,
            "summary: RFC 9999: 7 definitions; MATCH 2, KNOWN 3, DIFFERS 1, MISSING 0, "
            "UNPARSED 1, EXTRA 2; typos 3, broken 0, stale 1",
        ])
        self.assertEqual(rc, 1)

    def test_differences_are_precise(self):
        # A changed size, a renamed member, a dropped case label and a
        # changed enum value must each show up.
        spec = (SPEC.replace("data<0..255>", "data<0..2^16-1>")
                .replace("uint32 id;", "uint32 ident;")
                .replace("case small: case big:", "case big: ; case small:")
                .replace("big(2), (255) } Size", "big(3), (255) } Size"))
        with open(self.spec, "w", encoding="utf-8") as f:
            f.write(spec)
        rc, out = self.run_cli("--known", self.known, self.rfc, self.spec)
        body = out.split("\n")
        i = body.index("DIFFERS  Size                         3.2       rfc9999.txt:10")
        self.assertEqual(body[i + 1:i + 3], ["           - rfc:  big(2)", "           + spec: big(3)"])
        i = body.index("DIFFERS  Thing                        3.2       rfc9999.txt:12")
        self.assertEqual(body[i + 1:i + 7], [
            "           - rfc:    select (size) payload",
            "           + spec:   select (size)",
            "           - rfc:      case small, big: opaque data<0..2^8-1>",
            "           + spec:     case big: (empty)",
            "           + spec:     case small: opaque data<0..2^16-1>",
            "DIFFERS  Item                         3.2       rfc9999.txt:32"])
        i = body.index("DIFFERS  Item                         3.2       rfc9999.txt:32")
        self.assertEqual(body[i + 1:i + 3], ["           - rfc:    uint32 id",
                                             "           + spec:   uint32 ident"])
        self.assertEqual(rc, 1)

    def test_clean_run_exits_0(self):
        rfc = RFC.replace("int32 b", "uint32 b").replace("uint8 x $", "uint8 x;")
        with open(self.rfc, "w", encoding="utf-8") as f:
            f.write(rfc)
        spec = SPEC + "\n/* RFC 9999 3.2 */\n@pdu struct { uint8 x; } Garbage;\n"
        with open(self.spec, "w", encoding="utf-8") as f:
            f.write(spec)
        with open(self.known, "w", encoding="utf-8") as f:
            f.write(KNOWN.replace("9999 Stale", "8888 Stale"))
        rc, out = self.run_cli("-q", "--known", self.known, self.rfc, self.spec)
        self.assertEqual(out.splitlines()[-1],
                         "summary: RFC 9999: 7 definitions; MATCH 4, KNOWN 3, DIFFERS 0, "
                         "MISSING 0, UNPARSED 0, EXTRA 2; typos 3, broken 0, stale 0")
        self.assertEqual(rc, 0)

    def test_missing_and_entries(self):
        with open(self.known, "w", encoding="utf-8") as f:
            f.write("# empty\n")
        rc, out = self.run_cli("--known", self.known, self.rfc, self.spec)
        self.assertIn("MISSING  NotInSpec                    3.2       rfc9999.txt:38\n"
                      "           not defined in spec/\n", out)
        self.assertEqual(rc, 1)
        rc, out = self.run_cli("--entries", self.rfc, self.spec)
        self.assertEqual(rc, 0)
        self.assertIn("9999 Differs  REASON: why spec/ differs\n"
                      "    - rfc:    int32 b\n"
                      "    + spec:   uint32 b\n", out)

    def test_draft_without_form_feeds(self):
        # A draft: no "Request for Comments:" line, and a page break made
        # of a footer, blank lines and a header (no form feed) inside a
        # definition.
        draft = "\n".join([
            "Internet-Draft                  Test                    May 2030", "",
            "3.2.  Things", "",
            "      struct {",
            "        uint32            id;",
            "", "", "Doe                   Expires November 2, 2030              [Page 3]",
            "", "", "Internet-Draft                  Test                    May 2030", "",
            "      } Item;", ""])
        path = os.path.join(self.dir.name, "draft-doe-test-00.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(draft)
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            rc = cli.main(["--known", self.known, path, self.spec])
        self.assertEqual(rc, 2)
        self.assertIn("say which RFC number the spec cites with --rfc", err.getvalue())
        rc, out = self.run_cli("--rfc", "9999", "--known", self.known, path, self.spec)
        self.assertIn("MATCH    Item                         3.2       draft-doe-test-00.txt:5\n", out)

    def test_bad_known_file(self):
        with open(self.known, "w", encoding="utf-8") as f:
            f.write("9999 JustAName\n")
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            rc = cli.main(["--known", self.known, self.rfc, self.spec])
        self.assertEqual(rc, 2)
        self.assertIn("known.txt:1: expected 'RFC-NUMBER DEFINITION reason'", err.getvalue())


if __name__ == "__main__":
    unittest.main()
