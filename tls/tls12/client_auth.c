#include <string.h>
#include "client_auth.h"
#include "ec_choice.h"
#include "core/profile.h"

#define MIN_RSA_BITS 2048

/* Profiles built with MH_NO_CLIENT_CERTS keep only the recording class:
 * a server that asks for a certificate still gets an empty Certificate
 * message, and a refusal is still reported as TLS_CLIENT_CERT. */
static struct {
#if !MH_NO_CLIENT_CERTS
	unsigned char *region;
	size_t size, used;
	br_x509_certificate chain[MH_PEER_MAX_CLIENT_CERTS];
	size_t chain_len;
	br_skey_decoder_context key;
	int key_type;                    /* 0 until a key is set */
#endif
	int detail;
	const br_ssl_client_certificate_class *vtable;    /* ours: records, then forwards */
	const br_ssl_client_certificate_class **inner;    /* BearSSL's single-cert class, or none */
	int requested, sent;
} auth;

#if !MH_NO_CLIENT_CERTS
void client_auth_init(unsigned char *region, size_t size) {
	auth.region = region;
	auth.size = size;
	auth.used = 0;
	auth.chain_len = 0;
	auth.key_type = 0;
}

int client_auth_add_cert(const unsigned char *der, size_t len) {
	auth.detail = 0;
	if (auth.chain_len == MH_PEER_MAX_CLIENT_CERTS || len == 0 || len > auth.size - auth.used) {
		return MH_ERR_CONFIG;
	}
	unsigned char *dst = auth.region + auth.used;
	memcpy(dst, der, len);
	auth.used += len;
	auth.chain[auth.chain_len].data = dst;
	auth.chain[auth.chain_len].data_len = len;
	auth.chain_len++;
	return 0;
}

static int key_acceptable(void) {
	if (auth.key_type == BR_KEYTYPE_RSA) {
		return br_skey_decoder_get_rsa(&auth.key)->n_bitlen >= MIN_RSA_BITS;
	}
	int curve = br_skey_decoder_get_ec(&auth.key)->curve;
	return curve == BR_EC_secp256r1 || curve == BR_EC_secp384r1;
}

int client_auth_set_key(const unsigned char *der, size_t len) {
	br_skey_decoder_init(&auth.key);
	br_skey_decoder_push(&auth.key, der, len);
	auth.detail = br_skey_decoder_last_error(&auth.key);
	auth.key_type = br_skey_decoder_key_type(&auth.key);
	if (auth.key_type == 0 || !key_acceptable()) {
		auth.key_type = 0;
		return MH_ERR_CONFIG;
	}
	return 0;
}

#else
void client_auth_init(unsigned char *region, size_t size) {
	(void)region;
	(void)size;
}

int client_auth_add_cert(const unsigned char *der, size_t len) {
	(void)der;
	(void)len;
	auth.detail = MH_DETAIL_NOT_IN_PROFILE;
	return MH_ERR_CONFIG;
}

int client_auth_set_key(const unsigned char *der, size_t len) {
	(void)der;
	(void)len;
	auth.detail = MH_DETAIL_NOT_IN_PROFILE;
	return MH_ERR_CONFIG;
}
#endif

int client_auth_detail(void) {
	return auth.detail;
}

/* ---- the class: each method notes what the server did, then forwards ---- */

#define INNER (*auth.inner)

static void a_start_name_list(const br_ssl_client_certificate_class **ctx) {
	(void)ctx;
	auth.requested = 1;
	if (auth.inner) INNER->start_name_list(auth.inner);
}

static void a_start_name(const br_ssl_client_certificate_class **ctx, size_t len) {
	(void)ctx;
	if (auth.inner) INNER->start_name(auth.inner, len);
}

static void a_append_name(const br_ssl_client_certificate_class **ctx, const unsigned char *data, size_t len) {
	(void)ctx;
	if (auth.inner) INNER->append_name(auth.inner, data, len);
}

static void a_end_name(const br_ssl_client_certificate_class **ctx) {
	(void)ctx;
	if (auth.inner) INNER->end_name(auth.inner);
}

static void a_end_name_list(const br_ssl_client_certificate_class **ctx) {
	(void)ctx;
	if (auth.inner) INNER->end_name_list(auth.inner);
}

static void a_choose(const br_ssl_client_certificate_class **ctx, const br_ssl_client_context *cc,
	uint32_t auth_types, br_ssl_client_certificate *choices)
{
	(void)ctx;
	auth.requested = 1;
	memset(choices, 0, sizeof *choices);
	if (auth.inner) INNER->choose(auth.inner, cc, auth_types, choices);
	/* with no certificate BearSSL sends an empty Certificate message and
	 * the server decides: optional client auth still succeeds */
	auth.sent = choices->chain_len > 0;
}

static uint32_t a_do_keyx(const br_ssl_client_certificate_class **ctx, unsigned char *data, size_t *len) {
	(void)ctx;
	return auth.inner ? INNER->do_keyx(auth.inner, data, len) : 0;
}

static size_t a_do_sign(const br_ssl_client_certificate_class **ctx, int hash_id, size_t hv_len,
	unsigned char *data, size_t len)
{
	(void)ctx;
	return auth.inner ? INNER->do_sign(auth.inner, hash_id, hv_len, data, len) : 0;
}

static const br_ssl_client_certificate_class recording_class = {
	sizeof auth, a_start_name_list, a_start_name, a_append_name, a_end_name,
	a_end_name_list, a_choose, a_do_keyx, a_do_sign,
};

int client_auth_install(br_ssl_client_context *cc) {
	auth.requested = 0;
	auth.sent = 0;
	auth.inner = 0;
#if !MH_NO_CLIENT_CERTS
	if ((auth.chain_len == 0) != (auth.key_type == 0)) {
		return MH_ERR_CONFIG;
	}
	if (auth.key_type == BR_KEYTYPE_RSA) {
		br_ssl_client_set_single_rsa(cc, auth.chain, auth.chain_len,
			br_skey_decoder_get_rsa(&auth.key), br_rsa_pkcs1_sign_get_default());
		auth.inner = cc->client_auth_vtable;
	} else if (auth.key_type == BR_KEYTYPE_EC) {
		br_ssl_client_set_single_ec(cc, auth.chain, auth.chain_len,
			br_skey_decoder_get_ec(&auth.key), BR_KEYTYPE_SIGN, BR_KEYTYPE_EC,
			ec_choice(), br_ecdsa_sign_asn1_get_default());
		auth.inner = cc->client_auth_vtable;
	}
#endif
	auth.vtable = &recording_class;
	cc->client_auth_vtable = &auth.vtable;
	return 0;
}

int client_auth_requested(void) {
	return auth.requested;
}

int client_auth_sent(void) {
	return auth.sent;
}

size_t client_auth_state_bytes(void) {
	return sizeof auth;
}
