/* sip_hdr_test.c: the structured header parsers (sip_hdr.h): Via, From/To,
 * Contact (STAR, expires, q, +sip.instance, reg-id, GRUUs), Route and
 * Record-Route, CSeq, Call-ID, Max-Forwards, Expires, Content-Type and the
 * option-tag lists, valid and not, with offsets and reasons. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "sip/sip_hdr.h"
#include "sip_testmsgs.h"

/* The parsers built without their fast paths (tests/sip/sip_*_slow.c). */
int rl_sip_via_next_slow(rl_sip_str value, size_t *pos, rl_sip_via *via, rl_sip_err *err);
int rl_sip_from_parse_slow(rl_sip_str value, rl_sip_addr *addr, rl_sip_err *err);
int rl_sip_contact_next_slow(rl_sip_str value, size_t *pos, rl_sip_addr *addr, rl_sip_err *err);
int rl_sip_route_next_slow(rl_sip_hdr_kind kind, rl_sip_str value, size_t *pos, rl_sip_addr *addr,
                           rl_sip_err *err);
int rl_sip_callid_parse_slow(rl_sip_str value, rl_sip_str *callid, rl_sip_err *err);
int rl_sip_token_next_slow(rl_sip_hdr_kind kind, rl_sip_str value, size_t *pos, rl_sip_str *tok,
                           rl_sip_err *err);

static int streq(rl_sip_str s, const char *lit) { return rl_sip_str_eq(s, lit); }

static rl_sip_str S(const char *s) {
  rl_sip_str r = {s, strlen(s)};
  return r;
}

START_TEST(via_entries) {
  /* Folding and spaces everywhere LWS/SWS allow them (RFC 4475 3.1.1.1). */
  static const char v[] = "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   "
                          "z9hG4bK9ikj8  ,\r\n SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n"
                          " z9hG4bK30239";
  rl_sip_via via;
  rl_sip_err err;
  size_t pos = 0;
  ck_assert_int_eq(rl_sip_via_next(S(v), &pos, &via, &err), 1);
  ck_assert(streq(via.protocol_name, "SIP"));
  ck_assert(streq(via.protocol_version, "2.0"));
  ck_assert(streq(via.transport, "TCP"));
  ck_assert(streq(via.host, "spindle.example.com"));
  ck_assert_int_eq(via.host_type, RL_SIP_HOST_NAME);
  ck_assert_int_eq(via.port, -1);
  ck_assert(streq(via.branch, "z9hG4bK9ikj8"));
  ck_assert(streq(via.text, "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   "
                            "z9hG4bK9ikj8"));
  ck_assert_int_eq(rl_sip_via_next(S(v), &pos, &via, &err), 1);
  ck_assert(streq(via.transport, "UDP"));
  ck_assert(streq(via.host, "192.168.255.111"));
  ck_assert_int_eq(via.host_type, RL_SIP_HOST_IPV4);
  ck_assert(streq(via.branch, "z9hG4bK30239"));
  ck_assert_int_eq(rl_sip_via_next(S(v), &pos, &via, &err), 0);
}
END_TEST

