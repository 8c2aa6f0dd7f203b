#include "bearssl.h"
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

/* Inside one certificate: Certificate SEQUENCE > TBSCertificate SEQUENCE >
 * [0] version (optional), serialNumber, signature, issuer Name. */
enum der_state {
	DER_TAG,
	DER_LENGTH,
	DER_LENGTH_BYTES,
	DER_SKIP_CONTENT,
	DER_HASH_CONTENT,
	DER_DONE
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

	enum der_state der;
	unsigned depth;            /* 0: Certificate, 1: TBSCertificate, 2: its fields */
	unsigned field_index;      /* fields of TBSCertificate seen (version not counted) */
	unsigned tag;
	size_t length;
	unsigned length_bytes;
	size_t content_left;
	int hashing;

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

static void der_start(void) {
	s.der = DER_TAG;
	s.depth = 0;
	s.field_index = 0;
	s.hashing = 0;
}

static void hash_byte(unsigned char c) {
	if (s.hashing) {
		br_sha256_update(&s.sha, &c, 1);
	}
}

/* The issuer Name is complete: hold the stream until the host has answered. */
static void issuer_found(void) {
	br_sha256_out(&s.sha, s.hash);
	s.hashing = 0;
	s.pending = 1;
	s.der = DER_DONE;
}

/* The element whose tag and length were just read: enter it, hash it, or skip it. */
static void der_element(void) {
	s.content_left = s.length;
	if (s.depth < 2) {
		/* the Certificate and TBSCertificate SEQUENCEs are entered, not skipped */
		s.der = s.tag == DER_SEQUENCE ? DER_TAG : DER_DONE;
		s.depth++;
	} else if (s.field_index == 0 && s.tag == DER_CONTEXT_0) {
		s.der = s.length ? DER_SKIP_CONTENT : DER_TAG; /* version: not a counted field */
	} else if (++s.field_index == 3) {
		if (s.length) {
			s.der = DER_HASH_CONTENT; /* the issuer Name */
		} else {
			issuer_found();
		}
	} else {
		s.der = s.length ? DER_SKIP_CONTENT : DER_TAG;
	}
}

/* One byte of a certificate's DER. Malformed DER simply ends the watch for
 * this certificate: BearSSL's own decoder reports the real error. */
static void der_byte(unsigned char c) {
	switch (s.der) {
	case DER_TAG:
		s.tag = c;
		if (s.depth == 2 && s.field_index == 2) {
			/* the next field is the issuer: hash it whole, tag and length included */
			br_sha256_init(&s.sha);
			s.hashing = 1;
		}
		hash_byte(c);
		s.der = DER_LENGTH;
		break;
	case DER_LENGTH:
		hash_byte(c);
		if (c < 0x80) {
			s.length = c;
			der_element();
		} else if (c >= 0x81 && c <= 0x83) {
			s.length = 0;
			s.length_bytes = c & 0x7f;
			s.der = DER_LENGTH_BYTES;
		} else {
			s.der = DER_DONE;
		}
		break;
	case DER_LENGTH_BYTES:
		hash_byte(c);
		s.length = (s.length << 8) | c;
		if (--s.length_bytes == 0) {
			der_element();
		}
		break;
	case DER_SKIP_CONTENT:
		if (--s.content_left == 0) {
			s.der = DER_TAG;
		}
		break;
	case DER_HASH_CONTENT:
		hash_byte(c);
		if (--s.content_left == 0) {
			issuer_found();
		}
		break;
	case DER_DONE:
		break;
	}
}

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
			der_start();
			s.message = CERT_BODY;
		}
		break;
	case CERT_BODY:
		der_byte(c);
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
