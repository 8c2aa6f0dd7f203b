/* The SHA-256 of a certificate's subject Name: trust anchors are indexed by it
 * (the core asks for the anchors of an issuer by the same hash of the issuer
 * Name, EV_NEED_ANCHOR), so hosts need no DER parser of their own. */
#ifndef MH_SUBJECT_HASH_H
#define MH_SUBJECT_HASH_H
#include <stddef.h>

/* Writes to out the SHA-256 of the subject Name (DER, tag and length
 * included) of the X.509 certificate der[0..len); 0, or -1 when the subject
 * cannot be read (not exactly one DER element we can follow, or no
 * subject). */
int subject_name_hash(const unsigned char *der, size_t len, unsigned char out[32]);

#endif
