/* Test-only exports over tls/crypto/ primitives, linked into
 * build/crypto-test.wasm by test/helpers/crypto-wasm.mjs (never into the
 * production module). Pointers are offsets into `scratch`. */
#include "crypto/fast_crypto.h"

#define EXPORT(name) __attribute__((export_name(#name)))

static unsigned char scratch[1 << 17] __attribute__((aligned(16)));

EXPORT(ht_scratch)
unsigned char *ht_scratch(void) { return scratch; }

EXPORT(ht_has_simd)
int ht_has_simd(void) {
	return chacha20_simd_get() != 0 && poly1305_simd_get() != 0 && aes_ctr_simd_get() != 0
		&& ghash_simd_get() != 0;
}

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

/* The AES-CTR and GHASH the engine gets (fast != 0) or BearSSL's 64-bit
 * portable ones (fast == 0, the baseline for measurements). */
static const br_block_ctr_class *pick_aes_ctr(int fast) {
	const br_block_ctr_class *impl = fast ? aes_ctr_simd_get() : 0;
	return impl ? impl : &br_aes_ct64_ctr_vtable;
}

static br_ghash pick_ghash(int fast) {
	br_ghash impl = fast ? ghash_simd_get() : 0;
	return impl ? impl : &br_ghash_ctmul64;
}

/* AES-CTR over data in place (12-byte iv, 32-bit counter); returns the
 * next block counter. */
EXPORT(ht_aes_ctr)
uint32_t ht_aes_ctr(int fast, unsigned key, unsigned key_len, unsigned iv, uint32_t counter, unsigned data, unsigned len) {
	br_aes_gen_ctr_keys kc;
	const br_block_ctr_class *impl = pick_aes_ctr(fast);
	impl->init(&kc.vtable, scratch + key, key_len);
	return impl->run(&kc.vtable, scratch + iv, counter, scratch + data, len);
}

/* GHASH of data into the 16-byte y (in place) with key h. */
EXPORT(ht_ghash)
void ht_ghash(int fast, unsigned y, unsigned h, unsigned data, unsigned len) {
	pick_ghash(fast)(scratch + y, scratch + h, scratch + data, len);
}

/* AES-GCM (12-byte iv) in place through BearSSL's br_gcm with the chosen
 * AES-CTR and GHASH; the 16-byte tag is written at tag. */
EXPORT(ht_aes_gcm)
void ht_aes_gcm(int fast, unsigned key, unsigned key_len, unsigned iv, unsigned aad, unsigned aad_len,
	unsigned data, unsigned len, unsigned tag, int encrypt)
{
	br_aes_gen_ctr_keys kc;
	br_gcm_context gc;
	const br_block_ctr_class *impl = pick_aes_ctr(fast);
	impl->init(&kc.vtable, scratch + key, key_len);
	br_gcm_init(&gc, &kc.vtable, pick_ghash(fast));
	br_gcm_reset(&gc, scratch + iv, 12);
	br_gcm_aad_inject(&gc, scratch + aad, aad_len);
	br_gcm_flip(&gc);
	br_gcm_run(&gc, encrypt, scratch + data, len);
	br_gcm_get_tag(&gc, scratch + tag);
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
