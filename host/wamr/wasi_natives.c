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

/* clock_time_get(id, precision, out): the core asks for the realtime clock (0) only.
 * Both natives keep libc-wasi's signatures: with libc-wasi built in too,
 * WAMR's AOT calls converted pointer arguments by its signature while calling
 * these functions. "*" checks one byte of out, so all eight are checked here. */
static uint32_t clock_time_get(wasm_exec_env_t env, uint32_t clock_id, uint64_t precision, uint8_t *out) {
    (void)precision;
    uint64_t ns;
    if (clock_id != 0 || !wasm_runtime_validate_native_addr(wasm_runtime_get_module_inst(env), out, sizeof ns)) return WASI_EINVAL;
    if (microhttps_platform_time_ns(&ns) != 0) return WASI_EINVAL;
    for (unsigned i = 0; i < sizeof ns; i++) out[i] = (uint8_t)(ns >> (8 * i)); /* little-endian, as wasm */
    return WASI_ESUCCESS;
}

/* Sorted by name, as WAMR looks symbols up by binary search. ISO C has no
 * conversion from a function pointer to void *, so the pointers go in
 * through unions when registering (clean under -Wpedantic). */
static NativeSymbol wasi_symbols[] = {
    { "clock_time_get", NULL, "(iI*)i", NULL },
    { "random_get", NULL, "(*~)i", NULL },
};

int microhttps_register_wasi_natives(void) {
    union { uint32_t (*fn)(wasm_exec_env_t, uint32_t, uint64_t, uint8_t *); void *symbol; } clock_fn = { clock_time_get };
    union { uint32_t (*fn)(wasm_exec_env_t, uint8_t *, uint32_t); void *symbol; } random_fn = { random_get };
    wasi_symbols[0].func_ptr = clock_fn.symbol;
    wasi_symbols[1].func_ptr = random_fn.symbol;
    return wasm_runtime_register_natives("wasi_snapshot_preview1", wasi_symbols, sizeof wasi_symbols / sizeof wasi_symbols[0]) ? 0 : -1;
}
