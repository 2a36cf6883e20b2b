/* requirements.h: the requirements table (requirements-rfc6940.tsv,
 * generated from the RFC text by extract-requirements.py): one row per
 * sentence of RFC 6940 with MUST, MUST NOT, SHALL, SHALL NOT, REQUIRED,
 * SHOULD, SHOULD NOT or (NOT) RECOMMENDED, with a stable ID
 * (RFC6940-6.3.2-8: section 6.3.2, its 8th such sentence). */
#ifndef RL_CONF_REQUIREMENTS_H
#define RL_CONF_REQUIREMENTS_H

#include <stddef.h>

typedef struct rl_conf_req {
  const char *id;
  const char *section;  /* "6.3.2" */
  const char *level;    /* the strongest keyword: MUST, SHOULD NOT, ... */
  const char *keywords; /* every keyword of the sentence, comma-separated */
  const char *title;    /* the section's title */
  const char *text;     /* the sentence */
} rl_conf_req;

typedef struct rl_conf_reqtable {
  rl_conf_req *v; /* in document order */
  size_t n;
  char *buf;      /* the file's text; the fields point into it */
} rl_conf_reqtable;

/* Read a table. 0, RL_ERR_IO, RL_ERR_NOMEM, or RL_ERR_SYNTAX with
 * "file:line: reason" in why. */
int rl_conf_reqtable_load(const char *path, rl_conf_reqtable *t, char *why, size_t whylen);
void rl_conf_reqtable_free(rl_conf_reqtable *t);

/* The row with this ID, or NULL. */
const rl_conf_req *rl_conf_req_find(const rl_conf_reqtable *t, const char *id);

/* 1 when level belongs to the MUST class (MUST, MUST NOT, SHALL, SHALL
 * NOT, REQUIRED), 0 for the SHOULD class. */
int rl_conf_req_is_must(const rl_conf_req *r);

#endif
