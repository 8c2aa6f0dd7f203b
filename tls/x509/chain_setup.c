#include <string.h>
#include "chain_setup.h"
#include "x509_policy.h"
#include "trust_store.h"
#include "core/wasi.h"
#include "core/profile.h"
#include "crypto/fast_crypto.h"
#include "crypto/rsa_public.h"
#include "tls12/ec_choice.h"

static br_x509_minimal_context x509;
static server_identity identity;
static char sni[256];

/* SHA-1 and MD5 are left out on purpose: certificates signed with them then
 * fail validation. SHA-224 is kept for the rare chain that uses it. */
static const struct {
	int id;
	const br_hash_class *impl;
} hashes[] = {
	{ br_sha256_ID, &br_sha256_vtable }, { br_sha384_ID, &br_sha384_vtable },
#if !MH_NO_SHA_224_512
	{ br_sha224_ID, &br_sha224_vtable }, { br_sha512_ID, &br_sha512_vtable },
#endif
};

/* Public keys below 2048 bits (256 bytes) are refused. */
#define MIN_RSA_BYTES 256

/* Days from 0000-01-01 (proleptic Gregorian, as BearSSL counts) to 1970-01-01. */
#define DAYS_TO_UNIX_EPOCH 719528

/* SNI carries DNS names only (RFC 6066 forbids IP literals); the name
 * check is the policy's, so the engines get the name for SNI alone. */
int chain_setup_identity(const char *name, size_t len) {
	if (server_identity_parse(&identity, name, len) != 0) {
		return -1;
	}
	sni[0] = 0;
	if (identity.type == IDENTITY_DNS) {
		memcpy(sni, identity.value, identity.len);
		sni[identity.len] = 0;
	}
	return 0;
}

const char *chain_setup_sni(void) {
	return sni[0] ? sni : NULL;
}

br_ecdsa_vrfy chain_setup_ecdsa(void) {
#if MH_COMPACT_CRYPTO
	return br_ecdsa_vrfy_asn1_get_default();
#else
	return &p256_verify_asn1;
#endif
}

const br_x509_class **chain_setup_start(int insecure) {
	br_x509_minimal_init(&x509, &br_sha256_vtable,
		trust_store_anchors(), trust_store_count());
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		br_x509_minimal_set_hash(&x509, hashes[i].id, hashes[i].impl);
	}
	br_x509_minimal_set_rsa(&x509, rsa_public_pkcs1_vrfy());
	br_x509_minimal_set_ecdsa(&x509, ec_choice(), chain_setup_ecdsa());
	br_x509_minimal_set_minrsa(&x509, MIN_RSA_BYTES);
	/* Dates are never skipped: without a plausible clock the days stay 0 and
	 * BearSSL fails with BR_ERR_X509_TIME_UNKNOWN. */
	int64_t now = wasi_unix_seconds();
	if (now >= 0) {
		br_x509_minimal_set_time(&x509,
			(uint32_t)(now / 86400) + DAYS_TO_UNIX_EPOCH, (uint32_t)(now % 86400));
	}
	return x509_policy_start(&x509, &identity, insecure);
}

void chain_setup_refresh_anchors(void) {
	x509.trust_anchors = trust_store_anchors();
	x509.trust_anchors_num = trust_store_count();
}

size_t chain_setup_state_bytes(void) {
	return sizeof x509 + sizeof identity + sizeof sni;
}
