#include <string.h>
#include "cert_facts.h"

/* Element kinds: where an element sits in the certificate. */
enum {
	K_CERT = 1 | DER_DESCEND,
	K_TBS = 2 | DER_DESCEND,
	K_ISSUER = 3,
	K_VALIDITY = 4 | DER_DESCEND,
	K_NOT_BEFORE = 5,
	K_NOT_AFTER = 6,
	K_SUBJECT = 7,
	K_SPKI = 8,
	K_EXTS_WRAP = 9 | DER_DESCEND,
	K_EXTS = 10 | DER_DESCEND,
	K_EXT = 11 | DER_DESCEND,
	K_EXT_OID = 12,
	K_SAN_VALUE = 13 | DER_DESCEND,
	K_SAN_SEQ = 14 | DER_DESCEND,
	K_SAN_NAME = 15,
	K_EKU_VALUE = 16 | DER_DESCEND,
	K_EKU_SEQ = 17 | DER_DESCEND,
	K_EKU_OID = 18,
	K_SIG_ALG = 19 | DER_DESCEND,
	K_SIG_ALG_OID = 20,
};

/* OID values (without tag and length). */
static const unsigned char OID_SAN[] = { 0x55, 0x1D, 0x11 };
static const unsigned char OID_EKU[] = { 0x55, 0x1D, 0x25 };
static const unsigned char OID_SERVER_AUTH[] = { 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01 };
static const unsigned char OID_RSA_ENCRYPTION[] = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01 };

/* Signature algorithms with broken hashes: md5WithRSAEncryption,
 * sha1WithRSAEncryption, ecdsa-with-SHA1. */
static const struct { unsigned char len, oid[9]; } WEAK_SIGNATURES[] = {
	{ 9, { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x04 } },
	{ 9, { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05 } },
	{ 7, { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01 } },
};

#define TAG_SEQUENCE 0x30
#define TAG_OID 0x06
#define TAG_OCTET_STRING 0x04
#define TAG_INTEGER 0x02
#define TAG_BIT_STRING 0x03
#define TAG_UTC_TIME 0x17
#define TAG_GENERALIZED_TIME 0x18
#define TAG_SAN_DNS 0x82
#define TAG_SAN_IP 0x87

/* The TBSCertificate fields after the optional version. */
enum { TBS_SERIAL, TBS_SIGNATURE, TBS_ISSUER, TBS_VALIDITY, TBS_SUBJECT, TBS_SPKI };

static int oid_is(const cert_reader *r, const unsigned char *oid, size_t len) {
	return r->ext_oid_len == len && memcmp(r->ext_oid, oid, len) == 0;
}

static int tbs_kind(cert_reader *r, unsigned index, unsigned tag) {
	if (index == 0 && tag == 0xA0) {
		r->version_seen = 1;
		return 0;
	}
	switch (index - (unsigned)r->version_seen) {
	case TBS_ISSUER: return K_ISSUER;
	case TBS_VALIDITY: return K_VALIDITY;
	case TBS_SUBJECT: return K_SUBJECT;
	case TBS_SPKI: return K_SPKI;
	}
	return tag == 0xA3 ? K_EXTS_WRAP : 0;
}

static int ext_value_kind(cert_reader *r) {
	if (oid_is(r, OID_SAN, sizeof OID_SAN)) return K_SAN_VALUE;
	if (oid_is(r, OID_EKU, sizeof OID_EKU)) {
		r->out->eku_present = 1;
		return K_EKU_VALUE;
	}
	return 0;
}

static int child_kind(cert_reader *r, int parent, unsigned index, unsigned tag, uint32_t len) {
	switch (parent) {
	case 0: return K_CERT;
	case K_CERT:
		if (index == 2 && tag == TAG_BIT_STRING) {
			/* the signature is as long as its signer's RSA modulus (plus the unused-bits byte) */
			r->out->signature_bytes = len > 0 ? len - 1 : 0;
		}
		return index == 0 ? K_TBS : index == 1 ? K_SIG_ALG : 0;
	case K_SIG_ALG: return index == 0 && tag == TAG_OID ? K_SIG_ALG_OID : 0;
	case K_TBS: return tbs_kind(r, index, tag);
	case K_VALIDITY:
		if (tag != TAG_UTC_TIME && tag != TAG_GENERALIZED_TIME) return 0;
		return index == 0 ? K_NOT_BEFORE : index == 1 ? K_NOT_AFTER : 0;
	case K_EXTS_WRAP: return tag == TAG_SEQUENCE ? K_EXTS : 0;
	case K_EXTS: return tag == TAG_SEQUENCE ? K_EXT : 0;
	case K_EXT:
		if (index == 0) {
			r->ext_oid_len = 0;
			return tag == TAG_OID ? K_EXT_OID : 0;
		}
		return tag == TAG_OCTET_STRING ? ext_value_kind(r) : 0;
	case K_SAN_VALUE: return tag == TAG_SEQUENCE ? K_SAN_SEQ : 0;
	case K_SAN_SEQ: return tag == TAG_SAN_DNS || tag == TAG_SAN_IP ? K_SAN_NAME : 0;
	case K_EKU_VALUE: return tag == TAG_SEQUENCE ? K_EKU_SEQ : 0;
	case K_EKU_SEQ: return tag == TAG_OID ? K_EKU_OID : 0;
	}
	return 0;
}

