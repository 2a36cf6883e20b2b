#!/usr/bin/env python3
"""sip-malformed.py: send malformed SIP to a SIP server over UDP and TCP and
check each answer (tests/sip/sip-malformed.sh runs it against a reload-peer's
phone-facing SIP port; issue 6).

    sip-malformed.py [--list] [--only SUBSTRING] [--to USER] [--domain D] HOST PORT

Each case is one message (or stream) and the answers it may get:
  a status code  a response with that code whose Via branch is ours (it
                 answers our request) and, for 400, a reason phrase;
  drop           nothing within DROP_WAIT seconds (RFC 3261 18.1.2, 18.3:
                 what cannot be answered or must be discarded);
  close          (TCP) the server closes the connection without answering.
The well-formed controls (a MESSAGE to USER, who has no registration: 404)
show that the sender and the checks work. Prints one line per case; exit
status 1 when a case got an answer it may not get.
"""
import argparse
import os
import random
import socket
import sys
import time

DOMAIN = "overlay.test"
TO = "nobody"  # the user the messages are for: one with no registration
ANSWER_WAIT = 6.0  # seconds for an answer that is due (a Fetch on a busy machine)
DROP_WAIT = 0.6    # seconds of silence that make a drop (or that a case
                   # that may be dropped waits for its answer)


def branch():
    return "z9hG4bK-mal-%08x" % random.getrandbits(32)


class Msg:
    """A request built line by line, so that a case can break any part."""

    def __init__(self, transport, local_port, method="MESSAGE",
                 ruri=None, version="SIP/2.0"):
        ruri = ruri or "sip:%s@%s" % (TO, DOMAIN)
        self.branch = branch()
        self.call_id = "mal-%08x@127.0.0.1" % random.getrandbits(32)
        self.start = "%s %s %s" % (method, ruri, version)
        self.headers = [
            ("Via", "SIP/2.0/%s 127.0.0.1:%d;branch=%s;rport"
             % (transport.upper(), local_port, self.branch)),
            ("Max-Forwards", "70"),
            ("From", "<sip:mallory@%s>;tag=m%d" % (DOMAIN, random.getrandbits(24))),
            ("To", "<sip:%s@%s>" % (TO, DOMAIN)),
            ("Call-ID", self.call_id),
            ("CSeq", "1 " + method),
            ("Content-Type", "text/plain"),
        ]
        self.body = b"hello\r\n"
        self.content_length = None  # None: the body's length

    def set(self, name, value):
        """Replace header NAME (None removes it)."""
        self.headers = [(n, v) for n, v in self.headers if n.lower() != name.lower()]
        if value is not None:
            self.headers.append((name, value))
        return self

    def bytes(self, raw_lines=None, with_length=True):
        out = [self.start.encode()]
        for n, v in self.headers:
            out.append(n.encode() + b": " + (v if isinstance(v, bytes) else v.encode()))
        out.extend(raw_lines or [])
        if with_length:
            cl = len(self.body) if self.content_length is None else self.content_length
            out.append(b"Content-Length: " + str(cl).encode())
        return b"\r\n".join(out) + b"\r\n\r\n" + self.body


def parse_responses(data):
    """Split a byte stream into complete responses: (code, reason, headers
    as a list of (name, value), rest)."""
    res = []
    while True:
        # RFC 5626 3.5.1: a CRLF pong may precede.
        stripped = data.lstrip(b"\r\n")
        end = stripped.find(b"\r\n\r\n")
        if end < 0:
            return res, data
        head = stripped[:end].decode("latin-1").split("\r\n")
        hdrs = []
        for line in head[1:]:
            if ":" in line:
                n, v = line.split(":", 1)
                hdrs.append((n.strip(), v.strip()))
        cl = 0
        for n, v in hdrs:
            if n.lower() in ("content-length", "l"):
                try:
                    cl = int(v)
                except ValueError:
                    cl = 0
        total = end + 4 + cl
        if len(stripped) < total:
            return res, data
        parts = head[0].split(" ", 2)
        try:
            code = int(parts[1]) if parts[0] == "SIP/2.0" else -1
        except (IndexError, ValueError):
            code = -1
        res.append((code, parts[2] if len(parts) > 2 else "", hdrs, head[0]))
        data = stripped[total:]


