"""C emitter, the decoding part: rl_T_decode and rl_T_parse, and the
functions behind them (mixed into emit_c.Emitter, whose naming helpers it
uses).

Every type T gets a static decoder
  const uint8_t *rl_T_dec_(p, end, ctx, out, params...)
that decodes the value starting at p, reading nothing at or past end, and
returns the position after it, or NULL with ctx->err filled in. The
position and the end of the current region are local variables, not a
cursor in memory (runtime/cursor.h says why); every read is preceded by
rl_has, once per field or once for a run of fixed-size fields. Failures go
through the cold rl_dec_* functions of runtime/ctx.h, so the code for bad
input stays out of the way of the code for good input. The message type's
decoder is also compiled with everything it calls inlined into it
(RL_FLATTEN): the path of every received message makes no calls.
"""

from .ctext import cstr, range_cond
from .model import cname, prefix_width


class DecodeEmitter:
    # -- decode -----------------------------------------------------------------
    # Every type T has a static decoder
    #   const uint8_t *rl_T_dec_(p, end, ctx, out, params...)
    # that decodes the value starting at p, reading nothing at or past end,
    # and returns the position after it, or NULL with ctx->err filled in.
    # The position and the end of the current region are local variables
    # (cursor.h says why); every read is preceded by rl_has, once per field
    # or once for a run of fixed-size fields. Failures go through the cold
    # rl_dec_* functions of ctx.h, so the code for bad input stays out of
    # the way. rl_T_decode and rl_T_parse wrap the static decoder.

    def dn(self, t):
        return "%s%s_dec_" % (self.P, cname(t.name))

    def dn_entry(self, t):
        """The decoder the public functions of t call."""
        return "%s%s_dec_all_" % (self.P, cname(t.name)) if t.message else self.dn(t)

    def dec_proto(self, t):
        return "static const uint8_t *%s(const uint8_t *p, const uint8_t *end, rl_ctx *ctx, %s *out%s)" % (
            self.dn(t), self.tn(t), self.params_decl(t))

    def dec_prototypes(self):
        c = self.c
        c.append("/* The decoders (see rl_T_decode): position in, position after the")
        c.append(" * value out, NULL on failure. */")
        for t in self.structs:
            c.append(self.dec_proto(t) + ";")
        c.append("")

    def gen_decode(self, t):
        c = self.c
        c.append("/* %s */" % t.section)
        c.append(self.dec_proto(t) + " {")
        body = []
        self.E = "end"
        self.nend = 0
        self.elem_idx = None
        self.prefix_known = False
        self.defer = {}
        body.append("const uint8_t *start_ = p;")
        body.append("(void)ctx;")
        body.append("(void)end;")
        if t.keys_set or any(f.key_slot is not None for f in self.fields_of(t)):
            slots = sorted({f.key_slot for f in self.fields_of(t) if f.key_slot is not None})
            for s in slots:
                body.append("uint64_t key_save%d_ = ctx->key[%d];" % (s, s))
                body.append("uint8_t have_save%d_ = ctx->have_key[%d];" % (s, s))
            self.restore = ["ctx->key[%d] = key_save%d_; ctx->have_key[%d] = have_save%d_;" % (
                s, s, s, s) for s in slots]
        else:
            self.restore = []
        if t.message:
            body.append("size_t msg_save_ = ctx->message_length;")
            body.append("ctx->message_length = (size_t)(end - p);")
            self.restore.append("ctx->message_length = msg_save_;")
        if t.compressed:
            w, n = t.compressed
            body.append("if (!rl_has(p, end, 1)) return rl_dec_fail(ctx, p, 0, RL_ERR_TRUNCATED, NULL, NULL);")
            body.append("out->compressed = (p[0] & 0x80) != 0;")
            body.append("if (out->compressed) {")
            body.append("  if (!rl_has(p, end, %d)) return rl_dec_fail(ctx, p, 0, RL_ERR_TRUNCATED, %s, NULL);" % (
                w, cstr(n)))
            body.append("  out->%s = %s;" % (cname(n), self.rd(w, "p")))
            body.append("  p += %d;" % w)
            body.append("  out->raw.ptr = start_;")
            body.append("  out->raw.len = (size_t)(p - start_);")
            body += ["  " + l for l in self.restore]
            body.append("  return p;")
            body.append("}")
        body += self.dec_members(t, t.members, "out")
        if t.rest_field is not None:
            body.append("if (p != rest_end_)")
            body.append("  return rl_dec_fail(ctx, p, 0, RL_ERR_TRAILING, NULL, "
                        "\"bytes left after the members its length field counts\");")
        body.append("out->raw.ptr = start_;")
        body.append("out->raw.len = (size_t)(p - start_);")
        body += self.restore
        body.append("return p;")
        c += ["  " + l for l in body]
        c.append("}")
        c.append("")
        if t.message:
            # Every received message takes this path: one copy of all the
            # decoders it reaches, inlined into one function, so that it
            # makes no calls (the other types' functions keep theirs).
            c.append("/* %s with everything it calls inlined (the path of every message). */" % t.name)
            c.append("static RL_FLATTEN const uint8_t *%s(const uint8_t *p, const uint8_t *end, "
                     "rl_ctx *ctx, %s *out%s) {" % (self.dn_entry(t), self.tn(t), self.params_decl(t)))
            c.append("  return %s(p, end, ctx, out%s);" % (
                self.dn(t), "".join(", p_%s" % cname(pn) for pn, _ in t.params)))
            c.append("}")
            c.append("")
        # The public function: the same on a cursor.
        args = "".join(", p_%s" % cname(pn) for pn, _ in t.params)
        c.append("int %s(rl_cursor *c, rl_ctx *ctx, %s *out%s) {" % (
            self.fn(t, "decode"), self.tn(t), self.params_decl(t)))
        c.append("  const uint8_t *p = %s(c->p, c->end, ctx, out%s);" % (self.dn_entry(t), args))
        c.append("  if (!p) return ctx->err.code;")
        c.append("  c->p = p;")
        c.append("  return 0;")
        c.append("}")
        c.append("")

    def rd(self, w, at):
        """C expression: the big-endian integer of w bytes at at."""
        if w == 1:
            return "p[%s]" % (at[4:] if at.startswith("p + ") else "0") if at.startswith("p") else "%s[0]" % at
        return "rl_rd_u%d(%s)" % (8 * w, at)

    def at(self, k):
        return "p + %d" % k if k else "p"

    def new_end(self):
        self.nend += 1
        return "end%d_" % self.nend

    def fail(self, code, field, reason="NULL", back=0):
        """Return statement for a failure at p (back: see rl_dec_fail)."""
        if self.elem_idx:
            return "return rl_dec_elem_fail(ctx, p, %d, %s, (long)%s, %s, %s);" % (
                back, cstr(field), self.elem_idx, code, reason)
        return "return rl_dec_fail(ctx, p, %d, %s, %s, %s);" % (
            back, code, cstr(field) if field else "NULL", reason)

    def fail_at(self, at, back, code, field, reason):
        if self.elem_idx:
            return "return rl_dec_elem_fail(ctx, %s, %d, %s, (long)%s, %s, %s);" % (
                at, back, cstr(field), self.elem_idx, code, reason)
        return "return rl_dec_fail(ctx, %s, %d, %s, %s, %s);" % (
            at, back, code, cstr(field) if field else "NULL", reason)

    def push(self, name):
        if self.elem_idx:
            return "return rl_dec_push_index(ctx, %s, (long)%s);" % (cstr(name), self.elem_idx)
        return "return rl_dec_push(ctx, %s);" % cstr(name)

    def fixed_size(self, f):
        """Bytes of a member that is a fixed-size leaf (no region), else None."""
        if f.is_select or f.region is not None:
            return None
        ty = f.type
        if f.mode == "value" and ty.kind in ("int", "enum", "u128"):
            return ty.width
        if f.mode == "bytes" and ty.kind == "bytes" and ty.size[0] == "fixed":
            return ty.size[1]
        return None

    def dec_members(self, t, members, obj, lvals=None):
        """Members in order; lvals: their lvalues (select cases), default obj->name."""
        out = []
        i = 0
        while i < len(members):
            x = members[i]
            if x.is_select:
                out += self.dec_select(t, x, obj)
                i += 1
                continue
            # A run of fixed-size members: one bounds check for all of them,
            # and for the length prefix of an opaque that follows them.
            j = i
            while (j < len(members) and self.fixed_size(members[j]) is not None and
                   (j == i or members[j - 1] is not t.rest_field)):
                j += 1
            if (j > i and j < len(members) and members[j - 1] is not t.rest_field and
                    self.prefix_width(members[j])):
                j += 1
            run = members[i:j]
            lv = [lvals[k] if lvals else "%s->%s" % (obj, members[k].cname) for k in range(i, j)]
            # A closed enum read just before the select it selects is checked
            # in the select's default case: one test less for good input.
            last = run[-1] if run else x
            if (j < len(members) and members[j].is_select and not members[j].extensible and
                    members[j].binding == ("field", last.name) and last.type.kind == "enum" and
                    not last.type.open and last.region is None):
                self.defer[last.name] = last
            if len(run) >= 2:
                out += self.dec_run(t, run, lv, obj)
                i = j
                x = run[-1]
            else:
                out += self.dec_field(t, x, obj, lval=lvals[i] if lvals else None)
                i += 1
            if t.rest_field is x:
                out.append("if (!rl_has(p, %s, %s->%s))" % (self.E, obj, x.cname))
                out.append("  " + self.fail("RL_ERR_TRUNCATED", x.name,
                                            '"its length field counts more bytes than remain"'))
                out.append("const uint8_t *rest_end_ = p + %s->%s;" % (obj, x.cname))
                self.E = "rest_end_"
        return out

    def prefix_width(self, f):
        """Bytes of the length prefix of an opaque member, else None."""
        if f.is_select or f.mode != "bytes":
            return None
        if f.region is not None:
            return f.region[1] if f.region[0] == "prefix" else None
        return prefix_width(f.type.size[2]) if f.type.size[0] == "range" else None

    def dec_run(self, t, run, lvals, obj):
        """Fixed-size members (and the length prefix of an opaque after
        them): when all their bytes are there (the usual case), read them
        without a check each; else member by member, which reports the
        first short or bad member exactly as always."""
        tail = None
        if self.fixed_size(run[-1]) is None:
            tail, tail_lv = run[-1], lvals[-1]
            run, lvals = run[:-1], lvals[:-1]
        total = sum(self.fixed_size(f) for f in run)
        need = total + (self.prefix_width(tail) if tail else 0)
        out = ["if (RL_LIKELY(rl_has(p, %s, %d))) {" % (self.E, need)]
        k = 0
        for f, lv in zip(run, lvals):
            w = self.fixed_size(f)
            out += ["  " + l for l in self.read_fixed(f.type, f.mode, lv, self.at(k))]
            out += ["  " + l for l in self.value_checks(f, f.type, lv, f.name, "p + %d" % (k + w), w)]
            k += w
        out.append("  p += %d;" % total)
        if tail:
            self.prefix_known = True
            out += ["  " + l for l in self.dec_field(t, tail, obj, lval=tail_lv)]
            self.prefix_known = False
            run, lvals = run + [tail], lvals + [tail_lv]
        out.append("} else {")
        for f, lv in zip(run, lvals):
            out += ["  " + l for l in self.dec_field(t, f, obj, lval=lv)]
        out.append("}")
        return out

    def read_fixed(self, ty, mode, lv, at):
        """Store the fixed-size value at `at` (bytes known to be there) in lv."""
        if mode == "bytes" or ty.kind == "bytes":
            return ["%s.ptr = %s;" % (lv, at), "%s.len = %d;" % (lv, ty.size[1])]
        if ty.kind == "u128":
            return ["memcpy(%s.b, %s, 16);" % (lv, at)]
        return ["%s = %s;" % (lv, self.rd(ty.width, at))]

    def enum_known(self, ty, v):
        """C condition: v is a value the closed enum ty defines."""
        spans = sorted((it.lo, it.hi) for it in ty.items)
        merged = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        maxv = 256 ** ty.width - 1
        if len(merged) == 1:
            lo, hi = merged[0]
            cond = range_cond(v, lo, hi, maxv)
            return "!(%s)" % cond if cond else "1"
        if merged[-1][1] < 64:
            mask = 0
            for lo, hi in merged:
                for x in range(lo, hi + 1):
                    mask |= 1 << x
            return "%s < 64u && ((%#xull >> %s) & 1)" % (v, mask, v)
        return "%s(%s)" % (self.fn(ty, "valid"), v)

    def enum_check(self, f, ty, lv, name, pos, w):
        """The check of a closed enum just read into lv (pos: the position
        after it), unless its select does it (self.defer)."""
        if ty.kind != "enum" or ty.open or (
                f is not None and self.defer.get(name) is f and not self.elem_idx):
            return []
        return ["if (RL_UNLIKELY(!(%s)))" % self.enum_known(ty, lv),
                "  " + self.fail_at(pos, w, "RL_ERR_BAD_ENUM", name,
                                    "\"value not defined for %s\"" % ty.name)]

    def value_checks(self, f, ty, lv, name, pos, w, enum=True):
        """Checks of a value just read into lv; pos: the position after it.
        enum=False: all but the closed enum's (dec_value did that one)."""
        out = self.enum_check(f, ty, lv, name, pos, w) if enum else []
        if f is None or f.mode != "value":
            return out
        if f.constant is not None:
            out.append("if (%s != %#xu)" % (lv, f.constant))
            out.append("  return rl_dec_fail(ctx, %s, %d, RL_ERR_CONSTANT, %s, \"%s must be %#x\");" % (
                pos, ty.width, cstr(name), f.name, f.constant))
        if f.message_length:
            # RFC 6940 6.3.2: length counts the whole message. More than
            # the input holds: the input ends inside the message, as
            # with any length prefix (a stream reader waits for more).
            out.append("if (%s > ctx->message_length)" % lv)
            out.append("  return rl_dec_fail(ctx, %s, 0, RL_ERR_TRUNCATED, %s, "
                       "\"the message is longer than the input\");" % (pos, cstr(name)))
            out.append("if (%s != ctx->message_length)" % lv)
            out.append("  return rl_dec_fail(ctx, %s, 0, RL_ERR_LENGTH_FIELD, %s, "
                       "\"length does not match the size of the message\");" % (pos, cstr(name)))
        if f.key_slot is not None:
            out.append("ctx->key[%d] = %s;" % (f.key_slot, lv))
            out.append("ctx->have_key[%d] = 1;" % f.key_slot)
        return out

    def dec_field(self, t, f, obj, lval=None):
        """Decode member f into obj->f (or lval) from p."""
        lv = lval or "%s->%s" % (obj, f.cname)
        out = []
        if f.mode == "value" and f.region is None:
            out += self.dec_value(f.type, lv, f.name, f, obj)
            if f.type.kind in ("int", "enum"):
                out += self.value_checks(f, f.type, lv, f.name, "p", f.type.width, enum=False)
            return out
        if f.mode == "bytes" and f.region is None:
            return self.dec_value(f.type, lv, f.name, f, obj)
        # A member in its own region: a length prefix or a length field.
        E = self.E
        en = self.new_end()
        out.append("{")
        out += ["  " + l for l in self.open_region(f, obj, en)]
        self.E = en
        if f.mode == "bytes":
            out.append("  %s.ptr = p;" % lv)
            out.append("  %s.len = (size_t)(%s - p);" % (lv, en))
            out.append("  p = %s;" % en)
        elif f.mode == "value":
            out += ["  " + l for l in self.dec_value(f.type, lv, f.name, f, obj)]
            out.append("  if (p != %s)" % en)
            out.append("    return rl_dec_fail(ctx, p, 0, RL_ERR_TRAILING, %s, NULL);" % cstr(f.name))
        else:
            out += ["  " + l for l in self.dec_list(f, obj, lv)]
        self.E = E
        out.append("}")
        return out

    def open_region(self, f, obj, en):
        out = []
        reg = f.region
        E = self.E
        if reg[0] == "prefix":
            w, lo, hi = reg[1], reg[2], reg[3]
            if not self.prefix_known:
                out.append("if (!rl_has(p, %s, %d)) %s" % (E, w, self.fail("RL_ERR_TRUNCATED", f.name)))
            out.append("size_t len_ = %s;" % self.rd(w, "p"))
            out.append("p += %d;" % w)
            cond = range_cond("len_", lo, hi, 256 ** w - 1)
            if cond:
                out.append("if (%s)" % cond)
                out.append("  return rl_dec_fail(ctx, p, 0, RL_ERR_LENGTH_RANGE, %s, "
                           "\"length outside <%d..%d>\");" % (cstr(f.name), lo, hi))
            out.append("if (!rl_has(p, %s, len_)) %s" % (E, self.fail("RL_ERR_TRUNCATED", f.name)))
            out.append("const uint8_t *%s = p + len_;" % en)
        else:
            lf = reg[2]
            out.append("if (!rl_has(p, %s, %s->%s))" % (E, obj, lf.cname))
            out.append("  return rl_dec_fail(ctx, p, 0, RL_ERR_TRUNCATED, %s, "
                       "\"length field %s counts more bytes than remain\");" % (cstr(f.name), lf.name))
            out.append("const uint8_t *%s = p + %s->%s;" % (en, obj, lf.cname))
        return out

    def dec_value(self, ty, lv, name, f, obj):
        """Decode one value of type ty (no region) from p into lvalue lv."""
        out = []
        E = self.E
        if ty.kind in ("int", "enum", "u128"):
            w = ty.width
            out.append("if (!rl_has(p, %s, %d)) %s" % (E, w, self.fail("RL_ERR_TRUNCATED", name)))
            out += self.read_fixed(ty, "value", lv, "p")
            out.append("p += %d;" % w)
            if ty.kind == "enum":
                out += self.enum_check(f, ty, lv, name, "p", w)
        elif ty.kind == "bytes":
            k = ty.size[0]
            if k == "fixed":
                n = str(ty.size[1])
                out.append("if (!rl_has(p, %s, %s)) %s" % (E, n, self.fail("RL_ERR_TRUNCATED", name)))
                out.append("%s.ptr = p;" % lv)
                out.append("%s.len = %s;" % (lv, n))
                out.append("p += %s;" % n)
            elif k == "param":
                out.append("{")
                out.append("  size_t bn_ = P_(ctx)->%s;" % cname(ty.size[1]))
                out.append("  if (!rl_has(p, %s, bn_)) %s" % (E, self.fail("RL_ERR_TRUNCATED", name)))
                out.append("  %s.ptr = p;" % lv)
                out.append("  %s.len = bn_;" % lv)
                out.append("  p += bn_;")
                out.append("}")
            else:
                w, lo, hi = prefix_width(ty.size[2]), ty.size[1], ty.size[2]
                out.append("{")
                if not self.prefix_known:
                    out.append("  if (!rl_has(p, %s, %d)) %s" % (E, w, self.fail("RL_ERR_TRUNCATED", name)))
                out.append("  size_t blen_ = %s;" % self.rd(w, "p"))
                out.append("  p += %d;" % w)
                cond = range_cond("blen_", lo, hi, 256 ** w - 1)
                if cond:
                    out.append("  if (%s)" % cond)
                    out.append("    " + self.fail("RL_ERR_LENGTH_RANGE", name,
                                                  "\"length outside <%d..%d>\"" % (lo, hi)))
                out.append("  if (!rl_has(p, %s, blen_)) %s" % (E, self.fail("RL_ERR_TRUNCATED", name)))
                out.append("  %s.ptr = p;" % lv)
                out.append("  %s.len = blen_;" % lv)
                out.append("  p += blen_;")
                out.append("}")
        else:
            args = self.args_for(f, obj) if f is not None else ""
            out.append("if (!(p = %s(p, %s, ctx, &%s%s)))" % (self.dn(ty), E, lv, args))
            out.append("  " + self.push(name))
        return out

    def dec_list(self, f, obj, lv):
        """Decode a list filling [p, self.E) into obj->f / obj->f_count."""
        ty = f.type
        T = self.tn(ty)
        E = self.E
        out = []
        cnt = "%s_count" % lv
        if ty.kind in ("int", "enum", "u128") or (ty.kind == "bytes" and ty.size[0] in ("fixed", "param")):
            # Fixed-size elements: the region holds a whole number of them,
            # so each is there without a check of its own.
            if ty.kind != "bytes":
                w = ty.width
            elif ty.size[0] == "fixed":
                w = ty.size[1]
            else:
                w = "w_"
                out.append("size_t w_ = P_(ctx)->%s;" % cname(ty.size[1]))
                out.append("if (w_ == 0) return rl_dec_fail(ctx, p, 0, RL_ERR_PARAM, %s, \"%s is 0\");" % (
                    cstr(f.name), ty.size[1]))
            out.append("size_t n_ = (size_t)(%s - p) / %s;" % (E, w))
            out.append("if ((size_t)(%s - p) %% %s != 0)" % (E, w))
            out.append("  return rl_dec_fail(ctx, p, 0, RL_ERR_LENGTH_FIELD, %s, "
                       "\"not a whole number of elements\");" % cstr(f.name))
            out.append("%s = rl_arena_alloc_array(ctx->arena, n_, sizeof(%s));" % (lv, T))
            out.append("if (!%s) %s" % (lv, self.fail("RL_ERR_ARENA", f.name)))
            out.append("for (size_t i_ = 0; i_ < n_; i_++) {")
            el = "%s[i_]" % lv
            if ty.kind == "bytes":
                out.append("  %s.ptr = p;" % el)
                out.append("  %s.len = %s;" % (el, w))
            else:
                out += ["  " + l for l in self.read_fixed(ty, "value", el, "p")]
            out.append("  p += %s;" % w)
            if ty.kind == "enum":
                self.elem_idx = "i_"
                out += ["  " + l for l in self.enum_check(None, ty, el, f.name, "p", w)]
                self.elem_idx = None
            out.append("}")
            out.append("%s = n_;" % cnt)
            return out
        mn = self.m.type_min(ty)
        # An empty list (common: no options, no extensions) takes nothing
        # from the arena; what rl_arena_alloc_array gives for 0 elements.
        out.append("if (p == %s) {" % E)
        out.append("  %s = (%s *)(void *)rl_arena_zero_size;" % (lv, T))
        out.append("  %s = 0;" % cnt)
        out.append("} else {")
        out += ["  " + l for l in self.dec_list_elems(f, lv, ty, T, E, mn)]
        out.append("}")
        return out

    def dec_list_elems(self, f, lv, ty, T, E, mn):
        """A list of variable-size elements in [p, E), not empty."""
        out = []
        cnt = "%s_count" % lv
        if ty.kind == "struct" and ty.allocates and ty in self.skip_set:
            args = self.args_for(f, "out")
            out.append("/* Count first, then decode in place (see rl_T_skip_); one more")
            out.append(" * slot when the count stops at a bad element, which decoding")
            out.append(" * reports. */")
            out.append("size_t cap_ = 0;")
            out.append("for (const uint8_t *q_ = p; q_ && q_ != %s; cap_++)" % E)
            out.append("  q_ = %s(q_, %s, ctx%s);" % (self.sn(ty), E, args))
            out.append("size_t n_ = 0;")
            out.append("%s *tmp_ = rl_arena_alloc_array(ctx->arena, cap_, sizeof(%s));" % (T, T))
            out.append("if (!tmp_) %s" % self.fail("RL_ERR_ARENA", f.name))
            out.append("while (p != %s) {" % E)
            out.append("  if (n_ == cap_) " + self.fail("RL_ERR_TRUNCATED", f.name,
                                                        "\"more elements than the region can hold\""))
            self.elem_idx = "n_"
            out += ["  " + l for l in self.dec_value(ty, "tmp_[n_]", f.name, f, "out")]
            self.elem_idx = None
            out.append("  n_++;")
            out.append("}")
            out.append("%s = tmp_;" % lv)
            out.append("%s = n_;" % cnt)
            return out
        # Room for every element that fits in the region, and one more for
        # a partial last element: its decoder writes into its slot before
        # it finds the input short (fuzz/corpus/destination_list/
        # regress-partial-element.bin), so the slot must exist.
        out.append("size_t cap_ = ((size_t)(%s - p) + %d) / %d;" % (E, mn - 1, mn))
        out.append("size_t n_ = 0;")
        out.append("size_t mark_ = ctx->arena->lo;")
        out.append("%s *tmp_ = rl_arena_alloc_array(ctx->arena, cap_, sizeof(%s));" % (T, T))
        out.append("if (!tmp_) %s" % self.fail("RL_ERR_ARENA", f.name))
        alloc = ty.kind == "struct" and ty.allocates
        if alloc:
            out.append("size_t resv_ = ctx->arena->lo;")
        out.append("while (p != %s) {" % E)
        # Only if type_min overestimated the smallest element.
        out.append("  if (n_ == cap_) " + self.fail("RL_ERR_TRUNCATED", f.name,
                                                    "\"more elements than the region can hold\""))
        self.elem_idx = "n_"
        out += ["  " + l for l in self.dec_value(ty, "tmp_[n_]", f.name, f, "out")]
        self.elem_idx = None
        out.append("  n_++;")
        out.append("}")
        out.append("%s = tmp_;" % lv)
        if alloc:
            # The elements' own lists follow the room: they move down over
            # the unused part (rl_arena_shrink), and the pointers with them.
            out.append("size_t d_ = rl_arena_shrink(ctx->arena, mark_, resv_, n_ * sizeof(%s));" % T)
            out.append("if (d_)")
            out.append("  for (size_t i_ = 0; i_ < n_; i_++) %s(&tmp_[i_], d_%s);" % (
                self.rn(ty), self.args_for(f, "out")))
        else:
            out.append("/* Give back the slots the estimate reserved but did not use. */")
            out.append("ctx->arena->lo = mark_ + ((n_ * sizeof(%s) + RL_ARENA_ALIGN - 1) & "
                       "~(size_t)(RL_ARENA_ALIGN - 1));" % T)
        out.append("%s = n_;" % cnt)
        return out

    def sel_value(self, t, x, obj, mode):
        b = x.binding
        if b[0] == "field":
            return "%s->%s" % (obj, cname(b[1]))
        if b[0] == "param":
            return "p_%s" % cname(b[1])
        return "%s->%s" % (obj, cname(x.selector))

    def load_extern(self, t, x, obj, C):
        """Code that stores an extern selector's value in obj (from_json)."""
        e = x.binding[1]
        out = []
        lv = "%s->%s" % (obj, cname(x.selector))
        if e.key is None:
            out.append("%s = P_(ctx)->%s;" % (lv, cname(e.name)))
        else:
            s = e.key_slot
            out.append("if (!ctx->have_key[%d] || !P_(ctx)->%s)" % (s, cname(e.name)))
            out.append("  return rl_fail(ctx, %s, RL_ERR_PARAM, NULL, "
                       "\"%s is not known here: no %s encloses this value\");" % (C, e.name, e.key))
            out.append("if (P_(ctx)->%s(ctx->params, (%s)ctx->key[%d], &%s) != 0)" % (
                cname(e.name), self.tn(self.m.types[e.key]), s, lv))
            out.append("  return rl_fail(ctx, %s, RL_ERR_PARAM, NULL, "
                       "\"%s of this %s is not known (a decoding parameter)\");" % (C, e.name, e.key))
        return out

    def dec_select(self, t, x, obj):
        out = []
        E = self.E
        if x.binding[0] == "extern":
            out += [l.replace("return rl_fail(ctx, p,", "return rl_dec_fail(ctx, p, 0,")
                    for l in self.load_extern(t, x, obj, "p")]
        sv = self.sel_value(t, x, obj, "dec")
        if x.extensible:
            # Known cases leave no stale bytes behind for a reader of `unknown`.
            out.append("%s->%s.ptr = NULL;" % (obj, x.unknown_cname))
            out.append("%s->%s.len = 0;" % (obj, x.unknown_cname))
        out.append("switch (%s) {" % sv)
        for c in x.cases:
            for lb in c.labels:
                out.append("case %s:" % self.enumconst(x.enum, lb))
            out.append("  {")
            lvals = [self.case_lval(c, f, obj) for f in c.members]
            out += ["    " + l for l in self.dec_members(t, c.members, obj, lvals)]
            out.append("  }")
            out.append("  break;")
        out.append("default:")
        if x.extensible:
            out.append("  %s->%s.ptr = p;" % (obj, x.unknown_cname))
            out.append("  %s->%s.len = (size_t)(%s - p);" % (obj, x.unknown_cname, E))
            out.append("  p = %s;" % E)
            out.append("  break;")
        else:
            sf = self.defer.pop(x.binding[1], None) if x.binding[0] == "field" else None
            if sf is not None:
                lv = "%s->%s" % (obj, sf.cname)
                out.append("  if (!(%s))" % self.enum_known(sf.type, lv))
                out.append("    return rl_dec_fail(ctx, p, %d, RL_ERR_BAD_ENUM, %s, "
                           "\"value not defined for %s\");" % (sf.type.width, cstr(sf.name), sf.type.name))
            out.append("  return rl_dec_fail(ctx, p, 0, RL_ERR_BAD_SELECTOR, %s, "
                       "\"no variant for this %s value\");" % (cstr(x.selector), x.enum.name))
        out.append("}")
        return out

    def case_lval(self, c, f, obj):
        if len(c.members) == 1:
            return "%s->%s" % (obj, f.cname)
        return "%s->%s.%s" % (obj, cname(c.labels[0]), f.cname)

    def gen_parse(self, t):
        c = self.c
        T = self.tn(t)
        args = "".join(", p_%s" % cname(pn) for pn, _ in t.params)
        c.append("int %s(const uint8_t *buf, size_t len, rl_ctx *ctx, %s *out%s) {" % (
            self.fn(t, "parse"), T, self.params_decl(t)))
        c.append("  const uint8_t *p;")
        c.append("  ctx->base = buf;")
        c.append("  rl_errinfo_clear(&ctx->err);")
        c.append("  p = %s(buf, buf + len, ctx, out%s);" % (self.dn_entry(t), args))
        c.append("  if (p && p != buf + len)")
        c.append("    p = rl_dec_fail(ctx, p, 0, RL_ERR_TRAILING, NULL, \"bytes after the end of the %s\");" % t.name)
        c.append("  if (!p) return rl_errinfo_push(&ctx->err, %s, ctx->err.code);" % cstr(t.name))
        c.append("  return 0;")
        c.append("}")
        c.append("")

    # -- reloc: lists decoded in place --------------------------------------------
    # Elements that place lists of their own in the arena (IceCandidate's
    # extensions) are decoded in place too, into room for the most elements
    # their region could hold; their own lists follow that room. Then
    # rl_arena_shrink gives back the unused room by moving those lists down,
    # and rl_T_reloc_ corrects the pointers to them (it follows the selectors:
    # a pointer in a union is one only in its case).

    def rn(self, t):
        return "%s%s_reloc_" % (self.P, cname(t.name))

    def reloc_proto(self, t):
        return "static void %s(%s *v, size_t d%s)" % (self.rn(t), self.tn(t), self.params_decl(t))

    def gen_relocs(self):
        """Reloc functions for the list element types decoded in place (and
        for what they call), each after the ones it calls."""
        self.reloc_done = set()
        for t in self.structs:
            for f in self.fields_of(t):
                ty = f.type
                if (f.mode == "list" and ty.kind == "struct" and ty.allocates and
                        ty not in self.skip_set):
                    self.gen_reloc(ty)

    def reloc_field(self, f, lv):
        """Lines that move the arena pointers of member f (lvalue lv)."""
        out = []
        ty = f.type
        args = self.args_for(f, "v")
        if f.mode == "list":
            out.append("if (%s_count) {" % lv)
            out.append("  %s = (%s *)(void *)((uint8_t *)%s - d);" % (lv, self.tn(ty), lv))
            if ty.kind == "struct" and ty.allocates:
                self.gen_reloc(ty)
                out.append("  for (size_t i_ = 0; i_ < %s_count; i_++) %s(&%s[i_], d%s);" % (
                    lv, self.rn(ty), lv, args))
            out.append("}")
        elif ty.kind == "struct" and ty.allocates:
            self.gen_reloc(ty)
            out.append("%s(&%s, d%s);" % (self.rn(ty), lv, args))
        return out

    def gen_reloc(self, t):
        if t.name in self.reloc_done:
            return
        self.reloc_done.add(t.name)
        body = []
        for x in t.members:
            if not x.is_select:
                body += self.reloc_field(x, "v->%s" % x.cname)
                continue
            cases = []
            for c in x.cases:
                lines = []
                for f in c.members:
                    lines += self.reloc_field(f, self.case_lval(c, f, "v"))
                if lines:
                    cases.append((c, lines))
            if not cases:
                continue
            body.append("switch (%s) {" % self.sel_value(t, x, "v", "reloc"))
            for c, lines in cases:
                for lb in c.labels:
                    body.append("case %s:" % self.enumconst(x.enum, lb))
                body += ["  " + l for l in lines]
                body.append("  break;")
            body.append("default:")
            body.append("  break;")
            body.append("}")
        for pn, _ in t.params:
            body.append("(void)p_%s;" % cname(pn))
        c = self.c
        c.append("/* Move the pointers of a %s into lists that moved d bytes down. */" % t.name)
        c.append(self.reloc_proto(t) + " {")
        c += ["  " + l for l in body]
        c.append("}")
        c.append("")

    # -- skip: where a list element ends, without decoding it --------------------
    # For element types whose end is cheap to find (fixed-size members then
    # a length: StoreKindData, ForwardingOption), rl_T_skip_ follows just
    # those lengths, as the decoder would when it succeeds, and returns NULL
    # when it cannot tell. Their lists are counted first and decoded in place
    # into an array of exactly that size: nothing to move afterwards.

    def skip_fields_needed(self, t, members=None):
        """Names of the members whose values a skip function must keep."""
        need = set()
        for x in (t.members if members is None else members):
            if x.is_select:
                if x.binding[0] == "field":
                    need.add(x.binding[1])
                fs = [f for c in x.cases for f in c.members]
            else:
                fs = [x]
                if t.rest_field is x:
                    need.add(x.name)
            for f in fs:
                if f.region is not None and f.region[0] == "field":
                    need.add(f.region[2].name)
                if f.region is None:  # a region is skipped whole, unread
                    for pn, src in f.args:
                        if src == "field":
                            need.add(pn)
        return need

    def skippable(self, t, seen=None):
        """A skip function can be written for t: what says where it ends is
        in its own bytes (no decoding parameter)."""
        seen = set() if seen is None else seen
        if t.name in seen:
            return True
        seen.add(t.name)
        members = t.members
        if t.rest_field is not None:
            members = members[:members.index(t.rest_field) + 1]
        need = self.skip_fields_needed(t, members)
        top = {x.name: x for x in members if not x.is_select}
        for n in need:
            f = top.get(n)
            if f is None or f.mode != "value" or f.region is not None or \
                    f.type.kind not in ("int", "enum"):
                return False
        for x in members:
            if x.is_select:
                if x.binding[0] == "extern":
                    return False
                fs = [f for c in x.cases for f in c.members]
            else:
                fs = [x]
            for f in fs:
                if f.region is None and f.mode == "value" and f.type.kind == "struct":
                    if not self.skippable(f.type, seen):
                        return False
        return True

    def gen_skips(self):
        """Skip functions for the element types that need one (and for what
        those call), each after the ones it calls. Returns the element types."""
        self.skip_done = set()
        elems = []
        for t in self.structs:
            for f in self.fields_of(t):
                ty = f.type
                if (f.mode == "list" and ty.kind == "struct" and ty.allocates and
                        ty not in elems and self.skip_cheap(ty)):
                    elems.append(ty)
                    self.gen_skip(ty)
        return elems

    def skip_cheap(self, t):
        """A skip that reads one or two lengths: a type that begins with
        fixed-size members and a length (a rest field or a length prefix).
        For others (IceCandidate: nested types, a select) skipping costs
        about as much as copying from scratch space, and is not done."""
        if t.compressed:
            return False
        members = t.members
        if t.rest_field is not None:
            members = members[:members.index(t.rest_field) + 1]
        for x in members:
            if x.is_select:
                return False
            if self.fixed_size(x) is not None:
                continue
            if x.region is not None and x.region[0] == "prefix":
                continue
            if x.region is None and x.mode == "bytes" and x.type.size[0] == "range":
                continue
            return False
        return self.skippable(t)

    def sn(self, t):
        return "%s%s_skip_" % (self.P, cname(t.name))

    def skip_proto(self, t):
        return "static RL_INLINE const uint8_t *%s(const uint8_t *p, const uint8_t *end, const rl_ctx *ctx%s)" % (
            self.sn(t), self.params_decl(t))

    def gen_skip(self, t):
        if t.name in self.skip_done:
            return
        self.skip_done.add(t.name)
        c = self.c
        # Only what is read before the rest field counts: the skip stops there.
        members = t.members
        if t.rest_field is not None:
            members = members[:members.index(t.rest_field) + 1]
        need = self.skip_fields_needed(t, members)
        body = ["(void)ctx;"]
        if t.compressed:
            w = t.compressed[0]
            body.append("if (!rl_has(p, end, 1)) return NULL;")
            body.append("if (p[0] & 0x80) return rl_has(p, end, %d) ? p + %d : NULL;" % (w, w))
        lines, k = self.skip_members(t, members, need)
        body += lines
        if t.rest_field is not None:
            # The members after it fill exactly the bytes it counts.
            rf = t.rest_field.cname
            body.append("return rl_has(p, end, v_%s) ? p + v_%s : NULL;" % (rf, rf))
        else:
            body += self.skip_flush(k)
            body.append("return p;")
        c.append("/* Where the %s starting at p ends (see above), or NULL. */" % t.name)
        c.append(self.skip_proto(t) + " {")
        c += ["  " + l for l in body]
        c.append("}")
        c.append("")

    def skip_flush(self, k):
        """Pass k bytes of fixed-size members, checked at once."""
        if not k:
            return []
        return ["if (!rl_has(p, end, %d)) return NULL;" % k, "p += %d;" % k]

    def skip_members(self, t, members, need):
        """Lines for members; returns (lines, bytes of fixed-size members
        not passed yet)."""
        out = []
        k = 0
        for x in members:
            if x.is_select:
                out += self.skip_flush(k)
                k = 0
                out += self.skip_select(t, x)
                continue
            f = x
            w = self.fixed_size(f)
            if w is not None and f.name not in need:
                k += w
                continue
            if w is not None:
                out.append("if (!rl_has(p, end, %d)) return NULL;" % (k + w))
                out.append("%s v_%s = %s;" % (self.tn(f.type), f.cname, self.rd(w, self.at(k))))
                out.append("p += %d;" % (k + w))
                k = 0
                continue
            reg = f.region
            ty = f.type
            if reg is None and f.mode == "bytes" and ty.size[0] == "param":
                out += self.skip_flush(k)
                k = 0
                out.append("if (!rl_has(p, end, P_(ctx)->%s)) return NULL;" % cname(ty.size[1]))
                out.append("p += P_(ctx)->%s;" % cname(ty.size[1]))
                continue
            if reg is None and f.mode == "bytes":
                reg = ("prefix", prefix_width(ty.size[2]))
            if reg is None:
                out += self.skip_flush(k)
                k = 0
                self.gen_skip(ty)
                args = "".join(", %s" % ("v_%s" % cname(pn) if src == "field" else "p_%s" % cname(pn))
                               for pn, src in f.args)
                out.append("if (!(p = %s(p, end, ctx%s))) return NULL;" % (self.sn(ty), args))
                continue
            if reg[0] == "prefix":
                w = reg[1]
                out.append("if (!rl_has(p, end, %d)) return NULL;" % (k + w))
                out.append("{")
                out.append("  size_t len_ = %s;" % self.rd(w, self.at(k)))
                out.append("  p += %d;" % (k + w))
                out.append("  if (!rl_has(p, end, len_)) return NULL;")
                out.append("  p += len_;")
                out.append("}")
            else:
                out += self.skip_flush(k)
                lf = reg[2]
                out.append("if (!rl_has(p, end, v_%s)) return NULL;" % lf.cname)
                out.append("p += v_%s;" % lf.cname)
            k = 0
        return out, k

    def skip_select(self, t, x):
        out = []
        b = x.binding
        sv = "v_%s" % cname(b[1]) if b[0] == "field" else "p_%s" % cname(b[1])
        out.append("switch (%s) {" % sv)
        for c in x.cases:
            for lb in c.labels:
                out.append("case %s:" % self.enumconst(x.enum, lb))
            lines, k = self.skip_members(t, c.members, set())
            lines += self.skip_flush(k)
            if lines:
                out.append("  {")
                out += ["    " + l for l in lines]
                out.append("  }")
            out.append("  break;")
        out.append("default:")
        if x.extensible:
            out.append("  p = end;")
            out.append("  break;")
        else:
            out.append("  return NULL;")
        out.append("}")
        return out