static int on_enter(void *ctx, int parent, unsigned index, unsigned tag,
	uint32_t len, const unsigned char *hdr, size_t hdr_len)
{
	cert_reader *r = ctx;
	int kind = child_kind(r, parent, index, tag, len);
	r->scratch_len = 0;
	r->scratch_overflow = 0;
	if (kind == K_SPKI) {
		br_sha256_init(&r->spki_hash);
		br_sha256_update(&r->spki_hash, hdr, hdr_len);
		r->spki_prefix_len = 0;
	}
	if ((kind == K_SUBJECT || kind == K_ISSUER) && hdr_len <= sizeof r->scratch) {
		/* names are kept as whole DER elements, header included */
		memcpy(r->scratch, hdr, hdr_len);
		r->scratch_len = hdr_len;
	}
	if (kind == K_NOT_BEFORE || kind == K_NOT_AFTER || kind == K_SAN_NAME) {
		r->scratch[0] = (unsigned char)tag;
		r->scratch_len = 1;
	}
	return kind;
}

/* One DER header at p: its length, or 0 when it does not fit in n bytes. */
static size_t der_header(const unsigned char *p, size_t n, unsigned tag, uint32_t *len) {
	if (n < 2 || p[0] != tag) return 0;
	if (p[1] < 0x80) {
		*len = p[1];
		return 2;
	}
	size_t count = p[1] & 0x7F;
	if (count == 0 || count > 3 || n < 2 + count) return 0;
	uint32_t v = 0;
	for (size_t i = 0; i < count; i++) v = (v << 8) | p[2 + i];
	*len = v;
	return 2 + count;
}

/* The bit size of an RSA key from the first bytes of its SPKI's contents
 * (AlgorithmIdentifier, then a BIT STRING holding SEQUENCE { INTEGER n, ... }),
 * 0 for another key type or when the prefix is too short. */
static uint32_t rsa_modulus_bits(const unsigned char *p, size_t n) {
	uint32_t len;
	size_t at = der_header(p, n, TAG_SEQUENCE, &len);
	if (at == 0 || n - at < 2 + sizeof OID_RSA_ENCRYPTION || p[at] != TAG_OID || p[at + 1] != sizeof OID_RSA_ENCRYPTION
		|| memcmp(p + at + 2, OID_RSA_ENCRYPTION, sizeof OID_RSA_ENCRYPTION) != 0 || n - at < len) {
		return 0;
	}
	at += len;
	size_t h = der_header(p + at, n - at, TAG_BIT_STRING, &len);
	if (h == 0 || n - at - h < 1) return 0;
	at += h + 1; /* the unused-bits byte */
	if ((h = der_header(p + at, n - at, TAG_SEQUENCE, &len)) == 0) return 0;
	at += h;
	if ((h = der_header(p + at, n - at, TAG_INTEGER, &len)) == 0) return 0;
	at += h;
	/* DER integers are minimal: at most one leading zero byte */
	if (n - at < 2 || len < 2) return 0;
	unsigned top = p[at] != 0 ? p[at] : p[at + 1];
	uint32_t bytes = p[at] != 0 ? len : len - 1;
	uint32_t bits = bytes * 8;
	for (unsigned mask = 0x80; mask != 0 && (top & mask) == 0; mask >>= 1) bits--;
	return bits;
}

static void keep_spki_prefix(cert_reader *r, const unsigned char *p, size_t n) {
	size_t room = sizeof r->spki_prefix - r->spki_prefix_len;
	if (room == 0) return;
	size_t take = n < room ? n : room;
	memcpy(r->spki_prefix + r->spki_prefix_len, p, take);
	r->spki_prefix_len += take;
	/* computed at every step: BearSSL may give up on this key before the SPKI ends */
	r->out->rsa_key_bits = rsa_modulus_bits(r->spki_prefix, r->spki_prefix_len);
}

