/* The core's only two imports: entropy and wall-clock time, under their
 * WASI preview1 names so that WAMR's libc-wasi and node:wasi provide them
 * (and any host can in a few lines). */
#ifndef MH_WASI_H
#define MH_WASI_H
#include <stddef.h>
#include <stdint.h>

/* Fills buf with len bytes from the host's CSPRNG; returns 0 on success. */
int wasi_entropy(void *buf, size_t len);

/* Current wall-clock time in seconds since 1970-01-01 UTC, or -1 when the
 * host cannot tell (no clock, or a clock not set yet). */
int64_t wasi_unix_seconds(void);

/* The same in milliseconds (TLS 1.3 ticket ages), or -1. */
int64_t wasi_unix_millis(void);

#endif
