/* Our certificate policy as a BearSSL X.509 class. It forwards every
 * certificate byte to br_x509_minimal (chain, signatures, CA flags, path
 * length, key sizes, dates) and reads the same bytes itself (cert_facts) to
 * add what minimal lacks: RFC 9525 name checks with iPAddress SANs and no
 * CN fallback, "expired" told apart from "not yet valid", the serverAuth
 * EKU rule, SPKI pinning, the offending certificate's subject, and a
 * bounded summary of the chain for the caller. */
#ifndef MH_X509_POLICY_H
#define MH_X509_POLICY_H
#include <stddef.h>
#include "bearssl.h"
#include "cert_facts.h"
#include "server_identity.h"
#include "microhttps/spec.h"

/* Sets up the policy for one handshake: the minimal engine to wrap (fully
 * configured), the identity to prove, and whether validation is skipped on
 * request. Returns the class to give br_ssl_engine_set_x509(). */
const br_x509_class **x509_policy_start(br_x509_minimal_context *inner,
	const server_identity *identity, int insecure);

/* Pins: sha256 hashes of SubjectPublicKeyInfo; 0, or MH_ERR_CONFIG when full. */
int x509_policy_add_pin(const unsigned char hash[32]);

/* After a failed chain: MH_ERR_* for the failure (0 if the policy did not
 * fail), the REASON_* and the offending certificate's subject (DER). */
int x509_policy_error(void);
/* 1 (and the verdict recorded) when the engine's error is a failed
 * ServerKeyExchange signature check and the leaf's RSA key is above
 * BearSSL's 4096-bit limit, which is then the cause. */
int x509_policy_leaf_key_too_large(int engine_error);
int x509_policy_reason(void);
const unsigned char *x509_policy_offender_subject(size_t *len);

/* The chain summary: certificates the server sent, leaf first (at most
 * MH_PEER_MAX_CERTS). */
size_t x509_policy_peer_count(void);
const cert_facts *x509_policy_peer(size_t i);

size_t x509_policy_state_bytes(void);

#endif
