/* What a failed TLS 1.3 connection reports: the engine records a BearSSL
 * style cause (BR_ERR_*, or a received alert as BR_ERR_RECV_FATAL_ALERT +
 * its number) and these map it to the codes and reasons the TLS 1.2 engine
 * reports for the same server behaviour. */
#include "engine.h"
#include "tls13_transport.h"
#include "x509/x509_policy.h"
#include "microhttps/spec.h"

/* A certificate verdict: BearSSL's X.509 errors, and a CertificateVerify
 * that failed because the leaf's RSA key is above BearSSL's limit (the
 * TLS 1.2 engine reports the same way). */
static int is_x509(int err) {
	return (err >= BR_ERR_X509_OK && err < BR_ERR_X509_OK + 32) || x509_policy_leaf_key_too_large(err);
}

static int received_alert(int err) {
	return err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT ? err - BR_ERR_RECV_FATAL_ALERT : -1;
}

/* Alerts a server sends when it does not like our hello. */
static int handshake_alert(int alert) {
	return alert == ALERT_HANDSHAKE_FAILURE || alert == ALERT_PROTOCOL_VERSION
		|| alert == 71 /* insufficient_security */ || alert == ALERT_ILLEGAL_PARAMETER
		|| alert == ALERT_MISSING_EXTENSION;
}

int tls13_transport_reason(void) {
	const tls13_engine *e = t13;
	int alert = received_alert(e->err);
	if (e->err == 0 || is_x509(e->err)) return x509_policy_reason();
	if (e->reason) return e->reason;
	if (e->cert_requested && alert >= 0) return MH_REASON_CLIENT_CERT_REQUESTED;
	/* a TLS-1.2-only server that knows supported_versions refuses a hello
	 * that offers 1.3 alone with this alert instead of a ServerHello */
	if (e->version == 0 && alert == ALERT_PROTOCOL_VERSION) return MH_REASON_SERVER_TLS12;
	if (e->state != ST_CONNECTED && e->version == 0 && alert >= 0 && handshake_alert(alert)) {
		return MH_REASON_NO_COMMON_SUITE;
	}
	return MH_REASON_NONE;
}

int tls13_transport_error(void) {
	const tls13_engine *e = t13;
	if (tls13_transport_failed_open()) return MH_ERR_CONFIG;
	if (e->err == 0) return 0;
	if (is_x509(e->err)) {
		int policy = x509_policy_error();
		return policy ? policy : MH_ERR_CERT_INVALID;
	}
	int reason = tls13_transport_reason();
	int alert = received_alert(e->err);
	if (reason == MH_REASON_CLIENT_CERT_REQUESTED || alert == ALERT_CERTIFICATE_REQUIRED) {
		return MH_ERR_TLS_CLIENT_CERT;
	}
	if (reason == MH_REASON_RECORD_OVERFLOW) return MH_ERR_TLS_PROTOCOL;
	if (reason != MH_REASON_NONE) return MH_ERR_TLS_HANDSHAKE;
	switch (e->err) {
	case BR_ERR_BAD_CIPHER_SUITE:
	case BR_ERR_INVALID_ALGORITHM:
	case BR_ERR_BAD_SIGNATURE:
	case BR_ERR_BAD_FINISHED:
		return MH_ERR_TLS_HANDSHAKE;
	}
	return alert >= 0 && handshake_alert(alert) ? MH_ERR_TLS_HANDSHAKE : MH_ERR_TLS_PROTOCOL;
}

unsigned tls13_transport_version(void) {
	return t13->version;
}

unsigned tls13_transport_suite(void) {
	return t13->suite;
}

unsigned tls13_transport_max_fragment(void) {
	return tls13_fragment_agreed();
}
