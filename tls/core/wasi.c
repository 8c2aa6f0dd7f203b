#include "wasi.h"

#define WASI_IMPORT(name) \
	__attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))

WASI_IMPORT("random_get")
int32_t wasi_random_get(uint8_t *buf, uint32_t len);

WASI_IMPORT("clock_time_get")
int32_t wasi_clock_time_get(uint32_t clock_id, uint64_t precision, uint64_t *time_ns);

#define WASI_CLOCK_REALTIME 0

/* A clock reading before this instant (2024-01-01) means the host has no
 * real time yet (a board before SNTP reports 1970): certificate dates must
 * then fail closed instead of being checked against a wrong date. */
#define PLAUSIBLE_UNIX_SECONDS 1704067200

int wasi_entropy(void *buf, size_t len) {
	return wasi_random_get(buf, (uint32_t)len) == 0 ? 0 : -1;
}

int64_t wasi_unix_millis(void) {
	uint64_t ns = 0;
	if (wasi_clock_time_get(WASI_CLOCK_REALTIME, 1000000u, &ns) != 0) {
		return -1;
	}
	int64_t ms = (int64_t)(ns / 1000000u);
	return ms < (int64_t)PLAUSIBLE_UNIX_SECONDS * 1000 ? -1 : ms;
}

int64_t wasi_unix_seconds(void) {
	int64_t ms = wasi_unix_millis();
	return ms < 0 ? -1 : ms / 1000;
}
