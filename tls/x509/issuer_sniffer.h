/* Trust anchors on demand. Before ChangeCipherSpec a TLS 1.2 server's
 * handshake travels in plaintext records, so the issuer Name of each
 * certificate it sends can be read on the way in, before BearSSL sees the
 * record. The transport holds the remaining bytes back while the host looks
 * up anchors whose subject matches that issuer, so the trust store only ever
 * holds the few anchors a connection needs, however many roots the host has.
 *
 * Everything is a byte-at-a-time state machine with fixed state: no buffer
 * grows with the certificate, record or chain. */
#ifndef MH_ISSUER_SNIFFER_H
#define MH_ISSUER_SNIFFER_H
#include <stddef.h>

void issuer_sniffer_reset(void);

/* Scans bytes received from the network, in order. Returns how many may be
 * given to the TLS engine now: when less than len, an issuer Name was just
 * completed and issuer_sniffer_pending() is true until issuer_sniffer_resume();
 * the caller then scans the rest again. */
size_t issuer_sniffer_scan(const unsigned char *buf, size_t len);

int issuer_sniffer_pending(void);

/* SHA-256 of the DER encoding of the pending issuer Name (tag and length
 * included), 32 bytes. */
const unsigned char *issuer_sniffer_hash(void);

void issuer_sniffer_resume(void);

/* TLS 1.3 sends its certificates encrypted, so its engine gives the
 * sniffer each certificate's DER after decryption instead of the record
 * stream: cert_start with the certificate's length, then its bytes in
 * order; cert_scan returns how many may be given to the X.509 engine now,
 * as issuer_sniffer_scan does. */
void issuer_sniffer_cert_start(size_t len);
size_t issuer_sniffer_cert_scan(const unsigned char *buf, size_t len);

#endif