def final(responses):
    """The responses other than 1xx."""
    return [r for r in responses if not 100 <= r[0] < 200]


def via_branch(hdrs):
    for n, v in hdrs:
        if n.lower() in ("via", "v"):
            for p in v.split(";")[1:]:
                if p.strip().lower().startswith("branch="):
                    return p.strip()[7:]
            return None
    return None


def describe(r):
    return r[3]


def judge(name, got, expect, want_branch):
    """got: list of final responses, or "drop"/"close". Returns (ok, text)."""
    if isinstance(got, str):
        ok = got in expect
        return ok, got
    if not got:
        return "drop" in expect, "drop"
    r = got[0]
    text = describe(r)
    if r[0] not in expect:
        return False, text
    if want_branch and via_branch(r[2]) != want_branch:
        return False, text + " (Via branch %s, not ours %s)" % (via_branch(r[2]), want_branch)
    if r[0] == 400 and not r[1].strip():
        return False, text + " (400 without a reason phrase)"
    return True, text


# --- transports --------------------------------------------------------

def answer_wait(expect):
    """How long to wait for an answer. Only silence that is a valid outcome
    (drop) ends a case after DROP_WAIT; a close is seen as it happens, so a
    case that must get an answer or a close waits ANSWER_WAIT for it (a
    loaded machine may take well over DROP_WAIT to send a 400)."""
    return DROP_WAIT if "drop" in expect else ANSWER_WAIT


def udp_exchange(host, port, payload_fn, expect):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    payload, want_branch = payload_fn("udp", lport)
    s.sendto(payload, (host, port))
    deadline = time.time() + answer_wait(expect)
    got = []
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            data, _ = s.recvfrom(70000)
        except socket.timeout:
            break
        rs, _ = parse_responses(data)
        got.extend(final(rs))
        if got:
            break
    s.close()
    return got, want_branch


