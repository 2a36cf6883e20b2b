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
            "           spec: %s:25" % shown(self.spec),
            "           by hand: %s:25: Differs.b: the text has `int32 b;`: change it by hand"
            % shown(self.spec),
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
        # The known difference of Thing (its named select) still holds and
        # is said once, with what is new; no STALE line for it.
        self.assertEqual(body[i + 1:i + 11], [
            "           - rfc:      case small, big: opaque data<0..2^8-1>",
            "           + spec:     case big: (empty)",
            "           + spec:     case small: opaque data<0..2^16-1>",
            "           known difference %s:10 (the RFC names its select) still holds:"
            % shown(self.known),
            "             - rfc:    select (size) payload",
            "             + spec:   select (size)",
            "           spec: %s:9" % shown(self.spec),
            "           by hand: %s:16: Thing, case small, big: the text has "
            "`opaque data<0..2^8-1>;`: change it by hand" % shown(self.spec),
            "DIFFERS  Item                         3.2       rfc9999.txt:32",
            "           - rfc:    uint32 id"])
        self.assertNotIn("STALE    %s:10" % self.known, out)
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


# A text that changes three things of a small spec: a new member, a new
# enum value where spec/ has a value of its own (a known difference) and a
# new definition.
G_SPEC = """/* exp(4) is ours. */
/* RFC 9999 2.1 */
enum { zero(0), one(1), exp(4), (255) }
     Kinds;

/* RFC 9999 2.2 */
@pdu struct {
  uint64                 response_id;
  @length_of(data) uint8 data_length;
  opaque                 data<data_length>;
} Answer;

/* RFC 9999 2.3 */
struct { uint8 x; } Tail;
"""
G_KNOWN = """# test
9999 Kinds  exp(4) is ours
    + spec: exp(4)

9999 Tail  something else
    + spec: nothing
"""
G_RFC = "\n".join([
    "2.1.  Kinds", "",
    "      enum { zero(0), one(1), four(4), seven(7), (255) }",
    "           Kinds;", "",
    "2.2.  Answer", "",
    "      struct {",
    "        uint64                 response_id;",
    "        uint16                 load;",
    "        uint8                  data_length;",
    "        opaque                 data[data_length];",
    "      } Answer;", "",
    "      struct {",
    "        uint32                 id;",
    "        opaque                 name<0..2^8-1>;",
    "      } NewThing;", "",
    "2.3.  Tail", "",
    "      struct { uint8 x; } Tail;", ""]) + "\n"


