/* GHASH (NIST SP 800-38D) in wasm SIMD, two blocks per step:
 * Y <- (Y ^ X1) H^2 ^ X2 H, each lane of the vectors carrying one of the
 * two products, so both share one reduction.
 *
 * wasm has no carry-less multiply. A 32x32 carry-less product comes from
 * ordinary 32x32->64 products (i64x2.extmul_*_i32x4_u) of operands split
 * into four "slices" that keep every fourth bit: a bit of a slice product
 * sums at most 8 one-bit terms, so its carries stay in the three bits above
 * it, which belong to other slices and are masked off; the parity that is
 * left is the carry-less result. 128x128 products use two levels of
 * Karatsuba (nine 32x32 products). Constant time: only multiplies, masks,
 * shifts and shuffles, no branch or address on the data or on H.
 *
 * Blocks are handled as 128-bit big-endian integers (GHASH's bit order
 * reversed, "reflected"); multiplying reflected operands gives the
 * reflected product shifted by one bit, which is absorbed by using H / x
 * instead of H (see over_x).
 *
 * Compiled only when the compiler targets wasm SIMD (-msimd128); without it
 * ghash_simd_get() returns 0 and BearSSL's br_ghash_ctmul64 stays. */
#include <string.h>
#include "fast_crypto.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define LIMBS 9     /* 32-bit operands of the two Karatsuba levels */
#define XOR wasm_v128_xor
#define AND wasm_v128_and

/* The multiplier side, fixed for a whole run: for each limb t and result
 * slice c, the H slices that pair with the data slices of lanes 0..3 of
 * lo (slices 0 and 1) and hi (slices 2 and 3). */
typedef struct {
	v128_t lo[LIMBS][4], hi[LIMBS][4];
} hkey;