START_TEST(via_params) {
  rl_sip_via via;
  rl_sip_err err;
  size_t pos = 0;
  /* RFC 5118 4.5: IPv6 sent-by and received; RFC 3581 rport. */
  ck_assert_int_eq(rl_sip_via_next(S("SIP/2.0/UDP [2001:db8::9:1]:5061;received=2001:db8::9:255;"
                                     "rport=5070;branch=z9hG4bKas3-111;ttl=16;maddr=224.2.0.1;"
                                     "alias;x=\"q;,\""),
                                   &pos, &via, &err),
                   1);
  ck_assert(streq(via.host, "[2001:db8::9:1]"));
  ck_assert_int_eq(via.host_type, RL_SIP_HOST_IPV6);
  ck_assert_int_eq(via.port, 5061);
  ck_assert(streq(via.received, "2001:db8::9:255"));
  ck_assert_int_eq(via.rport, 5070);
  ck_assert_int_eq(via.ttl, 16);
  ck_assert(streq(via.maddr, "224.2.0.1"));
  ck_assert(streq(via.branch, "z9hG4bKas3-111"));
  ck_assert_int_eq(rl_sip_param_find(via.params, "alias", NULL), 1);
  pos = 0;
  ck_assert_int_eq(rl_sip_via_next(S("SIP/2.0/TLS h:5061;rport;received=[2001:db8::1]"), &pos,
                                   &via, &err),
                   1);
  ck_assert_int_eq(via.rport, 0);
  ck_assert(streq(via.received, "[2001:db8::1]"));
  pos = 0;
  ck_assert_int_eq(rl_sip_via_next(S("SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bK-.!%66*_+`'~"),
                                   &pos, &via, &err),
                   1);
  ck_assert(streq(via.transport, "UNKNOWN"));
  ck_assert(streq(via.branch, "z9hG4bK-.!%66*_+`'~"));
  ck_assert_int_eq(via.rport, -1);
  ck_assert_int_eq(via.ttl, -1);
}
END_TEST

typedef struct bad_value {
  const char *value;
  size_t offset;
} bad_value;

static const bad_value bad_vias[] = {
  {"", 0},
  {"SIP/2.0/UDP 192.0.2.15;;,;,,", 23},   /* RFC 4475 3.1.2.1 */
  {"SIP/2.0/UDP h,", 14},                  /* a COMMA needs another via-parm */
  {"SIP/2.0/UDP h, ", 15},
  {"SIP/2.0/UDP h:70000", 14},
  {"SIP/2.0/UDP h;ttl=256", 18},
  {"SIP/2.0/UDP h;received=host.example.com", 23},
  {"SIP/2.0/UDP h;received=300.1.1.1", 23},
  {"SIP/2.0/UDP h;branch=", 21},
  {"SIP/2.0/UDP h;branch=a b", 23},
  {"SIP/2.0 h", 8},                        /* SLASH may hold SWS: the h is wrong */
  {"SIP/2.0/UDP", 11},
  {"SIP/2.0/UDP a@b", 13},
};

START_TEST(via_refused) {
  const bad_value *c = &bad_vias[_i];
  rl_sip_via via;
  rl_sip_err err;
  size_t pos = 0;
  int r;
  while ((r = rl_sip_via_next(S(c->value), &pos, &via, &err)) > 0) {
  }
  ck_assert_msg(r == RL_ERR_SYNTAX, "%s: %d", c->value, r);
  ck_assert_str_eq(err.reason, "Bad Via header");
  ck_assert_msg(err.offset == c->offset, "%s: offset %zu, want %zu", c->value, err.offset,
                c->offset);
}
END_TEST

START_TEST(from_and_to) {
  rl_sip_addr a;
  rl_sip_err err;
  ck_assert_int_eq(rl_sip_from_parse(S("\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
                                       "  ;\r\n  tag = 98asjd8"),
                                     &a, &err),
                   0);
  ck_assert(streq(a.display_name, "\"J Rosenberg \\\\\\\"\""));
  ck_assert(streq(a.uri_text, "sip:jdrosen@example.com"));
  ck_assert(streq(a.uri.user, "jdrosen"));
  ck_assert(streq(a.tag, "98asjd8"));
  /* addr-spec without brackets: the parameters belong to the header. */
  ck_assert_int_eq(rl_sip_to_parse(S("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n"),
                                   &a, &err),
                   0);
  ck_assert_ptr_null(a.display_name.p);
  ck_assert(streq(a.uri_text, "sip:vivekg@chair-dnrc.example.com"));
  ck_assert_ptr_null(a.uri.params.p);
  ck_assert(streq(a.tag, "1918181833n"));
  /* Tokens for a display name, with no LWS before '<' (RFC 4475 3.1.1.6). */
  ck_assert_int_eq(rl_sip_from_parse(S("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;"
                                       "fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\";tag=_token~1'+`*%!-."),
                                     &a, &err),
                   0);
  ck_assert(streq(a.display_name, "token1~` token2'+_ token3*%!.-"));
  ck_assert(streq(a.tag, "_token~1'+`*%!-."));
  ck_assert_int_eq(rl_sip_from_parse(S("caller<sip:caller@example.com>;tag=323"), &a, &err), 0);
  ck_assert(streq(a.display_name, "caller"));
  /* A URI parameter inside < > stays with the URI. */
  ck_assert_int_eq(rl_sip_to_parse(S("<sip:bob@example.com;transport=tcp>;tag=x"), &a, &err), 0);
  ck_assert(streq(a.uri.transport, "tcp"));
  ck_assert(streq(a.params, ";tag=x"));
  /* Any scheme (RFC 4475 3.3.? unknown scheme in To). */
  ck_assert_int_eq(rl_sip_to_parse(S("isbn:2983792873"), &a, &err), 0);
  ck_assert_int_eq(a.uri.scheme, RL_SIP_SCHEME_OTHER);
}
END_TEST

