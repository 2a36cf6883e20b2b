#!/usr/bin/env python3
"""Extract the normative sentences of an RFC into a requirements table.

Usage: extract-requirements.py [--rfc NAME] [--summary] RFC.txt [OUT.tsv]

Every sentence that contains an RFC 2119 keyword (MUST, MUST NOT, SHALL,
SHALL NOT, REQUIRED, SHOULD, SHOULD NOT, RECOMMENDED, NOT RECOMMENDED),
outside double quotes, becomes one row:

    id  section  level  keywords  title  text

id is NAME-<section>-<n>, n counting the requirement sentences of that
section from 1 in document order (RFC6940-6.3.2-5). The RFC text never
changes, so the IDs are stable. level is the sentence's strongest keyword
(the first of the MUST class -- MUST, MUST NOT, SHALL, SHALL NOT, REQUIRED
-- or else the first of the SHOULD class).

The plain-text RFC format is undone first: page footers ("[Page 12]"),
page headers ("RFC 6940 ... January 2014") and form feeds are removed,
lines are joined into paragraphs and paragraphs split into sentences. RFC
text separates sentences with two spaces, so two spaces after '.', '?' or
'!' end a sentence; a line that ends with one of them ends a sentence
unless it ends with an abbreviation ("e.g.", "i.e.", "et al.").

Standard library only: it runs at build time.
"""

import argparse
import re
import sys

FOOTER = re.compile(r"^\S.*\[Page \d+\]\s*$")
HEADER = re.compile(r"^RFC \d+\s{2,}.*\s{2,}\w+ \d{4}\s*$")
HEADING = re.compile(r"^(?:Appendix )?((?:\d+|[A-Z])(?:\.\d+)*)\.\s+(\S.*?)\s*$")
BULLET = re.compile(r"^\s*(?:o|\*|-|\d{1,2}\.|\([a-z]\)|\(\d{1,2}\))\s+")
KEYWORD = re.compile(
    r"\b(MUST NOT|MUST|SHALL NOT|SHALL|REQUIRED|SHOULD NOT|SHOULD|"
    r"NOT RECOMMENDED|RECOMMENDED)\b")
MUST_CLASS = ("MUST", "MUST NOT", "SHALL", "SHALL NOT", "REQUIRED")
LEVELS = ("MUST", "MUST NOT", "SHALL", "SHALL NOT", "REQUIRED",
          "SHOULD", "SHOULD NOT", "RECOMMENDED", "NOT RECOMMENDED")
ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "cf.", "vs.", "viz.")
SENTENCE_END = re.compile(r"[.?!][\"')\]]*$")


def remove_page_breaks(lines):
    """Drop footers, headers and form feeds; keep paragraphs intact.

    A page break falls between two non-blank lines A and B. When A ends a
    sentence, a blank line stands for the break (the paragraph may end
    there); otherwise A and B are one paragraph and are joined."""
    out = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i].replace("\f", "")
        if FOOTER.match(line):
            j = i + 1
            while j < n and (not lines[j].replace("\f", "").strip()
                             or HEADER.match(lines[j].replace("\f", ""))):
                j += 1
            while out and not out[-1].strip():
                out.pop()
            last = out[-1].rstrip() if out else ""
            nxt = lines[j].replace("\f", "") if j < n else ""
            if (not last or SENTENCE_END.search(last) or last.endswith(":")
                    or HEADING.match(nxt) or BULLET.match(nxt)):
                out.append("")
            i = j
            continue
        if HEADER.match(line):
            i += 1
            continue
        out.append(line)
        i += 1
    return out


