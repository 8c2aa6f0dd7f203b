/* Record sizes. A record buffer below a full record asks the server for
 * smaller records two ways: record_size_limit (RFC 8449), which TLS 1.3
 * servers that have it honour and answer in EncryptedExtensions, and
 * max_fragment_length (RFC 6066), which OpenSSL honours in TLS 1.3 too but
 * does not implement RFC 8449. A server that supports both uses the first
 * (RFC 8449 §5). Both name the same fragment, so whichever the server
 * accepts, the limit in force is one number. The server's own
 * record_size_limit bounds what we send. */
#include "engine.h"

#define FULL_RECORD (TLS13_RECORD_HEADER + TLS13_MAX_CIPHERTEXT)
/* The most a record adds to its fragment in TLS 1.2 and 1.3 (RFC 8446 §5.2). */
#define RECORD_EXPANSION 256

unsigned tls13_mfl_code_offered(void) {
	size_t cap = t13->in_cap;
	if (cap >= FULL_RECORD) return 0;
	unsigned code = 4; /* 2^12, the largest RFC 6066 names */
	while (code > 1 && (256u << code) + RECORD_EXPANSION + TLS13_RECORD_HEADER > cap) {
		code--;
	}
	return code;
}

size_t tls13_fragment_offered(void) {
	unsigned code = tls13_mfl_code_offered();
	return code ? 256u << code : TLS13_MAX_PLAINTEXT;
}

unsigned tls13_fragment_agreed(void) {
	const tls13_engine *e = t13;
	int agreed = e->mfl_code != 0 || e->peer_record_limit != 0;
	return agreed && tls13_mfl_code_offered() ? (unsigned)tls13_fragment_offered() : 0;
}

size_t tls13_fragment_limit_in(void) {
	unsigned agreed = tls13_fragment_agreed();
	return agreed ? agreed : TLS13_MAX_PLAINTEXT;
}

size_t tls13_fragment_limit_out(void) {
	const tls13_engine *e = t13;
	size_t limit = TLS13_MAX_PLAINTEXT;
	/* RFC 6066 limits both directions */
	if (e->mfl_code) limit = 256u << e->mfl_code;
	/* RFC 8449 §4: the value counts the inner content type byte in TLS 1.3 */
	if (e->peer_record_limit && e->peer_record_limit - 1 < limit) limit = e->peer_record_limit - 1;
	return limit;
}
