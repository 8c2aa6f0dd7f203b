/* Reads the server's first handshake message (ServerHello, in clear in
 * TLS 1.2) from the bytes the host commits, to learn which extensions the
 * server echoed. BearSSL's client checks a max_fragment_length echo but
 * does not record whether there was one; the host needs to know, to fall
 * back to full-size records while nothing has been sent yet. */
#ifndef MH_SERVER_HELLO_H
#define MH_SERVER_HELLO_H
#include <stddef.h>

void server_hello_reset(void);

/* Bytes received from the network, in order, before BearSSL sees them. */
void server_hello_feed(const unsigned char *p, size_t n);

/* 1 when the ServerHello carried extension `type`, 0 when it did not or
 * has not been seen (whole or in part) yet. */
int server_hello_has_extension(unsigned type);

#endif
