/* TLS 1.2 client on BearSSL's engine: suites, versions and X.509 checks are
 * chosen here, and BearSSL's errors become the shared MH_ERR_* codes. */
#include <string.h>
#include "bearssl.h"
#include "core/transport.h"
#include "x509/trust_store.h"
#include "x509/issuer_sniffer.h"
#include "x509/x509_policy.h"
#include "x509/chain_setup.h"
#include "core/engine_space.h"
#include "client_auth.h"
#include "server_hello.h"
#include "x509/server_identity.h"
#include "core/wasi.h"
#include "microhttps/spec.h"
#include "crypto/fast_crypto.h"
#include "crypto/rsa_public.h"
#include "tls_session.h"
#include "core/profile.h"
#include "core/suite_choice.h"
#include "ec_choice.h"

/* BearSSL's context shares static space with the TLS 1.3 engine's */
#define client (engine_space.tls12)

/* Forward secrecy and AEAD only: no static RSA, no CBC, no 3DES, no RC4.
 * ChaCha20-Poly1305 first: it is the fastest in portable code. Each suite
 * belongs to the family (MH_SUITE_*) a host may restrict the offer to. */
static const struct {
	uint16_t id;
	unsigned family;
} suites[] = {
	{ BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, MH_SUITE_CHACHA20_POLY1305 },
	{ BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, MH_SUITE_CHACHA20_POLY1305 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MH_SUITE_AES_128_GCM },
	{ BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, MH_SUITE_AES_128_GCM },
#if !MH_NO_AES_256
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, MH_SUITE_AES_256_GCM },
	{ BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, MH_SUITE_AES_256_GCM },
#endif
};
#define SUITE_COUNT (sizeof suites / sizeof suites[0])

/* The suites of the families the host chose (suite_choice.h), in order. */
static size_t offer_suites(uint16_t *out) {
	size_t n = 0;
	for (size_t i = 0; i < SUITE_COUNT; i++) {
		if (suite_choice_mask() & suites[i].family) out[n++] = suites[i].id;
	}
	return n;
}

static int suite_offered(unsigned suite) {
	for (size_t i = 0; i < SUITE_COUNT; i++) {
		if (suites[i].id == suite) return (suite_choice_mask() & suites[i].family) != 0;
	}
	return 0;
}

static int open_failed;

/* RFC 8446 §4.1.3: a TLS 1.3 server that negotiates TLS 1.2 ends its random
 * with this; when we would have taken TLS 1.3, seeing it means someone on
 * the path pushed the server down. */
static const unsigned char downgrade_sentinel[8] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D', 1 };
static int downgrade_check, downgraded;

/* Set when the peer ended the stream after asking for our client
 * certificate but before the handshake completed: servers that refuse a
 * certificate often just close (or reset) instead of sending an alert. */
static int closed_on_client_cert;

/* Trust anchors on demand: the received bytes not yet given to BearSSL
 * because the host is being asked for an issuer's anchors. */
static struct {
	int enabled;
	int broken;             /* held bytes could not be given back: the connection is over */
	unsigned char *window;  /* where the held bytes are: the window the host filled, then BearSSL's */
	size_t held;            /* bytes at window + given that BearSSL has not seen */
	size_t given;
} on_demand;

static void configure_engine(void) {
	br_ssl_engine_context *eng = &client.eng;
	br_ssl_client_zero(&client);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	/* No renegotiation: a second handshake would carry its certificates
	 * encrypted, past the issuer sniffer (issuer_sniffer.h), and HTTP/1.1
	 * clients have no use for it. */
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
	uint16_t offered[SUITE_COUNT];
	br_ssl_engine_set_suites(eng, offered, offer_suites(offered));
	/* no RSA key exchange is offered, so no RSA encryption (rsapub) is set;
	 * ECDHE_RSA's ServerKeyExchange signature takes the chain's verifier */
	br_ssl_engine_set_rsavrfy(eng, rsa_public_pkcs1_vrfy());
	br_ssl_engine_set_ec(eng, ec_choice());
	br_ssl_engine_set_ecdsa(eng, chain_setup_ecdsa());
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
#if !MH_NO_SHA_224_512
	br_ssl_engine_set_hash(eng, br_sha224_ID, &br_sha224_vtable);
	br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);
