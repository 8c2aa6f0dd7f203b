/* ChaCha20+Poly1305 AEAD (RFC 8439) whose Poly1305 runs four blocks at a
 * time in wasm SIMD.
 *
 * Poly1305 is h = (h + m) * r mod 2^130-5 per 16-byte block. Over a run of
 * blocks it equals four interleaved chains (blocks 4k, 4k+1, 4k+2, 4k+3),
 * each multiplied by r^4 per step and joined at the end as
 * c0 * r^4 + c1 * r^3 + c2 * r^2 + c3 * r. The chains are the four lanes
 * of the vectors; numbers are five 26-bit limbs, so a product is a
 * 32x32->64 multiply: i64x2.extmul_low/high_i32x4_u, which V8 compiles to
 * native pmuludq (a plain i64x2.mul would be emulated). Every sum fits in
 * 64 bits: no 128-bit arithmetic. Constant time: no branch or address
 * depends on secret data.
 *
 * Without -msimd128, poly1305_simd_get() returns 0 and BearSSL's
 * br_poly1305_ctmul_run (the same limbs, one block at a time) stays. */
#include <string.h>
#include "fast_crypto.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define LIMB_MASK 0x03FFFFFFu
#define HIBIT (1u << 24)   /* 2^128 in limb 4: set in every block */
#define GROUP 64           /* bytes of four blocks */

typedef struct {
	uint32_t v[5];
} limbs;

/* wasm is little-endian: one unaligned load (the builtin, because
 * -ffreestanding makes a plain memcpy an out-of-line call). */
static uint32_t load32(const unsigned char *p) {
	uint32_t x;
	__builtin_memcpy(&x, p, sizeof x);
	return x;
}

static void store32(unsigned char *p, uint32_t x) {
	__builtin_memcpy(p, &x, sizeof x);
}

static limbs block_limbs(const unsigned char *b) {
	limbs m = { {
		load32(b) & LIMB_MASK, (load32(b + 3) >> 2) & LIMB_MASK,
		(load32(b + 6) >> 4) & LIMB_MASK, (load32(b + 9) >> 6) & LIMB_MASK,
		(load32(b + 12) >> 8) | HIBIT,
	} };
	return m;
}

/* 64-bit column sums back to 26-bit limbs; limb 1 may keep a small excess,
 * which the next multiplication allows. */
static limbs carry(uint64_t w[5]) {
	for (int i = 0; i < 4; i++) {
		w[i + 1] += w[i] >> 26;
		w[i] &= LIMB_MASK;
	}
	w[0] += (w[4] >> 26) * 5;   /* 2^130 = 5 mod p */
	w[4] &= LIMB_MASK;
	w[1] += w[0] >> 26;
	w[0] &= LIMB_MASK;
	limbs h = { { (uint32_t)w[0], (uint32_t)w[1], (uint32_t)w[2], (uint32_t)w[3], (uint32_t)w[4] } };
	return h;
}

/* a * b mod 2^130-5, partially reduced: limbs of a*b at 2^130 and above
 * come back multiplied by 5. */
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

/* One block at a time, for short inputs, leftovers and the padded tail. */
static void absorb_blocks(limbs *h, const limbs *r, const unsigned char *p, size_t len) {
	while (len > 0) {
		unsigned char tmp[16] = { 0 };   /* zero padding, as the AEAD says */
		size_t n = len < 16 ? len : 16;
		memcpy(tmp, p, n);
		limbs m = block_limbs(tmp);
		for (int i = 0; i < 5; i++) {
			h->v[i] += m.v[i];
		}
		*h = mul(h, r);
		p += n;
		len -= n;
	}
}

/* Four lanes: limb i of four chains, and a multiplier with its 5x limbs. */
typedef struct {
	v128_t l[5];
} vlimbs;

typedef struct {
	v128_t m[5], m5[5];
} vfactor;

/* Limbs of four consecutive blocks, lane b = block b (a 4x4 transpose of
 * their 32-bit words, then the 26-bit cuts). */
