/* Sets up the engine's AEAD record layers with the fastest primitive of
 * each kind this build has. It replaces br_ssl_engine_set_default_aes_gcm
 * and _chapol, so their wasm32 choices (32-bit AES and GHASH) are not
 * linked in beside ours. The TLS 1.3 engine takes the same primitives. */
#include "fast_crypto.h"
#include "core/profile.h"

br_chacha20_run fast_crypto_chacha20(void) {
#ifdef __wasm_simd128__
	/* chosen at compile time, so that BearSSL's scalar versions are not
	 * linked into SIMD builds (the *_get() functions never fail there) */
	return chacha20_simd_get();
#else
	return &br_chacha20_ct_run;
#endif
}

br_poly1305_run fast_crypto_poly1305(void) {
#ifdef __wasm_simd128__
	return poly1305_simd_get();
#else
	/* The portable Poly1305 is BearSSL's br_poly1305_ctmul_run: 26-bit
	 * limbs with 64-bit products, which wasm32 has natively (BearSSL's
	 * default would pick it too, as it has no 128-bit multiply here). */
	return &br_poly1305_ctmul_run;
#endif
}

const br_block_ctr_class *fast_crypto_aes_ctr(void) {
#if defined __wasm_simd128__ && !MH_COMPACT_CRYPTO
	/* our eight-block bitsliced AES, chosen at compile time like ChaCha20 */
	return aes_ctr_simd_get();
#elif MH_COMPACT_CRYPTO
	/* smaller code: two blocks per pass */
	return &br_aes_ct_ctr_vtable;
#else
	/* BearSSL picks its 64-bit AES only when `unsigned long` is 64 bits
	 * wide, which wasm32 is not; but wasm has native i64 arithmetic, so the
	 * 64-bit bitsliced AES (four blocks per pass instead of two) is the
	 * faster portable code. */
	return &br_aes_ct64_ctr_vtable;
#endif
}

br_ghash fast_crypto_ghash(void) {
#if defined __wasm_simd128__ && !MH_COMPACT_CRYPTO
	return ghash_simd_get();
#elif MH_COMPACT_CRYPTO
	return &br_ghash_ctmul;
#else
	/* as for AES: the 64-bit GHASH suits wasm's native i64 */
	return &br_ghash_ctmul64;
#endif
}

void fast_crypto_install(br_ssl_engine_context *eng) {
	br_ssl_engine_set_chapol(eng, &br_sslrec_in_chapol_vtable, &br_sslrec_out_chapol_vtable);
	br_ssl_engine_set_chacha20(eng, fast_crypto_chacha20());
	br_ssl_engine_set_poly1305(eng, fast_crypto_poly1305());
	br_ssl_engine_set_gcm(eng, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
	br_ssl_engine_set_aes_ctr(eng, fast_crypto_aes_ctr());
	br_ssl_engine_set_ghash(eng, fast_crypto_ghash());
}