#endif
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	/* AES-GCM and ChaCha20-Poly1305 with our faster primitives (scalar BearSSL without SIMD) */
	fast_crypto_install(eng);
}

int tls_transport_open(unsigned char *buf, size_t len,
	const char *name, size_t name_len, int insecure, int anchors_on_demand,
	int check_downgrade)
{
	open_failed = 1;
	if (chain_setup_identity(name, name_len) != 0) {
		return MH_ERR_CONFIG;
	}
	configure_engine();
	br_ssl_engine_set_x509(&client.eng, chain_setup_start(insecure));
	if (client_auth_install(&client) != 0) {
		return MH_ERR_CONFIG;
	}
	br_ssl_engine_set_buffer(&client.eng, buf, len, len >= BR_SSL_BUFSIZE_BIDI);

	unsigned char seed[32];
	if (wasi_entropy(seed, sizeof seed) != 0) {
		return MH_ERR_CONFIG;
	}
	br_ssl_engine_inject_entropy(&client.eng, seed, sizeof seed);
	memset(seed, 0, sizeof seed);

	on_demand.enabled = anchors_on_demand;
	on_demand.broken = 0;
	on_demand.held = 0;
	issuer_sniffer_reset();
	server_hello_reset();
	closed_on_client_cert = 0;
	downgrade_check = check_downgrade;
	downgraded = 0;
	/* offer an imported session (resume = 1) when there is one, unless its
	 * suite is not offered now: the server would resume with it, and BearSSL
	 * refuses a suite it did not offer */
	int resume = tls_session_offer(&client.eng) && suite_offered(client.eng.session.cipher_suite);
	if (!br_ssl_client_reset(&client, chain_setup_sni(), resume)) {
		return MH_ERR_CONFIG;
	}
	open_failed = 0;
	return 0;
}

static void give_scanned_bytes(void);

/* Once BearSSL has read the ServerHello (and before our next flight goes
 * out: the host asks for the state first), its random is checked. */
static int downgrade_seen(void) {
	if (downgrade_check && !downgraded && server_hello_version() == BR_TLS12
		&& memcmp(client.eng.server_random + 24, downgrade_sentinel, 8) == 0) {
		downgraded = 1;
	}
	return downgraded;
}

static unsigned tls_state(void) {
	if (closed_on_client_cert || on_demand.broken || downgrade_seen()) {
		return BR_SSL_CLOSED;
	}
	unsigned st = br_ssl_engine_current_state(&client.eng);
	/* while bytes are held for an anchor query, no new bytes are taken */
	return on_demand.held ? st & ~(unsigned)MH_TX_RECVREC : st;
}

static unsigned char *tls_window(unsigned which, size_t *len) {
	br_ssl_engine_context *eng = &client.eng;
	unsigned char *p = 0;
	*len = 0;
	switch (which) {
	case MH_TX_SENDREC: p = br_ssl_engine_sendrec_buf(eng, len); break;
	case MH_TX_RECVREC: p = on_demand.held ? NULL : br_ssl_engine_recvrec_buf(eng, len); break;
	case MH_TX_SENDAPP: p = br_ssl_engine_sendapp_buf(eng, len); break;
	case MH_TX_RECVAPP: p = br_ssl_engine_recvapp_buf(eng, len); break;
	}
	return p;
}

