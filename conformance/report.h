/* report.h: the suite's outputs.
 *
 *   text   one line per test (PASS / FAIL with the reason / SKIP with why),
 *          the explanation under each failure, and the final line
 *          "N passed, N failed, N skipped"
 *   TAP    version 13, a YAML block with the reason and explanation under
 *          each "not ok"
 *   JUnit  XML as Jenkins and GitLab read it: <failure> for failures,
 *          <error> for scenarios that are themselves wrong, <skipped>
 *   coverage  per section of the RFC: how many of its requirements are
 *          checked by at least one test that ran, and how many of those
 *          passed every test that checks them */
#ifndef RL_CONF_REPORT_H
#define RL_CONF_REPORT_H

#include <stdio.h>

#include "requirements.h"
#include "runner.h"

typedef struct rl_conf_counts {
  size_t passed, failed, skipped, inconclusive;
} rl_conf_counts;

void rl_conf_count(const rl_conf_result *res, size_t n, rl_conf_counts *c);

/* "PASS  id  title", the reason of a FAIL or SKIP, the explanation of a
 * FAIL; with details, also the requirement IDs of every test. */
void rl_conf_print_result(FILE *f, const rl_conf_result *r, int details);

/* "N passed, N failed, N skipped" (", N inconclusive" when there are) */
void rl_conf_print_summary(FILE *f, const rl_conf_counts *c);

/* 0, or RL_ERR_IO when writing failed. */
int rl_conf_write_tap(FILE *f, const rl_conf_result *res, size_t n);
int rl_conf_write_junit(FILE *f, const rl_conf_result *res, size_t n, const char *suite);

typedef struct rl_conf_coverage {
  size_t total, checked, passing;
  size_t must_total, must_checked;
  size_t should_total, should_checked;
} rl_conf_coverage;

/* Totals over the table; with by_section, a table of every section that
 * has requirements is printed to f first (f may be NULL for totals only). */
void rl_conf_coverage_report(FILE *f, const rl_conf_reqtable *t, const rl_conf_result *res,
                             size_t n, int by_section, rl_conf_coverage *out);

/* JSON: the counts and every test with its requirements (ID, section,
 * level, the RFC's sentence), verdict, reason, explanation and the
 * messages sent and received, decoded. HTML: one self-contained page, a
 * table by RFC section (checks passed, failed, skipped), each failure
 * with the RFC's sentences and the decoded exchange, and every test's
 * verdict. target: what was tested, for the title. 0 or an rl_err. */
int rl_conf_write_json(FILE *f, const rl_conf_reqtable *t, const rl_conf_result *res, size_t n,
                       const char *target);
int rl_conf_write_html(FILE *f, const rl_conf_reqtable *t, const rl_conf_result *res, size_t n,
                       const char *target);

/* XML text escaping (& < > " '), control characters and bytes that are
 * not UTF-8 written as '?'. */
void rl_conf_xml_escape(FILE *f, const char *s);

#endif
