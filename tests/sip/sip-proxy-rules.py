#!/usr/bin/env python3
"""sip-proxy-rules.py: the RFC 3261 proxy rules of a reference peer's SIP
port, one check per defect of issue 17, with raw SIP over loopback sockets.

    sip-proxy-rules.py PEER_A_SIP_PORT PEER_B_SIP_PORT PORT...

PEER_A and PEER_B are the SIP ports of two peers of one overlay (domain
overlay.test, users alice, bob and carol); PORT... are free ports of
127.0.0.1 for the phones (at least 8). alice is a UDP phone at peer A, bob
a UDP phone at peer B that answers every request (200 unless told). Each
check prints "ok: ..." or "FAIL: ..." and the script exits 1 when one
failed. Every wait is bounded.
"""
import re, socket, sys, threading, time

PA, PB = int(sys.argv[1]), int(sys.argv[2])
PORTS = [int(x) for x in sys.argv[3:]]
HOST = "127.0.0.1"
DOM = "overlay.test"
failed = []


def result(name, ok, detail=""):
    if ok:
        print("ok:", name)
    else:
        print("FAIL:", name, ("- " + detail) if detail else "")
        failed.append(name)


# ---------------------------------------------------------------- messages
def first_line(m):
    return m.split("\r\n", 1)[0]


def headers(m, name):
    """Values of header NAME (long or compact form), in order."""
    short = {"via": "v", "from": "f", "to": "t", "call-id": "i", "contact": "m",
             "content-length": "l", "record-route": None, "route": None}.get(name.lower())
    out = []
    for line in m.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
        if ":" not in line:
            continue
        n, v = line.split(":", 1)
        n = n.strip().lower()
        if n == name.lower() or (short and n == short):
            out.append(v.strip())
    return out


def hdr(m, name):
    h = headers(m, name)
    return h[0] if h else ""


def status(m):
    f = first_line(m)
    return int(f.split()[1]) if f.startswith("SIP/2.0 ") else 0


def method(m):
    return "" if m.startswith("SIP/") else first_line(m).split()[0]


def via_parms(m):
    """Every via-parm of every Via, top first."""
    out = []
    for v in headers(m, "via"):
        out += [x.strip() for x in v.split(",")]
    return out


def branch_of(viaparm):
    mt = re.search(r";branch=([^;,\s]+)", viaparm)
    return mt.group(1) if mt else ""


def request(meth, ruri, via_host, via_port, branch, callid, extra="", to=None, frm=None,
            tr="UDP", max_forwards=True, body=""):
    to = to or "<%s>" % ruri
    frm = frm or "<sip:alice@%s>;tag=a-%s" % (DOM, callid)
    mf = "Max-Forwards: 70\r\n" if max_forwards else ""
    return ("%s %s SIP/2.0\r\nVia: SIP/2.0/%s %s:%d;branch=%s\r\nFrom: %s\r\nTo: %s\r\n"
            "Call-ID: %s\r\nCSeq: 1 %s\r\n%s%sContent-Length: %d\r\n\r\n%s"
            % (meth, ruri, tr, via_host, via_port, branch, frm, to, callid, meth, mf, extra,
               len(body), body))


def response_to(req, code, reason, tag="b1", extra=""):
    lines = ["SIP/2.0 %d %s" % (code, reason)]
    for line in req.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
        n = line.split(":", 1)[0].strip().lower()
        if n in ("via", "v", "from", "f", "call-id", "i", "cseq", "record-route"):
            lines.append(line)
        elif n in ("to", "t"):
            lines.append(line if ";tag=" in line or code == 100 else line + ";tag=" + tag)
    return "\r\n".join(lines) + "\r\n" + extra + "Content-Length: 0\r\n\r\n"


# ------------------------------------------------------------------ phones
class Udp:
    def __init__(self, port):
        self.port = port
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((HOST, port))

    def send(self, m, port):
        self.s.sendto(m.encode(), (HOST, port))

    def recv(self, pred=lambda m: True, timeout=5.0):
        """The next message for which pred holds (others are skipped)."""
        end = time.time() + timeout
        while time.time() < end:
            self.s.settimeout(max(0.01, end - time.time()))
            try:
                d, addr = self.s.recvfrom(65535)
            except socket.timeout:
                return None
            m = d.decode(errors="replace")
            self.last_addr = addr
            if pred(m):
                return m
        return None

    def final(self, callid, timeout=5.0, meth=None):
        return self.recv(lambda m: status(m) >= 200 and hdr(m, "call-id") == callid and
                         (meth is None or hdr(m, "cseq").endswith(meth)), timeout)


