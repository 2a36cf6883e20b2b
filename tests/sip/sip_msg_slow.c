/* sip_msg_slow.c: src/sip/sip_msg.c without its fast paths (sip_slow.h). */
#include "sip_slow.h"

#include "sip/sip_msg.c"