static const bad_value bad_froms[] = {
  {"Bell, Alexander <sip:a.g.bell@example.com>;tag=43", 4},  /* RFC 4475 3.1.2.15 */
  {"\"Watson, Thomas\" < sip:t.watson@example.org >", 18},  /* 3.1.2.14 */
  {"\"Mr. J. User <sip:j.user@example.com>", 37},           /* 3.1.2.6 */
  {"sip:a@b;tag", 11},                                       /* tag-param needs a value */
  {"Bob", 3},                                                /* not a URI */
  {"<sip:a@b", 8},
  {"<sip:a@b>>", 9},
  {"sip:a@b, sip:c@d", 7},                                   /* From holds one address */
  {"<sip:a@>", 7},                                           /* the URI's own error */
  {"", 0},
};

START_TEST(from_refused) {
  const bad_value *c = &bad_froms[_i];
  rl_sip_addr a;
  rl_sip_err err;
  ck_assert_int_eq(rl_sip_from_parse(S(c->value), &a, &err), RL_ERR_SYNTAX);
  ck_assert_str_eq(err.reason, "Bad From header");
  ck_assert_msg(err.offset == c->offset, "%s: offset %zu, want %zu", c->value, err.offset,
                c->offset);
  ck_assert_int_eq(rl_sip_to_parse(S(c->value), &a, &err), RL_ERR_SYNTAX);
  ck_assert_str_eq(err.reason, "Bad To header");
}
END_TEST

START_TEST(contact_entries) {
  static const char v[] =
    "<sip:callee@192.0.2.1;transport=tcp>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-"
    "00a0c91e6bf6>\";reg-id=1;expires=3600,\r\n <sip:callee@[2001:db8::1]:5061;gr>;q=0.7;"
    "expires=99999999999;pub-gruu=\"sip:callee@example.com;gr=urn:uuid:f81d\";"
    "temp-gruu=\"sip:tgruu.7hs@example.com;gr\", \"Quoted string \\\"\\\"\" <sip:jdrosen@example.com>"
    " ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33, sip:x@y;q=1";
  rl_sip_addr a;
  rl_sip_err err;
  size_t pos = 0;
  ck_assert_int_eq(rl_sip_contact_next(S(v), &pos, &a, &err), 1);
  ck_assert_int_eq(a.star, 0);
  ck_assert(streq(a.uri.transport, "tcp"));
  ck_assert(streq(a.instance, "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"));
  ck_assert_int_eq(a.reg_id, 1);
  ck_assert_int_eq(a.expires, 3600);
  ck_assert_int_eq(a.q, -1);
  ck_assert_int_eq(rl_sip_contact_next(S(v), &pos, &a, &err), 1);
  ck_assert_int_eq(a.uri.gr, 1);
  ck_assert_int_eq(a.uri.port, 5061);
  ck_assert_int_eq(a.q, 700);
  ck_assert_int_eq(a.expires, 4294967295LL); /* saturated (RFC 3261 10.2.1.1) */
  ck_assert(streq(a.pub_gruu, "sip:callee@example.com;gr=urn:uuid:f81d"));
  ck_assert(streq(a.temp_gruu, "sip:tgruu.7hs@example.com;gr"));
  ck_assert_ptr_null(a.instance.p);
  ck_assert_int_eq(a.reg_id, -1);
  ck_assert_int_eq(rl_sip_contact_next(S(v), &pos, &a, &err), 1);
  ck_assert(streq(a.display_name, "\"Quoted string \\\"\\\"\""));
  ck_assert_int_eq(a.q, 330);
  ck_assert_int_eq(rl_sip_param_find(a.params, "newparam", NULL), 1);
  ck_assert_int_eq(rl_sip_contact_next(S(v), &pos, &a, &err), 1);
  ck_assert(streq(a.uri_text, "sip:x@y"));
  ck_assert_int_eq(a.q, 1000);
  ck_assert_int_eq(rl_sip_contact_next(S(v), &pos, &a, &err), 0);

  pos = 0;
  ck_assert_int_eq(rl_sip_contact_next(S("  *  "), &pos, &a, &err), 1);
  ck_assert_int_eq(a.star, 1);
  ck_assert_int_eq(rl_sip_contact_next(S("  *  "), &pos, &a, &err), 0);
}
END_TEST

