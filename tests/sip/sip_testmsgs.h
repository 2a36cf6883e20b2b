/* sip_testmsgs.h: SIP messages for the parser tests, in the style of
 * RFC 4475 (SIP torture tests) and RFC 3261 section 24: each valid message
 * exercises legal but unusual syntax, each invalid one a single fault. The
 * messages are written for these tests (after the RFC's examples, not
 * copied from it). Lengths are given explicitly: some hold NUL bytes. */
#ifndef RL_SIP_TESTMSGS_H
#define RL_SIP_TESTMSGS_H

#include <stddef.h>

typedef struct sip_testmsg {
  const char *name;
  const char *text;
  size_t len;
} sip_testmsg;

#define TM(name, text) {name, text, sizeof text - 1}

/* Valid messages. */
#define MSG_INVITE_SDP \
  "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" \
  "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n" \
  "Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;" \
  "received=192.0.2.101\r\n" \
  "Max-Forwards: 69\r\n" \
  "To: Bob <sip:bob@biloxi.example.com>\r\n" \
  "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" \
  "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" \
  "CSeq: 314159 INVITE\r\n" \
  "Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"\r\n" \
  "Content-Type: application/sdp\r\n" \
  "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO," \
  " UPDATE, PRACK\r\n" \
  "Supported: replaces, timer, 100rel, path, gruu\r\n" \
  "Content-Length: 211\r\n" \
  "\r\n" \
  "v=0\r\n" \
  "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n" \
  "s=-\r\n" \
  "c=IN IP4 192.0.2.101\r\n" \
  "t=0 0\r\n" \
  "m=audio 49172 RTP/AVP 0 8 97\r\n" \
  "a=rtpmap:0 PCMU/8000\r\n" \
  "a=rtpmap:8 PCMA/8000\r\n" \
  "a=rtpmap:97 iLBC/8000\r\n" \
  "a=sendrecv\r\n"
#define MSG_WSINV \
  "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n" \
  "TO :\r\n" \
  " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n" \
  "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n" \
  "  ;\r\n" \
  "  tag = 98asjd8\r\n" \
  "MaX-fOrWaRdS: 0068\r\n" \
  "Call-ID: wsinv.ndaksdj@192.0.2.1\r\n" \
  "Content-Length   : 150\r\n" \
  "cseq: 0009\r\n" \
  "  INVITE\r\n" \
  "Via  : SIP  /   2.0\r\n" \
  " /UDP\r\n" \
  "    192.0.2.2;branch=390skdjuw\r\n" \
  "s :\r\n" \
  "NewFangledHeader:   newfangled value\r\n" \
  " continued newfangled value\r\n" \
  "UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n" \
  "Content-Type: application/sdp\r\n" \
  "Route:\r\n" \
  " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n" \
  "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n" \
  "  branch  =   z9hG4bK9ikj8  ,\r\n" \
  " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n" \
  " z9hG4bK30239\r\n" \
  "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n" \
  "      newvalue ;\r\n" \
  "  secondparam ; q = 0.33\r\n" \
  "\r\n" \
  "v=0\r\n" \
  "o=mhandley 29739 7272939 IN IP4 192.0.2.3\r\n" \
  "s=-\r\n" \
  "c=IN IP4 192.0.2.4\r\n" \
  "t=0 0\r\n" \
  "m=audio 49217 RTP/AVP 0 12\r\n" \
  "m=video 3227 RTP/AVP 31\r\n" \
  "a=rtpmap:31 LPC\r\n"