static void on_bytes(void *ctx, int kind, const unsigned char *p, size_t n) {
	cert_reader *r = ctx;
	if (kind == K_SPKI) {
		br_sha256_update(&r->spki_hash, p, n);
		keep_spki_prefix(r, p, n);
		return;
	}
	if (kind == K_EXT_OID) {
		if (r->ext_oid_len + n <= sizeof r->ext_oid) {
			memcpy(r->ext_oid + r->ext_oid_len, p, n);
		}
		r->ext_oid_len += n;
		return;
	}
	if (r->scratch_len + n > sizeof r->scratch) {
		r->scratch_overflow = 1;
		return;
	}
	memcpy(r->scratch + r->scratch_len, p, n);
	r->scratch_len += n;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const unsigned char *p, size_t n, unsigned *out) {
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

/* UTCTime YYMMDDHHMMSSZ (years 1950-2049) or GeneralizedTime
 * YYYYMMDDHHMMSSZ, the only forms RFC 5280 allows. */
static int parse_time(unsigned tag, const unsigned char *t, size_t n, int64_t *out) {
	unsigned y, mo, d, h, mi, s;
	size_t ylen = tag == TAG_UTC_TIME ? 2 : 4;
	if (n != ylen + 11 || t[n - 1] != 'Z') return -1;
	if (digits(t, ylen, &y) || digits(t + ylen, 2, &mo) || digits(t + ylen + 2, 2, &d)
		|| digits(t + ylen + 4, 2, &h) || digits(t + ylen + 6, 2, &mi) || digits(t + ylen + 8, 2, &s)) {
		return -1;
	}
	if (tag == TAG_UTC_TIME) y += y < 50 ? 2000 : 1900;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

static void keep_time(cert_reader *r, unsigned char *dst, size_t *dst_len, int64_t *unix_time) {
	if (r->scratch_overflow || r->scratch_len > CERT_TIME_MAX + 1
		|| parse_time(r->scratch[0], r->scratch + 1, r->scratch_len - 1, unix_time) != 0) {
		return;
	}
	memcpy(dst, r->scratch, r->scratch_len);
	*dst_len = r->scratch_len;
}

static void keep_dn(cert_reader *r, unsigned char *dst, size_t *dst_len) {
	if (!r->scratch_overflow && r->scratch_len <= CERT_DN_MAX) {
		memcpy(dst, r->scratch, r->scratch_len);
		*dst_len = r->scratch_len;
	}
}

static void keep_san(cert_reader *r) {
	cert_facts *f = r->out;
	if (r->scratch_overflow) return; /* longer than any name we could match */
	unsigned tag = r->scratch[0];
	const unsigned char *value = r->scratch + 1;
	size_t len = r->scratch_len - 1;
	f->has_name_san = 1;
	if (r->identity && server_identity_matches(r->identity, tag, value, len)) {
		f->identity_matched = 1;
	}
	/* summary copy: tag, one length byte, value */
	if (len < 0x80 && f->sans_len + 2 + len <= sizeof f->sans) {
		f->sans[f->sans_len++] = (unsigned char)tag;
		f->sans[f->sans_len++] = (unsigned char)len;
		memcpy(f->sans + f->sans_len, value, len);
		f->sans_len += len;
	} else {
		f->sans_truncated = 1;
	}
}

static int weak_signature(const cert_reader *r) {
	for (size_t i = 0; i < sizeof WEAK_SIGNATURES / sizeof WEAK_SIGNATURES[0]; i++) {
		if (!r->scratch_overflow && r->scratch_len == WEAK_SIGNATURES[i].len
			&& memcmp(r->scratch, WEAK_SIGNATURES[i].oid, r->scratch_len) == 0) {
			return 1;
		}
	}
	return 0;
}

static void on_leave(void *ctx, int kind) {
	cert_reader *r = ctx;
	cert_facts *f = r->out;
	switch (kind) {
	case K_SUBJECT: keep_dn(r, f->subject, &f->subject_len); break;
	case K_ISSUER: keep_dn(r, f->issuer, &f->issuer_len); break;
	case K_NOT_BEFORE: keep_time(r, f->not_before, &f->not_before_len, &f->not_before_unix); break;
	case K_NOT_AFTER: keep_time(r, f->not_after, &f->not_after_len, &f->not_after_unix); break;
	case K_VALIDITY: f->dates_known = f->not_before_len != 0 && f->not_after_len != 0; break;
	case K_SPKI:
		br_sha256_out(&r->spki_hash, f->spki_sha256);
		f->spki_known = 1;
		break;
	case K_SAN_NAME: keep_san(r); break;
	case K_SIG_ALG_OID: f->weak_signature_hash = weak_signature(r); break;
	case K_EKU_OID:
		if (!r->scratch_overflow && r->scratch_len == sizeof OID_SERVER_AUTH
			&& memcmp(r->scratch, OID_SERVER_AUTH, sizeof OID_SERVER_AUTH) == 0) {
			f->eku_server_auth = 1;
		}
		break;
	}
}

static const der_visitor cert_visitor = { on_enter, on_bytes, on_leave };

void cert_reader_start(cert_reader *r, cert_facts *out,
	const server_identity *identity, uint32_t length)
{
	memset(out, 0, sizeof *out);
	r->out = out;
	r->identity = identity;
	r->version_seen = 0;
	r->ext_oid_len = 0;
	r->scratch_len = 0;
	r->scratch_overflow = 0;
	der_walker_init(&r->walker, &cert_visitor, r, length);
}

void cert_reader_push(cert_reader *r, const unsigned char *p, size_t n) {
	der_walker_push(&r->walker, p, n);
}

int cert_reader_finish(cert_reader *r) {
	return der_walker_complete(&r->walker);
}
