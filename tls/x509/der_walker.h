/* A streaming DER walker: it is fed a certificate in arbitrary chunks (as
 * BearSSL's X.509 class receives it) and tells a visitor about each element
 * without ever holding the whole encoding. Memory is one small fixed struct.
 *
 * For each element the visitor's enter() picks a kind: 0 skips the element,
 * a kind with DER_DESCEND set walks its contents as child elements (also
 * for an OCTET STRING that wraps DER, as X.509 extension values do), any
 * other kind delivers its value bytes to bytes(). leave() is called when an
 * element with a non-zero kind ends. */
#ifndef MH_DER_WALKER_H
#define MH_DER_WALKER_H
#include <stddef.h>
#include <stdint.h>

#define DER_DESCEND 0x100
#define DER_MAX_DEPTH 10

typedef struct {
	/* parent_kind is 0 at the top level; index counts the parent's children
	 * seen so far (0 for the first); hdr/hdr_len is the element's header. */
	int (*enter)(void *ctx, int parent_kind, unsigned index, unsigned tag,
		uint32_t len, const unsigned char *hdr, size_t hdr_len);
	void (*bytes)(void *ctx, int kind, const unsigned char *p, size_t n);
	void (*leave)(void *ctx, int kind);
} der_visitor;

typedef struct {
	uint32_t end;      /* absolute offset one past the element */
	int kind;
	unsigned children; /* children seen (descended elements only) */
} der_frame;

typedef struct {
	const der_visitor *visitor;
	void *ctx;
	der_frame stack[DER_MAX_DEPTH];
	int depth;
	uint32_t pos;          /* bytes consumed so far */
	uint32_t total;        /* expected total length */
	unsigned char hdr[6];  /* tag, then up to 5 length bytes */
	size_t hdr_len;
	int malformed;         /* not valid DER, or nested deeper than we follow */
} der_walker;

void der_walker_init(der_walker *w, const der_visitor *v, void *ctx, uint32_t total);
void der_walker_push(der_walker *w, const unsigned char *p, size_t n);

/* 1 when every byte was consumed, every element closed and nothing was malformed. */
int der_walker_complete(const der_walker *w);

#endif
