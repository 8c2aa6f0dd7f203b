/*
 * What a connection can tell after its handshake: the TLS session to keep,
 * whether it resumed one, the fragment length, and memory figures.
 */
#include <string.h>

#include "core_calls.h"
#include "microhttps.h"
#include "microhttps/spec.h"

size_t microhttps_session(microhttps *conn, uint8_t *out, size_t cap, microhttps_error *err) {
    memset(err, 0, sizeof *err);
    uint32_t len = core_call0(conn, X_SESSION_EXPORT, err);
    if (err->code || len == 0) return 0;
    if (len > cap) {
        core_fail(err, MH_ERR_CONFIG, 0, "the session needs %u bytes, the buffer has %zu", len, cap);
        return 0;
    }
    const uint8_t *session = core_view(conn, core_call0(conn, X_XFER_PTR, err), len);
    if (err->code || !session) return 0;
    memcpy(out, session, len);
    return len;
}

int microhttps_resumed(microhttps *conn) {
    microhttps_error ignored = { 0 };
    return conn->inst && core_call0(conn, X_TLS_RESUMED, &ignored) == 1;
}

uint32_t microhttps_max_fragment(microhttps *conn) {
    microhttps_error ignored = { 0 };
    return conn->inst ? core_call0(conn, X_TLS_MAX_FRAGMENT, &ignored) : 0;
}

uint32_t microhttps_suite(microhttps *conn) {
    microhttps_error ignored = { 0 };
    return conn->inst ? core_call0(conn, X_TLS_SUITE, &ignored) : 0;
}

uint32_t microhttps_core_mem(microhttps *conn, uint32_t kind) {
    microhttps_error ignored = { 0 };
    return conn->inst ? core_call1(conn, X_MEM, kind, &ignored) : 0;
}

uint64_t microhttps_linear_memory_bytes(microhttps *conn) {
    wasm_memory_inst_t memory = conn->inst ? wasm_runtime_get_default_memory(conn->inst) : NULL;
    if (!memory) return 0;
    /* WAMR may have trimmed the memory to __heap_base: one "page" of that many bytes. */
    return wasm_memory_get_bytes_per_page(memory) * wasm_memory_get_cur_page_count(memory);
}