static const bad_value bad_contacts[] = {
  {"\"Joe\" <sip:joe@example.org>;;;;", 28},                         /* RFC 4475 3.1.2.1 */
  {"sip:user@example.com?Route=%3Csip:sip.example.com%3E", 20},    /* 3.1.2.13 */
  {"*, <sip:a@b>", 0},
  {"<sip:a@b>,", 10},
  {"<sip:a@b>;q=2", 12},
  {"<sip:a@b>;q=0.1234", 17},
  {"<sip:a@b>;expires=soon", 18},
  {"<sip:a@b>;reg-id=0", 17},
  {"<sip:a@b>;+sip.instance=urn:x", 24},
  {"<sip:a@b>;pub-gruu=sip:a@b", 19},
};

START_TEST(contact_refused) {
  const bad_value *c = &bad_contacts[_i];
  rl_sip_addr a;
  rl_sip_err err;
  size_t pos = 0;
  int r;
  while ((r = rl_sip_contact_next(S(c->value), &pos, &a, &err)) > 0) {
  }
  ck_assert_msg(r == RL_ERR_SYNTAX, "%s: %d", c->value, r);
  ck_assert_str_eq(err.reason, "Bad Contact header");
  ck_assert_msg(err.offset == c->offset, "%s: offset %zu, want %zu", c->value, err.offset,
                c->offset);
}
END_TEST

START_TEST(routes) {
  static const char v[] = "<sip:server10.biloxi.example.com;lr>,\r\n <sip:bigbox3.site3.atlanta."
                          "example.com;lr>;x=y";
  rl_sip_addr a;
  rl_sip_err err;
  size_t pos = 0;
  ck_assert_int_eq(rl_sip_route_next(RL_SIP_HDR_RECORD_ROUTE, S(v), &pos, &a, &err), 1);
  ck_assert(streq(a.uri.host, "server10.biloxi.example.com"));
  ck_assert_int_eq(a.uri.lr, 1);
  ck_assert(streq(a.text, "<sip:server10.biloxi.example.com;lr>"));
  ck_assert_int_eq(rl_sip_route_next(RL_SIP_HDR_RECORD_ROUTE, S(v), &pos, &a, &err), 1);
  ck_assert(streq(a.params, ";x=y"));
  ck_assert_int_eq(rl_sip_route_next(RL_SIP_HDR_RECORD_ROUTE, S(v), &pos, &a, &err), 0);
  /* route-param is name-addr only. */
  pos = 0;
  ck_assert_int_eq(rl_sip_route_next(RL_SIP_HDR_ROUTE, S("sip:p.example.com;lr"), &pos, &a, &err),
                   RL_ERR_SYNTAX);
  ck_assert_str_eq(err.reason, "Bad Route header");
  ck_assert_uint_eq(err.offset, 3); /* "sip" read as a display name; ':' ends it */
}
END_TEST

