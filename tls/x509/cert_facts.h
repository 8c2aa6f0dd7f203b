/* What we read ourselves from each certificate of the server's chain, while
 * BearSSL's X.509 engine validates the same bytes: the facts it does not
 * expose (validity dates, SANs, EKU, subject and issuer, SPKI hash), taken
 * with the streaming DER walker into fixed-size fields. */
#ifndef MH_CERT_FACTS_H
#define MH_CERT_FACTS_H
#include <stddef.h>
#include <stdint.h>
#include "bearssl.h"
#include "der_walker.h"
#include "server_identity.h"

#define CERT_DN_MAX 256     /* subject / issuer DER kept (longer: not kept) */
#define CERT_TIME_MAX 15    /* GeneralizedTime text YYYYMMDDHHMMSSZ */
#define CERT_SANS_MAX 384   /* dNSName / iPAddress GeneralName TLVs kept */

typedef struct {
	unsigned char subject[CERT_DN_MAX];
	size_t subject_len;              /* 0 when absent or too long */
	unsigned char issuer[CERT_DN_MAX];
	size_t issuer_len;
	unsigned char not_before[CERT_TIME_MAX + 1], not_after[CERT_TIME_MAX + 1];
	size_t not_before_len, not_after_len;   /* tag byte then the time text */
	int64_t not_before_unix, not_after_unix;
	int dates_known;
	unsigned char spki_sha256[32];
	int spki_known;
	unsigned char sans[CERT_SANS_MAX];
	size_t sans_len;
	int sans_truncated;
	int has_name_san;                /* any dNSName or iPAddress SAN */
	int identity_matched;            /* a SAN proves the identity */
	int eku_present, eku_server_auth;
	int weak_signature_hash;         /* signed with SHA-1 or MD5 */
	uint32_t rsa_key_bits;           /* the RSA modulus size, 0 for other keys or unknown */
	uint32_t signature_bytes;        /* signatureValue length: the signer's RSA modulus size */
} cert_facts;

/* BearSSL's fixed RSA limit (BR_MAX_RSA_SIZE): larger keys do not fit its buffers. */
#define CERT_RSA_MAX_BITS 4096

/* The parser's state for one certificate; facts go to *out. */
typedef struct {
	der_walker walker;
	cert_facts *out;
	const server_identity *identity;
	int version_seen;              /* the optional [0] version was present */
	unsigned char ext_oid[16];
	size_t ext_oid_len;
	unsigned char scratch[256];    /* the primitive value being read */
	size_t scratch_len;
	int scratch_overflow;
	br_sha256_context spki_hash;
	/* the SPKI's first bytes: enough to reach the RSA modulus length; read
	 * while BearSSL reads the same bytes, so known before it gives up on a
	 * modulus too large for its buffer */
	unsigned char spki_prefix[48];
	size_t spki_prefix_len;
} cert_reader;

void cert_reader_start(cert_reader *r, cert_facts *out,
	const server_identity *identity, uint32_t length);
void cert_reader_push(cert_reader *r, const unsigned char *p, size_t n);
/* 1 when the certificate was well-formed DER that we could follow. */
int cert_reader_finish(cert_reader *r);

#endif
