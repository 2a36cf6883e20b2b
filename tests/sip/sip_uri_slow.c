/* sip_uri_slow.c: src/sip/sip_uri.c without its fast paths (sip_slow.h). */
#include "sip_slow.h"

#include "sip/sip_uri.c"