#define MSG_INTMETH \
  "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?," \
  "/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n" \
  "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n" \
  "To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?," \
  "/;;*@example.com>\r\n" \
  "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";" \
  "tag=_token~1'+`*%!-.\r\n" \
  "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n" \
  "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n" \
  "Max-Forwards: 255\r\n" \
  "extensionHeader-!.%*+_`'~:\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define MSG_ESC01 \
  "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n" \
  "To: sip:%75se%72@example.com\r\n" \
  "From: <sip:I%20have%20spaces@example.net>;tag=938\r\n" \
  "Max-Forwards: 87\r\n" \
  "i: esc01.239409asdfakjkn23onasd0-3234\r\n" \
  "CSeq: 234234 INVITE\r\n" \
  "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\r\n" \
  "C: application/sdp\r\n" \
  "Contact:\r\n" \
  "  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n" \
  "Content-Length: 150\r\n" \
  "\r\n" \
  "v=0\r\n" \
  "o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n" \
  "s=-\r\n" \
  "c=IN IP4 192.0.2.1\r\n" \
  "t=0 0\r\n" \
  "m=audio 49217 RTP/AVP 0 12\r\n" \
  "m=video 3227 RTP/AVP 31\r\n" \
  "a=rtpmap:31 LPC\r\n"
#define MSG_ESCNULL \
  "REGISTER sip:example.com SIP/2.0\r\n" \
  "To: sip:null-%00-null@example.com\r\n" \
  "From: sip:null-%00-null@example.com;tag=839923423\r\n" \
  "Max-Forwards: 70\r\n" \
  "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\r\n" \
  "CSeq: 14398234 REGISTER\r\n" \
  "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n" \
  "Contact: <sip:%00@host5.example.com>\r\n" \
  "Contact: <sip:%00%00@host5.example.com>\r\n" \
  "L:0\r\n" \
  "\r\n"
#define MSG_ESC02 \
  "RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n" \
  "To: \"%Z%45\" <sip:resource@example.com>\r\n" \
  "From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\r\n" \
  "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf\r\n" \
  "Via: SIP/2.0/TCP host.example.com;rport;branch=z9hG4bK209%fzsnel234\r\n" \
  "CSeq: 29344 RE%47IST%45R\r\n" \
  "Max-Forwards: 70\r\n" \
  "Contact: <sip:alias1@host1.example.com>\r\n" \
  "C%6Fntact: <sip:alias2@host2.example.com>\r\n" \
  "Contact: <sip:alias3@host3.example.com>\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define MSG_LWSDISP \
  "OPTIONS sip:user@example.com SIP/2.0\r\n" \
  "To: sip:user@example.com\r\n" \
  "From: caller<sip:caller@example.com>;tag=323\r\n" \
  "Max-Forwards: 70\r\n" \
  "Call-ID: lwsdisp.1234abcd@funky.example.com\r\n" \
  "CSeq: 60 OPTIONS\r\n" \
  "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define MSG_SEMIURI \
  "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\n" \
  "To: sip:j_user@example.com\r\n" \
  "From: sip:caller@example.org;tag=33242\r\n" \
  "Max-Forwards: 3\r\n" \
  "Call-ID: semiuri.0ha0isndaksdj\r\n" \
  "CSeq: 8 OPTIONS\r\n" \
  "Accept: application/sdp, application/pkcs7-mime,\r\n" \
  "        multipart/mixed, multipart/signed,\r\n" \
  "        message/sip, message/sipfrag\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define MSG_TRANSPORTS \
  "OPTIONS sip:user@example.com SIP/2.0\r\n" \
  "To: sip:user@example.com\r\n" \
  "From: <sip:caller@example.com>;tag=323\r\n" \
  "Max-Forwards: 70\r\n" \
  "Call-ID:  transports.kijh4akdnaqjkwendsasfdj\r\n" \
  "Accept: application/sdp\r\n" \
  "CSeq: 60 OPTIONS\r\n" \
  "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\r\n" \
  "Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n" \
  "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\r\n" \
  "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\n" \
  "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define MSG_UNREASON \
  "SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe " \
  "\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - \xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\n" \
  "Call-ID: unreason.1234ksdfak3j2erwedfsASdf\r\n" \
  "CSeq: 35 INVITE\r\n" \
  "From: sip:user@example.com;tag=11141343\r\n" \
  "To: sip:user@example.edu;tag=2229\r\n" \
  "Content-Length: 154\r\n" \
  "Content-Type: application/sdp\r\n" \
  "Contact: <sip:user@192.0.2.198>\r\n" \
  "\r\n" \
  "v=0\r\n" \
  "o=mhandley 29739 7272939 IN IP4 192.0.2.198\r\n" \
  "s=-\r\n" \
  "c=IN IP4 192.0.2.198\r\n" \
  "t=0 0\r\n" \
  "m=audio 49217 RTP/AVP 0 12\r\n" \
  "m=video 3227 RTP/AVP 31\r\n" \
  "a=rtpmap:31 LPC\r\n"
