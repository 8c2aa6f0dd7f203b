/* The ServerHello and the HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4):
 * the version, suite and key share the server chose, the handshake keys,
 * or a second ClientHello for another group. */
#include <string.h>
#include "engine.h"
#include "microhttps/spec.h"
#include "tls12/ec_choice.h"

#define EXT_KEY_SHARE 51
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_COOKIE 44
#define EXT_PRE_SHARED_KEY 41
#define EXT_MAX_FRAGMENT_LENGTH 1
#define EXT_RECORD_SIZE_LIMIT 28

/* SHA-256 of "HelloRetryRequest": the random of a HelloRetryRequest. */
static const unsigned char hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

/* What the hello says, gathered before anything is acted on. */
typedef struct {
	int retry;
	unsigned version;          /* from supported_versions, 0 when absent */
	unsigned suite;
	unsigned group;
	const unsigned char *share;
	size_t share_len;
	const unsigned char *cookie;
	size_t cookie_len;
	unsigned psk;              /* pre_shared_key's selected_identity + 1, 0 when absent */
} hello;

static unsigned be16(const unsigned char *p) {
	return (unsigned)p[0] << 8 | p[1];
}

static int fail(int err, int alert, int reason) {
	tls13_fail(err, alert);
	if (reason) t13->reason = reason;
	return -1;
}

static int read_extension(hello *h, unsigned type, const unsigned char *p, size_t len) {
	switch (type) {
	case EXT_SUPPORTED_VERSIONS:
		if (len != 2) return -1;
		h->version = be16(p);
		return 0;
	case EXT_KEY_SHARE:
		if (len < 2) return -1;
		h->group = be16(p);
		if (h->retry) return len == 2 ? 0 : -1;
		if (len < 4 || be16(p + 2) != len - 4) return -1;
		h->share = p + 4;
		h->share_len = len - 4;
		return 0;
	case EXT_COOKIE:
		if (!h->retry || len < 2 || be16(p) != len - 2 || len == 2) return -1;
		h->cookie = p + 2;
		h->cookie_len = len - 2;
		return 0;
	case EXT_PRE_SHARED_KEY:
		/* checked against our offer in accept_hello; never in a HelloRetryRequest */
		if (h->retry) return -2;
		if (len != 2) return -1;
		h->psk = be16(p) + 1;
		return 0;
	case EXT_MAX_FRAGMENT_LENGTH:
	case EXT_RECORD_SIZE_LIMIT:
		/* ours, but a TLS 1.3 server answers them in EncryptedExtensions */
		return -3;
	}
	/* anything we did not ask for */
	return -2;
}

/* Parses the fields; 0, or -1 with the failure recorded. */
static int parse(hello *h, const unsigned char *m, size_t len) {
	memset(h, 0, sizeof *h);
	const unsigned char *p = m + 4, *end = m + len;
	if (end - p < 35) return fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR, 0);
	unsigned legacy_version = be16(p);
	h->retry = memcmp(p + 2, hrr_random, 32) == 0;
	p += 34;
	size_t sid_len = *p++;
	if ((size_t)(end - p) < sid_len + 3) return fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR, 0);
	int sid_echoed = sid_len == t13->session_id_len && memcmp(p, t13->session_id, sid_len) == 0;
	p += sid_len;
	h->suite = be16(p);
	unsigned compression = p[2];
	p += 3;
	/* a TLS 1.2 hello may have no extensions at all */
	size_t ext_len = end - p >= 2 ? be16(p) : 0;
	if (end != p && (end - p < 2 || (size_t)(end - p - 2) != ext_len)) {
		return fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR, 0);
	}
	p += end != p ? 2 : 0;
	int unknown = 0, misplaced = 0;
	while (end - p >= 4) {
		unsigned type = be16(p), n = be16(p + 2);
		if ((size_t)(end - p) < 4u + n) return fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR, 0);
		int r = read_extension(h, type, p + 4, n);
		if (r == -1) return fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR, 0);
		unknown |= r == -2;
		misplaced |= r == -3;
		p += 4 + n;
	}
	if (p != end) return fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR, 0);
	t13->version = h->version ? h->version : legacy_version;
	if (h->version != 0x0304) {
		/* no TLS 1.3: the server speaks legacy_version (1.2 or older) */
		return fail(BR_ERR_UNSUPPORTED_VERSION, ALERT_PROTOCOL_VERSION,
			legacy_version == 0x0303 ? MH_REASON_SERVER_TLS12 : MH_REASON_SERVER_OLD_VERSION);
	}
	if (unknown) return fail(BR_ERR_EXTRA_EXTENSION, ALERT_UNSUPPORTED_EXTENSION, 0);
	/* §4.2: a known extension in a message it does not belong to */
	if (misplaced) return fail(BR_ERR_BAD_PARAM, ALERT_ILLEGAL_PARAMETER, 0);
	t13->suite = h->suite;
	if (!tls13_suite_offered(h->suite)) return fail(BR_ERR_BAD_CIPHER_SUITE, ALERT_ILLEGAL_PARAMETER, MH_REASON_SERVER_SUITE);
	if (!sid_echoed || compression != 0 || legacy_version != 0x0303) {
		return fail(BR_ERR_BAD_PARAM, ALERT_ILLEGAL_PARAMETER, 0);
	}
	return 0;
}

