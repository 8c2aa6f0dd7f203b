/* TLS 1.3 key schedule, written from RFC 8446 §7.1 and RFC 5869. HKDF is
 * built directly on br_hmac rather than br_hkdf: TLS 1.3 expands from
 * secrets it already holds (traffic secrets, finished keys), which
 * br_hkdf's extract-then-expand context cannot take as input. */
#include "tls13/key_schedule.h"
#include <string.h>

#define LABEL_PREFIX "tls13 "
#define LABEL_PREFIX_LEN 6
#define MAX_HASH_LEN 64

static size_t hash_len(const br_hash_class *hash) {
	return (size_t)(hash->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

/* HMAC-Hash(key, data); also HKDF-Extract(salt = key, IKM = data), RFC 5869 §2.2. */
static void hmac(const br_hash_class *hash, const unsigned char *key, size_t key_len,
	const unsigned char *data, size_t data_len, unsigned char *out)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	br_hmac_key_init(&kc, hash, key, key_len);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, data, data_len);
	br_hmac_out(&hc, out);
}

/* Feeds the HkdfLabel structure (RFC 8446 §7.1) into an HMAC: uint16
 * length, opaque label<7..255> = "tls13 " + label, opaque context<0..255>.
 * Written piecewise so that no buffer bounds the label or the context. */
static void hmac_hkdf_label(br_hmac_context *hc, size_t out_len, const char *label,
	const unsigned char *context, size_t context_len)
{
	size_t label_len = strlen(label);
	unsigned char head[3] = { (unsigned char)(out_len >> 8), (unsigned char)out_len,
		(unsigned char)(LABEL_PREFIX_LEN + label_len) };
	unsigned char context_len_byte = (unsigned char)context_len;
	br_hmac_update(hc, head, sizeof head);
	br_hmac_update(hc, LABEL_PREFIX, LABEL_PREFIX_LEN);
	br_hmac_update(hc, label, label_len);
	br_hmac_update(hc, &context_len_byte, 1);
	br_hmac_update(hc, context, context_len);
}

/* HKDF-Expand (RFC 5869 §2.3) with info = HkdfLabel: T(i) = HMAC(secret, T(i-1) | info | i). */
void tls13_expand_label(const br_hash_class *hash, const unsigned char *secret, size_t secret_len, const char *label,
	const unsigned char *context, size_t context_len, unsigned char *out, size_t out_len)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	unsigned char block[MAX_HASH_LEN];
	size_t hlen = hash_len(hash), done = 0;
	unsigned char counter = 1;
	br_hmac_key_init(&kc, hash, secret, secret_len);
	while (done < out_len) {
		size_t n = out_len - done < hlen ? out_len - done : hlen;
		br_hmac_init(&hc, &kc, 0);
		if (counter > 1) br_hmac_update(&hc, block, hlen);
		hmac_hkdf_label(&hc, out_len, label, context, context_len);
		br_hmac_update(&hc, &counter, 1);
		br_hmac_out(&hc, block);
		memcpy(out + done, block, n);
		done += n;
		counter++;
	}
}

void tls13_schedule_init(tls13_schedule *s, const br_hash_class *hash, const unsigned char *psk, size_t psk_len) {
	unsigned char zeros[48] = { 0 };
	s->hash = hash;
	s->len = hash_len(hash);
	/* salt 0 is len zero bytes; HMAC pads its key with zeros, so it is also the empty key */
	hmac(hash, zeros, s->len, psk ? psk : zeros, psk ? psk_len : s->len, s->secret);
}

void tls13_derive_secret(const tls13_schedule *s, const char *label, const unsigned char *transcript_hash, unsigned char *out) {
	tls13_expand_label(s->hash, s->secret, s->len, label, transcript_hash, s->len, out, s->len);
}

void tls13_schedule_next(tls13_schedule *s, const unsigned char *ikm, size_t ikm_len) {
	unsigned char zeros[48] = { 0 }, empty_hash[48], salt[48];
	br_hash_compat_context hc;
	/* Derive-Secret(secret, "derived", "") hashes the empty transcript */
	s->hash->init(&hc.vtable);
	s->hash->out(&hc.vtable, empty_hash);
	tls13_derive_secret(s, "derived", empty_hash, salt);
	hmac(s->hash, salt, s->len, ikm ? ikm : zeros, ikm ? ikm_len : s->len, s->secret);
}

void tls13_traffic_keys(const br_hash_class *hash, const unsigned char *traffic_secret, unsigned char *key, size_t key_len, unsigned char iv[12]) {
	size_t hlen = hash_len(hash);
	tls13_expand_label(hash, traffic_secret, hlen, "key", 0, 0, key, key_len);
	tls13_expand_label(hash, traffic_secret, hlen, "iv", 0, 0, iv, 12);
}

void tls13_finished_mac(const br_hash_class *hash, const unsigned char *base_key, const unsigned char *transcript_hash, unsigned char *out) {
	unsigned char finished_key[MAX_HASH_LEN];
	size_t hlen = hash_len(hash);
	tls13_expand_label(hash, base_key, hlen, "finished", 0, 0, finished_key, hlen);
	hmac(hash, finished_key, hlen, transcript_hash, hlen, out);
}

void tls13_next_traffic_secret(const br_hash_class *hash, unsigned char *secret) {
	unsigned char next[MAX_HASH_LEN];
	size_t hlen = hash_len(hash);
	tls13_expand_label(hash, secret, hlen, "traffic upd", 0, 0, next, hlen);
	memcpy(secret, next, hlen);
}

void tls13_resumption_psk(const br_hash_class *hash, const unsigned char *rms, const unsigned char *nonce, size_t nonce_len, unsigned char *psk) {
	size_t hlen = hash_len(hash);
	tls13_expand_label(hash, rms, hlen, "resumption", nonce, nonce_len, psk, hlen);
}
