/*
 * microhttps on WAMR: the C API firmware code calls.
 *
 * The HTTP/1.1 + TLS 1.2 work happens inside microhttps.wasm, run by WAMR;
 * this library gives it a socket, drives its sans-IO loop (docs/abi.md) and
 * hands the response to the caller in pieces, into the caller's buffers.
 *
 *   microhttps_core core;                     once per program, after
 *   microhttps_core_load(&core, wasm, n, &e)  wasm_runtime_full_init()
 *   microhttps conn;                          one per connection (caller-owned)
 *   microhttps_open(&conn, &core, &options, &e);
 *   microhttps_request(&conn, &request, &e);  -> status, headers
 *   while ((n = microhttps_read(&conn, buf, sizeof buf, &e)) > 0) use(buf, n);
 *   microhttps_close(&conn);                  n == 0: body complete; n < 0: e
 *
 * Errors carry a code from the shared vocabulary (MH_ERR_* in
 * include/microhttps/spec.h; mh_error_name(code) in include/microhttps/spec_names.h
 * gives "CERT_EXPIRED" etc.). Functions returning int return 0 on success.
 * A connection is used by one thread at a time.
 */
#ifndef MICROHTTPS_H
#define MICROHTTPS_H

#include <stddef.h>
#include <stdint.h>

#include "wasm_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default timeouts (ms) and the WAMR stack given to each instance (bytes). */
#define MICROHTTPS_DEFAULT_TIMEOUT_MS 30000u
#define MICROHTTPS_DEFAULT_WASM_STACK 16384u
/* Room for the core's exports (spec/abi.json); core_calls.c fails to compile when they do not fit. */
#define MICROHTTPS_EXPORT_SLOTS 64

typedef struct microhttps_error {
    uint32_t code;     /* MH_ERR_*; 0 when there is no error */
    uint32_t detail;   /* BearSSL error, MH_PARSE_*, MH_REQ_* or limit id (docs/errors.md) */
    char message[192]; /* what went wrong, in words, for a log */
} microhttps_error;

/* The loaded module, shared by every connection. */
typedef struct microhttps_core {
    wasm_module_t module;
} microhttps_core;

/*
 * Loads microhttps.wasm (WAMR must be initialised, with libc-wasi or with
 * microhttps_register_wasi_natives()). WAMR keeps pointers into `wasm`, and
 * may patch it: the buffer must stay writable and alive until unload.
 */
int microhttps_core_load(microhttps_core *core, uint8_t *wasm, uint32_t size, microhttps_error *err);
void microhttps_core_unload(microhttps_core *core);

typedef struct microhttps_options {
    const char *host;             /* server name: DNS, SNI, certificate check, Host header */
    uint16_t port;
    int tls;                      /* 1: https with full validation; 0: plain http */
    const char *address;          /* numeric address to connect to instead of resolving host (or NULL) */
    const char *ca_pem;           /* trust anchors: PEM CERTIFICATE blocks (required for tls); read during
                                     every handshake (the core asks per issuer), so keep it valid while open */
    size_t ca_pem_len;
    int ca_skip_unusable;         /* 1: skip anchors the core cannot load (system bundles); 0: fail with CONFIG */
    uint32_t connect_timeout_ms;  /* DNS + TCP + TLS handshake; 0: the default */
    uint32_t read_timeout_ms;     /* longest wait for the peer at any point; 0: the default */
    uint32_t wasm_stack_bytes;    /* WAMR stack of the instance; 0: MICROHTTPS_DEFAULT_WASM_STACK. Too small is
                                     MH_ERR_CONFIG with the size to try (measured needs: docs/wamr.md) */
    const uint8_t *session;       /* a TLS session saved with microhttps_session() to offer (resumption: no
                                     certificates, no public-key operations), or NULL; a stale one is ignored */
    size_t session_len;
    uint32_t max_fragment;        /* TLS Maximum Fragment Length to negotiate (RFC 6066): 0 (none), 512, 1024,
                                     2048 or 4096; shrinks the record buffer from 16,709 bytes to this + 325.
                                     A server that does not accept it is connected to again without it. */
    uint32_t suites;              /* TLS suites to offer: MH_SUITE_* bits (include/microhttps/spec.h), e.g.
                                     MH_SUITE_CHACHA20_POLY1305 alone where AES-GCM is slow (interpreters);
                                     0: every suite the core has. A server that accepts none of them fails
                                     the handshake with MH_ERR_TLS_HANDSHAKE, naming the suites offered. */
    uint16_t tls_min_version;     /* lowest TLS version to accept: 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3); 0: 1.2 */
    uint16_t tls_max_version;     /* highest to offer, the same values; 0: 1.2, so TLS 1.3 runs only when asked.
                                     With 1.2 to 1.3, a server that answers TLS 1.3 with TLS 1.2 is connected
                                     to again with TLS 1.2 in the same open, which then refuses a downgraded
                                     server (RFC 8446 4.1.3); remembering such servers is the caller's choice. */
} microhttps_options;

