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

#endif
