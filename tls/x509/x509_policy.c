#include <string.h>
#include "x509_policy.h"
#include "trust_store.h"
#include "core/wasi.h"

static struct {
	const br_x509_class *vtable;       /* what the engine calls: ours */
	br_x509_minimal_context *inner;
	const server_identity *identity;
	int insecure;
	cert_reader reader;
	/* chain[MH_PEER_MAX_CERTS] is scratch for later certificates */
	cert_facts chain[MH_PEER_MAX_CERTS + 1];
	size_t cert_index;                 /* certificate being read */
	size_t trusted_through;            /* certificates up to the one an anchor vouched for */
	int inner_failed_at;               /* index where minimal failed, -1 if not */
	int reader_failed_at;              /* index our reader could not follow, -1 if not */
	int error, reason;                 /* our verdict */
	int offender;                      /* index of the certificate at fault, -1 if none */
	br_x509_decoder_context leaf_key;  /* insecure mode: the leaf's key, unvalidated */
	unsigned char pins[MH_PEER_MAX_PINS][32];
	size_t pin_count;
} policy;

static cert_facts *slot(size_t i) {
	return &policy.chain[i < MH_PEER_MAX_CERTS ? i : MH_PEER_MAX_CERTS];
}

static int inner_error(void) {
	return policy.inner->err;
}

/* Notes where minimal first failed, or that an anchor vouched for a certificate. */
static void watch_inner(void) {
	int err = inner_error();
	if (err == 0 || policy.inner_failed_at >= 0 || policy.trusted_through != 0) {
		return;
	}
	if (err == BR_ERR_X509_OK) {
		policy.trusted_through = policy.cert_index + 1;
	} else {
		policy.inner_failed_at = (int)policy.cert_index;
	}
}

/* Our reader stops with the first failure, so the offender's facts stay in
 * their slot even when it is past the summarised ones. */
static int reading(void) {
	return policy.insecure || (policy.inner_failed_at < 0 && policy.reader_failed_at < 0);
}

static void p_start_chain(const br_x509_class **ctx, const char *server_name) {
	(void)ctx;
	(void)server_name; /* our identity check replaces minimal's (no CN fallback) */
	policy.inner->vtable->start_chain(&policy.inner->vtable, NULL);
	policy.cert_index = 0;
	policy.trusted_through = 0;
	policy.inner_failed_at = -1;
	policy.reader_failed_at = -1;
	policy.error = 0;
	policy.reason = policy.insecure ? MH_REASON_INSECURE : MH_REASON_NONE;
	policy.offender = -1;
	br_x509_decoder_init(&policy.leaf_key, 0, 0);
}

static void p_start_cert(const br_x509_class **ctx, uint32_t length) {
	(void)ctx;
	policy.inner->vtable->start_cert(&policy.inner->vtable, length);
	watch_inner();
	if (reading()) {
		cert_reader_start(&policy.reader, slot(policy.cert_index),
			policy.cert_index == 0 ? policy.identity : 0, length);
	}
}

static void p_append(const br_x509_class **ctx, const unsigned char *buf, size_t len) {
	(void)ctx;
	if (reading()) {
		cert_reader_push(&policy.reader, buf, len);
	}
	if (policy.cert_index == 0 && policy.insecure) {
		br_x509_decoder_push(&policy.leaf_key, buf, len);
	}
	policy.inner->vtable->append(&policy.inner->vtable, buf, len);
	watch_inner();
}

static void p_end_cert(const br_x509_class **ctx) {
	(void)ctx;
	if (reading() && !cert_reader_finish(&policy.reader)) {
		policy.reader_failed_at = (int)policy.cert_index;
	}
	policy.inner->vtable->end_cert(&policy.inner->vtable);
	watch_inner();
	policy.cert_index++;
}

static void fail(int error, int reason, int offender) {
	if (policy.error == 0) {
		policy.error = error;
		policy.reason = reason;
		policy.offender = offender;
	}
}

static size_t summarised(void) {
	return policy.cert_index < MH_PEER_MAX_CERTS ? policy.cert_index : MH_PEER_MAX_CERTS;
}

/* Minimal says "expired" for both ends of the validity window: our own
 * reading of the dates tells which one was crossed. */
