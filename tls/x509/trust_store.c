#include <string.h>
#include "trust_store.h"
#include "microhttps/spec.h"

static struct {
	unsigned char *base;   /* start of the region: the anchor array */
	size_t size;
	size_t count;          /* anchors in the array */
	size_t data_low;       /* names and keys occupy [data_low, size) */
	int detail;            /* BearSSL decoder error of the last failure */
} store;

/* The decoder is only needed while one certificate is added: static, so the
 * stack stays small. */
static br_x509_decoder_context decoder;

/* Where the decoder's name callback writes: just above the anchor array. */
static struct {
	unsigned char *dst;
	size_t cap, len;
	int overflow;
} dn_sink;

static void collect_dn(void *ctx, const void *buf, size_t len) {
	(void)ctx;
	if (dn_sink.len + len > dn_sink.cap) {
		dn_sink.overflow = 1;
		return;
	}
	memcpy(dn_sink.dst + dn_sink.len, buf, len);
	dn_sink.len += len;
}

void trust_store_init(unsigned char *region, size_t size) {
	store.base = region;
	store.size = size;
	store.count = 0;
	store.data_low = size;
	store.detail = 0;
}

static size_t array_end(size_t count) {
	return count * sizeof(br_x509_trust_anchor);
}

/* Moves len bytes to the top of the free gap and returns their new home. */
static unsigned char *keep_bytes(const unsigned char *src, size_t len) {
	store.data_low -= len;
	memmove(store.base + store.data_low, src, len);
	return store.base + store.data_low;
}

static size_t key_bytes(const br_x509_pkey *pk) {
	return pk->key_type == BR_KEYTYPE_RSA
		? pk->key.rsa.nlen + pk->key.rsa.elen
		: pk->key.ec.qlen;
}

int trust_store_add(const unsigned char *der, size_t len) {
	size_t slot_end = array_end(store.count + 1);
	if (slot_end > store.data_low) {
		store.detail = 0;
		return MH_ERR_CONFIG;
	}
	dn_sink.dst = store.base + slot_end;
	dn_sink.cap = store.data_low - slot_end;
	dn_sink.len = 0;
	dn_sink.overflow = 0;

	br_x509_decoder_init(&decoder, collect_dn, NULL);
	br_x509_decoder_push(&decoder, der, len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&decoder);
	if (pk == NULL) {
		store.detail = br_x509_decoder_last_error(&decoder);
		return MH_ERR_CONFIG;
	}
	/* The name is in the gap; the key must fit beside it. */
	if (dn_sink.overflow || dn_sink.len + key_bytes(pk) > dn_sink.cap) {
		store.detail = 0;
		return MH_ERR_CONFIG;
	}

	br_x509_trust_anchor ta;
	ta.dn.len = dn_sink.len;
	ta.dn.data = keep_bytes(dn_sink.dst, dn_sink.len);
	ta.flags = br_x509_decoder_isCA(&decoder) ? BR_X509_TA_CA : 0;
	ta.pkey = *pk;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta.pkey.key.rsa.n = keep_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta.pkey.key.rsa.e = keep_bytes(pk->key.rsa.e, pk->key.rsa.elen);
	} else {
		ta.pkey.key.ec.q = keep_bytes(pk->key.ec.q, pk->key.ec.qlen);
	}
	memcpy(store.base + array_end(store.count), &ta, sizeof ta);
	store.count++;
	return 0;
}

const br_x509_trust_anchor *trust_store_anchors(void) {
	return (const br_x509_trust_anchor *)store.base;
}

size_t trust_store_count(void) {
	return store.count;
}

size_t trust_store_used(void) {
	return array_end(store.count) + (store.size - store.data_low);
}

int trust_store_detail(void) {
	return store.detail;
}
