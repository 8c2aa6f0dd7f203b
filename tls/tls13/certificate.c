/* The server's Certificate (RFC 8446 §4.4.2), read as a stream: each
 * certificate's DER goes to the X.509 policy piece by piece as records
 * arrive (never held whole), through the issuer sniffer when trust anchors
 * come on demand. Then CertificateVerify (§4.4.3) with the validated key. */
#include <string.h>
#include "engine.h"
#include "x509/issuer_sniffer.h"
#include "x509/chain_setup.h"
#include "crypto/rsa_pss.h"
#include "tls12/ec_choice.h"

/* The fields of the message body, in order. */
enum {
	F_CONTEXT_LENGTH,  /* certificate_request_context (empty from a server) */
	F_LIST_LENGTH,     /* certificate_list, 3 bytes */
	F_CERT_LENGTH,     /* cert_data, 3 bytes */
	F_CERT,            /* the DER */
	F_EXT_LENGTH,      /* the entry's extensions, 2 bytes */
	F_EXT              /* skipped */
};

static void expect(int step, size_t need) {
	tls13_cert_reader *r = &t13->certs;
	r->step = step;
	r->need = need;
	r->value = 0;
}

void tls13_certs_start(void) {
	const br_x509_class **x = t13->x509;
	t13->certs.count = 0;
	expect(F_CONTEXT_LENGTH, 1);
	(*x)->start_chain(x, chain_setup_sni());
}

/* A length field is complete; 0, or -1 with the failure recorded. */
static int length_read(void) {
	tls13_engine *e = t13;
	tls13_cert_reader *r = &e->certs;
	const br_x509_class **x = e->x509;
	switch (r->step) {
	case F_CONTEXT_LENGTH:
		if (r->value != 0) break;
		expect(F_LIST_LENGTH, 3);
		return 0;
	case F_LIST_LENGTH:
		if (r->value + 4 != e->msg_len) break;
		expect(F_CERT_LENGTH, 3);
		return 0;
	case F_CERT_LENGTH:
		if (r->value == 0) break;
		r->count++;
		(*x)->start_cert(x, r->value);
		if (e->on_demand) issuer_sniffer_cert_start(r->value);
		expect(F_CERT, r->value);
		return 0;
	case F_EXT_LENGTH:
		if (r->value == 0) expect(F_CERT_LENGTH, 3); else expect(F_EXT, r->value);
		return 0;
	}
	tls13_fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR);
	return -1;
}

/* Certificate bytes to the X.509 engine; fewer than n when an issuer Name
 * was just read and the host must first be asked for its anchors. */
static size_t cert_bytes(const unsigned char *p, size_t n) {
	tls13_engine *e = t13;
	const br_x509_class **x = e->x509;
	size_t give = e->on_demand ? issuer_sniffer_cert_scan(p, n) : n;
	(*x)->append(x, p, give);
	e->anchor_wait = e->on_demand && issuer_sniffer_pending();
	e->certs.need -= give;
	if (e->certs.need == 0) {
		(*x)->end_cert(x);
		expect(F_EXT_LENGTH, 2);
	}
	return give;
}

static void end_chain(void) {
	tls13_engine *e = t13;
	const br_x509_class **x = e->x509;
	unsigned err = (*x)->end_chain(x);
	if (e->certs.step != F_CERT_LENGTH || e->certs.need != 3) {
		tls13_fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR);
	} else if (e->certs.count == 0) {
		tls13_fail(BR_ERR_X509_EMPTY_CHAIN, ALERT_DECODE_ERROR);
	} else if (err != 0) {
		tls13_fail((int)err, ALERT_BAD_CERTIFICATE);
	}
}

size_t tls13_certs_bytes(const unsigned char *p, size_t n, int last) {
	tls13_engine *e = t13;
	tls13_cert_reader *r = &e->certs;
	size_t used = 0;
	while (used < n && e->state != ST_CLOSED) {
		size_t k = n - used < r->need ? n - used : r->need;
		if (r->step == F_CERT) {
			used += cert_bytes(p + used, k);
			if (e->anchor_wait) return used;
		} else if (r->step == F_EXT) {
			used += k;
			r->need -= k;
			if (r->need == 0) expect(F_CERT_LENGTH, 3);
		} else {
			r->value = r->value << 8 | p[used++];
			if (--r->need == 0 && length_read() != 0) return used;
		}
	}
	if (last && used == n && e->state != ST_CLOSED) {
		end_chain();
	}
	return used;
}

/* The signed content (§4.4.3) hashed with the scheme's hash. */
static size_t signed_hash(const br_hash_class *h, unsigned char *out) {
	static const char label[] = "TLS 1.3, server CertificateVerify";
	unsigned char pad[64], th[48];
	size_t th_len = t13->hash->desc >> BR_HASHDESC_OUT_OFF & BR_HASHDESC_OUT_MASK;
	br_hash_compat_context hc;
	memset(pad, 0x20, sizeof pad);
	tls13_transcript_hash(th);
	h->init(&hc.vtable);
	h->update(&hc.vtable, pad, sizeof pad);
	h->update(&hc.vtable, label, sizeof label); /* the label and its 0 byte */
	h->update(&hc.vtable, th, th_len);
	h->out(&hc.vtable, out);
	return h->desc >> BR_HASHDESC_OUT_OFF & BR_HASHDESC_OUT_MASK;
}

/* 1 when sig by the server's key is good for the scheme. */
static int signature_ok(unsigned scheme, const unsigned char *sig, size_t sig_len) {
	const br_x509_class **x = t13->x509;
	unsigned usages;
	const br_x509_pkey *pk = (*x)->get_pkey(x, &usages);
	unsigned char hv[64];
	if (pk == NULL || !(usages & BR_KEYTYPE_SIGN)) return 0;
	switch (scheme) {
	case 0x0403:
	case 0x0503: {
		int curve = scheme == 0x0403 ? BR_EC_secp256r1 : BR_EC_secp384r1;
		if (pk->key_type != BR_KEYTYPE_EC || pk->key.ec.curve != curve) return 0;
		size_t n = signed_hash(scheme == 0x0403 ? &br_sha256_vtable : &br_sha384_vtable, hv);
		return chain_setup_ecdsa()(ec_choice(), hv, n, &pk->key.ec, sig, sig_len) == 1;
	}
	case 0x0804:
	case 0x0805:
	case 0x0806: {
		const br_hash_class *h = scheme == 0x0804 ? &br_sha256_vtable
			: scheme == 0x0805 ? &br_sha384_vtable : &br_sha512_vtable;
		if (pk->key_type != BR_KEYTYPE_RSA) return 0;
		size_t n = signed_hash(h, hv);
		return rsa_pss_verify(sig, sig_len, h, hv, n, &pk->key.rsa);
	}
	}
	return 0;
}

int tls13_certificate_verify(const unsigned char *m, size_t len) {
	if (len < 8 || ((size_t)m[6] << 8 | m[7]) + 8 != len) {
		tls13_fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR);
		return -1;
	}
	unsigned scheme = (unsigned)m[4] << 8 | m[5];
	if (!signature_ok(scheme, m + 8, len - 8)) {
		tls13_fail(BR_ERR_BAD_SIGNATURE, ALERT_DECRYPT_ERROR);
		return -1;
	}
	tls13_transcript(m, len);
	t13->state = ST_WAIT_FINISHED;
	return 0;
}