static void use_suite(unsigned suite) {
	tls13_engine *e = t13;
	e->suite = suite;
	e->hash = suite == TLS_AES_256_GCM_SHA384 ? &br_sha384_vtable : &br_sha256_vtable;
	e->key_len = suite == TLS_AES_128_GCM_SHA256 ? 16 : 32;
}

/* The shared secret of our key share and the server's, into out. */
static size_t shared_secret(const hello *h, unsigned char *out) {
	tls13_engine *e = t13;
	const br_ec_impl *ec = ec_choice();
	size_t want = e->group == BR_EC_curve25519 ? 32 : e->group == BR_EC_secp256r1 ? 65 : 97;
	if (h->share_len != want) return 0;
	unsigned char point[97];
	memcpy(point, h->share, want);
	if (!ec->mul(point, want, e->priv, e->priv_len, e->group)) return 0;
	size_t xlen;
	size_t xoff = ec->xoff(e->group, &xlen);
	memcpy(out, point + xoff, xlen);
	unsigned zero = 0;
	for (size_t i = 0; i < xlen; i++) zero |= out[i];
	return zero ? xlen : 0;
}

/* The transcript restarts with the hash of the first ClientHello (§4.4.1). */
static void restart_transcript(void) {
	tls13_engine *e = t13;
	unsigned char synthetic[4 + 48] = { HS_MESSAGE_HASH, 0, 0, 0 };
	size_t n = e->hash->desc >> BR_HASHDESC_OUT_OFF & BR_HASHDESC_OUT_MASK;
	tls13_transcript_hash(synthetic + 4);
	synthetic[3] = (unsigned char)n;
	e->hash->init(e->hash == &br_sha256_vtable ? &e->sha256.vtable : &e->sha384.vtable);
	tls13_transcript(synthetic, 4 + n);
}

static int retry(const hello *h, const unsigned char *m, size_t len) {
	tls13_engine *e = t13;
	int curve = tls13_group_curve(h->group);
	if (e->retried) return fail(BR_ERR_UNEXPECTED, ALERT_UNEXPECTED_MESSAGE, 0);
	if (curve == 0 || curve == e->group) return fail(BR_ERR_BAD_PARAM, ALERT_ILLEGAL_PARAMETER, 0);
	if (h->cookie_len > TLS13_COOKIE_MAX) return fail(BR_ERR_TOO_LARGE, ALERT_INTERNAL_ERROR, 0);
	e->retried = 1;
	use_suite(h->suite);
	restart_transcript();
	tls13_transcript(m, len);
	memcpy(e->cookie, h->cookie, h->cookie_len);
	e->cookie_len = h->cookie_len;
	/* middlebox compatibility: a ChangeCipherSpec before the second flight */
	e->ccs_sent = 1;
	if (tls13_queue(CT_CHANGE_CIPHER_SPEC, (const unsigned char *)"\1", 1) != 0) return -1;
	return tls13_client_hello_for(curve);
}

static int accept_hello(const hello *h, const unsigned char *m, size_t len) {
	tls13_engine *e = t13;
	unsigned char shared[48], th[48];
	if (e->retried && h->suite != e->suite) return fail(BR_ERR_BAD_PARAM, ALERT_ILLEGAL_PARAMETER, 0);
	if (tls13_psk_answer(h->psk, h->share != 0, h->suite) < 0) return -1;
	if (h->share == 0 || h->group == 0 || tls13_group_curve(h->group) != e->group) {
		return fail(BR_ERR_BAD_PARAM, ALERT_ILLEGAL_PARAMETER, 0);
	}
	use_suite(h->suite);
	size_t shared_len = shared_secret(h, shared);
	if (shared_len == 0) return fail(BR_ERR_INVALID_ALGORITHM, ALERT_ILLEGAL_PARAMETER, 0);
	tls13_transcript(m, len);
	tls13_transcript_hash(th);
	tls13_psk_early_secret(&e->schedule, e->hash);
	tls13_schedule_next(&e->schedule, shared, shared_len);
	memset(shared, 0, sizeof shared);
	memset(e->priv, 0, sizeof e->priv);
	tls13_derive_secret(&e->schedule, "c hs traffic", th, e->client_secret);
	tls13_derive_secret(&e->schedule, "s hs traffic", th, e->server_secret);
	tls13_set_keys(&e->rd, e->server_secret);
	tls13_set_keys(&e->wr, e->client_secret);
	e->state = ST_WAIT_ENCRYPTED_EXTENSIONS;
	return 0;
}

int tls13_server_hello(const unsigned char *m, size_t len) {
	hello h;
	if (parse(&h, m, len) != 0) return -1;
	return h.retry ? retry(&h, m, len) : accept_hello(&h, m, len);
}
