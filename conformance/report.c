/* report.c: see report.h. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

void rl_conf_count(const rl_conf_result *res, size_t n, rl_conf_counts *c) {
  memset(c, 0, sizeof *c);
  for (size_t i = 0; i < n; i++) {
    if (res[i].status == RL_CONF_PASS) c->passed++;
    else if (res[i].status == RL_CONF_FAIL) c->failed++;
    else if (res[i].status == RL_CONF_INCONCLUSIVE) c->inconclusive++;
    else c->skipped++;
  }
}

static const char *title_of(const rl_conf_result *r) {
  return r->sc && r->sc->title ? r->sc->title : "";
}

static const char *id_of(const rl_conf_result *r) { return r->sc && r->sc->id ? r->sc->id : "?"; }

void rl_conf_print_result(FILE *f, const rl_conf_result *r, int details) {
  fprintf(f, "%s  %s  %s\n", rl_conf_status_name(r->status), id_of(r), title_of(r));
  if (r->status != RL_CONF_PASS && r->reason)
    fprintf(f, "      %s%s\n",
            r->status == RL_CONF_SKIP           ? "skipped: "
            : r->status == RL_CONF_INCONCLUSIVE ? "inconclusive: "
                                                : "",
            r->reason);
  if (details && r->sc && r->sc->nreqs) {
    fputs("      requires", f);
    for (size_t k = 0; k < r->sc->nreqs; k++) fprintf(f, " %s", r->sc->reqs[k].id);
    fputc('\n', f);
  }
  if (r->details && (details || r->status == RL_CONF_FAIL)) fputs(r->details, f);
}

void rl_conf_print_summary(FILE *f, const rl_conf_counts *c) {
  fprintf(f, "%zu passed, %zu failed, %zu skipped", c->passed, c->failed, c->skipped);
  if (c->inconclusive) fprintf(f, ", %zu inconclusive", c->inconclusive);
  fputc('\n', f);
}

/* ---- TAP ---- */

/* A TAP description: no newlines, '#' escaped (it starts a directive). */
static void tap_text(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '#')
      fputs("\\#", f);
    else if (*s == '\n' || *s == '\r')
      fputc(' ', f);
    else
      fputc(*s, f);
  }
}

/* A YAML double-quoted scalar. */
static void yaml_quoted(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 32)
      fprintf(f, "\\x%02x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

int rl_conf_write_tap(FILE *f, const rl_conf_result *res, size_t n) {
  fprintf(f, "TAP version 13\n1..%zu\n", n);
  for (size_t i = 0; i < n; i++) {
    const rl_conf_result *r = &res[i];
    fprintf(f, "%s %zu - ", r->status == RL_CONF_FAIL ? "not ok" : "ok", i + 1);
    tap_text(f, id_of(r));
    fputs(": ", f);
    tap_text(f, title_of(r));
    if (r->status == RL_CONF_SKIP || r->status == RL_CONF_INCONCLUSIVE) {
      fputs(r->status == RL_CONF_SKIP ? " # SKIP " : " # SKIP inconclusive: ", f);
      tap_text(f, r->reason ? r->reason : "");
    }
    fputc('\n', f);
    if (r->status == RL_CONF_FAIL) {
      fputs("  ---\n  message: ", f);
      yaml_quoted(f, r->reason ? r->reason : "");
      fputs("\n  severity: ", f);
      fputs(r->scenario_error ? "error" : "fail", f);
      if (r->sc) {
        fputs("\n  file: ", f);
        yaml_quoted(f, r->sc->file);
        fputs("\n  requirements:", f);
        for (size_t k = 0; k < r->sc->nreqs; k++) fprintf(f, "\n    - %s", r->sc->reqs[k].id);
        if (!r->sc->nreqs) fputs(" []", f);
      }
      if (r->details && *r->details) {
        const char *p = r->details;
        fputs("\n  details: |2\n", f);
        while (*p) {
          const char *e = strchr(p, '\n');
          size_t len = e ? (size_t)(e - p) : strlen(p);
          fprintf(f, "    %.*s\n", (int)len, p);
          p += len + (e ? 1 : 0);
        }
        fputs("  ...\n", f);
      } else {
        fputs("\n  ...\n", f);
      }
    }
  }
  return ferror(f) ? RL_ERR_IO : 0;
}

/* ---- JUnit XML ---- */

/* Length of the UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s) {
  size_t n;
  unsigned long cp;
  if (s[0] < 0x80) return 1;
  if ((s[0] & 0xe0) == 0xc0) {
    n = 2;
    cp = s[0] & 0x1f;
  } else if ((s[0] & 0xf0) == 0xe0) {
    n = 3;
    cp = s[0] & 0x0f;
  } else if ((s[0] & 0xf8) == 0xf0) {
    n = 4;
    cp = s[0] & 0x07;
  } else {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  /* Overlong forms, surrogates, beyond U+10FFFF; U+FFFE/FFFF are not XML. */
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfffe || cp == 0xffff) return 0;
  return n;
}

void rl_conf_xml_escape(FILE *f, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  while (*s) {
    size_t n;
    switch (*s) {
    case '&': fputs("&amp;", f); s++; continue;
    case '<': fputs("&lt;", f); s++; continue;
    case '>': fputs("&gt;", f); s++; continue;
    case '"': fputs("&quot;", f); s++; continue;
    case '\'': fputs("&apos;", f); s++; continue;
    case '\t':
    case '\n':
    case '\r': fputc(*s++, f); continue;
    default: break;
    }
    if (*s < 32) {
      fputc('?', f);
      s++;
      continue;
    }
    n = utf8_len(s);
    if (n == 0) {
      fputc('?', f);
      s++;
      continue;
    }
    fwrite(s, 1, n, f);
    s += n;
  }
}

