/* The TLS 1.3 engine as a transport (core/transport.h), for the core's
 * exports: opened instead of BearSSL's when the host asks for TLS 1.3. */
#ifndef MH_TLS13_TRANSPORT_H
#define MH_TLS13_TRANSPORT_H
#include <stddef.h>
#include "core/transport.h"

extern const transport_class tls13_transport;

/* As tls_transport_open(): 0 or an MH_ERR_* code; the ClientHello is queued. */
int tls13_transport_open(unsigned char *buf, size_t len,
	const char *name, size_t name_len, int insecure, int anchors_on_demand);

int tls13_transport_anchor_pending(void);
void tls13_transport_anchor_resume(void);

/* MH_ERR_* of a closed engine (0 after an orderly close), its REASON_*,
 * and what the server chose (0x0304, or the version it answered with). */
int tls13_transport_error(void);
int tls13_transport_reason(void);
unsigned tls13_transport_version(void);
unsigned tls13_transport_suite(void);
int tls13_transport_failed_open(void);
/* The fragment length the server accepted (max_fragment_length or
 * record_size_limit) below a full record buffer, or 0. */
unsigned tls13_transport_max_fragment(void);

/* Resumption (psk.c). A session (SESSION_FORMAT_TLS13) imported for the
 * next open: 0 or MH_ERR_CONFIG. The newest ticket of this connection as
 * a session: its length, or 0 when none arrived (or no clock dated it).
 * 1 when the handshake resumed the imported session. */
int tls13_psk_import(const unsigned char *in, size_t len);
size_t tls13_psk_export(unsigned char *out);
int tls13_psk_resumed(void);

#endif
