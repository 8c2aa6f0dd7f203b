/* Trust anchors from the caller's PEM bundle (internal to the library). */
#ifndef MICROHTTPS_ANCHORS_H
#define MICROHTTPS_ANCHORS_H

#include "microhttps.h"

/* At open: every block must be a certificate whose subject can be read
 * (unless ca_skip_unusable); keeps the bundle for the queries. 0 or a code. */
int check_anchors(microhttps *conn, const microhttps_options *o, microhttps_error *err);

/* EV_NEED_ANCHOR: adds the bundle's certificates for the issuer the core
 * asks about, then lets the handshake go on. 0, or -1 with err set. */
int answer_anchor_query(microhttps *conn, microhttps_error *err);

#endif
