/* TLS 1.3 resumption (RFC 8446 §2.2, §4.2.11, §4.6.1): the newest
 * NewSessionTicket exported as a session (spec/abi.json, SESSION_FORMAT_TLS13),
 * an imported session offered once by the next open as a pre_shared_key
 * with its binder (psk_dhe_ke only, no 0-RTT), and the server's answer
 * checked. The session lives here, outside the engine, because the engine
 * is cleared at every open and the import comes before it. */
#include <string.h>
#include "engine.h"
#include "tls13_transport.h"
#include "core/wasi.h"
#include "microhttps/spec.h"

#define EXT_PRE_SHARED_KEY 41

/* The exported layout (big-endian numbers). */
#define OFF_FORMAT 0
#define OFF_PSK_LEN 1
#define OFF_VERSION 2
#define OFF_SUITE 4
#define OFF_RECEIVED MH_SESSION_TLS13_RECEIVED_AT
#define OFF_LIFETIME MH_SESSION_TLS13_LIFETIME_AT
#define OFF_AGE_ADD 18
#define OFF_TICKET_LEN 22
#define OFF_FRAGMENT_CODE 24
#define OFF_PSK 25
#define OFF_TICKET (OFF_PSK + 48)

typedef char layout_matches_spec[(OFF_TICKET == MH_SESSION_TLS13_FIXED_BYTES
	&& OFF_TICKET + TLS13_TICKET_MAX == MH_SESSION_MAX_BYTES) ? 1 : -1];

/* An imported session: waiting for the next open, then offered by it. */
static struct {
	enum { NONE, PENDING, OFFERED } stage;
	unsigned suite;
	unsigned fragment_code; /* the max_fragment_length code offered when the ticket came */
	unsigned char psk[48];
	size_t psk_len;
	uint64_t received_ms;
	uint32_t lifetime, age_add, obfuscated_age;
	unsigned char ticket[TLS13_TICKET_MAX];
	size_t ticket_len;
} session;
static int resumed;

