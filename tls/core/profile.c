/* The build profile's default limits (tools/profiles.mjs, as
 * MH_PROFILE_LIMITS: {id, value} pairs); other limits keep spec/limits.json's. */
#include "profile.h"

#ifdef MH_PROFILE_LIMITS
static const struct {
	unsigned id, value;
} defaults[] = { MH_PROFILE_LIMITS };
#endif

unsigned profile_limit_default(unsigned id, unsigned fallback) {
#ifdef MH_PROFILE_LIMITS
	for (unsigned i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		if (defaults[i].id == id) return defaults[i].value;
	}
#else
	(void)id;
#endif
	return fallback;
}
