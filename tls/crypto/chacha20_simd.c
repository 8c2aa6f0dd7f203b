/* ChaCha20 (RFC 8439), four blocks at a time in wasm SIMD.
 *
 * Each of the 16 state words lives in one v128 whose four lanes belong to
 * four consecutive blocks (counters cc..cc+3), so a quarter round is a few
 * vector adds, xors and rotates with no shuffling between rounds; a 4x4
 * transpose at the end turns lanes back into keystream bytes. Constant time:
 * no branch or address depends on the key or the data.
 *
 * Compiled only when the compiler targets wasm SIMD (-msimd128); without it
 * chacha20_simd_get() returns 0 and BearSSL's br_chacha20_ct_run stays. */
#include <string.h>
#include "fast_crypto.h"
#include "ctr_passes.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define BLOCK 64
#define LANES 4

static inline v128_t rotl(v128_t x, int n) {
	return wasm_v128_or(wasm_i32x4_shl(x, n), wasm_u32x4_shr(x, 32 - n));
}

/* Rotations by 16 and 8 move whole bytes: one byte shuffle each. */
static inline v128_t rotl16(v128_t x) {
	return wasm_i8x16_shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}

static inline v128_t rotl8(v128_t x) {
	return wasm_i8x16_shuffle(x, x, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
}

#define QROUND(a, b, c, d) do { \
	s[a] = wasm_i32x4_add(s[a], s[b]); s[d] = rotl16(wasm_v128_xor(s[d], s[a])); \
	s[c] = wasm_i32x4_add(s[c], s[d]); s[b] = rotl(wasm_v128_xor(s[b], s[c]), 12); \
	s[a] = wasm_i32x4_add(s[a], s[b]); s[d] = rotl8(wasm_v128_xor(s[d], s[a])); \
	s[c] = wasm_i32x4_add(s[c], s[d]); s[b] = rotl(wasm_v128_xor(s[b], s[c]), 7); \
} while (0)

/* XORs data (LANES * BLOCK bytes, or a partial tail copied in) with the
 * keystream of blocks cc..cc+3 whose input state is in[16]. */
static void four_blocks(const v128_t in[16], unsigned char *data) {
	v128_t s[16];
	for (int i = 0; i < 16; i++) {
		s[i] = in[i];   /* element by element: the state stays in wasm locals */
	}
	for (int i = 0; i < 10; i++) {
		QROUND(0, 4, 8, 12); QROUND(1, 5, 9, 13);
		QROUND(2, 6, 10, 14); QROUND(3, 7, 11, 15);
		QROUND(0, 5, 10, 15); QROUND(1, 6, 11, 12);
		QROUND(2, 7, 8, 13); QROUND(3, 4, 9, 14);
	}
	for (int w = 0; w < 16; w += 4) {
		v128_t a = wasm_i32x4_add(s[w], in[w]), b = wasm_i32x4_add(s[w + 1], in[w + 1]);
		v128_t c = wasm_i32x4_add(s[w + 2], in[w + 2]), d = wasm_i32x4_add(s[w + 3], in[w + 3]);
		/* transpose: lane j of words w..w+3 is bytes 4w..4w+15 of block j */
		v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
		v128_t cd_lo = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), cd_hi = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
		v128_t blk[LANES] = {
			wasm_i64x2_shuffle(ab_lo, cd_lo, 0, 2), wasm_i64x2_shuffle(ab_lo, cd_lo, 1, 3),
			wasm_i64x2_shuffle(ab_hi, cd_hi, 0, 2), wasm_i64x2_shuffle(ab_hi, cd_hi, 1, 3),
		};
		for (int j = 0; j < LANES; j++) {
			unsigned char *p = data + j * BLOCK + 4 * w;
			wasm_v128_store(p, wasm_v128_xor(wasm_v128_load(p), blk[j]));
		}
	}
}

/* One pass: blocks cc..cc+3 of the input state `in` (its word 12, the
 * counter, is set here). */
static void chacha20_pass(const void *state, uint32_t cc, unsigned char *data) {
	const v128_t *in = state;
	v128_t s[16];
	for (int i = 0; i < 16; i++) {
		s[i] = in[i];
	}
	s[12] = wasm_i32x4_add(wasm_i32x4_splat((int32_t)cc), wasm_i32x4_make(0, 1, 2, 3));
	four_blocks(s, data);
}

static uint32_t chacha20_simd_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len) {
	static const uint32_t sigma[4] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	const unsigned char *k = key, *n = iv;
	v128_t in[16];
	for (int i = 0; i < 4; i++) {
		in[i] = wasm_i32x4_splat((int32_t)sigma[i]);
	}
	for (int i = 0; i < 8; i++) {
		in[4 + i] = wasm_v128_load32_splat(k + 4 * i);
	}
	in[12] = wasm_i64x2_splat(0);
	for (int i = 0; i < 3; i++) {
		in[13 + i] = wasm_v128_load32_splat(n + 4 * i);
	}
	ctr_passes(&chacha20_pass, in, cc, LANES * BLOCK, LANES, data, len);
	/* a partial block still consumes a counter value, as in BearSSL's own
	 * implementations */
	return cc + (uint32_t)((len + BLOCK - 1) / BLOCK);
}

br_chacha20_run chacha20_simd_get(void) {
	return &chacha20_simd_run;
}

#else

br_chacha20_run chacha20_simd_get(void) {
	return 0;
}

#endif
