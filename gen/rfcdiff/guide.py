"""From a difference to the edit of spec/ that removes it.

For every DIFFERS or MISSING definition, propose() returns the edits of the
spec files (and of the known-differences file) that make spec/ say what the
text says, each with a one-line description naming the spec file and line:

  - a struct member the text has and spec/ lacks: the member, written in
    the layout of its neighbour, after the member that precedes it in the
    text (or first);
  - a struct member spec/ has and the text lacks: its line removed (only
    when the member is alone on its line);
  - a struct member whose type or size changed: its line rewritten, our
    @-annotations kept;
  - an enum value the text adds: after the value below it; a value the
    text gives to a name of ours (a value spec/ took from an IANA table,
    recorded as a known difference) is renamed, and the known-differences
    entry that recorded it is removed;
  - a select case whose labels spec/ lacks (in a struct's select or a
    select type): after spec/'s last case, laid out like it;
  - a definition the text has and spec/ lacks: the whole definition in
    spec syntax, with its /* RFC N section */ comment, after the spec
    definition of the text's previous definition.

What has no proposal (a changed select case, a changed selector or enum
maximum, a member sharing its line with others) is said so, with the spec
line: the edit is left to a person.
The edits are never applied here; patch() writes them as a unified diff.
"""

import difflib
import os
import re

from relgen.ast import EnumDef, Select, StructDef, TypedefDef

from . import shape


class Edit:
    """Replace lines [a, b) (0-based) of path with new (a list of lines
    without newlines); a == b inserts before line a."""

    def __init__(self, path, a, b, new, what):
        self.path, self.a, self.b, self.new, self.what = path, a, b, new, what

    def where(self):
        # The first line replaced, or the line number the insertion gets.
        return "%s:%d" % (_shown(self.path), self.a + 1)


class Proposal:
    def __init__(self):
        self.edits = []
        self.manual = []    # what has no automatic edit, with where


