/*
 * Calls into one instance of microhttps.wasm: its exports by name (looked up
 * once), and bounds-checked views of its linear memory. Internal to the
 * library; docs/abi.md is the contract these calls follow.
 */
#ifndef MICROHTTPS_CORE_CALLS_H
#define MICROHTTPS_CORE_CALLS_H

#include "microhttps.h"

/* The exports the host calls, in the order of core_export_names[]. */
enum core_export {
    X_ABI_VERSION, X_INIT, X_XFER_PTR, X_XFER_CAP, X_ANCHOR_ADD, X_OPEN, X_CLOSE, X_STEP,
    X_SEND_PTR, X_SEND_LEN, X_SEND_ACK, X_RECV_PTR, X_RECV_CAP, X_RECV_COMMIT, X_RECV_EOF,
    X_REQUEST_START, X_REQUEST_HEADER, X_REQUEST_END, X_BODY_WRITE, X_BODY_END,
    X_STATUS, X_HEADER_COUNT, X_HEADER_NAME_PTR, X_HEADER_NAME_LEN, X_HEADER_VALUE_PTR, X_HEADER_VALUE_LEN,
    X_BODY_PTR, X_BODY_LEN, X_KEEP_ALIVE, X_ERROR_CODE, X_ERROR_DETAIL, X_CALL_DETAIL, X_MEM,
    X_ANCHOR_QUERY_PTR, X_ANCHOR_RESUME, X_SHA256,
    X_LIMIT_SET, X_SESSION_IMPORT, X_SESSION_EXPORT, X_TLS_RESUMED, X_TLS_MAX_FRAGMENT, X_TLS_SUITES, X_TLS_SUITE,
    X_COUNT
};

/* Instantiates the module and looks up every export; 0 or an MH_ERR_* code. */
int core_instantiate(microhttps *conn, const microhttps_core *core, uint32_t stack_bytes, microhttps_error *err);
void core_deinstantiate(microhttps *conn);

/*
 * Calls export x with argc i32 arguments; returns its i32 result (0 for
 * functions without one). A trap returns 0 and sets err->code: MH_ERR_CONFIG
 * when WAMR's stack (wasm_stack_bytes) or the calling thread's native stack
 * overflowed, with the size to try, else MH_ERR_INTERNAL with WAMR's
 * exception text. Callers check err->code (every API entry clears it), and
 * the instance is unusable afterwards.
 */
uint32_t core_call(microhttps *conn, enum core_export x, uint32_t argc, const uint32_t *args, microhttps_error *err);

/* Shorthands for the common arities. */
uint32_t core_call0(microhttps *conn, enum core_export x, microhttps_error *err);
uint32_t core_call1(microhttps *conn, enum core_export x, uint32_t a, microhttps_error *err);

/* Copies len bytes into the transfer window at offset; 0, or REQUEST_INVALID when they do not fit. */
int core_put_xfer(microhttps *conn, uint32_t offset, const void *data, size_t len, microhttps_error *err);

/* A native pointer to [ptr, ptr+len) of linear memory, or NULL if out of bounds. */
uint8_t *core_view(microhttps *conn, uint32_t ptr, uint32_t len);

/* Fills err; returns code. */
int core_fail(microhttps_error *err, uint32_t code, uint32_t detail, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
