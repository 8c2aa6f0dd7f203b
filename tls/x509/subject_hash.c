#include "bearssl.h"
#include "der_walker.h"
#include "subject_hash.h"

#define DER_SEQUENCE 0x30
#define DER_CONTEXT_0 0xA0
/* The subject's place in TBSCertificate after the optional [0] version:
 * serialNumber, signature, issuer, validity, subject. */
#define TBS_SUBJECT 4

/* Certificate SEQUENCE > TBSCertificate SEQUENCE > subject Name. */
enum {
	KIND_CERTIFICATE = 1 | DER_DESCEND,
	KIND_TBS = 2 | DER_DESCEND,
	KIND_SUBJECT = 3
};

typedef struct {
	br_sha256_context sha;
	int has_version;
	int subject_done;
} subject_walk;

static int on_enter(void *ctx, int parent_kind, unsigned index, unsigned tag,
	uint32_t len, const unsigned char *hdr, size_t hdr_len)
{
	subject_walk *w = ctx;
	(void)len;
	if (parent_kind == 0) {
		return index == 0 && tag == DER_SEQUENCE ? KIND_CERTIFICATE : 0;
	}
	if (parent_kind == KIND_CERTIFICATE) {
		return index == 0 && tag == DER_SEQUENCE ? KIND_TBS : 0;
	}
	if (parent_kind != KIND_TBS) {
		return 0;
	}
	if (index == 0 && tag == DER_CONTEXT_0) {
		w->has_version = 1;
		return 0;
	}
	if (index != TBS_SUBJECT + (unsigned)w->has_version || tag != DER_SEQUENCE) {
		return 0;
	}
	/* the subject Name, hashed whole: its header, then its content */
	br_sha256_update(&w->sha, hdr, hdr_len);
	return KIND_SUBJECT;
}

static void on_bytes(void *ctx, int kind, const unsigned char *p, size_t n) {
	subject_walk *w = ctx;
	(void)kind;
	br_sha256_update(&w->sha, p, n);
}

static void on_leave(void *ctx, int kind) {
	subject_walk *w = ctx;
	if (kind == KIND_SUBJECT) {
		w->subject_done = 1;
	}
}

static const der_visitor subject_visitor = { on_enter, on_bytes, on_leave };

int subject_name_hash(const unsigned char *der, size_t len, unsigned char out[32]) {
	subject_walk w = { .has_version = 0, .subject_done = 0 };
	der_walker walker;
	br_sha256_init(&w.sha);
	der_walker_init(&walker, &subject_visitor, &w, (uint32_t)len);
	der_walker_push(&walker, der, len);
	if (!der_walker_complete(&walker) || !w.subject_done) {
		return -1;
	}
	br_sha256_out(&w.sha, out);
	return 0;
}