#define MSG_NOREASON \
  "SIP/2.0 100 \r\n" \
  "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n" \
  "Call-ID: noreason.asndj203insdf99223ndf\r\n" \
  "CSeq: 35 INVITE\r\n" \
  "From: <sip:user@example.com>;tag=39ansfi3\r\n" \
  "To: <sip:user@example.edu>;tag=902jndnke3\r\n" \
  "Content-Length: 0\r\n" \
  "Contact: <sip:user@host105.example.com>\r\n" \
  "\r\n"
#define MSG_IPV6 \
  "REGISTER sip:[2001:db8::10] SIP/2.0\r\n" \
  "To: sip:user@example.com\r\n" \
  "From: sip:user@example.com;tag=81x2\r\n" \
  "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111;received=2001:db8::9:255\r\n" \
  "Via: SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19;received=[2001:db8::9:1]\r\n" \
  "Call-ID: SSG9559905523997077@hlau_4100\r\n" \
  "Max-Forwards: 70\r\n" \
  "Contact: \"Caller\" <sip:caller@[2001:db8::1]:5080;transport=udp>\r\n" \
  "CSeq: 98176 REGISTER\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define MSG_RINGING \
  "\r\n" \
  "\r\n" \
  "SIP/2.0 180 Ringing\r\n" \
  "Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r\n" \
  "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n" \
  "Record-Route: <sip:server10.biloxi.example.com;lr>, <sip:bigbox3.site3.atlanta.example.com;" \
  "lr>\r\n" \
  "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n" \
  "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" \
  "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" \
  "Contact: <sip:bob@192.0.2.4>\r\n" \
  "CSeq: 314159 INVITE\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define MSG_REGISTER_GRUU \
  "REGISTER sip:example.com SIP/2.0\r\n" \
  "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKnashds7;alias\r\n" \
  "Max-Forwards: 70\r\n" \
  "From: Callee <sip:callee@example.com>;tag=7F94778B653B\r\n" \
  "To: Callee <sip:callee@example.com>\r\n" \
  "Call-ID: 16CB75F21C70\r\n" \
  "CSeq: 1 REGISTER\r\n" \
  "Supported: gruu, outbound, path\r\n" \
  "Contact: <sip:callee@192.0.2.1;transport=tcp>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\";" \
  "reg-id=1;expires=3600,\r\n" \
  " <sip:callee@[2001:db8::1]:5061;transport=tls;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>;" \
  "q=0.7;expires=60\r\n" \
  "Expires: 3600\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define MSG_UNREGISTER_STAR \
  "REGISTER sip:example.com SIP/2.0\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds8;rport\r\n" \
  "Max-Forwards: 70\r\n" \
  "From: <sip:callee@example.com>;tag=a73kszlfl\r\n" \
  "To: <sip:callee@example.com>\r\n" \
  "Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.1\r\n" \
  "CSeq: 2 REGISTER\r\n" \
  "Contact: *\r\n" \
  "Expires: 0\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define MSG_TEL \
  "MESSAGE tel:+1-201-555-0123 SIP/2.0\r\n" \
  "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bK1vx3\r\n" \
  "Max-Forwards: 70\r\n" \
  "To: isbn:2983792873\r\n" \
  "From: <sip:user@example.com>;tag=2342dn\r\n" \
  "Call-ID: tel.83jm2nx@host.example.com\r\n" \
  "CSeq: 7 MESSAGE\r\n" \
  "Content-Type: text/plain;charset=utf-8\r\n" \
  "Content-Length: 28\r\n" \
  "\r\n" \
  "Hello through the overlay.\r\n"
