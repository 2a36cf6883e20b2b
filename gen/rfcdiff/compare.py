"""Compare the definitions of an RFC text with spec/*.spec.

Each RFC definition gets a status:
  MATCH     same shape as the spec definition of that name (after the
            normalizations of shape.py and the enum-for-integer rule below)
  KNOWN     differs exactly as an entry of the known-differences file says
  DIFFERS   differs otherwise (the diff is printed)
  MISSING   no spec definition of that name
  UNPARSED  the RFC text cannot be parsed even tolerantly
and each spec definition citing this RFC that the RFC text does not define
is EXTRA (a table, a local helper type: informational).

Enum-for-integer rule: where the RFC writes an integer member (`uint16
message_code;`) and the spec gives it an enum the RFC text does not define
(MessageCode, built from an IANA table), of the same width, the member
matches; the MATCH line says so.
"""

import copy
import difflib
import os
import re

from relgen.ast import EnumDef, ExtendEnum, ExtendSelect, Select, StructDef, TypedefDef
from relgen.model import PRIMS, int_width
from relgen.parser import parse_file

from . import shape
from .extract import blocks, rfc_number
from .tolerant import parse_block

OK_STATUSES = ("MATCH", "KNOWN", "EXTRA")
_CITE = re.compile(r"^RFC (\d+)")


class SpecSet:
    """The definitions of the spec files: all files give definitions, but
    only the `extend`s of the primary files are applied (a usage RFC is
    compared with the base plus its own extensions, not other usages')."""

    def __init__(self, primary, context=()):
        self.defs = {}          # name -> (node, file)
        self.files = list(primary)
        extends = []
        seen = set()
        for path in list(context) + list(primary):
            if path in seen:
                continue
            seen.add(path)
            for d in parse_file(path):
                if isinstance(d, (EnumDef, StructDef, TypedefDef)):
                    self.defs.setdefault(d.name, (d, path))
                elif isinstance(d, (ExtendEnum, ExtendSelect)) and path in primary:
                    extends.append(d)
        for e in extends:
            self.extend(e)

    def extend(self, e):
        if e.name not in self.defs:
            return
        d, path = self.defs[e.name]
        d = copy.deepcopy(d)
        if isinstance(e, ExtendEnum) and isinstance(d, EnumDef):
            d.items = d.items + list(e.items)
        elif isinstance(e, ExtendSelect) and isinstance(d, StructDef):
            sels = [x for x in d.members if isinstance(x, Select)]
            if len(sels) == 1:
                sels[0].cases = sels[0].cases + list(e.cases)
        self.defs[e.name] = (d, path)

    def citing(self, rfc):
        """Names of spec definitions whose section comment cites rfc."""
        out = []
        for name, (d, path) in self.defs.items():
            m = _CITE.match(d.section or "")
            if m and m.group(1) == rfc and path in self.files:
                out.append(name)
        return out


