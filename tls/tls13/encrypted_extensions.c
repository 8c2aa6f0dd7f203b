/* EncryptedExtensions (RFC 8446 §4.3.1): what the server accepted of our
 * ClientHello's extensions. ALPN can only be ours; max_fragment_length
 * echoes our code (RFC 6066); record_size_limit (RFC 8449) is the server's
 * limit for our records. Other extensions the server may send here
 * (server_name, supported_groups) need nothing from us. */
#include <string.h>
#include "engine.h"

#define EXT_MAX_FRAGMENT_LENGTH 1
#define EXT_ALPN 16
#define EXT_RECORD_SIZE_LIMIT 28
/* RFC 8449 §4: smaller values are refused. */
#define RECORD_SIZE_LIMIT_MIN 64

static unsigned be16(const unsigned char *p) {
	return (unsigned)p[0] << 8 | p[1];
}

static int refuse(int alert) {
	tls13_fail(BR_ERR_BAD_PARAM, alert);
	return -1;
}

static int alpn(const unsigned char *p, size_t n) {
	static const unsigned char http11[] = { 0, 9, 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
	return n == sizeof http11 && memcmp(p, http11, n) == 0 ? 0 : refuse(ALERT_ILLEGAL_PARAMETER);
}

static int max_fragment_length(const unsigned char *p, size_t n) {
	unsigned offered = tls13_mfl_code_offered();
	if (n != 1) return refuse(ALERT_DECODE_ERROR);
	if (offered == 0) return refuse(ALERT_UNSUPPORTED_EXTENSION);
	if (p[0] != offered) return refuse(ALERT_ILLEGAL_PARAMETER);
	t13->mfl_code = offered;
	return 0;
}

static int record_size_limit(const unsigned char *p, size_t n) {
	if (n != 2) return refuse(ALERT_DECODE_ERROR);
	unsigned limit = be16(p);
	if (limit < RECORD_SIZE_LIMIT_MIN) return refuse(ALERT_ILLEGAL_PARAMETER);
	/* a larger value than TLS 1.3 allows is only more room (RFC 8449 §4: a
	 * client MAY refuse it; records stay at most 2^14 anyway) */
	t13->peer_record_limit = limit;
	return 0;
}

/* One extension, at most once each (§4.2); 0, or -1 with the failure recorded. */
static int extension(unsigned type, const unsigned char *p, size_t n, unsigned *seen) {
	unsigned bit = type == EXT_ALPN ? 1 : type == EXT_MAX_FRAGMENT_LENGTH ? 2 : type == EXT_RECORD_SIZE_LIMIT ? 4 : 0;
	if (*seen & bit) return refuse(ALERT_ILLEGAL_PARAMETER);
	*seen |= bit;
	switch (type) {
	case EXT_ALPN: return alpn(p, n);
	case EXT_MAX_FRAGMENT_LENGTH: return max_fragment_length(p, n);
	case EXT_RECORD_SIZE_LIMIT: return record_size_limit(p, n);
	}
	return 0;
}

int tls13_encrypted_extensions(const unsigned char *m, size_t len) {
	const unsigned char *p = m + 4, *end = m + len;
	unsigned seen = 0;
	if (len < 6 || be16(p) != len - 6) return refuse(ALERT_DECODE_ERROR);
	for (p += 2; end - p >= 4; p += 4 + be16(p + 2)) {
		size_t n = be16(p + 2);
		if ((size_t)(end - p) < 4 + n) return refuse(ALERT_DECODE_ERROR);
		if (extension(be16(p), p + 4, n, &seen) != 0) return -1;
	}
	if (p != end) return refuse(ALERT_DECODE_ERROR);
	/* RFC 8449 §5: a server that has record_size_limit ignores max_fragment_length */
	if (t13->mfl_code && t13->peer_record_limit) return refuse(ALERT_ILLEGAL_PARAMETER);
	tls13_transcript(m, len);
	t13->state = ST_WAIT_CERTIFICATE;
	return 0;
}
