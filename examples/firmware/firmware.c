/*
 * microhttps on WAMR the way firmware uses it: no command line, no file
 * system, no malloc of its own. WAMR allocates from one static pool; the core
 * (a .wasm or a wamrc .aot) and the root CA are constants as they would be in
 * flash; the TLS session is kept in a byte array as it would be in NVS, so
 * the second GET resumes it (no certificates, no public-key operations).
 * firmware_config.h says what to fetch; `make` in this folder builds it.
 */
#include <stdio.h>
#include <string.h>

#include <firmware_config.h> /* <>: CONFIG_DIR's copy, if given, comes before this folder's */
#include "microhttps.h"
#include "microhttps/spec.h"
#include "microhttps/spec_names.h"

/* The core's bytes (core_bytes.c, made by the Makefile). WAMR may patch them
 * while loading, so they are not const; with XIP AOT they stay in flash. */
extern unsigned char core_bytes[];
extern const unsigned int core_bytes_len;

/* WAMR's one heap. */
static char wamr_pool[FIRMWARE_POOL_BYTES];

/* The TLS session, as it would be kept in flash across reboots (it holds the master secret). */
static uint8_t saved_session[MH_SESSION_BYTES];
static size_t saved_session_len;

static int failed(const char *step, const microhttps_error *e) {
    const char *name = mh_error_name(e->code);
    fprintf(stderr, "%s: %s: %s\n", step, name ? name : "INTERNAL", e->message);
    return 1;
}

/* One GET: open (offering the saved session), request, body to stdout, keep the new session. */
static int get_once(const microhttps_core *core) {
    microhttps conn;
    microhttps_error e;
    microhttps_options o = {
        .host = FIRMWARE_HOST, .port = FIRMWARE_PORT, .tls = 1, .address = FIRMWARE_ADDRESS,
        .ca_pem = FIRMWARE_ROOT_CA_PEM, .ca_pem_len = sizeof FIRMWARE_ROOT_CA_PEM - 1,
        .connect_timeout_ms = 10000, .read_timeout_ms = 10000,
        .session = saved_session_len ? saved_session : NULL, .session_len = saved_session_len,
        .max_fragment = FIRMWARE_MAX_FRAGMENT, .suites = FIRMWARE_SUITES,
    };
    if (microhttps_open(&conn, core, &o, &e)) return failed("open", &e);
    saved_session_len = microhttps_session(&conn, saved_session, sizeof saved_session, &e);
    microhttps_req get = { .method = "GET", .target = FIRMWARE_PATH };
    int rc = microhttps_request(&conn, &get, &e) ? failed("request", &e) : 0;
    long n, total = 0;
    uint8_t piece[256];
    while (rc == 0 && (n = microhttps_read(&conn, piece, sizeof piece, &e)) > 0) {
        fwrite(piece, 1, (size_t)n, stdout);
        total += n;
    }
    if (rc == 0 && e.code) rc = failed("read", &e);
    if (rc == 0) {
        fprintf(stderr, "status %u, %ld body bytes, resumed %d, max_fragment %u\n", microhttps_status(&conn), total,
                microhttps_resumed(&conn), microhttps_max_fragment(&conn));
    }
    microhttps_close(&conn);
    return rc;
}

int main(void) {
    RuntimeInitArgs init;
    memset(&init, 0, sizeof init);
    init.mem_alloc_type = Alloc_With_Pool;
    init.mem_alloc_option.pool.heap_buf = wamr_pool;
    init.mem_alloc_option.pool.heap_size = sizeof wamr_pool;
    if (!wasm_runtime_full_init(&init)) return fprintf(stderr, "WAMR failed to initialise\n"), 1;
    wasm_runtime_set_log_level(WASM_LOG_LEVEL_ERROR);
    /* entropy and time from the platform hooks (platform_posix.c here; your RNG and RTC on a board) */
    int rc = microhttps_register_wasi_natives() != 0 ? fprintf(stderr, "registering the WASI natives failed\n"), 1 : 0;
    microhttps_core core;
    microhttps_error e;
    if (rc == 0 && microhttps_core_load(&core, core_bytes, core_bytes_len, &e)) rc = failed("load", &e);
    else if (rc == 0) {
        rc = get_once(&core);                   /* full handshake; the session is kept */
        if (rc == 0) rc = get_once(&core);      /* "after a reboot": resumes it */
        microhttps_core_unload(&core);
    }
    wasm_runtime_destroy();
    return rc;
}
