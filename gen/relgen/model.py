"""Resolve names and check a parsed spec; produce the model the emitter uses.

Model types:
  IntType(width)        uint8..uint64 (width 1,2,3,4,8), possibly named (typedef)
  U128Type              uint128
  EnumType              an enum: width, items, open or closed
  BytesType             opaque with a size: ('fixed', n) ('param', name) ('range', lo, hi)
  StructType            a struct (a stand-alone select is a struct with one select)
Members of a struct are MField and MSelect.
"""

from .ast import (EnumDef, ExtendEnum, ExtendSelect, ExternDef, Field,
                  KindDef, ProfileDef, Select, StructDef, TypedefDef)
from .lexer import SpecError

C_KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do",
    "double", "else", "enum", "extern", "float", "for", "goto", "if", "inline",
    "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned",
    "void", "volatile", "while", "bool", "true", "false", "raw", "unknown",
    "compressed",
}


def cname(name):
    """A spec name as a C identifier (RFC names may contain '-' or '.')."""
    s = name.replace("-", "_").replace(".", "_")
    if s in C_KEYWORDS:
        s += "_"
    return s


def prefix_width(hi):
    for w in (1, 2, 3, 4):
        if hi < 256 ** w:
            return w
    return None


def int_width(maxval):
    for w in (1, 2, 3, 4, 8):
        if maxval < 256 ** w:
            return w
    return None


class Type:
    kind = None
    name = None
    section = None
    loc = None


class IntType(Type):
    kind = "int"

    def __init__(self, width, name=None):
        self.width, self.name = width, name


class U128Type(Type):
    kind = "u128"
    width = 16


class EnumType(Type):
    kind = "enum"

    def __init__(self, name, width, items, maxval, open_, loc, section):
        self.name, self.width, self.items = name, width, items
        self.maxval, self.open, self.loc, self.section = maxval, open_, loc, section


class BytesType(Type):
    kind = "bytes"

    def __init__(self, size, name=None):
        self.size, self.name = size, name


class StructType(Type):
    kind = "struct"

    def __init__(self, name, loc, section):
        self.name, self.loc, self.section = name, loc, section
        self.members = []
        self.standalone_select = False
        self.message = False
        self.compressed = None      # (width, name) of a compressed form
        self.params = []            # [(name, EnumType)] free selectors
        self.stored = []            # [(name, EnumType, extern)] extern selectors kept in the struct
        self.keys_set = []          # key slots this struct sets
        self.rest_field = None      # the @length_of(rest) field
        self.min_size = None
        self.allocates = False      # decoding places something in the arena
        self.cnames = set()


class MField:
    """One member. mode: 'value' (one value of .type), 'bytes' (opaque),
    'list' (list of .type). region: None (inline or bytes' own size),
    ('prefix', width, lo, hi), ('field', fieldname), ('fixed', n),
    ('param', name)."""

    def __init__(self, name, type_, mode, region, loc):
        self.name, self.type, self.mode, self.region, self.loc = name, type_, mode, region, loc
        self.cname = cname(name)
        self.length_of = None     # for a length field: target member name or 'rest'
        self.measures = None      # for a length field: the MField it measures (or 'rest')
        self.message_length = False
        self.constant = None      # @constant(N): the only value allowed
        self.key_slot = None
        self.args = []            # bindings of the value type's params: [(pname, source)]
        self.is_select = False


class MSelect:
    def __init__(self, selector, loc):
        self.selector, self.loc = selector, loc
        self.binding = None       # ('field', name) ('param', name) ('extern', ExternInfo)
        self.enum = None
        self.cases = []           # [MCase]
        self.extensible = False
        self.is_select = True
        self.unknown_cname = "unknown"
        self.name = None


class MCase:
    def __init__(self, labels, members, loc):
        self.labels, self.members, self.loc = labels, members, loc
        self.cname = None         # struct member name when it has 2+ members
        self.direct = False       # one member, placed directly in the union


