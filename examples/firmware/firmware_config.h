/*
 * What the firmware example fetches, and with how much memory. Edit this
 * file (or put your own firmware_config.h earlier on the include path).
 */
#ifndef FIRMWARE_CONFIG_H
#define FIRMWARE_CONFIG_H

#define FIRMWARE_HOST "example.org"       /* DNS name: SNI, certificate check and Host */
#define FIRMWARE_PORT 443
#define FIRMWARE_ADDRESS NULL             /* a numeric address to skip DNS, or NULL */
#define FIRMWARE_PATH "/"

/* The root CA of your server, PEM, as it would sit in flash. */
#define FIRMWARE_ROOT_CA_PEM \
    "-----BEGIN CERTIFICATE-----\n" \
    "(paste the root certificate of your server here)\n" \
    "-----END CERTIFICATE-----\n"

/* WAMR's whole heap: module, instance and (without mmap) linear memory.
 * docs/wamr.md has the measured need per core and execution mode. */
#define FIRMWARE_POOL_BYTES (512u * 1024u)

/* 1 KiB TLS records: a 1,349-byte record buffer instead of 16,709 (RFC 6066);
 * 0 for full-size records. */
#define FIRMWARE_MAX_FRAGMENT 1024u

/* TLS suites to offer: 0 for all the core has, or MH_SUITE_* bits, e.g.
 * MH_SUITE_CHACHA20_POLY1305 where AES-GCM is slow (interpreters). */
#define FIRMWARE_SUITES 0u

#endif
