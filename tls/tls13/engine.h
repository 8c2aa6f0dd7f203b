/* The TLS 1.3 client engine (RFC 8446): its state and the functions its
 * files share. One connection runs at a time, so the state is a single
 * struct that shares static space with BearSSL's TLS 1.2 context
 * (core/engine_space.h): only one of the two engines runs per connection.
 *
 * Files: record.c (AEAD records), client_hello.c (first flight),
 * server_hello.c (ServerHello and HelloRetryRequest), handshake.c (the
 * message layer and state machine), encrypted_extensions.c (what the
 * server accepted), record_limit.c (record sizes: RFC 6066 and RFC 8449),
 * certificate.c (Certificate streamed to
 * the X.509 policy, CertificateVerify), transport13.c (the transport_class
 * windows, alerts and errors), psk.c (resumption: session export/import,
 * the pre_shared_key offer and the server's answer). */
#ifndef MH_TLS13_ENGINE_H
#define MH_TLS13_ENGINE_H
#include <stddef.h>
#include <stdint.h>
#include "bearssl.h"
#include "tls13/key_schedule.h"

/* RFC 8446 §5.2: a record's ciphertext is at most 2^14 + 256 bytes. */
#define TLS13_MAX_PLAINTEXT 16384
#define TLS13_MAX_CIPHERTEXT (TLS13_MAX_PLAINTEXT + 256)
#define TLS13_RECORD_HEADER 5
#define TLS13_TAG 16
/* The room for records to send beside a full incoming record: our own
 * records are at most this long (an HTTP request head goes in a few). */
#define TLS13_OUT_DEFAULT 4096
/* Handshake messages other than Certificate are held whole; a bigger
 * NewSessionTicket is skipped, anything else bigger is an error. */
#define TLS13_MSG_MAX 1100
#define TLS13_TICKET_MAX 512
#define TLS13_COOKIE_MAX 320

/* Content types (RFC 8446 §5.1). */
#define CT_CHANGE_CIPHER_SPEC 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPLICATION_DATA 23

/* Handshake message types (§4). */
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_NEW_SESSION_TICKET 4
#define HS_END_OF_EARLY_DATA 5
#define HS_ENCRYPTED_EXTENSIONS 8
#define HS_CERTIFICATE 11
#define HS_CERTIFICATE_REQUEST 13
#define HS_CERTIFICATE_VERIFY 15
#define HS_FINISHED 20
#define HS_KEY_UPDATE 24
#define HS_MESSAGE_HASH 254

/* Alerts (§6). */
#define ALERT_CLOSE_NOTIFY 0
#define ALERT_UNEXPECTED_MESSAGE 10
#define ALERT_BAD_RECORD_MAC 20
#define ALERT_RECORD_OVERFLOW 22
#define ALERT_HANDSHAKE_FAILURE 40
#define ALERT_BAD_CERTIFICATE 42
#define ALERT_ILLEGAL_PARAMETER 47
#define ALERT_DECODE_ERROR 50
#define ALERT_DECRYPT_ERROR 51
#define ALERT_PROTOCOL_VERSION 70
#define ALERT_INTERNAL_ERROR 80
#define ALERT_MISSING_EXTENSION 109
#define ALERT_UNSUPPORTED_EXTENSION 110
#define ALERT_CERTIFICATE_REQUIRED 116

/* Cipher suites (§B.4). */
#define TLS_AES_128_GCM_SHA256 0x1301
#define TLS_AES_256_GCM_SHA384 0x1302
#define TLS_CHACHA20_POLY1305_SHA256 0x1303

/* The handshake's named states, in the order a full handshake passes them. */
enum tls13_state {
	ST_WAIT_SERVER_HELLO,  /* ClientHello sent (or queued) */
	ST_WAIT_ENCRYPTED_EXTENSIONS,
	ST_WAIT_CERTIFICATE,   /* or CertificateRequest */
	ST_WAIT_CERTIFICATE_VERIFY,
	ST_WAIT_FINISHED,
	ST_CONNECTED,          /* application data both ways */
	ST_CLOSED              /* close_notify or a fatal error */
};

