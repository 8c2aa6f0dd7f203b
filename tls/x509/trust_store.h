/* Trust anchors decoded from DER certificates into a caller-owned region.
 *
 * The region holds the br_x509_trust_anchor array growing up from its start
 * and the anchors' names and keys growing down from its end, so nothing is
 * allocated and the store's size is fixed by its caller. */
#ifndef MH_TRUST_STORE_H
#define MH_TRUST_STORE_H
#include <stddef.h>
#include "bearssl.h"

void trust_store_init(unsigned char *region, size_t size);

/* Decodes one DER certificate and adds it as a trust anchor (a CA anchor when
 * the certificate says it is a CA, else a direct-trust anchor for that exact
 * key). Returns 0, or an MH_ERR_* code with the detail in trust_store_detail(). */
int trust_store_add(const unsigned char *der, size_t len);

const br_x509_trust_anchor *trust_store_anchors(void);
size_t trust_store_count(void);
size_t trust_store_used(void);
int trust_store_detail(void);

#endif
