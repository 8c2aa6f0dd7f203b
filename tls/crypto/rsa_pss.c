/* RSASSA-PSS verification, written from RFC 8017 §8.1.2, §9.1.2 and §B.2.1.
 * Every check is a plain comparison: the inputs (signature, public key,
 * message hash) are public, so nothing here needs to be constant-time. */
#include "crypto/rsa_pss.h"
#include "crypto/rsa_public.h"
#include <string.h>

#define MAX_MODULUS_BYTES 512 /* 4096 bits, BearSSL's RSA limit */
#define MAX_HASH_LEN 64
#define TRAILER 0xbc

static size_t hash_len(const br_hash_class *hash) {
	return (size_t)(hash->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

/* data ^= MGF1(seed, len): Hash(seed | counter) for counter = 0, 1, ... */
static void mgf1_xor(const br_hash_class *hash, const unsigned char *seed, size_t seed_len, unsigned char *data, size_t len) {
	br_hash_compat_context hc;
	unsigned char block[MAX_HASH_LEN];
	size_t hlen = hash_len(hash), done = 0;
	for (uint32_t counter = 0; done < len; counter++) {
		unsigned char c[4] = { (unsigned char)(counter >> 24), (unsigned char)(counter >> 16),
			(unsigned char)(counter >> 8), (unsigned char)counter };
		hash->init(&hc.vtable);
		hash->update(&hc.vtable, seed, seed_len);
		hash->update(&hc.vtable, c, sizeof c);
		hash->out(&hc.vtable, block);
		for (size_t i = 0; i < hlen && done < len; i++) data[done++] ^= block[i];
	}
}

/* Bits in the modulus's first (nonzero) byte, for modBits = 8 * (k - 1) + this. */
static unsigned top_byte_bits(unsigned char b) {
	unsigned bits = 0;
	while (b) { bits++; b >>= 1; }
	return bits;
}

/* EMSA-PSS-VERIFY (RFC 8017 §9.1.2 steps 3-14) of em (em_len bytes, em_bits
 * significant); em is unmasked in place. */
static int emsa_pss_verify(unsigned char *em, size_t em_len, size_t em_bits, const br_hash_class *hash,
	const unsigned char *msg_hash, size_t salt_len)
{
	br_hash_compat_context hc;
	unsigned char expected[MAX_HASH_LEN];
	static const unsigned char zeros[8] = { 0 };
	size_t hlen = hash_len(hash), db_len, ps_len;
	unsigned char top_mask = (unsigned char)(0xff >> (8 * em_len - em_bits));
	if (em_len < hlen + salt_len + 2 || em[em_len - 1] != TRAILER) return 0;
	db_len = em_len - hlen - 1;
	/* the bits above emBits must be zero before unmasking (step 6) */
	if (em[0] & ~top_mask) return 0;
	mgf1_xor(hash, em + db_len, hlen, em, db_len);
	em[0] &= top_mask;
	/* DB = PS (zeros) | 0x01 | salt */
	ps_len = db_len - salt_len - 1;
	for (size_t i = 0; i < ps_len; i++) if (em[i] != 0) return 0;
	if (em[ps_len] != 0x01) return 0;
	/* H' = Hash(8 zero bytes | mHash | salt) must equal H */
	hash->init(&hc.vtable);
	hash->update(&hc.vtable, zeros, sizeof zeros);
	hash->update(&hc.vtable, msg_hash, hlen);
	hash->update(&hc.vtable, em + ps_len + 1, salt_len);
	hash->out(&hc.vtable, expected);
	return memcmp(expected, em + db_len, hlen) == 0;
}

int rsa_pss_verify(const unsigned char *sig, size_t sig_len, const br_hash_class *hash, const unsigned char *msg_hash,
	size_t salt_len, const br_rsa_public_key *pk)
{
	unsigned char m[MAX_MODULUS_BYTES];
	const unsigned char *n = pk->n;
	size_t k = pk->nlen, mod_bits, em_bits, em_len;
	while (k > 0 && *n == 0) { n++; k--; }
	if (k == 0 || k > sizeof m || sig_len != k) return 0;
	/* RSAVP1, which also refuses s >= n */
	memcpy(m, sig, k);
	if (!rsa_public(m, k, pk)) return 0;
	mod_bits = 8 * (k - 1) + top_byte_bits(n[0]);
	em_bits = mod_bits - 1;
	em_len = (em_bits + 7) / 8;
	/* EM = I2OSP(m, emLen): when emLen is k - 1, m's first byte must be zero */
	if (em_len < k && m[0] != 0) return 0;
	return emsa_pss_verify(m + (k - em_len), em_len, em_bits, hash, msg_hash, salt_len);
}
