/* sip_hdr_slow.c: src/sip/sip_hdr.c without its fast paths (sip_slow.h). */
#include "sip_slow.h"

#include "sip/sip_hdr.c"
