/* scen_parse.h: the scenario language's parser (recursive descent over
 * the re2c lexer), doc/scenario-language.md has the grammar. */
#ifndef RL_CONF_SCEN_PARSE_H
#define RL_CONF_SCEN_PARSE_H

#include <stddef.h>

#include "scenario.h"

/* Largest scenario file read (they are a few kilobytes). */
#define RL_SCEN_MAX_FILE ((size_t)4 << 20)

/* Parse text[0..len) (text[len] must be NUL) read from file (a name for
 * messages). The tree is allocated in pool (even on failure: free the
 * pool). Returns 0, RL_ERR_SYNTAX with "file:line:col: message" followed
 * by the source line and a caret under the column in err, or
 * RL_ERR_NOMEM. */
int rl_scen_parse(const char *file, const char *text, size_t len, rl_scen_pool *pool,
                  rl_scenario *out, char *err, size_t errlen);

/* Read and parse a file. RL_ERR_IO when it cannot be read. */
int rl_scen_load(const char *path, rl_scen_pool *pool, rl_scenario *out, char *err,
                 size_t errlen);

#endif
