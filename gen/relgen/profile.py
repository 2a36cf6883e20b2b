"""Restrict a model to a profile (RFC 6940 4.2: what a client speaks).

The client codec keeps only the MessageBody cases for the requests the
profile sends or answers (and their answers, and error), and only the types
reachable from the PDUs (Message, FramedMessage), the kept bodies and the
Kinds' value types. Every other message code decodes as unknown raw bytes,
which a client answers with an error as for any unknown message.
"""

import copy


def restrict_to_profile(model, profile):
    m = copy.deepcopy(model)
    mc = m.types["MessageCode"]
    vals = {it.name: it.lo for it in mc.items}
    allowed = {0xFFFF}
    for t in profile.sends + profile.answers:
        allowed.add(vals[t.value])
        allowed.add(vals[t.value] + 1)
    body = m.types["MessageBody"]
    for x in body.members:
        if x.is_select:
            x.cases = [c for c in x.cases
                       if any(vals.get(lb) in allowed for lb in c.labels)]
            for c in x.cases:
                c.labels = [lb for lb in c.labels if vals.get(lb) in allowed]
    roots = [t for n, t in m.types.items() if t.kind == "struct" and getattr(t, "pdu", False)]
    roots.append(body)
    for k in m.kinds:
        if k.value_type:
            roots.append(m.types[k.value_type])
    seen = set()
    enums = set()

    def visit(t):
        if t.kind == "enum":
            enums.add(t.name)
            return
        if t.kind != "struct" or t.name in seen:
            return
        seen.add(t.name)
        for pn, et in t.params:
            if et is not None:
                enums.add(et.name)
        for sn, et, e in t.stored:
            enums.add(et.name)
        for x in t.members:
            if x.is_select:
                enums.add(x.enum.name)
                for c in x.cases:
                    for f in c.members:
                        visit(f.type)
            else:
                visit(x.type)

    for r in roots:
        visit(r)
    for e in m.externs.values():
        enums.add(e.type.name)
    enums.add("MessageCode")
    enums.add("ErrorCode")
    keep = []
    for n in m.order:
        t = m.types[n]
        if t.kind == "struct" and n not in seen:
            continue
        if t.kind == "enum" and n not in enums:
            continue
        keep.append(n)
    m.order = keep
    return m