class Guide(unittest.TestCase):
    """rfcdiff names the spec line and proposes the edit; --patch applies."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.cwd = os.getcwd()
        os.chdir(self.dir.name)
        os.mkdir("spec")
        for path, text in (("draft.txt", G_RFC), ("spec/rfc9999.spec", G_SPEC),
                           ("spec/known-differences.txt", G_KNOWN)):
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)

    def tearDown(self):
        os.chdir(self.cwd)
        self.dir.cleanup()

    def run_cli(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            rc = cli.main(["--rfc", "9999"] + list(args) + ["draft.txt", "spec/rfc9999.spec"])
        return rc, out.getvalue(), err.getvalue()

    def test_report_names_spec_line_and_edit(self):
        rc, out, _ = self.run_cli("-q")
        self.assertEqual(rc, 1)
        self.assertIn(
            "DIFFERS  Answer                       2.2       draft.txt:8\n"
            "           - rfc:    uint16 load\n"
            "           spec: spec/rfc9999.spec:7\n"
            "           edit spec/rfc9999.spec:9: Answer: add `uint16 load;` after response_id\n",
            out)
        self.assertIn(
            "DIFFERS  Kinds                        2.1       draft.txt:3\n"
            "           - rfc:  four(4)\n"
            "           - rfc:  seven(7)\n"
            "           the change replaces the known difference "
            "spec/known-differences.txt:2 (exp(4) is ours):\n"
            "             + spec: exp(4)\n", out)
        self.assertIn("edit spec/rfc9999.spec:3: the text gives 4 to four, spec/ to exp", out)
        self.assertIn("add seven(7) after exp(4)", out)
        self.assertIn("MISSING  NewThing                     2.2       draft.txt:15\n"
                      "           not defined in spec/\n"
                      "           edit spec/rfc9999.spec:12: add the definition NewThing "
                      "after Answer\n", out)
        # The Kinds entry is reported with Kinds, once: not STALE as well.
        self.assertNotIn("STALE    spec/known-differences.txt:2", out)
        self.assertIn("STALE    spec/known-differences.txt:5", out)

    def test_patch_applies_and_then_matches(self):
        rc, diff, err = self.run_cli("--patch")
        self.assertEqual(err, "")
        self.assertEqual(rc, 0)
        self.assertIn("--- a/spec/rfc9999.spec\n+++ b/spec/rfc9999.spec\n", diff)
        self.assertIn("-enum { zero(0), one(1), exp(4), (255) }\n"
                      "+enum { zero(0), one(1), four(4), seven(7), (255) }\n", diff)
        self.assertIn("   uint64                 response_id;\n"
                      "+  uint16                 load;\n"
                      "   @length_of(data) uint8 data_length;\n", diff)
        self.assertIn("+/* RFC 9999 2.2 */\n+struct {\n"
                      "+  uint32                 id;\n"
                      "+  opaque                 name<0..2^8-1>;\n+} NewThing;\n", diff)
        self.assertIn("-9999 Kinds  exp(4) is ours\n-    + spec: exp(4)\n", diff)
        import subprocess
        subprocess.run(["patch", "-s", "-p1"], input=diff.encode(), check=True)
        rc, out, _ = self.run_cli("-q")
        self.assertIn("DIFFERS 0, MISSING 0", out)
        # Only the unrelated stale entry is left.
        self.assertEqual([x for x in out.splitlines() if x.startswith("STALE")],
                         ["STALE    spec/known-differences.txt:3: known difference 9999 Tail "
                          "no longer occurs: remove or update it"])
        from relgen.parser import parse_file
        self.assertEqual([d.name for d in parse_file("spec/rfc9999.spec")],
                         ["Kinds", "Answer", "NewThing", "Tail"])

    def test_new_select_case(self):
        spec = G_SPEC + """
/* RFC 9999 2.3 */
struct {
  @extensible select (kind) {
    case zero:
      uint32             a;
    /* This type may be extended */
  };
} Data;
"""
        rfc = G_RFC + "\n".join([
            "      struct {",
            "        select (kind) {",
            "          case zero:",
            "            uint32             a;",
            "",
            "          case one:",
            "            uint16             b;",
            "        };",
            "      } Data;", ""]) + "\n"
        with open("spec/rfc9999.spec", "w", encoding="utf-8") as f:
            f.write(spec)
        with open("draft.txt", "w", encoding="utf-8") as f:
            f.write(rfc)
        rc, out, _ = self.run_cli("-q")
        self.assertIn("           - rfc:      case one: uint16 b\n"
                      "           spec: spec/rfc9999.spec:17\n"
                      "           edit spec/rfc9999.spec:21: Data: add case one after case zero\n",
                      out)
        rc, diff, err = self.run_cli("--patch")
        self.assertIn("     case zero:\n       uint32             a;\n"
                      "+    case one:\n+      uint16             b;\n"
                      "     /* This type may be extended */\n", diff)
        import subprocess
        subprocess.run(["patch", "-s", "-p1"], input=diff.encode(), check=True)
        rc, out, _ = self.run_cli("-q")
        self.assertIn("DIFFERS 0, MISSING 0", out)

    def test_no_edit_is_said(self):
        with open("draft.txt", "w", encoding="utf-8") as f:
            f.write(G_RFC.replace("struct { uint8 x; } Tail;", "struct { uint16 x; } Tail;"))
        rc, diff, err = self.run_cli("--patch")
        self.assertEqual(rc, 1)
        self.assertIn("rfcdiff: no edit proposed: spec/rfc9999.spec:14: Tail.x: the text has "
                      "`uint16 x;`: change it by hand", err)


if __name__ == "__main__":
    unittest.main()
