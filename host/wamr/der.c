#include "der.h"

/* The element starting at `at`: where its content starts and where it ends. */
static int der_element(const uint8_t *d, size_t len, size_t at, size_t *content, size_t *end) {
    if (at + 2 > len) return -1;
    size_t n = d[at + 1], c = at + 2;
    if (n & 0x80) {
        size_t bytes = n & 0x7f;
        if (bytes < 1 || bytes > 3 || c + bytes > len) return -1;
        n = 0;
        for (size_t i = 0; i < bytes; i++) n = (n << 8) | d[c + i];
        c += bytes;
    }
    if (c + n > len) return -1;
    *content = c;
    *end = c + n;
    return 0;
}

/* Certificate > TBSCertificate > [0] version (optional), serialNumber,
 * signature, issuer, validity, subject. */
int der_subject_name(const uint8_t *der, size_t len, size_t *offset, size_t *name_len) {
    size_t content, end;
    if (der_element(der, len, 0, &content, &end)) return -1;
    if (der_element(der, len, content, &content, &end)) return -1;
    size_t at = content;
    if (at < len && der[at] == 0xA0) {
        if (der_element(der, len, at, &content, &end)) return -1;
        at = end;
    }
    for (int field = 0; field < 4; field++) {
        if (der_element(der, len, at, &content, &end)) return -1;
        at = end;
    }
    if (der_element(der, len, at, &content, &end)) return -1;
    *offset = at;
    *name_len = end - at;
    return 0;
}
