/* ECDSA signature verification on P-256 (SEC 1 section 4.1.4, FIPS 186-4
 * section 6.4), written for speed rather than constant time: verification
 * only ever handles public values (the signed hash, the signature, the
 * public key), so branches and table indices may depend on them. That
 * allows a joint wNAF double-scalar multiplication u1*G + u2*Q, where
 * BearSSL's constant-time muladd runs two separate ladders.
 *
 * Numbers are 256-bit, eight 32-bit words, least significant first. Field
 * elements and scalars are always kept fully reduced, so equality is a
 * word comparison. Products are 32x32->64, which wasm32 has natively.
 *
 * The module's size is budgeted, so only the field product and its
 * reduction, and the 256-bit addition and subtraction under every field
 * addition and under the inversion, are built for speed; the point formulas
 * are short programs (tables of field operations) run by one small loop,
 * and everything that runs a few times per verification is built for size. */
#include <string.h>
#include "fast_crypto.h"

#define COLD __attribute__((minsize, noinline))
/* Built for speed (the loop unrolled) but called, not inlined: 7% faster
 * verifications for 272 bytes; inlining them too gained 3% more for 1.1 KB. */
#define WARM __attribute__((noinline))

typedef uint32_t u256[8];

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1 */
static const u256 P = { 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0, 0, 1, 0xFFFFFFFF };
/* n, the prime order of G */
static const u256 N = { 0xFC632551, 0xF3B9CAC2, 0xA7179E84, 0xBCE6FAAD,
	0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF };
/* b of y^2 = x^3 - 3x + b */
static const u256 B = { 0x27D2604B, 0x3BCE3C3E, 0xCC53B0F6, 0x651D06B0,
	0x769886BC, 0xB3EBBD55, 0xAA3A93E7, 0x5AC635D8 };
/* the generator G, affine x and y */
static const u256 G[2] = {
	{ 0xD898C296, 0xF4A13945, 0x2DEB33A0, 0x77037D81, 0x63A440F2, 0xF8BCE6E5, 0xE12C4247, 0x6B17D1F2 },
	{ 0x37BF51F5, 0xCBB64068, 0x6B315ECE, 0x2BCE3357, 0x7C0F9E16, 0x8EE7EB4A, 0xFE1A7F9B, 0x4FE342E2 },
};

/* ---- 256-bit integers ---- */

COLD static int equals_small(const u256 a, uint32_t v) {
	uint32_t diff = a[0] ^ v;
	for (int i = 1; i < 8; i++) diff |= a[i];
	return diff == 0;
}

#define is_zero(a) equals_small(a, 0)

COLD static void set_small(u256 r, uint32_t v) {
	memset(r, 0, sizeof(u256));
	r[0] = v;
}

