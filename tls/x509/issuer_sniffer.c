#include "bearssl.h"
#include "der_walker.h"
#include "issuer_sniffer.h"

/* TLS record and handshake constants (RFC 5246). */
#define CONTENT_CHANGE_CIPHER_SPEC 20
#define CONTENT_HANDSHAKE 22
#define HANDSHAKE_CERTIFICATE 11
#define DER_SEQUENCE 0x30
#define DER_CONTEXT_0 0xA0

/* Where in the stream we are. */
enum layer_state {
	RECORD_HEADER,     /* the 5-byte record header */
	RECORD_SKIP,       /* payload of a record that is not a handshake */
	RECORD_HANDSHAKE,  /* handshake payload: bytes go to the message layer */
	STOPPED            /* after ChangeCipherSpec everything is encrypted */
};

enum message_state {
	MESSAGE_TYPE,      /* the handshake message type (1) */
	MESSAGE_LENGTH,    /* its length (3); the states below are inside the message */
	MESSAGE_SKIP,      /* a message other than Certificate */
	CERT_LIST_LENGTH,  /* certificate_list length (3) */
	CERT_LENGTH,       /* one certificate's length (3) */
	CERT_BODY          /* the certificate's DER */
};

/* Inside one certificate (x509/der_walker.h walks it): Certificate SEQUENCE >
 * TBSCertificate SEQUENCE > [0] version (optional), serialNumber, signature,
 * issuer Name. Only the issuer's bytes are looked at. */
enum {
	KIND_CERTIFICATE = 1 | DER_DESCEND,
	KIND_TBS = 2 | DER_DESCEND,
	KIND_ISSUER = 3
};

static struct {
	enum layer_state layer;
	unsigned char header[5];
	unsigned header_have;
	size_t record_left;

	enum message_state message;
	unsigned field_have;       /* bytes of a multi-byte length field so far */
	size_t field_value;
	unsigned message_type;
	size_t message_left;
	size_t cert_left;

	der_walker der;            /* the current certificate */
	int has_version;           /* its TBSCertificate starts with [0] version */

	br_sha256_context sha;
	unsigned char hash[32];
	int pending;
} s;

void issuer_sniffer_reset(void) {
	__builtin_memset(&s, 0, sizeof s);
	s.layer = RECORD_HEADER;
	s.message = MESSAGE_TYPE;
}

int issuer_sniffer_pending(void) {
	return s.pending;
}

const unsigned char *issuer_sniffer_hash(void) {
	return s.hash;
}

void issuer_sniffer_resume(void) {
	s.pending = 0;
}

static int der_enter(void *ctx, int parent_kind, unsigned index, unsigned tag,
	uint32_t len, const unsigned char *hdr, size_t hdr_len)
{
	(void)ctx;
	(void)len;
	if (parent_kind == 0) {
		return tag == DER_SEQUENCE ? KIND_CERTIFICATE : 0;
	}
	if (parent_kind == KIND_CERTIFICATE) {
		return index == 0 && tag == DER_SEQUENCE ? KIND_TBS : 0;
	}
	if (parent_kind != KIND_TBS) {
		return 0;
	}
	if (index == 0 && tag == DER_CONTEXT_0) {
		s.has_version = 1;
		return 0;
	}
	if (index != (s.has_version ? 3u : 2u)) {
		return 0;
	}
	/* the issuer Name, hashed whole: its header, then its content */
	br_sha256_init(&s.sha);
	br_sha256_update(&s.sha, hdr, hdr_len);
	return KIND_ISSUER;
}

static void der_bytes(void *ctx, int kind, const unsigned char *p, size_t n) {
	(void)ctx;
	(void)kind;
	br_sha256_update(&s.sha, p, n);
}

/* The issuer Name is complete: hold the stream until the host has answered. */
static void der_leave(void *ctx, int kind) {
	(void)ctx;
	if (kind == KIND_ISSUER) {
		br_sha256_out(&s.sha, s.hash);
		s.pending = 1;
	}
}

