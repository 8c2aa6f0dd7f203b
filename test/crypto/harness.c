/* Test-only exports over tls/crypto/ primitives, linked into
 * build/crypto-test.wasm by test/helpers/crypto-wasm.mjs (never into the
 * production module). Pointers are offsets into `scratch`. */
#include "crypto/fast_crypto.h"

#define EXPORT(name) __attribute__((export_name(#name)))

static unsigned char scratch[1 << 17] __attribute__((aligned(16)));

EXPORT(ht_scratch)
unsigned char *ht_scratch(void) { return scratch; }

EXPORT(ht_has_simd)
int ht_has_simd(void) { return chacha20_simd_get() != 0 && poly1305_simd_get() != 0; }

/* ChaCha20 over data in place; returns the next block counter. */
EXPORT(ht_chacha20)
uint32_t ht_chacha20(unsigned key, unsigned iv, uint32_t counter, unsigned data, unsigned len) {
	br_chacha20_run run = chacha20_simd_get();
	if (!run) run = &br_chacha20_ct_run;
	return run(scratch + key, scratch + iv, counter, scratch + data, len);
}

/* ChaCha20-Poly1305 AEAD in place, 16-byte tag written at tag: the
 * combination fast_crypto_install gives the engine. */
EXPORT(ht_chapol)
void ht_chapol(unsigned key, unsigned iv, unsigned data, unsigned len,
	unsigned aad, unsigned aad_len, unsigned tag, int encrypt)
{
	br_chacha20_run run = chacha20_simd_get();
	br_poly1305_run poly = poly1305_simd_get();
	if (!run) run = &br_chacha20_ct_run;
	if (!poly) poly = &br_poly1305_ctmul_run;
	poly(scratch + key, scratch + iv, scratch + data, len, scratch + aad, aad_len, scratch + tag, run, encrypt);
}

/* ECDSA verification of a DER signature by our p256_verify_asn1 (ours = 1)
 * or by BearSSL's br_ecdsa_i31_vrfy_asn1 (ours = 0), each given the curve
 * implementation the engine has for that curve. */
EXPORT(ht_ecdsa_verify)
uint32_t ht_ecdsa_verify(int ours, int curve, unsigned hash, unsigned hash_len,
	unsigned key, unsigned key_len, unsigned sig, unsigned sig_len)
{
	br_ec_public_key pk = { curve, scratch + key, key_len };
	const br_ec_impl *impl = curve == BR_EC_secp256r1 ? &br_ec_p256_m31 : &br_ec_prime_i31;
	br_ecdsa_vrfy verify = ours ? &p256_verify_asn1 : &br_ecdsa_i31_vrfy_asn1;
	return verify(impl, scratch + hash, hash_len, &pk, scratch + sig, sig_len);
}