def tcp_exchange(host, port, payload_fn, expect, chunks=1, half_close=False, count=1):
    s = socket.create_connection((host, port), timeout=ANSWER_WAIT)
    lport = s.getsockname()[1]
    payload, want_branch = payload_fn("tcp", lport)
    try:
        if chunks == 1:
            s.sendall(payload)
        else:
            step = max(1, len(payload) // chunks)
            for i in range(0, len(payload), step):
                s.sendall(payload[i:i + step])
                time.sleep(0.05)
        if half_close:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        s.close()
        return "close", want_branch
    deadline = time.time() + answer_wait(expect)
    buf, got, closed = b"", [], False
    while time.time() < deadline and len(got) < count:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not data:
            closed = True
            break
        buf += data
        rs, buf = parse_responses(buf)
        got.extend(final(rs))
    s.close()
    if not got and closed:
        return "close", want_branch
    return got, want_branch


# --- the cases ---------------------------------------------------------

def msg_case(mutate=None, raw_lines=None, with_length=True, body=None, cl=None,
             method="MESSAGE", ruri=None, version="SIP/2.0", start=None):
    """A payload function: a MESSAGE to TO, changed by the arguments."""
    def fn(transport, lport):
        m = Msg(transport, lport, method=method, ruri=ruri, version=version)
        if start is not None:  # a template: {to}, {domain}
            m.start = start.format(to=TO, domain=DOMAIN)
        if body is not None:
            m.body = body
        if cl is not None:
            m.content_length = cl
        if mutate:
            mutate(m)
        return m.bytes(raw_lines, with_length), m.branch
    return fn


def raw_case(data):
    def fn(transport, lport):
        return data, None
    return fn


def twice(fn):
    """Two copies of a message, in one write (TCP pipelining)."""
    def f(transport, lport):
        a, b1 = fn(transport, lport)
        b, _ = fn(transport, lport)
        return a + b, None
    return f


HUGE_UDP = 60 * 1024   # a UDP datagram holds at most 65507 bytes
HUGE_TCP = 100 * 1024

CASES = [
    # name, transports, payload fn, expected answers, tcp options
    ("control: well-formed MESSAGE to a user with no registration", "udp tcp", msg_case(), {404}, {}),
    ("control: Max-Forwards 0 (RFC 3261 16.3 step 2)", "udp tcp",
     msg_case(lambda m: m.set("Max-Forwards", "0")), {483}, {}),

    # start lines
    ("start line: version SIP/3.0", "udp tcp", msg_case(version="SIP/3.0"), {505, 400}, {}),
    ("start line: no version", "udp tcp",
     msg_case(start="MESSAGE sip:{to}@{domain}"), {400, "drop", "close"}, {}),
    ("start line: two spaces", "udp tcp",
     msg_case(start="MESSAGE  sip:{to}@{domain}  SIP/2.0"), {400, "drop", "close"}, {}),
    ("start line: method not a token", "udp tcp",
     msg_case(start="MES:SAGE sip:{to}@{domain} SIP/2.0"), {400, "drop", "close"}, {}),
    ("start line: Request-URI not a URI", "udp tcp",
     msg_case(ruri="sip:@@@"), {400, 416}, {}),
    ("start line: empty", "udp tcp", msg_case(start=""), {400, "drop", "close"}, {}),
    ("stray response (its Via is not the peer's: 18.1.2 discards it)", "udp",
     raw_case(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-x\r\n"
              b"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: stray\r\n"
              b"CSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n"), {"drop"}, {}),

    # headers
    ("header without a colon", "udp tcp",
     msg_case(raw_lines=[b"Subject this line has no colon"]), {400}, {}),
    ("no Call-ID (8.1.1)", "udp tcp", msg_case(lambda m: m.set("Call-ID", None)), {400}, {}),
    ("no CSeq", "udp tcp", msg_case(lambda m: m.set("CSeq", None)), {400}, {}),
    ("no From", "udp tcp", msg_case(lambda m: m.set("From", None)), {400}, {}),
    ("CSeq method is not the request's", "udp tcp",
     msg_case(lambda m: m.set("CSeq", "1 INVITE")), {400}, {}),
    ("CSeq number not a number", "udp tcp",
     msg_case(lambda m: m.set("CSeq", "one MESSAGE")), {400}, {}),
    ("Max-Forwards not a number", "udp tcp",
     msg_case(lambda m: m.set("Max-Forwards", "lots")), {400}, {}),
    ("To without its closing >", "udp tcp",
     msg_case(lambda m: m.set("To", "<sip:%s@%s" % (TO, DOMAIN))), {400}, {}),
    ("NUL byte in a header value", "udp tcp",
     msg_case(raw_lines=[b"Subject: a\x00b"]), {400}, {}),
    ("continuation line before any header", "udp tcp",
     msg_case(start="MESSAGE sip:{to}@{domain} SIP/2.0\r\n  folded"), {400, "drop", "close"}, {}),
    ("Via without sent-by", "udp tcp",
     msg_case(lambda m: (m.set("Via", "SIP/2.0/UDP"), setattr(m, "branch", None))),
     {400, "drop", "close"}, {}),
    ("two Content-Length values that differ", "udp tcp",
     msg_case(raw_lines=[b"Content-Length: 3"]), {400, "close"}, {}),

    # Content-Length
    ("UDP: Content-Length beyond the datagram (18.3: 400)", "udp", msg_case(cl=500), {400}, {}),
    ("UDP: Content-Length short of the datagram (18.3: the rest is discarded)", "udp",
     msg_case(cl=5), {404}, {}),
    ("Content-Length negative", "udp tcp", msg_case(cl=-5), {400, "close"}, {}),
    ("Content-Length not a number", "udp tcp", msg_case(cl="ten"), {400, "close"}, {}),
    ("TCP: no Content-Length (18.3: it MUST be used on streams)", "tcp",
     msg_case(with_length=False, body=b""), {400, 404, "close"}, {}),
    ("TCP: Content-Length beyond the stream, then EOF", "tcp",
     msg_case(cl=500), {400, "close"}, {"half_close": True}),
    ("TCP: Content-Length short: the message, then garbage", "tcp",
     msg_case(cl=5), {404}, {}),

    # huge
    ("UDP: a 60 KB header", "udp",
     msg_case(raw_lines=[b"Subject: " + b"x" * HUGE_UDP]), {400, 513, "drop"}, {}),
    ("TCP: a 100 KB header", "tcp",
     msg_case(raw_lines=[b"Subject: " + b"x" * HUGE_TCP]), {400, 513, "close"}, {}),
    ("TCP: 10000 headers (100 KB)", "tcp",
     msg_case(raw_lines=[b"X-H: %05d" % i for i in range(10000)]), {400, 513, "close"}, {}),
    ("TCP: a 100 KB body with its Content-Length", "tcp",
     msg_case(body=b"y" * HUGE_TCP), {400, 413, 513, 404, "close"}, {}),

    # not SIP
    ("UDP: random bytes", "udp", raw_case(bytes(random.getrandbits(8) for _ in range(300))),
     {"drop"}, {}),
    ("UDP: text that is not SIP", "udp", raw_case(b"hello, is this thing on?\r\n"), {"drop"}, {}),
    ("UDP: an empty datagram", "udp", raw_case(b""), {"drop"}, {}),
    ("UDP: CRLF CRLF", "udp", raw_case(b"\r\n\r\n"), {"drop"}, {}),
    ("TCP: random bytes", "tcp", raw_case(bytes(random.getrandbits(8) for _ in range(300))),
     {400, "close", "drop"}, {}),
    ("TCP: CRLF CRLF keepalive, then a MESSAGE (RFC 5626 3.5.1)", "tcp",
     lambda t, p: (lambda b: (b"\r\n\r\n" + b[0], b[1]))(msg_case()(t, p)), {404}, {}),
    ("TCP: a MESSAGE in 20 pieces", "tcp", msg_case(), {404}, {"chunks": 20}),
    ("TCP: two MESSAGEs in one write", "tcp", twice(msg_case()), {404}, {"count": 2}),
]


def main():
    global TO, DOMAIN
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host", nargs="?")
    ap.add_argument("port", nargs="?", type=int)
    ap.add_argument("--only", help="run the cases whose name contains this")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--to", default=TO, help="a user with no registration (default %(default)s)")
    ap.add_argument("--domain", default=DOMAIN, help="the overlay's domain (default %(default)s)")
    a = ap.parse_args()
    TO, DOMAIN = a.to, a.domain
    if a.list:
        for name, transports, _, expect, _ in CASES:
            print("%-8s %-70s %s" % (transports, name, sorted(map(str, expect))))
        return 0
    if a.host is None or a.port is None:
        ap.error("HOST and PORT")
    nfail = n = 0
    for name, transports, fn, expect, opts in CASES:
        if a.only and a.only not in name:
            continue
        for t in transports.split():
            n += 1
            try:
                if t == "udp":
                    got, br = udp_exchange(a.host, a.port, fn, expect)
                    count = 1
                else:
                    got, br = tcp_exchange(a.host, a.port, fn, expect, **opts)
                    count = opts.get("count", 1)
            except OSError as e:
                ok, text = False, "socket error: %s" % e
            else:
                ok, text = judge(name, got, expect, br)
                if ok and got and not isinstance(got, str) and len(got) < count:
                    ok, text = False, "%d answer(s), want %d" % (len(got), count)
            exp = "/".join(str(e) for e in sorted(expect, key=str))
            print("%s: %s %s: %s (want %s)" % ("ok" if ok else "FAIL", t, name, text, exp))
            sys.stdout.flush()
            nfail += not ok
    print("%d cases, %d failed" % (n, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    random.seed(os.getpid())
    sys.exit(main())
