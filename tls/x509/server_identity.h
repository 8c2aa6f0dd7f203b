/* The identity a server must prove (RFC 9525): a DNS name, matched only
 * against dNSName SANs, or an IP address, matched only against iPAddress
 * SANs. There is no Common Name fallback. */
#ifndef MH_SERVER_IDENTITY_H
#define MH_SERVER_IDENTITY_H
#include <stddef.h>

#define IDENTITY_DNS 1
#define IDENTITY_IPV4 2
#define IDENTITY_IPV6 3

typedef struct {
	int type;
	unsigned char value[256]; /* DNS: lower-case name without a trailing dot; IP: 4 or 16 bytes */
	size_t len;
} server_identity;

/* Parses the host as an IPv4 literal, an IPv6 literal (with or without
 * brackets) or else a DNS name. Returns 0, or -1 for an empty or
 * over-long name. */
int server_identity_parse(server_identity *id, const char *host, size_t len);

/* Whether one SAN entry (GeneralName tag and value) proves the identity:
 * dNSName (tag 0x82) case-insensitively with at most one wildcard that is
 * the whole left-most label, iPAddress (tag 0x87) byte for byte. */
int server_identity_matches(const server_identity *id, unsigned tag,
	const unsigned char *value, size_t len);

#endif
