/* One family mask for both TLS engines (suite_choice.h). */
#include "suite_choice.h"
#include "profile.h"
#include "microhttps/spec.h"

#define KNOWN_FAMILIES (MH_SUITE_CHACHA20_POLY1305 | MH_SUITE_AES_128_GCM | MH_SUITE_AES_256_GCM)
#if MH_NO_AES_256
#define BUILT_FAMILIES (MH_SUITE_CHACHA20_POLY1305 | MH_SUITE_AES_128_GCM)
#else
#define BUILT_FAMILIES KNOWN_FAMILIES
#endif

static unsigned families = BUILT_FAMILIES;

int suite_choice_set(unsigned mask) {
	if ((mask & ~(unsigned)KNOWN_FAMILIES) != 0 || (mask & BUILT_FAMILIES) == 0) {
		return MH_ERR_CONFIG;
	}
	families = mask;
	return 0;
}

unsigned suite_choice_mask(void) { return families; }