int rl_conf_write_junit(FILE *f, const rl_conf_result *res, size_t n, const char *suite) {
  rl_conf_counts c;
  size_t errors = 0;
  uint64_t total_ms = 0;
  rl_conf_count(res, n, &c);
  for (size_t i = 0; i < n; i++) {
    if (res[i].status == RL_CONF_FAIL && res[i].scenario_error) errors++;
    total_ms += res[i].ms;
  }
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
  rl_conf_xml_escape(f, suite);
  fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n", n,
          c.failed - errors, errors, c.skipped, (double)total_ms / 1000.0);
  fputs("  <testsuite name=\"", f);
  rl_conf_xml_escape(f, suite);
  fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n", n,
          c.failed - errors, errors, c.skipped, (double)total_ms / 1000.0);
  for (size_t i = 0; i < n; i++) {
    const rl_conf_result *r = &res[i];
    fputs("    <testcase classname=\"", f);
    rl_conf_xml_escape(f, r->sc && r->sc->group ? r->sc->group : "conformance");
    fputs("\" name=\"", f);
    rl_conf_xml_escape(f, id_of(r));
    fputs(": ", f);
    rl_conf_xml_escape(f, title_of(r));
    if (r->sc) {
      fputs("\" file=\"", f);
      rl_conf_xml_escape(f, r->sc->file);
    }
    fprintf(f, "\" time=\"%.3f\">\n", (double)r->ms / 1000.0);
    if (r->sc && r->sc->nreqs) {
      fputs("      <properties>\n", f);
      for (size_t k = 0; k < r->sc->nreqs; k++) {
        fputs("        <property name=\"requirement\" value=\"", f);
        rl_conf_xml_escape(f, r->sc->reqs[k].id);
        fputs("\"/>\n", f);
      }
      fputs("      </properties>\n", f);
    }
    if (r->status == RL_CONF_FAIL) {
      const char *tag = r->scenario_error ? "error" : "failure";
      fprintf(f, "      <%s message=\"", tag);
      rl_conf_xml_escape(f, r->reason ? r->reason : "");
      fprintf(f, "\" type=\"%s\">", r->scenario_error ? "ScenarioError" : "NonConformance");
      rl_conf_xml_escape(f, r->details ? r->details : "");
      fprintf(f, "</%s>\n", tag);
    } else if (r->status == RL_CONF_SKIP || r->status == RL_CONF_INCONCLUSIVE) {
      fputs(r->status == RL_CONF_SKIP ? "      <skipped message=\"" : "      <skipped message=\"inconclusive: ", f);
      rl_conf_xml_escape(f, r->reason ? r->reason : "");
      fputs("\"/>\n", f);
    }
    fputs("    </testcase>\n", f);
  }
  fputs("  </testsuite>\n</testsuites>\n", f);
  return ferror(f) ? RL_ERR_IO : 0;
}

/* ---- coverage ---- */

/* Per requirement: 0 not checked, 1 checked and every test passed, 2
 * checked with a failure. */
static unsigned char *req_state(const rl_conf_reqtable *t, const rl_conf_result *res, size_t n) {
  unsigned char *st = calloc(t->n ? t->n : 1, 1);
  if (!st) return NULL;
  for (size_t i = 0; i < n; i++) {
    const rl_conf_result *r = &res[i];
    if (!r->sc || r->status == RL_CONF_SKIP || r->status == RL_CONF_INCONCLUSIVE) continue;
    for (size_t k = 0; k < r->sc->nreqs; k++) {
      const rl_conf_req *q = rl_conf_req_find(t, r->sc->reqs[k].id);
      size_t idx;
      if (!q) continue;
      idx = (size_t)(q - t->v);
      if (r->status == RL_CONF_FAIL)
        st[idx] = 2;
      else if (st[idx] == 0)
        st[idx] = 1;
    }
  }
  return st;
}

void rl_conf_coverage_report(FILE *f, const rl_conf_reqtable *t, const rl_conf_result *res,
                             size_t n, int by_section, rl_conf_coverage *out) {
  unsigned char *st = req_state(t, res, n);
  memset(out, 0, sizeof *out);
  if (!st) return;
  if (f && by_section)
    fprintf(f, "Requirements of RFC 6940 checked by the tests that ran, by section:\n"
               "  %-10s %7s %7s  %s\n",
            "section", "checked", "passing", "title");
  for (size_t i = 0; i < t->n;) {
    size_t j = i, total = 0, checked = 0, passing = 0;
    while (j < t->n && strcmp(t->v[j].section, t->v[i].section) == 0) {
      int must = rl_conf_req_is_must(&t->v[j]);
      total++;
      if (must) out->must_total++;
      else out->should_total++;
      if (st[j]) {
        checked++;
        if (must) out->must_checked++;
        else out->should_checked++;
      }
      if (st[j] == 1) passing++;
      j++;
    }
    out->total += total;
    out->checked += checked;
    out->passing += passing;
    if (f && by_section)
      fprintf(f, "  %-10s %3zu/%-3zu %7zu  %s\n", t->v[i].section, checked, total, passing,
              t->v[i].title);
    i = j;
  }
  if (f && by_section)
    fprintf(f, "  %-10s %3zu/%-3zu %7zu\n", "all", out->checked, out->total, out->passing);
  free(st);
}
