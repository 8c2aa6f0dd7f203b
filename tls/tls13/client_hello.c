/* The ClientHello (RFC 8446 §4.1.2), also the second one after a
 * HelloRetryRequest: TLS 1.3 only, one key share, middlebox compatibility
 * mode (a random legacy_session_id). Extension numbers: RFC 8446 §4.2,
 * RFC 6066, RFC 7301, RFC 8449. */
#include <string.h>
#include "engine.h"
#include "core/profile.h"
#include "core/wasi.h"
#include "core/suite_choice.h"
#include "microhttps/spec.h"
#include "tls12/ec_choice.h"

#define EXT_SERVER_NAME 0
#define EXT_MAX_FRAGMENT_LENGTH 1
#define EXT_SUPPORTED_GROUPS 10
#define EXT_SIGNATURE_ALGORITHMS 13
#define EXT_ALPN 16
#define EXT_RECORD_SIZE_LIMIT 28
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_COOKIE 44
#define EXT_PSK_KEY_EXCHANGE_MODES 45
#define EXT_SIGNATURE_ALGORITHMS_CERT 50
#define EXT_KEY_SHARE 51

#define GROUP_SECP256R1 0x0017
#define GROUP_SECP384R1 0x0018
#define GROUP_X25519 0x001d

/* ChaCha20 first where AES has no SIMD code (it is then 3-5x faster). Each
 * suite is the one of its family (MH_SUITE_*) a host may restrict the offer
 * to (suite_choice.h). */
static const struct {
	uint16_t id;
	unsigned family;
} suites[] = {
#if defined __wasm_simd128__ && !MH_COMPACT_CRYPTO
	{ TLS_AES_128_GCM_SHA256, MH_SUITE_AES_128_GCM },
	{ TLS_CHACHA20_POLY1305_SHA256, MH_SUITE_CHACHA20_POLY1305 },
#else
	{ TLS_CHACHA20_POLY1305_SHA256, MH_SUITE_CHACHA20_POLY1305 },
	{ TLS_AES_128_GCM_SHA256, MH_SUITE_AES_128_GCM },
#endif
#if !MH_NO_AES_256
	{ TLS_AES_256_GCM_SHA384, MH_SUITE_AES_256_GCM },
#endif
};
#define SUITE_COUNT (sizeof suites / sizeof suites[0])

/* What CertificateVerify may use: no rsa_pkcs1 (§4.4.3). */
static const uint16_t signature_schemes[] = { 0x0403, 0x0503, 0x0804, 0x0805, 0x0806 };
/* Certificates themselves are mostly PKCS#1 v1.5 signed. */
static const uint16_t cert_signature_schemes[] = {
	0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
#if !MH_NO_SHA_224_512
	0x0601,
#endif
};
static const uint16_t groups[] = {
	GROUP_X25519, GROUP_SECP256R1,
#if !MH_NO_LARGE_CURVES
	GROUP_SECP384R1,
#endif
};

static const unsigned char alpn_http11[] = { 0, 9, 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };

int tls13_suite_offered(unsigned suite) {
	for (size_t i = 0; i < SUITE_COUNT; i++) {
		if (suites[i].id == suite) return (suite_choice_mask() & suites[i].family) != 0;
	}
	return 0;
}

/* The suites of the families the host chose, in the order above. */
static size_t offer_suites(uint16_t *out) {
	size_t n = 0;
	for (size_t i = 0; i < SUITE_COUNT; i++) {
		if (suite_choice_mask() & suites[i].family) out[n++] = suites[i].id;
	}
	return n;
}

/* BR_EC_* curve of a named group we offer, or 0. */
int tls13_group_curve(unsigned group) {
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		if (groups[i] == group) {
			return group == GROUP_X25519 ? BR_EC_curve25519
				: group == GROUP_SECP256R1 ? BR_EC_secp256r1 : BR_EC_secp384r1;
		}
	}
	return 0;
}