static int date_error(int index) {
	const cert_facts *f = slot((size_t)index);
	int64_t now = wasi_unix_seconds();
	if (f->dates_known && now >= 0 && now < f->not_before_unix) {
		return MH_ERR_CERT_NOT_YET_VALID;
	}
	return MH_ERR_CERT_EXPIRED;
}

/* Whether the certificate's issuer is, by name, one of our anchors: then
 * "not trusted" means its signature did not verify with that anchor's key. */
static int issued_by_anchor_name(int index) {
	const cert_facts *f = slot((size_t)index);
	const br_x509_trust_anchor *ta = trust_store_anchors();
	for (size_t i = 0; f->issuer_len != 0 && i < trust_store_count(); i++) {
		if (ta[i].dn.len == f->issuer_len && memcmp(ta[i].dn.data, f->issuer, f->issuer_len) == 0) {
			return 1;
		}
	}
	return 0;
}

/* BearSSL's buffers hold RSA keys and signatures up to 4096 bits; beyond that
 * it reports a limit or a malformed value, which would mislead. */
static int rsa_too_large(int index) {
	const cert_facts *f = slot((size_t)index);
	return f->rsa_key_bits > CERT_RSA_MAX_BITS || f->signature_bytes > CERT_RSA_MAX_BITS / 8;
}

static int chain_error(int err, int index) {
	switch (err) {
	case BR_ERR_X509_EXPIRED: return date_error(index);
	case BR_ERR_X509_TIME_UNKNOWN: return MH_ERR_CERT_TIME_UNKNOWN;
	case BR_ERR_X509_NOT_TRUSTED:
	case BR_ERR_X509_EMPTY_CHAIN:
		return MH_ERR_CERT_UNTRUSTED;
	}
	return MH_ERR_CERT_INVALID;
}

/* Whether a pin matches one of the certificates in the validated part of
 * the chain (all sent certificates when validation is skipped). */
static int pin_matches(size_t through) {
	for (size_t i = 0; i < through && i < summarised(); i++) {
		for (size_t p = 0; p < policy.pin_count; p++) {
			if (policy.chain[i].spki_known && memcmp(policy.chain[i].spki_sha256, policy.pins[p], 32) == 0) {
				return 1;
			}
		}
	}
	return 0;
}

/* The leaf must prove the requested identity, and may be used to serve. */
static void check_leaf(void) {
	const cert_facts *leaf = &policy.chain[0];
	if (leaf->eku_present && !leaf->eku_server_auth) {
		fail(MH_ERR_CERT_INVALID, MH_REASON_EKU_NO_SERVER_AUTH, 0);
	} else if (!leaf->identity_matched) {
		fail(MH_ERR_CERT_HOSTNAME_MISMATCH,
			leaf->has_name_san ? MH_REASON_NAME_NOT_IN_SAN : MH_REASON_NAME_NO_SAN, 0);
	}
}

/* The BearSSL error the engine records for our verdict. */
static unsigned engine_error(void) {
	int inner = inner_error();
	if (inner != 0 && inner != BR_ERR_X509_OK && policy.inner_failed_at >= 0) {
		return (unsigned)inner;
	}
	switch (policy.reason) {
	case MH_REASON_EKU_NO_SERVER_AUTH: return BR_ERR_X509_FORBIDDEN_KEY_USAGE;
	case MH_REASON_NAME_NO_SAN:
	case MH_REASON_NAME_NOT_IN_SAN: return BR_ERR_X509_BAD_SERVER_NAME;
	case MH_REASON_CERT_UNREADABLE: return BR_ERR_X509_LIMIT_EXCEEDED;
	}
	return BR_ERR_X509_NOT_TRUSTED;
}

