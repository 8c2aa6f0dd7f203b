/* Trust anchors on demand for the WAMR host (EV_NEED_ANCHOR, docs/abi.md). */
#ifndef MICROHTTPS_ANCHORS_H
#define MICROHTTPS_ANCHORS_H

#include "microhttps.h"

/* At open: every PEM block of o->ca_pem must be a certificate whose subject
 * the core can read (unless o->ca_skip_unusable), and one at least; the
 * bundle is kept (not copied) for the queries. 0 or an MH_ERR_* code. */
int anchors_check(microhttps *conn, const microhttps_options *o, microhttps_error *err);

/* EV_NEED_ANCHOR: adds every anchor of the bundle whose subject Name has the
 * SHA-256 the core asks for, then lets the handshake go on; 0, or -1 with err set. */
int anchors_answer_query(microhttps *conn, microhttps_error *err);

#endif
