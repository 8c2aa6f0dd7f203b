#include <string.h>
#include "server_hello.h"

/* record header (5) + handshake header (4) + version (2) + random (32) +
 * session id (1 + up to 32) + suite (2) */
#define HELLO_PREFIX 78

#define RECORD_HANDSHAKE 22
#define HANDSHAKE_SERVER_HELLO 2

static struct {
	unsigned char bytes[HELLO_PREFIX];
	size_t len;
	unsigned version, suite;
	unsigned alert_version;   /* record version of a first record that is an alert */
} hello;

void server_hello_reset(void) {
	hello.len = 0;
	hello.version = 0;
	hello.suite = 0;
	hello.alert_version = 0;
}

#define RECORD_ALERT 21

static void parse(void) {
	const unsigned char *b = hello.bytes;
	if (hello.len >= 5 && b[0] == RECORD_ALERT) {
		/* a server that speaks only TLS 1.0/1.1 refuses our 1.2-only
		 * suites with an alert in a record of its own version */
		hello.alert_version = (unsigned)b[1] << 8 | b[2];
		hello.len = sizeof hello.bytes;
		return;
	}
	if (hello.version != 0 || hello.len < 11) return;
	if (b[0] != RECORD_HANDSHAKE || b[5] != HANDSHAKE_SERVER_HELLO) {
		hello.len = sizeof hello.bytes; /* not a ServerHello: stop looking */
		return;
	}
	unsigned version = (unsigned)b[9] << 8 | b[10];
	if (hello.len < 44) return;
	size_t sid = b[43];
	if (sid > 32) {
		hello.len = sizeof hello.bytes;
		return;
	}
	if (hello.len < 44 + sid + 2) return;
	hello.version = version;
	hello.suite = (unsigned)b[44 + sid] << 8 | b[45 + sid];
}

void server_hello_sniff(br_ssl_engine_context *eng, size_t len) {
	if (hello.len >= sizeof hello.bytes) return;
	size_t cap;
	const unsigned char *p = br_ssl_engine_recvrec_buf(eng, &cap);
	if (p == NULL) return;
	if (len > cap) len = cap;
	size_t take = sizeof hello.bytes - hello.len;
	if (take > len) take = len;
	memcpy(hello.bytes + hello.len, p, take);
	hello.len += take;
	parse();
}

unsigned server_hello_version(void) {
	return hello.version;
}

unsigned server_hello_suite(void) {
	return hello.suite;
}

unsigned server_hello_alert_version(void) {
	return hello.alert_version;
}
