/* The TLS 1.3 engine behind the transport interface (core/transport.h):
 * the record buffer's windows, records in and out, alerts, and the
 * engine's failures as MH_ERR_* codes. The incoming buffer holds one record
 * at a time, asked for exactly (header, then body), and decrypted in place;
 * with a small record buffer both ways share it, one at a time. */
#include <string.h>
#include "engine.h"
#include "tls13_transport.h"
#include "core/engine_space.h"
#include "x509/chain_setup.h"
#include "x509/x509_policy.h"
#include "x509/issuer_sniffer.h"
#include "microhttps/spec.h"

tls13_engine *const t13 = &engine_space.tls13;
static int open_failed;

#define FULL_RECORD (TLS13_RECORD_HEADER + TLS13_MAX_CIPHERTEXT)
/* Below this much room for output beside a full record, one buffer is shared. */
#define OUT_MIN 1024

void tls13_fail(int err, int alert) {
	tls13_engine *e = t13;
	if (e->state == ST_CLOSED) return;
	e->err = err;
	e->state = ST_CLOSED;
	const unsigned char fatal[2] = { 2, (unsigned char)alert };
	tls13_queue(CT_ALERT, fatal, sizeof fatal);
}

void tls13_record_overflow(void) {
	tls13_fail(BR_ERR_TOO_LARGE, ALERT_RECORD_OVERFLOW);
	t13->reason = MH_REASON_RECORD_OVERFLOW;
}

static void split_buffer(unsigned char *buf, size_t len) {
	tls13_engine *e = t13;
	e->in = buf;
	e->out = buf;
	e->in_cap = len;
	e->out_cap = len;
	e->mono = len < FULL_RECORD + OUT_MIN;
	if (!e->mono) {
		e->in_cap = FULL_RECORD;
		e->out = buf + FULL_RECORD;
		e->out_cap = len - FULL_RECORD;
	}
}

int tls13_transport_open(unsigned char *buf, size_t len,
	const char *name, size_t name_len, int insecure, int anchors_on_demand)
{
	tls13_engine *e = t13;
	open_failed = 1;
	memset(e, 0, sizeof *e);
	if (chain_setup_identity(name, name_len) != 0) {
		return MH_ERR_CONFIG;
	}
	e->x509 = chain_setup_start(insecure);
	e->sni = chain_setup_sni();
	e->sni_len = e->sni ? strlen(e->sni) : 0;
	e->on_demand = anchors_on_demand;
	issuer_sniffer_reset();
	split_buffer(buf, len);
	br_sha256_init(&e->sha256);
	br_sha384_init(&e->sha384);
	e->state = ST_WAIT_SERVER_HELLO;
	tls13_psk_open();
	if (tls13_client_hello() != 0) {
		return MH_ERR_CONFIG;
	}
	open_failed = 0;
	return 0;
}

static int output_pending(void) {
	return t13->out_sent < t13->out_len;
}

/* The buffer is free for output: not holding a record being read. */
static int output_allowed(void) {
	tls13_engine *e = t13;
	return !e->mono || (e->in_len == 0 && e->app_len == 0);
}

static unsigned t13_state(void) {
	tls13_engine *e = t13;
	if (open_failed) return MH_TX_CLOSED;
	if (e->update_due && e->state == ST_CONNECTED && output_allowed() && !e->staged) {
		tls13_send_key_update();
	}
	if (output_pending()) return MH_TX_SENDREC;
	if (e->state == ST_CLOSED) return MH_TX_CLOSED;
	unsigned st = 0;
	if (e->app_len) {
		st |= MH_TX_RECVAPP;
	} else if (!e->anchor_wait && (!e->mono || e->staged == 0)) {
		st |= MH_TX_RECVREC;
	}
	if (e->state == ST_CONNECTED && output_allowed()) {
		st |= MH_TX_SENDAPP;
	}
	return st;
}

static size_t record_length(void) {
	const unsigned char *h = t13->in;
	return TLS13_RECORD_HEADER + ((size_t)h[3] << 8 | h[4]);
}

