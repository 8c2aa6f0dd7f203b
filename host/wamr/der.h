/* Just enough DER to find a certificate's subject Name: trust anchors are
 * looked up by the SHA-256 of that Name when the core asks (EV_NEED_ANCHOR). */
#ifndef MICROHTTPS_DER_H
#define MICROHTTPS_DER_H
#include <stddef.h>
#include <stdint.h>

/* Offset and length of the subject Name (tag, length and content) of the
 * X.509 certificate der[0..len); 0, or -1 when it is not one we can read. */
int der_subject_name(const uint8_t *der, size_t len, size_t *offset, size_t *name_len);

#endif
