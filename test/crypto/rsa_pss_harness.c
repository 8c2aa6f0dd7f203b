/* Test-only export over tls/crypto/rsa_pss, linked into
 * build/crypto-test.wasm beside harness.c. Pointers are offsets into
 * harness.c's scratch. */
#include "crypto/rsa_pss.h"

#define EXPORT(name) __attribute__((export_name(#name)))

unsigned char *ht_scratch(void);

static unsigned char *at(unsigned offset) { return ht_scratch() + offset; }

/* The signature hashes of rsa_pss_rsae_sha256/384/512. */
static const br_hash_class *hash_of(int bits) {
	return bits == 384 ? &br_sha384_vtable : bits == 512 ? &br_sha512_vtable : &br_sha256_vtable;
}

/* rsa_pss_verify with the public key (n, e) given as big-endian bytes. */
EXPORT(ht_rsa_pss_verify)
int ht_rsa_pss_verify(unsigned sig, unsigned sig_len, int bits, unsigned msg_hash, unsigned salt_len,
	unsigned n, unsigned n_len, unsigned e, unsigned e_len)
{
	br_rsa_public_key pk = { at(n), n_len, at(e), e_len };
	return rsa_pss_verify(at(sig), sig_len, hash_of(bits), at(msg_hash), salt_len, &pk);
}
