/*
 * The socket under a connection: POSIX sockets (lwIP and Zephyr offer the
 * same calls) with every wait bounded by poll() and a timeout.
 */
#ifndef MICROHTTPS_SOCKET_IO_H
#define MICROHTTPS_SOCKET_IO_H

#include <stddef.h>
#include <stdint.h>

#include "microhttps.h"

/*
 * Resolves host (or uses the numeric address) and connects within
 * timeout_ms. Returns the socket, or -1 with err set (MH_ERR_DNS,
 * MH_ERR_CONNECT or MH_ERR_TIMEOUT).
 */
int socket_connect(const char *host, const char *address, uint16_t port, uint32_t timeout_ms, microhttps_error *err);

/* Sends up to len bytes, waiting at most timeout_ms; returns the count sent, or -1 with err set. */
long socket_send(int fd, const uint8_t *data, size_t len, uint32_t timeout_ms, microhttps_error *err);

/* Receives up to cap bytes, waiting at most timeout_ms; returns the count, 0 at end of stream, or -1 with err set. */
long socket_recv(int fd, uint8_t *buf, size_t cap, uint32_t timeout_ms, microhttps_error *err);

void socket_close(int fd);

#endif
