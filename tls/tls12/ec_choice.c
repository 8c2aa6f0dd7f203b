#include "ec_choice.h"
#include "core/profile.h"

#if MH_NO_LARGE_CURVES
/* Each call goes to the implementation of its curve; BearSSL only calls
 * with curves named in supported_curves, which is also what the client
 * offers in its supported_groups extension. */
static const br_ec_impl *impl_for(int curve) {
#if MH_COMPACT_CRYPTO
	return curve == BR_EC_curve25519 ? &br_ec_c25519_i31 : &br_ec_prime_i31;
#else
	return curve == BR_EC_curve25519 ? &br_ec_c25519_m31 : &br_ec_p256_m31;
#endif
}

static const unsigned char *ec_generator(int curve, size_t *len) {
	return impl_for(curve)->generator(curve, len);
}

static const unsigned char *ec_order(int curve, size_t *len) {
	return impl_for(curve)->order(curve, len);
}

static size_t ec_xoff(int curve, size_t *len) {
	return impl_for(curve)->xoff(curve, len);
}

static uint32_t ec_mul(unsigned char *G, size_t Glen, const unsigned char *x, size_t xlen, int curve) {
	return impl_for(curve)->mul(G, Glen, x, xlen, curve);
}

static size_t ec_mulgen(unsigned char *R, const unsigned char *x, size_t xlen, int curve) {
	return impl_for(curve)->mulgen(R, x, xlen, curve);
}

static uint32_t ec_muladd(unsigned char *A, const unsigned char *B, size_t len,
	const unsigned char *x, size_t xlen, const unsigned char *y, size_t ylen, int curve)
{
	return impl_for(curve)->muladd(A, B, len, x, xlen, y, ylen, curve);
}

static const br_ec_impl p256_and_x25519 = {
	(uint32_t)1 << BR_EC_secp256r1 | (uint32_t)1 << BR_EC_curve25519,
	ec_generator, ec_order, ec_xoff, ec_mul, ec_mulgen, ec_muladd,
};

const br_ec_impl *ec_choice(void) {
	return &p256_and_x25519;
}
#else
const br_ec_impl *ec_choice(void) {
	return &br_ec_all_m31;
}
#endif
