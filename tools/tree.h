/* tree.h: a decoded value as an indented text tree, for people.
 *
 * The tree is printed from the value's JSON (rl_T_to_json), so its names
 * are exactly the JSON's: RFC member names, enum value names, opaque bytes
 * in hex. It adds what JSON must not carry (JSON stays round-trippable):
 * Kind names after Kind-IDs, hex after large numbers, the text of
 * printable opaque bytes, and the decoded contents of DataValue.value for
 * Kinds whose rl_kinds[] entry names a value type (SIP-REGISTRATION ->
 * SipRegistration). */
#ifndef RL_TOOL_TREE_H
#define RL_TOOL_TREE_H

#include <jansson.h>
#include <stdio.h>

#include "gen/reload_codec.h"

/* Decode n bytes as type d; returns its JSON, or NULL with a reason (an
 * "error at offset ..." line) in err. */
typedef json_t *(*rl_tree_decoder)(void *user, const rl_type_desc *d,
                                   const uint8_t *p, size_t n, char *err,
                                   size_t errlen);

typedef struct rl_tree {
  FILE *out;
  rl_tree_decoder decode; /* NULL: DataValue.value is not decoded */
  void *user;
} rl_tree;

/* Print the members of object v, each on its own line(s), indented by
 * indent levels (two spaces each). */
void rl_tree_print(const rl_tree *t, const json_t *v, int indent);

#endif