class ExternInfo:
    def __init__(self, name, type_, key, loc, default=None):
        self.name, self.type, self.key, self.loc = name, type_, key, loc
        self.key_slot = None


class Kind:
    def __init__(self, name, kind_id, model, loc, section):
        self.name, self.kind_id, self.model, self.loc, self.section = name, kind_id, model, loc, section


class Profile:
    def __init__(self, name, sends, answers, loc):
        self.name, self.sends, self.answers, self.loc = name, sends, answers, loc


class Model:
    def __init__(self):
        self.types = {}       # name -> Type (named types, in definition order)
        self.order = []       # names in definition order
        self.externs = {}
        self.kinds = []
        self.profiles = {}
        self.warnings = []
        self.key_types = []   # key type names, index = slot


PRIMS = {"uint8": 1, "uint16": 2, "uint24": 3, "uint32": 4, "uint64": 8}


class Builder:
    def __init__(self, defs):
        self.defs = defs
        self.m = Model()
        self.astdefs = {}
        self.resolving = set()
        self.used = set()
        self.pending = []

    def err(self, loc, msg):
        raise SpecError(loc, msg)

    # ------------------------------------------------------------------
    def build(self):
        m = self.m
        extends_enum, extends_select = [], []
        for d in self.defs:
            if isinstance(d, (EnumDef, StructDef, TypedefDef)):
                if d.section is None:
                    self.err(d.loc, "definition of %s cites no section: put a comment "
                             "like /* RFC 6940 6.3.2 */ before it" % d.name)
                if d.name in self.astdefs:
                    self.err(d.loc, "%s is defined twice (first at %s)" % (
                        d.name, self.astdefs[d.name].loc))
                if d.name in PRIMS or d.name in ("opaque", "uint128"):
                    self.err(d.loc, "%s is a built-in type" % d.name)
                self.astdefs[d.name] = d
                m.order.append(d.name)
            elif isinstance(d, ExternDef):
                if d.name in m.externs:
                    self.err(d.loc, "extern %s declared twice" % d.name)
                m.externs[d.name] = d
            elif isinstance(d, ExtendEnum):
                extends_enum.append(d)
            elif isinstance(d, ExtendSelect):
                extends_select.append(d)
            elif isinstance(d, KindDef):
                m.kinds.append(d)
            elif isinstance(d, ProfileDef):
                if d.name in m.profiles:
                    self.err(d.loc, "profile %s defined twice" % d.name)
                m.profiles[d.name] = d
        # Extensions are merged into the parsed definitions first, so that
        # the rest of the checks see one definition.
        for e in extends_enum:
            d = self.astdefs.get(e.name)
            if not isinstance(d, EnumDef):
                self.err(e.loc, "extend enum %s: no enum of that name" % e.name)
            d.items.extend(e.items)
        for e in extends_select:
            d = self.astdefs.get(e.name)
            if not isinstance(d, StructDef):
                self.err(e.loc, "extend select %s: no select or struct of that name" % e.name)
            sels = [x for x in d.members if isinstance(x, Select)]
            if len(sels) != 1:
                self.err(e.loc, "extend select %s: it must contain exactly one select" % e.name)
            for c in e.cases:
                # A case whose body is the same as an existing case's (RFC 7363
                # reuses chord's structures) joins that case's labels.
                sig = [(m.typename, m.name) for m in c.members if isinstance(m, Field)]
                same = [o for o in sels[0].cases if sig and
                        [(m.typename, m.name) for m in o.members if isinstance(m, Field)] == sig]
                if same and len(sig) == len(c.members):
                    same[0].labels.extend(c.labels)
                else:
                    sels[0].cases.append(c)
        # Externs
        for name, d in list(m.externs.items()):
            t = self.resolve_name(d.typename, d.loc)
            if d.key is not None:
                self.resolve_name(d.key, d.loc)
                self.used.add(d.key)
            self.used.add(d.typename)
            if t.kind not in ("int", "enum"):
                self.err(d.loc, "extern %s must be an integer or enum type" % name)
            ei = ExternInfo(name, t, d.key, d.loc)
            if d.key is not None:
                if d.key not in m.key_types:
                    m.key_types.append(d.key)
                if len(m.key_types) > 4:
                    self.err(d.loc, "at most 4 key types for keyed externs")
                ei.key_slot = m.key_types.index(d.key)
            m.externs[name] = ei
        for name in m.order:
            self.resolve_name(name, self.astdefs[name].loc)
        for name in m.order:
            t = m.types[name]
            if t.kind == "struct":
                self.fill_struct(t, self.astdefs[name])
        self.compute_params()
        for t, ms in self.pending:
            if ms.enum is None:
                self.err(ms.loc, "select (%s) has no cases and no member binds it, so its "
                         "enum is unknown" % ms.selector)
        self.compute_sizes()
        self.check_kinds()
        self.check_profiles()
        self.check_unused()
        self.check_cycles()
        return m

    # ------------------------------------------------------------------
    def resolve_name(self, name, loc):
        """The Type a name denotes (built-ins, enums, structs, typedefs)."""
        m = self.m
        if name in PRIMS:
            return IntType(PRIMS[name])
        if name == "uint128":
            return U128Type()
        if name == "opaque":
            self.err(loc, "opaque needs a size: [N] or <lo..hi>")
        if name in m.types:
            return m.types[name]
        d = self.astdefs.get(name)
        if d is None:
            self.err(loc, "type %s is not defined" % name)
        if name in self.resolving:
            self.err(loc, "typedef %s refers to itself" % name)
        self.resolving.add(name)
        if isinstance(d, EnumDef):
            t = self.make_enum(d)
        elif isinstance(d, StructDef):
            t = StructType(name, d.loc, d.section)
            t.standalone_select = d.standalone_select
        else:
            t = self.make_typedef(d)
        self.resolving.discard(name)
        m.types[name] = t
        return t

    def make_enum(self, d):
        width = int_width(d.maxval)
        if width is None:
            self.err(d.loc, "enum %s: maximum %d is too large" % (d.name, d.maxval))
        names, values = {}, {}
        for it in d.items:
            if it.name in names:
                self.err(it.loc, "enum %s: value name %s used twice" % (d.name, it.name))
            if it.hi < it.lo:
                self.err(it.loc, "enum %s: range %d..%d is empty" % (d.name, it.lo, it.hi))
            if it.hi > d.maxval:
                self.err(it.loc, "enum %s: value %s(%d) is above the maximum %d" % (
                    d.name, it.name, it.hi, d.maxval))
            for v in (it.lo, it.hi):
                for ov, on in values.items():
                    if on[0] <= v <= on[1] or it.lo <= on[0] <= it.hi:
                        self.err(it.loc, "enum %s: value %s(%d) duplicates %s" % (
                            d.name, it.name, v, on[2]))
            names[it.name] = it
            values[it.lo] = (it.lo, it.hi, it.name)
        open_ = any(a.name == "open" for a in d.annots)
        return EnumType(d.name, width, list(d.items), d.maxval, open_, d.loc, d.section)

    def make_typedef(self, d):
        if d.typename == "opaque":
            sz = d.size
            if sz.kind == "fixed":
                if sz.n <= 0:
                    self.err(d.loc, "typedef %s: a fixed size must be at least 1" % d.name)
                t = BytesType(("fixed", sz.n), d.name)
            elif sz.kind == "field_or_param":
                if sz.field not in self.m.externs:
                    self.err(d.loc, "typedef %s: %s is not an extern parameter" % (d.name, sz.field))
                self.used.add(sz.field)
                t = BytesType(("param", sz.field), d.name)
            elif sz.kind == "range":
                self.check_range(d.loc, sz.lo, sz.hi)
                t = BytesType(("range", sz.lo, sz.hi), d.name)
            else:
                self.err(d.loc, "typedef %s: opaque needs a size" % d.name)
        else:
            base = self.resolve_name(d.typename, d.loc)
            self.used.add(d.typename)
            if d.size.kind != "one":
                self.err(d.loc, "typedef %s: only opaque typedefs may have a size" % d.name)
            if base.kind == "int" and base.name is None:
                t = IntType(base.width, d.name)
            else:
                t = base  # an alias
        t.section = d.section
        t.loc = d.loc
        return t

    def check_range(self, loc, lo, hi):
        if lo > hi:
            self.err(loc, "range <%d..%d>: lower bound above upper bound" % (lo, hi))
        if hi > 2 ** 32 - 1:
            self.err(loc, "range <%d..%d>: upper bound above 2^32-1" % (lo, hi))

    # ------------------------------------------------------------------
    def fill_struct(self, t, d):
        t.message = any(a.name == "message" for a in d.annots)
        t.pdu = t.message or any(a.name == "pdu" for a in d.annots)
        for a in d.annots:
            if a.name == "compressed_form":
                if len(a.args) != 1 or len(a.args[0]) != 2:
                    self.err(a.loc, "@compressed_form takes (uint8|uint16 name)")
                ty, nm = a.args[0]
                if ty.value not in ("uint8", "uint16"):
                    self.err(a.loc, "@compressed_form: type must be uint8 or uint16")
                t.compressed = (PRIMS[ty.value], nm.value)
            elif a.name not in ("message", "extensible", "pdu"):
                self.err(a.loc, "unknown annotation @%s on a struct" % a.name)
        scope = {}
        t.members = self.members(t, d.members, scope, top=True)
        # Resolve length bindings now that all members exist.
        self.bind_lengths(t, t.members, scope)

    def members(self, t, mems, scope, top):
        out = []
        for x in mems:
            if isinstance(x, Select):
                out.append(self.select(t, x, scope))
            else:
                out.append(self.field(t, x, scope))
        return out

    def add_cname(self, t, name, loc):
        if name in t.cnames:
            self.err(loc, "member %s appears twice in %s (in C they would clash)" % (name, t.name))
        t.cnames.add(name)

    def field(self, t, f, scope):
        self.used.add(f.typename)
        if f.name in scope:
            self.err(f.loc, "member %s defined twice in %s" % (f.name, t.name))
        contains = [a for a in f.annots if a.name == "contains"]
        sz = f.size
        if f.typename == "opaque":
            if sz.kind == "one":
                self.err(f.loc, "opaque member %s needs a size: [N] or <lo..hi>" % f.name)
            if sz.kind == "fixed":
                if sz.n <= 0:
                    self.err(f.loc, "member %s: a fixed size must be at least 1" % f.name)
                mf = MField(f.name, BytesType(("fixed", sz.n)), "bytes", None, f.loc)
            elif sz.kind == "field_or_param":
                fieldname = sz.field.split(".")[-1]
                if sz.field in self.m.externs:
                    mf = MField(f.name, BytesType(("param", sz.field)), "bytes", None, f.loc)
                    self.used.add(sz.field)
                else:
                    mf = MField(f.name, BytesType(("field",)), "bytes", ("field", fieldname), f.loc)
            elif sz.kind == "range":
                self.check_range(f.loc, sz.lo, sz.hi)
                if contains:
                    if len(contains[0].args) != 1 or len(contains[0].args[0]) != 1:
                        self.err(contains[0].loc, "@contains takes one type name")
                    cn = contains[0].args[0][0].value
                    self.used.add(cn)
                    ct = self.resolve_name(cn, contains[0].loc)
                    if ct.kind != "struct":
                        self.err(contains[0].loc, "@contains(%s): not a struct or select" % cn)
                    mf = MField(f.name, ct, "value",
                                ("prefix", prefix_width(sz.hi), sz.lo, sz.hi), f.loc)
                    mf.contains = True
                else:
                    mf = MField(f.name, BytesType(("range", sz.lo, sz.hi)), "bytes",
                                ("prefix", prefix_width(sz.hi), sz.lo, sz.hi), f.loc)
            else:  # listfield on opaque means bytes counted by a field
                mf = MField(f.name, BytesType(("field",)), "bytes",
                            ("field", sz.field.split(".")[-1]), f.loc)
        else:
            ty = self.resolve_name(f.typename, f.loc)
            if contains:
                self.err(contains[0].loc, "@contains is only for opaque members")
            if sz.kind == "one":
                if ty.kind == "bytes":
                    reg = None
                    if ty.size[0] == "range":
                        reg = ("prefix", prefix_width(ty.size[2]), ty.size[1], ty.size[2])
                    mf = MField(f.name, ty, "bytes", reg, f.loc)
                else:
                    mf = MField(f.name, ty, "value", None, f.loc)
            elif sz.kind == "range":
                self.check_range(f.loc, sz.lo, sz.hi)
                mf = MField(f.name, ty, "list", ("prefix", prefix_width(sz.hi), sz.lo, sz.hi), f.loc)
            elif sz.kind == "listfield":
                mf = MField(f.name, ty, "list", ("field", sz.field.split(".")[-1]), f.loc)
            elif sz.kind == "field_or_param":
                fieldname = sz.field.split(".")[-1]
                if ty.kind == "bytes":
                    self.err(f.loc, "member %s: %s already has a size" % (f.name, f.typename))
                mf = MField(f.name, ty, "value", ("field", fieldname), f.loc)
            else:
                self.err(f.loc, "member %s: [N] sizes are only for opaque" % f.name)
        mf.typename = f.typename
        for a in f.annots:
            if a.name == "length_of":
                if len(a.args) != 1 or len(a.args[0]) != 1:
                    self.err(a.loc, "@length_of takes one member name or 'rest'")
                mf.length_of = a.args[0][0].value
            elif a.name == "message_length":
                mf.message_length = True
            elif a.name == "constant":
                if len(a.args) != 1 or len(a.args[0]) != 1 or a.args[0][0].kind != "number":
                    self.err(a.loc, "@constant takes one number")
                mf.constant = a.args[0][0].value
            elif a.name != "contains":
                self.err(a.loc, "unknown annotation @%s on a member" % a.name)
        if mf.constant is not None and (mf.mode != "value" or mf.type.kind != "int"
                                        or mf.constant >= 256 ** mf.type.width):
            self.err(f.loc, "@constant field %s must be an integer wide enough for it" % f.name)
        if (mf.length_of or mf.message_length) and (mf.mode != "value" or mf.type.kind != "int"):
            self.err(f.loc, "length field %s must be an unsigned integer" % f.name)
        if mf.type.kind == "int" and mf.type.name in self.m.key_types:
            mf.key_slot = self.m.key_types.index(mf.type.name)
        scope[f.name] = mf
        self.add_cname(t, mf.cname, f.loc)
        return mf

    def select(self, t, s, scope):
        ms = MSelect(s.selector.split(".")[-1], s.loc)
        ms.extensible = any(a.name == "extensible" for a in s.annots)
        for a in s.annots:
            if a.name not in ("extensible",):
                self.err(a.loc, "unknown annotation @%s on a select" % a.name)
        sel = ms.selector
        if sel in scope:
            f = scope[sel]
            if f.mode != "value" or f.type.kind != "enum":
                self.err(s.loc, "selector %s is not an enum member" % sel)
            ms.binding = ("field", sel)
            ms.enum = f.type
        elif sel in self.m.externs:
            e = self.m.externs[sel]
            if e.type.kind != "enum":
                self.err(s.loc, "selector %s: extern is not an enum" % sel)
            ms.binding = ("extern", e)
            ms.enum = e.type
            if not any(x[0] == sel for x in t.stored):
                t.stored.append((sel, e.type, e))
                self.add_cname(t, cname(sel), s.loc)
        else:
            ms.binding = ("param", sel)
            # A select with no cases yet (every value unknown) takes its enum
            # from the member that binds it where the type is used.
            ms.enum = self.enum_of_labels(s) if any(c.labels for c in s.cases) else None
            if ms.enum is None:
                self.pending.append((t, ms))
            if not any(p[0] == sel for p in t.params):
                t.params.append((sel, ms.enum))
        if ms.extensible and ms.enum is not None:
            ms.enum.open = True
            n = 1
            while ms.unknown_cname in t.cnames:
                n += 1
                ms.unknown_cname = "unknown%d" % n
            t.cnames.add(ms.unknown_cname)
        labels_seen = {}
        valid = {it.name for it in ms.enum.items} if ms.enum else set()
        for c in s.cases:
            for lb in c.labels:
                if lb not in valid:
                    self.err(c.loc, "case %s is not a value of %s" % (lb, ms.enum.name))
                if lb in labels_seen:
                    self.err(c.loc, "case %s appears twice" % lb)
                labels_seen[lb] = c
            inner = dict(scope)
            mc = MCase(c.labels, [], c.loc)
            mc.members = self.case_members(t, c.members, inner, c.labels[0] if c.labels else None)
            ms.cases.append(mc)
        return ms

    def case_members(self, t, mems, scope, label=None):
        # Case members live in a union: their names must not clash with the
        # struct's, nor with another case's direct members. A case with 2+
        # members is wrapped in a struct named after its first label, so
        # its members only need to differ from each other and from the
        # struct's own members (they are keys of the same JSON object).
        out = []
        saved = set(t.cnames)
        wrapped = len(mems) >= 2
        direct = getattr(t, "case_direct", set())
        if wrapped:
            t.cnames = saved - direct
        for x in mems:
            if isinstance(x, Select):
                self.err(x.loc, "a select inside a case is not supported; "
                         "define a struct for the case body")
            out.append(self.field(t, x, scope))
        if wrapped:
            t.cnames = saved
            if label is not None:
                self.add_cname(t, cname(label), mems[0].loc)
                direct.add(cname(label))
        else:
            direct.update(f.cname for f in out)
        t.case_direct = direct
        return out

    def enum_of_labels(self, s):
        labels = [lb for c in s.cases for lb in c.labels]
        cands = []
        for name in self.m.order:
            d = self.astdefs[name]
            if isinstance(d, EnumDef):
                vals = {it.name for it in d.items}
                if all(lb in vals for lb in labels):
                    cands.append(name)
        if not labels:
            self.err(s.loc, "select (%s) has no cases, so its enum cannot be found; "
                     "name the selector after a member or extern" % s.selector)
        if len(cands) != 1:
            self.err(s.loc, "select (%s): %s enum holds all its case labels" % (
                s.selector, "no" if not cands else "more than one (%s)" % ", ".join(cands)))
        self.used.add(cands[0])
        return self.resolve_name(cands[0], s.loc)

    def bind_lengths(self, t, members, scope):
        flat = list(members)
        names = [getattr(x, "name", None) for x in flat]
        # Explicit [field] / <field> regions
        allm = []
        for x in flat:
            if x.is_select:
                for c in x.cases:
                    allm.extend(c.members)
            else:
                allm.append(x)
        order = {id(y): k for k, y in enumerate(allm)}
        for i, x in enumerate(allm):
            if x.region and x.region[0] == "field":
                fname = x.region[1]
                lf = scope.get(fname)
                # The length must be read before the member it measures.
                if (lf is None or lf.mode != "value" or lf.type.kind != "int"
                        or order.get(id(lf), i) >= i):
                    self.err(x.loc, "member %s is measured by %s, which is not an "
                             "earlier integer member" % (x.name, fname))
                if lf.measures is not None:
                    self.err(x.loc, "length field %s measures two members" % fname)
                lf.measures = x
                x.region = ("field", fname, lf)
        for i, x in enumerate(flat):
            if x.is_select or not x.length_of:
                continue
            if x.length_of == "rest":
                if t.rest_field is not None:
                    self.err(x.loc, "two @length_of(rest) in %s" % t.name)
                t.rest_field = x
                x.measures = "rest"
                x.rest_index = i + 1
                continue
            later = [y for y in flat[i + 1:] if not y.is_select and y.name == x.length_of]
            if not later:
                self.err(x.loc, "@length_of(%s): no later member of that name" % x.length_of)
            y = later[0]
            if y.region is not None and y.region[0] != "field":
                self.err(y.loc, "member %s already has its own length prefix" % y.name)
            if y.mode == "bytes" and y.type.size[0] in ("fixed", "param"):
                self.err(y.loc, "member %s has a fixed size" % y.name)
            if x.measures is not None and x.measures is not y:
                self.err(x.loc, "length field %s measures two members" % x.name)
            x.measures = y
            y.region = ("field", x.name, x)

    # ------------------------------------------------------------------
    def structs(self):
        return [self.m.types[n] for n in self.m.order if self.m.types[n].kind == "struct"
                and self.m.types[n].name == n]

    def member_fields(self, t):
        for x in t.members:
            if x.is_select:
                for c in x.cases:
                    for f in c.members:
                        yield f
            else:
                yield x

    def compute_params(self):
        """Free selectors propagate from a type to the structs that use it,
        unless an earlier member of the user binds them (6.3.1.1 style)."""
        changed = True
        while changed:
            changed = False
            for t in self.structs():
                scope_order = []
                for x in t.members:
                    self._bind(t, x, scope_order)
                    if x.is_select:
                        for c in x.cases:
                            inner = list(scope_order)
                            for f in c.members:
                                if self._bind(t, f, inner):
                                    changed = True
                    else:
                        scope_order.append(x)
                for x in list(self.member_fields(t)):
                    for pname, src in x.args:
                        if src == "param" and not any(p[0] == pname for p in t.params) and x.type.params:
                            et = [p[1] for p in x.type.params if p[0] == pname][0]
                            t.params.append((pname, et))
                            changed = True

    def _bind(self, t, f, scope_list):
        if f.is_select or f.type.kind != "struct" or not f.type.params:
            return False
        before = list(f.args)
        args = []
        for pname, et in f.type.params:
            local = [y for y in scope_list if y.name == pname]
            if local and et is None and local[-1].type.kind == "enum":
                self.adopt_enum(f.type, pname, local[-1].type)
                et = local[-1].type
            if local:
                if local[-1].type is not et and local[-1].type.kind == "enum" and local[-1].type.name != et.name:
                    raise SpecError(f.loc, "member %s binds selector %s with %s, "
                                    "but %s selects on %s" % (
                                        f.name, pname, local[-1].type.name, f.type.name, et.name))
                args.append((pname, "field"))
            else:
                args.append((pname, "param"))
        f.args = args
        return [a for a in args] != before

    def adopt_enum(self, t, pname, et):
        t.params = [(n, et if n == pname and e is None else e) for n, e in t.params]
        for x in t.members:
            if x.is_select and x.binding == ("param", pname) and x.enum is None:
                x.enum = et
                if x.extensible:
                    et.open = True

    def compute_sizes(self):
        # Minimum encoded sizes (fixpoint: no recursion is allowed anyway).
        def value_min(f):
            if f.mode == "bytes":
                k = f.type.size[0]
                if k == "fixed":
                    base = f.type.size[1]
                elif k == "param":
                    base = 1
                elif f.region and f.region[0] == "prefix":
                    base = f.region[1] + f.region[2]
                else:
                    base = 0
                return base
            if f.mode == "list":
                if f.region[0] == "prefix":
                    return f.region[1] + f.region[2]
                return 0
            if f.region and f.region[0] == "prefix":
                return f.region[1] + max(f.region[2], 0)
            if f.region and f.region[0] == "field":
                return 0
            return type_min(f.type)

        cache = {}

        def type_min(ty):
            if ty.kind in ("int", "enum", "u128"):
                return ty.width
            if ty.kind == "bytes":
                if ty.size[0] == "param":
                    return 1  # a size parameter is checked to be at least 1
                return ty.size[1] if ty.size[0] == "fixed" else (
                    prefix_width(ty.size[2]) + ty.size[1] if ty.size[0] == "range" else 0)
            if ty.name in cache:
                return cache[ty.name]
            cache[ty.name] = 0
            total = 0
            for x in ty.members:
                if x.is_select:
                    opts = [sum(value_min(f) for f in c.members) for c in x.cases]
                    if x.extensible or not opts:
                        opts.append(0)
                    total += min(opts)
                else:
                    total += value_min(x)
            if ty.compressed:
                total = min(total, ty.compressed[0])
            cache[ty.name] = total
            return total

        for t in self.structs():
            t.min_size = type_min(t)
        self.m.type_min = type_min
        # Lists must not be of elements that can be empty.
        for t in self.structs():
            for f in self.member_fields(t):
                if f.mode == "list":
                    if type_min(f.type) == 0:
                        self.err(f.loc, "list %s of %s: an element can encode to 0 bytes, "
                                 "so the list could repeat without end" % (f.name, f.typename))
        # Which structs allocate from the arena when decoded.
        changed = True
        while changed:
            changed = False
            for t in self.structs():
                if t.allocates:
                    continue
                for f in self.member_fields(t):
                    if f.mode == "list" or (f.type.kind == "struct" and f.type.allocates):
                        t.allocates = True
                        changed = True
                        break

    def check_kinds(self):
        m = self.m
        ids = {}
        dm = m.externs.get("data_model")
        for k in m.kinds:
            if k.value_type is not None:
                vt = self.resolve_name(k.value_type, k.loc)
                if vt.kind != "struct":
                    self.err(k.loc, "@kind %s: value type %s is not a struct" % (k.name, k.value_type))
                self.used.add(k.value_type)
            if k.kind_id in ids:
                self.err(k.loc, "Kind-ID %d registered twice (%s and %s)" % (
                    k.kind_id, ids[k.kind_id].name, k.name))
            ids[k.kind_id] = k
            if dm is not None:
                if k.model not in {it.name for it in dm.type.items}:
                    self.err(k.loc, "@kind %s: %s is not a %s value" % (
                        k.name, k.model, dm.type.name))

    def check_profiles(self):
        mc = self.m.types.get("MessageCode")
        for p in self.m.profiles.values():
            if mc is None:
                self.err(p.loc, "a profile needs the MessageCode enum")
            vals = {it.name: it.lo for it in mc.items}
            for t in p.sends + p.answers:
                if t.value not in vals:
                    self.err(t.loc, "profile %s: %s is not a MessageCode" % (p.name, t.value))
                if vals[t.value] % 2 != 1:
                    self.err(t.loc, "profile %s: %s is not a request code (odd)" % (p.name, t.value))

    def check_unused(self):
        m = self.m
        for n in m.order:
            if n not in self.used:
                t = m.types[n]
                if t.kind == "struct" and (getattr(t, "pdu", False) or n == "MessageBody"):
                    continue
                m.warnings.append("%s: warning: %s is defined but never used" % (
                    self.astdefs[n].loc, n))
        for n, e in m.externs.items():
            if n not in self.used and not any(
                    x.binding and x.binding[0] == "extern" and x.binding[1].name == n
                    for t in self.structs() for x in t.members if x.is_select):
                m.warnings.append("%s: warning: extern %s is never used" % (e.loc, n))

    def check_cycles(self):
        state = {}

        def visit(t, path):
            if state.get(t.name) == 1:
                self.err(t.loc, "%s contains itself (%s): recursive types are not "
                         "supported" % (t.name, " -> ".join(path + [t.name])))
            if state.get(t.name) == 2:
                return
            state[t.name] = 1
            for f in self.member_fields(t):
                if f.type.kind == "struct":
                    visit(f.type, path + [t.name])
            state[t.name] = 2

        for t in self.structs():
            visit(t, [])
        # Schema depth: how deeply values can nest, for doc/security.md.
        depth = {}

        def d(t):
            if t.name in depth:
                return depth[t.name]
            v = 1 + max([d(f.type) for f in self.member_fields(t) if f.type.kind == "struct"] or [0])
            depth[t.name] = v
            return v

        self.m.max_depth = max([d(t) for t in self.structs()] or [0])


def build_model(defs):
    return Builder(defs).build()
