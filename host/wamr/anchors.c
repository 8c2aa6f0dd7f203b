/* Trust anchors on demand, host side: the caller's PEM bundle is checked once
 * at open and searched whenever the core asks for an issuer's anchors. The
 * core reads and hashes each certificate's subject Name, so this host parses
 * no DER. */
#include <string.h>

#include "anchors.h"
#include "core_calls.h"
#include "microhttps/spec.h"
#include "pem.h"

/* The transfer window, where certificates are decoded for the core. */
static uint8_t *xfer_window(microhttps *conn, uint32_t *cap, microhttps_error *err) {
    *cap = core_call0(conn, X_XFER_CAP, err);
    uint8_t *window = core_view(conn, core_call0(conn, X_XFER_PTR, err), *cap);
    if (!err->code && !window) core_fail(err, MH_ERR_INTERNAL, 0, "transfer window outside linear memory");
    return err->code ? NULL : window;
}

/* Where the core put the SHA-256 of the subject Name of the certificate of n
 * bytes in the transfer window (32 bytes), or NULL when it cannot read one. */
static const uint8_t *subject_hash(microhttps *conn, long n, microhttps_error *err) {
    uint32_t digest = core_call1(conn, X_ANCHOR_SUBJECT_HASH, (uint32_t)n, err);
    return err->code || digest == 0 ? NULL : core_view(conn, digest, 32);
}

/* Checks the bundle once at open: every block must be a certificate whose
 * subject the core can read (a system bundle may skip the odd one). The
 * anchors themselves are loaded only when the core asks for them. */
int anchors_check(microhttps *conn, const microhttps_options *o, microhttps_error *err) {
    if (!o->ca_pem || !o->ca_pem_len) return core_fail(err, MH_ERR_CONFIG, 0, "https needs trust anchors: options.ca_pem is empty");
    uint32_t cap;
    uint8_t *window = xfer_window(conn, &cap, err);
    if (!window) return (int)err->code;
    uint32_t usable = 0, index = 0;
    for (size_t pos = 0;; index++) {
        long n = pem_next_certificate(o->ca_pem, o->ca_pem_len, &pos, window, cap);
        if (n == PEM_NO_MORE) break;
        if (n > 0 && subject_hash(conn, n, err)) usable++;
        else if (err->code) return (int)err->code;
        else if (!o->ca_skip_unusable) {
            const char *why = n == PEM_MALFORMED ? "is not valid PEM base64"
                            : n == PEM_TOO_LARGE ? "is larger than the transfer window"
                            : "is not an X.509 certificate";
            return core_fail(err, MH_ERR_CONFIG, 0, "trust anchor #%u %s", index, why);
        }
    }
    if (usable == 0) return core_fail(err, MH_ERR_CONFIG, 0, "no usable trust anchor in ca_pem (%u blocks)", index);
    conn->ca_pem = o->ca_pem;
    conn->ca_pem_len = o->ca_pem_len;
    conn->ca_skip_unusable = o->ca_skip_unusable;
    return 0;
}

/* EV_NEED_ANCHOR: adds every certificate of the bundle whose subject Name has
 * the SHA-256 the core asks for (mh_anchor_subject_hash reads and hashes it),
 * then lets the handshake go on. The trust store holds only these. */
int anchors_answer_query(microhttps *conn, microhttps_error *err) {
    uint8_t wanted[32];
    const uint8_t *query = core_view(conn, core_call0(conn, X_ANCHOR_QUERY_PTR, err), sizeof wanted);
    if (err->code) return -1;
    if (!query) return core_fail(err, MH_ERR_INTERNAL, 0, "anchor query outside linear memory"), -1;
    memcpy(wanted, query, sizeof wanted);
    uint32_t cap;
    uint8_t *window = xfer_window(conn, &cap, err);
    if (!window) return -1;
    for (size_t pos = 0;;) {
        long n = pem_next_certificate(conn->ca_pem, conn->ca_pem_len, &pos, window, cap);
        if (n == PEM_NO_MORE) break;
        const uint8_t *digest = n > 0 ? subject_hash(conn, n, err) : NULL; /* unusable ones were reported at open */
        if (err->code) return -1;
        if (!digest || memcmp(digest, wanted, sizeof wanted) != 0) continue;
        uint32_t code = core_call1(conn, X_ANCHOR_ADD, (uint32_t)n, err); /* the DER is still in the window */
        if (err->code) return -1;
        if (code != 0 && !conn->ca_skip_unusable) {
            return core_fail(err, MH_ERR_CONFIG, core_call0(conn, X_CALL_DETAIL, err),
                "a trust anchor for this server could not be decoded, or the trust store (trustStoreBytes) is full"), -1;
        }
    }
    core_call0(conn, X_ANCHOR_RESUME, err);
    return err->code ? -1 : 0;
}
