/* Session export/import in a fixed, versioned layout (spec/abi.json group
 * Session), so that a board can keep a session across reboots and a host
 * per origin. The master secret is in it: hosts must keep exported
 * sessions as secret as keys. */
#include <string.h>
#include "tls_session.h"
#include "microhttps/spec.h"

#define OFF_FORMAT 0
#define OFF_ID_LEN 1
#define OFF_VERSION 2
#define OFF_SUITE 4
#define OFF_ID 6
#define OFF_SECRET (OFF_ID + 32)

typedef char layout_matches_spec[(OFF_SECRET + 48 == MH_SESSION_BYTES) ? 1 : -1];

static br_ssl_session_parameters pending;   /* imported, not yet offered */
static int has_pending;
static unsigned char offered_id[32];       /* offered by the current connection */
static size_t offered_id_len;               /* 0: nothing offered */

static void put16(unsigned char *p, unsigned v) {
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static unsigned get16(const unsigned char *p) {
	return ((unsigned)p[0] << 8) | p[1];
}

static int handshake_done(const br_ssl_engine_context *eng) {
	unsigned state = br_ssl_engine_current_state(eng);
	return !(state & BR_SSL_CLOSED) && (state & (BR_SSL_SENDAPP | BR_SSL_RECVAPP));
}

size_t tls_session_export(const br_ssl_engine_context *eng, unsigned char *out) {
	br_ssl_session_parameters s;
	if (!handshake_done(eng)) {
		return 0;
	}
	br_ssl_engine_get_session_parameters(eng, &s);
	if (s.session_id_len == 0 || s.session_id_len > sizeof s.session_id) {
		return 0;
	}
	memset(out, 0, MH_SESSION_BYTES);
	out[OFF_FORMAT] = MH_SESSION_FORMAT;
	out[OFF_ID_LEN] = s.session_id_len;
	put16(out + OFF_VERSION, s.version);
	put16(out + OFF_SUITE, s.cipher_suite);
	memcpy(out + OFF_ID, s.session_id, s.session_id_len);
	memcpy(out + OFF_SECRET, s.master_secret, sizeof s.master_secret);
	memset(&s, 0, sizeof s);
	return MH_SESSION_BYTES;
}

int tls_session_import(const unsigned char *in, size_t len) {
	if (len != MH_SESSION_BYTES || in[OFF_FORMAT] != MH_SESSION_FORMAT
		|| in[OFF_ID_LEN] == 0 || in[OFF_ID_LEN] > 32
		|| get16(in + OFF_VERSION) != BR_TLS12)
	{
		return MH_ERR_CONFIG;
	}
	/* the cipher suite needs no check here: BearSSL refuses a server that
	 * resumes with a suite other than the session's, and the ClientHello
	 * lists only the suites we allow */
	memset(&pending, 0, sizeof pending);
	pending.session_id_len = in[OFF_ID_LEN];
	pending.version = (uint16_t)get16(in + OFF_VERSION);
	pending.cipher_suite = (uint16_t)get16(in + OFF_SUITE);
	memcpy(pending.session_id, in + OFF_ID, pending.session_id_len);
	memcpy(pending.master_secret, in + OFF_SECRET, sizeof pending.master_secret);
	has_pending = 1;
	return 0;
}

int tls_session_offer(br_ssl_engine_context *eng) {
	offered_id_len = 0;
	if (!has_pending) {
		return 0;
	}
	br_ssl_engine_set_session_parameters(eng, &pending);
	offered_id_len = pending.session_id_len;
	memcpy(offered_id, pending.session_id, offered_id_len);
	memset(&pending, 0, sizeof pending);
	has_pending = 0;
	return 1;
}

int tls_session_resumed(const br_ssl_engine_context *eng) {
	if (offered_id_len == 0 || !handshake_done(eng)) {
		return 0;
	}
	/* BearSSL resumes exactly when the server echoes the offered id; a
	 * full handshake replaces it with the server's new id */
	return eng->session.session_id_len == offered_id_len
		&& memcmp(eng->session.session_id, offered_id, offered_id_len) == 0;
}
