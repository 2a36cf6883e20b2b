#!/usr/bin/env python3
"""baresip-call.py: two real phones (baresip) call each other through two
reference peers, over UDP and over TCP (issue 17).

    baresip-call.py BARESIP WORKDIR PEER_A_SIP_PORT PEER_B_SIP_PORT PORT...

alice registers at peer A, bob at peer B (domain overlay.test), both
headless: a config directory each, ctrl_tcp for commands and events, a
sine as microphone and a file as speaker, SIP tracing (-s) to
WORKDIR/NAME-TRANSPORT.out. For each transport: both register
(REGISTER_OK), alice dials sip:bob@overlay.test, bob answers by himself
(answermode=auto), both report the call established and bob receives
alice's audio (CALL_RTPESTAB), alice hangs up, both report it closed. Then
the SIP traces must show bob receiving the INVITE, the ACK and the BYE over
that transport and alice getting 200 for her BYE. Needs PORT... (4 free
ports of 127.0.0.1 per transport). Every wait is bounded; every baresip
started is stopped (quit, then killed by pid). Exit 0 or 1 with the
reasons.
"""
import json, os, re, signal, socket, subprocess, sys, time

BARESIP, WORK = sys.argv[1], sys.argv[2]
PA, PB = int(sys.argv[3]), int(sys.argv[4])
PORTS = [int(x) for x in sys.argv[5:]]
MODULES = "/usr/lib/baresip/modules"
failed = []
procs = []


def result(name, ok, detail=""):
    print(("ok: " if ok else "FAIL: ") + name + ("" if ok or not detail else " - " + detail))
    if not ok:
        failed.append(name)