START_TEST(cseq_callid_numbers) {
  rl_sip_cseq cs;
  rl_sip_str id;
  rl_sip_err err;
  unsigned hops;
  uint32_t secs;
  ck_assert_int_eq(rl_sip_cseq_parse(S("0009\r\n  INVITE"), &cs, &err), 0);
  ck_assert_uint_eq(cs.seq, 9);
  ck_assert_int_eq(cs.method, RL_SIP_METHOD_INVITE);
  ck_assert_int_eq(rl_sip_cseq_parse(S("2147483647 RE%47IST%45R"), &cs, &err), 0);
  ck_assert_uint_eq(cs.seq, 2147483647u);
  ck_assert(streq(cs.method_name, "RE%47IST%45R"));
  ck_assert_int_eq(cs.method, RL_SIP_METHOD_OTHER);
  /* 8.1.1.5: below 2**31 (RFC 4475 3.1.2.4 overflows it). */
  ck_assert_int_eq(rl_sip_cseq_parse(S("2147483648 ACK"), &cs, &err), RL_ERR_SYNTAX);
  ck_assert_int_eq(rl_sip_cseq_parse(S("36893488147419103232 REGISTER"), &cs, &err),
                   RL_ERR_SYNTAX);
  ck_assert_str_eq(err.reason, "Bad CSeq header");
  ck_assert_uint_eq(err.offset, 0);
  ck_assert_int_eq(rl_sip_cseq_parse(S("1INVITE"), &cs, &err), RL_ERR_SYNTAX);
  ck_assert_uint_eq(err.offset, 1);
  ck_assert_int_eq(rl_sip_cseq_parse(S("1 "), &cs, &err), RL_ERR_SYNTAX);
  ck_assert_uint_eq(err.offset, 2);

  ck_assert_int_eq(rl_sip_callid_parse(S("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"), &id, &err),
                   0);
  ck_assert_uint_eq(id.len, 42);
  ck_assert_int_eq(rl_sip_callid_parse(S("a@b@c"), &id, &err), RL_ERR_SYNTAX);
  ck_assert_str_eq(err.reason, "Bad Call-ID header");
  ck_assert_uint_eq(err.offset, 3);
  ck_assert_int_eq(rl_sip_callid_parse(S("two words"), &id, &err), RL_ERR_SYNTAX);
  ck_assert_int_eq(rl_sip_callid_parse(S(""), &id, &err), RL_ERR_SYNTAX);

  ck_assert_int_eq(rl_sip_max_forwards_parse(S("0068"), &hops, &err), 0);
  ck_assert_uint_eq(hops, 68);
  ck_assert_int_eq(rl_sip_max_forwards_parse(S("0"), &hops, &err), 0);
  ck_assert_uint_eq(hops, 0);
  ck_assert_int_eq(rl_sip_max_forwards_parse(S("256"), &hops, &err), RL_ERR_SYNTAX);
  ck_assert_str_eq(err.reason, "Bad Max-Forwards header");
  ck_assert_int_eq(rl_sip_max_forwards_parse(S("-1"), &hops, &err), RL_ERR_SYNTAX);

  ck_assert_int_eq(rl_sip_expires_parse(RL_SIP_HDR_EXPIRES, S("3600"), &secs, &err), 0);
  ck_assert_uint_eq(secs, 3600);
  ck_assert_int_eq(rl_sip_expires_parse(RL_SIP_HDR_EXPIRES,
                                        S("1000000000000000000000000000000000"), &secs, &err),
                   0);
  ck_assert_uint_eq(secs, 4294967295u);
  ck_assert_int_eq(rl_sip_expires_parse(RL_SIP_HDR_MIN_EXPIRES, S("1h"), &secs, &err),
                   RL_ERR_SYNTAX);
  ck_assert_str_eq(err.reason, "Bad Min-Expires header");
  ck_assert_uint_eq(err.offset, 1);
}
END_TEST