class Tcp:
    """A SIP stream: one connection, framed by Content-Length."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    @classmethod
    def connect(cls, port, local_port=0):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((HOST, local_port))
        s.connect((HOST, port))
        return cls(s)

    def local_port(self):
        return self.s.getsockname()[1]

    def send(self, m):
        self.s.sendall(m.encode())

    def recv(self, pred=lambda m: True, timeout=5.0):
        end = time.time() + timeout
        while True:
            while b"\r\n\r\n" in self.buf:
                head, rest = self.buf.split(b"\r\n\r\n", 1)
                mt = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
                n = int(mt.group(1)) if mt else 0
                if len(rest) < n:
                    break
                m = (head + b"\r\n\r\n" + rest[:n]).decode(errors="replace")
                self.buf = rest[n:]
                if pred(m.lstrip("\r\n")):
                    return m.lstrip("\r\n")
            if time.time() >= end:
                return None
            self.s.settimeout(max(0.01, end - time.time()))
            try:
                d = self.s.recv(65535)
            except socket.timeout:
                return None
            if not d:
                return None
            self.buf += d


class Bob(threading.Thread):
    """bob: a UDP phone that answers each request (the code in plan[Call-ID]
    or 200) and keeps what it got."""

    def __init__(self, phone):
        super().__init__(daemon=True)
        self.p = phone
        self.got = []
        self.plan = {}
        self.stop = False
        self.lock = threading.Condition()

    def run(self):
        self.p.s.settimeout(0.2)
        while not self.stop:
            try:
                d, addr = self.p.s.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            m = d.decode(errors="replace")
            with self.lock:
                self.got.append(m)
                self.lock.notify_all()
            if m.startswith("SIP/") or method(m) == "ACK":
                continue
            code = self.plan.get(hdr(m, "call-id"), 200)
            self.p.s.sendto(response_to(m, code, "Answer").encode(), addr)

    def wait(self, pred, n=1, timeout=5.0):
        end = time.time() + timeout
        with self.lock:
            while True:
                hits = [m for m in self.got if pred(m)]
                if len(hits) >= n or time.time() >= end:
                    return hits
                self.lock.wait(max(0.01, end - time.time()))


def register(phone, user, peer, contact_port=None, tr="UDP"):
    cport = contact_port or phone.port
    tp = ";transport=tcp" if tr == "TCP" else ""
    vport = cport if tr == "TCP" else phone.port
    m = request("REGISTER", "sip:" + DOM, HOST, vport, "z9hG4bKreg-%s-%d" % (user, vport),
                "reg-%s-%d" % (user, cport), to="<sip:%s@%s>" % (user, DOM),
                frm="<sip:%s@%s>;tag=r1" % (user, DOM), tr=tr,
                extra="Contact: <sip:%s@%s:%d%s>\r\nExpires: 60\r\n" % (user, HOST, cport, tp))
    if tr == "TCP":
        phone.send(m)
        r = phone.recv(lambda x: status(x) >= 200)
    else:
        phone.send(m, peer)
        r = phone.final("reg-%s-%d" % (user, cport))
    if not r or status(r) != 200:
        print("FAIL: %s could not register at %d: %s" % (user, peer, r and first_line(r)))
        sys.exit(1)


# ------------------------------------------------------------------ setup
alice = Udp(PORTS[0])
bob = Bob(Udp(PORTS[1]))
register(alice, "alice", PA)
register(bob.p, "bob", PB)
bob.start()
BOB = "sip:bob@" + DOM


def ask(meth, ruri, callid, timeout=5.0, **kw):
    """alice sends a request through peer A; its final response or None."""
    alice.send(request(meth, ruri, HOST, alice.port, "z9hG4bK" + callid, callid, **kw), PA)
    return alice.final(callid, timeout)


def bob_got(callid, meth=None, n=1, timeout=5.0):
    return bob.wait(lambda m: hdr(m, "call-id") == callid and (meth is None or method(m) == meth),
                    n, timeout)


# 1. A Request-URI naming the peer itself (16.5: a URI the proxy is
#    responsible for): resolved there, never sent back to itself.
r = ask("MESSAGE", "sip:bob@%s:%d" % (HOST, PA), "d1-bob")
result("1: MESSAGE sip:bob@PEER_A reaches bob through the overlay (200)",
       r is not None and status(r) == 200 and bob_got("d1-bob", "MESSAGE"),
       r and first_line(r) or "no answer")
codes = []
for k in range(8):
    r = ask("MESSAGE", "sip:nobody@%s:%d" % (HOST, PA), "d1-loop%d" % k, timeout=4)
    codes.append(status(r) if r else 0)
result("1: eight MESSAGEs to sip:nobody@PEER_A each end in 404, no loop (483) nor 503",
       codes == [404] * 8, "got %s" % codes)
r = ask("OPTIONS", "sip:%s:%d" % (HOST, PA), "d1-opt")
result("1: OPTIONS sip:PEER_A is answered 200 by the peer", r is not None and status(r) == 200,
       r and first_line(r) or "no answer")

# 2. ;transport=tcp in the Request-URI, and phone connections matched by
#    their remote address.
lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind((HOST, PORTS[2]))
lst.listen(4)
lst.settimeout(4)
alice.send(request("MESSAGE", "sip:carol@%s:%d;transport=tcp" % (HOST, PORTS[2]), HOST,
                   alice.port, "z9hG4bKd2a", "d2a"), PA)
got = None
try:
    c, _ = lst.accept()
    conn = Tcp(c)
    got = conn.recv(lambda m: method(m) == "MESSAGE")
    if got:
        conn.send(response_to(got, 200, "OK"))
except socket.timeout:
    pass
r = alice.final("d2a")
result("2: a Request-URI with ;transport=tcp is sent over a new TCP connection",
       got is not None and r is not None and status(r) == 200,
       "carol got %s, alice got %s" % (got and first_line(got), r and first_line(r)))
carol = Tcp.connect(PA, PORTS[3])
carol.send(request("OPTIONS", "sip:%s:%d" % (HOST, PA), HOST, PORTS[3], "z9hG4bKd2o", "d2o",
                   tr="TCP"))
carol.recv(lambda m: status(m) >= 200, timeout=3)
for tag, ruri in (("d2b", "sip:carol@%s:%d;transport=tcp" % (HOST, PORTS[3])),
                  ("d2c", "sip:carol@%s:%d" % (HOST, PORTS[3]))):
    alice.send(request("MESSAGE", ruri, HOST, alice.port, "z9hG4bK" + tag, tag), PA)
    got = carol.recv(lambda m: method(m) == "MESSAGE" and hdr(m, "call-id") == tag, timeout=4)
    if got:
        carol.send(response_to(got, 200, "OK"))
    r = alice.final(tag)
    result("2: MESSAGE %s comes over carol's own TCP connection to the peer" % ruri,
           got is not None and r is not None and status(r) == 200,
           "carol got %s, alice got %s" % (got and first_line(got), r and first_line(r)))
carol.s.close()

# 3. Record-Route carries ;transport=tcp on a TCP phone leg, and the ACK
#    and BYE of the call reach a TCP callee over its connection.
carol = Tcp.connect(PB)
cport = carol.local_port()
register(carol, "carol", PB, contact_port=cport, tr="TCP")
inv = request("INVITE", "sip:carol@" + DOM, HOST, alice.port, "z9hG4bKd3i", "d3",
              extra="Contact: <sip:alice@%s:%d>\r\n" % (HOST, alice.port))
alice.send(inv, PA)
got = carol.recv(lambda m: method(m) == "INVITE", timeout=6)
rr = headers(got, "record-route") if got else []
rr = [x.strip() for h in rr for x in h.split(",")]
rr_b = [x for x in rr if ":%d;" % PB in x or ":%d>" % PB in x]
rr_a = [x for x in rr if ":%d;" % PA in x or ":%d>" % PA in x]
result("3: the callee's peer records ;transport=tcp for its TCP leg, the caller's peer not",
       len(rr_b) == 1 and "transport=tcp" in rr_b[0] and len(rr_a) == 1 and
       "transport=tcp" not in rr_a[0], "Record-Route %s" % rr)
ok = resp = False
if got:
    carol.send(response_to(got, 200, "OK", tag="c3",
                           extra="Contact: <sip:carol@%s:%d;transport=tcp>\r\n" % (HOST, cport)))
    resp = alice.final("d3", meth="INVITE")
if resp and status(resp) == 200:
    route = ", ".join(reversed([x.strip() for h in headers(resp, "record-route")
                                for x in h.split(",")]))
    to = hdr(resp, "to")
    rt = "Route: %s\r\n" % route if route else ""
    for meth, br in (("ACK", "z9hG4bKd3a"), ("BYE", "z9hG4bKd3b")):
        m = request(meth, "sip:carol@%s:%d;transport=tcp" % (HOST, cport), HOST, alice.port, br,
                    "d3", to=to, frm="<sip:alice@%s>;tag=a-d3" % DOM, extra=rt)
        m = m.replace("CSeq: 1 BYE", "CSeq: 2 BYE")
        alice.send(m, PA)
        g = carol.recv(lambda x: method(x) == meth, timeout=4)
        if g and meth == "BYE":
            carol.send(response_to(g, 200, "OK"))
        result("3: the %s of the call reaches the TCP callee over its connection" % meth,
               g is not None, "nothing came")
    r = alice.final("d3", meth="BYE")
    result("3: the BYE is answered 200", r is not None and status(r) == 200,
           r and first_line(r) or "no answer")
else:
    result("3: the INVITE to the TCP callee is answered 200", False,
           resp and first_line(resp) or "no answer")

# 3. Both legs phones of one peer on different transports: two
#    Record-Route values (RFC 5658), both taken off again.
inv = request("INVITE", BOB, HOST, cport, "z9hG4bKd3d", "d3d", tr="TCP",
              frm="<sip:carol@%s>;tag=c-d3d" % DOM,
              extra="Contact: <sip:carol@%s:%d;transport=tcp>\r\n" % (HOST, cport))
carol.send(inv)
g = bob_got("d3d", "INVITE")
rr = [x.strip() for h in headers(g[0], "record-route") for x in h.split(",")] if g else []
result("3: carol (TCP) to bob (UDP) at one peer: two Record-Route values, UDP leg first",
       len(rr) == 2 and "transport=tcp" not in rr[0] and "transport=tcp" in rr[1],
       "Record-Route %s" % rr)
resp = carol.recv(lambda m: status(m) >= 200 and hdr(m, "call-id") == "d3d", timeout=4)
if resp and status(resp) == 200:
    route = ", ".join(reversed([x.strip() for h in headers(resp, "record-route")
                                for x in h.split(",")]))
    ack = request("ACK", "sip:bob@%s:%d" % (HOST, bob.p.port), HOST, cport, "z9hG4bKd3e", "d3d",
                  tr="TCP", to=hdr(resp, "to"), frm="<sip:carol@%s>;tag=c-d3d" % DOM,
                  extra="Route: %s\r\n" % route)
    carol.send(ack)
    g = bob_got("d3d", "ACK")
    result("3: carol's ACK through both of her peer's routes reaches bob without a Route",
           len(g) == 1 and not headers(g[0], "route"), "bob got %s" % g)
else:
    result("3: bob's 200 reaches carol over TCP", False, resp and first_line(resp) or "none")

# 5. Server transactions match on branch, sent-by and method (17.2.3): a
#    second phone reusing alice's branch is a new transaction.
other = Udp(PORTS[4])
alice.send(request("MESSAGE", BOB, HOST, alice.port, "z9hG4bKsame", "d5x"), PA)
r1 = alice.final("d5x")
other.send(request("MESSAGE", BOB, HOST, other.port, "z9hG4bKsame", "d5y"), PA)
r2 = other.final("d5y")
result("5: two phones with one branch are two transactions: each gets its own 200",
       r1 is not None and r2 is not None and status(r2) == 200 and bob_got("d5y", "MESSAGE"),
       "second phone got %s" % (r2 and first_line(r2)))

# 7. The ACK of a non-2xx final response is generated hop by hop
#    (17.1.1.3): bob gets it from his peer even before alice ACKs, with one
#    Via (the INVITE's top one), and alice's own ACK is absorbed.
bob.plan["d7"] = 486
inv = request("INVITE", BOB, HOST, alice.port, "z9hG4bKd7", "d7")
alice.send(inv, PA)
r = alice.final("d7")
acks = bob_got("d7", "ACK", timeout=3)
invs = bob_got("d7", "INVITE")
good = (r is not None and status(r) == 486 and len(acks) >= 1 and invs and
        len(via_parms(acks[0])) == 1 and
        branch_of(via_parms(acks[0])[0]) == branch_of(via_parms(invs[0])[0]))
result("7: bob's peer ACKs his 486 itself (one Via, the INVITE's branch)", good,
       "alice got %s; bob's ACKs: %s" % (r and first_line(r),
                                          [via_parms(a) for a in acks]))
# Timer G (17.2.1): until alice ACKs, her peer sends the 486 again.
again = alice.final("d7", timeout=2)
result("7: alice's peer sends the 486 again until she ACKs (timer G)",
       again is not None and status(again) == 486, "nothing again in 2 s")
if r:
    alice.send(inv.replace("INVITE " + BOB, "ACK " + BOB, 1).replace("CSeq: 1 INVITE", "CSeq: 1 ACK")
               .replace("To: <%s>" % BOB, "To: " + hdr(r, "to")), PA)
time.sleep(1.0)  # no event to wait for: what must not come
acks = bob_got("d7", "ACK", n=99, timeout=0)
result("7: alice's ACK for the 486 ends at her peer (bob gets one ACK only)", len(acks) == 1,
       "bob got %d ACKs" % len(acks))

# 8. received and rport in the top Via (18.2.1, RFC 3581 4).
alice.send(request("MESSAGE", BOB, "192.0.2.7", 5060, "z9hG4bKd8", "d8").replace(
    ";branch=", ";rport;branch=", 1), PA)
r = alice.final("d8")
top = via_parms(r)[0] if r else ""
result("8: the response's Via has received=127.0.0.1 and rport=<alice's port>",
       "received=127.0.0.1" in top and ("rport=%d" % alice.port) in top, "Via %s" % top)

# 9. No Max-Forwards: the proxy adds 70 (16.6 step 3); an unsupported URI
#    scheme: 416 (16.3 step 1, 8.2.2.1).
r = ask("MESSAGE", BOB, "d9a", max_forwards=False)
g = bob_got("d9a", "MESSAGE")
result("9: a MESSAGE without Max-Forwards reaches bob with Max-Forwards 69",
       r is not None and status(r) == 200 and g and hdr(g[0], "max-forwards") == "69",
       "alice got %s" % (r and first_line(r)))
r = ask("MESSAGE", "tel:+15551234567", "d9b")
result("9: a tel: Request-URI is answered 416", r is not None and status(r) == 416,
       r and first_line(r) or "no answer")

# 4. A UDP binding delivers to the Contact, not to the REGISTER's source:
#    bob registers again from another socket, naming his phone as Contact.
regsock = Udp(PORTS[5])
register(regsock, "bob", PB, contact_port=bob.p.port)
r = ask("MESSAGE", BOB, "d4")
result("4: a phone registered from another socket is reached at its Contact",
       r is not None and status(r) == 200 and bob_got("d4", "MESSAGE"),
       "alice got %s" % (r and first_line(r)))

# 6. Capacity: 600 MESSAGEs through peer A to bob, 50 at a time, all
#    answered 200 (256 slots with an 8 s linger refused them with 503).
codes = {}
for burst in range(12):
    ids = ["d6-%d-%d" % (burst, k) for k in range(50)]
    for cid in ids:
        alice.send(request("MESSAGE", BOB, HOST, alice.port, "z9hG4bK" + cid, cid), PA)
    end = time.time() + 6
    while time.time() < end and not all(c in codes for c in ids):
        m = alice.recv(lambda x: status(x) >= 200, timeout=end - time.time())
        if m:
            codes[hdr(m, "call-id")] = status(m)
bad = sorted(set(v for v in codes.values() if v != 200))
result("6: 600 transactions in a few seconds all end in 200",
       len(codes) == 600 and not bad, "%d answered, other codes %s" % (len(codes), bad))

bob.stop = True
if failed:
    print("%d check(s) failed" % len(failed))
    sys.exit(1)
print("all proxy rules hold")