/* How much more of the current record (header first) is wanted. */
static size_t record_wanted(void) {
	size_t in_len = t13->in_len;
	return in_len < TLS13_RECORD_HEADER ? TLS13_RECORD_HEADER - in_len : record_length() - in_len;
}

static unsigned char *sendapp_window(size_t *len) {
	tls13_engine *e = t13;
	size_t limit = e->out_cap - e->out_len;
	size_t overhead = TLS13_RECORD_HEADER + 1 + TLS13_TAG;
	size_t room = limit > overhead ? limit - overhead : 0;
	size_t fragment = tls13_fragment_limit_out();
	if (room > fragment) room = fragment;
	*len = room > e->staged ? room - e->staged : 0;
	return e->out + e->out_len + TLS13_RECORD_HEADER + e->staged;
}

static unsigned char *t13_window(unsigned which, size_t *len) {
	tls13_engine *e = t13;
	*len = 0;
	unsigned st = t13_state();
	if (!(st & which)) return NULL;
	switch (which) {
	case MH_TX_SENDREC: *len = e->out_len - e->out_sent; return e->out + e->out_sent;
	case MH_TX_RECVREC: *len = record_wanted(); return e->in + e->in_len;
	case MH_TX_SENDAPP: return sendapp_window(len);
	case MH_TX_RECVAPP: *len = e->app_len; return e->in + e->app_off;
	}
	return NULL;
}

static void record_done(void) {
	t13->in_len = 0;
	t13->hs_len = 0;
	t13->app_len = 0;
}

/* Handshake bytes of the current record to the message layer, resumed
 * after an anchor query. */
static void feed_handshake(void) {
	tls13_engine *e = t13;
	size_t used = tls13_handshake_bytes(e->in + e->hs_off, e->hs_len);
	e->hs_off += used;
	e->hs_len -= used;
	if (e->hs_len == 0 && !e->anchor_wait) record_done();
}

static void alert_received(const unsigned char *p, size_t n) {
	tls13_engine *e = t13;
	record_done();
	if (n != 2) {
		tls13_fail(BR_ERR_BAD_ALERT, ALERT_DECODE_ERROR);
	} else if (p[1] == ALERT_CLOSE_NOTIFY) {
		e->peer_closed = 1;
		e->state = ST_CLOSED;
	} else if (p[1] != 90 /* user_canceled: a close_notify follows */) {
		e->err = BR_ERR_RECV_FATAL_ALERT + p[1];
		e->state = ST_CLOSED;
	}
}

/* A middlebox-compatibility ChangeCipherSpec is dropped during the handshake. */
static void change_cipher_spec(void) {
	tls13_engine *e = t13;
	int ok = e->state != ST_CONNECTED && record_length() == TLS13_RECORD_HEADER + 1
		&& e->in[TLS13_RECORD_HEADER] == 1;
	record_done();
	if (!ok) tls13_fail(BR_ERR_BAD_CCS, ALERT_UNEXPECTED_MESSAGE);
}

static void record_received(void) {
	tls13_engine *e = t13;
	unsigned type = e->in[0];
	long n = (long)(record_length() - TLS13_RECORD_HEADER);
	if (type == CT_CHANGE_CIPHER_SPEC) {
		change_cipher_spec();
		return;
	}
	if (e->rd.on) {
		if (type != CT_APPLICATION_DATA) {
			tls13_fail(BR_ERR_UNEXPECTED, ALERT_UNEXPECTED_MESSAGE);
			return;
		}
		n = tls13_open(e->in, record_length(), &type);
		if (n < 0) return;
	} else if (type == CT_APPLICATION_DATA) {
		tls13_fail(BR_ERR_UNEXPECTED, ALERT_UNEXPECTED_MESSAGE);
		return;
	}
	unsigned char *p = e->in + TLS13_RECORD_HEADER;
	if (type == CT_ALERT) {
		alert_received(p, (size_t)n);
	} else if (type == CT_HANDSHAKE && n > 0) {
		e->hs_off = TLS13_RECORD_HEADER;
		e->hs_len = (size_t)n;
		feed_handshake();
	} else if (type == CT_APPLICATION_DATA && e->state == ST_CONNECTED) {
		e->app_off = TLS13_RECORD_HEADER;
		e->app_len = (size_t)n;
		if (n == 0) record_done();
	} else {
		tls13_fail(BR_ERR_UNEXPECTED, ALERT_UNEXPECTED_MESSAGE);
	}
}

