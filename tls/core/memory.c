#include <stdint.h>
#include "bearssl.h"
#include "memory.h"
#include "x509/x509_policy.h"
#include "tls12/client_auth.h"
#include "profile.h"
#include "engine_space.h"
#include "x509/chain_setup.h"

/* BSS: zero-filled at instantiation, so it costs no bytes in the .wasm file. */
static unsigned char arena[MH_PROFILE_ARENA_BYTES] __attribute__((aligned(16)));

#define STACK_PAINT 0xA5u

/* With --stack-first the stack occupies [0, MH_PROFILE_STACK_BYTES) and grows down
 * from its top. Address 0 is left alone so a null write stays visible. */
#define STACK_LOW 16u

unsigned char *memory_arena(void) {
	return arena;
}

size_t memory_arena_size(void) {
	return sizeof arena;
}

size_t memory_stack_size(void) {
	return MH_PROFILE_STACK_BYTES;
}

size_t memory_xfer_size(void) {
	return MH_PROFILE_XFER_BYTES;
}

void memory_stack_paint(void) {
	volatile unsigned char *p = (volatile unsigned char *)(uintptr_t)STACK_LOW;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	/* keep well clear of this function's own frame */
	for (uintptr_t a = STACK_LOW; a + 256 < sp; a++) {
		p[a - STACK_LOW] = STACK_PAINT;
	}
}

size_t memory_stack_peak(void) {
	const volatile unsigned char *p = (const volatile unsigned char *)(uintptr_t)STACK_LOW;
	uintptr_t a = STACK_LOW;
	while (a < MH_PROFILE_STACK_BYTES && p[a - STACK_LOW] == STACK_PAINT) {
		a++;
	}
	return MH_PROFILE_STACK_BYTES - a;
}

engine_space_t engine_space;

size_t memory_tls_state(void) {
	return sizeof engine_space + chain_setup_state_bytes()
		+ sizeof(br_x509_decoder_context) + x509_policy_state_bytes() + client_auth_state_bytes();
}
