/* RSASSA-PSS signature verification (RFC 8017 §8.1.2 with EMSA-PSS-VERIFY,
 * §9.1.2, and MGF1 over the message hash, §B.2.1) on our RSA public
 * operation, for rsa_pss_rsae_* in TLS 1.3 CertificateVerify: BearSSL 0.6
 * has PKCS#1 v1.5 verification only.
 *
 * Stack (clang -fstack-usage, wasm32 -O2): the "512 + 2*64 bytes" below
 * counts the buffers only. rsa_pss_verify's own frame is 800 bytes (the
 * 512-byte copy of the signature, a 64-byte hash, a br_hash_compat_context);
 * the RSA public operation under it (rsa_public.h) takes 2,080 more:
 * about 3 KB at the deepest. */
#ifndef MH_RSA_PSS_H
#define MH_RSA_PSS_H
#include "bearssl.h"

/* 1 when sig is a valid RSASSA-PSS signature of the message whose hash (hash->desc output size) is msg_hash, with MGF1 over the same hash and a salt of exactly salt_len bytes (TLS 1.3 requires salt_len = hash length, RFC 8446 §4.2.3); 0 otherwise. sig_len must equal the modulus length. Uses at most 512 + 2*64 bytes of stack (keys up to 4096 bits). */
int rsa_pss_verify(const unsigned char *sig, size_t sig_len, const br_hash_class *hash, const unsigned char *msg_hash, size_t salt_len, const br_rsa_public_key *pk);

#endif
