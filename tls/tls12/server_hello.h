/* Reads the server's first handshake message (ServerHello, in clear in
 * TLS 1.2) from the bytes the host commits, before BearSSL sees them:
 *  - when BearSSL refuses the version or suite, the error can name what the
 *    server wanted (or the record version of an alert it sent first);
 *  - BearSSL checks a max_fragment_length echo but does not record whether
 *    there was one; the host needs to know, to fall back to full-size
 *    records while nothing has been sent yet. */
#ifndef MH_SERVER_HELLO_H
#define MH_SERVER_HELLO_H
#include <stddef.h>

void server_hello_reset(void);

/* Bytes received from the network, in order, before BearSSL sees them. */
void server_hello_feed(const unsigned char *p, size_t n);

unsigned server_hello_version(void);        /* 0 until a ServerHello was seen */
unsigned server_hello_suite(void);          /* 0 until a ServerHello was seen */
unsigned server_hello_alert_version(void);  /* record version when the first record was an alert */

/* 1 when the ServerHello carried extension `type`, 0 when it did not or
 * has not been seen (whole or in part) yet. */
int server_hello_has_extension(unsigned type);

#endif