#define MSG_DBLREQ \
  "REGISTER sip:example.com SIP/2.0\r\n" \
  "To: sip:j.user@example.com\r\n" \
  "From: sip:j.user@example.com;tag=43251j3j324\r\n" \
  "Max-Forwards: 8\r\n" \
  "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412\r\n" \
  "Contact: sip:j.user@host.example.com\r\n" \
  "CSeq: 8 REGISTER\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n" \
  "INVITE sip:joe@example.com SIP/2.0\r\n" \
  "t: sip:joe@example.com\r\n" \
  "From: sip:caller@example.net;tag=141334\r\n" \
  "Max-Forwards: 8\r\n" \
  "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15\r\n" \
  "CSeq: 8 INVITE\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234\r\n" \
  "Content-Type: application/sdp\r\n" \
  "Content-Length: 5\r\n" \
  "\r\n" \
  "v=0\r\n"

/* Invalid messages: each breaks one rule; the tests say which. */
#define BAD_BADINV01 \
  "INVITE sip:user@example.com SIP/2.0\r\n" \
  "To: sip:j.user@example.com\r\n" \
  "From: sip:caller@example.net;tag=134161461246\r\n" \
  "Max-Forwards: 7\r\n" \
  "Call-ID: badinv01.0ha0isndaksdjasdf3234nas\r\n" \
  "CSeq: 8 INVITE\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n" \
  "Contact: \"Joe\" <sip:joe@example.org>;;;;\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define BAD_CLERR \
  "INVITE sip:user@example.com SIP/2.0\r\n" \
  "Max-Forwards: 80\r\n" \
  "To: sip:j.user@example.com\r\n" \
  "From: sip:caller@example.net;tag=93942939o2\r\n" \
  "Contact: <sip:caller@hungry.example.net>\r\n" \
  "Call-ID: clerr.0ha0isndaksdjweiafasdk3\r\n" \
  "CSeq: 8 INVITE\r\n" \
  "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523\r\n" \
  "Content-Type: application/sdp\r\n" \
  "Content-Length: 9999\r\n" \
  "\r\n" \
  "v=0\r\n" \
  "o=mhandley 29739 7272939 IN IP4 192.0.2.155\r\n" \
  "s=-\r\n" \
  "c=IN IP4 192.0.2.155\r\n" \
  "t=0 0\r\n" \
  "m=audio 49217 RTP/AVP 0 12\r\n"
#define BAD_NCL \
  "INVITE sip:user@example.com SIP/2.0\r\n" \
  "Max-Forwards: 254\r\n" \
  "To: sip:j.user@example.com\r\n" \
  "From: sip:caller@example.net;tag=32394234\r\n" \
  "Call-ID: ncl.0ha0isndaksdj2193423r542w35\r\n" \
  "CSeq: 0 INVITE\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw\r\n" \
  "Contact: <sip:caller@example53.example.net>\r\n" \
  "Content-Type: application/sdp\r\n" \
  "Content-Length: -999\r\n" \
  "\r\n" \
  "v=0\r\n"
