/*
 * The two WASI functions the core imports, as WAMR natives, for runtimes
 * built without libc-wasi (WAMR_BUILD_LIBC_WASI=0, common on small boards).
 * Entropy and time come from the platform hooks of microhttps.h.
 */
#include <string.h>

#include "microhttps.h"

/* WASI errno values the core may see. */
#define WASI_ESUCCESS 0
#define WASI_EINVAL 28
#define WASI_EIO 29

/* random_get(buf, len): "*~" makes WAMR check that [buf, buf+len) is in linear memory. */
static uint32_t random_get(wasm_exec_env_t env, uint8_t *buf, uint32_t len) {
    (void)env;
    return microhttps_platform_random(buf, len) == 0 ? WASI_ESUCCESS : WASI_EIO;
}

/* clock_time_get(id, precision, out): the core asks for the realtime clock (0) only. */
static uint32_t clock_time_get(wasm_exec_env_t env, uint32_t clock_id, uint64_t precision, uint32_t out) {
    (void)precision;
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    uint64_t ns;
    if (clock_id != 0 || !wasm_runtime_validate_app_addr(inst, out, sizeof ns)) return WASI_EINVAL;
    if (microhttps_platform_time_ns(&ns) != 0) return WASI_EINVAL;
    uint8_t *dst = wasm_runtime_addr_app_to_native(inst, out);
    for (unsigned i = 0; i < sizeof ns; i++) dst[i] = (uint8_t)(ns >> (8 * i)); /* little-endian, as wasm */
    return WASI_ESUCCESS;
}

/* Sorted by name, as WAMR looks symbols up by binary search. */
static NativeSymbol wasi_symbols[] = {
    { "clock_time_get", (void *)clock_time_get, "(iIi)i", NULL },
    { "random_get", (void *)random_get, "(*~)i", NULL },
};

int microhttps_register_wasi_natives(void) {
    return wasm_runtime_register_natives("wasi_snapshot_preview1", wasi_symbols, sizeof wasi_symbols / sizeof wasi_symbols[0]) ? 0 : -1;
}
