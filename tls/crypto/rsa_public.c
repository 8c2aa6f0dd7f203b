/* x^e mod n for public inputs (rsa_public.h): numbers are little-endian
 * arrays of 32-bit words, `len` words each, with len = ceil(bytes of n / 4).
 * Everything runs on public values, so branches depend on them freely. */
#include <string.h>
#include "crypto/rsa_public.h"
#include "inner.h"
#include "core/profile.h"

#define MAX_WORDS (BR_MAX_RSA_SIZE / 32)
/* The core's size is budgeted: only the Montgomery product, where nearly
 * all the time goes, is built for speed; the rest runs a few times per
 * operation (or per word of n) and is built for size. */
#define COLD __attribute__((minsize, noinline))

typedef struct {
	uint32_t n[MAX_WORDS];
	size_t len;
	uint32_t n0; /* -1/n mod 2^32, for Montgomery reduction */
} modulus;

/* -1/n0 mod 2^32 for odd n0: Newton's iteration y = y(2 - n0*y) doubles the
 * correct low bits, from the 3 that y = n0 gets right (n0*n0 = 1 mod 8). */
static uint32_t neg_inverse(uint32_t n0) {
	uint32_t y = n0;
	for (int i = 0; i < 4; i++) y *= 2 - n0 * y;
	return -y;
}

/* Big-endian bytes (len exactly, at most 4 * words) to words, zero-extended. */
COLD static void decode(uint32_t *w, size_t words, const unsigned char *src, size_t len) {
	memset(w, 0, words * sizeof *w);
	for (size_t i = 0; i < len; i++) w[i / 4] |= (uint32_t)src[len - 1 - i] << (8 * (i % 4));
}

COLD static void encode(unsigned char *dst, size_t len, const uint32_t *w) {
	for (size_t i = 0; i < len; i++) dst[len - 1 - i] = (unsigned char)(w[i / 4] >> (8 * (i % 4)));
}

/* -1, 0 or 1 as a <=> b, len words each. */
COLD static int compare(const uint32_t *a, const uint32_t *b, size_t len) {
	while (len-- > 0) {
		if (a[len] != b[len]) return a[len] > b[len] ? 1 : -1;
	}
	return 0;
}

/* v = v - n when v (with carry, its bit above len words) is n or more:
 * reduces any v < 2n. */
COLD static void reduce_once(uint32_t *v, uint32_t carry, const modulus *m) {
	uint64_t borrow = 0;
	if (!carry && compare(v, m->n, m->len) < 0) return;
	for (size_t i = 0; i < m->len; i++) {
		uint64_t d = (uint64_t)v[i] - m->n[i] - borrow;
		v[i] = (uint32_t)d;
		borrow = d >> 63;
	}
}

/* out = a * b / 2^(32 len) mod n, for a, b < n (out may be a or b): CIOS,
 * with the product's and the reduction's inner loops fused into one pass
 * over the words. t is len + 1 words of scratch. */
static void mont_mul(uint32_t *out, const uint32_t *a, const uint32_t *b, const modulus *m, uint32_t *t) {
	size_t len = m->len;
	const uint32_t *n = m->n;
	memset(t, 0, (len + 1) * sizeof *t);
	for (size_t i = 0; i < len; i++) {
		uint32_t bi = b[i];
		uint64_t prod = (uint64_t)a[0] * bi + t[0];
		uint32_t q = (uint32_t)prod * m->n0;
		/* adding q*n makes the low word zero: that word is shifted out */
		uint64_t red = ((uint64_t)q * n[0] + (uint32_t)prod) >> 32;
		prod >>= 32;
		for (size_t j = 1; j < len; j++) {
			prod += (uint64_t)a[j] * bi + t[j];
			red += (uint64_t)q * n[j] + (uint32_t)prod;
			t[j - 1] = (uint32_t)red;
			prod >>= 32;
			red >>= 32;
		}
		red += prod + t[len];
		t[len - 1] = (uint32_t)red;
		t[len] = (uint32_t)(red >> 32);
	}
	/* t < 2n: one subtraction at most */
	reduce_once(t, t[len], m);
	memcpy(out, t, len * sizeof *t);
}

/* v = 2v mod n, for v < n. */
COLD static void double_mod(uint32_t *v, const modulus *m) {
	uint32_t carry = 0;
	for (size_t i = 0; i < m->len; i++) {
		uint32_t w = v[i];
		v[i] = (w << 1) | carry;
		carry = w >> 31;
	}
	reduce_once(v, carry, m);
}