static unsigned p_end_chain(const br_x509_class **ctx) {
	(void)ctx;
	unsigned inner = policy.inner->vtable->end_chain(&policy.inner->vtable);
	if (policy.insecure) {
		if (br_x509_decoder_get_pkey(&policy.leaf_key) == NULL) {
			fail(MH_ERR_CERT_INVALID, MH_REASON_CERT_UNREADABLE, 0);
			return BR_ERR_X509_INVALID_VALUE;
		}
		if (policy.pin_count > 0 && !pin_matches(policy.cert_index)) {
			fail(MH_ERR_CERT_UNTRUSTED, MH_REASON_PIN_MISMATCH, 0);
			return BR_ERR_X509_NOT_TRUSTED;
		}
		return 0;
	}
	if (inner != 0) {
		/* minimal fails the last certificate when no anchor vouched for the chain */
		int at = policy.inner_failed_at >= 0 ? policy.inner_failed_at : (int)policy.cert_index - 1;
		if (inner == BR_ERR_X509_NOT_TRUSTED && at >= 0 && issued_by_anchor_name(at)) {
			fail(MH_ERR_CERT_INVALID, MH_REASON_ANCHOR_SIGNATURE, at);
		}
		if (inner == BR_ERR_X509_UNSUPPORTED && at >= 0 && slot((size_t)at)->weak_signature_hash) {
			fail(MH_ERR_CERT_INVALID, MH_REASON_WEAK_SIGNATURE_HASH, at);
		}
		if (at >= 0 && rsa_too_large(at)) {
			fail(MH_ERR_CERT_INVALID, MH_REASON_RSA_KEY_TOO_LARGE, at);
		}
		fail(chain_error((int)inner, at), MH_REASON_NONE, at);
		return inner;
	}
	if (policy.reader_failed_at >= 0) {
		fail(MH_ERR_CERT_INVALID, MH_REASON_CERT_UNREADABLE, policy.reader_failed_at);
	} else {
		check_leaf();
		if (policy.error == 0 && policy.pin_count > 0 && !pin_matches(policy.trusted_through)) {
			fail(MH_ERR_CERT_UNTRUSTED, MH_REASON_PIN_MISMATCH, 0);
		}
	}
	return policy.error ? engine_error() : 0;
}

static const br_x509_pkey *p_get_pkey(const br_x509_class *const *ctx, unsigned *usages) {
	(void)ctx;
	if (policy.insecure) {
		if (usages) {
			*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
		}
		return br_x509_decoder_get_pkey(&policy.leaf_key);
	}
	return policy.inner->vtable->get_pkey(
		(const br_x509_class *const *)&policy.inner->vtable, usages);
}

static const br_x509_class policy_class = {
	sizeof policy, p_start_chain, p_start_cert, p_append, p_end_cert, p_end_chain, p_get_pkey,
};

const br_x509_class **x509_policy_start(br_x509_minimal_context *inner,
	const server_identity *identity, int insecure)
{
	policy.vtable = &policy_class;
	policy.inner = inner;
	policy.identity = identity;
	policy.insecure = insecure;
	policy.cert_index = 0;
	policy.error = 0;
	policy.reason = insecure ? MH_REASON_INSECURE : MH_REASON_NONE;
	policy.offender = -1;
	return &policy.vtable;
}

int x509_policy_add_pin(const unsigned char hash[32]) {
	if (policy.pin_count == MH_PEER_MAX_PINS) {
		return MH_ERR_CONFIG;
	}
	memcpy(policy.pins[policy.pin_count++], hash, 32);
	return 0;
}

/* A leaf RSA key a little above 4096 bits still fits BearSSL's certificate
 * buffers, then fails the handshake's signature check: the signature is too
 * long for its buffer, or its RSA code refuses the key. The failure is then
 * this key's size, not a bad signature. */
int x509_policy_leaf_key_too_large(int engine_error) {
	if ((engine_error != BR_ERR_LIMIT_EXCEEDED && engine_error != BR_ERR_BAD_SIGNATURE)
		|| policy.cert_index == 0 || policy.chain[0].rsa_key_bits <= CERT_RSA_MAX_BITS) {
		return 0;
	}
	fail(MH_ERR_CERT_INVALID, MH_REASON_RSA_KEY_TOO_LARGE, 0);
	return 1;
}

int x509_policy_error(void) {
	return policy.error;
}

int x509_policy_reason(void) {
	return policy.reason;
}

const unsigned char *x509_policy_offender_subject(size_t *len) {
	if (policy.offender < 0) {
		*len = 0;
		return 0;
	}
	const cert_facts *f = slot((size_t)policy.offender);
	*len = f->subject_len;
	return f->subject;
}

size_t x509_policy_peer_count(void) {
	return summarised();
}

const cert_facts *x509_policy_peer(size_t i) {
	return i < summarised() ? &policy.chain[i] : 0;
}

size_t x509_policy_state_bytes(void) {
	return sizeof policy;
}
