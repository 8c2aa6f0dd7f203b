/* Calls into one instance of microhttps.wasm through WAMR's embedding API. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core_calls.h"
#include "microhttps/spec.h"

/* Indexed by enum core_export. */
static const char *const core_export_names[X_COUNT] = {
    "mh_abi_version", "mh_init", "mh_xfer_ptr", "mh_xfer_cap", "mh_anchor_add", "mh_open", "mh_close", "mh_step",
    "mh_send_ptr", "mh_send_len", "mh_send_ack", "mh_recv_ptr", "mh_recv_cap", "mh_recv_commit", "mh_recv_eof",
    "mh_request_start", "mh_request_header", "mh_request_end", "mh_body_write", "mh_body_end",
    "mh_status", "mh_header_count", "mh_header_name_ptr", "mh_header_name_len", "mh_header_value_ptr", "mh_header_value_len",
    "mh_body_ptr", "mh_body_len", "mh_keep_alive", "mh_error_code", "mh_error_detail", "mh_call_detail", "mh_mem",
    "mh_anchor_query_ptr", "mh_anchor_resume", "mh_sha256",
    "mh_limit_set", "mh_session_import", "mh_session_export", "mh_tls_resumed", "mh_tls_max_fragment", "mh_tls_suites", "mh_tls_suite",
};

_Static_assert(X_COUNT <= MICROHTTPS_EXPORT_SLOTS, "microhttps.fn[] is too small for the exports");

int core_fail(microhttps_error *err, uint32_t code, uint32_t detail, const char *fmt, ...) {
    va_list ap;
    err->code = code;
    err->detail = detail;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return (int)code;
}

/* The WAMR stack to suggest after one of stack_bytes overflowed. */
static uint32_t stack_to_try(uint32_t stack_bytes) {
    return stack_bytes < MICROHTTPS_DEFAULT_WASM_STACK ? MICROHTTPS_DEFAULT_WASM_STACK : 2 * stack_bytes;
}

int core_instantiate(microhttps *conn, const microhttps_core *core, uint32_t stack_bytes, microhttps_error *err) {
    char why[128];
    conn->wasm_stack_bytes = stack_bytes;
    /* Heap 0: the core allocates nothing at run time (no malloc inside). */
    conn->inst = wasm_runtime_instantiate(core->module, stack_bytes, 0, why, sizeof why);
    if (!conn->inst) return core_fail(err, MH_ERR_CONFIG, 0, "instantiating the core: %s", why);
    conn->exec_env = wasm_runtime_create_exec_env(conn->inst, stack_bytes);
    if (!conn->exec_env) {
        core_deinstantiate(conn);
        return core_fail(err, MH_ERR_CONFIG, 0, "creating the WAMR execution environment with a %u-byte stack: try wasm_stack_bytes (--wasm-stack) %u",
                         stack_bytes, stack_to_try(stack_bytes));
    }
    for (int i = 0; i < X_COUNT; i++) {
        conn->fn[i] = wasm_runtime_lookup_function(conn->inst, core_export_names[i]);
        if (!conn->fn[i]) {
            core_deinstantiate(conn);
            return core_fail(err, MH_ERR_CONFIG, 0, "the core lacks the export %s: not a microhttps core of ABI %u", core_export_names[i], MH_ABI_VERSION);
        }
    }
    uint32_t version = core_call0(conn, X_ABI_VERSION, err);
    if (err->code) return (int)err->code;
    if (version != MH_ABI_VERSION) {
        core_deinstantiate(conn);
        return core_fail(err, MH_ERR_CONFIG, version, "the core speaks ABI %u, this host %u: rebuild one of them", version, MH_ABI_VERSION);
    }
    return 0;
}

void core_deinstantiate(microhttps *conn) {
    if (conn->exec_env) wasm_runtime_destroy_exec_env(conn->exec_env);
    if (conn->inst) wasm_runtime_deinstantiate(conn->inst);
    conn->exec_env = NULL;
    conn->inst = NULL;
}

/* A trap: a stack that overflowed is the caller's setting (CONFIG, with the
 * size to try); anything else is the core's fault (INTERNAL). */
static void trapped(microhttps *conn, enum core_export x, microhttps_error *err) {
    const char *what = wasm_runtime_get_exception(conn->inst);
    if (what && strstr(what, "operand stack overflow")) {
        core_fail(err, MH_ERR_CONFIG, 0, "%s: the WAMR stack of %u bytes overflowed: try wasm_stack_bytes (--wasm-stack) %u",
                  core_export_names[x], conn->wasm_stack_bytes, stack_to_try(conn->wasm_stack_bytes));
    } else if (what && strstr(what, "native stack overflow")) {
        core_fail(err, MH_ERR_CONFIG, 0, "%s: the native stack of the calling thread overflowed: give it more (docs/wamr.md has measured needs)",
                  core_export_names[x]);
    } else {
        core_fail(err, MH_ERR_INTERNAL, 0, "%s trapped: %s", core_export_names[x], what ? what : "no exception text");
    }
    wasm_runtime_clear_exception(conn->inst);
}

uint32_t core_call(microhttps *conn, enum core_export x, uint32_t argc, const uint32_t *args, microhttps_error *err) {
    /* WAMR passes arguments in 32-bit cells and writes the result over cell 0. */
    uint32_t cells[4] = { 0, 0, 0, 0 };
    if (argc > 0) memcpy(cells, args, argc * sizeof *args);
    if (!wasm_runtime_call_wasm(conn->exec_env, conn->fn[x], argc, cells)) {
        trapped(conn, x, err);
        return 0;
    }
    return wasm_func_get_result_count(conn->fn[x], conn->inst) ? cells[0] : 0;
}

uint32_t core_call0(microhttps *conn, enum core_export x, microhttps_error *err) {
    return core_call(conn, x, 0, NULL, err);
}

uint32_t core_call1(microhttps *conn, enum core_export x, uint32_t a, microhttps_error *err) {
    return core_call(conn, x, 1, &a, err);
}

int core_put_xfer(microhttps *conn, uint32_t offset, const void *data, size_t len, microhttps_error *err) {
    uint32_t cap = core_call0(conn, X_XFER_CAP, err);
    uint32_t ptr = core_call0(conn, X_XFER_PTR, err);
    if (err->code) return (int)err->code;
    if (offset > cap || len > cap - offset)
        return core_fail(err, MH_ERR_REQUEST_INVALID, 0, "%zu bytes do not fit in the core's %u-byte transfer window", len, cap);
    uint8_t *window = core_view(conn, ptr + offset, (uint32_t)len);
    if (len && !window) return core_fail(err, MH_ERR_INTERNAL, 0, "transfer window outside linear memory");
    if (len) memcpy(window, data, len);
    return 0;
}

uint8_t *core_view(microhttps *conn, uint32_t ptr, uint32_t len) {
    if (!wasm_runtime_validate_app_addr(conn->inst, ptr, len)) return NULL;
    return wasm_runtime_addr_app_to_native(conn->inst, ptr);
}
