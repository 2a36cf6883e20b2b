"""A definition as canonical text lines, so that two definitions compare
line by line and their difference reads like a diff.

What the lines keep: the construct (struct, select, enum, typedef), member
types, names and sizes, selectors, case labels, enum values and maximum.
What they drop or normalize (spec-language extensions, doc/spec-language.md):
  - every @-annotation (@length_of, @contains, @extensible, @open, ...);
  - `<field>` (our list filling the counted bytes) is written `[field]`,
    as the RFC writes it; `Type.field` is written `field`;
  - numbers are values: `255` and `2^8-1` are the same;
  - enum values are listed in value order.
"""


def num(v):
    """A number as the RFCs write it: 2^16-1, 2^32, decimal below 256,
    hex above."""
    if v >= 255 and ((v + 1) & v) == 0:
        return "2^%d-1" % ((v + 1).bit_length() - 1)
    if v >= 256 and (v & (v - 1)) == 0:
        return "2^%d" % (v.bit_length() - 1)
    return str(v) if v < 256 else "0x%x" % v


def last(name):
    return name.split(".")[-1]


def size_text(size):
    k = size.kind
    if k == "one":
        return ""
    if k == "fixed":
        return "[%s]" % num(size.n)
    if k in ("field_or_param", "listfield"):
        return "[%s]" % last(size.field)
    if k == "range":
        return "<%s..%s>" % (num(size.lo), num(size.hi))
    return "[?]"


def enum_lines(d):
    out = ["enum"]
    for it in sorted(d.items, key=lambda it: (it.lo, it.hi, it.name or "")):
        val = num(it.lo) if it.lo == it.hi else "%s..%s" % (num(it.lo), num(it.hi))
        out.append("%s(%s)" % (it.name or "", val))
    out.append("(%s)" % (num(d.maxval) if d.maxval is not None else "no maximum"))
    return out


def member_lines(members, typeof, indent=""):
    """Lines of struct members; typeof(field) gives the type to show."""
    out = []
    for x in members:
        if hasattr(x, "cases"):
            head = "%sselect (%s)" % (indent, last(x.selector))
            if getattr(x, "name", None):
                head += " " + x.name
            out.append(head)
            out += case_lines(x, typeof, indent + "  ")
        else:
            out.append("%s%s %s%s" % (indent, typeof(x), x.name, size_text(x.size)))
    return out


def case_lines(sel, typeof, indent):
    out = []
    for c in sel.cases:
        lab = "%scase %s:" % (indent, ", ".join(c.labels))
        if not c.members:
            out.append(lab + " (empty)")
        for m in member_lines(c.members, typeof, ""):
            out.append(lab + " " + m)
    return out


def lines(d, typeof=None):
    """The canonical lines of an AST definition (EnumDef, StructDef,
    TypedefDef)."""
    typeof = typeof or (lambda f: f.typename)
    kind = type(d).__name__
    if kind == "EnumDef":
        return enum_lines(d)
    if kind == "TypedefDef":
        return ["typedef %s%s" % (d.typename, size_text(d.size))]
    if getattr(d, "standalone_select", False):
        sel = d.members[0]
        return ["select (%s)" % last(sel.selector)] + case_lines(sel, typeof, "  ")
    return ["struct"] + member_lines(d.members, typeof, "  ")


def fields(members):
    """Every field of a struct, cases included: {name: typename}."""
    out = {}
    for x in members:
        if hasattr(x, "cases"):
            for c in x.cases:
                out.update(fields(c.members))
        else:
            out[x.name] = x.typename
    return out
