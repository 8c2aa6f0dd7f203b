/* The functions the AssemblyScript HTTP layer calls. They are exported from
 * the C module under these names, the AssemblyScript module imports them
 * from "env", and wasm-merge turns each pair into a direct call; the build
 * then removes them from the final module's exports. Only numbers cross. */
#include <stdint.h>
#include "bearssl.h"
#include "transport.h"
#include "x509/trust_store.h"
#include "memory.h"
#include "profile.h"
#include "x509/x509_policy.h"
#include "tls12/client_auth.h"

#include "tls12/tls_session.h"
#include "tls12/server_hello.h"
#include "tls13/tls13_transport.h"

/* RFC 6066 extension number; BearSSL offers it when the buffer is small */
#define EXT_MAX_FRAGMENT_LENGTH 1
#define LOG_FULL_RECORD 14
#include "microhttps/spec.h"

#define CORE_EXPORT(name) __attribute__((export_name(#name))) 

static const transport_class *tx = &plain_transport;
static size_t last_window_len;

CORE_EXPORT(tx_open)
int tx_open(unsigned flags, unsigned char *buf, size_t len, const char *name, size_t name_len) {
	if ((flags & MH_OPEN_TLS) && (flags & MH_OPEN_TLS13)) {
		tx = &tls13_transport;
		return tls13_transport_open(buf, len, name, name_len, (flags & MH_OPEN_INSECURE) != 0,
			(flags & MH_OPEN_ANCHORS_ON_DEMAND) != 0);
	}
	if (flags & MH_OPEN_TLS) {
		tx = &tls_transport;
		return tls_transport_open(buf, len, name, name_len, (flags & MH_OPEN_INSECURE) != 0,
			(flags & MH_OPEN_ANCHORS_ON_DEMAND) != 0, (flags & MH_OPEN_DOWNGRADE_CHECK) != 0);
	}
	tx = &plain_transport;
	return plain_transport_open(buf, len);
}

static int is_tls12(void) { return tx == &tls_transport; }
static int is_tls13(void) { return tx == &tls13_transport; }

CORE_EXPORT(tx_state)
unsigned tx_state(void) { return tx->state(); }

/* Returns the window's address; its length is read with tx_window_len(). */
CORE_EXPORT(tx_window)
unsigned char *tx_window(unsigned which) { return tx->window(which, &last_window_len); }

CORE_EXPORT(tx_window_len)
size_t tx_window_len(void) { return last_window_len; }

CORE_EXPORT(tx_ack)
void tx_ack(unsigned which, size_t len) { tx->ack(which, len); }

CORE_EXPORT(tx_flush)
void tx_flush(void) { tx->flush(); }

CORE_EXPORT(tx_close)
void tx_close(void) { tx->close(); }

CORE_EXPORT(tx_peer_eof)
void tx_peer_eof(void) { tx->peer_eof(); }

CORE_EXPORT(tx_error)
int tx_error(void) { return tx->error(); }

CORE_EXPORT(tx_detail)
int tx_detail(void) { return tx->detail(); }

CORE_EXPORT(tx_is_tls)
int tx_is_tls(void) { return is_tls12() || is_tls13(); }

CORE_EXPORT(tx_version)
unsigned tx_version(void) { return is_tls12() ? tls_transport_version() : is_tls13() ? tls13_transport_version() : 0; }

CORE_EXPORT(tx_suite)
unsigned tx_suite(void) { return is_tls12() ? tls_transport_suite() : is_tls13() ? tls13_transport_suite() : 0; }

CORE_EXPORT(tx_anchor_pending)
int tx_anchor_pending(void) {
	return is_tls12() ? tls_transport_anchor_pending() : is_tls13() && tls13_transport_anchor_pending();
}

CORE_EXPORT(tx_anchor_query)
const unsigned char *tx_anchor_query(void) { return tls_transport_anchor_query(); }

CORE_EXPORT(tx_anchor_resume)
void tx_anchor_resume(void) {
	if (is_tls13()) tls13_transport_anchor_resume(); else tls_transport_anchor_resume();
}
CORE_EXPORT(tx_reason)
int tx_reason(void) { return is_tls12() ? tls_transport_reason() : is_tls13() ? tls13_transport_reason() : 0; }

/* The subject (DER Name) of the certificate a CERT_* error is about. */
CORE_EXPORT(tx_offender_ptr)
const unsigned char *tx_offender_ptr(void) { size_t len; return x509_policy_offender_subject(&len); }

CORE_EXPORT(tx_offender_len)
size_t tx_offender_len(void) { size_t len; x509_policy_offender_subject(&len); return len; }

CORE_EXPORT(pin_add)
int pin_add(const unsigned char *hash) { return x509_policy_add_pin(hash); }