static void tls_ack(unsigned which, size_t len) {
	br_ssl_engine_context *eng = &client.eng;
	switch (which) {
	case MH_TX_SENDREC: br_ssl_engine_sendrec_ack(eng, len); break;
	case MH_TX_RECVREC: {
		/* the ServerHello tells what the server chose (version, suite, MFL) */
		size_t cap;
		unsigned char *received = br_ssl_engine_recvrec_buf(eng, &cap);
		if (received) {
			server_hello_feed(received, len < cap ? len : cap);
		}
		if (on_demand.enabled) {
			on_demand.window = received;
			on_demand.held = len;
			on_demand.given = 0;
			give_scanned_bytes();
		} else {
			br_ssl_engine_recvrec_ack(eng, len);
		}
		break;
	}
	case MH_TX_SENDAPP: br_ssl_engine_sendapp_ack(eng, len); break;
	case MH_TX_RECVAPP: br_ssl_engine_recvapp_ack(eng, len); break;
	}
}

/* Gives BearSSL the held bytes up to the next issuer Name still to be
 * answered. Before encryption starts BearSSL consumes a record's payload in
 * pieces and rewinds its window to just after the record header, so the held
 * bytes are first moved to wherever the window now is. */
static void give_scanned_bytes(void) {
	size_t room;
	unsigned char *src = on_demand.window + on_demand.given;
	unsigned char *dst = br_ssl_engine_recvrec_buf(&client.eng, &room);
	if (dst == NULL || room < on_demand.held) {
		/* cannot happen with plaintext records: end the connection, never guess */
		on_demand.broken = 1;
		on_demand.held = 0;
		return;
	}
	if (dst != src) {
		memmove(dst, src, on_demand.held);
	}
	size_t n = issuer_sniffer_scan(dst, on_demand.held);
	on_demand.window = dst;
	on_demand.given = n;
	on_demand.held -= n;
	br_ssl_engine_recvrec_ack(&client.eng, n);
}

int tls_transport_anchor_pending(void) {
	return on_demand.enabled && issuer_sniffer_pending();
}

const unsigned char *tls_transport_anchor_query(void) {
	return issuer_sniffer_hash();
}

/* The host added what it has for the pending issuer: let BearSSL see the
 * anchors, then the rest of the held bytes. */
void tls_transport_anchor_resume(void) {
	chain_setup_refresh_anchors();
	issuer_sniffer_resume();
	if (on_demand.held) {
		give_scanned_bytes();
	}
}

static void tls_flush(void) {
	br_ssl_engine_flush(&client.eng, 0);
}

static void tls_close(void) {
	br_ssl_engine_close(&client.eng);
}

/* The peer closed TCP without a close_notify: BearSSL is told nothing, the
 * HTTP layer decides whether the message was complete (a close-delimited
 * body is then refused as possibly truncated). */
static void tls_peer_eof(void) {
	unsigned st = br_ssl_engine_current_state(&client.eng);
	if (!(st & (BR_SSL_CLOSED | BR_SSL_SENDAPP)) && client_auth_requested()) {
		closed_on_client_cert = 1;
	}
}

/* Alerts a server sends when it does not like our hello. */
static int handshake_alert(int alert) {
	return alert == BR_ALERT_HANDSHAKE_FAILURE || alert == BR_ALERT_PROTOCOL_VERSION
		|| alert == 71 /* insufficient_security */ || alert == BR_ALERT_ILLEGAL_PARAMETER;
}

/* The finer reason of a failed handshake, from what the server did. */
static int failure_reason(int err) {
	int alert = err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT;
	if (client_auth_requested() && !client_auth_sent()) {
		return MH_REASON_CLIENT_CERT_REQUESTED;
	}
	if (client_auth_sent() && alert) {
		return MH_REASON_CLIENT_CERT_REJECTED;
	}
	unsigned hello_version = server_hello_version();
	unsigned spoken = hello_version != 0 ? hello_version : server_hello_alert_version();
	if (spoken != 0 && spoken < BR_TLS12) {
		return MH_REASON_SERVER_OLD_VERSION;
	}
	if (hello_version != 0) {
		return suite_offered(server_hello_suite()) ? MH_REASON_NONE : MH_REASON_SERVER_SUITE;
	}
	if (alert && handshake_alert(err - BR_ERR_RECV_FATAL_ALERT)) {
		return MH_REASON_NO_COMMON_SUITE;
	}
	return MH_REASON_NONE;
}

