#!/usr/bin/env python3
"""Error tests for the spec language: each bad spec and the exact message
(file:line:col) the generator must give. One row per semantic check that
doc/spec-language.md ("Semantic checks") promises, plus the lexer and
parser errors.

Run: python3 gen/tests/test_relgen.py   (gen/tests/run-tests.sh runs it)
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.dirname(HERE)
sys.path.insert(0, GEN)

from relgen.lexer import SpecError, tokenize  # noqa: E402
from relgen.model import build_model  # noqa: E402
from relgen.parser import parse_text  # noqa: E402

S = "/* RFC 6940 1 */\n"          # a section comment; every definition needs one
ENUM = S + "enum { a(0), b(1), (255) } E;\n"   # lines 1-2

# (name, spec text, exact error).  Line 1 of every text is the section
# comment unless the row says otherwise; columns count from 1.
ERRORS = [
    # -- names ---------------------------------------------------------------
    ("undefined type",
     S + "struct { Foo x; } T;\n",
     "bad.spec:2:10: type Foo is not defined"),
    ("defined twice",
     S + "struct { uint8 x; } T;\n" + S + "struct { uint8 y; } T;\n",
     "bad.spec:4:1: T is defined twice (first at bad.spec:2:1)"),
    ("built-in type redefined",
     S + "typedef uint32 uint8;\n",
     "bad.spec:2:1: uint8 is a built-in type"),
    ("member twice",
     S + "struct { uint8 x; uint16 x; } T;\n",
     "bad.spec:2:19: member x defined twice in T"),
    # -- enums -------------------------------------------------------------------
    ("duplicate enum name",
     S + "enum { a(0), a(1), (255) } E;\n",
     "bad.spec:2:14: enum E: value name a used twice"),
    ("duplicate enum value",
     S + "enum { a(0), b(0), (255) } E;\n",
     "bad.spec:2:14: enum E: value b(0) duplicates a"),
    ("enum value inside an earlier range",
     S + "enum { a(0..5), b(3), (255) } E;\n",
     "bad.spec:2:17: enum E: value b(3) duplicates a"),
    ("enum range over an earlier value",
     S + "enum { b(3), a(0..5), (255) } E;\n",
     "bad.spec:2:14: enum E: value a(0) duplicates b"),
    ("enum value above max",
     S + "enum { a(0), b(256), (255) } E;\n",
     "bad.spec:2:14: enum E: value b(256) is above the maximum 255"),
    ("enum range above max",
     S + "enum { a(0), b(250..256), (255) } E;\n",
     "bad.spec:2:14: enum E: value b(256) is above the maximum 255"),
    ("empty enum range",
     S + "enum { a(5..1), (255) } E;\n",
     "bad.spec:2:8: enum E: range 5..1 is empty"),
    ("enum maximum too large",
     S + "enum { a(0), (2^64) } E;\n",
     "bad.spec:2:1: enum E: maximum 18446744073709551616 is too large"),
    ("enum without maximum",
     S + "enum { a(0) } E;\n",
     "bad.spec:2:15: enum E has no maximum value such as (255)"),
    ("extend enum: duplicate value",
     ENUM + S + "extend enum E { c(1) };\n",
     "bad.spec:4:17: enum E: value c(1) duplicates b"),
    ("extend enum: duplicate name",
     ENUM + S + "extend enum E { a(7) };\n",
     "bad.spec:4:17: enum E: value name a used twice"),
    ("extend enum: no such enum",
     ENUM + S + "extend enum F { c(2) };\n",
     "bad.spec:4:1: extend enum F: no enum of that name"),
    # -- sizes -------------------------------------------------------------------
    ("lo > hi",
     S + "struct { opaque x<5..1>; } T;\n",
     "bad.spec:2:10: range <5..1>: lower bound above upper bound"),
    ("lo > hi in a typedef",
     S + "typedef opaque T<9..2>;\n",
     "bad.spec:2:1: range <9..2>: lower bound above upper bound"),
    ("hi above 2^32-1",
     S + "struct { opaque x<0..2^32>; } T;\n",
     "bad.spec:2:10: range <0..4294967296>: upper bound above 2^32-1"),
    ("list hi above 2^32-1",
     S + "struct { uint8 x<0..2^40>; } T;\n",
     "bad.spec:2:10: range <0..1099511627776>: upper bound above 2^32-1"),
    ("fixed size 0",
     S + "struct { opaque x[0]; } T;\n",
     "bad.spec:2:10: member x: a fixed size must be at least 1"),
    ("fixed size 0 in a typedef",
     S + "typedef opaque T[0];\n",
     "bad.spec:2:1: typedef T: a fixed size must be at least 1"),
    ("opaque without a size",
     S + "struct { opaque x; } T;\n",
     "bad.spec:2:10: opaque member x needs a size: [N] or <lo..hi>"),
    ("[N] on a non-opaque member",
     S + "struct { uint16 x[2]; } T;\n",
     "bad.spec:2:10: member x: [N] sizes are only for opaque"),
    ("list of a type that can be empty",
     S + "struct { } Z;\n" + S + "struct { Z z<0..9>; } T;\n",
     "bad.spec:4:10: list z of Z: an element can encode to 0 bytes, so the "
     "list could repeat without end"),
    ("list of a select that can be empty",
     ENUM + S + "extern E mode;\n"
     + S + "struct { select (mode) { case a: ; case b: uint8 x; }; } Z;\n"
     + S + "struct { Z z<0..9>; } T;\n",
     "bad.spec:8:10: list z of Z: an element can encode to 0 bytes, so the "
     "list could repeat without end"),
    # -- selects -----------------------------------------------------------------
    ("selector not an enum",
     ENUM + S + "struct { uint8 t; select (t) { case a: uint8 x; }; } T;\n",
     "bad.spec:4:19: selector t is not an enum member"),
    ("extern selector not an enum",
     S + "extern uint8 mode;\n" + ENUM
     + S + "struct { select (mode) { case a: uint8 x; }; } T;\n",
     "bad.spec:6:10: selector mode: extern is not an enum"),
    ("label not in the enum",
     ENUM + S + "struct { E t; select (t) { case c: uint8 x; }; } T;\n",
     "bad.spec:4:28: case c is not a value of E"),
    ("label twice",
     ENUM + S + "struct { E t; select (t) { case a: uint8 x; case a: uint8 y; }; } T;\n",
     "bad.spec:4:45: case a appears twice"),
    ("label twice in one case",
     ENUM + S + "struct { E t; select (t) { case a: case a: uint8 x; }; } T;\n",
     "bad.spec:4:28: case a appears twice"),
    ("extend select: label twice",
     ENUM + S + "select (t) { case a: uint8 x; } V;\n"
     + S + "struct { E t; V v; } T;\n"
     + S + "extend select V { case a: uint16 y; };\n",
     "bad.spec:8:19: case a appears twice"),
    ("free selector whose labels fit no enum",
     ENUM + S + "select (t) { case zz: uint8 x; } V;\n",
     "bad.spec:4:1: select (t): no enum holds all its case labels"),
    ("free selector with no case and no binding",
     S + "struct { uint8 x; select (zz) { }; } T;\n",
     "bad.spec:2:19: select (zz) has no cases and no member binds it, so its "
     "enum is unknown"),
    ("enclosing member binds the wrong enum",
     ENUM + S + "enum { c(0), d(1), (255) } F;\n"
     + S + "select (t) { case a: uint8 x; } V;\n"
     + S + "struct { F t; V v; } T;\n",
     "bad.spec:8:15: member v binds selector t with F, but V selects on E"),
    # -- length fields -------------------------------------------------------
    ("[field] naming no member",
     S + "struct { opaque x[nosuch]; } T;\n",
     "bad.spec:2:10: member x is measured by nosuch, which is not an earlier "
     "integer member"),
    ("[field] naming a later member",
     S + "struct { opaque x[n]; uint8 n; } T;\n",
     "bad.spec:2:10: member x is measured by n, which is not an earlier "
     "integer member"),
    ("[field] naming a non-integer member",
     S + "struct { opaque n<0..9>; opaque x[n]; } T;\n",
     "bad.spec:2:26: member x is measured by n, which is not an earlier "
     "integer member"),
    ("[field] value naming no member",
     S + "struct { uint8 a; } A;\n" + S + "struct { A x[n]; } T;\n",
     "bad.spec:4:10: member x is measured by n, which is not an earlier "
     "integer member"),
    ("<field> naming no member",
     S + "struct { uint8 n; uint16 x<m>; } T;\n",
     "bad.spec:2:19: member x is measured by m, which is not an earlier "
     "integer member"),
    ("<field> naming an enum member",
     ENUM + S + "struct { E n; uint16 x<n>; } T;\n",
     "bad.spec:4:15: member x is measured by n, which is not an earlier "
     "integer member"),
    ("one length field measuring two members",
     S + "struct { uint8 n; opaque x[n]; opaque y[n]; } T;\n",
     "bad.spec:2:32: length field n measures two members"),
    ("@length_of naming no member",
     S + "struct { @length_of(y) uint8 n; uint16 x; } T;\n",
     "bad.spec:2:24: @length_of(y): no later member of that name"),
    ("@length_of naming an earlier member",
     S + "struct { uint16 x; @length_of(x) uint8 n; } T;\n",
     "bad.spec:2:34: @length_of(x): no later member of that name"),
    ("@length_of on a non-integer",
     S + "struct { @length_of(x) opaque n<0..3>; uint16 x; } T;\n",
     "bad.spec:2:24: length field n must be an unsigned integer"),
    ("@length_of of a member with its own prefix",
     S + "struct { @length_of(x) uint8 n; opaque x<0..9>; } T;\n",
     "bad.spec:2:33: member x already has its own length prefix"),
    ("two @length_of(rest)",
     S + "struct { @length_of(rest) uint8 n; @length_of(rest) uint8 m; } T;\n",
     "bad.spec:2:53: two @length_of(rest) in T"),
    # -- sections, annotations, structure ---------------------------------------
    ("missing section comment",
     "struct { uint8 x; } T;\n",
     "bad.spec:1:1: definition of T cites no section: put a comment like "
     "/* RFC 6940 6.3.2 */ before it"),
    ("section comment belongs to the previous definition",
     S + "struct { uint8 x; } T;\nstruct { T t; } U;\n",
     "bad.spec:3:1: definition of U cites no section: put a comment like "
     "/* RFC 6940 6.3.2 */ before it"),
    ("unknown member annotation",
     S + "struct { @frob uint8 x; } T;\n",
     "bad.spec:2:10: unknown annotation @frob on a member"),
    ("unknown struct annotation",
     S + "@frob struct { uint8 x; } T;\n",
     "bad.spec:2:1: unknown annotation @frob on a struct"),
    ("@contains on a non-opaque member",
     S + "struct { uint8 a; } A;\n" + S + "struct { uint8 x<0..9> @contains(A); } T;\n",
     "bad.spec:4:24: @contains is only for opaque members"),
    ("recursive type",
     S + "struct { uint8 n; T t[n]; } T;\n",
     "bad.spec:2:1: T contains itself (T -> T): recursive types are not supported"),
    ("extern twice",
     S + "extern uint8 N;\n" + S + "extern uint8 N;\n",
     "bad.spec:4:1: extern N declared twice"),
    ("Kind-ID twice",
     ENUM + S + '@kind("A", 1, a);\n' + S + '@kind("B", 1, a);\n',
     "bad.spec:6:1: Kind-ID 1 registered twice (A and B)"),
    ("profile names an unknown code",
     S + "enum { invalid(0), ping_req(1), ping_ans(2), (2^16-1) } MessageCode;\n"
     + S + "profile client { sends pong_req; };\n",
     "bad.spec:4:24: profile client: pong_req is not a MessageCode"),
    ("profile names an answer",
     S + "enum { invalid(0), ping_req(1), ping_ans(2), (2^16-1) } MessageCode;\n"
     + S + "profile client { sends ping_ans; };\n",
     "bad.spec:4:24: profile client: ping_ans is not a request code (odd)"),
    # -- parser --------------------------------------------------------------------
    ("missing semicolon",
     S + "struct { uint8 x } T;\n",
     "bad.spec:2:18: expected ';', found '}'"),
    ("end of file inside a definition",
     S + "struct { uint8 x;\n",
     "bad.spec:3:1: unexpected end of file inside a definition"),
    ("only powers of 2",
     S + "enum { a(0), (3^8) } E;\n",
     "bad.spec:2:15: only powers of 2 are allowed (2^N)"),
    ("unknown keyword",
     S + "union { uint8 x; } T;\n",
     "bad.spec:2:1: unknown definition keyword 'union'"),
    # RFC slips that gen/rfcdiff.py tolerates in RFC texts, but that are
    # errors in a spec file.
    ("case label followed by ';'",
     ENUM + S + "struct { E t; select (t) { case a; uint8 x; }; } T;\n",
     "bad.spec:4:34: expected ':' after the case label, found ';'"),
    ("enum value without a name",
     S + "enum { (0), a(1), (255) } E;\n",
     "bad.spec:2:8: enum value (0) has no name"),
    ("missing comma in an enum",
     S + "enum { a(0), b(1) (255) } E;\n",
     "bad.spec:2:19: expected ',' or '}' in enum, found '('"),
    ("size before the member name",
     S + "struct { opaque<0..9> x; } T;\n",
     "bad.spec:2:16: the size goes after the member name"),
    ("named select member",
     ENUM + S + "struct { E t; select (t) { case a: uint8 x; } sel; } T;\n",
     "bad.spec:4:47: a select inside a struct has no name (found 'sel')"),
    # -- lexer ---------------------------------------------------------------------
    ("unclosed comment",
     S + "struct { uint8 x; } T; /* oops\n",
     "bad.spec:2:24: comment not closed (missing */)"),
    ("bad character",
     S + "struct { uint8 x$; } T;\n",
     "bad.spec:2:17: unexpected character '$'"),
    ("unclosed string",
     S + '@kind("A, 1, array);\n',
     "bad.spec:2:7: string not closed on this line"),
    ("@ without a name",
     S + "@ struct { uint8 x; } T;\n",
     "bad.spec:2:1: expected an annotation name after '@'"),
]


def check(text):
    """Parse and check text as bad.spec; the model (or SpecError)."""
    return build_model(parse_text(text, "bad.spec"))


class ErrorTable(unittest.TestCase):
    def test_errors(self):
        for name, text, want in ERRORS:
            with self.subTest(name):
                with self.assertRaises(SpecError) as cm:
                    check(text)
                self.assertEqual(str(cm.exception), want)


class Warnings(unittest.TestCase):
    def test_unused_type(self):
        m = check(S + "struct { uint8 x; } T;\n" + S + "@pdu struct { uint8 y; } P;\n")
        self.assertEqual(m.warnings, ["bad.spec:2:1: warning: T is defined but never used"])

    def test_roots_are_not_unused(self):
        # @message and @pdu types are roots; @contains targets and @kind
        # value types count as used.
        m = check(ENUM + S + "struct { uint8 v; } Val;\n"
                  + S + "struct { uint8 i; } Inner;\n"
                  + S + "@message struct { opaque y<0..9> @contains(Inner); } M;\n"
                  + S + "@pdu struct { uint8 y; } P;\n"
                  + S + '@kind("K", 7, a, Val);\n'
                  + S + "struct { E t; } User;\n"
                  + S + "@pdu struct { User u; } Q;\n")
        self.assertEqual(m.warnings, [])

    def test_unused_extern(self):
        m = check(S + "extern uint8 N;\n" + S + "@pdu struct { uint8 y; } P;\n")
        self.assertEqual(m.warnings, ["bad.spec:2:1: warning: extern N is never used"])

    def test_real_specs_are_clean(self):
        top = os.path.dirname(GEN)
        order = ["rfc6940.spec", "rfc7904-sip-usage.spec", "rfc7851-diagnostics.spec",
                 "rfc7374-redir.spec", "rfc7363-self-tuning.spec",
                 "rfc7263-direct-response.spec", "rfc7264-relay-peer.spec",
                 "rfc8076-shared-resources.spec"]
        defs = []
        for n in order:
            p = os.path.join(top, "spec", n)
            with open(p, encoding="utf-8") as f:
                defs += parse_text(f.read(), p)
        self.assertEqual(build_model(defs).warnings, [])


class Lexer(unittest.TestCase):
    def test_positions(self):
        toks = tokenize("/* c */\n  enum {a(2^8-1)}", "x.spec")
        got = [(t.kind, t.value, t.loc.line, t.loc.col) for t in toks]
        self.assertEqual(got, [
            ("comment", "c", 1, 1), ("ident", "enum", 2, 3), ("punct", "{", 2, 8),
            ("ident", "a", 2, 9), ("punct", "(", 2, 10), ("number", 2, 2, 11),
            ("punct", "^", 2, 12), ("number", 8, 2, 13), ("punct", "-", 2, 14),
            ("number", 1, 2, 15), ("punct", ")", 2, 16), ("punct", "}", 2, 17),
            ("eof", None, 2, 18)])

    def test_names_with_dashes_and_dots(self):
        toks = tokenize("TLS-TCP-FH-NO-ICE SignerIdentity.length x-", "x.spec")
        self.assertEqual([t.value for t in toks[:-1]],
                         ["TLS-TCP-FH-NO-ICE", "SignerIdentity.length", "x", "-"])

    def test_numbers(self):
        toks = tokenize("0x1F 2^16-1 017", "x.spec")
        self.assertEqual([t.value for t in toks[:-1]], [31, 2, "^", 16, "-", 1, 17])


class CommandLine(unittest.TestCase):
    def run_relgen(self, text, *args):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "bad.spec")
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
            r = subprocess.run([sys.executable, os.path.join(GEN, "relgen.py"), "--check"]
                               + list(args) + [p], capture_output=True, text=True)
            return r.returncode, r.stderr.replace(p, "bad.spec")

    def test_error_with_caret(self):
        rc, err = self.run_relgen(S + "struct {\n  Foo x; } T;\n")
        self.assertEqual(rc, 1)
        self.assertEqual(err, "bad.spec:3:3: type Foo is not defined\n"
                              "  Foo x; } T;\n"
                              "  ^\n")

    def test_warning_and_werror(self):
        text = S + "struct { uint8 x; } T;\n" + S + "@pdu struct { uint8 y; } P;\n"
        want = "bad.spec:2:1: warning: T is defined but never used\n"
        self.assertEqual(self.run_relgen(text), (0, want))
        self.assertEqual(self.run_relgen(text, "--werror"), (1, want))


if __name__ == "__main__":
    unittest.main()