static unsigned group_of(int curve) {
	return curve == BR_EC_curve25519 ? GROUP_X25519
		: curve == BR_EC_secp256r1 ? GROUP_SECP256R1 : GROUP_SECP384R1;
}

typedef struct {
	unsigned char *p;
	size_t n, cap;
} writer;

static void put(writer *w, const void *src, size_t len) {
	if (w->n + len <= w->cap) {
		memcpy(w->p + w->n, src, len);
	}
	w->n += len;
}

static void put16(writer *w, unsigned v) {
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };
	put(w, b, 2);
}

static void put16s(writer *w, const uint16_t *v, size_t count) {
	put16(w, (unsigned)(2 * count));
	for (size_t i = 0; i < count; i++) {
		put16(w, v[i]);
	}
}

/* A length field of `bytes` bytes filled in by close_length(). */
static size_t open_length(writer *w, size_t bytes) {
	size_t at = w->n;
	w->n += bytes;
	return at;
}

static void close_length(writer *w, size_t at, size_t bytes) {
	size_t len = w->n - at - bytes;
	for (size_t i = 0; i < bytes && at + bytes <= w->cap; i++) {
		w->p[at + i] = (unsigned char)(len >> (8 * (bytes - 1 - i)));
	}
}

/* A fresh private key for the curve and our public share into pub. */
static size_t key_share(int curve, unsigned char *pub) {
	tls13_engine *e = t13;
	e->group = curve;
	e->priv_len = curve == BR_EC_secp384r1 ? 48 : 32;
	if (wasi_entropy(e->priv, e->priv_len) != 0) {
		return 0;
	}
	/* below 2^255 (2^383), so below the group order for P-256 (P-384);
	 * X25519 clamps the scalar itself */
	e->priv[0] &= 0x7f;
	return ec_choice()->mulgen(pub, e->priv, e->priv_len, curve);
}

/* record_size_limit always (RFC 8449 §4: in TLS 1.3 it counts the inner
 * content type byte), max_fragment_length too below a full record buffer
 * (record_limit.c says why both). Before the place of a last extension. */
static void record_limits(writer *w) {
	unsigned limit = (unsigned)tls13_fragment_offered() + 1;
	unsigned char rsl[] = { 0, EXT_RECORD_SIZE_LIMIT, 0, 2, (unsigned char)(limit >> 8), (unsigned char)limit };
	put(w, rsl, sizeof rsl);
	unsigned code = tls13_mfl_code_offered();
	if (code) {
		unsigned char mfl[] = { 0, EXT_MAX_FRAGMENT_LENGTH, 0, 1, (unsigned char)code };
		put(w, mfl, sizeof mfl);
	}
}

static void extensions(writer *w, const unsigned char *pub, size_t pub_len) {
	tls13_engine *e = t13;
	const char *sni = e->sni;
	size_t sni_len = e->sni_len;
	if (sni_len) {
		put16(w, EXT_SERVER_NAME);
		put16(w, (unsigned)sni_len + 5);
		put16(w, (unsigned)sni_len + 3);
		put(w, "", 1); /* host_name */
		put16(w, (unsigned)sni_len);
		put(w, sni, sni_len);
	}
	static const unsigned char versions[] = { 0, EXT_SUPPORTED_VERSIONS, 0, 3, 2, 3, 4 };
	put(w, versions, sizeof versions);
	put16(w, EXT_SIGNATURE_ALGORITHMS);
	put16(w, (unsigned)sizeof signature_schemes + 2);
	put16s(w, signature_schemes, sizeof signature_schemes / sizeof signature_schemes[0]);
	put16(w, EXT_SIGNATURE_ALGORITHMS_CERT);
	put16(w, (unsigned)sizeof cert_signature_schemes + 2);
	put16s(w, cert_signature_schemes, sizeof cert_signature_schemes / sizeof cert_signature_schemes[0]);
	put16(w, EXT_SUPPORTED_GROUPS);
	put16(w, (unsigned)sizeof groups + 2);
	put16s(w, groups, sizeof groups / sizeof groups[0]);
	put16(w, EXT_KEY_SHARE);
	put16(w, (unsigned)pub_len + 6);
	put16(w, (unsigned)pub_len + 4);
	put16(w, group_of(e->group));
	put16(w, (unsigned)pub_len);
	put(w, pub, pub_len);
	static const unsigned char psk_modes[] = { 0, EXT_PSK_KEY_EXCHANGE_MODES, 0, 2, 1, 1 /* psk_dhe_ke */ };
	put(w, psk_modes, sizeof psk_modes);
	put16(w, EXT_ALPN);
	put16(w, sizeof alpn_http11);
	put(w, alpn_http11, sizeof alpn_http11);
	if (e->cookie_len) {
		put16(w, EXT_COOKIE);
		put16(w, (unsigned)e->cookie_len + 2);
		put16(w, (unsigned)e->cookie_len);
		put(w, e->cookie, e->cookie_len);
	}
	record_limits(w);
}

