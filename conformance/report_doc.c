/* report_doc.c: the JSON and HTML reports (report.h). */
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "msgcodec.h"
#include "runtime/error.h"

static const char *id_of(const rl_conf_result *r) { return r->sc && r->sc->id ? r->sc->id : "?"; }

/* One requirement as JSON: ID, section, level and the RFC's sentence. */
static json_t *req_json(const rl_conf_reqtable *t, const char *id) {
  const rl_conf_req *q = rl_conf_req_find(t, id);
  if (!q) return json_pack("{s:s}", "id", id);
  return json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", q->id, "section", q->section, "title", q->title,
                   "level", q->level, "text", q->text);
}

static json_t *result_json(const rl_conf_reqtable *t, const rl_conf_result *r) {
  json_t *o = json_object(), *reqs = json_array();
  for (size_t k = 0; r->sc && k < r->sc->nreqs; k++)
    json_array_append_new(reqs, req_json(t, r->sc->reqs[k].id));
  json_object_set_new(o, "id", json_string(id_of(r)));
  json_object_set_new(o, "title", json_string(r->sc && r->sc->title ? r->sc->title : ""));
  json_object_set_new(o, "group", json_string(r->sc && r->sc->group ? r->sc->group : ""));
  json_object_set_new(o, "file", json_string(r->sc && r->sc->file ? r->sc->file : ""));
  json_object_set_new(o, "verdict", json_string(rl_conf_status_name(r->status)));
  if (r->scenario_error) json_object_set_new(o, "scenario_error", json_true());
  if (r->reason) json_object_set_new(o, "reason", json_string(r->reason));
  json_object_set_new(o, "requirements", reqs);
  json_object_set_new(o, "ms", json_integer((json_int_t)r->ms));
  if (r->sent) json_object_set(o, "sent", r->sent);
  if (r->received) json_object_set(o, "received", r->received);
  if (r->arrived) json_object_set(o, "arrived_instead", r->arrived);
  if (r->details) json_object_set_new(o, "explanation", json_string(r->details));
  return o;
}

int rl_conf_write_json(FILE *f, const rl_conf_reqtable *t, const rl_conf_result *res, size_t n,
                       const char *target) {
  rl_conf_counts c;
  json_t *doc, *tests = json_array();
  int rc;
  rl_conf_count(res, n, &c);
  for (size_t i = 0; i < n; i++) json_array_append_new(tests, result_json(t, &res[i]));
  doc = json_pack("{s:s,s:s,s:{s:I,s:I,s:I,s:I},s:o}", "suite", "reload-conform", "target",
                  target ? target : "", "counts", "passed", (json_int_t)c.passed, "failed",
                  (json_int_t)c.failed, "skipped", (json_int_t)c.skipped, "inconclusive",
                  (json_int_t)c.inconclusive, "tests", tests);
  if (!doc) return RL_ERR_NOMEM;
  rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
  fputc('\n', f);
  json_decref(doc);
  return rc != 0 || ferror(f) ? RL_ERR_IO : 0;
}

/* ---- HTML ---- */

/* Per section of the RFC: the tests that ran, by verdict. */
typedef struct sec_row {
  const char *section, *title;
  size_t tests, passed, failed, skipped;
} sec_row;

static sec_row *row_for(sec_row *rows, size_t *n, const rl_conf_req *q) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp(rows[i].section, q->section) == 0) return &rows[i];
  rows[*n].section = q->section;
  rows[*n].title = q->title;
  return &rows[(*n)++];
}

static int sec_cmp(const void *a, const void *b) {
  const char *x = ((const sec_row *)a)->section, *y = ((const sec_row *)b)->section;
  /* 6.3.2 before 6.10: compare number by number. */
  while (*x && *y) {
    long u = strtol(x, (char **)&x, 10), v = strtol(y, (char **)&y, 10);
    if (u != v) return u < v ? -1 : 1;
    if (*x == '.') x++;
    if (*y == '.') y++;
  }
  return (*x != 0) - (*y != 0);
}

static void html_sections(FILE *f, const rl_conf_reqtable *t, const rl_conf_result *res, size_t n) {
  sec_row *rows = calloc(t->n ? t->n : 1, sizeof *rows);
  size_t nrows = 0;
  if (!rows) return;
  for (size_t i = 0; i < n; i++) {
    const rl_conf_result *r = &res[i];
    for (size_t k = 0; r->sc && k < r->sc->nreqs; k++) {
      const rl_conf_req *q = rl_conf_req_find(t, r->sc->reqs[k].id);
      sec_row *row;
      if (!q) continue;
      row = row_for(rows, &nrows, q);
      row->tests++;
      if (r->status == RL_CONF_PASS) row->passed++;
      else if (r->status == RL_CONF_FAIL) row->failed++;
      else row->skipped++;
    }
  }
  qsort(rows, nrows, sizeof *rows, sec_cmp);
  fputs("<h2>By section of RFC 6940</h2>\n<table>\n<tr><th>section</th><th>title</th>"
        "<th>checks</th><th>passed</th><th>failed</th><th>skipped or inconclusive</th></tr>\n", f);
  for (size_t i = 0; i < nrows; i++) {
    fprintf(f, "<tr class=\"%s\"><td>%s</td><td>", rows[i].failed ? "fail" : "pass", rows[i].section);
    rl_conf_xml_escape(f, rows[i].title);
    fprintf(f, "</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td></tr>\n", rows[i].tests,
            rows[i].passed, rows[i].failed, rows[i].skipped);
  }
  fputs("</table>\n", f);
  free(rows);
}

