#!/usr/bin/env python3
"""spec_lexer_fuzz.py: random-mutation fuzzing of the spec language front end.

  fuzz/spec_lexer_fuzz.py [--seconds S] [--seed N] [--cases N]
                          [--save DIR] [--replay DIR] SPEC...

The spec language is read by Python (gen/relgen: lexer, parser, model),
so libFuzzer cannot drive it; this harness does the same job with the
standard library only. Each case takes the SPEC files (a set that builds,
such as spec/*.spec), mutates one to three of them (bytes, tokens,
numbers, splices from the other files), and runs them through
relgen.parser.parse_text, relgen.model.build_model and, for one case in
four, relgen.profile.restrict_to_profile for every profile and the C
emitter (relgen.emit_c, output discarded). The only exception
allowed is SpecError (the file:line:col: message a user sees); any other
exception, or a case running longer than --case-timeout seconds, is a
failure: the mutated files are written to --save DIR (default: a new
temporary directory) and the exit status is 1.

The run is deterministic for a given --seed and number of cases; --seconds
bounds it by time (the default for `make check`). --replay DIR first runs
every *.spec file in DIR (regression inputs,
fuzz/corpus/spec_lexer/regress-*.spec) on its own, then in front of the
SPEC files.
"""

import argparse
import os
import random
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gen"))

from relgen.emit_c import Emitter  # noqa: E402
from relgen.lexer import SpecError  # noqa: E402
from relgen.model import build_model  # noqa: E402
from relgen.parser import parse_text  # noqa: E402
from relgen.profile import restrict_to_profile  # noqa: E402

# Pieces the mutator inserts: the language's punctuation and keywords,
# and characters that trip lexers (non-ASCII letters and digits, NUL,
# unclosed comments and strings).
TOKENS = [
    "{", "}", "(", ")", "[", "]", "<", ">", ";", ",", ":", "^", "+", "-",
    "=", "*", "..", "/*", "*/", "//", '"', '"x"', "@", "@kind", "@extensible",
    "@open", "@constant", "@message_length", "@pdu", "struct", "enum",
    "select", "case", "extern", "extend", "typedef", "opaque", "uint8",
    "uint16", "uint24", "uint32", "uint64", "uint128", "profile", "sends",
    "answers", "Boolean", "NodeId", "KindId", "MessageCode", "0", "1",
    "255", "256", "65535", "2^8-1", "2^16-1", "2^24-1", "2^32-1", "2^64-1",
    "2^128", "0x", "0xffffffffffffffffffff", "99999999999999999999999",
    "\x00", "\t", "\n", "\r", "\u00e9", "\u00b2", "\u0663", "\u2028",
    "\ufeff", "\U0001f600", "-1", "007", "a.b", "x-y",
]

INTERESTING_NUMBERS = [
    "0", "1", "2", "7", "8", "15", "16", "255", "256", "65535", "65536",
    "16777215", "4294967295", "4294967296", "18446744073709551615",
    "18446744073709551616", "0x0", "0xff", "0xffff", "0x10000", "2^64",
    "2^0", "2^1-1", "0^0", "1..0", "3..1",
]