static vlimbs group_limbs(const unsigned char *p) {
	v128_t b0 = wasm_v128_load(p), b1 = wasm_v128_load(p + 16);
	v128_t b2 = wasm_v128_load(p + 32), b3 = wasm_v128_load(p + 48);
	v128_t t0 = wasm_i32x4_shuffle(b0, b1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(b0, b1, 2, 6, 3, 7);
	v128_t t2 = wasm_i32x4_shuffle(b2, b3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(b2, b3, 2, 6, 3, 7);
	v128_t w0 = wasm_i64x2_shuffle(t0, t2, 0, 2), w1 = wasm_i64x2_shuffle(t0, t2, 1, 3);
	v128_t w2 = wasm_i64x2_shuffle(t1, t3, 0, 2), w3 = wasm_i64x2_shuffle(t1, t3, 1, 3);
	const v128_t mask = wasm_i32x4_splat(LIMB_MASK);
	vlimbs m = { {
		wasm_v128_and(w0, mask),
		wasm_v128_and(wasm_v128_or(wasm_u32x4_shr(w0, 26), wasm_i32x4_shl(w1, 6)), mask),
		wasm_v128_and(wasm_v128_or(wasm_u32x4_shr(w1, 20), wasm_i32x4_shl(w2, 12)), mask),
		wasm_v128_and(wasm_v128_or(wasm_u32x4_shr(w2, 14), wasm_i32x4_shl(w3, 18)), mask),
		wasm_v128_or(wasm_u32x4_shr(w3, 8), wasm_i32x4_splat(HIBIT)),
	} };
	return m;
}

static void vadd(vlimbs *a, const vlimbs *m) {
	for (int i = 0; i < 5; i++) {
		a->l[i] = wasm_i32x4_add(a->l[i], m->l[i]);
	}
}

/* Column k of a * f for the lanes picked by EXTMUL (low: lanes 0-1,
 * high: lanes 2-3), as two 64-bit sums. */
#define COLUMN(EXTMUL, k) ( \
	wasm_i64x2_add(wasm_i64x2_add(wasm_i64x2_add(wasm_i64x2_add( \
		EXTMUL(a->l[0], (k) >= 0 ? f->m[(k)] : f->m5[(k) + 5]), \
		EXTMUL(a->l[1], (k) - 1 >= 0 ? f->m[(k) - 1] : f->m5[(k) + 4])), \
		EXTMUL(a->l[2], (k) - 2 >= 0 ? f->m[(k) - 2] : f->m5[(k) + 3])), \
		EXTMUL(a->l[3], (k) - 3 >= 0 ? f->m[(k) - 3] : f->m5[(k) + 2])), \
		EXTMUL(a->l[4], (k) - 4 >= 0 ? f->m[(k) - 4] : f->m5[(k) + 1])))

/* Carries five u64x2 column sums back to 26-bit limbs (as u64x2). */
static void vcarry(v128_t w[5]) {
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
}

/* a = a * f per lane, partially reduced. */
static void vmul(vlimbs *a, const vfactor *f) {
	v128_t lo[5] = {
		COLUMN(wasm_u64x2_extmul_low_u32x4, 0), COLUMN(wasm_u64x2_extmul_low_u32x4, 1),
		COLUMN(wasm_u64x2_extmul_low_u32x4, 2), COLUMN(wasm_u64x2_extmul_low_u32x4, 3),
		COLUMN(wasm_u64x2_extmul_low_u32x4, 4),
	};
	v128_t hi[5] = {
		COLUMN(wasm_u64x2_extmul_high_u32x4, 0), COLUMN(wasm_u64x2_extmul_high_u32x4, 1),
		COLUMN(wasm_u64x2_extmul_high_u32x4, 2), COLUMN(wasm_u64x2_extmul_high_u32x4, 3),
		COLUMN(wasm_u64x2_extmul_high_u32x4, 4),
	};
	vcarry(lo);
	vcarry(hi);
	for (int i = 0; i < 5; i++) {
		/* the low 32 bits of the four u64 lanes, back in order */
		a->l[i] = wasm_i32x4_shuffle(lo[i], hi[i], 0, 2, 4, 6);
	}
}

static vfactor factor(const limbs *lane0, const limbs *lane1, const limbs *lane2, const limbs *lane3) {
	vfactor f;
	for (int i = 0; i < 5; i++) {
		f.m[i] = wasm_i32x4_make((int32_t)lane0->v[i], (int32_t)lane1->v[i], (int32_t)lane2->v[i], (int32_t)lane3->v[i]);
		f.m5[i] = wasm_i32x4_mul(f.m[i], wasm_i32x4_splat(5));
	}
	return f;
}

typedef struct {
	limbs r, r2, r3, r4;
} powers;

/* Absorbs whole groups of four blocks, four chains at a time; returns how
 * many bytes it took (none when there are too few for the join to pay). */
static size_t absorb_groups(limbs *h, const powers *pw, const unsigned char *p, size_t len) {
	size_t groups = len / GROUP;
	if (groups < 2) {
		return 0;
	}
	vlimbs a = group_limbs(p);
	a.l[0] = wasm_i32x4_add(a.l[0], wasm_i32x4_make((int32_t)h->v[0], 0, 0, 0));
	for (int i = 1; i < 5; i++) {
		a.l[i] = wasm_i32x4_add(a.l[i], wasm_i32x4_make((int32_t)h->v[i], 0, 0, 0));
	}
	vfactor step = factor(&pw->r4, &pw->r4, &pw->r4, &pw->r4);
	for (size_t g = 1; g < groups; g++) {
		vmul(&a, &step);
		vlimbs m = group_limbs(p + g * GROUP);
		vadd(&a, &m);
	}
	vfactor join = factor(&pw->r4, &pw->r3, &pw->r2, &pw->r);
	vmul(&a, &join);
	uint64_t w[5];
	for (int i = 0; i < 5; i++) {
		w[i] = (uint64_t)wasm_u32x4_extract_lane(a.l[i], 0) + wasm_u32x4_extract_lane(a.l[i], 1)
			+ wasm_u32x4_extract_lane(a.l[i], 2) + wasm_u32x4_extract_lane(a.l[i], 3);
	}
	*h = carry(w);
	return groups * GROUP;
}

static void absorb(limbs *h, const powers *pw, const unsigned char *p, size_t len) {
	size_t done = absorb_groups(h, pw, p, len);
	absorb_blocks(h, &pw->r, p + done, len - done);
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
	/* g = h + 5 - 2^130: if that does not borrow, h >= p and g is the answer */
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
	powers pw;
	/* r clamped as RFC 8439 section 2.5 says */
	pw.r = (limbs){ {
		load32(pkey) & 0x03FFFFFF, (load32(pkey + 3) >> 2) & 0x03FFFF03,
		(load32(pkey + 6) >> 4) & 0x03FFC0FF, (load32(pkey + 9) >> 6) & 0x03F03FFF,
		(load32(pkey + 12) >> 8) & 0x000FFFFF,
	} };
	pw.r2 = mul(&pw.r, &pw.r);
	pw.r3 = mul(&pw.r2, &pw.r);
	pw.r4 = mul(&pw.r2, &pw.r2);
	limbs h = { { 0 } };
	unsigned char lengths[16];
	uint64_t a = aad_len, d = len;
	__builtin_memcpy(lengths, &a, 8);
	__builtin_memcpy(lengths + 8, &d, 8);
	absorb(&h, &pw, aad, aad_len);
	absorb(&h, &pw, data, len);
	absorb_blocks(&h, &pw.r, lengths, sizeof lengths);
	finish(&h, pkey + 16, tag);
	memset(pkey, 0, sizeof pkey);
	memset(&pw, 0, sizeof pw);
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