CORE_EXPORT(peer_count)
size_t peer_count(void) { return tx_is_tls() ? x509_policy_peer_count() : 0; }

/* One field of certificate i of the peer chain summary (MH_PEER_*). */
static const unsigned char *peer_field(size_t i, unsigned field, size_t *len) {
	const cert_facts *f = x509_policy_peer(i);
	*len = 0;
	if (f == 0) return 0;
	switch (field) {
	case MH_PEER_SUBJECT: *len = f->subject_len; return f->subject;
	case MH_PEER_ISSUER: *len = f->issuer_len; return f->issuer;
	case MH_PEER_NOT_BEFORE: *len = f->not_before_len; return f->not_before;
	case MH_PEER_NOT_AFTER: *len = f->not_after_len; return f->not_after;
	case MH_PEER_SANS: *len = f->sans_len; return f->sans;
	case MH_PEER_SPKI_SHA256: *len = f->spki_known ? 32 : 0; return f->spki_sha256;
	}
	return 0;
}

CORE_EXPORT(peer_field_ptr)
const unsigned char *peer_field_ptr(size_t i, unsigned field) { size_t len; return peer_field(i, field, &len); }

CORE_EXPORT(peer_field_len)
size_t peer_field_len(size_t i, unsigned field) { size_t len; peer_field(i, field, &len); return len; }

CORE_EXPORT(client_init)
void client_init(unsigned char *region, size_t size) { client_auth_init(region, size); }

CORE_EXPORT(client_cert_add)
int client_cert_add(const unsigned char *der, size_t len) { return client_auth_add_cert(der, len); }

CORE_EXPORT(client_key_set)
int client_key_set(const unsigned char *der, size_t len) { return client_auth_set_key(der, len); }

CORE_EXPORT(client_detail)
int client_detail(void) { return client_auth_detail(); }

CORE_EXPORT(session_export)
size_t session_export(unsigned char *out) {
	return is_tls12() ? tls_session_export(tls_transport_engine(), out) : 0;
}

CORE_EXPORT(session_import)
int session_import(const unsigned char *in, size_t len) { return tls_session_import(in, len); }

CORE_EXPORT(session_resumed)
int session_resumed(void) { return is_tls12() && tls_session_resumed(tls_transport_engine()); }

/* The fragment length both sides agreed on: offered by BearSSL (record
 * buffer below a full record) and echoed in the ServerHello; else 0. */
CORE_EXPORT(tls_max_fragment)
unsigned tls_max_fragment(void) {
	if (is_tls13()) {
		return tls13_transport_max_fragment();
	}
	if (!is_tls12()) {
		return 0;
	}
	unsigned log = tls_transport_engine()->log_max_frag_len;
	return log < LOG_FULL_RECORD && server_hello_has_extension(EXT_MAX_FRAGMENT_LENGTH) ? 1u << log : 0;
}

CORE_EXPORT(store_init)
void store_init(unsigned char *region, size_t size) { trust_store_init(region, size); }

CORE_EXPORT(store_add)
int store_add(const unsigned char *der, size_t len) { return trust_store_add(der, len); }

CORE_EXPORT(store_used)
size_t store_used(void) { return trust_store_used(); }

CORE_EXPORT(store_count)
size_t store_count(void) { return trust_store_count(); }

CORE_EXPORT(store_detail)
int store_detail(void) { return trust_store_detail(); }

CORE_EXPORT(mem_arena)
unsigned char *mem_arena(void) { return memory_arena(); }

CORE_EXPORT(mem_arena_size)
size_t mem_arena_size(void) { return memory_arena_size(); }

CORE_EXPORT(mem_stack_size)
size_t mem_stack_size(void) { return memory_stack_size(); }

CORE_EXPORT(mem_xfer_size)
size_t mem_xfer_size(void) { return memory_xfer_size(); }

CORE_EXPORT(limit_default)
unsigned limit_default(unsigned id, unsigned fallback) { return profile_limit_default(id, fallback); }

/* SHA-256 of len bytes at data, into a static 32-byte result: hosts use it to
 * index trust anchors by subject Name for EV_NEED_ANCHOR without a hash of
 * their own. */
CORE_EXPORT(hash_sha256)
const unsigned char *hash_sha256(const unsigned char *data, size_t len) {
	static unsigned char digest[32];
	br_sha256_context sha;
	br_sha256_init(&sha);
	br_sha256_update(&sha, data, len);
	br_sha256_out(&sha, digest);
	return digest;
}

CORE_EXPORT(mem_stack_paint)
void mem_stack_paint(void) { memory_stack_paint(); }

CORE_EXPORT(mem_stack_peak)
size_t mem_stack_peak(void) { return memory_stack_peak(); }

CORE_EXPORT(mem_tls_state)
size_t mem_tls_state(void) { return memory_tls_state(); }
