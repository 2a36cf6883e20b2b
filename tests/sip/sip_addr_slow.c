/* sip_addr_slow.c: src/sip/sip_addr.c without its fast paths (sip_slow.h). */
#include "sip_slow.h"

#include "sip/sip_addr.c"
