/* POSIX sockets with poll()-bounded waits: connect, send, recv. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "core_calls.h"
#include "microhttps/spec.h"
#include "socket_io.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* lwIP and Zephyr raise no SIGPIPE */
#endif

/* Waits for events on fd; 1 when ready, 0 on timeout, -1 on error (errno). */
static int wait_for(int fd, short events, uint32_t timeout_ms) {
    struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
    for (;;) {
        int n = poll(&p, 1, (int)timeout_ms);
        if (n >= 0) return n;
        if (errno != EINTR) return -1;
    }
}

/* One connect attempt to one resolved address; the socket or -1 (errno; ETIMEDOUT on timeout). */
static int connect_one(const struct addrinfo *ai, uint32_t timeout_ms) {
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) return -1;
    /* Non-blocking from here on: every wait is a poll() with a timeout. */
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK) < 0) goto fail;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return fd;
    if (errno != EINPROGRESS) goto fail;
    int ready = wait_for(fd, POLLOUT, timeout_ms);
    if (ready == 0) errno = ETIMEDOUT;
    if (ready <= 0) goto fail;
    int soerr = 0;
    socklen_t soerr_len = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) < 0) goto fail;
    if (soerr != 0) {
        errno = soerr;
        goto fail;
    }
    /* Requests and TLS records go out whole: no need to wait for Nagle. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

int socket_connect(const char *host, const char *address, uint16_t port, uint32_t timeout_ms, microhttps_error *err) {
    struct addrinfo hints, *list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (address) hints.ai_flags = AI_NUMERICHOST;
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    /* getaddrinfo cannot be bounded portably; the connect timeout starts after it. */
    int rc = getaddrinfo(address ? address : host, service, &hints, &list);
    if (rc != 0) {
        core_fail(err, MH_ERR_DNS, (uint32_t)rc, "%s: %s", address ? address : host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (const struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) fd = connect_one(ai, timeout_ms);
    int saved = errno;
    freeaddrinfo(list);
    if (fd >= 0) return fd;
    if (saved == ETIMEDOUT) core_fail(err, MH_ERR_TIMEOUT, 0, "connecting to %s port %u: no answer within %u ms", host, port, timeout_ms);
    else core_fail(err, MH_ERR_CONNECT, (uint32_t)saved, "connecting to %s port %u: %s", host, port, strerror(saved));
    return -1;
}

/* send() or recv() on the non-blocking socket, waiting at most timeout_ms each time it is not ready. */
static long transfer(int fd, uint8_t *buf, size_t len, int sending, uint32_t timeout_ms, microhttps_error *err) {
    const char *what = sending ? "sending" : "receiving";
    for (;;) {
        ssize_t n = sending ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len, 0);
        if (n >= 0) return (long)n;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) break;
        int ready = wait_for(fd, sending ? POLLOUT : POLLIN, timeout_ms);
        if (ready == 0) {
            core_fail(err, MH_ERR_TIMEOUT, 0, "%s: the peer did not move for %u ms", what, timeout_ms);
            return -1;
        }
        if (ready < 0) break;
    }
    core_fail(err, MH_ERR_CLOSED, (uint32_t)errno, "%s: %s", what, strerror(errno));
    return -1;
}

long socket_send(int fd, const uint8_t *data, size_t len, uint32_t timeout_ms, microhttps_error *err) {
    return transfer(fd, (uint8_t *)data, len, 1, timeout_ms, err); /* send() only reads the bytes */
}

long socket_recv(int fd, uint8_t *buf, size_t cap, uint32_t timeout_ms, microhttps_error *err) {
    return transfer(fd, buf, cap, 0, timeout_ms, err);
}

void socket_close(int fd) {
    if (fd >= 0) close(fd);
}