static int map_error(int err) {
	switch (err) {
	case BR_ERR_OK: return 0;
	case BR_ERR_UNSUPPORTED_VERSION:
		/* the same error for a ServerHello version we refuse and for bytes
		 * that are not TLS records at all */
		return server_hello_version() != 0 ? MH_ERR_TLS_HANDSHAKE : MH_ERR_TLS_PROTOCOL;
	case BR_ERR_BAD_CIPHER_SUITE:
	case BR_ERR_BAD_COMPRESSION:
	case BR_ERR_INVALID_ALGORITHM:
		return MH_ERR_TLS_HANDSHAKE;
	case BR_ERR_NO_CLIENT_AUTH:
		return MH_ERR_TLS_CLIENT_CERT;
	}
	if ((err >= BR_ERR_X509_OK && err < BR_ERR_X509_OK + 32) || x509_policy_leaf_key_too_large(err)) {
		int policy = x509_policy_error();
		return policy ? policy : MH_ERR_CERT_INVALID;
	}
	int reason = failure_reason(err);
	if (reason == MH_REASON_CLIENT_CERT_REQUESTED || reason == MH_REASON_CLIENT_CERT_REJECTED) {
		return MH_ERR_TLS_CLIENT_CERT;
	}
	if (reason != MH_REASON_NONE) {
		return MH_ERR_TLS_HANDSHAKE;
	}
	if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT) {
		int alert = err - BR_ERR_RECV_FATAL_ALERT;
		if (alert == 116 /* certificate_required */) {
			return MH_ERR_TLS_CLIENT_CERT;
		}
		return handshake_alert(alert) ? MH_ERR_TLS_HANDSHAKE : MH_ERR_TLS_PROTOCOL;
	}
	return MH_ERR_TLS_PROTOCOL;
}

static int tls_error(void) {
	if (open_failed) {
		return MH_ERR_CONFIG;
	}
	if (closed_on_client_cert) {
		return MH_ERR_TLS_CLIENT_CERT;
	}
	if (on_demand.broken) {
		return MH_ERR_INTERNAL;
	}
	if (downgraded) {
		return MH_ERR_TLS_HANDSHAKE;
	}
	return map_error(br_ssl_engine_last_error(&client.eng));
}

static int tls_detail(void) {
	return br_ssl_engine_last_error(&client.eng);
}

int tls_transport_reason(void) {
	int err = br_ssl_engine_last_error(&client.eng);
	if (downgraded) {
		return MH_REASON_DOWNGRADE;
	}
	if (closed_on_client_cert) {
		return client_auth_sent() ? MH_REASON_CLIENT_CERT_REJECTED : MH_REASON_CLIENT_CERT_REQUESTED;
	}
	if (err == BR_ERR_OK) {
		return x509_policy_reason(); /* REASON_INSECURE on a connection that skipped validation */
	}
	if ((err >= BR_ERR_X509_OK && err < BR_ERR_X509_OK + 32) || x509_policy_leaf_key_too_large(err)) {
		return x509_policy_reason();
	}
	return failure_reason(err);
}

/* Once the handshake failed, what the server's hello chose (so a host can
 * say "the server wants TLS 1.0"). */
unsigned tls_transport_version(void) {
	unsigned v = br_ssl_engine_get_version(&client.eng);
	if (v == 0) v = server_hello_version();
	return v != 0 ? v : server_hello_alert_version();
}

/* The engine, for session export and the resumed flag. */
const br_ssl_engine_context *tls_transport_engine(void) {
	return &client.eng;
}

unsigned tls_transport_suite(void) {
	unsigned s = client.eng.session.cipher_suite;
	return s != 0 ? s : server_hello_suite();
}

const transport_class tls_transport = {
	tls_state, tls_window, tls_ack,
	tls_flush, tls_close, tls_peer_eof,
	tls_error, tls_detail, tls_transport_wipe_idle,
};
