#!/usr/bin/env python3
"""migrate-vectors: bring the codec's test vectors in line with spec/ after
a spec change (`make vectors` runs it, then fuzz/make-corpus.sh).

  tools/migrate-vectors.py [--build DIR] [--check] [VECTOR...]

Default VECTORs: src/codec/testdata/vectors/*.vec and malformed/*.vec of
the source tree this script is in. --build DIR: where reload-encode and
reload-dump are (default: the current directory, then the source tree).

For each valid vector (type:, params:, hex:, json:), the JSON is encoded
again with reload-encode (every length recomputed):
  - a member the codec now wants and the JSON lacks is filled with a
    placeholder (0, "", [] or {}, the first the codec takes) and its bytes
    get the comment `# CHECK(make vectors): PLACEHOLDER <path>`;
  - a member the codec no longer knows is dropped;
  - a hex string holding a whole RELOAD Message (a FramedMessage's message,
    say) is migrated first, the same way, and replaced;
then the hex is rewritten: every line whose bytes did not change keeps its
comment; a line whose bytes changed (a length) gets `# CHECK(make
vectors): was XX XX` after its comment; and the JSON is the new decoding.
A malformed vector (error:) is decoded again: when the error it expects
is no longer the one the decoder gives, it is listed (never rewritten: a
person decides how it must be broken now).

Prints every vector a person must look at, and why; --check changes
nothing and exits 1 when a vector would change. Exit 2 on a usage or tool
error (an encoding that still fails after the placeholders, say), naming
the vector and the message.
"""

import argparse
import difflib
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
MARK = "CHECK(make vectors)"
PLACEHOLDERS = (0, "", [], {})


class VecError(Exception):
    pass