static const der_visitor issuer_visitor = { der_enter, der_bytes, der_leave };

/* Accumulates a 3-byte big-endian length; stores it in *out and returns 1
 * when complete. */
static int length_field(unsigned char c, size_t *out) {
	s.field_value = (s.field_value << 8) | c;
	if (++s.field_have < 3) {
		return 0;
	}
	*out = s.field_value;
	s.field_value = 0;
	s.field_have = 0;
	return 1;
}

static void message_byte(unsigned char c) {
	int in_message = s.message >= MESSAGE_SKIP;
	size_t list_length;
	if (in_message) {
		s.message_left--;
	}
	switch (s.message) {
	case MESSAGE_TYPE:
		s.message_type = c;
		s.message = MESSAGE_LENGTH;
		break;
	case MESSAGE_LENGTH:
		if (length_field(c, &s.message_left)) {
			/* an empty message ends here; only Certificate is looked into */
			s.message = s.message_left == 0 ? MESSAGE_TYPE
				: s.message_type == HANDSHAKE_CERTIFICATE ? CERT_LIST_LENGTH : MESSAGE_SKIP;
		}
		break;
	case MESSAGE_SKIP:
		break;
	case CERT_LIST_LENGTH:
		if (length_field(c, &list_length)) {
			s.message = CERT_LENGTH;
		}
		break;
	case CERT_LENGTH:
		if (length_field(c, &s.cert_left) && s.cert_left != 0) {
			/* malformed DER just ends the watch: BearSSL reports the real error */
			der_walker_init(&s.der, &issuer_visitor, 0, (uint32_t)s.cert_left);
			s.has_version = 0;
			s.message = CERT_BODY;
		}
		break;
	case CERT_BODY:
		der_walker_push(&s.der, &c, 1);
		if (--s.cert_left == 0) {
			s.message = CERT_LENGTH;
		}
		break;
	}
	if (in_message && s.message_left == 0) {
		/* the message ended (a malformed one perhaps inside a length field) */
		s.message = MESSAGE_TYPE;
		s.field_have = 0;
		s.field_value = 0;
	}
}

static void record_byte(unsigned char c) {
	switch (s.layer) {
	case RECORD_HEADER:
		s.header[s.header_have++] = c;
		if (s.header_have < 5) {
			break;
		}
		s.header_have = 0;
		s.record_left = ((size_t)s.header[3] << 8) | s.header[4];
		if (s.header[0] == CONTENT_CHANGE_CIPHER_SPEC) {
			s.layer = STOPPED;
		} else if (s.record_left == 0) {
			s.layer = RECORD_HEADER;
		} else {
			s.layer = s.header[0] == CONTENT_HANDSHAKE ? RECORD_HANDSHAKE : RECORD_SKIP;
		}
		break;
	case RECORD_SKIP:
	case RECORD_HANDSHAKE:
		if (s.layer == RECORD_HANDSHAKE) {
			message_byte(c);
		}
		if (--s.record_left == 0) {
			s.layer = RECORD_HEADER;
		}
		break;
	case STOPPED:
		break;
	}
}

size_t issuer_sniffer_scan(const unsigned char *buf, size_t len) {
	size_t i = 0;
	while (i < len && !s.pending && s.layer != STOPPED) {
		record_byte(buf[i++]);
	}
	return s.layer == STOPPED && !s.pending ? len : i;
}

void issuer_sniffer_cert_start(size_t len) {
	der_walker_init(&s.der, &issuer_visitor, 0, (uint32_t)len);
	s.has_version = 0;
	s.cert_left = len;
	s.pending = 0;
}

size_t issuer_sniffer_cert_scan(const unsigned char *buf, size_t len) {
	size_t i = 0;
	while (i < len && !s.pending && s.cert_left != 0) {
		der_walker_push(&s.der, buf + i++, 1);
		s.cert_left--;
	}
	return s.pending ? i : len;
}
