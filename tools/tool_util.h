/* tool_util.h: what reload-dump and reload-encode share: reading whole
 * files, a growing arena for decoding, decode parameters from the command
 * line, type lookup, and the exit codes both document. */
#ifndef RL_TOOL_UTIL_H
#define RL_TOOL_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codec/params.h"
#include "gen/reload_codec.h"
#include "runtime/arena.h"

/* Exit codes of both tools (see their man pages). */
#define RL_EXIT_OK 0
#define RL_EXIT_MALFORMED 1 /* some input did not decode / encode */
#define RL_EXIT_USAGE 2     /* bad options, unreadable file, out of memory */

/* The program name used in messages ("reload-dump"). */
extern const char *rl_tool_name;

/* Print "NAME: " and a formatted message to stderr, with a newline. */
void rl_tool_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Read a whole file ("-" is standard input) into a malloc'ed buffer (with
 * one NUL byte after the data, not counted, so text parsers may rely on
 * it). 0, or RL_ERR_IO / RL_ERR_NOMEM with a message in err. */
int rl_tool_read_file(const char *path, uint8_t **buf, size_t *len, char *err,
                      size_t errlen);

/* An arena on the heap that grows when a decode runs out of it. The
 * decoders never allocate; the tool owns this memory and retries. */
typedef struct rl_tool_arena {
  void *mem;
  size_t cap;
  rl_arena arena;
} rl_tool_arena;

#define RL_TOOL_ARENA_MIN ((size_t)64 * 1024)
#define RL_TOOL_ARENA_MAX ((size_t)1 << 30)

void rl_tool_arena_init(rl_tool_arena *a);
/* Reset the arena, making it at least want bytes; 0 or RL_ERR_NOMEM. */
int rl_tool_arena_reserve(rl_tool_arena *a, size_t want);
/* Double the arena (after RL_ERR_ARENA); 0, or RL_ERR_NOMEM at the limit. */
int rl_tool_arena_grow(rl_tool_arena *a);
void rl_tool_arena_free(rl_tool_arena *a);

/* Apply one --param argument (one or more NAME=VALUE words separated by
 * spaces or commas). 0, or an rl_err after printing the reason. */
int rl_tool_param(rl_param_set *ps, const char *arg);

/* The type named name (as in rl_types[]), or NULL after printing a
 * message that suggests --types. */
const rl_type_desc *rl_tool_type(const char *name);

/* Print the type names, several on a line, to f. */
void rl_tool_list_types(FILE *f);

/* Print the rl_kinds[] table to f. */
void rl_tool_list_kinds(FILE *f);

#endif
