/* The RSA public operation x^e mod n (RFC 8017 §5.2.2, RSAVP1) and the
 * PKCS#1 v1.5 signature verification on it, written for speed rather than
 * constant time: they only ever see public values (a signature, a public
 * key), so branches and memory accesses may depend on them. Never use them
 * on a private key or on secret data.
 *
 * BearSSL's i31 public operation spends most of a 2048-bit verification
 * converting into and out of Montgomery form with generic code; here the
 * numbers are 32-bit words (products are 32x32->64, native in wasm32), the
 * Montgomery product is CIOS and R^2 mod n costs a few dozen doublings and
 * five Montgomery squarings (rsa_public.c says why).
 *
 * Stack: about 2 KB (four 4096-bit numbers) for rsa_public, 512 bytes more
 * for rsa_pkcs1_vrfy's copy of the signature. */
#ifndef MH_RSA_PUBLIC_H
#define MH_RSA_PUBLIC_H
#include "bearssl.h"

/* br_rsa_public's contract: x (xlen bytes, big-endian) is replaced with
 * x^e mod n; 1 on success, 0 (x unchanged) when x >= n, xlen is not
 * the length of n without its leading zero bytes, n is even or longer than
 * 4096 bits (BearSSL's limit), or e is even or zero. */
uint32_t rsa_public(unsigned char *x, size_t xlen, const br_rsa_public_key *pk);

/* br_rsa_pkcs1_vrfy's contract on rsa_public: the hash a PKCS#1 v1.5
 * signature carries (hash_len bytes, DigestInfo with hash_oid, or none
 * when hash_oid is NULL) is written to hash_out; 1 on success, 0 when the
 * signature or its padding is not well-formed. The caller compares the hash. */
uint32_t rsa_pkcs1_vrfy(const unsigned char *x, size_t xlen, const unsigned char *hash_oid, size_t hash_len,
	const br_rsa_public_key *pk, unsigned char *hash_out);

/* The PKCS#1 v1.5 verifier the X.509 chain and the TLS 1.2 engine get:
 * ours, or BearSSL's default where it makes the smaller core. */
br_rsa_pkcs1_vrfy rsa_public_pkcs1_vrfy(void);

#endif
