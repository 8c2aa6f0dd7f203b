/* The core's memory, all of it static: the arena from which the HTTP layer
 * carves per-connection buffers, and stack use measurement. */
#ifndef MH_MEMORY_H
#define MH_MEMORY_H
#include <stddef.h>

unsigned char *memory_arena(void);
size_t memory_arena_size(void);
/* The profile's C stack and transfer window (core/profile.h). */
size_t memory_stack_size(void);
size_t memory_xfer_size(void);

/* Fills the unused part of the stack with a pattern, so that
 * memory_stack_peak() can later tell how deep the stack has been. */
void memory_stack_paint(void);
size_t memory_stack_peak(void);

/* Bytes of BearSSL's client and X.509 contexts and our TLS statics (policy
 * with the peer chain summary, client certificate state). */
size_t memory_tls_state(void);

#endif