#if MH_TEST_HOOKS
/* Test builds only (test/helpers/engine-wasm.mjs, never a core): a recorded
 * ClientHello sent instead of ours, so that a trace (RFC 8448) replays
 * through the engine. Its key share must be the one the (scripted) entropy
 * gave key_share(); its legacy_session_id is the one to be echoed. */
static const unsigned char *replayed_hello;
static size_t replayed_hello_len;

void tls13_test_replay_hello(const unsigned char *m, size_t len) {
	replayed_hello = m;
	replayed_hello_len = len;
}

static int replay_hello(void) {
	tls13_engine *e = t13;
	size_t sid_len = replayed_hello[4 + 2 + 32];
	memcpy(e->session_id, replayed_hello + 4 + 2 + 32 + 1, sid_len);
	e->session_id_len = sid_len;
	tls13_transcript(replayed_hello, replayed_hello_len);
	return tls13_queue(CT_HANDSHAKE, replayed_hello, replayed_hello_len);
}
#endif

/* Writes the ClientHello for curve's key share into the output buffer. */
int tls13_client_hello_for(int curve) {
	tls13_engine *e = t13;
	unsigned char pub[133];
	size_t pub_len = key_share(curve, pub);
	if (pub_len == 0) {
		tls13_fail(BR_ERR_BAD_PARAM, ALERT_INTERNAL_ERROR);
		return -1;
	}
#if MH_TEST_HOOKS
	if (replayed_hello_len) return replay_hello();
#endif
	writer w = { e->out + e->out_len + TLS13_RECORD_HEADER, 0,
		e->out_cap - e->out_len - TLS13_RECORD_HEADER };
	put(&w, (const unsigned char[]){ HS_CLIENT_HELLO }, 1);
	size_t body = open_length(&w, 3);
	put16(&w, 0x0303);
	put(&w, e->client_random, 32);
	put(&w, (const unsigned char[]){ 32 }, 1);
	put(&w, e->session_id, 32);
	uint16_t offered[SUITE_COUNT];
	put16s(&w, offered, offer_suites(offered));
	put(&w, (const unsigned char[]){ 1, 0 }, 2);
	size_t exts = open_length(&w, 2);
	extensions(&w, pub, pub_len);
	close_length(&w, exts, 2);
	close_length(&w, body, 3);
	if (w.n > w.cap) {
		tls13_fail(BR_ERR_TOO_LARGE, ALERT_INTERNAL_ERROR);
		return -1;
	}
	w.n = tls13_psk_append(w.p, w.n, w.cap, exts);
	tls13_transcript(w.p, w.n);
	return tls13_queue(CT_HANDSHAKE, w.p, w.n);
}

int tls13_client_hello(void) {
	tls13_engine *e = t13;
	if (wasi_entropy(e->client_random, 32) != 0 || wasi_entropy(e->session_id, 32) != 0) {
		tls13_fail(BR_ERR_BAD_PARAM, ALERT_INTERNAL_ERROR);
		return -1;
	}
	e->session_id_len = 32;
	return tls13_client_hello_for(BR_EC_curve25519);
}
