/* scen_load.c: rl_scen_load, reading a scenario file (scen_parse.h). Apart
 * from the parser so that the parser needs nothing of the tools' code. */
#include <stdlib.h>

#include "runtime/error.h"
#include "scen_parse.h"
#include "tool_util.h"

int rl_scen_load(const char *path, rl_scen_pool *pool, rl_scenario *out, char *err,
                 size_t errlen) {
  uint8_t *buf = NULL;
  size_t n = 0;
  int r = rl_tool_read_file(path, &buf, &n, err, errlen);
  if (r != 0) return r;
  if (n > RL_SCEN_MAX_FILE) {
    snprintf(err, errlen, "%s: larger than %zu bytes", path, RL_SCEN_MAX_FILE);
    r = RL_ERR_IO;
  } else {
    /* The tree holds copies of everything it needs: the text can go. */
    r = rl_scen_parse(path, (const char *)buf, n, pool, out, err, errlen);
  }
  free(buf);
  return r;
}
