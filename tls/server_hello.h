/* Reads the server's first handshake bytes as they arrive, before BearSSL
 * does, to learn the version and suite its ServerHello chose: when BearSSL
 * refuses them, the error can then name what the server wanted. */
#ifndef MH_SERVER_HELLO_H
#define MH_SERVER_HELLO_H
#include "bearssl.h"

void server_hello_reset(void);
/* len bytes were just written at the engine's receive window. */
void server_hello_sniff(br_ssl_engine_context *eng, size_t len);
unsigned server_hello_version(void);  /* 0 until a ServerHello was seen */
unsigned server_hello_suite(void);
/* When the server's first record was an alert: that record's version. */
unsigned server_hello_alert_version(void);

#endif
