/* TLS 1.3 record protection (RFC 8446 §5.2-5.3): AEAD over
 * TLSInnerPlaintext (content, type byte, no padding of ours), the record
 * header as additional data, a per-record nonce from the IV and the
 * sequence number. AES-GCM and ChaCha20-Poly1305 use the build's fastest
 * primitives (crypto/fast_crypto.h). */
#include <string.h>
#include "engine.h"
#include "crypto/fast_crypto.h"

void tls13_set_keys(tls13_direction *d, const unsigned char *secret) {
	tls13_traffic_keys(t13->hash, secret, d->key, t13->key_len, d->iv);
	d->seq = 0;
	d->on = 1;
}

static void record_nonce(const tls13_direction *d, unsigned char nonce[12]) {
	memcpy(nonce, d->iv, 12);
	for (int i = 0; i < 8; i++) {
		nonce[11 - i] ^= (unsigned char)(d->seq >> (8 * i));
	}
}

/* One AEAD pass over data; on decryption returns 1 when the tag matched. */
static int aead(const tls13_direction *d, const unsigned char *aad,
	unsigned char *data, size_t len, unsigned char *tag, int encrypt)
{
	unsigned char nonce[12];
	record_nonce(d, nonce);
	if (t13->suite == TLS_CHACHA20_POLY1305_SHA256) {
		unsigned char computed[TLS13_TAG];
		if (!encrypt) {
			/* the tag is computed over the ciphertext before it is decrypted */
			fast_crypto_poly1305()(d->key, nonce, data, len, aad, TLS13_RECORD_HEADER,
				computed, fast_crypto_chacha20(), 0);
			return tls13_equal(computed, tag, TLS13_TAG);
		}
		fast_crypto_poly1305()(d->key, nonce, data, len, aad, TLS13_RECORD_HEADER,
			tag, fast_crypto_chacha20(), 1);
		return 1;
	}
	/* AES-GCM: room for the largest AES-CTR key context of any build */
	uint64_t keys[64];
	const br_block_ctr_class *ctr = fast_crypto_aes_ctr();
	if (ctr->context_size > sizeof keys) {
		return 0;
	}
	const br_block_ctr_class **kc = (const br_block_ctr_class **)(void *)keys;
	ctr->init(kc, d->key, t13->key_len);
	br_gcm_context gcm;
	br_gcm_init(&gcm, kc, fast_crypto_ghash());
	br_gcm_reset(&gcm, nonce, sizeof nonce);
	br_gcm_aad_inject(&gcm, aad, TLS13_RECORD_HEADER);
	br_gcm_flip(&gcm);
	br_gcm_run(&gcm, encrypt, data, len);
	int ok = 1;
	if (encrypt) {
		br_gcm_get_tag(&gcm, tag);
	} else {
		ok = (int)br_gcm_check_tag(&gcm, tag);
	}
	memset(keys, 0, sizeof keys);
	return ok;
}

static void write_header(unsigned char *rec, unsigned type, size_t len) {
	rec[0] = (unsigned char)type;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (unsigned char)(len >> 8);
	rec[4] = (unsigned char)len;
}

size_t tls13_seal(unsigned char *rec, size_t len, unsigned inner_type) {
	tls13_direction *d = &t13->wr;
	unsigned char *body = rec + TLS13_RECORD_HEADER;
	body[len] = (unsigned char)inner_type;
	size_t clen = len + 1 + TLS13_TAG;
	write_header(rec, CT_APPLICATION_DATA, clen);
	aead(d, rec, body, len + 1, body + len + 1, 1);
	d->seq++;
	return TLS13_RECORD_HEADER + clen;
}

long tls13_open(unsigned char *rec, size_t len, unsigned *type) {
	tls13_direction *d = &t13->rd;
	size_t clen = len - TLS13_RECORD_HEADER;
	if (clen < 1 + TLS13_TAG) {
		tls13_fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR);
		return -1;
	}
	unsigned char *body = rec + TLS13_RECORD_HEADER;
	size_t n = clen - TLS13_TAG;
	if (!aead(d, rec, body, n, body + n, 0)) {
		tls13_fail(BR_ERR_BAD_MAC, ALERT_BAD_RECORD_MAC);
		return -1;
	}
	d->seq++;
	/* §5.4: TLSInnerPlaintext (type byte and padding included) is at most
	 * the fragment limit + 1; RFC 8449 §4 counts the same bytes */
	if (n > tls13_fragment_limit_in() + 1) {
		tls13_record_overflow();
		return -1;
	}
	/* the inner type is the last non-zero byte; zeros after it are padding */
	while (n > 0 && body[n - 1] == 0) {
		n--;
	}
	if (n == 0) {
		tls13_fail(BR_ERR_BAD_PARAM, ALERT_UNEXPECTED_MESSAGE);
		return -1;
	}
	*type = body[--n];
	return (long)n;
}

void tls13_seal_staged(void) {
	tls13_engine *e = t13;
	if (e->staged) {
		e->out_len += tls13_seal(e->out + e->out_len, e->staged, CT_APPLICATION_DATA);
		e->staged = 0;
	}
}

int tls13_queue(unsigned type, const unsigned char *data, size_t len) {
	tls13_engine *e = t13;
	tls13_seal_staged();
	size_t room = e->out_cap - e->out_len;
	if (room < TLS13_RECORD_HEADER + len + 1 + TLS13_TAG) {
		tls13_fail(BR_ERR_TOO_LARGE, ALERT_INTERNAL_ERROR);
		return -1;
	}
	unsigned char *rec = e->out + e->out_len;
	memmove(rec + TLS13_RECORD_HEADER, data, len);
	if (e->wr.on && type != CT_CHANGE_CIPHER_SPEC) {
		e->out_len += tls13_seal(rec, len, type);
	} else {
		write_header(rec, type, len);
		e->out_len += TLS13_RECORD_HEADER + len;
	}
	return 0;
}