class Phone:
    def __init__(self, name, tr, sip_port, ctrl_port, peer_port):
        self.name, self.tr, self.sip_port = name, tr, sip_port
        d = os.path.join(WORK, "%s-%s" % (name, tr))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config"), "w") as f:
            f.write("poll_method epoll\nsip_listen 127.0.0.1:%d\ncall_local_timeout 120\n"
                    "audio_player aufile,%s/speaker.wav\naudio_source ausine,440\n"
                    "audio_alert aufile,%s/alert.wav\nmodule_path %s\nmodule opus.so\n"
                    "module ausine.so\nmodule aufile.so\nmodule_tmp account.so\n"
                    "module_app menu.so\nmodule ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:%d\n"
                    % (sip_port, d, d, MODULES, ctrl_port))
        with open(os.path.join(d, "accounts"), "w") as f:
            f.write('<sip:%s@overlay.test;transport=%s>;outbound="sip:127.0.0.1:%d;transport=%s";'
                    "regint=60;answermode=auto;auth_pass=none\n" % (name, tr, peer_port, tr))
        open(os.path.join(d, "contacts"), "w").close()
        self.out = os.path.join(WORK, "%s-%s.out" % (name, tr))
        self.proc = subprocess.Popen([BARESIP, "-f", d, "-s"], stdout=open(self.out, "w"),
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        procs.append(self.proc)
        self.events = []
        self.responses = []
        self.buf = b""
        self.ctl = None
        end = time.time() + 5
        while time.time() < end and self.ctl is None:
            try:
                self.ctl = socket.create_connection(("127.0.0.1", ctrl_port), timeout=1)
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        if self.ctl is None:
            raise RuntimeError("%s: no ctrl_tcp on port %d (baresip %s)" %
                               (name, ctrl_port, "exited" if self.proc.poll() is not None
                                else "running"))

    def command(self, cmd, params=""):
        m = json.dumps({"command": cmd, "params": params, "token": cmd}).encode()
        self.ctl.sendall(b"%d:%s," % (len(m), m))

    def _read(self, timeout):
        """Netstrings from ctrl_tcp into self.events (events only)."""
        self.ctl.settimeout(max(0.01, timeout))
        try:
            d = self.ctl.recv(65535)
        except socket.timeout:
            return
        if not d:
            raise RuntimeError("%s: ctrl_tcp closed" % self.name)
        self.buf += d
        while b":" in self.buf:
            n, rest = self.buf.split(b":", 1)
            if not n.isdigit() or len(rest) < int(n) + 1:
                break
            obj = json.loads(rest[:int(n)])
            self.buf = rest[int(n) + 1:]
            if obj.get("event"):
                self.events.append(obj)
            elif obj.get("response"):
                self.responses.append(obj)

    def wait(self, etype, timeout=10.0):
        """The first event of type etype (seen before or coming), or None."""
        end = time.time() + timeout
        while True:
            for e in self.events:
                if e.get("type") == etype:
                    return e
            if time.time() >= end:
                return None
            self._read(end - time.time())

    def registered(self, timeout=10.0):
        """Wait until the account is registered: a REGISTER_OK event, or
        (it may come before ctrl_tcp is connected) "OK" in reginfo."""
        end = time.time() + timeout
        while time.time() < end:
            if any(e.get("type") == "REGISTER_OK" for e in self.events):
                return True
            self.responses = []
            self.command("reginfo")
            stop = time.time() + 0.3
            while time.time() < stop and not self.responses:
                self._read(stop - time.time())
            for r in self.responses:
                info = re.sub(r"\x1b\[[0-9;]*m", "", r.get("data", ""))
                if re.search(r"sip:%s@overlay.test\s+OK" % self.name, info):
                    return True
            time.sleep(0.1)
        return False

    def stop(self):
        try:
            self.command("quit")
        except OSError:
            pass
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def trace(self, full=False):
        """The SIP trace (-s): (transport, from port, to port, first line) each,
        or with full the message's lines up to the next one instead."""
        text = re.sub(r"\x1b\[[0-9;]*m", "", open(self.out, errors="replace").read())
        lines = text.split("\n")
        out = []
        for i, l in enumerate(lines[:-1]):
            mt = re.match(r"^(UDP|TCP|TLS) [0-9.]+:(\d+) -> [0-9.]+:(\d+)\s*$", l.strip())
            if mt:
                msg = lines[i + 1].strip()
                if full:
                    j = i + 1
                    while j < len(lines) and \
                            not re.match(r"^(UDP|TCP|TLS) [0-9.]+:", lines[j].strip()):
                        j += 1
                    msg = "\n".join(x.strip() for x in lines[i + 1:j])
                out.append((mt.group(1), int(mt.group(2)), int(mt.group(3)), msg))
        return out


def call(tr, ports):
    alice = bob = None
    try:
        alice = Phone("alice", tr, ports[0], ports[1], PA)
        bob = Phone("bob", tr, ports[2], ports[3], PB)
        for p in (alice, bob):
            ok = p.registered()
            result("%s: %s registers at her/his peer" % (tr, p.name), ok,
                   "events %s, reginfo %s" % ([x.get("type") for x in p.events],
                                              [x.get("data") for x in p.responses]))
            if not ok:
                return
        alice.command("dial", "sip:bob@overlay.test")
        for p in (alice, bob):
            e = p.wait("CALL_ESTABLISHED")
            result("%s: the call is established at %s" % (tr, p.name), e is not None,
                   "events %s" % [x.get("type") for x in p.events])
            if e is None:
                return
        # The call holds until bob hears alice: RTP flows phone to phone.
        e = bob.wait("CALL_RTPESTAB", 5)
        result("%s: bob receives alice's audio" % tr, e is not None,
               "events %s" % [x.get("type") for x in bob.events])
        alice.command("hangup")
        for p in (alice, bob):
            e = p.wait("CALL_CLOSED")
            result("%s: the call is closed at %s" % (tr, p.name), e is not None,
                   "events %s" % [x.get("type") for x in p.events])
        want = tr.upper()
        got = [(t, line.split()[0]) for t, src, dst, line in bob.trace() if src == PB]
        for meth in ("INVITE", "ACK", "BYE"):
            ok = (want, meth) in got and all(t == want for t, m in got if m == meth)
            result("%s: bob gets the %s over %s" % (tr, meth, want), ok,
                   "bob received %s" % got)
        # alice closes the call when she sends the BYE; its 200 comes
        # after: read her trace until it is there (5 s at most).
        bye_ok = False
        end = time.time() + 5
        while not bye_ok and time.time() < end:
            for t, src, dst, msg in alice.trace(full=True):
                if src == PA and msg.startswith("SIP/2.0 200") and \
                        re.search(r"(?m)^CSeq:\s*\d+ BYE\s*$", msg):
                    bye_ok = True
            if not bye_ok:
                time.sleep(0.05)
        result("%s: alice's BYE is answered 200" % tr, bye_ok)
    except RuntimeError as ex:
        result("%s: the phones run" % tr, False, str(ex))
    finally:
        for p in (alice, bob):
            if p:
                p.stop()


# A TERM (the test's watchdog or cleanup) ends the phones too: SystemExit
# runs the finally clauses below.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
try:
    call("udp", PORTS[0:4])
    call("tcp", PORTS[4:8])
finally:
    for pr in procs:
        if pr.poll() is None:
            pr.kill()
            pr.wait()
if failed:
    print("%d check(s) failed" % len(failed))
    sys.exit(1)
print("baresip calls over UDP and TCP through two peers: all checks hold")
