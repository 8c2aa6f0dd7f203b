/* Entropy and wall-clock time for microhttps_register_wasi_natives() on Linux and POSIX systems. */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "microhttps.h"

int microhttps_platform_random(uint8_t *buf, size_t len) {
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int microhttps_platform_time_ns(uint64_t *ns) {
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) return -1;
    *ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    return 0;
}
