/* Loads microhttps.wasm and calls into one instance of it through WAMR's embedding API. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core_calls.h"
#include "microhttps/spec.h"
#include "microhttps/spec_names.h"

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

/* Fills err from the core's error code and detail, naming the detail where the spec has a name. */
int core_error(microhttps_error *err, uint32_t code, uint32_t detail, const char *during) {
    const char *what = mh_error_message(code);
    const char *detail_name = NULL;
    if (code == MH_ERR_HTTP_PARSE || (code == MH_ERR_CLOSED && detail != 0)) detail_name = mh_parse_detail_name(detail);
    else if (code == MH_ERR_REQUEST_INVALID) detail_name = mh_request_detail_name(detail);
    else if (code == MH_ERR_HTTP_LIMIT) detail_name = mh_limit_name(detail);
    return core_fail(err, code ? code : MH_ERR_INTERNAL, detail, "%s: %s (detail %u%s%s)", during,
                     what ? what : "unknown error code", detail, detail_name ? " " : "", detail_name ? detail_name : "");
}

/* The result of a synchronous call that returns a code. */
int check_call(microhttps *conn, uint32_t code, const char *during, microhttps_error *err) {
    if (err->code) return (int)err->code;
    if (code == 0) return 0;
    return core_error(err, code, core_call0(conn, X_CALL_DETAIL, err), during);
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
    if (argc != core_export_params[x] || argc > sizeof cells / sizeof *cells)
        return core_fail(err, MH_ERR_INTERNAL, argc, "%s called with %u arguments, takes %u", core_export_names[x], argc, core_export_params[x]), 0;
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

/* The module every connection instantiates (microhttps.h). */
int microhttps_core_load(microhttps_core *core, uint8_t *wasm, uint32_t size, microhttps_error *err) {
    char why[128];
    memset(err, 0, sizeof *err);
    core->module = wasm_runtime_load(wasm, size, why, sizeof why);
    if (!core->module) {
        /* wamrc enables SIMD for x86-64 and aarch64 unless told --disable-simd */
        const char *hint = strstr(why, "SIMD") ? "; this .aot needs a runtime built with WAMR_BUILD_SIMD=1"
                                                 " (or wamrc --disable-simd for portable/small)" : "";
        return core_fail(err, MH_ERR_CONFIG, 0, "%s%s", why, hint);
    }
    return 0;
}

void microhttps_core_unload(microhttps_core *core) {
    if (core->module) wasm_runtime_unload(core->module);
    core->module = NULL;
}