/* r2 = R^2 mod n, R = 2^(32 len). With x_j = 2^j R mod n, the Montgomery
 * square of x_j is x_2j, so five squarings take x_len to x_(32 len) = R^2.
 * x_len = 2^(33 len) mod n comes from n's top bit, 2^(bits - 1) < n, by
 * 33 len - bits + 1 doublings: at most len + 32. This costs about as much
 * as seven Montgomery products, where BearSSL's generic conversion into
 * Montgomery form is a long division. */
COLD static void r_squared(uint32_t *r2, const modulus *m, uint32_t *t) {
	size_t len = m->len, bits = 32 * len;
	while (!(m->n[(bits - 1) / 32] >> ((bits - 1) % 32) & 1)) bits--;
	memset(r2, 0, len * sizeof *r2);
	r2[(bits - 1) / 32] = (uint32_t)1 << ((bits - 1) % 32);
	/* only n = 1 equals its top bit */
	reduce_once(r2, 0, m);
	for (size_t i = bits - 1; i < 33 * len; i++) double_mod(r2, m);
	for (int i = 0; i < 5; i++) mont_mul(r2, r2, r2, m, t);
}

/* Sets up m from the big-endian n (leading zeros stripped, 1..512 bytes);
 * 0 when n is even. */
static int modulus_init(modulus *m, const unsigned char *n, size_t nlen) {
	m->len = (nlen + 3) / 4;
	decode(m->n, m->len, n, nlen);
	if (!(m->n[0] & 1)) return 0;
	m->n0 = neg_inverse(m->n[0]);
	return 1;
}

/* x = x^e mod n by square-and-multiply from e's top bit, in Montgomery
 * form (base and x are x R mod n); t is scratch. e is odd, so nonzero. */
COLD static void mod_pow(uint32_t *x, uint32_t *base, const unsigned char *e, size_t elen, const modulus *m, uint32_t *t) {
	size_t i = 0;
	unsigned bit = 7;
	while (e[i] == 0) i++;
	while (!(e[i] >> bit & 1)) bit--;
	memcpy(x, base, m->len * sizeof *x);
	for (;;) {
		if (bit == 0) {
			if (++i == elen) break;
			bit = 8;
		}
		bit--;
		mont_mul(x, x, x, m, t);
		if (e[i] >> bit & 1) mont_mul(x, x, base, m, t);
	}
}

COLD uint32_t rsa_public(unsigned char *x, size_t xlen, const br_rsa_public_key *pk) {
	modulus m;
	uint32_t base[MAX_WORDS], acc[MAX_WORDS], t[MAX_WORDS + 1];
	const unsigned char *n = pk->n;
	size_t nlen = pk->nlen;
	while (nlen > 0 && *n == 0) { n++; nlen--; }
	if (nlen == 0 || nlen > BR_MAX_RSA_SIZE / 8 || xlen != nlen) return 0;
	if (pk->elen == 0 || !(pk->e[pk->elen - 1] & 1)) return 0;
	if (!modulus_init(&m, n, nlen)) return 0;
	decode(base, m.len, x, xlen);
	if (compare(base, m.n, m.len) >= 0) return 0;
	r_squared(acc, &m, t);
	mont_mul(base, base, acc, &m, t);
	mod_pow(acc, base, pk->e, pk->elen, &m, t);
	/* out of Montgomery form: a product with 1 */
	memset(base, 0, m.len * sizeof *base);
	base[0] = 1;
	mont_mul(acc, acc, base, &m, t);
	encode(x, xlen, acc);
	return 1;
}

COLD uint32_t rsa_pkcs1_vrfy(const unsigned char *x, size_t xlen, const unsigned char *hash_oid, size_t hash_len,
	const br_rsa_public_key *pk, unsigned char *hash_out)
{
	unsigned char sig[BR_MAX_RSA_SIZE / 8];
	if (xlen > sizeof sig) return 0;
	memcpy(sig, x, xlen);
	if (!rsa_public(sig, xlen, pk)) return 0;
	return br_rsa_pkcs1_sig_unpad(sig, xlen, hash_oid, hash_len, hash_out);
}

br_rsa_pkcs1_vrfy rsa_public_pkcs1_vrfy(void) {
#if MH_COMPACT_CRYPTO
	/* BearSSL's i31 verifier makes the smaller core: it shares its
	 * arithmetic with the i31 ECDSA that core has anyway */
	return &br_rsa_i31_pkcs1_vrfy;
#else
	return &rsa_pkcs1_vrfy;
#endif
}
