/* ChaCha20+Poly1305 AEAD (RFC 8439) whose Poly1305 runs two blocks at a
 * time in wasm SIMD.
 *
 * Poly1305 is h = (h + m) * r mod 2^130-5 per 16-byte block. Over a run of
 * blocks m0, m1, m2, m3, ... it equals two interleaved chains, one for the
 * even and one for the odd blocks, each multiplied by r^2 per step, joined
 * at the end as even * r^2 + odd * r. The two chains sit in lanes 0 and 1
 * of the vectors, so one i64x2 extended multiply does the work of two scalar
 * 32x32->64 products. Numbers use five 26-bit limbs: every product and sum
 * fits in 64 bits, so no 128-bit arithmetic is needed. Constant time: no
 * branch or address depends on secret data.
 *
 * Without -msimd128, poly1305_simd_get() returns 0 and BearSSL's
 * br_poly1305_ctmul_run (the same 26-bit limbs, one block at a time) stays. */
#include <string.h>
#include "fast_crypto.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define LIMB_MASK 0x03FFFFFFu
#define HIBIT (1u << 24)   /* 2^128 in limb 4: appended to every full block */

typedef struct {
	uint32_t v[5];
} limbs;

static uint32_t load32(const unsigned char *p) {
	uint32_t x;
	memcpy(&x, p, sizeof x);   /* wasm is little-endian; one unaligned load */
	return x;
}

static void store32(unsigned char *p, uint32_t x) {
	memcpy(p, &x, sizeof x);
}

/* A 16-byte block as limbs; hibit is HIBIT for message blocks. */
static limbs block_limbs(const unsigned char *b, uint32_t hibit) {
	limbs m = { {
		load32(b) & LIMB_MASK, (load32(b + 3) >> 2) & LIMB_MASK,
		(load32(b + 6) >> 4) & LIMB_MASK, (load32(b + 9) >> 6) & LIMB_MASK,
		(load32(b + 12) >> 8) | hibit,
	} };
	return m;
}

/* Products of 64-bit partial sums, carried back to 26-bit limbs (limb 1
 * may keep a small excess, as the next multiplication allows). */
static limbs carry(uint64_t w[5]) {
	limbs h;
	for (int i = 0; i < 4; i++) {
		w[i + 1] += w[i] >> 26;
		h.v[i] = (uint32_t)w[i] & LIMB_MASK;
	}
	h.v[4] = (uint32_t)w[4] & LIMB_MASK;
	h.v[0] += (uint32_t)(w[4] >> 26) * 5;
	h.v[1] += h.v[0] >> 26;
	h.v[0] &= LIMB_MASK;
	return h;
}

/* a * b mod 2^130-5, partially reduced: 2^130 = 5, so the limbs of a*b that
 * land at 2^130 and above come back multiplied by 5. */
static limbs mul(const limbs *a, const limbs *b) {
	uint64_t w[5];
	for (int k = 0; k < 5; k++) {
		w[k] = 0;
		for (int i = 0; i < 5; i++) {
			int j = k - i;
			uint32_t bj = j >= 0 ? b->v[j] : b->v[j + 5] * 5;
			w[k] += (uint64_t)a->v[i] * bj;
		}
	}
	return carry(w);
}

static void add(limbs *h, const limbs *m) {
	for (int i = 0; i < 5; i++) {
		h->v[i] += m->v[i];
	}
}

/* One block at a time, for short inputs, odd leftovers and padded tails. */
static void absorb_blocks(limbs *h, const limbs *r, const unsigned char *p, size_t len) {
	while (len >= 16) {
		limbs m = block_limbs(p, HIBIT);
		add(h, &m);
		*h = mul(h, r);
		p += 16;
		len -= 16;
	}
	if (len > 0) {
		/* zero-padded to 16 bytes, as the AEAD construction says (the
		 * 2^128 bit is still set: the padding is part of the block) */
		unsigned char tmp[16] = { 0 };
		memcpy(tmp, p, len);
		limbs m = block_limbs(tmp, HIBIT);
		add(h, &m);
		*h = mul(h, r);
	}
}

/* Lane 0 and lane 1 of limb i, as the low halves of a u32x4. */
static v128_t lanes(uint32_t even, uint32_t odd) {
	return wasm_i32x4_make((int32_t)even, (int32_t)odd, 0, 0);
}

/* Vector step: a = a * m (per lane) with the 5x-folded limbs s = 5 * m,
 * carried back to 26-bit limbs per lane. */
static void vmul(v128_t a[5], const v128_t m[5], const v128_t s[5]) {
	v128_t w[5];
	for (int k = 0; k < 5; k++) {
		w[k] = wasm_u64x2_extmul_low_u32x4(a[0], m[k]);
		for (int i = 1; i < 5; i++) {
			int j = k - i;
			w[k] = wasm_i64x2_add(w[k], wasm_u64x2_extmul_low_u32x4(a[i], j >= 0 ? m[j] : s[j + 5]));
		}
	}
	const v128_t mask = wasm_i64x2_splat(LIMB_MASK);
	for (int i = 0; i < 4; i++) {
		w[i + 1] = wasm_i64x2_add(w[i + 1], wasm_u64x2_shr(w[i], 26));
		w[i] = wasm_v128_and(w[i], mask);
	}
	v128_t c = wasm_u64x2_shr(w[4], 26);
	w[4] = wasm_v128_and(w[4], mask);
	w[0] = wasm_i64x2_add(w[0], wasm_i64x2_add(wasm_i64x2_shl(c, 2), c));
	w[1] = wasm_i64x2_add(w[1], wasm_u64x2_shr(w[0], 26));
	w[0] = wasm_v128_and(w[0], mask);
	for (int i = 0; i < 5; i++) {
		/* u64 lanes back to u32 lanes 0 and 1 */
		a[i] = wasm_i32x4_shuffle(w[i], w[i], 0, 2, 0, 2);
	}
}

