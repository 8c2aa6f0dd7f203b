/* Test-only exports over tls/crypto/rsa_public, linked into
 * build/crypto-test.wasm beside harness.c. Pointers are offsets into
 * harness.c's scratch. */
#include "crypto/rsa_public.h"

#define EXPORT(name) __attribute__((export_name(#name)))

unsigned char *ht_scratch(void);

static unsigned char *at(unsigned offset) { return ht_scratch() + offset; }

/* x^e mod n in place with ours (fast != 0) or BearSSL's i31 public
 * operation (the engine's choice before ours: the reference and the
 * baseline for measurements). */
EXPORT(ht_rsa_public)
int ht_rsa_public(int fast, unsigned x, unsigned x_len, unsigned n, unsigned n_len, unsigned e, unsigned e_len) {
	br_rsa_public_key pk = { at(n), n_len, at(e), e_len };
	return (int)(fast ? rsa_public : br_rsa_i31_public)(at(x), x_len, &pk);
}

/* The DigestInfo OID of SHA-256/384/512 by output bits; none for 0. */
static const unsigned char *oid_of(int bits) {
	return bits == 256 ? BR_HASH_OID_SHA256 : bits == 384 ? BR_HASH_OID_SHA384
		: bits == 512 ? BR_HASH_OID_SHA512 : 0;
}

/* rsa_pkcs1_vrfy; the hash the signature carries goes to hash_out. */
EXPORT(ht_rsa_pkcs1_vrfy)
int ht_rsa_pkcs1_vrfy(unsigned sig, unsigned sig_len, int oid_bits, unsigned hash_len, unsigned hash_out,
	unsigned n, unsigned n_len, unsigned e, unsigned e_len)
{
	br_rsa_public_key pk = { at(n), n_len, at(e), e_len };
	return (int)rsa_pkcs1_vrfy(at(sig), sig_len, oid_of(oid_bits), hash_len, &pk, at(hash_out));
}
