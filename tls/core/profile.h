/* What the build profile (tools/profiles.mjs) chose for this binary: memory
 * sizes, default limits and the TLS features compiled in. tools/build.mjs
 * passes them as -D flags; without them a build is the `full` profile. */
#ifndef MH_PROFILE_H
#define MH_PROFILE_H
#include "microhttps/spec.h"

#ifndef MH_PROFILE_ARENA_BYTES
#define MH_PROFILE_ARENA_BYTES MH_ARENA_BYTES
#endif
#ifndef MH_PROFILE_STACK_BYTES
#define MH_PROFILE_STACK_BYTES MH_STACK_BYTES
#endif
#ifndef MH_PROFILE_XFER_BYTES
#define MH_PROFILE_XFER_BYTES MH_XFER_BYTES
#endif

/* TLS features a profile may leave out, to save code and RAM:
 *   MH_NO_CLIENT_CERTS  mutual TLS (private-key decoding and signing)
 *   MH_NO_LARGE_CURVES  P-384 and P-521 (ECDHE and certificate keys)
 *   MH_NO_AES_256       the AES-256-GCM suites
 *   MH_NO_SHA_224_512   SHA-224 and SHA-512 certificate signatures
 *   MH_NO_TLS13         our TLS 1.3 engine (tls/tls13/): TLS 1.2 only, with
 *                       BearSSL's engine; an OPEN_TLS13 open is ERR_CONFIG
 * and one that trades speed for code size:
 *   MH_COMPACT_CRYPTO   BearSSL's generic i31 curve code instead of its
 *                       specialised P-256 and X25519 code, 32-bit AES/GHASH */
#ifndef MH_NO_CLIENT_CERTS
#define MH_NO_CLIENT_CERTS 0
#endif
#ifndef MH_NO_LARGE_CURVES
#define MH_NO_LARGE_CURVES 0
#endif
#ifndef MH_NO_AES_256
#define MH_NO_AES_256 0
#endif
#ifndef MH_NO_SHA_224_512
#define MH_NO_SHA_224_512 0
#endif
#ifndef MH_NO_TLS13
#define MH_NO_TLS13 0
#endif
#ifndef MH_COMPACT_CRYPTO
#define MH_COMPACT_CRYPTO 0
#endif

/* The profile's default for limit `id` (spec/limits.json), or `fallback`. */
unsigned profile_limit_default(unsigned id, unsigned fallback);

#endif
