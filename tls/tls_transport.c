/* TLS 1.2 client on BearSSL's engine: suites, versions and X.509 checks are
 * chosen here, and BearSSL's errors become the shared MH_ERR_* codes. */
#include <string.h>
#include "bearssl.h"
#include "transport.h"
#include "trust_store.h"
#include "wasi.h"
#include "generated/spec.h"
#include "crypto/fast_crypto.h"
#include "tls_session.h"
#include "server_hello.h"

static br_ssl_client_context client;
static br_x509_minimal_context x509;

/* Forward secrecy and AEAD only: no static RSA, no CBC, no 3DES, no RC4.
 * ChaCha20-Poly1305 first: it is the fastest in portable code. */
static const uint16_t suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

/* SHA-1 and MD5 are left out on purpose: certificates signed with them then
 * fail validation. SHA-224 is kept for the rare chain that uses it. */
static const struct {
	int id;
	const br_hash_class *impl;
} hashes[] = {
	{ br_sha224_ID, &br_sha224_vtable }, { br_sha256_ID, &br_sha256_vtable },
	{ br_sha384_ID, &br_sha384_vtable }, { br_sha512_ID, &br_sha512_vtable },
};

/* Public keys below 2048 bits (256 bytes) are refused. */
#define MIN_RSA_BYTES 256

/* Days from 0000-01-01 (proleptic Gregorian, as BearSSL counts) to 1970-01-01. */
#define DAYS_TO_UNIX_EPOCH 719528

static int x509_failed_open;

static void configure_engine(void) {
	br_ssl_engine_context *eng = &client.eng;
	br_ssl_client_zero(&client);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, sizeof suites / sizeof suites[0]);
	br_ssl_client_set_default_rsapub(&client);
	br_ssl_engine_set_default_rsavrfy(eng);
	br_ssl_engine_set_default_ecdsa(eng);
	br_ssl_engine_set_default_ec(eng);
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		br_ssl_engine_set_hash(eng, hashes[i].id, hashes[i].impl);
	}
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	/* issue 6: AES-GCM and ChaCha20-Poly1305 with our faster primitives */
	fast_crypto_install(eng);
}

static void configure_x509(void) {
	br_x509_minimal_init(&x509, &br_sha256_vtable,
		trust_store_anchors(), trust_store_count());
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		br_x509_minimal_set_hash(&x509, hashes[i].id, hashes[i].impl);
	}
	br_x509_minimal_set_rsa(&x509, br_ssl_engine_get_rsavrfy(&client.eng));
	br_x509_minimal_set_ecdsa(&x509, br_ssl_engine_get_ec(&client.eng),
		br_ssl_engine_get_ecdsa(&client.eng));
	br_x509_minimal_set_minrsa(&x509, MIN_RSA_BYTES);
	/* Dates are never skipped: without a plausible clock the days stay 0 and
	 * BearSSL fails with BR_ERR_X509_TIME_UNKNOWN. */
	int64_t now = wasi_unix_seconds();
	if (now >= 0) {
		br_x509_minimal_set_time(&x509,
			(uint32_t)(now / 86400) + DAYS_TO_UNIX_EPOCH, (uint32_t)(now % 86400));
	}
	br_ssl_engine_set_x509(&client.eng, &x509.vtable);
}

int tls_transport_open(unsigned char *buf, size_t len,
	const char *name, size_t name_len, int insecure)
{
	/* BearSSL wants a NUL-terminated name of at most 255 bytes. */
	static char server_name[256];
	if (name_len >= sizeof server_name) {
		return MH_ERR_CONFIG;
	}
	memcpy(server_name, name, name_len);
	server_name[name_len] = 0;

	if (insecure) {
		/* not offered by this engine yet: refuse rather than validate anyway */
		return MH_ERR_CONFIG;
	}
	configure_engine();
	configure_x509();
	br_ssl_engine_set_buffer(&client.eng, buf, len, len >= BR_SSL_BUFSIZE_BIDI);

	unsigned char seed[32];
	if (wasi_entropy(seed, sizeof seed) != 0) {
		return MH_ERR_CONFIG;
	}
	br_ssl_engine_inject_entropy(&client.eng, seed, sizeof seed);
	memset(seed, 0, sizeof seed);

	server_hello_reset();   /* issue 6 */
	x509_failed_open = 0;
	/* issue 6: offer an imported session (resume = 1) when there is one */
	if (!br_ssl_client_reset(&client, server_name, tls_session_offer(&client.eng))) {
		x509_failed_open = 1;
		return MH_ERR_CONFIG;
	}
	return 0;
}

