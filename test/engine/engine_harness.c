/* Test-only driver of the whole TLS 1.3 engine (tls/tls13/) through its
 * transport interface, linked by test/helpers/engine-wasm.mjs with the
 * portable core's objects and client_hello.c compiled with -DMH_TEST_HOOKS=1
 * (never in a core): the host's entropy and clock (core/wasi.h) are
 * scripted here instead of imported, and a recorded ClientHello replaces the
 * engine's, so RFC 8448's trace replays through the engine's transcript,
 * hello handling, key schedule, records, certificate step and Finished.
 * Offsets are into this file's scratch. */
#include <string.h>
#include "tls13/engine.h"
#include "tls13/tls13_transport.h"
#include "x509/trust_store.h"
#include "core/wasi.h"
#include "microhttps/spec.h"

#define EXPORT(name) __attribute__((export_name(#name)))

static unsigned char scratch[1 << 17] __attribute__((aligned(16)));

EXPORT(ht_engine_scratch)
unsigned char *ht_engine_scratch(void) { return scratch; }

/* One full record and room for output beside it, as a core's default buffer. */
static unsigned char record_buffer[16709 + 4096];
static unsigned char anchors[8192];

/* The bytes the engine draws, in order (client random, session id, key). */
static unsigned char entropy[96];
static size_t entropy_len, entropy_used;
static int64_t clock_seconds = -1;

int wasi_entropy(void *buf, size_t len) {
	if (entropy_used + len > entropy_len) return -1;
	memcpy(buf, entropy + entropy_used, len);
	entropy_used += len;
	return 0;
}

int64_t wasi_unix_seconds(void) {
	return clock_seconds;
}

/* The ticket's arrival time (tls13/handshake.c) and its age when offered. */
int64_t wasi_unix_millis(void) {
	return clock_seconds < 0 ? -1 : clock_seconds * 1000;
}

static unsigned char *at(unsigned offset) { return scratch + offset; }

/* Seconds since 1970 for certificate dates, or -1 for no clock. */
EXPORT(ht_engine_clock)
void ht_engine_clock(int64_t seconds) {
	clock_seconds = seconds;
}

/* A trust anchor (DER) for a secure open; 0 or an MH_ERR_* code. */
EXPORT(ht_engine_anchor)
int ht_engine_anchor(unsigned der, unsigned len) {
	if (trust_store_count() == 0) trust_store_init(anchors, sizeof anchors);
	return trust_store_add(at(der), len);
}

/* Opens the engine with scripted entropy (random: 32 bytes, then the key
 * share's private key: 32 bytes) and, when hello_len is not 0, a recorded
 * ClientHello sent instead of the engine's; returns 0 or an MH_ERR_* code. */
EXPORT(ht_engine_open)
int ht_engine_open(unsigned name, unsigned name_len, unsigned random, unsigned priv,
	unsigned hello, unsigned hello_len, int insecure)
{
	memcpy(entropy, at(random), 32);
	memset(entropy + 32, 0, 32); /* legacy_session_id: the replayed hello names its own */
	memcpy(entropy + 64, at(priv), 32);
	entropy_len = sizeof entropy;
	entropy_used = 0;
	tls13_test_replay_hello(hello_len ? at(hello) : NULL, hello_len);
	return tls13_transport_open(record_buffer, sizeof record_buffer, (const char *)at(name), name_len, insecure, 0);
}

EXPORT(ht_engine_state)
unsigned ht_engine_state(void) {
	return tls13_transport.state();
}

/* Moves everything the engine has to send to out; returns its length. */
EXPORT(ht_engine_take)
unsigned ht_engine_take(unsigned out) {
	size_t total = 0, len;
	unsigned char *w;
	while ((w = tls13_transport.window(MH_TX_SENDREC, &len)) != NULL && len > 0) {
		memcpy(at(out) + total, w, len);
		tls13_transport.ack(MH_TX_SENDREC, len);
		total += len;
	}
	return (unsigned)total;
}

/* Gives the engine received bytes as it asks for them; returns how many it took. */
EXPORT(ht_engine_feed)
unsigned ht_engine_feed(unsigned in, unsigned len) {
	size_t used = 0, room;
	unsigned char *w;
	while (used < len && (w = tls13_transport.window(MH_TX_RECVREC, &room)) != NULL && room > 0) {
		size_t n = room < len - used ? room : len - used;
		memcpy(w, at(in) + used, n);
		tls13_transport.ack(MH_TX_RECVREC, n);
		used += n;
	}
	return (unsigned)used;
}

/* Moves received application data to out; returns its length. */
EXPORT(ht_engine_read)
unsigned ht_engine_read(unsigned out) {
	size_t len;
	unsigned char *w = tls13_transport.window(MH_TX_RECVAPP, &len);
	if (w == NULL) return 0;
	memcpy(at(out), w, len);
	tls13_transport.ack(MH_TX_RECVAPP, len);
	return (unsigned)len;
}

/* Writes application data and seals it into a record; returns the bytes taken. */
EXPORT(ht_engine_write)
unsigned ht_engine_write(unsigned in, unsigned len) {
	size_t room;
	unsigned char *w = tls13_transport.window(MH_TX_SENDAPP, &room);
	if (w == NULL) return 0;
	size_t n = room < len ? room : len;
	memcpy(w, at(in), n);
	tls13_transport.ack(MH_TX_SENDAPP, n);
	tls13_transport.flush();
	return (unsigned)n;
}

EXPORT(ht_engine_close)
void ht_engine_close(void) {
	tls13_transport.close();
}

EXPORT(ht_engine_error)
int ht_engine_error(void) {
	return tls13_transport.error();
}

EXPORT(ht_engine_detail)
int ht_engine_detail(void) {
	return tls13_transport.detail();
}

/* The ticket length of the newest NewSessionTicket kept, and its lifetime. */
EXPORT(ht_engine_ticket)
unsigned ht_engine_ticket(void) {
	return (unsigned)t13->ticket.ticket_len;
}

EXPORT(ht_engine_ticket_lifetime)
unsigned ht_engine_ticket_lifetime(void) {
	return t13->ticket.lifetime;
}

EXPORT(ht_engine_record_limit)
unsigned ht_engine_record_limit(void) {
	return t13->peer_record_limit;
}
