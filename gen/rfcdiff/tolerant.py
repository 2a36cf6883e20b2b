"""Parse one RFC definition with the relgen parser, tolerating the slips
RFC texts make (`case cert_hash;`, a missing comma before `(255)`,
`opaque<0..2^16-1> padding;`, a nameless enum value, a named select
member): each is recorded as a typo and parsing goes on."""

from relgen.lexer import Loc, SpecError
from relgen.parser import Parser


class Typo:
    """A slip in the RFC text. kind is "TYPO", or "NOTE" for a construct
    the spec language does not have (a named select member)."""

    def __init__(self, where, message, text):
        self.where, self.message, self.text = where, message, text
        self.kind = "NOTE" if "select inside a struct has no name" in message else "TYPO"

    def __str__(self):
        return "%s: %s: %s" % (self.where, self.message, self.text.strip())


class TolerantParser(Parser):
    def __init__(self, text, filename):
        super().__init__(text, filename)
        self.slips = []

    def lenient(self, loc, message):
        self.slips.append((loc, message))


def parse_block(block, filename):
    """The definition in block (a relgen AST node), the typos found in it,
    and a parse error (or None): (node, [Typo], error)."""

    def where(loc):
        # Tokens count lines within the block; map them back to the file.
        n = block.linenos[min(loc.line, len(block.linenos)) - 1]
        return Loc(filename, n, loc.col), block.lines[min(loc.line, len(block.lines)) - 1]

    typos = []
    try:
        p = TolerantParser(block.text, filename)
        node = p.toplevel()
        for loc, msg in p.slips:
            w, line = where(loc)
            typos.append(Typo(w, msg, line))
        if not p.at("eof"):
            t = p.peek()
            w, line = where(t.loc)
            typos.append(Typo(w, "text after the definition", line))
        return node, typos, None
    except SpecError as e:
        w, line = where(e.loc)
        return None, typos, "%s: %s: %s" % (w, e.message, line.strip())