static unsigned tls_state(void) {
	return br_ssl_engine_current_state(&client.eng);
}

static unsigned char *tls_window(unsigned which, size_t *len) {
	br_ssl_engine_context *eng = &client.eng;
	unsigned char *p = 0;
	*len = 0;
	switch (which) {
	case MH_TX_SENDREC: p = br_ssl_engine_sendrec_buf(eng, len); break;
	case MH_TX_RECVREC: p = br_ssl_engine_recvrec_buf(eng, len); break;
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
		/* issue 6: the ServerHello tells whether MFL was accepted */
		size_t cap;
		const unsigned char *received = br_ssl_engine_recvrec_buf(eng, &cap);
		if (received) {
			server_hello_feed(received, len < cap ? len : cap);
		}
		br_ssl_engine_recvrec_ack(eng, len);
		break;
	}
	case MH_TX_SENDAPP: br_ssl_engine_sendapp_ack(eng, len); break;
	case MH_TX_RECVAPP: br_ssl_engine_recvapp_ack(eng, len); break;
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
}

/* Alerts a server sends when it does not like our hello. */
static int handshake_alert(int alert) {
	return alert == BR_ALERT_HANDSHAKE_FAILURE || alert == BR_ALERT_PROTOCOL_VERSION
		|| alert == 71 /* insufficient_security */ || alert == BR_ALERT_ILLEGAL_PARAMETER;
}

static int map_error(int err) {
	switch (err) {
	case BR_ERR_OK: return 0;
	case BR_ERR_X509_EXPIRED: return MH_ERR_CERT_EXPIRED;
	case BR_ERR_X509_BAD_SERVER_NAME: return MH_ERR_CERT_HOSTNAME_MISMATCH;
	case BR_ERR_X509_NOT_TRUSTED: return MH_ERR_CERT_UNTRUSTED;
	case BR_ERR_X509_TIME_UNKNOWN: return MH_ERR_CERT_TIME_UNKNOWN;
	case BR_ERR_UNSUPPORTED_VERSION:
	case BR_ERR_BAD_VERSION:
	case BR_ERR_BAD_CIPHER_SUITE:
	case BR_ERR_BAD_COMPRESSION:
	case BR_ERR_INVALID_ALGORITHM:
		return MH_ERR_TLS_HANDSHAKE;
	case BR_ERR_NO_CLIENT_AUTH:
		return MH_ERR_TLS_CLIENT_CERT;
	}
	if (err >= BR_ERR_X509_OK && err < BR_ERR_X509_OK + 32) {
		return MH_ERR_CERT_INVALID;
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
	if (x509_failed_open) {
		return MH_ERR_CONFIG;
	}
	return map_error(br_ssl_engine_last_error(&client.eng));
}

static int tls_detail(void) {
	return br_ssl_engine_last_error(&client.eng);
}

unsigned tls_transport_version(void) {
	return br_ssl_engine_get_version(&client.eng);
}

/* issue 6: the engine, for session export and the resumed flag */
const br_ssl_engine_context *tls_transport_engine(void) {
	return &client.eng;
}

unsigned tls_transport_suite(void) {
	return client.eng.session.cipher_suite;
}

const transport_class tls_transport = {
	tls_state, tls_window, tls_ack,
	tls_flush, tls_close, tls_peer_eof,
	tls_error, tls_detail,
};