static void put32(unsigned char *p, uint32_t v) {
	for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static uint32_t get32(const unsigned char *p) {
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const br_hash_class *suite_hash(unsigned suite) {
	return suite == TLS_AES_256_GCM_SHA384 ? &br_sha384_vtable : &br_sha256_vtable;
}

static size_t hash_len(const br_hash_class *hash) {
	return hash->desc >> BR_HASHDESC_OUT_OFF & BR_HASHDESC_OUT_MASK;
}

static int known_suite(unsigned suite) {
	return suite == TLS_AES_128_GCM_SHA256 || suite == TLS_AES_256_GCM_SHA384 || suite == TLS_CHACHA20_POLY1305_SHA256;
}

static void forget(void) {
	memset(&session, 0, sizeof session);
}

size_t tls13_psk_export(unsigned char *out) {
	const tls13_engine *e = t13;
	const tls13_ticket *t = &e->ticket;
	/* a ticket is only taken once the handshake is done; none after an error */
	if (t->ticket_len == 0 || e->err != 0 || t->received_ms <= 0) return 0;
	size_t psk_len = hash_len(e->hash);
	memset(out, 0, OFF_TICKET);
	out[OFF_FORMAT] = MH_SESSION_FORMAT_TLS13;
	out[OFF_PSK_LEN] = (unsigned char)psk_len;
	out[OFF_VERSION] = 3;
	out[OFF_VERSION + 1] = 4;
	out[OFF_SUITE] = (unsigned char)(e->suite >> 8);
	out[OFF_SUITE + 1] = (unsigned char)e->suite;
	put32(out + OFF_RECEIVED, (uint32_t)((uint64_t)t->received_ms >> 32));
	put32(out + OFF_RECEIVED + 4, (uint32_t)t->received_ms);
	put32(out + OFF_LIFETIME, t->lifetime);
	put32(out + OFF_AGE_ADD, t->age_add);
	out[OFF_TICKET_LEN] = (unsigned char)(t->ticket_len >> 8);
	out[OFF_TICKET_LEN + 1] = (unsigned char)t->ticket_len;
	out[OFF_FRAGMENT_CODE] = (unsigned char)tls13_mfl_code_offered();
	tls13_resumption_psk(e->hash, e->resumption_secret, t->nonce, t->nonce_len, out + OFF_PSK);
	memcpy(out + OFF_TICKET, t->ticket, t->ticket_len);
	return OFF_TICKET + t->ticket_len;
}

int tls13_psk_import(const unsigned char *in, size_t len) {
	unsigned suite = len >= OFF_TICKET ? (unsigned)in[OFF_SUITE] << 8 | in[OFF_SUITE + 1] : 0;
	size_t ticket_len = len >= OFF_TICKET ? (size_t)in[OFF_TICKET_LEN] << 8 | in[OFF_TICKET_LEN + 1] : 0;
	if (len < OFF_TICKET || in[OFF_FORMAT] != MH_SESSION_FORMAT_TLS13 || in[OFF_VERSION] != 3
		|| in[OFF_VERSION + 1] != 4 || !known_suite(suite) || in[OFF_PSK_LEN] != hash_len(suite_hash(suite))
		|| ticket_len == 0 || ticket_len > TLS13_TICKET_MAX || len != OFF_TICKET + ticket_len
		|| in[OFF_FRAGMENT_CODE] > 4)
	{
		return MH_ERR_CONFIG;
	}
	forget();
	session.suite = suite;
	session.fragment_code = in[OFF_FRAGMENT_CODE];
	session.psk_len = in[OFF_PSK_LEN];
	memcpy(session.psk, in + OFF_PSK, session.psk_len);
	session.received_ms = (uint64_t)get32(in + OFF_RECEIVED) << 32 | get32(in + OFF_RECEIVED + 4);
	session.lifetime = get32(in + OFF_LIFETIME);
	session.age_add = get32(in + OFF_AGE_ADD);
	session.ticket_len = ticket_len;
	memcpy(session.ticket, in + OFF_TICKET, ticket_len);
	session.stage = PENDING;
	return 0;
}

/* Some suite we offer has the session's hash (the PSK is bound to it). */
static int hash_offered(unsigned suite) {
	static const uint16_t all[] = { TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (suite_hash(all[i]) == suite_hash(suite) && tls13_suite_offered(all[i])) return 1;
	}
	return 0;
}

/* The ticket's age now in ms, or -1 when it has expired or there is no clock to tell. */
static int64_t ticket_age(void) {
	int64_t now = wasi_unix_millis();
	uint32_t lifetime = session.lifetime < MH_SESSION_TICKET_MAX_LIFETIME_S ? session.lifetime : MH_SESSION_TICKET_MAX_LIFETIME_S;
	if (now < 0) return -1;
	/* a clock set back since the ticket arrived counts the ticket as new */
	int64_t age = (uint64_t)now >= session.received_ms ? now - (int64_t)session.received_ms : 0;
	return age < (int64_t)lifetime * 1000 ? age : -1;
}

void tls13_psk_open(void) {
	resumed = 0;
	if (session.stage != PENDING) {
		forget();
		return;
	}
	int64_t age = ticket_age();
	/* OpenSSL answers a resumption with the max_fragment_length of the
	 * ticket's connection even when this hello did not offer it, which we
	 * must refuse (unsupported_extension): offer the ticket only with the
	 * same max_fragment_length offer (none for a full record buffer) */
	if (age < 0 || !hash_offered(session.suite) || session.fragment_code != tls13_mfl_code_offered()) {
		forget();
		return;
	}
	session.obfuscated_age = (uint32_t)age + session.age_add;
	session.stage = OFFERED;
}

int tls13_psk_offered(void) {
	return session.stage == OFFERED;
}

/* Not on a connection that failed after the ServerHello selected the ticket. */
int tls13_psk_resumed(void) {
	return resumed && t13->err == 0;
}

/* The hash of the transcript so far followed by the len bytes at p, in the PSK's hash. */
static void transcript_with(const br_hash_class *hash, const unsigned char *p, size_t len, unsigned char *out) {
	br_hash_compat_context c;
	if (hash == &br_sha384_vtable) {
		c.sha384 = t13->sha384;
	} else {
		c.sha256 = t13->sha256;
	}
	hash->update(&c.vtable, p, len);
	hash->out(&c.vtable, out);
}

/* binder = HMAC(finished key of Derive-Secret(Early Secret, "res binder", ""), Transcript-Hash(Truncate(ClientHello))). */
static void binder(const unsigned char *hello, size_t truncated_len, unsigned char *out) {
	const br_hash_class *hash = suite_hash(session.suite);
	tls13_schedule early;
	unsigned char empty_hash[48], binder_key[48], th[48];
	br_hash_compat_context c;
	hash->init(&c.vtable);
	hash->out(&c.vtable, empty_hash);
	tls13_schedule_init(&early, hash, session.psk, session.psk_len);
	tls13_derive_secret(&early, "res binder", empty_hash, binder_key);
	transcript_with(hash, hello, truncated_len, th);
	tls13_finished_mac(hash, binder_key, th, out);
	memset(&early, 0, sizeof early);
	memset(binder_key, 0, sizeof binder_key);
}

static void add_to_length(unsigned char *p, size_t bytes, size_t n) {
	size_t v = 0;
	for (size_t i = 0; i < bytes; i++) v = v << 8 | p[i];
	v += n;
	for (size_t i = 0; i < bytes; i++) p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

static unsigned char *put16(unsigned char *p, size_t v) {
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return p + 2;
}

size_t tls13_psk_append(unsigned char *hello, size_t len, size_t cap, size_t exts_at) {
	tls13_engine *e = t13;
	/* after a HelloRetryRequest the transcript hash is the suite's: a PSK of another hash cannot be used */
	if (session.stage == OFFERED && e->retried && e->hash != suite_hash(session.suite)) forget();
	if (session.stage != OFFERED) return len;
	size_t hl = session.psk_len, identities = 2 + session.ticket_len + 4;
	size_t ext = 4 + 2 + identities + 2 + 1 + hl;
	if (len + ext > cap) {
		forget(); /* a buffer too small for the ticket: a full handshake */
		return len;
	}
	/* the lengths are those of the whole message, binders included (§4.2.11.2) */
	add_to_length(hello + 1, 3, ext);
	add_to_length(hello + exts_at, 2, ext);
	unsigned char *p = put16(hello + len, EXT_PRE_SHARED_KEY);
	p = put16(p, ext - 4);
	p = put16(p, identities);
	p = put16(p, session.ticket_len);
	memcpy(p, session.ticket, session.ticket_len);
	p += session.ticket_len;
	put32(p, session.obfuscated_age);
	p += 4;
	size_t truncated = (size_t)(p - hello);
	p = put16(p, 1 + hl);
	*p++ = (unsigned char)hl;
	binder(hello, truncated, p);
	return len + ext;
}

int tls13_psk_answer(unsigned selected, int has_share, unsigned suite) {
	tls13_engine *e = t13;
	if (selected == 0) {
		forget(); /* the server declined: a full handshake */
		return 0;
	}
	if (selected != 1 || !tls13_psk_offered() || !has_share || suite_hash(suite) != suite_hash(session.suite)) {
		tls13_fail(BR_ERR_BAD_PARAM, ALERT_ILLEGAL_PARAMETER);
		e->reason = MH_REASON_BAD_RESUMPTION;
		return -1;
	}
	resumed = 1;
	return 1;
}

void tls13_psk_early_secret(tls13_schedule *s, const br_hash_class *hash) {
	tls13_schedule_init(s, hash, resumed ? session.psk : NULL, session.psk_len);
	forget();
}
