/* The functions the AssemblyScript HTTP layer calls: spec/abi.json lists them
 * ("internal"), and the generated header declares and exports each one, so a
 * definition that differs from the spec does not compile. The AssemblyScript
 * module imports them from "env", and wasm-merge turns each pair into a
 * direct call; the build then removes them from the final module's exports.
 * Only numbers cross. */
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
#include "x509/subject_hash.h"
#include "suite_choice.h"
#include "generated/core_exports.h"

/* Every function here is static or declared by the spec's header. */
#pragma clang diagnostic error "-Wmissing-prototypes"

/* RFC 6066 extension number; BearSSL offers it when the buffer is small */
#define EXT_MAX_FRAGMENT_LENGTH 1
#define LOG_FULL_RECORD 14
#include "microhttps/spec.h"

static const transport_class *tx = &plain_transport;
static size_t last_window_len;

unsigned tx_open(unsigned flags, unsigned char *buf, size_t len, const char *name, size_t name_len) {
	if ((flags & MH_OPEN_TLS) && (flags & MH_OPEN_TLS13)) {
		if (MH_NO_TLS13) return MH_ERR_CONFIG; /* this profile has no TLS 1.3 engine */
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
/* Constant 0 in a profile without TLS 1.3, so the engine is not linked in. */
static int is_tls13(void) { return !MH_NO_TLS13 && tx == &tls13_transport; }
static int is_tls(void) { return is_tls12() || is_tls13(); }

unsigned tx_state(void) { return tx->state(); }

/* Returns the window's address; its length is read with tx_window_len(). */
unsigned char *tx_window(unsigned which) { return tx->window(which, &last_window_len); }

size_t tx_window_len(void) { return last_window_len; }

void tx_ack(unsigned which, size_t len) { tx->ack(which, len); }

void tx_flush(void) { tx->flush(); }

void tx_close(void) { tx->close(); }

void tx_peer_eof(void) { tx->peer_eof(); }

unsigned tx_error(void) { return tx->error(); }

unsigned tx_detail(void) { return tx->detail(); }

unsigned tx_version(void) { return is_tls12() ? tls_transport_version() : is_tls13() ? tls13_transport_version() : 0; }

unsigned tx_suite(void) { return is_tls12() ? tls_transport_suite() : is_tls13() ? tls13_transport_suite() : 0; }

unsigned tx_anchor_pending(void) {
	return is_tls12() ? tls_transport_anchor_pending() : is_tls13() && tls13_transport_anchor_pending();
}

const unsigned char *tx_anchor_query(void) { return tls_transport_anchor_query(); }

void tx_anchor_resume(void) {
	if (is_tls13()) tls13_transport_anchor_resume(); else tls_transport_anchor_resume();
}

unsigned tx_reason(void) { return is_tls12() ? tls_transport_reason() : is_tls13() ? tls13_transport_reason() : 0; }

/* The subject (DER Name) of the certificate a CERT_* error is about. */
const unsigned char *tx_offender_ptr(void) { size_t len; return x509_policy_offender_subject(&len); }

size_t tx_offender_len(void) { size_t len; x509_policy_offender_subject(&len); return len; }

unsigned pin_add(const unsigned char *hash) { return x509_policy_add_pin(hash); }

size_t peer_count(void) { return is_tls() ? x509_policy_peer_count() : 0; }

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

const unsigned char *peer_field_ptr(size_t i, unsigned field) { size_t len; return peer_field(i, field, &len); }

size_t peer_field_len(size_t i, unsigned field) { size_t len; peer_field(i, field, &len); return len; }

void client_init(unsigned char *region, size_t size) { client_auth_init(region, size); }

unsigned client_cert_add(const unsigned char *der, size_t len) { return client_auth_add_cert(der, len); }

unsigned client_key_set(const unsigned char *der, size_t len) { return client_auth_set_key(der, len); }

unsigned client_detail(void) { return client_auth_detail(); }

size_t session_export(unsigned char *out) {
	return is_tls12() ? tls_session_export(tls_transport_engine(), out) : is_tls13() ? tls13_psk_export(out) : 0;
}

/* The format byte says which engine the session is for. */
unsigned session_import(const unsigned char *src, size_t len) {
	if (len > 0 && src[0] == MH_SESSION_FORMAT_TLS13) {
		return MH_NO_TLS13 ? MH_ERR_CONFIG : (unsigned)tls13_psk_import(src, len);
	}
	return tls_session_import(src, len);
}

unsigned session_resumed(void) {
	return is_tls12() ? tls_session_resumed(tls_transport_engine()) : is_tls13() && tls13_psk_resumed();
}

/* The fragment length both sides agreed on: offered by BearSSL (record
 * buffer below a full record) and echoed in the ServerHello; else 0. */
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

unsigned tls_suites(unsigned mask) { return (unsigned)suite_choice_set(mask); }

void store_init(unsigned char *region, size_t size) { trust_store_init(region, size); }

unsigned store_add(const unsigned char *der, size_t len) { return trust_store_add(der, len); }

size_t store_used(void) { return trust_store_used(); }

size_t store_count(void) { return trust_store_count(); }

unsigned store_detail(void) { return trust_store_detail(); }

unsigned char *mem_arena(void) { return memory_arena(); }

size_t mem_arena_size(void) { return memory_arena_size(); }

size_t mem_stack_size(void) { return memory_stack_size(); }

size_t mem_xfer_size(void) { return memory_xfer_size(); }

unsigned limit_default(unsigned id, unsigned fallback) { return profile_limit_default(id, fallback); }

/* The SHA-256 of a certificate's subject Name, into a static 32-byte result:
 * hosts index their trust anchors by it to answer EV_NEED_ANCHOR. */
const unsigned char *anchor_subject_hash(const unsigned char *der, size_t len) {
	static unsigned char digest[32];
	return subject_name_hash(der, len, digest) == 0 ? digest : 0;
}

void mem_stack_paint(void) { memory_stack_paint(); }

size_t mem_stack_peak(void) { return memory_stack_peak(); }

size_t mem_tls_state(void) { return memory_tls_state(); }

unsigned tx_wipe_idle(void) { return (unsigned)tx->wipe_idle(); }
