/* sip_uri_test.c: the SIP URI parser (sip_uri.h): RFC 3261 19.1.3's
 * examples, RFC 4475's unusual URIs, RFC 5627 GRUUs, absoluteURIs, and
 * URIs it must refuse, each with the offset and reason. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "sip/sip_uri.h"

static int streq(rl_sip_str s, const char *lit) { return rl_sip_str_eq(s, lit); }

/* The parser built without its fast paths (tests/sip/sip_uri_slow.c). */
int rl_sip_uri_parse_slow(const char *uri, size_t len, rl_sip_uri *out, rl_sip_err *err);

/* Parse a copy of exactly strlen(s) bytes (no NUL after it to lean on). */
static int parse(const char *s, rl_sip_uri *u, rl_sip_err *err) {
  size_t n = strlen(s);
  char *b = malloc(n ? n : 1);
  int r;
  memcpy(b, s, n);
  r = rl_sip_uri_parse(b, n, u, err);
  /* The slices point into b: compare them before it goes. */
  if (r == 0) {
    /* Rebase every slice onto s so the caller can read them. */
    rl_sip_str *parts[] = {&u->text, &u->scheme_name, &u->opaque, &u->user, &u->password,
                           &u->host, &u->params, &u->transport, &u->user_param,
                           &u->method, &u->maddr, &u->gr_value, &u->headers};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
      if (parts[i]->p) parts[i]->p = s + (parts[i]->p - b);
  }
  free(b);
  return r;
}

/* RFC 3261 19.1.3, one by one. */
START_TEST(rfc3261_examples) {
  rl_sip_uri u;
  rl_sip_err err;

  ck_assert_int_eq(parse("sip:alice@atlanta.com", &u, &err), 0);
  ck_assert_int_eq(u.scheme, RL_SIP_SCHEME_SIP);
  ck_assert(streq(u.user, "alice"));
  ck_assert_ptr_null(u.password.p);
  ck_assert(streq(u.host, "atlanta.com"));
  ck_assert_int_eq(u.host_type, RL_SIP_HOST_NAME);
  ck_assert_int_eq(u.port, -1);
  ck_assert_ptr_null(u.params.p);
  ck_assert_ptr_null(u.headers.p);

  ck_assert_int_eq(parse("sip:alice:secretword@atlanta.com;transport=tcp", &u, &err), 0);
  ck_assert(streq(u.user, "alice"));
  ck_assert(streq(u.password, "secretword"));
  ck_assert(streq(u.transport, "tcp"));
  ck_assert(streq(u.params, ";transport=tcp"));

  ck_assert_int_eq(parse("sips:alice@atlanta.com?subject=project%20x&priority=urgent", &u, &err),
                   0);
  ck_assert_int_eq(u.scheme, RL_SIP_SCHEME_SIPS);
  ck_assert(streq(u.headers, "subject=project%20x&priority=urgent"));
  {
    size_t pos = 0;
    rl_sip_str n, v;
    ck_assert_int_eq(rl_sip_uri_header_next(u.headers, &pos, &n, &v), 1);
    ck_assert(streq(n, "subject"));
    ck_assert(streq(v, "project%20x"));
    ck_assert_int_eq(rl_sip_uri_header_next(u.headers, &pos, &n, &v), 1);
    ck_assert(streq(n, "priority"));
    ck_assert(streq(v, "urgent"));
    ck_assert_int_eq(rl_sip_uri_header_next(u.headers, &pos, &n, &v), 0);
  }

  ck_assert_int_eq(parse("sip:+1-212-555-1212:1234@gateway.com;user=phone", &u, &err), 0);
  ck_assert(streq(u.user, "+1-212-555-1212"));
  ck_assert(streq(u.password, "1234"));
  ck_assert(streq(u.user_param, "phone"));

  ck_assert_int_eq(parse("sips:1212@gateway.com", &u, &err), 0);
  ck_assert(streq(u.user, "1212"));

  ck_assert_int_eq(parse("sip:alice@192.0.2.4", &u, &err), 0);
  ck_assert_int_eq(u.host_type, RL_SIP_HOST_IPV4);
  ck_assert(streq(u.host, "192.0.2.4"));

  ck_assert_int_eq(parse("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", &u, &err), 0);
  ck_assert_ptr_null(u.user.p);
  ck_assert(streq(u.host, "atlanta.com"));
  ck_assert(streq(u.method, "REGISTER"));
  ck_assert(streq(u.params, ";method=REGISTER"));
  ck_assert(streq(u.headers, "to=alice%40atlanta.com"));

  /* "The last sample URI above has a user field value of
   * alice;day=tuesday" -- the host-first reading must not leak through. */
  ck_assert_int_eq(parse("sip:alice;day=tuesday@atlanta.com", &u, &err), 0);
  ck_assert(streq(u.user, "alice;day=tuesday"));
  ck_assert(streq(u.host, "atlanta.com"));
  ck_assert_ptr_null(u.params.p);
}
END_TEST

