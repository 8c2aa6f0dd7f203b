/* PEM to DER: the CERTIFICATE blocks of a PEM text, one at a time. */
#ifndef MICROHTTPS_PEM_H
#define MICROHTTPS_PEM_H

#include <stddef.h>
#include <stdint.h>

#define PEM_NO_MORE 0L     /* no further CERTIFICATE block */
#define PEM_MALFORMED (-1L) /* a block without END line, or with bytes that are not base64 */
#define PEM_TOO_LARGE (-2L) /* the block does not fit in cap bytes */

/*
 * Decodes the next CERTIFICATE block at or after *pos in pem[0, len) into
 * der[0, cap). Returns its DER length, or PEM_NO_MORE, PEM_MALFORMED,
 * PEM_TOO_LARGE; *pos moves past the block in every case, so a caller may
 * skip a bad block and go on.
 */
long pem_next_certificate(const char *pem, size_t len, size_t *pos, uint8_t *der, size_t cap);

#endif
