/* The TLS 1.2 transport's wipe_idle (core/transport.h), beside
 * tls_transport.c: BearSSL's record registers say whether its buffer holds
 * anything (see the register comments in BearSSL's ssl_engine.c). */
#include <string.h>
#include "bearssl.h"
#include "core/transport.h"
#include "tls12/tls_session.h"
#include "microhttps/spec.h"

/* Waiting for the first byte of a record header: nothing received. */
static int nothing_received(const br_ssl_engine_context *eng) {
	return eng->ixa == 0 && eng->ixb == 0 && eng->ixc == 5;
}

/* Ready to gather a new record: nothing staged, nothing being sent. */
static int nothing_to_send(const br_ssl_engine_context *eng) {
	return eng->oxa == eng->oxc && eng->oxa < eng->oxb;
}

int tls_transport_wipe_idle(void) {
	const br_ssl_engine_context *eng = tls_transport_engine();
	/* exactly both ways open: handshake done, nothing in or out, not closed */
	if (tls_transport.state() != (MH_TX_SENDAPP | MH_TX_RECVREC)
		|| !nothing_received(eng) || !nothing_to_send(eng)) {
		return 0;
	}
	memset(eng->ibuf, 0, eng->ibuf_len);
	if (eng->obuf != eng->ibuf) memset(eng->obuf, 0, eng->obuf_len);
	return 1;
}
