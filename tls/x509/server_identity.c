#include <string.h>
#include "server_identity.h"

static int lower(int c) {
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int hexval(int c) {
	c = lower(c);
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* Dotted quad, each part 0..255 in decimal without leading zeros (which
 * some parsers read as octal: refusing them keeps one meaning). */
static int parse_ipv4(const char *s, size_t len, unsigned char out[4]) {
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.') return -1;
			i++;
		}
		size_t start = i;
		unsigned v = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
			v = v * 10 + (unsigned)(s[i++] - '0');
		}
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0')) return -1;
		out[part] = (unsigned char)v;
	}
	return i == len ? 0 : -1;
}

/* RFC 4291 text form: hex groups, one "::" for a run of zero groups, and an
 * optional dotted-quad tail. */
static int parse_ipv6(const char *s, size_t len, unsigned char out[16]) {
	unsigned char words[16];
	int n = 0, gap = -1;
	size_t i = 0;
	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len > 0 && s[0] == ':') {
		return -1;
	}
	while (i < len) {
		if (n == 16) return -1;
		size_t start = i;
		unsigned v = 0;
		while (i < len && hexval(s[i]) >= 0 && i - start < 4) {
			v = (v << 4) | (unsigned)hexval(s[i++]);
		}
		if (i < len && s[i] == '.') {
			/* embedded IPv4 in the last 32 bits */
			if (n > 12 || parse_ipv4(s + start, len - start, words + n) != 0) return -1;
			n += 4;
			i = len;
			break;
		}
		if (i == start) return -1;
		words[n++] = (unsigned char)(v >> 8);
		words[n++] = (unsigned char)v;
		if (i == len) break;
		if (s[i] != ':') return -1;
		i++;
		if (i < len && s[i] == ':') {
			if (gap >= 0) return -1;
			gap = n;
			i++;
		} else if (i == len) {
			return -1;
		}
	}
	if (gap < 0) {
		if (n != 16) return -1;
		memcpy(out, words, 16);
		return 0;
	}
	if (n > 14) return -1;
	memset(out, 0, 16);
	memcpy(out, words, (size_t)gap);
	memcpy(out + 16 - (n - gap), words + gap, (size_t)(n - gap));
	return 0;
}

int server_identity_parse(server_identity *id, const char *host, size_t len) {
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
		id->type = IDENTITY_IPV6;
		id->len = 16;
		return parse_ipv6(host, len, id->value);
	}
	if (parse_ipv4(host, len, id->value) == 0) {
		id->type = IDENTITY_IPV4;
		id->len = 4;
		return 0;
	}
	if (parse_ipv6(host, len, id->value) == 0) {
		id->type = IDENTITY_IPV6;
		id->len = 16;
		return 0;
	}
	if (len > 0 && host[len - 1] == '.') {
		len--; /* the absolute form names the same host */
	}
	if (len == 0 || len >= sizeof id->value) return -1;
	id->type = IDENTITY_DNS;
	id->len = len;
	for (size_t i = 0; i < len; i++) {
		id->value[i] = (unsigned char)lower((unsigned char)host[i]);
	}
	return 0;
}

static int equal_nocase(const unsigned char *a, const unsigned char *b, size_t n) {
	for (size_t i = 0; i < n; i++) {
		if (lower(a[i]) != lower(b[i])) return 0;
	}
	return 1;
}

static size_t count_dots(const unsigned char *p, size_t n) {
	size_t dots = 0;
	for (size_t i = 0; i < n; i++) dots += p[i] == '.';
	return dots;
}

static int dns_matches(const server_identity *id, const unsigned char *san, size_t len) {
	if (len > 0 && san[len - 1] == '.') len--;
	if (len == 0) return 0;
	if (san[0] != '*') {
		return len == id->len && equal_nocase(san, id->value, len);
	}
	/* "*." then at least two labels (as Node and browsers require), so a
	 * wildcard never covers a whole top-level domain. */
	if (len < 3 || san[1] != '.' || count_dots(san + 2, len - 2) < 1) return 0;
	const unsigned char *rest = san + 1; /* ".a.example" */
	size_t rest_len = len - 1;
	/* The wildcard stands for exactly one non-empty label of the host. */
	size_t first = 0;
	while (first < id->len && id->value[first] != '.') first++;
	if (first == 0 || first == id->len) return 0;
	return id->len - first == rest_len && equal_nocase(id->value + first, rest, rest_len);
}

int server_identity_matches(const server_identity *id, unsigned tag,
	const unsigned char *value, size_t len)
{
	if (id->type == IDENTITY_DNS) {
		return tag == 0x82 && dns_matches(id, value, len);
	}
	return tag == 0x87 && len == id->len && memcmp(value, id->value, len) == 0;
}
