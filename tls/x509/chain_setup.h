/* The X.509 validation every TLS engine uses: one br_x509_minimal context
 * (one connection at a time) configured the same way for TLS 1.2 and 1.3
 * and wrapped by our policy (x509_policy.h), so every rule of
 * docs/security.md holds whichever engine runs. */
#ifndef MH_CHAIN_SETUP_H
#define MH_CHAIN_SETUP_H
#include <stddef.h>
#include "bearssl.h"
#include "server_identity.h"

/* The identity to prove, parsed from the host name; 0 or -1 (bad name).
 * The SNI name (a DNS identity, NUL-terminated) or NULL for an IP literal. */
int chain_setup_identity(const char *name, size_t len);
const char *chain_setup_sni(void);

/* ECDSA verification for chains and handshake signatures: our
 * variable-time P-256 code (public data only) where the profile has it. */
br_ecdsa_vrfy chain_setup_ecdsa(void);

/* Starts validation of one chain; returns the class to feed it. */
const br_x509_class **chain_setup_start(int insecure);

/* The trust store changed (anchors on demand): let the engine see it. */
void chain_setup_refresh_anchors(void);

size_t chain_setup_state_bytes(void);

#endif
