/* sip_slow.h: build a parser again without its fast paths (RL_SIP_SLOW,
 * src/sip/sip_util.h) and under other names (_slow), so that a test can
 * run both on the same input and compare. Included by sip_*_slow.c
 * before the generated parser they build. */
#define RL_SIP_SLOW 1
#define rl_sip_msg_parse rl_sip_msg_parse_slow
#define rl_sip_opts_default rl_sip_opts_default_slow
#define rl_sip_msg_init rl_sip_msg_init_slow
#define rl_sip_msg_find rl_sip_msg_find_slow
#define rl_sip_msg_find_name rl_sip_msg_find_name_slow
#define rl_sip_via_next rl_sip_via_next_slow
#define rl_sip_from_parse rl_sip_from_parse_slow
#define rl_sip_to_parse rl_sip_to_parse_slow
#define rl_sip_contact_next rl_sip_contact_next_slow
#define rl_sip_route_next rl_sip_route_next_slow
#define rl_sip_cseq_parse rl_sip_cseq_parse_slow
#define rl_sip_callid_parse rl_sip_callid_parse_slow
#define rl_sip_max_forwards_parse rl_sip_max_forwards_parse_slow
#define rl_sip_expires_parse rl_sip_expires_parse_slow
#define rl_sip_content_type_parse rl_sip_content_type_parse_slow
#define rl_sip_token_next rl_sip_token_next_slow
#define rl_sip_msg_has_token rl_sip_msg_has_token_slow
#define rl_sip_uri_parse rl_sip_uri_parse_slow