/* One connection: an instance of the core and a socket. Fields are private. */
typedef struct microhttps {
    wasm_module_inst_t inst;
    wasm_exec_env_t exec_env;
    wasm_function_inst_t fn[MICROHTTPS_EXPORT_SLOTS]; /* looked up once per instance */
    int fd;
    uint32_t read_timeout_ms;
    uint32_t wasm_stack_bytes;    /* as instantiated, for the advice when it overflows */
    uint32_t suites;              /* offered (0: all), for the message when the server accepts none */
    const uint8_t *body;          /* the unread part of the last EV_BODY (in core memory) */
    uint32_t body_left;
    uint32_t status;              /* of the final head of the current response */
    char host_field[264];         /* the Host field: name, [v6], and :port unless the scheme's default */
    const char *ca_pem;           /* the caller's bundle, searched when the core asks for an issuer's anchors */
    size_t ca_pem_len;
    int ca_skip_unusable;
    int state;
} microhttps;

/* Instantiates the core, loads the trust anchors, connects, completes the TLS handshake. */
int microhttps_open(microhttps *conn, const microhttps_core *core, const microhttps_options *options, microhttps_error *err);

typedef struct microhttps_field {
    const char *name;             /* views into core memory, not NUL-terminated */
    uint32_t name_len;
    const char *value;
    uint32_t value_len;
} microhttps_field;

typedef struct microhttps_req {
    const char *method;           /* "GET", "POST", ... */
    const char *target;           /* "/path?query" */
    const microhttps_field *headers; /* extra fields (not Host, Content-Length, Transfer-Encoding) */
    uint32_t header_count;
    const uint8_t *body;          /* sent with Content-Length; NULL for none */
    size_t body_len;
} microhttps_req;

/* Sends a request and waits for the final response head (1xx heads are skipped). */
int microhttps_request(microhttps *conn, const microhttps_req *request, microhttps_error *err);

/* The final head of the response: status (kept after the body), fields (views valid until the first read). */
uint32_t microhttps_status(microhttps *conn);
uint32_t microhttps_header_count(microhttps *conn);
int microhttps_header(microhttps *conn, uint32_t index, microhttps_field *field);

/*
 * Copies up to cap body bytes into buf. Returns the count, 0 once the body
 * is complete, or -1 on error (the connection is then dead).
 */
long microhttps_read(microhttps *conn, uint8_t *buf, size_t cap, microhttps_error *err);

/* After the body is complete: 1 if the connection can carry another request. */
int microhttps_keep_alive(microhttps *conn);

/* The core's memory figures (MH_MEM_*) and the instance's linear memory in bytes. */
uint32_t microhttps_core_mem(microhttps *conn, uint32_t kind);
uint64_t microhttps_linear_memory_bytes(microhttps *conn);

/*
 * After the TLS handshake: copies the session into out (at most
 * MH_SESSION_MAX_BYTES, include/microhttps/spec.h) and returns its length; 0
 * when there is none (plain http; over TLS 1.3 no ticket yet: servers send
 * them after the handshake, so call it again after a response) or cap is too
 * small (err says so). Offered again with microhttps_options.session, even
 * after a reboot, it resumes the session (a TLS 1.3 ticket until its
 * lifetime, by the wall clock). It holds the master secret or the PSK: store
 * it as a secret.
 */
size_t microhttps_session(microhttps *conn, uint8_t *out, size_t cap, microhttps_error *err);
/* 1 if the handshake resumed the offered session, else 0. */
int microhttps_resumed(microhttps *conn);
/* The negotiated Maximum Fragment Length, or 0. */
uint32_t microhttps_max_fragment(microhttps *conn);
/* The negotiated cipher suite (IANA number, e.g. 0xcca9 for ECDHE-ECDSA-CHACHA20-POLY1305), or 0. */
uint32_t microhttps_suite(microhttps *conn);

/* Sends TLS close_notify (best effort), closes the socket, frees the instance. */
void microhttps_close(microhttps *conn);

/*
 * For WAMR built without libc-wasi: registers the two WASI functions the core
 * imports as WAMR natives, taking entropy and time from the platform hooks
 * below (the build defines them in platform_posix.c; firmware writes its own).
 * Call after wasm_runtime_full_init() and before microhttps_core_load().
 */
int microhttps_register_wasi_natives(void);
/* Fills buf with len bytes from a CSPRNG; 0 on success. */
int microhttps_platform_random(uint8_t *buf, size_t len);
/* Wall-clock nanoseconds since 1970; 0 on success, non-zero when the time is unknown. */
int microhttps_platform_time_ns(uint64_t *ns);

#ifdef __cplusplus
}
#endif
#endif
