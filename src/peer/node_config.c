/* peer/node_config.c: ConfigUpdate (RFC 6940 6.5.4, 11.1). */
#include "peer/node_int.h"

void rl_node_handle_config_update(rl_node *n, rl_conn *c, const rl_Message *m,
                                  const rl_signer_info *who) {
  (void)who;
  rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Forbidden,
                      "ConfigUpdate is not accepted by this peer yet");
}

void rl_node_send_config_update(rl_node *n, const uint8_t *node_id) {
  (void)n;
  (void)node_id;
}
