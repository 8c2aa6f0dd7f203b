/* The libc functions a freestanding build needs. With -mbulk-memory clang
 * lowers the builtins to the memory.copy / memory.fill instructions, so these
 * are one instruction each, not loops. */
#include <string.h>

void *memcpy(void *dst, const void *src, size_t len) {
	return __builtin_memcpy(dst, src, len);
}

void *memmove(void *dst, const void *src, size_t len) {
	return __builtin_memmove(dst, src, len);
}

void *memset(void *dst, int c, size_t len) {
	return __builtin_memset(dst, c, len);
}

int memcmp(const void *a, const void *b, size_t len) {
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < len; i++) {
		if (x[i] != y[i]) {
			return x[i] - y[i];
		}
	}
	return 0;
}

size_t strlen(const char *s) {
	size_t n = 0;
	while (s[n]) {
		n++;
	}
	return n;
}