/* One direction's record protection. */
typedef struct {
	unsigned char key[32];
	unsigned char iv[12];
	uint64_t seq;
	int on;                /* records are protected (after the ServerHello) */
} tls13_direction;

/* The Certificate message read as a stream (certificate.c). */
typedef struct {
	int step;              /* which field is being read */
	size_t need;           /* bytes still wanted by that field */
	uint32_t value;        /* a length field being accumulated */
	size_t list_left;      /* bytes left in certificate_list */
	size_t count;          /* certificates seen */
} tls13_cert_reader;

/* The newest NewSessionTicket (kept for resumption). */
typedef struct {
	uint32_t lifetime, age_add;
	unsigned char nonce[255];
	size_t nonce_len;
	unsigned char ticket[TLS13_TICKET_MAX];
	size_t ticket_len;
	int64_t received_ms;   /* unix ms when it arrived, or -1 without a clock */
} tls13_ticket;

typedef struct {
	enum tls13_state state;
	int err;               /* BR_ERR_* style cause once closed with an error */
	int reason;            /* MH_REASON_* when the cause has a finer reason */
	int closing;           /* we sent close_notify */
	int peer_closed;       /* the server sent close_notify */

	/* buffers: the incoming record, and records going out */
	unsigned char *in, *out;
	size_t in_cap, out_cap;
	int mono;              /* one buffer for both ways (a small record buffer) */
	size_t in_len;         /* bytes of the current incoming record so far */
	size_t app_off, app_len; /* received application data inside in */
	size_t out_len, out_sent; /* records in out, and how much of them left */
	size_t staged;         /* application bytes written after out_len + 5 */
	size_t hs_off, hs_len; /* handshake bytes of the current record not yet read */
	tls13_direction rd, wr;

	/* negotiation */
	const char *sni;       /* DNS name for server_name, or none */
	size_t sni_len;
	unsigned suite;
	const br_hash_class *hash;
	size_t key_len;
	int group;             /* BR_EC_* of our key share */
	unsigned char priv[48];
	size_t priv_len;
	int retried;           /* a HelloRetryRequest was answered */
	unsigned char client_random[32];
	unsigned char session_id[32];
	size_t session_id_len; /* 32; a replayed test ClientHello may have another */
	unsigned char cookie[TLS13_COOKIE_MAX];
	size_t cookie_len;
	/* 16 bits each: the TLS 1.3 state must stay within TLS 1.2's (engine_space.h) */
	uint16_t mfl_code;     /* max_fragment_length the server accepted (RFC 6066), or 0 */
	uint16_t peer_record_limit; /* the server's record_size_limit (RFC 8449), or 0 */
	int cert_requested;    /* the server sent a CertificateRequest */
	unsigned char cert_request_context[255 + 1]; /* length byte, then the context */
	int ccs_sent;
	int update_due;        /* a KeyUpdate of ours must be sent */
	unsigned version;      /* what the server's hello chose */
	int on_demand;         /* trust anchors come from the host per issuer */

	/* transcript (both hashes until the ServerHello names one) and keys */
	br_sha256_context sha256;
	br_sha384_context sha384;
	tls13_schedule schedule;
	unsigned char client_secret[48], server_secret[48];
	unsigned char resumption_secret[48];

	/* handshake message layer */
	unsigned char msg_head[4];
	size_t head_have;
	unsigned msg_type;
	size_t msg_len, msg_have;
	int msg_skip;          /* a NewSessionTicket too big to keep */
	unsigned char msg[TLS13_MSG_MAX];
	tls13_cert_reader certs;
	const br_x509_class **x509;
	int anchor_wait;       /* paused inside a certificate for the host's anchors */

	tls13_ticket ticket;
} tls13_engine;