/* A block in memory as a 128-bit integer (lane 0 least significant). */
static inline v128_t load_block(const unsigned char *p) {
	v128_t v = wasm_v128_load(p);
	return wasm_i8x16_shuffle(v, v, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
}

static inline void store_block(unsigned char *p, v128_t v) {
	wasm_v128_store(p, wasm_i8x16_shuffle(v, v, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
}

/* The nine Karatsuba limbs of a (32-bit lanes a0..a3), for two operands
 * side by side: limb t of u goes to lanes 0 and 2, of w to lanes 1 and 3.
 * Limbs: a0, a1, a0^a1, a2, a3, a2^a3, a0^a2, a1^a3, a0^a1^a2^a3. */
static inline void limbs(v128_t u, v128_t w, v128_t out[LIMBS]) {
	v128_t us = XOR(u, wasm_i32x4_shuffle(u, u, 2, 3, 0, 1)), ws = XOR(w, wasm_i32x4_shuffle(w, w, 2, 3, 0, 1));
	v128_t up = XOR(u, wasm_i32x4_shuffle(u, u, 1, 0, 3, 2)), wp = XOR(w, wasm_i32x4_shuffle(w, w, 1, 0, 3, 2));
	v128_t usp = XOR(us, wasm_i32x4_shuffle(us, us, 1, 0, 3, 2)), wsp = XOR(ws, wasm_i32x4_shuffle(ws, ws, 1, 0, 3, 2));
	out[0] = wasm_i32x4_shuffle(u, w, 0, 4, 0, 4);
	out[1] = wasm_i32x4_shuffle(u, w, 1, 5, 1, 5);
	out[2] = wasm_i32x4_shuffle(up, wp, 0, 4, 0, 4);
	out[3] = wasm_i32x4_shuffle(u, w, 2, 6, 2, 6);
	out[4] = wasm_i32x4_shuffle(u, w, 3, 7, 3, 7);
	out[5] = wasm_i32x4_shuffle(up, wp, 2, 6, 2, 6);
	out[6] = wasm_i32x4_shuffle(us, ws, 0, 4, 0, 4);
	out[7] = wasm_i32x4_shuffle(us, ws, 1, 5, 1, 5);
	out[8] = wasm_i32x4_shuffle(usp, wsp, 0, 4, 0, 4);
}

/* Slice k keeps bits k, k+4, k+8, ... of a 32-bit word. */
static inline v128_t slice_pair(int k0, int k1) {
	uint32_t a = 0x11111111u << k0, b = 0x11111111u << k1;
	return wasm_u32x4_make(a, a, b, b);
}

/* Precomputes the H side for multipliers h0 (lane 0) and h1 (lane 1). */
static void hkey_make(hkey *k, v128_t h0, v128_t h1) {
	v128_t l[LIMBS];
	limbs(h0, h1, l);
	for (int t = 0; t < LIMBS; t++) {
		for (int c = 0; c < 4; c++) {
			/* data slices 0, 1 (lo) and 2, 3 (hi) pair with H slices c-0,
			 * c-1 and c-2, c-3 so that every product lands in slice c */
			k->lo[t][c] = AND(l[t], slice_pair(c & 3, (c + 3) & 3));
			k->hi[t][c] = AND(l[t], slice_pair((c + 2) & 3, (c + 1) & 3));
		}
	}
}

/* The carry-less 32x32 products of limb t of both lanes, as two 64-bit
 * lanes: every slice product is computed alone and XORed, then each result
 * slice is masked out of the sums of its own products. */
static inline v128_t clmul32(v128_t a, const hkey *k, int t) {
	v128_t alo = AND(a, slice_pair(0, 1)), ahi = AND(a, slice_pair(2, 3)), r = wasm_i64x2_splat(0);
	for (int c = 0; c < 4; c++) {
		v128_t p = XOR(XOR(wasm_u64x2_extmul_low_u32x4(alo, k->lo[t][c]), wasm_u64x2_extmul_high_u32x4(alo, k->lo[t][c])),
			XOR(wasm_u64x2_extmul_low_u32x4(ahi, k->hi[t][c]), wasm_u64x2_extmul_high_u32x4(ahi, k->hi[t][c])));
		r = XOR(r, AND(p, wasm_i64x2_splat((int64_t)(0x1111111111111111ull << c))));
	}
	return r;
}

/* One Karatsuba level on 64-bit lanes: from lo*lo, hi*hi and the sums'
 * product, the 128-bit product as (*low, *high). */
static inline void karatsuba(v128_t p0, v128_t p1, v128_t pm, v128_t *low, v128_t *high) {
	v128_t mid = XOR(pm, XOR(p0, p1));
	*low = XOR(p0, wasm_i64x2_shl(mid, 32));
	*high = XOR(p1, wasm_u64x2_shr(mid, 32));
}

/* Reflected reduction modulo x^128 + x^7 + x^2 + x + 1: the low 128 bits
 * hold the coefficients of x^128..x^255, which fold back multiplied by
 * 1 + x + x^2 + x^7 (right shifts by 0, 1, 2, 7 here); the bits those
 * shifts push out are first folded into the top word. */
static inline v128_t reduce(v128_t lo, v128_t hi) {
	v128_t s = XOR(XOR(wasm_i64x2_shl(lo, 63), wasm_i64x2_shl(lo, 62)), wasm_i64x2_shl(lo, 57));
	lo = XOR(lo, wasm_i64x2_shuffle(wasm_i64x2_splat(0), s, 0, 2));
	v128_t down = wasm_i64x2_shuffle(lo, wasm_i64x2_splat(0), 1, 2);   /* lo >> 64 */
	v128_t r = lo;
	r = XOR(r, wasm_v128_or(wasm_u64x2_shr(lo, 1), wasm_i64x2_shl(down, 63)));
	r = XOR(r, wasm_v128_or(wasm_u64x2_shr(lo, 2), wasm_i64x2_shl(down, 62)));
	r = XOR(r, wasm_v128_or(wasm_u64x2_shr(lo, 7), wasm_i64x2_shl(down, 57)));
	return XOR(hi, r);
}

/* a0 * H0 ^ a1 * H1 for the multipliers of k (lanes 0 and 1). */
static v128_t mul_pair(const hkey *k, v128_t a0, v128_t a1) {
	v128_t l[LIMBS], p[LIMBS];
	limbs(a0, a1, l);
	for (int t = 0; t < LIMBS; t++) {
		p[t] = clmul32(l[t], k, t);
	}
	v128_t l0, h0, l1, h1, lm, hm;
	karatsuba(p[0], p[1], p[2], &l0, &h0);
	karatsuba(p[3], p[4], p[5], &l1, &h1);
	karatsuba(p[6], p[7], p[8], &lm, &hm);
	v128_t w1 = XOR(XOR(h0, lm), XOR(l0, l1)), w2 = XOR(XOR(l1, hm), XOR(h0, h1));
	/* add the two lanes' products: 256 bits as (low, high) */
	v128_t low = XOR(wasm_i64x2_shuffle(l0, w1, 0, 2), wasm_i64x2_shuffle(l0, w1, 1, 3));
	v128_t high = XOR(wasm_i64x2_shuffle(w2, h1, 0, 2), wasm_i64x2_shuffle(w2, h1, 1, 3));
	return reduce(low, high);
}

/* h / x in the reflected form: a left shift, the bit shifted out (the
 * coefficient of x^0) coming back as x^-1 = x^127 + x^6 + x + 1. */
static v128_t over_x(v128_t h) {
	uint64_t lo = (uint64_t)wasm_i64x2_extract_lane(h, 0), hi = (uint64_t)wasm_i64x2_extract_lane(h, 1);
	uint64_t top = -(hi >> 63);
	return wasm_u64x2_make((lo << 1) ^ (top & 1), ((hi << 1) | (lo >> 63)) ^ (top & 0xc200000000000000ull));
}

static void ghash_simd(void *y, const void *h, const void *data, size_t len) {
	const unsigned char *buf = data;
	unsigned char tmp[32];
	hkey k;
	v128_t zero = wasm_i64x2_splat(0), acc = load_block(y), hx = over_x(load_block(h));
	hkey_make(&k, hx, hx);
	v128_t h2x = over_x(mul_pair(&k, load_block(h), zero));
	hkey_make(&k, h2x, hx);
	while (len >= 32) {
		acc = mul_pair(&k, XOR(acc, load_block(buf)), load_block(buf + 16));
		buf += 32;
		len -= 32;
	}
	if (len > 0) {
		/* the last one or two blocks, zero-padded as GHASH pads them */
		memset(tmp, 0, sizeof tmp);
		memcpy(tmp, buf, len);
		if (len > 16) {
			acc = mul_pair(&k, XOR(acc, load_block(tmp)), load_block(tmp + 16));
		} else {
			acc = mul_pair(&k, zero, XOR(acc, load_block(tmp)));
		}
	}
	store_block(y, acc);
}

br_ghash ghash_simd_get(void) {
	return &ghash_simd;
}

#else

br_ghash ghash_simd_get(void) {
	return 0;
}

#endif