static void vadd_blocks(v128_t a[5], const unsigned char *p) {
	limbs even = block_limbs(p, HIBIT), odd = block_limbs(p + 16, HIBIT);
	for (int i = 0; i < 5; i++) {
		a[i] = wasm_i32x4_add(a[i], lanes(even.v[i], odd.v[i]));
	}
}

static void lane_pair(v128_t m[5], v128_t s[5], const limbs *even, const limbs *odd) {
	for (int i = 0; i < 5; i++) {
		m[i] = lanes(even->v[i], odd->v[i]);
		s[i] = lanes(even->v[i] * 5, odd->v[i] * 5);
	}
}

/* Absorbs all full 32-byte pairs of blocks two chains at a time; returns
 * how many bytes it took. */
static size_t absorb_pairs(limbs *h, const limbs *r, const limbs *r2, const unsigned char *p, size_t len) {
	size_t pairs = len / 32;
	if (pairs < 2) {
		return 0;
	}
	v128_t a[5], m[5], s[5];
	for (int i = 0; i < 5; i++) {
		a[i] = lanes(h->v[i], 0);
	}
	vadd_blocks(a, p);
	lane_pair(m, s, r2, r2);
	for (size_t k = 1; k < pairs; k++) {
		vmul(a, m, s);
		vadd_blocks(a, p + 32 * k);
	}
	/* join: even chain * r^2 + odd chain * r */
	lane_pair(m, s, r2, r);
	vmul(a, m, s);
	uint64_t w[5];
	for (int i = 0; i < 5; i++) {
		w[i] = (uint64_t)wasm_u32x4_extract_lane(a[i], 0) + wasm_u32x4_extract_lane(a[i], 1);
	}
	*h = carry(w);
	return pairs * 32;
}

static void absorb(limbs *h, const limbs *r, const limbs *r2, const unsigned char *p, size_t len) {
	size_t done = absorb_pairs(h, r, r2, p, len);
	absorb_blocks(h, r, p + done, len - done);
}

/* Fully reduces h mod 2^130-5 and writes (h + s) mod 2^128. */
static void finish(limbs *h, const unsigned char *s, unsigned char *tag) {
	/* two carry passes: the first may fold a carry from 2^130 back into
	 * limb 0; after the second, h < 2^130 */
	for (int pass = 0; pass < 2; pass++) {
		uint32_t c = 0;
		for (int i = 0; i < 5; i++) {
			h->v[i] += c;
			c = h->v[i] >> 26;
			h->v[i] &= LIMB_MASK;
		}
		h->v[0] += c * 5;
	}
	/* g = h + 5 - 2^130: if it does not borrow, h >= p and g is the answer */
	uint32_t g[5], c = 5;
	for (int i = 0; i < 5; i++) {
		g[i] = h->v[i] + c;
		c = g[i] >> 26;
		g[i] &= LIMB_MASK;
	}
	uint32_t use_g = 0u - c;   /* all ones when h + 5 reached 2^130 */
	for (int i = 0; i < 5; i++) {
		h->v[i] = (g[i] & use_g) | (h->v[i] & ~use_g);
	}
	uint32_t words[4] = {
		h->v[0] | (h->v[1] << 26), (h->v[1] >> 6) | (h->v[2] << 20),
		(h->v[2] >> 12) | (h->v[3] << 14), (h->v[3] >> 18) | (h->v[4] << 8),
	};
	uint64_t acc = 0;
	for (int i = 0; i < 4; i++) {
		acc += (uint64_t)words[i] + load32(s + 4 * i);
		store32(tag + 4 * i, (uint32_t)acc);
		acc >>= 32;
	}
}

static void poly1305_simd_run(const void *key, const void *iv, void *data, size_t len,
	const void *aad, size_t aad_len, void *tag, br_chacha20_run ichacha, int encrypt)
{
	unsigned char pkey[32] = { 0 };
	ichacha(key, iv, 0, pkey, sizeof pkey);   /* block 0 keys the MAC */
	if (encrypt) {
		ichacha(key, iv, 1, data, len);         /* the MAC covers the ciphertext */
	}
	/* clamp r as RFC 8439 section 2.5 says */
	limbs r = { {
		load32(pkey) & 0x03FFFFFF, (load32(pkey + 3) >> 2) & 0x03FFFF03,
		(load32(pkey + 6) >> 4) & 0x03FFC0FF, (load32(pkey + 9) >> 6) & 0x03F03FFF,
		(load32(pkey + 12) >> 8) & 0x000FFFFF,
	} };
	limbs r2 = mul(&r, &r);
	limbs h = { { 0 } };
	unsigned char lengths[16];
	uint64_t a = aad_len, d = len;
	memcpy(lengths, &a, 8);
	memcpy(lengths + 8, &d, 8);
	absorb(&h, &r, &r2, aad, aad_len);
	absorb(&h, &r, &r2, data, len);
	absorb_blocks(&h, &r, lengths, sizeof lengths);
	finish(&h, pkey + 16, tag);
	memset(pkey, 0, sizeof pkey);
	if (!encrypt) {
		ichacha(key, iv, 1, data, len);
	}
}

br_poly1305_run poly1305_simd_get(void) {
	return &poly1305_simd_run;
}

#else

br_poly1305_run poly1305_simd_get(void) {
	return 0;
}

#endif