/* Both readings of userinfo: a value check on the host-first reading
 * (ttl=300, port 99999) must not fail a URI whose '@' makes it a user. */
START_TEST(user_or_host_ambiguity) {
  rl_sip_uri u;
  rl_sip_err err;
  ck_assert_int_eq(parse("sip:u;ttl=300;transport=x@h;ttl=3", &u, &err), 0);
  ck_assert(streq(u.user, "u;ttl=300;transport=x"));
  ck_assert_int_eq(u.ttl, 3);
  ck_assert_ptr_null(u.transport.p);
  ck_assert(streq(u.params, ";ttl=3"));
  ck_assert_int_eq(parse("sip:host:99999@example.com", &u, &err), 0);
  ck_assert(streq(u.user, "host"));
  ck_assert(streq(u.password, "99999"));
  ck_assert_int_eq(u.port, -1);
  ck_assert_int_eq(parse("sip:host:5060", &u, &err), 0);
  ck_assert_ptr_null(u.user.p);
  ck_assert_ptr_null(u.password.p);
  ck_assert_int_eq(u.port, 5060);
  ck_assert_int_eq(parse("sip:a?b=c@h", &u, &err), 0);
  ck_assert(streq(u.user, "a?b=c"));
  ck_assert_ptr_null(u.headers.p);
}
END_TEST

