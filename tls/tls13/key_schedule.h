/* TLS 1.3 key schedule (RFC 8446 §7.1, §7.3, §4.4.4, §4.6.1, §4.6.3) on
 * BearSSL's HMAC: HKDF-Extract, HKDF-Expand-Label, Derive-Secret, traffic
 * keys, Finished MACs, KeyUpdate and resumption PSKs. Labels are passed
 * WITHOUT the "tls13 " prefix; the functions add it. Nothing here
 * allocates; every buffer is the caller's. */
#ifndef MH_TLS13_KEY_SCHEDULE_H
#define MH_TLS13_KEY_SCHEDULE_H
#include "bearssl.h"

typedef struct {
	const br_hash_class *hash; /* SHA-256 or SHA-384, fixed by the cipher suite */
	size_t len;                /* its output length: 32 or 48 */
	unsigned char secret[48];  /* the current stage's secret: early, then handshake, then master */
} tls13_schedule;

/* Early Secret = HKDF-Extract(salt 0, IKM = psk, or len zero bytes when psk is NULL). */
void tls13_schedule_init(tls13_schedule *s, const br_hash_class *hash, const unsigned char *psk, size_t psk_len);

/* Next stage: secret = HKDF-Extract(Derive-Secret(secret, "derived", ""), ikm, or len zero bytes when ikm is NULL). */
void tls13_schedule_next(tls13_schedule *s, const unsigned char *ikm, size_t ikm_len);

/* Derive-Secret(s->secret, label, transcript_hash) into out (s->len bytes). */
void tls13_derive_secret(const tls13_schedule *s, const char *label, const unsigned char *transcript_hash, unsigned char *out);

/* HKDF-Expand-Label(secret, label, context, out_len). */
void tls13_expand_label(const br_hash_class *hash, const unsigned char *secret, size_t secret_len, const char *label,
	const unsigned char *context, size_t context_len, unsigned char *out, size_t out_len);

/* write_key (key_len bytes) and write_iv (12 bytes) from a traffic secret. */
void tls13_traffic_keys(const br_hash_class *hash, const unsigned char *traffic_secret, unsigned char *key, size_t key_len, unsigned char iv[12]);

/* verify_data = HMAC(finished_key = HKDF-Expand-Label(base_key, "finished", "", len), transcript_hash). */
void tls13_finished_mac(const br_hash_class *hash, const unsigned char *base_key, const unsigned char *transcript_hash, unsigned char *out);

/* KeyUpdate: secret = HKDF-Expand-Label(secret, "traffic upd", "", len), in place. */
void tls13_next_traffic_secret(const br_hash_class *hash, unsigned char *secret);

/* resumption PSK from resumption_master_secret and the ticket nonce: HKDF-Expand-Label(rms, "resumption", nonce, len). */
void tls13_resumption_psk(const br_hash_class *hash, const unsigned char *rms, const unsigned char *nonce, size_t nonce_len, unsigned char *psk);

#endif
