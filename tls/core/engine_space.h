/* The static space of the TLS engines. One connection runs at a time and
 * it runs one engine, BearSSL's TLS 1.2 or our TLS 1.3, so their contexts
 * share memory: a TLS 1.3 connection costs no RAM beside the 1.2 one. */
#ifndef MH_ENGINE_SPACE_H
#define MH_ENGINE_SPACE_H
#include "bearssl.h"
#include "tls13/engine.h"

typedef union {
	br_ssl_client_context tls12;
	tls13_engine tls13;
} engine_space_t;

extern engine_space_t engine_space;

#endif