START_TEST(content_type_and_tags) {
  rl_sip_media_type mt;
  rl_sip_err err;
  rl_sip_str tok, v;
  size_t pos = 0;
  ck_assert_int_eq(rl_sip_content_type_parse(S("application/sdp"), &mt, &err), 0);
  ck_assert(streq(mt.type, "application"));
  ck_assert(streq(mt.subtype, "sdp"));
  ck_assert_ptr_null(mt.params.p);
  ck_assert_int_eq(rl_sip_content_type_parse(S("text/plain ; charset = \"utf-8\" "), &mt, &err), 0);
  ck_assert(streq(mt.params, "; charset = \"utf-8\""));
  ck_assert_int_eq(rl_sip_param_find(mt.params, "charset", &v), 1);
  ck_assert(streq(v, "\"utf-8\""));
  ck_assert_int_eq(rl_sip_content_type_parse(S("application"), &mt, &err), RL_ERR_SYNTAX);
  ck_assert_str_eq(err.reason, "Bad Content-Type header");
  ck_assert_uint_eq(err.offset, 11);

  ck_assert_int_eq(rl_sip_token_next(RL_SIP_HDR_SUPPORTED, S("100rel, timer ,\r\n path"), &pos,
                                     &tok, &err),
                   1);
  ck_assert(streq(tok, "100rel"));
  ck_assert_int_eq(rl_sip_token_next(RL_SIP_HDR_SUPPORTED, S("100rel, timer ,\r\n path"), &pos,
                                     &tok, &err),
                   1);
  ck_assert(streq(tok, "timer"));
  ck_assert_int_eq(rl_sip_token_next(RL_SIP_HDR_SUPPORTED, S("100rel, timer ,\r\n path"), &pos,
                                     &tok, &err),
                   1);
  ck_assert(streq(tok, "path"));
  ck_assert_int_eq(rl_sip_token_next(RL_SIP_HDR_SUPPORTED, S("100rel, timer ,\r\n path"), &pos,
                                     &tok, &err),
                   0);
  /* Supported may be empty, Require may not. */
  pos = 0;
  ck_assert_int_eq(rl_sip_token_next(RL_SIP_HDR_SUPPORTED, S(""), &pos, &tok, &err), 0);
  pos = 0;
  ck_assert_int_eq(rl_sip_token_next(RL_SIP_HDR_REQUIRE, S(" "), &pos, &tok, &err), RL_ERR_SYNTAX);
  ck_assert_str_eq(err.reason, "Bad Require header");
  /* An entry whose COMMA leads nowhere is refused as a whole. */
  pos = 0;
  ck_assert_int_eq(rl_sip_token_next(RL_SIP_HDR_REQUIRE, S("a,,b"), &pos, &tok, &err),
                   RL_ERR_SYNTAX);
  ck_assert_uint_eq(err.offset, 2);
  pos = 0;
  ck_assert_int_eq(rl_sip_token_next(RL_SIP_HDR_REQUIRE, S("a, "), &pos, &tok, &err),
                   RL_ERR_SYNTAX);
  ck_assert_uint_eq(err.offset, 3);
}
END_TEST

START_TEST(message_has_token) {
  static const char m[] = "OPTIONS sip:a@b SIP/2.0\r\nSupported: timer\r\nk: 100rel, gruu\r\n"
                          "Require: bad tag\r\n\r\n";
  rl_sip_header hdr[8];
  rl_sip_msg msg;
  rl_sip_err err;
  rl_sip_msg_init(&msg, hdr, 8);
  ck_assert_int_eq(rl_sip_msg_parse(&msg, m, sizeof m - 1, NULL, &err), 0);
  ck_assert_int_eq(rl_sip_msg_has_token(&msg, RL_SIP_HDR_SUPPORTED, "GRUU", &err), 1);
  ck_assert_int_eq(rl_sip_msg_has_token(&msg, RL_SIP_HDR_SUPPORTED, "path", &err), 0);
  ck_assert_int_eq(rl_sip_msg_has_token(&msg, RL_SIP_HDR_REQUIRE, "x", &err), RL_ERR_SYNTAX);
}
END_TEST

