"""The parsed form of spec files, before names are resolved."""


class Node:
    loc = None
    section = None


class EnumItem(Node):
    def __init__(self, name, lo, hi, loc):
        self.name, self.lo, self.hi, self.loc = name, lo, hi, loc


class EnumDef(Node):
    def __init__(self, name, items, maxval, annots, loc):
        self.name, self.items, self.maxval = name, items, maxval
        self.annots, self.loc = annots, loc


class Size(Node):
    """How big a member is: kind is one of
    'one'    - a single value of its type (or what its typedef says)
    'fixed'  - [N] bytes; n is an int or an extern name (param)
    'field'  - [f] bytes measured by field f (one value, or bytes for opaque)
    'range'  - <lo..hi> with a length prefix
    'listfield' - <f> list filling the bytes counted by field f
    """

    def __init__(self, kind, n=None, param=None, field=None, lo=None, hi=None):
        self.kind, self.n, self.param, self.field = kind, n, param, field
        self.lo, self.hi = lo, hi


class Field(Node):
    def __init__(self, typename, name, size, annots, loc):
        self.typename, self.name, self.size = typename, name, size
        self.annots, self.loc = annots, loc


class Case(Node):
    def __init__(self, labels, members, loc):
        self.labels, self.members, self.loc = labels, members, loc


class Select(Node):
    def __init__(self, selector, cases, annots, loc):
        self.selector, self.cases, self.annots, self.loc = selector, cases, annots, loc
        self.name = None  # anonymous


class StructDef(Node):
    def __init__(self, name, members, annots, loc, standalone_select=False):
        self.name, self.members, self.annots, self.loc = name, members, annots, loc
        self.standalone_select = standalone_select


class TypedefDef(Node):
    def __init__(self, name, typename, size, annots, loc):
        self.name, self.typename, self.size, self.annots, self.loc = (
            name, typename, size, annots, loc)


class ExternDef(Node):
    def __init__(self, name, typename, key, loc):
        self.name, self.typename, self.key, self.loc = name, typename, key, loc


class ExtendEnum(Node):
    def __init__(self, name, items, loc):
        self.name, self.items, self.loc = name, items, loc


class ExtendSelect(Node):
    def __init__(self, name, cases, loc):
        self.name, self.cases, self.loc = name, cases, loc


class KindDef(Node):
    def __init__(self, name, kind_id, model, loc, value_type=None):
        self.name, self.kind_id, self.model, self.loc = name, kind_id, model, loc
        self.value_type = value_type


class ProfileDef(Node):
    def __init__(self, name, sends, answers, loc):
        self.name, self.sends, self.answers, self.loc = name, sends, answers, loc


class Annot(Node):
    def __init__(self, name, args, loc):
        self.name, self.args, self.loc = name, args, loc

    def __repr__(self):
        return "@%s(%s)" % (self.name, self.args)
