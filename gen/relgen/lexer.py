"""Lexer for the spec language (doc/spec-language.md).

Tokens carry file, line and column so every error can say file:line:col.
Comments are kept as tokens of kind 'comment' because a section comment
("/* RFC 6940 6.3.2 */") must precede every definition.
"""

import re


class SpecError(Exception):
    """An error in a spec file, printed as file:line:col: message."""

    def __init__(self, loc, message):
        super().__init__(message)
        self.loc = loc
        self.message = message

    def __str__(self):
        return "%s: %s" % (self.loc, self.message)

    def excerpt(self, text=None):
        """The offending source line and a caret under the column (as
        ninja does), or "" when the file cannot be read."""
        if text is None:
            try:
                with open(self.loc.file, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                return ""
        lines = text.split("\n")
        if not 1 <= self.loc.line <= len(lines):
            return ""
        line = lines[self.loc.line - 1].replace("\t", " ")
        return "%s\n%s^" % (line, " " * (self.loc.col - 1))


class Loc:
    __slots__ = ("file", "line", "col")

    def __init__(self, file, line, col):
        self.file, self.line, self.col = file, line, col

    def __str__(self):
        return "%s:%d:%d" % (self.file, self.line, self.col)


class Token:
    __slots__ = ("kind", "value", "loc")

    def __init__(self, kind, value, loc):
        self.kind, self.value, self.loc = kind, value, loc

    def __repr__(self):
        return "Token(%s,%r,%s)" % (self.kind, self.value, self.loc)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_][A-Za-z0-9_\-]*)*")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|[0-9]+")
_PUNCT = "{}()[]<>;,:^+-=*"
_STRING = re.compile(r'"([^"\\\n]*)"')


def tokenize(text, filename):
    """Return the list of tokens of text, ending with an 'eof' token."""
    toks = []
    i, line, col = 0, 1, 1
    n = len(text)

    def adv(s):
        nonlocal line, col
        nl = s.count("\n")
        if nl:
            line += nl
            col = len(s) - s.rfind("\n")
        else:
            col += len(s)

    while i < n:
        ch = text[i]
        loc = Loc(filename, line, col)
        if ch in " \t\r\n\f":
            adv(ch)
            i += 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise SpecError(loc, "comment not closed (missing */)")
            body = text[i + 2:j]
            toks.append(Token("comment", body.strip(), loc))
            adv(text[i:j + 2])
            i = j + 2
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            if j < 0:
                j = n
            toks.append(Token("comment", text[i + 2:j].strip(), loc))
            adv(text[i:j])
            i = j
            continue
        if text.startswith("..", i):
            toks.append(Token("punct", "..", loc))
            adv("..")
            i += 2
            continue
        if ch == "@":
            m = _IDENT.match(text, i + 1)
            if not m:
                raise SpecError(loc, "expected an annotation name after '@'")
            toks.append(Token("annot", m.group(0), loc))
            adv(text[i:m.end()])
            i = m.end()
            continue
        if ch == '"':
            m = _STRING.match(text, i)
            if not m:
                raise SpecError(loc, "string not closed on this line")
            toks.append(Token("string", m.group(1), loc))
            adv(m.group(0))
            i = m.end()
            continue
        # ASCII only: str.isdigit() and isalpha() also accept other
        # scripts ("\u0663", "\u00e9"), which _NUMBER and _IDENT do not
        # match; those fall through to "unexpected character".
        if "0" <= ch <= "9":
            m = _NUMBER.match(text, i)
            s = m.group(0)
            # int() refuses more than 4300 digits (ValueError); no value
            # of the language needs more than 2^128 (39 digits).
            if len(s) > 64:
                raise SpecError(loc, "number too long (%d digits)" % len(s))
            # Decimal with leading zeros ("007") is decimal, as in the RFCs.
            v = int(s, 16) if s[:2] in ("0x", "0X") else int(s, 10)
            toks.append(Token("number", v, loc))
            adv(s)
            i = m.end()
            continue
        if "a" <= ch <= "z" or "A" <= ch <= "Z" or ch == "_":
            m = _IDENT.match(text, i)
            s = m.group(0)
            # A trailing '-' belongs to an expression ("2^8-1" never starts
            # with a letter, but "x-" could end a name before "-1").
            while s.endswith("-"):
                s = s[:-1]
            toks.append(Token("ident", s, loc))
            adv(s)
            i += len(s)
            continue
        if ch in _PUNCT:
            toks.append(Token("punct", ch, loc))
            adv(ch)
            i += 1
            continue
        raise SpecError(loc, "unexpected character %r" % ch)
    toks.append(Token("eof", None, Loc(filename, line, col)))
    return toks
