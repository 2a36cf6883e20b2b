/* access.c: see access.h. */
#include "storage/access.h"

#include <string.h>

#include "overlay/hash.h"
#include "runtime/error.h"

#define FORBIDDEN ((int)RL_ErrorCode_Error_Forbidden)

/* Largest input hashed here: a Node-ID and the octet i of NODE-MULTIPLE.
 * Node-IDs longer than 20 bytes (NodeIdLength is 16..20, 6.3.1.1) never
 * match. */
#define MAX_NODE_ID 20

/* 1 when the overlay hash of (a || b) equals resource_id. The hash is
 * truncated to the Resource-ID's own length (10.2: "truncated to the most
 * significant 128 bits"); a Resource-ID of a length the hash cannot produce
 * never matches. */
static int hash_matches(rl_bytes resource_id, const uint8_t *a, size_t a_len,
                        const uint8_t *b, size_t b_len) {
  uint8_t input[MAX_NODE_ID + 1];
  uint8_t md[20];
  const uint8_t *name = a;
  size_t name_len = a_len;
  int match = 0;
  if (b_len > 0) {
    /* Only NODE-MULTIPLE concatenates: a Node-ID and one octet. */
    if (a_len > MAX_NODE_ID || b_len != 1) goto done;
    memcpy(input, a, a_len);
    memcpy(input + a_len, b, b_len);
    name = input;
    name_len = a_len + b_len;
  }
  if (rl_resource_id(name, name_len, resource_id.len, md) != 0) goto done;
  match = memcmp(md, resource_id.ptr, resource_id.len) == 0;
done:
  return match;
}

int rl_access_user_match(rl_bytes resource_id, const rl_signer *signer) {
  int rc = FORBIDDEN;
  /* 7.3.1: "the signer's certificate has a user name which hashes ... to
   * the Resource-ID". A certificate without a user name has none. */
  if (signer->user.len > 0 &&
      hash_matches(resource_id, signer->user.ptr, signer->user.len, NULL, 0))
    rc = 0;
  return rc;
}

int rl_access_node_match(rl_bytes resource_id, const rl_signer *signer) {
  int rc = FORBIDDEN;
  /* 7.3.2: "has a specified Node-ID which hashes ... to the Resource-ID
   * ... and that Node-ID is the one indicated in the SignerIdentity". */
  for (size_t i = 0; i < signer->node_ids_count && rc != 0; i++) {
    rl_bytes id = signer->node_ids[i];
    if (id.len > 0 && hash_matches(resource_id, id.ptr, id.len, NULL, 0)) rc = 0;
  }
  return rc;
}

int rl_access_user_node_match(rl_bytes resource_id, const rl_signer *signer,
                              rl_bytes dictionary_key) {
  int rc = FORBIDDEN;
  /* 7.3.3: the user name hashes to the Resource-ID, "In addition, the
   * dictionary key MUST be equal to the Node-ID in the certificate, and that
   * Node-ID MUST be the one indicated in the SignerIdentity". */
  if (rl_access_user_match(resource_id, signer) != 0) goto done;
  for (size_t i = 0; i < signer->node_ids_count && rc != 0; i++) {
    rl_bytes id = signer->node_ids[i];
    if (id.len > 0 && rl_bytes_equal(id, dictionary_key)) rc = 0;
  }
done:
  return rc;
}

int rl_access_node_multiple(rl_bytes resource_id, const rl_signer *signer,
                            uint32_t max_i) {
  int rc = FORBIDDEN;
  if (max_i == 0 || max_i > RL_ACCESS_MAX_NODE_MULTIPLE) {
    /* 11.1: max-node-multiple "MUST be an integer greater than 0". */
    rc = RL_ERR_PARAM;
    goto done;
  }
  /* 7.3.4: "because i is not carried on the wire, the verifier MUST iterate
   * through potential i values, up to the maximum value". */
  for (size_t n = 0; n < signer->node_ids_count && rc != 0; n++) {
    rl_bytes id = signer->node_ids[n];
    if (id.len == 0) continue;
    for (uint32_t i = 1; i <= max_i && rc != 0; i++) {
      uint8_t octet = (uint8_t)i;
      if (hash_matches(resource_id, id.ptr, id.len, &octet, 1)) rc = 0;
    }
  }
done:
  return rc;
}

int rl_access_check(rl_access_policy policy, uint32_t max_node_multiple,
                    rl_bytes resource_id, const rl_signer *signer,
                    const rl_StoredDataValue *value) {
  int rc = RL_ERR_PARAM;
  switch (policy) {
  case RL_ACCESS_USER_MATCH:
    rc = rl_access_user_match(resource_id, signer);
    break;
  case RL_ACCESS_NODE_MATCH:
    rc = rl_access_node_match(resource_id, signer);
    break;
  case RL_ACCESS_USER_NODE_MATCH:
    /* 7.3.3: "may be used only with dictionary types". */
    if (value->data_model != RL_DataModel_dictionary)
      rc = FORBIDDEN;
    else
      rc = rl_access_user_node_match(resource_id, signer, value->dictionary_entry.key);
    break;
  case RL_ACCESS_NODE_MULTIPLE:
    rc = rl_access_node_multiple(resource_id, signer, max_node_multiple);
    break;
  default:
    break;
  }
  return rc;
}