#define BAD_SCALAR02 \
  "REGISTER sip:example.com SIP/2.0\r\n" \
  "Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\r\n" \
  "To: <sip:user@example.com>\r\n" \
  "From: <sip:user@example.com>;tag=239232jh3\r\n" \
  "CSeq: 36893488147419103232 REGISTER\r\n" \
  "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\r\n" \
  "Max-Forwards: 300\r\n" \
  "Expires: 1000000000000000000000000000000000000000000000000000000000000000000\r\n" \
  "Contact: <sip:user@host129.example.com>;expires=280297596632815\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define BAD_QUOTBAL \
  "INVITE sip:user@example.com SIP/2.0\r\n" \
  "To: \"Mr. J. User <sip:j.user@example.com>\r\n" \
  "From: sip:caller@example.net;tag=93334\r\n" \
  "Max-Forwards: 10\r\n" \
  "Call-ID: quotbal.aksdj\r\n" \
  "Contact: <sip:caller@host59.example.net>\r\n" \
  "CSeq: 8 INVITE\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define BAD_LTGTRURI \
  "INVITE <sip:user@example.com> SIP/2.0\r\n" \
  "To: sip:user@example.com\r\n" \
  "From: sip:caller@example.net;tag=39291\r\n" \
  "Max-Forwards: 23\r\n" \
  "Call-ID: ltgtruri.1@192.0.2.5\r\n" \
  "CSeq: 1 INVITE\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.5\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define BAD_LWSRURI \
  "INVITE sip:user@example.com; lr SIP/2.0\r\n" \
  "To: sip:user@example.com;tag=3xfe-9921883-z9f\r\n" \
  "From: sip:caller@example.net;tag=231413434\r\n" \
  "Max-Forwards: 5\r\n" \
  "Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423\r\n" \
  "CSeq: 2130706432 INVITE\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define BAD_LWSSTART \
  "INVITE  sip:user@example.com  SIP/2.0\r\n" \
  "Max-Forwards: 8\r\n" \
  "To: sip:user@example.com\r\n" \
  "From: sip:caller@example.net;tag=8814\r\n" \
  "Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com\r\n" \
  "CSeq: 1893884 INVITE\r\n" \
  "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define BAD_TRWS \
  "OPTIONS sip:remote-target@example.com SIP/2.0  \r\n" \
  "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK299342093\r\n" \
  "To: <sip:remote-target@example.com>\r\n" \
  "From: <sip:local-resource@example.com>;tag=329429089\r\n" \
  "Call-ID: trws.oicu34958239neffasdhr2345r\r\n" \
  "Accept: application/sdp\r\n" \
  "CSeq: 238923 OPTIONS\r\n" \
  "Max-Forwards: 70\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define BAD_ESCRURI \
  "INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0\r\n" \
  "To: sip:user@example.com\r\n" \
  "From: sip:caller@example.net;tag=341518\r\n" \
  "Max-Forwards: 7\r\n" \
  "Contact: <sip:caller@host39923.example.net>\r\n" \
  "Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5\r\n" \
  "CSeq: 149209342 INVITE\r\n" \
  "Via: SIP/2.0/UDP host-of-the-hour.example.com;branch=z9hG4bKkdjuw\r\n" \
  "Content-Length: 0\r\n" \
  "\r\n"
#define BAD_BADASPEC \
  "OPTIONS sip:user@example.org SIP/2.0\r\n" \
  "Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234\r\n" \
  "Max-Forwards: 70\r\n" \
  "From: \"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=433423\r\n" \
  "To: \"Watson, Thomas\" < sip:t.watson@example.org >\r\n" \
  "Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3\r\n" \
  "Accept: application/sdp\r\n" \
  "CSeq: 3923239 OPTIONS\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define BAD_BADDN \
  "OPTIONS sip:t.watson@example.org SIP/2.0\r\n" \
  "Via:     SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw\r\n" \
  "Max-Forwards:      70\r\n" \
  "From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43\r\n" \
  "To:      Watson, Thomas <sip:t.watson@example.org>\r\n" \
  "Call-ID: baddn.31415@c.example.com\r\n" \
  "Accept: application/sdp\r\n" \
  "CSeq:    3923239 OPTIONS\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define BAD_BADVERS \
  "OPTIONS sip:t.watson@example.org SIP/7.0\r\n" \
  "Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\n" \
  "Max-Forwards:     70\r\n" \
  "From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\r\n" \
  "To:      T. Watson <sip:t.watson@example.org>\r\n" \
  "Call-ID: badvers.31417@c.example.com\r\n" \
  "CSeq:    1 OPTIONS\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define BAD_MISMATCH01 \
  "OPTIONS sip:user@example.com SIP/2.0\r\n" \
  "To: sip:j.user@example.com\r\n" \
  "From: sip:caller@example.net;tag=34525\r\n" \
  "Max-Forwards: 6\r\n" \
  "Call-ID: mismatch01.dj0234sxdfl3\r\n" \
  "CSeq: 8 INVITE\r\n" \
  "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define BAD_BIGCODE \
  "SIP/2.0 4294967301 better not break the receiver\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n" \
  "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\r\n" \
  "CSeq: 353494 INVITE\r\n" \
  "From: <sip:user@example.com>;tag=39ansfi3\r\n" \
  "To: <sip:user@example.edu>;tag=902jndnke3\r\n" \
  "Content-Length: 0\r\n" \
  "Contact: <sip:user@host105.example.com>\r\n" \
  "\r\n"
