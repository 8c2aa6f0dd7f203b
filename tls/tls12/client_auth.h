/* Client certificates (mutual TLS): the chain (DER, copied into a region
 * carved from the arena) and the private key (decoded once), and the
 * BearSSL client-certificate class that offers them. Whether or not a
 * certificate is configured, the class records that the server asked for
 * one, so a refused handshake can be reported as TLS_CLIENT_CERT. */
#ifndef MH_CLIENT_AUTH_H
#define MH_CLIENT_AUTH_H
#include <stddef.h>
#include "bearssl.h"

void client_auth_init(unsigned char *region, size_t size);

/* Appends one DER certificate to the chain (leaf first). 0 or MH_ERR_CONFIG. */
int client_auth_add_cert(const unsigned char *der, size_t len);

/* Decodes the private key (DER: PKCS#8, or the RSA / EC raw forms): RSA of
 * at least 2048 bits, or EC on P-256 or P-384. 0 or MH_ERR_CONFIG; the
 * detail (BearSSL decoder error) is in client_auth_detail(). */
int client_auth_set_key(const unsigned char *der, size_t len);
int client_auth_detail(void);

/* Installs the client-certificate class for a new handshake. Returns
 * MH_ERR_CONFIG when only half of a certificate and key is configured. */
int client_auth_install(br_ssl_client_context *cc);

int client_auth_requested(void);  /* the server sent a CertificateRequest */
int client_auth_sent(void);       /* and we answered with a certificate */

size_t client_auth_state_bytes(void);

#endif
