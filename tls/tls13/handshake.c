/* The handshake message layer and state machine (RFC 8446 §4): messages
 * are reassembled across records (Certificate is streamed instead), each
 * one checked against the state that may receive it, and the transcript
 * kept as both SHA-256 and SHA-384 until the ServerHello names the hash. */
#include <string.h>
#include "engine.h"
#include "microhttps/spec.h"
#include "core/wasi.h"
#include "tls13_transport.h"

static size_t hash_len(void) {
	return t13->hash->desc >> BR_HASHDESC_OUT_OFF & BR_HASHDESC_OUT_MASK;
}

void tls13_transcript(const unsigned char *p, size_t n) {
	tls13_engine *e = t13;
	if (e->hash != &br_sha384_vtable) br_sha256_update(&e->sha256, p, n);
	if (e->hash != &br_sha256_vtable) br_sha384_update(&e->sha384, p, n);
}

/* The hash of the transcript so far (the context goes on). */
void tls13_transcript_hash(unsigned char *out) {
	tls13_engine *e = t13;
	if (e->hash == &br_sha384_vtable) {
		br_sha384_out(&e->sha384, out);
	} else {
		br_sha256_out(&e->sha256, out);
	}
}

/* A message that does not parse. */
static int malformed(void) {
	tls13_fail(BR_ERR_BAD_PARAM, ALERT_DECODE_ERROR);
	return -1;
}

