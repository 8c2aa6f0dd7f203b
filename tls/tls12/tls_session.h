/* TLS session resumption (RFC 5246 session IDs, which BearSSL's client
 * uses): the session of an established connection is exported as bytes,
 * a session imported from bytes is offered by the next TLS open. */
#ifndef MH_TLS_SESSION_H
#define MH_TLS_SESSION_H
#include <stddef.h>
#include "bearssl.h"

/* The TLS transport's engine (tls_transport.c). */
const br_ssl_engine_context *tls_transport_engine(void);

/* Writes the established connection's session (MH_SESSION_BYTES) to out;
 * returns its length, or 0 when there is none to resume (handshake not
 * done, or the server gave no session id). */
size_t tls_session_export(const br_ssl_engine_context *eng, unsigned char *out);

/* Keeps a session to offer at the next open; returns 0 or MH_ERR_CONFIG
 * when the bytes are not a session of this format. */
int tls_session_import(const unsigned char *in, size_t len);

/* Called by the open: puts the imported session (if any) into the engine
 * and returns 1 to make br_ssl_client_reset offer it, else 0. The import
 * is used once. */
int tls_session_offer(br_ssl_engine_context *eng);

/* 1 when the handshake resumed the offered session (the server answered
 * with its session id: an abbreviated handshake). */
int tls_session_resumed(const br_ssl_engine_context *eng);

#endif
