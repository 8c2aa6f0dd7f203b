/* Our own faster crypto primitives, plugged into BearSSL's engine through
 * its implementation setters. One file per primitive under tls/crypto/; each
 * *_get() returns 0 when the build has no faster version for this target,
 * and BearSSL's portable implementation then stays in place. */
#ifndef MH_FAST_CRYPTO_H
#define MH_FAST_CRYPTO_H
#include "bearssl.h"

/* Four-block ChaCha20 in wasm SIMD (0 without -msimd128). */
br_chacha20_run chacha20_simd_get(void);

/* ChaCha20+Poly1305 AEAD with four-lane wasm SIMD Poly1305 (0 without
 * -msimd128). */
br_poly1305_run poly1305_simd_get(void);

/* AES-CTR (128, 192 and 256-bit keys), eight blocks per pass, bitsliced
 * in wasm SIMD (0 without -msimd128). */
const br_block_ctr_class *aes_ctr_simd_get(void);

/* GHASH, two blocks per step in wasm SIMD (0 without -msimd128). */
br_ghash ghash_simd_get(void);
/* ECDSA verification with br_ecdsa_vrfy's contract (DER signatures, as
 * br_ecdsa_i31_vrfy_asn1): our variable-time code for P-256, BearSSL's
 * br_ecdsa_i31_vrfy_asn1 for other curves. */
uint32_t p256_verify_asn1(const br_ec_impl *impl, const void *hash, size_t hash_len,
	const br_ec_public_key *pk, const void *sig, size_t sig_len);

/* The fastest implementation of each AEAD primitive in this build (the
 * TLS 1.3 engine's records use them directly). */
br_chacha20_run fast_crypto_chacha20(void);
br_poly1305_run fast_crypto_poly1305(void);
const br_block_ctr_class *fast_crypto_aes_ctr(void);
br_ghash fast_crypto_ghash(void);

/* Sets up AES-GCM and ChaCha20-Poly1305 records with the fastest
 * implementations this build has (instead of BearSSL's defaults). */
void fast_crypto_install(br_ssl_engine_context *eng);

#endif