/* Both builds agree on one parse step: code, error, the whole result. */
static int same_step(int r1, int r2, const rl_sip_err *e1, const rl_sip_err *e2, const void *o1,
                     const void *o2, size_t size) {
  if (r1 != r2) return 0;
  if (r1 < 0)
    return e1->code == e2->code && e1->offset == e2->offset && strcmp(e1->reason, e2->reason) == 0;
  return r1 == 0 || memcmp(o1, o2, size) == 0;
}

/* Run every structured parser with a fast path, and its slow build, over
 * v; returns the number of disagreements. */
static long compare_builds(rl_sip_str v) {
  rl_sip_err e1, e2;
  long bad = 0;
  int r1, r2, guard;
  {
    rl_sip_via a, b;
    size_t p1 = 0, p2 = 0;
    guard = 0;
    do {
      r1 = rl_sip_via_next(v, &p1, &a, &e1);
      r2 = rl_sip_via_next_slow(v, &p2, &b, &e2);
      if (!same_step(r1, r2, &e1, &e2, &a, &b, sizeof a) || p1 != p2) bad++;
    } while (r1 > 0 && r2 > 0 && ++guard < 1000);
  }
  {
    rl_sip_addr a, b;
    size_t p1 = 0, p2 = 0;
    r1 = rl_sip_from_parse(v, &a, &e1);
    r2 = rl_sip_from_parse_slow(v, &b, &e2);
    if (!same_step(r1, r2, &e1, &e2, &a, &b, sizeof a) || (r1 == 0 && memcmp(&a, &b, sizeof a)))
      bad++;
    guard = 0;
    do {
      r1 = rl_sip_contact_next(v, &p1, &a, &e1);
      r2 = rl_sip_contact_next_slow(v, &p2, &b, &e2);
      if (!same_step(r1, r2, &e1, &e2, &a, &b, sizeof a) || p1 != p2) bad++;
    } while (r1 > 0 && r2 > 0 && ++guard < 1000);
    p1 = p2 = 0;
    guard = 0;
    do {
      r1 = rl_sip_route_next(RL_SIP_HDR_ROUTE, v, &p1, &a, &e1);
      r2 = rl_sip_route_next_slow(RL_SIP_HDR_ROUTE, v, &p2, &b, &e2);
      if (!same_step(r1, r2, &e1, &e2, &a, &b, sizeof a) || p1 != p2) bad++;
    } while (r1 > 0 && r2 > 0 && ++guard < 1000);
  }
  {
    rl_sip_str a = {NULL, 0}, b = {NULL, 0};
    size_t p1 = 0, p2 = 0;
    r1 = rl_sip_callid_parse(v, &a, &e1);
    r2 = rl_sip_callid_parse_slow(v, &b, &e2);
    if (!same_step(r1, r2, &e1, &e2, &a, &b, sizeof a) || (r1 == 0 && memcmp(&a, &b, sizeof a)))
      bad++;
    guard = 0;
    do {
      r1 = rl_sip_token_next(RL_SIP_HDR_REQUIRE, v, &p1, &a, &e1);
      r2 = rl_sip_token_next_slow(RL_SIP_HDR_REQUIRE, v, &p2, &b, &e2);
      if (!same_step(r1, r2, &e1, &e2, &a, &b, sizeof a) || p1 != p2) bad++;
    } while (r1 > 0 && r2 > 0 && ++guard < 1000);
  }
  return bad;
}

/* The fast paths of the header machines (token_fast, word_fast, the
 * inside of < >) change no result: every header value of the test
 * messages, with each byte replaced by each of a set of bytes that matter
 * to the grammars, and random values of such bytes. */
