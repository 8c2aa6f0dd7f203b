/* Test-only exports over the TLS 1.3 key schedule (tls/tls13/), linked
 * into build/crypto-test.wasm beside harness.c. Pointers are offsets into
 * harness.c's scratch; labels are NUL-terminated strings there. */
#include "tls13/key_schedule.h"

#define EXPORT(name) __attribute__((export_name(#name)))

unsigned char *ht_scratch(void);

static tls13_schedule schedule;

/* 256 or 384: the TLS 1.3 suites' hashes. */
static const br_hash_class *hash_of(int bits) {
	return bits == 384 ? &br_sha384_vtable : &br_sha256_vtable;
}

static unsigned char *at(unsigned offset) { return ht_scratch() + offset; }

/* has_psk = 0 gives the NULL psk of a full handshake. */
EXPORT(ht_ks_init)
void ht_ks_init(int bits, int has_psk, unsigned psk, unsigned psk_len) {
	tls13_schedule_init(&schedule, hash_of(bits), has_psk ? at(psk) : 0, psk_len);
}

/* has_ikm = 0 gives the NULL ikm of the master secret stage. */
EXPORT(ht_ks_next)
void ht_ks_next(int has_ikm, unsigned ikm, unsigned ikm_len) {
	tls13_schedule_next(&schedule, has_ikm ? at(ikm) : 0, ikm_len);
}

/* Copies the current stage's secret to out; returns its length. */
EXPORT(ht_ks_secret)
unsigned ht_ks_secret(unsigned out) {
	for (size_t i = 0; i < schedule.len; i++) at(out)[i] = schedule.secret[i];
	return schedule.len;
}

EXPORT(ht_derive_secret)
void ht_derive_secret(unsigned label, unsigned transcript_hash, unsigned out) {
	tls13_derive_secret(&schedule, (const char *)at(label), at(transcript_hash), at(out));
}

EXPORT(ht_expand_label)
void ht_expand_label(int bits, unsigned secret, unsigned secret_len, unsigned label,
	unsigned context, unsigned context_len, unsigned out, unsigned out_len)
{
	tls13_expand_label(hash_of(bits), at(secret), secret_len, (const char *)at(label), at(context), context_len, at(out), out_len);
}

EXPORT(ht_traffic_keys)
void ht_traffic_keys(int bits, unsigned secret, unsigned key, unsigned key_len, unsigned iv) {
	tls13_traffic_keys(hash_of(bits), at(secret), at(key), key_len, at(iv));
}

EXPORT(ht_finished_mac)
void ht_finished_mac(int bits, unsigned base_key, unsigned transcript_hash, unsigned out) {
	tls13_finished_mac(hash_of(bits), at(base_key), at(transcript_hash), at(out));
}

EXPORT(ht_next_traffic_secret)
void ht_next_traffic_secret(int bits, unsigned secret) {
	tls13_next_traffic_secret(hash_of(bits), at(secret));
}

EXPORT(ht_resumption_psk)
void ht_resumption_psk(int bits, unsigned rms, unsigned nonce, unsigned nonce_len, unsigned psk) {
	tls13_resumption_psk(hash_of(bits), at(rms), at(nonce), nonce_len, at(psk));
}