class Known:
    """The known-differences file.

    Format: an entry line `RFC-NUMBER DEFINITION reason...` at column 0,
    then the exact diff lines rfcdiff prints for that definition, each
    indented by 4 spaces. `#` starts a comment line. A definition is KNOWN
    only when its diff is exactly the recorded one, so a new difference in
    the same definition is still reported."""

    def __init__(self, path=None):
        self.entries = []
        self.path = path
        if path is None:
            return
        with open(path, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                line = raw.rstrip("\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                if line.startswith("    ") and self.entries:
                    self.entries[-1]["diff"].append(line[4:].rstrip())
                    continue
                parts = line.split(None, 2)
                if len(parts) < 3 or line[0].isspace():
                    raise ValueError("%s:%d: expected 'RFC-NUMBER DEFINITION reason' "
                                     "or a diff line indented by 4 spaces" % (path, n))
                self.entries.append({"rfc": parts[0], "name": parts[1], "reason": parts[2],
                                     "diff": [], "line": n, "used": False})

    def match(self, rfc, name, diff):
        for e in self.entries:
            if e["rfc"] == rfc and e["name"] == name and e["diff"] == diff:
                e["used"] = True
                return e
        return None

    def match_part(self, rfc, name, diff):
        """An entry for name whose recorded lines are all still in diff (the
        text changed the definition, the known difference still holds):
        (entry, the lines of diff it does not account for). Or an unused
        entry for name that no longer matches at all: (entry, None)."""
        rest_of = None
        for e in self.entries:
            if e["rfc"] != rfc or e["name"] != name or e["used"]:
                continue
            rest = list(diff)
            for line in e["diff"]:
                if line not in rest:
                    break
                rest.remove(line)
            else:
                e["used"] = True
                return e, rest
            rest_of = rest_of or e
        if rest_of is not None:
            rest_of["used"] = True
            return rest_of, None
        return None, None

    def stale(self, rfc):
        return [e for e in self.entries if e["rfc"] == rfc and not e["used"]]


class Result:
    def __init__(self, status, name, where, section):
        self.status, self.name, self.where, self.section = status, name, where, section
        self.diff = []
        self.notes = []
        self.typos = []
        self.reason = None
        self.node = None        # the RFC definition (relgen AST)
        self.spec = None        # (spec definition, its file)
        self.known = None       # a known-differences entry this DIFFERS touches
        self.known_rest = None  # the lines of diff that entry does not account for


def shown(path):
    """path relative to the current directory when it is below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def diff_lines(a, b):
    """'- rfc:' / '+ spec:' lines where a (RFC) and b (spec) differ."""
    out = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        out += ["- rfc:  " + x for x in a[i1:i2]]
        out += ["+ spec: " + x for x in b[j1:j2]]
    return out


def compare(rfc_path, specs, known, rfc=None):
    """Compare rfc_path with the SpecSet specs. Returns (rfc number,
    [Result] for the RFC definitions (each with its .typos), [Result]
    EXTRA, [(lineno, why)] definitions that start but never end)."""
    with open(rfc_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    rfc = rfc or rfc_number(text, rfc_path)
    if rfc is None:
        raise ValueError("%s: no \"Request for Comments:\" line and no rfcNNNN in the "
                         "file name: say which RFC number the spec cites with --rfc" % rfc_path)
    label = rfc_path.split("/")[-1]
    found, broken = blocks(text)
    parsed = []
    for b in found:
        parsed.append((b,) + parse_block(b, label))
    rfc_names = {n.name for _, n, _, _ in parsed if n is not None}
    results = []
    for b, node, tps, err in parsed:
        where = "%s:%d" % (label, b.line)
        if node is None:
            r = Result("UNPARSED", "?", where, b.section)
            r.diff = ["cannot parse: " + err]
            r.typos = tps
            results.append(r)
            continue
        r = Result("MATCH", node.name, where, b.section)
        r.typos = tps
        r.node = node
        if node.name not in specs.defs:
            r.status = "MISSING"
            r.diff = ["not defined in spec/"]
        else:
            sd, spath = specs.defs[node.name]
            r.spec = (sd, spath)
            r.typeof = _typeof(node, specs, rfc_names, r)
            r.diff = diff_lines(shape.lines(node), shape.lines(sd, r.typeof))
            if r.diff:
                r.status = "DIFFERS"
        if r.status != "MATCH":
            e = known.match(rfc, r.name, r.diff)
            if e is not None:
                r.status = "KNOWN"
                r.reason = e["reason"]
        results.append(r)
    # A text that changes a definition with a known difference: one
    # DIFFERS that says what of it is known, not DIFFERS plus STALE.
    for r in results:
        if r.status in ("DIFFERS", "MISSING"):
            e, rest = known.match_part(rfc, r.name, r.diff)
            if e is not None:
                r.known, r.known_rest = e, rest
    extra = []
    for name in specs.citing(rfc):
        if name not in rfc_names:
            d, path = specs.defs[name]
            sec = (d.section or "").split(" ", 2)[-1]
            extra.append(Result("EXTRA", name, "%s:%d" % (shown(path), d.loc.line), sec))
    return rfc, results, extra, broken


def _typeof(rfc_def, specs, rfc_names, result):
    """The type to show for a spec member: the RFC's integer type where
    the spec uses an enum of its own of the same width (see module doc)."""
    rfc_fields = shape.fields(getattr(rfc_def, "members", []))

    def typeof(f):
        t = f.typename
        rt = rfc_fields.get(f.name)
        if rt in PRIMS and t in specs.defs and t not in rfc_names:
            d, _ = specs.defs[t]
            if isinstance(d, EnumDef) and d.maxval is not None and \
                    int_width(d.maxval) == PRIMS[rt]:
                note = "%s: spec enum %s for the RFC's %s" % (f.name, t, rt)
                if note not in result.notes:
                    result.notes.append(note)
                return rt
        return t

    return typeof