START_TEST(fast_paths_agree) {
  static const unsigned char subst[] = {' ', '\t', '\r', '\n', '"', '\\', 0, 0x80, ':', ';',
                                        ',', '<', '>', '@', '=', '%', '[', '.', '-', '/', 'a', '9'};
  static const char alphabet[] = " \r\n\"\\<>@;,:=%[]./-?&a9";
  long bad = 0;
  char first[160] = "";
  const size_t nvalid = sizeof valid_msgs / sizeof valid_msgs[0];
  const size_t ninvalid = sizeof invalid_msgs / sizeof invalid_msgs[0];
  for (size_t k = 0; k < nvalid + ninvalid; k++) {
    const sip_testmsg *t = k < nvalid ? &valid_msgs[k] : &invalid_msgs[k - nvalid];
    rl_sip_header hdr[64];
    rl_sip_msg msg;
    rl_sip_err err;
    rl_sip_msg_init(&msg, hdr, 64);
    if (rl_sip_msg_parse(&msg, t->text, t->len, NULL, &err) != 0) continue;
    for (size_t i = 0; i < msg.nhdr; i++) {
      size_t n = hdr[i].value.len;
      char *b = malloc(n ? n : 1);
      rl_sip_str v = {b, n};
      memcpy(b, hdr[i].value.p, n);
      if (compare_builds(v) && bad++ == 0)
        snprintf(first, sizeof first, "%s: %.*s", t->name, (int)n, b);
      for (size_t j = 0; j < n; j++) {
        char keep = b[j];
        for (size_t q = 0; q < sizeof subst; q++) {
          b[j] = (char)subst[q];
          if (compare_builds(v) && bad++ == 0)
            snprintf(first, sizeof first, "%s, byte %zu = 0x%02x: %.*s", t->name, j, subst[q],
                     (int)n, b);
        }
        b[j] = keep;
      }
      free(b);
    }
  }
  {
    static const char *prefix[] = {"", "SIP/2.0/UDP h;branch=", "<sip:", "a b <sip:x@y>;tag=",
                                   "\"d\" ", "sip:a@b;q=", "x@"};
    unsigned seed = 7;
    char b[128];
    for (int it = 0; it < 60000; it++) {
      size_t len = (size_t)sprintf(b, "%s", prefix[it % 7]);
      seed = seed * 1103515245u + 12345u;
      for (size_t i = 0, n = (seed >> 16) % 24; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[len++] = (seed >> 20) & 1 ? "abcz019"[(seed >> 8) % 7]
                                    : alphabet[(seed >> 8) % (sizeof alphabet - 1)];
      }
      {
        char *e = malloc(len ? len : 1);
        rl_sip_str v = {e, len};
        memcpy(e, b, len);
        if (compare_builds(v) && bad++ == 0)
          snprintf(first, sizeof first, "random %d: %.*s", it, (int)len, e);
        free(e);
      }
    }
  }
  ck_assert_msg(bad == 0, "%ld disagreements, first: %s", bad, first);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("sip_hdr");
  TCase *tc = tcase_create("hdr");
  tcase_add_test(tc, via_entries);
  tcase_add_test(tc, via_params);
  tcase_add_loop_test(tc, via_refused, 0, (int)(sizeof bad_vias / sizeof bad_vias[0]));
  tcase_add_test(tc, from_and_to);
  tcase_add_loop_test(tc, from_refused, 0, (int)(sizeof bad_froms / sizeof bad_froms[0]));
  tcase_add_test(tc, contact_entries);
  tcase_add_loop_test(tc, contact_refused, 0,
                      (int)(sizeof bad_contacts / sizeof bad_contacts[0]));
  tcase_add_test(tc, routes);
  tcase_add_test(tc, cseq_callid_numbers);
  tcase_add_test(tc, content_type_and_tags);
  tcase_add_test(tc, message_has_token);
  tcase_add_test(tc, fast_paths_agree);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
