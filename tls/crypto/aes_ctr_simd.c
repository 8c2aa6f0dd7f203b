/* AES-CTR (FIPS-197 with the SP 800-38A counter mode, 32-bit big-endian
 * block counter) for 128, 192 and 256-bit keys, eight blocks at a time,
 * bitsliced in wasm SIMD.
 *
 * Layout: the 8 x 16 bytes of eight blocks become eight v128 "planes";
 * plane i holds bit i of every byte, and inside a plane byte j is byte j of
 * the AES state with block k's bit in bit k. SubBytes is then a Boolean
 * circuit over the planes (Boyar and Peralta's 113-gate S-box), ShiftRows
 * and the column rotations of MixColumns are byte shuffles of each plane,
 * and multiplying by x in GF(2^8) is a renaming of planes plus three XORs.
 * Constant time: no branch or memory address depends on the key or data.
 *
 * Compiled only when the compiler targets wasm SIMD (-msimd128); without it
 * aes_ctr_simd_get() returns 0 and BearSSL's br_aes_ct64_ctr_vtable stays. */
#include <string.h>
#include "fast_crypto.h"
#include "ctr_passes.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define BLOCK 16
#define LANES 8
#define MAX_ROUNDS 14

/* The expanded key, as plain bytes so it fits the engine's context union
 * (br_aes_gen_ctr_keys); run() bitslices it on entry. Round keys 1..rounds
 * already include the S-box's affine constant 0x63 (see add_sbox_constant). */
typedef struct {
	const br_block_ctr_class *vtable;
	unsigned rounds;
	unsigned char rk[MAX_ROUNDS + 1][BLOCK];
} aes_simd_keys;

_Static_assert(sizeof(aes_simd_keys) <= sizeof(br_aes_gen_ctr_keys),
	"the engine keeps CTR contexts in a br_aes_gen_ctr_keys");

static const br_block_ctr_class aes_ctr_simd_vtable;

/* Swaps bit p+d of *a with bit p of *b wherever mask m has bit p set. */
static inline void swapmove(v128_t *a, v128_t *b, int d, v128_t m) {
	v128_t t = wasm_v128_and(wasm_v128_xor(wasm_u64x2_shr(*a, d), *b), m);
	*b = wasm_v128_xor(*b, t);
	*a = wasm_v128_xor(*a, wasm_i64x2_shl(t, d));
}

/* Transposes the 8x8 bit matrix (register k, bit i) at every byte position:
 * blocks in, planes out, and back (a transpose is its own inverse). Each
 * level swaps the off-diagonal sub-blocks of size d. */
static inline void transpose(v128_t x[LANES]) {
	const v128_t m1 = wasm_i8x16_splat(0x55), m2 = wasm_i8x16_splat(0x33), m4 = wasm_i8x16_splat(0x0f);
	for (int k = 0; k < 8; k += 2) {
		swapmove(&x[k], &x[k + 1], 1, m1);
	}
	for (int k = 0; k < 8; k += 4) {
		swapmove(&x[k], &x[k + 2], 2, m2);
		swapmove(&x[k + 1], &x[k + 3], 2, m2);
	}
	for (int k = 0; k < 4; k++) {
		swapmove(&x[k], &x[k + 4], 4, m4);
	}
}

#define XOR wasm_v128_xor
#define AND wasm_v128_and

/* GF(2^8) inversion followed by the S-box's linear map, on planes: Boyar
 * and Peralta's circuit ("A depth-16 circuit for the AES S-box", 2012),
 * whose inputs U0..U7 and outputs S0..S7 run from the most significant bit
 * down, so U_n is plane 7-n. The four XNORs of the circuit (the constant
 * 0x63) are left out here; callers add the constant where it is cheaper. */
