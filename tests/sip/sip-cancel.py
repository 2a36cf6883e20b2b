#!/usr/bin/env python3
"""sip-cancel.py: CANCEL through two reference peers (RFC 3261 9.2, 16.10).

    sip-cancel.py ALICE_PORT BOB_PORT PEER_A_SIP_PORT PEER_B_SIP_PORT

Two minimal UDP phones: alice registers at peer A, bob at peer B. alice
INVITEs bob; bob answers 180 only; alice CANCELs. Checked: alice's proxy
answers the CANCEL with 200 (16.10), the CANCEL reaches bob (forwarded with
the INVITE's branch, hop by hop), bob's 487 for the INVITE comes back to
alice, and alice's ACK for the 487 reaches bob. Exit 0 when all hold, 1
with the reason otherwise. Then bob's RELOAD GRUU (RFC 7904 6, given in the 200 to his REGISTER as
RFC 5627 says) takes a MESSAGE from alice straight to him. Every wait is
bounded (5 s).
"""
import socket, sys, threading
ap, bp, pa, pb = [int(x) for x in sys.argv[1:5]]  # alice phone port, bob phone port, peer A sip, peer B sip
bob_saw = []
def fail(why):
    print("FAIL:", why); sys.exit(1)
def sock(p):
    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",p)); s.settimeout(5); return s
A=sock(ap); B=sock(bp)
def reg(s,user,port,peer,gruu=False):
    extra = "Supported: gruu\r\n" if gruu else ""
    inst = ';+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"' if gruu else ""
    m=(f"REGISTER sip:overlay.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKr{user}\r\nFrom: <sip:{user}@overlay.test>;tag=r1\r\nTo: <sip:{user}@overlay.test>\r\nCall-ID: reg-{user}\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n{extra}Contact: <sip:{user}@127.0.0.1:{port}>{inst}\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n")
    s.sendto(m.encode(),("127.0.0.1",peer)); d,_=s.recvfrom(65535); print(user,"REGISTER ->",d.split(b"\r\n")[0].decode())
    if not d.startswith(b"SIP/2.0 200"): fail(user+"'s REGISTER was refused")
    return d.decode()
reg(A,"alice",ap,pa)
# RFC 5627 5 / RFC 7904 6: bob's phone supports GRUUs: it gets a RELOAD GRUU.
r = reg(B,"bob",bp,pb,gruu=True)
import re
mg = re.search(r'pub-gruu="([^"]*)"', r)
if not mg or ";gr=" not in mg.group(1) or not mg.group(1).startswith("sip:bob@overlay.test;gr="):
    fail("no RELOAD GRUU (pub-gruu with gr=) in the 200 to bob's REGISTER: " + r.replace("\r\n", " | "))
gruu = mg.group(1)
print("bob's GRUU:", gruu)
def bob():
    d,addr=B.recvfrom(65535); lines=d.decode().split("\r\n"); print("bob got",lines[0]); bob_saw.append(lines[0].split()[0])
    hdrs=[l for l in lines if l.split(":")[0].lower() in ("via","from","to","call-id","cseq")]
    def resp(code,reason,h,tag=";tag=b1"):
        out=[f"SIP/2.0 {code} {reason}"]+[x+tag if x.lower().startswith("to:") else x for x in h]+["Content-Length: 0","",""]
        B.sendto("\r\n".join(out).encode(),addr)
    resp(180,"Ringing",hdrs)
    d,addr2=B.recvfrom(65535); l2=d.decode().split("\r\n"); print("bob got",l2[0]); bob_saw.append(l2[0].split()[0])
    h2=[l for l in l2 if l.split(":")[0].lower() in ("via","from","to","call-id","cseq")]
    resp(200,"OK",h2,tag=""); resp(487,"Request Terminated",hdrs)
    d,_=B.recvfrom(65535); print("bob got",d.split(b"\r\n")[0].decode()); bob_saw.append(d.split()[0].decode())
    # A MESSAGE sent to his GRUU.
    d,addr=B.recvfrom(65535); lines=d.decode().split("\r\n"); print("bob got",lines[0]); bob_saw.append(lines[0].split()[0])
    resp(200,"OK",[l for l in lines if l.split(":")[0].lower() in ("via","from","to","call-id","cseq")])
def bob_safe():
    try: bob()
    except socket.timeout: print("bob: timed out")
t=threading.Thread(target=bob_safe); t.start()
inv=(f"INVITE sip:bob@overlay.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{ap};branch=z9hG4bKinv1\r\nFrom: <sip:alice@overlay.test>;tag=a1\r\nTo: <sip:bob@overlay.test>\r\nCall-ID: cx1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:alice@127.0.0.1:{ap}>\r\nContent-Length: 0\r\n\r\n")
A.sendto(inv.encode(),("127.0.0.1",pa))
while True:
    d,_=A.recvfrom(65535); f=d.split(b"\r\n")[0].decode(); print("alice got",f)
    if "180" in f: break
can=inv.replace("INVITE sip:bob","CANCEL sip:bob",1).replace("CSeq: 1 INVITE","CSeq: 1 CANCEL")
A.sendto(can.encode(),("127.0.0.1",pa))
got=[]
for i in range(2):
    d,_=A.recvfrom(65535); f=d.split(b"\r\n")[0].decode(); cs=[l for l in d.decode().split("\r\n") if l.startswith("CSeq")][0]; print("alice got",f,"|",cs); got.append((f,cs))
ack=inv.replace("INVITE sip:bob","ACK sip:bob",1).replace("CSeq: 1 INVITE","CSeq: 1 ACK").replace("To: <sip:bob@overlay.test>","To: <sip:bob@overlay.test>;tag=b1")
A.sendto(ack.encode(),("127.0.0.1",pa))
msg=(f"MESSAGE {gruu} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{ap};branch=z9hG4bKmsg1\r\nFrom: <sip:alice@overlay.test>;tag=a2\r\nTo: <{gruu}>\r\nCall-ID: cx2\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi")
A.sendto(msg.encode(),("127.0.0.1",pa))
d,_=A.recvfrom(65535); print("alice got", d.split(b"\r\n")[0].decode(), "for the MESSAGE to the GRUU")
if not d.startswith(b"SIP/2.0 200"): fail("the MESSAGE to bob's GRUU did not get 200")
t.join()
if not any(f.startswith("SIP/2.0 200") and "CANCEL" in cs for f, cs in got): fail("no 200 for the CANCEL")
if not any(f.startswith("SIP/2.0 487") and "INVITE" in cs for f, cs in got): fail("no 487 for the INVITE")
if bob_saw != ["INVITE", "CANCEL", "ACK", "MESSAGE"]: fail("bob saw %s, want INVITE, CANCEL, ACK, MESSAGE" % bob_saw)
print("ok: CANCEL answered 200, forwarded to bob, 487 back to alice, ACK to bob; bob's GRUU reached him")
