/* RSASSA-PSS signature verification (RFC 8017 §8.1.2 with EMSA-PSS-VERIFY,
 * §9.1.2, and MGF1 over the message hash, §B.2.1) on BearSSL's RSA public
 * operation, for rsa_pss_rsae_* in TLS 1.3 CertificateVerify: BearSSL 0.6
 * has PKCS#1 v1.5 verification only.
 *
 * Stack: the brief's "512 + 2*64 bytes" counts the buffers; besides the
 * 512-byte copy of the signature and a 64-byte hash, this uses one
 * br_hash_compat_context, and BearSSL's RSA public operation (i31, the one
 * the engine's br_ssl_engine_set_default_rsavrfy picks here) its own. */
#ifndef MH_RSA_PSS_H
#define MH_RSA_PSS_H
#include "bearssl.h"

/* 1 when sig is a valid RSASSA-PSS signature of the message whose hash (hash->desc output size) is msg_hash, with MGF1 over the same hash and a salt of exactly salt_len bytes (TLS 1.3 requires salt_len = hash length, RFC 8446 §4.2.3); 0 otherwise. sig_len must equal the modulus length. Uses at most 512 + 2*64 bytes of stack (keys up to 4096 bits). */
int rsa_pss_verify(const unsigned char *sig, size_t sig_len, const br_hash_class *hash, const unsigned char *msg_hash, size_t salt_len, const br_rsa_public_key *pk);

#endif
