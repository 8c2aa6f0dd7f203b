#include <string.h>
#include "server_hello.h"

#define RECORD_ALERT 21
#define RECORD_HANDSHAKE 22
#define HANDSHAKE_SERVER_HELLO 2
/* A ServerHello is about 100 bytes (38 fixed, a 32-byte session id, a few
 * short extensions). A longer one is read up to here: a missed extension
 * only costs a fallback, never a wrong "yes". */
#define HELLO_KEEP 256

static unsigned char header[5];
static size_t header_len;
static size_t record_left;       /* payload bytes of the current record still to come */
static unsigned char hello[HELLO_KEEP];
static size_t hello_len;
static int done;                 /* ServerHello complete, or something else came first */
static unsigned alert_version;   /* record version of a first record that is an alert */

void server_hello_reset(void) {
	header_len = 0;
	record_left = 0;
	hello_len = 0;
	done = 0;
	alert_version = 0;
}

static size_t hello_wanted(void) {
	if (hello_len < 4) {
		return 4;
	}
	size_t total = 4 + (((size_t)hello[1] << 16) | ((size_t)hello[2] << 8) | hello[3]);
	return total < HELLO_KEEP ? total : HELLO_KEEP;
}

void server_hello_feed(const unsigned char *p, size_t n) {
	while (n > 0 && !done) {
		if (record_left == 0) {
			header[header_len++] = *p++;
			n--;
			if (header_len == sizeof header) {
				header_len = 0;
				record_left = ((size_t)header[3] << 8) | header[4];
				/* only a handshake record can start with the ServerHello; a
				 * server speaking only TLS 1.0/1.1 refuses our hello with an
				 * alert in a record of its own version */
				if (header[0] == RECORD_ALERT && hello_len == 0) {
					alert_version = ((unsigned)header[1] << 8) | header[2];
				}
				done = header[0] != RECORD_HANDSHAKE;
			}
			continue;
		}
		/* never past the message (or HELLO_KEEP): room > 0 until done */
		size_t take = n < record_left ? n : record_left;
		size_t room = hello_wanted() - hello_len;
		if (take > room) {
			take = room;
		}
		memcpy(hello + hello_len, p, take);
		hello_len += take;
		p += take;
		n -= take;
		record_left -= take;
		if (hello_len >= 1 && hello[0] != HANDSHAKE_SERVER_HELLO) {
			done = 1;
		} else if (hello_len >= 4 && hello_len == hello_wanted()) {
			done = 1;
		}
	}
}

int server_hello_has_extension(unsigned type) {
	if (!done || hello_len < 4 || hello[0] != HANDSHAKE_SERVER_HELLO) {
		return 0;
	}
	/* version 2, random 32, session id 1 + n, suite 2, compression 1 */
	size_t pos = 4 + 2 + 32;
	if (pos >= hello_len) {
		return 0;
	}
	pos += 1 + hello[pos] + 2 + 1;
	if (pos + 2 > hello_len) {
		return 0;
	}
	pos += 2;   /* the extensions' total length: each one is bounded below anyway */
	while (pos + 4 <= hello_len) {
		unsigned ext = ((unsigned)hello[pos] << 8) | hello[pos + 1];
		size_t len = ((size_t)hello[pos + 2] << 8) | hello[pos + 3];
		if (ext == type) {
			return 1;
		}
		pos += 4 + len;
	}
	return 0;
}

/* version 2, random 32, session id 1 + n, then the suite */
static int hello_has(size_t bytes) {
	return hello_len >= bytes && hello[0] == HANDSHAKE_SERVER_HELLO;
}

unsigned server_hello_version(void) {
	return hello_has(4 + 2) ? ((unsigned)hello[4] << 8) | hello[5] : 0;
}

unsigned server_hello_suite(void) {
	if (!hello_has(4 + 2 + 32 + 1)) {
		return 0;
	}
	size_t at = 4 + 2 + 32 + 1 + hello[4 + 2 + 32];
	return hello_has(at + 2) ? ((unsigned)hello[at] << 8) | hello[at + 1] : 0;
}

unsigned server_hello_alert_version(void) {
	return alert_version;
}
