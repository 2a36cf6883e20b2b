"""Find the presentation-language definitions in an RFC or draft text.

An RFC text is paginated: every page ends with a footer
("Jennings, et al.   Standards Track   [Page 44]"), a form feed, and the
next page starts with a header ("RFC 6940   RELOAD Base   January 2014").
A definition may run across a page break, so the page furniture is removed
first; the line numbers of what remains still point into the original file.

A definition starts on a line whose first word is `struct`, `public
struct`, `enum`, `select (` or `typedef`, and ends at the `;` after its
closing brace (after the first `;` for a typedef).
"""

import re

_FOOTER = re.compile(r"^\S.*\[Page \d+\]\s*$")
_HEADER = re.compile(r"^(RFC \d+|Internet-Draft)\s{2,}.*\S\s*$")
_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S|^(Appendix [A-Z](?:\.\d+)*)\.?\s")
_START = re.compile(r"^\s*(?:public\s+)?(?:struct\s*\{|enum\s*\{|select\s*\(|typedef\s+\w)")
_RFCNUM = re.compile(r"^Request for Comments:\s*(\d+)", re.M)

MAX_LINES = 120      # a definition longer than this is a run-away match


class Block:
    """One definition's text, where it is and which section holds it."""

    def __init__(self, lines, linenos, section):
        self.lines = lines          # text lines (page furniture removed)
        self.linenos = linenos      # 1-based line numbers in the file
        self.section = section      # "6.3.2.2", or None before section 1

    @property
    def text(self):
        return "\n".join(self.lines) + "\n"

    @property
    def line(self):
        return self.linenos[0]


def rfc_number(text, filename):
    m = _RFCNUM.search(text)
    if m:
        return m.group(1)
    m = re.search(r"rfc(\d+)", filename, re.I)
    return m.group(1) if m else None


def body_lines(text):
    """The lines of text without page furniture: [(lineno, line)]."""
    out = []
    after_break = False
    for i, line in enumerate(text.split("\n"), 1):
        if "\f" in line:
            after_break = True
            line = line.replace("\f", "")
            if not line.strip():
                continue
        if _FOOTER.match(line):
            # A page header follows, after a form feed or (in some draft
            # renderings) just blank lines.
            after_break = True
            continue
        if after_break and line.strip():
            after_break = False
            if _HEADER.match(line):
                continue
        out.append((i, line))
    return out


def _code(line, in_comment):
    """The line without comments; whether a /* comment is still open."""
    out = []
    i = 0
    while i < len(line):
        if in_comment:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out), True
            i = j + 2
            in_comment = False
            continue
        if line.startswith("/*", i):
            in_comment = True
            i += 2
            continue
        if line.startswith("//", i):
            break
        out.append(line[i])
        i += 1
    return "".join(out), in_comment


def blocks(text):
    """Every definition of the text, in order, and the lines that started a
    definition but never ended one: ([Block], [(lineno, reason)])."""
    lines = body_lines(text)
    found, broken = [], []
    section = None
    i = 0
    while i < len(lines):
        lineno, line = lines[i]
        h = _HEADING.match(line)
        if h:
            section = h.group(1) or h.group(2)
        if not _START.match(line):
            i += 1
            continue
        typedef = line.lstrip().startswith("typedef")
        depth, opened, in_comment = 0, False, False
        end = None
        for j in range(i, min(i + MAX_LINES, len(lines))):
            code, in_comment = _code(lines[j][1], in_comment)
            for ch in code:
                if ch == "{":
                    depth += 1
                    opened = True
                elif ch == "}":
                    depth -= 1
                elif ch == ";" and depth == 0 and (opened or typedef):
                    end = j
                    break
            if end is not None:
                break
        if end is None:
            broken.append((lineno, "a definition starts here but no closing "
                           "'} Name;' follows within %d lines" % MAX_LINES))
            i += 1
            continue
        chunk = lines[i:end + 1]
        found.append(Block([l for _, l in chunk], [n for n, _ in chunk], section))
        i = end + 1
    return found, broken