def _shown(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


class Files:
    """The spec files' lines, read once."""

    def __init__(self):
        self.cache = {}

    def lines(self, path):
        if path not in self.cache:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            self.cache[path] = lines
        return self.cache[path]


# -- rendering spec syntax ------------------------------------------------

def size_src(size):
    """A member's size as spec syntax (after the name)."""
    if size.kind == "listfield":
        return "<%s>" % size.field
    return shape.size_text(size)


def member_text(f):
    return "%s %s%s;" % (f.typename, f.name, size_src(f.size))


def render_member(f, like):
    """f as a spec line laid out like the spec line `like` (indent, the
    column of the member name)."""
    m = re.match(r"^(\s*)(?:@\w+(?:\([^)]*\))?\s+)*(\S+)(\s+)(\w+)", like or "")
    if not m:
        return "  " + member_text(f)
    indent = m.group(1)
    namecol = m.end(3)
    head = indent + f.typename
    pad = max(1, namecol - len(head))
    return head + " " * pad + "%s%s;" % (f.name, size_src(f.size))


def render_def(node, indent="  "):
    """A whole RFC definition as spec lines."""
    if isinstance(node, EnumDef):
        items = []
        for it in node.items:
            name = it.name or "reserved%d" % it.lo
            val = str(it.lo) if it.lo == it.hi else "%d..%d" % (it.lo, it.hi)
            items.append("%s(%s)" % (name, val))
        maxv = shape.num(node.maxval) if node.maxval is not None else "255"
        return ["enum { %s, (%s) }" % (", ".join(items), maxv), "    %s;" % node.name]
    if isinstance(node, TypedefDef):
        return ["typedef %s %s%s;" % (node.typename, node.name, size_src(node.size))]
    if getattr(node, "standalone_select", False):
        sel = node.members[0]
        return ["select (%s) {" % sel.selector] + _cases(sel, indent) + ["} %s;" % node.name]
    return ["struct {"] + _members(node.members, indent) + ["} %s;" % node.name]


def _members(members, indent):
    out = []
    for x in members:
        if isinstance(x, Select):
            out.append("%sselect (%s) {" % (indent, x.selector))
            out += _cases(x, indent + "  ")
            out.append("%s};" % indent)
        else:
            out.append(indent + "%-22s %s%s;" % (x.typename, x.name, size_src(x.size)))
    return out


def _cases(sel, indent):
    out = []
    for c in sel.cases:
        labels = " ".join("case %s:" % lab for lab in c.labels)
        if not c.members:
            out.append("%s%s ;" % (indent, labels))
        elif len(c.members) == 1 and not isinstance(c.members[0], Select):
            out.append("%s%s %s" % (indent, labels, member_text(c.members[0])))
        else:
            out.append(indent + labels)
            out += _members(c.members, indent + "  ")
    return out


# -- where a definition ends ------------------------------------------------

def def_end(lines, node):
    """0-based index of the line holding `Name;` that ends node."""
    pat = re.compile(r"\b%s\s*;" % re.escape(node.name))
    for i in range(node.loc.line - 1, len(lines)):
        if pat.search(lines[i]):
            return i
    return None


def def_start(lines, node):
    """0-based index of the first line of node's comments and annotations."""
    i = node.loc.line - 1
    while i > 0 and lines[i - 1].strip().startswith("@"):
        i -= 1
    while i > 0 and (lines[i - 1].strip().startswith("/*") or
                     lines[i - 1].strip().endswith("*/")):
        i -= 1
    return i


# -- proposals ---------------------------------------------------------------

def propose(result, rfc_node, spec_node, spec_path, files, known, rfc, context):
    """The Proposal for one DIFFERS/MISSING Result. context: dict with
    'prev' (the spec node and path of the text's previous definition that
    spec/ has) and 'primary' (the spec file new definitions go to)."""
    p = Proposal()
    if result.status == "MISSING":
        _missing(p, result, rfc_node, files, rfc, context)
    elif isinstance(rfc_node, EnumDef) and isinstance(spec_node, EnumDef):
        _enum(p, result, rfc_node, spec_node, files, known, rfc)
    elif isinstance(rfc_node, StructDef) and isinstance(spec_node, StructDef) and \
            rfc_node.standalone_select and spec_node.standalone_select:
        _select(p, files, rfc_node.members[0], spec_node.members[0], spec_node.name,
                getattr(result, "typeof", None))
    elif isinstance(rfc_node, StructDef) and isinstance(spec_node, StructDef) and \
            not rfc_node.standalone_select and not spec_node.standalone_select:
        _struct(p, rfc_node, spec_node, spec_path, files, getattr(result, "typeof", None))
    else:
        p.manual.append("%s:%d: %s differs in a way rfcdiff has no edit for: change it by hand"
                        % (_shown(spec_path), spec_node.loc.line, spec_node.name))
    return p


def _missing(p, result, node, files, rfc, context):
    prev = context.get("prev")
    if prev is not None:
        pnode, path = prev
        lines = files.lines(path)
        end = def_end(lines, pnode)
        at = end + 1 if end is not None else len(lines)
        after = "after %s" % pnode.name
    else:
        path = context["primary"]
        lines = files.lines(path)
        at = len(lines)
        while at > 0 and lines[at - 1] == "":
            at -= 1
        after = "at the end"
    sec = "/* RFC %s %s */" % (rfc, result.section) if result.section else "/* RFC %s */" % rfc
    new = ["", sec] + render_def(node)
    p.edits.append(Edit(path, at, at, new, "add the definition %s %s" % (node.name, after)))


def _enum(p, result, rnode, snode, files, known, rfc):
    rf = {it.name: it for it in rnode.items if it.name}
    sp = {it.name: it for it in snode.items if it.name}
    by_value = {}
    for it in snode.items:
        for v in range(it.lo, min(it.hi, it.lo + 64) + 1):
            by_value.setdefault(v, it)
    known_lines = result.known["diff"] if result.known else []
    renamed = set()
    for it in rnode.items:
        if it.name is None or it.name in sp:
            s = sp.get(it.name)
            if s is not None and (s.lo, s.hi) != (it.lo, it.hi):
                _replace_item(p, files, s, _item(it),
                              "value of %s: %s (was %s)" % (it.name, _val(it), _val(s)))
            continue
        taken = by_value.get(it.lo)
        if taken is not None and taken.name not in rf:
            # The text gives a value of ours (an IANA-table value, say) a name.
            line = "+ spec: %s(%s)" % (taken.name, shape.num(taken.lo))
            why = ""
            if line in known_lines and result.known is not None:
                e = result.known
                why = " (ours by the known difference %s:%d: %s)" % (
                    _shown(known.path), e["line"], e["reason"])
                _drop_known(p, files, known, e, "the known difference %s %s no longer holds"
                            % (rfc, result.name))
            _replace_item(p, files, taken, _item(it),
                          "the text gives %s to %s, spec/ to %s%s: rename it"
                          % (_val(it), it.name, taken.name, why))
            renamed.add(taken.name)
            continue
        below = [s for s in snode.items if s.hi < it.lo and s.loc.file == snode.loc.file]
        if below:
            anchor = max(below, key=lambda s: s.hi)
            _after_item(p, files, anchor, ", " + _item(it),
                        "add %s after %s" % (_item(it), _item(anchor)))
        else:
            first = min(snode.items, key=lambda s: s.lo)
            _before_item(p, files, first, _item(it) + ", ",
                         "add %s before %s" % (_item(it), _item(first)))
    for it in snode.items:
        if it.name and it.name not in rf and it.name not in renamed:
            line = "+ spec: %s(%s)" % (it.name, shape.num(it.lo))
            if line in known_lines:
                continue
            p.manual.append("%s:%d: %s is in spec/ but not in the text: remove it, or record "
                            "it in the known-differences file" % (_shown(it.loc.file),
                                                                  it.loc.line, _item(it)))
    if (rnode.maxval, snode.maxval) != (rnode.maxval, rnode.maxval):
        p.manual.append("%s:%d: the maximum of %s changed to (%s): change it by hand"
                        % (_shown(snode.loc.file), snode.loc.line, snode.name,
                           shape.num(rnode.maxval or 0)))


def _val(it):
    return str(it.lo) if it.lo == it.hi else "%d..%d" % (it.lo, it.hi)


def _item(it):
    return "%s(%s)" % (it.name, _val(it))


def _item_span(line, it):
    """(start, end) of `name(value)` of enum item it in its line."""
    start = it.loc.col - 1
    end = line.find(")", start)
    return start, (end + 1 if end >= 0 else len(line))


def _line_op(p, files, path, i, s, e, text, what):
    """Replace [s, e) of line i of path (as it is in the file) with text.
    The operations on one line make one edit."""
    for ed in p.edits:
        if ed.path == path and ed.a == i and ed.b == i + 1 and hasattr(ed, "ops"):
            ed.ops.append((s, e, text))
            ed.what += "; " + what
            break
    else:
        ed = Edit(path, i, i + 1, None, what)
        ed.ops = [(s, e, text)]
        p.edits.append(ed)
    line = files.lines(path)[i]
    for s0, e0, t0 in sorted(ed.ops, key=lambda o: (o[0], o[1]), reverse=True):
        line = line[:s0] + t0 + line[e0:]
    ed.new = [line]


def _replace_item(p, files, it, text, what):
    path, i = it.loc.file, it.loc.line - 1
    s, e = _item_span(files.lines(path)[i], it)
    _line_op(p, files, path, i, s, e, text, what)


def _after_item(p, files, it, text, what):
    path, i = it.loc.file, it.loc.line - 1
    _, e = _item_span(files.lines(path)[i], it)
    _line_op(p, files, path, i, e, e, text, what)


def _before_item(p, files, it, text, what):
    path, i = it.loc.file, it.loc.line - 1
    s, _ = _item_span(files.lines(path)[i], it)
    _line_op(p, files, path, i, s, s, text, what)


def _drop_known(p, files, known, entry, what):
    lines = files.lines(known.path)
    a = entry["line"] - 1
    b = a + 1
    while b < len(lines) and lines[b].startswith("    "):
        b += 1
    if b < len(lines) and not lines[b].strip() and (a == 0 or not lines[a - 1].strip()):
        b += 1
    p.edits.append(Edit(known.path, a, b, [], "remove the entry: " + what))


def _key(x, typeof):
    if isinstance(x, Select):
        # A named select (an RFC's) is the same member as our nameless one.
        return "select (%s)\n" % shape.last(x.selector) + "\n".join(
            shape.case_lines(x, typeof, "  "))
    return "\n".join(shape.member_lines([x], typeof))


def _struct(p, rnode, snode, spec_path, files, typeof=None):
    def plain(f):
        return f.typename
    ra = [_key(x, plain) for x in rnode.members]
    sa = [_key(x, typeof or plain) for x in snode.members]
    sm = difflib.SequenceMatcher(None, ra, sa, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        rm, smem = rnode.members[i1:i2], snode.members[j1:j2]
        if op == "replace" and len(rm) == len(smem):
            for r, s in zip(rm, smem):
                if isinstance(r, Select) and isinstance(s, Select):
                    _select(p, files, r, s, snode.name, typeof)
                elif isinstance(r, Select) or isinstance(s, Select):
                    p.manual.append("%s:%d: %s: a select and a member differ: change it by hand"
                                    % (_shown(s.loc.file), s.loc.line, snode.name))
                else:
                    _replace_member(p, files, s, r, snode.name)
            continue
        if op in ("insert", "replace"):
            for s in smem:
                _remove_member(p, files, s, snode.name)
        if op in ("delete", "replace"):
            _add_members(p, files, rm, snode, j1, spec_path)


def _select(p, files, r, s, sname, typeof):
    """The cases of select r (the text's) against s (spec/'s): a case whose
    labels spec/ lacks is added after spec/'s last case; any other change
    is left to a person."""
    where = "%s:%d" % (_shown(s.loc.file), s.loc.line)
    if shape.last(r.selector) != shape.last(s.selector):
        p.manual.append("%s: %s selects on %s in the text: change it by hand"
                        % (where, sname, shape.last(r.selector)))
        return
    plain = (lambda f: f.typename)
    slabels = {lab: c for c in s.cases for lab in c.labels}
    new = []
    for c in r.cases:
        have = [lab for lab in c.labels if lab in slabels]
        if not have:
            new.append(c)
            continue
        sc = slabels[have[0]]
        if sorted(sc.labels) != sorted(c.labels) or \
                shape.member_lines(sc.members, typeof or plain) != \
                shape.member_lines(c.members, plain):
            p.manual.append("%s:%d: %s, case %s: the text has %s: change it by hand"
                            % (_shown(s.loc.file), sc.loc.line, sname, ", ".join(c.labels),
                               " ".join("`%s`" % member_text(m) for m in c.members
                                        if not isinstance(m, Select)) or "no member"))
    rlabels = {lab for c in r.cases for lab in c.labels}
    for sc in s.cases:
        if not any(lab in rlabels for lab in sc.labels):
            p.manual.append("%s:%d: %s, case %s is not in the text: remove it by hand, or "
                            "record it" % (_shown(s.loc.file), sc.loc.line, sname,
                                           ", ".join(sc.labels)))
    if not new:
        return
    if not s.cases:
        p.manual.append("%s: %s's select has no case in spec/: add %s by hand"
                        % (where, sname, ", ".join(lab for c in new for lab in c.labels)))
        return
    last = s.cases[-1]
    nodes = [last] + [m for m in last.members]
    end = max(n.loc.line for n in nodes) - 1       # 0-based
    path = s.loc.file
    lines = files.lines(path)
    case_line = lines[last.loc.line - 1]
    indent = re.match(r"\s*", case_line).group(0)
    own_line = bool(last.members) and last.members[0].loc.line != last.loc.line
    like = lines[last.members[0].loc.line - 1] if last.members else None
    out = []
    for c in new:
        labels = " ".join("case %s:" % lab for lab in c.labels)
        ms = [m for m in c.members if not isinstance(m, Select)]
        if len(ms) != len(c.members):
            p.manual.append("%s: %s: the text's case %s holds a select: add it by hand"
                            % (where, sname, ", ".join(c.labels)))
            return
        if not ms:
            out.append("%s%s ;" % (indent, labels))
        elif own_line and like is not None:
            out.append(indent + labels)
            out += [render_member(m, like) for m in ms]
        else:
            out.append("%s%s %s" % (indent, labels, " ".join(member_text(m) for m in ms)))
    p.edits.append(Edit(path, end + 1, end + 1, out, "%s: add case %s after case %s"
                        % (sname, ", ".join(lab for c in new for lab in c.labels),
                           ", ".join(last.labels))))


def _single_line(files, f):
    """The member's line index when f is alone on its line, else None."""
    if isinstance(f, Select):
        return None
    path, i = f.loc.file, f.loc.line - 1
    line = files.lines(path)[i]
    code = re.sub(r"/\*.*?\*/", "", line).strip()
    if code.count(";") == 1 and code.endswith(";") and re.search(r"\b%s\b" % f.name, code) \
            and "{" not in code and "}" not in code and "case" not in code.split():
        return i
    return None


def _replace_member(p, files, s, r, sname):
    i = _single_line(files, s)
    if i is None:
        p.manual.append("%s:%d: %s.%s: the text has `%s`: change it by hand"
                        % (_shown(s.loc.file), s.loc.line, sname, s.name, member_text(r)))
        return
    line = files.lines(s.loc.file)[i]
    keep = line[:s.loc.col - 1]
    new = render_member(r, line)
    if keep.strip():             # @-annotations before the type
        new = keep + new.lstrip()
    p.edits.append(Edit(s.loc.file, i, i + 1, [new], "%s.%s: `%s` becomes `%s`"
                        % (sname, s.name, member_text(s), member_text(r))))


def _remove_member(p, files, s, sname):
    i = _single_line(files, s)
    if i is None:
        what = "select (%s)" % s.selector if isinstance(s, Select) else s.name
        p.manual.append("%s:%d: %s.%s is not in the text: remove it by hand, or record it"
                        % (_shown(s.loc.file), s.loc.line, sname, what))
        return
    p.edits.append(Edit(s.loc.file, i, i + 1, [], "remove %s.%s (not in the text)"
                        % (sname, s.name)))


def _add_members(p, files, rm, snode, j, spec_path):
    path = snode.loc.file
    lines = files.lines(path)
    if j > 0:
        prev = snode.members[j - 1]
        i = _single_line(files, prev)
        if i is None:
            p.manual.append("%s:%d: add %s to %s after its member %s by hand"
                            % (_shown(path), prev.loc.line,
                               ", ".join("`%s`" % member_text(x) if not isinstance(x, Select)
                                         else "a select" for x in rm), snode.name,
                               getattr(prev, "name", None) or "select"))
            return
        at, like, after = i + 1, lines[i], "after %s" % prev.name
    elif snode.members:
        first = snode.members[0]
        i = _single_line(files, first)
        if i is None:
            p.manual.append("%s:%d: add the text's first members of %s by hand"
                            % (_shown(path), first.loc.line, snode.name))
            return
        at, like, after = i, lines[i], "first"
    else:
        p.manual.append("%s:%d: %s is empty in spec/: write its members by hand"
                        % (_shown(path), snode.loc.line, snode.name))
        return
    new = []
    for x in rm:
        if isinstance(x, Select):
            ind = re.match(r"\s*", like).group(0)
            new += _members([x], ind)
        else:
            new.append(render_member(x, like))
    names = ", ".join("`%s`" % member_text(x) if not isinstance(x, Select) else
                      "select (%s)" % x.selector for x in rm)
    p.edits.append(Edit(path, at, at, new, "%s: add %s %s" % (snode.name, names, after)))


# -- the unified diff ---------------------------------------------------------

def patch(edits, files):
    """The edits as one unified diff (paths relative to the current
    directory, a/ and b/ prefixes: `patch -p1` or `git apply`)."""
    out = []
    by_file = {}
    for e in edits:
        by_file.setdefault(e.path, []).append(e)
    for path in sorted(by_file):
        old = files.lines(path)
        new = list(old)
        for e in sorted(by_file[path], key=lambda e: (e.a, e.b), reverse=True):
            new[e.a:e.b] = e.new
        rel = os.path.relpath(path)
        out += difflib.unified_diff([x + "\n" for x in old], [x + "\n" for x in new],
                                    "a/" + rel, "b/" + rel, n=3)
    return "".join(out)


def overlapping(edits):
    """Pairs of edits of the same lines (they cannot both be applied)."""
    bad = []
    es = sorted(edits, key=lambda e: (e.path, e.a, e.b))
    for x, y in zip(es, es[1:]):
        if x.path == y.path and y.a < x.b:
            bad.append((x, y))
    return bad