static inline void sbox_planes(v128_t p[8]) {
	v128_t U0 = p[7], U1 = p[6], U2 = p[5], U3 = p[4], U4 = p[3], U5 = p[2], U6 = p[1], U7 = p[0];

	/* top linear layer */
	v128_t y14 = XOR(U3, U5), y13 = XOR(U0, U6), y9 = XOR(U0, U3), y8 = XOR(U0, U5);
	v128_t t0 = XOR(U1, U2), y1 = XOR(t0, U7), y4 = XOR(y1, U3), y12 = XOR(y13, y14);
	v128_t y2 = XOR(y1, U0), y5 = XOR(y1, U6), y3 = XOR(y5, y8), t1 = XOR(U4, y12);
	v128_t y15 = XOR(t1, U5), y20 = XOR(t1, U1), y6 = XOR(y15, U7), y10 = XOR(y15, t0);
	v128_t y11 = XOR(y20, y9), y7 = XOR(U7, y11), y17 = XOR(y10, y11), y19 = XOR(y10, y8);
	v128_t y16 = XOR(t0, y11), y21 = XOR(y13, y16), y18 = XOR(U0, y16);

	/* shared non-linear middle: inversion in the tower field */
	v128_t t2 = AND(y12, y15), t3 = AND(y3, y6), t4 = XOR(t3, t2), t5 = AND(y4, U7);
	v128_t t6 = XOR(t5, t2), t7 = AND(y13, y16), t8 = AND(y5, y1), t9 = XOR(t8, t7);
	v128_t t10 = AND(y2, y7), t11 = XOR(t10, t7), t12 = AND(y9, y11), t13 = AND(y14, y17);
	v128_t t14 = XOR(t13, t12), t15 = AND(y8, y10), t16 = XOR(t15, t12), t17 = XOR(t4, y20);
	v128_t t18 = XOR(t6, t16), t19 = XOR(t9, t14), t20 = XOR(t11, t16), t21 = XOR(t17, t14);
	v128_t t22 = XOR(t18, y19), t23 = XOR(t19, y21), t24 = XOR(t20, y18), t25 = XOR(t21, t22);
	v128_t t26 = AND(t21, t23), t27 = XOR(t24, t26), t28 = AND(t25, t27), t29 = XOR(t28, t22);
	v128_t t30 = XOR(t23, t24), t31 = XOR(t22, t26), t32 = AND(t31, t30), t33 = XOR(t32, t24);
	v128_t t34 = XOR(t23, t33), t35 = XOR(t27, t33), t36 = AND(t24, t35), t37 = XOR(t36, t34);
	v128_t t38 = XOR(t27, t36), t39 = AND(t29, t38), t40 = XOR(t25, t39), t41 = XOR(t40, t37);
	v128_t t42 = XOR(t29, t33), t43 = XOR(t29, t40), t44 = XOR(t33, t37), t45 = XOR(t42, t41);
	v128_t z0 = AND(t44, y15), z1 = AND(t37, y6), z2 = AND(t33, U7), z3 = AND(t43, y16);
	v128_t z4 = AND(t40, y1), z5 = AND(t29, y7), z6 = AND(t42, y11), z7 = AND(t45, y17);
	v128_t z8 = AND(t41, y10), z9 = AND(t44, y12), z10 = AND(t37, y3), z11 = AND(t33, y4);
	v128_t z12 = AND(t43, y13), z13 = AND(t40, y5), z14 = AND(t29, y2), z15 = AND(t42, y9);
	v128_t z16 = AND(t45, y14), z17 = AND(t41, y8);

	/* bottom linear layer */
	v128_t tc1 = XOR(z15, z16), tc2 = XOR(z10, tc1), tc3 = XOR(z9, tc2), tc4 = XOR(z0, z2);
	v128_t tc5 = XOR(z1, z0), tc6 = XOR(z3, z4), tc7 = XOR(z12, tc4), tc8 = XOR(z7, tc6);
	v128_t tc9 = XOR(z8, tc7), tc10 = XOR(tc8, tc9), tc11 = XOR(tc6, tc5), tc12 = XOR(z3, z5);
	v128_t tc13 = XOR(z13, tc1), tc14 = XOR(tc4, tc12), S3 = XOR(tc3, tc11), tc16 = XOR(z6, tc8);
	v128_t tc17 = XOR(z14, tc10), tc18 = XOR(tc13, tc14), tc20 = XOR(z15, tc16), tc21 = XOR(tc2, z11);
	v128_t tc26 = XOR(tc17, tc20);
	p[7] = XOR(tc3, tc16);           /* S0 */
	p[6] = XOR(S3, tc16);            /* S1, without its NOT */
	p[5] = XOR(tc26, z17);           /* S2, without its NOT */
	p[4] = S3;
	p[3] = XOR(tc14, S3);            /* S4 */
	p[2] = XOR(tc21, tc17);          /* S5 */
	p[1] = XOR(tc10, tc18);          /* S6, without its NOT */
	p[0] = XOR(z12, tc18);           /* S7, without its NOT */
}