def sections(lines):
    """Yield (section, title, paragraphs) in document order.

    A heading starts at column 0 ("6.3.2.  Forwarding Header",
    "Appendix A.  Routing Alternatives", "A.1.  Iterative ..."); the table
    of contents is indented, so it is not taken for headings. Text before
    the first heading (abstract, boilerplate) belongs to no section."""
    current = None
    paras = []
    para = []
    blank = False

    def indent(s):
        return len(s) - len(s.lstrip(" "))

    def flush_para():
        if para:
            paras.append(para[:])
            del para[:]

    for line in lines:
        m = HEADING.match(line) if line[:1] not in (" ", "") else None
        if m and not line.rstrip().endswith("."):
            flush_para()
            if current is not None:
                yield current[0], current[1], paras
            current = (m.group(1), m.group(2))
            paras = []
            continue
        if not line.strip():
            blank = True
            continue
        # A blank line inside a sentence (a stray one in the RFC: "provided
        # by" / "the user.") does not end the paragraph.
        if blank and not (para and re.match(r"^\s+[a-z]", line)
                          and not re.search(r"[.:;!?]$", para[-1].rstrip())
                          and indent(line) == indent(para[-1])):
            flush_para()
        blank = False
        # A list item starts a paragraph; "0.  Note ..." after "MUST be"
        # is a sentence going on, not an item.
        if para and BULLET.match(line) and (
                re.match(r"^\s*o\s", line) or BULLET.match(para[0])
                or re.search(r"[.:;]$", para[-1].rstrip())):
            flush_para()
        para.append(line)
    flush_para()
    if current is not None:
        yield current[0], current[1], paras


def join_paragraph(para):
    """One string: sentence ends become two spaces, a hyphen at a line end
    joins the words ("time-" + "to-live")."""
    text = ""
    for k, raw in enumerate(para):
        line = raw.strip()
        if k == 0:
            line = BULLET.sub("", raw).strip() if BULLET.match(raw) else line
            text = line
            continue
        if re.search(r"[A-Za-z]-$", text):
            text += line
        elif SENTENCE_END.search(text) and not text.endswith(ABBREVIATIONS):
            text += "  " + line
        else:
            text += " " + line
    return text


def split_sentences(text):
    parts = re.split(r"(?<=[.?!])([\"')\]]*)\s{2,}", text)
    # re.split with a group interleaves the captured closers.
    out = []
    k = 0
    while k < len(parts):
        s = parts[k]
        if k + 1 < len(parts):
            s += parts[k + 1]
        k += 2
        s = re.sub(r"\s+", " ", s).strip()
        if s:
            out.append(s)
    return out


def keywords(sentence):
    unquoted = re.sub(r"\"[^\"]*\"", "", sentence)
    return KEYWORD.findall(unquoted)


def level_of(kws):
    for k in kws:
        if k in MUST_CLASS:
            return k
    return kws[0]


def extract(text, rfc_name):
    lines = remove_page_breaks(text.split("\n"))
    rows = []
    for section, title, paras in sections(lines):
        n = 0
        for para in paras:
            for sentence in split_sentences(join_paragraph(para)):
                kws = keywords(sentence)
                if not kws:
                    continue
                n += 1
                rows.append(("%s-%s-%d" % (rfc_name, section, n), section,
                             level_of(kws), ",".join(dict.fromkeys(kws)),
                             title, sentence))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rfc", default=None,
                    help="ID prefix (default: RFCnnnn from the file name)")
    ap.add_argument("--summary", action="store_true",
                    help="print the count per level to standard error")
    ap.add_argument("input")
    ap.add_argument("output", nargs="?")
    args = ap.parse_args()
    name = args.rfc
    if name is None:
        m = re.search(r"rfc(\d+)", args.input, re.I)
        name = "RFC" + m.group(1) if m else "RFC"
    with open(args.input, encoding="utf-8", errors="replace") as f:
        rows = extract(f.read(), name)
    src = re.sub(r".*/", "", args.input)
    out = ["# Generated by conformance/extract-requirements.py from %s; do not edit."
           % src,
           "# Every sentence of %s with an RFC 2119 keyword: %d requirements."
           % (name, len(rows)),
           "id\tsection\tlevel\tkeywords\ttitle\ttext"]
    for r in rows:
        out.append("\t".join(r))
    data = "\n".join(out) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(data)
    else:
        sys.stdout.write(data)
    if args.summary:
        counts = {}
        for r in rows:
            counts[r[2]] = counts.get(r[2], 0) + 1
        for lv in LEVELS:
            if lv in counts:
                sys.stderr.write("%-16s %d\n" % (lv, counts[lv]))
        sys.stderr.write("%-16s %d\n" % ("total", len(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