/* RFC 4475's unusual but legal URIs. */
START_TEST(rfc4475_uris) {
  rl_sip_uri u;
  rl_sip_err err;
  ck_assert_int_eq(parse("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
                         "weird!*pas$wo~d_too.(doesn't-it)@example.com",
                         &u, &err),
                   0);
  ck_assert(streq(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"));
  ck_assert(streq(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"));
  ck_assert(streq(u.host, "example.com"));

  ck_assert_int_eq(parse("sip:sips%3Auser%40example.com@example.net", &u, &err), 0);
  ck_assert(streq(u.user, "sips%3Auser%40example.com"));
  {
    char out[32];
    long n = rl_sip_unescape(u.user, out, sizeof out);
    ck_assert_int_eq(n, 21);
    ck_assert_int_eq(memcmp(out, "sips:user@example.com", 21), 0);
    ck_assert_int_eq(rl_sip_unescape(u.user, out, 4), -1);
  }
  ck_assert_int_eq(parse("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", &u, &err),
                   0);
  ck_assert(streq(u.params, ";%6C%72;n%61me=v%61lue%25%34%31"));
  ck_assert_int_eq(u.lr, 0); /* %6C%72 is not the lr-param: no unescaping */
  ck_assert_int_eq(parse("sip:null-%00-null@example.com", &u, &err), 0);
  {
    char out[16];
    ck_assert_int_eq(rl_sip_unescape(u.user, out, sizeof out), 11);
    ck_assert_int_eq(out[5], 0);
  }
  ck_assert_int_eq(parse("sip:user;par=u%40example.net@example.com", &u, &err), 0);
  ck_assert(streq(u.user, "user;par=u%40example.net"));
  /* Scheme and parameter names are case-insensitive. */
  ck_assert_int_eq(parse("SIP:A@B.EXAMPLE;LR;TRANSPORT=TCP", &u, &err), 0);
  ck_assert_int_eq(u.scheme, RL_SIP_SCHEME_SIP);
  ck_assert(streq(u.scheme_name, "SIP"));
  ck_assert_int_eq(u.lr, 1);
  ck_assert(streq(u.transport, "TCP"));
}
END_TEST

START_TEST(hosts_ports_and_params) {
  rl_sip_uri u;
  rl_sip_err err;
  rl_sip_str v;
  ck_assert_int_eq(parse("sip:[2001:db8::10]:5070;lr", &u, &err), 0);
  ck_assert_int_eq(u.host_type, RL_SIP_HOST_IPV6);
  ck_assert(streq(u.host, "[2001:db8::10]"));
  ck_assert_int_eq(u.port, 5070);
  ck_assert_int_eq(u.lr, 1);
  ck_assert_int_eq(parse("sip:[::ffff:192.0.2.1]", &u, &err), 0);
  ck_assert_int_eq(u.host_type, RL_SIP_HOST_IPV6);
  ck_assert_int_eq(parse("sip:[1:2:3:4:5:6:7:8]", &u, &err), 0);
  ck_assert_int_eq(parse("sip:h.example.com.:0", &u, &err), 0);
  ck_assert_int_eq(u.port, 0);
  ck_assert(streq(u.host, "h.example.com."));
  ck_assert_int_eq(parse("sip:1.2.3.4.example.com", &u, &err), 0);
  ck_assert_int_eq(u.host_type, RL_SIP_HOST_NAME);
  ck_assert_int_eq(parse("sip:p.example.com;lr=on;maddr=239.255.255.1;ttl=15;method=INVITE;"
                         "user=ip;x-y;z=%41",
                         &u, &err),
                   0);
  ck_assert_int_eq(u.lr, 1);
  ck_assert(streq(u.maddr, "239.255.255.1"));
  ck_assert_int_eq(u.ttl, 15);
  ck_assert(streq(u.method, "INVITE"));
  ck_assert(streq(u.user_param, "ip"));
  ck_assert_int_eq(rl_sip_param_find(u.params, "X-Y", &v), 1);
  ck_assert_ptr_null(v.p);
  ck_assert_int_eq(rl_sip_param_find(u.params, "z", &v), 1);
  ck_assert(streq(v, "%41"));
  ck_assert_int_eq(rl_sip_param_find(u.params, "q", &v), 0);
  /* RFC 5627: GRUUs carry gr, with or without a value. */
  ck_assert_int_eq(parse("sip:callee@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
                         &u, &err),
                   0);
  ck_assert_int_eq(u.gr, 1);
  ck_assert(streq(u.gr_value, "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
  ck_assert_int_eq(parse("sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@example.com;gr", &u, &err),
                   0);
  ck_assert_int_eq(u.gr, 1);
  ck_assert_ptr_null(u.gr_value.p);
  ck_assert(streq(u.user, "tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5"));
}
END_TEST

/* Other schemes pass through as absoluteURI. */
START_TEST(absolute_uris) {
  rl_sip_uri u;
  rl_sip_err err;
  ck_assert_int_eq(parse("tel:+1-201-555-0123", &u, &err), 0);
  ck_assert_int_eq(u.scheme, RL_SIP_SCHEME_TEL);
  ck_assert(streq(u.scheme_name, "tel"));
  ck_assert(streq(u.opaque, "+1-201-555-0123"));
  ck_assert_ptr_null(u.host.p);
  ck_assert_int_eq(parse("TEL:7042;phone-context=example.com", &u, &err), 0);
  ck_assert_int_eq(u.scheme, RL_SIP_SCHEME_TEL);
  ck_assert_int_eq(parse("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", &u, &err), 0);
  ck_assert_int_eq(u.scheme, RL_SIP_SCHEME_OTHER);
  ck_assert_int_eq(parse("soap.beep://192.0.2.103:3002", &u, &err), 0);
  ck_assert(streq(u.scheme_name, "soap.beep"));
  ck_assert(streq(u.opaque, "//192.0.2.103:3002"));
  ck_assert_int_eq(parse("http://user:pw@www.example.com:8080/a/b;c?q=1", &u, &err), 0);
  ck_assert_int_eq(parse("isbn:2983792873", &u, &err), 0);
  /* "sipx:" is another scheme, "sip:" never is. */
  ck_assert_int_eq(parse("sipx:anything", &u, &err), 0);
  ck_assert_int_eq(u.scheme, RL_SIP_SCHEME_OTHER);
}
END_TEST

typedef struct bad_uri {
  const char *uri;
  size_t offset;
  const char *reason;
} bad_uri;

static const bad_uri bad_uris[] = {
  {"", 0, "Bad URI"},
  {"sip:", 4, "Bad URI"},
  {"sip:user@", 9, "Bad URI"},
  {"<sip:user@example.com>", 0, "Bad URI"},
  {"sip:user@example.com; lr", 21, "Bad URI"},      /* RFC 4475 3.1.2.8 */
  {"sip:user@exa mple.com", 12, "Bad URI"},
  {"sip:user@example.com;", 21, "Bad URI"},
  {"sip:user@-example.com", 9, "Bad URI"},          /* a label starts alphanumeric */
  {"sip:user@example-.com", 17, "Bad URI"},
  {"sip:user@example.4com", 21, "Bad URI"},         /* toplabel starts with ALPHA */
  {"sip:a@b:port", 8, "Bad URI"},
  {"sip:a@b:70000", 8, "Bad port"},
  {"sip:a@256.0.0.1", 6, "Bad IPv4 address"},
  {"sip:a@[1:2:3:4:5:6:7:8:9]", 6, "Bad IPv6 address"},
  {"sip:a@[1::2::3]", 12, "Bad URI"}      /* one "::" at most */,
  {"sip:a@[::1", 10, "Bad URI"},
  {"sip:a@b;ttl=256", 12, "Bad ttl parameter"},
  {"sip:a@b;ttl=1000", 15, "Bad URI"},              /* ttl = 1*3DIGIT */
  {"sip:a@b;transport=a[b", 19, "Bad URI"},         /* transport-param is a token */
  {"sip:a@b;maddr=a..b", 16, "Bad URI"},
  {"sip:a@b;method=", 15, "Bad URI"},
  {"sip:a%4@b", 7, "Bad URI"},                      /* a broken escape */
  {"sip:a@b?x", 9, "Bad URI"},                      /* header = hname "=" hvalue */
  {"sip:a b@c", 5, "Bad URI"},
  {"sip:a@b\x80", 7, "Bad URI"},
  {"1tel:5", 0, "Bad URI"},                         /* scheme starts with ALPHA */
  {"tel:", 4, "Bad URI"},
  {"mailto", 6, "Bad URI"},
};

START_TEST(bad_uris_name_the_offset) {
  const bad_uri *c = &bad_uris[_i];
  rl_sip_uri u;
  rl_sip_err err;
  int r = parse(c->uri, &u, &err);
  ck_assert_msg(r == RL_ERR_SYNTAX, "%s: %d", c->uri, r);
  ck_assert_int_eq(err.code, RL_ERR_SYNTAX);
  ck_assert_int_eq(err.status, 400);
  ck_assert_msg(err.offset == c->offset, "%s: offset %zu, want %zu", c->uri, err.offset,
                c->offset);
  ck_assert_str_eq(err.reason, c->reason);
}
END_TEST

START_TEST(param_walk) {
  static const char params[] = " ;\r\n a = 1 ; b;c=\"x;y\\\"z\" ;d=[::1]";
  rl_sip_str p = {params, sizeof params - 1}, n, v;
  size_t pos = 0;
  ck_assert_int_eq(rl_sip_param_next(p, &pos, &n, &v), 1);
  ck_assert(streq(n, "a"));
  ck_assert(streq(v, "1"));
  ck_assert_int_eq(rl_sip_param_next(p, &pos, &n, &v), 1);
  ck_assert(streq(n, "b"));
  ck_assert_ptr_null(v.p);
  ck_assert_int_eq(rl_sip_param_next(p, &pos, &n, &v), 1);
  ck_assert(streq(n, "c"));
  ck_assert(streq(v, "\"x;y\\\"z\""));
  ck_assert_int_eq(rl_sip_param_next(p, &pos, &n, &v), 1);
  ck_assert(streq(n, "d"));
  ck_assert(streq(v, "[::1]"));
  ck_assert_int_eq(rl_sip_param_next(p, &pos, &n, &v), 0);
  ck_assert_int_eq(rl_sip_param_next(p, &pos, &n, &v), 0);
}
END_TEST

/* Every prefix of a valid URI either parses or fails inside it. */
START_TEST(prefixes) {
  static const char *uris[] = {
    "sips:alice:pw@[2001:db8::1]:5061;transport=tls;lr;gr=x?h=v&i=",
    "sip:alice;day=tuesday@atlanta.com;maddr=192.0.2.1;ttl=255",
    "tel:+1-201-555-0123;phone-context=example.com",
  };
  for (size_t k = 0; k < sizeof uris / sizeof uris[0]; k++) {
    size_t n = strlen(uris[k]);
    for (size_t m = 0; m <= n; m++) {
      char *b = malloc(m ? m : 1);
      rl_sip_uri u;
      rl_sip_err err;
      int r;
      memcpy(b, uris[k], m);
      r = rl_sip_uri_parse(b, m, &u, &err);
      if (m == n) ck_assert_int_eq(r, 0);
      if (r < 0) ck_assert_uint_le(err.offset, m);
      free(b);
    }
  }
}
END_TEST

/* Both builds give the same result on u[0..n). */
static int same(const char *u, size_t n) {
  rl_sip_uri a, b;
  rl_sip_err e1, e2;
  int r1 = rl_sip_uri_parse(u, n, &a, &e1), r2 = rl_sip_uri_parse_slow(u, n, &b, &e2);
  if (r1 != r2) return 0;
  if (r1 < 0) return e1.offset == e2.offset && strcmp(e1.reason, e2.reason) == 0;
  return memcmp(&a, &b, sizeof a) == 0;
}

/* The fast paths (hostname labels, user and password: sip_core.rl's
 * skip_label) change no result: the test URIs with each byte replaced by
 * bytes that matter to the grammar, and random URIs. */
START_TEST(fast_paths_agree) {
  static const char *uris[] = {
    "sip:alice:secretword@atlanta.com;transport=tcp",
    ("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too."
     "(doesn't-it)@example.com"),
    "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
    "sip:alice;day=tuesday@atlanta.com",
    "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
    "sip:[2001:db8::10]:5070;lr;maddr=abc.def;ttl=12",
    "sip:pc33.atlanta.example.com:5060;transport=udp;user=phone;method=INVITE",
    "sip:192.0.2.4;gr=urn:uuid:f81d4fae",
    "tel:+1-201-555-0123",
  };
  static const char subst[] = {'a', 'Z', '9', '0', '.', '-', ':', '@', ';', '=', '%', '[', ']', '?',
                               '&', ' ', '/', 'f', 'F'};
  static const char alphabet[] = "abcf0129.-:@;=%[]?&/";
  long bad = 0;
  char first[200] = "";
  for (size_t k = 0; k < sizeof uris / sizeof uris[0]; k++) {
    size_t n = strlen(uris[k]);
    char *b = malloc(n);
    memcpy(b, uris[k], n);
    for (size_t i = 0; i < n; i++) {
      char keep = b[i];
      for (size_t j = 0; j < sizeof subst; j++) {
        b[i] = subst[j];
        if (!same(b, n) && bad++ == 0) snprintf(first, sizeof first, "%.*s", (int)n, b);
        /* and every prefix of that */
        if (!same(b, i + 1) && bad++ == 0) snprintf(first, sizeof first, "%.*s", (int)(i + 1), b);
      }
      b[i] = keep;
    }
    free(b);
  }
  {
    unsigned seed = 99;
    char b[64];
    static const char *prefix[] = {"sip:", "sips:", "sip:a@", "sip:[", "sip:h;", "sip:u:"};
    for (int it = 0; it < 200000; it++) {
      size_t len = (size_t)sprintf(b, "%s", prefix[it % 6]);
      seed = seed * 1103515245u + 12345u;
      for (size_t i = 0, n = (seed >> 16) % 20; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[len++] = (seed >> 21) & 1 ? "abxyz019"[(seed >> 8) % 8]
                                    : alphabet[(seed >> 8) % (sizeof alphabet - 1)];
      }
      if (!same(b, len) && bad++ == 0) snprintf(first, sizeof first, "%.*s", (int)len, b);
    }
  }
  ck_assert_msg(bad == 0, "%ld disagreements, first: %s", bad, first);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("sip_uri");
  TCase *tc = tcase_create("uri");
  tcase_add_test(tc, rfc3261_examples);
  tcase_add_test(tc, user_or_host_ambiguity);
  tcase_add_test(tc, rfc4475_uris);
  tcase_add_test(tc, hosts_ports_and_params);
  tcase_add_test(tc, absolute_uris);
  tcase_add_loop_test(tc, bad_uris_name_the_offset, 0,
                      (int)(sizeof bad_uris / sizeof bad_uris[0]));
  tcase_add_test(tc, param_walk);
  tcase_add_test(tc, prefixes);
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