def split_tokens(text):
    """Split text into runs: identifiers/numbers, spaces, single others."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        j = i + 1
        if ch.isalnum() or ch == "_":
            while j < n and (text[j].isalnum() or text[j] in "_-."):
                j += 1
        elif ch.isspace():
            while j < n and text[j].isspace():
                j += 1
        out.append(text[i:j])
        i = j
    return out


def mutate(rng, text, others):
    """One random change to text."""
    n = len(text)
    op = rng.randrange(11)
    if op == 0 and n:  # delete a span
        i = rng.randrange(n)
        return text[:i] + text[i + rng.randint(1, 40):]
    if op == 1:  # insert a token
        i = rng.randrange(n + 1)
        return text[:i] + rng.choice(TOKENS) + text[i:]
    if op == 2 and n:  # duplicate a span
        i = rng.randrange(n)
        j = min(n, i + rng.randint(1, 200))
        return text[:j] + text[i:j] + text[j:]
    if op == 3 and n:  # replace one character
        i = rng.randrange(n)
        c = rng.choice([chr(rng.randrange(32, 127)), rng.choice(TOKENS)])
        return text[:i] + c + text[i + 1:]
    toks = split_tokens(text)
    if not toks:
        return rng.choice(TOKENS)
    k = rng.randrange(len(toks))
    words = [t for t in toks if t[:1].isalpha()]
    if op == 4:  # replace a number (or any token) by an interesting one
        nums = [i for i, t in enumerate(toks) if t[:1].isdigit()]
        if nums:
            k = rng.choice(nums)
        toks[k] = rng.choice(INTERESTING_NUMBERS)
    elif op == 5 and words:  # replace a word by another word of the file
        toks[k] = rng.choice(words)
    elif op == 6:  # delete a token
        del toks[k]
    elif op == 7:  # swap two tokens
        m = rng.randrange(len(toks))
        toks[k], toks[m] = toks[m], toks[k]
    elif op == 8:  # duplicate a run of tokens
        m = min(len(toks), k + rng.randint(1, 30))
        toks[k:k] = toks[k:m]
    elif op == 9 and others:  # splice a chunk of another file
        o = split_tokens(rng.choice(others))
        if o:
            i = rng.randrange(len(o))
            toks[k:k] = o[i:i + rng.randint(1, 80)]
    else:  # deep nesting
        d = rng.choice([10, 100, 1000, 5000])
        toks[k:k] = ["{"] * d if rng.random() < 0.5 else ["("] * d
    return "".join(toks)


class CaseTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise CaseTimeout()


def run_case(files, full):
    """Parse and build (full: also restrict to every profile and emit the
    C); return 'ok' or 'spec-error'. Other exceptions propagate."""
    try:
        defs = []
        for name, text in files:
            defs += parse_text(text, name)
        model = build_model(defs)
        if full:
            Emitter(model, prefix="rl_", sources=[n for n, _ in files],
                    header_name="fuzz.h").emit()
            for p in list(model.profiles.values()):
                pm = restrict_to_profile(model, p)
                Emitter(pm, prefix="rlc_", sources=[n for n, _ in files],
                        header_name="fuzz.h", profile=p).emit()
    except SpecError as e:
        # The message a user sees must name the place.
        str(e)
        return "spec-error"
    return "ok"


def checked(files, full, timeout):
    """Run a case; return (result, failure text or None)."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return run_case(files, full), None
    except CaseTimeout:
        return "fail", "case ran longer than %gs" % timeout
    except Exception:  # noqa: BLE001 - every other exception is the finding
        return "fail", traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def save(files, where, tag):
    os.makedirs(where, exist_ok=True)
    paths = []
    for i, (name, text) in enumerate(files):
        p = os.path.join(where, "%s-%d-%s" % (tag, i, os.path.basename(name)))
        with open(p, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(text)
        paths.append(p)
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("specs", nargs="+", help="spec files that build together")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--cases", type=int, default=0, help="stop after N cases (0: time only)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--case-timeout", type=float, default=10.0)
    ap.add_argument("--save", help="directory for failing inputs")
    ap.add_argument("--replay", help="directory of regression .spec files")
    a = ap.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    signal.signal(signal.SIGALRM, _on_alarm)

    base = []
    for p in a.specs:
        with open(p, encoding="utf-8") as f:
            base.append((p, f.read()))
    result, why = checked(base, True, a.case_timeout)
    if result != "ok":
        print("spec fuzz: the unmutated specs do not build:\n%s" % (why or "SpecError"))
        return 1

    failures = 0
    save_dir = a.save
    replayed = 0
    if a.replay and os.path.isdir(a.replay):
        for name in sorted(os.listdir(a.replay)):
            if not name.endswith(".spec"):
                continue
            with open(os.path.join(a.replay, name), encoding="utf-8",
                      errors="surrogateescape") as f:
                reg = (name, f.read())
            for files in ([reg], [reg] + base):
                result, why = checked(files, True, a.case_timeout)
                replayed += 1
                if result == "fail":
                    failures += 1
                    print("FAIL regression %s:\n%s" % (name, why))

    rng = random.Random(a.seed)
    texts = [t for _, t in base]
    counts = {"ok": 0, "spec-error": 0, "fail": 0}
    start = time.monotonic()
    case = 0
    while True:
        if a.cases and case >= a.cases:
            break
        if not a.cases and time.monotonic() - start >= a.seconds:
            break
        case += 1
        files = list(base)
        for _ in range(rng.randint(1, 3)):
            k = rng.randrange(len(files))
            name, text = files[k]
            for _ in range(rng.choice([1, 1, 2, 4, 8])):
                text = mutate(rng, text, texts)
            files[k] = (name, text)
        result, why = checked(files, case % 4 == 0, a.case_timeout)
        counts[result] += 1
        if result == "fail":
            failures += 1
            if not save_dir:
                save_dir = tempfile.mkdtemp(prefix="spec-fuzz-")
            paths = save(files, save_dir, "case%d" % case)
            print("FAIL case %d (seed %d):\n%s  inputs: %s" % (case, a.seed, why, " ".join(paths)))
            if failures >= 5:
                break
    elapsed = time.monotonic() - start
    print("spec fuzz: seed %d, %d cases in %.1fs (%d built, %d SpecError, %d other), "
          "%d regression runs; %d passed, %d failed"
          % (a.seed, case, elapsed, counts["ok"], counts["spec-error"], counts["fail"],
             replayed, case + replayed - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
