/* PEM CERTIFICATE blocks to DER (RFC 7468): base64 between BEGIN/END lines. */
#include <string.h>

#include "pem.h"

static const char BEGIN[] = "-----BEGIN CERTIFICATE-----";
static const char END[] = "-----END CERTIFICATE-----";

/* Offset of needle in hay[from, len), or len when absent. */
static size_t find(const char *hay, size_t len, size_t from, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0) return i;
    return len;
}

/* The 6-bit value of a base64 character; -1 for padding, -2 for whitespace, -3 otherwise. */
static int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    if (c == '=') return -1;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return -2;
    return -3;
}

/* Decodes base64 text (whitespace allowed, '=' only at the end); the byte count or a PEM_* error. */
static long base64_decode(const char *text, size_t len, uint8_t *out, size_t cap) {
    uint32_t acc = 0;
    size_t bits = 0, n = 0, padding = 0;
    for (size_t i = 0; i < len; i++) {
        int v = sextet(text[i]);
        if (v == -2) continue;
        if (v == -3 || (v >= 0 && padding)) return PEM_MALFORMED;
        if (v == -1) {
            padding++;
            continue;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap) return PEM_TOO_LARGE;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    /* Leftover bits must be the zero fill of a properly padded final group. */
    if (padding > 2 || (acc & ((1u << bits) - 1)) != 0) return PEM_MALFORMED;
    return (long)n;
}

long pem_next_certificate(const char *pem, size_t len, size_t *pos, uint8_t *der, size_t cap) {
    size_t begin = find(pem, len, *pos, BEGIN);
    if (begin == len) {
        *pos = len;
        return PEM_NO_MORE;
    }
    size_t body = begin + sizeof BEGIN - 1;
    size_t end = find(pem, len, body, END);
    if (end == len) {
        *pos = len;
        return PEM_MALFORMED;
    }
    *pos = end + sizeof END - 1;
    long n = base64_decode(pem + body, end - body, der, cap);
    return n == 0 ? PEM_MALFORMED : n;
}
