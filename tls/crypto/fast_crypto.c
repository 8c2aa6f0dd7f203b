/* Chooses, per build, the fastest primitive of each kind for the engine. */
#include "fast_crypto.h"

void fast_crypto_install(br_ssl_engine_context *eng) {
	br_chacha20_run chacha = chacha20_simd_get();
	br_poly1305_run poly = poly1305_simd_get();
	if (chacha) {
		br_ssl_engine_set_chacha20(eng, chacha);
	}
	if (poly) {
		br_ssl_engine_set_poly1305(eng, poly);
	}
	/* BearSSL picks its 64-bit AES and GHASH only when `unsigned long` is
	 * 64 bits wide, which wasm32 is not; but wasm has native i64
	 * arithmetic, so the 64-bit bitsliced versions (four AES blocks per
	 * pass instead of two) are the faster portable code here. */
	br_ssl_engine_set_aes_ctr(eng, &br_aes_ct64_ctr_vtable);
	br_ssl_engine_set_ghash(eng, &br_ghash_ctmul64);
}
