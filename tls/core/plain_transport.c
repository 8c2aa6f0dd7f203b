/* Plain HTTP: the "transport" is two buffers, since no record layer sits
 * between the network and the application bytes. */
#include "transport.h"
#include "microhttps/spec.h"

static struct {
	unsigned char *in, *out;
	size_t half;
	size_t in_off;    /* first received byte not yet consumed */
	size_t in_len;    /* received bytes not yet consumed */
	size_t out_len;   /* bytes waiting to be sent */
	int eof;
} plain;

int plain_transport_open(unsigned char *buf, size_t len) {
	plain.half = len / 2;
	plain.in = buf;
	plain.out = buf + plain.half;
	plain.in_off = 0;
	plain.in_len = 0;
	plain.out_len = 0;
	plain.eof = 0;
	return 0;
}

static unsigned plain_state(void) {
	unsigned s = 0;
	if (plain.out_len > 0) {
		s |= MH_TX_SENDREC;
	}
	if (plain.out_len < plain.half) {
		s |= MH_TX_SENDAPP;
	}
	if (plain.in_len > 0) {
		s |= MH_TX_RECVAPP;
	} else if (plain.eof) {
		s |= MH_TX_CLOSED;
	} else {
		s |= MH_TX_RECVREC;
	}
	return s;
}

static unsigned char *plain_window(unsigned which, size_t *len) {
	switch (which) {
	case MH_TX_SENDREC: *len = plain.out_len; return plain.out;
	case MH_TX_SENDAPP: *len = plain.half - plain.out_len; return plain.out + plain.out_len;
	case MH_TX_RECVREC: *len = plain.in_len == 0 ? plain.half : 0; return plain.in;
	case MH_TX_RECVAPP: *len = plain.in_len; return plain.in + plain.in_off;
	default: *len = 0; return 0;
	}
}

static void plain_ack(unsigned which, size_t len) {
	switch (which) {
	case MH_TX_SENDREC:
		/* the host sent the first len bytes: keep the rest at the front */
		__builtin_memmove(plain.out, plain.out + len, plain.out_len - len);
		plain.out_len -= len;
		break;
	case MH_TX_SENDAPP:
		plain.out_len += len;
		break;
	case MH_TX_RECVREC:
		/* only offered when everything before was consumed */
		plain.in_off = 0;
		plain.in_len = len;
		break;
	case MH_TX_RECVAPP:
		plain.in_off += len;
		plain.in_len -= len;
		break;
	}
}

static void plain_nothing(void) {
}

static void plain_peer_eof(void) {
	plain.eof = 1;
}

static int plain_no_error(void) {
	return 0;
}

static int plain_wipe_idle(void) {
	if (plain.in_len != 0 || plain.out_len != 0 || plain.eof) {
		return 0;
	}
	__builtin_memset(plain.in, 0, 2 * plain.half);
	return 1;
}

const transport_class plain_transport = {
	plain_state, plain_window, plain_ack,
	plain_nothing, plain_nothing, plain_peer_eof,
	plain_no_error, plain_no_error, plain_wipe_idle,
};
