/* Sets up the engine's AEAD record layers with the fastest primitive of
 * each kind this build has. It replaces br_ssl_engine_set_default_aes_gcm
 * and _chapol, so their wasm32 choices (32-bit AES and GHASH) are not
 * linked in beside ours. */
#include "fast_crypto.h"
#include "core/profile.h"

void fast_crypto_install(br_ssl_engine_context *eng) {
	br_ssl_engine_set_chapol(eng, &br_sslrec_in_chapol_vtable, &br_sslrec_out_chapol_vtable);
#ifdef __wasm_simd128__
	/* chosen at compile time, so that BearSSL's scalar versions are not
	 * linked into SIMD builds (the *_get() functions never fail there) */
	br_ssl_engine_set_chacha20(eng, chacha20_simd_get());
	br_ssl_engine_set_poly1305(eng, poly1305_simd_get());
#else
	br_ssl_engine_set_chacha20(eng, &br_chacha20_ct_run);
	/* The portable Poly1305 is BearSSL's br_poly1305_ctmul_run: 26-bit
	 * limbs with 64-bit products, which wasm32 has natively (BearSSL's
	 * default would pick it too, as it has no 128-bit multiply here). */
	br_ssl_engine_set_poly1305(eng, &br_poly1305_ctmul_run);
#endif

	br_ssl_engine_set_gcm(eng, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
#if defined __wasm_simd128__ && !MH_COMPACT_CRYPTO
	/* our eight-block bitsliced AES and two-block GHASH, chosen at compile
	 * time like ChaCha20 above */
	br_ssl_engine_set_aes_ctr(eng, aes_ctr_simd_get());
	br_ssl_engine_set_ghash(eng, ghash_simd_get());
#elif MH_COMPACT_CRYPTO
	/* smaller code: two blocks per pass and 32-bit GHASH */
	br_ssl_engine_set_aes_ctr(eng, &br_aes_ct_ctr_vtable);
	br_ssl_engine_set_ghash(eng, &br_ghash_ctmul);
#else
	/* BearSSL picks its 64-bit AES and GHASH only when `unsigned long` is
	 * 64 bits wide, which wasm32 is not; but wasm has native i64
	 * arithmetic, so the 64-bit bitsliced AES (four blocks per pass
	 * instead of two) and 64-bit GHASH are the faster portable code. */
	br_ssl_engine_set_aes_ctr(eng, &br_aes_ct64_ctr_vtable);
	br_ssl_engine_set_ghash(eng, &br_ghash_ctmul64);
#endif
}
