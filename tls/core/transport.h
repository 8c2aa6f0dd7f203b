/* One internal interface for "bytes to and from the network" so the HTTP
 * layer does not know whether TLS is under it, and a TLS 1.3 engine could
 * later sit beside BearSSL's 1.2 engine without touching HTTP or the hosts.
 *
 * A transport has four windows, named as in BearSSL's engine API:
 *   SENDREC  bytes for the network        RECVREC  room for network bytes
 *   SENDAPP  room for application bytes   RECVAPP  application bytes received
 * and a state made of the MH_TX_* bits telling which windows are usable.
 * Exactly one connection lives in one instance of the core, so the transport
 * is a singleton selected by transport_open(). */
#ifndef MH_TRANSPORT_H
#define MH_TRANSPORT_H
#include <stddef.h>

typedef struct {
	unsigned (*state)(void);
	unsigned char *(*window)(unsigned which, size_t *len);
	void (*ack)(unsigned which, size_t len);
	void (*flush)(void);          /* push buffered application bytes out */
	void (*close)(void);          /* begin an orderly close */
	void (*peer_eof)(void);       /* the network reached end of stream */
	int (*error)(void);           /* MH_ERR_* code once CLOSED with an error, else 0 */
	int (*detail)(void);          /* engine-specific detail of that error */
	/* Zeroes the record buffer and returns 1 when it holds nothing either
	 * way (no partial record in, nothing staged or waiting to go out, the
	 * connection open); else 0 and nothing changes. An idle connection's
	 * buffer then keeps no plaintext and costs nothing to park. */
	int (*wipe_idle)(void);
} transport_class;

extern const transport_class tls_transport;
extern const transport_class plain_transport;

/* Opens the TLS engine over buf (the record buffer); name is the server name
 * for SNI and certificate checks. Returns 0 or an MH_ERR_* code. */
int tls_transport_open(unsigned char *buf, size_t len,
	const char *name, size_t name_len, int insecure, int anchors_on_demand,
	int downgrade_check);

/* Trust anchors on demand (see issuer_sniffer.h): whether the host is being
 * asked for an issuer's anchors, the SHA-256 of that issuer Name, and the
 * call that continues once the host has added what it has. */
int tls_transport_anchor_pending(void);
const unsigned char *tls_transport_anchor_query(void);
void tls_transport_anchor_resume(void);

/* Opens plain TCP pass-through, buf split evenly into receive and send. */
int plain_transport_open(unsigned char *buf, size_t len);

/* Negotiated version and suite; after a failed hello, what the server chose. */
unsigned tls_transport_version(void);
unsigned tls_transport_suite(void);
/* The TLS 1.2 transport's wipe_idle (tls12/tls_idle.c). */
int tls_transport_wipe_idle(void);
/* REASON_* of the last failure (or REASON_INSECURE for a connection that
 * skipped validation on request). */
int tls_transport_reason(void);

#endif
