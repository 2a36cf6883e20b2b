"""Small helpers for writing C text, shared by the emitters."""

PUT = {1: "rl_put_u8", 2: "rl_put_u16", 3: "rl_put_u24", 4: "rl_put_u32", 8: "rl_put_u64"}
CTYPE = {1: "uint8_t", 2: "uint16_t", 3: "uint32_t", 4: "uint32_t", 8: "uint64_t"}


def range_cond(lv, lo, hi, maxv):
    """C condition that is true when lv is outside lo..hi (omitting tests that
    the type already guarantees, which -Wtype-limits would flag)."""
    conds = []
    if lo > 0:
        conds.append("%s < %du" % (lv, lo))
    if hi < maxv:
        conds.append("%s > %du" % (lv, hi))
    return " || ".join(conds)


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
