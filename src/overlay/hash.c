/* hash.c: see hash.h. */
#include "overlay/hash.h"

#include <openssl/sha.h>
#include <string.h>

#include "runtime/error.h"

uint32_t rl_overlay_hash(const char *overlay_name) {
  uint8_t md[SHA_DIGEST_LENGTH];
  SHA1((const unsigned char *)overlay_name, strlen(overlay_name), md);
  /* "lower 32 bits": the last four bytes of the big-endian digest. */
  return (uint32_t)md[16] << 24 | (uint32_t)md[17] << 16 | (uint32_t)md[18] << 8 | md[19];
}

int rl_resource_id(const uint8_t *name, size_t name_len, size_t node_id_len,
                   uint8_t *out) {
  uint8_t md[SHA_DIGEST_LENGTH];
  if (node_id_len < 16 || node_id_len > 20) return RL_ERR_PARAM;
  SHA1(name, name_len, md);
  memcpy(out, md, node_id_len);
  return 0;
}