class Vec:
    """A .vec file: header comments, type, params, hex lines, json, error."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.text = f.read()
        self.head, self.hexlines, self.tail = [], [], []
        self.type, self.params, self.json_text, self.error = "Message", [], None, None
        part = "head"
        json_lines = []
        for line in self.text.split("\n"):
            if part == "head":
                if line.startswith("type:"):
                    self.type = line[5:].strip()
                elif line.startswith("params:"):
                    self.params = line[7:].split()
                if line.startswith("hex:"):
                    part = "hex"
                self.head.append(line)
            elif part == "hex":
                if line.startswith("json:"):
                    part = "json"
                elif line.startswith("error:"):
                    self.error = line[6:].strip()
                    part = "tail"
                    self.tail.append(line)
                else:
                    self.hexlines.append(line)
            elif part == "json":
                json_lines.append(line)
            else:
                self.tail.append(line)
        if json_lines:
            self.json_text = "\n".join(json_lines)
        if part == "head":
            raise VecError("%s: no hex: section" % path)

    def lines(self):
        """[(bytes, comment, raw line)] of the hex section."""
        out = []
        for raw in self.hexlines:
            code, _, comment = raw.partition("#")
            hx = re.sub(r"\s", "", code)
            if len(hx) % 2 or re.search(r"[^0-9a-fA-F]", hx):
                raise VecError("%s: bad hex line %r" % (self.path, raw))
            out.append((bytes.fromhex(hx), comment.strip(), raw))
        return out

    def data(self):
        return b"".join(b for b, _, _ in self.lines())


class Tools:
    def __init__(self, build):
        self.enc = self.find(build, "reload-encode")
        self.dump = self.find(build, "reload-dump")

    @staticmethod
    def find(build, name):
        for d in ([build] if build else []) + [os.getcwd(), TOP]:
            p = os.path.join(d, name)
            if os.access(p, os.X_OK):
                return p
        raise VecError("no %s built (run make, or give --build DIR)" % name)

    def encode(self, typ, params, doc):
        cmd = [self.enc, "--hex", "--type", typ]
        for p in params:
            cmd += ["--param", p]
        r = subprocess.run(cmd, input=json.dumps(doc).encode(), capture_output=True)
        if r.returncode == 0:
            return bytes.fromhex(r.stdout.decode().strip()), None
        return None, r.stderr.decode()

    def decode(self, typ, params, data):
        cmd = [self.dump, "--json", "--compact", "--input", "hex", "--bare", "--type", typ]
        for p in params:
            cmd += ["--param", p]
        r = subprocess.run(cmd, input=data.hex().encode(), capture_output=True)
        return r.returncode, r.stdout.decode(), r.stderr.decode()


_ERR = re.compile(r"error in ([^:]+): (.*)")


def json_path(doc, path):
    """(parent, key) of the codec path `Type.a.b[2].c` in doc."""
    parts = re.findall(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]", "." + path.split(".", 1)[1]) \
        if "." in path else []
    cur = doc
    keys = [k if k else int(i) for k, i in parts]
    for k in keys[:-1]:
        cur = cur[k]
    return cur, keys[-1]


def fill(tools, typ, params, doc, where):
    """Encode doc, filling missing members with placeholders and dropping
    unknown ones: (bytes, doc, [placeholder paths], [dropped paths])."""
    added, dropped = [], []
    tried = {}
    for _ in range(200):
        data, err = tools.encode(typ, params, doc)
        if data is not None:
            return data, doc, added, dropped
        m = _ERR.search(err or "")
        if not m:
            raise VecError("%s: reload-encode: %s" % (where, (err or "").strip()))
        path, why = m.group(1), m.group(2)
        said = "%s: reload-encode: %s" % (where, m.group(0).strip())
        try:
            parent, key = json_path(doc, path)
        except (KeyError, IndexError, TypeError):
            raise VecError(said)
        if why.startswith("member missing") or (path in tried and path in added):
            n = tried.get(path, 0)
            if n >= len(PLACEHOLDERS):
                raise VecError("%s (no placeholder fits)" % said)
            parent[key] = json.loads(json.dumps(PLACEHOLDERS[n]))
            tried[path] = n + 1
            if path not in added:
                added.append(path)
        elif why.startswith("unexpected member"):
            del parent[key]
            dropped.append(path)
        else:
            raise VecError(said)
    raise VecError("%s: too many missing members" % where)


def placeholder_span(tools, typ, params, doc, path, data):
    """Where the placeholder at path is in data: the bytes that change when
    the placeholder takes another value ((start, end) or None)."""
    parent, key = json_path(doc, path)
    old = parent[key]
    spans = None
    for alt in ((2 ** 64 - 1, 2 ** 32 - 1, 2 ** 16 - 1, 255) if old == 0 else ()):
        parent[key] = alt
        d2, err = tools.encode(typ, params, doc)
        if d2 is not None and len(d2) == len(data):
            diff = [i for i in range(len(data)) if d2[i] != data[i]]
            if diff:
                spans = (diff[0], diff[-1] + 1)
                break
    parent[key] = old
    return spans


def nested(tools, params, doc, where, report, index):
    """Migrate every hex string of doc that holds a whole Message: its JSON
    is the one of the vector with those bytes (index: old bytes -> JSON),
    or its decoding when the new decoder still reads it."""
    if isinstance(doc, dict):
        items = list(doc.items())
    elif isinstance(doc, list):
        items = list(enumerate(doc))
    else:
        return []
    inner = []
    for k, v in items:
        if isinstance(v, str) and v.startswith("d2454c4f") and re.fullmatch(r"[0-9a-f]+", v):
            raw = bytes.fromhex(v)
            src = index.get(raw)
            if src is not None:
                old_json = json.loads(src)
            else:
                rc, out, _ = tools.decode("Message", params, raw)
                if rc != 0 or not out.strip():
                    report.append("embedded message at %s is no vector's and does not decode "
                                  "now: migrate it by hand" % k)
                    continue
                old_json = json.loads(out.strip().split("\n")[0])
            data, _, added, dropped = fill(tools, "Message", params, old_json,
                                           "%s: embedded message at %s" % (where, k))
            doc[k] = data.hex()
            inner.append((raw, data, added, dropped, old_json))
            for a in added:
                report.append("placeholder %s (embedded message)" % a)
        else:
            inner += nested(tools, params, v, where, report, index)
    return inner


def rewrite_hex(old_lines, new, placeholders):
    """Hex lines for new, keeping the comments of unchanged lines; None when
    the new bytes cannot be laid out over the old lines."""
    ph = sorted(placeholders)           # [(start, end, path)]
    keep = bytearray()
    newpos = []                          # new index of each byte of keep
    j = 0
    for s, e, _ in ph:
        keep += new[j:s]
        newpos += range(j, s)
        j = e
    keep += new[j:]
    newpos += range(j, len(new))
    old = b"".join(b for b, _, _ in old_lines)
    sm = difflib.SequenceMatcher(None, old, bytes(keep), autojunk=False)
    omap = [None] * len(old)             # old index -> (new index, changed)
    inserts = []                         # (new start, new end)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                omap[i1 + k] = (newpos[j1 + k], False)
        elif op == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                omap[i1 + k] = (newpos[j1 + k], True)
        else:
            if j2 > j1:
                inserts.append((newpos[j1], newpos[j2 - 1] + 1))
    items = []
    o = 0
    for b, comment, raw in old_lines:
        idx = [omap[o + k] for k in range(len(b))]
        o += len(b)
        got = [x for x in idx if x is not None]
        if not got:
            items.append((None, "# %s: removed: %s" % (MARK, raw.strip())))
            continue
        start = got[0][0]
        nb = bytes(new[x[0]] for x in got)
        if [x[0] for x in got] != list(range(start, start + len(got))):
            return None
        note = comment
        if any(x[1] for x in got) or len(got) != len(b):
            note = "%s  # %s: was %s" % (comment, MARK, _hexs(b)) if comment else \
                "%s: was %s" % (MARK, _hexs(b))
        items.append((start, _line(nb, note)))
    for s, e, path in ph:
        items.append((s, _line(new[s:e], "%s: PLACEHOLDER %s: set a value" % (MARK, path))))
    for s, e in inserts:
        items.append((s, _line(new[s:e], "%s: new bytes, annotate them" % MARK)))
    # A removed line stays where it was: just before the next kept line.
    out, pending = [], []
    for s, text in items:
        if s is None:
            pending.append(text)
    ordered = sorted([x for x in items if x[0] is not None], key=lambda x: x[0])
    covered = b"".join(bytes.fromhex(re.sub(r"\s|#.*", "", t)) for _, t in ordered)
    if covered != new:
        return None
    out = pending + [t for _, t in ordered]
    return out


def _hexs(b):
    return " ".join("%02x" % x for x in b)


def _line(b, comment):
    h = _hexs(b)
    if not comment:
        return h
    return "%-22s # %s" % (h, comment.lstrip("# ").strip()) if len(h) <= 22 else \
        "%s  # %s" % (h, comment.lstrip("# ").strip())


def migrate_valid(tools, v, check, index):
    """[reasons to look at v]; rewrites v unless check."""
    report = []
    old = v.data()
    try:
        doc = json.loads(v.json_text)
    except ValueError as e:
        raise VecError("%s: json: %s" % (v.path, e))
    inner = nested(tools, v.params, doc, v.path, report, index)
    data, doc, added, dropped = fill(tools, v.type, v.params, doc, v.path)
    for a in added:
        report.append("placeholder %s" % a)
    for d in dropped:
        report.append("dropped %s (no longer in the spec)" % d)
    if data == old and not added and not dropped:
        return []
    spans = []
    for a in added:
        sp = placeholder_span(tools, v.type, v.params, doc, a, data)
        if sp:
            spans.append((sp[0], sp[1], a))
    for ob, nb, iadded, _, ijson in inner:
        at = data.find(nb)
        for a in iadded:
            sp = placeholder_span(tools, "Message", v.params, ijson, a, nb)
            if sp and at >= 0:
                spans.append((at + sp[0], at + sp[1], "(embedded) " + a))
    rc, out, err = tools.decode(v.type, v.params, data)
    if rc != 0 or not out.strip():
        raise VecError("%s: the re-encoded bytes do not decode: %s" % (v.path, err.strip()))
    new_json = json.loads(out.strip().split("\n")[0])
    hexl = rewrite_hex(v.lines(), data, spans)
    if hexl is None:
        hexl = ["# %s: the bytes changed beyond what could be matched with the old lines; "
                "annotate them" % MARK] + \
            [_hexs(data[i:i + 16]) for i in range(0, len(data), 16)]
        report.append("hex rewritten without its comments")
    changed = sum(1 for x in hexl if MARK in x and "PLACEHOLDER" not in x)
    if changed:
        report.append("%d hex line(s) changed (lengths?): check their comments" % changed)
    head = list(v.head)
    note = "# %s: migrated after a spec change: %s" % (MARK, "; ".join(report) or
                                                      "re-encoded")
    head.insert(_first_field(head), note)
    text = "\n".join(head + hexl + ["json:", json_text(new_json)]) + "\n"
    if not check:
        with open(v.path, "w", encoding="utf-8") as f:
            f.write(text)
    return report or ["re-encoded"]


def json_text(doc):
    """The vectors' layout: one line per top-level member."""
    if not isinstance(doc, dict) or not doc:
        return json.dumps(doc)
    return "{" + ",\n ".join("%s: %s" % (json.dumps(k), json.dumps(v))
                             for k, v in doc.items()) + "}"


