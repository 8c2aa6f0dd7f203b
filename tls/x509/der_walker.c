#include "der_walker.h"

void der_walker_init(der_walker *w, const der_visitor *v, void *ctx, uint32_t total) {
	w->visitor = v;
	w->ctx = ctx;
	w->depth = 0;
	w->pos = 0;
	w->total = total;
	w->hdr_len = 0;
	w->malformed = 0;
}

static der_frame *top(der_walker *w) {
	return w->depth > 0 ? &w->stack[w->depth - 1] : 0;
}

/* Where the innermost open element ends (the whole input at the top level). */
static uint32_t limit(der_walker *w) {
	der_frame *f = top(w);
	return f ? f->end : w->total;
}

/* Closes every element that ends at the current position. */
static void close_finished(der_walker *w) {
	der_frame *f;
	while ((f = top(w)) != 0 && f->end == w->pos) {
		w->depth--;
		if (f->kind != 0) {
			w->visitor->leave(w->ctx, f->kind);
		}
	}
}

/* Returns the header's total size once complete (0 while more bytes are
 * needed); sets malformed for what DER forbids: high tag numbers,
 * indefinite or non-minimal lengths, lengths over 4 bytes. */
static size_t header_size(der_walker *w, uint32_t *len) {
	if (w->hdr_len < 2) {
		return 0;
	}
	if ((w->hdr[0] & 0x1F) == 0x1F) {
		w->malformed = 1;
		return 0;
	}
	unsigned first = w->hdr[1];
	if (first < 0x80) {
		*len = first;
		return 2;
	}
	size_t extra = first & 0x7F;
	if (extra == 0 || extra > 4) {
		w->malformed = 1;
		return 0;
	}
	if (w->hdr_len < 2 + extra) {
		return 0;
	}
	uint32_t v = 0;
	for (size_t i = 0; i < extra; i++) {
		v = (v << 8) | w->hdr[2 + i];
	}
	if (w->hdr[2] == 0 || v < 0x80) {
		w->malformed = 1;
		return 0;
	}
	*len = v;
	return 2 + extra;
}

static void start_element(der_walker *w, uint32_t len) {
	der_frame *parent = top(w);
	if (len > limit(w) - w->pos) {
		w->malformed = 1;
		return;
	}
	if (w->depth == DER_MAX_DEPTH) {
		w->malformed = 1;
		return;
	}
	int parent_kind = parent ? parent->kind : 0;
	unsigned index = parent ? parent->children++ : 0;
	int kind = w->visitor->enter(w->ctx, parent_kind, index, w->hdr[0], len, w->hdr, w->hdr_len);
	der_frame *f = &w->stack[w->depth++];
	f->end = w->pos + len;
	f->kind = kind;
	f->children = 0;
	w->hdr_len = 0;
	close_finished(w);
}

/* Inside a descended element (or at the top): bytes are child headers. */
static int reading_headers(der_walker *w) {
	der_frame *f = top(w);
	return f == 0 || (f->kind & DER_DESCEND);
}

void der_walker_push(der_walker *w, const unsigned char *p, size_t n) {
	while (n > 0 && !w->malformed) {
		if (w->pos >= limit(w)) {
			w->malformed = 1; /* bytes after the outermost element */
			return;
		}
		if (reading_headers(w)) {
			w->hdr[w->hdr_len++] = *p++;
			n--;
			w->pos++;
			uint32_t len = 0;
			if (header_size(w, &len) != 0) {
				start_element(w, len);
			} else if (w->hdr_len == sizeof w->hdr || (w->pos >= limit(w) && !w->malformed)) {
				w->malformed = 1; /* the header runs past its parent */
			}
			continue;
		}
		der_frame *f = top(w);
		size_t take = f->end - w->pos;
		if (take > n) {
			take = n;
		}
		if (f->kind != 0) {
			w->visitor->bytes(w->ctx, f->kind, p, take);
		}
		p += take;
		n -= take;
		w->pos += take;
		close_finished(w);
	}
}

int der_walker_complete(const der_walker *w) {
	return !w->malformed && w->depth == 0 && w->hdr_len == 0 && w->pos == w->total;
}