static unsigned be16(const unsigned char *p) {
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p) {
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A CertificateRequest in the handshake: we answer with no certificate
 * (client certificates are TLS 1.2 only), the server decides. */
static int certificate_request(const unsigned char *m, size_t len) {
	tls13_engine *e = t13;
	if (len < 5 || (size_t)m[4] + 5 > len) return malformed();
	memcpy(e->cert_request_context, m + 4, (size_t)m[4] + 1);
	e->cert_requested = 1;
	tls13_transcript(m, len);
	return 0;
}

/* Queues a handshake message of ours and adds it to the transcript. */
static int send_message(const unsigned char *m, size_t len) {
	tls13_transcript(m, len);
	return tls13_queue(CT_HANDSHAKE, m, len);
}

/* Our second flight: [ChangeCipherSpec], [empty Certificate], Finished. */
static int client_flight(void) {
	tls13_engine *e = t13;
	unsigned char m[4 + 255 + 1 + 3];
	unsigned char th[48];
	size_t hl = hash_len();
	if (!e->ccs_sent) {
		e->ccs_sent = 1;
		if (tls13_queue(CT_CHANGE_CIPHER_SPEC, (const unsigned char *)"\1", 1) != 0) return -1;
	}
	if (e->cert_requested) {
		size_t ctx = (size_t)e->cert_request_context[0] + 1;
		size_t body = ctx + 3;
		m[0] = HS_CERTIFICATE;
		m[1] = 0; m[2] = 0; m[3] = (unsigned char)body;
		memcpy(m + 4, e->cert_request_context, ctx);
		memset(m + 4 + ctx, 0, 3);
		if (send_message(m, 4 + body) != 0) return -1;
	}
	tls13_transcript_hash(th);
	m[0] = HS_FINISHED;
	m[1] = 0; m[2] = 0; m[3] = (unsigned char)hl;
	tls13_finished_mac(e->hash, e->client_secret, th, m + 4);
	return send_message(m, 4 + hl);
}

/* The server's Finished: checked, then the application keys both ways. */
static int server_finished(const unsigned char *m, size_t len) {
	tls13_engine *e = t13;
	unsigned char th[48], expected[48], client_ap[48];
	size_t hl = hash_len();
	tls13_transcript_hash(th);
	tls13_finished_mac(e->hash, e->server_secret, th, expected);
	if (len != 4 + hl || !tls13_equal(expected, m + 4, hl)) {
		tls13_fail(BR_ERR_BAD_FINISHED, ALERT_DECRYPT_ERROR);
		return -1;
	}
	tls13_transcript(m, len);
	tls13_transcript_hash(th);
	tls13_schedule_next(&e->schedule, NULL, 0);
	tls13_derive_secret(&e->schedule, "c ap traffic", th, client_ap);
	tls13_derive_secret(&e->schedule, "s ap traffic", th, e->server_secret);
	tls13_set_keys(&e->rd, e->server_secret);
	if (client_flight() != 0) return -1;
	memcpy(e->client_secret, client_ap, sizeof client_ap);
	tls13_set_keys(&e->wr, e->client_secret);
	tls13_transcript_hash(th);
	tls13_derive_secret(&e->schedule, "res master", th, e->resumption_secret);
	e->state = ST_CONNECTED;
	return 0;
}

/* NewSessionTicket (§4.6.1): the newest one that fits is kept. */
static int new_session_ticket(const unsigned char *m, size_t len) {
	tls13_ticket *t = &t13->ticket;
	const unsigned char *p = m + 4, *end = m + len;
	if (end - p < 9 || (size_t)(end - p) < 9u + p[8]) return malformed();
	size_t nonce_len = p[8];
	const unsigned char *nonce = p + 9;
	p = nonce + nonce_len;
	if (end - p < 2 || (size_t)(end - p) < 2u + be16(p)) return malformed();
	size_t ticket_len = be16(p);
	const unsigned char *ticket = p + 2;
	p = ticket + ticket_len;
	if (ticket_len == 0 || end - p < 2 || (size_t)(end - p) != 2u + be16(p)) return malformed();
	if (ticket_len <= TLS13_TICKET_MAX) {
		t->lifetime = be32(m + 4);
		t->age_add = be32(m + 8);
		memcpy(t->nonce, nonce, nonce_len);
		t->nonce_len = nonce_len;
		memcpy(t->ticket, ticket, ticket_len);
		t->ticket_len = ticket_len;
		t->received_ms = wasi_unix_millis();
	}
	return 0;
}

/* KeyUpdate (§4.6.3): new read keys; ours follow when asked. */
static int key_update(const unsigned char *m, size_t len) {
	tls13_engine *e = t13;
	if (len != 5 || m[4] > 1) {
		tls13_fail(BR_ERR_BAD_PARAM, len != 5 ? ALERT_DECODE_ERROR : ALERT_ILLEGAL_PARAMETER);
		return -1;
	}
	tls13_next_traffic_secret(e->hash, e->server_secret);
	tls13_set_keys(&e->rd, e->server_secret);
	e->update_due |= m[4];
	return 0;
}

void tls13_send_key_update(void) {
	tls13_engine *e = t13;
	static const unsigned char update[5] = { HS_KEY_UPDATE, 0, 0, 1, 0 };
	e->update_due = 0;
	if (tls13_queue(CT_HANDSHAKE, update, sizeof update) != 0) return;
	tls13_next_traffic_secret(e->hash, e->client_secret);
	tls13_set_keys(&e->wr, e->client_secret);
}

/* Which message each state accepts (a post-handshake one when connected). */
static int expected(unsigned type) {
	switch (t13->state) {
	case ST_WAIT_SERVER_HELLO: return type == HS_SERVER_HELLO;
	case ST_WAIT_ENCRYPTED_EXTENSIONS: return type == HS_ENCRYPTED_EXTENSIONS;
	case ST_WAIT_CERTIFICATE: return type == HS_CERTIFICATE || (type == HS_CERTIFICATE_REQUEST && !t13->cert_requested);
	case ST_WAIT_CERTIFICATE_VERIFY: return type == HS_CERTIFICATE_VERIFY;
	case ST_WAIT_FINISHED: return type == HS_FINISHED;
	case ST_CONNECTED: return type == HS_NEW_SESSION_TICKET || type == HS_KEY_UPDATE;
	case ST_CLOSED: return 0;
	}
	return 0;
}

static int begin_message(void) {
	tls13_engine *e = t13;
	e->msg_type = e->msg_head[0];
	e->msg_len = (size_t)e->msg_head[1] << 16 | (size_t)e->msg_head[2] << 8 | e->msg_head[3];
	e->msg_have = 0;
	e->msg_skip = 0;
	if (!expected(e->msg_type)) {
		if (e->state == ST_CONNECTED && e->msg_type == HS_CERTIFICATE_REQUEST) {
			/* post-handshake authentication: we never offered it */
			t13->reason = MH_REASON_CLIENT_CERT_REQUESTED;
		}
		tls13_fail(BR_ERR_UNEXPECTED, ALERT_UNEXPECTED_MESSAGE);
		return -1;
	}
	if (e->msg_type == HS_CERTIFICATE) {
		tls13_transcript(e->msg_head, 4);
		tls13_certs_start();
		return 0;
	}
	if (e->msg_len + 4 > TLS13_MSG_MAX) {
		if (e->msg_type != HS_NEW_SESSION_TICKET) {
			tls13_fail(BR_ERR_TOO_LARGE, ALERT_DECODE_ERROR);
			return -1;
		}
		e->msg_skip = 1;
	}
	memcpy(e->msg, e->msg_head, 4);
	return 0;
}

static int end_message(void) {
	tls13_engine *e = t13;
	const unsigned char *m = e->msg;
	size_t len = e->msg_len + 4;
	e->head_have = 0;
	if (e->msg_skip) return 0;
	switch (e->msg_type) {
	case HS_SERVER_HELLO: return tls13_server_hello(m, len);
	case HS_ENCRYPTED_EXTENSIONS:
		if (tls13_encrypted_extensions(m, len) != 0) return -1;
		/* a resumed handshake has no Certificate or CertificateVerify (§2.2) */
		if (tls13_psk_resumed()) e->state = ST_WAIT_FINISHED;
		return 0;
	case HS_CERTIFICATE_REQUEST: return certificate_request(m, len);
	case HS_CERTIFICATE: e->state = ST_WAIT_CERTIFICATE_VERIFY; return 0;
	case HS_CERTIFICATE_VERIFY: return tls13_certificate_verify(m, len);
	case HS_FINISHED: return server_finished(m, len);
	case HS_NEW_SESSION_TICKET: return new_session_ticket(m, len);
	case HS_KEY_UPDATE: return key_update(m, len);
	}
	return 0;
}

/* Messages after which the keys change may not share a record with the next. */
static int changes_keys(unsigned type) {
	return type == HS_SERVER_HELLO || type == HS_FINISHED || type == HS_KEY_UPDATE;
}

size_t tls13_handshake_bytes(const unsigned char *p, size_t n) {
	tls13_engine *e = t13;
	size_t used = 0;
	while (used < n && e->state != ST_CLOSED && !e->anchor_wait) {
		if (e->head_have < 4) {
			e->msg_head[e->head_have++] = p[used++];
			if (e->head_have == 4 && begin_message() != 0) break;
			if (e->head_have < 4 || e->msg_len > 0) continue;
		}
		size_t take = n - used < e->msg_len - e->msg_have ? n - used : e->msg_len - e->msg_have;
		if (e->msg_type == HS_CERTIFICATE) {
			take = tls13_certs_bytes(p + used, take, e->msg_have + take == e->msg_len);
			tls13_transcript(p + used, take);
		} else if (!e->msg_skip) {
			memcpy(e->msg + 4 + e->msg_have, p + used, take);
		}
		used += take;
		e->msg_have += take;
		if (e->state == ST_CLOSED) break;
		if (e->msg_have == e->msg_len && !e->anchor_wait) {
			unsigned type = e->msg_type;
			if (end_message() != 0) break;
			if (changes_keys(type) && used < n) {
				tls13_fail(BR_ERR_UNEXPECTED, ALERT_UNEXPECTED_MESSAGE);
				break;
			}
		}
	}
	return used;
}