static void html_tree(FILE *f, const char *title, const json_t *msg) {
  char *t = msg ? rl_conf_tree_text(msg, 2) : NULL;
  if (!t) return;
  fputs("<h4>", f);
  rl_conf_xml_escape(f, title);
  fputs("</h4>\n<pre>", f);
  rl_conf_xml_escape(f, t);
  fputs("</pre>\n", f);
  free(t);
}

static void html_failure(FILE *f, const rl_conf_reqtable *t, const rl_conf_result *r) {
  fprintf(f, "<div class=\"test fail\" id=\"%s\">\n<h3>FAIL ", id_of(r));
  rl_conf_xml_escape(f, id_of(r));
  fputs(": ", f);
  rl_conf_xml_escape(f, r->sc && r->sc->title ? r->sc->title : "");
  fputs("</h3>\n<p class=\"reason\">", f);
  rl_conf_xml_escape(f, r->reason ? r->reason : "");
  fputs("</p>\n<ul class=\"reqs\">\n", f);
  for (size_t k = 0; r->sc && k < r->sc->nreqs; k++) {
    const rl_conf_req *q = rl_conf_req_find(t, r->sc->reqs[k].id);
    fputs("<li><b>", f);
    rl_conf_xml_escape(f, r->sc->reqs[k].id);
    fputs("</b>", f);
    if (q) {
      fprintf(f, " (RFC 6940 %s, %s): &ldquo;", q->section, q->level);
      rl_conf_xml_escape(f, q->text);
      fputs("&rdquo;", f);
    }
    fputs("</li>\n", f);
  }
  fputs("</ul>\n", f);
  html_tree(f, "sent", r->sent);
  html_tree(f, "received", r->received);
  if (r->arrived) {
    size_t i;
    json_t *e;
    json_array_foreach(r->arrived, i, e) {
      char title[700];
      snprintf(title, sizeof title, "arrived instead (#%zu): %s", i + 1,
               json_string_value(json_object_get(e, "why_not")));
      html_tree(f, title, json_object_get(e, "message"));
    }
  }
  if (r->details) {
    fputs("<details><summary>the whole explanation</summary>\n<pre>", f);
    rl_conf_xml_escape(f, r->details);
    fputs("</pre></details>\n", f);
  }
  fputs("</div>\n", f);
}

int rl_conf_write_html(FILE *f, const rl_conf_reqtable *t, const rl_conf_result *res, size_t n,
                       const char *target) {
  rl_conf_counts c;
  rl_conf_count(res, n, &c);
  fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>RELOAD conformance: ", f);
  rl_conf_xml_escape(f, target ? target : "");
  fputs("</title>\n<style>\nbody{font-family:sans-serif;margin:2em;max-width:75em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
        "tr.fail td{background:#fdd}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}"
        ".fail h3{color:#a00}.reason{font-weight:bold}\n</style></head><body>\n", f);
  fputs("<h1>RELOAD (RFC 6940) conformance report</h1>\n<p>Target: ", f);
  rl_conf_xml_escape(f, target ? target : "(none)");
  fprintf(f, "</p>\n<p>%zu passed, %zu failed, %zu skipped, %zu inconclusive</p>\n", c.passed,
          c.failed, c.skipped, c.inconclusive);
  html_sections(f, t, res, n);
  fputs("<h2>Failures</h2>\n", f);
  if (!c.failed) fputs("<p>None.</p>\n", f);
  for (size_t i = 0; i < n; i++)
    if (res[i].status == RL_CONF_FAIL) html_failure(f, t, &res[i]);
  fputs("<h2>Every test</h2>\n<table>\n<tr><th>test</th><th>verdict</th><th>reason</th></tr>\n", f);
  for (size_t i = 0; i < n; i++) {
    fprintf(f, "<tr class=\"%s\"><td>", res[i].status == RL_CONF_FAIL ? "fail" : "pass");
    if (res[i].status == RL_CONF_FAIL) fprintf(f, "<a href=\"#%s\">", id_of(&res[i]));
    rl_conf_xml_escape(f, id_of(&res[i]));
    if (res[i].status == RL_CONF_FAIL) fputs("</a>", f);
    fprintf(f, "</td><td>%s</td><td>", rl_conf_status_name(res[i].status));
    rl_conf_xml_escape(f, res[i].reason ? res[i].reason : "");
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n</body></html>\n", f);
  return ferror(f) ? RL_ERR_IO : 0;
}