/* -1, 0 or 1 as a <, == or > b */
COLD static int compare(const u256 a, const u256 b) {
	for (int i = 7; i >= 0; i--) {
		if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

/* r = a + b, returns the carry out */
WARM static uint32_t add(u256 r, const u256 a, const u256 b) {
	uint64_t acc = 0;
	for (int i = 0; i < 8; i++) {
		acc += (uint64_t)a[i] + b[i];
		r[i] = (uint32_t)acc;
		acc >>= 32;
	}
	return (uint32_t)acc;
}

/* r = a - b, returns the borrow out */
WARM static uint32_t sub(u256 r, const u256 a, const u256 b) {
	int64_t acc = 0;
	for (int i = 0; i < 8; i++) {
		acc += (int64_t)a[i] - b[i];
		r[i] = (uint32_t)acc;
		acc >>= 32; /* arithmetic shift: 0 or -1 */
	}
	return (uint32_t)-acc;
}

/* ---- arithmetic modulo an odd m (p or n), on reduced operands ---- */

COLD static void mod_add(u256 r, const u256 a, const u256 b, const u256 m) {
	if (add(r, a, b) || compare(r, m) >= 0) sub(r, r, m);
}

COLD static void mod_sub(u256 r, const u256 a, const u256 b, const u256 m) {
	if (sub(r, a, b)) add(r, r, m);
}

/* a = a / 2 mod m: an odd a is made even by adding m first */
COLD static void mod_halve(u256 a, const u256 m) {
	uint32_t top = (a[0] & 1) ? add(a, a, m) : 0;
	for (int i = 0; i < 7; i++) a[i] = (a[i] >> 1) | (a[i + 1] << 31);
	a[7] = (a[7] >> 1) | (top << 31);
}

/* r = a^-1 mod m for 0 < a < m, by the binary extended Euclidean
 * algorithm: x1*a = u and x2*a = v (mod m) hold throughout while u and v
 * shrink towards gcd(a, m) = 1. Halving u (even) halves x1 mod m. */
COLD static void mod_inverse(u256 r, const u256 a, const u256 m) {
	u256 u, v, x1, x2;
	memcpy(u, a, sizeof u);
	memcpy(v, m, sizeof v);
	set_small(x1, 1);
	set_small(x2, 0);
	while (!equals_small(u, 1) && !equals_small(v, 1)) {
		if (!(u[0] & 1)) {
			mod_halve(u, m); /* even: a plain halving */
			mod_halve(x1, m);
		} else if (!(v[0] & 1)) {
			mod_halve(v, m);
			mod_halve(x2, m);
		} else if (compare(u, v) >= 0) {
			sub(u, u, v);
			mod_sub(x1, x1, x2, m);
		} else {
			sub(v, v, u);
			mod_sub(x2, x2, x1, m);
		}
	}
	memcpy(r, equals_small(u, 1) ? x1 : x2, sizeof(u256));
}

/* ---- the field GF(p) ---- */

/* c = a * b, schoolbook, one row of 64-bit products per word of a */
static void product(uint32_t c[16], const u256 a, const u256 b) {
	memset(c, 0, 8 * sizeof c[0]);
	for (int i = 0; i < 8; i++) {
		uint64_t carry = 0;
		for (int j = 0; j < 8; j++) {
			uint64_t t = (uint64_t)a[i] * b[j] + c[i + j] + carry;
			c[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
		c[i + 8] = (uint32_t)carry;
	}
}

/* r = c mod p for a 512-bit c. Since 2^256 = 2^224 - 2^192 - 2^96 + 1
 * (mod p), the word at 2^(32k), k >= 8, is worth the same added at words
 * k-1 and k-8 and subtracted at k-2 and k-5; folding from the top down
 * (in signed 64-bit words, so carries wait) leaves eight words. What then
 * carries out of bit 256 folds in the same way until nothing does, and a
 * result in [p, 2^256) loses one p. */
static void reduce(u256 r, const uint32_t c[16]) {
	int64_t t[16];
	for (int i = 0; i < 16; i++) t[i] = c[i];
	for (int k = 15; k >= 8; k--) {
		int64_t v = t[k];
		t[k - 1] += v;
		t[k - 2] -= v;
		t[k - 5] -= v;
		t[k - 8] += v;
	}
	int64_t top = 0;
	for (int i = 0; i < 8; i++) {
		top += t[i];
		r[i] = (uint32_t)top;
		top >>= 32;
	}
	while (top != 0) {
		int64_t k = top;
		top = 0;
		for (int i = 0; i < 8; i++) {
			top += r[i];
			if (i == 0 || i == 7) top += k;
			if (i == 3 || i == 6) top -= k;
			r[i] = (uint32_t)top;
			top >>= 32;
		}
	}
	if (compare(r, P) >= 0) sub(r, r, P);
}

static void fe_mul(u256 r, const u256 a, const u256 b) {
	uint32_t c[16];
	product(c, a, b);
	reduce(r, c);
}

COLD static void fe_add(u256 r, const u256 a, const u256 b) {
	mod_add(r, a, b, P);
}

COLD static void fe_sub(u256 r, const u256 a, const u256 b) {
	mod_sub(r, a, b, P);
}

/* ---- arithmetic modulo n ---- */

/* -1/n mod 2^32 */
#define N_NEG_INVERSE 0xEE00BC4Fu

/* r = a*b/2^256 mod n (Montgomery's product): adding m*n at word i, with
 * m = c[i] * (-1/n) mod 2^32, clears word i of the product; once the low
 * eight words are clear, the high eight are the result (< 2n). */
COLD static void mont_mul_n(u256 r, const u256 a, const u256 b) {
	uint32_t c[16], top = 0;
	product(c, a, b);
	for (int i = 0; i < 8; i++) {
		uint32_t m = c[i] * N_NEG_INVERSE;
		uint64_t carry = 0;
		for (int j = 0; j < 8; j++) {
			carry += (uint64_t)m * N[j] + c[i + j];
			c[i + j] = (uint32_t)carry;
			carry >>= 32;
		}
		for (int j = i + 8; j < 16; j++) {
			carry += c[j];
			c[j] = (uint32_t)carry;
			carry >>= 32;
		}
		top += (uint32_t)carry;
	}
	memcpy(r, c + 8, sizeof(u256));
	if (top || compare(r, N) >= 0) sub(r, r, N);
}

/* ---- points, as programs of field operations on registers ---- */

/* Jacobian coordinates: (X, Y, Z) is the affine point (X/Z^2, Y/Z^3), and
 * Z = 0 is the point at infinity. The accumulator is (X1, Y1, Z1), the
 * point added to it (X2, Y2, Z2); the rest are temporaries. ZERO is 0. */
enum { X1, Y1, Z1, X2, Y2, Z2, U1, U2, S1, S2, H, R, T, Z1Z2, ZERO, REGISTERS };
/* the doubling's temporaries */
enum { DELTA = U1, GAMMA = U2, BETA = S1, ALPHA = S2 };

/* One operation dst = a op b in 16 bits: the operation, then three
 * register numbers of 4 bits each. */
enum { MUL, ADD, SUB };
typedef uint16_t field_op;
#define OP(op, dst, a, b) (field_op)((op) << 12 | (dst) << 8 | (a) << 4 | (b))

/* Direct calls, not a table of function pointers: wasm's indirect calls
 * made verification about 7% slower. */
COLD static void run(u256 *reg, const field_op *program, size_t count) {
	for (const field_op *f = program; f < program + count; f++) {
		u256 *d = &reg[*f >> 8 & 15], *a = &reg[*f >> 4 & 15], *b = &reg[*f & 15];
		if (*f >> 12 == MUL) fe_mul(*d, *a, *b);
		else if (*f >> 12 == ADD) fe_add(*d, *a, *b);
		else fe_sub(*d, *a, *b);
	}
}
#define RUN(reg, program) run(reg, program, sizeof program / sizeof program[0])

/* 2(X1, Y1, Z1) for a = -3: delta = Z^2, gamma = Y^2, beta = X*gamma,
 * alpha = 3(X - delta)(X + delta) = 3X^2 - 3Z^4 (the tangent's slope
 * times 2YZ); X' = alpha^2 - 8beta, Y' = alpha(4beta - X') - 8gamma^2,
 * Z' = 2YZ = (Y + Z)^2 - gamma - delta. */
static const field_op double_program[] = {
	OP(MUL, DELTA, Z1, Z1), OP(MUL, GAMMA, Y1, Y1), OP(MUL, BETA, X1, GAMMA),
	OP(SUB, T, X1, DELTA), OP(ADD, ALPHA, X1, DELTA), OP(MUL, ALPHA, ALPHA, T),
	OP(ADD, T, ALPHA, ALPHA), OP(ADD, ALPHA, ALPHA, T),
	OP(ADD, Z1, Y1, Z1), OP(MUL, Z1, Z1, Z1), OP(SUB, Z1, Z1, GAMMA), OP(SUB, Z1, Z1, DELTA),
	OP(ADD, BETA, BETA, BETA), OP(ADD, BETA, BETA, BETA),
	OP(MUL, X1, ALPHA, ALPHA), OP(SUB, X1, X1, BETA), OP(SUB, X1, X1, BETA),
	OP(SUB, T, BETA, X1), OP(MUL, Y1, ALPHA, T),
	OP(MUL, GAMMA, GAMMA, GAMMA), OP(ADD, GAMMA, GAMMA, GAMMA), OP(ADD, GAMMA, GAMMA, GAMMA),
	OP(ADD, GAMMA, GAMMA, GAMMA), OP(SUB, Y1, Y1, GAMMA),
};

/* Addition, first half: U1 = X1*Z2^2, U2 = X2*Z1^2, S1 = Y1*Z2^3,
 * S2 = Y2*Z1^3, H = U2 - U1, R = S2 - S1 (the points have equal x when
 * H = 0, and are then equal when also R = 0). */
static const field_op add_start_program[] = {
	OP(MUL, T, Z2, Z2), OP(MUL, U1, X1, T), OP(MUL, S1, Y1, T), OP(MUL, S1, S1, Z2),
	OP(MUL, Z1Z2, Z1, Z2),
	OP(MUL, T, Z1, Z1), OP(MUL, U2, X2, T), OP(MUL, S2, Y2, T), OP(MUL, S2, S2, Z1),
	OP(SUB, H, U2, U1), OP(SUB, R, S2, S1),
};

/* Second half: X3 = R^2 - H^3 - 2U1H^2, Y3 = R(U1H^2 - X3) - S1H^3,
 * Z3 = Z1Z2H. */
static const field_op add_finish_program[] = {
	OP(MUL, Z1, Z1Z2, H), OP(MUL, T, H, H), OP(MUL, U1, U1, T), OP(MUL, H, H, T),
	OP(MUL, S1, S1, H),
	OP(MUL, X1, R, R), OP(SUB, X1, X1, H), OP(SUB, X1, X1, U1), OP(SUB, X1, X1, U1),
	OP(SUB, T, U1, X1), OP(MUL, Y1, R, T), OP(SUB, Y1, Y1, S1),
};

COLD static void point_double(u256 *reg) {
	if (!is_zero(reg[Z1])) RUN(reg, double_program);
}

/* (X1, Y1, Z1) += (X2, Y2, Z2) */
COLD static void point_add(u256 *reg) {
	if (is_zero(reg[Z1])) {
		memcpy(reg[X1], reg[X2], 3 * sizeof(u256));
		return;
	}
	RUN(reg, add_start_program);
	if (!is_zero(reg[H])) RUN(reg, add_finish_program);
	else if (is_zero(reg[R])) point_double(reg);
	else set_small(reg[Z1], 0); /* P + (-P) */
}

/* ---- scalar multiplication ---- */

/* Window widths of the wNAF recodings (digits are odd, |d| < 2^(w-1)),
 * and so tables of 2^(w-2) odd multiples 1P, 3P, 5P, ... A table of w = 5
 * costs 7 additions and leaves about 256/6 additions per scalar (the
 * fewest in all); w = 4 for G costs 2% more time but 384 bytes less of
 * stack, which the memory budgets (tools/profiles.mjs) need. */
#define Q_WINDOW 5
#define G_WINDOW 4
#define TABLE_POINTS(w) (1 << ((w) - 2))
#define MAX_DIGITS 257

/* bits i .. i + w - 1 of k (zeros past bit 255) */
COLD static uint32_t window_at(const u256 k, int i, int w) {
	uint64_t two = 0;
	if ((i >> 5) < 8) two = k[i >> 5];
	if ((i >> 5) < 7) two |= (uint64_t)k[(i >> 5) + 1] << 32;
	return (uint32_t)(two >> (i & 31)) & ((1u << w) - 1);
}

/* Width-w NAF of k: digits[i] in {0, +-1, +-3, ..., +-(2^(w-1) - 1)},
 * k = sum of digits[i] * 2^i, at least w - 1 zeros after each nonzero
 * digit. Left to right, what is still to be recoded is (k >> i) + carry;
 * where that is odd, its residue mod 2^w, taken in (-2^(w-1), 2^(w-1)),
 * is the digit. Returns how many digits matter (at most 257). */
COLD static int wnaf(signed char digits[MAX_DIGITS], const u256 k, int w) {
	int len = 0;
	uint32_t carry = 0;
	memset(digits, 0, MAX_DIGITS);
	for (int i = 0; i < MAX_DIGITS;) {
		uint32_t window = window_at(k, i, w) + carry;
		if (!(window & 1)) {
			/* bit i equals the carry: a zero digit, and the carry stays */
			i++;
			continue;
		}
		int d = (int)window;
		carry = d >= 1 << (w - 1);
		digits[i] = (signed char)(carry ? d - (1 << w) : d);
		len = i + 1;
		i += w;
	}
	return len;
}

/* table = 1P, 3P, 5P, ... (Jacobian, 3 numbers each), for the affine P
 * whose x and y the table starts with. */
COLD static void odd_multiples(u256 *table, int count, u256 *reg) {
	set_small(table[2], 1);
	memcpy(reg[X1], table, 3 * sizeof(u256));
	point_double(reg);
	memcpy(reg[X2], reg[X1], 3 * sizeof(u256));
	memcpy(reg[X1], table, 3 * sizeof(u256));
	for (int i = 1; i < count; i++) {
		point_add(reg);
		memcpy(table + 3 * i, reg[X1], 3 * sizeof(u256));
	}
}

/* (X1, Y1, Z1) += digit * P for an odd digit, with table = P's odd
 * multiples; -(X, Y, Z) = (X, -Y, Z). */
COLD static void add_multiple(u256 *reg, const u256 *table, int digit) {
	memcpy(reg[X2], table + 3 * ((digit < 0 ? -digit : digit) >> 1), 3 * sizeof(u256));
	if (digit < 0) fe_sub(reg[Y2], reg[ZERO], reg[Y2]);
	point_add(reg);
}

/* (X1, Y1, Z1) = u1*G + u2*Q (Straus-Shamir): one chain of doublings,
 * into which both wNAF recodings add their table entries. The tables are
 * made per verification: a table of G kept across calls would only pay
 * off after several verifications per instance, and the Node host makes
 * an instance per connection. q_table starts with Q's x and y. */
COLD static void double_scalar_mul(u256 *reg, const u256 u1, const u256 u2, u256 *q_table) {
	signed char d1[MAX_DIGITS], d2[MAX_DIGITS];
	u256 g_table[3 * TABLE_POINTS(G_WINDOW)];
	int len1 = wnaf(d1, u1, G_WINDOW), len2 = wnaf(d2, u2, Q_WINDOW);
	memcpy(g_table, G, sizeof G);
	odd_multiples(g_table, TABLE_POINTS(G_WINDOW), reg);
	odd_multiples(q_table, TABLE_POINTS(Q_WINDOW), reg);
	set_small(reg[Z1], 0);
	for (int i = (len1 > len2 ? len1 : len2) - 1; i >= 0; i--) {
		point_double(reg);
		if (d1[i]) add_multiple(reg, g_table, d1[i]);
		if (d2[i]) add_multiple(reg, q_table, d2[i]);
	}
}

/* ---- encodings and the verification ---- */

/* Big-endian bytes to a number; len <= 32. */
COLD static void decode(u256 r, const unsigned char *src, size_t len) {
	memset(r, 0, sizeof(u256));
	for (size_t i = 0; i < len; i++) {
		size_t bit = 8 * (len - 1 - i);
		r[bit >> 5] |= (uint32_t)src[i] << (bit & 31);
	}
}

/* A signature integer: 0 < value < n. Leading zero bytes are allowed, as
 * BearSSL allows them. */
COLD static int decode_scalar(u256 r, const unsigned char *src, size_t len) {
	for (; len > 32; len--, src++) {
		if (*src != 0) return 0;
	}
	decode(r, src, len);
	return !is_zero(r) && compare(r, N) < 0;
}

/* The public key: 0x04 || X || Y with X, Y < p and y^2 = x^3 - 3x + b. */
COLD static int decode_public_key(u256 x, u256 y, const unsigned char *src, size_t len) {
	u256 lhs, rhs, t;
	if (len != 65 || src[0] != 0x04) return 0;
	decode(x, src + 1, 32);
	decode(y, src + 33, 32);
	if (compare(x, P) >= 0 || compare(y, P) >= 0) return 0;
	fe_mul(lhs, y, y);
	fe_mul(rhs, x, x);
	set_small(t, 3); /* set here, not a constant: static data is budgeted */
	mod_sub(t, rhs, t, P);
	fe_mul(rhs, t, x);
	mod_add(rhs, rhs, B, P);
	return compare(lhs, rhs) == 0;
}

/* Whether the affine x of (X1, Y1, Z1), reduced mod n, is v. x is in
 * [0, p) and p < 2n, so x mod n = v means x = v or x = v + n; x = X/Z^2
 * is checked as X = x*Z^2 (mod p), which needs no inversion. */
COLD static int x_mod_n_is(u256 *reg, const u256 v) {
	u256 zz, t, candidate;
	fe_mul(zz, reg[Z1], reg[Z1]);
	fe_mul(t, v, zz);
	if (compare(t, reg[X1]) == 0) return 1;
	if (add(candidate, v, N) || compare(candidate, P) >= 0) return 0;
	fe_mul(t, candidate, zz);
	return compare(t, reg[X1]) == 0;
}

/* Longest DER signature accepted: br_ecdsa_i31_vrfy_asn1's limit, so that
 * both accept the same inputs. The raw form may be longer than the DER
 * (integers are padded to a common length), up to 254 bytes. */
#define MAX_SIG_DER 144
#define MAX_SIG_RAW 256

COLD uint32_t p256_verify_asn1(const br_ec_impl *impl, const void *hash, size_t hash_len,
	const br_ec_public_key *pk, const void *sig, size_t sig_len)
{
	/* the raw signature is no longer needed once the registers are */
	union {
		unsigned char raw[MAX_SIG_RAW];
		u256 reg[REGISTERS];
	} work;
	unsigned char *raw = work.raw;
	u256 *reg = work.reg;
	u256 r, s, w, e, u1, u2, q_table[3 * TABLE_POINTS(Q_WINDOW)];

	if (pk->curve != BR_EC_secp256r1) {
		return br_ecdsa_i31_vrfy_asn1(impl, hash, hash_len, pk, sig, sig_len);
	}
	if (!((impl->supported_curves >> BR_EC_secp256r1) & 1) || sig_len > MAX_SIG_DER) {
		return 0;
	}
	memcpy(raw, sig, sig_len);
	size_t half = br_ecdsa_asn1_to_raw(raw, sig_len) / 2;
	if (!decode_scalar(r, raw, half) || !decode_scalar(s, raw + half, half)
		|| !decode_public_key(q_table[0], q_table[1], pk->q, pk->qlen))
	{
		return 0;
	}
	/* e = the hash's leftmost 256 bits, mod n (e < 2^256 < 2n) */
	decode(e, hash, hash_len < 32 ? hash_len : 32);
	if (compare(e, N) >= 0) sub(e, e, N);
	/* w = 2^256/s, so that Montgomery products by w are plain products by 1/s */
	set_small(w, 1);
	mont_mul_n(w, s, w);
	mod_inverse(w, w, N);
	mont_mul_n(u1, e, w);
	mont_mul_n(u2, r, w);
	memset(reg, 0, REGISTERS * sizeof(u256));
	double_scalar_mul(reg, u1, u2, q_table);
	return !is_zero(reg[Z1]) && x_mod_n_is(reg, r);
}
