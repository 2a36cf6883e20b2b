/* sip_via_slow.c: src/sip/sip_via.c without its fast paths (sip_slow.h). */
#include "sip_slow.h"

#include "sip/sip_via.c"