#define BAD_INSUF \
  "INVITE sip:user@example.com SIP/2.0\r\n" \
  "CSeq: 193942 INVITE\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n" \
  "Content-Type: application/sdp\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define BAD_MULTI01 \
  "INVITE sip:user@company.com SIP/2.0\r\n" \
  "Contact: <sip:caller@host25.example.net>\r\n" \
  "Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw\r\n" \
  "Max-Forwards: 70\r\n" \
  "CSeq: 5 INVITE\r\n" \
  "Call-ID: multi01.98asdh@192.0.2.1\r\n" \
  "CSeq: 59 INVITE\r\n" \
  "Call-ID: multi01.98asdh@192.0.2.2\r\n" \
  "From: sip:caller@example.com;tag=3413415\r\n" \
  "To: sip:user@example.com\r\n" \
  "To: sip:other@example.net\r\n" \
  "From: sip:caller@example.net;tag=2923420123\r\n" \
  "Content-Type: application/sdp\r\n" \
  "l: 0\r\n" \
  "\r\n"
#define BAD_MCL01 \
  "OPTIONS sip:user@example.com SIP/2.0\r\n" \
  "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423\r\n" \
  "To: sip:user@example.com\r\n" \
  "From: sip:other@example.net;tag=3923942\r\n" \
  "Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf\r\n" \
  "CSeq: 15932 OPTIONS\r\n" \
  "Content-Length: 13\r\n" \
  "Max-Forwards: 60\r\n" \
  "Content-Length: 5\r\n" \
  "Content-Type: text/plain\r\n" \
  "\r\n" \
  "There's no way to know how many octets are supposed to be here.\r\n"

static const sip_testmsg valid_msgs[] = {
  TM("invite_sdp", MSG_INVITE_SDP),
  TM("wsinv", MSG_WSINV),
  TM("intmeth", MSG_INTMETH),
  TM("esc01", MSG_ESC01),
  TM("escnull", MSG_ESCNULL),
  TM("esc02", MSG_ESC02),
  TM("lwsdisp", MSG_LWSDISP),
  TM("semiuri", MSG_SEMIURI),
  TM("transports", MSG_TRANSPORTS),
  TM("unreason", MSG_UNREASON),
  TM("noreason", MSG_NOREASON),
  TM("ipv6", MSG_IPV6),
  TM("ringing", MSG_RINGING),
  TM("register_gruu", MSG_REGISTER_GRUU),
  TM("unregister_star", MSG_UNREGISTER_STAR),
  TM("tel", MSG_TEL),
  TM("dblreq", MSG_DBLREQ),
};

static const sip_testmsg invalid_msgs[] = {
  TM("badinv01", BAD_BADINV01),
  TM("clerr", BAD_CLERR),
  TM("ncl", BAD_NCL),
  TM("scalar02", BAD_SCALAR02),
  TM("quotbal", BAD_QUOTBAL),
  TM("ltgtruri", BAD_LTGTRURI),
  TM("lwsruri", BAD_LWSRURI),
  TM("lwsstart", BAD_LWSSTART),
  TM("trws", BAD_TRWS),
  TM("escruri", BAD_ESCRURI),
  TM("badaspec", BAD_BADASPEC),
  TM("baddn", BAD_BADDN),
  TM("badvers", BAD_BADVERS),
  TM("mismatch01", BAD_MISMATCH01),
  TM("bigcode", BAD_BIGCODE),
  TM("insuf", BAD_INSUF),
  TM("multi01", BAD_MULTI01),
  TM("mcl01", BAD_MCL01),
};

#endif