/* ShiftRows: state byte r + 4c takes byte r + 4((c + r) mod 4). */
static inline v128_t shift_rows(v128_t x) {
	return wasm_i8x16_shuffle(x, x, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11);
}

/* ShiftRows, then each column rotated up by one byte (row r takes row r+1). */
static inline v128_t shift_rows_rot1(v128_t x) {
	return wasm_i8x16_shuffle(x, x, 5, 10, 15, 0, 9, 14, 3, 4, 13, 2, 7, 8, 1, 6, 11, 12);
}

/* Each column rotated by two bytes. */
static inline v128_t rot2(v128_t x) {
	return wasm_i8x16_shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}

/* ShiftRows, MixColumns and AddRoundKey on planes. With y = ShiftRows(s)
 * and t = y ^ rot1(y), a column's new byte r is
 * 2 y_r ^ 3 y_(r+1) ^ y_(r+2) ^ y_(r+3) = 2 t_r ^ rot1(y)_r ^ rot2(t)_r;
 * 2 t moves plane i to plane i+1 and folds plane 7 into planes 0, 1, 3, 4
 * (x^8 = x^4 + x^3 + x + 1). */
static inline void mix_round(v128_t s[8], const v128_t rk[8]) {
	v128_t r[8], t[8];
	for (int i = 0; i < 8; i++) {
		r[i] = shift_rows_rot1(s[i]);
		t[i] = XOR(shift_rows(s[i]), r[i]);
	}
	v128_t hi = t[7];
	for (int i = 0; i < 8; i++) {
		v128_t twice = i == 0 ? hi : (i == 1 || i == 3 || i == 4) ? XOR(t[i - 1], hi) : t[i - 1];
		s[i] = XOR(XOR(twice, r[i]), XOR(rot2(t[i]), rk[i]));
	}
}

/* The AES rounds on eight blocks in plane form, with bitsliced round keys;
 * one copy of the S-box circuit serves every round. */
static inline void encrypt_planes(v128_t s[8], const v128_t (*bk)[8], unsigned rounds) {
	for (int i = 0; i < 8; i++) {
		s[i] = XOR(s[i], bk[0][i]);
	}
	for (unsigned r = 1;; r++) {
		sbox_planes(s);
		if (r == rounds) {
			break;
		}
		mix_round(s, bk[r]);
	}
	for (int i = 0; i < 8; i++) {
		s[i] = XOR(shift_rows(s[i]), bk[rounds][i]);
	}
}

/* Encrypts eight blocks in place. Not inlined, so that the key schedule
 * shares it: and clang 14's wasm instruction selection loops forever when
 * it sees sub_word's constant blocks through the circuit. */
__attribute__((noinline)) static void encrypt_blocks(v128_t x[LANES], const v128_t (*bk)[8], unsigned rounds) {
	transpose(x);
	encrypt_planes(x, bk, rounds);
	transpose(x);
}

/* A round key in plane form: byte j of plane i is 0xff when bit i of key
 * byte j is set (the same key bit for all eight blocks). */
static inline void bitslice_key(const unsigned char *rk, v128_t out[8]) {
	v128_t k = wasm_v128_load(rk);
	for (int i = 0; i < 8; i++) {
		v128_t bit = wasm_i8x16_splat((int8_t)(1 << i));
		out[i] = wasm_i8x16_eq(wasm_v128_and(k, bit), bit);
	}
}

/* SubWord of the key schedule, through the cipher itself (so no S-box
 * table is ever indexed by key bytes): one round with zero round keys is
 * ShiftRows(SubBytes(x)) without the constant, and a state whose columns
 * are all w is left alone by ShiftRows. */
static uint32_t sub_word(uint32_t w) {
	v128_t zero_keys[2][8] = { { wasm_i64x2_splat(0) } };
	v128_t x[LANES] = { wasm_u32x4_splat(w) };
	encrypt_blocks(x, zero_keys, 1);
	return wasm_u32x4_extract_lane(x[0], 0) ^ 0x63636363u;
}

