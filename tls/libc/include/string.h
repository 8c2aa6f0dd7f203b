/* The few <string.h> functions BearSSL and our C use, for a freestanding
 * wasm32 build with no libc (the bodies are in tls/libc/libc.c). */
#ifndef MH_STRING_H
#define MH_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t len);
void *memmove(void *dst, const void *src, size_t len);
void *memset(void *dst, int c, size_t len);
int memcmp(const void *a, const void *b, size_t len);
size_t strlen(const char *s);
#endif
