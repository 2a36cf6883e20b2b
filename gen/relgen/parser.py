"""Parser for the spec language: tokens to the nodes of ast.py."""

import re

from .ast import (Annot, Case, EnumDef, EnumItem, ExtendEnum, ExtendSelect,
                  ExternDef, Field, KindDef, ProfileDef, Select, Size,
                  StructDef, TypedefDef)
from .lexer import SpecError, tokenize

_SECTION = re.compile(r"\bRFC\s*(\d{3,5})[,:]?\s*(?:[Ss]ection\s*|§\s*)?([0-9A-Z][0-9.]*[0-9A-Z]?|[0-9])")


class Parser:
    def __init__(self, text, filename):
        toks = tokenize(text, filename)
        self.toks = [t for t in toks if t.kind != "comment"]
        # For each significant token, the section cited by the last comment
        # before it (or None), so definitions can find their citation.
        self.section_before = []
        last = None
        last_pos = -1
        for t in toks:
            if t.kind == "comment":
                m = _SECTION.search(t.value)
                if m:
                    last = "RFC %s %s" % (m.group(1), m.group(2).rstrip("."))
                    last_pos = len(self.section_before)
                continue
            self.section_before.append((last, last_pos))
        self.i = 0
        self.filename = filename
        self.used_sections = set()

    # -- token helpers -------------------------------------------------
    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def at(self, kind, value=None, k=0):
        t = self.peek(k)
        return t.kind == kind and (value is None or t.value == value)

    def expect(self, kind, value=None, what=None):
        t = self.peek()
        if t.kind != kind or (value is not None and t.value != value):
            want = what or (repr(value) if value is not None else kind)
            got = "end of file" if t.kind == "eof" else repr(t.value)
            raise SpecError(t.loc, "expected %s, found %s" % (want, got))
        return self.next()

    def ident(self, what="a name"):
        return self.expect("ident", what=what)

    def lenient(self, loc, message):
        """A slip the RFC texts make (gen/rfcdiff.py parses them with a
        subclass that records it and goes on); in a spec file, an error."""
        raise SpecError(loc, message)

    # -- numbers ------------------------------------------------------------
    def term(self):
        t = self.expect("number", what="a number")
        v = t.value
        if self.at("punct", "^"):
            self.next()
            et = self.expect("number", what="an exponent")
            e = et.value
            if v != 2:
                raise SpecError(t.loc, "only powers of 2 are allowed (2^N)")
            # Python would compute 2^(2^64) for ever; nothing in the
            # language is wider than uint128.
            if e > 128:
                raise SpecError(et.loc, "exponent %d too large (at most 2^128)" % e)
            v = 2 ** e
        return v

    def expr(self):
        v = self.term()
        while self.at("punct", "+") or self.at("punct", "-"):
            op = self.next().value
            w = self.term()
            v = v + w if op == "+" else v - w
        return v

    # -- annotations -----------------------------------------------------
    def annotations(self):
        out = []
        while self.at("annot"):
            t = self.next()
            args = []
            if self.at("punct", "("):
                self.next()
                cur = []
                depth = 0
                while True:
                    a = self.peek()
                    if a.kind == "eof":
                        raise SpecError(t.loc, "annotation @%s not closed" % t.value)
                    if a.kind == "punct" and a.value == ")" and depth == 0:
                        self.next()
                        break
                    if a.kind == "punct" and a.value == "," and depth == 0:
                        args.append(cur)
                        cur = []
                        self.next()
                        continue
                    if a.kind == "punct" and a.value == "(":
                        depth += 1
                    if a.kind == "punct" and a.value == ")":
                        depth -= 1
                    cur.append(self.next())
                if cur or args:
                    args.append(cur)
            out.append(Annot(t.value, args, t.loc))
        return out

    # -- definitions -------------------------------------------------------
    def section_for(self, start_index, prev_end):
        # Only a comment written after the previous definition counts.
        sec, pos = self.section_before[start_index]
        return sec if pos >= prev_end else None

    def parse(self):
        defs = []
        prev_end = 0
        while not self.at("eof"):
            start = self.i
            d = self.toplevel()
            d.section = self.section_for(start, prev_end)
            prev_end = self.i
            defs.append(d)
        return defs

    def toplevel(self):
        annots = self.annotations()
        t = self.peek()
        if t.kind == "punct" and t.value == ";" and annots:
            self.next()
            for a in annots:
                if a.name == "kind":
                    return self.kind_annot(a)
            raise SpecError(annots[0].loc, "annotation @%s stands alone" % annots[0].name)
        if t.kind != "ident":
            if annots and any(a.name == "kind" for a in annots):
                raise SpecError(t.loc, "expected ';' after @kind(...)")
            raise SpecError(t.loc, "expected a definition (enum, struct, select, typedef, "
                            "extern, extend, profile), found %r" % t.value)
        kw = t.value
        if kw == "public":
            self.next()
            kw = self.peek().value
            if kw != "struct":
                raise SpecError(self.peek().loc, "expected 'struct' after 'public'")
        if kw == "enum":
            return self.enum_def(annots)
        if kw == "struct":
            return self.struct_def(annots)
        if kw == "select":
            loc = self.peek().loc
            sel = self.select(annots)
            name = self.ident("the select type's name")
            self.expect("punct", ";")
            return StructDef(name.value, [sel], [a for a in annots if a.name != "extensible"],
                             loc, standalone_select=True)
        if kw == "typedef":
            return self.typedef_def(annots)
        if kw == "extern":
            return self.extern_def()
        if kw == "extend":
            return self.extend_def()
        if kw == "profile":
            return self.profile_def()
        raise SpecError(t.loc, "unknown definition keyword %r" % kw)

    def kind_annot(self, a):
        if len(a.args) not in (3, 4):
            raise SpecError(a.loc, "@kind takes (\"NAME\", id, data_model[, ValueType])")
        name, kid, model = a.args[:3]
        vtype = None
        if len(a.args) == 4:
            if len(a.args[3]) != 1 or a.args[3][0].kind != "ident":
                raise SpecError(a.loc, "@kind: the fourth argument is the stored value's type")
            vtype = a.args[3][0].value
        if len(name) != 1 or name[0].kind != "string":
            raise SpecError(a.loc, "@kind: the first argument is the Kind's name in quotes")
        if len(kid) != 1 or kid[0].kind != "number":
            raise SpecError(a.loc, "@kind: the second argument is the Kind-ID (a number)")
        if len(model) != 1 or model[0].kind != "ident":
            raise SpecError(a.loc, "@kind: the third argument is a DataModel value")
        return KindDef(name[0].value, kid[0].value, model[0].value, a.loc, vtype)

    def enum_items(self):
        items = []
        maxval = None
        self.expect("punct", "{")
        while True:
            if self.at("punct", "("):
                t = self.next()
                v = self.expr()
                self.expect("punct", ")")
                if self.at("punct", ","):
                    # Only the maximum, written last, has no name.
                    self.lenient(t.loc, "enum value (%d) has no name" % v)
                    items.append(EnumItem(None, v, v, t.loc))
                else:
                    maxval = v
            else:
                n = self.ident("an enum value name")
                self.expect("punct", "(")
                lo = self.expr()
                hi = lo
                if self.at("punct", ".."):
                    self.next()
                    hi = self.expr()
                self.expect("punct", ")")
                items.append(EnumItem(n.value, lo, hi, n.loc))
            if self.at("punct", ","):
                self.next()
                continue
            if self.at("punct", "}"):
                self.next()
                break
            t = self.peek()
            if t.kind == "ident" or (t.kind == "punct" and t.value == "("):
                self.lenient(t.loc, "expected ',' or '}' in enum, found %r" % t.value)
                continue
            raise SpecError(t.loc, "expected ',' or '}' in enum, found %r" % t.value)
        return items, maxval

    def enum_def(self, annots):
        loc = self.next().loc
        items, maxval = self.enum_items()
        name = self.ident("the enum's name")
        self.expect("punct", ";")
        if maxval is None:
            raise SpecError(name.loc, "enum %s has no maximum value such as (255)" % name.value)
        return EnumDef(name.value, items, maxval, annots, loc)

    def struct_def(self, annots):
        loc = self.next().loc
        self.expect("punct", "{")
        members = self.members(("}",))
        self.expect("punct", "}")
        name = self.ident("the struct's name")
        self.expect("punct", ";")
        return StructDef(name.value, members, annots, loc)

    def members(self, stop):
        out = []
        while True:
            t = self.peek()
            if t.kind == "punct" and t.value in stop:
                return out
            if t.kind == "ident" and t.value in ("case", "default") and "case" in stop:
                return out
            if t.kind == "eof":
                raise SpecError(t.loc, "unexpected end of file inside a definition")
            if t.kind == "punct" and t.value == ";":
                self.next()
                continue
            annots = self.annotations()
            if self.at("ident", "select"):
                sel = self.select(annots)
                if self.at("ident"):
                    t = self.next()
                    self.lenient(t.loc, "a select inside a struct has no name "
                                 "(found %r)" % t.value)
                    sel.name = t.value
                self.expect("punct", ";")
                out.append(sel)
                continue
            out.append(self.field(annots))

    def size(self):
        if self.at("punct", "["):
            self.next()
            if self.at("ident"):
                n = self.next().value
                self.expect("punct", "]")
                return Size("field_or_param", field=n)
            n = self.expr()
            self.expect("punct", "]")
            return Size("fixed", n=n)
        if self.at("punct", "<"):
            self.next()
            if self.at("ident"):
                n = self.next().value
                self.expect("punct", ">")
                return Size("listfield", field=n)
            lo = self.expr()
            self.expect("punct", "..")
            hi = self.expr()
            self.expect("punct", ">")
            return Size("range", lo=lo, hi=hi)
        return Size("one")

    def field(self, annots):
        ty = self.ident("a type name")
        if self.at("punct", "<") or self.at("punct", "["):
            self.lenient(self.peek().loc, "the size goes after the member name")
            size = self.size()
            name = self.ident("a member name")
        else:
            name = self.ident("a member name")
            size = self.size()
        annots = annots + self.annotations()
        self.expect("punct", ";")
        return Field(ty.value, name.value, size, annots, ty.loc)

    def select(self, annots):
        loc = self.expect("ident", "select").loc
        self.expect("punct", "(")
        sel = self.ident("the selector's name").value
        self.expect("punct", ")")
        annots = annots + self.annotations()
        self.expect("punct", "{")
        cases = self.cases()
        self.expect("punct", "}")
        return Select(sel, cases, annots, loc)

    def cases(self):
        cases = []
        while self.at("ident", "case"):
            loc = self.peek().loc
            labels = []
            while self.at("ident", "case"):
                self.next()
                labels.append(self.ident("a case label").value)
                while self.at("punct", ","):
                    self.next()
                    labels.append(self.ident("a case label").value)
                if self.at("punct", ";"):
                    # RFC 6940 writes "case cert_hash;" once.
                    self.lenient(self.peek().loc, "expected ':' after the case label, found ';'")
                    self.next()
                else:
                    self.expect("punct", ":")
            members = self.members(("}", "case"))
            cases.append(Case(labels, members, loc))
        t = self.peek()
        if not (t.kind == "punct" and t.value == "}"):
            raise SpecError(t.loc, "expected 'case' or '}' in select, found %r" % t.value)
        return cases

    def typedef_def(self, annots):
        loc = self.next().loc
        ty = self.ident("a type name")
        name = self.ident("the new type's name")
        size = self.size()
        self.expect("punct", ";")
        return TypedefDef(name.value, ty.value, size, annots, loc)

    def extern_def(self):
        loc = self.next().loc
        ty = self.ident("the parameter's type")
        name = self.ident("the parameter's name")
        key = None
        if self.at("punct", "("):
            self.next()
            key = self.ident("the key type").value
            self.expect("punct", ")")
        self.expect("punct", ";")
        return ExternDef(name.value, ty.value, key, loc)

    def extend_def(self):
        loc = self.next().loc
        what = self.ident("'enum' or 'select'")
        if what.value == "enum":
            name = self.ident("the enum to extend")
            items, maxval = self.enum_items()
            if maxval is not None:
                raise SpecError(name.loc, "extend enum cannot change the maximum")
            self.expect("punct", ";")
            return ExtendEnum(name.value, items, loc)
        if what.value == "select":
            name = self.ident("the select to extend")
            self.expect("punct", "{")
            cases = self.cases()
            self.expect("punct", "}")
            self.expect("punct", ";")
            return ExtendSelect(name.value, cases, loc)
        raise SpecError(what.loc, "extend takes 'enum' or 'select'")

    def profile_def(self):
        loc = self.next().loc
        name = self.ident("the profile's name")
        self.expect("punct", "{")
        sends, answers = [], []
        while not self.at("punct", "}"):
            w = self.ident("'sends' or 'answers'")
            if w.value not in ("sends", "answers"):
                raise SpecError(w.loc, "a profile lists 'sends' and 'answers'")
            lst = sends if w.value == "sends" else answers
            lst.append(self.ident("a message code"))
            while self.at("punct", ","):
                self.next()
                lst.append(self.ident("a message code"))
            self.expect("punct", ";")
        self.next()
        self.expect("punct", ";")
        return ProfileDef(name.value, sends, answers, loc)


def parse_file(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return Parser(text, path).parse()


def parse_text(text, filename="<text>"):
    return Parser(text, filename).parse()
