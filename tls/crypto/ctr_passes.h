/* The counter-mode loop shared by the wasm SIMD stream ciphers
 * (chacha20_simd.c, aes_ctr_simd.c): whole passes straight on the data,
 * a final partial pass through a scratch copy, wiped afterwards. */
#ifndef MH_CTR_PASSES_H
#define MH_CTR_PASSES_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CTR_PASS_MAX 256

/* XORs the keystream of one pass (counter cc for its first block) into
 * `bytes` bytes at data. */
typedef void (*ctr_pass_fn)(const void *state, uint32_t cc, unsigned char *data);

/* Runs pass over len bytes, `bytes` (<= CTR_PASS_MAX) at a time, the
 * counter advancing by `blocks` each pass. Inlined with a constant pass,
 * so the call is direct. */
static inline void ctr_passes(ctr_pass_fn pass, const void *state, uint32_t cc,
	size_t bytes, uint32_t blocks, unsigned char *data, size_t len)
{
	while (len >= bytes) {
		pass(state, cc, data);
		data += bytes;
		len -= bytes;
		cc += blocks;
	}
	if (len > 0) {
		unsigned char tail[CTR_PASS_MAX];
		memcpy(tail, data, len);
		pass(state, cc, tail);
		memcpy(data, tail, len);
		memset(tail, 0, sizeof tail);
	}
}

#endif
