/* The elliptic-curve code the engine and the X.509 checks use: BearSSL's
 * br_ec_all_m31 (P-256, P-384, P-521, X25519), or, in profiles built with
 * MH_NO_LARGE_CURVES, only its P-256 and X25519 implementations, so the
 * generic prime-curve code is not linked in. */
#ifndef MH_EC_CHOICE_H
#define MH_EC_CHOICE_H
#include "bearssl.h"

const br_ec_impl *ec_choice(void);

#endif