/* The S-box outputs of rounds 1..rounds lack the constant 0x63 in every
 * byte; ShiftRows keeps a constant state constant and MixColumns maps
 * 0x63 in all bytes to itself (2 + 3 + 1 + 1 = 1), so adding 0x63 to
 * those round keys instead gives the same result four XORs cheaper. */
static void add_sbox_constant(aes_simd_keys *kc) {
	for (unsigned r = 1; r <= kc->rounds; r++) {
		for (int j = 0; j < BLOCK; j++) {
			kc->rk[r][j] ^= 0x63;
		}
	}
}

/* FIPS-197 key expansion on little-endian words (byte 0 in the low bits). */
static void aes_simd_init(const br_block_ctr_class **ctx, const void *key, size_t key_len) {
	aes_simd_keys *kc = (aes_simd_keys *)ctx;
	uint32_t w[4 * (MAX_ROUNDS + 1)];
	unsigned nk = (unsigned)key_len / 4, total;
	uint32_t rcon = 1;
	/* The engine only passes AES-128 and AES-256 keys. Any other length is
	 * a bug: stop (the host sees INTERNAL) rather than expand it past w[]. */
	if (key_len != 16 && key_len != 24 && key_len != 32) {
		__builtin_trap();
	}
	kc->vtable = &aes_ctr_simd_vtable;
	kc->rounds = nk + 6;
	total = 4 * (kc->rounds + 1);
	memcpy(w, key, key_len);
	for (unsigned i = nk; i < total; i++) {
		uint32_t t = w[i - 1];
		if (i % nk == 0) {
			t = sub_word((t >> 8) | (t << 24)) ^ rcon;   /* RotWord, SubWord, Rcon */
			rcon = ((rcon << 1) ^ (0x1b & -(rcon >> 7))) & 0xff;
		} else if (nk > 6 && i % nk == 4) {
			t = sub_word(t);
		}
		w[i] = w[i - nk] ^ t;
	}
	memcpy(kc->rk, w, total * 4);
	memset(w, 0, sizeof w);
	add_sbox_constant(kc);
}

/* What a pass needs: the bitsliced round keys and the counter block with
 * its counter word still to be set. */
typedef struct {
	v128_t bk[MAX_ROUNDS + 1][8];
	v128_t iv;
	unsigned rounds;
} ctr_state;

/* XORs the keystream of blocks cc..cc+7 into data (LANES * BLOCK bytes). */
static void ctr_pass(const void *state, uint32_t cc, unsigned char *data) {
	const ctr_state *st = state;
	v128_t x[8];
	for (int k = 0; k < LANES; k++) {
		x[k] = wasm_i32x4_replace_lane(st->iv, 3, (int32_t)__builtin_bswap32(cc + (uint32_t)k));
	}
	encrypt_blocks(x, st->bk, st->rounds);
	for (int k = 0; k < LANES; k++) {
		unsigned char *p = data + k * BLOCK;
		wasm_v128_store(p, XOR(wasm_v128_load(p), x[k]));
	}
}

/* As BearSSL's own AES-CTR implementations, returns cc plus the number of
 * whole blocks; a final partial block uses counter value cc + len / 16. */
static uint32_t aes_simd_run(const br_block_ctr_class *const *ctx, const void *iv, uint32_t cc, void *data, size_t len) {
	const aes_simd_keys *kc = (const aes_simd_keys *)ctx;
	ctr_state st;
	unsigned char ivb[BLOCK] = { 0 };
	st.rounds = kc->rounds;
	for (unsigned r = 0; r <= kc->rounds; r++) {
		bitslice_key(kc->rk[r], st.bk[r]);
	}
	memcpy(ivb, iv, 12);
	st.iv = wasm_v128_load(ivb);
	ctr_passes(&ctr_pass, &st, cc, LANES * BLOCK, LANES, data, len);
	memset(&st, 0, sizeof st);
	return cc + (uint32_t)(len / BLOCK);
}

static const br_block_ctr_class aes_ctr_simd_vtable = {
	sizeof(aes_simd_keys), BLOCK, 4, &aes_simd_init, &aes_simd_run,
};

const br_block_ctr_class *aes_ctr_simd_get(void) {
	return &aes_ctr_simd_vtable;
}

#else

const br_block_ctr_class *aes_ctr_simd_get(void) {
	return 0;
}

#endif