def _first_field(head):
    for i, line in enumerate(head):
        if not line.startswith("#"):
            return i
    return len(head)


def check_malformed(tools, v):
    rc, out, err = tools.decode(v.type, v.params, v.data())
    code, _, path = (v.error or "").partition(" at ")
    if rc == 0:
        return ["decodes now; it expects %s" % v.error]
    # reload-dump names the field path, not the error code: compare paths.
    m = re.search(r"error at offset \d+ in (\S+): (.*)", err)
    if m is None or (path and m.group(1) != path):
        said = m.group(0) if m else (err.strip() or "(no message)")
        return ["expects %s; the decoder now says: %s" % (v.error, said)]
    return []


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("vectors", nargs="*")
    ap.add_argument("--build", help="directory holding reload-encode and reload-dump")
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 when a "
                    "vector would change")
    a = ap.parse_args(argv)
    paths = a.vectors
    if not paths:
        td = os.path.join(TOP, "src", "codec", "testdata")
        for sub in ("vectors", "malformed"):
            d = os.path.join(td, sub)
            paths += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".vec"))
    look = []
    try:
        tools = Tools(a.build)
        vecs = [Vec(p) for p in paths]
        # The old bytes of every Message vector, for the messages other
        # vectors embed as hex (read before any is rewritten).
        index = {v.data(): v.json_text for v in vecs
                 if v.type == "Message" and v.json_text and v.error is None}
        for v in vecs:
            p = v.path
            if v.error is not None:
                why = check_malformed(tools, v)
            elif v.json_text is None:
                why = ["no json: section; not migrated"]
            else:
                why = migrate_valid(tools, v, a.check, index)
            if why:
                look.append((p, why))
    except (VecError, OSError) as e:
        print("migrate-vectors: %s" % e, file=sys.stderr)
        return 2
    for p, why in look:
        print("LOOK  %s: %s" % (os.path.relpath(p), "; ".join(why)))
    print("migrate-vectors: %d vectors, %d to look at%s" % (
        len(paths), len(look), " (nothing written: --check)" if a.check else ""))
    return 1 if a.check and look else 0


if __name__ == "__main__":
    sys.exit(main())