/* The header is complete: something we can read, and not too long. */
static int header_ok(void) {
	const unsigned char *h = t13->in;
	size_t len = record_length() - TLS13_RECORD_HEADER;
	if (h[0] < CT_CHANGE_CIPHER_SPEC || h[0] > CT_APPLICATION_DATA || h[1] != 3) {
		tls13_fail(BR_ERR_UNSUPPORTED_VERSION, ALERT_DECODE_ERROR);
		return 0;
	}
	if (len == 0) {
		tls13_fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR);
		return 0;
	}
	if (len > TLS13_MAX_CIPHERTEXT || len + TLS13_RECORD_HEADER > t13->in_cap) {
		tls13_record_overflow();
		return 0;
	}
	return 1;
}

static void t13_ack(unsigned which, size_t len) {
	tls13_engine *e = t13;
	switch (which) {
	case MH_TX_SENDREC:
		e->out_sent += len;
		if (e->out_sent >= e->out_len) {
			e->out_sent = 0;
			e->out_len = 0;
		}
		break;
	case MH_TX_RECVREC:
		e->in_len += len;
		if (e->in_len == TLS13_RECORD_HEADER && !header_ok()) break;
		if (e->in_len > TLS13_RECORD_HEADER && e->in_len == record_length()) record_received();
		break;
	case MH_TX_SENDAPP: {
		size_t room;
		e->staged += len;
		sendapp_window(&room);
		if (room == 0) tls13_seal_staged();
		break;
	}
	case MH_TX_RECVAPP:
		e->app_off += len;
		e->app_len -= len < e->app_len ? len : e->app_len;
		if (e->app_len == 0) record_done();
		break;
	}
}

static void t13_flush(void) {
	tls13_seal_staged();
}

static void t13_close(void) {
	tls13_engine *e = t13;
	if (e->state == ST_CLOSED || e->closing) return;
	static const unsigned char close_notify[2] = { 1, ALERT_CLOSE_NOTIFY };
	e->closing = 1;
	tls13_queue(CT_ALERT, close_notify, sizeof close_notify);
	e->state = ST_CLOSED;
}

/* The HTTP layer decides whether a message without close_notify was whole. */
static void t13_peer_eof(void) {
}

void tls13_transport_anchor_resume(void) {
	tls13_engine *e = t13;
	chain_setup_refresh_anchors();
	issuer_sniffer_resume();
	e->anchor_wait = 0;
	if (e->hs_len) feed_handshake();
}

int tls13_transport_anchor_pending(void) {
	return t13->anchor_wait;
}

static int t13_detail(void) {
	return t13->err;
}

/* Reads the fields rather than t13_state(), which may queue a KeyUpdate. */
static int t13_wipe_idle(void) {
	tls13_engine *e = t13;
	if (open_failed || e->state != ST_CONNECTED || e->closing || e->anchor_wait
		|| e->in_len || e->app_len || e->hs_len || e->out_len || e->staged) {
		return 0;
	}
	memset(e->in, 0, e->in_cap);
	if (e->out != e->in) memset(e->out, 0, e->out_cap);
	return 1;
}

const transport_class tls13_transport = {
	t13_state, t13_window, t13_ack,
	t13_flush, t13_close, t13_peer_eof,
	tls13_transport_error, t13_detail, t13_wipe_idle,
};

int tls13_transport_failed_open(void) {
	return open_failed;
}