extern tls13_engine *const t13;

/* Constant-time comparison of secrets (tags, Finished). */
static inline int tls13_equal(const unsigned char *a, const unsigned char *b, size_t n) {
	unsigned diff = 0;
	for (size_t i = 0; i < n; i++) {
		diff |= a[i] ^ b[i];
	}
	return diff == 0;
}

/* engine-wide failure: remembers the first cause and queues a fatal alert */
void tls13_fail(int err, int alert);
/* a record longer than the buffer or the limit the server agreed to */
void tls13_record_overflow(void);

/* record.c */
void tls13_set_keys(tls13_direction *d, const unsigned char *secret);
/* Protects the len bytes at rec + 5 (inner type appended) in place and
 * writes the header; returns the record's full length. */
size_t tls13_seal(unsigned char *rec, size_t len, unsigned inner_type);
/* Opens the record at rec (header + ciphertext) in place; returns the
 * plaintext length and its inner type in *type, or -1 (error recorded). */
long tls13_open(unsigned char *rec, size_t len, unsigned *type);
/* Queues a message of type in a new record (protected when keys are on). */
int tls13_queue(unsigned type, const unsigned char *data, size_t len);
/* Seals the application bytes written so far into a record. */
void tls13_seal_staged(void);

/* transcript (handshake.c) */
void tls13_transcript(const unsigned char *p, size_t n);
void tls13_transcript_hash(unsigned char *out);

/* client_hello.c */
int tls13_client_hello(void);
int tls13_client_hello_for(int curve);
int tls13_suite_offered(unsigned suite);
int tls13_group_curve(unsigned group);
#if MH_TEST_HOOKS
void tls13_test_replay_hello(const unsigned char *m, size_t len);
#endif

/* server_hello.c: 0, or -1 with the failure recorded */
int tls13_server_hello(const unsigned char *m, size_t len);

/* handshake.c: handshake bytes from a decrypted or plaintext record;
 * returns the bytes consumed (less than n only while anchors are awaited) */
size_t tls13_handshake_bytes(const unsigned char *p, size_t n);
void tls13_send_key_update(void);

/* encrypted_extensions.c: 0, or -1 with the failure recorded */
int tls13_encrypted_extensions(const unsigned char *m, size_t len);

/* record_limit.c: plaintext sizes, without the inner content type byte */
unsigned tls13_mfl_code_offered(void);   /* RFC 6066 code we offer, or 0 */
size_t tls13_fragment_offered(void);     /* what we ask the server to send at most */
size_t tls13_fragment_limit_in(void);    /* what it may send: the above once agreed */
size_t tls13_fragment_limit_out(void);   /* what we may send */
unsigned tls13_fragment_agreed(void);    /* the smaller limit the server agreed to, or 0 */

/* certificate.c */
void tls13_certs_start(void);
size_t tls13_certs_bytes(const unsigned char *p, size_t n, int last);
int tls13_certificate_verify(const unsigned char *m, size_t len);

/* psk.c: resumption (import, export and resumed in tls13_transport.h).
 * At open: offers the imported session unless it expired or no offered suite has its hash. */
void tls13_psk_open(void);
int tls13_psk_offered(void);
/* Appends pre_shared_key (the last extension) with its binder to the
 * ClientHello of len bytes whose extensions' length is at exts_at; returns
 * the new length (len when nothing is offered or it would not fit in cap). */
size_t tls13_psk_append(unsigned char *hello, size_t len, size_t cap, size_t exts_at);
/* The ServerHello's answer (selected: its selected_identity + 1, or 0):
 * 1 resumed, 0 a full handshake, -1 a broken answer (failure recorded). */
int tls13_psk_answer(unsigned selected, int has_share, unsigned suite);
/* The Early Secret: from the PSK when resumed, else from zeros; the PSK is then wiped. */
void tls13_psk_early_secret(tls13_schedule *s, const br_hash_class *hash);

#endif
